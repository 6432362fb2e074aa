//! Message transports for the AsyncAPI steps of Arazzo 1.1: one small trait that a generated
//! `Client` sends and receives messages through, whatever the broker.
//!
//! A [`Transport`] publishes a [`Message`] (bytes and headers) to an address (an AsyncAPI
//! channel's `address`: an MQTT topic, a NATS subject, a Kafka topic) and subscribes to an
//! address, giving a [`Subscription`] that yields the messages published there from then on.
//! [`InMemory`] is a transport inside the process, for tests; the broker adapters live behind
//! this crate's cargo features: `mqtt` (`mqtt::Mqtt`), `nats` (`nats::Nats`) and `kafka`
//! (`kafka::Kafka`). [`for_server`] picks one by an AsyncAPI server's `protocol`, and
//! [`for_server_with`] gives it [`Credentials`] as well.
//!
//! Implementations connect lazily: building one never blocks and never fails for an unreachable
//! broker; the first `publish` or `subscribe` connects and reports [`TransportErrorKind::Unreachable`].

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

mod buffer;
mod credentials;
#[cfg(feature = "kafka")]
pub mod kafka;
#[cfg(feature = "mqtt")]
pub mod mqtt;
#[cfg(feature = "nats")]
pub mod nats;

pub use credentials::{Credentials, Options, SaslMechanism};

/// A future that a transport returns: boxed, so that a transport can be a trait object.
pub type TransportFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, TransportError>> + Send + 'a>>;

/// One message: its payload, as bytes, and its headers (MQTT 5 user properties, NATS headers,
/// Kafka record headers), in the order they were given. A header name may repeat.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Message {
    /// The payload, encoded as the message's `contentType` says (JSON for `application/json`).
    pub payload: bytes::Bytes,
    /// The headers, as name and value.
    pub headers: Vec<(String, String)>,
}

impl Message {
    /// A message with this payload and no headers.
    pub fn new(payload: impl Into<bytes::Bytes>) -> Self {
        Self {
            payload: payload.into(),
            headers: Vec::new(),
        }
    }

    /// Adds a header.
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The first value of the header `name` (compared ignoring ASCII case), if there is one.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

impl fmt::Debug for Message {
    // Header values may carry tokens; the payload may be large. Neither is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("payload_bytes", &self.payload.len())
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Sends and receives messages on a broker. Generated code holds one per AsyncAPI source, as
/// `Arc<dyn Transport>`.
pub trait Transport: Send + Sync + fmt::Debug {
    /// Publishes `message` to `address`. It completes once the broker has taken the message as
    /// the protocol defines it (MQTT QoS 1: acknowledged; NATS: flushed; Kafka: produced).
    ///
    /// # Errors
    /// [`TransportErrorKind::Unreachable`] when the broker cannot be reached,
    /// [`TransportErrorKind::Publish`] when it refused the message.
    fn publish<'a>(&'a self, address: &'a str, message: Message) -> TransportFuture<'a, ()>;

    /// Subscribes to `address`. The subscription is in place when the future completes: every
    /// message published to `address` after that is delivered to it (buffered until read, up
    /// to the transport's documented limit).
    ///
    /// # Errors
    /// [`TransportErrorKind::Unreachable`] when the broker cannot be reached,
    /// [`TransportErrorKind::Subscribe`] when it refused the subscription.
    fn subscribe<'a>(&'a self, address: &'a str) -> TransportFuture<'a, Box<dyn Subscription>>;
}

/// The messages published to one address since [`Transport::subscribe`] returned. Dropping it
/// unsubscribes.
pub trait Subscription: Send + fmt::Debug {
    /// The next message, waiting until one arrives; `Ok(None)` once the subscription has ended
    /// (the transport closed it).
    ///
    /// # Errors
    /// [`TransportErrorKind::Receive`] when the connection failed while waiting, or
    /// [`TransportErrorKind::Overflow`] when more messages arrived than the buffer holds (they
    /// are never dropped silently).
    fn next(&mut self) -> TransportFuture<'_, Option<Message>>;
}

/// What went wrong in a transport. It never holds a credential: adapters report the broker's
/// address without user information.
#[derive(Debug, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct TransportError {
    kind: TransportErrorKind,
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// The kind of a [`TransportError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The broker could not be reached (refused, timed out, name not resolved, handshake failed).
    Unreachable,
    /// The broker did not take a published message.
    Publish,
    /// The broker refused a subscription.
    Subscribe,
    /// The connection failed while a subscription waited for messages.
    Receive,
    /// More messages arrived than a subscription buffers before they were read.
    Overflow,
    /// No transport can be built for a server: its protocol is unknown, or the cargo feature of
    /// its adapter is off.
    Unsupported,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unreachable => "the broker could not be reached",
            Self::Publish => "the message could not be published",
            Self::Subscribe => "the subscription was refused",
            Self::Receive => "receiving failed",
            Self::Overflow => "too many messages arrived before they were read",
            Self::Unsupported => "no transport for this server",
        })
    }
}

