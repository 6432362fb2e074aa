//! Emit: turns a [`Plan`] into Rust tokens. Every path is fully qualified, so the code compiles
//! wherever it is expanded; everything the code needs at run time comes from `arazzo_runtime`.

mod workflow;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::naming;
use crate::plan::{ApiKeyLocation, FieldPlan, Plan, SchemeKind, Type, TypeDef, TypeDefKind};

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// Doc attributes for a text: one `#[doc]` per line, paragraphs wrapped at 90 columns.
fn doc(text: &str) -> TokenStream {
    let mut lines = Vec::new();
    for (i, paragraph) in text.trim().split("\n\n").enumerate() {
        if i > 0 {
            lines.push(String::new());
        }
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.len() + word.len() + 1 > 90 {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    doc_lines(&lines)
}

fn doc_lines(lines: &[String]) -> TokenStream {
    lines
        .iter()
        .map(|line| {
            let line = if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            };
            quote!(#[doc = #line])
        })
        .collect()
}

fn opt_doc(text: Option<&str>) -> TokenStream {
    text.map(doc).unwrap_or_default()
}

fn ty(t: &Type) -> TokenStream {
    match t {
        Type::String => quote!(::std::string::String),
        Type::Bool => quote!(bool),
        Type::I32 => quote!(i32),
        Type::I64 => quote!(i64),
        Type::U16 => quote!(u16),
        Type::F64 => quote!(f64),
        Type::Json => quote!(::arazzo_runtime::serde_json::Value),
        Type::Vec(inner) => {
            let inner = ty(inner);
            quote!(::std::vec::Vec<#inner>)
        }
        Type::Option(inner) => {
            let inner = ty(inner);
            quote!(::std::option::Option<#inner>)
        }
        Type::Boxed(inner) => {
            let inner = ty(inner);
            quote!(::std::boxed::Box<#inner>)
        }
        Type::Named(name) | Type::Enum(name) => {
            let name = ident(name);
            quote!(#name)
        }
    }
}

/// The derives and serde settings shared by every generated data struct; `Debug` is derived
/// unless the struct writes its own.
fn data_attrs(derive_debug: bool) -> TokenStream {
    let debug = derive_debug.then(|| quote!(::std::fmt::Debug,));
    quote! {
        #[derive(
            ::std::clone::Clone,
            #debug
            ::std::cmp::PartialEq,
            ::arazzo_runtime::serde::Serialize,
            ::arazzo_runtime::serde::Deserialize,
        )]
        #[serde(crate = "::arazzo_runtime::serde")]
    }
}

/// A data struct. When a field's name says it holds a credential (`session_token`, `api_key`;
/// see [`naming::is_sensitive`]), its `Debug` shows `[redacted]` in that field's place.
fn data_struct(name: &str, docs: TokenStream, fields: &[&FieldPlan]) -> TokenStream {
    let type_name = name;
    let name = ident(name);
    let redact = fields.iter().any(|f| naming::is_sensitive(&f.name));
    let attrs = data_attrs(!redact);
    let debug = redact.then(|| {
        let entries = fields.iter().map(|field| {
            let shown = &field.ident;
            let field_ident = ident(&field.ident);
            if naming::is_sensitive(&field.name) {
                quote!(.field(#shown, &::arazzo_runtime::Redacted))
            } else {
                quote!(.field(#shown, &self.#field_ident))
            }
        });
        quote! {
            impl ::std::fmt::Debug for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.debug_struct(#type_name)
                        #(#entries)*
                        .finish()
                }
            }
        }
    });
    let fields = fields.iter().map(|field| {
        let docs = opt_doc(field.doc.as_deref());
        let field_ident = ident(&field.ident);
        let field_ty = ty(&field.ty);
        let rename = (field.ident != field.name).then(|| {
            let original = &field.name;
            quote!(#[serde(rename = #original)])
        });
        let skip = field.ty.is_option().then(
            || quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")]),
        );
        quote! {
            #docs
            #rename
            #skip
            pub #field_ident: #field_ty,
        }
    });
    quote! {
        #docs
        #attrs
                pub struct #name {
            #(#fields)*
        }
        #debug
    }
}

/// True for a URL with a scheme (`https://…`), which can serve as a base URL as it is.
pub(crate) fn is_absolute(url: &str) -> bool {
    url.split_once("://")
        .is_some_and(|(scheme, _)| !scheme.is_empty())
}

/// Emits the whole module for a plan.
pub fn emit(plan: &Plan) -> TokenStream {
    let client = client(plan);
    let workflows = plan.workflows.iter().map(|w| workflow::workflow(plan, w));
    let types = plan.types.iter().map(type_def);
    quote! {
        #client
        #(#workflows)*
        #(#types)*
    }
}

/// A struct or an enum generated from a JSON Schema.
fn type_def(def: &TypeDef) -> TokenStream {
    let docs = doc(&def.doc);
    match &def.kind {
        TypeDefKind::Struct(fields) => {
            let fields: Vec<&FieldPlan> = fields.iter().collect();
            data_struct(&def.name, docs, &fields)
        }
        TypeDefKind::Enum(variants) => {
            let name = ident(&def.name);
            let idents: Vec<Ident> = variants.iter().map(|(variant, _)| ident(variant)).collect();
            let values: Vec<&String> = variants.iter().map(|(_, value)| value).collect();
            let value_docs = values.iter().map(|value| format!(" `{value}`"));
            let renames = variants.iter().map(|(variant, value)| {
                (variant != value).then(|| quote!(#[serde(rename = #value)]))
            });
            quote! {
                #docs
                #[derive(
                    ::std::clone::Clone,
                    ::std::marker::Copy,
                    ::std::fmt::Debug,
                    ::std::cmp::PartialEq,
                    ::std::cmp::Eq,
                    ::std::hash::Hash,
                    ::arazzo_runtime::serde::Serialize,
                    ::arazzo_runtime::serde::Deserialize,
                )]
                #[serde(crate = "::arazzo_runtime::serde")]
                pub enum #name {
                    #(
                        #[doc = #value_docs]
                        #renames
                        #idents,
                    )*
                }

                impl #name {
                    /// The value as the document writes it.
                    pub fn as_str(&self) -> &'static str {
                        match self {
                            #(Self::#idents => #values,)*
                        }
                    }
                }

                impl ::std::fmt::Display for #name {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(self.as_str())
                    }
                }
            }
        }
    }
}

fn client(plan: &Plan) -> TokenStream {
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
    let source_defaults = plan.sources.iter().map(|s| match s.servers.first() {
        Some(url) if is_absolute(url) => quote!(unwrap_or_else(|| #url.to_owned())),
        _ => quote!(unwrap_or_default()),
    });
    let source_names: Vec<String> = plan.sources.iter().map(|s| s.field.clone()).collect();
    let scheme_names: Vec<String> = plan.schemes.iter().map(|s| s.field.clone()).collect();

    let source_setters = plan.sources.iter().map(|s| {
        let setter = ident(&s.field);
        let mut text = format!("Sets the base URL of the source `{}`.", s.name);
        match s.servers.as_slice() {
            [first, rest @ ..] if is_absolute(first) => {
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
            http: ::arazzo_runtime::ClientSettings,
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

            ::arazzo_runtime::http_builder_methods!(http);

            /// The client.
            pub fn build(self) -> Client {
                Client {
                    http: self.http.build_http(),
                    #(#source_fields: self.#source_fields.#source_defaults,)*
                    #(#scheme_fields: self.#scheme_fields,)*
                }
            }
        }
    }
}
