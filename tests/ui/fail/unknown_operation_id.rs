arazzo_tests_ui::arazzo_workflow!("ui/fixtures/unknown-operation-id.yml");

fn main() {}
