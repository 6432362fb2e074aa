//! Generated code that uses XPath, built against `arazzo-runtime` without its `xpath` feature,
//! stops compiling with the message of `arazzo_runtime::xpath!`, which names the feature.
//!
//! Refresh the `.stderr` with `TRYBUILD=overwrite cargo test -p arazzo-tests-no-xpath` and read
//! the diff.

#[test]
fn xpath_needs_the_feature() {
    trybuild::TestCases::new().compile_fail("ui/*.rs");
}
