//! Durable runs survive a crash: a real child process (`src/bin/durable-child.rs`) runs the
//! workflows of `fixtures/durable/` (generated with `durable = true`) against a server on
//! 127.0.0.1, is killed with SIGKILL right after a checkpoint, and a new process resumes the run
//! from the file store or the SQLite store. The server's log of every request it received is
//! the witness: the steps before the checkpoint are not sent again, the step after it is sent
//! once, and a `retry` in flight keeps its count across the crash.
//!
//! The child stops dead after the checkpoint the test names (`block-after N`: its store wrapper
//! prints `checkpoint N` once the store has saved it, then blocks), so the kill lands at a known
//! point and not by timing.

#![cfg(unix)]

use std::io::{BufRead as _, BufReader, Read as _};
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The child process, built by Cargo with this test.
const CHILD: &str = env!("CARGO_BIN_EXE_durable-child");

/// The checkpoint after which the three-step run is killed: the one saved when its second step
/// (`pay`) completed, before the third (`ship`) is sent. (Checkpoint 1 is the one `start` saves
/// before the first request.)
const AFTER_SECOND_STEP: usize = 3;

/// The checkpoint after which the retrying run is killed: the one saved when the first try of
/// `pay` failed with 503 and the `retry` action decided to try again (its count is 1), before
/// the second try is sent.
const RETRY_IN_FLIGHT: usize = 3;

/// `retryLimit` of the `pay` step in `fixtures/durable/retry.arazzo.yaml`.
const RETRY_LIMIT: usize = 3;

/// The three steps' requests, as the server logs them.
const CREATE: &str = "POST /orders";
const PAY: &str = "POST /orders/o-1/payment";
const SHIP: &str = "POST /orders/o-1/shipment";

// ---------------------------------------------------------------------------------------------
// The three-step workflow, killed after the checkpoint of its second step.

#[tokio::test]
async fn a_run_killed_after_the_checkpoint_of_its_second_step_resumes_from_the_file_store() {
    let scratch = Scratch::new("linear-file");
    linear_crash_and_resume(&scratch.file_store()).await;
    assert!(
        !scratch.dir.join("run-linear.json").exists(),
        "the completed run's checkpoint file is deleted"
    );
}

#[tokio::test]
async fn a_run_killed_after_the_checkpoint_of_its_second_step_resumes_from_sqlite() {
    let scratch = Scratch::new("linear-sqlite");
    linear_crash_and_resume(&scratch.sqlite_store()).await;
}

async fn linear_crash_and_resume(store: &str) {
    let server = orders_server(0).await;
    let run = "run-linear";
    let args = ["linear", &server.uri(), store, run];

    let crashed = crash(&args, "start", AFTER_SECOND_STEP).await;
    assert_eq!(
        crashed,
        ["checkpoint 1", "checkpoint 2", "checkpoint 3", "blocking"]
    );
    assert_eq!(
        requests(&server).await,
        [CREATE, PAY],
        "the crash landed after the second step and before the third"
    );

    let resumed = run_child(&args, "resume").await;
    assert_eq!(resumed.code, Some(0), "{resumed}");
    assert_eq!(
        resumed.completed(),
        json!({"orderId": "o-1", "paymentId": "p-1", "trackingNumber": "t-1"}),
        "the outputs of the steps before the crash come from the checkpoint: {resumed}"
    );
    assert!(
        resumed.lines.iter().any(|line| line == "deleted"),
        "a completed run's checkpoint is deleted: {resumed}"
    );
    assert_eq!(
        requests(&server).await,
        [CREATE, PAY, SHIP],
        "steps 1 and 2 were not sent again; step 3 was sent once"
    );
    assert_idempotency_keys(&server, run).await;

    let again = run_child(&args, "resume").await;
    assert_eq!(again.code, Some(1), "{again}");
    assert!(again.error("NoSuchRun").contains(run), "{again}");
    assert_eq!(requests(&server).await.len(), 3, "nothing more was sent");
}

// ---------------------------------------------------------------------------------------------
// The retrying workflow, killed with a `retry` in flight.

#[tokio::test]
async fn a_retry_in_flight_continues_after_a_crash_from_the_file_store() {
    let scratch = Scratch::new("retry-file");
    retry_crash_and_resume(&scratch.file_store()).await;
}

#[tokio::test]
async fn a_retry_in_flight_continues_after_a_crash_from_sqlite() {
    let scratch = Scratch::new("retry-sqlite");
    retry_crash_and_resume(&scratch.sqlite_store()).await;
}

