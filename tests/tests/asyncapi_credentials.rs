//! Credentials from AsyncAPI security schemes, end to end: the workflows of
//! `fixtures/asyncapi/secured-orders.arazzo.yaml` send an order to an MQTT, a NATS and a Kafka
//! source whose servers list `security` schemes. The generated `ClientBuilder` has a setter per
//! scheme the transport can use (`userPassword`, `apiKey`, `scramSha256`, `plain`) and none for
//! the others (`X509`, `oauth2`), which its docs name. The generated code is snapshotted
//! (`snapshots/asyncapi_secured_orders.rs`), compiled under `#![deny(warnings)]` and run
//! against real brokers started with a login (`support/brokers.rs`): the right credentials send
//! the order, a wrong password and none fail the step with `Error::BrokerUnreachable` naming it,
//! and no error, `Debug` output included, shows a credential.

use std::path::{Path, PathBuf};

use arazzo_codegen::{Generator, Settings};

fn generated() -> String {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    Generator::new(Settings::new().with_base_dir(workspace))
        .generate("tests/fixtures/asyncapi/secured-orders.arazzo.yaml")
        .unwrap_or_else(|failure| panic!("generates:\n{failure}"))
        .to_formatted_string()
}

#[test]
fn snapshot() {
    expectorate::assert_contents("snapshots/asyncapi_secured_orders.rs", &generated());
}

#[test]
fn logs_in_to_real_brokers() {
    let tests = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let scenarios = tests.join("asyncapi/credentials.rs");
    let brokers = tests.join("tests/support/brokers.rs");
    let source = format!(
        "//! The secured pet orders' workflows, run over real brokers that ask for a login.\n\
         #![deny(warnings)]\n\
         #![allow(dead_code)]\n\n\
         mod secured {{\n{code}\n}}\n\n\
         #[path = {brokers:?}]\n\
         mod brokers;\n\n\
         include!({scenarios:?});\n",
        code = generated(),
        scenarios = scenarios.display().to_string(),
        brokers = brokers.display().to_string(),
    );
    let crate_file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("asyncapi_secured_orders.rs");
    std::fs::write(&crate_file, source).expect("written");
    trybuild::TestCases::new().pass(&crate_file);
}
