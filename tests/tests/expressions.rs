//! Every runtime expression source and every criterion type, compiled from
//! `fixtures/expressions/expressions.arazzo.yaml` and run against a server on 127.0.0.1: the
//! requests sent, the outputs read, and each criterion failing on its own.

use arazzo_runtime::{Body, Error};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// The document's warnings (dialects it exercises) are `deprecated` warnings here.
#[allow(deprecated)]
mod shop {
    arazzo_macros::arazzo_workflow!("fixtures/expressions/expressions.arazzo.yaml");
}

use shop::types::PlaceOrderCustomer;
use shop::{Client, place_order};

fn created() -> ResponseTemplate {
    ResponseTemplate::new(201)
        .insert_header("Location", "/orders/ord-123")
        .set_body_json(json!({
            "id": "ord-123",
            "status": "new",
            "total": 19.5,
            "note": null,
            "items": [{"sku": "ABC-1", "qty": 2}, {"sku": "GIFT-WRAP", "qty": 1}],
            "meta": {"tags": ["first", "second"]},
        }))
}

fn latest() -> Value {
    json!({"id": "ord-123", "status": "CONFIRMED", "count": 3})
}

/// Echoes the request body back, as the `echo` operation does.
struct Echo;

impl wiremock::Respond for Echo {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_raw(request.body.clone(), "application/json")
    }
}

async fn server(create: ResponseTemplate, latest: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/orders"))
        .respond_with(create)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/orders/latest"))
        .respond_with(latest)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/echo"))
        .respond_with(Echo)
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .shop(format!("{}/api", server.uri()))
        .build()
}

fn inputs() -> place_order::Inputs {
    place_order::Inputs {
        customer: PlaceOrderCustomer {
            name: Some("Ada".to_owned()),
            tier: Some("gold".to_owned()),
        },
        quantity: 2,
        note: None,
        tags: Some(vec!["x".to_owned()]),
        express: Some(false),
    }
}

