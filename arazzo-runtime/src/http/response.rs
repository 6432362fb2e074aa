//! The response to one step's request: read within the limit, then read by the step's criteria
//! and outputs.

use std::fmt;

use serde::de::DeserializeOwned;

use super::exchange::transport;
use crate::{Body, Error, StepFailure};

/// Reads a response's body, stopping at `limit` bytes.
pub(super) async fn read(
    step: &'static str,
    mut response: reqwest::Response,
    limit: u64,
) -> Result<Response, Error> {
    let status = response.status().as_u16();
    let bytes = match read_body(&mut response, limit).await {
        Ok(bytes) => bytes,
        Err(Unread::TooLarge) => {
            return Err(Error::ResponseTooLarge {
                step,
                status,
                limit,
            });
        }
        Err(Unread::Transport(error)) => return Err(transport(step, error)),
    };
    Ok(Response {
        step,
        status,
        head: Some(response),
        bytes,
        body: std::sync::OnceLock::new(),
        members: std::sync::OnceLock::new(),
        timed_out: None,
        channel: None,
        message_headers: Vec::new(),
        missed: None,
    })
}

/// Why [`read_body`] read no body.
enum Unread {
    /// The body is larger than the limit.
    TooLarge,
    Transport(reqwest::Error),
}

/// The body of `response`, unless it is larger than `limit` bytes (dropping the response then
/// closes its connection: the rest is never read).
///
/// A body that arrives in one chunk (the usual case) is kept as received; only a body in
/// several chunks is copied together. A copy of a large body cost as much as reading it.
async fn read_body(response: &mut reqwest::Response, limit: u64) -> Result<bytes::Bytes, Unread> {
    let declared = response.content_length();
    if declared.is_some_and(|length| length > limit) {
        return Err(Unread::TooLarge);
    }
    let mut first: Option<bytes::Bytes> = None;
    let mut joined: Vec<u8> = Vec::new();
    let mut length: u64 = 0;
    while let Some(chunk) = response.chunk().await.map_err(Unread::Transport)? {
        length = length.saturating_add(chunk.len() as u64);
        if length > limit {
            return Err(Unread::TooLarge);
        }
        match first.take() {
            None if joined.is_empty() => first = Some(chunk),
            None => joined.extend_from_slice(&chunk),
            Some(earlier) => {
                // As much as the server declared, up to 1 MiB: the rest grows as it comes.
                let capacity = declared.unwrap_or(length).min(limit).min(1 << 20);
                joined.reserve(usize::try_from(capacity).unwrap_or(0));
                joined.extend_from_slice(&earlier);
                joined.extend_from_slice(&chunk);
            }
        }
    }
    Ok(first.unwrap_or_else(|| bytes::Bytes::from(joined)))
}

