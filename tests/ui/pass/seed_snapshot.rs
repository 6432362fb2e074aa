//! The seed's snapshot, compiled as a user's crate would compile it.
#![deny(warnings)]

mod generated {
    include!("../../snapshots/stytch_sms_otp_login.rs");
}

fn main() {
    let client = generated::Client::builder()
        .stytch_consumer_api("http://127.0.0.1:1")
        .basic_auth("project-test-x", "secret-test-x")
        .reqwest_client(arazzo_runtime::reqwest::Client::new())
        .build();
    let inputs = generated::sms_otp_login::Inputs {
        phone_number: "+10000000000".to_owned(),
        code: "000000".to_owned(),
        session_duration_minutes: None,
    };
    // Built, never run: this case is about compiling.
    let workflow = generated::sms_otp_login(&client, inputs);
    drop(workflow);
    drop(generated::Client::new());
}
