//! A workflow's structs and its function: one block per step, each sending one request.

use std::collections::BTreeMap;

use proc_macro2::{Literal as Lit, TokenStream};
use quote::quote;

use super::{At, data_struct, doc, doc_lines, ident};
use crate::condition::{Literal, Op};
use crate::plan::{
    ActionKind, ActionPlan, ApiKeyLocation, BodyKind, BodyPlan, CondPlan, DefaultValue, FieldPlan,
    OperandPlan, OutputSource, ParamLocation, ParamPlan, ParamStyle, PathPart, Place, Plan,
    RequestPlan, RetryFirst, SchemeKind, Standalone, StepKind, StepPlan, TemplatePart, Type,
    ValuePlan, ValueRef, WorkflowCall, WorkflowPlan, WorkflowTarget,
};

/// The value a place holds, as a Rust expression of its type. `step` names the step in errors.
fn value(place: &Place, step: &TokenStream) -> TokenStream {
    match place {
        Place::Input { field, pointer } => {
            let field = ident(field);
            match pointer {
                None => quote!(inputs.#field),
                Some(pointer) => {
                    quote!(::arazzo_runtime::pointer(#step, &inputs.#field, #pointer)?)
                }
            }
        }
        Place::StepOutput {
            step: var,
            field,
            pointer,
        } => {
            let (var, field) = (ident(var), ident(field));
            match pointer {
                None => quote!(#var.#field),
                Some(pointer) => quote!(::arazzo_runtime::pointer(#step, &#var.#field, #pointer)?),
            }
        }
        Place::StatusCode => quote!(response.status()),
        Place::ResponseBody(pointer) => quote!(response.body_at(#pointer).cloned()),
        Place::ResponseHeader(name) => quote!(response.header(#name)),
        Place::RequestBody(pointer) => quote!(body.pointer(#pointer).cloned()),
        Place::Url => quote!(response.url().to_owned()),
        Place::SourceUrl(field) => {
            let field = ident(field);
            quote!(client.#field.clone())
        }
        Place::Const(text) => quote!(#text.to_owned()),
        Place::RequestParam { var, .. } => {
            let var = ident(var);
            quote!(#var.clone())
        }
        Place::Called(field) => {
            let field = ident(field);
            quote!(called.#field)
        }
        Place::Dependency { var, field } => {
            let (var, field) = (ident(var), ident(field));
            quote!(#var.#field)
        }
    }
}

/// The value as a `serde_json::Value`, inside a step (absent values are `null`).
fn json_of(r: &ValueRef) -> TokenStream {
    let json = quote!(::arazzo_runtime::serde_json);
    match &r.place {
        Place::Input {
            pointer: Some(_), ..
        }
        | Place::StepOutput {
            pointer: Some(_), ..
        } => {
            let value = value(&r.place, &quote!(STEP));
            quote!(#value.unwrap_or_default())
        }
        Place::Input { .. } | Place::StepOutput { .. } => {
            let value = value(&r.place, &quote!(STEP));
            quote!(::arazzo_runtime::to_json(STEP, &#value)?)
        }
        Place::StatusCode => quote!(#json::Value::from(response.status())),
        Place::ResponseBody(pointer) => {
            quote!(response.body_at(#pointer).cloned().unwrap_or_default())
        }
        Place::ResponseHeader(name) => quote!(#json::Value::from(response.header(#name))),
        Place::RequestBody(pointer) => quote!(body.pointer(#pointer).cloned().unwrap_or_default()),
        Place::Url => quote!(#json::Value::from(response.url())),
        Place::SourceUrl(field) => {
            let field = ident(field);
            quote!(#json::Value::from(client.#field.as_str()))
        }
        Place::Const(text) => quote!(#json::Value::from(#text)),
        Place::RequestParam { var, optional } => {
            let var = ident(var);
            if *optional {
                quote!(#var.clone().unwrap_or_default())
            } else {
                quote!(#var.clone())
            }
        }
        Place::Called(_) | Place::Dependency { .. } => {
            let value = value(&r.place, &quote!(STEP));
            quote!(::arazzo_runtime::to_json(STEP, &#value)?)
        }
    }
}

/// An optional value where the request cannot leave it out: the value, or an
/// `Error::AbsentValue` naming the expression. Borrowed where the value lives in a variable.
fn present(r: &ValueRef) -> TokenStream {
    let expression = &r.expression;
    let option = match &r.place {
        Place::Input { pointer: None, .. } | Place::StepOutput { pointer: None, .. } => {
            let value = value(&r.place, &quote!(STEP));
            quote!(#value.as_ref())
        }
        Place::ResponseBody(pointer) => quote!(response.body_at(#pointer)),
        Place::RequestBody(pointer) => quote!(body.pointer(#pointer)),
        place => value(place, &quote!(STEP)),
    };
    quote!(::arazzo_runtime::present(STEP, #expression, #option)?)
}

/// The value as JSON where the request needs it (in an array, or as the whole body).
fn json_required(r: &ValueRef) -> TokenStream {
    match &r.ty {
        Type::Option(_) => {
            let value = present(r);
            quote!(::arazzo_runtime::to_json(STEP, &#value)?)
        }
        _ => json_of(r),
    }
}

/// A template's argument for a value: its text (a string as it is, anything else as JSON). An
/// absent optional value is an error, never an empty string.
fn template_arg(r: &ValueRef) -> TokenStream {
    if let Type::Option(inner) = &r.ty {
        let value = present(r);
        return match &**inner {
            inner if displays_plainly(inner) => value,
            Type::Json => quote!(::arazzo_runtime::text(&#value)),
            _ => quote!(::arazzo_runtime::text(&::arazzo_runtime::to_json(STEP, &#value)?)),
        };
    }
    match &r.place {
        Place::SourceUrl(field) => {
            let field = ident(field);
            quote!(client.#field.as_str())
        }
        Place::Url => quote!(response.url()),
        Place::StatusCode => quote!(response.status()),
        place if displays_plainly(&r.ty) => value(place, &quote!(STEP)),
        _ => {
            let json = json_of(r);
            quote!(::arazzo_runtime::text(&#json))
        }
    }
}

/// True for types that are `Copy`, which are read without `.clone()`.
fn is_copy(ty: &Type) -> bool {
    match ty {
        Type::Bool | Type::I32 | Type::I64 | Type::U16 | Type::F64 | Type::Enum(_) => true,
        Type::Option(inner) => is_copy(inner),
        _ => false,
    }
}

/// True for types whose `Display` is their text in a template.
fn displays_plainly(ty: &Type) -> bool {
    matches!(
        ty,
        Type::String | Type::Bool | Type::I32 | Type::I64 | Type::U16 | Type::F64 | Type::Enum(_)
    )
}

/// A workflow: its function at the root, and its module of the same name with its inputs,
/// outputs, and each step's types and function.
pub(super) fn workflow(plan: &Plan, w: &WorkflowPlan) -> TokenStream {
    let inside = At::module(&w.fn_name);
    let workflow_link = inside.fn_link(&w.fn_name);
    let inputs_doc = doc(&format!(
        "Inputs of the workflow {workflow_link} (`{}`).",
        w.id
    ));
    let inputs: Vec<&FieldPlan> = w.inputs.iter().collect();
    let inputs_struct = data_struct(&w.inputs_type.name, inputs_doc, &inputs, inside);
    let outputs_doc = doc(&format!(
        "Outputs of the workflow {workflow_link} (`{}`).",
        w.id
    ));
    let outputs: Vec<&FieldPlan> = w.outputs.iter().map(|(f, _)| f).collect();
    let outputs_struct = data_struct(&w.outputs_type.name, outputs_doc, &outputs, inside);
    let steps = w.steps.iter().map(|step| {
        let docs = doc(&format!(
            "Outputs of the step `{}` of the workflow {workflow_link}.",
            step.id
        ));
        let fields: Vec<&FieldPlan> = step.outputs.iter().map(|o| &o.field).collect();
        let outputs_struct = data_struct(&step.outputs_type.name, docs, &fields, inside);
        let function = step
            .standalone
            .as_ref()
            .map(|standalone| standalone_step(plan, w, step, standalone));
        quote! {
            #function
            #outputs_struct
        }
    });

    // Which step variables are read later decides whether they need a name at all.
    let mut all_refs: Vec<&ValueRef> = w.steps.iter().flat_map(StepPlan::refs).collect();
    all_refs.extend(w.outputs.iter().map(|(_, value)| value));
    let step_is_read = |var: &str| {
        all_refs
            .iter()
            .any(|r| matches!(&r.place, Place::StepOutput { step, .. } if step == var))
    };
    // Actions that run another workflow give it this workflow's inputs, by name.
    let runs_workflows = w.steps.iter().any(|s| {
        s.on_success.iter().chain(&s.on_failure).any(|a| {
            matches!(
                a.kind,
                ActionKind::GotoWorkflow(_)
                    | ActionKind::Retry {
                        first: Some(RetryFirst::Workflow(_)),
                        ..
                    }
            )
        })
    });
    let inputs_json = runs_workflows
        .then(|| quote!(let inputs_json = ::arazzo_runtime::to_json("inputs", &inputs)?;));
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
            At::ROOT.root(&d.fn_name),
            ident(&d.input_field),
        );
        let read = all_refs
            .iter()
            .any(|r| matches!(&r.place, Place::Dependency { var, .. } if *var == d.var));
        if read {
            quote!(let #var = #function(client, inputs.#field).await?;)
        } else {
            quote!(#function(client, inputs.#field).await?;)
        }
    });

    let body = if w.looping {
        looping_body(plan, w, &step_is_read)
    } else {
        straight_body(plan, w, &step_is_read)
    };
    let body = quote! {
        #inputs_json
        #(#dependencies)*
        #body
    };
    let fn_doc = workflow_doc(w);
    let module_doc = module_doc(w);
    let fn_name = ident(&w.fn_name);
    let inputs_type = At::ROOT.path(&w.inputs_type);
    let outputs_type = At::ROOT.path(&w.outputs_type);
    let unused_inputs = (!inputs_read).then(|| quote!(let _ = inputs;));
    let defaults = if inputs_read {
        w.defaults
            .iter()
            .map(|default| default_input(default, At::ROOT))
            .collect()
    } else {
        Vec::new()
    };
    let inputs_binding = if defaults.is_empty() {
        quote!(inputs)
    } else {
        quote!(mut inputs)
    };
    let workflow_id = &w.id;

    quote! {
        #fn_doc
        pub async fn #fn_name(
            client: &Client,
            #inputs_binding: #inputs_type,
                ) -> ::std::result::Result<#outputs_type, ::arazzo_runtime::Error> {
                        #(#defaults)*
                        let run = async move {
                #unused_inputs
                #body
            };
            ::arazzo_runtime::workflow(#workflow_id, run).await
        }

        #module_doc
        pub mod #fn_name {
            #inputs_struct
            #outputs_struct
            #(#steps)*
        }
    }
}

/// What a step reads of its workflow: the inputs (fields of the inputs struct), and the earlier
/// steps whose outputs it reads.
fn step_reads<'w>(w: &'w WorkflowPlan, step: &StepPlan) -> (Vec<&'w FieldPlan>, Vec<&'w StepPlan>) {
    let refs = step.refs();
    let inputs = w
        .inputs
        .iter()
        .filter(|input| {
            refs.iter()
                .any(|r| matches!(&r.place, Place::Input { field, .. } if *field == input.ident))
        })
        .collect();
    let earlier = w
        .steps
        .iter()
        .filter(|other| {
            other.var != step.var
                && refs.iter().any(
                    |r| matches!(&r.place, Place::StepOutput { step, .. } if *step == other.var),
                )
        })
        .collect();
    (inputs, earlier)
}

/// A call of a step's own function, in the workflow's function: the inputs it reads, copied
/// out of the workflow's inputs, and the earlier steps' outputs, borrowed.
fn call_standalone(w: &WorkflowPlan, step: &StepPlan, standalone: &Standalone) -> TokenStream {
    let (inputs, earlier) = step_reads(w, step);
    let function = At::ROOT.path(&standalone.fn_name);
    let inputs = (!inputs.is_empty()).then(|| {
        let inputs_type = At::ROOT.path(&standalone.inputs_type);
        let fields = inputs.iter().map(|input| {
            let field = ident(&input.ident);
            if is_copy(&input.ty) {
                quote!(#field: inputs.#field)
            } else {
                quote!(#field: inputs.#field.clone())
            }
        });
        quote!(#inputs_type { #(#fields,)* },)
    });
    let earlier = earlier.iter().map(|s| {
        let var = ident(&s.var);
        quote!(&#var,)
    });
    quote!(#function(client, #inputs #(#earlier)*).await?)
}

/// A step's own function: the step's request, its success criteria and its outputs, from the
/// workflow inputs it reads (a struct of their own) and the outputs of the earlier steps it
/// reads (by reference). The workflow's actions are not taken: the caller decides what runs
/// next.
fn standalone_step(
    plan: &Plan,
    w: &WorkflowPlan,
    step: &StepPlan,
    standalone: &Standalone,
) -> TokenStream {
    let inside = At::module(&w.fn_name);
    let (inputs, earlier) = step_reads(w, step);
    let fn_name = ident(&standalone.fn_name.name);
    let outputs_type = inside.path(&step.outputs_type);
    let mut text = vec![format!(
        "Runs only the step `{}` of the workflow {}{}.",
        step.id,
        inside.fn_link(&w.fn_name),
        step.request().map(request_summary).unwrap_or_default()
    )];
    if let Some(description) = &step.description {
        text.push(description.clone());
    }
    if !earlier.is_empty() {
        let names: Vec<String> = earlier
            .iter()
            .map(|s| format!("`{}` ([`{}`])", s.id, inside.link(&s.outputs_type)))
            .collect();
        text.push(format!(
            "It reads the outputs of the step {}.",
            names.join(", ")
        ));
    }
    let fn_doc = doc(&text.join("\n\n"));
    let (inputs_struct, inputs_param, defaults) = if inputs.is_empty() {
        (None, None, Vec::new())
    } else {
        let inputs_type = inside.path(&standalone.inputs_type);
        let struct_doc = doc(&format!(
            "The workflow inputs the step `{}` reads, for [`{}`].",
            step.id,
            inside.link(&standalone.fn_name)
        ));
        let defaults: Vec<TokenStream> = w
            .defaults
            .iter()
            .filter(|(field, _)| inputs.iter().any(|input| input.ident == *field))
            .map(|default| default_input(default, inside))
            .collect();
        let binding = if defaults.is_empty() {
            quote!(inputs)
        } else {
            quote!(mut inputs)
        };
        (
            Some(data_struct(
                &standalone.inputs_type.name,
                struct_doc,
                &inputs,
                inside,
            )),
            Some(quote!(#binding: #inputs_type,)),
            defaults,
        )
    };
    let earlier_params = earlier.iter().map(|s| {
        let (var, ty) = (ident(&s.var), inside.path(&s.outputs_type));
        quote!(#var: &#ty,)
    });
    let body = step_body(
        plan,
        step,
        Flow::Straight {
            ends: Vec::new(),
            statics: Vec::new(),
        },
        inside,
    );
    let client = inside.root("Client");
    quote! {
        #fn_doc
        pub async fn #fn_name(
            client: &#client,
            #inputs_param
            #(#earlier_params)*
        ) -> ::std::result::Result<#outputs_type, ::arazzo_runtime::Error> {
            #(#defaults)*
            ::std::result::Result::Ok(#body)
        }

        #inputs_struct
    }
}

/// Fills in an input's `default` when the caller left it out.
fn default_input((field, default): &(String, DefaultValue), at: At<'_>) -> TokenStream {
    let field = ident(field);
    match default {
        DefaultValue::String(s) => quote!(inputs.#field.get_or_insert_with(|| #s.to_owned());),
        DefaultValue::Bool(b) => quote!(inputs.#field.get_or_insert(#b);),
        DefaultValue::Int(i) => {
            let i = proc_macro2::Literal::i64_unsuffixed(*i);
            quote!(inputs.#field.get_or_insert(#i);)
        }
        DefaultValue::Float(f) => {
            let f = proc_macro2::Literal::f64_unsuffixed(*f);
            quote!(inputs.#field.get_or_insert(#f);)
        }
        DefaultValue::Variant(ty, variant) => {
            let (ty, variant) = (at.path(ty), ident(variant));
            quote!(inputs.#field.get_or_insert(#ty::#variant);)
        }
    }
}

/// Whether a step's outputs are there where the workflow's outputs are built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Availability {
    /// In the step's variable.
    Ran,
    /// In `outputs`: the step is returning early from its own block.
    Here,
    /// Not yet run: its outputs are `None`.
    NotRun,
    /// In an `Option` variable that may be `None`.
    Maybe,
}

/// The outputs struct literal. A value read whole is moved out of its step (or the inputs)
/// when nothing after it reads the same field, and cloned otherwise; an output whose step may
/// not have run is `Option`.
fn workflow_outputs(w: &WorkflowPlan, availability: impl Fn(&str) -> Availability) -> TokenStream {
    let outputs_type = At::ROOT.path(&w.outputs_type);
    let base = |place: &Place| match place {
        Place::Input { field, .. } => Some((String::new(), field.clone())),
        Place::StepOutput { step, field, .. } => Some((step.clone(), field.clone())),
        Place::Dependency { var, field } => Some((var.clone(), field.clone())),
        _ => None,
    };
    let mut last_read: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (i, (_, value)) in w.outputs.iter().enumerate() {
        if let Some(key) = base(&value.place) {
            last_read.insert(key, i);
        }
    }
    let steps: BTreeMap<&str, &StepPlan> = w.steps.iter().map(|s| (s.var.as_str(), s)).collect();
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
        let (place, available, step_id) = match &value.place {
            Place::StepOutput {
                step,
                field: f,
                pointer,
            } => {
                let available = availability(step);
                let var = if available == Availability::Here {
                    "outputs".to_owned()
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
        let expression = self::value(&place, &quote!(#step_id));
        let whole = matches!(
            &place,
            Place::Input { pointer: None, .. }
                | Place::StepOutput { pointer: None, .. }
                | Place::Dependency { .. }
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

/// The function body of a workflow without `goto` or `retry`: one block per step, in order.
fn straight_body(
    plan: &Plan,
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
                let applies = action_applies(action, &mut statics);
                let outputs = workflow_outputs(w, |var| match position.get(var) {
                    Some(&i) if i < k => Availability::Ran,
                    Some(&i) if i == k => Availability::Here,
                    _ => Availability::NotRun,
                });
                (applies, outputs)
            })
            .collect();
        let body = match &step.standalone {
            Some(standalone) if ends.is_empty() => call_standalone(w, step, standalone),
            _ => step_body(plan, step, Flow::Straight { ends, statics }, At::ROOT),
        };
        quote! {
            let #var = #body;
        }
    });
    let outputs = workflow_outputs(w, |_| Availability::Ran);
    quote! {
        #(#steps)*
        ::std::result::Result::Ok(#outputs)
    }
}

/// The function body of a workflow whose actions jump or repeat: a loop over an enum of its
/// steps, bounded by `max_steps`.
fn looping_body(plan: &Plan, w: &WorkflowPlan, step_is_read: &dyn Fn(&str) -> bool) -> TokenStream {
    let mut names = crate::naming::Scope::default();
    let variants: Vec<proc_macro2::Ident> = w
        .steps
        .iter()
        .map(|s| ident(&names.unique_type(crate::naming::pascal(&s.id))))
        .collect();
    let kept: std::collections::BTreeSet<String> = w
        .steps
        .iter()
        .filter(|s| step_is_read(&s.var))
        .map(|s| s.var.clone())
        .collect();
    let always: std::collections::BTreeSet<&str> = w
        .steps
        .iter()
        .filter(|s| s.always_runs)
        .map(|s| s.var.as_str())
        .collect();
    let resumes = w.steps.iter().any(|s| {
        s.on_failure.iter().any(|a| {
            matches!(
                a.kind,
                ActionKind::Retry {
                    first: Some(RetryFirst::Step(_)),
                    ..
                }
            )
        })
    });
    let ids: BTreeMap<&str, &str> = w
        .steps
        .iter()
        .map(|s| (s.var.as_str(), s.id.as_str()))
        .collect();
    let arms = w.steps.iter().enumerate().map(|(index, step)| {
        let mut reads: Vec<(String, String)> = step
            .refs()
            .iter()
            .filter_map(|r| match &r.place {
                Place::StepOutput { step: var, .. } => Some((
                    var.clone(),
                    ids.get(var.as_str())
                        .copied()
                        .unwrap_or_default()
                        .to_owned(),
                )),
                _ => None,
            })
            .collect();
        reads.sort();
        reads.dedup();
        let body = step_body(
            plan,
            step,
            Flow::Loop {
                index,
                variants: &variants,
                kept: &kept,
                reads,
                resumes,
            },
            At::ROOT,
        );
        let variant = &variants[index];
        quote!(Step::#variant => #body)
    });
    let declarations = w.steps.iter().filter(|s| kept.contains(&s.var)).map(|s| {
        let var = ident(&s.var);
        let ty = At::ROOT.path(&s.outputs_type);
        quote!(let mut #var: ::std::option::Option<#ty> = ::std::option::Option::None;)
    });
    let counters = w.steps.iter().enumerate().flat_map(|(index, step)| {
        failure_actions(step)
            .into_iter()
            .filter(|(_, action)| matches!(action.kind, ActionKind::Retry { .. }))
            .map(move |(i, _)| {
                let counter = ident(&format!("retries_{index}_{i}"));
                quote!(let mut #counter = 0_u32;)
            })
    });
    // After the loop, the steps that always ran are unwrapped; the others stay `Option`s.
    let unwrap = w
        .steps
        .iter()
        .filter(|s| s.always_runs)
        .filter(|s| {
            w.outputs
                .iter()
                .any(|(_, value)| matches!(&value.place, Place::StepOutput { step, .. } if *step == s.var))
        })
        .map(|s| {
            let var = ident(&s.var);
            let id = &s.id;
            let expression = format!("$steps.{id}.outputs");
            quote!(let #var = ::arazzo_runtime::present(#id, #expression, #var)?;)
        });
    let outputs = workflow_outputs(w, |var| {
        if always.contains(var) {
            Availability::Ran
        } else {
            Availability::Maybe
        }
    });
    let resume = resumes.then(
        || quote!(let mut resume: ::std::option::Option<Step> = ::std::option::Option::None;),
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
        let mut next = ::std::option::Option::Some(Step::#first);
        let mut executed = 0_usize;
        while let ::std::option::Option::Some(step) = next {
            executed += 1;
            if executed > #limit {
                return ::std::result::Result::Err(::arazzo_runtime::Error::StepLimit {
                    workflow: #workflow,
                    limit: #limit,
                });
            }
            next = match step {
                #(#arms)*
            };
        }
        #(#unwrap)*
        ::std::result::Result::Ok(#outputs)
    }
}

fn workflow_doc(w: &WorkflowPlan) -> TokenStream {
    let mut text = w
        .summary
        .clone()
        .unwrap_or_else(|| format!("Runs the workflow `{}`.", w.id));
    if let Some(description) = &w.description {
        text.push_str("\n\n");
        text.push_str(description);
    }
    text.push_str(&format!(
        "\n\nArazzo workflow `{}`; its steps, in order:",
        w.id
    ));
    let mut fn_doc = doc(&text);
    let mut lines = vec![String::new()];
    for (i, step) in w.steps.iter().enumerate() {
        let mut line = match &step.kind {
            StepKind::Workflow(call) => format!(
                "{}. `{}`: runs the workflow `{}` ({})",
                i + 1,
                step.id,
                call.workflow,
                At::ROOT.fn_link(&call.fn_name)
            ),
            StepKind::Operation(request) => {
                format!("{}. `{}`{}", i + 1, step.id, request_summary(request))
            }
        };
        let summary = step.request().and_then(|r| r.operation_summary.as_ref());
        if let Some(d) = step.description.as_ref().or(summary) {
            line.push_str(". ");
            line.push_str(d.trim());
        }
        if let Some(standalone) = &step.standalone {
            let end = if line.ends_with('.') { "" } else { "." };
            line.push_str(&format!(
                "{end} On its own: [`{}`].",
                At::ROOT.link(&standalone.fn_name)
            ));
        }
        lines.extend(wrap_item(&line, i + 1));
    }
    lines.push(String::new());
    lines.push("# Errors".to_owned());
    lines.push(String::new());
    lines.extend(wrap_item(
        &format!("An [`arazzo_runtime::Error`] that names the failing step ({ERRORS_LINK})."),
        0,
    ));
    fn_doc.extend(doc_lines(&lines));
    fn_doc
}

/// `: `POST /v1/otps/authenticate` (`api_otp_v1_Authenticate`)`, for docs.
fn request_summary(request: &RequestPlan) -> String {
    let (method, path) = (request.method.as_str(), &request.path);
    match &request.operation_id {
        Some(id) => format!(": `{method} {path}` (`{id}`)"),
        None => format!(": `{method} {path}`"),
    }
}

/// Where the errors of every generated function are described, once.
const ERRORS_LINK: &str = "[what each variant means](arazzo_runtime::Error#variants)";

/// The doc of a workflow's module: what it holds, and what its step functions do and do not do.
fn module_doc(w: &WorkflowPlan) -> TokenStream {
    let inside = At::module(&w.fn_name);
    let mut text = format!(
        "The inputs, outputs and steps of the workflow {} (`{}`).",
        inside.fn_link(&w.fn_name),
        w.id
    );
    if w.steps.iter().any(|s| s.standalone.is_some()) {
        text.push_str(
            "\n\nEach operation step is also a function of its own, which sends the step's \
             request, checks its success criteria and returns its outputs. The workflow's \
             actions (`goto`, `retry`, `end`) are not taken: the caller decides what runs next. \
             Use them where a workflow waits for a person between two steps.",
        );
    }
    text.push_str(&format!(
        "\n\nEvery function fails with an [`arazzo_runtime::Error`] that names the failing \
         step ({ERRORS_LINK})."
    ));
    doc(&text)
}

/// Wraps a list item (`N. text`, or plain text with `number` 0) at 90 columns, continuation
/// lines indented under the text.
fn wrap_item(text: &str, number: usize) -> Vec<String> {
    let indent = if number == 0 {
        0
    } else {
        number.to_string().len() + 2
    };
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + word.len() + 1 > 90 {
            lines.push(std::mem::take(&mut line));
            line.push_str(&" ".repeat(indent));
        } else if !line.is_empty() && !line.ends_with(' ') {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// In a loop, the outputs of the earlier steps a step reads, taken out of their `Option`s: a
/// step that has not run on the path taken is an `Error::AbsentValue`.
fn read_earlier_steps(reads: Vec<(String, String)>) -> Vec<TokenStream> {
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
fn next_step(variants: &[proc_macro2::Ident], index: usize, resumes: bool) -> TokenStream {
    let next = match variants.get(index + 1) {
        Some(next) => quote!(::std::option::Option::Some(Step::#next)),
        None => quote!(::std::option::Option::None),
    };
    // After a step run by a `retry`, the retried step comes next.
    if resumes {
        quote!(resume.take().or(#next))
    } else {
        next
    }
}

/// Runs a workflow an action names, with this workflow's inputs (by name).
fn run_workflow(target: &WorkflowTarget, at: At<'_>) -> TokenStream {
    let function = at.root(&target.fn_name);
    let workflow = &target.workflow;
    quote! {
        let _ = #function(client, ::arazzo_runtime::from_json(STEP, #workflow, inputs_json.clone())?).await?;
    }
}

/// The failure actions that take part in the generated chain, with their indices: a retry
/// whose limit is zero never applies, and nothing after an action without criteria is reached.
fn failure_actions(step: &StepPlan) -> Vec<(usize, &ActionPlan)> {
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

/// A step that runs another workflow: its inputs from the step's parameters, its outputs from
/// the called workflow's.
fn call_body(step: &StepPlan, call: &WorkflowCall, flow: Flow<'_>, at: At<'_>) -> TokenStream {
    let step_id = &step.id;
    let function = at.root(&call.fn_name);
    let inputs = json_value(&ValuePlan::Object(call.inputs.clone()));
    let outputs_type = at.path(&step.outputs_type);
    let fields = step.outputs.iter().map(|output| {
        let name = ident(&output.field.ident);
        let OutputSource::Value(r) = &output.source else {
            return quote!(#name: ::std::default::Default::default());
        };
        let value = value(&r.place, &quote!(STEP));
        let whole = matches!(
            &r.place,
            Place::Called(_)
                | Place::Input { pointer: None, .. }
                | Place::StepOutput { pointer: None, .. }
                | Place::Dependency { .. }
        );
        if whole && !is_copy(&r.ty) {
            quote!(#name: #value.clone())
        } else {
            quote!(#name: #value)
        }
    });
    let build = quote!(#outputs_type { #(#fields,)* });
    let mut rebinds = Vec::new();
    let tail = match flow {
        Flow::Straight { .. } => build,
        Flow::Loop {
            index,
            variants,
            kept,
            reads,
            resumes,
        } => {
            rebinds = read_earlier_steps(reads);
            let next = next_step(variants, index, resumes);
            let store = if kept.contains(&step.var) {
                let var = ident(&step.var);
                quote!(#var = ::std::option::Option::Some(#build);)
            } else {
                quote!(let _ = #build;)
            };
            quote! {
                #store
                #next
            }
        }
    };
    let workflow = &call.workflow;
    quote! {{
        const STEP: &str = #step_id;
        #(#rebinds)*
        let inputs_of_call = #inputs;
        let called = #function(client, ::arazzo_runtime::from_json(STEP, #workflow, inputs_of_call)?).await?;
        #tail
    }}
}

/// Whether a step's success criteria hold, as one expression (`None`: any 2xx status).
fn success_expression(step: &StepPlan, statics: &mut Vec<TokenStream>) -> TokenStream {
    match step.success.as_slice() {
        [] => quote!((200..300).contains(&response.status())),
        // One criterion alone needs no parentheses around it.
        [CondPlan::Or(a, b)] => {
            let (a, b) = (condition(a, statics), condition(b, statics));
            quote!(#a || #b)
        }
        [CondPlan::And(a, b)] => {
            let (a, b) = (condition(a, statics), condition(b, statics));
            quote!(#a && #b)
        }
        conditions => {
            let conditions = conditions.iter().map(|c| condition(c, statics));
            quote!(#(#conditions)&&*)
        }
    }
}

/// All of an action's criteria (`true` for none).
fn action_applies(action: &ActionPlan, statics: &mut Vec<TokenStream>) -> Option<TokenStream> {
    if action.criteria.is_empty() {
        return None;
    }
    let criteria: Vec<TokenStream> = action
        .criteria
        .iter()
        .map(|c| condition(c, statics))
        .collect();
    Some(quote!(#(#criteria)&&*))
}

/// How the function around a step block runs.
enum Flow<'p> {
    /// Straight-line: each step is a `let` block; `end` actions return early with these outputs.
    Straight {
        /// For each success `end` action: its condition and the outputs to return.
        ends: Vec<(Option<TokenStream>, TokenStream)>,
        /// The patterns and queries those conditions use.
        statics: Vec<TokenStream>,
    },
    /// A loop over the steps: the block evaluates to the next step.
    Loop {
        /// The step's index.
        index: usize,
        /// The variants of the step enum, by index.
        variants: &'p [proc_macro2::Ident],
        /// The step variables read later (kept in `Option` variables).
        kept: &'p std::collections::BTreeSet<String>,
        /// Earlier steps this one reads: (variable, stepId).
        reads: Vec<(String, String)>,
        /// Whether a `retry` can run another step first, after which the retried step resumes.
        resumes: bool,
    },
}

/// The block of a step: its request, its success criteria and its outputs, and where it goes
/// next. `at` is the module the block is written in.
fn step_body(plan: &Plan, step: &StepPlan, flow: Flow<'_>, at: At<'_>) -> TokenStream {
    let request = match &step.kind {
        StepKind::Workflow(call) => return call_body(step, call, flow, at),
        StepKind::Operation(request) => request,
    };
    let step_id = &step.id;
    let source = &plan.sources[request.source];
    let base = ident(&source.field);
    let method = ident(request.method.as_str());
    let (params, path, chained, optional) = parameters(request);
    let auth = request.auth.iter().map(|auth| {
        let scheme = &plan.schemes[auth.scheme];
        let field = ident(&scheme.field);
        let name = &scheme.name;
        let setter = &scheme.field;
        let require = auth
            .required
            .then(|| quote!(.require_credentials(client.#field.is_some(), #name, #setter)));
        let send = match &scheme.kind {
            SchemeKind::Basic => quote!(.basic_auth(client.#field.as_ref())),
            SchemeKind::Bearer => quote!(.bearer_auth(client.#field.as_ref())),
            SchemeKind::ApiKey { location, name } => {
                let location = ident(match location {
                    ApiKeyLocation::Header => "Header",
                    ApiKeyLocation::Query => "Query",
                    ApiKeyLocation::Cookie => "Cookie",
                });
                quote!(.api_key(::arazzo_runtime::ApiKeyIn::#location, #name, client.#field.as_ref()))
            }
        };
        quote!(#require #send)
    });
    let (body, send_body) = match &request.body {
        Some(body) => request_body(body),
        None => (None, None),
    };
    let operation = request
        .operation_id
        .as_ref()
        .map(|id| quote!(.operation(#id)));
    // In a loop, a step with `retry` actions counts its tries.
    let attempt = match &flow {
        Flow::Loop { index, .. } => {
            let counters: Vec<proc_macro2::Ident> = failure_actions(step)
                .into_iter()
                .filter(|(_, action)| matches!(action.kind, ActionKind::Retry { .. }))
                .map(|(i, _)| ident(&format!("retries_{index}_{i}")))
                .collect();
            (!counters.is_empty()).then(|| quote!(.attempt(1 #(+ #counters)*)))
        }
        Flow::Straight { .. } => None,
    };
    let request = quote! {
        client
            .http
            .request(STEP, ::arazzo_runtime::Method::#method, &client.#base, #path)
            #operation
            #attempt
            #(#chained)*
            #(#auth)*
            #send_body
    };
    // Parameters that may be absent are added one by one; without them, one chain does it.
    let send = if optional.is_empty() {
        quote!(let response = #request.send().await?;)
    } else {
        quote! {
            let request = #request;
            #(#optional)*
            let response = request.send().await?;
        }
    };
    // The `end` actions' patterns come first, so that the step's own are numbered after them.
    let mut statics = match &flow {
        Flow::Straight { statics, .. } => statics.clone(),
        Flow::Loop { .. } => Vec::new(),
    };
    let fail = quote!(return ::std::result::Result::Err(response.into_failure()););
    let straight_check = match step.success.as_slice() {
        [CondPlan::Compare(l, op, r)] if native(l, r).is_some() => {
            let failed = condition(
                &CondPlan::Compare(l.clone(), op.negate(), r.clone()),
                &mut statics,
            );
            quote! {
                if #failed {
                    #fail
                }
            }
        }
        [] => quote! {
            if !(200..300).contains(&response.status()) {
                #fail
            }
        },
        _ => {
            let success = success_expression(step, &mut statics);
            quote! {
                let success = #success;
                if !success {
                    #fail
                }
            }
        }
    };
    let outputs_type = at.path(&step.outputs_type);
    let outputs = step.outputs.iter().map(|output| {
        let name = ident(&output.field.ident);
        let value = match &output.source {
            OutputSource::Body(pointer) if output.field.ty.is_option() => {
                quote!(response.body_value_opt(#pointer)?)
            }
            OutputSource::Body(pointer) => quote!(response.body_value(#pointer)?),
            OutputSource::Header(name) => quote!(response.header_value(#name)?),
            OutputSource::Value(r) => {
                let value = value(&r.place, &quote!(STEP));
                // Earlier steps' outputs are still needed by later steps: copy them.
                match &r.place {
                    Place::Input { pointer: None, .. }
                    | Place::StepOutput { pointer: None, .. }
                    | Place::Dependency { .. }
                        if !is_copy(&r.ty) =>
                    {
                        quote!(#value.clone())
                    }
                    _ => value,
                }
            }
        };
        quote!(#name: #value)
    });
    let build = if step.outputs.is_empty() {
        quote!(#outputs_type {})
    } else {
        quote!(#outputs_type { #(#outputs,)* })
    };
    let mut rebinds = Vec::new();
    let tail = match flow {
        Flow::Straight { ends, .. } if ends.is_empty() => {
            quote! {
                #straight_check
                #build
            }
        }
        Flow::Straight { ends, .. } => {
            let returns = ends.into_iter().map(|(applies, outputs)| match applies {
                Some(applies) => quote! {
                    if #applies {
                        return ::std::result::Result::Ok(#outputs);
                    }
                },
                None => quote!(return ::std::result::Result::Ok(#outputs);),
            });
            quote! {
                #straight_check
                let outputs = #build;
                #(#returns)*
                outputs
            }
        }
        Flow::Loop {
            index,
            variants,
            kept,
            reads,
            resumes,
        } => {
            rebinds = read_earlier_steps(reads);
            let success = success_expression(step, &mut statics);
            let default_next = next_step(variants, index, resumes);
            let target = |kind: &ActionKind| match kind {
                ActionKind::Goto(to) => {
                    let to = &variants[*to];
                    quote!(::std::option::Option::Some(Step::#to))
                }
                // The named workflow runs, and this one ends.
                ActionKind::GotoWorkflow(workflow) => {
                    let run = run_workflow(workflow, at);
                    quote!({
                        #run
                        ::std::option::Option::None
                    })
                }
                _ => quote!(::std::option::Option::None),
            };
            // Success: the first `end` or `goto` that applies, else the next step.
            let mut chain = Vec::new();
            let mut last = default_next;
            for action in &step.on_success {
                let to = target(&action.kind);
                match action_applies(action, &mut statics) {
                    Some(applies) => chain.push(quote!(if #applies { #to } else)),
                    None => {
                        last = to;
                        break;
                    }
                }
            }
            let next = if chain.is_empty() {
                last
            } else {
                quote!(#(#chain)* { #last })
            };
            let store = if kept.contains(&step.var) {
                let var = ident(&step.var);
                quote!(#var = ::std::option::Option::Some(outputs);)
            } else {
                quote!(let _ = outputs;)
            };
            // Failure: the first `retry` (within its limit), `goto` or `end` that applies, else fail.
            let current = &variants[index];
            let mut failure = Vec::new();
            let mut failure_last = quote!({ #fail });
            for (i, action) in failure_actions(step) {
                let applies = action_applies(action, &mut statics);
                let (guard, then) = match &action.kind {
                    ActionKind::Retry {
                        after,
                        limit,
                        first,
                    } => {
                        let counter = ident(&format!("retries_{index}_{i}"));
                        let guard = match &applies {
                            Some(applies) => quote!(#counter < #limit && #applies),
                            None => quote!(#counter < #limit),
                        };
                        let again = match first {
                            None => quote!(::std::option::Option::Some(Step::#current)),
                            Some(RetryFirst::Step(step)) => {
                                let step = &variants[*step];
                                quote! {
                                    resume = ::std::option::Option::Some(Step::#current);
                                    ::std::option::Option::Some(Step::#step)
                                }
                            }
                            Some(RetryFirst::Workflow(workflow)) => {
                                let run = run_workflow(workflow, at);
                                quote! {
                                    #run
                                    ::std::option::Option::Some(Step::#current)
                                }
                            }
                        };
                        let then = quote! {
                            #counter += 1;
                            ::arazzo_runtime::wait_to_retry(&response, #after).await;
                            #again
                        };
                        (Some(guard), then)
                    }
                    ActionKind::Goto(_) | ActionKind::GotoWorkflow(_) => {
                        (applies, target(&action.kind))
                    }
                    ActionKind::End => (applies, quote!(#fail)),
                };
                match guard {
                    Some(guard) => failure.push(quote!(if #guard { #then } else)),
                    None => {
                        failure_last = quote!({ #then });
                        break;
                    }
                }
            }
            let failure = quote!(#(#failure)* #failure_last);
            quote! {
                let success = #success;
                if success {
                    let outputs = #build;
                    let next = #next;
                    #store
                    next
                } else #failure
            }
        }
    };
    quote! {{
        const STEP: &str = #step_id;
        #(#statics)*
        #(#rebinds)*
        #(#params)*
        #body
        #send
        #tail
    }}
}

/// The statements that build a step's body, and the request-builder call that sends it.
fn request_body(body: &BodyPlan) -> (Option<TokenStream>, Option<TokenStream>) {
    let content_type = &body.content_type;
    let escape = match body.kind {
        BodyKind::JsonText => Some("json_part"),
        BodyKind::FormText => Some("form_part"),
        _ => None,
    };
    let text = || match &body.value {
        ValuePlan::Str(s) => quote!(#s.to_owned()),
        ValuePlan::Template(parts) => escaped_template(parts, escape),
        ValuePlan::Ref(r) => {
            let value = value(&r.place, &quote!(STEP));
            quote!(::std::string::ToString::to_string(&#value))
        }
        other => json_value(other),
    };
    // A written-out form with replacements is read into fields, which the replacements set.
    let form_fields = body.is_form_with_replacements();
    let value = match body.kind {
        BodyKind::JsonText => {
            let text = text();
            quote!(::arazzo_runtime::parse_json(STEP, &#text)?)
        }
        BodyKind::FormText if form_fields => {
            let text = text();
            quote!(::arazzo_runtime::parse_form(&#text))
        }
        BodyKind::Text | BodyKind::FormText => text(),
        BodyKind::Json | BodyKind::Form | BodyKind::Multipart => json_value(&body.value),
    };
    let replacements: Vec<TokenStream> = body
        .replacements
        .iter()
        .map(|(target, value)| {
            let value = json_value(value);
            quote!(::arazzo_runtime::replace(STEP, &mut body, #target, #value)?;)
        })
        .collect();
    let build = if replacements.is_empty() {
        quote!(let body = #value;)
    } else {
        quote! {
            let mut body = #value;
            #(#replacements)*
        }
    };
    let send = match body.kind {
        BodyKind::Json | BodyKind::JsonText if content_type == "application/json" => {
            quote!(.json(&body))
        }
        BodyKind::Json | BodyKind::JsonText => quote!(.json_as(#content_type, &body)),
        BodyKind::Form => quote!(.form(&body)),
        BodyKind::FormText if form_fields => quote!(.form(&body)),
        BodyKind::Multipart => quote!(.multipart(&body)),
        BodyKind::Text | BodyKind::FormText => quote!(.raw(#content_type, body)),
    };
    (Some(build), Some(send))
}

/// A parameter's JSON value where it may be absent: `Option<serde_json::Value>`.
fn optional_json(r: &ValueRef) -> TokenStream {
    let value = value(&r.place, &quote!(STEP));
    match &r.place {
        Place::Input { pointer: None, .. } | Place::StepOutput { pointer: None, .. } => {
            quote!(#value.as_ref().map(|value| ::arazzo_runtime::to_json(STEP, value)).transpose()?)
        }
        // Pointer lookups, header reads and the like are already `Option<Value>`.
        _ => value,
    }
}

/// A step's parameters: the statements that compute their values, the path expression, the
/// request-builder calls for the values that are always there, and the statements that add the
/// ones that may be absent.
fn parameters(
    request: &RequestPlan,
) -> (
    Vec<TokenStream>,
    TokenStream,
    Vec<TokenStream>,
    Vec<TokenStream>,
) {
    let mut values = Vec::new();
    let mut chained = Vec::new();
    let mut optional = Vec::new();
    for param in &request.parameters {
        let var = ident(&param.var);
        let may_be_absent = param.location != ParamLocation::Path
            && matches!(&param.value, ValuePlan::Ref(r) if r.ty.is_option());
        let value = match &param.value {
            ValuePlan::Ref(r) if may_be_absent => optional_json(r),
            other => json_value(other),
        };
        values.push(quote!(let #var = #value;));
        let call = |value: TokenStream| -> Option<TokenStream> {
            let name = &param.name;
            match param.location {
                ParamLocation::Path => None,
                ParamLocation::Query => {
                    let style = style(param);
                    Some(quote!(.query(#name, #value, ::arazzo_runtime::QueryStyle::#style)))
                }
                ParamLocation::Header => Some(quote!(.header(#name, #value))),
                ParamLocation::Cookie => Some(quote!(.cookie(#name, #value))),
            }
        };
        if may_be_absent {
            if let Some(call) = call(quote!(value)) {
                optional.push(quote! {
                    let request = match &#var {
                        ::std::option::Option::Some(value) => request #call,
                        ::std::option::Option::None => request,
                    };
                });
            }
        } else if let Some(call) = call(quote!(&#var)) {
            chained.push(call);
        }
    }
    // `/users/{id}` becomes `format!("/users/{}", path_segment(&param_path_id))`.
    let mut format = String::new();
    let mut args = Vec::new();
    for part in &request.path_parts {
        match part {
            PathPart::Text(text) => format.push_str(&text.replace('{', "{{").replace('}', "}}")),
            PathPart::Param(var) => {
                format.push_str("{}");
                let var = ident(var);
                args.push(quote!(::arazzo_runtime::path_segment(&#var)));
            }
        }
    }
    let path = if args.is_empty() {
        let path = &request.path;
        quote!(#path)
    } else {
        values.push(quote!(let path = ::std::format!(#format, #(#args),*);));
        quote!(&path)
    };
    (values, path, chained, optional)
}

fn style(param: &ParamPlan) -> proc_macro2::Ident {
    ident(match param.style {
        ParamStyle::Form => "Form",
        ParamStyle::FormNoExplode => "FormNoExplode",
        ParamStyle::SpaceDelimited => "SpaceDelimited",
        ParamStyle::PipeDelimited => "PipeDelimited",
        ParamStyle::DeepObject => "DeepObject",
    })
}

/// Both sides of a comparison as plain Rust integers, when they are: a status code or an
/// integer input against a number that fits its type.
fn native(l: &OperandPlan, r: &OperandPlan) -> Option<(TokenStream, TokenStream)> {
    let int = |o: &OperandPlan, other: &OperandPlan| -> Option<TokenStream> {
        match o {
            OperandPlan::Value(v) if matches!(v.ty, Type::U16 | Type::I32 | Type::I64) => {
                Some(value(&v.place, &quote!(STEP)))
            }
            OperandPlan::Literal(Literal::Number(n)) => {
                let OperandPlan::Value(v) = other else {
                    return None;
                };
                let n: i64 = n.parse().ok()?;
                let fits = match v.ty {
                    Type::U16 => u16::try_from(n).is_ok(),
                    Type::I32 => i32::try_from(n).is_ok(),
                    Type::I64 => true,
                    _ => false,
                };
                // Written out anew, so that `0200` becomes `200`.
                let lit = Lit::i64_unsuffixed(n);
                fits.then(|| quote!(#lit))
            }
            _ => None,
        }
    };
    let (a, b) = (int(l, r)?, int(r, l)?);
    // Two values of possibly different integer types are compared as JSON instead.
    if matches!((l, r), (OperandPlan::Value(x), OperandPlan::Value(y)) if x.ty != y.ty) {
        return None;
    }
    Some((a, b))
}

fn op_tokens(op: Op) -> TokenStream {
    match op {
        Op::Eq => quote!(==),
        Op::Ne => quote!(!=),
        Op::Lt => quote!(<),
        Op::Le => quote!(<=),
        Op::Gt => quote!(>),
        Op::Ge => quote!(>=),
    }
}

fn literal_json(literal: &Literal) -> TokenStream {
    let json = quote!(::arazzo_runtime::serde_json);
    match literal {
        Literal::Null => quote!(#json::Value::Null),
        Literal::Bool(b) => quote!(#json::Value::Bool(#b)),
        Literal::Str(s) => quote!(#json::Value::from(#s)),
        Literal::Number(n) => number_json(n),
    }
}

fn number_json(n: &str) -> TokenStream {
    let json = quote!(::arazzo_runtime::serde_json);
    match n.parse::<i64>() {
        Ok(i) => {
            let lit = Lit::i64_suffixed(i);
            quote!(#json::Value::from(#lit))
        }
        Err(_) => match (n.parse::<u64>(), n.parse::<f64>()) {
            (Ok(u), _) => {
                let lit = Lit::u64_suffixed(u);
                quote!(#json::Value::from(#lit))
            }
            (_, Ok(f)) if f.is_finite() => {
                let lit = Lit::f64_suffixed(f);
                quote!(#json::Value::from(#lit))
            }
            // The resolver rejects numbers JSON cannot hold; nothing else reaches here.
            _ => quote!(#json::Value::Null),
        },
    }
}

fn operand_json(o: &OperandPlan) -> TokenStream {
    match o {
        OperandPlan::Value(v) => json_of(v),
        OperandPlan::Literal(literal) => literal_json(literal),
    }
}

/// A compiled criterion; regexes and JSONPath queries become `static`s compiled once.
fn condition(c: &CondPlan, statics: &mut Vec<TokenStream>) -> TokenStream {
    match c {
        CondPlan::Or(a, b) => {
            let (a, b) = (condition(a, statics), condition(b, statics));
            quote!((#a || #b))
        }
        CondPlan::And(a, b) => {
            let (a, b) = (condition(a, statics), condition(b, statics));
            quote!((#a && #b))
        }
        CondPlan::Not(a) => match &**a {
            CondPlan::Compare(l, op, r) if native(l, r).is_some() => condition(
                &CondPlan::Compare(l.clone(), op.negate(), r.clone()),
                statics,
            ),
            _ => {
                let a = condition(a, statics);
                quote!(!(#a))
            }
        },
        CondPlan::Compare(l, op, r) => match native(l, r) {
            Some((l, r)) => {
                let op = op_tokens(*op);
                quote!(#l #op #r)
            }
            None => {
                let (l, r) = (operand_json(l), operand_json(r));
                let op = ident(&format!("{op:?}"));
                quote!(::arazzo_runtime::criteria::compare(&#l, ::arazzo_runtime::criteria::Op::#op, &#r))
            }
        },
        CondPlan::Truthy(OperandPlan::Value(v)) if v.ty == Type::Bool => {
            value(&v.place, &quote!(STEP))
        }
        CondPlan::Truthy(OperandPlan::Literal(Literal::Bool(b))) => quote!(#b),
        CondPlan::Truthy(o) => {
            let json = operand_json(o);
            quote!(::arazzo_runtime::criteria::is_true(&#json))
        }
        CondPlan::Regex { context, pattern } => {
            let name = ident(&format!("CRITERION_{}", statics.len()));
            statics.push(quote! {
                static #name: ::std::sync::LazyLock<::arazzo_runtime::criteria::Regex> =
                    ::std::sync::LazyLock::new(|| ::arazzo_runtime::criteria::Regex::new(#pattern));
            });
            let json = json_of(context);
            quote!(#name.is_match(STEP, &#json)?)
        }
        CondPlan::JsonPath { context, query } => {
            let name = ident(&format!("CRITERION_{}", statics.len()));
            statics.push(quote! {
                static #name: ::std::sync::LazyLock<::arazzo_runtime::criteria::JsonPath> =
                    ::std::sync::LazyLock::new(|| ::arazzo_runtime::criteria::JsonPath::new(#query));
            });
            let json = json_of(context);
            quote!(#name.matches(STEP, &#json)?)
        }
    }
}

/// Tokens that build a `serde_json::Value`, inside a step (where `STEP` is defined).
fn json_value(plan: &ValuePlan) -> TokenStream {
    let json = quote!(::arazzo_runtime::serde_json);
    match plan {
        ValuePlan::Null => quote!(#json::Value::Null),
        ValuePlan::Bool(b) => quote!(#json::Value::Bool(#b)),
        ValuePlan::Number(n) => number_json(n),
        ValuePlan::Str(s) => quote!(#json::Value::from(#s)),
        ValuePlan::Array(items) => {
            let items = items.iter().map(json_value);
            quote!(#json::Value::Array(::std::vec::Vec::from([#(#items),*])))
        }
        ValuePlan::Object(entries) if entries.is_empty() => {
            quote!(#json::Value::Object(#json::Map::new()))
        }
        ValuePlan::Object(entries) => {
            let inserts = entries.iter().map(|(key, entry)| match entry {
                ValuePlan::Ref(r) if r.ty.is_option() => {
                    let access = value(&r.place, &quote!(STEP));
                    quote! {
                        if let ::std::option::Option::Some(value) = &#access {
                            object.insert(#key.to_owned(), ::arazzo_runtime::to_json(STEP, value)?);
                        }
                    }
                }
                other => {
                    let entry = json_value(other);
                    quote!(object.insert(#key.to_owned(), #entry);)
                }
            });
            quote! {
                #json::Value::Object({
                    let mut object = #json::Map::new();
                    #(#inserts)*
                    object
                })
            }
        }
        ValuePlan::Ref(r) => json_required(r),
        ValuePlan::Template(parts) => {
            let text = template(parts);
            quote!(#json::Value::String(#text))
        }
    }
}

/// A `String` expression for a template: its text with each value's text in place.
fn template(parts: &[TemplatePart]) -> TokenStream {
    escaped_template(parts, None)
}

/// Like [`template`], with each value's text escaped by the runtime function named (for a JSON
/// or form text template, so that no value can break the body's syntax).
fn escaped_template(parts: &[TemplatePart], escape_value: Option<&str>) -> TokenStream {
    let escape = |text: &str| text.replace('{', "{{").replace('}', "}}");
    let mut positional = String::new();
    let mut named = String::new();
    let mut args = Vec::new();
    for part in parts {
        match part {
            // Literal text, and values known now, are written into the format string itself.
            TemplatePart::Text(text)
            | TemplatePart::Value(ValueRef {
                place: Place::Const(text),
                ..
            }) => {
                positional.push_str(&escape(text));
                named.push_str(&escape(text));
            }
            TemplatePart::Value(r) => {
                positional.push_str("{}");
                named.push_str(&format!("{{part_{}}}", args.len()));
                args.push(match escape_value {
                    Some(function) => {
                        let function = ident(function);
                        let json = json_required(r);
                        quote!(::arazzo_runtime::#function(&#json))
                    }
                    None => template_arg(r),
                });
            }
        }
    }
    if args.is_empty() {
        return quote!(#positional.to_owned());
    }
    if positional == "{}" {
        let arg = &args[0];
        return quote!(::std::string::ToString::to_string(&#arg));
    }
    // Field accesses read well inside `format!`; anything longer gets a name first, so that it
    // is laid out as code rather than as macro input.
    if args.iter().all(|arg| !arg.to_string().contains('(')) {
        return quote!(::std::format!(#positional, #(#args),*));
    }
    let names = (0..args.len()).map(|i| ident(&format!("part_{i}")));
    quote!({
        #(let #names = &#args;)*
        ::std::format!(#named)
    })
}
