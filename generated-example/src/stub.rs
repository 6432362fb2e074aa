//! A Stytch-like server on 127.0.0.1 for the two SMS OTP endpoints, answering as Stytch's Test
//! environment does for its sandbox values: any E.164 phone number gets a passcode, and the
//! code `000000` authenticates. It records every request it receives.

use arazzo_runtime::serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The `user_id` the stub returns.
pub const USER_ID: &str = "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6";
/// The `phone_id` the stub returns from the first step.
pub const PHONE_ID: &str = "phone-number-test-d5a3b680-e8a3-40c0-b815-ab79986666d0";
/// The passcode the stub accepts.
pub const SANDBOX_CODE: &str = "000000";

/// A running stub; it stops when dropped.
#[derive(Debug)]
pub struct StytchStub {
    server: MockServer,
}

fn error(status: u16, error_type: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "status_code": status,
        "request_id": "request-id-test-00000000-0000-0000-0000-000000000000",
        "error_type": error_type,
        "error_message": message,
        "error_url": format!("https://stytch.com/docs/api/errors/{status}"),
    }))
}

fn authorized(request: &Request) -> bool {
    request
        .headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("Basic "))
}

fn body(request: &Request) -> Value {
    request.body_json().unwrap_or(Value::Null)
}

struct LoginOrCreate;

impl Respond for LoginOrCreate {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if !authorized(request) {
            return error(401, "unauthorized_credentials", "Unauthorized credentials.");
        }
        let phone = body(request)["phone_number"].as_str().map(str::to_owned);
        match phone {
            Some(phone)
                if phone.starts_with('+')
                    && phone.len() > 8
                    && phone[1..].bytes().all(|b| b.is_ascii_digit()) =>
            {
                ResponseTemplate::new(200).set_body_json(json!({
                    "status_code": 200,
                    "request_id": "request-id-test-b05c992f-ebdc-489d-a754-c7e70ba13141",
                    "user_id": USER_ID,
                    "phone_id": PHONE_ID,
                    "user_created": false,
                }))
            }
            _ => error(
                400,
                "invalid_phone_number",
                "Phone number format is invalid. Ensure the phone number is in the E.164 format.",
            ),
        }
    }
}

struct Authenticate;

impl Respond for Authenticate {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if !authorized(request) {
            return error(401, "unauthorized_credentials", "Unauthorized credentials.");
        }
        let body = body(request);
        if body["method_id"].as_str() != Some(PHONE_ID) {
            return error(
                404,
                "phone_number_not_found",
                "Phone Number could not be found.",
            );
        }
        if body["code"].as_str() != Some(SANDBOX_CODE) {
            return error(
                404,
                "otp_code_not_found",
                "The passcode was incorrect and could not be authenticated, encourage the user to try inputting the passcode again or send another passcode.",
            );
        }
        // As Stytch does, mint a session only when a duration is asked for.
        let (token, jwt) = match body["session_duration_minutes"].as_i64() {
            Some(_) => (
                "mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q",
                "eyJhbGciOiJSUzI1NiIsImtpZCI6Imp3ay10ZXN0In0.eyJzdWIiOiJ1c2VyLXRlc3QifQ.c2ln",
            ),
            None => ("", ""),
        };
        ResponseTemplate::new(200).set_body_json(json!({
            "status_code": 200,
            "request_id": "request-id-test-b05c992f-ebdc-489d-a754-c7e70ba13141",
            "user_id": USER_ID,
            "method_id": PHONE_ID,
            "session_token": token,
            "session_jwt": jwt,
            "reset_sessions": false,
            "user": { "user_id": USER_ID, "status": "active", "emails": [], "phone_numbers": [],
                      "webauthn_registrations": [], "providers": [], "totps": [], "crypto_wallets": [],
                      "biometric_registrations": [], "is_locked": false, "roles": [] },
        }))
    }
}

impl StytchStub {
    /// Starts the stub on a free port of 127.0.0.1.
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1/otps/sms/login_or_create"))
            .respond_with(LoginOrCreate)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/v1/otps/authenticate"))
            .respond_with(Authenticate)
            .mount(&server)
            .await;
        Self { server }
    }

    /// The base URL, `http://127.0.0.1:<port>`.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Every request received so far, in order.
    pub async fn requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }
}
