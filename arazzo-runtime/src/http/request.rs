//! Building one step's request: parameters, credentials and the body.

use std::fmt;
use std::sync::Arc;

use super::Method;
use crate::params::{QueryStyle, field, query_pairs, simple};
use crate::{BasicAuth, Bearer, Error, Secret};

/// Characters escaped in a cookie value: controls, space, `"`, `,`, `;`, `\\` and `%`.
const COOKIE_VALUE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b',')
    .add(b';')
    .add(b'\\')
    .add(b'%');

/// The fields of a form or multipart body: an object's members, arrays as repeated fields.
fn fields(
    step: &'static str,
    body: &serde_json::Value,
    content_type: &str,
) -> Result<Vec<(String, String)>, Error> {
    let serde_json::Value::Object(members) = body else {
        return Err(Error::Body {
            step,
            message: format!("a `{content_type}` body must be an object, not `{body}`"),
        });
    };
    Ok(members
        .iter()
        .flat_map(|(name, value)| match value {
            serde_json::Value::Array(items) => items
                .iter()
                .map(|item| (name.clone(), field(item)))
                .collect(),
            other => vec![(name.clone(), field(other))],
        })
        .collect())
}

/// One request being built. Errors met while building are kept and returned by [`Request::send`].
///
/// Called by generated code; not part of the public API.
#[doc(hidden)]
#[must_use = "a request does nothing until it is sent"]
pub struct Request(pub(super) Box<RequestState>);

/// What a [`Request`] holds: behind one `Box`, so that each builder call moves a pointer, not a
/// dozen fields.
pub(super) struct RequestState {
    pub(super) step: &'static str,
    pub(super) method: Method,
    /// The URL as the step wrote it: the base URL, then the operation's path from `path_at`
    /// (kept rather than copied: reqwest has its own parsed copy).
    pub(super) url: String,
    pub(super) path_at: usize,
    /// The `operationId`, when the step names one.
    pub(super) operation: Option<&'static str>,
    /// Which try of the step this is: 1, then 2 after a `retry`, ….
    pub(super) attempt: u32,
    /// The step's `timeout` in milliseconds: the bound on [`Request::send`], body included.
    pub(super) timeout: Option<u64>,
    pub(super) builder: Result<reqwest::RequestBuilder, Error>,
    /// `name=value` pairs for the `Cookie` header, sent together.
    pub(super) cookies: Vec<String>,
    /// The whole query string (OpenAPI 3.2 `in: querystring`), already encoded.
    pub(super) query_string: Option<String>,
    /// The scheme name and the token credentials, resolved when the request is sent.
    pub(super) bearer: Option<(&'static str, Bearer)>,
    /// Headers that carry credentials (API keys), taken off when redirected to another origin.
    pub(super) credential_headers: Vec<reqwest::header::HeaderName>,
    pub(super) max_response_bytes: u64,
    pub(super) redirects: usize,
    pub(super) default_headers: Arc<reqwest::header::HeaderMap>,
}

impl RequestState {
    /// The operation's path as the step wrote it, without the base URL.
    pub(super) fn path(&self) -> &str {
        &self.url[self.path_at..]
    }
}

/// Where an API key goes.
///
/// Called by generated code; not part of the public API.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiKeyIn {
    /// A request header.
    Header,
    /// A query parameter.
    Query,
    /// A cookie.
    Cookie,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The builder holds headers, which may hold credentials: show only the step.
        f.debug_struct("Request")
            .field("step", &self.0.step)
            .field("method", &self.0.method)
            .field("path", &self.0.path())
            .field("operation", &self.0.operation)
            .field("attempt", &self.0.attempt)
            .finish_non_exhaustive()
    }
}

impl Request {
    pub(crate) fn map(
        mut self,
        f: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Self {
        self.0.builder = self.0.builder.map(f);
        self
    }

    /// Names the operation the step calls (its `operationId`), for tracing.
    pub fn operation(mut self, operation_id: &'static str) -> Self {
        self.0.operation = Some(operation_id);
        self
    }

    /// Says which try of the step this is (1 for the first, 2 after one `retry`, …), for
    /// tracing.
    pub fn attempt(mut self, attempt: u32) -> Self {
        self.0.attempt = attempt;
        self
    }

    /// Bounds this try of the step (Arazzo 1.1 `timeout`): [`Request::send`] gives up after
    /// `milliseconds`, with [`Error::Timeout`], whether it is waiting for a token, the headers or
    /// the rest of the body. The client's own timeouts still apply.
    pub fn timeout(mut self, milliseconds: u64) -> Self {
        self.0.timeout = Some(milliseconds);
        self
    }

    /// Sends `query` (already encoded, see [`form_query`](crate::form_query) and
    /// [`component_query`](crate::component_query)) as the whole query string of the URL
    /// (OpenAPI 3.2 `in: querystring`); an API key in the query follows it.
    pub fn query_string(mut self, query: String) -> Self {
        self.0.query_string = Some(query);
        self
    }

    /// Authenticates with HTTP Basic credentials when there are any.
    pub fn basic_auth(self, auth: Option<&BasicAuth>) -> Self {
        match auth {
            // Encoded once, when the credentials were made; a clone shares the bytes.
            Some(auth) => match auth.header() {
                Some(header) => {
                    let header = header.clone();
                    self.map(|b| b.header(reqwest::header::AUTHORIZATION, header))
                }
                None => self.map(|b| b.basic_auth(auth.username(), Some(auth.password()))),
            },
            None => self,
        }
    }

    pub(crate) fn step(&self) -> &'static str {
        self.0.step
    }

