//! Tokens for bearer, OAuth 2 and OpenID Connect schemes: a fixed token, a [`TokenSource`] the
//! user implements, or OAuth 2 client credentials fetched, cached and refreshed by the client.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::{HttpClient, Secret};

/// The future a [`TokenSource`] returns.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<Secret, TokenError>> + Send + 'a>>;

/// Where a bearer, OAuth 2 or OpenID Connect scheme gets its token from when it is not fixed:
/// a vault, a token exchange, a sidecar. Pass one to the scheme's `<scheme>_source` setter.
///
/// `token` is called before every request that needs the scheme, concurrently from as many
/// workflows as run at once: keep a cached token and return it quickly.
///
/// ```
/// use arazzo_runtime::{Secret, TokenError, TokenFuture, TokenSource};
///
/// struct FromEnv;
///
/// impl TokenSource for FromEnv {
///     fn token(&self) -> TokenFuture<'_> {
///         Box::pin(async {
///             std::env::var("API_TOKEN")
///                 .map(Secret::new)
///                 .map_err(|_| TokenError::new("API_TOKEN is not set"))
///         })
///     }
/// }
/// ```
pub trait TokenSource: Send + Sync + 'static {
    /// The current token.
    fn token(&self) -> TokenFuture<'_>;

    /// Called when a server answered 401 to a request sent with `token`. Return true when a
    /// new call of [`token`](Self::token) may give a different token (the cached one was
    /// dropped): the request is then sent once more with it. The default returns false.
    fn rejected(&self, token: &Secret) -> bool {
        let _ = token;
        false
    }
}

/// Why a [`TokenSource`] has no token. Shown in [`crate::Error::Token`]; it must not hold a
/// secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenError {
    status: Option<u16>,
    message: String,
}

impl TokenError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            status: None,
            message: message.into(),
        }
    }

    /// An error of a token endpoint that answered with this HTTP status.
    pub fn with_status(status: u16, message: impl Into<String>) -> Self {
        Self {
            status: Some(status),
            message: message.into(),
        }
    }

    /// The token endpoint's HTTP status, if it answered.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TokenError {}

/// How the client authenticates itself to the token endpoint (RFC 6749, section 2.3.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientAuth {
    /// HTTP Basic with the client id and secret, which every authorization server must accept.
    #[default]
    Basic,
    /// `client_id` and `client_secret` as fields of the form body.
    Body,
}

/// OAuth 2 client credentials (the `clientCredentials` flow): the client id and secret, the
/// token endpoint and the scopes to ask for. `Debug` shows neither the id nor the secret.
#[derive(Clone)]
pub struct ClientCredentials {
    token_url: String,
    client_id: Secret,
    client_secret: Secret,
    scopes: Vec<String>,
    auth: ClientAuth,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("scopes", &self.scopes)
            .field("auth", &self.auth)
            .finish()
    }
}

impl ClientCredentials {
    /// Credentials for the token endpoint `token_url` (absolute, or relative to the source's
    /// base URL), authenticating with HTTP Basic and asking for no particular scope.
    pub fn new(
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Self {
            token_url: token_url.into(),
            client_id: Secret::new(client_id),
            client_secret: Secret::new(client_secret),
            scopes: Vec::new(),
            auth: ClientAuth::Basic,
        }
    }

    /// The scopes to ask for (sent space-separated as `scope`).
    #[must_use]
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// How the client id and secret are sent. Default: [`ClientAuth::Basic`].
    #[must_use]
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.auth = auth;
        self
    }

    /// The token endpoint.
    #[must_use]
    pub fn token_url(mut self, token_url: impl Into<String>) -> Self {
        self.token_url = token_url.into();
        self
    }
}

/// The credentials of a bearer, OAuth 2 or OpenID Connect scheme held by a generated `Client`:
/// a fixed token, a [`TokenSource`], or [`ClientCredentials`]. Cheap to clone; clones share a
/// source and its cached token. `Debug` never shows a token or secret.
///
/// Called by generated code; not part of the public API.
#[doc(hidden)]
#[derive(Clone)]
pub struct Bearer(Kind);