impl TransportError {
    /// An error of `kind` saying `message`.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// The same error, caused by `source` (the client crate's own error).
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// What kind of failure it was.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }
}

/// The transport for an AsyncAPI server: its `protocol` and its `host` (`host` or `host:port`;
/// the protocol's usual port when there is none), connecting lazily, without credentials. A
/// generated `ClientBuilder` calls this (or [`for_server_with`], when it was given credentials)
/// for each AsyncAPI source that it was not given a transport for, with the source's first
/// server.
///
/// | protocol | adapter | cargo feature | default port |
/// |---|---|---|---|
/// | `mqtt`, `mqtt5` | `mqtt::Mqtt` (MQTT 5) | `mqtt` | 1883 |
/// | `nats` | `nats::Nats` | `nats` | 4222 |
/// | `kafka` | `kafka::Kafka` | `kafka` | 9092 |
///
/// # Errors
/// [`TransportErrorKind::Unsupported`] when no adapter of this crate speaks `protocol` (TLS
/// variants such as `secure-mqtt`, `mqtts` and `kafka-secure` included: the message says that
/// TLS is not built in), its cargo feature is off (the message names the feature), or `host`
/// has a port that is not a number.
pub fn for_server(protocol: &str, host: &str) -> Result<Arc<dyn Transport>, TransportError> {
    for_server_with(protocol, host, &Options::new())
}

/// As [`for_server`], building the adapter with `options`: its [`Credentials`] (see that type
/// for what each protocol accepts).
///
/// # Errors
/// As [`for_server`]; [`TransportErrorKind::Unsupported`] too when the protocol has no way to
/// log in with the kind of credentials given (a NATS token on an MQTT broker): the message
/// names the kind and the protocol, never a value.
pub fn for_server_with(
    protocol: &str,
    host: &str,
    options: &Options,
) -> Result<Arc<dyn Transport>, TransportError> {
    match protocol.to_ascii_lowercase().as_str() {
        "mqtt" | "mqtt5" => mqtt_for(host, options),
        "nats" => nats_for(host, options),
        "kafka" => kafka_for(host, options),
        "secure-mqtt" | "mqtts" | "kafka-secure" => Err(TransportError::new(
            TransportErrorKind::Unsupported,
            format!(
                "arazzo-runtime has no TLS transport: the protocol `{protocol}` needs one \
                     (give the client a transport built yourself, or use the protocol without \
                     TLS on a trusted network)"
            ),
        )),
        _ => Err(TransportError::new(
            TransportErrorKind::Unsupported,
            format!(
                "arazzo-runtime has no transport for the protocol `{protocol}` (it has `mqtt`, \
                 `nats` and `kafka`, without TLS)"
            ),
        )),
    }
}

/// The error for credentials that `protocol` cannot log in with.
#[cfg(any(feature = "mqtt", feature = "nats", feature = "kafka"))]
fn cannot_log_in(protocol: &str, credentials: &Credentials) -> TransportError {
    TransportError::new(
        TransportErrorKind::Unsupported,
        format!(
            "the `{protocol}` transport cannot log in with {} (see \
             `arazzo_runtime::transport::Credentials` for what each protocol takes)",
            credentials.kind()
        ),
    )
}