    pub(crate) fn fail(mut self, error: Error) -> Self {
        if self.0.builder.is_ok() {
            self.0.builder = Err(error);
        }
        self
    }

    /// Fails the request with [`Error::MissingCredentials`] before anything is sent when the
    /// operation requires credentials (`present` is false) that the client lacks.
    pub fn require_credentials(
        self,
        present: bool,
        scheme: &'static str,
        setter: &'static str,
    ) -> Self {
        if present {
            return self;
        }
        let step = self.0.step;
        self.fail(Error::MissingCredentials {
            step,
            scheme,
            setter,
        })
    }

    /// Authenticates with a bearer token (`Authorization: Bearer …`) when there is one.
    pub fn bearer_auth(self, token: Option<&Secret>) -> Self {
        match token {
            Some(token) => self.map(|b| b.bearer_auth(token.expose())),
            None => self,
        }
    }

    /// Authenticates with the token of a bearer, OAuth 2 or OpenID Connect scheme, fetched
    /// (from its source, or from the token endpoint) when the request is sent.
    pub fn bearer(mut self, scheme: &'static str, credentials: Option<&Bearer>) -> Self {
        if let Some(credentials) = credentials {
            self.0.bearer = Some((scheme, credentials.clone()));
        }
        self
    }

    /// Sends an API key in a header, a query parameter or a cookie, when there is one.
    pub fn api_key(mut self, location: ApiKeyIn, name: &str, key: Option<&Secret>) -> Self {
        let Some(key) = key else { return self };
        let value = serde_json::Value::String(key.expose().to_owned());
        match location {
            ApiKeyIn::Header => {
                if let Ok(header) = reqwest::header::HeaderName::from_bytes(name.as_bytes()) {
                    self.0.credential_headers.push(header);
                }
                self.header(name, &value)
            }
            ApiKeyIn::Query => self.query(name, &value, QueryStyle::Form),
            ApiKeyIn::Cookie => self.cookie(name, &value),
        }
    }

    /// Adds a query parameter, serialized in the given style.
    pub fn query(self, name: &str, value: &serde_json::Value, style: QueryStyle) -> Self {
        let pairs = query_pairs(name, value, style);
        self.map(|b| b.query(&pairs))
    }

    /// Adds a header (`simple` style for arrays and objects). A value with a line break or
    /// another character a header cannot hold fails the step with
    /// [`Error::UnsafeParameter`]: it cannot add a header of its own.
    pub fn header(self, name: &str, value: &serde_json::Value) -> Self {
        let step = self.0.step;
        let name_ = reqwest::header::HeaderName::from_bytes(name.as_bytes());
        let value_ = reqwest::header::HeaderValue::from_str(&simple(value));
        match (name_, value_) {
            (Ok(name), Ok(mut value)) => {
                if self.0.credential_headers.contains(&name) {
                    value.set_sensitive(true);
                }
                self.map(|b| b.header(name, value))
            }
            (Err(_), _) => self.fail(Error::Body {
                step,
                message: format!("`{name}` is not a valid header name"),
            }),
            (Ok(_), Err(_)) => self.fail(Error::UnsafeParameter {
                step,
                location: "header",
                parameter: name.to_owned(),
                reason: "has a line break or another character a header value cannot hold",
            }),
        }
    }

    /// Adds a cookie; all of a request's cookies go in one `Cookie` header.
    pub fn cookie(mut self, name: &str, value: &serde_json::Value) -> Self {
        let text = simple(value);
        let encoded = percent_encoding::utf8_percent_encode(&text, COOKIE_VALUE).to_string();
        self.0.cookies.push(format!("{name}={encoded}"));
        self
    }

    /// Sends `body` as `application/x-www-form-urlencoded`: an object's members as fields (an
    /// array member as repeated fields; other values as their JSON text).
    pub fn form(self, body: &serde_json::Value) -> Self {
        match fields(self.0.step, body, "application/x-www-form-urlencoded") {
            Ok(pairs) => self.map(|b| b.form(&pairs)),
            Err(error) => self.fail(error),
        }
    }

    /// Sends `body` as `multipart/form-data`: an object's members as text parts.
    pub fn multipart(self, body: &serde_json::Value) -> Self {
        match fields(self.0.step, body, "multipart/form-data") {
            Ok(pairs) => {
                let form = pairs
                    .into_iter()
                    .fold(reqwest::multipart::Form::new(), |form, (name, value)| {
                        form.text(name, value)
                    });
                self.map(|b| b.multipart(form))
            }
            Err(error) => self.fail(error),
        }
    }

    /// Sends `body` as it is, with the given content type (`text/plain`, `application/xml`, …).
    pub fn raw(self, content_type: &str, body: String) -> Self {
        let content_type = content_type.to_owned();
        self.map(|b| {
            b.header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body)
        })
    }

    /// Sends `body` as JSON under a JSON media type other than `application/json`
    /// (`application/merge-patch+json`, …).
    pub fn json_as(self, content_type: &str, body: &serde_json::Value) -> Self {
        let step = self.0.step;
        match serde_json::to_vec(body) {
            // Not `RequestBuilder::json`, which would add a second `Content-Type`.
            Ok(bytes) => {
                let content_type = content_type.to_owned();
                self.map(|b| {
                    b.header(reqwest::header::CONTENT_TYPE, content_type)
                        .body(bytes)
                })
            }
            Err(source) => self.fail(Error::Encode { step, source }),
        }
    }

    /// Sends `body` as `application/json`.
    pub fn json(self, body: &serde_json::Value) -> Self {
        self.map(|b| b.json(body))
    }
}
