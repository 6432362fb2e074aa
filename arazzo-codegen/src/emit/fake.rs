//! `pub mod fake` (with `Settings::fake`): the static description of every operation the
//! workflows call, `Fake` (a server on 127.0.0.1 with a typed handler setter and a fault setter
//! per operation step), a request and a response type per operation, and sample inputs per
//! workflow. Everything it decides is in the [`FakePlan`].

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::plan::fake::{FakeAnswer, FakeOperation, FakePlan};
use crate::plan::{ItemPath, ParamLocation, Plan, SchemeKind, Type};

use super::data;
use super::paths::At;
use super::{doc, ident};

/// The module's name, which `resolve` reserves.
const FAKE: &str = "fake";

/// A type written from inside `fake` (`super::types::User`).
fn ty(t: &Type) -> TokenStream {
    data::ty(t, At::module(FAKE))
}

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
    // A step id that names operations of several workflows (or documents) is ambiguous: it
    // takes the typed setter of its operation instead.
    let mut operations_of: std::collections::BTreeMap<&str, std::collections::BTreeSet<usize>> =
        std::collections::BTreeMap::new();
    for (i, op) in fake.operations.iter().enumerate() {
        for step in &op.steps {
            operations_of.entry(step.as_str()).or_default().insert(i);
        }
    }
    let unique: Vec<(&str, usize)> = operations_of
        .iter()
        .filter(|(_, ops)| ops.len() == 1)
        .filter_map(|(step, ops)| Some((*step, *ops.first()?)))
        .collect();
    let ambiguous: Vec<&str> = operations_of
        .iter()
        .filter(|(_, ops)| ops.len() > 1)
        .map(|(step, _)| *step)
        .collect();
    let step_indices = unique.iter().map(|(step, i)| {
        let i = Literal::usize_unsuffixed(*i);
        quote!(#step => #i,)
    });
    let ambiguous_arms = ambiguous.iter().map(|step| {
        quote!(#step => ::std::panic!("the step `{step}` calls different operations in different workflows: use its operation's `on_` setter"),)
    });
    let step_names: Vec<String> = unique.iter().map(|(s, _)| format!("`{s}`")).collect();
    let on_raw_doc = doc(&format!(
        "Answers the operation of the step `step` ({}) with `handler` from now on, given the \
         request as received: for a test that sends what the typed request cannot hold.\n\n\
         # Panics\n\n\
         When `step` is not one of those.",
        step_names.join(", ")
    ));
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
         Handlers, one per operation step: {}. Each gets the request typed (parameters and body \
         as their schemas describe them, in `types`) and answers a typed response. Every \
         request is checked against the description (required parameters and body members, \
         their JSON types, the content type, credentials; with a handler, that the request \
         reads as its typed request); a request that breaks it is answered `400` naming the \
         step and recorded in [`Fake::violations`](fake::Fake::violations) \
         ([`Fake::on_raw`](fake::Fake::on_raw) answers any request as received). [`Fake::requests`](fake::Fake::requests) lists every request received.\n\n\
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

                #on_raw_doc
                pub fn on_raw(
                    &self,
                    step: &str,
                    handler: impl ::std::ops::Fn(&RecordedRequest) -> RawResponse + ::std::marker::Send + ::std::marker::Sync + 'static,
                ) -> &Self {
                    let operation = match step {
                        #(#step_indices)*
                        #(#ambiguous_arms)*
                        _ => ::std::panic!("no operation step of the workflows is `{step}`"),
                    };
                    self.server.set_handler(
                        operation,
                        ::std::sync::Arc::new(move |raw: &RecordedRequest| ::std::result::Result::Ok(handler(raw))),
                    );
                    self
                }
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
                    ::std::sync::Arc::new(move |raw: &RecordedRequest| #request::from_raw(raw).map(|request| handler(request).0)),
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
        "A request to `{} {}` (step `{}`), as a handler gets it: each parameter and the body \
         read as their schemas describe them. A request that does not read so is answered `400` \
         and recorded in [`Fake::violations`], without calling the handler.",
        op.method.as_str(),
        op.path,
        op.steps.join("`, `")
    ));
    let fields = op.params.iter().map(|p| {
        let field = ident(&p.ident);
        let place = match p.location {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        };
        let docs = doc(&format!("The {place} parameter `{}`.", p.name));
        let t = if p.required {
            ty(&p.ty)
        } else {
            ty(&p.ty.clone().optional())
        };
        quote!(#docs pub #field: #t,)
    });
    let reads = op.params.iter().map(|p| {
        let field = ident(&p.ident);
        let name = &p.name;
        let location = location(p.location);
        if p.required {
            quote!(#field: raw.decode_required_param(#name, #location)?,)
        } else {
            quote!(#field: raw.decode_param(#name, #location)?,)
        }
    });
    let (body_field, body_read) = match &op.body {
        Some(body) => {
            let t = if body.required || body.ty == Type::Json {
                ty(&body.ty)
            } else {
                ty(&body.ty.clone().optional())
            };
            let docs = doc(if body.ty == Type::Json {
                "The body: JSON as sent, a form as an object of strings, anything else as a \
                 string; `Null` when there was none."
            } else {
                "The body, as its schema describes it."
            });
            (
                quote!(#docs pub body: #t,),
                quote!(body: raw.decode_body()?,),
            )
        }
        None => (TokenStream::new(), TokenStream::new()),
    };
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
        if !status.json {
            quote! {
                #docs
                pub fn #name() -> Self {
                    Self(RawResponse::raw(#code, "text/plain", ""))
                }
            }
        } else if status.ty == Type::Json {
            quote! {
                #docs
                pub fn #name(body: impl ::arazzo_runtime::serde::Serialize) -> Self {
                    Self(RawResponse::json(#code, &body))
                }
            }
        } else {
            let t = ty(&status.ty);
            quote! {
                #docs
                pub fn #name(body: #t) -> Self {
                    Self(RawResponse::json(#code, &body))
                }
            }
        }
    });
    let status_codes: Vec<u16> = op.statuses.iter().map(|s| s.code).collect();
    let index = Literal::usize_unsuffixed(index);
    let typed_default = op.typed_default.as_ref().map(|(constructor, t)| {
        let name = format_ident!("default_{}", constructor);
        let docs = doc(&format!(
            "The body the fake answers without a handler, typed: change a member and answer it \
             with [`{response}::{constructor}`]."
        ));
        let t = ty(t);
        quote! {
            #docs
            pub fn #name() -> #t {
                ::arazzo_runtime::fake::default_body(&OPERATIONS[#index])
            }
        }
    });
    let response_doc = doc(&format!(
        "What a handler of `{} {}` answers: one constructor per declared status ({:?}), each \
         taking the body its schema describes; any status and JSON with \
         [`{response}::with_status`], any body with [`{response}::raw`].",
        op.method.as_str(),
        op.path,
        status_codes
    ));
    quote! {
        #request_doc
        #[derive(::std::clone::Clone, ::std::fmt::Debug)]
        pub struct #request {
            #(#fields)*
            #body_field
            /// The whole request, as received.
            pub raw: RecordedRequest,
        }

        impl #request {
            fn from_raw(raw: &RecordedRequest) -> ::std::result::Result<Self, ::std::string::String> {
                ::std::result::Result::Ok(Self {
                    #(#reads)*
                    #body_read
                    raw: raw.clone(),
                })
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

            #typed_default

            /// The body the fake answers without a handler, as JSON (`Null` when it has none):
            /// change a member and answer it with [`Self::with_status`].
            pub fn default_body() -> ::arazzo_runtime::serde_json::Value {
                Self::default_answer().0.body_json().unwrap_or_default()
            }
        }
    }
}
