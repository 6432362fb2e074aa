//! The step-by-step SMS login (`--interactive`) against the embedded server, with standard input
//! scripted: the code is read between the two steps, exactly two requests are made, a wrong
//! code fails the second step by name, and no input fails before anything more is sent.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run_interactive(stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_generated-example"))
        .arg("--interactive")
        .env_remove("STYTCH_PROJECT_ID")
        .env_remove("STYTCH_SECRET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("the example ends")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_code_typed_between_the_steps_logs_in() {
    let output = run_interactive("000000\n");
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let prompt = stdout.find("enter the code").expect("a prompt");
    let sent = stdout.find("step sendSmsOtp").expect("step one ran");
    let authenticated = stdout.find("step authenticateOtp").expect("step two ran");
    assert!(sent < prompt && prompt < authenticated, "{stdout}");
    assert!(stdout.contains("userId:       user-test-"), "{stdout}");
    assert!(stdout.contains(r#""code":"000000""#), "{stdout}");
    assert_eq!(
        stdout
            .matches("  1. POST /v1/otps/sms/login_or_create")
            .count(),
        1
    );
    assert_eq!(stdout.matches("  2. POST /v1/otps/authenticate").count(), 1);
    assert!(!stdout.contains("  3. "), "exactly two requests: {stdout}");
    // The session token is abbreviated, never printed whole.
    assert!(
        !stdout.contains("mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q"),
        "{stdout}"
    );
}

#[test]
fn a_wrong_code_fails_the_second_step() {
    let output = run_interactive("123456\n");
    let stderr = text(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("step `authenticateOtp` failed: HTTP 404"),
        "{stderr}"
    );
    assert!(stderr.contains("otp_code_not_found"), "{stderr}");
}

#[test]
fn no_code_stops_after_the_first_step() {
    let output = run_interactive("");
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(!output.status.success());
    assert!(stderr.contains("no code on standard input"), "{stderr}");
    assert!(!stdout.contains("/v1/otps/authenticate"), "{stdout}");
}