#[derive(Clone)]
enum Kind {
    Fixed(Secret),
    Source(Arc<dyn TokenSource>),
    /// Client credentials not yet bound to the client's HTTP client.
    Unbound(ClientCredentials),
    Fetched(Arc<Fetcher>),
}

impl fmt::Debug for Bearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::Fixed(token) => f.debug_tuple("Bearer").field(token).finish(),
            Kind::Source(_) => f.write_str("Bearer(TokenSource)"),
            Kind::Unbound(credentials) => f.debug_tuple("Bearer").field(credentials).finish(),
            Kind::Fetched(fetcher) => f.debug_tuple("Bearer").field(&fetcher.credentials).finish(),
        }
    }
}

#[doc(hidden)]
impl Bearer {
    pub fn fixed(token: impl Into<String>) -> Self {
        Self(Kind::Fixed(Secret::new(token)))
    }

    pub fn source(source: impl TokenSource) -> Self {
        Self(Kind::Source(Arc::new(source)))
    }

    pub fn shared_source(source: Arc<dyn TokenSource>) -> Self {
        Self(Kind::Source(source))
    }

    pub fn client_credentials(credentials: ClientCredentials) -> Self {
        Self(Kind::Unbound(credentials))
    }

    /// Binds client credentials to the client's HTTP client, resolving a relative token URL
    /// against `base_url`; other kinds are returned as they are.
    pub fn bind(self, http: &HttpClient, base_url: &str) -> Self {
        match self.0 {
            Kind::Unbound(mut credentials) => {
                if !credentials.token_url.contains("://") {
                    credentials.token_url = format!(
                        "{}/{}",
                        base_url.trim_end_matches('/'),
                        credentials.token_url.trim_start_matches('/')
                    );
                }
                Self(Kind::Fetched(Arc::new(Fetcher {
                    credentials,
                    http: http.clone(),
                    cache: Mutex::new(None),
                    refresh: tokio::sync::Mutex::new(()),
                })))
            }
            other => Self(other),
        }
    }

    /// True when a 401 may be answered by fetching a new token.
    pub(crate) fn may_refresh(&self) -> bool {
        matches!(self.0, Kind::Source(_) | Kind::Fetched(_))
    }

    /// The token to send now.
    pub(crate) async fn token(&self) -> Result<Secret, TokenError> {
        match &self.0 {
            Kind::Fixed(token) => Ok(token.clone()),
            Kind::Source(source) => source.token().await,
            Kind::Unbound(_) => Err(TokenError::new(
                "the client credentials were not bound to a client",
            )),
            Kind::Fetched(fetcher) => fetcher.token().await,
        }
    }

    /// A server rejected `token`: true when asking again may give another.
    pub(crate) fn rejected(&self, token: &Secret) -> bool {
        match &self.0 {
            Kind::Source(source) => source.rejected(token),
            Kind::Fetched(fetcher) => fetcher.rejected(token),
            Kind::Fixed(_) | Kind::Unbound(_) => false,
        }
    }
}

/// A token and when to fetch the next one.
struct Cached {
    token: Secret,
    /// `None` when the endpoint gave no `expires_in`: kept until a server rejects it.
    refresh_at: Option<Instant>,
}

impl Cached {
    fn fresh(&self) -> bool {
        self.refresh_at.is_none_or(|at| Instant::now() < at)
    }
}

/// Client credentials bound to an HTTP client, with the token they last got.
struct Fetcher {
    credentials: ClientCredentials,
    http: HttpClient,
    cache: Mutex<Option<Cached>>,
    /// Held while a token is fetched, so that concurrent requests wait for one fetch.
    refresh: tokio::sync::Mutex<()>,
}

