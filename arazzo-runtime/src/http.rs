use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::params::{QueryStyle, field, query_pairs, simple};
use crate::{BasicAuth, Bearer, Body, Error, Secret, StepFailure};

pub use reqwest::Method;

/// The `User-Agent` sent when the caller does not bring their own `reqwest::Client`.
const USER_AGENT: &str = concat!("arazzo-runtime/", env!("CARGO_PKG_VERSION"));

/// The HTTP client a generated `Client` sends its requests with.
///
/// Cheap to clone (it shares one connection pool). Building the default `reqwest::Client` can
/// fail only when its TLS backend cannot start; that failure is kept and reported as
/// [`Error::Client`] by the first request, so that constructing a generated client never panics.
#[derive(Clone)]
pub struct HttpClient {
    inner: Result<reqwest::Client, Unusable>,
    /// The largest response body read, in bytes.
    max_response_bytes: u64,
    /// How many redirects are followed; 0 returns a 3xx as the response.
    redirects: usize,
    /// Whether `inner` is the runtime's own client, whose policy follows same-origin
    /// redirects (not a caller's).
    follows_same_origin: bool,
    /// Sent with every request whose step does not set a header of the same name; taken off
    /// a request redirected to another origin.
    default_headers: Arc<reqwest::header::HeaderMap>,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `reqwest::Client`'s own `Debug` lists its default headers, values included.
        let state = match &self.inner {
            Ok(_) => "ready",
            Err(Unusable::Client(_)) => "unusable: the HTTP client could not be built",
            Err(Unusable::Setting(_)) => "unusable: an invalid setting",
        };
        f.debug_struct("HttpClient")
            .field("state", &state)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("redirects", &self.redirects)
            .finish_non_exhaustive()
    }
}

/// Why a generated client cannot send requests; reported by each request.
#[derive(Clone, Debug)]
enum Unusable {
    Client(Arc<reqwest::Error>),
    Setting(String),
}

/// How a generated client's own `reqwest::Client` is built: timeouts, `User-Agent` and default
/// headers. Its `Debug` shows the names of default headers, never their values.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpSettings {
    /// The longest one request may take, from connecting until its response body has been
    /// read; `None` waits for ever. Default: 30 seconds.
    pub timeout: Option<Duration>,
    /// The longest connecting may take. Default: 10 seconds.
    pub connect_timeout: Option<Duration>,
    /// The `User-Agent` header. Default: `arazzo-runtime/<version>`.
    pub user_agent: String,
    /// Headers sent with every request (name, value), before the step's own headers and
    /// credentials, which replace a default header of the same name. Default: none.
    pub headers: Vec<(String, String)>,
    /// The largest response body read, in bytes; a larger one fails the step with
    /// [`Error::ResponseTooLarge`]. Default: 32 MiB.
    pub max_response_bytes: u64,
    /// How many redirects one request follows (0: none, a 3xx is the step's response).
    /// Default: 10, as reqwest.
    pub redirects: usize,
}

impl fmt::Debug for HttpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("HttpSettings")
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .field("headers", &names)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("redirects", &self.redirects)
            .finish()
    }
}

impl HttpSettings {
    /// The default request timeout.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
    /// The default connect timeout.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// The default limit of a response body: 32 MiB.
    pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;
    /// The default number of redirects followed (reqwest's).
    pub const DEFAULT_REDIRECTS: usize = 10;
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            timeout: Some(Self::DEFAULT_TIMEOUT),
            connect_timeout: Some(Self::DEFAULT_CONNECT_TIMEOUT),
            user_agent: USER_AGENT.to_owned(),
            headers: Vec::new(),
            max_response_bytes: Self::DEFAULT_MAX_RESPONSE_BYTES,
            redirects: Self::DEFAULT_REDIRECTS,
        }
    }
}

impl HttpClient {
    /// A client with the default [`HttpSettings`].
    pub fn new() -> Self {
        Self::with_settings(&HttpSettings::default())
    }

