//! `pub mod fake` (with `Settings::fake`): the static description of every operation the
//! workflows call, `Fake` (a server on 127.0.0.1 with a typed handler setter and a fault setter
//! per operation step), a request and a response type per operation, and sample inputs per
//! workflow. Everything it decides is in the [`FakePlan`].

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::plan::fake::{FakeAnswer, FakeOperation, FakePlan};
use crate::plan::{ItemPath, ParamLocation, Plan, SchemeKind};

use super::{doc, ident};

fn location(location: ParamLocation) -> TokenStream {
    match location {
        ParamLocation::Path => quote!(::arazzo_runtime::fake::ParamIn::Path),
        ParamLocation::Query => quote!(::arazzo_runtime::fake::ParamIn::Query),
        ParamLocation::Header => quote!(::arazzo_runtime::fake::ParamIn::Header),
        ParamLocation::Cookie => quote!(::arazzo_runtime::fake::ParamIn::Cookie),
    }
}

/// The path of a root item (`super::x`) or one in a module (`super::m::x`), from `fake`.
fn from_fake(path: &ItemPath) -> TokenStream {
    let name = ident(&path.name);
    match &path.module {
        Some(module) => {
            let module = ident(module);
            quote!(super::#module::#name)
        }
        None => quote!(super::#name),
    }
}

/// The module.
pub(crate) fn fake(plan: &Plan, fake: &FakePlan) -> TokenStream {
    let operations = fake.operations.iter().map(operation_data);
    let client_sources = plan.sources.iter().enumerate().map(|(i, s)| {
        let setter = ident(&s.field);
        let i = Literal::usize_unsuffixed(i);
        quote!(.#setter(self.server.base_url(#i)))
    });
    let client_schemes = plan.schemes.iter().map(|s| {
        let setter = ident(&s.field);
        match s.kind {
            SchemeKind::Basic => quote!(.#setter("fake-user", "fake-password")),
            SchemeKind::Bearer => quote!(.#setter("fake-token")),
            SchemeKind::ApiKey { .. } => quote!(.#setter("fake-key")),
        }
    });
    // A name two sources share (the same name in an Arazzo source description) is the first's.
    let mut seen = std::collections::BTreeSet::new();
    let base_urls: Vec<TokenStream> = plan
        .sources
        .iter()
        .enumerate()
        .filter(|(_, s)| seen.insert(s.name.as_str()))
        .map(|(i, s)| {
            let name = &s.name;
            let i = Literal::usize_unsuffixed(i);
            quote!(#name => ::std::option::Option::Some(self.server.base_url(#i)),)
        })
        .collect();
    let mut named = std::collections::BTreeSet::new();
    let source_names: Vec<String> = plan
        .sources
        .iter()
        .filter(|s| named.insert(s.name.as_str()))
        .map(|s| format!("`{}`", s.name))
        .collect();
    let base_url_doc = doc(&format!(
        "The base URL of a source on the fake, by its name in the document ({}); `None` for \
         another name.",
        source_names.join(", ")
    ));
    let setters = fake
        .operations
        .iter()
        .enumerate()
        .map(|(i, op)| setters(i, op));
    let types = fake
        .operations
        .iter()
        .enumerate()
        .map(|(i, op)| operation_types(i, op));
    let inputs = fake.inputs.iter().map(|(fn_name, inputs_type, json)| {
        let name = ident(fn_name);
        let ty = from_fake(inputs_type);
        let docs = doc(&format!(
            "Inputs of [`{fn_name}`](fn@super::super::{fn_name}) that its schema accepts, made up \
             deterministically: `{json}`."
        ));
        quote! {
            #docs
            pub fn #name() -> super::#ty {
                ::arazzo_runtime::serde_json::from_str(#json)
                    .unwrap_or_else(|error| ::std::panic!("the sample inputs of `{}` decode: {error}", #fn_name))
            }
        }
    });
    let steps: Vec<String> = fake
        .operations
        .iter()
        .map(|op| format!("`on_{}` ({} {})", op.name, op.method.as_str(), op.path))
        .collect();
    let module_doc = doc(&format!(
        "A fake server of every operation the workflows call, for tests: a real HTTP server on \
         127.0.0.1 that answers each operation with a response built from its description \
         (its example, else a value made from its schema, with every member the workflows read \
         and the status their success criteria ask for), so that every workflow succeeds \
         against [`Fake::client`](fake::Fake::client) with no handler registered.\n\n\
         Handlers, one per operation step: {}. Every request is checked against the \
         description (required parameters and body members, their JSON types, the content \
         type, credentials); a request that breaks it is answered `400` naming the step and \
         recorded in [`Fake::violations`](fake::Fake::violations). [`Fake::requests`](fake::Fake::requests) lists every request received.\n\n\
         Needs the `fake` feature of `arazzo-runtime` (a dev-dependency).",
        steps.join(", ")
    ));
    quote! {
        #module_doc
        pub mod fake {
            pub use ::arazzo_runtime::fake::{Fault, Request as RecordedRequest, Response as RawResponse, Violation};

            static OPERATIONS: &[::arazzo_runtime::fake::Operation] = &[#(#operations),*];

            /// The fake server; it stops when dropped.
            #[derive(::std::fmt::Debug)]
            pub struct Fake {
                server: ::arazzo_runtime::fake::Server,
            }

            impl Fake {
                /// Starts the server on 127.0.0.1, on a port the system picks.
                ///
                /// # Panics
                /// Outside a tokio runtime, or when no port on 127.0.0.1 can be bound.
                pub async fn start() -> Self {
                    Self { server: ::arazzo_runtime::fake::Server::start(OPERATIONS).await }
                }

                /// A client pointed at the fake, with credentials it accepts for every scheme.
                pub fn client(&self) -> super::Client {
                    self.client_builder().build()
                }

                /// A client builder pointed at the fake, with credentials it accepts: set a
                /// timeout or other settings, then `build()`.
                pub fn client_builder(&self) -> super::ClientBuilder {
                    super::Client::builder()
                        #(#client_sources)*
                        #(#client_schemes)*
                }

                #base_url_doc
                pub fn base_url(&self, source: &str) -> ::std::option::Option<::std::string::String> {
                    match source {
                        #(#base_urls)*
                        _ => ::std::option::Option::None,
                    }
                }

                /// Every request received, in order, decoded.
                pub fn requests(&self) -> ::std::vec::Vec<RecordedRequest> {
                    self.server.requests()
                }

                /// Every problem found in a request (each was answered `400`), in order.
                pub fn violations(&self) -> ::std::vec::Vec<Violation> {
                    self.server.violations()
                }

                #(#setters)*
            }

            #(#types)*

            /// Inputs per workflow that its schema accepts, for runs against the fake.
            pub mod inputs {
                #(#inputs)*
            }
        }
    }
}

fn operation_data(op: &FakeOperation) -> TokenStream {
    let step = op.steps.join("`, `");
    let handler = format!("on_{}", op.name);
    let source = Literal::usize_unsuffixed(op.source);
    let method = op.method.as_str();
    let path = &op.path;
    let params = op.params.iter().map(|p| {
        let name = &p.name;
        let location = location(p.location);
        let required = p.required;
        quote!(::arazzo_runtime::fake::Param { name: #name, location: #location, required: #required })
    });
    let body = match &op.body {
        Some(body) => {
            let required = body.required;
            let content_type = &body.content_type;
            let members = body.members.iter().map(|m| {
                let name = &m.name;
                let required = m.required;
                let kind = format_ident!("{}", m.kind);
                let nullable = m.nullable;
                quote!(::arazzo_runtime::fake::Member { name: #name, required: #required, kind: ::arazzo_runtime::fake::Kind::#kind, nullable: #nullable })
            });
            quote!(::std::option::Option::Some(::arazzo_runtime::fake::BodySpec {
                required: #required,
                content_type: #content_type,
                members: &[#(#members),*],
            }))
        }
        None => quote!(::std::option::Option::None),
    };
    let auth = op.auth.iter().map(|kind| match kind {
        SchemeKind::Basic => quote!(::arazzo_runtime::fake::Auth::Basic),
        SchemeKind::Bearer => quote!(::arazzo_runtime::fake::Auth::Bearer),
        SchemeKind::ApiKey { location: l, name } => {
            let location = match l {
                crate::plan::ApiKeyLocation::Header => {
                    quote!(::arazzo_runtime::fake::ParamIn::Header)
                }
                crate::plan::ApiKeyLocation::Query => {
                    quote!(::arazzo_runtime::fake::ParamIn::Query)
                }
                crate::plan::ApiKeyLocation::Cookie => {
                    quote!(::arazzo_runtime::fake::ParamIn::Cookie)
                }
            };
            quote!(::arazzo_runtime::fake::Auth::ApiKey { location: #location, name: #name })
        }
    });
    let default = match &op.default {
        FakeAnswer::Json {
            status,
            body,
            headers,
        } => {
            let status = Literal::u16_unsuffixed(*status);
            let headers = headers.iter().map(|(n, v)| quote!((#n, #v)));
            quote!(::arazzo_runtime::fake::Answer::Json { status: #status, body: #body, headers: &[#(#headers),*] })
        }
        FakeAnswer::Unsatisfiable(message) => {
            quote!(::arazzo_runtime::fake::Answer::Unsatisfiable(#message))
        }
    };
    quote! {
        ::arazzo_runtime::fake::Operation {
            step: #step,
            handler: #handler,
            source: #source,
            method: #method,
            path: #path,
            params: &[#(#params),*],
            body: #body,
            auth: &[#(#auth),*],
            default: #default,
        }
    }
}

fn setters(index: usize, op: &FakeOperation) -> TokenStream {
    let index = Literal::usize_unsuffixed(index);
    let request = format_ident!("{}Request", op.type_prefix);
    let response = format_ident!("{}Response", op.type_prefix);
    let what = format!(
        "`{} {}`{} (step `{}`)",
        op.method.as_str(),
        op.path,
        op.operation_id
            .as_ref()
            .map(|id| format!(" (`{id}`)"))
            .unwrap_or_default(),
        op.steps.join("`, `")
    );
    let mut note = String::new();
    if let FakeAnswer::Unsatisfiable(message) = &op.default {
        note = format!("\n\nWithout a handler it answers `500`: {message}.");
    }
    let names = std::iter::once(&op.name).chain(&op.aliases);
    let on = names.clone().map(|name| {
        let setter = format_ident!("on_{}", name);
        let docs = doc(&format!(
            "Answers {what} with `handler` from now on, instead of the default \
             ([`{response}::default_answer`]).{note}"
        ));
        quote! {
            #docs
            pub fn #setter(
                &self,
                handler: impl ::std::ops::Fn(#request) -> #response + ::std::marker::Send + ::std::marker::Sync + 'static,
            ) -> &Self {
                self.server.set_handler(
                    #index,
                    ::std::sync::Arc::new(move |raw: &RecordedRequest| handler(#request::from_raw(raw)).0),
                );
                self
            }
        }
    });
    let fault = names.map(|name| {
        let setter = format_ident!("fault_{}", name);
        let docs = doc(&format!(
            "Injects `fault` into the next `times` calls of {what} (after faults already queued)."
        ));
        quote! {
            #docs
            pub fn #setter(&self, fault: Fault, times: usize) -> &Self {
                self.server.fault(#index, fault, times);
                self
            }
        }
    });
    quote!(#(#on)* #(#fault)*)
}

fn operation_types(index: usize, op: &FakeOperation) -> TokenStream {
    let request = format_ident!("{}Request", op.type_prefix);
    let response = format_ident!("{}Response", op.type_prefix);
    let request_doc = doc(&format!(
        "A request to `{} {}` (step `{}`), as a handler gets it.",
        op.method.as_str(),
        op.path,
        op.steps.join("`, `")
    ));
    let fields = op.params.iter().map(|p| {
        let field = ident(&p.ident);
        let docs = doc(&format!("The parameter `{}`.", p.name));
        if p.required {
            quote!(#docs pub #field: ::std::string::String,)
        } else {
            quote!(#docs pub #field: ::std::option::Option<::std::string::String>,)
        }
    });
    let reads = op.params.iter().map(|p| {
        let field = ident(&p.ident);
        let name = &p.name;
        let location = location(p.location);
        if p.required {
            quote!(#field: raw.param(#name, #location).unwrap_or_default().to_owned(),)
        } else {
            quote!(#field: raw.param(#name, #location).map(::std::borrow::ToOwned::to_owned),)
        }
    });
    let constructors = op.statuses.iter().map(|status| {
        let name = format_ident!("{}", status.constructor);
        let code = Literal::u16_unsuffixed(status.code);
        let docs = doc(&format!(
            "`{}`{}",
            status.code,
            status
                .description
                .as_ref()
                .map(|d| format!(": {}", d.lines().next().unwrap_or("")))
                .unwrap_or_default()
        ));
        if status.json {
            quote! {
                #docs
                pub fn #name(body: impl ::arazzo_runtime::serde::Serialize) -> Self {
                    Self(RawResponse::json(#code, &body))
                }
            }
        } else {
            quote! {
                #docs
                pub fn #name() -> Self {
                    Self(RawResponse::raw(#code, "text/plain", ""))
                }
            }
        }
    });
    let status_codes: Vec<u16> = op.statuses.iter().map(|s| s.code).collect();
    let index = Literal::usize_unsuffixed(index);
    let response_doc = doc(&format!(
        "What a handler of `{} {}` answers: one constructor per declared status ({:?}), any \
         status with [`{response}::with_status`], any body with [`{response}::raw`].",
        op.method.as_str(),
        op.path,
        status_codes
    ));
    quote! {
        #request_doc
        #[derive(::std::clone::Clone, ::std::fmt::Debug)]
        pub struct #request {
            #(#fields)*
            /// The body, decoded (JSON as sent; `Null` when there was none).
            pub body: ::arazzo_runtime::serde_json::Value,
            /// The whole request.
            pub raw: RecordedRequest,
        }

        impl #request {
            fn from_raw(raw: &RecordedRequest) -> Self {
                Self {
                    #(#reads)*
                    body: raw.body.clone(),
                    raw: raw.clone(),
                }
            }
        }

        #response_doc
        #[derive(::std::clone::Clone, ::std::fmt::Debug, ::std::cmp::PartialEq)]
        pub struct #response(pub RawResponse);

        impl #response {
            #(#constructors)*

            /// Any status, with a JSON body.
            pub fn with_status(status: u16, body: impl ::arazzo_runtime::serde::Serialize) -> Self {
                Self(RawResponse::json(status, &body))
            }

            /// Any status, content type and body.
            pub fn raw(status: u16, content_type: &str, body: impl ::std::convert::Into<::std::vec::Vec<u8>>) -> Self {
                Self(RawResponse::raw(status, content_type, body))
            }

            /// What the fake answers without a handler.
            pub fn default_answer() -> Self {
                Self(::arazzo_runtime::fake::default_response(&OPERATIONS[#index]))
            }

            /// The body the fake answers without a handler, as JSON (`Null` when it has none):
            /// change a member and answer it with a constructor.
            pub fn default_body() -> ::arazzo_runtime::serde_json::Value {
                Self::default_answer().0.body_json().unwrap_or_default()
            }
        }
    }
}
