//! Parameters that cannot leave their place, against a hand-written HTTP/1.1 server on
//! 127.0.0.1 that sees the request target byte for byte: path parameters stay in their
//! segment, and header and cookie values cannot add a header.

#[path = "support/devices.rs"]
mod devices;
#[path = "support/http_server.rs"]
mod http_server;

use arazzo_runtime::Error;
use devices::keys_inputs;
use http_server::{Server, json};

/// A server that answers every request, and a client of it.
async fn counting() -> (Server, devices::Client) {
    let server = Server::start(|_| json(200, r#"{"count": 1}"#)).await;
    let client = devices::Client::builder()
        .devices(&server.url)
        .oauth("tok")
        .build();
    (server, client)
}

#[tokio::test]
async fn dot_segments_fail_before_sending() {
    let (server, client) = counting().await;
    for device in [".", "..", "%2e", "%2E%2e", ".%2E", "%2e.", "%252e%252e"] {
        let error = devices::keys(&client, keys_inputs(device))
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
}

#[tokio::test]
async fn path_parameters_stay_in_their_segment() {
    let (server, client) = counting().await;
    for (device, segment) in [
        ("a/../b", "a%2F..%2Fb"),
        ("?x=1", "%3Fx%3D1"),
        ("#frag", "%23frag"),
        ("/", "%2F"),
        ("line\r\nX-Injected: 1", "line%0D%0AX-Injected%3A%201"),
        ("...", "..."),
        ("é", "%C3%A9"),
    ] {
        let outputs = devices::keys(&client, keys_inputs(device))
            .await
            .expect("runs");
        assert_eq!(outputs.count, 1);
        let seen = server.seen().pop().expect("present");
        assert_eq!(
            seen.target,
            format!("/accounts/a-1/devices/{segment}/keys"),
            "{device}"
        );
        assert!(seen.header("x-injected").is_none());
    }
}

#[tokio::test]
async fn a_header_value_cannot_add_a_header() {
    // A line break is a typed error, nothing is sent.
    let (server, client) = counting().await;
    let mut inputs = keys_inputs("d-1");
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
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn a_cookie_value_cannot_add_a_cookie_or_a_header() {
    // It is percent-encoded into its own cookie.
    let (server, client) = counting().await;
    let mut inputs = keys_inputs("d-1");
    inputs.pref = Some("dark; admin=1\r\nX-Injected: 1".to_owned());
    devices::keys(&client, inputs).await.expect("runs");
    let seen = server.seen().pop().expect("present");
    assert_eq!(
        seen.header("cookie"),
        Some("pref=dark%3B%20admin=1%0D%0AX-Injected:%201")
    );
    assert!(seen.header("x-injected").is_none());
}
