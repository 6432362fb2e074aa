//! A response pointer that a closed schema (`additionalProperties: false`) does not describe is
//! an error.

arazzo_tests_ui::arazzo_workflow!("ui/fixtures/closed-schema-pointer.yml");

fn main() {}
