//! No library: the crate holds one trybuild case (`tests/no_xpath.rs`), built against
//! `arazzo-runtime` without its `xpath` feature.
