//! Following redirects: reqwest follows those to the same origin, the runtime those to another,
//! without the credentials; one limit counts both.

use std::fmt;

use super::Method;
use super::exchange::transport;
use crate::Error;

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
pub(super) fn same_origin_policy() -> reqwest::redirect::Policy {
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
pub(super) struct Exchange<'a> {
    pub(super) step: &'static str,
    pub(super) client: &'a reqwest::Client,
    pub(super) redirects: usize,
    /// Whether `client` is the runtime's own, whose policy follows same-origin redirects
    /// ([`same_origin_policy`]); a caller's client returns the redirects its policy does not
    /// follow, and all of them are followed here.
    pub(super) follows_same_origin: bool,
    pub(super) credential_headers: &'a [reqwest::header::HeaderName],
    pub(super) default_headers: &'a reqwest::header::HeaderMap,
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
    pub(super) async fn send(&self, request: reqwest::Request) -> Result<reqwest::Response, Error> {
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
