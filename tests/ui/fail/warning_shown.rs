//! A generator warning is a warning of `cargo build`, at the macro's path literal, with the
//! document's file, line and column. (The `compile_error!` only ends the case, so that trybuild
//! records the compiler's output.)

arazzo_tests_ui::arazzo_workflow!("ui/fixtures/undescribed-pointer.yml");

compile_error!("end of the case: the warning above is what it checks");

fn main() {}
