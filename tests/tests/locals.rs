//! Step ids that are the names the generated code wants for its own locals (`client`,
//! `response`, `body`, `next`, `resume`, `called`, `inputs_json`, `run`, `param_path_id`,
//! `part_0`, …): the emitter renames its locals, the document's names stay as written, and the
//! workflows still send the right requests and read the right values.

use serde_json::json;
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod locals {
    arazzo_macros::arazzo_workflow!("fixtures/locals/locals.arazzo.yaml", strict = true);
}

fn client(server: &MockServer) -> locals::Client {
    locals::Client::builder().jobs(server.uri()).build()
}

async fn mount(server: &MockServer, verb: &str, route: &str, status: u16, body: serde_json::Value) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(server)
        .await;
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
async fn straight_line_steps_named_like_locals() {
    let server = MockServer::start().await;
    mount(&server, "POST", "/jobs", 202, json!({"id": "j1"})).await;
    Mock::given(method("GET"))
        .and(path("/jobs/j1"))
        .and(query_param("verbose", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "verbose"})))
        .with_priority(1)
        .mount(&server)
        .await;
    mount(&server, "GET", "/jobs/j1", 200, json!({"status": "running"})).await;
    Mock::given(method("POST"))
        .and(path("/report"))
        .and(body_json(json!({
            "job": "j1", "status": "running", "both": "j1/verbose", "optional": true
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"reportId": "r1"})))
        .mount(&server)
        .await;
    mount(&server, "GET", "/jobs/r1-running", 200, json!({"status": "filed"})).await;

    let inputs = locals::straight::Inputs {
        verbose: Some(true),
    };
    let outputs = locals::straight(&client(&server), inputs)
        .await
        .expect("succeeds");
    assert_eq!(outputs.id, "j1");
    assert_eq!(outputs.status, "running");
    assert_eq!(outputs.report_id, "r1");
    assert_eq!(outputs.last, "filed");
    assert_eq!(
        calls(&server).await,
        [
            "POST /jobs",
            "GET /jobs/j1",
            "GET /jobs/j1",
            "POST /report",
            "GET /jobs/r1-running"
        ]
    );
}

#[tokio::test]
async fn a_loop_whose_steps_are_named_like_its_locals() {
    let server = MockServer::start().await;
    // The first try fails; `resume` runs, then `next` again, then on.
    Mock::given(method("GET"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount(&server, "GET", "/flaky", 200, json!({"value": 7})).await;
    mount(&server, "POST", "/report", 201, json!({"reportId": "r2"})).await;
    mount(&server, "GET", "/jobs/r2", 200, json!({"status": "done"})).await;

    let outputs = locals::looping(&client(&server), locals::looping::Inputs {})
        .await
        .expect("succeeds");
    assert_eq!(outputs.value, Some(7));
    assert_eq!(outputs.status.as_deref(), Some("done"));
    // `done` ended the workflow before `executed`.
    assert_eq!(
        calls(&server).await,
        [
            "GET /flaky",
            "POST /report",
            "GET /flaky",
            "POST /report",
            "GET /jobs/r2"
        ]
    );
}

#[tokio::test]
async fn calls_and_dependencies_named_like_locals() {
    let server = MockServer::start().await;
    mount(&server, "POST", "/jobs", 202, json!({"id": "j1"})).await;
    mount(&server, "GET", "/jobs/j1", 200, json!({"status": "running"})).await;
    mount(&server, "POST", "/report", 201, json!({"reportId": "r1"})).await;
    mount(&server, "GET", "/jobs/r1-running", 200, json!({"status": "filed"})).await;
    mount(&server, "GET", "/jobs/r1", 200, json!({"status": "kept"})).await;

    let inputs = locals::calls::Inputs {
        verbose: None,
        straight: locals::straight::Inputs { verbose: None },
    };
    let outputs = locals::calls(&client(&server), inputs)
        .await
        .expect("succeeds");
    assert_eq!(outputs.id, "j1");
    assert_eq!(outputs.status, "running");
    assert_eq!(outputs.last.as_deref(), Some("kept"));
}
