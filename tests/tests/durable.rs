//! Durable runs (`durable = true`), in process, against servers on 127.0.0.1: the seed started
//! and completed, suspended for its `code` and continued, resumed after a failed step without
//! sending the earlier step again, refused when its state is of another version; and a looping
//! workflow whose `retry` count survives a resume.
//!
//! The crash of a real process (kill -9) is another test's: here a run stops by a failed step
//! or a store that fails, which leaves the store as a crash would.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use arazzo_runtime::Error;
use arazzo_runtime::durable::{FileStore, MemoryStore, Outcome, Store, StoreError, StoreFuture};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod seed {
    arazzo_macros::arazzo_workflow!(
        "../specs/arazzo/stytch-sms-otp-login-workflow.yml",
        durable = true
    );
}

mod control {
    arazzo_macros::arazzo_workflow!("fixtures/control/control.arazzo.yaml", durable = true);
}

use seed::sms_otp_login;

fn sms_sent() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"user_id": "user-1", "phone_id": "phone-1"}))
}

fn authenticated() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "user_id": "user-1",
        "session_token": "token-secret",
        "session_jwt": "jwt-secret",
    }))
}

async fn seed_server(step2: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/otps/sms/login_or_create"))
        .respond_with(sms_sent())
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/otps/authenticate"))
        .respond_with(step2)
        .mount(&server)
        .await;
    server
}

fn seed_client(server: &MockServer) -> seed::Client {
    seed::Client::builder()
        .stytch_consumer_api(server.uri())
        .basic_auth("project-test-1", "secret-test-1")
        .build()
}

fn phone_only() -> sms_otp_login::PartialInputs {
    sms_otp_login::PartialInputs {
        phone_number: Some("+10000000000".to_owned()),
        ..Default::default()
    }
}

fn code() -> sms_otp_login::PartialInputs {
    sms_otp_login::PartialInputs {
        code: Some("123456".to_owned()),
        ..Default::default()
    }
}

async fn paths(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect()
}

const SMS: &str = "/v1/otps/sms/login_or_create";
const AUTHENTICATE: &str = "/v1/otps/authenticate";

#[tokio::test]
async fn a_run_with_every_input_completes_and_leaves_no_state() {
    let server = seed_server(authenticated()).await;
    let store = MemoryStore::new();
    let inputs = sms_otp_login::Inputs {
        phone_number: "+10000000000".to_owned(),
        code: "123456".to_owned(),
        session_duration_minutes: None,
    };
    let outcome = sms_otp_login::start(&seed_client(&server), "run-1", inputs.into(), &store)
        .await
        .expect("completes");
    let outputs = outcome.completed().expect("completed");
    assert_eq!(outputs.user_id, "user-1");
    assert_eq!(outputs.session_token, "token-secret");
    assert!(
        store.runs().is_empty(),
        "a completed run's state is deleted"
    );
    assert_eq!(paths(&server).await, [SMS, AUTHENTICATE]);
}

#[tokio::test]
async fn a_run_without_the_code_suspends_and_continues_with_it() {
    let server = seed_server(authenticated()).await;
    let client = seed_client(&server);
    let store = MemoryStore::new();
    let outcome = sms_otp_login::start(&client, "login-7", phone_only(), &store)
        .await
        .expect("suspends");
    let Outcome::Suspended(state) = outcome else {
        panic!("the run waits for the code");
    };
    assert_eq!(state.waiting_for(), ["code"]);
    assert_eq!(state.run_id(), "login-7");
    assert_eq!(store.runs(), ["login-7"], "the suspended state is saved");
    assert_eq!(paths(&server).await, [SMS], "the SMS is sent, nothing more");

    let outputs = sms_otp_login::resume_with(&client, state, code(), &store)
        .await
        .expect("completes")
        .completed()
        .expect("completed");
    assert_eq!(outputs.session_jwt, "jwt-secret");
    assert_eq!(paths(&server).await, [SMS, AUTHENTICATE]);
    assert!(store.runs().is_empty());
}

