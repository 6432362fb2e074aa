//! Snapshots of generated code, checked against what the generator writes now.
//!
//! After an intended change to the output, regenerate with `EXPECTORATE=overwrite cargo test -p
//! arazzo-tests --test snapshots` and read the diff as a reviewer would: the snapshot is what
//! users get.

use std::path::{Path, PathBuf};

use arazzo_codegen::{Generator, Settings};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn generate(path: &str) -> String {
    Generator::new(Settings::new().with_base_dir(workspace()))
        .generate(path)
        .unwrap_or_else(|failure| panic!("{path} generates:\n{failure}"))
        .to_formatted_string()
}

#[test]
fn seed() {
    let code = generate("specs/arazzo/stytch-sms-otp-login-workflow.yml");
    expectorate::assert_contents("snapshots/stytch_sms_otp_login.rs", &code);
}

/// The seed with `fake = true`: the same code, then `pub mod fake`.
#[test]
fn seed_with_fake() {
    let code = Generator::new(Settings::new().with_base_dir(workspace()).with_fake(true))
        .generate("specs/arazzo/stytch-sms-otp-login-workflow.yml")
        .expect("generates")
        .to_formatted_string();
    expectorate::assert_contents("snapshots/stytch_sms_otp_login_fake.rs", &code);
}

/// The seed with `durable = true`: the same code, and in the workflow's module its durable run
/// (`VERSION`, `PartialInputs`, `State`, `start`, `resume`, `resume_with`).
#[test]
fn seed_durable() {
    let code = Generator::new(
        Settings::new()
            .with_base_dir(workspace())
            .with_durable(true),
    )
    .generate("specs/arazzo/stytch-sms-otp-login-workflow.yml")
    .expect("generates")
    .to_formatted_string();
    expectorate::assert_contents("snapshots/stytch_sms_otp_login_durable.rs", &code);
}

/// The control-flow fixture with `durable = true`: loops with `goto` and `retry` whose state
/// (the next step, the retry counts, the steps executed) is saved after every step.
#[test]
fn control_flow_durable() {
    let code = Generator::new(
        Settings::new()
            .with_base_dir(workspace())
            .with_durable(true),
    )
    .generate("tests/fixtures/control/control.arazzo.yaml")
    .expect("generates")
    .to_formatted_string();
    expectorate::assert_contents("snapshots/control_durable.rs", &code);
}

#[test]
fn generation_is_deterministic() {
    let first = generate("specs/arazzo/stytch-sms-otp-login-workflow.yml");
    for _ in 0..3 {
        assert_eq!(
            generate("specs/arazzo/stytch-sms-otp-login-workflow.yml"),
            first
        );
    }
}

