//! Sending one step's request: within the step's timeout, with the token of its bearer scheme
//! (once more with a new token after a 401), and reading the response.

use super::redirect::Exchange;
use super::request::{Request, RequestState};
use super::response::{Response, read};
use crate::{Bearer, Error, Secret};

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

    /// Sends the request, with its token if it has one, and reads the response.
    async fn send_inner(self) -> Result<Response, Error> {
        let RequestState {
            step,
            builder,
            query_string,
            cookies,
            bearer,
            credential_headers,
            max_response_bytes,
            redirects,
            default_headers,
            ..
        } = *self.0;
        let (client, request) = builder?.build_split();
        let mut request = request.map_err(|source| transport(step, source))?;
        complete(
            &mut request,
            query_string.as_deref(),
            &cookies,
            &default_headers,
        );
        let exchange = Exchange {
            step,
            client: &client,
            redirects,
            credential_headers: &credential_headers,
            default_headers: &default_headers,
        };
        let response = match &bearer {
            None => exchange.send(request).await?,
            Some((scheme, bearer)) => send_with_token(&exchange, request, scheme, bearer).await?,
        };
        read(step, response, max_response_bytes).await
    }
}

/// Adds to a built request what the builder could not: the whole query string, the cookies
/// (in one header) and the default headers the step does not set.
fn complete(
    request: &mut reqwest::Request,
    query_string: Option<&str>,
    cookies: &[String],
    default_headers: &reqwest::header::HeaderMap,
) {
    if let Some(query) = query_string {
        crate::querystring::set(request.url_mut(), query);
    }
    let headers = request.headers_mut();
    if !cookies.is_empty()
        && let Ok(mut cookies) = reqwest::header::HeaderValue::from_str(&cookies.join("; "))
    {
        cookies.set_sensitive(true);
        headers.insert(reqwest::header::COOKIE, cookies);
    }
    for name in default_headers.keys() {
        if !headers.contains_key(name) {
            for value in default_headers.get_all(name) {
                headers.append(name.clone(), value.clone());
            }
        }
    }
}

/// Sends `request` with the token of the bearer scheme `scheme`, fetched first; when the token
/// is refused (401) and a new one may be fetched, once more with the new token.
async fn send_with_token(
    exchange: &Exchange<'_>,
    mut request: reqwest::Request,
    scheme: &'static str,
    bearer: &Bearer,
) -> Result<reqwest::Response, Error> {
    let token_error = |error: crate::TokenError| Error::Token {
        step: exchange.step,
        scheme,
        status: error.status(),
        message: error.message().to_owned(),
    };
    let token = bearer.token().await.map_err(token_error)?;
    authorize(&mut request, &token);
    // Kept to send once more with a new token if this one is rejected.
    let again = match bearer.may_refresh() {
        true => request.try_clone(),
        false => None,
    };
    let response = exchange.send(request).await?;
    if response.status() == reqwest::StatusCode::UNAUTHORIZED
        && let Some(mut again) = again
        && bearer.rejected(&token)
    {
        drop(response);
        let token = bearer.token().await.map_err(token_error)?;
        authorize(&mut again, &token);
        return exchange.send(again).await;
    }
    Ok(response)
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