/// The response to one step's request, read whole.
///
/// Called by generated code; not part of the public API.
#[doc(hidden)]
pub struct Response {
    step: &'static str,
    status: u16,
    /// The response as received, its body read (its URL and headers, kept rather than
    /// copied); `None` when the step timed out.
    head: Option<reqwest::Response>,
    /// The body as received.
    bytes: bytes::Bytes,
    /// The body classified and, when JSON, parsed: only when a criterion, an error or a read
    /// of a whole `serde_json::Value` needs it (outputs are read from `bytes` directly).
    body: std::sync::OnceLock<Body>,
    /// The top-level members of a JSON object body, indexed by the first output read, so that
    /// a step's outputs share one pass over the body.
    members: std::sync::OnceLock<Option<crate::stream::Members>>,
    /// When the step timed out: no response came, and this stands in for one (status 0, no
    /// headers, an empty body) so that the step's failure actions can run; its `timeout`.
    timed_out: Option<u64>,
    /// For an AsyncAPI step: the channel's address; the message stands in for a response
    /// ([`Response::from_message`]).
    channel: Option<String>,
    /// For an AsyncAPI step: the message's headers (`$message.header.<name>`).
    message_headers: Vec<(String, String)>,
    /// For an AsyncAPI step that timed out: the error it failed with (naming its channel and
    /// correlation id), returned when no failure action applies.
    missed: Option<Box<Error>>,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Bodies of successful responses carry session tokens: leave them out.
        f.debug_struct("Response")
            .field("step", &self.step)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl Response {
    /// For a step whose failure actions decide what a timeout leads to: an
    /// [`Error::Timeout`] becomes a stand-in response that [`Response::timed_out`] reports
    /// (status 0, no headers, an empty body); any other result is returned as it is.
    ///
    /// # Errors
    /// Every error but [`Error::Timeout`].
    pub fn or_timed_out(result: Result<Self, Error>) -> Result<Self, Error> {
        let stand_in = |step, milliseconds, channel, missed| Self {
            step,
            status: 0,
            head: None,
            message_headers: Vec::new(),
            bytes: bytes::Bytes::new(),
            body: std::sync::OnceLock::new(),
            members: std::sync::OnceLock::new(),
            timed_out: Some(milliseconds),
            channel,
            missed,
        };
        match result {
            Err(Error::Timeout { step, milliseconds }) => {
                Ok(stand_in(step, milliseconds, None, None))
            }
            // An AsyncAPI receive step that got no matching message in time.
            Err(error @ Error::ReceiveTimedOut { .. }) => {
                let Error::ReceiveTimedOut {
                    step,
                    milliseconds,
                    ref channel,
                    ..
                } = error
                else {
                    return Err(error);
                };
                let channel = Some(channel.clone());
                Ok(stand_in(step, milliseconds, channel, Some(Box::new(error))))
            }
            other => other,
        }
    }

    /// A message that an AsyncAPI step sent or received, standing in for a response so that
    /// the step's criteria and outputs read it as they read a response: `$message.payload` as
    /// the body, `$message.header.<name>` as a header, status 200. A header whose name or value
    /// HTTP cannot carry is not readable as `$message.header`.
    pub fn from_message(
        step: &'static str,
        channel: &str,
        message: crate::transport::Message,
    ) -> Self {
        Self {
            step,
            status: 200,
            head: None,
            message_headers: message.headers,
            bytes: message.payload,
            body: std::sync::OnceLock::new(),
            members: std::sync::OnceLock::new(),
            timed_out: None,
            channel: Some(channel.to_owned()),
            missed: None,
        }
    }

    /// Like [`Response::from_message`] for a message whose content type is not JSON
    /// (`text/plain`, …): `$message.payload` is its text, a string, whatever the text looks
    /// like (`42` stays the string `"42"`).
    ///
    /// # Errors
    /// [`Error::MessageDecode`] when the payload is not UTF-8 text.
    pub fn from_text_message(
        step: &'static str,
        channel: &str,
        message: crate::transport::Message,
    ) -> Result<Self, Error> {
        let text = match std::str::from_utf8(&message.payload) {
            Ok(text) => text.to_owned(),
            Err(error) => {
                return Err(Error::MessageDecode {
                    step,
                    channel: channel.to_owned(),
                    location: "",
                    within: String::new(),
                    source: <serde_json::Error as serde::de::Error>::custom(format!(
                        "the payload is not UTF-8 text ({error})"
                    )),
                });
            }
        };
        let response = Self::from_message(step, channel, message);
        // Set before anything reads it: the body is that string, never parsed as JSON.
        let _ = response
            .body
            .set(Body::Json(serde_json::Value::String(text)));
        Ok(response)
    }

    /// Whether this stands in for a step that timed out ([`Response::or_timed_out`]): the step
    /// failed, whatever its success criteria say.
    pub fn timed_out(&self) -> bool {
        self.timed_out.is_some()
    }

    pub(crate) fn step(&self) -> &'static str {
        self.step
    }

