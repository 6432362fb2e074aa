//! What the AsyncAPI steps of generated code share: an [`Inbox`] per channel that a receive
//! step waits on, opened when the workflow run starts so that no reply is lost; matching by
//! correlation id ([`Correlation`]); and a receive bounded by the step's `timeout`.
//!
//! # The early-message limit
//! An inbox subscribes when the workflow run starts, before any step can cause the message it
//! waits for. Messages that arrive before the receive step runs wait in the transport's
//! subscription (for [`crate::transport::InMemory`], up to
//! [`crate::transport::IN_MEMORY_BUFFER`]). Messages the step reads but that do not match its
//! correlation id are kept in the inbox for a later receive step on the same channel, up to
//! [`INBOX_LIMIT`]; one more is an error ([`TransportErrorKind::Overflow`]), never a silent
//! loss.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use crate::Error;
use crate::transport::{
    Credentials, Message, Options, Subscription, Transport, TransportError, TransportErrorKind,
};

/// How many read but unmatched messages an [`Inbox`] keeps for later receive steps.
pub const INBOX_LIMIT: usize = 1024;

/// Where a message carries its correlation id: an AsyncAPI Message Object's
/// `correlationId.location`, `$message.header#/<name>` or `$message.payload#/<pointer>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Correlation {
    /// The header of this name.
    Header(&'static str),
    /// The value at this JSON pointer in the JSON payload.
    Payload(&'static str),
}

impl Correlation {
    /// The correlation id `message` carries, as text (a JSON string as its content, any other
    /// JSON value as JSON); `None` when it carries none there.
    pub fn value_of(self, message: &Message) -> Option<String> {
        match self {
            Self::Header(name) => message.header(name).map(str::to_owned),
            Self::Payload(pointer) => {
                let payload: serde_json::Value = serde_json::from_slice(&message.payload).ok()?;
                match payload.pointer(pointer)? {
                    serde_json::Value::String(text) => Some(text.clone()),
                    serde_json::Value::Null => None,
                    other => Some(other.to_string()),
                }
            }
        }
    }
}

/// The messages of one channel, for the receive steps of one workflow run: subscribed when the
/// run starts, read by the steps in their order.
#[derive(Debug)]
pub struct Inbox {
    address: String,
    subscription: Result<Box<dyn Subscription>, Option<TransportError>>,
    kept: VecDeque<Message>,
}

impl Inbox {
    /// Subscribes to `address`. A failure is kept, not returned: it is the error of the
    /// receive step that waits on this inbox (so that `onFailure` applies to that step).
    pub async fn open(transport: &dyn Transport, address: &str) -> Self {
        Self {
            address: address.to_owned(),
            subscription: transport.subscribe(address).await.map_err(Some),
            kept: VecDeque::new(),
        }
    }

    /// An inbox whose transport could not be built: every receive on it fails with `error`.
    pub fn failed(address: &str, error: TransportError) -> Self {
        Self {
            address: address.to_owned(),
            subscription: Err(Some(error)),
            kept: VecDeque::new(),
        }
    }

    /// The channel's address.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Waits for the first message, kept or new, whose correlation id (at `correlation`) is
    /// `correlation_id`, or any message when `correlation_id` is `None`; for at most `timeout`.
    /// Messages read that do not match are kept for later receive steps.
    ///
    /// # Errors
    /// [`Error::ReceiveTimedOut`] when none matched in time, [`Error::BrokerUnreachable`] when
    /// the subscription could not be made, [`Error::ReceiveFailed`] when it failed, ended or
    /// overflowed; each naming `step`, the channel and the correlation id.
    pub async fn receive(
        &mut self,
        step: &'static str,
        correlation: Option<Correlation>,
        correlation_id: Option<&str>,
        timeout: Option<Duration>,
    ) -> Result<Message, Error> {
        let wanted = |message: &Message| match (correlation, correlation_id) {
            (Some(at), Some(id)) => at.value_of(message).as_deref() == Some(id),
            _ => true,
        };
        if let Some(at) = self.kept.iter().position(wanted)
            && let Some(message) = self.kept.remove(at)
        {
            return Ok(message);
        }
        let failed = |channel: &str, source: TransportError| Error::ReceiveFailed {
            step,
            channel: channel.to_owned(),
            correlation_id: correlation_id.map(str::to_owned),
            source,
        };
        let address = self.address.clone();
        let subscription = match &mut self.subscription {
            Ok(subscription) => subscription,
            Err(error) => {
                let source = error.take().unwrap_or_else(|| {
                    TransportError::new(
                        TransportErrorKind::Unreachable,
                        "the subscription failed earlier in this run",
                    )
                });
                return Err(Error::BrokerUnreachable {
                    step,
                    channel: address,
                    source,
                });
            }
        };
        let kept = &mut self.kept;
        let wait = async {
            loop {
                match subscription.next().await {
                    Ok(Some(message)) if wanted(&message) => return Ok(message),
                    Ok(Some(message)) => {
                        if kept.len() == INBOX_LIMIT {
                            return Err(failed(
                                &address,
                                TransportError::new(
                                    TransportErrorKind::Overflow,
                                    format!(
                                        "more than {INBOX_LIMIT} unmatched messages arrived on `{address}`"
                                    ),
                                ),
                            ));
                        }
                        kept.push_back(message);
                    }
                    Ok(None) => {
                        return Err(failed(
                            &address,
                            TransportError::new(
                                TransportErrorKind::Receive,
                                "the subscription ended",
                            ),
                        ));
                    }
                    Err(source) => return Err(failed(&address, source)),
                }
            }
        };
        match timeout {
            None => wait.await,
            Some(limit) => match tokio::time::timeout(limit, wait).await {
                Ok(result) => result,
                Err(_) => Err(Error::ReceiveTimedOut {
                    step,
                    channel: address.clone(),
                    correlation_id: correlation_id.map(str::to_owned),
                    milliseconds: u64::try_from(limit.as_millis()).unwrap_or(u64::MAX),
                }),
            },
        }
    }
}

/// The transport of one AsyncAPI source, as a generated `Client` holds it: the one its builder
/// was given, or the one [`crate::transport::for_server`] builds for the source's first server.
/// A transport that could not be built is kept as its error, which each step that uses it
/// reports ([`Error::BrokerUnreachable`]); building the client never fails for it.
#[derive(Clone, Debug)]
pub struct Broker {
    transport: Result<Arc<dyn Transport>, Arc<TransportError>>,
}

impl Broker {
    /// `given`, else the transport for `server` (`protocol`, `host`), else the error that says
    /// why there is none.
    pub fn new(given: Option<Arc<dyn Transport>>, server: Option<(&str, &str)>) -> Self {
        Self::with_credentials(given, server, None)
    }

    /// As [`Broker::new`], the transport built for `server` logging in with `credentials`
    /// (a `given` transport is used as it is: it was configured by whoever built it).
    pub fn with_credentials(
        given: Option<Arc<dyn Transport>>,
        server: Option<(&str, &str)>,
        credentials: Option<Credentials>,
    ) -> Self {
        let transport = match (given, server) {
            (Some(transport), _) => Ok(transport),
            (None, Some((protocol, host))) => {
                let options = Options {
                    credentials,
                    ..Options::default()
                };
                crate::transport::for_server_with(protocol, host, &options).map_err(Arc::new)
            }
            (None, None) => Err(Arc::new(TransportError::new(
                TransportErrorKind::Unsupported,
                "the AsyncAPI description names no server: give the client a transport",
            ))),
        };
        Self { transport }
    }

    /// Opens the inbox of `address`: done when a workflow run starts, for each receive step.
    pub async fn inbox(&self, address: &str) -> Inbox {
        match &self.transport {
            Ok(transport) => Inbox::open(transport.as_ref(), address).await,
            Err(error) => Inbox::failed(address, copy(error)),
        }
    }

    /// Publishes `message` on `address` for `step`, within `timeout` milliseconds when given;
    /// returns the message sent, for the step's `$message` reads.
    ///
    /// # Errors
    /// As [`send`]; [`Error::Timeout`] when the broker did not take it in time.
    pub async fn send(
        &self,
        step: &'static str,
        address: &str,
        message: Message,
        timeout: Option<u64>,
    ) -> Result<Message, Error> {
        let transport = self
            .transport
            .as_ref()
            .map(|t| t.as_ref())
            .map_err(|e| e.as_ref());
        let sent = send(step, transport, address, message.clone());
        match timeout {
            None => sent.await?,
            Some(milliseconds) => {
                tokio::time::timeout(Duration::from_millis(milliseconds), sent)
                    .await
                    .map_err(|_| Error::Timeout { step, milliseconds })??;
            }
        }
        Ok(message)
    }
}

/// A JSON value as the text of a header or a correlation id: a string as its content, any
/// other value as JSON.
pub fn text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A copy of a kept transport error (its source is not kept: errors are not `Clone`).
fn copy(error: &TransportError) -> TransportError {
    TransportError::new(error.kind(), error.to_string())
}

/// A message to send: `payload` as JSON, with `headers`, each value as text (a JSON string
/// as its content, any other value as JSON).
///
/// # Errors
/// [`Error::Encode`] when the payload cannot be encoded.
pub fn json_message(
    step: &'static str,
    payload: Option<&serde_json::Value>,
    headers: &[(&str, serde_json::Value)],
) -> Result<Message, Error> {
    let bytes = match payload {
        Some(payload) => {
            serde_json::to_vec(payload).map_err(|source| Error::Encode { step, source })?
        }
        None => Vec::new(),
    };
    let mut message = Message::new(bytes);
    for (name, value) in headers {
        message = message.with_header(*name, text(value));
    }
    Ok(message)
}

/// A message to send whose payload is a value of the type its message's schema gives it (a
/// generated struct, most often), encoded as JSON, with `headers` as [`json_message`] has them.
///
/// # Errors
/// [`Error::Encode`] when the payload cannot be encoded.
pub fn typed_message<T: serde::Serialize>(
    step: &'static str,
    payload: &T,
    headers: &[(&str, serde_json::Value)],
) -> Result<Message, Error> {
    let bytes = serde_json::to_vec(payload).map_err(|source| Error::Encode { step, source })?;
    let mut message = Message::new(bytes);
    for (name, value) in headers {
        message = message.with_header(*name, text(value));
    }
    Ok(message)
}

/// A message to send whose content type is not JSON (`text/plain`,
/// `application/octet-stream`, …): the text's bytes as they are, with `headers` as
/// [`json_message`] has them.
pub fn text_message(payload: String, headers: &[(&str, serde_json::Value)]) -> Message {
    let mut message = Message::new(payload);
    for (name, value) in headers {
        message = message.with_header(*name, text(value));
    }
    message
}

/// A value of a sent message's member, `at` (a JSON pointer into the payload), converted to
/// the member's type `T`: a value whose type the documents leave open, or that holds the same
/// kind of value in another Rust type.
///
/// # Errors
/// [`Error::Body`] naming the member and what did not fit; nothing is sent.
pub fn member<T: serde::de::DeserializeOwned>(
    step: &'static str,
    at: &'static str,
    value: serde_json::Value,
) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let within = crate::pointer::from_path(error.path());
        let at = if at.is_empty() { "the payload" } else { at };
        Error::Body {
            step,
            message: format!(
                "the message's member `{at}{within}` does not fit its schema: {}; nothing was sent",
                error.inner()
            ),
        }
    })
}

