//! The runtime reading responses under production conditions, against a hand-written HTTP/1.1
//! server on 127.0.0.1: bodies over the limit stop being read, and transport errors say why.

#[path = "support/devices.rs"]
mod devices;
#[path = "support/http_server.rs"]
mod http_server;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use arazzo_runtime::{Error, TransportCause};
use devices::device_inputs;
use http_server::{Reply, Server, json, refused_url};

const GIB: u64 = 1 << 30;

/// The resident set size of this process.
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// A server that streams 256 MiB, or declares 10 GiB for a device id with `declared` in it.
async fn large_bodies() -> Server {
    Server::start(|seen| {
        if seen.target.contains("declared") {
            Reply::Declares(10 * GIB)
        } else {
            Reply::Stream { total: 256 << 20 }
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_body_over_the_limit_stops_being_read_and_fails_the_step() {
    let server = large_bodies().await;
    let client = devices::Client::builder()
        .devices(&server.url)
        .oauth("tok")
        .max_response_bytes(1 << 20)
        .build();
    let before = rss_bytes();
    let started = Instant::now();
    let error = devices::device(&client, device_inputs("streamed"))
        .await
        .expect_err("fails");
    let elapsed = started.elapsed();
    assert!(
        matches!(
            error,
            Error::ResponseTooLarge {
                step: "getDevice",
                limit: 1_048_576,
                status: 200
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("getDevice") && error.to_string().contains("1048576"),
        "{error}"
    );
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    // The client stopped reading: the server could write little more than the limit and the
    // socket buffers before its writes blocked and the connection closed.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let written = server.written.load(Ordering::Relaxed) as u64;
    assert!(written < 64 << 20, "the server wrote {written} bytes");
    let grown = rss_bytes().saturating_sub(before);
    assert!(grown < 64 << 20, "RSS grew by {grown} bytes");
}

#[tokio::test]
async fn a_content_length_over_the_limit_fails_before_any_of_the_body_is_read() {
    let server = large_bodies().await;
    let client = devices::Client::builder()
        .devices(&server.url)
        .oauth("tok")
        .max_response_bytes(1 << 20)
        .build();
    let started = Instant::now();
    let error = devices::device(&client, device_inputs("declared"))
        .await
        .expect_err("fails");
    assert!(
        matches!(
            error,
            Error::ResponseTooLarge {
                step: "getDevice",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_limit_is_32_mib() {
    // A 1 MiB body reads (it is not JSON, so the output fails).
    let small = Server::start(|_| Reply::Stream { total: 1 << 20 }).await;
    let client = devices::Client::builder()
        .devices(&small.url)
        .oauth("tok")
        .build();
    let error = devices::device(&client, device_inputs("x"))
        .await
        .expect_err("fails");
    assert!(matches!(error, Error::MissingValue { .. }), "{error:?}");

    let large = large_bodies().await;
    let client = devices::Client::builder()
        .devices(&large.url)
        .oauth("tok")
        .build();
    let error = devices::device(&client, device_inputs("streamed"))
        .await
        .expect_err("fails");
    assert!(
        matches!(
            error,
            Error::ResponseTooLarge {
                limit: 33_554_432,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn transport_errors_name_their_cause() {
    let client = devices::Client::builder()
        .devices(refused_url())
        .oauth("tok")
        .build();
    let error = devices::device(&client, device_inputs("d"))
        .await
        .expect_err("fails");
    assert_eq!(
        error.transport_cause(),
        Some(TransportCause::ConnectionRefused)
    );
    let shown = error.to_string();
    assert!(
        shown.starts_with("step `getDevice`: the request failed: connection refused"),
        "{shown}"
    );

    let server = Server::start(|_| Reply::Stall(Duration::from_secs(2))).await;
    let client = devices::Client::builder()
        .devices(&server.url)
        .oauth("tok")
        .timeout(Duration::from_millis(200))
        .build();
    let error = devices::device(&client, device_inputs("slow"))
        .await
        .expect_err("fails");
    assert_eq!(error.transport_cause(), Some(TransportCause::TimedOut));
    assert!(
        error.to_string().contains("the request failed: timed out"),
        "{error}"
    );
}

#[tokio::test]
async fn a_failed_body_is_one_call_away() {
    let server = Server::start(|_| {
        json(
            400,
            r#"{"error_type": "device_not_found", "status_code": 400}"#,
        )
    })
    .await;
    let client = devices::Client::builder()
        .devices(&server.url)
        .oauth("tok")
        .build();
    let error = devices::device(&client, device_inputs("missing"))
        .await
        .expect_err("fails");
    assert_eq!(error.status(), Some(400));
    assert_eq!(
        error
            .body_json()
            .and_then(|body| body.get("error_type"))
            .and_then(|t| t.as_str()),
        Some("device_not_found")
    );
}
