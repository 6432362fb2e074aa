//! The HTTP part of every generated `ClientBuilder`, written once: the settings it holds
//! ([`ClientSettings`]) and the methods that set them ([`http_builder_methods!`]).

use std::time::Duration;

use crate::{HttpClient, HttpSettings};

/// The HTTP settings a generated `ClientBuilder` collects: timeouts, `User-Agent` and default
/// headers for the client it builds, or the caller's own `reqwest::Client`.
///
/// Called by generated code; not part of the public API.
#[doc(hidden)]
#[derive(Clone, Debug, Default)]
pub struct ClientSettings {
    http: HttpSettings,
    reqwest_client: Option<reqwest::Client>,
}

#[doc(hidden)]
impl ClientSettings {
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.http.timeout = timeout;
    }

    pub fn set_connect_timeout(&mut self, timeout: Duration) {
        self.http.connect_timeout = Some(timeout);
    }

    pub fn set_user_agent(&mut self, user_agent: String) {
        self.http.user_agent = user_agent;
    }

    pub fn add_header(&mut self, name: String, value: String) {
        self.http.headers.push((name, value));
    }

    pub fn set_max_response_bytes(&mut self, limit: u64) {
        self.http.max_response_bytes = limit;
    }

    pub fn set_redirects(&mut self, redirects: usize) {
        self.http.redirects = redirects;
    }

    pub fn set_reqwest_client(&mut self, client: reqwest::Client) {
        self.reqwest_client = Some(client);
    }

    /// The caller's `reqwest::Client` if there is one, else one built with these settings.
    pub fn build_http(self) -> HttpClient {
        match self.reqwest_client {
            Some(client) => HttpClient::from_reqwest_with(client, &self.http),
            None => HttpClient::with_settings(&self.http),
        }
    }
}

/// The HTTP methods of a generated `ClientBuilder` (`timeout`, `no_timeout`, `connect_timeout`,
/// `user_agent`, `default_header`, `reqwest_client`), expanded inside its `impl` block; the
/// argument is the builder's field of type [`ClientSettings`].
///
/// Called by generated code; not part of the public API.
#[doc(hidden)]
#[macro_export]
macro_rules! http_builder_methods {
    ($settings:ident) => {
        /// The longest one request may take, from connecting until its response has been
        /// read; a request that takes longer fails with `Error::Transport`. Default: 30
        /// seconds.
        #[must_use]
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$settings
                .set_timeout(::std::option::Option::Some(timeout));
            self
        }

        /// Requests may take as long as they take (no [`timeout`](Self::timeout)).
        #[must_use]
        pub fn no_timeout(mut self) -> Self {
            self.$settings.set_timeout(::std::option::Option::None);
            self
        }

        /// The longest connecting to a server may take. Default: 10 seconds.
        #[must_use]
        pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$settings.set_connect_timeout(timeout);
            self
        }

        /// The `User-Agent` header of every request. Default: `arazzo-runtime/<version>`.
        /// A value that is not a valid header makes every request fail with `Error::Client`.
        #[must_use]
        pub fn user_agent(
            mut self,
            user_agent: impl ::std::convert::Into<::std::string::String>,
        ) -> Self {
            self.$settings.set_user_agent(user_agent.into());
            self
        }

        /// Sends this header with every request (a tenant id, a tracing header). A step's
        /// own header or credential of the same name replaces it. A name or value that is
        /// not valid in HTTP makes every request fail with `Error::Setting`.
        #[must_use]
        pub fn default_header(
            mut self,
            name: impl ::std::convert::Into<::std::string::String>,
            value: impl ::std::convert::Into<::std::string::String>,
        ) -> Self {
            self.$settings.add_header(name.into(), value.into());
            self
        }

        /// The largest response body a step reads, in bytes. A response whose
        /// `Content-Length` is larger, or whose body grows larger while it is read, fails
        /// the step with `Error::ResponseTooLarge` and reading stops there. Default: 32 MiB,
        /// far above any JSON API answer and small enough that a misbehaving server cannot
        /// exhaust a service's memory.
        #[must_use]
        pub fn max_response_bytes(mut self, limit: u64) -> Self {
            self.$settings.set_max_response_bytes(limit);
            self
        }

        /// Follows at most `redirects` redirects per request (more fail the step with
        /// `Error::TooManyRedirects`). Default: 10, as reqwest. A redirect to another
        /// origin (scheme, host or port) is followed without any credential: no
        /// `Authorization`, no cookies, no API-key headers, no default headers.
        #[must_use]
        pub fn redirects(mut self, redirects: usize) -> Self {
            self.$settings.set_redirects(redirects);
            self
        }

        /// Follows no redirect: a 3xx response is the step's response, which its success
        /// criteria and outputs read (`$statusCode`, `$response.header.Location`).
        #[must_use]
        pub fn no_redirects(mut self) -> Self {
            self.$settings.set_redirects(0);
            self
        }

        /// Sends requests with this `reqwest::Client` (its timeouts, proxies and TLS
        /// settings) instead of a default one; the timeouts, `User-Agent` and default
        /// headers set here are then not used (the response limit and redirects are). Build
        /// it with `redirect(reqwest::redirect::Policy::none())` so that redirects are
        /// followed as described at [`redirects`](Self::redirects): reqwest's own policy
        /// keeps API-key headers on a redirect to another origin.
        #[must_use]
        pub fn reqwest_client(mut self, client: $crate::reqwest::Client) -> Self {
            self.$settings.set_reqwest_client(client);
            self
        }
    };
}