/// The text of a channel parameter's value (`orders/{orderId}`): a string as its content, any
/// other value as JSON.
///
/// # Errors
/// [`Error::Encode`] when the value cannot be encoded as JSON;
/// [`Error::UnsafeParameter`] (location `channel`) when the value is empty, or holds a
/// character that would change which channel the address names on some broker: `/` (an MQTT
/// topic level), `+`, `#` (MQTT wildcards), `*`, `>` (NATS wildcards), whitespace or a control
/// character. Nothing is sent or subscribed to. The error never shows the value.
pub fn address_param<T: serde::Serialize + ?Sized>(
    step: &'static str,
    parameter: &'static str,
    value: &T,
) -> Result<String, Error> {
    let value = serde_json::to_value(value).map_err(|source| Error::Encode { step, source })?;
    let text = text(&value);
    let unsafe_because = if text.is_empty() {
        Some("is empty")
    } else if text
        .chars()
        .any(|c| matches!(c, '/' | '+' | '#' | '*' | '>') || c.is_whitespace() || c.is_control())
    {
        Some(
            "holds `/`, `+`, `#`, `*`, `>`, whitespace or a control character, which would change the channel it names",
        )
    } else {
        None
    };
    match unsafe_because {
        Some(reason) => Err(Error::UnsafeParameter {
            step,
            location: "channel",
            parameter: parameter.to_owned(),
            reason,
        }),
        None => Ok(text),
    }
}

