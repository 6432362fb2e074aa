//! AsyncAPI steps (Arazzo 1.1) end to end: the specification's pet purchase example
//! (`../shared/spec/arazzo/examples-1.1.0/pet-asyncapi.yaml`, AsyncAPI 3.0) in the workflows of
//! `fixtures/asyncapi/pet-orders.arazzo.yaml`, generated, compiled under `#![deny(warnings)]`
//! and run over the in-process transport (`arazzo_runtime::transport::InMemory`), as
//! `asyncapi/scenarios.rs` says: an order sent and its confirmation received by correlation id
//! (a decoy with another id does not count), no reply (the typed timeout naming the step), a
//! reply that arrives before the receive step starts, and a workflow that mixes HTTP on
//! 127.0.0.1 with messages. The scenarios take the transport as a parameter, so that a
//! broker's test runs them over that broker.
//!
//! The generated code is snapshotted too (`snapshots/asyncapi_pet_orders.rs`). Without
//! `../shared` the tests print a notice and pass.

use std::path::{Path, PathBuf};

use arazzo_codegen::{Generator, Settings};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The generated code, or `None` (with a notice) without `../shared`.
fn generated() -> Option<String> {
    let pet = workspace().join("../shared/spec/arazzo/examples-1.1.0/pet-asyncapi.yaml");
    if !pet.is_file() {
        println!(
            "skipped: {} is absent (the shared test data lives beside the checkout)",
            pet.display()
        );
        return None;
    }
    let code = Generator::new(Settings::new().with_base_dir(workspace()))
        .generate("tests/fixtures/asyncapi/pet-orders.arazzo.yaml")
        .unwrap_or_else(|failure| panic!("generates:\n{failure}"))
        .to_formatted_string();
    Some(code)
}

#[test]
fn snapshot() {
    let Some(code) = generated() else { return };
    expectorate::assert_contents("snapshots/asyncapi_pet_orders.rs", &code);
}

#[test]
fn runs_end_to_end_over_the_in_memory_transport() {
    let Some(code) = generated() else { return };
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("asyncapi/scenarios.rs");
    let source = format!(
        "//! The pet orders' workflows, run over the in-process transport.\n\
         #![deny(warnings)]\n\
         // The generated items are the crate's API; in a binary not all of them are used.\n\
         #![allow(dead_code)]\n\n\
         mod pet_orders {{\n{code}\n}}\n\n\
         include!({scenarios:?});\n\n\
         #[tokio::main]\n\
         async fn main() {{\n\
             let fresh = || -> std::sync::Arc<dyn Transport> {{ std::sync::Arc::new(arazzo_runtime::transport::InMemory::new()) }};\n\
             an_order_is_confirmed(fresh()).await;\n\
             no_reply_is_a_timeout_naming_the_step(fresh()).await;\n\
             an_early_reply_is_not_missed(fresh()).await;\n\
             http_and_messages_mix(fresh(), &pet_store().await).await;\n\
             let unreachable = pet_orders::place_and_confirm(&pet_orders::Client::new(), order(1, \"order-5\")).await;\n\
             assert!(matches!(unreachable, Err(arazzo_runtime::Error::BrokerUnreachable {{ step: \"placeOrder\", .. }})), \"{{unreachable:?}}\");\n\
         }}\n",
        scenarios = scenarios.display().to_string(),
    );
    let crate_file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("asyncapi_pet_orders.rs");
    std::fs::write(&crate_file, source).expect("written");
    trybuild::TestCases::new().pass(&crate_file);
}

/// The same scenarios over each real broker (`support/brokers.rs`: Mosquitto, nats-server and
/// tansu, each started on 127.0.0.1 by the run, a fresh one per scenario so that one
/// scenario's responder never answers another's order). A broker that is not installed is
/// skipped with a notice, unless `ARAZZO_REQUIRE_BROKERS=1` (CI), where it fails the run.
#[test]
fn runs_end_to_end_over_real_brokers() {
    let Some(code) = generated() else { return };
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenarios = tests.join("asyncapi/scenarios.rs");
    let brokers = tests.join("tests/support/brokers.rs");
    let source = format!(
        "//! The pet orders' workflows, run over real brokers.\n\
         #![deny(warnings)]\n\
         #![allow(dead_code)]\n\n\
         mod pet_orders {{\n{code}\n}}\n\n\
         #[path = {brokers:?}]\n\
         mod brokers;\n\n\
         include!({scenarios:?});\n\n\
         #[tokio::main]\n\
         async fn main() {{\n\
             for kind in brokers::Kind::ALL {{\n\
                 let fresh = || brokers::Broker::start(kind);\n\
                 let Some(broker) = fresh() else {{ continue }};\n\
                 an_order_is_confirmed(broker.transport()).await;\n\
                 let Some(broker) = fresh() else {{ continue }};\n\
                 no_reply_is_a_timeout_naming_the_step(broker.transport()).await;\n\
                 let Some(broker) = fresh() else {{ continue }};\n\
                 an_early_reply_is_not_missed(broker.transport()).await;\n\
                 let Some(broker) = fresh() else {{ continue }};\n\
                 http_and_messages_mix(broker.transport(), &pet_store().await).await;\n\
                 println!(\"{{kind:?}}: every scenario passed\");\n\
             }}\n\
         }}\n",
        scenarios = scenarios.display().to_string(),
        brokers = brokers.display().to_string(),
    );
    let crate_file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("asyncapi_pet_orders_brokers.rs");
    std::fs::write(&crate_file, source).expect("written");
    trybuild::TestCases::new().pass(&crate_file);
}
