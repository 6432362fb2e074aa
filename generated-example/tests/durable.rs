//! `--durable`: the SMS login as two separate runs of the example, its state in a file store in
//! between. The first process sends the SMS and suspends waiting for `code`; the second, a new
//! process, resumes with the code and gets the session, without sending the SMS again.
//!
//! The main test starts the embedded server (the seed's fake with Stytch's sandbox behaviour,
//! `generated_example::embedded`) here, in the test, and points both processes at it with
//! `--base-url`, so that one server log sees both: exactly one request after the first process,
//! exactly one more after the second. A second test runs the README's two commands as they are,
//! each process with its own embedded server.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use generated_example::via_macro::fake::{AuthenticateOtpResponse, SendSmsOtpResponse};

const SMS: &str = "/v1/otps/sms/login_or_create";
const AUTHENTICATE: &str = "/v1/otps/authenticate";

/// Runs the example with `args`, off the async runtime's threads (the fake serves on them).
async fn example(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_generated-example"))
            .args(args)
            .env_remove("STYTCH_PROJECT_ID")
            .env_remove("STYTCH_SECRET")
            .output()
            .expect("the example runs")
    })
    .await
    .expect("the example runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh directory for one test's file store.
fn state_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "generated-example-durable-{}-{test}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn durable_args(state: &Path, run_id: &str, more: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["--durable", "--state"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    args.push(state.display().to_string());
    args.push("--run-id".to_owned());
    args.push(run_id.to_owned());
    args.extend(more.iter().map(|arg| (*arg).to_owned()));
    args
}

/// Checks a completed login's printed outputs: the user, and the session abbreviated.
fn assert_logged_in(stdout: &str) {
    let session = AuthenticateOtpResponse::default_ok();
    assert!(
        stdout.contains(&format!("userId:       {}", session.user_id)),
        "{stdout}"
    );
    assert!(stdout.contains("sessionToken: "), "{stdout}");
    assert!(stdout.contains("sessionJwt:   "), "{stdout}");
    assert!(!stdout.contains(&session.session_token), "{stdout}");
    assert!(!stdout.contains(&session.session_jwt), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_suspends_after_the_sms_and_resumes_with_the_code_in_another_process() {
    let fake = generated_example::embedded::start().await;
    let base_url = fake.base_url("stytchConsumerApi").expect("the source");
    let state = state_dir("two-processes");
    let checkpoint = state.join("login-1.json");

    let first = example(durable_args(
        &state,
        "login-1",
        &["--phone", "+10000000000", "--base-url", &base_url],
    ))
    .await;
    let (stdout, stderr) = (text(&first.stdout), text(&first.stderr));
    assert!(first.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("run `login-1` suspended after step sendSmsOtp, waiting for: code"),
        "{stdout}"
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "exactly one request: {requests:?}");
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        ("POST", SMS)
    );
    // The state between the processes is a file, and holds no credential.
    let saved = std::fs::read_to_string(&checkpoint).expect("the checkpoint file");
    assert!(!saved.contains("secret-test-example"), "{saved}");
    assert!(!saved.contains("project-test-example"), "{saved}");
    assert!(!saved.contains("Basic "), "{saved}");

    let second = example(durable_args(
        &state,
        "login-1",
        &["--code", "000000", "--base-url", &base_url],
    ))
    .await;
    let (stdout, stderr) = (text(&second.stdout), text(&second.stderr));
    assert!(second.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("run `login-1` completed"), "{stdout}");
    assert_logged_in(&stdout);
    let requests = fake.requests();
    assert_eq!(requests.len(), 2, "exactly one more request: {requests:?}");
    assert_eq!(
        (requests[1].method.as_str(), requests[1].path.as_str()),
        ("POST", AUTHENTICATE)
    );
    // The second process authenticated the phone id the first one's SMS step returned, read
    // back from the state, with the code it was given.
    let phone_id = SendSmsOtpResponse::default_ok().phone_id;
    assert!(requests[1].raw_body.contains(&phone_id), "{requests:?}");
    assert!(
        requests[1].raw_body.contains(r#""code":"000000""#),
        "{requests:?}"
    );
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
    assert!(!checkpoint.exists(), "a completed run's state is deleted");
    let _ = std::fs::remove_dir_all(&state);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_commands_work_each_with_its_own_embedded_server() {
    let state = state_dir("readme");
    let first = example(durable_args(
        &state,
        "login-1",
        &["--phone", "+10000000000"],
    ))
    .await;
    let stdout = text(&first.stdout);
    assert!(first.status.success(), "{stdout}\n{}", text(&first.stderr));
    assert!(stdout.contains("waiting for: code"), "{stdout}");
    assert!(stdout.contains(&format!("  1. POST {SMS}")), "{stdout}");
    assert!(!stdout.contains("  2. "), "exactly one request: {stdout}");

    let second = example(durable_args(&state, "login-1", &["--code", "000000"])).await;
    let stdout = text(&second.stdout);
    assert!(
        second.status.success(),
        "{stdout}\n{}",
        text(&second.stderr)
    );
    assert_logged_in(&stdout);
    assert!(
        stdout.contains(&format!("  1. POST {AUTHENTICATE}")),
        "{stdout}"
    );
    assert!(!stdout.contains("  2. "), "exactly one request: {stdout}");
    let _ = std::fs::remove_dir_all(&state);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_code_fails_by_name_and_the_run_can_be_resumed_again() {
    let fake = generated_example::embedded::start().await;
    let base_url = fake.base_url("stytchConsumerApi").expect("the source");
    let state = state_dir("wrong-code");
    let start = durable_args(&state, "login-2", &["--base-url", &base_url]);

    let first = example(start.clone()).await;
    assert!(first.status.success(), "{}", text(&first.stderr));
    // Starting the same run again is refused before anything is sent.
    let again = example(start).await;
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("run `login-2` has already started"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(fake.requests().len(), 1);

    let wrong = example(durable_args(
        &state,
        "login-2",
        &["--code", "123456", "--base-url", &base_url],
    ))
    .await;
    let stderr = text(&wrong.stderr);
    assert!(!wrong.status.success());
    assert!(
        stderr.contains("step `authenticateOtp` failed: HTTP 404"),
        "{stderr}"
    );
    assert!(stderr.contains("otp_code_not_found"), "{stderr}");
    assert!(state.join("login-2.json").exists(), "the checkpoint stays");

    let right = example(durable_args(
        &state,
        "login-2",
        &["--code", "000000", "--base-url", &base_url],
    ))
    .await;
    assert!(right.status.success(), "{}", text(&right.stderr));
    assert_logged_in(&text(&right.stdout));
    let paths: Vec<String> = fake.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [SMS, AUTHENTICATE, AUTHENTICATE],
        "the SMS was sent once"
    );

    // A run that completed (or never started) is named, and nothing is sent.
    let gone = example(durable_args(
        &state,
        "login-2",
        &["--code", "000000", "--base-url", &base_url],
    ))
    .await;
    assert!(!gone.status.success());
    assert!(
        text(&gone.stderr).contains("no saved run `login-2`"),
        "{}",
        text(&gone.stderr)
    );
    assert_eq!(fake.requests().len(), 3);
    let _ = std::fs::remove_dir_all(&state);
}
