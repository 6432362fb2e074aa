//! Selector Objects (Arazzo 1.1) and XPath, against a server on 127.0.0.1
//! (`fixtures/selectors/`): selectors of each type in step outputs, a parameter value, a
//! payload, a replacement value and workflow outputs, over JSON and XML; `xpath` criteria of each
//! version, in a 1.1 and a 1.0 document; and the typed errors of a selector that selects no
//! node or several, and of XPath over a body that is not XML.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

mod shop {
    arazzo_macros::arazzo_workflow!(
        "fixtures/selectors/selectors.arazzo.yaml",
        sources(shop = "fixtures/selectors/shop.openapi.yaml"),
    );
}

mod legacy {
    arazzo_macros::arazzo_workflow!(
        "fixtures/selectors/xpath-1.0.arazzo.yaml",
        sources(shop = "fixtures/selectors/shop.openapi.yaml"),
    );
}

/// One canned answer: the request path it answers, its status, content type and body.
type Answer = (&'static str, &'static str, &'static str, String);

const ORDER: &str = r#"{"id": "o1", "total": 1250, "customer": {"email": "ada@example.com"},
    "items": [{"sku": "A1", "qty": 1}, {"sku": "B2", "qty": 9}]}"#;
const INVOICE: &str = "<invoice><number>INV-42</number><status>paid</status>\
    <line sku='A1'/><line sku='B2'/></invoice>";
const DOCUMENT: &str = r#"{"xml": "<doc kind='customs'><ref>R-7</ref></doc>"}"#;
const SHIPMENT: &str = r#"{"shipmentId": "s-1"}"#;

fn answers() -> Vec<Answer> {
    vec![
        ("/orders/", "200 OK", "application/json", ORDER.to_owned()),
        (
            "/invoices/",
            "200 OK",
            "application/xml",
            INVOICE.to_owned(),
        ),
        (
            "/documents/",
            "200 OK",
            "application/json",
            DOCUMENT.to_owned(),
        ),
        (
            "/shipments",
            "201 Created",
            "application/json",
            SHIPMENT.to_owned(),
        ),
    ]
}

/// A server on 127.0.0.1 that answers each request by the first answer whose path starts its
/// path (404 otherwise), and keeps each request whole.
async fn server(answers: Vec<Answer>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("has an address");
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    let answers = Arc::new(answers);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let (seen, answers) = (Arc::clone(&seen), Arc::clone(&answers));
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request).into_owned();
                let length: usize = text
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                let body_start = request
                    .windows(4)
                    .position(|w| w == b"\r\n\r\n")
                    .map_or(request.len(), |i| i + 4);
                while request.len() < body_start + length {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request).into_owned();
                let path = text.split(' ').nth(1).unwrap_or_default().to_owned();
                seen.lock().expect("not poisoned").push(text);
                let (status, content_type, body) = answers
                    .iter()
                    .find(|(prefix, ..)| path.starts_with(prefix))
                    .map_or(
                        ("404 Not Found", "text/plain", "no such path"),
                        |(_, s, c, b)| (*s, *c, b.as_str()),
                    );
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    (format!("http://{address}"), requests)
}

/// Runs the workflow against `answers`; its outcome and the requests it sent.
async fn ship(
    answers: Vec<Answer>,
) -> (
    Result<shop::ship_order::Outputs, arazzo_runtime::Error>,
    Vec<String>,
) {
    let (base, requests) = server(answers).await;
    let client = shop::Client::builder().shop(&base).build();
    let outcome = shop::ship_order(
        &client,
        shop::ship_order::Inputs {
            order_id: "o1".into(),
        },
    )
    .await;
    let requests = requests.lock().expect("not poisoned").clone();
    (outcome, requests)
}

