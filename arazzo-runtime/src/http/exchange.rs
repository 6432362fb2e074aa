//! Sending one step's request: within the step's timeout, with the token of its bearer scheme
//! (once more with a new token after a 401), and reading the response.

use super::redirect::Exchange;
use super::request::Request;
use super::response::{Response, read};
use crate::{Error, Secret};

impl Request {
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
                    span.record("status", response.status());
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
pub(super) fn transport(step: &'static str, mut source: reqwest::Error) -> Error {
    if let Some(url) = source.url_mut() {
        url.set_query(None);
    }
    Error::Transport { step, source }
}
