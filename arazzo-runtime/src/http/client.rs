//! The HTTP client a generated `Client` holds, and the start of each step's request.

use std::fmt;
use std::sync::Arc;

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
        let built = default_headers(settings)
            .map_err(Unusable::Setting)
            .and_then(|headers| {
                let client = own_client(settings).map_err(|e| Unusable::Client(Arc::new(e)))?;
                Ok((client, headers))
            });
        let (inner, default_headers) = match built {
            Ok((client, headers)) => (Ok(client), Arc::new(headers)),
            Err(unusable) => (Err(unusable), Arc::default()),
        };
        Self {
            inner,
            max_response_bytes: settings.max_response_bytes,
            redirects: settings.redirects,
            default_headers,
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
        let builder = self.builder(step, &method, &url, path);
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
            default_headers: Arc::clone(&self.default_headers),
        }))
    }

    /// The reqwest request of a step to `url`, which ends with the operation's `path`; or why
    /// there is none.
    fn builder(
        &self,
        step: &'static str,
        method: &Method,
        url: &str,
        path: &str,
    ) -> Result<reqwest::RequestBuilder, Error> {
        let client = match &self.inner {
            Ok(client) => client,
            Err(Unusable::Client(error)) => return Err(Error::Client(Arc::clone(error))),
            Err(Unusable::Setting(message)) => return Err(Error::Setting(message.clone())),
        };
        let parsed = reqwest::Url::parse(url).map_err(|reason| Error::InvalidUrl {
            step,
            url: url.to_owned(),
            reason: reason.to_string(),
        })?;
        let operation_path = path.split('?').next().unwrap_or("");
        if !parsed.path().ends_with(operation_path) {
            // Defence in depth: the URL parser resolved a dot-segment or the like.
            let base_url = &url[..url.len() - path.len()];
            return Err(Error::InvalidUrl {
                step,
                url: format!("{base_url}{operation_path}"),
                reason: "the URL parser changed the operation's path".to_owned(),
            });
        }
        Ok(client.request(method.clone(), parsed))
    }
}

impl Default for HttpClient {
    fn default() -> Self {
        Self::new()
    }
}

/// The runtime's own `reqwest::Client`: these timeouts and `User-Agent`; it follows no redirect
/// (the runtime follows them, see [`Exchange::send`](super::redirect::Exchange::send): reqwest
/// would send API-key and default headers to another origin).
fn own_client(settings: &HttpSettings) -> Result<reqwest::Client, reqwest::Error> {
    let mut builder = reqwest::Client::builder()
        .user_agent(settings.user_agent.as_str())
        .redirect(reqwest::redirect::Policy::none());
    if let Some(timeout) = settings.timeout {
        builder = builder.timeout(timeout);
    }
    if let Some(timeout) = settings.connect_timeout {
        builder = builder.connect_timeout(timeout);
    }
    builder.build()
}

/// The default headers of `settings`, each marked sensitive (they often carry keys: never
/// logged, never indexed by HTTP/2), or why one is not valid in HTTP.
fn default_headers(settings: &HttpSettings) -> Result<reqwest::header::HeaderMap, String> {
    let mut headers = reqwest::header::HeaderMap::new();
    for (name, value) in &settings.headers {
        let Ok(header) = reqwest::header::HeaderName::from_bytes(name.as_bytes()) else {
            return Err(format!(
                "the default header name `{name}` is not valid in HTTP"
            ));
        };
        let Ok(mut value) = reqwest::header::HeaderValue::from_str(value) else {
            return Err(format!(
                "the value of the default header `{name}` is not valid in HTTP"
            ));
        };
        value.set_sensitive(true);
        headers.append(header, value);
    }
    Ok(headers)
}
