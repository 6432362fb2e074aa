//! Tokens, against hand-written HTTP/1.1 servers on 127.0.0.1: token sources, OAuth 2 client
//! credentials with a real token endpoint (expiry and refresh, one request under concurrency,
//! the 401 retry, a failing endpoint), and futures dropped mid-request.

#[path = "support/devices.rs"]
mod devices;
#[path = "support/http_server.rs"]
mod http_server;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use arazzo_runtime::{Error, Secret, TokenError, TokenFuture, TokenSource};
use devices::{device_inputs, keys_inputs};
use http_server::{Reply, Server, json, refused_url};

// Token sources.

/// A token source that hands out `vault-0`, `vault-1`, … and is sealed after ten.
struct Rotating {
    calls: AtomicUsize,
}

impl TokenSource for Rotating {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            if n >= 10 {
                return Err(TokenError::new("the vault is sealed"));
            }
            Ok(Secret::new(format!("vault-{n}")))
        })
    }

    fn rejected(&self, _token: &Secret) -> bool {
        true
    }
}

/// A server that refuses `vault-0` and accepts any other token.
async fn vault_server() -> Server {
    Server::start(|seen| match seen.header("authorization") {
        Some("Bearer vault-0") => json(401, r#"{"error": "expired"}"#),
        _ => json(200, r#"{"id": "d"}"#),
    })
    .await
}

#[tokio::test]
async fn a_token_source_is_asked_before_each_request_and_again_after_a_401() {
    let server = vault_server().await;
    let source = Rotating {
        calls: AtomicUsize::new(0),
    };
    let client = devices::Client::builder()
        .devices(&server.url)
        .oauth_source(source)
        .build();
    assert!(!format!("{client:?}").contains("vault"));
    assert_eq!(
        devices::device(&client, device_inputs("d"))
            .await
            .expect("present")
            .id,
        "d"
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 2, "sent once more after the 401");
    assert_eq!(seen[1].header("authorization"), Some("Bearer vault-1"));
    devices::device(&client.clone(), device_inputs("d"))
        .await
        .expect("present");
    assert_eq!(
        server.seen()[2].header("authorization"),
        Some("Bearer vault-2")
    );
}

#[tokio::test]
async fn a_failing_token_source_is_a_typed_error() {
    let server = vault_server().await;
    let sealed = Rotating {
        calls: AtomicUsize::new(10),
    };
    let client = devices::Client::builder()
        .devices(&server.url)
        .oauth_source(sealed)
        .build();
    let error = devices::device(&client, device_inputs("d"))
        .await
        .expect_err("fails");
    assert!(
        matches!(&error, Error::Token { step: "getDevice", scheme: "oauth", message, .. } if message == "the vault is sealed"),
        "{error:?}"
    );
}

// OAuth 2 client credentials.

/// A token endpoint at `/oauth/token` that issues `token-1`, `token-2`, … living
/// `expires_in` seconds, and operations that accept only the newest token.
async fn oauth_server(expires_in: f64, token_delay: Duration) -> (Server, Arc<AtomicUsize>) {
    let issued = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&issued);
    let server = Server::start(move |seen| {
        if seen.target == "/oauth/token" {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            let token = json(
                200,
                &format!(r#"{{"access_token": "token-{n}", "token_type": "Bearer", "expires_in": {expires_in}}}"#),
            );
            return Reply::Delayed(token_delay, Box::new(token));
        }
        let newest = format!("Bearer token-{}", counter.load(Ordering::SeqCst));
        if seen.header("authorization") == Some(newest.as_str()) {
            json(200, r#"{"id": "d-1", "count": 3}"#)
        } else {
            json(401, r#"{"error": "invalid_token"}"#)
        }
    })
    .await;
    (server, issued)
}

/// A client of `server` with OAuth 2 client credentials.
fn client_credentials(server: &Server, id: &str, secret: &str) -> devices::Client {
    devices::Client::builder()
        .devices(&server.url)
        .oauth_client_credentials(id, secret)
        .build()
}

#[tokio::test]
async fn client_credentials_fetch_a_token_with_basic_auth_and_the_scopes() {
    let (server, _) = oauth_server(3600.0, Duration::ZERO).await;
    let client = client_credentials(&server, "client-ID", "client-SECRET");
    let shown = format!("{client:?}");
    assert!(
        !shown.contains("client-ID") && !shown.contains("client-SECRET"),
        "{shown}"
    );
    assert_eq!(
        devices::device(&client, device_inputs("d-1"))
            .await
            .expect("present")
            .id,
        "d-1"
    );
    let token_request = server.seen()[0].clone();
    assert_eq!(token_request.method, "POST");
    assert_eq!(token_request.target, "/oauth/token");
    // HTTP Basic with the client id and secret; the form asks for the operations' scopes.
    assert_eq!(
        token_request.header("authorization"),
        Some("Basic Y2xpZW50LUlEOmNsaWVudC1TRUNSRVQ=")
    );
    assert_eq!(
        token_request.body,
        "grant_type=client_credentials&scope=keys%3Aread+devices%3Aread"
    );
    assert_eq!(
        server.seen()[1].header("authorization"),
        Some("Bearer token-1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_credentials_token_is_cached_shared_by_clones_and_refreshed_early() {
    let (server, issued) = oauth_server(1.0, Duration::ZERO).await;
    let client = client_credentials(&server, "id", "secret");
    devices::device(&client, device_inputs("d-1"))
        .await
        .expect("present");
    let clone = client.clone();
    devices::device(&clone, device_inputs("d-1"))
        .await
        .expect("present");
    devices::keys(&client, keys_inputs("d"))
        .await
        .expect("present");
    assert_eq!(issued.load(Ordering::SeqCst), 1);

    // Refreshed before `expires_in` (1 s) runs out: a quarter of it before.
    tokio::time::sleep(Duration::from_millis(800)).await;
    devices::device(&clone, device_inputs("d-1"))
        .await
        .expect("present");
    assert_eq!(issued.load(Ordering::SeqCst), 2);
    assert_eq!(
        server
            .seen()
            .last()
            .expect("present")
            .header("authorization"),
        Some("Bearer token-2")
    );
    assert_eq!(
        server.count("/devices/"),
        3,
        "no request was refused on the way"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_workflows_at_once_make_one_token_request() {
    let (server, issued) = oauth_server(3600.0, Duration::from_millis(100)).await;
    let client = client_credentials(&server, "id", "secret");
    let runs: Vec<_> = (0..50)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(
                async move { devices::device(&client, device_inputs(&format!("d{i}"))).await },
            )
        })
        .collect();
    for run in runs {
        run.await.expect("present").expect("runs");
    }
    assert_eq!(issued.load(Ordering::SeqCst), 1);
    assert_eq!(server.count("/oauth/token"), 1);
    assert_eq!(server.count("/devices/"), 50);
}

#[tokio::test]
async fn a_401_with_a_cached_token_fetches_a_new_one_once_and_resends_once() {
    let (server, issued) = oauth_server(3600.0, Duration::ZERO).await;
    let client = client_credentials(&server, "id", "secret");
    devices::device(&client, device_inputs("d"))
        .await
        .expect("present");
    // The server revokes token-1 (it now accepts only token-2, which it has not issued).
    issued.fetch_add(1, Ordering::SeqCst);
    // The cached token-1 is refused, token-3 is fetched and the request sent again.
    let error = devices::device(&client, device_inputs("d")).await;
    assert!(error.is_ok(), "{error:?}");
    assert_eq!(server.count("/oauth/token"), 2);
    let seen = server.seen();
    let operations: Vec<_> = seen
        .iter()
        .filter(|s| s.target.starts_with("/devices/"))
        .collect();
    assert_eq!(operations.len(), 3);
    assert_eq!(
        operations[1].header("authorization"),
        Some("Bearer token-1")
    );
    assert_eq!(
        operations[2].header("authorization"),
        Some("Bearer token-3")
    );
}

#[tokio::test]
async fn a_server_refusing_every_token_gets_one_new_token_and_one_resend() {
    // Then the 401 is the answer.
    let refusing = Server::start(|seen| {
        if seen.target == "/oauth/token" {
            json(200, r#"{"access_token": "t", "expires_in": 3600}"#)
        } else {
            json(401, r#"{"error": "invalid_token"}"#)
        }
    })
    .await;
    let client = client_credentials(&refusing, "id", "secret");
    let error = devices::device(&client, device_inputs("d"))
        .await
        .expect_err("fails");
    assert_eq!(error.status(), Some(401));
    assert_eq!(refusing.count("/oauth/token"), 2);
    assert_eq!(refusing.count("/devices/"), 2);
}

#[tokio::test]
async fn a_failing_token_endpoint_is_a_typed_error_without_the_secret() {
    let server = Server::start(|seen| {
        if seen.target == "/oauth/token" {
            json(
                401,
                r#"{"error": "invalid_client", "error_description": "unknown client id-SECRET with secret the-SECRET"}"#,
            )
        } else {
            json(200, r#"{"id": "d"}"#)
        }
    })
    .await;
    let client = client_credentials(&server, "id-SECRET", "the-SECRET");
    let error = devices::device(&client, device_inputs("d"))
        .await
        .expect_err("fails");
    match &error {
        Error::Token {
            step: "getDevice",
            scheme: "oauth",
            status: Some(401),
            message,
        } => assert!(message.contains("invalid_client"), "{message}"),
        other => panic!("{other:?}"),
    }
    let shown = format!("{error} {error:?}");
    assert!(
        !shown.contains("the-SECRET") && !shown.contains("id-SECRET"),
        "{shown}"
    );
    assert_eq!(
        server.count("/devices/"),
        0,
        "nothing was sent without a token"
    );
}

#[tokio::test]
async fn a_token_endpoint_that_cannot_be_reached_is_a_typed_error() {
    let client = devices::Client::builder()
        .devices(refused_url())
        .oauth_client_credentials("id", "secret")
        .build();
    let error = devices::device(&client, device_inputs("d"))
        .await
        .expect_err("fails");
    assert!(
        matches!(&error, Error::Token { scheme: "oauth", status: None, message, .. } if message.contains("connection refused")),
        "{error:?}"
    );
}

// Cancellation.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_workflow_futures_mid_request_leaves_the_client_usable() {
    let (server, _) = oauth_server(3600.0, Duration::from_millis(30)).await;
    let slow = Server::start(|_| Reply::Stall(Duration::from_millis(50))).await;
    let client = client_credentials(&server, "id", "secret");
    let stalled = devices::Client::builder()
        .devices(&slow.url)
        .oauth("t")
        .build();
    for i in 0..40_u64 {
        // Dropped at different points: during the token request, the operation, the body.
        let wait = Duration::from_millis(i % 8 * 5);
        let _ = tokio::time::timeout(wait, devices::device(&client, device_inputs("d"))).await;
        let _ = tokio::time::timeout(wait, devices::device(&stalled, device_inputs("d"))).await;
        if i == 0 {
            assert_eq!(server.count("/devices/"), 0);
        }
    }
    let run = tokio::time::timeout(
        Duration::from_secs(5),
        devices::device(&client, device_inputs("d")),
    )
    .await
    .expect("does not hang");
    assert_eq!(run.expect("present").id, "d-1");
    let run = tokio::time::timeout(
        Duration::from_secs(5),
        devices::device(&stalled, device_inputs("d")),
    )
    .await
    .expect("does not hang");
    assert!(matches!(run, Err(Error::MissingValue { .. })), "{run:?}");
}
