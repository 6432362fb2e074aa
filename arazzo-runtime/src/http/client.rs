//! The HTTP client a generated `Client` holds, and the start of each step's request.

use std::fmt;
use std::sync::Arc;

use super::redirect::same_origin_policy;
use super::request::{Request, RequestState};
use super::{HttpSettings, Method};
use crate::{Error, Secret};

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
