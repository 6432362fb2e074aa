//! Steps that depend on a step of another workflow (Arazzo 1.1 step `dependsOn` naming
//! `$workflows.<workflowId>.steps.<stepId>`, or `$sourceDescriptions.<name>.<workflowId>.steps.<stepId>`
//! for a workflow of an Arazzo source). `dependsOn` "does not trigger execution of the referenced
//! steps": the workflow does not run them. Its caller runs them and hands over their outputs,
//! as proof that they completed, in a field of the workflow's inputs per referenced step.

use crate::diagnostic::Diagnostic;
use crate::expr::Pointer;
use crate::model::arazzo::{SourceKind, Spanned, Workflow};
use crate::naming::{self, Scope};
use std::collections::BTreeMap;

use crate::plan::{FieldPlan, ItemPath, Place, StepDependencyPlan, Type, ValueRef};

use super::values::{Read, part_of};
use super::{Fields, Resolver, Signature};

/// A `dependsOn` entry naming a step of another workflow, taken apart.
struct Reference<'t> {
    /// The Arazzo source, for `$sourceDescriptions.…`.
    source: Option<&'t str>,
    workflow: &'t str,
    step: &'t str,
}

/// `$workflows.<workflowId>.steps.<stepId>` or
/// `$sourceDescriptions.<name>.<workflowId>.steps.<stepId>`; `None` for any other text.
fn reference(text: &str) -> Option<Result<Reference<'_>, ()>> {
    let (source, rest) = if let Some(rest) = text.strip_prefix("$workflows.") {
        (None, rest)
    } else if let Some(rest) = text.strip_prefix("$sourceDescriptions.") {
        match rest.split_once('.') {
            Some((source, rest)) => (Some(source), rest),
            None => return Some(Err(())),
        }
    } else {
        return None;
    };
    let Some((workflow, step)) = rest.split_once(".steps.") else {
        return Some(Err(()));
    };
    let bad = |s: &str| s.is_empty() || s.contains('.');
    if bad(workflow) || bad(step) || source.is_some_and(bad) {
        return Some(Err(()));
    }
    Some(Ok(Reference {
        source,
        workflow,
        step,
    }))
}

/// The outputs of the steps of other workflows handed over in the inputs, by (workflow key,
/// `stepId`): the inputs field holding them, and the outputs.
pub(super) type StepOutputs = BTreeMap<(String, String), (String, Fields)>;

