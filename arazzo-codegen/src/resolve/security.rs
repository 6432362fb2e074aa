//! Security: which schemes a step's operation authenticates with, and what credentials each
//! takes.

use crate::diagnostic::Diagnostic;
use crate::model::arazzo::Step;
use crate::model::openapi::Operation;
use crate::node::Node;
use crate::plan::{ApiKeyLocation, AuthPlan, ClientCredentialsFlow, SchemeKind};

use super::Resolver;

/// A security scheme that some step uses.
pub(super) struct SchemeUse {
    /// Index of its source.
    pub(super) source: usize,
    /// Its name in the source's `components.securitySchemes`.
    pub(super) name: String,
    pub(super) kind: SchemeKind,
    pub(super) description: Option<String>,
    /// True while every use comes from the one-scheme-but-no-security rule.
    pub(super) implied: bool,
    /// An OAuth 2 scheme's `clientCredentials` flow: its `tokenUrl`, and the scopes the
    /// operations require of the scheme.
    pub(super) client_credentials: Option<ClientCredentialsFlow>,
}

/// True for the security schemes the client can hold credentials for.
fn is_supported_scheme(scheme: &Node) -> bool {
    let text = |key: &str| scheme.get(key).and_then(Node::as_str);
    match text("type") {
        Some("http") => text("scheme")
            .is_some_and(|s| s.eq_ignore_ascii_case("basic") || s.eq_ignore_ascii_case("bearer")),
        Some("oauth2" | "openIdConnect") => true,
        Some("apiKey") => {
            matches!(text("in"), Some("header" | "query" | "cookie")) && text("name").is_some()
        }
        _ => false,
    }
}

/// The `tokenUrl` of an OAuth 2 scheme's `clientCredentials` flow, if it has one.
fn client_credentials_token_url(scheme: &Node) -> Option<String> {
    if scheme.get("type").and_then(Node::as_str) != Some("oauth2") {
        return None;
    }
    let flow = scheme.get("flows")?.get("clientCredentials")?;
    Some(flow.get("tokenUrl")?.as_str()?.to_owned())
}

/// The scopes a security requirement lists for one scheme.
fn requirement_scopes(scopes: &Node) -> Vec<String> {
    scopes
        .items()
        .iter()
        .filter_map(|scope| scope.as_str().map(str::to_owned))
        .collect()
}

impl<'a> Resolver<'a, '_> {
    /// The schemes a step authenticates with: the first requirement of the operation's (or the
    /// document's) `security` whose schemes are all supported (all of them, for a requirement that
    /// names several); or, where the description applies no security at all but defines exactly
    /// one scheme, that scheme, sent when credentials are set.
    pub(super) fn auth(
        &mut self,
        source: usize,
        operation: &Operation<'_>,
        step: &Step<'_>,
    ) -> Vec<AuthPlan> {
        let api = &self.apis[source].1;
        let schemes = api.security_schemes();
        let (requirement, required, implied): (Vec<(String, Vec<String>)>, bool, bool) =
            match api.security_of(operation) {
                Some(security) => {
                    let alternatives = security.items();
                    let optional = alternatives.iter().any(|r| r.entries().is_empty());
                    // The first requirement whose schemes are all supported; if none is, the
                    // first, whose unsupported scheme is then reported.
                    let supported = |requirement: &&Node| {
                        requirement.entries().iter().all(|(name, _)| {
                            schemes
                                .iter()
                                .find(|(key, _)| key.name == name.name)
                                .is_some_and(|(_, scheme)| is_supported_scheme(api.resolve(scheme)))
                        })
                    };
                    let candidates = || alternatives.iter().filter(|r| !r.entries().is_empty());
                    let Some(first) = candidates().find(supported).or_else(|| candidates().next())
                    else {
                        return Vec::new();
                    };
                    (
                        first
                            .entries()
                            .iter()
                            .map(|(k, scopes)| (k.name.clone(), requirement_scopes(scopes)))
                            .collect(),
                        !optional,
                        false,
                    )
                }
                None if schemes.len() == 1 => {
                    (vec![(schemes[0].0.name.clone(), Vec::new())], false, true)
                }
                None => return Vec::new(),
            };
        let mut plans = Vec::new();
        for (name, scopes) in requirement {
            let Some((_, scheme)) = schemes.iter().find(|(key, _)| key.name == name) else {
                self.report(Diagnostic::error(
                    step.span,
                    format!("the operation requires the security scheme `{name}`, which the description does not define"),
                ));
                continue;
            };
            let scheme = api.resolve(scheme);
            let Some(kind) = self.scheme_kind(&name, scheme, step) else {
                continue;
            };
            let found = self
                .schemes
                .iter()
                .position(|s| s.source == source && s.name == name);
            let index = match found {
                Some(index) => {
                    self.schemes[index].implied &= implied;
                    if let Some(flow) = &mut self.schemes[index].client_credentials {
                        flow.add_scopes(scopes);
                    }
                    index
                }
                None => {
                    let description = scheme
                        .get("description")
                        .and_then(Node::as_str)
                        .map(str::to_owned);
                    let client_credentials =
                        client_credentials_token_url(scheme).map(|token_url| {
                            let mut flow = ClientCredentialsFlow {
                                token_url,
                                scopes: Vec::new(),
                            };
                            flow.add_scopes(scopes);
                            flow
                        });
                    self.schemes.push(SchemeUse {
                        source,
                        name,
                        kind,
                        description,
                        implied,
                        client_credentials,
                    });
                    self.schemes.len() - 1
                }
            };
            plans.push(AuthPlan {
                scheme: index,
                required,
            });
        }
        plans
    }

    /// What credentials a security scheme takes.
    pub(super) fn scheme_kind(
        &mut self,
        name: &str,
        scheme: &Node,
        step: &Step<'_>,
    ) -> Option<SchemeKind> {
        let text = |key: &str| scheme.get(key).and_then(Node::as_str);
        let http = text("scheme").map(str::to_ascii_lowercase);
        Some(match (text("type"), http.as_deref()) {
            (Some("http"), Some("basic")) => SchemeKind::Basic,
            (Some("http"), Some("bearer")) => SchemeKind::Bearer,
            // An OAuth 2 or OpenID Connect scheme takes the access token the caller obtained.
            (Some("oauth2" | "openIdConnect"), _) => SchemeKind::Bearer,
            (Some("apiKey"), _) => {
                let location = match text("in") {
                    Some("header") => ApiKeyLocation::Header,
                    Some("query") => ApiKeyLocation::Query,
                    Some("cookie") => ApiKeyLocation::Cookie,
                    other => {
                        self.report(Diagnostic::error(
                            scheme.span,
                            format!("API key scheme `{name}` has `in: {}`; expected `header`, `query` or `cookie`", other.unwrap_or("?")),
                        ));
                        return None;
                    }
                };
                let Some(key_name) = text("name") else {
                    self.report(Diagnostic::error(
                        scheme.span,
                        format!("API key scheme `{name}` has no `name`"),
                    ));
                    return None;
                };
                SchemeKind::ApiKey {
                    location,
                    name: key_name.to_owned(),
                }
            }
            (kind, http) => {
                let kind = match (kind, http) {
                    (Some("http"), Some(h)) => format!("http `{h}`"),
                    (Some(k), _) => format!("`{k}`"),
                    (None, _) => "unknown".to_owned(),
                };
                self.report(
                    Diagnostic::error(step.span, format!("the operation uses the security scheme `{name}` of type {kind}, which is not supported"))
                        .with_help("supported: HTTP basic and bearer, API keys, and OAuth 2 / OpenID Connect access tokens"),
                );
                return None;
            }
        })
    }
}
