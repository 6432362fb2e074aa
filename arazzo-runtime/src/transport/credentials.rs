//! How a transport logs in to its broker: the credentials that an AsyncAPI server's security
//! schemes ask for, and the [`Options`] that [`super::for_server_with`] builds an adapter with.
//!
//! Every value is a [`Secret`]: `Debug` shows the kind of credentials, never a user name, a
//! password or a token, and no adapter puts one in an error.

use std::fmt;

use crate::Secret;

/// What a transport logs in with.
///
/// | credentials | MQTT (`mqtt`) | NATS (`nats`) | Kafka (`kafka`) |
/// |---|---|---|---|
/// | [`Credentials::user_password`] | CONNECT user name and password | `user` and `pass` | SASL PLAIN |
/// | [`Credentials::token`] | — | `auth_token` | — |
/// | [`Credentials::sasl`] | — | — | SASL PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 |
///
/// A combination marked — is [`super::TransportErrorKind::Unsupported`] when the transport is
/// built, never a silent login without them.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// A user name and a password (AsyncAPI `userPassword`).
    UserPassword {
        /// The user name.
        username: Secret,
        /// The password.
        password: Secret,
    },
    /// A token (AsyncAPI `apiKey` on a NATS server: the server's `authorization.token`).
    Token(Secret),
    /// A user name and a password for a SASL mechanism (AsyncAPI `plain`, `scramSha256`,
    /// `scramSha512`).
    Sasl {
        /// The mechanism.
        mechanism: SaslMechanism,
        /// The user name.
        username: Secret,
        /// The password.
        password: Secret,
    },
}

/// A SASL mechanism of the Kafka transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaslMechanism {
    /// `PLAIN` (RFC 4616): the password travels as it is; use it over TLS only.
    Plain,
    /// `SCRAM-SHA-256` (RFC 7677).
    ScramSha256,
    /// `SCRAM-SHA-512`.
    ScramSha512,
}

impl Credentials {
    /// A user name and a password.
    pub fn user_password(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self::UserPassword {
            username: Secret::new(username),
            password: Secret::new(password),
        }
    }

    /// A token.
    pub fn token(token: impl Into<String>) -> Self {
        Self::Token(Secret::new(token))
    }

    /// A user name and a password for `mechanism`.
    pub fn sasl(
        mechanism: SaslMechanism,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Self::Sasl {
            mechanism,
            username: Secret::new(username),
            password: Secret::new(password),
        }
    }

    /// What kind of credentials these are, for messages: `a user name and password`, ….
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::UserPassword { .. } => "a user name and password",
            Self::Token(_) => "a token",
            Self::Sasl {
                mechanism: SaslMechanism::Plain,
                ..
            } => "SASL PLAIN",
            Self::Sasl {
                mechanism: SaslMechanism::ScramSha256,
                ..
            } => "SASL SCRAM-SHA-256",
            Self::Sasl {
                mechanism: SaslMechanism::ScramSha512,
                ..
            } => "SASL SCRAM-SHA-512",
        }
    }
}

impl fmt::Debug for Credentials {
    // The kind only: the user name is often an account identifier, and has no business in
    // logs either.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credentials({} [redacted])", self.kind())
    }
}

/// How [`super::for_server_with`] builds a transport besides the server's protocol and host.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Options {
    /// What the transport logs in with; none when `None`.
    pub credentials: Option<Credentials>,
}

impl Options {
    /// No credentials.
    pub fn new() -> Self {
        Self::default()
    }

    /// The same options, logging in with `credentials`.
    #[must_use]
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_the_kind_never_a_value() {
        for credentials in [
            Credentials::user_password("device-7", "s3cret"),
            Credentials::token("s3cret"),
            Credentials::sasl(SaslMechanism::ScramSha512, "device-7", "s3cret"),
        ] {
            let shown = format!(
                "{credentials:?} {:?}",
                Options::new().with_credentials(credentials.clone())
            );
            assert!(
                !shown.contains("s3cret") && !shown.contains("device-7"),
                "{shown}"
            );
            assert!(shown.contains(credentials.kind()), "{shown}");
        }
    }
}
