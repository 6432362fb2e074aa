//! Steps that run at once (Arazzo 1.1 step `dependsOn`, `fixtures/concurrent/`), against a
//! server on 127.0.0.1: after `start`, the three parts are in flight together (the server holds
//! each until all three have arrived, so a sequential run could not answer them); the first
//! failure ends the run and drops the requests still in flight; `concurrent = false` runs the
//! same steps one after the other.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Barrier;

mod at_once {
    arazzo_macros::arazzo_workflow!("fixtures/concurrent/parts.arazzo.yaml");
}

mod one_by_one {
    arazzo_macros::arazzo_workflow!("fixtures/concurrent/parts.arazzo.yaml", concurrent = false);
}

/// How long the server waits for the three parts to be in flight together: generous, so that
/// a loaded machine does not fail the test; a sequential run would wait for it in full.
const HOLD: Duration = Duration::from_secs(10);

/// What the server does with the requests for the parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Holds each part's request until all three have arrived, then answers them.
    Together,
    /// Answers each part at once.
    AtOnce,
    /// Holds the three until all have arrived; then answers `partC` with a 500 and keeps the
    /// other two open until the client closes them.
    FailC,
}

/// What the server saw.
#[derive(Debug, Default)]
struct Seen {
    /// Each request's path, in the order they arrived, and when each was answered (`done …`).
    events: Vec<String>,
    /// Requests in flight now, and the most at any time.
    open: usize,
    most_open: usize,
    /// Requests whose connection the client closed before they were answered.
    dropped: Vec<String>,
}

async fn server(mode: Mode) -> (String, Arc<Mutex<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("has an address");
    let seen = Arc::new(Mutex::new(Seen::default()));
    let parts = Arc::new(Barrier::new(3));
    let shared = Arc::clone(&seen);
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(answer(
                socket,
                mode,
                Arc::clone(&shared),
                Arc::clone(&parts),
            ));
        }
    });
    (format!("http://{address}"), seen)
}

