//! Control flow, compiled from `fixtures/control/control.arazzo.yaml` and run against a server
//! on 127.0.0.1: polling with `goto`, `retry` honouring `Retry-After`, ending early, recovering
//! from a failure with a workflow-level action, and the bound on endless loops.

use std::time::Duration;

use arazzo_runtime::Error;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod control {
    arazzo_macros::arazzo_workflow!("fixtures/control/control.arazzo.yaml", max_steps = 5);
}

use control::Client;

fn client(server: &MockServer) -> Client {
    Client::builder().jobs(server.uri()).build()
}

async fn calls(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

#[tokio::test]
async fn goto_polls_until_the_job_is_done() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/jobs"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"id": "j1"})))
        .mount(&server)
        .await;
    // Running twice, then done.
    Mock::given(method("GET"))
        .and(path("/jobs/j1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "RUNNING"})))
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
    let outputs = control::poll_job(&client(&server), control::poll_job::Inputs {})
        .await
        .expect("succeeds");
    assert_eq!(outputs.id, "j1");
    assert_eq!(outputs.result.as_deref(), Some("42"));
    assert_eq!(
        calls(&server).await,
        ["POST /jobs", "GET /jobs/j1", "GET /jobs/j1", "GET /jobs/j1"]
    );
}

#[tokio::test]
async fn retry_honours_retry_after_over_retry_after_seconds() {
    let server = MockServer::start().await;
    // The action says to wait 30 s; the server's `Retry-After: 0` takes precedence.
    Mock::given(method("GET"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "0"))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": 7})))
        .with_priority(2)
        .mount(&server)
        .await;
    let client = client(&server);
    let run = control::retry_flaky(&client, control::retry_flaky::Inputs {});
    let outputs = tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .expect("the Retry-After header, not the 30 s retryAfter, decides the wait")
        .expect("succeeds after two retries");
    assert_eq!(outputs.value, Some(7));
    assert_eq!(calls(&server).await.len(), 3);
}

#[tokio::test]
async fn retry_stops_at_its_limit() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/flaky"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("Retry-After", "0")
                .set_body_string("busy"),
        )
        .mount(&server)
        .await;
    let error = control::retry_flaky(&client(&server), control::retry_flaky::Inputs {})
        .await
        .expect_err("fails");
    assert_eq!((error.step(), error.status()), (Some("call"), Some(503)));
    assert_eq!(
        calls(&server).await.len(),
        4,
        "the first attempt and three retries"
    );
}

#[tokio::test]
async fn end_stops_the_workflow_with_the_outputs_so_far() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/jobs/j2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"status": "skipped", "skip": true})),
        )
        .mount(&server)
        .await;
    let inputs = control::end_early::Inputs {
        id: "j2".to_owned(),
    };
    let outputs = control::end_early(&client(&server), inputs)
        .await
        .expect("succeeds");
    assert_eq!(outputs.status, "skipped");
    assert_eq!(outputs.report_id, None, "the step after `end` did not run");
    assert_eq!(calls(&server).await, ["GET /jobs/j2"]);
}

#[tokio::test]
async fn without_end_the_next_step_runs() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/jobs/j3"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"status": "ok", "skip": false})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/report"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"reportId": "r1"})))
        .mount(&server)
        .await;
    let outputs = control::end_early(
        &client(&server),
        control::end_early::Inputs {
            id: "j3".to_owned(),
        },
    )
    .await
    .expect("succeeds");
    assert_eq!(outputs.report_id.as_deref(), Some("r1"));
}

#[tokio::test]
async fn a_workflow_failure_action_recovers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/jobs/gone"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/report"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"reportId": "r2"})))
        .mount(&server)
        .await;
    let outputs = control::recover(
        &client(&server),
        control::recover::Inputs {
            id: "gone".to_owned(),
        },
    )
    .await
    .expect("recovers");
    assert_eq!(outputs.status, None, "the failed step has no outputs");
    assert_eq!(outputs.report_id.as_deref(), Some("r2"));
    assert_eq!(calls(&server).await, ["GET /jobs/gone", "POST /report"]);
}

#[tokio::test]
async fn an_unmatched_failure_still_fails() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/jobs/bad"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let error = control::recover(
        &client(&server),
        control::recover::Inputs {
            id: "bad".to_owned(),
        },
    )
    .await
    .expect_err("fails");
    assert_eq!((error.step(), error.status()), (Some("read"), Some(500)));
}

#[tokio::test]
async fn an_endless_loop_hits_the_step_bound() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let error = control::spin(&client(&server), control::spin::Inputs {})
        .await
        .expect_err("stops");
    assert!(
        matches!(
            error,
            Error::StepLimit {
                workflow: "spin",
                limit: 5
            }
        ),
        "{error:?}"
    );
    assert_eq!(calls(&server).await.len(), 5);
}

#[tokio::test]
async fn goto_a_workflow_hands_over_and_ends() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/jobs/old"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "stale"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/jobs"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"id": "new"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/jobs/new"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "done"})))
        .mount(&server)
        .await;
    let outputs = control::hand_off(
        &client(&server),
        control::hand_off::Inputs {
            id: "old".to_owned(),
        },
    )
    .await
    .expect("succeeds");
    assert_eq!(
        outputs.status, "stale",
        "the handing-over step's outputs are kept"
    );
    assert_eq!(
        calls(&server).await,
        ["GET /jobs/old", "POST /jobs", "GET /jobs/new"]
    );
}

#[tokio::test]
async fn a_retry_can_run_another_step_first() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": 3})))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/report"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"reportId": "r"})))
        .mount(&server)
        .await;
    let outputs =
        control::refresh_then_retry(&client(&server), control::refresh_then_retry::Inputs {})
            .await
            .expect("succeeds");
    assert_eq!(outputs.value, Some(3));
    assert_eq!(
        calls(&server).await,
        ["GET /flaky", "POST /report", "GET /flaky", "POST /report"],
        "the report runs first, the call is retried, then the steps go on in order"
    );
}
