//! The runtime-expression parser (`arazzo_codegen::expr`): whole expressions, templates with
//! embedded `{$…}` expressions, prefixes in both modes, and the dialect rewrites.
#![no_main]

use arazzo_codegen::expr::{self, Mode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = expr::parse(text) {
        // What the parser accepts, it prints back in a form it accepts again.
        let printed = parsed.to_string();
        assert!(
            expr::parse(&printed).is_ok(),
            "{text:?} printed as {printed:?}"
        );
    }
    let _ = expr::parse_template(text);
    let _ = expr::parse_prefix(text, Mode::Value);
    let _ = expr::parse_prefix(text, Mode::Condition);
    let _ = expr::looks_like_expression(text);
    let _ = expr::misspelled_root(text);
    if let Some((fixed, _)) = expr::rewrite_dialects(text) {
        let _ = expr::parse_template(&fixed);
    }
});
