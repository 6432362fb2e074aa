//! The fault soak: runs the generated seed workflow (`sms_otp_login`) many times, 64 at a time on
//! one `Client`, against a loopback Stytch-like server that injects a fault into each request at
//! random (a fixed seed, so a run is reproducible up to scheduling): connection resets, 500 and
//! 503 with and without `Retry-After`, stalls longer than the timeout, truncated JSON, a body cut
//! short, wrong content types, bodies over the limit, and correct answers.
//!
//! It reports the runs that succeeded, each typed error's count, panics, runs that outlived the
//! timeout by more than a second, and RSS and open file descriptors after warm-up and at the end.
//! It exits non-zero if any run panicked, overran, or failed with an error that names no step.
//!
//! `cargo run --release -p arazzo-bench --bin soak [RUNS] [SEED]` (default 10000 runs, seed 17).
//! Bounded: it stops starting runs after 180 seconds.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arazzo_runtime::Error;
use generated_example::via_macro::{Client, sms_otp_login};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const CONCURRENCY: usize = 64;
const TIMEOUT: Duration = Duration::from_millis(500);
const LIMIT: u64 = 1 << 20;
const DEADLINE: Duration = Duration::from_secs(180);
const WARM_UP: usize = 1000;

/// What the server does with one request.
#[derive(Clone, Copy, Debug)]
enum Fault {
    Correct,
    Reset,
    Error500,
    Unavailable503,
    Unavailable503RetryAfter,
    Stall,
    TruncatedJson,
    CutShort,
    WrongContentType,
    OverLimitDeclared,
    OverLimitStreamed,
}

/// The faults and their weights (out of 100).
const FAULTS: &[(Fault, u64)] = &[
    (Fault::Correct, 70),
    (Fault::Reset, 3),
    (Fault::Error500, 3),
    (Fault::Unavailable503, 3),
    (Fault::Unavailable503RetryAfter, 3),
    (Fault::Stall, 3),
    (Fault::TruncatedJson, 3),
    (Fault::CutShort, 3),
    (Fault::WrongContentType, 3),
    (Fault::OverLimitDeclared, 3),
    (Fault::OverLimitStreamed, 3),
];

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn fault(seed: u64, index: u64) -> Fault {
    let mut roll = splitmix(seed ^ splitmix(index)) % 100;
    for (fault, weight) in FAULTS {
        if roll < *weight {
            return *fault;
        }
        roll -= weight;
    }
    Fault::Correct
}

struct Faults {
    seed: u64,
    next: AtomicU64,
    injected: Mutex<BTreeMap<String, u64>>,
}

async fn serve(stream: TcpStream, faults: Arc<Faults>) -> std::io::Result<()> {
    let mut stream = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let path = line
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        let mut length = 0_usize;
        loop {
            let mut header = String::new();
            stream.read_line(&mut header).await?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        stream.read_exact(&mut body).await?;
        let fault = fault(faults.seed, faults.next.fetch_add(1, Ordering::Relaxed));
        *faults
            .injected
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(format!("{fault:?}"))
            .or_default() += 1;
        let good = if path.starts_with("/v1/otps/sms") {
            r#"{"status_code":200,"request_id":"r","user_id":"user-test-1","phone_id":"phone-number-test-1"}"#
        } else {
            r#"{"status_code":200,"request_id":"r","user_id":"user-test-1","session_token":"tok","session_jwt":"jwt","user":{"name":{"first_name":"A"}}}"#
        };
        let socket = stream.get_mut();
        let respond = |status: &str, extra: &str, content_type: &str, body: &str| {
            format!(
                "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n{extra}\r\n{body}",
                body.len()
            )
        };
        match fault {
            Fault::Correct => {
                let text = respond("200 OK", "", "application/json", good);
                socket.write_all(text.as_bytes()).await?;
            }
            Fault::Reset => {
                // A zero linger sends a reset at once instead of blocking on drop.
                #[allow(deprecated)]
                socket.set_linger(Some(Duration::ZERO))?;
                return Ok(());
            }
            Fault::Error500 => {
                let body = r#"{"error_type":"internal_server_error"}"#;
                let text = respond("500 Internal Server Error", "", "application/json", body);
                socket.write_all(text.as_bytes()).await?;
            }
            Fault::Unavailable503 => {
                let text = respond("503 Service Unavailable", "", "text/plain", "busy");
                socket.write_all(text.as_bytes()).await?;
            }
            Fault::Unavailable503RetryAfter => {
                let text = respond(
                    "503 Service Unavailable",
                    "retry-after: 1\r\n",
                    "text/plain",
                    "busy",
                );
                socket.write_all(text.as_bytes()).await?;
            }
            Fault::Stall => {
                tokio::time::sleep(TIMEOUT * 3).await;
                return Ok(());
            }
            Fault::TruncatedJson => {
                let cut = &good[..good.len() / 2];
                let text = respond("200 OK", "", "application/json", cut);
                socket.write_all(text.as_bytes()).await?;
            }
            Fault::CutShort => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    good.len()
                );
                socket.write_all(head.as_bytes()).await?;
                socket.write_all(&good.as_bytes()[..10]).await?;
                return Ok(());
            }
            Fault::WrongContentType => {
                let text = respond("200 OK", "", "text/html", "<html>maintenance</html>");
                socket.write_all(text.as_bytes()).await?;
            }
            Fault::OverLimitDeclared => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    LIMIT * 4
                );
                socket.write_all(head.as_bytes()).await?;
                return Ok(());
            }
            Fault::OverLimitStreamed => {
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
                    .await?;
                let chunk = vec![b' '; 64 * 1024];
                // Up to 4x the limit, or until the client hangs up.
                for _ in 0..(LIMIT * 4 / chunk.len() as u64) {
                    socket
                        .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                        .await?;
                    socket.write_all(&chunk).await?;
                    socket.write_all(b"\r\n").await?;
                }
                socket.write_all(b"0\r\n\r\n").await?;
                return Ok(());
            }
        }
    }
}

