//! A workflow's inputs: its `inputs` schema's fields, their defaults, and the inputs of the
//! workflows it depends on (`dependsOn`).

use std::collections::BTreeSet;

use crate::diagnostic::Diagnostic;
use crate::model::arazzo::{Document, Workflow};
use crate::model::openapi::schema_type;
use crate::naming::{self, Scope};
use crate::node::Node;
use crate::plan::{DefaultValue, FieldPlan};

use super::types::{self, Direction, Hint, Refs};
use super::{InputFields, Resolver};

/// A default as the document writes it.
fn default_text(default: &DefaultValue) -> String {
    match default {
        DefaultValue::String(s) => format!("{s:?}"),
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::Int(i) => i.to_string(),
        DefaultValue::Float(f) => f.to_string(),
        DefaultValue::Variant(ty, variant) => format!("{}::{variant}", ty.name),
    }
}

impl<'a> Resolver<'a, '_> {
    /// The fields of the inputs struct, from the workflow's `inputs` JSON Schema. `base` starts
    /// the names of the types made for its objects and enums.
    pub(super) fn inputs(
        &mut self,
        document: &Document<'a>,
        workflow: &Workflow<'a>,
        base: &str,
    ) -> Option<InputFields> {
        let Some(mut schema) = workflow.inputs else {
            return Some(Default::default());
        };
        if let Some(reference) = schema.get("$ref") {
            let target = reference
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/inputs/"));
            match target.and_then(|name| document.components?.get("inputs")?.get(name)) {
                Some(found) => schema = found,
                None => {
                    let names: Vec<&str> = document
                        .components
                        .and_then(|c| c.get("inputs"))
                        .map(|inputs| {
                            inputs
                                .entries()
                                .iter()
                                .map(|(k, _)| k.name.as_str())
                                .collect()
                        })
                        .unwrap_or_default();
                    let otherwise = "workflow inputs may refer to `#/components/inputs/<name>`";
                    let d = Diagnostic::error(reference.span, "this `$ref` does not resolve")
                        .with_label("not an entry of `components.inputs`");
                    let d = match target {
                        Some(target) => d.with_suggestion_or(
                            target,
                            names.iter().copied(),
                            "did you mean `#/components/inputs/{}`?",
                            otherwise,
                        ),
                        None => d.with_help(otherwise),
                    };
                    self.report(d);
                    return None;
                }
            }
        }
        match schema_type(schema).0 {
            Some("object") | None => {}
            Some(other) => {
                let d = Diagnostic::error(
                    schema.span,
                    format!("workflow inputs must be an object schema, not `{other}`"),
                );
                self.report(d);
                return None;
            }
        }
        let required: BTreeSet<&str> = schema
            .get("required")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        let mut fields = Scope::default();
        let Some(properties) = schema.get("properties") else {
            return Some(Default::default());
        };
        let refs = Refs::Arazzo(document.components);
        let mut defaults = Vec::new();
        let fields = properties
            .entries()
            .iter()
            .map(|(key, property)| {
                let hint = Hint {
                    name: format!("{base}{}", naming::pascal(&key.name)),
                    origin: format!(
                        "the input `{}` of the workflow `{}`",
                        key.name, workflow.id.value
                    ),
                };
                let ty = self.schema_type(refs, property, Direction::Input, &hint, 0);
                let ty = if required.contains(key.name.as_str()) {
                    ty
                } else {
                    ty.optional()
                };
                let ident = fields.unique(naming::snake(&key.name));
                let mut doc = types::schema_doc(refs, property);
                if let Some(default) = self.input_default(refs, property, &ty) {
                    let text = format!("Defaults to `{}` when not given.", default_text(&default));
                    doc = Some(match doc {
                        Some(doc) => format!("{doc}\n\n{text}"),
                        None => text,
                    });
                    if ty.is_option() {
                        defaults.push((ident.clone(), default));
                    }
                }
                FieldPlan {
                    name: key.name.clone(),
                    ident,
                    ty,
                    doc,
                }
            })
            .collect();
        Some((fields, defaults))
    }
}
