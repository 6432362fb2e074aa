//! Following redirects. The runtime's own `reqwest::Client` follows none: each hop is sent
//! here and counted in [`Hops`], a value that travels with the request, so that one limit counts
//! every hop and a body dropped by one redirect stays dropped. (A reqwest redirect policy sees
//! URLs only, not the request it follows: it could share that count only through state outside
//! the request, a task-local.) A hop to another origin takes every credential off for good,
//! API-key and default headers included, which reqwest would keep. A caller's client follows
//! what its own policy says, and the redirects it returns are followed here the same way.

use super::Method;
use super::exchange::transport;
use crate::Error;

/// Sends one step's request, following redirects.
pub(super) struct Exchange<'a> {
    pub(super) step: &'static str,
    pub(super) client: &'a reqwest::Client,
    /// How many redirects one request follows (0: none, a 3xx is the step's response).
    pub(super) redirects: usize,
    /// Headers that carry credentials (API keys), beside those HTTP names.
    pub(super) credential_headers: &'a [reqwest::header::HeaderName],
    /// The client's default headers, which may carry keys too.
    pub(super) default_headers: &'a reqwest::header::HeaderMap,
}

impl Exchange<'_> {
    /// Sends `request`, and follows up to `redirects` redirects (301 and 302 turn a POST into a
    /// GET without a body, 303 anything but a HEAD; 307 and 308 keep the method and the body,
    /// as reqwest and the Fetch standard). A request redirected to another origin (scheme, host
    /// and port) loses every credential: `Authorization`, `Cookie`, `Proxy-Authorization`,
    /// API-key headers and the client's default headers; later hops never get them back. A
    /// redirect whose hop needs a body that cannot be sent again (a stream) is the response.
    pub(super) async fn send(
        &self,
        mut request: reqwest::Request,
    ) -> Result<reqwest::Response, Error> {
        if self.redirects == 0 {
            return self.execute(request).await;
        }
        let mut hops = Hops::new(self.redirects, request.method());
        let sent = Sent::of(&mut request);
        let mut response = self.execute(request).await?;
        while let Some(next) = redirect_target(&response) {
            let elsewhere = !same_origin(&next, response.url());
            let hop = hops
                .hop(response.status(), elsewhere, sent.resendable())
                .map_err(|AtLimit| Error::TooManyRedirects {
                    step: self.step,
                    limit: self.redirects,
                })?;
            if !hop {
                break;
            }
            drop(response);
            response = self.execute(sent.request(next, hops, self)).await?;
        }
        Ok(response)
    }

    /// Sends one request.
    async fn execute(&self, request: reqwest::Request) -> Result<reqwest::Response, Error> {
        self.client
            .execute(request)
            .await
            .map_err(|source| transport(self.step, source))
    }

    /// Whether a header carries a credential, which a hop to another origin takes off.
    fn is_credential(&self, name: &reqwest::header::HeaderName) -> bool {
        *name == reqwest::header::AUTHORIZATION
            || *name == reqwest::header::COOKIE
            || *name == reqwest::header::PROXY_AUTHORIZATION
            || self.credential_headers.contains(name)
            || self.default_headers.contains_key(name)
    }
}

/// How far one request's redirects have gone.
#[derive(Clone, Copy, Debug)]
struct Hops {
    /// How many more redirects may be followed.
    left: usize,
    /// Whether the request was first sent as a POST.
    post: bool,
    /// Whether a redirect dropped the body: the request goes on as a GET (a HEAD stays a HEAD).
    dropped: bool,
    /// Whether a redirect went to another origin: from then on, no credentials.
    crossed: bool,
}

/// [`Hops::hop`] at the limit.
#[derive(Debug)]
struct AtLimit;

impl Hops {
    fn new(limit: usize, method: &Method) -> Self {
        Self {
            left: limit,
            post: *method == Method::POST,
            dropped: false,
            crossed: false,
        }
    }

    /// Counts the hop after a redirect with `status` (to another origin: `elsewhere`):
    /// `Ok(false)` when the hop would need the body again and it cannot be sent again
    /// (`resendable` is false), [`AtLimit`] when no hop is left.
    fn hop(
        &mut self,
        status: reqwest::StatusCode,
        elsewhere: bool,
        resendable: bool,
    ) -> Result<bool, AtLimit> {
        let dropped = self.dropped || drops_body(status, self.post);
        if !dropped && !resendable {
            return Ok(false);
        }
        self.left = self.left.checked_sub(1).ok_or(AtLimit)?;
        self.dropped = dropped;
        self.crossed |= elsewhere;
        Ok(true)
    }
}

/// What every hop of a redirect is made from: the request as first sent, but its URL. Its
/// headers are kept in a `Vec` (one allocation, none when there are none) and its body's bytes
/// are shared, not copied.
struct Sent {
    method: Method,
    version: reqwest::Version,
    headers: Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
    /// The body; `Err(())` for a body that cannot be sent again (a stream).
    body: Result<Option<bytes::Bytes>, ()>,
}

impl Sent {
    /// Takes what the hops need from `request`, which keeps all it has.
    fn of(request: &mut reqwest::Request) -> Self {
        let body = match request.body_mut() {
            None => Ok(None),
            Some(body) => share(body).map(Some).ok_or(()),
        };
        Self {
            method: request.method().clone(),
            version: request.version(),
            headers: request
                .headers()
                .iter()
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
            body,
        }
    }

    /// Whether the body can be sent again.
    fn resendable(&self) -> bool {
        self.body.is_ok()
    }

    /// The request of the hop to `next`, after the redirects counted in `hops`.
    fn request(&self, next: reqwest::Url, hops: Hops, exchange: &Exchange<'_>) -> reqwest::Request {
        let method = match hops.dropped {
            true => without_body(&self.method),
            false => self.method.clone(),
        };
        let mut request = reqwest::Request::new(method, next);
        *request.version_mut() = self.version;
        let headers = request.headers_mut();
        for (name, value) in &self.headers {
            let payload = hops.dropped && PAYLOAD_HEADERS.contains(name);
            let credential = hops.crossed && exchange.is_credential(name);
            if !payload && !credential {
                headers.append(name.clone(), value.clone());
            }
        }
        if !hops.dropped
            && let Ok(Some(body)) = &self.body
        {
            *request.body_mut() = Some(reqwest::Body::from(body.clone()));
        }
        request
    }
}

/// Whether two URLs have the same origin: scheme, host and port.
fn same_origin(a: &reqwest::Url, b: &reqwest::Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
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
