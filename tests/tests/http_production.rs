//! The runtime under production conditions, against hand-written HTTP/1.1 servers on 127.0.0.1
//! (hand-written so that the test sees the request target byte for byte and controls how a
//! body is streamed): bounded responses, path parameters that cannot leave their segment,
//! header and cookie values that cannot add a header, transport errors that say why,
//! redirects that never carry credentials to another origin, token sources, OAuth 2 client
//! credentials (a real token endpoint: expiry and refresh, one request under concurrency, the
//! 401 retry, a failing endpoint) and dropped futures.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arazzo_runtime::{Error, Secret, TokenError, TokenFuture, TokenSource, TransportCause};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

mod devices {
    arazzo_macros::arazzo_workflow!("fixtures/oauth/devices.arazzo.yaml");
}

/// One request as the server read it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the server answers.
enum Reply {
    /// A whole response.
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// 200 with a chunked body of `total` bytes, written lazily in 64 KiB chunks.
    Stream { total: u64 },
    /// 200 that declares this `Content-Length` and sends nothing more.
    Declares(u64),
    /// Waits this long, then answers `{}`.
    Stall(Duration),
    /// Waits this long, then answers.
    Delayed(Duration, Box<Reply>),
}

fn json(status: u16, body: &str) -> Reply {
    Reply::Full {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_owned(),
    }
}

fn redirect(status: u16, location: &str) -> Reply {
    Reply::Full {
        status,
        headers: vec![("location".into(), location.to_owned())],
        body: String::new(),
    }
}

type Handler = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

/// A loopback server: its base URL, every request it read, and how many body bytes it wrote.
struct Server {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    written: Arc<AtomicUsize>,
}

impl Server {
    async fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let written = Arc::new(AtomicUsize::new(0));
        let handler: Handler = Arc::new(handler);
        let (s, w) = (Arc::clone(&seen), Arc::clone(&written));
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (handler, seen, written) =
                    (Arc::clone(&handler), Arc::clone(&s), Arc::clone(&w));
                tokio::spawn(async move {
                    let _ = serve(stream, handler, seen, written).await;
                });
            }
        });
        Self { url, seen, written }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("not poisoned").clone()
    }

    fn count(&self, path: &str) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.target.starts_with(path))
            .count()
    }
}

async fn serve(
    stream: TcpStream,
    handler: Handler,
    seen: Arc<Mutex<Vec<Seen>>>,
    written: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    let mut stream = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let target = parts.next().unwrap_or_default().to_owned();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            stream.read_line(&mut line).await?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_owned(), value.trim().to_owned()));
            }
        }
        let length: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        stream.read_exact(&mut body).await?;
        let request = Seen {
            method,
            target,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        seen.lock().expect("not poisoned").push(request.clone());
        let stream = stream.get_mut();
        let mut reply = handler(&request);
        if let Reply::Delayed(wait, then) = reply {
            tokio::time::sleep(wait).await;
            reply = *then;
        }
        match reply {
            Reply::Delayed(..) => unreachable!("one level"),
            Reply::Full {
                status,
                headers,
                body,
            } => {
                let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
                for (name, value) in headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str("\r\n");
                stream.write_all(head.as_bytes()).await?;
                stream.write_all(body.as_bytes()).await?;
            }
            Reply::Stall(wait) => {
                tokio::time::sleep(wait).await;
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}")
                    .await?;
            }
            Reply::Declares(length) => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n"
                );
                stream.write_all(head.as_bytes()).await?;
                tokio::time::sleep(Duration::from_secs(5)).await;
                return Ok(());
            }
            Reply::Stream { total } => {
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
                    .await?;
                let chunk = vec![b' '; 64 * 1024];
                let mut sent = 0_u64;
                while sent < total {
                    stream
                        .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                        .await?;
                    stream.write_all(&chunk).await?;
                    stream.write_all(b"\r\n").await?;
                    sent += chunk.len() as u64;
                    written.fetch_add(chunk.len(), Ordering::Relaxed);
                }
                stream.write_all(b"0\r\n\r\n").await?;
            }
        }
    }
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn device_inputs(id: &str) -> devices::device::Inputs {
    devices::device::Inputs {
        device_id: id.to_owned(),
    }
}