/// Publishes `message` on `address` for `step`.
///
/// # Errors
/// [`Error::BrokerUnreachable`] when the broker cannot be reached (or no transport could be
/// built: `transport` is then that error), [`Error::PublishFailed`] when it refused the message.
pub async fn send(
    step: &'static str,
    transport: Result<&dyn Transport, &TransportError>,
    address: &str,
    message: Message,
) -> Result<(), Error> {
    let transport = transport.map_err(|error| Error::BrokerUnreachable {
        step,
        channel: address.to_owned(),
        source: TransportError::new(error.kind(), error.to_string()),
    })?;
    transport.publish(address, message).await.map_err(|source| {
        let channel = address.to_owned();
        match source.kind() {
            TransportErrorKind::Unreachable | TransportErrorKind::Unsupported => {
                Error::BrokerUnreachable {
                    step,
                    channel,
                    source,
                }
            }
            _ => Error::PublishFailed {
                step,
                channel,
                source,
            },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::InMemory;

    #[tokio::test]
    async fn a_reply_published_before_the_step_waits_is_not_missed() {
        let transport = InMemory::new();
        let mut inbox = Inbox::open(&transport, "confirm").await;
        transport
            .publish(
                "confirm",
                Message::new("{}").with_header("orderRequestId", "other"),
            )
            .await
            .expect("publish");
        transport
            .publish(
                "confirm",
                Message::new("{\"orderId\":7}").with_header("orderRequestId", "r1"),
            )
            .await
            .expect("publish");
        let at = Some(Correlation::Header("orderRequestId"));
        let message = inbox
            .receive("confirm", at, Some("r1"), Some(Duration::from_millis(100)))
            .await
            .expect("the early reply");
        assert_eq!(&message.payload[..], b"{\"orderId\":7}");
        // The unmatched one was kept for a later step.
        let other = inbox
            .receive("later", at, Some("other"), Some(Duration::from_millis(10)))
            .await
            .expect("kept");
        assert_eq!(other.header("orderRequestId"), Some("other"));
    }

    #[tokio::test]
    async fn no_match_in_time_is_a_typed_timeout_naming_step_channel_and_id() {
        let transport = InMemory::new();
        let mut inbox = Inbox::open(&transport, "confirm").await;
        let error = inbox
            .receive(
                "confirmOrder",
                Some(Correlation::Payload("/id")),
                Some("r9"),
                Some(Duration::from_millis(20)),
            )
            .await
            .expect_err("nothing came");
        assert!(matches!(
            error,
            Error::ReceiveTimedOut {
                step: "confirmOrder",
                milliseconds: 20,
                ..
            }
        ));
        assert_eq!(
            error.to_string(),
            "step `confirmOrder`: no message with correlation id `r9` arrived on `confirm` within 20 ms"
        );
    }

    #[tokio::test]
    async fn a_failed_transport_is_the_steps_error_not_a_panic() {
        let error =
            crate::transport::for_server("carrier-pigeon", "example:1").expect_err("unsupported");
        let mut inbox = Inbox::failed("confirm", error);
        let error = inbox
            .receive("wait", None, None, None)
            .await
            .expect_err("unreachable");
        assert!(
            matches!(error, Error::BrokerUnreachable { step: "wait", .. }),
            "{error}"
        );
        let error =
            crate::transport::for_server("carrier-pigeon", "example:1").expect_err("unsupported");
        let sent = send("place", Err(&error), "orders", Message::new("{}"))
            .await
            .expect_err("unreachable");
        assert!(
            matches!(sent, Error::BrokerUnreachable { step: "place", .. }),
            "{sent}"
        );
    }

    #[test]
    fn channel_parameters_that_would_change_the_channel_are_refused() {
        use serde_json::json;
        assert_eq!(
            address_param("s", "id", &json!("a-1.b")).ok().as_deref(),
            Some("a-1.b")
        );
        assert_eq!(
            address_param("s", "id", &json!(42)).ok().as_deref(),
            Some("42")
        );
        for value in ["", "a/b", "+", "#", "a*", ">", "a b", "a\nb"] {
            let error = address_param("s", "id", &json!(value)).expect_err(value);
            assert!(
                matches!(
                    &error,
                    Error::UnsafeParameter {
                        step: "s",
                        location: "channel",
                        ..
                    }
                ),
                "{value}: {error:?}"
            );
        }
        let error = address_param("s", "id", &json!("tenant-42/x")).expect_err("a level");
        assert!(!error.to_string().contains("tenant-42"), "{error}");
    }

    #[test]
    fn a_member_that_does_not_fit_names_itself_and_typed_payloads_are_json() {
        use serde_json::json;
        let error = member::<Vec<i64>>("place", "/ids", json!([1, "two"])).expect_err("wrong");
        assert_eq!(
            error.to_string(),
            "step `place`: the message's member `/ids/1` does not fit its schema: invalid type: string \"two\", expected i64; nothing was sent"
        );
        assert_eq!(member::<i32>("place", "/n", json!(7)).ok(), Some(7));
        let message = typed_message("place", &vec![1, 2], &[("id", json!("r1"))]).expect("encodes");
        assert_eq!(&message.payload[..], b"[1,2]");
        assert_eq!(message.header("id"), Some("r1"));
        let message = text_message("héllo\n".to_owned(), &[("n", json!(3))]);
        assert_eq!(&message.payload[..], "héllo\n".as_bytes());
        assert_eq!(message.header("n"), Some("3"));
    }

    #[test]
    fn correlation_ids_are_read_from_headers_and_payloads() {
        let message = Message::new("{\"meta\":{\"id\":42,\"s\":\"x\"}}").with_header("ReqId", "a");
        assert_eq!(
            Correlation::Header("reqid").value_of(&message).as_deref(),
            Some("a")
        );
        assert_eq!(
            Correlation::Payload("/meta/id")
                .value_of(&message)
                .as_deref(),
            Some("42")
        );
        assert_eq!(
            Correlation::Payload("/meta/s")
                .value_of(&message)
                .as_deref(),
            Some("x")
        );
        assert_eq!(Correlation::Payload("/none").value_of(&message), None);
    }

    #[test]
    fn a_payload_that_does_not_fit_names_the_field() {
        let message = Message::new("{\"order\":{\"id\":\"seven\"}}");
        let response = crate::Response::from_message("confirm", "confirm-order", message);
        let error = response
            .body_value::<u64>("/order/id")
            .expect_err("wrong type");
        assert!(
            matches!(
                &error,
                Error::MessageDecode {
                    location: "/order/id",
                    ..
                }
            ),
            "{error}"
        );
        let error = response.body_value::<u64>("/none").expect_err("absent");
        assert!(
            matches!(&error, Error::MessageMissingValue { .. }),
            "{error}"
        );
    }
}
