//! The server side of the fakes that `arazzo-codegen` generates with `fake = true` (feature
//! `fake`): a real HTTP server (hyper) on 127.0.0.1, on an ephemeral port, that answers the
//! operations a document's workflows call.
//!
//! Generated code describes each operation once, as static data ([`Operation`]); the generated
//! `fake::Fake` wraps a [`Server`] with one typed handler setter per operation step. Every
//! request is recorded ([`Request`]), checked against the OpenAPI description (required
//! parameters and body members, their JSON types, the content type, credentials) and, when a
//! check fails, answered `400` and recorded as a [`Violation`]. A typed handler reads the
//! request with [`Request::decode_param`] and [`Request::decode_body`]; a request it cannot
//! read is a violation too, and the handler is not called. Faults ([`Fault`]) can be queued for
//! the next calls of an operation.

mod checks;
mod server;

use std::fmt;
use std::time::Duration;

pub use server::{Handler, Server, default_body, default_response};

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamIn {
    /// A `{name}` in the path.
    Path,
    /// The query string.
    Query,
    /// A header.
    Header,
    /// A cookie.
    Cookie,
}

/// A parameter of an operation, as the OpenAPI description declares it.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    /// Its name.
    pub name: &'static str,
    /// Where it goes.
    pub location: ParamIn,
    /// Whether a request must have it.
    pub required: bool,
}

/// The JSON type of a body member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    String,
    /// An integer.
    Integer,
    /// Any number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// An object.
    Object,
    /// An array.
    Array,
    /// Anything (the schema does not say, or says several things).
    Any,
}

impl Kind {
    fn accepts(self, value: &serde_json::Value, nullable: bool) -> bool {
        use serde_json::Value;
        match (self, value) {
            (_, Value::Null) => nullable || self == Kind::Any,
            (Kind::Any, _) => true,
            (Kind::String, Value::String(_)) => true,
            (Kind::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
            (Kind::Number, Value::Number(_)) => true,
            (Kind::Boolean, Value::Bool(_)) => true,
            (Kind::Object, Value::Object(_)) => true,
            (Kind::Array, Value::Array(_)) => true,
            _ => false,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::String => "a string",
            Kind::Integer => "an integer",
            Kind::Number => "a number",
            Kind::Boolean => "a boolean",
            Kind::Object => "an object",
            Kind::Array => "an array",
            Kind::Any => "anything",
        }
    }
}

/// A top-level member of a JSON request body.
#[derive(Clone, Copy, Debug)]
pub struct Member {
    /// Its name.
    pub name: &'static str,
    /// Whether the body must have it.
    pub required: bool,
    /// Its JSON type.
    pub kind: Kind,
    /// Whether `null` is allowed.
    pub nullable: bool,
}

/// What an operation's request body must be.
#[derive(Clone, Copy, Debug)]
pub struct BodySpec {
    /// Whether a request must have a body.
    pub required: bool,
    /// The content type the description declares (the first one).
    pub content_type: &'static str,
    /// Its top-level members, when it is a JSON object.
    pub members: &'static [Member],
}

/// Credentials a request must carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Basic …`.
    Basic,
    /// `Authorization: Bearer …`.
    Bearer,
    /// An API key in a header, the query or a cookie.
    ApiKey {
        /// Where.
        location: ParamIn,
        /// Its name.
        name: &'static str,
    },
}

/// What the fake answers when no handler is registered.
#[derive(Clone, Copy, Debug)]
pub enum Answer {
    /// A response built from the description: its status, its JSON body (as text), its headers.
    Json {
        /// The status.
        status: u16,
        /// The body, JSON text (empty for none).
        body: &'static str,
        /// Headers the workflows read.
        headers: &'static [(&'static str, &'static str)],
    },
    /// No response can be built that satisfies the step's criteria: answer `500` with this
    /// message, which tells the user to register a handler.
    Unsatisfiable(&'static str),
}

/// One operation the fake serves.
#[derive(Clone, Copy, Debug)]
pub struct Operation {
    /// The step (or steps) that call it, for messages: `sendSmsOtp`.
    pub step: &'static str,
    /// The handler setter of the generated fake: `on_send_sms_otp`.
    pub handler: &'static str,
    /// The source's index: the first path segment of its base URL on the fake.
    pub source: usize,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template, `/users/{id}`.
    pub path: &'static str,
    /// Its parameters.
    pub params: &'static [Param],
    /// Its request body, if it takes one.
    pub body: Option<BodySpec>,
    /// The credentials it requires (all of them).
    pub auth: &'static [Auth],
    /// The answer without a handler.
    pub default: Answer,
}

/// A request the fake received, decoded.
#[derive(Clone, PartialEq)]
pub struct Request {
    /// The step whose operation it called (`sendSmsOtp`); empty when it matched none.
    pub step: &'static str,
    /// The method.
    pub method: String,
    /// The path, without the source prefix of the fake's base URL.
    pub path: String,
    /// The path parameters, decoded.
    pub path_params: Vec<(String, String)>,
    /// The query parameters, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The headers, names in lower case (credentials included: they are the fake's own).
    pub headers: Vec<(String, String)>,
    /// The body: JSON as sent, a form as an object of strings, anything else as a string;
    /// `Null` when there was none.
    pub body: serde_json::Value,
    /// The body as sent.
    pub raw_body: String,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("step", &self.step)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("body", &self.body)
            .finish_non_exhaustive()
    }
}

