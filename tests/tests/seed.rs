//! The seed workflow (Stytch SMS OTP login), expanded by the macro and run against a real HTTP
//! server on 127.0.0.1: the exact requests, the outputs, and every way it can fail.

use arazzo_runtime::{Body, Error};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod stytch {
    arazzo_macros::arazzo_workflow!("../specs/arazzo/stytch-sms-otp-login-workflow.yml");
}

use stytch::{Client, sms_otp_login};

const PROJECT_ID: &str = "project-test-11111111-2222-3333-4444-555555555555";
const SECRET: &str = "secret-test-very-secret-value=";
const PHONE_ID: &str = "phone-number-test-d5a3b680-e8a3-40c0-b815-ab79986666d0";
const USER_ID: &str = "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6";

fn login_or_create_ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "status_code": 200,
        "request_id": "request-id-test-1",
        "user_id": USER_ID,
        "phone_id": PHONE_ID,
        "user_created": true,
    }))
}

fn authenticate_ok() -> Value {
    json!({
        "status_code": 200,
        "request_id": "request-id-test-2",
        "user_id": USER_ID,
        "method_id": PHONE_ID,
        "session_token": "mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q",
        "session_jwt": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.sig",
        "reset_sessions": false,
        "user": {"user_id": USER_ID, "status": "active"},
        "some_field_added_later": {"ignored": true},
    })
}

fn stytch_error(status: u16, error_type: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "status_code": status,
        "request_id": "request-id-test-3",
        "error_type": error_type,
        "error_message": "message",
        "error_url": format!("https://stytch.com/docs/api/errors/{status}"),
    }))
}

async fn server(step1: ResponseTemplate, step2: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/otps/sms/login_or_create"))
        .respond_with(step1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/otps/authenticate"))
        .respond_with(step2)
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .stytch_consumer_api(server.uri())
        .basic_auth(PROJECT_ID, SECRET)
        .build()
}

fn inputs(minutes: Option<i64>) -> sms_otp_login::Inputs {
    sms_otp_login::Inputs {
        phone_number: "+10000000000".to_owned(),
        code: "000000".to_owned(),
        session_duration_minutes: minutes,
    }
}

/// `Basic base64(project_id:secret)`, computed independently of reqwest.
fn expected_authorization() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{PROJECT_ID}:{SECRET}").into_bytes();
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    format!("Basic {out}")
}

async fn requests(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap_or_default()
}

#[tokio::test]
async fn sends_exactly_two_requests_and_returns_typed_outputs() {
    let server = server(
        login_or_create_ok(),
        ResponseTemplate::new(200).set_body_json(authenticate_ok()),
    )
    .await;
    let outputs = sms_otp_login(&client(&server), inputs(Some(60)))
        .await
        .expect("workflow succeeds");
    assert_eq!(
        outputs,
        sms_otp_login::Outputs {
            user_id: USER_ID.to_owned(),
            session_token: "mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q".to_owned(),
            session_jwt: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.sig".to_owned(),
        }
    );
    // `Debug` (what a log line shows) hides the session token and JWT, and shows the rest.
    let shown = format!("{outputs:?} {outputs:#?}");
    assert!(!shown.contains(&outputs.session_token), "{shown}");
    assert!(!shown.contains(&outputs.session_jwt), "{shown}");
    assert!(shown.contains(USER_ID), "{shown}");
    assert!(shown.contains("session_token: [redacted]"), "{shown}");
    // Outputs serialize in the document's own names.
    assert_eq!(
        serde_json::to_value(&outputs).expect("serializes"),
        json!({"userId": USER_ID, "sessionToken": outputs.session_token, "sessionJwt": outputs.session_jwt})
    );

    let requests = requests(&server).await;
    assert_eq!(requests.len(), 2, "exactly two requests");
    let paths: Vec<&str> = requests.iter().map(|r| r.url.path()).collect();
    assert_eq!(
        paths,
        ["/v1/otps/sms/login_or_create", "/v1/otps/authenticate"]
    );
    for request in &requests {
        assert_eq!(request.method.as_str(), "POST");
        assert_eq!(
            request.headers["authorization"].to_str().ok(),
            Some(expected_authorization().as_str())
        );
        assert_eq!(
            request.headers["content-type"].to_str().ok(),
            Some("application/json")
        );
        assert_eq!(request.url.query(), None);
    }
    assert_eq!(
        requests[0].body_json::<Value>().ok(),
        Some(json!({"phone_number": "+10000000000"}))
    );
    assert_eq!(
        requests[1].body_json::<Value>().ok(),
        Some(json!({"method_id": PHONE_ID, "code": "000000", "session_duration_minutes": 60}))
    );
}

