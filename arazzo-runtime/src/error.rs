use std::sync::Arc;

use crate::Body;

/// Why a workflow did not finish.
///
/// Every variant names the Arazzo step it happened in. No variant ever holds a credential: request
/// headers are not kept, and a URL is kept without its query string (where an API key may be).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered, but the step's success criteria did not hold.
    #[error("{0}")]
    Step(Box<StepFailure>),

    /// The request could not be sent, or the response could not be read: connection refused,
    /// timeout, TLS failure, a body cut short.
    #[error(
        "step `{step}`: the request failed: {}",
        crate::error::transport_message(source)
    )]
    Transport {
        /// The step whose request failed.
        step: &'static str,
        /// What `reqwest` reported.
        #[source]
        source: reqwest::Error,
    },

    /// The step's success criteria held, but a value the workflow reads is not in the response.
    #[error("step `{step}`: the response (HTTP {status}) has no value at `{location}`")]
    MissingValue {
        /// The step whose response was read.
        step: &'static str,
        /// The response's HTTP status.
        status: u16,
        /// Where the value was expected: a JSON pointer into the body, or a header name.
        location: &'static str,
    },

    /// The step's success criteria held, but a value the workflow reads has the wrong type.
    #[error(
        "step `{step}`: the value at `{location}{within}` in the response (HTTP {status}) does not fit: {source}"
    )]
    WrongType {
        /// The step whose response was read.
        step: &'static str,
        /// The response's HTTP status.
        status: u16,
        /// Where the value was read: a JSON pointer into the body, or a header name.
        location: &'static str,
        /// Where inside that value decoding failed, as a JSON pointer relative to `location`
        /// (`/owner/name`); empty when the value itself has the wrong type.
        within: String,
        /// What `serde_json` reported: the type found and the type expected.
        #[source]
        source: serde_json::Error,
    },

    /// A value the request needs is absent: an optional input that was not given, or a part of
    /// a value that is not there, used where it cannot simply be left out (inside a string, an
    /// array, or as the whole body).
    #[error("step `{step}`: `{expression}` has no value, and the request needs one")]
    AbsentValue {
        /// The step whose request was being built.
        step: &'static str,
        /// The runtime expression, as the document writes it.
        expression: &'static str,
    },

    /// The request cannot carry a value as its description says (a form body that is not an
    /// object, a header value with a line break).
    #[error("step `{step}`: {message}")]
    Body {
        /// The step whose request was being built.
        step: &'static str,
        /// What does not fit.
        message: String,
    },

    /// A value could not be encoded for the request.
    #[error("step `{step}`: a request value could not be encoded as JSON: {source}")]
    Encode {
        /// The step whose request was being built.
        step: &'static str,
        /// What `serde_json` reported.
        #[source]
        source: serde_json::Error,
    },

    /// The base URL and path of a request do not form a valid URL.
    #[error("step `{step}`: `{url}` is not a valid URL: {reason}")]
    InvalidUrl {
        /// The step whose request was being built.
        step: &'static str,
        /// The URL that did not parse.
        url: String,
        /// What the URL parser reported.
        reason: String,
    },

    /// The operation requires credentials that the client was not given.
    #[error(
        "step `{step}` needs credentials for the security scheme `{scheme}`; set them with `ClientBuilder::{setter}`"
    )]
    MissingCredentials {
        /// The step that needed them.
        step: &'static str,
        /// The OpenAPI security scheme's name.
        scheme: &'static str,
        /// The client builder method that sets them.
        setter: &'static str,
    },

    /// A success criterion could not be evaluated (its pattern or query did not compile).
    #[error("step `{step}`: a success criterion could not be evaluated: {message}")]
    Criterion {
        /// The step whose criterion failed to evaluate.
        step: &'static str,
        /// Why.
        message: String,
    },

    /// A Selector Object (Arazzo 1.1) did not select exactly one node: `found` is how many it
    /// selected (0: nothing matched; 2 or more: the selector is ambiguous). A selector's value
    /// is never a silent `null`.
    #[error(
        "step `{step}`: the {kind} selector `{selector}` selected {found} nodes; a selector must select exactly one"
    )]
    Selection {
        /// The step whose output, parameter or payload the selector is in.
        step: &'static str,
        /// `jsonpath` or `xpath`.
        kind: &'static str,
        /// The selector, as written.
        selector: &'static str,
        /// How many nodes it selected.
        found: usize,
    },

    /// A Selector Object or an `xpath` criterion could not be evaluated: its context is not
    /// XML (or not JSON), or the expression raised an error.
    #[error(
        "step `{step}`: the {kind} expression `{expression}` could not be evaluated: {message}"
    )]
    Expression {
        /// The step it belongs to.
        step: &'static str,
        /// `jsonpath` or `xpath`.
        kind: &'static str,
        /// The expression, as written.
        expression: &'static str,
        /// Why.
        message: String,
    },

    /// The step did not complete within its `timeout` (Arazzo 1.1): the request, the response
    /// and its body, and any token it needed, all within that many milliseconds, counted anew
    /// for each try. It was aborted; the connection is dropped.
    #[error(
        "step `{step}` did not complete within its timeout of {milliseconds} ms and was aborted"
    )]
    Timeout {
        /// The step that was aborted.
        step: &'static str,
        /// The step's `timeout`, in milliseconds.
        milliseconds: u64,
    },

    /// An AsyncAPI step could not reach its broker: no transport could be built for the
    /// source's server (its protocol's cargo feature is off, say), or the broker refused the
    /// connection or the subscription.
    #[error("step `{step}`, the broker of `{channel}`: {source}")]
    BrokerUnreachable {
        /// The step that needed the broker.
        step: &'static str,
        /// The channel's address.
        channel: String,
        /// What the transport reported.
        #[source]
        source: crate::transport::TransportError,
    },

    /// An AsyncAPI `send` step's message was not taken by the broker.
    #[error("step `{step}`: the message could not be published on `{channel}`: {source}")]
    PublishFailed {
        /// The step that sent.
        step: &'static str,
        /// The channel's address.
        channel: String,
        /// What the transport reported.
        #[source]
        source: crate::transport::TransportError,
    },

    /// An AsyncAPI `receive` step got no matching message within its `timeout` (with
    /// `correlationId`, only messages whose correlation id equals it match).
    #[error(
        "step `{step}`: no message{} arrived on `{channel}` within {milliseconds} ms",
        correlation_id.as_ref().map(|id| format!(" with correlation id `{id}`")).unwrap_or_default()
    )]
    ReceiveTimedOut {
        /// The step that waited.
        step: &'static str,
        /// The channel's address.
        channel: String,
        /// The correlation id it waited for, if any.
        correlation_id: Option<String>,
        /// The step's `timeout`, in milliseconds.
        milliseconds: u64,
    },

    /// An AsyncAPI `receive` step's wait ended without a message: the subscription failed, was
    /// closed, or more messages arrived than it keeps ([`crate::messaging::INBOX_LIMIT`]).
    #[error(
        "step `{step}`: receiving on `{channel}`{} failed: {source}",
        correlation_id.as_ref().map(|id| format!(" (correlation id `{id}`)")).unwrap_or_default()
    )]
    ReceiveFailed {
        /// The step that waited.
        step: &'static str,
        /// The channel's address.
        channel: String,
        /// The correlation id it waited for, if any.
        correlation_id: Option<String>,
        /// What the transport (or the inbox) reported.
        #[source]
        source: crate::transport::TransportError,
    },

    /// A message's value that the workflow reads does not have the type its schema says.
    #[error(
        "step `{step}`: the value at `{location}{within}` in the message on `{channel}` does not fit: {source}"
    )]
    MessageDecode {
        /// The step that sent or received it.
        step: &'static str,
        /// The channel's address.
        channel: String,
        /// Where the value was read: a JSON pointer into the payload.
        location: &'static str,
        /// Where inside that value decoding failed, as a JSON pointer relative to `location`.
        within: String,
        /// What `serde_json` reported.
        #[source]
        source: serde_json::Error,
    },

    /// A message's value that the workflow reads is not there (or the payload is not JSON).
    #[error("step `{step}`: the message on `{channel}` has no value at `{location}`")]
    MessageMissingValue {
        /// The step that sent or received it.
        step: &'static str,
        /// The channel's address.
        channel: String,
        /// Where the value was expected: a JSON pointer into the payload, or a header name.
        location: &'static str,
    },

    /// A workflow ran more steps than its bound allows: a `goto` loop that never ends.
    #[error("workflow `{workflow}` ran {limit} steps without finishing; the `goto` actions loop")]
    StepLimit {
        /// The workflow.
        workflow: &'static str,
        /// The bound (the generator's `max_steps` setting).
        limit: usize,
    },

    /// A step of a workflow whose steps run at once had not completed when the workflow's
    /// outputs were taken. Generated code takes them only after every step completed: this is
    /// reported rather than a panic, should that ever not hold.
    #[error("step `{step}` had not completed when the workflow's outputs were taken")]
    Unfinished {
        /// The step.
        step: &'static str,
    },

    /// The response body is larger than the client's `max_response_bytes` (by its
    /// `Content-Length`, or while it was being read); reading stopped at the limit.
    #[error(
        "step `{step}`: the response (HTTP {status}) is larger than the limit of {limit} bytes"
    )]
    ResponseTooLarge {
        /// The step whose response was too large.
        step: &'static str,
        /// The response's HTTP status.
        status: u16,
        /// The limit (`ClientBuilder::max_response_bytes`).
        limit: u64,
    },

    /// A parameter's value would change where the request goes or what it carries: a path
    /// parameter that is `.` or `..` (in any spelling, percent-encoded too), or a header or
    /// cookie value with a line break or another character HTTP does not allow. Nothing was
    /// sent. The message never shows the value.
    #[error(
        "step `{step}`: the value of the {location} parameter `{parameter}` {reason}; nothing was sent"
    )]
    UnsafeParameter {
        /// The step whose request was being built.
        step: &'static str,
        /// `path`, `header` or `cookie`.
        location: &'static str,
        /// The parameter's (or header's) name.
        parameter: String,
        /// Why the value cannot be sent.
        reason: &'static str,
    },

    /// Redirects went on longer than the client allows (`ClientBuilder::redirects`).
    #[error("step `{step}`: more than {limit} redirects")]
    TooManyRedirects {
        /// The step whose request was redirected.
        step: &'static str,
        /// The limit.
        limit: usize,
    },

    /// No token could be had for a bearer, OAuth 2 or OpenID Connect scheme: the token endpoint
    /// refused or could not be reached, or a [`TokenSource`](crate::TokenSource) failed. Never
    /// holds the client secret.
    #[error("step `{step}`: no token for the security scheme `{scheme}`: {message}")]
    Token {
        /// The step that needed the token.
        step: &'static str,
        /// The security scheme's name.
        scheme: &'static str,
        /// The token endpoint's HTTP status, when it answered.
        status: Option<u16>,
        /// What the endpoint or the token source said.
        message: String,
    },

    /// A durable run's checkpoint could not be saved or loaded: the store failed, or what it
    /// holds is not a checkpoint this crate wrote. When saving failed after step `step`, that
    /// step's outputs are lost and a resumed run sends it again.
    #[error(
        "workflow `{workflow}`, run `{run_id}`: {}: {source}",
        match step { Some(step) => format!("the checkpoint after step `{step}`"), None => "the checkpoint".to_owned() }
    )]
    Checkpoint {
        /// The workflow.
        workflow: &'static str,
        /// The run.
        run_id: String,
        /// The step that had just completed, when saving failed.
        step: Option<&'static str>,
        /// What the store reported.
        #[source]
        source: crate::durable::StoreError,
    },

    /// A durable run's saved state was written by another version of the workflow's document
    /// (or for another workflow): it is refused rather than misread.
    #[error(
        "workflow `{workflow}`, run `{run_id}`: the saved state is of version {found}, this build is of version {expected}; finish or delete the run with the build that started it"
    )]
    StateVersion {
        /// The workflow.
        workflow: &'static str,
        /// The run.
        run_id: String,
        /// The version of this build's document.
        expected: &'static str,
        /// The workflow and version the state was saved by.
        found: String,
    },

    /// A durable run was resumed, but the store has no checkpoint for it (it never started,
    /// it completed, or it was deleted).
    #[error("workflow `{workflow}`: no saved run `{run_id}`")]
    NoSuchRun {
        /// The workflow.
        workflow: &'static str,
        /// The run.
        run_id: String,
    },

    /// A run id that cannot name a run: see [`durable::check_run_id`](crate::durable::check_run_id).
    #[error(
        "workflow `{workflow}`: the run id \"{run_id}\" is not 1 to 200 ASCII letters, digits, `-`, `_` or `.` (not starting with `.`)"
    )]
    RunId {
        /// The workflow.
        workflow: &'static str,
        /// The run id, escaped.
        run_id: String,
    },

    /// The HTTP client could not be built (its TLS backend failed to start, for instance).
    #[error("the HTTP client could not be built: {0}")]
    Client(Arc<reqwest::Error>),

    /// A client setting cannot be used: a default header whose name or value is not valid in
    /// HTTP. The message names the header, never its value.
    #[error("the HTTP client could not be built: {0}")]
    Setting(String),
}

