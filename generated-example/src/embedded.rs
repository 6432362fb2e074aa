//! The embedded default: the fake generated with the seed (`fake = true`), with two handlers
//! that answer as Stytch's Test environment does for its sandbox values, so that a wrong code
//! fails as it would against Stytch. Everything else (the response bodies, the checks of what
//! the client sends, the record of requests) is the generated fake's.

use crate::via_macro::fake::{AuthenticateOtpResponse, Fake, SendSmsOtpResponse};
use crate::via_macro::types::ErrorResponse;

/// The passcode the embedded server accepts.
pub const SANDBOX_CODE: &str = "000000";

fn error(status: u16, error_type: &str, message: &str) -> ErrorResponse {
    ErrorResponse {
        status_code: status.into(),
        request_id: "request-id-test-00000000-0000-0000-0000-000000000000".into(),
        error_type: error_type.into(),
        error_message: message.into(),
        error_url: Some(format!("https://stytch.com/docs/api/errors/{status}")),
        error_details: None,
    }
}

/// Starts the seed's fake on 127.0.0.1: any phone number gets a passcode (the description's
/// example response), the code [`SANDBOX_CODE`] authenticates the `phone_id` the first step
/// returned, and a session is minted only when a duration is asked for, as Stytch does.
pub async fn start() -> Fake {
    let fake = Fake::start().await;
    let phone_id = SendSmsOtpResponse::default_ok().phone_id;
    fake.on_authenticate_otp(move |request| {
        if request.body.method_id != phone_id {
            return AuthenticateOtpResponse::not_found(error(
                404,
                "phone_number_not_found",
                "Phone Number could not be found.",
            ));
        }
        if request.body.code != SANDBOX_CODE {
            return AuthenticateOtpResponse::not_found(error(
                404,
                "otp_code_not_found",
                "The passcode was incorrect and could not be authenticated, encourage the user to try inputting the passcode again or send another passcode.",
            ));
        }
        let mut body = AuthenticateOtpResponse::default_ok();
        if request.body.session_duration_minutes.is_none() {
            body.session_token = String::new();
            body.session_jwt = String::new();
        }
        AuthenticateOtpResponse::ok(body)
    });
    fake
}
