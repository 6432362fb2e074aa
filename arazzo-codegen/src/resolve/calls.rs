//! Steps (and actions) that run a workflow: the workflow they name, the inputs they give it,
//! and the outputs they keep.

use crate::diagnostic::Diagnostic;
use crate::files::Span;
use crate::model::arazzo::{SourceKind, Spanned, Step};
use crate::naming::{self, Scope};
use crate::node::Node;
use crate::plan::{
    FieldPlan, OutputSource, Place, StepOutputPlan, StepPlan, ValuePlan, ValueRef, WorkflowCall,
};
use crate::plan::{ItemPath, StepKind};

use super::implied;
use super::values::{Ctx, StepContext};
use super::{Resolver, Signature, WorkflowScope, unsupported};

impl<'a> Resolver<'a, '_> {
    /// The workflow a step or an action names: one of this document (resolved before the one
    /// naming it), or `$sourceDescriptions.<arazzo source>.<workflowId>` of another document.
    pub(super) fn signature(&mut self, name: &str, span: Span) -> Option<Signature> {
        if let Some(rest) = name.strip_prefix("$sourceDescriptions.") {
            let Some((source, workflow)) = rest.split_once('.') else {
                self.report(
                    Diagnostic::error(span, format!("invalid workflowId `{name}`"))
                        .with_help("a workflow of another document is `$sourceDescriptions.<source>.<workflowId>`"),
                );
                return None;
            };
            if let Some(signature) = self
                .context
                .external
                .get(&(source.to_owned(), workflow.to_owned()))
            {
                return Some(signature.clone());
            }
            // The legacy `$sourceDescriptions.<source>.workflows.<workflowId>`.
            if let Some(legacy) = workflow.strip_prefix("workflows.")
                && let Some(signature) = self
                    .context
                    .external
                    .get(&(source.to_owned(), legacy.to_owned()))
            {
                let signature = signature.clone();
                self.report(
                    Diagnostic::dialect(
                        span,
                        format!("`{name}` is an old form that Arazzo 1.0.1 does not define"),
                        "read as the workflow of that source",
                    )
                    .write_instead(format!("$sourceDescriptions.{source}.{legacy}")),
                );
                return Some(signature);
            }
            match self.source_fields.get(source) {
                Some((_, SourceKind::Arazzo)) => {
                    let known = self.context.external.keys().filter(|(s, _)| s == source).map(|(_, w)| w.as_str());
                    let d = Diagnostic::error(span, format!("source `{source}` has no workflow `{workflow}`"))
                        .with_did_you_mean(workflow, known);
                    // An Arazzo source that could not be read or resolved has been reported.
                    if self.context.external.keys().any(|(s, _)| s == source) {
                        self.report(d);
                    }
                }
                Some((_, SourceKind::OpenApi)) => self.report(
                    Diagnostic::error(span, format!("source `{source}` is an OpenAPI description; workflows come from `type: arazzo` sources"))
                        .with_help("an operation of an OpenAPI source is called with `operationId`"),
                ),
                Some((_, SourceKind::AsyncApi)) => self.report(
                    Diagnostic::error(span, format!("source `{source}` is an AsyncAPI description; workflows come from `type: arazzo` sources"))
                        .with_help("an operation of an AsyncAPI source is named with `operationId` and `action`"),
                ),
                None => {
                    let d = Diagnostic::error(span, format!("unknown source `{source}`"))
                        .with_did_you_mean(source, self.source_fields.keys().map(String::as_str));
                    self.report(d);
                }
            }
            return None;
        }
        if let Some(signature) = self.signatures.get(name) {
            return Some(signature.clone());
        }
        if !self.workflow_ids.contains(name) {
            let d = Diagnostic::error(span, format!("unknown workflow `{name}`"))
                .with_did_you_mean(name, self.workflow_ids.iter().map(String::as_str));
            self.report(d);
        }
        // A workflow of this document that is not resolved yet is in a cycle, reported already.
        None
    }

    /// A step that runs another workflow of this document: its parameters become the called
    /// workflow's inputs, and `$outputs.<name>` in its outputs reads the called workflow's outputs.
    pub(super) fn workflow_step(
        &mut self,
        scope: &WorkflowScope,
        step: &Step<'_>,
        var: String,
        outputs_type: ItemPath,
        id: &Spanned<String>,
    ) -> Option<StepPlan> {
        let signature = self.signature(&id.value, id.span)?;
        for (node, what) in [
            (step.request_body.as_ref().map(|b| b.span), "a request body"),
            (step.on_success.map(|n| n.span), "`onSuccess`"),
            (step.on_failure.map(|n| n.span), "`onFailure`"),
        ] {
            if let Some(span) = node {
                self.report(unsupported(
                    span,
                    &format!("{what} on a step that calls a workflow"),
                ));
            }
        }
        if let Some(criterion) = step.success_criteria.first() {
            self.report(
                Diagnostic::warning(criterion.condition.span, "success criteria on a step that calls a workflow are ignored")
                    .with_help("the step succeeds when the workflow it calls succeeds; it has no HTTP exchange to check"),
            );
        }
        let request = StepContext {
            method: String::new(),
            body_type: None,
            structured_body: false,
            params: Vec::new(),
            message: false,
        };
        let inputs = self.call_inputs(scope, &request, step, id, &signature);
        let outputs = self.call_outputs(scope, &request, step, id, &signature);
        Some(StepPlan {
            id: step.id.value.clone(),
            var,
            outputs_type,
            description: step.description.clone(),
            kind: StepKind::Workflow(WorkflowCall {
                workflow: id.value.clone(),
                fn_name: signature.fn_name.clone(),
                inputs,
                timeout: step.timeout.as_ref().map(|t| t.value),
            }),
            always_runs: false,
            success: Vec::new(),
            criteria_1_1: None,
            outputs,
            decode: None,
            kept: None,
            on_success: Vec::new(),
            on_failure: Vec::new(),
            standalone: None,
        })
    }

    /// The inputs a step gives the workflow it runs: its parameters, by name; each input the
    /// workflow requires must be given.
    fn call_inputs(
        &mut self,
        scope: &WorkflowScope,
        request: &StepContext,
        step: &Step<'_>,
        id: &Spanned<String>,
        signature: &Signature,
    ) -> Vec<(String, ValuePlan)> {
        self.workflow_inputs(
            scope,
            Ctx::Request(request),
            step.parameters,
            id,
            signature,
            Caller::Step,
        )
    }

    /// The inputs given to a workflow by a step's or an action's `parameters`, by name; each
    /// input the workflow requires must be given.
    pub(super) fn workflow_inputs(
        &mut self,
        scope: &WorkflowScope,
        ctx: Ctx<'_>,
        parameters: Option<&Node>,
        id: &Spanned<String>,
        signature: &Signature,
        caller: Caller,
    ) -> Vec<(String, ValuePlan)> {
        let mut inputs: Vec<(String, ValuePlan)> = Vec::new();
        for parameter in parameters.map(Node::items).unwrap_or_default() {
            // A Parameter Object, or a reusable one (`reference: $components.parameters.<name>`).
            let Some(written) = self.written(parameter) else {
                continue;
            };
            let name_span = parameter.get("name").map_or(parameter.span, |n| n.span);
            let name = written.name;
            if let Some(location) = parameter.get("in") {
                match caller {
                    Caller::Step => self.report(
                        Diagnostic::warning(location.span, "`in` has no meaning for a workflow's inputs; it is ignored")
                            .with_help("a step that runs a workflow passes its parameters as that workflow's inputs, by name"),
                    ),
                    // Arazzo 1.1: "The `in` field MUST NOT be used."
                    Caller::Action => {
                        self.report(
                            Diagnostic::error(location.span, "an action's parameters have no `in`")
                                .with_label("the parameters of an action are the inputs of the workflow it names")
                                .with_help(format!("remove `in`: `{{name: {name}, value: …}}`")),
                        );
                    }
                }
            }
            if inputs.iter().any(|(given, _)| *given == name) {
                self.report(Diagnostic::error(
                    name_span,
                    format!("input `{name}` is given twice"),
                ));
                continue;
            }
            if !signature.inputs.contains(&name) {
                let d = Diagnostic::error(
                    name_span,
                    format!("workflow `{}` has no input `{name}`", id.value),
                )
                .with_did_you_mean(&name, signature.inputs.iter().map(String::as_str));
                self.report(d);
                continue;
            }
            let Some(value) = written.value else {
                self.report(Diagnostic::error(
                    parameter.span,
                    format!("parameter `{name}` has no `value`"),
                ));
                continue;
            };
            if let Some(value) = self.value_plan(scope, ctx, value) {
                inputs.push((name, value));
            }
        }
        let who = match caller {
            Caller::Step => "step",
            Caller::Action => "action",
        };
        for required in &signature.required {
            if !inputs.iter().any(|(given, _)| given == required) {
                self.report(
                    Diagnostic::error(id.span, format!("workflow `{}` requires the input `{required}`, and this {who} gives none", id.value))
                        .with_help(format!("add it to the {who}: `parameters: [{{name: {required}, value: …}}]`")),
                );
            }
        }
        inputs
    }

    /// The outputs a step that runs a workflow keeps: `$outputs.<name>` reads the called
    /// workflow's output; also kept, the outputs of it this workflow reads later.
    fn call_outputs(
        &mut self,
        scope: &WorkflowScope,
        request: &StepContext,
        step: &Step<'_>,
        id: &Spanned<String>,
        signature: &Signature,
    ) -> Vec<StepOutputPlan> {
        let mut fields = Scope::default();
        let mut outputs = step
            .outputs
            .iter()
            .filter_map(|output| {
                let text = &output.expression.value;
                let selector = self.output_selector(output).ok()?;
                let value = if let Some(selector) = selector {
                    // A Selector Object (Arazzo 1.1) on the called workflow's outputs.
                    self.selector_value(scope, Ctx::Request(request), selector)?
                } else {
                    match self.called_output(&output.expression, &id.value, signature) {
                        Some(value) => value?,
                        None => {
                            self.value_expression(scope, Ctx::Request(request), &output.expression)?
                        }
                    }
                };
                Some(StepOutputPlan {
                    field: FieldPlan {
                        name: output.name.value.clone(),
                        ident: fields.unique(naming::snake(&output.name.value)),
                        ty: value.ty.clone(),
                        doc: Some(match selector {
                            Some(selector) => selector.describe(),
                            None => format!("`{text}`"),
                        }),
                    },
                    source: OutputSource::Value(value),
                })
            })
            .collect::<Vec<StepOutputPlan>>();
        // Outputs of the called workflow that this workflow reads later as
        // `$workflows.<id>.outputs.<name>` and the step does not declare: kept as step outputs
        // named after them (when that name is free).
        let called = implied::canonical_workflow(&id.value);
        for (workflow, written) in &scope.workflow_reads {
            if *workflow != called || scope.dependencies.contains_key(workflow) {
                continue;
            }
            // The name as written may go on with a dot path into the output.
            let Some((name, (field, ty))) = std::iter::once(written.as_str())
                .chain(
                    written
                        .match_indices('.')
                        .rev()
                        .map(|(at, _)| &written[..at]),
                )
                .find_map(|name| Some((name, signature.outputs.get(name)?)))
            else {
                continue;
            };
            let declared = outputs.iter().any(|o| {
                o.field.name == *name
                    || matches!(&o.source, OutputSource::Value(v) if v.place == Place::Called { field: field.clone(), pointer: None })
            });
            if declared {
                continue;
            }
            let expression = format!("$outputs.{name}");
            outputs.push(StepOutputPlan {
                field: FieldPlan {
                    name: name.to_owned(),
                    ident: fields.unique(naming::snake(name)),
                    ty: ty.clone(),
                    doc: Some(format!(
                        "`{expression}`, read as `{}.outputs.{name}`",
                        if workflow.starts_with('$') {
                            workflow.clone()
                        } else {
                            format!("$workflows.{workflow}")
                        }
                    )),
                },
                source: OutputSource::Value(ValueRef {
                    expression,
                    place: Place::Called {
                        field: field.clone(),
                        pointer: None,
                    },
                    ty: ty.clone(),
                }),
            });
        }
        outputs
    }
}

/// Who passes parameters to a workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Caller {
    /// A step with a `workflowId`.
    Step,
    /// A success or failure action with a `workflowId` (Arazzo 1.1).
    Action,
}