/// A response that did not meet its step's success criteria.
#[derive(Debug)]
pub struct StepFailure {
    /// The Arazzo `stepId`.
    pub step: &'static str,
    /// The HTTP status code.
    pub status: u16,
    /// The whole response body, parsed as JSON where it is JSON.
    pub body: Body,
    /// The success criterion that did not hold, and why when it could not be evaluated (Arazzo
    /// 1.1 documents); `None` for a 1.0 document, and for a step without criteria (any 2xx
    /// status succeeds).
    pub criterion: Option<crate::FailedCriterion>,
}

impl std::fmt::Display for StepFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reason = reqwest::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|status| status.canonical_reason())
            .unwrap_or("");
        write!(
            f,
            "step `{}` failed: HTTP {} {}",
            self.step, self.status, reason
        )?;
        if let Some(criterion) = &self.criterion {
            write!(f, " ({criterion})")?;
        }
        write!(f, ": {}", self.body)
    }
}

impl Error {
    /// The Arazzo `stepId` the error happened in, if it happened in a step.
    pub fn step(&self) -> Option<&'static str> {
        match self {
            Self::Step(failure) => Some(failure.step),
            Self::Transport { step, .. }
            | Self::MissingValue { step, .. }
            | Self::WrongType { step, .. }
            | Self::Encode { step, .. }
            | Self::InvalidUrl { step, .. }
            | Self::MissingCredentials { step, .. }
            | Self::AbsentValue { step, .. }
            | Self::Body { step, .. }
            | Self::Criterion { step, .. }
            | Self::Selection { step, .. }
            | Self::Expression { step, .. }
            | Self::ResponseTooLarge { step, .. }
            | Self::UnsafeParameter { step, .. }
            | Self::TooManyRedirects { step, .. }
            | Self::Token { step, .. }
            | Self::Timeout { step, .. }
            | Self::Unfinished { step }
            | Self::BrokerUnreachable { step, .. }
            | Self::PublishFailed { step, .. }
            | Self::ReceiveTimedOut { step, .. }
            | Self::ReceiveFailed { step, .. }
            | Self::MessageDecode { step, .. }
            | Self::MessageMissingValue { step, .. } => Some(step),
            Self::Checkpoint { step, .. } => *step,
            Self::Client(_)
            | Self::Setting(_)
            | Self::StepLimit { .. }
            | Self::StateVersion { .. }
            | Self::NoSuchRun { .. }
            | Self::RunId { .. } => None,
        }
    }

    /// The HTTP status of the response, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Step(failure) => Some(failure.status),
            Self::MissingValue { status, .. }
            | Self::WrongType { status, .. }
            | Self::ResponseTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The response body of a failed step.
    pub fn body(&self) -> Option<&Body> {
        match self {
            Self::Step(failure) => Some(&failure.body),
            _ => None,
        }
    }

    /// The JSON body of a failed step (`Error::Step`) when the server answered with JSON: one
    /// call to read, say, Stytch's `error_type`:
    /// `error.body_json().and_then(|b| b.get("error_type"))`.
    pub fn body_json(&self) -> Option<&serde_json::Value> {
        self.body().and_then(Body::as_json)
    }

    /// Why a request could not be sent or read, for [`Error::Transport`].
    pub fn transport_cause(&self) -> Option<TransportCause> {
        match self {
            Self::Transport { source, .. } => Some(TransportCause::of(source)),
            _ => None,
        }
    }

    /// True for errors of the transport: nothing (or nothing whole) came back from the server.
    pub fn is_transport(&self) -> bool {
        matches!(self, Self::Transport { .. } | Self::Client(_))
    }
}

