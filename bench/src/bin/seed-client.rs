//! Ours, for `bench/peers.sh`: runs the generated `sms_otp_login` against a base URL once (the
//! first execution, which connects), then `N` more times on the same client, and prints the time
//! of the first and the mean of the others in milliseconds.
//!
//! `seed-client http://127.0.0.1:8787 [N]`

use std::time::Instant;

use generated_example::via_macro::{Client, sms_otp_login};

fn inputs() -> sms_otp_login::Inputs {
    sms_otp_login::Inputs {
        phone_number: "+10000000000".into(),
        code: "000000".into(),
        session_duration_minutes: Some(60),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let base = args.next().ok_or("usage: seed-client BASE_URL [N]")?;
    let runs: u32 = args.next().map_or(Ok(100), |n| n.parse())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = Client::builder()
        .stytch_consumer_api(base)
        .basic_auth("project-test-00000000", "secret-test-00000000")
        .build();
    runtime.block_on(async {
        let started = Instant::now();
        let outputs = sms_otp_login(&client, inputs()).await?;
        let first = started.elapsed().as_secs_f64() * 1e3;
        println!(
            "first execution: {first:.3} ms (user_id {})",
            outputs.user_id
        );
        let started = Instant::now();
        for _ in 0..runs {
            sms_otp_login(&client, inputs()).await?;
        }
        let mean = started.elapsed().as_secs_f64() * 1e3 / f64::from(runs.max(1));
        println!("per execution: {mean:.3} ms (mean of {runs})");
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}