impl Request {
    /// A path parameter.
    pub fn path_param(&self, name: &str) -> Option<&str> {
        lookup(&self.path_params, name)
    }

    /// The first query parameter of this name.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        lookup(&self.query, name)
    }

    /// A header, by name in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A cookie.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == "cookie")
            .flat_map(|(_, v)| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }

    /// A parameter, wherever it goes.
    pub fn param(&self, name: &str, location: ParamIn) -> Option<&str> {
        match location {
            ParamIn::Path => self.path_param(name),
            ParamIn::Query => self.query_param(name),
            ParamIn::Header => self.header(name),
            ParamIn::Cookie => self.cookie(name),
        }
    }

    /// A parameter read as `T` (what a typed request's field is): its text as a string, else
    /// as a JSON scalar (`60`, `true`), else, for a list, each query value of that name or each
    /// comma-separated item. `None` when the request does not have it.
    ///
    /// # Errors
    /// A message naming the parameter when its text is not a `T`.
    pub fn decode_param<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
        location: ParamIn,
    ) -> Result<Option<T>, String> {
        let Some(first) = self.param(name, location) else {
            return Ok(None);
        };
        let scalar = |text: &str| match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => value,
            _ => serde_json::Value::String(text.to_owned()),
        };
        let items: Vec<&str> = match location {
            ParamIn::Query => self
                .query
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .collect(),
            _ => vec![first],
        };
        let items: Vec<&str> = match items.as_slice() {
            [one] => one.split(',').collect(),
            _ => items,
        };
        let candidates = [
            serde_json::Value::String(first.to_owned()),
            scalar(first),
            serde_json::Value::Array(items.into_iter().map(scalar).collect()),
        ];
        candidates
            .into_iter()
            .find_map(|value| serde_json::from_value(value).ok())
            .map(Some)
            .ok_or_else(|| {
                format!(
                    "the parameter `{name}` is `{first}`, not a value of type `{}`",
                    short_type_name::<T>()
                )
            })
    }

    /// A required parameter read as `T` ([`Request::decode_param`]).
    ///
    /// # Errors
    /// A message naming the parameter when it is missing or its text is not a `T`.
    pub fn decode_required_param<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
        location: ParamIn,
    ) -> Result<T, String> {
        self.decode_param(name, location)?
            .ok_or_else(|| format!("the required parameter `{name}` is missing"))
    }

    /// The body read as `T` (the type its schema describes; `Null` when there was none, which
    /// an `Option` reads as `None`).
    ///
    /// # Errors
    /// A message saying where the body differs from `T` (serde's, with the member's path).
    pub fn decode_body<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        T::deserialize(&self.body)
            .map_err(|error| format!("the body does not match its schema: {error}"))
    }
}

/// `i64` for `i64`, `Vec<String>` for `alloc::vec::Vec<alloc::string::String>`.
fn short_type_name<T>() -> String {
    let full = std::any::type_name::<T>();
    let mut out = String::new();
    let mut word = String::new();
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
        } else {
            out.push_str(word.rsplit("::").next().unwrap_or(""));
            word.clear();
            out.push(c);
        }
    }
    out.push_str(word.rsplit("::").next().unwrap_or(""));
    out
}

fn lookup<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// What a handler answers.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    /// The status.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A JSON response.
    ///
    /// # Panics
    /// When `body` cannot be serialized to JSON (a map with non-string keys).
    pub fn json(status: u16, body: &impl serde::Serialize) -> Self {
        #[allow(clippy::expect_used)]
        let body = serde_json::to_vec(body).expect("a fake's response body serializes to JSON");
        Self {
            status,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body,
        }
    }

    /// Any status, content type and body.
    pub fn raw(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: vec![("content-type".to_owned(), content_type.to_owned())],
            body: body.into(),
        }
    }

    /// With one more header.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }

    /// The body as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A fault to inject into the next calls of an operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Wait this long, then answer as usual (to test timeouts).
    Delay(Duration),
    /// Close the connection without answering.
    Drop,
    /// Announce the whole body (`Content-Length`), send half of it, close the connection.
    Truncate,
    /// Answer this status, with a JSON body naming the fault.
    Status(u16),
}

/// A request the fake answered `400` because it breaks the description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The step whose operation was called; empty when the request matched no operation.
    pub step: &'static str,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.step.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "step `{}`: {}", self.step, self.message)
        }
    }
}
