//! A workflow: its function at the root (straight-line or a loop), and its module with its
//! inputs, outputs and steps.

use std::collections::BTreeMap;

use proc_macro2::{Ident, Literal as Lit, TokenStream};
use quote::quote;

use super::data::data_struct;
use super::docs::{doc, module_doc, workflow_doc};
use super::locals::Locals;
use super::looping::Flow;
use super::paths::At;
use super::values::is_copy;
use super::{Cx, ident};
use crate::plan::durable::Durability;
use crate::plan::{
    ActionKind, DefaultValue, FieldPlan, KeptOutputs, Place, Plan, RetryFirst, SelectedPlan,
    StepPlan, ValueRef, WorkflowPlan, WorkflowTarget,
};

/// A workflow: its function at the root, and its module of the same name with its inputs,
/// outputs, and each step's types and function.
pub(super) fn workflow(plan: &Plan, w: &WorkflowPlan) -> TokenStream {
    let document_vars = w.steps.iter().map(|s| s.var.as_str());
    let locals = Locals::new(document_vars.chain(w.depends_on.iter().map(|d| d.var.as_str())));
    let cx = Cx {
        plan,
        at: At::ROOT,
        locals: &locals,
        embedding: w.embedding,
    };
    let function = cx.workflow_fn(w);
    let module = cx.inside(&w.fn_name).workflow_module(w);
    quote! {
        #function
        #module
    }
}