#[tokio::test]
async fn an_absent_optional_input_is_left_out_of_the_body() {
    let mut body = authenticate_ok();
    body["session_token"] = json!("");
    body["session_jwt"] = json!("");
    let server = server(
        login_or_create_ok(),
        ResponseTemplate::new(200).set_body_json(body),
    )
    .await;
    let outputs = sms_otp_login(&client(&server), inputs(None))
        .await
        .expect("workflow succeeds");
    assert_eq!(outputs.session_token, "");
    let requests = requests(&server).await;
    assert_eq!(
        requests[1].body_json::<Value>().ok(),
        Some(json!({"method_id": PHONE_ID, "code": "000000"})),
        "no `session_duration_minutes` key at all, not null"
    );
}

#[tokio::test]
async fn a_failed_first_step_names_it_and_sends_nothing_more() {
    let server = server(
        stytch_error(400, "invalid_phone_number"),
        ResponseTemplate::new(200),
    )
    .await;
    let error = sms_otp_login(&client(&server), inputs(None))
        .await
        .expect_err("fails");
    assert_eq!(error.step(), Some("sendSmsOtp"));
    assert_eq!(error.status(), Some(400));
    let Some(Body::Json(body)) = error.body() else {
        panic!("a JSON body: {error:?}");
    };
    assert_eq!(body["error_type"], "invalid_phone_number");
    let message = error.to_string();
    assert!(
        message.contains("sendSmsOtp")
            && message.contains("400")
            && message.contains("invalid_phone_number"),
        "{message}"
    );
    assert_eq!(requests(&server).await.len(), 1, "no second request");
}

#[tokio::test]
async fn a_failed_second_step_names_it() {
    let server = server(
        login_or_create_ok(),
        stytch_error(404, "otp_code_not_found"),
    )
    .await;
    let error = sms_otp_login(&client(&server), inputs(None))
        .await
        .expect_err("fails");
    assert!(
        matches!(&error, Error::Step(failure) if failure.step == "authenticateOtp" && failure.status == 404)
    );
    assert!(error.to_string().contains("otp_code_not_found"));
}