/// The most of a token endpoint's response that is read.
const TOKEN_RESPONSE_LIMIT: u64 = 64 * 1024;

/// How long before `expires_in` runs out a token is replaced: a quarter of its lifetime, at
/// most 30 seconds, so that a request started just before expiry does not arrive after it.
fn refresh_margin(lifetime: Duration) -> Duration {
    (lifetime / 4).min(Duration::from_secs(30))
}

impl Fetcher {
    fn cached(&self) -> Option<Secret> {
        let cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache
            .as_ref()
            .filter(|cached| cached.fresh())
            .map(|cached| cached.token.clone())
    }

    async fn token(&self) -> Result<Secret, TokenError> {
        if let Some(token) = self.cached() {
            return Ok(token);
        }
        // One fetch at a time; whoever waited finds the token the fetch before it cached.
        let _guard = self.refresh.lock().await;
        if let Some(token) = self.cached() {
            return Ok(token);
        }
        let started = Instant::now();
        let (token, lifetime) = self.fetch().await?;
        let refresh_at = lifetime.map(|lifetime| started + lifetime - refresh_margin(lifetime));
        *self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Cached {
            token: token.clone(),
            refresh_at,
        });
        Ok(token)
    }

    fn rejected(&self, token: &Secret) -> bool {
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.as_ref().is_some_and(|cached| &cached.token == token) {
            *cache = None;
        }
        true
    }

    /// Asks the token endpoint for a token, and how long it lives.
    async fn fetch(&self) -> Result<(Secret, Option<Duration>), TokenError> {
        let c = &self.credentials;
        let mut form = vec![("grant_type", "client_credentials".to_owned())];
        if !c.scopes.is_empty() {
            form.push(("scope", c.scopes.join(" ")));
        }
        if c.auth == ClientAuth::Body {
            form.push(("client_id", c.client_id.expose().to_owned()));
            form.push(("client_secret", c.client_secret.expose().to_owned()));
        }
        let basic = (c.auth == ClientAuth::Basic).then_some((&c.client_id, &c.client_secret));
        let (status, bytes) = self
            .http
            .post_form(&c.token_url, &form, basic, TOKEN_RESPONSE_LIMIT)
            .await
            .map_err(|message| TokenError::new(self.scrub(message)))?;
        let body: Option<serde_json::Value> = serde_json::from_slice(&bytes).ok();
        if !(200..300).contains(&status) {
            let said = body
                .as_ref()
                .and_then(|body| {
                    let error = body.get("error")?.as_str()?;
                    Some(
                        match body.get("error_description").and_then(|d| d.as_str()) {
                            Some(description) => format!("{error} ({description})"),
                            None => error.to_owned(),
                        },
                    )
                })
                .unwrap_or_else(|| {
                    let text = String::from_utf8_lossy(&bytes);
                    text.chars().take(200).collect()
                });
            return Err(TokenError::with_status(
                status,
                self.scrub(format!("the token endpoint answered HTTP {status}: {said}")),
            ));
        }
        let Some(body) = body else {
            return Err(TokenError::with_status(
                status,
                "the token endpoint's answer is not JSON",
            ));
        };
        let Some(token) = body.get("access_token").and_then(|t| t.as_str()) else {
            return Err(TokenError::with_status(
                status,
                "the token endpoint's answer has no `access_token`",
            ));
        };
        let lifetime = match body.get("expires_in") {
            Some(serde_json::Value::Number(n)) => n.as_f64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
        .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
        .map(|seconds| Duration::from_secs_f64(seconds.min(365.0 * 86_400.0)));
        Ok((Secret::new(token), lifetime))
    }

    /// A message with the client secret and id taken out, should the endpoint echo them.
    fn scrub(&self, message: String) -> String {
        let mut message = message;
        for secret in [&self.credentials.client_secret, &self.credentials.client_id] {
            if !secret.expose().is_empty() {
                message = message.replace(secret.expose(), "[redacted]");
            }
        }
        message
    }
}
