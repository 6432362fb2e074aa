//! A workflow's durable run, in its module: `VERSION`, `PartialInputs`, `State`, `start`,
//! `resume` and `resume_with`, and the loop that runs the steps from a state, saving it after
//! every step (`drive`).
//!
//! The loop is the one of a workflow whose actions jump or repeat (see [`super::looping`]): its
//! variables (the steps' outputs, the next step, the retry counts, the steps executed) are a
//! [`State`]'s fields, taken out of it when the run continues and put back into it at every
//! checkpoint.

use std::collections::BTreeSet;

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::data::{data_struct_with, ty};
use super::docs::doc;
use super::looping::{kept_steps, resumes, retry_actions, step_variants};
use super::values::is_copy;
use super::workflow::{Availability, all_refs, is_read};
use super::{Cx, ident};
use crate::plan::durable::{DurablePlan, InputNeeds};
use crate::plan::{FieldPlan, StepPlan, WorkflowPlan};

/// What the durable items of one workflow are written from.
struct Run<'w> {
    w: &'w WorkflowPlan,
    plan: &'w DurablePlan,
    /// The variants of `Step`, by step index.
    variants: Vec<Ident>,
    /// The variables of the steps whose outputs the run keeps (something later reads them).
    kept: BTreeSet<String>,
    /// Whether a `retry` runs another step first (the state then has `resume`).
    resumes: bool,
    /// The `retry` actions that count their tries: (step index, action index).
    retries: Vec<(usize, usize)>,
}