    /// A client with these timeouts, `User-Agent`, default headers and limits.
    pub fn with_settings(settings: &HttpSettings) -> Self {
        // reqwest follows redirects to the same origin only; those to another origin are
        // followed by `Exchange::send`, without the credentials (reqwest would keep API-key and
        // default headers).
        let mut builder = reqwest::Client::builder()
            .user_agent(settings.user_agent.as_str())
            .redirect(same_origin_policy());
        if let Some(timeout) = settings.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(timeout) = settings.connect_timeout {
            builder = builder.connect_timeout(timeout);
        }
        let unusable = |message: String| Self {
            inner: Err(Unusable::Setting(message)),
            max_response_bytes: settings.max_response_bytes,
            redirects: settings.redirects,
            follows_same_origin: true,
            default_headers: Arc::default(),
        };
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in &settings.headers {
            let Ok(header) = reqwest::header::HeaderName::from_bytes(name.as_bytes()) else {
                return unusable(format!(
                    "the default header name `{name}` is not valid in HTTP"
                ));
            };
            let Ok(mut value) = reqwest::header::HeaderValue::from_str(value) else {
                return unusable(format!(
                    "the value of the default header `{name}` is not valid in HTTP"
                ));
            };
            // Default headers often carry keys: never logged, never indexed by HTTP/2.
            value.set_sensitive(true);
            headers.append(header, value);
        }
        let inner = builder.build().map_err(|e| Unusable::Client(Arc::new(e)));
        Self {
            inner,
            max_response_bytes: settings.max_response_bytes,
            redirects: settings.redirects,
            follows_same_origin: true,
            default_headers: Arc::new(headers),
        }
    }

    /// Uses the caller's own `reqwest::Client` (timeouts, proxies, TLS roots, middleware).
    pub fn from_reqwest(client: reqwest::Client) -> Self {
        Self::from_reqwest_with(client, &HttpSettings::default())
    }

    /// Uses the caller's own `reqwest::Client`, with the response limit and redirects of
    /// `settings` (its timeouts, `User-Agent` and headers are the client's own).
    pub fn from_reqwest_with(client: reqwest::Client, settings: &HttpSettings) -> Self {
        Self {
            inner: Ok(client),
            max_response_bytes: settings.max_response_bytes,
            redirects: settings.redirects,
            follows_same_origin: false,
            default_headers: Arc::default(),
        }
    }

