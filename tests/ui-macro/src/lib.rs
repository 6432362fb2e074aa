//! `arazzo_workflow!("ui/fixtures/x.yml")`: `arazzo_macros::arazzo_workflow!` with the path made
//! absolute, relative to the `tests` directory of the checkout (baked in when this crate is
//! built).
//!
//! The trybuild cases need it: `arazzo_workflow!` resolves a relative path against
//! `CARGO_MANIFEST_DIR`, which inside trybuild is a project under the target directory
//! (`<target>/tests/trybuild/arazzo-tests`), so no relative path names the fixtures from every
//! target directory. The absolute path keeps the literal's span, so errors still point at the
//! case's own path literal, and trybuild writes the checkout's `tests/` directory as `$DIR` in
//! the `.stderr` files, so they hold no machine's path.

use proc_macro::{Delimiter, Group, Literal, Punct, Spacing, TokenStream, TokenTree};
use std::path::Path;

/// `arazzo_macros::arazzo_workflow!` with the one path literal taken relative to `tests/`.
#[proc_macro]
pub fn arazzo_workflow(input: TokenStream) -> TokenStream {
    let mut tokens = input.into_iter();
    let literal = match (tokens.next(), tokens.next()) {
        (Some(TokenTree::Literal(literal)), None) => literal,
        _ => return error("expected one string literal: a path relative to `tests/`"),
    };
    let text = literal.to_string();
    let Some(relative) = text
        .strip_prefix('"')
        .and_then(|text| text.strip_suffix('"'))
        .filter(|text| !text.contains('\\'))
    else {
        return error("expected a plain string literal (no escapes): a path relative to `tests/`");
    };
    let Some(tests) = Path::new(env!("CARGO_MANIFEST_DIR")).parent() else {
        return error("this crate's directory has no parent");
    };
    let mut path = Literal::string(&tests.join(relative).display().to_string());
    path.set_span(literal.span());
    let mut expanded = TokenStream::new();
    for name in ["arazzo_macros", "arazzo_workflow"] {
        expanded.extend([
            TokenTree::Punct(Punct::new(':', Spacing::Joint)),
            TokenTree::Punct(Punct::new(':', Spacing::Alone)),
        ]);
        expanded.extend([TokenTree::Ident(proc_macro::Ident::new(
            name,
            proc_macro::Span::call_site(),
        ))]);
    }
    expanded.extend([
        TokenTree::Punct(Punct::new('!', Spacing::Alone)),
        TokenTree::Group(Group::new(
            Delimiter::Parenthesis,
            TokenTree::Literal(path).into(),
        )),
        TokenTree::Punct(Punct::new(';', Spacing::Alone)),
    ]);
    expanded
}

fn error(message: &str) -> TokenStream {
    let mut expanded: TokenStream = TokenStream::new();
    expanded.extend([
        TokenTree::Ident(proc_macro::Ident::new(
            "compile_error",
            proc_macro::Span::call_site(),
        )),
        TokenTree::Punct(Punct::new('!', Spacing::Alone)),
        TokenTree::Group(Group::new(
            Delimiter::Parenthesis,
            TokenTree::Literal(Literal::string(message)).into(),
        )),
        TokenTree::Punct(Punct::new(';', Spacing::Alone)),
    ]);
    expanded
}
