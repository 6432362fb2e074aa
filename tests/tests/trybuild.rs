//! Real compilation: the snapshot compiles under `#![deny(warnings)]`, and bad documents are
//! compile errors on the macro's path literal.
//!
//! The `.stderr` files depend on the compiler's wording; refresh them with
//! `TRYBUILD=overwrite cargo test -p arazzo-tests --test trybuild` and read the diff.
//! The macro resolves paths against `CARGO_MANIFEST_DIR`, which inside trybuild is
//! `target/tests/trybuild/arazzo-tests`: the fixtures are named relative to that directory, so
//! these cases assume the workspace's default `target` directory.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
    cases.compile_fail("ui/fail/*.rs");
}
