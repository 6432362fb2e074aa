//! The `simple` condition parser (`arazzo_codegen::condition`) and the double-quote rewrite.
#![no_main]

use arazzo_codegen::condition;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = condition::parse(text);
    if let Some(fixed) = condition::rewrite_double_quotes(text) {
        let _ = condition::parse(&fixed);
    }
});