#[cfg(feature = "mqtt")]
fn mqtt_for(host: &str, options: &Options) -> Result<Arc<dyn Transport>, TransportError> {
    let (name, port) = host_and_port(host, 1883)?;
    // rumqttc takes an IPv6 address without its brackets.
    let name = name.trim_start_matches('[').trim_end_matches(']');
    let transport = mqtt::Mqtt::new(name, port);
    Ok(Arc::new(match &options.credentials {
        None => transport,
        Some(Credentials::UserPassword { username, password }) => {
            transport.with_credentials(username.expose(), password.expose())
        }
        Some(other) => return Err(cannot_log_in("mqtt", other)),
    }))
}

#[cfg(not(feature = "mqtt"))]
fn mqtt_for(_host: &str, _options: &Options) -> Result<Arc<dyn Transport>, TransportError> {
    Err(feature_off("mqtt"))
}

#[cfg(feature = "nats")]
fn nats_for(host: &str, options: &Options) -> Result<Arc<dyn Transport>, TransportError> {
    let (name, port) = host_and_port(host, 4222)?;
    let transport = nats::Nats::new(format!("{name}:{port}"));
    Ok(Arc::new(match &options.credentials {
        None => transport,
        Some(Credentials::UserPassword { username, password }) => {
            transport.with_credentials(username.expose(), password.expose())
        }
        Some(Credentials::Token(token)) => transport.with_token(token.expose()),
        Some(other) => return Err(cannot_log_in("nats", other)),
    }))
}

#[cfg(not(feature = "nats"))]
fn nats_for(_host: &str, _options: &Options) -> Result<Arc<dyn Transport>, TransportError> {
    Err(feature_off("nats"))
}

#[cfg(feature = "kafka")]
fn kafka_for(host: &str, options: &Options) -> Result<Arc<dyn Transport>, TransportError> {
    let (name, port) = host_and_port(host, 9092)?;
    let transport = kafka::Kafka::new(format!("{name}:{port}"));
    Ok(Arc::new(match &options.credentials {
        None => transport,
        Some(Credentials::UserPassword { username, password }) => {
            transport.with_sasl(SaslMechanism::Plain, username.expose(), password.expose())
        }
        Some(Credentials::Sasl {
            mechanism,
            username,
            password,
        }) => transport.with_sasl(*mechanism, username.expose(), password.expose()),
        Some(other) => return Err(cannot_log_in("kafka", other)),
    }))
}

#[cfg(not(feature = "kafka"))]
fn kafka_for(_host: &str, _options: &Options) -> Result<Arc<dyn Transport>, TransportError> {
    Err(feature_off("kafka"))
}

/// The error for a protocol whose adapter's feature is off.
#[cfg(not(all(feature = "mqtt", feature = "nats", feature = "kafka")))]
fn feature_off(feature: &str) -> TransportError {
    TransportError::new(
        TransportErrorKind::Unsupported,
        format!(
            "the `{feature}` transport is not built: enable the cargo feature `{feature}` of \
             arazzo-runtime"
        ),
    )
}

/// `host` split into a name and a port, `default_port` when it has none. A bracketed IPv6
/// address keeps its brackets; any user information before an `@` is dropped (it is never
/// used, and never shown).
#[cfg(any(feature = "mqtt", feature = "nats", feature = "kafka"))]
fn host_and_port(host: &str, default_port: u16) -> Result<(String, u16), TransportError> {
    let host = host.rsplit_once('@').map_or(host, |(_, rest)| rest);
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) if !port.contains(']') => (name, Some(port)),
        _ => (host, None),
    };
    let port = match port {
        None => default_port,
        Some(port) => port.parse().map_err(|_| {
            TransportError::new(
                TransportErrorKind::Unsupported,
                format!("the server `{name}:{port}` has a port that is not a number"),
            )
        })?,
    };
    Ok((name.to_owned(), port))
}

/// How many unread messages one [`InMemory`] subscription keeps; once one more arrives, its next
/// read is [`TransportErrorKind::Overflow`].
pub const IN_MEMORY_BUFFER: usize = 1024;

