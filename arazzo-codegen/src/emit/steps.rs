//! A step's own function, its call in the workflow's function, and a step that runs another
//! workflow.

use proc_macro2::TokenStream;
use quote::quote;

use super::data::data_struct;
use super::docs::{doc, request_summary};
use super::looping::Flow;
use super::values::is_copy;
use super::{Cx, ident};
use crate::plan::{
    FieldPlan, KeptOutputs, OutputSource, Place, Standalone, StepKind, StepPlan, ValuePlan,
    WorkflowCall, WorkflowPlan,
};

/// What a step reads of its workflow: the inputs (fields of the inputs struct), and the earlier
/// steps whose outputs it reads.
pub(super) fn step_reads<'w>(
    w: &'w WorkflowPlan,
    step: &StepPlan,
) -> (Vec<&'w FieldPlan>, Vec<&'w StepPlan>) {
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

impl Cx<'_> {
    /// A call of a step's own function, in the workflow's function: the inputs it reads, moved
    /// out of the workflow's inputs where nothing later reads them, else copied, and the earlier
    /// steps' outputs, borrowed.
    pub(super) fn call_standalone(
        &self,
        w: &WorkflowPlan,
        step: &StepPlan,
        standalone: &Standalone,
    ) -> TokenStream {
        self.call_standalone_with(w, step, standalone, true)
    }

    /// [`Self::call_standalone`], where `borrow` says whether the earlier steps' variables hold
    /// their outputs (borrowed for the call) or references to them (passed on).
    pub(super) fn call_standalone_with(
        &self,
        w: &WorkflowPlan,
        step: &StepPlan,
        standalone: &Standalone,
        borrow: bool,
    ) -> TokenStream {
        let (client, inputs_var) = (self.local("client"), self.local("inputs"));
        let (inputs, earlier) = step_reads(w, step);
        let function = self.at.path(&standalone.fn_name);
        let inputs = (!inputs.is_empty()).then(|| {
            let inputs_type = self.at.path(&standalone.inputs_type);
            let fields = inputs.iter().map(|input| {
                let field = ident(&input.ident);
                if is_copy(&input.ty) || standalone.last_reads.contains(&input.ident) {
                    quote!(#field: #inputs_var.#field)
                } else {
                    quote!(#field: #inputs_var.#field.clone())
                }
            });
            quote!(#inputs_type { #(#fields,)* },)
        });
        let earlier = earlier.iter().map(|s| {
            let var = ident(&s.var);
            if borrow {
                quote!(&#var,)
            } else {
                quote!(#var,)
            }
        });
        quote!(#function(#client, #inputs #(#earlier)*).await?)
    }

    /// A step's own function, written in the workflow's module: the step's request, its success
    /// criteria and its outputs, from the workflow inputs it reads (a struct of their own) and
    /// the outputs of the earlier steps it reads (by reference). The workflow's actions are not
    /// taken: the caller decides what runs next.
    pub(super) fn standalone_step(
        &self,
        w: &WorkflowPlan,
        step: &StepPlan,
        standalone: &Standalone,
    ) -> TokenStream {
        let (client, inputs_var) = (self.local("client"), self.local("inputs"));
        let (inputs, earlier) = step_reads(w, step);
        let fn_name = ident(&standalone.fn_name.name);
        let outputs_type = self.at.path(&step.outputs_type);
        let fn_doc = self.standalone_doc(w, step, &earlier);
        let (inputs_struct, inputs_param, defaults) = if inputs.is_empty() {
            (None, None, Vec::new())
        } else {
            let inputs_type = self.at.path(&standalone.inputs_type);
            let struct_doc = doc(&format!(
                "The workflow inputs the step `{}` reads, for [`{}`].",
                step.id,
                self.at.link(&standalone.fn_name)
            ));
            let defaults: Vec<TokenStream> = w
                .defaults
                .iter()
                .filter(|(field, _)| inputs.iter().any(|input| input.ident == *field))
                .map(|default| self.default_input(default))
                .collect();
            let binding = if defaults.is_empty() {
                quote!(#inputs_var)
            } else {
                quote!(mut #inputs_var)
            };
            let name = &standalone.inputs_type.name;
            (
                Some(data_struct(name, struct_doc, &inputs, self.at)),
                Some(quote!(#binding: #inputs_type,)),
                defaults,
            )
        };
        let earlier_params = earlier.iter().map(|s| {
            let (var, ty) = (ident(&s.var), self.at.path(&s.outputs_type));
            quote!(#var: &#ty,)
        });
        let body = self.step_body(
            step,
            Flow::Straight {
                ends: Vec::new(),
                statics: Vec::new(),
                standalone: true,
            },
        );
        let client_type = self.at.root("Client");
        quote! {
            #fn_doc
            pub async fn #fn_name(
                #client: &#client_type,
                #inputs_param
                #(#earlier_params)*
            ) -> ::std::result::Result<#outputs_type, ::arazzo_runtime::Error> {
                #(#defaults)*
                ::std::result::Result::Ok(#body)
            }

            #inputs_struct
        }
    }

    /// The doc of a step's own function: what it sends, the step's description, and the
    /// earlier steps whose outputs it takes.
    fn standalone_doc(
        &self,
        w: &WorkflowPlan,
        step: &StepPlan,
        earlier: &[&StepPlan],
    ) -> TokenStream {
        let mut text = vec![format!(
            "Runs only the step `{}` of the workflow {}{}.",
            step.id,
            self.at.fn_link(&w.fn_name),
            step.request().map(request_summary).unwrap_or_default()
        )];
        if let Some(description) = &step.description {
            text.push(description.clone());
        }
        if !earlier.is_empty() {
            let names: Vec<String> = earlier
                .iter()
                .map(|s| format!("`{}` ([`{}`])", s.id, self.at.link(&s.outputs_type)))
                .collect();
            text.push(format!(
                "It reads the outputs of the step {}.",
                names.join(", ")
            ));
        }
        doc(&text.join("\n\n"))
    }

    /// The block of a step: its request or its call, its success criteria and its outputs, and
    /// where it goes next.
    pub(super) fn step_body(&self, step: &StepPlan, flow: Flow<'_>) -> TokenStream {
        match &step.kind {
            StepKind::Workflow(call) => self.call_body(step, call, flow),
            StepKind::Operation(request) => self.operation_body(step, request, flow),
            StepKind::Message(message) => self.message_body(step, message, flow),
        }
    }

    /// A step that runs another workflow: its inputs from the step's parameters, its outputs from
    /// the called workflow's.
    fn call_body(&self, step: &StepPlan, call: &WorkflowCall, flow: Flow<'_>) -> TokenStream {
        let (client, inputs_of_call) = (self.local("client"), self.local("inputs_of_call"));
        let called = self.local("called");
        let step_id = &step.id;
        let function = self.at.root(&call.fn_name);
        let inputs = self.json_value(&ValuePlan::Object(call.inputs.clone()));
        let kept = flow.kept(step);
        // Nothing of the step is kept: the call is a statement.
        let keeps_nothing = kept.is_some_and(|kept| kept.type_name.is_none());
        let build = self.call_outputs(step, kept);
        let mut rebinds = Vec::new();
        let tail = match flow {
            Flow::Straight { .. } if keeps_nothing => quote!(),
            Flow::Straight { .. } => build,
            Flow::Loop {
                index,
                variants,
                kept,
                reads,
                resumes,
            } => {
                rebinds = self.read_earlier_steps(reads);
                let next = self.next_step(variants, index, resumes);
                let store = if keeps_nothing {
                    quote!()
                } else if kept.contains(&step.var) {
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
        let run = quote!(#function(#client, ::arazzo_runtime::from_json(STEP, #workflow, #inputs_of_call)?));
        // Arazzo 1.1 `timeout`: the whole call, every step of the called workflow, within it.
        let call = match call.timeout {
            Some(ms) => quote!(::arazzo_runtime::within(STEP, #ms, #run).await?),
            None => quote!(#run.await?),
        };
        // The called workflow's outputs are bound only when a kept output reads them.
        let read = |i: &usize| kept.is_none_or(|kept| kept.read.contains(i));
        let reads_called = step.outputs.iter().enumerate().any(|(i, o)| {
            read(&i)
                && matches!(&o.source, OutputSource::Value(r) if matches!(r.place, Place::Called { .. }))
        });
        let run = if reads_called {
            quote!(let #called = #call;)
        } else {
            quote!(let _ = #call;)
        };
        quote! {{
            const STEP: &str = #step_id;
            #(#rebinds)*
            let #inputs_of_call = #inputs;
            #run
            #tail
        }}
    }

    /// The outputs struct of a step that runs a workflow (or, with `kept`, the struct of the
    /// outputs the workflow keeps), from the called workflow's outputs.
    fn call_outputs(&self, step: &StepPlan, kept: Option<&KeptOutputs>) -> TokenStream {
        let outputs_type = match kept {
            Some(_) => self.kept_type(step),
            None => self.at.path(&step.outputs_type),
        };
        let read = |i: &usize| kept.is_none_or(|kept| kept.read.contains(i));
        let fields = step
            .outputs
            .iter()
            .enumerate()
            .filter(|(i, _)| read(i))
            .map(|(_, output)| {
                let name = ident(&output.field.ident);
                let OutputSource::Value(r) = &output.source else {
                    return quote!(#name: ::std::default::Default::default());
                };
                let value = self.value(&r.place, &quote!(STEP));
                let whole = matches!(
                    &r.place,
                    Place::Called { pointer: None, .. }
                        | Place::Input { pointer: None, .. }
                        | Place::StepOutput { pointer: None, .. }
                        | Place::Dependency { pointer: None, .. }
                );
                if whole && !is_copy(&r.ty) {
                    quote!(#name: #value.clone())
                } else {
                    quote!(#name: #value)
                }
            });
        quote!(#outputs_type { #(#fields,)* })
    }
}
