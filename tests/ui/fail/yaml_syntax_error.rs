arazzo_tests_ui::arazzo_workflow!("ui/fixtures/yaml-syntax-error.yml");

fn main() {}
