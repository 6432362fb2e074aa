//! Parameters in every location, every body type, and security per source, compiled from
//! `fixtures/requests/requests.arazzo.yaml` and checked on the wire against a server on
//! 127.0.0.1.

use arazzo_runtime::Error;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

// The document's warnings (dialects it exercises) are `deprecated` warnings here.
#[allow(deprecated)]
mod requests {
    arazzo_macros::arazzo_workflow!("fixtures/requests/requests.arazzo.yaml");
}

use requests::{Client, adopt_pet};

async fn server() -> MockServer {
    let server = MockServer::start().await;
    let routes = [
        (
            "POST",
            "/auth/token",
            ResponseTemplate::new(200).set_body_json(json!({"access_token": "tok-123"})),
        ),
        (
            "GET",
            "/pets-api/pets/a%20b%2Fc",
            ResponseTemplate::new(200).set_body_json(json!({"id": 7, "name": "Rex"})),
        ),
        (
            "GET",
            "/pets-api/pets",
            ResponseTemplate::new(200).set_body_json(json!([])),
        ),
        (
            "POST",
            "/pets-api/pets/a%20b%2Fc/photos",
            ResponseTemplate::new(201),
        ),
        (
            "POST",
            "/pets-api/pets/a%20b%2Fc/notes",
            ResponseTemplate::new(201),
        ),
        ("POST", "/auth/audit", ResponseTemplate::new(204)),
    ];
    for (verb, route, response) in routes {
        Mock::given(method(verb))
            .and(path(route))
            .respond_with(response)
            .mount(&server)
            .await;
    }
    server
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .pets(format!("{}/pets-api", server.uri()))
        .auth(format!("{}/auth", server.uri()))
        .pet_key("pet-key-secret")
        .token("bearer-secret")
        .client_key("client-key-secret")
        .build()
}

fn inputs(limit: Option<i64>) -> adopt_pet::Inputs {
    adopt_pet::Inputs {
        pet_id: "a b/c".to_owned(),
        fields: vec!["name".to_owned(), "age".to_owned()],
        tags: vec!["cute".to_owned(), "small".to_owned()],
        limit,
        request_id: "req-42".to_owned(),
        scope: None,
        user: "ada".to_owned(),
    }
}

fn header<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

async fn run(limit: Option<i64>) -> (Vec<Request>, Result<adopt_pet::Outputs, Error>) {
    let server = server().await;
    let result = adopt_pet(&client(&server), inputs(limit)).await;
    (server.received_requests().await.unwrap_or_default(), result)
}