    /// POSTs a form (a token request): the status and at most `limit` bytes of the body, or
    /// why nothing came back.
    pub(crate) async fn post_form(
        &self,
        url: &str,
        form: &[(&str, String)],
        basic: Option<(&Secret, &Secret)>,
        limit: u64,
    ) -> Result<(u16, Vec<u8>), String> {
        let client = match &self.inner {
            Ok(client) => client,
            Err(Unusable::Client(error)) => {
                return Err(format!("the HTTP client could not be built: {error}"));
            }
            Err(Unusable::Setting(message)) => return Err(message.clone()),
        };
        let mut request = client
            .post(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(form);
        if let Some((id, secret)) = basic {
            request = request.basic_auth(id.expose(), Some(secret.expose()));
        }
        let unreachable = |error: reqwest::Error| {
            format!(
                "the token endpoint could not be reached: {}",
                crate::error::transport_message(&error.without_url())
            )
        };
        let mut response = request.send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if (bytes.len() + chunk.len()) as u64 > limit {
                return Err(format!(
                    "the token endpoint's answer is larger than {limit} bytes"
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok((status, bytes))
    }

    /// Starts the request of one Arazzo step: `base_url` is the source's base URL and `path` the
    /// operation's path, already expanded and percent-encoded.
    ///
    /// Called by generated code; not part of the public API.
    #[doc(hidden)]
    pub fn request(
        &self,
        step: &'static str,
        method: Method,
        base_url: &str,
        path: &str,
    ) -> Request {
        let url = format!("{}{}", base_url.trim_end_matches('/'), path);
        let builder = match (&self.inner, reqwest::Url::parse(&url)) {
            (Err(Unusable::Client(error)), _) => Err(Error::Client(Arc::clone(error))),
            (Err(Unusable::Setting(message)), _) => Err(Error::Setting(message.clone())),
            (Ok(_), Err(reason)) => Err(Error::InvalidUrl {
                step,
                url: url.clone(),
                reason: reason.to_string(),
            }),
            (Ok(_), Ok(parsed))
                if !parsed
                    .path()
                    .ends_with(path.split('?').next().unwrap_or("")) =>
            {
                // Defence in depth: the URL parser resolved a dot-segment or the like.
                Err(Error::InvalidUrl {
                    step,
                    url: format!(
                        "{}{}",
                        base_url.trim_end_matches('/'),
                        path.split('?').next().unwrap_or("")
                    ),
                    reason: "the URL parser changed the operation's path".to_owned(),
                })
            }
            (Ok(client), Ok(url)) => Ok(client.request(method.clone(), url)),
        };
        Request(Box::new(RequestState {
            step,
            method,
            path_at: url.len() - path.len(),
            url,
            operation: None,
            attempt: 1,
            timeout: None,
            builder,
            cookies: Vec::new(),
            query_string: None,
            bearer: None,
            credential_headers: Vec::new(),
            max_response_bytes: self.max_response_bytes,
            redirects: self.redirects,
            follows_same_origin: self.follows_same_origin,
            default_headers: Arc::clone(&self.default_headers),
        }))
    }
}

impl Default for HttpClient {
    fn default() -> Self {
        Self::new()
    }
}

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
pub struct Request(Box<RequestState>);

/// What a [`Request`] holds: behind one `Box`, so that each builder call moves a pointer, not a
/// dozen fields.
struct RequestState {
    step: &'static str,
    method: Method,
    /// The URL as the step wrote it: the base URL, then the operation's path from `path_at`
    /// (kept rather than copied: reqwest has its own parsed copy).
    url: String,
    path_at: usize,
    /// The `operationId`, when the step names one.
    operation: Option<&'static str>,
    /// Which try of the step this is: 1, then 2 after a `retry`, ….
    attempt: u32,
    /// The step's `timeout` in milliseconds: the bound on [`Request::send`], body included.
    timeout: Option<u64>,
    builder: Result<reqwest::RequestBuilder, Error>,
    /// `name=value` pairs for the `Cookie` header, sent together.
    cookies: Vec<String>,
    /// The whole query string (OpenAPI 3.2 `in: querystring`), already encoded.
    query_string: Option<String>,
    /// The scheme name and the token credentials, resolved when the request is sent.
    bearer: Option<(&'static str, Bearer)>,
    /// Headers that carry credentials (API keys), taken off when redirected to another origin.
    credential_headers: Vec<reqwest::header::HeaderName>,
    max_response_bytes: u64,
    redirects: usize,
    follows_same_origin: bool,
    default_headers: Arc<reqwest::header::HeaderMap>,
}

impl RequestState {
    /// The operation's path as the step wrote it, without the base URL.
    fn path(&self) -> &str {
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

    /// Sends the request and reads the whole response.
    ///
    /// # Errors
    /// Any error kept while building the request, or [`Error::Transport`] when the request cannot
    /// be sent or the response cannot be read. An HTTP error status is *not* an error here: the
    /// step's success criteria decide.
    pub fn send(self) -> impl std::future::Future<Output = Result<Response, Error>> {
        // Not an `async fn`, which would hold the request twice (as its argument and inside the
        // future it awaits).
        #[cfg(feature = "tracing")]
        {
            use tracing::Instrument as _;
            // The path only: a query string may hold an API key.
            let span = tracing::info_span!(
                "arazzo.step",
                step = self.0.step,
                method = self.0.method.as_str(),
                path = self.0.path(),
                operation = self.0.operation,
                attempt = self.0.attempt,
                status = tracing::field::Empty,
                duration_ms = tracing::field::Empty,
            );
            async move {
                let started = std::time::Instant::now();
                let result = self.send_bounded().instrument(span.clone()).await;
                if let Ok(response) = &result {
                    span.record("status", response.status);
                }
                span.record(
                    "duration_ms",
                    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                );
                result
            }
        }
        #[cfg(not(feature = "tracing"))]
        {
            self.send_bounded()
        }
    }

    /// [`Request::send_inner`] within the step's `timeout`, if it has one.
    async fn send_bounded(self) -> Result<Response, Error> {
        let (step, timeout) = (self.0.step, self.0.timeout);
        match timeout {
            None => self.send_inner().await,
            Some(milliseconds) => {
                let bound = std::time::Duration::from_millis(milliseconds);
                // Dropping the future on expiry drops the connection with it.
                tokio::time::timeout(bound, self.send_inner())
                    .await
                    .unwrap_or(Err(Error::Timeout { step, milliseconds }))
            }
        }
    }

    async fn send_inner(self) -> Result<Response, Error> {
        let this = *self.0;
        let step = this.step;
        let builder = this.builder?;
        let (client, request) = builder.build_split();
        let mut request = request.map_err(|source| transport(step, source))?;
        if let Some(query) = &this.query_string {
            crate::querystring::set(request.url_mut(), query);
        }
        let headers = request.headers_mut();
        if !this.cookies.is_empty()
            && let Ok(mut cookies) =
                reqwest::header::HeaderValue::from_str(&this.cookies.join("; "))
        {
            cookies.set_sensitive(true);
            headers.insert(reqwest::header::COOKIE, cookies);
        }
        // Default headers, unless the step sets one of the same name.
        if !this.default_headers.is_empty() {
            let own: Vec<reqwest::header::HeaderName> = headers.keys().cloned().collect();
            for (name, value) in this.default_headers.iter() {
                if !own.contains(name) {
                    headers.append(name.clone(), value.clone());
                }
            }
        }
        let exchange = Exchange {
            step,
            client: &client,
            redirects: this.redirects,
            follows_same_origin: this.follows_same_origin,
            credential_headers: &this.credential_headers,
            default_headers: &this.default_headers,
        };
        let Some((scheme, bearer)) = &this.bearer else {
            let response = exchange.send(request).await?;
            return read(step, response, this.max_response_bytes).await;
        };
        let token_error = |error: crate::TokenError| Error::Token {
            step,
            scheme,
            status: error.status(),
            message: error.message().to_owned(),
        };
        let token = bearer.token().await.map_err(token_error)?;
        authorize(&mut request, &token);
        // Kept to send once more with a new token if this one is rejected.
        let again = if bearer.may_refresh() {
            request.try_clone()
        } else {
            None
        };
        let mut response = exchange.send(request).await?;
        if response.status() == reqwest::StatusCode::UNAUTHORIZED
            && let Some(mut again) = again
            && bearer.rejected(&token)
        {
            drop(response);
            let token = bearer.token().await.map_err(token_error)?;
            authorize(&mut again, &token);
            response = exchange.send(again).await?;
        }
        read(step, response, this.max_response_bytes).await
    }
}

/// Sets a request's `Authorization: Bearer …`, marked sensitive.
fn authorize(request: &mut reqwest::Request, token: &Secret) {
    if let Ok(mut value) =
        reqwest::header::HeaderValue::from_str(&format!("Bearer {}", token.expose()))
    {
        value.set_sensitive(true);
        request
            .headers_mut()
            .insert(reqwest::header::AUTHORIZATION, value);
    }
}

/// `Error::Transport` for a step, without the query string of the URL (an API key may be
/// there).
fn transport(step: &'static str, mut source: reqwest::Error) -> Error {
    if let Some(url) = source.url_mut() {
        url.set_query(None);
    }
    Error::Transport { step, source }
}

tokio::task_local! {
    /// The redirects of the request being sent so far: set by [`Exchange::send`], updated by
    /// the client's redirect policy ([`same_origin_policy`]) for the hops reqwest follows and
    /// by [`Exchange::send`] for the hops it follows itself, so that one limit counts both.
    static FOLLOWING: std::cell::Cell<Following>;
}

/// See [`FOLLOWING`].
#[derive(Clone, Copy)]
struct Following {
    /// How many more redirects may be followed.
    left: usize,
    /// Whether the request was a POST.
    post: bool,
    /// Whether a redirect dropped the body: the request goes on as a GET (a HEAD stays a HEAD).
    dropped: bool,
}

impl Following {
    /// Counts one hop after a redirect with `status`; `false` at the limit.
    fn hop(&mut self, status: reqwest::StatusCode) -> bool {
        if self.left == 0 {
            return false;
        }
        self.left -= 1;
        self.dropped |= drops_body(status, self.post && !self.dropped);
        true
    }
}

/// The redirect policy of the runtime's own `reqwest::Client`: reqwest follows a redirect to
/// the origin (scheme, host and port) the request was sent to, within the limit that
/// [`FOLLOWING`] holds, and stops at any other, which [`Exchange::send`] then follows without
/// the credentials. Outside [`Exchange::send`] (a token request) it follows none.
fn same_origin_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let next = attempt.url();
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| same_origin(first, next));
        if !same_origin {
            return attempt.stop();
        }
        let status = attempt.status();
        let allowed = FOLLOWING.try_with(|following| {
            let mut now = following.get();
            let allowed = now.hop(status);
            following.set(now);
            allowed
        });
        match allowed {
            Ok(true) => attempt.follow(),
            Ok(false) => attempt.error(RedirectLimit),
            Err(_) => attempt.stop(),
        }
    })
}

/// Whether two URLs have the same origin: scheme, host and port.
fn same_origin(a: &reqwest::Url, b: &reqwest::Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// The error of [`same_origin_policy`] at the limit; it becomes [`Error::TooManyRedirects`].
#[derive(Debug)]
struct RedirectLimit;

impl fmt::Display for RedirectLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("too many redirects")
    }
}

impl std::error::Error for RedirectLimit {}

/// Whether reqwest failed at [`RedirectLimit`] (not at the limit of a caller's own policy).
fn at_limit(error: &reqwest::Error) -> bool {
    let mut cause = std::error::Error::source(error);
    while let Some(error) = cause {
        if error.is::<RedirectLimit>() {
            return true;
        }
        cause = error.source();
    }
    false
}

/// Sends one step's request, following redirects.
struct Exchange<'a> {
    step: &'static str,
    client: &'a reqwest::Client,
    redirects: usize,
    /// Whether `client` is the runtime's own, whose policy follows same-origin redirects
    /// ([`same_origin_policy`]); a caller's client returns the redirects its policy does not
    /// follow, and all of them are followed here.
    follows_same_origin: bool,
    credential_headers: &'a [reqwest::header::HeaderName],
    default_headers: &'a reqwest::header::HeaderMap,
}