/// `pay` answers 503 twice, then 200: the crash lands between the first and the second try.
async fn retry_crash_and_resume(store: &str) {
    let server = orders_server(2).await;
    let run = "run-retry";
    let args = ["retry", &server.uri(), store, run];

    let crashed = crash(&args, "start", RETRY_IN_FLIGHT).await;
    assert_eq!(
        crashed,
        ["checkpoint 1", "checkpoint 2", "checkpoint 3", "blocking"]
    );
    assert_eq!(
        requests(&server).await,
        [CREATE, PAY],
        "the crash landed after the first try of `pay` failed and before the retry was sent"
    );

    let resumed = run_child(&args, "resume").await;
    assert_eq!(resumed.code, Some(0), "{resumed}");
    assert_eq!(
        resumed.completed(),
        json!({"orderId": "o-1", "paymentId": "p-1", "trackingNumber": "t-1"}),
        "{resumed}"
    );
    assert_eq!(
        requests(&server).await,
        [CREATE, PAY, PAY, PAY, SHIP],
        "`create` was not sent again; `pay` was retried until it succeeded; `ship` was sent once"
    );
    assert_idempotency_keys(&server, run).await;
}

#[tokio::test]
async fn the_retry_count_carries_over_the_crash_with_the_file_store() {
    let scratch = Scratch::new("limit-file");
    retry_limit_across_the_crash(&scratch.file_store()).await;
}

#[tokio::test]
async fn the_retry_count_carries_over_the_crash_with_sqlite() {
    let scratch = Scratch::new("limit-sqlite");
    retry_limit_across_the_crash(&scratch.sqlite_store()).await;
}

/// `pay` always answers 503: the tries of both processes together respect `retryLimit`.
async fn retry_limit_across_the_crash(store: &str) {
    let server = orders_server(u64::MAX).await;
    let args = ["retry", &server.uri(), store, "run-limit"];

    let crashed = crash(&args, "start", RETRY_IN_FLIGHT).await;
    assert_eq!(
        crashed,
        ["checkpoint 1", "checkpoint 2", "checkpoint 3", "blocking"]
    );
    assert_eq!(requests(&server).await, [CREATE, PAY]);

    let resumed = run_child(&args, "resume").await;
    assert_eq!(resumed.code, Some(1), "{resumed}");
    let error = resumed.error("Step");
    assert!(
        error.contains("step `pay`") && error.contains("503"),
        "the error names the step and the status: {resumed}"
    );
    let log = requests(&server).await;
    let mut expected = vec![CREATE];
    expected.extend(std::iter::repeat_n(PAY, 1 + RETRY_LIMIT));
    assert_eq!(
        log, expected,
        "one first try and {RETRY_LIMIT} retries in all, across both processes; no `ship`"
    );
}

/// Killed before its first request: the checkpoint `start` saves first lets a run that dies in
/// its first step be resumed too.
#[tokio::test]
async fn a_run_killed_before_its_first_request_resumes_from_the_file_store() {
    let scratch = Scratch::new("first-step");
    let server = orders_server(0).await;
    let args = ["linear", &server.uri(), &scratch.file_store(), "run-first"];

    let crashed = crash(&args, "start", 1).await;
    assert_eq!(crashed, ["checkpoint 1", "blocking"]);
    assert!(requests(&server).await.is_empty(), "nothing was sent yet");

    let resumed = run_child(&args, "resume").await;
    assert_eq!(resumed.code, Some(0), "{resumed}");
    assert_eq!(requests(&server).await, [CREATE, PAY, SHIP]);
}

// ---------------------------------------------------------------------------------------------
// A state saved by another version of the document.

#[tokio::test]
async fn a_state_saved_by_another_version_of_the_document_is_refused_naming_both() {
    let scratch = Scratch::new("version");
    let server = orders_server(0).await;
    let run = "run-version";
    let store = scratch.file_store();
    let args = ["linear", &server.uri(), &store, run];

    let crashed = crash(&args, "start", 1).await;
    assert_eq!(crashed, ["checkpoint 1", "blocking"]);
    let file = scratch.dir.join(format!("{run}.json"));
    let mut checkpoint: Value = serde_json::from_slice(&std::fs::read(&file).expect("saved"))
        .expect("a checkpoint is JSON");
    checkpoint["version"] = json!("0123456789abcdef-older");
    std::fs::write(&file, serde_json::to_vec(&checkpoint).expect("JSON")).expect("written");

    let resumed = run_child(&args, "resume").await;
    assert_eq!(resumed.code, Some(1), "{resumed}");
    let error = resumed.error("StateVersion");
    let version = current_version("linear").await;
    assert!(
        error.contains("0123456789abcdef-older") && error.contains(&version),
        "the error names the saved version and this build's ({version}): {resumed}"
    );
    assert!(
        requests(&server).await.is_empty(),
        "nothing is sent for a state that is refused (nor before it: the crash came before the first request)"
    );
    assert!(file.exists(), "the refused state is left as it was");
}

