//! With `Settings::fake`: the Rust types of every operation the steps call (its parameters, its
//! JSON request body, the JSON body of each declared response), made from its schemas by the
//! same conversion as the workflows' types, so that one schema is one type in `types` however
//! many steps, responses and outputs use it.

use crate::model::openapi::{OpenApi, Operation, is_json, schema_type};
use crate::naming;
use crate::node::Node;
use crate::plan::fake::OperationTypes;
use crate::plan::{ParamLocation, StepPlan, Type, WorkflowPlan};

use super::Resolver;
use super::fake::constructor;
use super::types::{Direction, Hint, Refs};

impl<'a> Resolver<'a, '_> {
    /// The types of every operation the steps of `workflows` call, each operation once.
    pub(super) fn fake_types(&mut self, workflows: &[WorkflowPlan]) -> Vec<OperationTypes> {
        let mut out: Vec<OperationTypes> = Vec::new();
        for step in workflows.iter().flat_map(|w| &w.steps) {
            let Some(request) = step.request() else {
                continue;
            };
            let known = out.iter().any(|t| {
                (t.source, t.method, t.path.as_str())
                    == (request.source, request.method, request.path.as_str())
            });
            let apis: &'a [(String, OpenApi<'a>)] = self.apis;
            let Some((_, api)) = apis.get(request.source) else {
                continue;
            };
            let operation = api.operations.iter().find(|op| {
                op.path == request.path && op.method.eq_ignore_ascii_case(request.method.as_str())
            });
            let Some(operation) = operation.filter(|_| !known) else {
                continue;
            };
            let types = OperationTypes {
                source: request.source,
                method: request.method,
                path: request.path.clone(),
                params: self.param_types(api, operation),
                body: self.body_type(api, operation, step),
                statuses: self.status_types(api, operation, step),
            };
            out.push(types);
        }
        out
    }

    /// Each declared parameter's type: its schema's when that is a scalar or an array of
    /// scalars, else `String` (the text as sent).
    fn param_types(
        &mut self,
        api: &'a OpenApi<'a>,
        operation: &Operation<'a>,
    ) -> Vec<(String, ParamLocation, Type)> {
        let own = operation.node.get("parameters").map(Node::items);
        let shared = operation.path_item.get("parameters").map(Node::items);
        let mut out = Vec::new();
        for param in own
            .unwrap_or_default()
            .iter()
            .chain(shared.unwrap_or_default())
        {
            let param = api.resolve(param);
            let Some((name, location)) = ParamLocation::of_parameter(param) else {
                continue;
            };
            let hint = Hint {
                name: naming::pascal(name),
                origin: format!("the parameter `{name}`"),
            };
            let ty = match param.get("schema") {
                Some(schema) if scalar_or_list(api, schema) => {
                    let refs = Refs::OpenApi(api.root);
                    match self.schema_type(refs, schema, Direction::Output, &hint, 0) {
                        Type::Option(inner) => *inner,
                        other => other,
                    }
                }
                _ => Type::String,
            };
            out.push((name.to_owned(), location, ty));
        }
        out
    }

    /// The type of the operation's JSON request body.
    fn body_type(
        &mut self,
        api: &'a OpenApi<'a>,
        operation: &Operation<'a>,
        step: &StepPlan,
    ) -> Option<Type> {
        let body = api.resolve(operation.node.get("requestBody")?);
        let (media, content) = body.get("content")?.entries().first()?;
        if !is_json(&media.name) {
            return None;
        }
        let schema = content.get("schema")?;
        let hint = Hint {
            name: format!("{}Body", naming::pascal(&step.id)),
            origin: format!(
                "the request body of `{} {}`",
                operation.method.to_ascii_uppercase(),
                operation.path
            ),
        };
        let refs = Refs::OpenApi(api.root);
        Some(
            match self.schema_type(refs, schema, Direction::Output, &hint, 0) {
                Type::Option(inner) => *inner,
                other => other,
            },
        )
    }

    /// Per declared status with a JSON body, the type of that body.
    fn status_types(
        &mut self,
        api: &'a OpenApi<'a>,
        operation: &Operation<'a>,
        step: &StepPlan,
    ) -> Vec<(u16, Type)> {
        let responses = operation
            .node
            .get("responses")
            .map(Node::entries)
            .unwrap_or_default();
        let mut out = Vec::new();
        for (code, response) in responses {
            let Some(code) = code
                .name
                .parse::<u16>()
                .ok()
                .filter(|c| (100..600).contains(c))
            else {
                continue;
            };
            let response = api.resolve(response);
            let schema = response
                .get("content")
                .map(Node::entries)
                .unwrap_or_default()
                .iter()
                .find(|(media, _)| is_json(&media.name))
                .and_then(|(_, media)| media.get("schema"));
            let Some(schema) = schema else { continue };
            let hint = Hint {
                name: format!(
                    "{}{}",
                    naming::pascal(&step.id),
                    naming::pascal(&constructor(code))
                ),
                origin: format!(
                    "the `{code}` response of `{} {}`",
                    operation.method.to_ascii_uppercase(),
                    operation.path
                ),
            };
            let ty = self.schema_type(Refs::OpenApi(api.root), schema, Direction::Output, &hint, 0);
            out.push((code, ty));
        }
        out
    }
}

/// Whether a parameter's schema is a scalar or an array of scalars (what a parameter's text
/// can be read as).
fn scalar_or_list(api: &OpenApi<'_>, schema: &Node) -> bool {
    let schema = api.resolve(schema);
    let scalar = |ty: Option<&str>| matches!(ty, Some("string" | "integer" | "number" | "boolean"));
    match schema_type(schema).0 {
        Some("array") => schema
            .get("items")
            .is_some_and(|items| scalar(schema_type(api.resolve(items)).0)),
        ty => scalar(ty),
    }
}