/// Reads one request's head (the requests of this document have no body) and answers it.
async fn answer(mut socket: TcpStream, mode: Mode, seen: Arc<Mutex<Seen>>, parts: Arc<Barrier>) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let target = text.split(' ').nth(1).unwrap_or_default();
    let path = target.split('?').next().unwrap_or_default().to_owned();
    let label = text
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("x-label")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    {
        let mut seen = seen.lock().expect("not poisoned");
        seen.events.push(path.clone());
        seen.open += 1;
        seen.most_open = seen.most_open.max(seen.open);
    }
    let json = |status: &str, body: &str| {
        format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let reply = match path.as_str() {
        "/start" => json("200 OK", r#"{"token": "t1"}"#),
        "/finish" => json("200 OK", r#"{"done": true}"#),
        part => {
            let name = part.trim_start_matches("/parts/");
            // Only `partD` goes without the token (it depends on `start` by `dependsOn` alone).
            if name != "d" && !target.contains("token=t1") {
                json("400 Bad Request", r#"{"error": "no token"}"#)
            } else if mode == Mode::AtOnce {
                json("200 OK", &format!(r#"{{"value": "{name}-{label}"}}"#))
            } else if tokio::time::timeout(HOLD, parts.wait()).await.is_err() {
                json(
                    "504 Gateway Timeout",
                    r#"{"error": "the other parts never came"}"#,
                )
            } else if mode == Mode::FailC && name != "c" {
                // Kept open until the client closes the connection.
                let closed = tokio::time::timeout(HOLD, socket.read(&mut buffer)).await;
                if matches!(closed, Ok(Ok(0) | Err(_))) {
                    seen.lock().expect("not poisoned").dropped.push(path);
                }
                return;
            } else if mode == Mode::FailC {
                json("500 Internal Server Error", r#"{"error": "part c broke"}"#)
            } else {
                json("200 OK", &format!(r#"{{"value": "{name}-{label}"}}"#))
            }
        }
    };
    let _ = socket.write_all(reply.as_bytes()).await;
    let _ = socket.flush().await;
    let mut seen = seen.lock().expect("not poisoned");
    seen.open -= 1;
    seen.events.push(format!("done {path}"));
}

fn inputs() -> at_once::assemble::Inputs {
    at_once::assemble::Inputs {
        label: "x".to_owned(),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_parts_are_in_flight_together_after_start() {
    let (base, seen) = server(Mode::Together).await;
    let client = at_once::Client::builder().parts(&base).build();
    let outputs = at_once::assemble(&client, inputs())
        .await
        .expect("the workflow succeeds");
    assert_eq!(
        (
            outputs.b.as_str(),
            outputs.c.as_str(),
            outputs.d.as_str(),
            outputs.done,
            outputs.label.as_str()
        ),
        ("b-x", "c-x", "d-x", true, "x")
    );
    let seen = seen.lock().expect("not poisoned");
    // Each part answered only once all three had arrived: they were in flight together.
    assert_eq!(seen.most_open, 3, "{seen:?}");
    let at = |event: &str| seen.events.iter().position(|e| e == event);
    let start_done = at("done /start").expect("start answered");
    let finish = at("/finish").expect("finish sent");
    for part in ["/parts/b", "/parts/c", "/parts/d"] {
        let sent = at(part).expect("part sent");
        let done = at(&format!("done {part}")).expect("part answered");
        // After `start` completed, and before `finish` started.
        assert!(start_done < sent && done < finish, "{seen:?}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_first_failure_is_returned_and_the_others_are_dropped() {
    let (base, seen) = server(Mode::FailC).await;
    let client = at_once::Client::builder().parts(&base).build();
    let error = at_once::assemble(&client, inputs())
        .await
        .expect_err("part c fails");
    assert_eq!(error.step(), Some("partC"), "{error}");
    assert_eq!(error.status(), Some(500), "{error}");
    // The requests of `partB` and `partD` were dropped with the run: their connections close.
    let both_dropped = async {
        loop {
            if seen.lock().expect("not poisoned").dropped.len() == 2 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(HOLD, both_dropped)
        .await
        .unwrap_or_else(|_| panic!("the other parts were not dropped: {seen:?}"));
    let seen = seen.lock().expect("not poisoned");
    let mut dropped = seen.dropped.clone();
    dropped.sort();
    assert_eq!(dropped, ["/parts/b", "/parts/d"]);
    assert!(!seen.events.iter().any(|e| e == "/finish"), "{seen:?}");
}

#[tokio::test(flavor = "current_thread")]
async fn the_sequential_setting_runs_one_step_at_a_time_in_order() {
    let (base, seen) = server(Mode::AtOnce).await;
    let client = one_by_one::Client::builder().parts(&base).build();
    let outputs = one_by_one::assemble(
        &client,
        one_by_one::assemble::Inputs {
            label: "y".to_owned(),
        },
    )
    .await
    .expect("the workflow succeeds");
    assert_eq!((outputs.b.as_str(), outputs.done), ("b-y", true));
    let seen = seen.lock().expect("not poisoned");
    assert_eq!(seen.most_open, 1, "{seen:?}");
    let sent: Vec<&str> = seen
        .events
        .iter()
        .filter(|e| !e.starts_with("done "))
        .map(String::as_str)
        .collect();
    assert_eq!(
        sent,
        ["/start", "/parts/b", "/parts/c", "/parts/d", "/finish"]
    );
}

/// The workflow's future can move to another thread, as a sequential workflow's can.
#[test]
fn the_concurrent_workflow_is_send() {
    fn send<T: Send>(_: &T) {}
    let client = at_once::Client::builder()
        .parts("http://127.0.0.1:1")
        .build();
    let future = at_once::assemble(&client, inputs());
    send(&future);
}