/// A transport inside the process, for tests: a message published to an address reaches every
/// subscription to that address that exists at that moment. Clones share the same addresses.
#[derive(Clone, Debug, Default)]
pub struct InMemory {
    subscribers: Arc<Mutex<HashMap<String, Vec<buffer::BufferSender>>>>,
}

impl InMemory {
    /// A transport with no subscriptions.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Transport for InMemory {
    fn publish<'a>(&'a self, address: &'a str, message: Message) -> TransportFuture<'a, ()> {
        Box::pin(async move {
            let mut subscribers = self
                .subscribers
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(senders) = subscribers.get_mut(address) {
                // A full buffer marks that subscription: its next read is `Overflow`.
                senders.retain(|sender| sender.offer(Ok(message.clone())));
            }
            Ok(())
        })
    }

    fn subscribe<'a>(&'a self, address: &'a str) -> TransportFuture<'a, Box<dyn Subscription>> {
        Box::pin(async move {
            let (sender, subscription) = buffer::buffer(address, IN_MEMORY_BUFFER);
            self.subscribers
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .entry(address.to_owned())
                .or_default()
                .push(sender);
            Ok(Box::new(subscription) as Box<dyn Subscription>)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_subscription_gets_what_is_published_after_it() {
        let transport = InMemory::new();
        transport
            .publish("orders", Message::new("early"))
            .await
            .expect("publish");
        let mut subscription = transport.subscribe("orders").await.expect("subscribe");
        transport
            .publish("orders", Message::new("one").with_header("id", "7"))
            .await
            .expect("publish");
        transport
            .publish("other", Message::new("elsewhere"))
            .await
            .expect("publish");
        let message = subscription.next().await.expect("next").expect("a message");
        assert_eq!(&message.payload[..], b"one");
        assert_eq!(message.header("ID"), Some("7"));
        assert_eq!(
            format!("{message:?}"),
            "Message { payload_bytes: 3, headers: [\"id\"] }"
        );
    }

    #[test]
    fn an_unknown_protocol_is_unsupported_and_says_what_there_is() {
        let error = for_server("amqp", "localhost").expect_err("no AMQP");
        assert_eq!(error.kind(), TransportErrorKind::Unsupported);
        assert!(error.to_string().contains("`amqp`"), "{error}");
    }

    #[cfg(not(feature = "mqtt"))]
    #[test]
    fn a_protocol_whose_feature_is_off_names_the_feature() {
        let error = for_server("mqtt", "localhost").expect_err("feature off");
        assert_eq!(error.kind(), TransportErrorKind::Unsupported);
        assert!(
            error.to_string().contains("cargo feature `mqtt`"),
            "{error}"
        );
    }

    #[cfg(any(feature = "mqtt", feature = "nats", feature = "kafka"))]
    #[test]
    fn a_host_splits_into_name_and_port() {
        let split = |host| host_and_port(host, 9).map_err(|error| error.to_string());
        assert_eq!(split("broker:1883"), Ok(("broker".to_owned(), 1883)));
        assert_eq!(split("broker"), Ok(("broker".to_owned(), 9)));
        assert_eq!(split("[::1]:4222"), Ok(("[::1]".to_owned(), 4222)));
        assert_eq!(split("[::1]"), Ok(("[::1]".to_owned(), 9)));
        assert_eq!(split("user:secret@broker:1"), Ok(("broker".to_owned(), 1)));
        let error = split("broker:port").expect_err("not a number");
        assert!(error.contains("not a number"), "{error}");
    }

    #[tokio::test]
    async fn a_full_buffer_is_an_error_not_a_silent_loss() {
        let transport = InMemory::new();
        let mut subscription = transport.subscribe("a").await.expect("subscribe");
        for _ in 0..=IN_MEMORY_BUFFER {
            transport
                .publish("a", Message::new("x"))
                .await
                .expect("publish");
        }
        let error = subscription.next().await.expect_err("overflow");
        assert_eq!(error.kind(), TransportErrorKind::Overflow);
    }
}