impl Exchange<'_> {
    /// Sends `request`, and follows up to `redirects` redirects (301 and 302 turn a POST into a
    /// GET without a body, 303 anything but a HEAD; 307 and 308 keep the method and the body,
    /// as reqwest and the Fetch standard). A request redirected to another origin (scheme, host
    /// and port) loses every credential: `Authorization`, `Cookie`, `Proxy-Authorization`,
    /// API-key headers and the client's default headers; later hops never get them back.
    ///
    /// With the runtime's own client, reqwest follows the redirects to the same origin (it
    /// keeps what it needs to send the request again anyway), and all that is kept here is
    /// what a hop to another origin needs: the headers that are not credentials (usually none
    /// but `Content-Type`, which allocates nothing) and the body's bytes (shared, not copied).
    async fn send(&self, request: reqwest::Request) -> Result<reqwest::Response, Error> {
        if self.redirects == 0 {
            return self.execute(request).await;
        }
        let following = Following {
            left: self.redirects,
            post: *request.method() == Method::POST,
            dropped: false,
        };
        FOLLOWING
            .scope(std::cell::Cell::new(following), self.follow(request))
            .await
    }

    /// Sends one request (reqwest following the same-origin redirects its policy allows).
    async fn execute(&self, request: reqwest::Request) -> Result<reqwest::Response, Error> {
        self.client.execute(request).await.map_err(|source| {
            if at_limit(&source) {
                Error::TooManyRedirects {
                    step: self.step,
                    limit: self.redirects,
                }
            } else {
                transport(self.step, source)
            }
        })
    }

    /// [`Exchange::send`] within [`FOLLOWING`].
    async fn follow(&self, mut request: reqwest::Request) -> Result<reqwest::Response, Error> {
        let mut hop = if self.follows_same_origin {
            Hop::Elsewhere(Elsewhere::of(&mut request, self))
        } else {
            Hop::Whole {
                spare: request.try_clone(),
                crossed: false,
            }
        };
        let mut response = self.execute(request).await?;
        loop {
            let Some(next) = redirect_target(&response) else {
                return Ok(response);
            };
            let status = response.status();
            let elsewhere = !same_origin(&next, response.url());
            let Some(request) = hop.next(self, status, next, elsewhere)? else {
                return Ok(response);
            };
            drop(response);
            response = self.execute(request).await?;
        }
    }

    /// Takes every credential off a request bound for another origin.
    fn drop_credentials(&self, headers: &mut reqwest::header::HeaderMap) {
        for name in [
            reqwest::header::AUTHORIZATION,
            reqwest::header::COOKIE,
            reqwest::header::PROXY_AUTHORIZATION,
        ] {
            headers.remove(name);
        }
        for name in self.credential_headers {
            headers.remove(name);
        }
        for name in self.default_headers.keys() {
            headers.remove(name);
        }
    }

    /// Whether a header carries a credential (one [`Exchange::drop_credentials`] takes off).
    fn is_credential(&self, name: &reqwest::header::HeaderName) -> bool {
        *name == reqwest::header::AUTHORIZATION
            || *name == reqwest::header::COOKIE
            || *name == reqwest::header::PROXY_AUTHORIZATION
            || self.credential_headers.contains(name)
            || self.default_headers.contains_key(name)
    }

    /// Counts one hop in [`FOLLOWING`]: whether it drops the body, or
    /// [`Error::TooManyRedirects`] at the limit.
    fn count_hop(&self, status: reqwest::StatusCode) -> Result<bool, Error> {
        FOLLOWING.with(|following| {
            let mut now = following.get();
            let allowed = now.hop(status);
            following.set(now);
            match allowed {
                true => Ok(now.dropped),
                false => Err(Error::TooManyRedirects {
                    step: self.step,
                    limit: self.redirects,
                }),
            }
        })
    }
}

