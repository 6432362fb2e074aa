//! The lenient cases of `fixtures/lenient/lenient.arazzo.yaml`, run against a server on
//! 127.0.0.1: inputs the workflows' schemas do not declare (optional inputs of any JSON value,
//! left out of requests when `None`, passed on by a step that runs the workflow), and one
//! header given in two cases (the last is sent, once). See `docs/dialects.md`.

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

// The document's warnings are compiler warnings (`deprecated`) where the macro is expanded;
// this crate accepts them.
#[allow(deprecated)]
mod lenient {
    arazzo_macros::arazzo_workflow!("fixtures/lenient/lenient.arazzo.yaml");
}

use lenient::{Client, adopt, find_pets};

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/pets"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"items": [{"id": "p1", "name": "Rex"}]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/pets"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "p2"})))
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    Client::builder().pets(server.uri()).build()
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

fn query(request: &Request) -> Vec<(String, String)> {
    request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn trace_headers(request: &Request) -> Vec<String> {
    request
        .headers
        .get_all("x-trace-id")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn undeclared_inputs_are_sent_when_given_and_the_last_header_spelling_wins() {
    let server = server().await;
    let outputs = find_pets(
        &client(&server),
        find_pets::Inputs {
            limit: Some(2),
            tag: Some(json!("cute")),
            trace: Some(json!("t-1")),
        },
    )
    .await
    .expect("the workflow succeeds");
    assert_eq!(outputs.tag, Some(json!("cute")));
    let pets = outputs.pets.expect("the search's items");
    assert_eq!(pets.len(), 1);
    assert_eq!(pets[0].name.as_deref(), Some("Rex"));

    let sent = requests(&server).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(
        query(&sent[0]),
        [
            ("limit".to_owned(), "2".to_owned()),
            ("tag".to_owned(), "cute".to_owned())
        ]
    );
    // `X-Trace-Id: not-sent` then `x-trace-id: $inputs.trace`: one header, the last value.
    assert_eq!(trace_headers(&sent[0]), ["t-1"]);
}

#[tokio::test]
async fn undeclared_inputs_left_out_are_not_sent() {
    let server = server().await;
    let outputs = find_pets(
        &client(&server),
        find_pets::Inputs {
            limit: None,
            tag: None,
            trace: None,
        },
    )
    .await
    .expect("the workflow succeeds");
    assert_eq!(outputs.tag, None);
    let sent = requests(&server).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(query(&sent[0]), []);
    assert_eq!(trace_headers(&sent[0]), Vec::<String>::new());
}

#[tokio::test]
async fn a_step_passes_on_inputs_its_workflow_does_not_declare() {
    let server = server().await;
    let outputs = adopt(
        &client(&server),
        adopt::Inputs {
            name: "Rex".to_owned(),
            note: None,
        },
    )
    .await
    .expect("the workflow succeeds");
    assert_eq!(outputs.id.as_deref(), Some("p2"));
    assert_eq!(outputs.pets.map(|p| p.len()), Some(1));

    let sent = requests(&server).await;
    assert_eq!(sent.len(), 2);
    // `find-pets` ran with `tag` and `trace` from the step's parameters.
    assert_eq!(query(&sent[0]), [("tag".to_owned(), "Rex".to_owned())]);
    assert_eq!(trace_headers(&sent[0]), ["adopt-trace"]);
    // The undeclared `note`, not given, is left out of the body.
    let body: Value = serde_json::from_slice(&sent[1].body).expect("a JSON body");
    assert_eq!(body, json!({"name": "Rex"}));
}

#[tokio::test]
async fn an_undeclared_input_given_goes_into_the_body_as_given() {
    let server = server().await;
    adopt(
        &client(&server),
        adopt::Inputs {
            name: "Rex".to_owned(),
            note: Some(json!({"vaccinated": true})),
        },
    )
    .await
    .expect("the workflow succeeds");
    let sent = requests(&server).await;
    let body: Value = serde_json::from_slice(&sent[1].body).expect("a JSON body");
    assert_eq!(body, json!({"name": "Rex", "note": {"vaccinated": true}}));
}
