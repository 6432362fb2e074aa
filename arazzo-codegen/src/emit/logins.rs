//! The builder's setters of the credentials that the default transport of an AsyncAPI source
//! logs in with: one per security scheme of its server that the transport can use.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::doc;
use super::ident;
use crate::plan::{BrokerPlan, LoginKind, LoginPlan, SaslKind};

/// The setter of `login`, on the broker `b`.
pub(super) fn login_setter(b: &BrokerPlan, login: &LoginPlan) -> TokenStream {
    let setter = ident(&login.setter);
    let field = ident(&b.credentials_field);
    let docs = doc(&login_doc(b, login));
    let credentials = quote!(::arazzo_runtime::transport::Credentials);
    match login.kind {
        LoginKind::UserPassword | LoginKind::Sasl(_) => {
            let make = match login.kind {
                LoginKind::Sasl(kind) => {
                    let mechanism = match kind {
                        SaslKind::Plain => quote!(Plain),
                        SaslKind::ScramSha256 => quote!(ScramSha256),
                        SaslKind::ScramSha512 => quote!(ScramSha512),
                    };
                    quote!(#credentials::sasl(::arazzo_runtime::transport::SaslMechanism::#mechanism, username, password))
                }
                _ => quote!(#credentials::user_password(username, password)),
            };
            quote! {
                #docs
                #[must_use]
                pub fn #setter(
                    mut self,
                    username: impl ::std::convert::Into<::std::string::String>,
                    password: impl ::std::convert::Into<::std::string::String>,
                ) -> Self {
                    self.#field = ::std::option::Option::Some(#make);
                    self
                }
            }
        }
        LoginKind::KeyAsUser | LoginKind::KeyAsPassword | LoginKind::Token => {
            let make = match login.kind {
                LoginKind::KeyAsUser => quote!(#credentials::user_password(key, "")),
                LoginKind::KeyAsPassword => quote!(#credentials::user_password("", key)),
                _ => quote!(#credentials::token(key)),
            };
            quote! {
                #docs
                #[must_use]
                pub fn #setter(mut self, key: impl ::std::convert::Into<::std::string::String>) -> Self {
                    self.#field = ::std::option::Option::Some(#make);
                    self
                }
            }
        }
    }
}

/// What the setter's doc says: the scheme, how the transport uses it, and what else the server
/// accepts.
fn login_doc(b: &BrokerPlan, login: &LoginPlan) -> String {
    let what = match login.kind {
        LoginKind::UserPassword => match b.server.as_ref().map(|(p, _)| p.as_str()) {
            Some("kafka" | "kafka-secure") => "the user name and password (sent over SASL PLAIN)",
            _ => "the user name and password",
        },
        LoginKind::KeyAsUser => "the key (sent as the user name, the password empty)",
        LoginKind::KeyAsPassword => "the key (sent as the password, the user name empty)",
        LoginKind::Token => "the token",
        LoginKind::Sasl(SaslKind::Plain) => "the user name and password (sent over SASL PLAIN)",
        LoginKind::Sasl(SaslKind::ScramSha256) => {
            "the user name and password (sent over SASL SCRAM-SHA-256)"
        }
        LoginKind::Sasl(SaslKind::ScramSha512) => {
            "the user name and password (sent over SASL SCRAM-SHA-512)"
        }
    };
    let mut text = format!(
        "Sets {what} that the default transport of the AsyncAPI source `{}` logs in with: its \
         server's security scheme `{}`.",
        b.name, login.scheme
    );
    if let Some(description) = &login.description {
        text.push_str("\n\n");
        text.push_str(description);
    }
    text.push_str(
        "\n\nThe server takes any one of its schemes: setting another replaces this one. The \
         credentials never show in `Debug` output or errors.",
    );
    if !b.other_schemes.is_empty() {
        text.push_str(&format!(
            " The server lists other schemes that the transport cannot log in with: {}.",
            b.other_schemes.join(", ")
        ));
    }
    text
}
