//! A step's request body: how its payload is sent, checked against its content type.

use crate::diagnostic::Diagnostic;
use crate::model::arazzo::{Step, Version};
use crate::model::openapi::{self, OpenApi, Operation};
use crate::model::selector::{self, SelectorKind};
use crate::node::Node;
use std::collections::BTreeSet;

use crate::naming::{self, Scope};
use crate::plan::{
    BodyField, BodyKind, BodyPlan, BodyShape, Place, ReplacementTarget, TemplatePart, Type,
    ValuePlan,
};

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
        let replacements = body
            .replacements
            .map(|list| {
                list.items()
                    .iter()
                    .filter_map(|item| self.replacement(scope, request, item, kind, &content_type))
                    .collect()
            })
            .unwrap_or_default();
        Some(BodyPlan {
            kind,
            content_type,
            value,
            replacements,
            shape: BodyShape::Value,
        })
    }
}

impl Resolver<'_, '_> {
    /// One Payload Replacement Object: its `target`, read by its `targetSelectorType` (Arazzo
    /// 1.1; else a JSON pointer, or XPath for an XML payload), and its value.
    fn replacement(
        &mut self,
        scope: &WorkflowScope,
        request: &StepContext,
        item: &Node,
        kind: BodyKind,
        content_type: &str,
    ) -> Option<(ReplacementTarget, ValuePlan)> {
        let Some(target) = item.get("target").and_then(Node::as_str) else {
            self.report(Diagnostic::error(
                item.span,
                "a replacement has no `target`",
            ));
            return None;
        };
        let target_span = item.get("target").map_or(item.span, |t| t.span);
        let declared = match item.get("targetSelectorType") {
            Some(node) if self.version < Version::V1_1 => {
                self.report(
                    Diagnostic::warning(node.span, "`targetSelectorType` is an Arazzo 1.1 field; this 1.0 document's target is read as a JSON pointer")
                        .with_help("write `arazzo: 1.1.0` to choose how the target is read"),
                );
                None
            }
            Some(node) => Some(selector::expression_kind(node, self.diagnostics)?),
            None => None,
        };
        let xml = openapi::is_xml(content_type);
        let selector_kind = match &declared {
            Some(declared) => declared.value,
            None if xml && self.version >= Version::V1_1 => SelectorKind::XPath("xpath-31"),
            None => SelectorKind::JsonPointer,
        };
        let target = match selector_kind {
            SelectorKind::XPath(_) => {
                let (span, label) = match &declared {
                    Some(declared) => (declared.span, "an `xpath` target".to_owned()),
                    None => (
                        target_span,
                        format!(
                            "the payload is `{content_type}`, so its target is an XPath expression"
                        ),
                    ),
                };
                self.report(
                    Diagnostic::error(span, "replacing inside a payload by an XPath target is not supported yet")
                        .with_label(label)
                        .with_help("write the XML payload as a string and embed the value where the replacement would set it (`<Id>{$inputs.id}</Id>`)"),
                );
                return None;
            }
            SelectorKind::JsonPath { goessner } => {
                if goessner {
                    self.report(
                        Diagnostic::warning(declared.as_ref().map_or(target_span, |d| d.span), "JSONPath version `draft-goessner-dispatch-jsonpath-00` is evaluated as RFC 9535")
                            .with_help("queries in the common subset behave the same; Goessner-only syntax is reported as an error"),
                    );
                }
                if let Err(error) = serde_json_path::JsonPath::parse(target) {
                    self.report(
                        Diagnostic::error(target_span, format!("invalid JSONPath query `{target}`: {error}"))
                            .with_help("a `jsonpath` target is an RFC 9535 query such as `$.items[?@.sku == 'A1'].qty`"),
                    );
                    return None;
                }
                ReplacementTarget::JsonPath(target.to_owned())
            }
            SelectorKind::JsonPointer => {
                if !(target.is_empty() || target.starts_with('/')) {
                    self.report(
                        Diagnostic::error(target_span, format!("replacement target `{target}` is not a JSON pointer"))
                            .with_help("targets in a JSON, form or multipart payload are JSON pointers such as `/customer/name`; a JSONPath query needs `targetSelectorType: jsonpath`"),
                    );
                    return None;
                }
                ReplacementTarget::Pointer(target.to_owned())
            }
        };
        if kind == BodyKind::Text {
            self.report(Diagnostic::error(
                target_span,
                "replacements apply to JSON, form and multipart payloads, not to a text body",
            ));
            return None;
        }
        let Some(value_node) = item.get("value") else {
            self.report(Diagnostic::error(item.span, "a replacement has no `value`"));
            return None;
        };
        let value = self.value_plan(scope, Ctx::Request(request), value_node)?;
        Some((target, value))
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
