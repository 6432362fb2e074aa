//! The function body of a workflow whose steps run at once (Arazzo 1.1 step `dependsOn`): one
//! future per step, each waiting for the slots of the steps its [`Schedule`] names, all joined
//! in the workflow's own task; the first error ends the run and drops the others.

use proc_macro2::TokenStream;
use quote::quote;

use super::looping::Flow;
use super::workflow::Availability;
use super::{Cx, ident};
use crate::plan::concurrent::Schedule;
use crate::plan::{KeptOutputs, Place, StepPlan, WorkflowPlan};

/// The doc line of a step of a concurrent workflow: what it waits for.
pub(super) fn waits_doc(w: &WorkflowPlan, schedule: &Schedule, index: usize) -> String {
    let Some(waits) = schedule.steps.get(index) else {
        return String::new();
    };
    let mut names: Vec<String> = waits
        .reads
        .iter()
        .chain(&waits.after)
        .filter_map(|&i| w.steps.get(i))
        .map(|s| format!("`{}`", s.id))
        .collect();
    names.sort();
    if names.is_empty() {
        " Starts at once.".to_owned()
    } else {
        format!(" Starts when {} completed.", names.join(", "))
    }
}

impl Cx<'_> {
    /// The body: a slot for each step that another step or the workflow's outputs wait for, the
    /// steps' futures joined, then the outputs taken out of the slots.
    pub(super) fn concurrent_body(&self, w: &WorkflowPlan, schedule: &Schedule) -> TokenStream {
        let outputs_read = |var: &str| {
            w.outputs
                .iter()
                .any(|(_, r)| matches!(&r.place, Place::StepOutput { step, .. } if step == var))
        };
        let has_slot = |i: usize, step: &StepPlan| schedule.awaited(i) || outputs_read(&step.var);
        let slots = w
            .steps
            .iter()
            .enumerate()
            .filter(|(i, step)| has_slot(*i, step))
            .map(|(_, step)| {
                let var = ident(&step.var);
                let ty = self.slot_type(step);
                quote!(let #var = ::arazzo_runtime::concurrent::Slot::<#ty>::new();)
            });
        // Each step's future, named `run_<step>`, then pinned where the join polls it.
        let names: Vec<_> = w
            .steps
            .iter()
            .map(|step| self.local(&format!("run_{}", step.var)))
            .collect();
        let futures = w.steps.iter().enumerate().map(|(i, step)| {
            let (name, future) = (
                &names[i],
                self.step_future(w, schedule, i, step, has_slot(i, step)),
            );
            quote!(let #name = #future;)
        });
        let pinned = names
            .iter()
            .map(|name| quote!(::arazzo_runtime::concurrent::step(::std::pin::pin!(#name))));
        let taken = w
            .steps
            .iter()
            .filter(|step| outputs_read(&step.var))
            .map(|step| {
                let (var, id) = (ident(&step.var), &step.id);
                quote!(let #var = #var.into_value(#id)?;)
            });
        let outputs = self.workflow_outputs(w, |_| Availability::Ran);
        quote! {
            #(#slots)*
            #(#futures)*
            ::arazzo_runtime::concurrent::join([#(#pinned,)*]).await?;
            #(#taken)*
            ::std::result::Result::Ok(#outputs)
        }
    }

    /// One step's future: it waits for the steps it depends on (borrowing the outputs it
    /// reads), runs, and fills its slot.
    fn step_future(
        &self,
        w: &WorkflowPlan,
        schedule: &Schedule,
        index: usize,
        step: &StepPlan,
        has_slot: bool,
    ) -> TokenStream {
        let waits = schedule.steps.get(index);
        let reads = waits.into_iter().flat_map(|w| &w.reads).map(|&d| {
            let var = ident(&w.steps[d].var);
            quote!(let #var = #var.wait().await;)
        });
        let after = waits.into_iter().flat_map(|w| &w.after).map(|&d| {
            let var = ident(&w.steps[d].var);
            quote!(#var.wait().await;)
        });
        let body = match &step.standalone {
            // The outputs it reads are references already.
            Some(standalone) if standalone.called => {
                self.call_standalone_with(w, step, standalone, false)
            }
            _ => self.step_body(
                step,
                Flow::Straight {
                    ends: Vec::new(),
                    statics: Vec::new(),
                    standalone: false,
                },
            ),
        };
        let var = ident(&step.var);
        let finish = match (has_slot, keeps_nothing(step)) {
            (true, true) => quote! {
                #body;
                #var.set(());
            },
            (true, false) => quote!(#var.set(#body);),
            (false, _) => quote!(#body;),
        };
        quote! {
            async {
                #(#reads)*
                #(#after)*
                #finish
                ::std::result::Result::<(), ::arazzo_runtime::Error>::Ok(())
            }
        }
    }

    /// What a step's slot holds: what the workflow keeps of its outputs, or `()` when it keeps
    /// nothing (the slot then only says the step completed).
    fn slot_type(&self, step: &StepPlan) -> TokenStream {
        if keeps_nothing(step) {
            quote!(())
        } else {
            self.kept_type(step)
        }
    }
}

/// True when the workflow keeps nothing of the step's outputs.
fn keeps_nothing(step: &StepPlan) -> bool {
    matches!(
        step.kept,
        Some(KeptOutputs {
            type_name: None,
            ..
        })
    )
}
