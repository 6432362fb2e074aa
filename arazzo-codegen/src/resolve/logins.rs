//! How the default transport of an AsyncAPI source may log in: each security scheme that its
//! first server lists under `security` and that the transport of its protocol can use becomes
//! a builder setter ([`LoginPlan`]). A server whose schemes are all ones the transport cannot
//! use gets one warning: its default transport connects without credentials.
//!
//! | `type` | `mqtt` | `nats` | `kafka` |
//! |---|---|---|---|
//! | `userPassword` | user name and password | user and password | SASL PLAIN |
//! | `apiKey` | the key as user name (`in: user`) or password | token | — |
//! | `plain`, `scramSha256`, `scramSha512` | — | — | that SASL mechanism |
//!
//! Everything else (`X509`, `httpApiKey`, `http`, `oauth2`, `openIdConnect`, `gssapi`, the
//! encryption schemes) is a scheme no transport of `arazzo-runtime` logs in with.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::asyncapi::{SecurityScheme, Server};
use crate::naming::{self, Scope};
use crate::plan::{LoginKind, LoginPlan, SaslKind};

/// The logins of a source's default transport, and its server's other schemes (`name
/// (type)`). Warns when the server lists schemes and none of them can be used.
pub(super) fn logins(
    source: &str,
    field: &str,
    server: &Server,
    members: &mut Scope,
    diagnostics: &mut Diagnostics,
) -> (Vec<LoginPlan>, Vec<String>) {
    let Some(family) = Family::of(&server.protocol) else {
        // No transport speaks this protocol: the run says so; its schemes do not matter.
        return (Vec::new(), Vec::new());
    };
    let mut logins = Vec::new();
    let mut others = Vec::new();
    for scheme in &server.security {
        let name = scheme.name.clone().unwrap_or_else(|| scheme.kind.clone());
        match login_kind(family, scheme) {
            Some(kind) => logins.push(LoginPlan {
                setter: members.unique(naming::snake(&format!("{field}_{name}"))),
                scheme: name,
                description: scheme.description.clone(),
                kind,
            }),
            None => others.push(format!("`{name}` (`{}`)", shown_type(scheme))),
        }
    }
    if logins.is_empty() && !others.is_empty() {
        diagnostics.push(
            Diagnostic::warning(
                server.security_span,
                format!(
                    "the `{}` transport of source `{source}` cannot log in with any security \
                     scheme its server lists",
                    server.protocol
                ),
            )
            .with_label(format!("lists {}", others.join(", ")))
            .with_help(format!(
                "the default transport connects without credentials; a `{}` server takes {} — \
                 or give the source a transport you configured with `ClientBuilder::{field}`",
                server.protocol,
                family.supported()
            )),
        );
    }
    (logins, others)
}

/// A scheme's `type` as the document writes it.
fn shown_type(scheme: &SecurityScheme) -> &str {
    if scheme.kind.is_empty() {
        "no type"
    } else {
        &scheme.kind
    }
}

/// The protocols that `arazzo-runtime` has transports for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Mqtt,
    Nats,
    Kafka,
}

impl Family {
    /// The family of an AsyncAPI `protocol` (its TLS variants included), if it has a transport.
    fn of(protocol: &str) -> Option<Self> {
        match protocol.to_ascii_lowercase().as_str() {
            "mqtt" | "mqtt5" | "secure-mqtt" | "mqtts" => Some(Self::Mqtt),
            "nats" => Some(Self::Nats),
            "kafka" | "kafka-secure" => Some(Self::Kafka),
            _ => None,
        }
    }

    /// The scheme types it logs in with, for the help.
    fn supported(self) -> &'static str {
        match self {
            Self::Mqtt => "`userPassword` and `apiKey`",
            Self::Nats => "`userPassword` and `apiKey` (a token)",
            Self::Kafka => "`userPassword`, `plain`, `scramSha256` and `scramSha512`",
        }
    }
}

/// How a transport of `family` logs in with `scheme`, if it can.
fn login_kind(family: Family, scheme: &SecurityScheme) -> Option<LoginKind> {
    match (scheme.kind.as_str(), family) {
        ("userPassword", _) => Some(LoginKind::UserPassword),
        ("apiKey", Family::Mqtt) => match scheme.location.as_deref() {
            Some("password") => Some(LoginKind::KeyAsPassword),
            _ => Some(LoginKind::KeyAsUser),
        },
        ("apiKey", Family::Nats) => Some(LoginKind::Token),
        ("plain", Family::Kafka) => Some(LoginKind::Sasl(SaslKind::Plain)),
        ("scramSha256", Family::Kafka) => Some(LoginKind::Sasl(SaslKind::ScramSha256)),
        ("scramSha512", Family::Kafka) => Some(LoginKind::Sasl(SaslKind::ScramSha512)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::{Files, Span};

    fn scheme(kind: &str, location: Option<&str>) -> SecurityScheme {
        let file = Files::default().add("a.yml".into(), "a.yml".into(), "x".into());
        SecurityScheme {
            name: None,
            kind: kind.to_owned(),
            location: location.map(str::to_owned),
            description: None,
            span: Span {
                file,
                start: 0,
                end: 1,
                line: 1,
                column: 1,
            },
        }
    }

    #[test]
    fn each_protocol_takes_its_own_schemes() {
        let kind = |family, kind, location| login_kind(family, &scheme(kind, location));
        assert_eq!(
            kind(Family::Mqtt, "userPassword", None),
            Some(LoginKind::UserPassword)
        );
        assert_eq!(
            kind(Family::Mqtt, "apiKey", Some("password")),
            Some(LoginKind::KeyAsPassword)
        );
        assert_eq!(
            kind(Family::Nats, "apiKey", Some("user")),
            Some(LoginKind::Token)
        );
        assert_eq!(
            kind(Family::Kafka, "scramSha256", None),
            Some(LoginKind::Sasl(SaslKind::ScramSha256))
        );
        assert_eq!(kind(Family::Kafka, "apiKey", Some("user")), None);
        assert_eq!(kind(Family::Mqtt, "plain", None), None);
        assert_eq!(kind(Family::Nats, "X509", None), None);
        assert_eq!(Family::of("secure-mqtt"), Some(Family::Mqtt));
        assert_eq!(Family::of("amqp"), None);
    }
}