/// Where a redirect response sends the request next: `None` for any other response, a
/// redirect without a usable `Location`, or one to a scheme other than HTTP(S).
fn redirect_target(response: &reqwest::Response) -> Option<reqwest::Url> {
    use reqwest::StatusCode;
    if !matches!(
        response.status(),
        StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::SEE_OTHER
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    ) {
        return None;
    }
    response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|location| location.to_str().ok())
        .and_then(|location| response.url().join(location).ok())
        .filter(|next| matches!(next.scheme(), "http" | "https"))
}

/// Whether a redirect with `status` sends the request on without its body, as a GET (a HEAD
/// stays a HEAD): 301 and 302 of a POST (`post`), and every 303.
fn drops_body(status: reqwest::StatusCode, post: bool) -> bool {
    use reqwest::StatusCode;
    match status {
        StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND => post,
        StatusCode::SEE_OTHER => true,
        _ => false,
    }
}

/// The method of a request that lost its body to a redirect.
fn without_body(method: &Method) -> Method {
    match *method == Method::HEAD {
        true => Method::HEAD,
        false => Method::GET,
    }
}

/// The bytes of a body that is not a stream, shared (not copied) with the request, which
/// keeps the same body; `None` for a stream.
///
/// reqwest shares a body only through `Request::try_clone`, which also copies the URL and the
/// headers; a body of bytes gives them up in one frame, at once (`Body::as_bytes` says it is one).
fn share(body: &mut reqwest::Body) -> Option<bytes::Bytes> {
    use http_body::Body as _;
    body.as_bytes()?;
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    let bytes = match std::pin::Pin::new(&mut *body).poll_frame(&mut context) {
        std::task::Poll::Ready(None) => bytes::Bytes::new(),
        std::task::Poll::Ready(Some(Ok(frame))) => frame.into_data().ok()?,
        // Not a body of bytes after all; unreachable while `as_bytes` says it is.
        _ => return None,
    };
    *body = reqwest::Body::from(bytes.clone());
    Some(bytes)
}