impl Cx<'_> {
    /// The workflow's module: its inputs and outputs, and each step's function and types.
    fn workflow_module(&self, w: &WorkflowPlan) -> TokenStream {
        let workflow_link = self.at.fn_link(&w.fn_name);
        let inputs_doc = doc(&format!(
            "Inputs of the workflow {workflow_link} (`{}`).",
            w.id
        ));
        let inputs: Vec<&FieldPlan> = w.inputs.iter().collect();
        let inputs_struct = data_struct(&w.inputs_type.name, inputs_doc, &inputs, self.at);
        let outputs_doc = doc(&format!(
            "Outputs of the workflow {workflow_link} (`{}`).",
            w.id
        ));
        let outputs: Vec<&FieldPlan> = w.outputs.iter().map(|(f, _)| f).collect();
        let outputs_struct = data_struct(&w.outputs_type.name, outputs_doc, &outputs, self.at);
        let steps = w.steps.iter().map(|step| {
            let docs = doc(&format!(
                "Outputs of the step `{}` of the workflow {workflow_link}.",
                step.id
            ));
            let fields: Vec<&FieldPlan> = step.outputs.iter().map(|o| &o.field).collect();
            let outputs_struct = data_struct(&step.outputs_type.name, docs, &fields, self.at);
            let function = step
                .standalone
                .as_ref()
                .map(|standalone| self.standalone_step(w, step, standalone));
            quote! {
                #function
                #outputs_struct
            }
        });
        let module_doc = module_doc(w);
        let module = ident(&w.fn_name);
        let durable = match &w.durable {
            Some(Durability::Offered(plan)) => Some(self.durable_items(w, plan)),
            _ => None,
        };
        quote! {
            #module_doc
            pub mod #module {
                #inputs_struct
                #outputs_struct
                #(#steps)*
                #durable
            }
        }
    }

    /// The workflow's function: its dependencies first, then its steps, straight-line or in a
    /// loop.
    fn workflow_fn(&self, w: &WorkflowPlan) -> TokenStream {
        let (client, inputs) = (self.local("client"), self.local("inputs"));
        // Which step variables are read later decides whether they need a name at all.
        let all_refs = all_refs(w);
        let step_is_read = |var: &str| is_read(&all_refs, var);
        // Actions that run another workflow without `parameters` give it this workflow's
        // inputs, by name.
        let runs_workflows = w.steps.iter().any(|s| {
            s.on_success.iter().chain(&s.on_failure).any(|a| {
                matches!(
                    &a.kind,
                    ActionKind::GotoWorkflow(WorkflowTarget { inputs: None, .. })
                        | ActionKind::Retry {
                            first: Some(RetryFirst::Workflow(WorkflowTarget { inputs: None, .. })),
                            ..
                        }
                )
            })
        });
        let inputs_json = runs_workflows.then(|| {
            let inputs_json = self.local("inputs_json");
            quote!(let #inputs_json = ::arazzo_runtime::to_json("inputs", &#inputs)?;)
        });
        let inputs_read = runs_workflows
            || !w.depends_on.is_empty()
            || all_refs
                .iter()
                .any(|r| matches!(r.place, Place::Input { .. }));
        // The workflows this one depends on run first, each with its field of the inputs.
        // Its outputs get a name only when something reads them.
        let dependencies = w.depends_on.iter().map(|d| {
            let (var, function, field) = (
                ident(&d.var),
                self.at.root(&d.fn_name),
                ident(&d.input_field),
            );
            let read = all_refs
                .iter()
                .any(|r| matches!(&r.place, Place::Dependency { var, .. } if *var == d.var));
            // `$workflows.<id>.inputs.<name>` reads the dependency's inputs after it ran.
            let inputs_read = all_refs
                .iter()
                .any(|r| matches!(&r.place, Place::Input { field, .. } if *field == d.input_field));
            let given = if inputs_read {
                quote!(#inputs.#field.clone())
            } else {
                quote!(#inputs.#field)
            };
            if read {
                quote!(let #var = #function(#client, #given).await?;)
            } else {
                quote!(#function(#client, #given).await?;)
            }
        });

        let body = if w.looping {
            self.looping_body(w, &step_is_read)
        } else if let Some(schedule) = &w.concurrent {
            self.concurrent_body(w, schedule)
        } else {
            self.straight_body(w, &step_is_read)
        };
        let fn_doc = workflow_doc(w);
        let fn_name = ident(&w.fn_name);
        let inputs_type = self.at.path(&w.inputs_type);
        let outputs_type = self.at.path(&w.outputs_type);
        let client_type = self.at.root("Client");
        let unused_inputs = (!inputs_read).then(|| quote!(let _ = #inputs;));
        let defaults = if inputs_read {
            w.defaults
                .iter()
                .map(|default| self.default_input(default))
                .collect()
        } else {
            Vec::new()
        };
        let inputs_binding = if defaults.is_empty() {
            quote!(#inputs)
        } else {
            quote!(mut #inputs)
        };
        let kept_structs = self.kept_structs(w);
        let workflow_id = &w.id;
        let run = self.local("run");
        let inboxes = self.open_inboxes(&w.steps);
        quote! {
            #fn_doc
            pub async fn #fn_name(
                #client: &#client_type,
                #inputs_binding: #inputs_type,
            ) -> ::std::result::Result<#outputs_type, ::arazzo_runtime::Error> {
                #(#defaults)*
                let #run = async move {
                    #(#kept_structs)*
                    #unused_inputs
                    #inputs_json
                    #(#inboxes)*
                    #(#dependencies)*
                    #body
                };
                ::arazzo_runtime::workflow(#workflow_id, #run).await
            }
        }
    }
}

/// Every value the workflow reads: its steps', and its outputs' (with a selector's context).
pub(super) fn all_refs(w: &WorkflowPlan) -> Vec<&ValueRef> {
    let mut all_refs: Vec<&ValueRef> = w.steps.iter().flat_map(StepPlan::refs).collect();
    all_refs.extend(w.outputs.iter().map(|(_, value)| value));
    // A selector in the outputs reads its context.
    all_refs.extend(
        w.outputs
            .iter()
            .filter_map(|(_, value)| match &value.place {
                Place::Selected(selected) => Some(&selected.context),
                _ => None,
            }),
    );
    all_refs
}

/// Whether something reads the outputs of the step whose variable is `var`.
pub(super) fn is_read(all_refs: &[&ValueRef], var: &str) -> bool {
    all_refs
        .iter()
        .any(|r| matches!(&r.place, Place::StepOutput { step, .. } if step == var))
}

/// Whether a step's outputs are there where the workflow's outputs are built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Availability {
    /// In the step's variable.
    Ran,
    /// In `outputs`: the step is returning early from its own block.
    Here,
    /// Not yet run: its outputs are `None`.
    NotRun,
    /// In an `Option` variable that may be `None`.
    Maybe,
}

impl Cx<'_> {
    /// Fills in an input's `default` when the caller left it out.
    pub(super) fn default_input(&self, (field, default): &(String, DefaultValue)) -> TokenStream {
        let (inputs, field) = (self.local("inputs"), ident(field));
        match default {
            DefaultValue::String(s) => quote!(#inputs.#field.get_or_insert_with(|| #s.to_owned());),
            DefaultValue::Bool(b) => quote!(#inputs.#field.get_or_insert(#b);),
            DefaultValue::Int(i) => {
                let i = Lit::i64_unsuffixed(*i);
                quote!(#inputs.#field.get_or_insert(#i);)
            }
            DefaultValue::Float(f) => {
                let f = Lit::f64_unsuffixed(*f);
                quote!(#inputs.#field.get_or_insert(#f);)
            }
            DefaultValue::Variant(ty, variant) => {
                let (ty, variant) = (self.at.path(ty), ident(variant));
                quote!(#inputs.#field.get_or_insert(#ty::#variant);)
            }
        }
    }

    /// The outputs struct literal. A value read whole is moved out of its step (or the inputs)
    /// when nothing after it reads the same field, and cloned otherwise; an output whose step may
    /// not have run is `Option`.
    pub(super) fn workflow_outputs(
        &self,
        w: &WorkflowPlan,
        availability: impl Fn(&str) -> Availability,
    ) -> TokenStream {
        let outputs_type = self.at.path(&w.outputs_type);
        let outputs_var = self.local("outputs").to_string();
        let base = |place: &Place| match place {
            Place::Input { field, .. } => Some((String::new(), field.clone())),
            Place::StepOutput { step, field, .. } => Some((step.clone(), field.clone())),
            Place::Dependency { var, field, .. } => Some((var.clone(), field.clone())),
            _ => None,
        };
        let mut last_read: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (i, (_, value)) in w.outputs.iter().enumerate() {
            // A selector borrows its context: a value read whole before it is not moved.
            if let Some(key) = base(value.read_place()) {
                last_read.insert(key, i);
            }
        }
        let steps: BTreeMap<&str, &StepPlan> =
            w.steps.iter().map(|s| (s.var.as_str(), s)).collect();
        let fields = w.outputs.iter().enumerate().map(|(i, (field, value))| {
            let name = ident(&field.ident);
            // The type of the value as its source holds it, before any `Option` for skipped steps.
            let source_type = match &value.place {
                Place::StepOutput {
                    step,
                    field: f,
                    pointer: None,
                } => steps
                    .get(step.as_str())
                    .and_then(|s| s.outputs.iter().find(|o| o.field.ident == *f))
                    .map_or_else(|| value.ty.clone(), |o| o.field.ty.clone()),
                _ => value.ty.clone(),
            };
            let wrap = field.ty.is_option() && !source_type.is_option();
            if let Place::Selected(selected) = &value.place {
                return self.selected_output(
                    &name,
                    wrap,
                    selected,
                    &steps,
                    &availability,
                    &outputs_var,
                );
            }
            let (place, available, step_id) = match &value.place {
                Place::StepOutput {
                    step,
                    field: f,
                    pointer,
                } => {
                    let available = availability(step);
                    let var = if available == Availability::Here {
                        outputs_var.clone()
                    } else {
                        step.clone()
                    };
                    let id = steps
                        .get(step.as_str())
                        .map_or("outputs", |s| s.id.as_str());
                    (
                        Place::StepOutput {
                            step: var,
                            field: f.clone(),
                            pointer: pointer.clone(),
                        },
                        available,
                        id,
                    )
                }
                other => (other.clone(), Availability::Ran, "inputs"),
            };
            if available == Availability::NotRun {
                return quote!(#name: ::std::option::Option::None);
            }
            let expression = self.value(&place, &quote!(#step_id));
            let whole = matches!(
                &place,
                Place::Input { pointer: None, .. }
                    | Place::StepOutput { pointer: None, .. }
                    | Place::Dependency { pointer: None, .. }
            );
            let moved = available != Availability::Maybe
                && base(&value.place).is_some_and(|key| last_read.get(&key) == Some(&i));
            let expression = if whole && !moved && !is_copy(&source_type) {
                quote!(#expression.clone())
            } else {
                expression
            };
            match (available, &value.place) {
                // A pointer lookup can fail, which a closure cannot pass on with `?`.
                (
                    Availability::Maybe,
                    Place::StepOutput {
                        step,
                        pointer: Some(_),
                        ..
                    },
                ) => {
                    let var = ident(step);
                    quote!(#name: match #var.as_ref() {
                        ::std::option::Option::Some(#var) => #expression,
                        ::std::option::Option::None => ::std::option::Option::None,
                    })
                }
                (Availability::Maybe, Place::StepOutput { step, .. }) => {
                    let var = ident(step);
                    if wrap {
                        quote!(#name: #var.as_ref().map(|#var| #expression))
                    } else {
                        quote!(#name: #var.as_ref().and_then(|#var| #expression))
                    }
                }
                _ if wrap => quote!(#name: ::std::option::Option::Some(#expression)),
                _ => quote!(#name: #expression),
            }
        });
        quote!(#outputs_type { #(#fields,)* })
    }

    /// A workflow output that applies a selector to a step's output or an input, in a block
    /// whose `STEP` names that step (or `inputs`) in the errors a selection gives.
    fn selected_output(
        &self,
        name: &Ident,
        wrap: bool,
        selected: &SelectedPlan,
        steps: &BTreeMap<&str, &StepPlan>,
        availability: &dyn Fn(&str) -> Availability,
        outputs_var: &str,
    ) -> TokenStream {
        let (context, available, step_id) = match &selected.context.place {
            Place::StepOutput {
                step,
                field,
                pointer,
            } => {
                let available = availability(step);
                let var = if available == Availability::Here {
                    outputs_var.to_owned()
                } else {
                    step.clone()
                };
                let id = steps
                    .get(step.as_str())
                    .map_or("outputs", |s| s.id.as_str());
                let place = Place::StepOutput {
                    step: var,
                    field: field.clone(),
                    pointer: pointer.clone(),
                };
                (place, available, id)
            }
            other => (other.clone(), Availability::Ran, "inputs"),
        };
        if available == Availability::NotRun {
            return quote!(#name: ::std::option::Option::None);
        }
        let place = Place::Selected(Box::new(SelectedPlan {
            context: ValueRef {
                place: context,
                ..selected.context.clone()
            },
            ..selected.clone()
        }));
        let value = self.value(&place, &quote!(STEP));
        let value = quote!({
            const STEP: &str = #step_id;
            #value
        });
        let value = if wrap {
            quote!(::std::option::Option::Some(#value))
        } else {
            value
        };
        match (available, &selected.context.place) {
            // A selection can fail, which a closure cannot pass on with `?`.
            (Availability::Maybe, Place::StepOutput { step, .. }) => {
                let var = ident(step);
                quote!(#name: match #var.as_ref() {
                    ::std::option::Option::Some(#var) => #value,
                    ::std::option::Option::None => ::std::option::Option::None,
                })
            }
            _ => quote!(#name: #value),
        }
    }

    /// The function body of a workflow without `goto` or `retry`: one block per step, in order.
    pub(super) fn straight_body(
        &self,
        w: &WorkflowPlan,
        step_is_read: &dyn Fn(&str) -> bool,
    ) -> TokenStream {
        let steps = w.steps.iter().enumerate().map(|(k, step)| {
            let var = if step_is_read(&step.var) {
                ident(&step.var)
            } else {
                ident(&format!("_{}", step.var))
            };
            let position: BTreeMap<&str, usize> = w
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| (s.var.as_str(), i))
                .collect();
            let mut statics = Vec::new();
            let ends: Vec<_> = step
                .on_success
                .iter()
                .filter(|a| a.kind == ActionKind::End)
                .map(|action| {
                    let applies = self.action_applies(step, action, &mut statics);
                    let outputs = self.workflow_outputs(w, |var| match position.get(var) {
                        Some(&i) if i < k => Availability::Ran,
                        Some(&i) if i == k => Availability::Here,
                        _ => Availability::NotRun,
                    });
                    (applies, outputs)
                })
                .collect();
            let body = match &step.standalone {
                Some(standalone) if standalone.called => self.call_standalone(w, step, standalone),
                _ => self.step_body(
                    step,
                    Flow::Straight {
                        ends,
                        statics,
                        standalone: false,
                    },
                ),
            };
            match &step.kept {
                // Nothing of the step is read: its block is a statement.
                Some(KeptOutputs {
                    type_name: None, ..
                }) => body,
                _ => quote! {
                    let #var = #body;
                },
            }
        });
        let outputs = self.workflow_outputs(w, |_| Availability::Ran);
        quote! {
            #(#steps)*
            ::std::result::Result::Ok(#outputs)
        }
    }
}
