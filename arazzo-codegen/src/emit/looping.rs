//! The control flow of a workflow whose actions jump or repeat: a loop over an enum of its
//! steps, with `goto`, `retry` and `end`.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::workflow::Availability;
use super::{Cx, ident};
use crate::plan::{
    ActionKind, ActionPlan, KeptOutputs, Place, RetryFirst, StepPlan, WorkflowPlan, WorkflowTarget,
};

/// The failure actions that take part in the generated chain, with their indices: a retry
/// whose limit is zero never applies, and nothing after an action without criteria is reached.
pub(super) fn failure_actions(step: &StepPlan) -> Vec<(usize, &ActionPlan)> {
    let mut actions = Vec::new();
    for (i, action) in step.on_failure.iter().enumerate() {
        match action.kind {
            ActionKind::Retry { limit: 0, .. } => continue,
            // A retry is bounded by its limit, so the actions after it stay reachable.
            ActionKind::Retry { .. } => actions.push((i, action)),
            _ => {
                actions.push((i, action));
                if action.criteria.is_empty() {
                    break;
                }
            }
        }
    }
    actions
}

/// How the function around a step block runs.
pub(super) enum Flow<'p> {
    /// Straight-line: each step is a `let` block; `end` actions return early with these outputs.
    Straight {
        /// For each success `end` action: its condition and the outputs to return.
        ends: Vec<(Option<TokenStream>, TokenStream)>,
        /// The patterns and queries those conditions use.
        statics: Vec<TokenStream>,
        /// True in the step's own function, which returns every output; else the block is
        /// the workflow's and reads only the outputs it keeps.
        standalone: bool,
    },
    /// A loop over the steps: the block evaluates to the next step.
    Loop {
        /// The step's index.
        index: usize,
        /// The variants of the step enum, by index.
        variants: &'p [Ident],
        /// The step variables read later (kept in `Option` variables).
        kept: &'p BTreeSet<String>,
        /// Earlier steps this one reads: (variable, stepId).
        reads: Vec<(String, String)>,
        /// Whether a `retry` can run another step first, after which the retried step resumes.
        resumes: bool,
    },
}

impl Flow<'_> {
    /// What the block keeps of the step's outputs, when not all of them (see [`KeptOutputs`]).
    pub(super) fn kept<'s>(&self, step: &'s StepPlan) -> Option<&'s KeptOutputs> {
        match self {
            Flow::Straight {
                standalone: true, ..
            } => None,
            _ => step.kept.as_ref(),
        }
    }
}

/// The variants of the enum of a workflow's steps, by index.
pub(super) fn step_variants(w: &WorkflowPlan) -> Vec<Ident> {
    let mut names = crate::naming::Scope::default();
    w.steps
        .iter()
        .map(|s| ident(&names.unique_type(crate::naming::pascal(&s.id))))
        .collect()
}

/// The variables of the steps whose outputs something after them reads: kept in `Option`s.
pub(super) fn kept_steps(
    w: &WorkflowPlan,
    step_is_read: &dyn Fn(&str) -> bool,
) -> BTreeSet<String> {
    w.steps
        .iter()
        .filter(|s| step_is_read(&s.var))
        .map(|s| s.var.clone())
        .collect()
}

/// Whether a `retry` can run another step first, after which the retried step resumes.
pub(super) fn resumes(w: &WorkflowPlan) -> bool {
    w.steps.iter().any(|s| {
        s.on_failure.iter().any(|a| {
            matches!(
                a.kind,
                ActionKind::Retry {
                    first: Some(RetryFirst::Step(_)),
                    ..
                }
            )
        })
    })
}

/// The `retry` actions that count their tries: (step index, action index).
pub(super) fn retry_actions(w: &WorkflowPlan) -> Vec<(usize, usize)> {
    w.steps
        .iter()
        .enumerate()
        .flat_map(|(index, step)| {
            failure_actions(step)
                .into_iter()
                .filter(|(_, action)| matches!(action.kind, ActionKind::Retry { .. }))
                .map(move |(i, _)| (index, i))
        })
        .collect()
}