/// The headers that describe a body, taken off with it.
const PAYLOAD_HEADERS: [reqwest::header::HeaderName; 4] = [
    reqwest::header::CONTENT_TYPE,
    reqwest::header::CONTENT_LENGTH,
    reqwest::header::CONTENT_ENCODING,
    reqwest::header::TRANSFER_ENCODING,
];

/// What the next hop of a redirect is made from.
enum Hop {
    /// A caller's client, which returns every redirect its own policy does not follow: the
    /// request as last sent (`None`: its body cannot be sent again), and whether a hop went to
    /// another origin (from then on, no credentials).
    Whole {
        spare: Option<reqwest::Request>,
        crossed: bool,
    },
    /// The runtime's own client, whose policy follows the redirects to the same origin: only
    /// hops to another origin are followed here.
    Elsewhere(Elsewhere),
}

impl Hop {
    /// The request of the hop to `next` after a redirect with `status` (`elsewhere`: to
    /// another origin than the response's); `None` when the redirect is the response, or
    /// [`Error::TooManyRedirects`].
    fn next(
        &mut self,
        exchange: &Exchange<'_>,
        status: reqwest::StatusCode,
        next: reqwest::Url,
        elsewhere: bool,
    ) -> Result<Option<reqwest::Request>, Error> {
        match self {
            Self::Whole { spare, crossed } => {
                let Some(mut request) = spare.take() else {
                    return Ok(None);
                };
                exchange.count_hop(status)?;
                if drops_body(status, *request.method() == Method::POST) {
                    *request.method_mut() = without_body(request.method());
                    *request.body_mut() = None;
                    for name in PAYLOAD_HEADERS {
                        request.headers_mut().remove(name);
                    }
                }
                *crossed |= elsewhere;
                if *crossed {
                    exchange.drop_credentials(request.headers_mut());
                }
                *request.url_mut() = next;
                *spare = request.try_clone();
                Ok(Some(request))
            }
            // A redirect to the same origin that reqwest did not follow: its body cannot be
            // sent again.
            Self::Elsewhere(_) if !elsewhere => Ok(None),
            Self::Elsewhere(parts) => {
                let dropped = exchange.count_hop(status)?;
                if !dropped && parts.body.is_err() {
                    return Ok(None);
                }
                Ok(Some(parts.request(next, dropped)))
            }
        }
    }
}

