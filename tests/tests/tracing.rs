//! With `arazzo-runtime`'s `tracing` feature, each step's request is a span that says which
//! step, which operation, what came back and how long it took, and nothing secret.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::json;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod stytch {
    arazzo_macros::arazzo_workflow!("../specs/arazzo/stytch-sms-otp-login-workflow.yml");
}

const SECRET: &str = "secret-test-very-secret-value=";
const SESSION_TOKEN: &str = "mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q";

type Spans = Arc<Mutex<Vec<(u64, BTreeMap<String, String>)>>>;

/// A subscriber that keeps the fields of every `arazzo.step` span.
struct Recorder {
    spans: Spans,
    next: AtomicU64,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        if span.metadata().name() == "arazzo.step" {
            let mut fields = BTreeMap::new();
            span.record(&mut Fields(&mut fields));
            self.spans.lock().expect("lock").push((id, fields));
        }
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut spans = self.spans.lock().expect("lock");
        if let Some((_, fields)) = spans.iter_mut().find(|(id, _)| *id == span.into_u64()) {
            values.record(&mut Fields(fields));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn each_step_is_a_span_with_its_request_and_outcome_and_no_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/otps/sms/login_or_create"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"user_id": "u-1", "phone_id": "p-1"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/otps/authenticate"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "user_id": "u-1",
            "session_token": SESSION_TOKEN,
            "session_jwt": "eyJ.eyJ.sig",
        })))
        .mount(&server)
        .await;

    let spans = Spans::default();
    let _guard = tracing::subscriber::set_default(Recorder {
        spans: Arc::clone(&spans),
        next: AtomicU64::new(0),
    });
    let client = stytch::Client::builder()
        .stytch_consumer_api(server.uri())
        .basic_auth("project-test-1", SECRET)
        .build();
    let inputs = stytch::SmsOtpLoginInputs {
        phone_number: "+10000000000".to_owned(),
        code: "000000".to_owned(),
        session_duration_minutes: None,
    };
    stytch::sms_otp_login(&client, inputs)
        .await
        .expect("succeeds");

    let spans: Vec<BTreeMap<String, String>> = spans
        .lock()
        .expect("lock")
        .iter()
        .map(|(_, fields)| fields.clone())
        .collect();
    assert_eq!(spans.len(), 2, "one span per step: {spans:#?}");
    for (fields, (step, path)) in spans.iter().zip([
        ("sendSmsOtp", "/v1/otps/sms/login_or_create"),
        ("authenticateOtp", "/v1/otps/authenticate"),
    ]) {
        assert_eq!(fields["step"], step);
        assert_eq!(fields["method"], "POST");
        assert_eq!(fields["path"], path);
        assert_eq!(fields["status"], "200");
        assert!(fields["duration_ms"].parse::<u64>().is_ok(), "{fields:?}");
    }
    let everything = format!("{spans:?}");
    for secret in [SECRET, SESSION_TOKEN, "Basic "] {
        assert!(!everything.contains(secret), "{everything}");
    }
}
