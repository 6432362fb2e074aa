//! The transports of `arazzo-runtime` against real brokers that the tests start on 127.0.0.1:
//! Mosquitto (MQTT), nats-server (NATS) and tansu (Kafka). Each test skips with a notice when
//! its broker is not installed, unless `ARAZZO_REQUIRE_BROKERS=1` (see `support/brokers.rs`).

#[path = "support/brokers.rs"]
mod brokers;

use std::time::Duration;

use arazzo_runtime::transport::{
    Credentials, Message, Options, SaslMechanism, Subscription, Transport, TransportErrorKind,
    for_server, for_server_with,
};
use brokers::{Auth, Broker, Kind};

/// The next message of `subscription`, failing the test after 10 s.
async fn next(subscription: &mut Box<dyn Subscription>, what: &str) -> Message {
    tokio::time::timeout(Duration::from_secs(10), subscription.next())
        .await
        .unwrap_or_else(|_| panic!("{what}: no message in 10 s"))
        .unwrap_or_else(|error| panic!("{what}: {error}"))
        .unwrap_or_else(|| panic!("{what}: the subscription ended"))
}

/// A message with headers goes out and comes back with its payload and headers.
async fn round_trip_with_headers(transport: &dyn Transport, kind: Kind) {
    let what = format!("{kind:?} round trip");
    let mut subscription = transport.subscribe("orders.placed").await.expect(&what);
    let sent = Message::new(r#"{"petId":7}"#)
        .with_header("orderRequestId", "req-1")
        .with_header("content-type", "application/json");
    transport.publish("orders.placed", sent).await.expect(&what);
    let received = next(&mut subscription, &what).await;
    assert_eq!(&received.payload[..], br#"{"petId":7}"#, "{what}");
    assert_eq!(received.header("orderRequestId"), Some("req-1"), "{what}");
    assert_eq!(
        received.header("Content-Type"),
        Some("application/json"),
        "{what}"
    );
    assert_eq!(received.headers.len(), 2, "{what}: {:?}", received.headers);
}

/// A message published before the subscription is not delivered to it; one after is.
async fn only_what_comes_after_subscribe(transport: &dyn Transport, kind: Kind) {
    let what = format!("{kind:?} before and after subscribe");
    transport
        .publish("orders.confirmed", Message::new("early"))
        .await
        .expect(&what);
    let mut subscription = transport.subscribe("orders.confirmed").await.expect(&what);
    transport
        .publish("orders.confirmed", Message::new("late"))
        .await
        .expect(&what);
    let received = next(&mut subscription, &what).await;
    assert_eq!(&received.payload[..], b"late", "{what}");
}

/// Several messages arrive in the order they were published, and only on their own address.
async fn several_in_order(transport: &dyn Transport, kind: Kind) {
    let what = format!("{kind:?} in order");
    let mut subscription = transport.subscribe("orders.audit").await.expect(&what);
    for index in 0..20 {
        transport
            .publish("orders.audit", Message::new(index.to_string()))
            .await
            .expect(&what);
        transport
            .publish("orders.other", Message::new("elsewhere"))
            .await
            .expect(&what);
    }
    for index in 0..20 {
        let received = next(&mut subscription, &what).await;
        assert_eq!(received.payload, index.to_string(), "{what}");
    }
}

/// Two subscriptions to one address each get every message; dropping one leaves the other.
async fn two_subscriptions(transport: &dyn Transport, kind: Kind) {
    let what = format!("{kind:?} two subscriptions");
    let mut first = transport.subscribe("orders.shared").await.expect(&what);
    let mut second = transport.subscribe("orders.shared").await.expect(&what);
    transport
        .publish("orders.shared", Message::new("both"))
        .await
        .expect(&what);
    assert_eq!(next(&mut first, &what).await.payload, "both", "{what}");
    assert_eq!(next(&mut second, &what).await.payload, "both", "{what}");
    drop(first);
    transport
        .publish("orders.shared", Message::new("second only"))
        .await
        .expect(&what);
    assert_eq!(
        next(&mut second, &what).await.payload,
        "second only",
        "{what}"
    );
}

async fn exercise(kind: Kind) {
    let Some(broker) = Broker::start(kind) else {
        return;
    };
    let transport = broker.transport();
    round_trip_with_headers(&*transport, kind).await;
    only_what_comes_after_subscribe(&*transport, kind).await;
    several_in_order(&*transport, kind).await;
    two_subscriptions(&*transport, kind).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mqtt_over_mosquitto() {
    exercise(Kind::Mosquitto).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_over_nats_server() {
    exercise(Kind::Nats).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_over_tansu() {
    exercise(Kind::Tansu).await;
}

/// Nothing listens on the port: building the transport succeeds, the first publish and the
/// first subscribe say the broker is unreachable, naming its address and no credential.
#[tokio::test]
async fn an_unreachable_broker_is_an_unreachable_error() {
    for kind in Kind::ALL {
        let host = format!("127.0.0.1:{}", brokers::free_port());
        let transport = for_server(kind.protocol(), &host).expect("built without connecting");
        let error = transport
            .publish("orders", Message::new("x"))
            .await
            .expect_err("nothing listens");
        assert_eq!(
            error.kind(),
            TransportErrorKind::Unreachable,
            "{kind:?}: {error}"
        );
        assert!(error.to_string().contains(&host), "{kind:?}: {error}");
        let error = transport
            .subscribe("orders")
            .await
            .expect_err("nothing listens");
        assert_eq!(
            error.kind(),
            TransportErrorKind::Unreachable,
            "{kind:?}: {error}"
        );
    }
}

#[tokio::test]
async fn credentials_never_appear_in_an_unreachable_error() {
    use arazzo_runtime::transport::{mqtt::Mqtt, nats::Nats};
    let port = brokers::free_port();
    let transports: [Box<dyn Transport>; 2] = [
        Box::new(Mqtt::new("127.0.0.1", port).with_credentials("user-7", "pa55word")),
        Box::new(Nats::new(format!("127.0.0.1:{port}")).with_credentials("user-7", "pa55word")),
    ];
    for transport in transports {
        let error = transport
            .publish("orders", Message::new("x"))
            .await
            .expect_err("nothing listens");
        let shown = format!("{error} {error:?} {transport:?}");
        assert_eq!(error.kind(), TransportErrorKind::Unreachable, "{shown}");
        assert!(
            !shown.contains("pa55word") && !shown.contains("user-7"),
            "{shown}"
        );
    }
}

#[test]
fn an_unknown_protocol_is_unsupported() {
    let error = for_server("amqp", "127.0.0.1:5672").expect_err("no AMQP transport");
    assert_eq!(error.kind(), TransportErrorKind::Unsupported);
    assert!(error.to_string().contains("`amqp`"), "{error}");
}

/// The password the brokers that ask for a login are started with; no error may show it.
const PASSWORD: &str = "pa55-w0rd-7";

/// A broker that asks for a login: `right` (when given) publishes and subscribes; each of `refused` (and no
/// credentials at all) is [`TransportErrorKind::Unreachable`] naming the broker's address and
/// showing no credential, in its `Display`, its `Debug` or its source chain.
async fn logs_in(broker: &Broker, right: Option<Credentials>, refused: Vec<Credentials>) {
    let kind = broker.kind();
    if let Some(right) = right {
        let transport = broker.transport_with(right);
        round_trip_with_headers(&*transport, kind).await;
    }
    let mut attempts: Vec<(String, std::sync::Arc<dyn Transport>)> =
        vec![("no credentials".to_owned(), broker.transport())];
    for credentials in refused {
        attempts.push((
            format!("{credentials:?}"),
            broker.transport_with(credentials),
        ));
    }
    for (what, transport) in attempts {
        let error = transport
            .publish("orders", Message::new("x"))
            .await
            .expect_err("the broker refuses the login");
        let mut shown = format!("{error} {error:?} {transport:?}");
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            shown.push_str(&format!(" {cause} {cause:?}"));
            source = cause.source();
        }
        assert_eq!(
            error.kind(),
            TransportErrorKind::Unreachable,
            "{kind:?}, {what}: {shown}"
        );
        assert!(
            error.to_string().contains(&broker.host()),
            "{kind:?}, {what}: {error}"
        );
        assert!(!shown.contains(PASSWORD), "{kind:?}, {what}: {shown}");
        assert!(!shown.contains("wrong-pa55"), "{kind:?}, {what}: {shown}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mqtt_logs_in_with_a_user_name_and_password() {
    let Some(broker) = Broker::start_with(Kind::Mosquitto, Auth::UserPassword("alice", PASSWORD))
    else {
        return;
    };
    let refused = vec![
        Credentials::user_password("alice", "wrong-pa55"),
        Credentials::user_password("mallory", PASSWORD),
    ];
    logs_in(
        &broker,
        Some(Credentials::user_password("alice", PASSWORD)),
        refused,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_logs_in_with_a_user_name_and_password() {
    let Some(broker) = Broker::start_with(Kind::Nats, Auth::UserPassword("alice", PASSWORD)) else {
        return;
    };
    let refused = vec![
        Credentials::user_password("alice", "wrong-pa55"),
        Credentials::token(PASSWORD),
    ];
    logs_in(
        &broker,
        Some(Credentials::user_password("alice", PASSWORD)),
        refused,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_logs_in_with_a_token() {
    let Some(broker) = Broker::start_with(Kind::Nats, Auth::Token(PASSWORD)) else {
        return;
    };
    logs_in(
        &broker,
        Some(Credentials::token(PASSWORD)),
        vec![Credentials::token("wrong-pa55")],
    )
    .await;
}

/// tansu 0.6 with `--authentication` offers SCRAM-SHA-256 and SCRAM-SHA-512 (and
/// OAUTHBEARER), checked against its users; `tansu user create` cannot add one once
/// authentication is on, and the in-memory storage starts empty, so no login succeeds here: a
/// SCRAM login of an unknown user, PLAIN (not offered) and no login are each refused as
/// unreachable, without showing the password. (A successful SASL login needs a Kafka broker
/// with users, see README, "Transports".)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_refuses_a_sasl_login_it_does_not_know() {
    let Some(broker) = Broker::start_with(Kind::Tansu, Auth::UserPassword("alice", PASSWORD))
    else {
        return;
    };
    let refused = vec![
        Credentials::sasl(SaslMechanism::ScramSha256, "alice", "wrong-pa55"),
        Credentials::sasl(SaslMechanism::Plain, "alice", PASSWORD),
    ];
    logs_in(&broker, None, refused).await;
}

/// Credentials a protocol has no way to use are refused when the transport is built, naming
/// their kind and the protocol, never a value; so is a TLS protocol.
#[test]
fn credentials_a_protocol_cannot_use_and_tls_are_unsupported() {
    for (protocol, credentials) in [
        ("mqtt", Credentials::token(PASSWORD)),
        (
            "mqtt",
            Credentials::sasl(SaslMechanism::ScramSha512, "alice", PASSWORD),
        ),
        (
            "nats",
            Credentials::sasl(SaslMechanism::Plain, "alice", PASSWORD),
        ),
        ("kafka", Credentials::token(PASSWORD)),
    ] {
        let options = Options::new().with_credentials(credentials);
        let error = for_server_with(protocol, "127.0.0.1:1", &options).expect_err("unsupported");
        assert_eq!(error.kind(), TransportErrorKind::Unsupported, "{error}");
        let shown = format!("{error} {error:?}");
        assert!(shown.contains(&format!("`{protocol}`")), "{shown}");
        assert!(
            !shown.contains(PASSWORD) && !shown.contains("alice"),
            "{shown}"
        );
    }
    for protocol in ["secure-mqtt", "mqtts", "kafka-secure"] {
        let error = for_server(protocol, "127.0.0.1:1").expect_err("no TLS");
        assert_eq!(error.kind(), TransportErrorKind::Unsupported, "{error}");
        assert!(error.to_string().contains("no TLS transport"), "{error}");
        assert!(error.to_string().contains(protocol), "{error}");
    }
}