/// What another process does: it has only the run id and the store.
#[tokio::test]
async fn a_suspended_run_resumes_from_a_file_store_by_its_id() {
    let server = seed_server(authenticated()).await;
    let client = seed_client(&server);
    let dir = std::env::temp_dir().join(format!("arazzo-durable-{}", std::process::id()));
    let store = FileStore::new(&dir);
    let state = sms_otp_login::start(&client, "login-8", phone_only(), &store)
        .await
        .expect("suspends")
        .suspended()
        .expect("suspended");
    drop(state);

    // Later: the state comes back from the file, still waiting for the code.
    let state = sms_otp_login::resume(&client, "login-8", &store)
        .await
        .expect("loads")
        .suspended()
        .expect("still suspended");
    assert_eq!(state.waiting_for(), ["code"]);
    let debug = format!("{state:?}");
    assert!(
        debug.contains("authenticateOtp") && debug.contains("login-8"),
        "{debug}"
    );
    let outcome = sms_otp_login::resume_with(&client, state, code(), &store)
        .await
        .expect("completes");
    assert!(matches!(outcome, Outcome::Completed(_)));
    assert_eq!(
        paths(&server).await,
        [SMS, AUTHENTICATE],
        "the SMS is sent once"
    );
    assert!(!dir.join("login-8.json").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_failed_step_keeps_the_checkpoint_and_a_resume_does_not_send_the_earlier_step_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SMS))
        .respond_with(sms_sent())
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(AUTHENTICATE))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(AUTHENTICATE))
        .respond_with(authenticated())
        .with_priority(2)
        .mount(&server)
        .await;
    let client = seed_client(&server);
    let store = MemoryStore::new();
    let mut inputs = phone_only();
    inputs.code = Some("123456".to_owned());
    let error = sms_otp_login::start(&client, "run-503", inputs, &store)
        .await
        .expect_err("step 2 fails");
    let message = error.to_string();
    assert!(
        message.contains("authenticateOtp") && message.contains("503"),
        "{message}"
    );
    assert_eq!(store.runs(), ["run-503"], "the last checkpoint stays");

    let outcome = sms_otp_login::resume(&client, "run-503", &store)
        .await
        .expect("completes");
    assert!(matches!(outcome, Outcome::Completed(_)));
    assert_eq!(
        paths(&server).await,
        [SMS, AUTHENTICATE, AUTHENTICATE],
        "step 1 is not sent again"
    );
}

