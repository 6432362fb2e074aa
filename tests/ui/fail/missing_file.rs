arazzo_tests_ui::arazzo_workflow!("ui/fixtures/does-not-exist.yml");

fn main() {}
