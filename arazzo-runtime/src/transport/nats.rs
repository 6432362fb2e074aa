//! The NATS transport (cargo feature `nats`): core NATS through `async-nats`.
//!
//! A message's headers travel as NATS headers. Repeats of a name keep their order, but the order
//! between different names is lost: `async-nats` keeps headers in a hash map, both when it
//! writes a message and when it reads one, so a received message's headers are sorted by name
//! (the same order every time, whatever the map's). Publishing completes once
//! the server has answered a PING sent after the message (a flush); subscribing completes once
//! the server has answered a PING sent after the SUB, so the subscription is in place. One
//! connection per [`Nats`], made by the first `publish` or `subscribe`; `async-nats` reconnects
//! it when it drops, and each subscription's next read after a drop is
//! [`TransportErrorKind::Receive`] (core NATS does not keep what was published meanwhile).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::Duration;

use async_nats::{ConnectOptions, Event, HeaderMap, HeaderName, HeaderValue};

use crate::Secret;

use super::{
    Message, Subscription, Transport, TransportError, TransportErrorKind, TransportFuture,
};

/// How many unread messages one subscription keeps (the `async-nats` subscription capacity).
/// When one more arrives the client drops it and reports a slow consumer; every subscription of
/// that connection then reads [`TransportErrorKind::Overflow`] next (`async-nats` does not say
/// which subscription it was), so no loss goes unnoticed.
pub const NATS_BUFFER: usize = 1024;

/// How long connecting may take before the server counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A transport to one NATS server. Building one does nothing on the network.
pub struct Nats {
    address: String,
    credentials: Option<Login>,
    connection: tokio::sync::Mutex<Option<Connection>>,
}

impl fmt::Debug for Nats {
    // The password is never shown; the user name neither.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Nats")
            .field("address", &self.address)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

/// How a [`Nats`] transport logs in.
enum Login {
    UserPassword(Secret, Secret),
    Token(Secret),
}

/// A connected client and the counts of the events that its subscriptions must hear about.
#[derive(Clone)]
struct Connection {
    client: async_nats::Client,
    events: Arc<Events>,
}

/// Counts of slow-consumer and disconnect events, and a wake-up for readers waiting meanwhile.
#[derive(Default)]
struct Events {
    slow: AtomicU64,
    disconnects: AtomicU64,
    changed: tokio::sync::Notify,
}

impl Nats {
    /// A transport to the server at `address` (`host:port`), connecting on first use.
    pub fn new(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            credentials: None,
            connection: tokio::sync::Mutex::new(None),
        }
    }

    /// The same transport, logging in with `username` and `password`.
    #[must_use]
    pub fn with_credentials(
        mut self,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        self.credentials = Some(Login::UserPassword(
            Secret::new(username),
            Secret::new(password),
        ));
        self
    }

    /// The same transport, logging in with a token (the server's `authorization.token`).
    #[must_use]
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.credentials = Some(Login::Token(Secret::new(token)));
        self
    }

    /// The connection, made now when there is none yet.
    async fn connection(&self) -> Result<Connection, TransportError> {
        let mut slot = self.connection.lock().await;
        if let Some(connection) = slot.as_ref() {
            return Ok(connection.clone());
        }
        let events = Arc::new(Events::default());
        let heard = Arc::clone(&events);
        let mut options = ConnectOptions::new()
            .connection_timeout(CONNECT_TIMEOUT)
            .subscription_capacity(NATS_BUFFER)
            .event_callback(move |event| {
                let heard = Arc::clone(&heard);
                async move {
                    match event {
                        Event::SlowConsumer(_) => heard.slow.fetch_add(1, Ordering::AcqRel),
                        Event::Disconnected => heard.disconnects.fetch_add(1, Ordering::AcqRel),
                        _ => return,
                    };
                    heard.changed.notify_waiters();
                }
            });
        match &self.credentials {
            None => {}
            Some(Login::UserPassword(username, password)) => {
                options = options
                    .user_and_password(username.expose().to_owned(), password.expose().to_owned());
            }
            Some(Login::Token(token)) => options = options.token(token.expose().to_owned()),
        }
        let client = options
            .connect(self.address.as_str())
            .await
            .map_err(|error| {
                TransportError::new(
                    TransportErrorKind::Unreachable,
                    format!(
                        "could not connect to the NATS server at {}: {error}",
                        self.address
                    ),
                )
                .with_source(error)
            })?;
        let connection = Connection { client, events };
        *slot = Some(connection.clone());
        Ok(connection)
    }
}

/// `headers` as NATS headers, or why one cannot be one.
fn nats_headers(headers: Vec<(String, String)>) -> Result<HeaderMap, String> {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let parsed_name: HeaderName = name
            .parse()
            .map_err(|_| format!("`{name}` is not a valid NATS header name"))?;
        let parsed_value: HeaderValue = value
            .parse()
            .map_err(|_| format!("the value of the header `{name}` has a line break"))?;
        map.append(parsed_name, parsed_value);
    }
    Ok(map)
}

impl Transport for Nats {
    fn publish<'a>(&'a self, address: &'a str, message: Message) -> TransportFuture<'a, ()> {
        Box::pin(async move {
            let failed = |reason: String| {
                TransportError::new(
                    TransportErrorKind::Publish,
                    format!(
                        "the NATS server at {} did not take a message on `{address}`: {reason}",
                        self.address
                    ),
                )
            };
            let headers = nats_headers(message.headers).map_err(failed)?;
            let connection = self.connection().await?;
            connection
                .client
                .publish_with_headers(address.to_owned(), headers, message.payload)
                .await
                .map_err(|error| failed(error.to_string()).with_source(error))?;
            connection
                .client
                .flush()
                .await
                .map_err(|error| failed(error.to_string()).with_source(error))
        })
    }