fn kind(error: &Error) -> String {
    match error {
        Error::Step(failure) => format!("Step (HTTP {})", failure.status),
        Error::Transport { .. } => format!(
            "Transport ({})",
            error
                .transport_cause()
                .map_or_else(String::new, |c| c.to_string())
        ),
        Error::MissingValue { .. } => "MissingValue".to_owned(),
        Error::WrongType { .. } => "WrongType".to_owned(),
        Error::ResponseTooLarge { .. } => "ResponseTooLarge".to_owned(),
        other => format!("other: {other}"),
    }
}

fn rss_mib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0.0);
    pages * 4096.0 / (1024.0 * 1024.0)
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count)
}

#[derive(Default)]
struct Tally {
    succeeded: u64,
    errors: BTreeMap<String, u64>,
    without_step: u64,
    panics: u64,
    overran: u64,
    slowest: Duration,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().map_or(Ok(10_000), |n| n.parse())?;
    let seed: u64 = args.next().map_or(Ok(17), |n| n.parse())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let faults = Arc::new(Faults {
            seed,
            next: AtomicU64::new(0),
            injected: Mutex::new(BTreeMap::new()),
        });
        let server_faults = Arc::clone(&faults);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, Arc::clone(&server_faults)));
            }
        });
        let client = Client::builder()
            .stytch_consumer_api(base)
            .basic_auth("project-test-soak", "secret-test-soak")
            .timeout(TIMEOUT)
            .max_response_bytes(LIMIT)
            .build();
        let next = Arc::new(AtomicUsize::new(0));
        let tally = Arc::new(Mutex::new(Tally::default()));
        let warm = Arc::new(Mutex::new(None::<(f64, usize)>));
        let started = Instant::now();
        // A run makes at most two requests, each bounded by the timeout.
        let bound = TIMEOUT * 2 + Duration::from_secs(1);
        let workers: Vec<_> = (0..CONCURRENCY)
            .map(|_| {
                let (client, next, tally, warm) = (
                    client.clone(),
                    Arc::clone(&next),
                    Arc::clone(&tally),
                    Arc::clone(&warm),
                );
                tokio::spawn(async move {
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        if index >= runs || started.elapsed() > DEADLINE {
                            return;
                        }
                        if index == WARM_UP {
                            *warm
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner) =
                                Some((rss_mib(), open_fds()));
                        }
                        let client = client.clone();
                        let run_started = Instant::now();
                        let run = tokio::spawn(async move {
                            let inputs = generated_example::via_macro::sms_otp_login::Inputs {
                                phone_number: "+10000000000".into(),
                                code: "000000".into(),
                                session_duration_minutes: Some(60),
                            };
                            tokio::time::timeout(bound, sms_otp_login(&client, inputs)).await
                        });
                        let result = run.await;
                        let took = run_started.elapsed();
                        let mut tally = tally
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        tally.slowest = tally.slowest.max(took);
                        match result {
                            Err(join) if join.is_panic() => tally.panics += 1,
                            Err(_) => {}
                            Ok(Err(_elapsed)) => tally.overran += 1,
                            Ok(Ok(Ok(_))) => tally.succeeded += 1,
                            Ok(Ok(Err(error))) => {
                                if error.step().is_none() {
                                    tally.without_step += 1;
                                }
                                *tally.errors.entry(kind(&error)).or_default() += 1;
                            }
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.await?;
        }
        let elapsed = started.elapsed();
        let done = next.load(Ordering::Relaxed).min(runs);
        let tally = tally
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let warm = *warm
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        println!(
            "runs: {done} in {:.1} s, {CONCURRENCY} at a time on one Client, seed {seed}",
            elapsed.as_secs_f64()
        );
        println!("timeout {TIMEOUT:?}, max_response_bytes {LIMIT}");
        println!("succeeded: {}", tally.succeeded);
        for (kind, count) in &tally.errors {
            println!("error {kind}: {count}");
        }
        println!("errors without a step: {}", tally.without_step);
        println!("panics: {}", tally.panics);
        println!(
            "runs that outlived 2 x timeout + 1 s: {} (slowest run {:.3} s)",
            tally.overran,
            tally.slowest.as_secs_f64()
        );
        println!("requests: {}", faults.next.load(Ordering::Relaxed));
        for (fault, count) in faults
            .injected
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
        {
            println!("injected {fault}: {count}");
        }
        if let Some((rss, fds)) = warm {
            println!("after warm-up ({WARM_UP} runs): RSS {rss:.1} MiB, open fds {fds}");
        }
        println!(
            "at the end: RSS {:.1} MiB, open fds {}",
            rss_mib(),
            open_fds()
        );
        if tally.panics > 0 || tally.overran > 0 || tally.without_step > 0 {
            return Err("the soak failed".into());
        }
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}
