//! The seed's snapshot with `fake = true`, compiled as a user's test crate would compile it, and
//! run: the workflow succeeds against its fake with no handler.
#![deny(warnings)]

mod generated {
    include!("../../snapshots/stytch_sms_otp_login_fake.rs");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let fake = generated::fake::Fake::start().await;
    let inputs = generated::fake::inputs::sms_otp_login();
    let outputs = generated::sms_otp_login(&fake.client(), inputs)
        .await
        .expect("the workflow succeeds against its fake");
    assert!(!outputs.user_id.is_empty());
    assert!(fake.violations().is_empty());
}
