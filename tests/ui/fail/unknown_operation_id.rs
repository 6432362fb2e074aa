arazzo_macros::arazzo_workflow!("../../../../tests/ui/fixtures/unknown-operation-id.yml");

fn main() {}
