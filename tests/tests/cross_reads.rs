//! Reading other workflows' values, from `fixtures/cross-reads/cross-reads.arazzo.yaml`,
//! against a server on 127.0.0.1: `$workflows.<id>.outputs.<name>` with a pointer and a dot path
//! after `dependsOn`, as an implied `dependsOn`, in the outputs of the step that ran it;
//! `$workflows.<id>.inputs.<name>`; and a workflow of an Arazzo document two documents away,
//! read through `$sourceDescriptions.<arazzo>.<workflowId>.outputs.<name>`. Also which source
//! override applies to a nested document's source.

use std::path::Path;

use arazzo_codegen::{Generator, Settings};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

// The fixture reads with dialects on purpose: its warnings are `deprecated` lints.
#[allow(deprecated)]
mod cross {
    arazzo_macros::arazzo_workflow!("fixtures/cross-reads/cross-reads.arazzo.yaml");
}

use cross::Client;

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

/// The requests the server received: method, path and query.
async fn calls(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| match r.url.query() {
            Some(query) => format!("{} {}?{query}", r.method, r.url.path()),
            None => format!("{} {}", r.method, r.url.path()),
        })
        .collect()
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .jobs(server.uri())
        .outer_inner_jobs(server.uri())
        .build()
}

#[tokio::test]
async fn a_dependency_s_output_is_read_by_a_pointer_and_a_dot_path() {
    let server = server().await;
    let inputs = cross::report_by_pointer::Inputs {
        start_job: cross::start_job::Inputs {},
    };
    let outputs = cross::report_by_pointer(&client(&server), inputs)
        .await
        .expect("succeeds");
    assert_eq!(outputs.report_id, "r9");
    assert_eq!(outputs.job_id, Some(json!("j9")));
    assert_eq!(calls(&server).await, ["POST /jobs", "POST /report?job=j9"]);
}

#[tokio::test]
async fn a_workflow_read_without_depends_on_runs_first() {
    let server = server().await;
    // The implied dependency's inputs are a field of this workflow's inputs, as a declared one's.
    let inputs = cross::report_implied::Inputs {
        start_job: cross::start_job::Inputs {},
    };
    let outputs = cross::report_implied(&client(&server), inputs)
        .await
        .expect("succeeds");
    assert_eq!(outputs.report_id, "r9");
    assert_eq!(calls(&server).await, ["POST /jobs", "POST /report?job=j9"]);
}

#[tokio::test]
async fn a_dependency_s_inputs_are_read_where_its_outputs_are() {
    let server = server().await;
    let inputs = cross::read_implied::Inputs {
        note: None,
        read_job: cross::read_job::Inputs {
            id: "j9".to_owned(),
        },
    };
    let outputs = cross::read_implied(&client(&server), inputs)
        .await
        .expect("succeeds");
    assert_eq!(outputs.status, "queued");
    assert_eq!(outputs.id, Some(json!("j9")));
    assert_eq!(
        calls(&server).await,
        ["GET /jobs/j9", "POST /report?job=j9"]
    );
}

#[tokio::test]
async fn the_step_that_ran_a_workflow_keeps_part_of_its_output_and_its_inputs_are_read() {
    let server = server().await;
    let outputs = cross::start_and_read(&client(&server), cross::start_and_read::Inputs {})
        .await
        .expect("succeeds");
    assert_eq!(outputs.job_id, Some(json!("j9")));
    assert_eq!(outputs.status, "queued");
    assert_eq!(outputs.read_id, Some(json!("j9")));
    assert_eq!(calls(&server).await, ["POST /jobs", "GET /jobs/j9"]);
}

#[tokio::test]
async fn a_workflow_two_documents_away_runs_and_its_output_is_read_through_its_source() {
    let server = server().await;
    let outputs = cross::deep(&client(&server), cross::deep::Inputs {})
        .await
        .expect("succeeds");
    assert_eq!(outputs.status, "queued");
    assert_eq!(calls(&server).await, ["POST /jobs", "GET /jobs/j9"]);
}

/// A root document and the Arazzo document it names, each with a source `api` at its own remote
/// URL, written to a scratch directory with the OpenAPI description both may be mapped to.
fn nested_documents(dir: &Path, nested_url: &str) {
    std::fs::create_dir_all(dir).expect("scratch directory");
    let openapi = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/control/jobs.openapi.yaml");
    std::fs::copy(openapi, dir.join("jobs.openapi.yaml")).expect("copied");
    let root = "arazzo: 1.0.1\n\
                info: {title: Root, version: 1.0.0}\n\
                sourceDescriptions:\n\
                - {name: api, url: 'https://a.example/openapi.yaml', type: openapi}\n\
                - {name: nested, url: nested.arazzo.yaml, type: arazzo}\n\
                workflows:\n\
                - workflowId: start\n  \
                  steps:\n  \
                  - stepId: start\n    \
                    workflowId: $sourceDescriptions.nested.begin\n";
    let nested = format!(
        "arazzo: 1.0.1\n\
         info: {{title: Nested, version: 1.0.0}}\n\
         sourceDescriptions:\n\
         - {{name: api, url: '{nested_url}', type: openapi}}\n\
         workflows:\n\
         - workflowId: begin\n  \
           steps:\n  \
           - stepId: start\n    \
             operationId: startJob\n"
    );
    std::fs::write(dir.join("root.arazzo.yaml"), root).expect("written");
    std::fs::write(dir.join("nested.arazzo.yaml"), nested).expect("written");
}

#[test]
fn a_plain_override_maps_a_nested_source_only_when_its_url_is_the_root_s() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("nested-overrides");
    let generate = |settings: Settings| {
        Generator::new(settings.with_base_dir(&dir)).generate("root.arazzo.yaml")
    };

    // Another URL: the plain override is the root's only, and the diagnostic says so.
    nested_documents(&dir, "https://b.example/openapi.yaml");
    let plain = Settings::new().with_source("api", "jobs.openapi.yaml");
    let failure = generate(plain.clone()).expect_err("the nested source is remote");
    let text = failure.to_string();
    assert!(text.contains("nested.arazzo.yaml:4:"), "{text}");
    assert!(
        text.contains("the override `api` maps the root document's source `api` (`https://a.example/openapi.yaml`), not this one"),
        "{text}"
    );
    assert!(
        text.contains("--source nested.api=path/to/file.yaml"),
        "{text}"
    );
    // The scoped override maps it.
    let scoped = plain.with_source("nested.api", "jobs.openapi.yaml");
    generate(scoped).expect("generates");

    // The same URL: one override maps both.
    nested_documents(&dir, "https://a.example/openapi.yaml");
    generate(Settings::new().with_source("api", "jobs.openapi.yaml")).expect("generates");
}
