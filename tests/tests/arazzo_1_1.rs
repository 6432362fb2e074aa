//! Arazzo 1.1 documents (`fixtures/arazzo-1.1/`), against servers on 127.0.0.1: `$self` as
//! the base of relative source `url`s and as a value, step `timeout`s (a server that stalls
//! before the headers, one that stalls inside the body, a retry that gets a new clock), and a
//! 1.1 document that runs a workflow of a 1.0 source.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arazzo_codegen::{Generator, Settings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

mod v11 {
    arazzo_macros::arazzo_workflow!(
        "fixtures/arazzo-1.1/v11.arazzo.yaml",
        sources(
            pets = "fixtures/arazzo-1.1/pets.openapi.yaml",
            legacy = "fixtures/arazzo-1.1/legacy.arazzo.yaml"
        ),
    );
}

mod identity {
    arazzo_macros::arazzo_workflow!(
        "fixtures/arazzo-1.1/identity/main.arazzo.yaml",
        sources(pets = "fixtures/arazzo-1.1/pets.openapi.yaml"),
    );
}

/// What the server does with one connection.
#[derive(Clone, Copy, Debug)]
enum Answer {
    /// Reads the request and says nothing for ten seconds.
    StallBeforeHeaders,
    /// Sends the headers and half the body, then says nothing for ten seconds.
    StallInBody,
    /// Answers `200` with `{"id": "p1", "name": "Rex"}` at once.
    Pet,
    /// Answers `200` with `{"id": "p1", "name": "Tom"}` at once.
    OtherPet,
    /// Answers `404` with `{"error": "no such pet"}` at once.
    Missing,
    /// Answers `201` with `{"id": "p7"}` at once.
    Created,
}

