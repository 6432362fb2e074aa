//! The `Client` and its builder: a base URL per source, credentials per security scheme, and
//! the HTTP settings.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::docs::doc;
use super::ident;
use crate::plan::{ApiKeyLocation, BrokerPlan, Plan, SchemeKind, SchemePlan, SourcePlan};

/// The `Client` and its builder.
pub(super) fn client(plan: &Plan) -> TokenStream {
    let client_doc = client_doc(plan);

    let source_fields: Vec<Ident> = plan.sources.iter().map(|s| ident(&s.field)).collect();
    let scheme_fields: Vec<Ident> = plan.schemes.iter().map(|s| ident(&s.field)).collect();
    let scheme_types: Vec<TokenStream> = plan
        .schemes
        .iter()
        .map(|s| match s.kind {
            SchemeKind::Basic => quote!(::arazzo_runtime::BasicAuth),
            SchemeKind::Bearer => quote!(::arazzo_runtime::Bearer),
            SchemeKind::ApiKey { .. } => quote!(::arazzo_runtime::Secret),
        })
        .collect();
    // A token fetched with client credentials goes through the client's HTTP client, to a
    // token URL that may be relative to its source's base URL.
    let scheme_values = plan.schemes.iter().map(|s| {
        let field = ident(&s.field);
        match s.kind {
            SchemeKind::Bearer => {
                let source = ident(&plan.sources[s.source].field);
                quote!(self.#field.map(|credentials| credentials.bind(&http, &#source)))
            }
            _ => quote!(self.#field),
        }
    });
    let source_defaults = plan.sources.iter().map(|s| match &s.default_url {
        Some(url) => quote!(unwrap_or_else(|| #url.to_owned())),
        None => quote!(unwrap_or_default()),
    });
    let source_names: Vec<String> = plan.sources.iter().map(|s| s.field.clone()).collect();
    let scheme_names: Vec<String> = plan.schemes.iter().map(|s| s.field.clone()).collect();

    let source_setters = plan.sources.iter().map(source_setter);
    let broker_fields: Vec<Ident> = plan.brokers.iter().map(|b| ident(&b.field)).collect();
    let broker_names: Vec<String> = plan.brokers.iter().map(|b| b.field.clone()).collect();
    let broker_setters = plan.brokers.iter().map(broker_setter);
    let broker_values = plan.brokers.iter().map(broker_value);
    let host_fields: Vec<Ident> = plan
        .brokers
        .iter()
        .filter_map(|b| b.host_setter.as_deref().map(ident))
        .collect();
    let host_names: Vec<&str> = plan
        .brokers
        .iter()
        .filter_map(|b| b.host_setter.as_deref())
        .collect();
    let login_brokers = || plan.brokers.iter().filter(|b| !b.logins.is_empty());
    let credentials_fields: Vec<Ident> = login_brokers()
        .map(|b| ident(&b.credentials_field))
        .collect();
    let credentials_names: Vec<&str> = login_brokers()
        .map(|b| b.credentials_field.as_str())
        .collect();

    let scheme_setters = plan.schemes.iter().map(|s| scheme_setter(plan, s));

    quote! {
        #client_doc
        #[derive(::std::clone::Clone)]
        pub struct Client {
            http: ::arazzo_runtime::HttpClient,
            #(#source_fields: ::std::string::String,)*
            #(#broker_fields: ::arazzo_runtime::messaging::Broker,)*
            #(#scheme_fields: ::std::option::Option<#scheme_types>,)*
        }

        impl Client {
            /// A client that uses each source's first server and sends no credentials.
            pub fn new() -> Self {
                Self::builder().build()
            }

            /// A builder for base URLs, credentials and the HTTP client.
            pub fn builder() -> ClientBuilder {
                ClientBuilder::default()
            }
        }

        impl ::std::default::Default for Client {
            fn default() -> Self {
                Self::new()
            }
        }

        impl ::std::fmt::Debug for Client {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct("Client")
                    #(.field(#source_names, &self.#source_fields))*
                    #(.field(#broker_names, &self.#broker_fields))*
                    #(.field(#scheme_names, &self.#scheme_fields))*
                    .finish_non_exhaustive()
            }
        }

        /// Builds a [`Client`]. Credentials set here never show in `Debug` output.
        #[derive(::std::default::Default)]
        pub struct ClientBuilder {
            #(#source_fields: ::std::option::Option<::std::string::String>,)*
            #(#broker_fields: ::std::option::Option<::std::sync::Arc<dyn ::arazzo_runtime::transport::Transport>>,)*
            #(#host_fields: ::std::option::Option<::std::string::String>,)*
            #(#credentials_fields: ::std::option::Option<::arazzo_runtime::transport::Credentials>,)*
            #(#scheme_fields: ::std::option::Option<#scheme_types>,)*
            http: ::arazzo_runtime::ClientSettings,
        }

        impl ::std::fmt::Debug for ClientBuilder {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct("ClientBuilder")
                    #(.field(#source_names, &self.#source_fields))*
                    #(.field(#broker_names, &self.#broker_fields))*
                    #(.field(#host_names, &self.#host_fields))*
                    #(.field(#credentials_names, &self.#credentials_fields))*
                    #(.field(#scheme_names, &self.#scheme_fields))*
                    .finish_non_exhaustive()
            }
        }

        impl ClientBuilder {
            #(#source_setters)*
            #(#broker_setters)*
            #(#scheme_setters)*

            ::arazzo_runtime::http_builder_methods!(http);

            /// The client.
            pub fn build(self) -> Client {
                let http = self.http.build_http();
                #(let #source_fields = self.#source_fields.#source_defaults;)*
                Client {
                    #(#scheme_fields: #scheme_values,)*
                    http,
                    #(#source_fields,)*
                    #(#broker_fields: #broker_values,)*
                }
            }
        }
    }
}

/// The `Client`'s doc: the document's title and summary, and how to make one.
fn client_doc(plan: &Plan) -> TokenStream {
    let mut intro = vec![format!(
        "Sends the requests of the workflows in *{}*.",
        plan.title
    )];
    for text in [&plan.summary, &plan.description].into_iter().flatten() {
        intro.push(String::new());
        intro.push(text.clone());
    }
    intro.push(String::new());
    intro.push(
        "Create it with [`Client::new`] (each source's first server, no credentials) or \
         [`Client::builder`]. Cloning is cheap: clones share one connection pool."
            .to_owned(),
    );
    doc(&intro.join("\n\n").replace("\n\n\n\n", "\n\n"))
}

/// The `Broker` that `build` makes of an AsyncAPI source's transport, host and credentials.
fn broker_value(b: &BrokerPlan) -> TokenStream {
    let field = ident(&b.field);
    let server = match (&b.server, &b.host_setter) {
        (Some((protocol, host)), Some(host_setter)) => {
            let host_field = ident(host_setter);
            quote!(::std::option::Option::Some((#protocol, self.#host_field.as_deref().unwrap_or(#host))))
        }
        _ => quote!(::std::option::Option::None),
    };
    if b.logins.is_empty() {
        quote!(::arazzo_runtime::messaging::Broker::new(self.#field, #server))
    } else {
        let credentials = ident(&b.credentials_field);
        quote!(::arazzo_runtime::messaging::Broker::with_credentials(self.#field, #server, self.#credentials))
    }
}

/// The builder's setters of an AsyncAPI source: its transport (with its default), the default
/// transport's host, and its credentials.
fn broker_setter(b: &BrokerPlan) -> TokenStream {
    let setter = ident(&b.field);
    let default = match &b.server {
        Some((protocol, host)) => format!(
            "Default: `arazzo_runtime::transport::for_server(\"{protocol}\", \"{host}\")`, the \
             description's first server; when this build of `arazzo-runtime` has no transport \
             for it, each step on this source fails with `Error::BrokerUnreachable`."
        ),
        None => "The description names no server, so there is no default: set this before \
                 running a workflow that sends or receives on it."
            .to_owned(),
    };
    let configured = match (b.host_setter.is_some(), b.logins.is_empty()) {
        (false, true) => "",
        (true, true) => {
            "\n\nA transport set here is used as it is: the host set on this builder configures \
             only the default one."
        }
        _ => {
            "\n\nA transport set here is used as it is: the host and credentials set on this \
             builder configure only the default one."
        }
    };
    let docs = doc(&format!(
        "Sets the transport of the AsyncAPI source `{}`: how its messages are sent and \
         received (for tests, `arazzo_runtime::transport::InMemory`).\n\n{default}{configured}",
        b.name
    ));
    let host_setter = b.host_setter.as_deref().zip(b.server.as_ref()).map(|(name, (_, host))| {
        let setter = ident(name);
        let docs = doc(&format!(
            "Sets the host (`host` or `host:port`) that the default transport of the AsyncAPI \
             source `{}` connects to, in place of its first server's `{host}`; the protocol, \
             and the credentials set on this builder, stay.",
            b.name
        ));
        quote! {
            #docs
            #[must_use]
            pub fn #setter(mut self, host: impl ::std::convert::Into<::std::string::String>) -> Self {
                self.#setter = ::std::option::Option::Some(host.into());
                self
            }
        }
    });
    let login_setters = b
        .logins
        .iter()
        .map(|login| super::logins::login_setter(b, login));
    quote! {
        #docs
        #[must_use]
        pub fn #setter(mut self, transport: ::std::sync::Arc<dyn ::arazzo_runtime::transport::Transport>) -> Self {
            self.#setter = ::std::option::Option::Some(transport);
            self
        }

        #host_setter
        #(#login_setters)*
    }
}

/// The builder's setter of a source's base URL, with its default and the other servers.
fn source_setter(s: &SourcePlan) -> TokenStream {
    let setter = ident(&s.field);
    let mut text = format!("Sets the base URL of the source `{}`.", s.name);
    match (&s.default_url, s.servers.as_slice()) {
        (Some(first), [_, rest @ ..]) => {
            text.push_str(&format!("\n\nDefault: `{first}`."));
            if !rest.is_empty() {
                let others: Vec<String> = rest.iter().map(|u| format!("`{u}`")).collect();
                text.push_str(&format!(
                    " Other servers in the description: {}.",
                    others.join(", ")
                ));
            }
        }
        _ => text.push_str(
            "\n\nThe description names no absolute server URL first, so there is no default: \
                 set this before running a workflow.",
        ),
    }
    let docs = doc(&text);
    quote! {
        #docs
        #[must_use]
        pub fn #setter(mut self, base_url: impl ::std::convert::Into<::std::string::String>) -> Self {
            self.#setter = ::std::option::Option::Some(base_url.into());
            self
        }
    }
}

/// The builder's setter of a security scheme's credentials.
fn scheme_setter(plan: &Plan, s: &SchemePlan) -> TokenStream {
    let setter = ident(&s.field);
    let what = match &s.kind {
        SchemeKind::Basic => "the credentials of the HTTP basic".to_owned(),
        SchemeKind::Bearer => "the bearer token (or OAuth 2 access token) of the".to_owned(),
        SchemeKind::ApiKey { location, name } => {
            let location = match location {
                ApiKeyLocation::Header => "header",
                ApiKeyLocation::Query => "query parameter",
                ApiKeyLocation::Cookie => "cookie",
            };
            format!("the API key (sent as the {location} `{name}`) of the")
        }
    };
    let mut text = format!("Sets {what} security scheme `{}`", s.name);
    if plan.sources.len() > 1 {
        text.push_str(&format!(
            " of the source `{}` (sent only to that source)",
            plan.sources[s.source].name
        ));
    }
    text.push('.');
    if let Some(description) = &s.description {
        text.push_str("\n\n");
        text.push_str(description);
    }
    if s.implied {
        text.push_str(
            "\n\nThe description defines this scheme but applies no security to its \
                 operations; as the only scheme it defines, it is sent with every request \
                 of its source once set.",
        );
    }
    let docs = doc(&text);
    match s.kind {
        SchemeKind::Basic => quote! {
            #docs
            #[must_use]
            pub fn #setter(
                mut self,
                username: impl ::std::convert::Into<::std::string::String>,
                password: impl ::std::convert::Into<::std::string::String>,
            ) -> Self {
                self.#setter = ::std::option::Option::Some(::arazzo_runtime::BasicAuth::new(username, password));
                self
            }
        },
        SchemeKind::Bearer => {
            let source_setter = ident(&format!("{}_source", s.field));
            let source_docs = doc(&format!(
                "Sets where the token of the security scheme `{}` comes from: a \
                 [`TokenSource`](::arazzo_runtime::TokenSource) asked before every request \
                 (a vault, a token exchange). When a server answers 401 and the source's \
                 `rejected` returns true, the request is sent once more with a new token.",
                s.name
            ));
            let client_credentials = s.client_credentials.as_ref().map(|flow| {
                let cc_setter = ident(&format!("{}_client_credentials", s.field));
                let token_url = &flow.token_url;
                let scopes = &flow.scopes;
                let scope_call = (!scopes.is_empty()).then(|| quote!(.scopes([#(#scopes),*])));
                let scope_text = if scopes.is_empty() {
                    "no scope".to_owned()
                } else {
                    let listed: Vec<String> = scopes.iter().map(|s| format!("`{s}`")).collect();
                    format!("the scopes the workflows' operations require ({})", listed.join(", "))
                };
                let docs = doc(&format!(
                    "Fetches the tokens of the OAuth 2 scheme `{}` with the client credentials \
                     flow: from `{token_url}` (a relative URL is relative to the source's base \
                     URL), authenticating with HTTP Basic, asking for {scope_text}.\n\n\
                     The token is cached in the client (clones share it) and fetched again \
                     shortly before its `expires_in` runs out (a quarter of its lifetime \
                     before, at most 30 seconds); workflows that need one at the same moment \
                     wait for one request. When an operation answers 401, the token is fetched \
                     again once and the request sent once more. A token endpoint that refuses \
                     fails the step with `Error::Token`, which names the scheme and what the \
                     endpoint said, never the secret.",
                    s.name
                ));
                quote! {
                    #docs
                    #[must_use]
                    pub fn #cc_setter(
                        mut self,
                        client_id: impl ::std::convert::Into<::std::string::String>,
                        client_secret: impl ::std::convert::Into<::std::string::String>,
                    ) -> Self {
                        self.#setter = ::std::option::Option::Some(
                            ::arazzo_runtime::Bearer::client_credentials(
                                ::arazzo_runtime::ClientCredentials::new(#token_url, client_id, client_secret)
                                    #scope_call,
                            ),
                        );
                        self
                    }
                }
            });
            quote! {
                #docs
                #[must_use]
                pub fn #setter(mut self, token: impl ::std::convert::Into<::std::string::String>) -> Self {
                    self.#setter = ::std::option::Option::Some(::arazzo_runtime::Bearer::fixed(token));
                    self
                }

                #source_docs
                #[must_use]
                pub fn #source_setter(mut self, source: impl ::arazzo_runtime::TokenSource) -> Self {
                    self.#setter = ::std::option::Option::Some(::arazzo_runtime::Bearer::source(source));
                    self
                }

                #client_credentials
            }
        }
        SchemeKind::ApiKey { .. } => quote! {
            #docs
            #[must_use]
            pub fn #setter(mut self, key: impl ::std::convert::Into<::std::string::String>) -> Self {
                self.#setter = ::std::option::Option::Some(::arazzo_runtime::Secret::new(key));
                self
            }
        },
    }
}
