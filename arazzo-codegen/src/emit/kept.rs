//! The structs local to a workflow's function that hold the outputs it keeps of a step whose
//! outputs it does not all read (see [`KeptOutputs`]).

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::doc;
use super::{Cx, data, ident};
use crate::plan::{KeptOutputs, StepPlan, WorkflowPlan};

impl Cx<'_> {
    /// The type of a step's variable in the workflow's function: the struct of the outputs it
    /// keeps, or the step's outputs struct.
    pub(super) fn kept_type(&self, step: &StepPlan) -> TokenStream {
        match &step.kept {
            Some(KeptOutputs {
                type_name: Some(name),
                ..
            }) => {
                let name = ident(name);
                quote!(#name)
            }
            _ => self.at.path(&step.outputs_type),
        }
    }

    /// The structs of the outputs the workflow's function keeps, one per step that keeps some
    /// but not all.
    pub(super) fn kept_structs(&self, w: &WorkflowPlan) -> Vec<TokenStream> {
        self.kept_structs_with(w, &quote!())
    }

    /// The same structs, in the workflow's module, for a durable run's state: they are saved.
    pub(super) fn saved_kept_structs(&self, w: &WorkflowPlan) -> Vec<TokenStream> {
        let attrs = quote! {
            #[derive(
                ::std::clone::Clone,
                ::arazzo_runtime::serde::Serialize,
                ::arazzo_runtime::serde::Deserialize,
            )]
            #[serde(crate = "::arazzo_runtime::serde")]
        };
        self.kept_structs_with(w, &attrs)
    }

    fn kept_structs_with(&self, w: &WorkflowPlan, attrs: &TokenStream) -> Vec<TokenStream> {
        w.steps
            .iter()
            .filter_map(|step| {
                let kept = step.kept.as_ref()?;
                let name = ident(kept.type_name.as_ref()?);
                let unread: Vec<String> = (0..step.outputs.len())
                    .filter(|i| !kept.read.contains(i))
                    .map(|i| format!("`{}`", step.outputs[i].field.name))
                    .collect();
                let docs = doc(&format!(
                    "The outputs of the step `{}` that the workflow reads ({} {} not read).",
                    step.id,
                    unread.join(", "),
                    if unread.len() == 1 { "is" } else { "are" }
                ));
                let fields = kept.read.iter().map(|&i| {
                    let field = &step.outputs[i].field;
                    let (name, ty) = (ident(&field.ident), data::ty(&field.ty, self.at));
                    quote!(#name: #ty)
                });
                Some(quote! {
                    #docs
                    #attrs
                    struct #name {
                        #(#fields,)*
                    }
                })
            })
            .collect()
    }
}
