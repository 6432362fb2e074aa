use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::{BasicAuth, Body, Error, StepFailure};

pub use reqwest::Method;

/// The `User-Agent` sent when the caller does not bring their own `reqwest::Client`.
const USER_AGENT: &str = concat!("arazzo-runtime/", env!("CARGO_PKG_VERSION"));

/// The HTTP client a generated `Client` sends its requests with.
///
/// Cheap to clone (it shares one connection pool). Building the default `reqwest::Client` can
/// fail only when its TLS backend cannot start; that failure is kept and reported as
/// [`Error::Client`] by the first request, so that constructing a generated client never panics.
#[derive(Clone, Debug)]
pub struct HttpClient {
    inner: Result<reqwest::Client, Arc<reqwest::Error>>,
}

impl HttpClient {
    /// A client with `reqwest`'s defaults and this crate's `User-Agent`.
    pub fn new() -> Self {
        let inner = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .build()
            .map_err(Arc::new);
        Self { inner }
    }

    /// Uses the caller's own `reqwest::Client` (timeouts, proxies, TLS roots, middleware).
    pub fn from_reqwest(client: reqwest::Client) -> Self {
        Self { inner: Ok(client) }
    }

    /// Starts the request of one Arazzo step: `base_url` is the source's base URL and `path` the
    /// operation's path, already expanded and percent-encoded.
    pub fn request(
        &self,
        step: &'static str,
        method: Method,
        base_url: &str,
        path: &str,
    ) -> Request {
        let url = format!("{}{}", base_url.trim_end_matches('/'), path);
        let builder = match (&self.inner, reqwest::Url::parse(&url)) {
            (Err(error), _) => Err(Error::Client(Arc::clone(error))),
            (Ok(_), Err(reason)) => Err(Error::InvalidUrl {
                step,
                url,
                reason: reason.to_string(),
            }),
            (Ok(client), Ok(url)) => Ok(client.request(method, url)),
        };
        Request { step, builder }
    }
}

impl Default for HttpClient {
    fn default() -> Self {
        Self::new()
    }
}

/// One request being built. Errors met while building are kept and returned by [`Request::send`].
#[must_use = "a request does nothing until it is sent"]
pub struct Request {
    step: &'static str,
    builder: Result<reqwest::RequestBuilder, Error>,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The builder holds headers, which may hold credentials: show only the step.
        f.debug_struct("Request")
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

impl Request {
    fn map(mut self, f: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder) -> Self {
        self.builder = self.builder.map(f);
        self
    }

    /// Authenticates with HTTP Basic credentials when there are any.
    pub fn basic_auth(self, auth: Option<&BasicAuth>) -> Self {
        match auth {
            Some(auth) => self.map(|b| b.basic_auth(auth.username(), Some(auth.password()))),
            None => self,
        }
    }

    /// Authenticates with HTTP Basic credentials, which the operation requires: without them the
    /// request fails with [`Error::MissingCredentials`] before anything is sent.
    pub fn require_basic_auth(
        self,
        auth: Option<&BasicAuth>,
        scheme: &'static str,
        setter: &'static str,
    ) -> Self {
        match auth {
            Some(_) => self.basic_auth(auth),
            None => {
                let step = self.step;
                Self {
                    step,
                    builder: Err(Error::MissingCredentials {
                        step,
                        scheme,
                        setter,
                    }),
                }
            }
        }
    }

    /// Sends `body` as `application/json`.
    pub fn json(self, body: &serde_json::Value) -> Self {
        self.map(|b| b.json(body))
    }

    /// Sends the request and reads the whole response.
    ///
    /// # Errors
    /// Any error kept while building the request, or [`Error::Transport`] when the request cannot
    /// be sent or the response cannot be read. An HTTP error status is *not* an error here: the
    /// step's success criteria decide.
    pub async fn send(self) -> Result<Response, Error> {
        let step = self.step;
        let transport = |source| Error::Transport { step, source };
        let response = self.builder?.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let url = response.url().to_string();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(transport)?;
        Ok(Response {
            step,
            status,
            url,
            headers,
            body: Body::from_bytes(&bytes),
        })
    }
}

/// The response to one step's request, read whole.
pub struct Response {
    step: &'static str,
    status: u16,
    url: String,
    headers: reqwest::header::HeaderMap,
    body: Body,
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
    /// The HTTP status code (`$statusCode`).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The URL the request was sent to (`$url`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The value at a JSON pointer into the body, if the body is JSON and has one there
    /// (`$response.body#<pointer>` inside a condition).
    pub fn body_at(&self, pointer: &str) -> Option<&serde_json::Value> {
        self.pointee(pointer)
    }

    /// A response header, by case-insensitive name (`$response.header.<name>`): its first value,
    /// as text (bytes that are not UTF-8 are replaced by U+FFFD).
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
    }

    /// A response header the workflow needs (`$response.header.<name>`).
    ///
    /// # Errors
    /// [`Error::MissingValue`] when the header is absent.
    pub fn header_value(&self, name: &'static str) -> Result<String, Error> {
        self.header(name).ok_or(Error::MissingValue {
            step: self.step,
            status: self.status,
            location: name,
        })
    }

    /// The body.
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// Turns a response whose success criteria did not hold into the step's error.
    pub fn into_failure(self) -> Error {
        Error::Step(Box::new(StepFailure {
            step: self.step,
            status: self.status,
            body: self.body,
        }))
    }

    fn pointee(&self, pointer: &str) -> Option<&serde_json::Value> {
        self.body.as_json()?.pointer(pointer)
    }

    /// The value at a JSON pointer into the body (`$response.body#<pointer>`), which must be
    /// there and must have the type `T`.
    ///
    /// # Errors
    /// [`Error::MissingValue`] when the body is not JSON or has nothing at `pointer`;
    /// [`Error::WrongType`] when the value there does not deserialize as `T`.
    pub fn body_value<T: DeserializeOwned>(&self, pointer: &'static str) -> Result<T, Error> {
        match self.body_value_opt(pointer)? {
            Some(value) => Ok(value),
            None => Err(Error::MissingValue {
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
        match self.pointee(pointer) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(value) => T::deserialize(value)
                .map(Some)
                .map_err(|source| Error::WrongType {
                    step: self.step,
                    status: self.status,
                    location: pointer,
                    source,
                }),
        }
    }
}
