//! The `Client` and its builder: a base URL per source, credentials per security scheme, and
//! the HTTP settings.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::docs::doc;
use super::ident;
use crate::plan::{ApiKeyLocation, Plan, SchemeKind};

pub(super) fn client(plan: &Plan) -> TokenStream {
    let mut intro = vec![format!(
        "Sends the requests of the workflows in *{}*.",
        plan.title
    )];
    if let Some(summary) = &plan.summary {
        intro.push(String::new());
        intro.push(summary.clone());
    }
    intro.push(String::new());
    intro.push(
        "Create it with [`Client::new`] (each source's first server, no credentials) or \
         [`Client::builder`]. Cloning is cheap: clones share one connection pool."
            .to_owned(),
    );
    let client_doc = doc(&intro.join("\n\n").replace("\n\n\n\n", "\n\n"));

    let source_fields: Vec<Ident> = plan.sources.iter().map(|s| ident(&s.field)).collect();
    let scheme_fields: Vec<Ident> = plan.schemes.iter().map(|s| ident(&s.field)).collect();
    let scheme_types: Vec<TokenStream> = plan
        .schemes
        .iter()
        .map(|s| match s.kind {
            SchemeKind::Basic => quote!(::arazzo_runtime::BasicAuth),
            SchemeKind::Bearer | SchemeKind::ApiKey { .. } => quote!(::arazzo_runtime::Secret),
        })
        .collect();
    let source_defaults = plan.sources.iter().map(|s| match &s.default_url {
        Some(url) => quote!(unwrap_or_else(|| #url.to_owned())),
        None => quote!(unwrap_or_default()),
    });
    let source_names: Vec<String> = plan.sources.iter().map(|s| s.field.clone()).collect();
    let scheme_names: Vec<String> = plan.schemes.iter().map(|s| s.field.clone()).collect();

    let source_setters = plan.sources.iter().map(|s| {
        let setter = ident(&s.field);
        let mut text = format!("Sets the base URL of the source `{}`.", s.name);
        match (&s.default_url, s.servers.as_slice()) {
            (Some(first), [_, rest @ ..]) => {
                text.push_str(&format!("\n\nDefault: `{first}`."));
                if !rest.is_empty() {
                    let others: Vec<String> = rest.iter().map(|u| format!("`{u}`")).collect();
                    text.push_str(&format!(" Other servers in the description: {}.", others.join(", ")));
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
    });
    let scheme_setters = plan.schemes.iter().map(|s| {
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
            SchemeKind::Bearer => quote! {
                #docs
                #[must_use]
                pub fn #setter(mut self, token: impl ::std::convert::Into<::std::string::String>) -> Self {
                    self.#setter = ::std::option::Option::Some(::arazzo_runtime::Secret::new(token));
                    self
                }
            },
            SchemeKind::ApiKey { .. } => quote! {
                #docs
                #[must_use]
                pub fn #setter(mut self, key: impl ::std::convert::Into<::std::string::String>) -> Self {
                    self.#setter = ::std::option::Option::Some(::arazzo_runtime::Secret::new(key));
                    self
                }
            },
        }
    });

    quote! {
        #client_doc
        #[derive(::std::clone::Clone)]
        pub struct Client {
            http: ::arazzo_runtime::HttpClient,
            #(#source_fields: ::std::string::String,)*
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
                    #(.field(#scheme_names, &self.#scheme_fields))*
                    .finish_non_exhaustive()
            }
        }

        /// Builds a [`Client`]. Credentials set here never show in `Debug` output.
        #[derive(::std::default::Default)]
        pub struct ClientBuilder {
            #(#source_fields: ::std::option::Option<::std::string::String>,)*
            #(#scheme_fields: ::std::option::Option<#scheme_types>,)*
                        reqwest_client: ::std::option::Option<::arazzo_runtime::reqwest::Client>,
            http: ::arazzo_runtime::HttpSettings,
        }

        impl ::std::fmt::Debug for ClientBuilder {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct("ClientBuilder")
                    #(.field(#source_names, &self.#source_fields))*
                    #(.field(#scheme_names, &self.#scheme_fields))*
                    .finish_non_exhaustive()
            }
        }

        impl ClientBuilder {
            #(#source_setters)*
            #(#scheme_setters)*

                        /// The longest one request may take, from connecting until its response has been
            /// read; a request that takes longer fails with `Error::Transport`. Default: 30
            /// seconds.
            #[must_use]
            pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.http.timeout = ::std::option::Option::Some(timeout);
                self
            }

            /// Requests may take as long as they take (no [`timeout`](Self::timeout)).
            #[must_use]
            pub fn no_timeout(mut self) -> Self {
                self.http.timeout = ::std::option::Option::None;
                self
            }

            /// The longest connecting to a server may take. Default: 10 seconds.
            #[must_use]
            pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.http.connect_timeout = ::std::option::Option::Some(timeout);
                self
            }

            /// The `User-Agent` header of every request. Default: `arazzo-runtime/<version>`.
            /// A value that is not a valid header makes every request fail with `Error::Client`.
            #[must_use]
            pub fn user_agent(mut self, user_agent: impl ::std::convert::Into<::std::string::String>) -> Self {
                self.http.user_agent = user_agent.into();
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
                self.http.headers.push((name.into(), value.into()));
                self
            }

            /// Sends requests with this `reqwest::Client` (its timeouts, proxies and TLS
            /// settings) instead of a default one; the timeouts, `User-Agent` and default
            /// headers set here are then not used.
            #[must_use]
            pub fn reqwest_client(mut self, client: ::arazzo_runtime::reqwest::Client) -> Self {
                self.reqwest_client = ::std::option::Option::Some(client);
                self
            }

            /// The client.
            pub fn build(self) -> Client {
                Client {
                    http: match self.reqwest_client {
                        ::std::option::Option::Some(client) => ::arazzo_runtime::HttpClient::from_reqwest(client),
                        ::std::option::Option::None => ::arazzo_runtime::HttpClient::with_settings(&self.http),
                    },
                    #(#source_fields: self.#source_fields.#source_defaults,)*
                    #(#scheme_fields: self.#scheme_fields,)*
                }
            }
        }
    }
}
