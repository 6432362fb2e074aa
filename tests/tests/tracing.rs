//! With `arazzo-runtime`'s `tracing` feature, a workflow is a span, and each step's request a
//! span within it that says which step, which operation, what came back and how long it took,
//! and nothing secret.

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

mod control {
    arazzo_macros::arazzo_workflow!("fixtures/control/control.arazzo.yaml");
}

const SECRET: &str = "secret-test-very-secret-value=";
const SESSION_TOKEN: &str = "mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q";

/// Each span: its id, its name, its parent's id (the span entered when it was created), and
/// its fields.
type Spans = Arc<Mutex<Vec<(u64, &'static str, Option<u64>, BTreeMap<String, String>)>>>;

/// A subscriber that keeps every `arazzo.*` span. The test runs on one thread, so one stack of
/// entered spans is enough to know each span's parent.
struct Recorder {
    spans: Spans,
    entered: Mutex<Vec<u64>>,
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
        let name = span.metadata().name();
        if name.starts_with("arazzo.") {
            let mut fields = BTreeMap::new();
            span.record(&mut Fields(&mut fields));
            let parent = self.entered.lock().expect("lock").last().copied();
            self.spans
                .lock()
                .expect("lock")
                .push((id, name, parent, fields));
        }
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut spans = self.spans.lock().expect("lock");
        if let Some((.., fields)) = spans.iter_mut().find(|(id, ..)| *id == span.into_u64()) {
            values.record(&mut Fields(fields));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, span: &Id) {
        self.entered.lock().expect("lock").push(span.into_u64());
    }
    fn exit(&self, _: &Id) {
        self.entered.lock().expect("lock").pop();
    }
}

#[tokio::test]
async fn a_workflow_span_holds_one_span_per_step_with_its_outcome_and_no_secret() {
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
        entered: Mutex::default(),
        next: AtomicU64::new(0),
    });
    let client = stytch::Client::builder()
        .stytch_consumer_api(server.uri())
        .basic_auth("project-test-1", SECRET)
        .build();
    let inputs = stytch::sms_otp_login::Inputs {
        phone_number: "+10000000000".to_owned(),
        code: "000000".to_owned(),
        session_duration_minutes: None,
    };
    stytch::sms_otp_login(&client, inputs)
        .await
        .expect("succeeds");

    let recorded = spans.lock().expect("lock").clone();
    let workflows: Vec<_> = recorded
        .iter()
        .filter(|(_, name, ..)| *name == "arazzo.workflow")
        .collect();
    assert_eq!(workflows.len(), 1, "one workflow span: {recorded:#?}");
    let (workflow_span, _, _, workflow_fields) = workflows[0];
    assert_eq!(workflow_fields["workflow"], "sms-otp-login");
    let steps: Vec<_> = recorded
        .iter()
        .filter(|(_, name, ..)| *name == "arazzo.step")
        .collect();
    assert!(
        steps
            .iter()
            .all(|(_, _, parent, _)| *parent == Some(*workflow_span)),
        "the steps nest in the workflow's span: {recorded:#?}"
    );
    let spans: Vec<BTreeMap<String, String>> =
        steps.iter().map(|(.., fields)| fields.clone()).collect();
    assert_eq!(spans.len(), 2, "one span per step: {spans:#?}");
    for (fields, (step, path, operation)) in spans.iter().zip([
        (
            "sendSmsOtp",
            "/v1/otps/sms/login_or_create",
            "api_otp_v1_otp_sms_LoginOrCreate",
        ),
        (
            "authenticateOtp",
            "/v1/otps/authenticate",
            "api_otp_v1_Authenticate",
        ),
    ]) {
        assert_eq!(fields["step"], step);
        assert_eq!(fields["operation"], operation);
        assert_eq!(fields["attempt"], "1");
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

#[tokio::test]
async fn each_try_of_a_retried_step_is_a_span_that_counts_its_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "0"))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": 7})))
        .with_priority(2)
        .mount(&server)
        .await;
    let spans = Spans::default();
    let _guard = tracing::subscriber::set_default(Recorder {
        spans: Arc::clone(&spans),
        entered: Mutex::default(),
        next: AtomicU64::new(0),
    });
    let client = control::Client::builder().jobs(server.uri()).build();
    control::retry_flaky(&client, control::retry_flaky::Inputs {})
        .await
        .expect("succeeds on the third try");
    let tries: Vec<(String, String, String)> = spans
        .lock()
        .expect("lock")
        .iter()
        .filter(|(_, name, ..)| *name == "arazzo.step")
        .map(|(.., fields)| {
            (
                fields["operation"].clone(),
                fields["attempt"].clone(),
                fields["status"].clone(),
            )
        })
        .collect();
    let expected: Vec<(String, String, String)> = [("1", "503"), ("2", "503"), ("3", "200")]
        .iter()
        .map(|(attempt, status)| {
            (
                "flaky".to_owned(),
                (*attempt).to_owned(),
                (*status).to_owned(),
            )
        })
        .collect();
    assert_eq!(tries, expected);
}