impl<'a> Resolver<'a, '_> {
    /// The steps of other workflows that the workflow's steps depend on: for each, a field of
    /// the workflow's inputs (added to `inputs`) holding that step's outputs.
    pub(super) fn step_dependencies(
        &mut self,
        workflow: &Workflow<'a>,
        inputs: &mut Vec<FieldPlan>,
    ) -> (Vec<StepDependencyPlan>, StepOutputs) {
        let mut fields = Scope::with_reserved(&[]);
        for field in inputs.iter() {
            fields.unique(field.ident.clone());
        }
        let mut plans: Vec<StepDependencyPlan> = Vec::new();
        let mut outputs = BTreeMap::new();
        for step in &workflow.steps {
            for entry in step.depends_on.iter().flat_map(|list| &list.value) {
                let Some(parsed) = reference(&entry.value) else {
                    continue;
                };
                let Ok(parsed) = parsed else {
                    self.report(
                        Diagnostic::error(entry.span, "this names no step of another workflow")
                            .with_help(
                                "write `$workflows.<workflowId>.steps.<stepId>`, or `$sourceDescriptions.<name>.<workflowId>.steps.<stepId>` for a workflow of an Arazzo source",
                            ),
                    );
                    continue;
                };
                if parsed.source.is_none() && parsed.workflow == workflow.id.value {
                    self.report(
                        Diagnostic::error(
                            entry.span,
                            format!("`{}` names a step of this same workflow", entry.value),
                        )
                        .with_help(format!(
                            "name a step of this workflow by its stepId: `{}`",
                            parsed.step
                        )),
                    );
                    continue;
                }
                let Some((outputs_type, fields_read)) = self.referenced_step(entry, &parsed) else {
                    continue;
                };
                if let Some(plan) = plans.iter_mut().find(|p| p.outputs_type == outputs_type) {
                    plan.dependents.push(step.id.value.clone());
                    continue;
                }
                let ident = fields.unique(naming::snake(&format!(
                    "{}_{}_{}",
                    parsed.source.unwrap_or_default(),
                    parsed.workflow,
                    parsed.step
                )));
                let key = match parsed.source {
                    None => parsed.workflow.to_owned(),
                    Some(source) => format!("$sourceDescriptions.{source}.{}", parsed.workflow),
                };
                outputs.insert((key, parsed.step.to_owned()), (ident.clone(), fields_read));
                let plan = StepDependencyPlan {
                    reference: entry.value.clone(),
                    workflow: parsed.workflow.to_owned(),
                    step: parsed.step.to_owned(),
                    dependents: vec![step.id.value.clone()],
                    input_field: ident,
                    outputs_type,
                };
                plans.push(plan);
            }
        }
        for plan in &plans {
            let dependents = plan
                .dependents
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let (noun, verb) = match plan.dependents.len() {
                1 => ("step", "runs"),
                _ => ("steps", "run"),
            };
            inputs.push(FieldPlan {
                name: plan.reference.trim_start_matches('$').to_owned(),
                ident: plan.input_field.clone(),
                ty: Type::Named(plan.outputs_type.clone()),
                doc: Some(format!(
                    "The outputs of step `{}` of workflow `{}`, which must have completed before {noun} {dependents} {verb} (Arazzo `dependsOn`: this workflow does not run it).",
                    plan.step, plan.workflow
                )),
            });
        }
        (plans, outputs)
    }

    /// The outputs struct of the step a `dependsOn` entry names, or a diagnostic. `None` without
    /// one when the workflow or step could not be planned (reported where it is).
    fn referenced_step(
        &mut self,
        entry: &Spanned<String>,
        reference: &Reference<'_>,
    ) -> Option<(ItemPath, Fields)> {
        let signature = match reference.source {
            None => self.local_signature(entry, reference.workflow)?,
            Some(source) => self.source_signature(entry, source, reference.workflow)?,
        };
        match signature.steps.get(reference.step) {
            Some(Some(step)) => Some(step.clone()),
            Some(None) => None,
            None => {
                self.report(
                    Diagnostic::error(
                        entry.span,
                        format!(
                            "`dependsOn` names `{}`, which is no step of workflow `{}`",
                            reference.step, reference.workflow
                        ),
                    )
                    .with_did_you_mean(reference.step, signature.steps.keys().map(String::as_str)),
                );
                None
            }
        }
    }

    /// A workflow of this document, resolved before the one depending on it.
    fn local_signature(&mut self, entry: &Spanned<String>, workflow: &str) -> Option<Signature> {
        if let Some(signature) = self.signatures.get(workflow) {
            return Some(signature.clone());
        }
        if !self.workflow_ids.contains(workflow) {
            let d = Diagnostic::error(
                entry.span,
                format!("`dependsOn` names a step of the unknown workflow `{workflow}`"),
            )
            .with_did_you_mean(workflow, self.workflow_ids.iter().map(String::as_str));
            self.report(d);
        }
        // Else it could not be planned, or it depends back on this one (both reported).
        None
    }

    /// A workflow of an Arazzo source.
    fn source_signature(
        &mut self,
        entry: &Spanned<String>,
        source: &str,
        workflow: &str,
    ) -> Option<Signature> {
        let key = (source.to_owned(), workflow.to_owned());
        if let Some(signature) = self.context.external.get(&key) {
            return Some(signature.clone());
        }
        let diagnostic = match self.source_fields.get(source) {
            Some((_, SourceKind::Arazzo)) => {
                let workflows = self
                    .context
                    .external
                    .keys()
                    .filter(|(s, _)| s == source)
                    .map(|(_, w)| w.as_str());
                Diagnostic::error(
                    entry.span,
                    format!("the Arazzo source `{source}` has no workflow `{workflow}`"),
                )
                .with_did_you_mean(workflow, workflows)
            }
            Some((_, kind @ (SourceKind::OpenApi | SourceKind::AsyncApi))) => Diagnostic::error(
                entry.span,
                format!(
                    "`{source}` is an {} source, which has no workflows",
                    if *kind == SourceKind::OpenApi {
                        "OpenAPI"
                    } else {
                        "AsyncAPI"
                    }
                ),
            )
            .with_help("a step of another workflow is in an Arazzo source"),
            None => Diagnostic::error(entry.span, format!("`{source}` is no source description"))
                .with_did_you_mean(source, self.source_fields.keys().map(String::as_str)),
        };
        self.report(diagnostic);
        None
    }
}