async fn bodies(server: &MockServer) -> Vec<(String, Value)> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| {
            (
                format!("{} {}", r.method, r.url.path()),
                r.body_json().unwrap_or(Value::Null),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_expression_reads_what_it_names() {
    let server = server(
        created(),
        ResponseTemplate::new(200).set_body_json(latest()),
    )
    .await;
    let outputs = place_order(&client(&server), inputs())
        .await
        .expect("the workflow succeeds");

    let requests = bodies(&server).await;
    let calls: Vec<&str> = requests.iter().map(|(call, _)| call.as_str()).collect();
    assert_eq!(
        calls,
        [
            "POST /api/orders",
            "GET /api/orders/latest",
            "POST /api/echo"
        ]
    );
    let base = format!("{}/api", server.uri());
    assert_eq!(
        requests[0].1,
        json!({
            "customer": {"name": "Ada", "tier": "gold"},
                        "customerName": "Ada",
            "customerTier": "gold",
            "quantity": 2,
            "quantityText": "2",
            "tags": ["x"],
            "express": false,
            "lines": [{"sku": "ABC-1", "qty": 2}, {"sku": "GIFT-WRAP", "qty": 1}],
            "greeting": "Hello Ada, tier gold!",
            "source": base,
            "method": "POST",
            "fromWorkflow": 2,
            "price": 9.5,
            "flag": true,
            "nothing": null,
            "dollars": "$5 off",
        }),
        "whole values keep their type, templates are strings, absent optionals are left out"
    );
    assert_eq!(requests[1].1, Value::Null, "a GET sends no body");
    assert_eq!(
        requests[2].1,
        json!({
            "id": "ord-123",
            "count": 3,
            "tag": "first",
            "total": 19.5,
            "summary": "Order ord-123 of 19.5 is CONFIRMED",
        })
    );

    assert_eq!(outputs.order_id, "ord-123");
    assert_eq!(outputs.same_order_id, "ord-123");
    assert_eq!(outputs.total, 19.5);
    assert_eq!(outputs.count, 3);
    assert_eq!(outputs.location, "/orders/ord-123");
    assert_eq!(outputs.customer_name, Some(json!("Ada")));
    assert_eq!(outputs.quantity, 2);
    assert_eq!(
        outputs.echoed["summary"],
        "Order ord-123 of 19.5 is CONFIRMED"
    );
}

#[tokio::test]
async fn step_outputs_read_the_exchange() {
    let server = server(
        created(),
        ResponseTemplate::new(200).set_body_json(latest()),
    )
    .await;
    let outputs = place_order(&client(&server), inputs())
        .await
        .expect("succeeds");
    let status: u16 = outputs.status;
    assert_eq!(status, 201);
    assert_eq!(outputs.url, format!("{}/api/orders", server.uri()));
    assert_eq!(outputs.first_sku.as_deref(), Some("ABC-1"));
    assert_eq!(outputs.note, None, "a null the schema allows is `None`");
    assert_eq!(
        outputs.tags,
        Some(vec!["first".to_owned(), "second".to_owned()])
    );
    assert_eq!(outputs.sent_quantity, Some(json!(2)));
    assert_eq!(outputs.content_type, "application/json");
    assert_eq!(outputs.first_tag, Some(json!("first")));
}

async fn failing_step(create: ResponseTemplate, latest_body: Value) -> Error {
    let server = server(
        create,
        ResponseTemplate::new(200).set_body_json(latest_body),
    )
    .await;
    place_order(&client(&server), inputs())
        .await
        .expect_err("the workflow fails")
}

#[tokio::test]
async fn status_criterion() {
    let error = failing_step(created().set_body_json(json!({})), latest()).await;
    // 201 holds, but the body criteria do not: still the same step, with its status and body.
    assert_eq!((error.step(), error.status()), (Some("create"), Some(201)));
    let error = failing_step(
        ResponseTemplate::new(200).set_body_json(json!({})),
        latest(),
    )
    .await;
    assert_eq!((error.step(), error.status()), (Some("create"), Some(200)));
    assert!(matches!(error.body(), Some(Body::Json(_))));
}

#[tokio::test]
async fn simple_criterion_compares_loosely() {
    let mut body = created();
    body = body.set_body_json(json!({"id": "ord-123", "status": "closed", "total": 1, "items": [{"sku": "ABC-1", "qty": 2}]}));
    let error = failing_step(body, latest()).await;
    assert_eq!(error.step(), Some("create"), "{error}");

    let body = created().set_body_json(json!({"id": "ord-123", "status": "NEW", "total": 1, "items": [{"sku": "ABC-1", "qty": 0}]}));
    let error = failing_step(body, latest()).await;
    assert_eq!(
        error.step(),
        Some("create"),
        "`items[0].qty >= 1` fails: {error}"
    );
}

#[tokio::test]
async fn jsonpath_criterion() {
    let body = created().set_body_json(json!({"id": "ord-123", "status": "new", "total": 1, "items": [{"sku": "OTHER", "qty": 2}]}));
    let error = failing_step(body, latest()).await;
    assert_eq!(error.step(), Some("create"), "{error}");

    // The Goessner-versioned criterion of the second step: no member of the body is 'CONFIRMED'.
    let error = failing_step(
        created(),
        json!({"id": "ord-123", "status": "PENDING", "count": 3}),
    )
    .await;
    assert_eq!(error.step(), Some("latest"), "{error}");
}

#[tokio::test]
async fn regex_criteria() {
    let error = failing_step(
        created().insert_header("Location", "/elsewhere/ORD 1"),
        latest(),
    )
    .await;
    assert_eq!(error.step(), Some("create"), "{error}");
}

#[tokio::test]
async fn criteria_read_earlier_steps() {
    let error = failing_step(
        created(),
        json!({"id": "ord-999", "status": "CONFIRMED", "count": 3}),
    )
    .await;
    assert_eq!(
        error.step(),
        Some("latest"),
        "`$response.body#/id == $steps.create.outputs.id` fails: {error}"
    );
    let error = failing_step(
        created(),
        json!({"id": "ord-123", "status": "CONFIRMED", "count": 0}),
    )
    .await;
    assert_eq!(
        error.step(),
        Some("latest"),
        "`!($response.body#/count < 1)` fails: {error}"
    );
}

#[tokio::test]
async fn a_missing_header_output_is_an_error() {
    let body = ResponseTemplate::new(201).set_body_json(json!({
        "id": "ord-123", "status": "new", "total": 1, "items": [{"sku": "ABC-1", "qty": 1}]
    }));
    let error = failing_step(body, latest()).await;
    // Without a Location header, the regex criterion on it fails first: a null context never matches.
    assert_eq!(error.step(), Some("create"));
    assert!(matches!(error, Error::Step(_)), "{error:?}");
}

#[tokio::test]
async fn an_absent_value_inside_a_string_is_an_error_not_an_empty_string() {
    let server = server(
        created(),
        ResponseTemplate::new(200).set_body_json(latest()),
    )
    .await;
    let mut inputs = inputs();
    inputs.customer.tier = None;
    let error = place_order(&client(&server), inputs)
        .await
        .expect_err("fails");
    assert!(
        matches!(
            error,
            Error::AbsentValue {
                step: "create",
                expression: "$inputs.customer#/tier"
            }
        ),
        "{error:?}"
    );
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty(),
        "nothing was sent"
    );
}