// ---------------------------------------------------------------------------------------------
// The server.

/// The orders API on 127.0.0.1; `payment` answers 503 (`Retry-After: 0`) its first `busy`
/// times. Every request is logged (`MockServer::received_requests`).
async fn orders_server(busy: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/orders"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "o-1"})))
        .mount(&server)
        .await;
    if busy > 0 {
        Mock::given(method("POST"))
            .and(path("/orders/o-1/payment"))
            .respond_with(
                ResponseTemplate::new(503)
                    .insert_header("Retry-After", "0")
                    .set_body_string("busy"),
            )
            .up_to_n_times(busy)
            .with_priority(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/orders/o-1/payment"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"paymentId": "p-1"})))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/orders/o-1/shipment"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"trackingNumber": "t-1"})))
        .mount(&server)
        .await;
    server
}

/// Every request the server received, in order, as `METHOD /path`.
async fn requests(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .expect("the server records requests")
        .iter()
        .map(|request| format!("{} {}", request.method, request.url.path()))
        .collect()
}

/// Every request carried the run id as its `Idempotency-Key`, before and after the crash.
async fn assert_idempotency_keys(server: &MockServer, run: &str) {
    for request in server.received_requests().await.unwrap_or_default() {
        let key = request
            .headers
            .get("idempotency-key")
            .and_then(|value| value.to_str().ok());
        assert_eq!(key, Some(run), "{} {}", request.method, request.url);
    }
}

// ---------------------------------------------------------------------------------------------
// The child process.

/// What a child that ran to its end printed.
struct Finished {
    code: Option<i32>,
    lines: Vec<String>,
    stderr: String,
}

impl Finished {
    /// The outputs of the `completed` line.
    fn completed(&self) -> Value {
        let line = self
            .lines
            .iter()
            .find_map(|line| line.strip_prefix("completed "))
            .unwrap_or_else(|| panic!("the run did not complete: {self}"));
        serde_json::from_str(line).expect("the outputs are JSON")
    }

    /// The message of the `error` line, which must be of this variant.
    fn error(&self, variant: &str) -> &str {
        let prefix = format!("error {variant}: ");
        self.lines
            .iter()
            .find_map(|line| line.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no `{prefix}…` line: {self}"))
    }
}

impl std::fmt::Display for Finished {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code {:?}\nstdout:\n{}\nstderr:\n{}",
            self.code,
            self.lines.join("\n"),
            self.stderr
        )
    }
}

/// Runs the child to its end.
async fn run_child(args: &[&str], action: &str) -> Finished {
    let mut command = Command::new(CHILD);
    command.args(args).arg(action);
    tokio::task::spawn_blocking(move || {
        let output = command.output().expect("the child starts");
        Finished {
            code: output.status.code(),
            lines: String::from_utf8_lossy(&output.stdout)
                .lines()
                .map(str::to_owned)
                .collect(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    })
    .await
    .expect("the child ran")
}

/// Runs the child until it has saved checkpoint `after` and stopped, then kills it with SIGKILL
/// (`Child::kill`) and returns what it printed.
async fn crash(args: &[&str], action: &str, after: usize) -> Vec<String> {
    let mut command = Command::new(CHILD);
    command
        .args(args)
        .args([action, "block-after", &after.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("the child starts");
        let stdout = child.stdout.take().expect("piped");
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("the child's stdout reads");
            let blocked = line == "blocking";
            lines.push(line);
            if blocked {
                break;
            }
        }
        child.kill().expect("SIGKILL is sent");
        let status = child.wait().expect("the child is reaped");
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        assert_eq!(
            status.signal(),
            Some(9),
            "the child was killed by SIGKILL, not ended on its own ({status}); \
             stdout:\n{}\nstderr:\n{stderr}",
            lines.join("\n")
        );
        lines
    })
    .await
    .expect("the child ran")
}

/// The version the child's build of `workflow` writes into its checkpoints.
async fn current_version(workflow: &str) -> String {
    let finished = run_child(&[workflow], "version").await;
    finished
        .lines
        .iter()
        .find_map(|line| line.strip_prefix("version "))
        .unwrap_or_else(|| panic!("no version: {finished}"))
        .to_owned()
}

// ---------------------------------------------------------------------------------------------
// Scratch directories.

/// A directory of its own for one test's stores, emptied first and removed at the end.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "arazzo-durable-crash-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Self { dir }
    }

    fn file_store(&self) -> String {
        format!("file:{}", self.dir.display())
    }

    fn sqlite_store(&self) -> String {
        format!(
            "sqlite:{}",
            Path::new(&self.dir).join("runs.sqlite").display()
        )
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
