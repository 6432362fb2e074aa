//! Undeclared inputs. A workflow whose `inputs` schema does not forbid other properties
//! (`additionalProperties: false`) accepts inputs it does not list, as JSON Schema reads it and
//! as Redocly Respect runs it: `$inputs.x` for an undeclared `x`, and a caller's `parameters`
//! naming one, are warnings, and `x` becomes an optional input of any JSON value
//! (`Option<serde_json::Value>`, left out of requests when `None`). Where the schema is closed
//! both stay errors (reported where they are read and given, as before).

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::Diagnostic;
use crate::files::Span;
use crate::model::arazzo::{Document, Target, Workflow};
use crate::naming::{self, Scope};
use crate::node::{Node, Value};
use crate::plan::{FieldPlan, Type};

use super::Resolver;

/// The undeclared inputs of the workflow being resolved.
#[derive(Debug, Default)]
pub(super) struct Undeclared {
    /// The workflow's `inputs` schema allows properties it does not list.
    open: bool,
    /// The names its inputs struct has (the schema's, and the dependencies').
    names: BTreeSet<String>,
    /// The schema's names, for "did you mean".
    declared: Vec<String>,
    /// The inputs struct's field identifiers.
    idents: Scope,
    /// The undeclared inputs found so far, in the order met.
    fields: Vec<FieldPlan>,
    /// The names read as `$inputs.<name>`.
    read: BTreeSet<String>,
    /// Undeclared names that the workflow's callers give, with where.
    given: BTreeMap<String, Vec<Span>>,
}

/// The inputs schema of a workflow, its `$ref` followed (`None` when it has none or the
/// reference does not resolve, which is reported where the inputs are read).
fn inputs_schema<'a>(document: &Document<'a>, workflow: &Workflow<'a>) -> Option<&'a Node> {
    let schema = workflow.inputs?;
    match schema.get("$ref") {
        Some(reference) => {
            let name = reference.as_str()?.strip_prefix("#/components/inputs/")?;
            document.components?.get("inputs")?.get(name)
        }
        None => Some(schema),
    }
}

/// True when a schema forbids properties it does not list.
fn closed(schema: &Node) -> bool {
    ["additionalProperties", "unevaluatedProperties"]
        .iter()
        .any(|key| matches!(schema.get(key).map(|n| &n.value), Some(Value::Bool(false))))
}

/// The parameter names (with their places) that steps and actions of `document` give to its
/// workflow `callee`.
fn given_to<'a>(document: &Document<'a>, callee: &str) -> Vec<(String, Span)> {
    let mut lists: Vec<&Node> = Vec::new();
    for workflow in &document.workflows {
        for step in &workflow.steps {
            if let Some(Target::WorkflowId(id)) = &step.target
                && id.value == callee
                && let Some(parameters) = step.parameters
            {
                lists.push(parameters);
            }
        }
        let actions = workflow
            .steps
            .iter()
            .flat_map(|step| [step.on_success, step.on_failure])
            .chain([workflow.success_actions, workflow.failure_actions])
            .flatten()
            .flat_map(Node::items);
        for action in actions {
            let action = match action.get("reference").and_then(Node::as_str) {
                Some(reference) => {
                    let resolved = reference
                        .strip_prefix("$components.")
                        .and_then(|r| r.split_once('.'))
                        .and_then(|(kind, name)| document.components?.get(kind)?.get(name));
                    match resolved {
                        Some(resolved) => resolved,
                        None => continue,
                    }
                }
                None => action,
            };
            if action.get("workflowId").and_then(Node::as_str) == Some(callee)
                && let Some(parameters) = action.get("parameters")
            {
                lists.push(parameters);
            }
        }
    }
    lists
        .into_iter()
        .flat_map(Node::items)
        .filter_map(|parameter| {
            let name = parameter.get("name")?;
            Some((name.as_str()?.to_owned(), name.span))
        })
        .collect()
}

