//! A step's request body: how its payload is sent, checked against its content type.

use crate::diagnostic::Diagnostic;
use crate::model::arazzo::Step;
use crate::model::openapi::{self, OpenApi, Operation};
use crate::node::Node;
use std::collections::BTreeSet;

use crate::naming::{self, Scope};
use crate::plan::{BodyField, BodyKind, BodyPlan, BodyShape, Place, TemplatePart, Type, ValuePlan};

use super::values::{Ctx, StepContext};
use super::{Resolver, WorkflowScope};

impl<'a> Resolver<'a, '_> {
    /// The step's request body: its content type (the step's, else the operation's first, else
    /// JSON) decides how the payload is sent.
    pub(super) fn body(
        &mut self,
        scope: &WorkflowScope,
        request: &StepContext,
        step: &Step<'_>,
        api: &OpenApi<'_>,
        operation: &Operation<'_>,
    ) -> Option<BodyPlan> {
        let body = step.request_body.as_ref()?;
        let Some(payload) = body.payload else {
            if let Some(replacements) = body.replacements {
                self.report(Diagnostic::error(
                    replacements.span,
                    "`replacements` need a `payload` to apply to",
                ));
            }
            return None;
        };
        let (content_type, span) = match &body.content_type {
            Some(ct) => (ct.value.clone(), ct.span),
            None => operation
                .node
                .get("requestBody")
                .map(|b| api.resolve(b))
                .and_then(|b| b.get("content"))
                .and_then(|c| c.entries().first())
                .map_or_else(
                    || ("application/json".to_owned(), body.span),
                    |(k, _)| (k.name.clone(), body.span),
                ),
        };
        let value = self.value_plan(scope, Ctx::Request(request), payload)?;
        let text_like = match &value {
            ValuePlan::Str(_) | ValuePlan::Template(_) => true,
            ValuePlan::Ref(r) => r.ty == Type::String,
            _ => false,
        };
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let kind = if openapi::is_json(&essence) {
            if text_like {
                BodyKind::JsonText
            } else {
                BodyKind::Json
            }
        } else if essence == "application/x-www-form-urlencoded" {
            if text_like {
                BodyKind::FormText
            } else {
                BodyKind::Form
            }
        } else if essence == "multipart/form-data" {
            BodyKind::Multipart
        } else if text_like {
            BodyKind::Text
        } else {
            self.report(
                Diagnostic::error(
                    payload.span,
                    format!(
                        "a `{content_type}` body is sent as text, and this payload is not a string"
                    ),
                )
                .with_label(format!("declared at line {}", span.line))
                .with_help("write the payload as a string (a `{$…}` template can fill in values)"),
            );
            return None;
        };
        if matches!(kind, BodyKind::Multipart) && text_like {
            self.report(Diagnostic::error(
                payload.span,
                "a `multipart/form-data` payload is an object of parts, not a string",
            ));
            return None;
        }
        // A JSON text (template) must be JSON: each embedded value is tried as `0`, which fits
        // both a quoted and an unquoted place.
        let sample = match &value {
            ValuePlan::Str(text) => Some(text.clone()),
            ValuePlan::Template(parts) => Some(
                parts
                    .iter()
                    .map(|part| match part {
                        TemplatePart::Text(text) => text.clone(),
                        TemplatePart::Value(_) => "0".to_owned(),
                    })
                    .collect(),
            ),
            _ => None,
        };
        if kind == BodyKind::JsonText
            && let Some(sample) = sample
            && let Err(error) = serde_json::from_str::<serde_json::Value>(&sample)
        {
            self.report(
                Diagnostic::error(
                    payload.span,
                    format!("the payload is a string for a `{content_type}` body, and it is not JSON: {error}"),
                )
                .with_help("a JSON body is written as YAML/JSON structure, or as a JSON text whose `{$…}` values fill in strings, numbers or whole values"),
            );
            return None;
        }
        let mut replacements = Vec::new();
        if let Some(list) = body.replacements {
            for item in list.items() {
                let Some(target) = item.get("target").and_then(Node::as_str) else {
                    self.report(Diagnostic::error(
                        item.span,
                        "a replacement has no `target`",
                    ));
                    continue;
                };
                let target_span = item.get("target").map_or(item.span, |t| t.span);
                if !(target.is_empty() || target.starts_with('/')) {
                    self.report(
                        Diagnostic::error(target_span, format!("replacement target `{target}` is not a JSON pointer"))
                            .with_help("targets in a JSON, form or multipart payload are JSON pointers such as `/customer/name`"),
                    );
                    continue;
                }
                if kind == BodyKind::Text {
                    self.report(Diagnostic::error(target_span, "replacements apply to JSON, form and multipart payloads, not to a text body"));
                    continue;
                }
                let Some(value_node) = item.get("value") else {
                    self.report(Diagnostic::error(item.span, "a replacement has no `value`"));
                    continue;
                };
                if let Some(value) = self.value_plan(scope, Ctx::Request(request), value_node) {
                    replacements.push((target.to_owned(), value));
                }
            }
        }
        Some(BodyPlan {
            kind,
            content_type,
            value,
            replacements,
            shape: BodyShape::Value,
        })
    }
}

/// How a step's JSON body is built: straight from a struct when it is an object of literals and
/// whole values of the inputs and earlier outputs, with no replacements, under a JSON media
/// type, and nothing reads it back (`$request.body#/…` needs it as a value); else as a value.
pub(super) fn body_shape(body: &BodyPlan, read_back: bool) -> BodyShape {
    let ValuePlan::Object(entries) = &body.value else {
        return BodyShape::Value;
    };
    if body.kind != BodyKind::Json || !body.replacements.is_empty() || read_back {
        return BodyShape::Value;
    }
    let mut names = BTreeSet::new();
    let mut idents = Scope::default();
    let mut fields = Vec::new();
    for (name, value) in entries {
        let borrowable = match value {
            ValuePlan::Null | ValuePlan::Bool(_) | ValuePlan::Str(_) => true,
            ValuePlan::Number(n) => {
                n.parse::<i64>().is_ok()
                    || n.parse::<u64>().is_ok()
                    || n.parse::<f64>().is_ok_and(f64::is_finite)
            }
            ValuePlan::Ref(r) => matches!(
                r.place,
                Place::Input { pointer: None, .. }
                    | Place::StepOutput { pointer: None, .. }
                    | Place::Dependency { pointer: None, .. }
            ),
            _ => false,
        };
        // A member written twice is one member in a value: leave that to the value.
        if !borrowable || !names.insert(name.as_str()) {
            return BodyShape::Value;
        }
        fields.push(BodyField {
            name: name.clone(),
            ident: idents.unique(naming::snake(name)),
            value: value.clone(),
        });
    }
    if fields.is_empty() {
        return BodyShape::Value;
    }
    BodyShape::Struct {
        type_name: "RequestBody".to_owned(),
        fields,
    }
}
