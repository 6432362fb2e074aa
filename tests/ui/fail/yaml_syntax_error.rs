arazzo_macros::arazzo_workflow!("../../../../tests/ui/fixtures/yaml-syntax-error.yml");

fn main() {}
