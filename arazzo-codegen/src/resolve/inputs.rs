//! A workflow's inputs: its `inputs` schema's fields, their defaults, and the inputs of the
//! workflows it depends on (`dependsOn`).

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::Diagnostic;
use crate::model::arazzo::{Document, Workflow};
use crate::model::openapi::{schema_required, schema_type};
use crate::naming::{self, Scope};
use crate::plan::{DefaultValue, DependencyPlan, FieldPlan, Type};

use super::types::{self, Direction, Hint, Refs};
use super::{Fields, InputFields, Resolver};

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
        let required: BTreeSet<&str> = schema_required(schema).collect();
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

    /// The workflows this one depends on (`dependsOn`), each run first with inputs of its own:
    /// a field of this workflow's `inputs`, named after it, added to them. Also each
    /// dependency's variable and outputs, which `$workflows.<id>.outputs.<name>` reads.
    pub(super) fn dependencies(
        &mut self,
        workflow: &Workflow<'a>,
        schema_inputs: &Fields,
        inputs: &mut Vec<FieldPlan>,
    ) -> (Vec<DependencyPlan>, BTreeMap<String, (String, Fields)>) {
        // Each workflow this one depends on runs first, with inputs of its own: a field of
        // this workflow's inputs, named after it.
        let mut depends_on = Vec::new();
        let mut dependency_outputs = BTreeMap::new();
        let mut input_scope = Scope::with_reserved(&[]);
        for field in inputs.iter() {
            input_scope.unique(field.ident.clone());
        }
        for dependency in &workflow.depends_on {
            let Some(signature) = self.signatures.get(&dependency.value).cloned() else {
                if !self.workflow_ids.contains(&dependency.value) {
                    let d = Diagnostic::error(
                        dependency.span,
                        format!(
                            "`dependsOn` names the unknown workflow `{}`",
                            dependency.value
                        ),
                    )
                    .with_did_you_mean(
                        &dependency.value,
                        self.workflow_ids.iter().map(String::as_str),
                    );
                    self.report(d);
                }
                continue;
            };
            if schema_inputs.contains_key(&dependency.value) {
                self.report(
                    Diagnostic::error(
                        dependency.span,
                        format!(
                            "`{}` is both an input and a workflow this one depends on",
                            dependency.value
                        ),
                    )
                    .with_help(
                        "the inputs of a dependency are a field named after it; rename the input",
                    ),
                );
                continue;
            }
            let field = input_scope.unique(naming::snake(&dependency.value));
            inputs.push(FieldPlan {
                name: dependency.value.clone(),
                ident: field.clone(),
                ty: Type::Named(signature.inputs_type.clone()),
                doc: Some(format!(
                    "Inputs of the workflow `{}`, which runs first (`dependsOn`).",
                    dependency.value
                )),
            });
            let var = format!("depends_on_{}", naming::snake(&dependency.value));
            dependency_outputs.insert(
                dependency.value.clone(),
                (var.clone(), signature.outputs.clone()),
            );
            depends_on.push(DependencyPlan {
                fn_name: signature.fn_name.clone(),
                input_field: field,
                var,
            });
        }
        (depends_on, dependency_outputs)
    }
}
