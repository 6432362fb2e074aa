//! The seed's snapshot with `durable = true`, compiled as a user's crate would compile it.
#![deny(warnings)]

mod generated {
    include!("../../snapshots/stytch_sms_otp_login_durable.rs");
}

use generated::sms_otp_login;

fn main() {
    let client = generated::Client::builder()
        .stytch_consumer_api("http://127.0.0.1:1")
        .basic_auth("project-test-x", "secret-test-x")
        .build();
    let store = arazzo_runtime::durable::MemoryStore::new();
    let inputs = sms_otp_login::PartialInputs {
        phone_number: Some("+10000000000".to_owned()),
        ..Default::default()
    };
    // Built, never run: this case is about compiling.
    drop(sms_otp_login::start(&client, "run-1", inputs, &store));
    drop(sms_otp_login::resume(&client, "run-1", &store));
    let _: fn(&sms_otp_login::State) -> Vec<&'static str> = sms_otp_login::State::waiting_for;
    let _: &str = sms_otp_login::VERSION;
}