/// Every selector of the document, over JSON and XML, gives the value it should: in outputs
/// (typed where the schema says, JSON where a query can select anything), in a header, in a
/// payload and in a replacement; the xpath criteria of each version hold.
#[tokio::test]
async fn selectors_of_each_type_select_and_xpath_criteria_hold() {
    let (outcome, requests) = ship(answers()).await;
    let outputs = outcome.expect("the workflow succeeds");
    assert_eq!(outputs.shipment_id, "s-1");
    // `/total` is typed by the schema (`integer`, `int64`).
    let total: i64 = outputs.total;
    assert_eq!(total, 1250);
    // The schema types `/customer/email` of the body; the same pointer into an output that
    // holds the whole body is JSON, as `$steps.get-order.outputs.order#/customer/email` is.
    let email: String = outputs.customer_email;
    assert_eq!(email, "ada@example.com");
    assert_eq!(outputs.email, Some(serde_json::json!("ada@example.com")));
    assert_eq!(outputs.invoice_number, "INV-42");
    // Selectors applied when the workflow's outputs are built: a JSONPath query over a step's
    // JSON output, XPath (3.0) over XML a step's output holds.
    assert_eq!(outputs.small_sku, serde_json::json!("A1"));
    assert_eq!(outputs.document_ref, "R-7");
    let shipment = requests
        .iter()
        .find(|r| r.starts_with("POST /shipments "))
        .expect("the shipment was requested");
    assert!(
        shipment.to_ascii_lowercase().contains("x-reference: r-7"),
        "{shipment}"
    );
    let body: serde_json::Value = serde_json::from_str(
        shipment
            .split_once("\r\n\r\n")
            .map(|(_, body)| body)
            .expect("has a body"),
    )
    .expect("the body is JSON");
    assert_eq!(
        body,
        serde_json::json!({
            "orderId": "o1",
            "sku": "B2",
            "email": "ada@example.com",
            "invoice": "INV-42",
            "priority": 9,
            // The JSONPath target `$.lines[?@.qty < 5].qty` set the one node it selects.
            "lines": [{"sku": "A1", "qty": 5}, {"sku": "B2", "qty": 9}]
        })
    );
}

