//! Outputs that nothing in their workflow reads (issue 16, item 4), compiled from
//! `fixtures/reads/reads.arazzo.yaml` and run against a server on 127.0.0.1: the workflow's
//! function does not read them from the response, so a response without them (or with a value
//! of another type) does not fail the workflow; a step's own function still returns every
//! output, and so still fails without one.

use arazzo_runtime::Error;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod reads {
    arazzo_macros::arazzo_workflow!("fixtures/reads/reads.arazzo.yaml");
}

use reads::Client;

fn client(server: &MockServer) -> Client {
    Client::builder().jobs(server.uri()).build()
}

/// Starting gives no `Location` header (the unread `location` output); the job has neither
/// of the `status` and `result` that `start-and-check` does not read, and `status` is
/// required by the description.
async fn server(job: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/jobs"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"id": "j1"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/jobs/j1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(job))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/report"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"reportId": "r1"})))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_straight_workflow_does_not_read_what_nothing_reads() {
    for job in [
        json!({}),
        json!({"status": 7, "result": ["not", "a", "string"]}),
    ] {
        let server = server(job).await;
        let outputs = reads::start_and_check(&client(&server), reads::start_and_check::Inputs {})
            .await
            .expect("the workflow reads neither the header nor the job's members");
        assert_eq!(outputs.id, "j1");
        assert_eq!(outputs.report_id, "r1");
        assert_eq!(
            server.received_requests().await.unwrap_or_default().len(),
            3
        );
    }
}

#[tokio::test]
async fn a_step_function_still_returns_every_output() {
    let server = server(json!({})).await;
    let error = reads::start_and_check::start(&client(&server))
        .await
        .expect_err("`location` is an output of the step");
    assert!(
        matches!(
            error,
            Error::MissingValue {
                step: "start",
                status: 202,
                location: "Location"
            }
        ),
        "{error:?}"
    );
    let start = reads::start_and_check::StartOutputs {
        id: "j1".to_owned(),
        location: "/jobs/j1".to_owned(),
    };
    let error = reads::start_and_check::check(&client(&server), &start)
        .await
        .expect_err("`status` is an output of the step");
    assert!(
        matches!(
            error,
            Error::MissingValue {
                step: "check",
                status: 200,
                location: "/status"
            }
        ),
        "{error:?}"
    );
}

/// A job that runs once, then is done; its `status` is an output nothing reads (the criterion
/// reads the body itself), given as a number once done.
async fn polled_server(report: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/jobs"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"id": "j1"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/jobs/j1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "running"})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/jobs/j1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"status": 1, "result": "42"})),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/report"))
        .respond_with(ResponseTemplate::new(201).set_body_json(report))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_looping_workflow_reads_only_what_it_keeps() {
    // `poll-unread` reads neither `location`, nor `status`, nor its report's `reportId`.
    let server = polled_server(json!({"reportId": 5})).await;
    let outputs = reads::poll_unread(&client(&server), reads::poll_unread::Inputs {})
        .await
        .expect("the loop reads only `id` and `result`");
    assert_eq!(outputs.result.as_deref(), Some("42"));
}

#[tokio::test]
async fn a_step_that_runs_a_workflow_keeps_only_what_is_read() {
    // `start-and-check` returns its `reportId`, so it must be a string here.
    let server = polled_server(json!({"reportId": "r1"})).await;
    let outputs = reads::call_unread(&client(&server), reads::call_unread::Inputs {})
        .await
        .expect("the called workflows' unread outputs are not kept");
    assert_eq!(outputs.result.as_deref(), Some("42"));
}
