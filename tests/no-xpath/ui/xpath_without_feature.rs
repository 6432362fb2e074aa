//! An `xpath` criterion, with `arazzo-runtime` built without its `xpath` feature: the build stops
//! with the message that says how to enable it.

arazzo_tests_ui::arazzo_workflow!("ui/fixtures/xpath-criterion.yml");

fn main() {}
