//! Under `#![deny(warnings)]` a generator warning is an error.
#![deny(warnings)]

arazzo_tests_ui::arazzo_workflow!("ui/fixtures/undescribed-pointer.yml");

fn main() {}
