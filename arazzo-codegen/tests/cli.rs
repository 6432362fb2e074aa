//! The `arazzo-codegen` command line, run as a user runs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_arazzo-codegen"))
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("the CLI runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const SEED: &str = "specs/arazzo/stytch-sms-otp-login-workflow.yml";

#[test]
fn generate_prints_the_snapshot() {
    let output = run(&["generate", SEED]);
    assert!(output.status.success(), "{}", stderr(&output));
    let snapshot =
        std::fs::read_to_string(workspace().join("tests/snapshots/stytch_sms_otp_login.rs"))
            .expect("the snapshot exists");
    assert_eq!(stdout(&output), snapshot);
    assert_eq!(stderr(&output), "", "no warnings on the seed");
}

#[test]
fn generate_with_dash_dash_fake_prints_the_fake_snapshot() {
    let output = run(&["generate", SEED, "--fake"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let code = stdout(&output);
    assert!(
        code.contains("pub mod fake {"),
        "the fake module is generated"
    );
    let snapshot =
        std::fs::read_to_string(workspace().join("tests/snapshots/stytch_sms_otp_login_fake.rs"))
            .expect("the snapshot exists");
    assert_eq!(code, snapshot);
    assert_eq!(stderr(&output), "", "no warnings on the seed");
    // Without `--fake`, none.
    assert!(!stdout(&run(&["generate", SEED])).contains("pub mod fake"));
}

#[test]
fn generate_with_dash_dash_durable_prints_the_durable_snapshot() {
    let output = run(&["generate", SEED, "--durable"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let snapshot = std::fs::read_to_string(
        workspace().join("tests/snapshots/stytch_sms_otp_login_durable.rs"),
    )
    .expect("the snapshot exists");
    assert_eq!(stdout(&output), snapshot);
    assert!(!stdout(&run(&["generate", SEED])).contains("pub async fn resume"));
}

#[test]
fn generate_writes_a_file_with_dash_o() {
    let dir = std::env::temp_dir().join(format!("arazzo-codegen-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("out.rs");
    let output = run(&["generate", SEED, "-o", file.to_str().expect("utf-8")]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    let written = std::fs::read_to_string(&file).expect("written");
    assert!(written.contains("pub async fn sms_otp_login("));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn source_overrides_are_honoured_and_checked() {
    let output = run(&[
        "check",
        SEED,
        "--source",
        "stytchConsumerApi=specs/openapi/stytch-consumer-openapi.yml",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));

    let output = run(&[
        "check",
        SEED,
        "--source",
        "stytchConsumer=specs/openapi/stytch-consumer-openapi.yml",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("no source description of that name"), "{err}");
    assert!(err.contains("did you mean `stytchConsumerApi`?"), "{err}");

    let output = run(&["check", SEED, "--source", "stytchConsumerApi=nowhere.yml"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("cannot read `nowhere.yml`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn check_is_silent_on_a_good_document() {
    let output = run(&["check", SEED]);
    assert!(output.status.success());
    assert_eq!(stdout(&output), "");
    assert_eq!(stderr(&output), "");
}

#[test]
fn check_exits_1_with_located_diagnostics_on_a_bad_document() {
    let output = run(&["check", "tests/ui/fixtures/unknown-operation-id.yml"]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.starts_with("tests/ui/fixtures/unknown-operation-id.yml:13:18: error: unknown operationId `api_otp_v1_authenticate`"),
        "{err}"
    );
    assert!(
        err.contains("13 |     operationId: api_otp_v1_authenticate"),
        "{err}"
    );
    assert!(
        err.contains("help: did you mean `api_otp_v1_Authenticate`?"),
        "{err}"
    );
    assert!(err.trim_end().ends_with("error: 1 problem found"), "{err}");
}

#[test]
fn check_reports_a_missing_document() {
    let output = run(&["check", "specs/arazzo/nope.yml"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).starts_with("error: cannot read `specs/arazzo/nope.yml`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn generates_from_the_full_upstream_stytch_description() {
    let upstream =
        workspace().join("../shared/specs-upstream/arazzo/stytch-sms-otp-login-workflow.yml");
    if !upstream.exists() {
        println!(
            "skipped: {} is absent (the shared test data lives beside the checkout)",
            upstream.display()
        );
        return;
    }
    let output = run(&["generate", upstream.to_str().expect("utf-8")]);
    assert!(output.status.success(), "{}", stderr(&output));
    let code = stdout(&output);
    assert!(code.contains("pub async fn sms_otp_login("));
    assert!(code.contains("pub session_jwt: ::std::string::String,"));
    // The upstream description applies no security but defines one scheme: offered, not required.
    assert!(
        code.contains(".basic_auth(client.basic_auth.as_ref())"),
        "{code}"
    );
}