// 1. Bounded responses.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_stops_being_read_and_fails_the_step() {
    const GIB: u64 = 1 << 30;
    let server = Server::start(|seen| {
        if seen.target.contains("declared") {
            Reply::Declares(10 * GIB)
        } else {
            Reply::Stream { total: 256 << 20 }
        }
    })
    .await;
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

    // A Content-Length over the limit fails before any of the body is read.
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

    // The default is 32 MiB: a 1 MiB body then reads (it is not JSON, so the output fails).
    let default = devices::Client::builder()
        .devices(&server.url)
        .oauth("tok")
        .build();
    let server_small = Server::start(|_| Reply::Stream { total: 1 << 20 }).await;
    let default_small = devices::Client::builder()
        .devices(&server_small.url)
        .oauth("tok")
        .build();
    let error = devices::device(&default_small, device_inputs("x"))
        .await
        .expect_err("fails");
    assert!(matches!(error, Error::MissingValue { .. }), "{error:?}");
    let error = devices::device(&default, device_inputs("streamed"))
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

// 2. Path parameters, headers and cookies.

#[tokio::test]
async fn path_parameters_stay_in_their_segment_and_dot_segments_fail_before_sending() {
    let server = Server::start(|_| json(200, r#"{"count": 1}"#)).await;
    let client = devices::Client::builder()
        .devices(&server.url)
        .oauth("tok")
        .build();
    let keys = |device: &str| devices::keys::Inputs {
        account_id: "a-1".to_owned(),
        device_id: device.to_owned(),
        note: None,
        pref: None,
    };
    for device in [".", "..", "%2e", "%2E%2e", ".%2E", "%2e.", "%252e%252e"] {
        let error = devices::keys(&client, keys(device))
            .await
            .expect_err("fails");
        match &error {
            Error::UnsafeParameter {
                step: "getKeys",
                location: "path",
                parameter,
                ..
            } if parameter == "deviceId" => {}
            other => panic!("{device}: {other:?}"),
        }
        assert!(error.to_string().contains("deviceId"), "{error}");
    }
    assert!(
        server.seen().is_empty(),
        "nothing was sent: {:?}",
        server.seen()
    );

    for (device, segment) in [
        ("a/../b", "a%2F..%2Fb"),
        ("?x=1", "%3Fx%3D1"),
        ("#frag", "%23frag"),
        ("/", "%2F"),
        ("line\r\nX-Injected: 1", "line%0D%0AX-Injected%3A%201"),
        ("...", "..."),
        ("é", "%C3%A9"),
    ] {
        let outputs = devices::keys(&client, keys(device)).await.expect("runs");
        assert_eq!(outputs.count, 1);
        let seen = server.seen().pop().expect("present");
        assert_eq!(
            seen.target,
            format!("/accounts/a-1/devices/{segment}/keys"),
            "{device}"
        );
        assert!(seen.header("x-injected").is_none());
    }

    // A header value cannot add a header: a line break is a typed error, nothing is sent.
    let sent = server.seen().len();
    let mut inputs = keys("d-1");
    inputs.note = Some("fine\r\nX-Injected: 1".to_owned());
    let error = devices::keys(&client, inputs).await.expect_err("fails");
    assert!(
        matches!(&error, Error::UnsafeParameter { step: "getKeys", location: "header", parameter, .. } if parameter == "X-Note"),
        "{error:?}"
    );
    assert!(
        !error.to_string().contains("fine"),
        "the value is not shown: {error}"
    );
    assert_eq!(server.seen().len(), sent);

    // A cookie value cannot add a cookie or a header: it is percent-encoded into its own.
    let mut inputs = keys("d-1");
    inputs.pref = Some("dark; admin=1\r\nX-Injected: 1".to_owned());
    devices::keys(&client, inputs).await.expect("runs");
    let seen = server.seen().pop().expect("present");
    assert_eq!(
        seen.header("cookie"),
        Some("pref=dark%3B%20admin=1%0D%0AX-Injected:%201")
    );
    assert!(seen.header("x-injected").is_none());
}

// 3. Errors a service can act on.

#[tokio::test]
async fn transport_errors_name_their_cause_and_failed_bodies_are_one_call_away() {
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("present");
        let url = format!("http://{}", listener.local_addr().expect("present"));
        drop(listener);
        url
    };
    let client = devices::Client::builder()
        .devices(&refused)
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

    let server = Server::start(|seen| {
        if seen.target.contains("slow") {
            Reply::Stall(Duration::from_secs(2))
        } else {
            json(
                400,
                r#"{"error_type": "device_not_found", "status_code": 400}"#,
            )
        }
    })
    .await;
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

// 4. Redirects.

#[tokio::test]
async fn credentials_never_follow_a_redirect_to_another_origin() {
    let other = Server::start(|_| json(200, r#"{"where": "other", "id": "other"}"#)).await;
    let landing = format!("{}/landing", other.url);
    let target = landing.clone();
    let home = Server::start(move |seen| match seen.target.as_str() {
        "/start" => redirect(307, &target),
        "/devices/away" => redirect(302, &target),
        "/devices/here" => redirect(303, "/devices/landed"),
        "/devices/landed" => json(200, r#"{"id": "landed"}"#),
        _ => json(200, r#"{"where": "home", "id": "home"}"#),
    })
    .await;
    let client = devices::Client::builder()
        .devices(&home.url)
        .basic("user-SECRET", "password-SECRET")
        .api_key("key-SECRET")
        .session("cookie-SECRET")
        .default_header("x-tenant", "tenant-SECRET")
        .build();
    let outputs = devices::follow(&client, devices::follow::Inputs {})
        .await
        .expect("follows the redirect");
    assert_eq!(outputs.where_, "other");
    let first = home.seen().pop().expect("present");
    assert!(
        first
            .header("authorization")
            .is_some_and(|a| a.starts_with("Basic "))
    );
    assert_eq!(first.header("x-api-key"), Some("key-SECRET"));
    assert_eq!(first.header("cookie"), Some("session=cookie-SECRET"));
    assert_eq!(first.header("x-tenant"), Some("tenant-SECRET"));
    let landed = other.seen().pop().expect("present");
    assert_eq!(landed.target, "/landing");
    for header in ["authorization", "x-api-key", "cookie", "x-tenant"] {
        assert!(
            landed.header(header).is_none(),
            "{header} went to another origin: {landed:?}"
        );
    }
    for (_, value) in &landed.headers {
        assert!(!value.contains("SECRET"), "{landed:?}");
    }

    // A bearer token either: cross-origin it is dropped, same-origin it is kept.
    let bearer = devices::Client::builder()
        .devices(&home.url)
        .oauth("bearer-SECRET")
        .build();
    assert_eq!(
        devices::device(&bearer, device_inputs("away"))
            .await
            .expect("present")
            .id,
        "other"
    );
    assert!(
        other
            .seen()
            .pop()
            .expect("present")
            .header("authorization")
            .is_none()
    );
    assert_eq!(
        devices::device(&bearer, device_inputs("here"))
            .await
            .expect("present")
            .id,
        "landed"
    );
    let landed = home.seen().pop().expect("present");
    assert_eq!(landed.method, "GET");
    assert_eq!(landed.header("authorization"), Some("Bearer bearer-SECRET"));

    // With redirects off, the 3xx is the step's response.
    let peek = devices::Client::builder()
        .devices(&home.url)
        .basic("u", "p")
        .api_key("k")
        .session("s")
        .no_redirects()
        .build();
    let outputs = devices::peek(&peek, devices::peek::Inputs {})
        .await
        .expect("reads the redirect");
    assert_eq!(outputs.status, 307);
    assert_eq!(outputs.location, landing);
    let error = devices::follow(&peek, devices::follow::Inputs {})
        .await
        .expect_err("fails");
    assert_eq!(error.status(), Some(307));

    // A loop of redirects ends at the limit.
    let looping = Server::start(|_| redirect(302, "/start")).await;
    let client = devices::Client::builder()
        .devices(&looping.url)
        .basic("u", "p")
        .api_key("k")
        .session("s")
        .redirects(3)
        .build();
    let error = devices::follow(&client, devices::follow::Inputs {})
        .await
        .expect_err("fails");
    assert!(
        matches!(
            error,
            Error::TooManyRedirects {
                step: "start",
                limit: 3
            }
        ),
        "{error:?}"
    );
    assert_eq!(looping.count("/start"), 4);
}

#[tokio::test]
async fn bodies_methods_and_the_limit_follow_redirects_across_origins() {
    use arazzo_runtime::{BasicAuth, HttpClient, HttpSettings, Method};
    let far = Arc::new(Mutex::new(String::new()));
    let far_ = Arc::clone(&far);
    let other = Server::start(move |seen| match seen.target.as_str() {
        "/back" => redirect(302, &far_.lock().expect("not poisoned")),
        _ => json(200, r#"{"where": "other"}"#),
    })
    .await;
    let (landing, back) = (
        format!("{}/landing", other.url),
        format!("{}/back", other.url),
    );
    let home = Server::start(move |seen| match seen.target.as_str() {
        // Same origin (reqwest follows), then another origin (the runtime follows).
        "/keep" => redirect(307, "/keep-here"),
        "/keep-here" => redirect(308, &landing),
        // A 303 turns the POST into a GET without a body, for every later hop too.
        "/see" => redirect(303, "/see-here"),
        "/see-here" => redirect(307, &landing),
        "/near" => redirect(302, "/far"),
        "/far" => redirect(302, &back),
        _ => json(200, r#"{"where": "home"}"#),
    })
    .await;
    *far.lock().expect("not poisoned") = format!("{}/far", home.url);
    let auth = BasicAuth::new("user-SECRET", "password-SECRET");
    let client = HttpClient::new();
    let body = serde_json::json!({ "name": "value" });

    let response = client
        .request("keep", Method::POST, &home.url, "/keep")
        .basic_auth(Some(&auth))
        .json(&body)
        .send()
        .await
        .expect("follows");
    assert_eq!(response.status(), 200);
    assert_eq!(response.url(), format!("{}/landing", other.url));
    let here = home.seen().pop().expect("present");
    assert_eq!(
        (here.target.as_str(), here.method.as_str()),
        ("/keep-here", "POST")
    );
    assert_eq!(here.body, r#"{"name":"value"}"#);
    assert!(here.header("authorization").is_some());
    let landed = other.seen().pop().expect("present");
    assert_eq!(landed.method, "POST");
    assert_eq!(landed.body, r#"{"name":"value"}"#);
    assert_eq!(landed.header("content-type"), Some("application/json"));
    assert!(landed.header("authorization").is_none(), "{landed:?}");

    client
        .request("see", Method::POST, &home.url, "/see")
        .basic_auth(Some(&auth))
        .json(&body)
        .send()
        .await
        .expect("follows");
    let here = home.seen().pop().expect("present");
    assert_eq!(
        (here.target.as_str(), here.method.as_str()),
        ("/see-here", "GET")
    );
    assert!(here.header("authorization").is_some());
    let landed = other.seen().pop().expect("present");
    assert_eq!((landed.method.as_str(), landed.body.as_str()), ("GET", ""));
    assert!(landed.header("content-type").is_none(), "{landed:?}");
    assert!(landed.header("authorization").is_none(), "{landed:?}");

    // One limit counts the hops reqwest follows and those the runtime follows: /near, /far,
    // /back, /far, then the fourth redirect is one too many.
    let mut settings = HttpSettings::default();
    settings.redirects = 3;
    let error = HttpClient::with_settings(&settings)
        .request("near", Method::GET, &home.url, "/near")
        .send()
        .await
        .expect_err("fails");
    assert!(
        matches!(
            error,
            Error::TooManyRedirects {
                step: "near",
                limit: 3
            }
        ),
        "{error:?}"
    );
    assert_eq!((home.count("/far"), other.count("/back")), (2, 1));
}

// 5. Token sources.

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

#[tokio::test]
async fn a_token_source_is_asked_before_each_request_and_again_after_a_401() {
    let server = Server::start(|seen| match seen.header("authorization") {
        Some("Bearer vault-0") => json(401, r#"{"error": "expired"}"#),
        _ => json(200, r#"{"id": "d"}"#),
    })
    .await;
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

// 6. OAuth 2 client credentials.

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_fetch_cache_and_refresh_a_token() {
    let (server, issued) = oauth_server(1.0, Duration::ZERO).await;
    let client = devices::Client::builder()
        .devices(&server.url)
        .oauth_client_credentials("client-ID", "client-SECRET")
        .build();
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

    // Cached, and shared by clones.
    let clone = client.clone();
    devices::device(&clone, device_inputs("d-1"))
        .await
        .expect("present");
    devices::keys(
        &client,
        devices::keys::Inputs {
            account_id: "a".into(),
            device_id: "d".into(),
            note: None,
            pref: None,
        },
    )
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
    let client = devices::Client::builder()
        .devices(&server.url)
        .oauth_client_credentials("id", "secret")
        .build();
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
    let client = devices::Client::builder()
        .devices(&server.url)
        .oauth_client_credentials("id", "secret")
        .build();
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

    // A server that refuses every token: one new token, one resend, then the 401 is the answer.
    let refusing = Server::start(|seen| {
        if seen.target == "/oauth/token" {
            json(200, r#"{"access_token": "t", "expires_in": 3600}"#)
        } else {
            json(401, r#"{"error": "invalid_token"}"#)
        }
    })
    .await;
    let client = devices::Client::builder()
        .devices(&refusing.url)
        .oauth_client_credentials("id", "secret")
        .build();
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
    let client = devices::Client::builder()
        .devices(&server.url)
        .oauth_client_credentials("id-SECRET", "the-SECRET")
        .build();
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

    // An endpoint that cannot be reached.
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("present");
        let url = format!("http://{}", listener.local_addr().expect("present"));
        drop(listener);
        url
    };
    let client = devices::Client::builder()
        .devices(&refused)
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

// 7. Cancellation.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_workflow_futures_mid_request_leaves_the_client_usable() {
    let (server, _) = oauth_server(3600.0, Duration::from_millis(30)).await;
    let slow = Server::start(|_| Reply::Stall(Duration::from_millis(50))).await;
    let client = devices::Client::builder()
        .devices(&server.url)
        .oauth_client_credentials("id", "secret")
        .build();
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
