//! Real compilation: the snapshot compiles under `#![deny(warnings)]`, and bad documents are
//! compile errors on the macro's path literal.
//!
//! The `.stderr` files depend on the compiler's wording; refresh them with
//! `TRYBUILD=overwrite cargo test -p arazzo-tests --test trybuild` and read the diff.
//! The macro resolves paths against `CARGO_MANIFEST_DIR`, which inside trybuild is a project
//! under the target directory (`<target>/tests/trybuild/arazzo-tests`), so no relative path
//! names the fixtures from every target directory. The fail cases call the macro through
//! `arazzo_tests_ui::arazzo_workflow!` (`tests/ui-macro`), which hands it an absolute path to
//! `tests/ui/fixtures/…` on the same span; trybuild writes that directory as `$DIR` in the
//! `.stderr` files. `.ci/run` runs the tests with a target directory outside the clone.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
    cases.compile_fail("ui/fail/*.rs");
}
