//! The generated `sms_otp_login` against the same two requests written by hand with reqwest.
//!
//! `cargo bench -p arazzo-bench --bench workflow`
//!
//! Both run on the bench thread, each on a current-thread tokio runtime, against one
//! hand-written HTTP/1.1 server on 127.0.0.1 that runs on a thread and runtime of its own. Each
//! side keeps one client (one connection pool) for all its calls. The hand-written side sends
//! the same two JSON requests with the same basic credentials, checks the status as the
//! generated code does, and decodes the same values (`phone_id`, then `user_id`,
//! `session_token`, `session_jwt`) with `serde` into structs, as one would write it.
//!
//! divan's table gives wall time per call. The paired run after it alternates the two sides in
//! rounds and reports the ratio of the bench thread's CPU time (what the client itself costs,
//! the server excluded) and of wall time. On a busy machine both vary from run to run;
//! `bench/instructions.sh` counts the client thread's instructions per call instead, which do not.

//! `ARAZZO_BENCH_PADDING=<bytes>` pads the `user` object of the `authenticate` response with
//! that many bytes of members neither side reads (1024, 102400, 10485760: what it costs to skip
//! them).
//!
//! `ARAZZO_BENCH_ROUNDS` and `ARAZZO_BENCH_PER_ROUND` set the paired run's rounds (61) and calls
//! per round (200); `ARAZZO_BENCH_PAIRED_ONLY=1` skips divan's table (`bench/zero-overhead.sh`
//! uses both for the padded bodies).
//!
//! With `--features count-allocations`, divan's table also gives the heap allocations per call
//! made on the bench thread (the client side; the server runs on a thread of its own):
//! `cargo bench -p arazzo-bench --bench workflow --features count-allocations`.

use std::sync::LazyLock;
use std::time::Duration;

use arazzo_bench::paired;
use divan::black_box;
use generated_example::via_macro::{Client, sms_otp_login};

#[cfg(feature = "count-allocations")]
#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

const PROJECT_ID: &str = "project-test-00000000-0000-0000-0000-000000000000";
const SECRET: &str = "secret-test-000000000000000000000000000000000000";

struct Sides {
    runtime: tokio::runtime::Runtime,
    generated: Client,
    reqwest: reqwest::Client,
    base: String,
}

static SIDES: LazyLock<Sides> = LazyLock::new(|| {
    let padding = std::env::var("ARAZZO_BENCH_PADDING")
        .ok()
        .and_then(|bytes| bytes.parse().ok())
        .unwrap_or(0);
    let address = arazzo_bench::start_padded(0, true, padding).expect("a loopback port");
    let base = format!("http://{address}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let generated = Client::builder()
        .stytch_consumer_api(&base)
        .basic_auth(PROJECT_ID, SECRET)
        .build();
    // The settings the generated client has by default, so both do the same work per request.
    let reqwest = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("arazzo-runtime/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a reqwest client");
    Sides {
        runtime,
        generated,
        reqwest,
        base,
    }
});

/// What both sides return.
#[derive(Debug, PartialEq)]
struct Outputs {
    user_id: String,
    session_token: String,
    session_jwt: String,
}

async fn generated(client: &Client) -> Outputs {
    let outputs = sms_otp_login(
        client,
        sms_otp_login::Inputs {
            phone_number: "+10000000000".into(),
            code: "000000".into(),
            session_duration_minutes: Some(60),
        },
    )
    .await
    .expect("the generated workflow succeeds");
    Outputs {
        user_id: outputs.user_id,
        session_token: outputs.session_token,
        session_jwt: outputs.session_jwt,
    }
}

#[derive(serde::Deserialize)]
struct LoginOrCreate {
    phone_id: String,
}

#[derive(serde::Deserialize)]
struct Authenticate {
    user_id: String,
    session_token: String,
    session_jwt: String,
}

#[derive(serde::Serialize)]
struct Authentication<'a> {
    method_id: &'a str,
    code: &'a str,
    session_duration_minutes: Option<i64>,
}

async fn hand_written(
    client: &reqwest::Client,
    base: &str,
) -> Result<Outputs, Box<dyn std::error::Error>> {
    let response = client
        .post(format!("{base}/v1/otps/sms/login_or_create"))
        .basic_auth(PROJECT_ID, Some(SECRET))
        .json(&serde_json::json!({ "phone_number": "+10000000000" }))
        .send()
        .await?;
    if response.status() != 200 {
        return Err(format!("login_or_create: {}", response.status()).into());
    }
    let sent: LoginOrCreate = response.json().await?;
    let response = client
        .post(format!("{base}/v1/otps/authenticate"))
        .basic_auth(PROJECT_ID, Some(SECRET))
        .json(&Authentication {
            method_id: &sent.phone_id,
            code: "000000",
            session_duration_minutes: Some(60),
        })
        .send()
        .await?;
    if response.status() != 200 {
        return Err(format!("authenticate: {}", response.status()).into());
    }
    let session: Authenticate = response.json().await?;
    Ok(Outputs {
        user_id: session.user_id,
        session_token: session.session_token,
        session_jwt: session.session_jwt,
    })
}

fn run_generated() {
    let sides = &*SIDES;
    black_box(sides.runtime.block_on(generated(&sides.generated)));
}

fn run_hand_written() {
    let sides = &*SIDES;
    let outputs = sides
        .runtime
        .block_on(hand_written(&sides.reqwest, &sides.base))
        .expect("the hand-written workflow succeeds");
    black_box(outputs);
}

#[divan::bench]
fn generated_sms_otp_login() {
    run_generated();
}

#[divan::bench]
fn hand_written_reqwest() {
    run_hand_written();
}

fn main() {
    let sides = &*SIDES;
    let a = sides.runtime.block_on(generated(&sides.generated));
    let b = sides
        .runtime
        .block_on(hand_written(&sides.reqwest, &sides.base))
        .expect("the hand-written workflow succeeds");
    assert_eq!(a, b, "both sides return the same outputs");
    // `bench/instructions.sh` runs one side under callgrind, without the paired run.
    let quick = std::env::args().any(|a| a == "--test" || a == "--list")
        || std::env::var_os("ARAZZO_BENCH_NO_PAIRED").is_some();
    // `bench/zero-overhead.sh` runs only the paired run for the padded bodies, with fewer rounds.
    if std::env::var_os("ARAZZO_BENCH_PAIRED_ONLY").is_none() {
        divan::main();
    }
    if quick {
        return;
    }
    let setting = |name: &str, default: u32| {
        std::env::var(name)
            .ok()
            .and_then(|value| value.parse().ok())
            .unwrap_or(default)
    };
    let (rounds, per_round) = (
        setting("ARAZZO_BENCH_ROUNDS", 61),
        setting("ARAZZO_BENCH_PER_ROUND", 200),
    );
    println!();
    println!(
        "paired run ({rounds} alternating rounds of {per_round} calls each; padding {} bytes; medians):",
        std::env::var("ARAZZO_BENCH_PADDING").unwrap_or_else(|_| "0".to_owned())
    );
    let run = paired(rounds as usize, per_round, run_generated, run_hand_written);
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "  client CPU time: generated {:.1} µs, hand-written {:.1} µs per call: {:.3}x",
        us(run.a.cpu),
        us(run.b.cpu),
        run.cpu_ratio
    );
    println!(
        "  wall time:       generated {:.1} µs, hand-written {:.1} µs per call: {:.3}x",
        us(run.a.wall),
        us(run.b.wall),
        run.wall_ratio
    );
}