/// A server on 127.0.0.1 that answers its connections in turn as `answers` says (the last answer
/// again for any further one), and keeps each request's head.
async fn server(answers: Vec<Answer>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("has an address");
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    tokio::spawn(async move {
        let mut index = 0;
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let answer = answers[index.min(answers.len() - 1)];
            index += 1;
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
                // The body, as long as `content-length` says.
                let text = String::from_utf8_lossy(&head).into_owned();
                let length: usize = text
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                let body_start = head
                    .windows(4)
                    .position(|w| w == b"\r\n\r\n")
                    .map_or(head.len(), |i| i + 4);
                while head.len() < body_start + length {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                seen.lock()
                    .expect("not poisoned")
                    .push(String::from_utf8_lossy(&head).into_owned());
                let json = |status: &str, body: &str| {
                    format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                match answer {
                    Answer::StallBeforeHeaders => {
                        tokio::time::sleep(Duration::from_secs(10)).await;
                    }
                    Answer::StallInBody => {
                        let body = r#"{"id": "p1", "name": "Rex"}"#;
                        let whole = json("200 OK", body);
                        let cut = whole.len() - body.len() / 2;
                        let _ = socket.write_all(&whole.as_bytes()[..cut]).await;
                        let _ = socket.flush().await;
                        tokio::time::sleep(Duration::from_secs(10)).await;
                    }
                    Answer::Pet => {
                        let _ = socket
                            .write_all(json("200 OK", r#"{"id": "p1", "name": "Rex"}"#).as_bytes())
                            .await;
                    }
                    Answer::OtherPet => {
                        let _ = socket
                            .write_all(json("200 OK", r#"{"id": "p1", "name": "Tom"}"#).as_bytes())
                            .await;
                    }
                    Answer::Missing => {
                        let _ = socket
                            .write_all(
                                json("404 Not Found", r#"{"error": "no such pet"}"#).as_bytes(),
                            )
                            .await;
                    }
                    Answer::Created => {
                        let _ = socket
                            .write_all(json("201 Created", r#"{"id": "p7"}"#).as_bytes())
                            .await;
                    }
                }
            });
        }
    });
    (format!("http://{address}"), requests)
}

fn client(base: &str) -> v11::Client {
    // The 1.0 source's own `pets` source has a setter of its own.
    v11::Client::builder().pets(base).legacy_pets(base).build()
}

fn fetch_inputs() -> v11::fetch_pet::Inputs {
    v11::fetch_pet::Inputs { id: "p1".into() }
}

#[tokio::test]
async fn a_step_within_its_timeout_succeeds_and_self_is_the_documents_uri() {
    let (base, requests) = server(vec![Answer::Pet]).await;
    let outputs = v11::fetch_pet(&client(&base), fetch_inputs())
        .await
        .expect("succeeds");
    assert_eq!(outputs.name.as_deref(), Some("Rex"));
    assert_eq!(
        outputs.document,
        "https://example.com/arazzo/v11.arazzo.yaml"
    );
    let requests = requests.lock().expect("not poisoned");
    assert!(requests[0].starts_with("GET /pets/p1 "), "{}", requests[0]);
    assert!(
        requests[0]
            .to_ascii_lowercase()
            .contains("x-workflow: https://example.com/arazzo/v11.arazzo.yaml"),
        "{}",
        requests[0]
    );
}

/// The criterion `{type: jsonpath, version: rfc9535}` (an Expression Type Object) is evaluated
/// as RFC 9535: `$[?@ == 'Rex']` selects no member of Tom's record, and the step fails.
#[tokio::test]
async fn an_expression_type_object_criterion_is_evaluated() {
    let (base, _) = server(vec![Answer::OtherPet]).await;
    let error = v11::fetch_pet(&client(&base), fetch_inputs())
        .await
        .expect_err("Tom is not Rex");
    assert!(matches!(error, arazzo_runtime::Error::Step(_)), "{error:?}");
    assert_eq!(error.status(), Some(200));
}

/// The step's error names the step and the timeout, and comes after about that long, not after
/// the server's ten seconds.
async fn times_out(answer: Answer) {
    let (base, _) = server(vec![answer]).await;
    let started = Instant::now();
    let error = v11::fetch_pet(&client(&base), fetch_inputs())
        .await
        .expect_err("times out");
    let elapsed = started.elapsed();
    assert!(
        matches!(
            error,
            arazzo_runtime::Error::Timeout {
                step: "fetch",
                milliseconds: 300
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.step(), Some("fetch"));
    assert_eq!(
        error.to_string(),
        "step `fetch` did not complete within its timeout of 300 ms and was aborted"
    );
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn a_server_that_stalls_before_the_headers_times_the_step_out() {
    times_out(Answer::StallBeforeHeaders).await;
}

#[tokio::test]
async fn a_server_that_stalls_inside_the_body_times_the_step_out() {
    times_out(Answer::StallInBody).await;
}

#[tokio::test]
async fn a_timeout_is_a_failure_that_on_failure_retries_with_a_new_clock() {
    // The first try stalls inside the body and is aborted after 300 ms; the retry comes after
    // that, so it succeeds only because its clock starts anew.
    let (base, requests) = server(vec![Answer::StallInBody, Answer::Pet]).await;
    let inputs = v11::fetch_pet_with_retry::Inputs { id: "p1".into() };
    let outputs = v11::fetch_pet_with_retry(&client(&base), inputs)
        .await
        .expect("the retry succeeds");
    assert_eq!(outputs.name.as_deref(), Some("Rex"));
    assert_eq!(requests.lock().expect("not poisoned").len(), 2);
}

#[tokio::test]
async fn a_timeout_on_every_try_fails_the_workflow_with_the_timeout() {
    let (base, requests) = server(vec![Answer::StallBeforeHeaders]).await;
    let inputs = v11::fetch_pet_with_retry::Inputs { id: "p1".into() };
    let error = v11::fetch_pet_with_retry(&client(&base), inputs)
        .await
        .expect_err("times out twice");
    assert!(
        matches!(error, arazzo_runtime::Error::Timeout { step: "fetch", .. }),
        "{error:?}"
    );
    // The first try and the one retry.
    assert_eq!(requests.lock().expect("not poisoned").len(), 2);
}

/// A step that runs a workflow is bounded as a whole: the called workflow's two tries of 300 ms
/// each would take 600 ms; the step's 500 ms end it first (the error is the step's, not `fetch`'s).
#[tokio::test]
async fn a_timeout_on_a_step_that_runs_a_workflow_bounds_the_whole_call() {
    let (base, _) = server(vec![Answer::StallBeforeHeaders]).await;
    let started = Instant::now();
    let inputs = v11::fetch_via_workflow::Inputs { id: "p1".into() };
    let error = v11::fetch_via_workflow(&client(&base), inputs)
        .await
        .expect_err("times out");
    assert!(
        matches!(
            error,
            arazzo_runtime::Error::Timeout {
                step: "viaWorkflow",
                milliseconds: 500
            }
        ),
        "{error:?}"
    );
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(500) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn a_1_1_document_runs_a_workflow_of_a_1_0_source() {
    let (base, requests) = server(vec![Answer::Created]).await;
    let inputs = v11::create_the10_way::Inputs { name: "Rex".into() };
    let outputs = v11::create_the10_way(&client(&base), inputs)
        .await
        .expect("succeeds");
    assert_eq!(outputs.id.as_deref(), Some("p7"));
    assert!(requests.lock().expect("not poisoned")[0].starts_with("POST /pets "));
}

/// The steps are listed `check`, `fetch`, `create`; `check` waits for `fetch` (`dependsOn`),
/// `fetch` reads `create`'s outputs: they run `create`, `fetch`, `check`.
#[tokio::test]
async fn steps_run_in_an_order_that_satisfies_their_dependencies() {
    let (base, requests) = server(vec![Answer::Created, Answer::Pet, Answer::Pet]).await;
    let inputs = v11::fetch_listed_first::Inputs { name: "Rex".into() };
    let outputs = v11::fetch_listed_first(&client(&base), inputs)
        .await
        .expect("succeeds");
    assert_eq!(outputs.id.as_deref(), Some("p7"));
    assert_eq!(outputs.name.as_deref(), Some("Rex"));
    let lines: Vec<String> = requests
        .lock()
        .expect("not poisoned")
        .iter()
        .map(|r| r.lines().next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        lines,
        [
            "POST /pets HTTP/1.1",
            "GET /pets/p7 HTTP/1.1",
            "GET /pets/p1 HTTP/1.1"
        ]
    );
}

/// A failure action's `goto` to a workflow passes its own `parameters` as that workflow's
/// inputs (Arazzo 1.1): `createThe10Way` gets `name`, which `fetchOrCreate` does not pass on.
#[tokio::test]
async fn a_goto_action_passes_its_parameters_as_the_workflows_inputs() {
    let (base, requests) = server(vec![Answer::Missing, Answer::Created]).await;
    let inputs = v11::fetch_or_create::Inputs {
        id: "p9".into(),
        name: "Rex".into(),
    };
    v11::fetch_or_create(&client(&base), inputs)
        .await
        .expect("the failure action creates the pet");
    let requests = requests.lock().expect("not poisoned");
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(requests[0].starts_with("GET /pets/p9 "), "{}", requests[0]);
    assert!(requests[1].starts_with("POST /pets "), "{}", requests[1]);
    assert!(
        requests[1].ends_with(r#"{"name":"Rex the second"}"#),
        "{}",
        requests[1]
    );
}

fn tests_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Appendix B, "Resolving Relative `$self`", for a local file: a relative `$self` is resolved
/// against the place the document was read from, and the `url` against that.
#[test]
fn a_relative_self_is_the_base_of_relative_urls() {
    let generator = Generator::new(Settings::new().with_base_dir(tests_dir()));
    let generated = generator
        .generate("fixtures/arazzo-1.1/self/relative-self.arazzo.yaml")
        .unwrap_or_else(|failure| panic!("generates:\n{failure}"));
    let read: Vec<String> = generated
        .files_read()
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        read.iter()
            .any(|p| p.ends_with("fixtures/arazzo-1.1/pets.openapi.yaml")),
        "{read:?}"
    );
    // `$self` as a value is the field as written.
    assert!(
        generated
            .to_formatted_string()
            .contains("\"specs/deep/relative-self.arazzo.yaml\""),
    );
}

/// Appendix B, "Base URI Within Content": with an absolute `$self`, a relative `url` names a
/// remote file, which a source override maps to a local one.
#[test]
fn an_absolute_self_makes_relative_urls_remote_until_mapped() {
    let path = "fixtures/arazzo-1.1/v11.arazzo.yaml";
    let failure = Generator::new(Settings::new().with_base_dir(tests_dir()))
        .generate(path)
        .expect_err("the sources are remote");
    let text = failure.to_string();
    assert!(
        text.contains("resolves against `$self` to the remote URL `https://example.com/arazzo/pets.openapi.yaml`"),
        "{text}"
    );
    Generator::new(
        Settings::new()
            .with_base_dir(tests_dir())
            .with_source("pets", "fixtures/arazzo-1.1/pets.openapi.yaml")
            .with_source("legacy", "fixtures/arazzo-1.1/legacy.arazzo.yaml"),
    )
    .generate(path)
    .unwrap_or_else(|failure| panic!("generates with the overrides:\n{failure}"));
}

/// Identity-based referencing: the source's absolute `url` is the `$self` of another document
/// beside the one that names it, which is read (by its own file name) instead of the URL.
#[test]
fn an_absolute_source_url_is_the_document_whose_self_it_is() {
    let generated = Generator::new(
        Settings::new()
            .with_base_dir(tests_dir())
            .with_source("pets", "fixtures/arazzo-1.1/pets.openapi.yaml"),
    )
    .generate("fixtures/arazzo-1.1/identity/main.arazzo.yaml")
    .unwrap_or_else(|failure| panic!("generates:\n{failure}"));
    let read: Vec<String> = generated
        .files_read()
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        read.iter()
            .any(|p| p.ends_with("fixtures/arazzo-1.1/identity/pet-library.arazzo.yaml")),
        "{read:?}"
    );
}

/// The workflow of the document found by its `$self` runs, against a server on 127.0.0.1.
#[tokio::test]
async fn a_workflow_of_a_source_found_by_identity_runs() {
    let (base, requests) = server(vec![Answer::Pet]).await;
    let client = identity::Client::builder().library_pets(&base).build();
    let outputs = identity::fetch_through_library(
        &client,
        identity::fetch_through_library::Inputs { id: "p1".into() },
    )
    .await
    .expect("succeeds");
    assert_eq!(outputs.name.as_deref(), Some("Rex"));
    assert!(requests.lock().expect("not poisoned")[0].starts_with("GET /pets/p1 "));
}

// The documents read `$workflows.<id>.steps.<stepId>.outputs.<name>`, a dialect: a warning.
#[allow(deprecated)]
mod cross_step {
    arazzo_macros::arazzo_workflow!(
        "fixtures/arazzo-1.1/cross-step/producer.arazzo.yaml",
        sources(pets = "fixtures/arazzo-1.1/pets.openapi.yaml"),
    );
}

#[allow(deprecated)]
mod cross_document_step {
    arazzo_macros::arazzo_workflow!(
        "fixtures/arazzo-1.1/cross-step/consumer.arazzo.yaml",
        sources(
            pets = "fixtures/arazzo-1.1/pets.openapi.yaml",
            producer = "fixtures/arazzo-1.1/cross-step/producer.arazzo.yaml"
        ),
    );
}

/// Step `dependsOn` naming a step of another workflow of the same document: the caller runs that
/// step (its own function), hands its outputs over in the inputs, and the step that depends on it
/// sends the value read through `$workflows.createPet.steps.create.outputs.id`.
#[tokio::test]
async fn a_step_depending_on_a_step_of_another_workflow_reads_the_outputs_handed_over() {
    let (base, requests) = server(vec![Answer::Created, Answer::Pet]).await;
    let client = cross_step::Client::builder().pets(&base).build();
    let created = cross_step::create_pet::create(
        &client,
        cross_step::create_pet::CreateInputs { name: "Rex".into() },
    )
    .await
    .expect("the step succeeds");
    let outputs = cross_step::adopt_pet(
        &client,
        cross_step::adopt_pet::Inputs {
            create_pet_create: created,
        },
    )
    .await
    .expect("succeeds");
    assert_eq!(outputs.name.as_deref(), Some("Rex"));
    let requests = requests.lock().expect("not poisoned");
    assert_eq!(
        requests.len(),
        2,
        "dependsOn does not run the step: {requests:?}"
    );
    assert!(requests[0].starts_with("POST /pets "), "{requests:?}");
    assert!(requests[1].starts_with("GET /pets/p7 "), "{requests:?}");
}

/// The same, with the step in a workflow of an Arazzo source
/// (`$sourceDescriptions.producer.createPet.steps.create`).
#[tokio::test]
async fn a_step_depending_on_a_step_of_another_documents_workflow_reads_the_outputs_handed_over() {
    let (base, requests) = server(vec![Answer::Created, Answer::Pet]).await;
    let client = cross_document_step::Client::builder()
        .pets(&base)
        .producer_pets(&base)
        .build();
    let created = cross_document_step::producer_create_pet::create(
        &client,
        cross_document_step::producer_create_pet::CreateInputs { name: "Rex".into() },
    )
    .await
    .expect("the step succeeds");
    let outputs = cross_document_step::fetch_created(
        &client,
        cross_document_step::fetch_created::Inputs {
            producer_create_pet_create: created,
        },
    )
    .await
    .expect("succeeds");
    assert_eq!(outputs.name.as_deref(), Some("Rex"));
    let requests = requests.lock().expect("not poisoned");
    assert_eq!(
        requests.len(),
        2,
        "dependsOn does not run the step: {requests:?}"
    );
    assert!(requests[1].starts_with("GET /pets/p7 "), "{requests:?}");
}