/// Why a request could not be sent or its response not read ([`Error::transport_cause`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportCause {
    /// The server refused the connection (nothing listens there).
    ConnectionRefused,
    /// The connection was reset or closed by the server before a whole response came back.
    ConnectionReset,
    /// Connecting failed for another reason (DNS, unreachable network).
    Connect,
    /// The request or connect timeout ran out.
    TimedOut,
    /// The TLS handshake failed (certificate, protocol).
    Tls,
    /// The response body could not be read whole.
    Body,
    /// Anything else `reqwest` reported.
    Other,
}

impl TransportCause {
    fn of(error: &reqwest::Error) -> Self {
        let mut kinds = Vec::new();
        let mut texts = String::new();
        let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
        while let Some(current) = next {
            if let Some(io) = current.downcast_ref::<std::io::Error>() {
                kinds.push(io.kind());
            }
            texts.push_str(&current.to_string().to_ascii_lowercase());
            texts.push('\n');
            next = current.source();
        }
        use std::io::ErrorKind;
        if error.is_timeout() || kinds.contains(&ErrorKind::TimedOut) {
            Self::TimedOut
        } else if kinds.contains(&ErrorKind::ConnectionRefused) {
            Self::ConnectionRefused
        } else if texts.contains("certificate")
            || texts.contains("tls")
            || texts.contains("handshake")
        {
            Self::Tls
        } else if error.is_connect() {
            Self::Connect
        } else if kinds.iter().any(|k| {
            matches!(
                k,
                ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::BrokenPipe
                    | ErrorKind::UnexpectedEof
            )
        }) || texts.contains("connection closed")
            || texts.contains("incomplete message")
        {
            Self::ConnectionReset
        } else if error.is_body() || error.is_decode() {
            Self::Body
        } else {
            Self::Other
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::ConnectionRefused => "connection refused",
            Self::ConnectionReset => "the connection was closed before a whole response came back",
            Self::Connect => "could not connect",
            Self::TimedOut => "timed out",
            Self::Tls => "TLS failure",
            Self::Body => "the response body could not be read",
            Self::Other => "transport error",
        }
    }
}

impl std::fmt::Display for TransportCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// `Error::Transport`'s message: the cause first, then every error of the chain.
pub(crate) fn transport_message(error: &reqwest::Error) -> String {
    let mut text = format!("{}: {error}", TransportCause::of(error));
    let mut next = std::error::Error::source(error);
    while let Some(current) = next {
        let shown = current.to_string();
        if !text.ends_with(&shown) {
            text.push_str(": ");
            text.push_str(&shown);
        }
        next = current.source();
    }
    text
}
