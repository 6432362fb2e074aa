//! Steps that run at once (Arazzo 1.1 step `dependsOn`, issue 19): a workflow of one step
//! followed by three steps that each depend only on it, against a loopback server that answers
//! every request after 20 ms, generated twice: as it is (the three run at once: about two
//! answers' time, 40 ms) and with `concurrent = false` (one after the other: four answers,
//! 80 ms). Both in one run, in alternating rounds (`arazzo_bench::paired`), so that the ratio is
//! measured under the same load.
//!
//! `cargo bench -p arazzo-bench --bench concurrent`
//!
//! `ARAZZO_BENCH_ROUNDS` (default 11) and `ARAZZO_BENCH_PER_ROUND` (default 10) set the rounds
//! and the calls per round.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod at_once {
    arazzo_macros::arazzo_workflow!("fixtures/fan-out.arazzo.yaml");
}

mod one_by_one {
    arazzo_macros::arazzo_workflow!("fixtures/fan-out.arazzo.yaml", concurrent = false);
}

/// How long the server takes to answer each request.
const DELAY: Duration = Duration::from_millis(20);

/// An HTTP/1.1 server on 127.0.0.1 (keep-alive, its own thread and runtime) that answers every
/// request after [`DELAY`]: `POST /start` with a token, `GET /parts/<name>` with a value.
fn start_server() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let address = listener.local_addr().expect("an address");
    listener.set_nonblocking(true).expect("non-blocking");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a listener");
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(connection(socket));
            }
        });
    });
    address
}

/// Answers the requests of one connection (they have no bodies) until the client closes it.
async fn connection(mut socket: tokio::net::TcpStream) {
    let mut pending = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") else {
            match socket.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => pending.extend_from_slice(&buffer[..n]),
            }
            continue;
        };
        let head = String::from_utf8_lossy(&pending[..end]).into_owned();
        pending.drain(..end + 4);
        let target = head.split(' ').nth(1).unwrap_or_default();
        let body = if target.starts_with("/start") {
            r#"{"token":"t1"}"#.to_owned()
        } else {
            let name = target
                .trim_start_matches("/parts/")
                .split('?')
                .next()
                .unwrap_or_default();
            format!(r#"{{"value":"{name}"}}"#)
        };
        tokio::time::sleep(DELAY).await;
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        if socket.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // `cargo test --benches` runs benches with `--test`: nothing to measure then.
    if std::env::args().any(|a| a == "--test") {
        return;
    }
    let base = format!("http://{}", start_server());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let concurrent = at_once::Client::builder().parts(&base).build();
    let sequential = one_by_one::Client::builder().parts(&base).build();
    let run_concurrent = || {
        let outputs = runtime
            .block_on(at_once::fan_out(&concurrent, at_once::fan_out::Inputs {}))
            .expect("the workflow succeeds");
        assert_eq!(
            (outputs.b.as_str(), outputs.c.as_str(), outputs.d.as_str()),
            ("b", "c", "d")
        );
    };
    let run_sequential = || {
        let outputs = runtime
            .block_on(one_by_one::fan_out(
                &sequential,
                one_by_one::fan_out::Inputs {},
            ))
            .expect("the workflow succeeds");
        assert_eq!(
            (outputs.b.as_str(), outputs.c.as_str(), outputs.d.as_str()),
            ("b", "c", "d")
        );
    };
    let (rounds, per_round) = (
        setting("ARAZZO_BENCH_ROUNDS", 11),
        setting("ARAZZO_BENCH_PER_ROUND", 10),
    );
    let per_round = u32::try_from(per_round).unwrap_or(10);
    let result = arazzo_bench::paired(rounds, per_round, run_concurrent, run_sequential);
    println!(
        "one step, then three independent steps; each answer takes {} ms ({rounds} rounds x {per_round} calls, medians):",
        DELAY.as_millis()
    );
    println!(
        "  concurrent (default):   wall {:>8.2} ms per run",
        result.a.wall.as_secs_f64() * 1e3
    );
    println!(
        "  concurrent = false:     wall {:>8.2} ms per run",
        result.b.wall.as_secs_f64() * 1e3
    );
    println!(
        "  ratio concurrent / sequential: wall {:.3} (ideal: 2 answers / 4 answers = 0.5), client CPU {:.3} ({:.1} µs / {:.1} µs)",
        result.wall_ratio,
        result.cpu_ratio,
        result.a.cpu.as_secs_f64() * 1e6,
        result.b.cpu.as_secs_f64() * 1e6
    );
}