impl Cx<'_> {
    /// The durable run's items, written in the workflow's module.
    pub(super) fn durable_items(&self, w: &WorkflowPlan, plan: &DurablePlan) -> TokenStream {
        let refs = all_refs(w);
        let run = Run {
            w,
            plan,
            variants: step_variants(w),
            kept: kept_steps(w, &|var| is_read(&refs, var)),
            resumes: resumes(w),
            retries: retry_actions(w),
        };
        let version = &plan.version;
        let partial = self.partial_inputs(w, plan);
        let steps = self.step_enum(&run);
        let state = self.state_struct(&run);
        let functions = self.durable_fns(&run);
        let drive = self.drive(&run);
        quote! {
            /// The version of the documents this module was generated from (a hash of their
            /// text and of the workflow's id), written into each checkpoint: a state saved by
            /// another version is refused.
            pub const VERSION: &str = #version;
            #partial
            #steps
            #state
            #functions
            #drive
        }
    }

    /// `PartialInputs`: every input optional, with its conversions and the checks the run makes.
    fn partial_inputs(&self, w: &WorkflowPlan, plan: &DurablePlan) -> TokenStream {
        let fields: Vec<FieldPlan> = w
            .inputs
            .iter()
            .map(|f| FieldPlan {
                name: f.name.clone(),
                ident: f.ident.clone(),
                ty: if f.ty.is_option() {
                    f.ty.clone()
                } else {
                    f.ty.clone().optional()
                },
                doc: f.doc.clone(),
            })
            .collect();
        let docs = doc(&format!(
            "Every input of the workflow {} optional: what a durable run is started or \
             continued with ([`start`], [`resume_with`]).",
            self.at.fn_link(&w.fn_name)
        ));
        let refs: Vec<&FieldPlan> = fields.iter().collect();
        let derive = quote!(::std::default::Default,);
        let structure = data_struct_with("PartialInputs", docs, &refs, self.at, &derive);
        let from = w.inputs.iter().map(|f| {
            let field = ident(&f.ident);
            if f.ty.is_option() {
                quote!(#field: inputs.#field)
            } else {
                quote!(#field: ::std::option::Option::Some(inputs.#field))
            }
        });
        let inputs_type = self.at.path(&w.inputs_type);
        let param = if w.inputs.is_empty() {
            quote!(_)
        } else {
            quote!(inputs)
        };
        let checks = self.partial_checks(w, plan);
        quote! {
            #structure
            impl ::std::convert::From<#inputs_type> for PartialInputs {
                fn from(#param: #inputs_type) -> Self {
                    Self { #(#from,)* }
                }
            }
            #checks
        }
    }

    /// What a run checks of its inputs: those the next part needs and lacks, and the inputs
    /// without the credentials (what a state keeps).
    fn partial_checks(&self, w: &WorkflowPlan, plan: &DurablePlan) -> TokenStream {
        let variants = step_variants(w);
        let missing = |needs: &InputNeeds| {
            let names = needs.waits_for.iter().map(|field| {
                let name = input_name(w, field);
                let field = ident(field);
                quote!(self.#field.is_none().then_some(#name))
            });
            quote!([#(#names),*].into_iter().flatten().collect())
        };
        let arms = variants.iter().zip(&plan.steps).map(|(variant, needs)| {
            let missing = if needs.waits_for.is_empty() {
                quote!(::std::vec::Vec::new())
            } else {
                missing(needs)
            };
            quote!(::std::option::Option::Some(Step::#variant) => #missing,)
        });
        let at_end = if plan.outputs.waits_for.is_empty() {
            quote!(::std::vec::Vec::new())
        } else {
            missing(&plan.outputs)
        };
        let cleared = plan.secrets.iter().map(|field| {
            let field = ident(field);
            quote!(#field: ::std::option::Option::None)
        });
        let saved = (!plan.secrets.is_empty()).then(|| {
            quote! {
                /// The inputs without those whose names say they hold a credential: what a
                /// state keeps.
                fn saved(&self) -> Self {
                    Self { #(#cleared,)* ..self.clone() }
                }
            }
        });
        quote! {
            impl PartialInputs {
                /// The required inputs (their Arazzo names) that the part of the run at `next`
                /// (a step, or with `None` the outputs) reads and that are missing.
                fn missing_for(&self, next: ::std::option::Option<Step>) -> ::std::vec::Vec<&'static str> {
                    match next {
                        #(#arms)*
                        ::std::option::Option::None => #at_end,
                    }
                }
                #saved
            }
        }
    }

    /// `Step`: where a run continues, saved by `stepId`.
    fn step_enum(&self, run: &Run<'_>) -> TokenStream {
        let variants = &run.variants;
        let ids: Vec<&String> = run.w.steps.iter().map(|s| &s.id).collect();
        let docs = ids.iter().map(|id| format!(" `{id}`"));
        quote! {
            /// The steps of a durable run, saved by `stepId`: where a state continues.
            #[derive(
                ::std::clone::Clone,
                ::std::marker::Copy,
                ::std::fmt::Debug,
                ::arazzo_runtime::serde::Serialize,
                ::arazzo_runtime::serde::Deserialize,
            )]
            #[serde(crate = "::arazzo_runtime::serde")]
            enum Step {
                #(#[doc = #docs] #[serde(rename = #ids)] #variants,)*
            }
            impl Step {
                /// Its `stepId`.
                fn id(self) -> &'static str {
                    match self {
                        #(Self::#variants => #ids,)*
                    }
                }
            }
        }
    }

    /// `State`, with the private structs of the outputs it keeps and of its retry counts.
    fn state_struct(&self, run: &Run<'_>) -> TokenStream {
        let w = run.w;
        let kept_structs = self.saved_kept_structs(w);
        let kept: Vec<&StepPlan> = w
            .steps
            .iter()
            .filter(|s| run.kept.contains(&s.var))
            .collect();
        let step_fields = kept.iter().map(|s| {
            let (var, ty) = (ident(&s.var), self.kept_type(s));
            let docs = format!(" `{}`", s.id);
            quote! {
                #[doc = #docs]
                #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                #var: ::std::option::Option<#ty>,
            }
        });
        let counters = run.retries.iter().map(|&(index, action)| {
            let field = retries_field(index, action);
            let docs = format!(
                " The `retry` action `{}` of the step `{}`.",
                w.steps[index].on_failure[action].name, w.steps[index].id
            );
            quote!(#[doc = #docs] #field: u32,)
        });
        let retries = (!run.retries.is_empty()).then(|| {
            quote! {
                /// How often each `retry` action has retried its step.
                #[derive(
                    ::std::clone::Clone,
                    ::std::default::Default,
                    ::arazzo_runtime::serde::Serialize,
                    ::arazzo_runtime::serde::Deserialize,
                )]
                #[serde(crate = "::arazzo_runtime::serde")]
                struct Retries {
                    #(#counters)*
                }
            }
        });
        let retries_field = (!run.retries.is_empty()).then(|| quote!(retries: Retries,));
        let resume_field = run
            .resumes
            .then(|| quote!(resume: ::std::option::Option<Step>,));
        let workflow_link = self.at.fn_link(&w.fn_name);
        let state_doc = doc(&format!(
            "The state of a durable run of the workflow {workflow_link}: the inputs given so \
             far, the outputs of the steps that completed (those the run reads later), the next \
             step, and the retry counts. It is plain data (`Serialize`, `Deserialize`), saved \
             after every step; it never holds a credential: the client keeps those, and an \
             input whose name says it holds one is not kept (a run that needs it again suspends \
             for it). `Debug` shows where the run is, not what its steps returned."
        ));
        quote! {
            #(#kept_structs)*
            /// The outputs a durable run keeps of the steps that completed.
            #[derive(
                ::std::clone::Clone,
                ::std::default::Default,
                ::arazzo_runtime::serde::Serialize,
                ::arazzo_runtime::serde::Deserialize,
            )]
            #[serde(crate = "::arazzo_runtime::serde")]
            struct Steps {
                #(#step_fields)*
            }
            #retries
            #state_doc
            #[derive(
                ::std::clone::Clone,
                ::arazzo_runtime::serde::Serialize,
                ::arazzo_runtime::serde::Deserialize,
            )]
            #[serde(crate = "::arazzo_runtime::serde")]
            pub struct State {
                run_id: ::std::string::String,
                inputs: PartialInputs,
                steps: Steps,
                next: ::std::option::Option<Step>,
                #resume_field
                #retries_field
                executed: usize,
            }
            impl State {
                /// The run's id.
                pub fn run_id(&self) -> &str {
                    &self.run_id
                }
                /// The inputs a suspended run waits for (their Arazzo names); empty otherwise.
                pub fn waiting_for(&self) -> ::std::vec::Vec<&'static str> {
                    self.inputs.missing_for(self.next)
                }
            }
            impl ::std::fmt::Debug for State {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.debug_struct("State")
                        .field("run_id", &self.run_id)
                        .field("next", &self.next.map(Step::id))
                        .field("waiting_for", &self.waiting_for())
                        .field("inputs", &self.inputs)
                        .field("executed", &self.executed)
                        .finish_non_exhaustive()
                }
            }
        }
    }

    /// `start`, `resume` and `resume_with`.
    fn durable_fns(&self, run: &Run<'_>) -> TokenStream {
        let w = run.w;
        let (client, inputs, store) = (
            self.local("client"),
            self.local("inputs"),
            self.local("store"),
        );
        let client_type = self.at.root("Client");
        let outputs_type = self.at.path(&w.outputs_type);
        let returns = quote! {
            ::std::result::Result<
                ::arazzo_runtime::durable::Outcome<#outputs_type, State>,
                ::arazzo_runtime::Error,
            >
        };
        let workflow = &w.id;
        let first = &run.variants[0];
        let defaults: Vec<TokenStream> = w.defaults.iter().map(|d| self.default_input(d)).collect();
        let binding = if defaults.is_empty() {
            quote!(#inputs)
        } else {
            quote!(mut #inputs)
        };
        let resume_init = run
            .resumes
            .then(|| quote!(resume: ::std::option::Option::None,));
        let retries_init =
            (!run.retries.is_empty()).then(|| quote!(retries: ::std::default::Default::default(),));
        let more = self.local("more");
        let inputs_init = field_init(&ident("inputs"), &inputs);
        let (state, run_id) = (self.local("state"), self.local("run_id"));
        // A workflow without inputs has nothing to add.
        let (state_binding, unused_more) = if w.inputs.is_empty() {
            (quote!(#state), Some(quote!(let _ = #more;)))
        } else {
            (quote!(mut #state), None)
        };
        let merges = w.inputs.iter().map(|f| {
            let field = ident(&f.ident);
            quote! {
                if let ::std::option::Option::Some(value) = #more.#field {
                    #state.inputs.#field = ::std::option::Option::Some(value);
                }
            }
        });
        let link = self.at.fn_link(&w.fn_name);
        let start_doc = doc(&format!(
            "Starts the durable run `run_id` of the workflow {link} and runs it until it \
             completes, suspends or fails. The state is saved in `store` before the first \
             request (so a run that dies in its first step can be resumed too), after every \
             step that completes, before the next request is sent, and deleted when the run \
             completes.\n\n\
             The run suspends (`Outcome::Suspended`, the state also saved) before a step that \
             needs a required input that `inputs` lacks: [`State::waiting_for`] names them, and \
             [`resume_with`] continues. A run id names one run: starting it again starts it \
             over.\n\n# Errors\n\n`Error::RunId` when `run_id` is not 1 to 200 ASCII letters, \
             digits, `-`, `_` or `.`; `Error::Checkpoint` when the store fails; else the error \
             of the step that failed, as the workflow's function returns it (the last \
             checkpoint stays in the store, so [`resume`] can try that step again)."
        ));
        quote! {
            #start_doc
            pub async fn start(
                #client: &#client_type,
                #run_id: &str,
                #binding: PartialInputs,
                #store: &dyn ::arazzo_runtime::durable::Store,
            ) -> #returns {
                ::arazzo_runtime::durable::check_run_id(#workflow, #run_id)?;
                #(#defaults)*
                let #state = State {
                    run_id: #run_id.to_owned(),
                    #inputs_init,
                    steps: ::std::default::Default::default(),
                    next: ::std::option::Option::Some(Step::#first),
                    #resume_init
                    #retries_init
                    executed: 0,
                };
                ::arazzo_runtime::durable::save(
                    #store, #run_id, #workflow, VERSION, ::std::option::Option::None, &#state,
                ).await?;
                drive(#client, #state, #store, true).await
            }
            /// Continues the durable run `run_id` from the last state saved in `store`. A step
            /// whose request was in flight when the process died is sent again (each step runs
            /// at least once); the steps before the last checkpoint are not.
            ///
            /// # Errors
            ///
            /// `Error::NoSuchRun` when the store has no state for `run_id`; `Error::StateVersion`
            /// when the state was saved by another version of the documents ([`VERSION`]) or
            /// another workflow, naming both; else as [`start`].
            pub async fn resume(
                #client: &#client_type,
                #run_id: &str,
                #store: &dyn ::arazzo_runtime::durable::Store,
            ) -> #returns {
                ::arazzo_runtime::durable::check_run_id(#workflow, #run_id)?;
                let mut #state: State =
                    ::arazzo_runtime::durable::load(#store, #run_id, #workflow, VERSION).await?;
                #state.run_id = #run_id.to_owned();
                drive(#client, #state, #store, true).await
            }
            /// Continues a durable run (one that suspended) with more inputs: each `Some` field of
            /// `more` is added, or replaces the one given before.
            ///
            /// # Errors
            ///
            /// As [`start`].
            pub async fn resume_with(
                #client: &#client_type,
                #state_binding: State,
                #more: PartialInputs,
                #store: &dyn ::arazzo_runtime::durable::Store,
            ) -> #returns {
                #unused_more
                #(#merges)*
                drive(#client, #state, #store, false).await
            }
        }
    }

    /// `drive`: the loop over the steps, from a state, saving it after every step.
    fn drive(&self, run: &Run<'_>) -> TokenStream {
        let w = run.w;
        let (client, store, given) = (
            self.local("client"),
            self.local("store"),
            self.local("given"),
        );
        let (state, run_id, saved) = (
            self.local("state"),
            self.local("run_id"),
            self.local("saved"),
        );
        let (next, executed, step) = (
            self.local("next"),
            self.local("executed"),
            self.local("step"),
        );
        let snapshot = self.snapshot(run);
        let unpack = self.unpack(run);
        let arms = self.durable_arms(run);
        let unwrap = self.unwrap_always_run(w);
        let always: BTreeSet<&str> = w
            .steps
            .iter()
            .filter(|s| s.always_runs)
            .map(|s| s.var.as_str())
            .collect();
        let outputs = self.workflow_outputs(w, |var| {
            if always.contains(var) {
                Availability::Ran
            } else {
                Availability::Maybe
            }
        });
        let outputs_inputs = self.inputs_read(w, &run.plan.outputs, "outputs");
        let client_type = self.at.root("Client");
        let outputs_type = self.at.path(&w.outputs_type);
        let workflow = &w.id;
        let limit = w.max_steps;
        quote! {
            /// Runs a durable run from `state` until it completes, suspends or fails, saving the
            /// state after every step; `saved` says whether `state` is the one in the store.
            async fn drive(
                #client: &#client_type,
                #state: State,
                #store: &dyn ::arazzo_runtime::durable::Store,
                mut #saved: bool,
            ) -> ::std::result::Result<
                ::arazzo_runtime::durable::Outcome<#outputs_type, State>,
                ::arazzo_runtime::Error,
            > {
                let run = async move {
                    ::arazzo_runtime::durable::check_run_id(#workflow, &#state.run_id)?;
                    #unpack
                    loop {
                        if !#given.missing_for(#next).is_empty() {
                            let #state = #snapshot;
                            if !#saved {
                                ::arazzo_runtime::durable::save(
                                    #store, &#run_id, #workflow, VERSION, ::std::option::Option::None, &#state,
                                ).await?;
                            }
                            return ::std::result::Result::Ok(
                                ::arazzo_runtime::durable::Outcome::Suspended(#state),
                            );
                        }
                        let ::std::option::Option::Some(#step) = #next else {
                            break;
                        };
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
                        // After the last step, the run completes: nothing is sent before.
                        if #next.is_some() {
                            let #state = #snapshot;
                            ::arazzo_runtime::durable::save(
                                #store, &#run_id, #workflow, VERSION, ::std::option::Option::Some(#step.id()), &#state,
                            ).await?;
                            #saved = true;
                        }
                    }
                    #(#unwrap)*
                    #outputs_inputs
                    let outputs = #outputs;
                    ::arazzo_runtime::durable::finish(#store, &#run_id, #workflow).await?;
                    ::std::result::Result::Ok(::arazzo_runtime::durable::Outcome::Completed(outputs))
                };
                ::arazzo_runtime::workflow(#workflow, run).await
            }
        }
    }

    /// The state's fields, taken out into the loop's variables.
    fn unpack(&self, run: &Run<'_>) -> TokenStream {
        let state = self.local("state");
        let fields = self.state_fields(run);
        let binding =
            |(field, local, mutable): &(Ident, Ident, bool)| match (field == local, mutable) {
                (true, true) => quote!(mut #local),
                (true, false) => quote!(#local),
                (false, true) => quote!(#field: mut #local),
                (false, false) => quote!(#field: #local),
            };
        let [run_id, given, next, executed] = fields.top.each_ref().map(binding);
        let steps = fields.steps.iter().map(binding);
        let counters = fields.retries.iter().map(binding);
        let resume = fields.resume.as_ref().map(|f| {
            let binding = binding(f);
            quote!(#binding,)
        });
        let retries =
            (!run.retries.is_empty()).then(|| quote!(retries: Retries { #(#counters,)* },));
        quote! {
            let State {
                #run_id,
                #given,
                steps: Steps { #(#steps,)* },
                #next,
                #resume
                #retries
                #executed,
            } = #state;
        }
    }

    /// A state made of the loop's variables (the inputs without credentials).
    fn snapshot(&self, run: &Run<'_>) -> TokenStream {
        let fields = self.state_fields(run);
        let [run_id, given, next, executed] = &fields.top;
        let run_id = {
            let (field, local) = (&run_id.0, &run_id.1);
            quote!(#field: #local.clone())
        };
        let inputs = {
            let (field, local) = (&given.0, &given.1);
            if run.plan.secrets.is_empty() {
                quote!(#field: #local.clone())
            } else {
                quote!(#field: #local.saved())
            }
        };
        let steps = fields
            .steps
            .iter()
            .map(|(field, local, _)| quote!(#field: #local.clone()));
        let copy = |(field, local, _): &(Ident, Ident, bool)| field_init(field, local);
        let (next, executed) = (copy(next), copy(executed));
        let counters = fields.retries.iter().map(copy);
        let retries =
            (!run.retries.is_empty()).then(|| quote!(retries: Retries { #(#counters,)* },));
        let resume = fields.resume.as_ref().map(|f| {
            let init = copy(f);
            quote!(#init,)
        });
        quote! {
            State {
                #run_id,
                #inputs,
                steps: Steps { #(#steps,)* },
                #next,
                #resume
                #retries
                #executed,
            }
        }
    }

    /// The state's fields and the loop's variables that hold them.
    fn state_fields(&self, run: &Run<'_>) -> StateFields {
        let pair =
            |field: &str, local: &str, mutable: bool| (ident(field), self.local(local), mutable);
        let steps = run
            .w
            .steps
            .iter()
            .filter(|s| run.kept.contains(&s.var))
            .map(|s| (ident(&s.var), ident(&s.var), true))
            .collect();
        let retries = run
            .retries
            .iter()
            .map(|&(index, action)| {
                (
                    retries_field(index, action),
                    self.retries(index, action),
                    true,
                )
            })
            .collect();
        StateFields {
            top: [
                pair("run_id", "run_id", false),
                pair("inputs", "given", false),
                pair("next", "next", true),
                pair("executed", "executed", true),
            ],
            steps,
            retries,
            resume: run.resumes.then(|| pair("resume", "resume", true)),
        }
    }

    /// The loop's arms: each step's block, after the inputs it reads.
    fn durable_arms(&self, run: &Run<'_>) -> Vec<TokenStream> {
        let blocks = self.loop_blocks(run.w, &run.variants, &run.kept, run.resumes);
        run.w
            .steps
            .iter()
            .zip(&run.plan.steps)
            .zip(blocks)
            .zip(&run.variants)
            .map(|(((step, needs), block), variant)| {
                let inputs = self.inputs_read(run.w, needs, &step.id);
                let inputs_json = needs.passes_inputs.then(|| {
                    let (inputs_json, given) = (self.local("inputs_json"), self.local("given"));
                    quote!(let #inputs_json = ::arazzo_runtime::to_json("inputs", &#given)?;)
                });
                if inputs.is_none() && inputs_json.is_none() {
                    quote!(Step::#variant => #block)
                } else {
                    quote!(Step::#variant => {
                        #inputs
                        #inputs_json
                        #block
                    })
                }
            })
            .collect()
    }

    /// The inputs a part of the run reads, as `inputs`: a struct of those fields only, taken out
    /// of the run's inputs (a required one that is missing is `Error::AbsentValue`; the run
    /// suspends before that).
    fn inputs_read(&self, w: &WorkflowPlan, needs: &InputNeeds, part: &str) -> Option<TokenStream> {
        if needs.reads.is_empty() {
            return None;
        }
        let (inputs, given) = (self.local("inputs"), self.local("given"));
        let fields: Vec<&FieldPlan> = needs
            .reads
            .iter()
            .filter_map(|field| w.inputs.iter().find(|f| f.ident == *field))
            .collect();
        let declarations = fields.iter().map(|f| {
            let (field, ty) = (ident(&f.ident), ty(&f.ty, self.at));
            quote!(#field: #ty)
        });
        let values = fields.iter().map(|f| {
            let field = ident(&f.ident);
            // `given`'s field is an `Option` of the input's type: `Copy` when that type is.
            let value = if is_copy(&f.ty) {
                quote!(#given.#field)
            } else {
                quote!(#given.#field.clone())
            };
            if f.ty.is_option() {
                quote!(#field: #value)
            } else {
                let expression = format!("$inputs.{}", f.name);
                quote!(#field: ::arazzo_runtime::present(#part, #expression, #value)?)
            }
        });
        let docs = format!(" The inputs `{part}` reads.");
        Some(quote! {
            #[doc = #docs]
            struct Given {
                #(#declarations,)*
            }
            let #inputs = Given { #(#values,)* };
        })
    }
}

/// The fields of `State` and the variables of `drive` that hold them: (field, variable,
/// whether the loop changes it).
struct StateFields {
    /// `run_id`, `inputs`, `next`, `executed`.
    top: [(Ident, Ident, bool); 4],
    /// The fields of `Steps`.
    steps: Vec<(Ident, Ident, bool)>,
    /// The fields of `Retries`.
    retries: Vec<(Ident, Ident, bool)>,
    /// `resume`, when a `retry` runs another step first.
    resume: Option<(Ident, Ident, bool)>,
}

/// `field: local` in a struct expression, or `field` when they are the same.
fn field_init(field: &Ident, local: &Ident) -> TokenStream {
    if field == local {
        quote!(#field)
    } else {
        quote!(#field: #local)
    }
}

/// The field of `Retries` that counts the tries of a `retry` action.
fn retries_field(index: usize, action: usize) -> Ident {
    ident(&format!("retries_{index}_{action}"))
}

/// The Arazzo name of the input whose field is `field`.
fn input_name<'w>(w: &'w WorkflowPlan, field: &'w str) -> &'w str {
    w.inputs
        .iter()
        .find(|f| f.ident == field)
        .map_or(field, |f| f.name.as_str())
}
