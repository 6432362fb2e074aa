//! AsyncAPI send steps built from their messages' schemas (`fixtures/asyncapi/shipments.*`):
//! each payload is the type its schema gives it (a struct in `types`, members converted where
//! the workflow's value has another width), channel addresses with `{parameters}` filled from
//! the step's `in: path` parameters or from where the AsyncAPI parameter's `location` points in
//! the payload, and `text/plain` messages sent and received as text. Generated, compiled under
//! `#![deny(warnings)]` and run over the in-process transport (`asyncapi/shipments.rs` says
//! what is checked); the generated code is snapshotted too (`snapshots/asyncapi_shipments.rs`).

use std::path::{Path, PathBuf};

use arazzo_codegen::{Generator, Settings};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn generated() -> String {
    Generator::new(Settings::new().with_base_dir(workspace()))
        .generate("tests/fixtures/asyncapi/shipments.arazzo.yaml")
        .unwrap_or_else(|failure| panic!("generates:\n{failure}"))
        .to_formatted_string()
}

#[test]
fn snapshot() {
    expectorate::assert_contents("snapshots/asyncapi_shipments.rs", &generated());
}

#[test]
fn typed_sends_text_and_channel_parameters_run_over_the_in_memory_transport() {
    let code = generated();
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("asyncapi/shipments.rs");
    let source = format!(
        "//! The shipments workflow, run over the in-process transport.\n\
         #![deny(warnings)]\n\
         #![allow(dead_code)]\n\n\
         mod shipments {{\n{code}\n}}\n\n\
         include!({scenarios:?});\n\n\
         #[tokio::main]\n\
         async fn main() {{\n\
             run().await;\n\
         }}\n",
        scenarios = scenarios.display().to_string(),
    );
    let crate_file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("asyncapi_shipments.rs");
    std::fs::write(&crate_file, source).expect("written");
    trybuild::TestCases::new().pass(&crate_file);
}
