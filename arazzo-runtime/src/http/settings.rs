//! How the runtime's own `reqwest::Client` is built: timeouts, `User-Agent`, default headers and
//! limits.

use std::fmt;
use std::time::Duration;

/// The `User-Agent` sent when the caller does not bring their own `reqwest::Client`.
const USER_AGENT: &str = concat!("arazzo-runtime/", env!("CARGO_PKG_VERSION"));

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
