//! `Debug` of every type that holds a credential or a session shows `[redacted]` in its place:
//! the generated `Client` and `ClientBuilder` (basic, bearer and API-key schemes, default
//! headers), generated data structs whose fields are named like credentials (workflow and step
//! outputs, step inputs, structs made from response schemas), and the runtime's `Secret`,
//! `BasicAuth`, `HttpSettings` and `HttpClient`.

use arazzo_runtime::{BasicAuth, HttpClient, HttpSettings, Secret};
use arazzo_tests::{requests, stytch_sms_otp_login as seed, types_snapshot};

const SECRETS: &[&str] = &[
    "project-test-SECRET-ID",
    "secret-test-SECRET",
    "bearer-SECRET",
    "query-key-SECRET",
    "header-key-SECRET",
    "default-header-SECRET",
    "session-token-SECRET",
    "session-jwt-SECRET",
];

fn assert_hidden(what: &str, shown: &str) {
    for secret in SECRETS {
        assert!(!shown.contains(secret), "{what} shows `{secret}`: {shown}");
    }
}

fn assert_redacted(what: &str, shown: &str) {
    assert_hidden(what, shown);
    assert!(
        shown.contains("redacted") || shown.contains("Sensitive"),
        "{what} should say what it hid: {shown}"
    );
}

#[test]
fn generated_clients_and_builders() {
    let builder = seed::Client::builder()
        .basic_auth("project-test-SECRET-ID", "secret-test-SECRET")
        .default_header("x-extra", "default-header-SECRET");
    assert_redacted("seed ClientBuilder", &format!("{builder:?}"));
    assert_redacted("seed Client", &format!("{:?}", builder.build()));
    assert_redacted(
        "seed Client {:#?}",
        &format!(
            "{:#?}",
            seed::Client::builder()
                .basic_auth("project-test-SECRET-ID", "secret-test-SECRET")
                .default_header("x-extra", "default-header-SECRET")
                .build()
        ),
    );

    let builder = requests::Client::builder()
        .token("bearer-SECRET")
        .client_key("query-key-SECRET")
        .pet_key("header-key-SECRET")
        .default_header("authorization-extra", "default-header-SECRET");
    assert_redacted("requests ClientBuilder", &format!("{builder:?}"));
    assert_redacted("requests Client", &format!("{:?}", builder.build()));
}

#[test]
fn generated_data_structs() {
    let outputs = seed::sms_otp_login::Outputs {
        user_id: "user-1".to_owned(),
        session_token: "session-token-SECRET".to_owned(),
        session_jwt: "session-jwt-SECRET".to_owned(),
    };
    let shown = format!("{outputs:?}");
    assert_redacted("workflow outputs", &shown);
    assert!(
        shown.contains("user-1"),
        "other fields stay visible: {shown}"
    );

    let step = seed::sms_otp_login::AuthenticateOtpOutputs {
        user_id: "user-1".to_owned(),
        session_token: "session-token-SECRET".to_owned(),
        session_jwt: "session-jwt-SECRET".to_owned(),
    };
    assert_redacted("step outputs", &format!("{step:?}"));

    let session = types_snapshot::types::Session {
        session_id: "s-1".to_owned(),
        session_token: "session-token-SECRET".to_owned(),
        started_at: None,
    };
    assert_redacted(
        "a struct made from a response schema",
        &format!("{session:#?}"),
    );
}

#[test]
fn runtime_types() {
    assert_redacted("Secret", &format!("{:?}", Secret::new("bearer-SECRET")));
    assert_eq!(Secret::new("bearer-SECRET").to_string(), "[redacted]");
    assert_redacted(
        "BasicAuth",
        &format!(
            "{:?}",
            BasicAuth::new("project-test-SECRET-ID", "secret-test-SECRET")
        ),
    );

    let mut settings = HttpSettings::default();
    settings
        .headers
        .push(("x-extra".to_owned(), "default-header-SECRET".to_owned()));
    let shown = format!("{settings:?}");
    assert_hidden("HttpSettings", &shown);
    assert!(
        shown.contains("x-extra"),
        "header names stay visible: {shown}"
    );

    // `reqwest::Client`'s own `Debug` lists default header values; ours does not delegate.
    let client = HttpClient::with_settings(&settings);
    assert_hidden("HttpClient", &format!("{client:?}"));
    assert_hidden("HttpClient {:#?}", &format!("{client:#?}"));
}