    fn subscribe<'a>(&'a self, address: &'a str) -> TransportFuture<'a, Box<dyn Subscription>> {
        Box::pin(async move {
            let refused = |reason: String| {
                TransportError::new(
                    TransportErrorKind::Subscribe,
                    format!(
                        "the NATS server at {} refused a subscription to `{address}`: {reason}",
                        self.address
                    ),
                )
            };
            let connection = self.connection().await?;
            let slow = connection.events.slow.load(Ordering::Acquire);
            let disconnects = connection.events.disconnects.load(Ordering::Acquire);
            let subscriber = connection
                .client
                .subscribe(address.to_owned())
                .await
                .map_err(|error| refused(error.to_string()).with_source(error))?;
            connection
                .client
                .flush()
                .await
                .map_err(|error| refused(error.to_string()).with_source(error))?;
            Ok(Box::new(NatsSubscription {
                address: address.to_owned(),
                subscriber,
                events: connection.events,
                slow,
                disconnects,
            }) as Box<dyn Subscription>)
        })
    }
}

/// A NATS subscription, and the event counts it has already reported.
struct NatsSubscription {
    address: String,
    subscriber: async_nats::Subscriber,
    events: Arc<Events>,
    slow: u64,
    disconnects: u64,
}

impl fmt::Debug for NatsSubscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NatsSubscription")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl NatsSubscription {
    /// The error for an event this subscription has not reported yet, if there is one.
    fn unreported_event(&mut self) -> Option<TransportError> {
        let slow = self.events.slow.load(Ordering::Acquire);
        if slow != self.slow {
            self.slow = slow;
            return Some(TransportError::new(
                TransportErrorKind::Overflow,
                format!(
                    "more than {NATS_BUFFER} messages arrived on a subscription of this NATS \
                     connection before they were read (reading `{}`)",
                    self.address
                ),
            ));
        }
        let disconnects = self.events.disconnects.load(Ordering::Acquire);
        if disconnects != self.disconnects {
            self.disconnects = disconnects;
            return Some(TransportError::new(
                TransportErrorKind::Receive,
                format!(
                    "the connection to the NATS server dropped while subscribed to `{}`; \
                     messages published meanwhile are lost",
                    self.address
                ),
            ));
        }
        None
    }
}

impl Subscription for NatsSubscription {
    fn next(&mut self) -> TransportFuture<'_, Option<Message>> {
        Box::pin(async move {
            loop {
                let events = Arc::clone(&self.events);
                let mut changed = std::pin::pin!(events.changed.notified());
                changed.as_mut().enable();
                if let Some(error) = self.unreported_event() {
                    return Err(error);
                }
                let subscriber = &mut self.subscriber;
                // A message first; else wake up for an event, to report it.
                let received = std::future::poll_fn(|context| {
                    if let Poll::Ready(message) =
                        futures_core::Stream::poll_next(Pin::new(&mut *subscriber), context)
                    {
                        return Poll::Ready(Some(message));
                    }
                    changed.as_mut().poll(context).map(|()| None)
                })
                .await;
                if let Some(message) = received {
                    return Ok(message.map(message_of));
                }
            }
        })
    }
}

/// A received NATS message as a [`Message`].
fn message_of(message: async_nats::Message) -> Message {
    let mut headers = Vec::new();
    for (name, values) in message.headers.iter().flat_map(HeaderMap::iter) {
        for value in values {
            headers.push((name.to_string(), value.as_str().to_owned()));
        }
    }
    // The map's order differs from run to run; a stable sort keeps the repeats of a name in
    // their order.
    headers.sort_by(|(a, _), (b, _)| a.cmp(b));
    Message {
        payload: message.payload,
        headers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_credentials() {
        for transport in [
            Nats::new("127.0.0.1:4222").with_credentials("svc", "s3cret"),
            Nats::new("127.0.0.1:4222").with_token("s3cret"),
        ] {
            let shown = format!("{transport:?}");
            assert!(
                !shown.contains("s3cret") && !shown.contains("svc"),
                "{shown}"
            );
            assert!(shown.contains("<redacted>"), "{shown}");
        }
    }

    #[test]
    fn received_headers_are_sorted_by_name_keeping_repeats_in_order() {
        let mut headers = HeaderMap::new();
        for (name, value) in [("b", "1"), ("a", "2"), ("b", "3"), ("c", "4")] {
            headers.append(name, value);
        }
        let message = async_nats::Message {
            subject: "s".into(),
            reply: None,
            payload: bytes::Bytes::new(),
            headers: Some(headers),
            status: None,
            description: None,
            length: 0,
        };
        let pairs: Vec<(String, String)> = message_of(message).headers;
        let shown: Vec<String> = pairs.iter().map(|(n, v)| format!("{n}={v}")).collect();
        assert_eq!(shown, ["a=2", "b=1", "b=3", "c=4"]);
    }

    #[test]
    fn a_header_nats_cannot_carry_is_an_error_not_a_panic() {
        let error = nats_headers(vec![("bad:name".into(), "x".into())]).expect_err("invalid");
        assert!(error.contains("bad:name"), "{error}");
        let error = nats_headers(vec![("ok".into(), "two\nlines".into())]).expect_err("invalid");
        assert!(error.contains("line break"), "{error}");
    }
}