#[tokio::test]
async fn a_state_of_another_version_is_refused_naming_both() {
    let store = MemoryStore::new();
    arazzo_runtime::durable::save(
        &store,
        "old-run",
        "sms-otp-login",
        "0000000000000000",
        None,
        &json!({}),
    )
    .await
    .expect("saves");
    let server = seed_server(authenticated()).await;
    let error = sms_otp_login::resume(&seed_client(&server), "old-run", &store)
        .await
        .expect_err("refused");
    assert!(matches!(error, Error::StateVersion { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("0000000000000000") && message.contains(sms_otp_login::VERSION),
        "{message}"
    );
    assert!(paths(&server).await.is_empty(), "nothing is sent");
}

#[tokio::test]
async fn an_unknown_run_and_a_bad_run_id_are_errors() {
    let server = seed_server(authenticated()).await;
    let client = seed_client(&server);
    let store = MemoryStore::new();
    let error = sms_otp_login::resume(&client, "nope", &store)
        .await
        .expect_err("no such run");
    assert!(matches!(error, Error::NoSuchRun { .. }), "{error:?}");
    let error = sms_otp_login::start(&client, "../escape", phone_only(), &store)
        .await
        .expect_err("a bad run id");
    assert!(matches!(error, Error::RunId { .. }), "{error:?}");
    assert!(paths(&server).await.is_empty());
}

#[tokio::test]
async fn the_saved_state_is_plain_json_without_credentials_and_its_debug_is_redacted() {
    let server = seed_server(authenticated()).await;
    let store = MemoryStore::new();
    let state = sms_otp_login::start(&seed_client(&server), "run-json", phone_only(), &store)
        .await
        .expect("suspends")
        .suspended()
        .expect("suspended");
    let saved = store.load("run-json").await.expect("loads").expect("saved");
    let saved: serde_json::Value = serde_json::from_slice(&saved).expect("JSON");
    assert_eq!(saved["workflow"], "sms-otp-login");
    assert_eq!(saved["version"], sms_otp_login::VERSION);
    assert_eq!(saved["state"]["next"], "authenticateOtp");
    assert_eq!(
        saved["state"]["steps"]["send_sms_otp"]["phone_id"],
        "phone-1"
    );
    let text = saved.to_string();
    assert!(!text.contains("secret-test-1"), "{text}");
    // The state round-trips through serde as plain data.
    let json = serde_json::to_string(&state).expect("serializes");
    let back: sms_otp_login::State = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back.waiting_for(), ["code"]);
}

/// A store that fails from its `n`-th save on, as a process that dies there would leave it:
/// the saves before are in `inner`.
struct FailingStore {
    inner: MemoryStore,
    saves_left: AtomicUsize,
}

impl Store for FailingStore {
    fn save<'a>(&'a self, run_id: &'a str, checkpoint: &'a [u8]) -> StoreFuture<'a, ()> {
        if self.saves_left.fetch_sub(1, Ordering::SeqCst) == 0 {
            self.saves_left.store(0, Ordering::SeqCst);
            return Box::pin(std::future::ready(Err(StoreError::new("the disk is gone"))));
        }
        self.inner.save(run_id, checkpoint)
    }

    fn load<'a>(&'a self, run_id: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        self.inner.load(run_id)
    }

    fn delete<'a>(&'a self, run_id: &'a str) -> StoreFuture<'a, ()> {
        self.inner.delete(run_id)
    }
}

/// `retry-flaky` retries its step at most 3 times on a 503. The run stops after its first retry
/// was saved; the resumed run has 2 retries left, not 3: 5 requests in all.
#[tokio::test]
async fn a_looping_workflow_resumes_with_its_retry_count() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "0"))
        .mount(&server)
        .await;
    let client = control::Client::builder().jobs(server.uri()).build();
    let inner = MemoryStore::new();
    let failing = Arc::new(FailingStore {
        inner: inner.clone(),
        saves_left: AtomicUsize::new(1),
    });
    let error = control::retry_flaky::start(&client, "flaky-1", Default::default(), &*failing)
        .await
        .expect_err("the second save fails");
    assert!(matches!(error, Error::Checkpoint { .. }), "{error:?}");
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        2
    );

    let error = control::retry_flaky::resume(&client, "flaky-1", &inner)
        .await
        .expect_err("the retries run out");
    assert!(error.to_string().contains("503"), "{error}");
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        5,
        "1 try and 3 retries in all, across the two runs"
    );
    assert_eq!(inner.runs(), ["flaky-1"], "the last checkpoint stays");
}

/// `poll-job` loops with `goto` until the job is done; a durable run does the same, saving
/// after every poll.
#[tokio::test]
async fn a_goto_loop_completes_durably() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/jobs"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"id": "j1"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/jobs/j1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "running"})))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/jobs/j1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"status": "done", "result": "42"})),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let client = control::Client::builder().jobs(server.uri()).build();
    let store = MemoryStore::new();
    let outputs = control::poll_job::start(&client, "poll-1", Default::default(), &store)
        .await
        .expect("completes")
        .completed()
        .expect("completed");
    assert_eq!(outputs.id, "j1");
    assert_eq!(outputs.result.as_deref(), Some("42"));
    assert!(store.runs().is_empty());
}

