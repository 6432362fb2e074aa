arazzo_macros::arazzo_workflow!("../../../../tests/ui/fixtures/does-not-exist.yml");

fn main() {}