/// What a request needs to be sent to another origin: everything but its credentials.
struct Elsewhere {
    /// The method it was first sent with.
    method: Method,
    version: reqwest::Version,
    /// `Content-Type`, kept apart so that a request with no other header that is not a
    /// credential keeps an empty map, which allocates nothing.
    content_type: Option<reqwest::header::HeaderValue>,
    /// The other headers that are not credentials.
    headers: reqwest::header::HeaderMap,
    /// The body, shared; `Err(())` for a body that cannot be sent again (a stream).
    body: Result<Option<bytes::Bytes>, ()>,
}

impl Elsewhere {
    /// Takes what a hop to another origin needs from `request`, which keeps all it has.
    fn of(request: &mut reqwest::Request, exchange: &Exchange<'_>) -> Self {
        let body = match request.body_mut() {
            None => Ok(None),
            Some(body) => share(body).map(Some).ok_or(()),
        };
        let mut content_type = None;
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in request.headers() {
            if *name == reqwest::header::CONTENT_TYPE {
                content_type = Some(value.clone());
            } else if !exchange.is_credential(name) {
                headers.append(name.clone(), value.clone());
            }
        }
        Self {
            method: request.method().clone(),
            version: request.version(),
            content_type,
            headers,
            body,
        }
    }

    /// The request of a hop to `next`; `dropped`: a redirect so far dropped the body.
    fn request(&self, next: reqwest::Url, dropped: bool) -> reqwest::Request {
        let method = match dropped {
            true => without_body(&self.method),
            false => self.method.clone(),
        };
        let mut request = reqwest::Request::new(method, next);
        *request.version_mut() = self.version;
        *request.headers_mut() = self.headers.clone();
        if dropped {
            for name in PAYLOAD_HEADERS {
                request.headers_mut().remove(name);
            }
        } else {
            if let Some(content_type) = &self.content_type {
                request
                    .headers_mut()
                    .insert(reqwest::header::CONTENT_TYPE, content_type.clone());
            }
            if let Ok(Some(body)) = &self.body {
                *request.body_mut() = Some(reqwest::Body::from(body.clone()));
            }
        }
        request
    }
}