/// A selector that selects no node is a typed error naming the step, the selector and the
/// count, never a `null`.
#[tokio::test]
async fn a_selector_that_selects_nothing_is_a_typed_error() {
    let mut answers = answers();
    answers[0].3 = ORDER.replace("9}", "2}");
    let (outcome, requests) = ship(answers).await;
    let error = outcome.expect_err("no item has more than five");
    assert!(
        matches!(
            error,
            arazzo_runtime::Error::Selection {
                step: "get-order",
                kind: "jsonpath",
                selector: "$.items[?@.qty > 5]",
                found: 0,
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.step(), Some("get-order"));
    assert_eq!(
        error.to_string(),
        "step `get-order`: the jsonpath selector `$.items[?@.qty > 5]` selected 0 nodes; a selector must select exactly one"
    );
    assert_eq!(requests.len(), 1, "nothing is sent after the failing step");
}

/// A selector that selects several nodes is the same typed error, with their count.
#[tokio::test]
async fn a_selector_that_selects_several_nodes_is_a_typed_error() {
    let mut answers = answers();
    answers[1].3 = INVOICE.replace("</number>", "</number><number>INV-43</number>");
    let (outcome, _) = ship(answers).await;
    let error = outcome.expect_err("two invoice numbers");
    assert!(
        matches!(
            error,
            arazzo_runtime::Error::Selection {
                step: "get-invoice",
                kind: "xpath",
                selector: "/invoice/number",
                found: 2,
            }
        ),
        "{error:?}"
    );
}

/// An xpath criterion that does not hold fails the step like any criterion.
#[tokio::test]
async fn an_xpath_criterion_that_does_not_hold_fails_the_step() {
    let mut answers = answers();
    answers[1].3 = INVOICE.replace("paid", "open");
    let (outcome, _) = ship(answers).await;
    let error = outcome.expect_err("the invoice is not paid");
    assert!(matches!(error, arazzo_runtime::Error::Step(_)), "{error:?}");
    assert_eq!(error.step(), Some("get-invoice"));
    assert_eq!(error.status(), Some(200));
}

/// XPath over a body that is not XML, in a criterion of an Arazzo 1.1 document: the criterion
/// fails (1.1's condition rules), and the step's error names it and says why.
#[tokio::test]
async fn an_xpath_criterion_over_a_body_that_is_not_xml_fails_and_says_why() {
    let mut answers = answers();
    answers[1].3 = r#"{"status": "paid"}"#.to_owned();
    let (outcome, _) = ship(answers).await;
    let error = outcome.expect_err("JSON is not XML");
    let arazzo_runtime::Error::Step(failure) = &error else {
        panic!("a failed criterion: {error:?}");
    };
    let criterion = failure.criterion.as_ref().expect("the criterion is named");
    assert_eq!(criterion.condition, "/invoice/status = 'paid'");
    let why = criterion.evaluation_error.as_deref().expect("and why");
    assert!(why.contains("is not XML"), "{why}");
}

/// An Arazzo 1.0 document's xpath criteria are evaluated too (the default version, and
/// `xpath-10` through a Criterion Expression Type Object).
#[tokio::test]
async fn xpath_criteria_of_a_1_0_document_are_evaluated() {
    let run = |answers| async move {
        let (base, _) = server(answers).await;
        let client = legacy::Client::builder().shop(&base).build();
        legacy::check_invoice(
            &client,
            legacy::check_invoice::Inputs {
                order_id: "o1".into(),
            },
        )
        .await
    };
    run(answers())
        .await
        .expect("the invoice is paid and has lines");
    let mut unpaid = answers();
    unpaid[1].3 = INVOICE.replace("paid", "open");
    let error = run(unpaid).await.expect_err("not paid");
    assert!(matches!(error, arazzo_runtime::Error::Step(_)), "{error:?}");
}

/// The body a run sent to `POST /shipments`, as JSON.
fn shipment_body(requests: &[String]) -> serde_json::Value {
    let shipment = requests
        .iter()
        .find(|r| r.starts_with("POST /shipments "))
        .expect("the shipment was requested");
    serde_json::from_str(
        shipment
            .split_once("\r\n\r\n")
            .map(|(_, body)| body)
            .expect("has a body"),
    )
    .expect("the body is JSON")
}

/// A JSONPath replacement target sets every node it selects; a workflow output whose selector
/// selects several nodes is the typed error, naming the step whose output it reads.
#[tokio::test]
async fn a_jsonpath_target_sets_every_node_and_a_workflow_output_selects_one() {
    let mut answers = answers();
    answers[0].3 = ORDER.replace("]}", r#", {"sku": "C3", "qty": 2}]}"#);
    let (outcome, requests) = ship(answers).await;
    assert_eq!(
        shipment_body(&requests)["lines"],
        serde_json::json!([
            {"sku": "A1", "qty": 5},
            {"sku": "B2", "qty": 9},
            {"sku": "C3", "qty": 5}
        ])
    );
    let error = outcome.expect_err("two small items");
    assert!(
        matches!(
            error,
            arazzo_runtime::Error::Selection {
                step: "get-order",
                kind: "jsonpath",
                selector: "$.items[?@.qty < 5].sku",
                found: 2,
            }
        ),
        "{error:?}"
    );
}

/// A JSONPath replacement target that selects nothing fails the step with a typed error, and
/// nothing is sent.
#[tokio::test]
async fn a_jsonpath_target_that_selects_nothing_fails_the_step() {
    let mut answers = answers();
    answers[0].3 = ORDER.replace(r#""qty": 1"#, r#""qty": 5"#);
    let (outcome, requests) = ship(answers).await;
    let error = outcome.expect_err("no line has fewer than five");
    assert!(
        matches!(error, arazzo_runtime::Error::Body { step: "ship", .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("selects no node"), "{error}");
    assert!(!requests.iter().any(|r| r.starts_with("POST /shipments ")));
}
