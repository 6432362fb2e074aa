//! Arazzo 1.1's expression grammar, `in: querystring` and condition evaluation
//! (`fixtures/arazzo-1.1/grammar.arazzo.yaml`), against a server on 127.0.0.1: the query string
//! each media type sends, values embedded by the 1.1 rules, and criteria that fail with the
//! reason when they cannot be evaluated; the same criteria in a 1.0 document
//! (`grammar-1.0.arazzo.yaml`) evaluate as they always have.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

mod v11 {
    arazzo_macros::arazzo_workflow!(
        "fixtures/arazzo-1.1/grammar.arazzo.yaml",
        sources(search = "fixtures/arazzo-1.1/search.openapi.yaml"),
    );
}

mod v10 {
    arazzo_macros::arazzo_workflow!(
        "fixtures/arazzo-1.1/grammar-1.0.arazzo.yaml",
        sources(search = "fixtures/arazzo-1.1/search.openapi.yaml"),
    );
}

/// A server on 127.0.0.1 that answers by path (`/pet`: a JSON pet without an owner, `/text`:
/// plain text, anything else: `{"count": 2}`) and keeps each request's head.
async fn server() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("has an address");
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buffer = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let target = head.split(' ').nth(1).unwrap_or_default().to_owned();
                seen.lock().expect("not poisoned").push(head);
                let (content_type, body) = match target.split('?').next() {
                    Some("/pet") => (
                        "application/json",
                        r#"{"name": "Rex", "count": 2, "owner": null}"#,
                    ),
                    Some("/text") => ("text/plain", "hello"),
                    _ => ("application/json", r#"{"count": 2}"#),
                };
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    (format!("http://{address}"), requests)
}