/// Reads a response's body, stopping at `limit` bytes.
async fn read(
    step: &'static str,
    mut response: reqwest::Response,
    limit: u64,
) -> Result<Response, Error> {
    let status = response.status().as_u16();
    let too_large = || Error::ResponseTooLarge {
        step,
        status,
        limit,
    };
    let declared = response.content_length();
    if declared.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    // A body that arrives in one chunk (the usual case) is kept as received; only a body in
    // several chunks is copied together. A copy of a large body cost as much as reading it.
    let mut first: Option<bytes::Bytes> = None;
    let mut joined: Vec<u8> = Vec::new();
    let mut length: u64 = 0;
    while let Some(chunk) = response.chunk().await.map_err(|e| transport(step, e))? {
        length = length.saturating_add(chunk.len() as u64);
        if length > limit {
            // Dropping the response closes its connection: the rest is never read.
            return Err(too_large());
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
    let bytes = match first {
        Some(only) => only,
        None => bytes::Bytes::from(joined),
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
        let wrong_type = |within: String, source: serde_json::Error| match &self.channel {
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
        };
        // Unless the body was parsed already, decode just the value, straight from the bytes.
        if self.body.get().is_none() {
            let members = self
                .members
                .get_or_init(|| crate::stream::Members::of(&self.bytes));
            let read = match members {
                Some(members) => members.read::<T>(&self.bytes, pointer),
                None => crate::stream::read::<T>(&self.bytes, pointer),
            };
            match read {
                crate::stream::Read::Found(value) => return Ok(value),
                crate::stream::Read::Absent => return Ok(None),
                crate::stream::Read::WrongType(within, source) => {
                    return Err(wrong_type(within, source));
                }
                crate::stream::Read::NotJson => {}
            }
        }
        match self.pointee(pointer) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(value) => serde_path_to_error::deserialize(value)
                .map(Some)
                .map_err(|error| {
                    wrong_type(crate::pointer::from_path(error.path()), error.into_inner())
                }),
        }
    }
}