#[tokio::test]
async fn every_request_is_as_the_documents_say() {
    let (requests, result) = run(Some(5)).await;
    let outputs = result.expect("the workflow succeeds");
    assert_eq!(requests.len(), 6);

    // token: a form body with a replacement, the API key in the query, workflow-level header.
    let token = &requests[0];
    assert_eq!(token.url.query(), Some("client_key=client-key-secret"));
    assert_eq!(
        header(token, "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        String::from_utf8_lossy(&token.body),
        "grant_type=client_credentials&scope=pets+ada"
    );
    assert_eq!(header(token, "x-trace"), Some("workflow-trace"));
    assert_eq!(
        header(token, "authorization"),
        None,
        "no bearer token on the token request"
    );
    assert_eq!(
        header(token, "x-api-key"),
        None,
        "the pets key never goes to the auth source"
    );

    // getPet: path, query, header, cookie; a reusable parameter with its value replaced; the
    // step's `x-trace` replaces the workflow's `X-Trace`.
    let pet = &requests[1];
    assert_eq!(pet.url.path(), "/pets-api/pets/a%20b%2Fc");
    assert_eq!(pet.url.query(), Some("fields=name&fields=age"));
    assert_eq!(header(pet, "x-request-id"), Some("req-42"));
    assert_eq!(header(pet, "cookie"), Some("session=s=1%3B%20x"));
    assert_eq!(pet.headers.get_all("x-trace").iter().count(), 1);
    assert_eq!(header(pet, "x-trace"), Some("step-trace"));
    assert_eq!(header(pet, "x-api-key"), Some("pet-key-secret"));
    assert_eq!(header(pet, "authorization"), None);

    // search: pipe-delimited array, deepObject object, optional limit present.
    let search = &requests[2];
    assert_eq!(
        search.url.query(),
        Some("tags=cute%7Csmall&filter%5Bkind%5D=cat&filter%5Bsize%5D=small&limit=5")
    );

    // photo: multipart text parts.
    let photo = &requests[3];
    let content_type = header(photo, "content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    let body = String::from_utf8_lossy(&photo.body);
    assert!(
        body.contains("name=\"caption\"\r\n\r\nPhoto of Rex\r\n"),
        "{body}"
    );
    assert!(body.contains("name=\"kind\"\r\n\r\njpeg\r\n"), "{body}");

    // note: text/plain, the operation's content type, taken when the step names none.
    let note = &requests[4];
    assert_eq!(header(note, "content-type"), Some("text/plain"));
    assert_eq!(
        String::from_utf8_lossy(&note.body),
        "Adopted Rex (token tok-123)"
    );

    // audit: a JSON text template, bearer auth.
    let audit = &requests[5];
    assert_eq!(header(audit, "authorization"), Some("Bearer bearer-secret"));
    assert_eq!(header(audit, "content-type"), Some("application/json"));
    assert_eq!(
        audit.body_json::<Value>().ok(),
        Some(json!({"pet": "a b/c", "by": "ada", "fields": ["name", "age"]}))
    );

    // `$request.*` outputs read what was sent.
    assert_eq!(outputs.name, "Rex");
    assert_eq!(outputs.sent_fields, json!(["name", "age"]));
    assert_eq!(outputs.sent_id, json!("a b/c"));
    assert_eq!(outputs.sent_request_id, json!("req-42"));
}

#[tokio::test]
async fn an_absent_optional_query_parameter_is_left_out() {
    let (requests, result) = run(None).await;
    result.expect("the workflow succeeds");
    assert_eq!(
        requests[2].url.query(),
        Some("tags=cute%7Csmall&filter%5Bkind%5D=cat&filter%5Bsize%5D=small")
    );
}

#[tokio::test]
async fn each_source_requires_its_own_credentials() {
    let server = server().await;
    let client = Client::builder()
        .pets(format!("{}/pets-api", server.uri()))
        .auth(format!("{}/auth", server.uri()))
        .client_key("client-key-secret")
        .build();
    let error = adopt_pet(&client, inputs(None)).await.expect_err("fails");
    assert!(
        matches!(
            error,
            Error::MissingCredentials {
                step: "getPet",
                scheme: "petKey",
                setter: "pet_key"
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        1,
        "only the token request went out"
    );
}

#[test]
fn credentials_never_show_in_debug() {
    let shown = format!(
        "{:?}",
        Client::builder()
            .pet_key("pet-key-secret")
            .token("bearer-secret")
            .build()
    );
    assert!(!shown.contains("secret"), "{shown}");
}

#[tokio::test]
async fn values_in_a_json_text_template_cannot_break_the_json() {
    let server = server().await;
    let mut inputs = inputs(None);
    inputs.user = "a\"d\\a\", \"admin\": true, \"x\": \"".to_owned();
    adopt_pet(&client(&server), inputs.clone())
        .await
        .expect("the workflow succeeds");
    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(
        requests[5].body_json::<Value>().ok(),
        Some(json!({"pet": "a b/c", "by": inputs.user, "fields": ["name", "age"]})),
        "the value stays one string; no member is injected"
    );
}

#[tokio::test]
async fn an_api_key_in_the_query_never_shows_in_a_transport_error() {
    // Nothing listens on the auth source: the request with `?client_key=…` fails to connect,
    // and reqwest's error names the URL it tried.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let client = Client::builder()
        .pets(format!("http://127.0.0.1:{port}/pets-api"))
        .auth(format!("http://127.0.0.1:{port}/auth"))
        .pet_key("pet-key-secret")
        .token("bearer-secret")
        .client_key("client-key-secret")
        .build();
    let error = adopt_pet(&client, inputs(None))
        .await
        .expect_err("nothing listens");
    assert!(error.is_transport(), "{error:?}");
    let shown = format!("{error} {error:?} {:?}", std::error::Error::source(&error));
    assert!(!shown.contains("client-key-secret"), "{shown}");
    // The rest of the URL is kept: it says where the request went.
    assert!(shown.contains("/auth"), "{shown}");
}

mod form_text {
    arazzo_macros::arazzo_workflow!("fixtures/requests/form-text.arazzo.yaml");
}

#[tokio::test]
async fn replacements_set_fields_of_a_written_out_form() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "t-1"})))
        .mount(&server)
        .await;
    let client = form_text::Client::builder()
        .auth(server.uri())
        .client_key("client-key-secret")
        .build();
    let outputs = form_text::form_token(
        &client,
        form_text::form_token::Inputs {
            user: "ada & bob".to_owned(),
        },
    )
    .await
    .expect("succeeds");
    assert_eq!(outputs.token, "t-1");
    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(
        header(&requests[0], "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    // Fields in name order; the value with `&` stays one field; repeated names stay repeated.
    assert_eq!(
        String::from_utf8_lossy(&requests[0].body),
        "audience=shop&grant_type=client_credentials&scope=pets+ada+%26+bob&tag=a&tag=b&user=ada+%26+bob"
    );
}

#[tokio::test]
async fn a_written_out_form_is_form_encoded_whatever_the_case_of_its_content_type() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "t-2"})))
        .mount(&server)
        .await;
    let client = form_text::Client::builder()
        .auth(server.uri())
        .client_key("client-key-secret")
        .build();
    let outputs = form_text::form_token_any_case(
        &client,
        form_text::form_token_any_case::Inputs {
            user: "ada & bob=1".to_owned(),
        },
    )
    .await
    .expect("succeeds");
    assert_eq!(outputs.token, "t-2");
    let requests = server.received_requests().await.unwrap_or_default();
    // The embedded value is form-encoded: its `&` and `=` cannot add or split a field.
    assert_eq!(
        String::from_utf8_lossy(&requests[0].body),
        "grant_type=client_credentials&user=ada%20%26%20bob%3D1"
    );
    assert_eq!(
        header(&requests[0], "content-type"),
        Some("Application/X-WWW-Form-URLEncoded")
    );
}