impl Cx<'_> {
    /// The function body of a workflow whose actions jump or repeat: a loop over an enum of its
    /// steps, bounded by `max_steps`.
    pub(super) fn looping_body(
        &self,
        w: &WorkflowPlan,
        step_is_read: &dyn Fn(&str) -> bool,
    ) -> TokenStream {
        let variants = step_variants(w);
        let kept = kept_steps(w, step_is_read);
        let always: BTreeSet<&str> = w
            .steps
            .iter()
            .filter(|s| s.always_runs)
            .map(|s| s.var.as_str())
            .collect();
        let resumes = resumes(w);
        let arms = self.loop_arms(w, &variants, &kept, resumes);
        let declarations = w.steps.iter().filter(|s| kept.contains(&s.var)).map(|s| {
            let var = ident(&s.var);
            let ty = self.kept_type(s);
            quote!(let mut #var: ::std::option::Option<#ty> = ::std::option::Option::None;)
        });
        let counters = retry_actions(w).into_iter().map(|(index, i)| {
            let counter = self.retries(index, i);
            quote!(let mut #counter = 0_u32;)
        });
        // After the loop, the steps that always ran are unwrapped; the others stay `Option`s.
        let unwrap = self.unwrap_always_run(w);
        let outputs = self.workflow_outputs(w, |var| {
            if always.contains(var) {
                Availability::Ran
            } else {
                Availability::Maybe
            }
        });
        let (resume, next, executed, step) = (
            self.local("resume"),
            self.local("next"),
            self.local("executed"),
            self.local("step"),
        );
        let resume = resumes.then(
            || quote!(let mut #resume: ::std::option::Option<Step> = ::std::option::Option::None;),
        );
        let first = &variants[0];
        let workflow = &w.id;
        let limit = w.max_steps;
        let variant_docs = w.steps.iter().map(|s| format!(" `{}`", s.id));
        quote! {
            /// The steps, for the loop below.
            #[derive(::std::clone::Clone, ::std::marker::Copy)]
            // A step that no action reaches is never constructed.
            #[allow(dead_code)]
            enum Step {
                #(#[doc = #variant_docs] #variants,)*
            }
            #(#declarations)*
            #(#counters)*
            #resume
            let mut #next = ::std::option::Option::Some(Step::#first);
            let mut #executed = 0_usize;
            while let ::std::option::Option::Some(#step) = #next {
                #executed += 1;
                if #executed > #limit {
                    return ::std::result::Result::Err(::arazzo_runtime::Error::StepLimit {
                        workflow: #workflow,
                        limit: #limit,
                    });
                }
                #next = match #step {
                    #(#arms)*
                };
            }
            #(#unwrap)*
            ::std::result::Result::Ok(#outputs)
        }
    }

    /// After the loop, the steps that always ran and whose outputs the workflow's outputs read,
    /// taken out of their `Option`s.
    pub(super) fn unwrap_always_run(&self, w: &WorkflowPlan) -> Vec<TokenStream> {
        w.steps
            .iter()
            .filter(|s| s.always_runs)
            .filter(|s| {
                w.outputs
                    .iter()
                    .any(|(_, value)| matches!(value.read_place(), Place::StepOutput { step, .. } if *step == s.var))
            })
            .map(|s| {
                let var = ident(&s.var);
                let id = &s.id;
                let expression = format!("$steps.{id}.outputs");
                quote!(let #var = ::arazzo_runtime::present(#id, #expression, #var)?;)
            })
            .collect()
    }

    /// The loop's match arms: each step's block, evaluating to the step that runs next.
    fn loop_arms(
        &self,
        w: &WorkflowPlan,
        variants: &[Ident],
        kept: &BTreeSet<String>,
        resumes: bool,
    ) -> Vec<TokenStream> {
        self.loop_blocks(w, variants, kept, resumes)
            .into_iter()
            .zip(variants)
            .map(|(body, variant)| quote!(Step::#variant => #body))
            .collect()
    }

    /// Each step's block in the loop, by index, evaluating to the step that runs next.
    pub(super) fn loop_blocks(
        &self,
        w: &WorkflowPlan,
        variants: &[Ident],
        kept: &BTreeSet<String>,
        resumes: bool,
    ) -> Vec<TokenStream> {
        let ids: BTreeMap<&str, &str> = w
            .steps
            .iter()
            .map(|s| (s.var.as_str(), s.id.as_str()))
            .collect();
        w.steps
            .iter()
            .enumerate()
            .map(|(index, step)| {
                // The earlier steps it reads: (variable, stepId), each once.
                let mut reads: Vec<(String, String)> = step
                    .refs()
                    .iter()
                    .filter_map(|r| match &r.place {
                        Place::StepOutput { step: var, .. } => {
                            let id = ids.get(var.as_str()).copied().unwrap_or_default();
                            Some((var.clone(), id.to_owned()))
                        }
                        _ => None,
                    })
                    .collect();
                reads.sort();
                reads.dedup();
                self.step_body(
                    step,
                    Flow::Loop {
                        index,
                        variants,
                        kept,
                        reads,
                        resumes,
                    },
                )
            })
            .collect()
    }

    /// The counter of the `retry` action `action` of the step at `index`.
    pub(super) fn retries(&self, index: usize, action: usize) -> Ident {
        self.local(&format!("retries_{index}_{action}"))
    }

    /// In a loop, the outputs of the earlier steps a step reads, taken out of their `Option`s: a
    /// step that has not run on the path taken is an `Error::AbsentValue`.
    pub(super) fn read_earlier_steps(&self, reads: Vec<(String, String)>) -> Vec<TokenStream> {
        reads
            .into_iter()
            .map(|(var, id)| {
                let expression = format!("$steps.{id}.outputs");
                let var = ident(&var);
                quote!(let #var = ::arazzo_runtime::present(STEP, #expression, #var.as_ref())?;)
            })
            .collect()
    }

    /// The step after the one at `index`, in document order (`None` after the last).
    pub(super) fn next_step(&self, variants: &[Ident], index: usize, resumes: bool) -> TokenStream {
        let next = match variants.get(index + 1) {
            Some(next) => quote!(::std::option::Option::Some(Step::#next)),
            None => quote!(::std::option::Option::None),
        };
        // After a step run by a `retry`, the retried step comes next.
        if resumes {
            let resume = self.local("resume");
            quote!(#resume.take().or(#next))
        } else {
            next
        }
    }

    /// Runs a workflow an action names, with the action's `parameters` (Arazzo 1.1) or else
    /// this workflow's inputs (by name).
    pub(super) fn run_workflow(&self, target: &WorkflowTarget) -> TokenStream {
        let function = self.at.root(&target.fn_name);
        let workflow = &target.workflow;
        let (client, inputs_json) = (self.local("client"), self.local("inputs_json"));
        let inputs = match &target.inputs {
            // Arazzo 1.1: the action's `parameters` are the workflow's inputs.
            Some(inputs) => self.json_value(&crate::plan::ValuePlan::Object(inputs.clone())),
            None => quote!(#inputs_json.clone()),
        };
        quote! {
            let _ = #function(#client, ::arazzo_runtime::from_json(STEP, #workflow, #inputs)?).await?;
        }
    }
}