impl Undeclared {
    /// The field an undeclared input is read from, added when first met.
    fn field(&mut self, name: &str) -> (String, Type) {
        if let Some(field) = self.fields.iter().find(|f| f.name == name) {
            return (field.ident.clone(), field.ty.clone());
        }
        let ident = self.idents.unique(naming::snake(name));
        let ty = Type::Json.optional();
        self.fields.push(FieldPlan {
            name: name.to_owned(),
            ident: ident.clone(),
            ty: ty.clone(),
            doc: Some(format!(
                "`{name}`: not declared by the workflow's `inputs` schema, which allows other \
                 properties; any JSON value, left out when `None`."
            )),
        });
        (ident, ty)
    }
}

impl<'a> Resolver<'a, '_> {
    /// Starts the undeclared inputs of `workflow`, whose inputs struct has `fields` so far:
    /// the undeclared names its callers give become fields of it when its schema is open.
    pub(super) fn begin_undeclared(
        &mut self,
        document: &Document<'a>,
        workflow: &Workflow<'a>,
        fields: &[FieldPlan],
        declared: impl Iterator<Item = String>,
    ) {
        let schema = inputs_schema(document, workflow);
        let readable = workflow.inputs.is_none() || schema.is_some();
        let open = readable && !schema.is_some_and(closed);
        let mut undeclared = Undeclared {
            open,
            names: fields.iter().map(|f| f.name.clone()).collect(),
            declared: declared.collect(),
            idents: Scope::with_reserved(
                &fields.iter().map(|f| f.ident.as_str()).collect::<Vec<_>>(),
            ),
            ..Undeclared::default()
        };
        if open {
            for (name, span) in given_to(document, &workflow.id.value) {
                if !undeclared.names.contains(&name) {
                    undeclared.field(&name);
                    undeclared.given.entry(name).or_default().push(span);
                }
            }
        }
        self.undeclared = undeclared;
    }

    /// `$inputs.<name>` for a name the workflow does not declare: where its schema is open, a
    /// warning (once per name) and the field of the input; `None` where it is closed (the
    /// caller reports the unknown input).
    pub(super) fn undeclared_input(&mut self, name: &str, here: Span) -> Option<(String, Type)> {
        let undeclared = &mut self.undeclared;
        if !undeclared.open || undeclared.names.contains(name) {
            return None;
        }
        let field = undeclared.field(name);
        if undeclared.read.insert(name.to_owned()) {
            let mut d = Diagnostic::warning(
                here,
                format!("`$inputs.{name}` reads an input that the workflow's `inputs` schema does not declare"),
            )
            .with_label("read as an optional input of any JSON value (`Option<serde_json::Value>`)")
            .with_suggestion_or(
                name,
                undeclared.declared.iter().map(String::as_str),
                "did you mean `$inputs.{}`?",
                format!("declare it in the workflow's `inputs` schema: `properties: {{{name}: {{type: …}}}}`"),
            );
            for span in undeclared.given.get(name).into_iter().flatten() {
                d = d.with_related(*span, "given here");
            }
            self.report(d);
        }
        Some(field)
    }

    /// Ends the undeclared inputs of the workflow: the names its callers give that it does not
    /// read are reported where given; the fields to add to its inputs struct.
    pub(super) fn finish_undeclared(&mut self, workflow_id: &str) -> Vec<FieldPlan> {
        let undeclared = std::mem::take(&mut self.undeclared);
        for (name, spans) in &undeclared.given {
            if undeclared.read.contains(name) {
                continue;
            }
            let Some((first, others)) = spans.split_first() else {
                continue;
            };
            let mut d = Diagnostic::warning(
                *first,
                format!("workflow `{workflow_id}` does not declare the input `{name}`"),
            )
            .with_label("passed on as an undeclared input (`Option<serde_json::Value>`)")
            .with_suggestion_or(
                name,
                undeclared.declared.iter().map(String::as_str),
                "did you mean `{}`?",
                format!("declare it in the `inputs` schema of `{workflow_id}`"),
            );
            for span in others {
                d = d.with_related(*span, "also given here");
            }
            self.report(d);
        }
        undeclared.fields
    }
}