impl Resolver<'_, '_> {
    /// `$workflows.<id>.steps.<stepId>.outputs.<name>` (or
    /// `$sourceDescriptions.<source>.<id>.steps.<stepId>.outputs.<name>`; `workflow` is then
    /// `$sourceDescriptions.<source>.<id>`): an output of a step of another workflow that a step
    /// of this one depends on, read from the outputs the caller handed over in the inputs. Not in
    /// the Arazzo 1.1 grammar (the specification's own examples write it): a dialect warning.
    pub(super) fn bind_workflow_step(
        &mut self,
        read: Read<'_>,
        workflow: &str,
        step: &str,
        name: &str,
        pointer: &Option<Pointer>,
    ) -> Option<ValueRef> {
        let (scope, here) = (read.scope, read.here);
        let root = if workflow.starts_with("$sourceDescriptions.") {
            workflow.to_owned()
        } else {
            format!("$workflows.{workflow}")
        };
        let reference = format!("{root}.steps.{step}");
        let key = (workflow.to_owned(), step.to_owned());
        let Some((input_field, outputs)) = scope.step_dependencies.get(&key) else {
            let current = scope.current_step.as_deref().unwrap_or("<stepId>");
            self.report(
                Diagnostic::error(
                    here,
                    format!("`{}` reads a step that no step of this workflow depends on", read.expr),
                )
                .with_help(format!(
                    "this workflow does not run `{reference}`: add it to the `dependsOn` of step `{current}`, and the caller hands over its outputs"
                )),
            );
            return None;
        };
        if !outputs.contains_key(name) {
            let d = Diagnostic::error(
                here,
                format!("step `{step}` of workflow `{workflow}` has no output `{name}`"),
            )
            .with_suggestion(
                name,
                outputs.keys().map(String::as_str),
                &format!("did you mean `{reference}.outputs.{{}}`?"),
            );
            self.report(d);
            return None;
        }
        self.report(
            Diagnostic::dialect(
                here,
                format!("`{}` is not in the Arazzo 1.1 expression grammar", read.expr),
                format!("read from the outputs of `{reference}` the caller hands over in `inputs.{input_field}`"),
            )
            .with_help(format!(
                "a step of this workflow names `{reference}` in its `dependsOn`; that step is not run here"
            )),
        );
        // The output, by its name in the outputs struct's JSON, then the written pointer.
        let mut tokens = vec![name.to_owned()];
        tokens.extend(pointer.iter().flat_map(|p| p.0.iter().cloned()));
        let pointer = read.extend(Some(&Pointer(tokens)));
        let (pointer, ty) = part_of(pointer, &Type::Json);
        Some(ValueRef {
            expression: String::new(),
            place: Place::Input {
                field: input_field.clone(),
                pointer,
            },
            ty,
        })
    }
}
