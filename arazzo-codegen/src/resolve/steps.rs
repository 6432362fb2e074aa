//! A step that calls an operation: its request, criteria, actions and outputs.

use crate::expr::{self, Expr, Pointer, Source};
use crate::model::arazzo::{Output, Step, Target, Version, Workflow};
use crate::model::openapi::OpenApi;
use crate::naming::{self, Scope};
use crate::node::Node;
use crate::plan::{
    BodyPlan, FieldPlan, OutputSource, ParamLocation, Place, StepOutputPlan, StepPlan, Type,
    ValuePlan,
};
use crate::plan::{HttpMethod, ItemPath, RequestPlan, StepKind};

use super::actions::Outcome;
use super::selectors::Selection;
use super::types::Hint;
use super::values::{Ctx, StepContext};
use super::{Resolver, WorkflowScope, parameters, target_span};

impl<'a> Resolver<'a, '_> {
    /// A step's plan: an operation step's request, criteria, actions and outputs, or (for a
    /// step with a `workflowId`) the call of that workflow.
    pub(super) fn step(
        &mut self,
        scope: &WorkflowScope,
        workflow: &Workflow<'_>,
        step: &Step<'_>,
        var: String,
        outputs_type: ItemPath,
    ) -> Option<StepPlan> {
        if self.is_message_step(step) {
            return self.message_step(scope, workflow, step, var, outputs_type);
        }
        let (source, operation) = match step.target.as_ref()? {
            Target::OperationId(id) => self.operation(id)?,
            Target::OperationPath(path) => self.operation_path(path)?,
            Target::WorkflowId(id) => {
                self.no_async_fields(step, "a workflow");
                return self.workflow_step(scope, step, var, outputs_type, id);
            }
            Target::ChannelPath(_) => return None,
        };
        self.no_async_fields(step, "an OpenAPI operation");
        let api: &'a OpenApi<'a> = &self.apis[source].1;
        let id = step.id.value.clone();

        self.operation_requirements(api, operation, step, target_span(step));
        let auth = self.auth(source, operation, step);
        let method = HttpMethod::from_key(operation.method)?;
        let mut request = StepContext {
            method: method.as_str().to_owned(),
            body_type: None,
            structured_body: false,
            params: Vec::new(),
            message: false,
        };
        let (parameters, query_string) =
            self.parameters(scope, workflow, step, source, operation, &request);
        let body = self.body(scope, &request, step, api, operation);
        request.body_type = body.as_ref().map(|b| b.content_type.clone());
        request.structured_body = body.as_ref().is_some_and(BodyPlan::is_structured);
        request.params = parameters
            .iter()
            .map(|p| {
                // A path parameter must have a value: an absent one fails the step.
                let optional = p.location != ParamLocation::Path
                    && matches!(&p.value, ValuePlan::Ref(r) if r.ty.is_option());
                (p.name.clone(), p.location, p.var.clone(), optional)
            })
            .collect();
        let context = request;

        let mut expected_status = None;
        let mut success = Vec::new();
        let mut written = Vec::new();
        for criterion in &step.success_criteria {
            if let Some((plan, expected)) = self.criterion(scope, &context, criterion) {
                expected_status = expected_status.or(expected);
                success.push(plan);
                written.push(criterion.condition.value.clone());
            }
        }
        let criteria_1_1 = (self.version >= Version::V1_1).then_some(written);

        let on_success = self.actions(
            scope,
            &context,
            [step.on_success, workflow.success_actions],
            Outcome::Success,
        );
        let on_failure = self.actions(
            scope,
            &context,
            [step.on_failure, workflow.failure_actions],
            Outcome::Failure,
        );

        let schema = api.success_schema(operation, expected_status);
        let sole = super::types::success_schemas(api, operation) == 1;
        let outputs = self.operation_outputs(scope, &context, step, api, schema, sole);

        let mut plan = StepPlan {
            id,
            var,
            outputs_type,
            description: step.description.clone(),
            kind: StepKind::Operation(RequestPlan {
                operation_id: operation.id.map(str::to_owned),
                operation_summary: operation
                    .node
                    .get("summary")
                    .and_then(Node::as_str)
                    .map(str::to_owned),
                source,
                method,
                path: operation.path.to_owned(),
                path_parts: parameters::path_parts(operation.path, &parameters),
                parameters,
                query_string,
                auth,
                body,
                timeout: step.timeout.as_ref().map(|t| t.value),
            }),
            always_runs: false,
            success,
            criteria_1_1,
            decode: super::decoding::decode_plan(&outputs, |_| true),
            kept: None,
            outputs,
            on_success,
            on_failure,
            standalone: None,
        };
        // Where `$request.body#/…` is read, the body is built as a value to read it from.
        let read_back = plan
            .refs()
            .iter()
            .any(|r| matches!(r.place, Place::RequestBody(_)));
        if let StepKind::Operation(RequestPlan {
            body: Some(body), ..
        }) = &mut plan.kind
        {
            body.shape = super::bodies::body_shape(body, read_back);
        }
        Some(plan)
    }

    /// The outputs of an operation step: a pointer into the response body is typed by the
    /// response's schema, a header is a string, anything else is bound like any value.
    pub(super) fn operation_outputs(
        &mut self,
        scope: &WorkflowScope,
        context: &StepContext,
        step: &Step<'_>,
        api: &'a OpenApi<'a>,
        schema: Option<&'a Node>,
        sole: bool,
    ) -> Vec<StepOutputPlan> {
        let mut fields = Scope::default();
        step.outputs
            .iter()
            .filter_map(|output| {
                // A Selector Object (Arazzo 1.1): a pointer is read like `#/…` below.
                let expression = match self.output_selector(output).ok()? {
                    None => output.expression.clone(),
                    Some(selector) => {
                        match self.selection(scope, Ctx::Response(context), selector)? {
                            Selection::Pointer(text) => text,
                            Selection::Applied(value) => {
                                let value = super::selectors::applied(selector, value);
                                return Some(StepOutputPlan {
                                    field: FieldPlan {
                                        name: output.name.value.clone(),
                                        ident: fields.unique(naming::snake(&output.name.value)),
                                        ty: value.ty.clone(),
                                        doc: Some(selector.describe()),
                                    },
                                    source: OutputSource::Value(value),
                                });
                            }
                        }
                    }
                };
                let doc = output
                    .selector
                    .as_ref()
                    .and_then(|s| Some(s.as_ref().ok()?.describe()));
                let output = &Output {
                    name: output.name.clone(),
                    expression,
                    selector: None,
                };
                let text = &output.expression.value;
                let parsed = expr::parse(text).or_else(|error| {
                    self.dialect(output.expression.span, text, expr::parse)
                        .ok_or(error)
                });
                let parsed = match parsed {
                    Ok(parsed) => parsed,
                    Err(error) => {
                        let d = self.parse_error(
                            output.expression.span,
                            text,
                            error,
                            "runtime expression",
                        );
                        self.report(d);
                        return None;
                    }
                };
                // An AsyncAPI step's message is read like a response.
                let exchange = match &parsed {
                    Expr::Message(source) if context.message => Some(source),
                    Expr::Response(source) if !context.message => Some(source),
                    _ => None,
                };
                let (source, ty) = match exchange {
                    Some(Source::Body(pointer)) => {
                        let pointer = pointer.clone().unwrap_or(Pointer(Vec::new()));
                        let ty = match schema {
                            Some(schema) => {
                                let hint = Hint {
                                    name: format!(
                                        "{}{}{}",
                                        naming::pascal(&self.context.prefixed(&scope.workflow_id)),
                                        naming::pascal(&step.id.value),
                                        naming::pascal(&output.name.value)
                                    ),
                                    origin: format!(
                                        "`{text}` in the {} of the step `{}`",
                                        if context.message {
                                            "message"
                                        } else {
                                            "response"
                                        },
                                        step.id.value
                                    ),
                                };
                                self.schema_type_at(
                                    api,
                                    schema,
                                    &pointer,
                                    &hint,
                                    output.expression.span,
                                    sole,
                                )
                            }
                            None => Type::Json.optional(),
                        };
                        (OutputSource::Body(pointer.to_string()), ty)
                    }
                    Some(Source::Header(name)) => {
                        (OutputSource::Header(name.clone()), Type::String)
                    }
                    _ => {
                        // Bound as parsed: a dialect is reported once.
                        let here = self.inner_span(output.expression.span, text, 0, text.len());
                        let value = self.bind(scope, Ctx::Response(context), &parsed, &[], here)?;
                        let ty = value.ty.clone();
                        (OutputSource::Value(value), ty)
                    }
                };
                Some(StepOutputPlan {
                    field: FieldPlan {
                        name: output.name.value.clone(),
                        ident: fields.unique(naming::snake(&output.name.value)),
                        ty,
                        doc: Some(doc.unwrap_or_else(|| format!("`{text}`"))),
                    },
                    source,
                })
            })
            .collect()
    }
}
