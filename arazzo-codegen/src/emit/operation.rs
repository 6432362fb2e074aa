//! An operation step's block: its request sent, its success criteria checked, its outputs read,
//! and, in a loop, the actions that decide where it goes next.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use std::collections::BTreeMap;

use super::looping::{Flow, failure_actions};
use super::values::is_copy;
use super::{Cx, data, ident};
use crate::plan::{
    ActionKind, ApiKeyLocation, CondPlan, DecodeKind, DecodePlan, KeptOutputs, OutputSource, Place,
    RequestPlan, RetryFirst, SchemeKind, StepOutputPlan, StepPlan, Type,
};

/// Where each output the decoded body holds is: `decoded.user.id`, by output index.
fn decoded_paths(plan: &DecodePlan, at: &TokenStream, paths: &mut BTreeMap<usize, TokenStream>) {
    for member in &plan.members {
        let field = ident(&member.ident);
        let access = quote!(#at.#field);
        match &member.kind {
            DecodeKind::Output(i) => {
                paths.insert(*i, access);
            }
            DecodeKind::Object(inner) => decoded_paths(inner, &access, paths),
        }
    }
}

/// The JSON pointer of a body output, for the error that says it is missing.
fn output_pointer(output: &StepOutputPlan) -> &str {
    match &output.source {
        OutputSource::Body(pointer) => pointer,
        _ => "",
    }
}

impl Cx<'_> {
    /// The block of an operation step.
    pub(super) fn operation_body(
        &self,
        step: &StepPlan,
        request: &RequestPlan,
        flow: Flow<'_>,
    ) -> TokenStream {
        let (params, path, chained, optional) = self.parameters(request);
        let (body, send_body) = match &request.body {
            Some(body) => self.request_body(body),
            None => (None, None),
        };
        let send = self.send(step, request, &flow, path, chained, optional, send_body);
        let prelude = quote! {
            #(#params)*
            #body
        };
        self.exchange_body(step, flow, prelude, send)
    }

    /// The block of a step that exchanges something (a request and its response, or a message):
    /// `prelude` builds what it sends, `send` binds `response`; then its check, its outputs and
    /// where it goes next.
    pub(super) fn exchange_body(
        &self,
        step: &StepPlan,
        flow: Flow<'_>,
        prelude: TokenStream,
        send: TokenStream,
    ) -> TokenStream {
        let step_id = &step.id;
        // The `end` actions' patterns come first, so that the step's own are numbered after them.
        let mut statics = match &flow {
            Flow::Straight { statics, .. } => statics.clone(),
            Flow::Loop { .. } => Vec::new(),
        };
        let (decoded_types, build) = self.step_outputs(step, flow.kept(step));
        let mut rebinds = Vec::new();
        let tail = match flow {
            Flow::Straight { ends, .. } => {
                let check = self.straight_check(step, &mut statics);
                let outputs = self.straight_tail(ends, build);
                quote! {
                    #check
                    #outputs
                }
            }
            Flow::Loop {
                index,
                variants,
                kept,
                reads,
                resumes,
            } => {
                rebinds = self.read_earlier_steps(reads);
                self.loop_tail(step, index, variants, kept, resumes, build, &mut statics)
            }
        };
        quote! {{
            const STEP: &str = #step_id;
            #(#statics)*
            #(#rebinds)*
            #prelude
            #decoded_types
            #send
            #tail
        }}
    }

    /// In straight-line code, after the check: the step's outputs, returned early with the
    /// workflow's outputs where an `end` action applies. With nothing kept, the `end` actions
    /// read earlier steps only.
    fn straight_tail(
        &self,
        ends: Vec<(Option<TokenStream>, TokenStream)>,
        build: Option<TokenStream>,
    ) -> Option<TokenStream> {
        if ends.is_empty() {
            return build;
        }
        let returns = ends.into_iter().map(|(applies, returned)| match applies {
            Some(applies) => quote! {
                if #applies {
                    return ::std::result::Result::Ok(#returned);
                }
            },
            None => quote!(return ::std::result::Result::Ok(#returned);),
        });
        let Some(build) = build else {
            return Some(quote!(#(#returns)*));
        };
        let outputs = self.local("outputs");
        Some(quote! {
            let #outputs = #build;
            #(#returns)*
            #outputs
        })
    }

    /// The request, built and sent: `let response = client.http.request(..)….send().await?;`.
    #[allow(clippy::too_many_arguments)]
    fn send(
        &self,
        step: &StepPlan,
        request: &RequestPlan,
        flow: &Flow<'_>,
        path: TokenStream,
        chained: Vec<TokenStream>,
        optional: Vec<TokenStream>,
        send_body: Option<TokenStream>,
    ) -> TokenStream {
        let (client, response, request_var) = (
            self.local("client"),
            self.local("response"),
            self.local("request"),
        );
        let base = ident(&self.plan.sources[request.source].field);
        let method = ident(request.method.as_str());
        let auth = self.auth(request);
        let operation = request
            .operation_id
            .as_ref()
            .map(|id| quote!(.operation(#id)));
        // In a loop, a step with `retry` actions counts its tries.
        let attempt = match flow {
            Flow::Loop { index, .. } => {
                let counters: Vec<Ident> = failure_actions(step)
                    .into_iter()
                    .filter(|(_, action)| matches!(action.kind, ActionKind::Retry { .. }))
                    .map(|(i, _)| self.retries(*index, i))
                    .collect();
                (!counters.is_empty()).then(|| quote!(.attempt(1 #(+ #counters)*)))
            }
            Flow::Straight { .. } => None,
        };
        let timeout = request.timeout.map(|ms| quote!(.timeout(#ms)));
        let built = quote! {
            #client
                .http
                .request(STEP, ::arazzo_runtime::Method::#method, &#client.#base, #path)
                #operation
                #attempt
                #timeout
                #(#chained)*
                #(#auth)*
                #send_body
        };
        // In a loop, a step that times out fails like any other, and its failure actions
        // decide: the timeout becomes a stand-in response.
        let sent = |request: TokenStream| match (flow, request_timeout(step)) {
            (Flow::Loop { .. }, Some(_)) => quote! {
                ::arazzo_runtime::Response::or_timed_out(#request.send().await)?
            },
            _ => quote!(#request.send().await?),
        };
        // Parameters that may be absent are added one by one; without them, one chain does it.
        if optional.is_empty() {
            let sent = sent(built);
            quote!(let #response = #sent;)
        } else {
            let sent = sent(quote!(#request_var));
            quote! {
                let #request_var = #built;
                #(#optional)*
                let #response = #sent;
            }
        }
    }

    /// The request builder calls that send the step's credentials, each scheme required or not.
    fn auth(&self, request: &RequestPlan) -> Vec<TokenStream> {
        let client = self.local("client");
        request
            .auth
            .iter()
            .map(|auth| {
                let scheme = &self.plan.schemes[auth.scheme];
                let field = ident(&scheme.field);
                let name = &scheme.name;
                let setter = &scheme.field;
                let require = auth.required.then(
                    || quote!(.require_credentials(#client.#field.is_some(), #name, #setter)),
                );
                let send = match &scheme.kind {
                    SchemeKind::Basic => quote!(.basic_auth(#client.#field.as_ref())),
                    SchemeKind::Bearer => quote!(.bearer(#name, #client.#field.as_ref())),
                    SchemeKind::ApiKey { location, name } => {
                        let location = ident(match location {
                            ApiKeyLocation::Header => "Header",
                            ApiKeyLocation::Query => "Query",
                            ApiKeyLocation::Cookie => "Cookie",
                        });
                        quote!(.api_key(::arazzo_runtime::ApiKeyIn::#location, #name, #client.#field.as_ref()))
                    }
                };
                quote!(#require #send)
            })
            .collect()
    }

    /// In straight-line code, a failed success criterion returns the response as the error.
    fn straight_check(&self, step: &StepPlan, statics: &mut Vec<TokenStream>) -> TokenStream {
        let (response, success) = (self.local("response"), self.local("success"));
        let fail = quote!(return ::std::result::Result::Err(#response.into_failure()););
        // Arazzo 1.1: the error names the criterion that failed, and why.
        if let Some(written) = &step.criteria_1_1
            && !step.success.is_empty()
        {
            let (declare, checks) = self.checked_criteria(step, written, statics);
            let checks = checks.into_iter().map(|(failed, which)| {
                quote! {
                    if #failed {
                        return ::std::result::Result::Err(#response.into_failure_with(#which));
                    }
                }
            });
            return quote! {
                #declare
                #(#checks)*
            };
        }
        match step.success.as_slice() {
            [CondPlan::Compare(l, op, r)] if self.native(l, r).is_some() => {
                let failed = self.condition(
                    &CondPlan::Compare(l.clone(), op.negate(), r.clone()),
                    statics,
                );
                quote! {
                    if #failed {
                        #fail
                    }
                }
            }
            [] => quote! {
                if !(200..300).contains(&#response.status()) {
                    #fail
                }
            },
            _ => {
                let expression = self.success_expression(step, statics);
                quote! {
                    let #success = #expression;
                    if !#success {
                        #fail
                    }
                }
            }
        }
    }

    /// The step's outputs struct (or, with `kept`, the struct of the outputs the workflow
    /// keeps), read from the response and the values it names; with the struct its body
    /// outputs are decoded into, when there is one. No struct when nothing is kept.
    fn step_outputs(
        &self,
        step: &StepPlan,
        kept: Option<&KeptOutputs>,
    ) -> (Option<TokenStream>, Option<TokenStream>) {
        let (outputs_type, read, decode) = match kept {
            None => (
                self.at.path(&step.outputs_type),
                (0..step.outputs.len()).collect(),
                step.decode.as_ref(),
            ),
            Some(KeptOutputs {
                type_name: None, ..
            }) => return (None, None),
            Some(kept) => (
                self.kept_type(step),
                kept.read.clone(),
                kept.decode.as_ref(),
            ),
        };
        let outputs: Vec<(usize, &StepOutputPlan)> =
            read.into_iter().map(|i| (i, &step.outputs[i])).collect();
        let Some(decode) = decode else {
            let outputs = outputs
                .iter()
                .map(|(_, output)| self.output_read(output, None));
            return (None, Some(quote!(#outputs_type { #(#outputs,)* })));
        };
        let (response, decoded) = (self.local("response"), self.local("decoded"));
        let mut paths = BTreeMap::new();
        decoded_paths(decode, &quote!(#decoded), &mut paths);
        let fast = outputs.iter().map(|(i, output)| {
            let access = paths.get(i).map(|access| (access, output_pointer(output)));
            self.output_read(output, access)
        });
        let slow = outputs
            .iter()
            .map(|(_, output)| self.output_read(output, None));
        let name = ident(&decode.type_name);
        let build = quote! {
            match #response.decode::<#name>() {
                ::std::option::Option::Some(#decoded) => #outputs_type { #(#fast,)* },
                ::std::option::Option::None => #outputs_type { #(#slow,)* },
            }
        };
        let mut types = Vec::new();
        self.decoded_types(step, decode, false, &mut types);
        (Some(quote!(#(#types)*)), Some(build))
    }

    /// `field: value` of one output in its outputs struct: from the decoded body when
    /// `decoded` gives where it is there (and its pointer), else read on its own.
    fn output_read(
        &self,
        output: &StepOutputPlan,
        decoded: Option<(&TokenStream, &str)>,
    ) -> TokenStream {
        let response = self.local("response");
        let name = ident(&output.field.ident);
        let value = match (&output.source, decoded) {
            (OutputSource::Body(_), Some((access, _))) if output.field.ty.is_option() => {
                quote!(#access)
            }
            (OutputSource::Body(_), Some((access, pointer))) => {
                quote!(#response.required(#access, #pointer)?)
            }
            (OutputSource::Body(pointer), None) if output.field.ty.is_option() => {
                quote!(#response.body_value_opt(#pointer)?)
            }
            (OutputSource::Body(pointer), None) => quote!(#response.body_value(#pointer)?),
            (OutputSource::Header(name), _) => quote!(#response.header_value(#name)?),
            (OutputSource::Value(r), _) => {
                let value = self.value(&r.place, &quote!(STEP));
                // Earlier steps' outputs are still needed by later steps: copy them.
                match &r.place {
                    Place::Input { pointer: None, .. }
                    | Place::StepOutput { pointer: None, .. }
                    | Place::Dependency { pointer: None, .. }
                        if !is_copy(&r.ty) =>
                    {
                        quote!(#value.clone())
                    }
                    _ => value,
                }
            }
        };
        quote!(#name: #value)
    }

    /// The structs a step's body outputs are decoded into: each member an `Option` of its
    /// output's type, or a nested struct (`Default`: a `null` or absent object holds nothing).
    fn decoded_types(
        &self,
        step: &StepPlan,
        plan: &DecodePlan,
        nested: bool,
        types: &mut Vec<TokenStream>,
    ) {
        let name = ident(&plan.type_name);
        let default = nested.then(|| quote!(::std::default::Default,));
        let fields: Vec<TokenStream> = plan
            .members
            .iter()
            .map(|member| {
                let field = ident(&member.ident);
                let json_name = &member.name;
                let rename = (member.ident != member.name).then(|| quote!(rename = #json_name,));
                match &member.kind {
                    DecodeKind::Output(i) => {
                        let ty = &step.outputs[*i].field.ty;
                        let ty = match ty {
                            Type::Option(_) => data::ty(ty, self.at),
                            _ => data::ty(&ty.clone().optional(), self.at),
                        };
                        let attr = rename.map(|rename| quote!(#[serde(#rename)]));
                        quote!(#attr #field: #ty)
                    }
                    DecodeKind::Object(inner) => {
                        self.decoded_types(step, inner, true, types);
                        let ty = ident(&inner.type_name);
                        quote! {
                            #[serde(#rename default, deserialize_with = "::arazzo_runtime::object")]
                            #field: #ty
                        }
                    }
                }
            })
            .collect();
        types.insert(
            0,
            quote! {
                #[derive(#default ::arazzo_runtime::serde::Deserialize)]
                #[serde(crate = "::arazzo_runtime::serde")]
                struct #name {
                    #(#fields,)*
                }
            },
        );
    }

    /// In a loop, the end of a step's block: on success its outputs are kept and the first
    /// `end` or `goto` that applies (else the next step) comes next; on failure, the first
    /// `retry`, `goto` or `end` that applies, else the workflow fails.
    #[allow(clippy::too_many_arguments)]
    fn loop_tail(
        &self,
        step: &StepPlan,
        index: usize,
        variants: &[Ident],
        kept: &std::collections::BTreeSet<String>,
        resumes: bool,
        build: Option<TokenStream>,
        statics: &mut Vec<TokenStream>,
    ) -> TokenStream {
        let (success, outputs, next, response) = (
            self.local("success"),
            self.local("outputs"),
            self.local("next"),
            self.local("response"),
        );
        let failed = self.local("failed");
        // Arazzo 1.1: the first criterion that failed, kept for the error.
        let (first, expression) = match &step.criteria_1_1 {
            Some(written) if !step.success.is_empty() => {
                let (declare, first) = self.first_failed(step, written, statics);
                let first = quote! {
                    #declare
                    let #failed = #first;
                };
                (Some(first), quote!(#failed.is_none()))
            }
            _ => (None, self.success_expression(step, statics)),
        };
        // A step that timed out failed, whatever its criteria would say of the stand-in.
        let expression = match request_timeout(step) {
            Some(_) => quote!(!#response.timed_out() && #expression),
            None => expression,
        };
        let chosen = self.success_chain(step, index, variants, resumes, statics);
        let failure = self.failure_chain(step, index, variants, statics, first.is_some());
        let Some(build) = build else {
            // Nothing of the step is kept.
            return quote! {
                #first
                let #success = #expression;
                if #success {
                    #chosen
                } else #failure
            };
        };
        let store = if kept.contains(&step.var) {
            let var = ident(&step.var);
            quote!(#var = ::std::option::Option::Some(#outputs);)
        } else {
            quote!(let _ = #outputs;)
        };
        quote! {
            #first
            let #success = #expression;
            if #success {
                let #outputs = #build;
                let #next = #chosen;
                #store
                #next
            } else #failure
        }
    }

    /// Where a `goto` or an `end` leads: a step, or (after running another workflow) nowhere.
    fn jump(&self, kind: &ActionKind, variants: &[Ident]) -> TokenStream {
        match kind {
            ActionKind::Goto(to) => {
                let to = &variants[*to];
                quote!(::std::option::Option::Some(Step::#to))
            }
            // The named workflow runs, and this one ends.
            ActionKind::GotoWorkflow(workflow) => {
                let run = self.run_workflow(workflow);
                quote!({
                    #run
                    ::std::option::Option::None
                })
            }
            _ => quote!(::std::option::Option::None),
        }
    }

    /// After a success: the first `end` or `goto` that applies, else the next step.
    fn success_chain(
        &self,
        step: &StepPlan,
        index: usize,
        variants: &[Ident],
        resumes: bool,
        statics: &mut Vec<TokenStream>,
    ) -> TokenStream {
        let mut chain = Vec::new();
        let mut last = self.next_step(variants, index, resumes);
        for action in &step.on_success {
            let to = self.jump(&action.kind, variants);
            match self.action_applies(step, action, statics) {
                Some(applies) => chain.push(quote!(if #applies { #to } else)),
                None => {
                    last = to;
                    break;
                }
            }
        }
        if chain.is_empty() {
            last
        } else {
            quote!(#(#chain)* { #last })
        }
    }

    /// After a failure: the first `retry` (within its limit), `goto` or `end` that applies,
    /// else the workflow fails with the response.
    fn failure_chain(
        &self,
        step: &StepPlan,
        index: usize,
        variants: &[Ident],
        statics: &mut Vec<TokenStream>,
        named_failure: bool,
    ) -> TokenStream {
        let (response, resume) = (self.local("response"), self.local("resume"));
        let fail = if named_failure {
            let failed = self.local("failed");
            quote!(return ::std::result::Result::Err(#response.into_failure_with(#failed));)
        } else {
            quote!(return ::std::result::Result::Err(#response.into_failure());)
        };
        let current = &variants[index];
        let mut failure = Vec::new();
        let mut failure_last = quote!({ #fail });
        for (i, action) in failure_actions(step) {
            let applies = self.action_applies(step, action, statics);
            let (guard, then) = match &action.kind {
                ActionKind::Retry {
                    after,
                    limit,
                    first,
                } => {
                    let counter = self.retries(index, i);
                    let guard = match &applies {
                        Some(applies) => quote!(#counter < #limit && #applies),
                        None => quote!(#counter < #limit),
                    };
                    let again = match first {
                        None => quote!(::std::option::Option::Some(Step::#current)),
                        Some(RetryFirst::Step(step)) => {
                            let step = &variants[*step];
                            quote! {
                                #resume = ::std::option::Option::Some(Step::#current);
                                ::std::option::Option::Some(Step::#step)
                            }
                        }
                        Some(RetryFirst::Workflow(workflow)) => {
                            let run = self.run_workflow(workflow);
                            quote! {
                                #run
                                ::std::option::Option::Some(Step::#current)
                            }
                        }
                    };
                    let then = quote! {
                        #counter += 1;
                        ::arazzo_runtime::wait_to_retry(&#response, #after).await;
                        #again
                    };
                    (Some(guard), then)
                }
                ActionKind::Goto(_) | ActionKind::GotoWorkflow(_) => {
                    (applies, self.jump(&action.kind, variants))
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
        quote!(#(#failure)* #failure_last)
    }
}

/// An operation step's `timeout` (or a message step's), in milliseconds.
pub(super) fn request_timeout(step: &StepPlan) -> Option<u64> {
    step.request()
        .and_then(|request| request.timeout)
        .or_else(|| step.message().and_then(|message| message.timeout))
}
