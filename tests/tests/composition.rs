//! Workflows that run workflows (`workflowId` steps), depend on them (`dependsOn`), and call
//! operations by path (`operationPath`), from `fixtures/composition/composition.arazzo.yaml`,
//! against a server on 127.0.0.1.

use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

// The document's warnings (dialects it exercises) are `deprecated` warnings here.
#[allow(deprecated)]
mod composition {
    arazzo_macros::arazzo_workflow!("fixtures/composition/composition.arazzo.yaml");
}

use composition::Client;

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/jobs"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"id": "j9"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/jobs/j9"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "queued"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/report"))
        .and(query_param("job", "j9"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"reportId": "r9"})))
        .mount(&server)
        .await;
    server
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
async fn a_step_runs_a_workflow_with_its_parameters_as_inputs() {
    let server = server().await;
    let client = Client::builder().jobs(server.uri()).build();
    let outputs = composition::start_and_read(&client, composition::start_and_read::Inputs {})
        .await
        .expect("succeeds");
    assert_eq!(outputs.job_id, "j9");
    assert_eq!(outputs.status, "queued");
    assert_eq!(calls(&server).await, ["POST /jobs", "GET /jobs/j9"]);
}

#[tokio::test]
async fn an_operation_path_names_the_operation() {
    let server = server().await;
    let client = Client::builder().jobs(server.uri()).build();
    let inputs = composition::read_job::Inputs {
        id: "j9".to_owned(),
    };
    let outputs = composition::read_job(&client, inputs)
        .await
        .expect("succeeds");
    assert_eq!(outputs.status, "queued");
}

#[tokio::test]
async fn a_dependency_runs_first_and_its_outputs_are_read() {
    let server = server().await;
    let client = Client::builder().jobs(server.uri()).build();
    let inputs = composition::report_after_start::Inputs {
        start_job: composition::start_job::Inputs {},
    };
    let outputs = composition::report_after_start(&client, inputs)
        .await
        .expect("succeeds");
    assert_eq!(outputs.report_id, "r9");
    assert_eq!(outputs.job_id, "j9");
    assert_eq!(calls(&server).await, ["POST /jobs", "POST /report"]);
}

#[tokio::test]
async fn a_failure_inside_a_called_workflow_names_its_step() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/jobs"))
        .respond_with(ResponseTemplate::new(500).set_body_string("down"))
        .mount(&server)
        .await;
    let client = Client::builder().jobs(server.uri()).build();
    let error = composition::start_and_read(&client, composition::start_and_read::Inputs {})
        .await
        .expect_err("fails");
    assert_eq!((error.step(), error.status()), (Some("start"), Some(500)));
}

#[tokio::test]
async fn the_outputs_of_a_workflow_a_step_ran_are_read_by_its_id() {
    let server = server().await;
    let client = Client::builder().jobs(server.uri()).build();
    let outputs = composition::start_then_read(&client, composition::start_then_read::Inputs {})
        .await
        .expect("succeeds");
    assert_eq!(outputs.job_id, "j9");
    assert_eq!(outputs.status, "queued");
    assert_eq!(calls(&server).await, ["POST /jobs", "GET /jobs/j9"]);
}

#[tokio::test]
async fn a_step_runs_a_workflow_of_another_arazzo_document() {
    let server = server().await;
    // The other document has sources of its own, each with its own base URL.
    let client = Client::builder()
        .jobs(server.uri())
        .shared_jobs(server.uri())
        .build();
    let outputs = composition::begin_elsewhere(&client, composition::begin_elsewhere::Inputs {})
        .await
        .expect("succeeds");
    assert_eq!(outputs.job_id, "j9");
    assert_eq!(outputs.status, "queued");
    assert_eq!(calls(&server).await, ["POST /jobs", "GET /jobs/j9"]);
    // The other document's workflow is generated here too, with its name prefixed by the source.
    let direct =
        composition::shared_begin(&client, composition::shared_begin::Inputs { note: None })
            .await
            .expect("succeeds");
    assert_eq!(direct.job_id, "j9");
}