    /// The body as received.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The HTTP status code (`$statusCode`).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// How long the server asks the client to wait before retrying: its `Retry-After` header,
    /// in seconds or as an HTTP date.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        let value = self.header("retry-after")?;
        let value = value.trim();
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(std::time::Duration::from_secs(seconds));
        }
        let date = httpdate::parse_http_date(value).ok()?;
        Some(
            date.duration_since(std::time::SystemTime::now())
                .unwrap_or_default(),
        )
    }

    /// The URL the request was sent to (`$url`); for an AsyncAPI step, the channel's address.
    pub fn url(&self) -> &str {
        match (&self.head, &self.channel) {
            (Some(response), _) => response.url().as_str(),
            (None, Some(channel)) => channel,
            (None, None) => "",
        }
    }

    /// The value at a JSON pointer into the body, if the body is JSON and has one there
    /// (`$response.body#<pointer>` inside a condition).
    pub fn body_at(&self, pointer: &str) -> Option<&serde_json::Value> {
        self.pointee(pointer)
    }

    /// A response header, by case-insensitive name (`$response.header.<name>`): its first value,
    /// as text (bytes that are not UTF-8 are replaced by U+FFFD).
    pub fn header(&self, name: &str) -> Option<String> {
        let Some(response) = &self.head else {
            // A message's headers (`$message.header.<name>`), compared as HTTP's are.
            return self
                .message_headers
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.clone());
        };
        response
            .headers()
            .get(name)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
    }

    /// A response header the workflow needs (`$response.header.<name>`).
    ///
    /// # Errors
    /// [`Error::MissingValue`] when the header is absent.
    pub fn header_value(&self, name: &'static str) -> Result<String, Error> {
        self.header(name).ok_or_else(|| match &self.channel {
            Some(channel) => Error::MessageMissingValue {
                step: self.step,
                channel: channel.clone(),
                location: name,
            },
            None => Error::MissingValue {
                step: self.step,
                status: self.status,
                location: name,
            },
        })
    }

    /// The body.
    pub fn body(&self) -> &Body {
        self.body.get_or_init(|| Body::from_bytes(&self.bytes))
    }

    /// Turns a response whose success criteria did not hold into the step's error.
    pub fn into_failure(self) -> Error {
        self.into_failure_with(None)
    }

    /// Turns a response whose success criterion `criterion` did not hold into the step's error
    /// (Arazzo 1.1 documents: the error names the criterion and its evaluation error).
    pub fn into_failure_with(self, criterion: impl Into<Option<crate::FailedCriterion>>) -> Error {
        let criterion = criterion.into();
        if let Some(missed) = self.missed {
            return *missed;
        }
        if let Some(milliseconds) = self.timed_out {
            return Error::Timeout {
                step: self.step,
                milliseconds,
            };
        }
        Error::Step(Box::new(StepFailure {
            step: self.step,
            status: self.status,
            body: match self.body.into_inner() {
                Some(body) => body,
                None => Body::from_bytes(&self.bytes),
            },
            criterion,
        }))
    }

    fn pointee(&self, pointer: &str) -> Option<&serde_json::Value> {
        crate::pointer::get(self.body().as_json()?, pointer)
    }

    /// The value at a JSON pointer into the body (`$response.body#<pointer>`), which must be
    /// there and must have the type `T`.
    ///
    /// # Errors
    /// [`Error::MissingValue`] when the body is not JSON or has nothing at `pointer`;
    /// [`Error::WrongType`] when the value there does not deserialize as `T`.
    pub fn body_value<T: DeserializeOwned>(&self, pointer: &'static str) -> Result<T, Error> {
        match (self.body_value_opt(pointer)?, &self.channel) {
            (Some(value), _) => Ok(value),
            (None, Some(channel)) => Err(Error::MessageMissingValue {
                step: self.step,
                channel: channel.clone(),
                location: pointer,
            }),
            (None, None) => Err(Error::MissingValue {
                step: self.step,
                status: self.status,
                location: pointer,
            }),
        }
    }

    /// Like [`Response::body_value`] for a value the description allows to be absent: `None`
    /// when nothing (or `null`) is at `pointer`.
    ///
    /// # Errors
    /// [`Error::WrongType`] when a value is there but does not deserialize as `T`.
    pub fn body_value_opt<T: DeserializeOwned>(
        &self,
        pointer: &'static str,
    ) -> Result<Option<T>, Error> {
        // Unless the body was parsed already, decode just the value, straight from the bytes.
        if self.body.get().is_none() {
            match self.read_bytes::<T>(pointer) {
                crate::stream::Read::Found(value) => return Ok(value),
                crate::stream::Read::Absent => return Ok(None),
                crate::stream::Read::WrongType(within, source) => {
                    return Err(self.wrong_type(pointer, within, source));
                }
                crate::stream::Read::NotJson => {}
            }
        }
        match self.pointee(pointer) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(value) => serde_path_to_error::deserialize(value)
                .map(Some)
                .map_err(|error| {
                    let within = crate::pointer::from_path(error.path());
                    self.wrong_type(pointer, within, error.into_inner())
                }),
        }
    }

    /// The value at `pointer`, decoded straight from the bytes; the body's top-level members
    /// are indexed by the first read, for the others.
    fn read_bytes<T: DeserializeOwned>(&self, pointer: &str) -> crate::stream::Read<T> {
        let members = self
            .members
            .get_or_init(|| crate::stream::Members::of(&self.bytes));
        match members {
            Some(members) => members.read::<T>(&self.bytes, pointer),
            None => crate::stream::read::<T>(&self.bytes, pointer),
        }
    }

    /// The error of a value at `pointer` that does not have the type asked for.
    fn wrong_type(
        &self,
        pointer: &'static str,
        within: String,
        source: serde_json::Error,
    ) -> Error {
        match &self.channel {
            Some(channel) => Error::MessageDecode {
                step: self.step,
                channel: channel.clone(),
                location: pointer,
                within,
                source,
            },
            None => Error::WrongType {
                step: self.step,
                status: self.status,
                location: pointer,
                within,
                source,
            },
        }
    }
}