fn request_line(requests: &Arc<Mutex<Vec<String>>>) -> String {
    let requests = requests.lock().expect("not poisoned");
    requests[0].lines().next().unwrap_or_default().to_owned()
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (n, value) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

#[tokio::test]
async fn a_form_query_string_is_sent_whole_with_embedded_values_percent_encoded() {
    let (base, requests) = server().await;
    let client = v11::Client::builder().search(&base).build();
    let outputs = v11::form_search(
        &client,
        v11::form_search::Inputs {
            category: "toys & games".into(),
            min_price: 9.5,
            filter: v11::types::FormSearchFilter {
                kind: Some("cat".into()),
            },
        },
    )
    .await
    .expect("the search succeeds");
    assert_eq!(outputs.count, Some(2));
    assert_eq!(
        request_line(&requests),
        "GET /form-search?category=toys%20%26%20games&minPrice=9%2E5&inStock=true HTTP/1.1"
    );
    let head = requests.lock().expect("not poisoned")[0].clone();
    // Embedded in a string, an object is its JSON text; a pointer reads into an input; a
    // source's `type` is its field.
    assert_eq!(header(&head, "x-filter"), Some(r#"filter={"kind":"cat"}"#));
    assert_eq!(header(&head, "x-kind"), Some("cat"));
    assert_eq!(header(&head, "x-source"), Some("openapi"));
}

#[tokio::test]
async fn a_json_query_string_is_one_percent_encoded_component() {
    let (base, requests) = server().await;
    let client = v11::Client::builder().search(&base).build();
    let outputs = v11::json_search(
        &client,
        v11::json_search::Inputs {
            status: "say \"hi\"".into(),
        },
    )
    .await
    .expect("the search succeeds");
    assert_eq!(outputs.count, Some(2));
    // `{"status":"say \"hi\"","limit":50}`, the embedded value escaped for JSON, then encoded.
    assert_eq!(
        request_line(&requests),
        "GET /json-search?%7B%22status%22%3A%22say%20%5C%22hi%5C%22%22%2C%22limit%22%3A50%7D HTTP/1.1"
    );
}

#[tokio::test]
async fn a_type_mismatch_fails_the_criterion_and_the_error_says_why() {
    let (base, _) = server().await;
    let client = v11::Client::builder().search(&base).build();
    let error = v11::type_mismatch(&client, v11::type_mismatch::Inputs {})
        .await
        .expect_err("`!(\"Rex\" < 1)` cannot be evaluated, so it fails");
    let arazzo_runtime::Error::Step(failure) = &error else {
        panic!("a failed criterion, not {error:?}");
    };
    let criterion = failure.criterion.as_ref().expect("names the criterion");
    assert_eq!(criterion.index, 1);
    assert_eq!(criterion.condition, "!($response.body#/name < 1)");
    let why = criterion
        .evaluation_error
        .as_deref()
        .expect("an evaluation error");
    assert!(why.contains("cannot be ordered"), "{why}");
    assert!(error.to_string().contains("criterion 2"), "{error}");
}

#[tokio::test]
async fn in_a_1_0_document_the_same_comparison_is_false_and_its_negation_holds() {
    let (base, _) = server().await;
    let client = v10::Client::builder().search(&base).build();
    v10::type_mismatch(&client, v10::type_mismatch::Inputs {})
        .await
        .expect("1.0: `\"Rex\" < 1` is false, so `!(…)` holds");
}

#[tokio::test]
async fn jsonpath_on_a_body_that_is_not_json_fails_with_the_reason() {
    let (base, _) = server().await;
    let client = v11::Client::builder().search(&base).build();
    let error = v11::jsonpath_on_text(&client, v11::jsonpath_on_text::Inputs {})
        .await
        .expect_err("the body is text");
    let arazzo_runtime::Error::Step(failure) = &error else {
        panic!("a failed criterion, not {error:?}");
    };
    let criterion = failure.criterion.as_ref().expect("names the criterion");
    assert_eq!((criterion.index, criterion.condition), (1, "$.anything"));
    assert!(
        criterion
            .evaluation_error
            .as_deref()
            .is_some_and(|why| why.contains("not JSON")),
        "{criterion:?}"
    );

    // A 1.0 document: the query selects nothing, the step fails, no criterion named.
    let client = v10::Client::builder().search(&base).build();
    let error = v10::jsonpath_on_text(&client, v10::jsonpath_on_text::Inputs {})
        .await
        .expect_err("fails");
    let arazzo_runtime::Error::Step(failure) = &error else {
        panic!("a failed criterion, not {error:?}");
    };
    assert!(failure.criterion.is_none());
}

#[tokio::test]
async fn null_equals_only_null() {
    let (base, _) = server().await;
    let client = v11::Client::builder().search(&base).build();
    let outputs = v11::null_equality(&client, v11::null_equality::Inputs {})
        .await
        .expect("all three hold");
    assert_eq!(outputs.name.as_deref(), Some("Rex"));

    let error = v11::null_is_not_zero(&client, v11::null_is_not_zero::Inputs {})
        .await
        .expect_err("`null == 0` is false");
    let arazzo_runtime::Error::Step(failure) = &error else {
        panic!("a failed criterion, not {error:?}");
    };
    let criterion = failure.criterion.as_ref().expect("names the criterion");
    assert_eq!(criterion.index, 0);
    // Evaluated, and false: no evaluation error.
    assert_eq!(criterion.evaluation_error, None);
}

#[tokio::test]
async fn an_action_whose_criterion_cannot_be_evaluated_does_not_apply() {
    let (base, requests) = server().await;
    let client = v11::Client::builder().search(&base).build();
    let outputs = v11::mismatch_in_an_action(&client, v11::mismatch_in_an_action::Inputs {})
        .await
        .expect("the `end` action applies");
    assert_eq!(outputs.name.as_deref(), Some("Rex"));
    // The `goto text` action did not apply: one request only.
    assert_eq!(requests.lock().expect("not poisoned").len(), 1);
}

#[tokio::test]
async fn a_null_embedded_in_a_string_is_null_in_1_1_and_nothing_in_1_0() {
    let (base, requests) = server().await;
    let client = v11::Client::builder().search(&base).build();
    v11::embed_null(
        &client,
        v11::embed_null::Inputs {
            note: serde_json::Value::Null,
        },
    )
    .await
    .expect("the request succeeds");
    let head = requests.lock().expect("not poisoned")[0].clone();
    assert_eq!(header(&head, "x-note"), Some("note=null"));

    let (base, requests) = server().await;
    let client = v10::Client::builder().search(&base).build();
    v10::embed_null(
        &client,
        v10::embed_null::Inputs {
            note: serde_json::Value::Null,
        },
    )
    .await
    .expect("the request succeeds");
    let head = requests.lock().expect("not poisoned")[0].clone();
    assert_eq!(header(&head, "x-note"), Some("note="));
}