/// `end-early` needs its `id` in its first step: started without it, the run suspends before
/// sending anything; given it, the step's `end` action completes the run.
#[tokio::test]
async fn a_run_suspends_before_its_first_step_and_an_end_action_completes_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/jobs/j2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"status": "skipped", "skip": true})),
        )
        .mount(&server)
        .await;
    let client = control::Client::builder().jobs(server.uri()).build();
    let store = MemoryStore::new();
    let state = control::end_early::start(&client, "end-1", Default::default(), &store)
        .await
        .expect("suspends")
        .suspended()
        .expect("suspended");
    assert_eq!(state.waiting_for(), ["id"]);
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
    let more = control::end_early::PartialInputs {
        id: Some("j2".to_owned()),
    };
    let outputs = control::end_early::resume_with(&client, state, more, &store)
        .await
        .expect("completes")
        .completed()
        .expect("completed");
    assert_eq!(outputs.status, "skipped");
    assert_eq!(outputs.report_id, None, "the step after `end` did not run");
    assert!(store.runs().is_empty());
}

/// `recover`'s failure action goes to `report` on a 404. The report fails once; the resumed run
/// continues at `report`, where the saved cursor says, without reading the job again.
#[tokio::test]
async fn a_failure_goto_is_where_a_resumed_run_continues() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/jobs/gone"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/report"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/report"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"reportId": "r2"})))
        .with_priority(2)
        .mount(&server)
        .await;
    let client = control::Client::builder().jobs(server.uri()).build();
    let store = MemoryStore::new();
    let inputs = control::recover::Inputs {
        id: "gone".to_owned(),
    };
    let error = control::recover::start(&client, "recover-1", inputs.into(), &store)
        .await
        .expect_err("the report fails");
    assert!(error.to_string().contains("report"), "{error}");
    let outputs = control::recover::resume(&client, "recover-1", &store)
        .await
        .expect("completes")
        .completed()
        .expect("completed");
    assert_eq!(outputs.status, None, "the failed step has no outputs");
    assert_eq!(outputs.report_id.as_deref(), Some("r2"));
    let calls: Vec<String> = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(calls, ["GET /jobs/gone", "POST /report", "POST /report"]);
}

/// Every fixture whose workflows can be durable compiles with `durable = true`: awkward names,
/// locals the document takes, steps that run at once, called workflows, typed inputs,
/// selectors. (Not every item is used here; the documents' own warnings are other tests'.)
#[allow(dead_code, deprecated)]
mod compiles {
    mod names {
        arazzo_macros::arazzo_workflow!("fixtures/names/names.arazzo.yaml", durable = true);
    }
    mod locals {
        arazzo_macros::arazzo_workflow!("fixtures/locals/locals.arazzo.yaml", durable = true);
    }
    mod concurrent {
        arazzo_macros::arazzo_workflow!("fixtures/concurrent/parts.arazzo.yaml", durable = true);
    }
    mod composition {
        arazzo_macros::arazzo_workflow!(
            "fixtures/composition/composition.arazzo.yaml",
            durable = true
        );
    }
    mod reads {
        arazzo_macros::arazzo_workflow!("fixtures/reads/reads.arazzo.yaml", durable = true);
    }
    mod requests {
        arazzo_macros::arazzo_workflow!("fixtures/requests/requests.arazzo.yaml", durable = true);
    }
    mod types {
        arazzo_macros::arazzo_workflow!("fixtures/types/types.arazzo.yaml", durable = true);
    }
    mod expressions {
        arazzo_macros::arazzo_workflow!(
            "fixtures/expressions/expressions.arazzo.yaml",
            durable = true
        );
    }
    mod selectors {
        arazzo_macros::arazzo_workflow!("fixtures/selectors/selectors.arazzo.yaml", durable = true);
    }
    mod grammar {
        arazzo_macros::arazzo_workflow!("fixtures/arazzo-1.1/grammar.arazzo.yaml", durable = true);
    }
    mod oauth {
        arazzo_macros::arazzo_workflow!("fixtures/oauth/devices.arazzo.yaml", durable = true);
    }
}
