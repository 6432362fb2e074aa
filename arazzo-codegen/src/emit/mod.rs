//! Emit: turns a [`Plan`] into Rust tokens. Every path is fully qualified, so the code compiles
//! wherever it is expanded; everything the code needs at run time comes from `arazzo_runtime`.
//! Emit decides nothing the plan has not: it chooses only the names of the generated code's
//! own locals ([`locals`]) and the shortest path to each item ([`paths`]).

mod client;
mod concurrent;
mod conditions;
mod data;
mod docs;
mod durable;
mod fake;
mod kept;
mod locals;
mod looping;
mod messages;
mod operation;
mod paths;
mod querystring;
mod requests;
mod steps;
mod values;
mod workflow;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::plan::{Embedding, Plan, TYPES_MODULE};

use docs::doc;
pub(crate) use fake::fake;
use locals::Locals;
use paths::At;

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// What the code of one workflow is written with: the plan, the module the code is in, and
/// the names of the generated code's own locals.
#[derive(Clone, Copy)]
struct Cx<'a> {
    plan: &'a Plan,
    at: At<'a>,
    locals: &'a Locals,
    /// How the workflow's document embeds values in strings.
    embedding: Embedding,
}

impl<'a> Cx<'a> {
    /// The same, for code written in the module `module`.
    fn inside(self, module: &'a str) -> Self {
        Self {
            at: At::module(module),
            ..self
        }
    }

    /// The generated code's local `base`, renamed when the document took that name.
    fn local(&self, base: &str) -> Ident {
        self.locals.get(base)
    }
}

/// Emits the whole module for a plan: the client, the types made from schemas in `types`, and
/// each workflow's function with a module of the same name for its types and step functions.
pub(crate) fn emit(plan: &Plan) -> TokenStream {
    let client = client::client(plan);
    let workflows = plan.workflows.iter().map(|w| workflow::workflow(plan, w));
    let types = (!plan.types.is_empty()).then(|| {
        let fake = if plan.fake_types.is_empty() {
            ""
        } else {
            " With the fake, also the request and response bodies of every operation the \
             workflows call, which its handlers get and answer (one type per schema)."
        };
        let docs = doc(&format!(
            "The structs and enums made from the JSON Schemas of *{}*: objects and string \
             enums of the workflows' inputs, and the objects their outputs read from \
             responses.{fake}",
            plan.title
        ));
        let module = ident(TYPES_MODULE);
        let types = plan.types.iter().map(data::type_def);
        quote! {
            #docs
            pub mod #module {
                #(#types)*
            }
        }
    });
    quote! {
        #client
        #types
        #(#workflows)*
    }
}