#[tokio::test]
async fn a_missing_output_is_an_error_not_an_empty_string() {
    let mut body = authenticate_ok();
    body.as_object_mut().expect("object").remove("session_jwt");
    let server = server(
        login_or_create_ok(),
        ResponseTemplate::new(200).set_body_json(body),
    )
    .await;
    let error = sms_otp_login(&client(&server), inputs(Some(60)))
        .await
        .expect_err("fails");
    assert!(
        matches!(
            error,
            Error::MissingValue {
                step: "authenticateOtp",
                status: 200,
                location: "/session_jwt"
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_wrong_typed_output_is_an_error() {
    let mut body = authenticate_ok();
    body["session_jwt"] = json!(42);
    let server = server(
        login_or_create_ok(),
        ResponseTemplate::new(200).set_body_json(body),
    )
    .await;
    let error = sms_otp_login(&client(&server), inputs(Some(60)))
        .await
        .expect_err("fails");
    assert!(
        matches!(
            error,
            Error::WrongType {
                step: "authenticateOtp",
                location: "/session_jwt",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("expected a string"), "{error}");
}

#[tokio::test]
async fn a_non_json_success_body_is_an_error() {
    let server = server(
        ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"),
        ResponseTemplate::new(200),
    )
    .await;
    let error = sms_otp_login(&client(&server), inputs(None))
        .await
        .expect_err("fails");
    assert!(
        matches!(
            error,
            Error::MissingValue {
                step: "sendSmsOtp",
                ..
            }
        ),
        "{error:?}"
    );
}

/// The first step's `userId` output is read by nothing in the workflow: the workflow does not
/// read it from the response at all (issue 16, item 4), so a response without it, or with a
/// value of another type, does not fail a login. The step's own function still returns it,
/// and so still fails without it.
#[tokio::test]
async fn an_output_the_workflow_does_not_read_is_not_read() {
    for user_id in [None, Some(json!(42))] {
        let mut body = json!({
            "status_code": 200,
            "request_id": "request-id-test-1",
            "phone_id": PHONE_ID,
        });
        if let Some(user_id) = &user_id {
            body["user_id"] = user_id.clone();
        }
        let server = server(
            ResponseTemplate::new(200).set_body_json(&body),
            ResponseTemplate::new(200).set_body_json(authenticate_ok()),
        )
        .await;
        let outputs = sms_otp_login(&client(&server), inputs(Some(60)))
            .await
            .expect("the login succeeds without the unread `user_id` of the first step");
        assert_eq!(outputs.user_id, USER_ID);
        assert_eq!(requests(&server).await.len(), 2);

        let error = sms_otp_login::send_sms_otp(
            &client(&server),
            sms_otp_login::SendSmsOtpInputs {
                phone_number: "+10000000000".to_owned(),
            },
        )
        .await
        .expect_err("the step on its own returns `userId`, so it must be there");
        match user_id {
            None => assert!(
                matches!(
                    error,
                    Error::MissingValue {
                        step: "sendSmsOtp",
                        status: 200,
                        location: "/user_id"
                    }
                ),
                "{error:?}"
            ),
            Some(_) => assert!(
                matches!(
                    error,
                    Error::WrongType {
                        step: "sendSmsOtp",
                        location: "/user_id",
                        ..
                    }
                ),
                "{error:?}"
            ),
        }
    }
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    // Bind a port, then free it: nothing listens there any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let client = Client::builder()
        .stytch_consumer_api(format!("http://127.0.0.1:{port}"))
        .basic_auth(PROJECT_ID, SECRET)
        .build();
    let error = sms_otp_login(&client, inputs(None))
        .await
        .expect_err("fails");
    assert!(error.is_transport(), "{error:?}");
    assert!(matches!(
        error,
        Error::Transport {
            step: "sendSmsOtp",
            ..
        }
    ));
    assert_eq!(error.status(), None);
}

#[tokio::test]
async fn missing_credentials_fail_before_anything_is_sent() {
    let server = server(login_or_create_ok(), ResponseTemplate::new(200)).await;
    let client = Client::builder().stytch_consumer_api(server.uri()).build();
    let error = sms_otp_login(&client, inputs(None))
        .await
        .expect_err("fails");
    assert!(
        matches!(
            error,
            Error::MissingCredentials {
                step: "sendSmsOtp",
                scheme: "basicAuth",
                setter: "basic_auth"
            }
        ),
        "{error:?}"
    );
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn an_invalid_base_url_is_an_error() {
    let client = Client::builder()
        .stytch_consumer_api("not a url")
        .basic_auth(PROJECT_ID, SECRET)
        .build();
    let error = sms_otp_login(&client, inputs(None))
        .await
        .expect_err("fails");
    assert!(
        matches!(
            error,
            Error::InvalidUrl {
                step: "sendSmsOtp",
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_caller_supplied_reqwest_client_is_used() {
    let server = server(
        login_or_create_ok(),
        ResponseTemplate::new(200).set_body_json(authenticate_ok()),
    )
    .await;
    let http = arazzo_runtime::reqwest::Client::builder()
        .user_agent("my-app/1.0")
        .build()
        .expect("builds");
    let client = Client::builder()
        .stytch_consumer_api(server.uri())
        .basic_auth(PROJECT_ID, SECRET)
        .reqwest_client(http)
        .build();
    sms_otp_login(&client, inputs(Some(60)))
        .await
        .expect("succeeds");
    let requests = requests(&server).await;
    assert_eq!(requests[0].headers["user-agent"], "my-app/1.0");
}

#[tokio::test]
async fn a_slow_response_times_out_naming_the_step() {
    let server = server(
        login_or_create_ok().set_delay(std::time::Duration::from_secs(5)),
        ResponseTemplate::new(200).set_body_json(authenticate_ok()),
    )
    .await;
    let client = Client::builder()
        .stytch_consumer_api(server.uri())
        .basic_auth(PROJECT_ID, SECRET)
        .timeout(std::time::Duration::from_millis(200))
        .build();
    let started = std::time::Instant::now();
    let error = sms_otp_login(&client, inputs(None))
        .await
        .expect_err("times out");
    // Not a timing assertion: only that the 5 s response was not awaited.
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    match &error {
        Error::Transport {
            step: "sendSmsOtp",
            source,
        } => assert!(source.is_timeout(), "{source:?}"),
        other => panic!("expected a timeout of sendSmsOtp, got {other:?}"),
    }
    assert!(!format!("{error} {error:?}").contains(SECRET));
}

#[tokio::test]
async fn the_user_agent_is_ours_unless_set() {
    let server = server(
        login_or_create_ok(),
        ResponseTemplate::new(200).set_body_json(authenticate_ok()),
    )
    .await;
    let client = client(&server);
    sms_otp_login(&client, inputs(None))
        .await
        .expect("succeeds");
    let named = Client::builder()
        .stytch_consumer_api(server.uri())
        .basic_auth(PROJECT_ID, SECRET)
        .user_agent("my-app/2.0")
        .no_timeout()
        .connect_timeout(std::time::Duration::from_secs(1))
        .build();
    sms_otp_login(&named, inputs(None)).await.expect("succeeds");
    let requests = requests(&server).await;
    let agent = |i: usize| {
        requests[i].headers["user-agent"]
            .to_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(agent(0).starts_with("arazzo-runtime/"), "{}", agent(0));
    assert_eq!(agent(2), "my-app/2.0");
    assert_eq!(agent(3), "my-app/2.0");
}

#[tokio::test]
async fn default_headers_go_with_every_request_and_never_show() {
    let server = server(
        login_or_create_ok(),
        ResponseTemplate::new(200).set_body_json(authenticate_ok()),
    )
    .await;
    let builder = Client::builder()
        .stytch_consumer_api(server.uri())
        .basic_auth(PROJECT_ID, SECRET)
        .default_header("X-Tenant", "tenant-secret-7")
        // The credential of the step replaces a default header of the same name.
        .default_header("Authorization", "Bearer not-this-one");
    assert!(!format!("{builder:?}").contains("tenant-secret-7"));
    let client = builder.build();
    assert!(!format!("{client:?}").contains("tenant-secret-7"));
    sms_otp_login(&client, inputs(None))
        .await
        .expect("succeeds");
    for request in requests(&server).await {
        assert_eq!(request.headers["x-tenant"], "tenant-secret-7");
        assert_eq!(
            request.headers["authorization"].to_str().ok(),
            Some(expected_authorization().as_str())
        );
    }
    // A value that cannot be a header is an error that names the header, not the value.
    let broken = Client::builder()
        .stytch_consumer_api(server.uri())
        .basic_auth(PROJECT_ID, SECRET)
        .default_header("X-Tenant", "line\nbreak-secret")
        .build();
    let error = sms_otp_login(&broken, inputs(None))
        .await
        .expect_err("fails");
    assert!(matches!(error, Error::Setting(_)), "{error:?}");
    let shown = format!("{error} {error:?}");
    assert!(
        shown.contains("X-Tenant") && !shown.contains("break-secret"),
        "{shown}"
    );
}

#[tokio::test]
async fn an_invalid_user_agent_is_an_error_not_a_panic() {
    let client = Client::builder()
        .stytch_consumer_api("http://127.0.0.1:1")
        .basic_auth(PROJECT_ID, SECRET)
        .user_agent("two\nlines")
        .build();
    let error = sms_otp_login(&client, inputs(None))
        .await
        .expect_err("fails");
    assert!(matches!(error, Error::Client(_)), "{error:?}");
}

#[test]
fn debug_output_never_shows_credentials() {
    let builder = || {
        Client::builder()
            .stytch_consumer_api("http://127.0.0.1:1")
            .basic_auth(PROJECT_ID, SECRET)
    };
    let shown = format!(
        "{:?} {:?} {:#?}",
        builder(),
        builder().build(),
        builder().build()
    );
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(!shown.contains(PROJECT_ID), "{shown}");
    assert!(shown.contains("http://127.0.0.1:1"), "{shown}");
}

#[test]
fn client_new_uses_the_first_server() {
    let shown = format!("{:?}", Client::new());
    assert!(shown.contains("https://api.stytch.com"), "{shown}");
}

#[test]
fn inputs_load_from_json_in_the_documents_terms() {
    let inputs: sms_otp_login::Inputs =
        serde_json::from_value(json!({"phone_number": "+12025550162", "code": "123456"}))
            .expect("loads");
    assert_eq!(inputs.session_duration_minutes, None);
    assert_eq!(
        serde_json::to_value(&inputs).expect("serializes"),
        json!({"phone_number": "+12025550162", "code": "123456"})
    );
}