#[test]
fn the_macro_expands_to_the_same_code_as_build_rs() {
    let path = "specs/arazzo/stytch-sms-otp-login-workflow.yml";
    let generated = Generator::new(Settings::new().with_base_dir(workspace()))
        .generate(path)
        .expect("generates");
    let input = arazzo_codegen::macro_support::parse(quote::quote!(#path)).expect("parses");
    let expanded = arazzo_codegen::macro_support::expand_in(&workspace(), &input).to_string();
    let code = generated.tokens().to_string();
    assert!(
        expanded.starts_with(&code),
        "the macro's expansion starts with the generated code"
    );
    // After the code, only the lines that make Cargo rebuild when a file changes.
    let tracking = expanded[code.len()..].trim();
    assert_eq!(tracking.matches("include_bytes").count(), 2, "{tracking}");
    assert!(
        tracking.contains("stytch-sms-otp-login-workflow.yml")
            && tracking.contains("stytch-consumer-openapi.yml")
    );
}

#[test]
fn expressions_and_criteria() {
    let code = generate("tests/fixtures/expressions/expressions.arazzo.yaml");
    expectorate::assert_contents("snapshots/expressions.rs", &code);
}

#[test]
fn awkward_names() {
    let code = generate("tests/fixtures/names/names.arazzo.yaml");
    expectorate::assert_contents("snapshots/names.rs", &code);
}

#[test]
fn parameters_bodies_and_security() {
    let code = generate("tests/fixtures/requests/requests.arazzo.yaml");
    expectorate::assert_contents("snapshots/requests.rs", &code);
}

#[test]
fn control_flow() {
    let code = generate("tests/fixtures/control/control.arazzo.yaml");
    expectorate::assert_contents("snapshots/control.rs", &code);
}

#[test]
fn composition() {
    let code = generate("tests/fixtures/composition/composition.arazzo.yaml");
    expectorate::assert_contents("snapshots/composition.rs", &code);
}

#[test]
fn types_from_schemas() {
    let code = generate("tests/fixtures/types/types.arazzo.yaml");
    expectorate::assert_contents("snapshots/types.rs", &code);
}

/// Outputs nothing in their workflow reads: the workflow's function reads only what it keeps
/// (issue 16, item 4), straight-line, in a loop, and from called workflows.
#[test]
fn unread_outputs() {
    let code = generate("tests/fixtures/reads/reads.arazzo.yaml");
    expectorate::assert_contents("snapshots/reads.rs", &code);
}

#[test]
fn arazzo_1_1() {
    // The relative `url`s resolve against the document's `$self`, to remote URLs: mapped here.
    let fixtures = workspace().join("tests/fixtures/arazzo-1.1");
    let code = Generator::new(
        Settings::new()
            .with_base_dir(workspace())
            .with_source("pets", fixtures.join("pets.openapi.yaml"))
            .with_source("legacy", fixtures.join("legacy.arazzo.yaml")),
    )
    .generate("tests/fixtures/arazzo-1.1/v11.arazzo.yaml")
    .unwrap_or_else(|failure| panic!("generates:\n{failure}"))
    .to_formatted_string();
    expectorate::assert_contents("snapshots/arazzo_1_1.rs", &code);
}

/// Steps that run at once (step `dependsOn`), one whose outputs nobody reads, a step that runs a
/// workflow at once with an operation step, and a workflow with `dependsOn` and a `retry`, which
/// runs sequentially.
#[test]
fn concurrent_steps() {
    let code = generate("tests/fixtures/concurrent/parts.arazzo.yaml");
    expectorate::assert_contents("snapshots/concurrent.rs", &code);
}

/// The same document with `concurrent = false`: the steps run one after the other.
#[test]
fn concurrent_steps_turned_off() {
    let code = Generator::new(
        Settings::new()
            .with_base_dir(workspace())
            .with_concurrent(false),
    )
    .generate("tests/fixtures/concurrent/parts.arazzo.yaml")
    .unwrap_or_else(|failure| panic!("generates:\n{failure}"))
    .to_formatted_string();
    assert!(!code.contains("arazzo_runtime::concurrent"), "{code}");
    assert!(code.contains("its steps, in order:"));
}

#[test]
fn arazzo_1_1_grammar() {
    // `in: querystring` (a form and a JSON one), values embedded by the 1.1 rules, and criteria
    // evaluated as 1.1 defines it (the error names the criterion and its evaluation error).
    let code = Generator::new(Settings::new().with_base_dir(workspace()))
        .generate("tests/fixtures/arazzo-1.1/grammar.arazzo.yaml")
        .unwrap_or_else(|failure| panic!("generates:\n{failure}"))
        .to_formatted_string();
    expectorate::assert_contents("snapshots/arazzo_1_1_grammar.rs", &code);
}

#[test]
fn selectors_and_xpath() {
    let code = generate("tests/fixtures/selectors/selectors.arazzo.yaml");
    expectorate::assert_contents("snapshots/selectors.rs", &code);
}

/// Step `dependsOn` naming a step of another workflow (Arazzo 1.1): of the same document, and of
/// a workflow of an Arazzo source. The caller hands over the step's outputs in the inputs.
#[test]
fn cross_workflow_step_dependencies() {
    let code = generate("tests/fixtures/arazzo-1.1/cross-step/producer.arazzo.yaml");
    expectorate::assert_contents("snapshots/cross_step_producer.rs", &code);
    let code = generate("tests/fixtures/arazzo-1.1/cross-step/consumer.arazzo.yaml");
    expectorate::assert_contents("snapshots/cross_step_consumer.rs", &code);
}
