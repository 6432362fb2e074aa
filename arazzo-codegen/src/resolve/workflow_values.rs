//! Reading another workflow's values: `$workflows.<id>.outputs.<name>` (with a JSON pointer, or
//! a dot path as a dialect) and `$workflows.<id>.inputs.<name>`, from a workflow this one depends
//! on or one an earlier step ran; `$outputs.<name>` in the outputs of the step that ran it; and
//! `$sourceDescriptions.<arazzo>.<workflowId>.outputs.<name>`, a dialect for a workflow of
//! another document that a step ran.

use crate::diagnostic::{Diagnostic, READ_CONFORMANT};
use crate::expr::{self, Expr, Pointer, WorkflowField};
use crate::files::Span;
use crate::model::arazzo::{SourceKind, Spanned};
use crate::plan::{Place, Type, ValuePlan, ValueRef};

use super::implied::canonical_workflow;
use super::values::{Read, dotted, part_of};
use super::{Fields, Resolver, Signature, WorkflowScope, unsupported};

/// An output of a workflow found by the name as written: its name, field, type, and the pointer
/// into it (a dot path after the name, then the written pointer).
struct Found {
    name: String,
    field: String,
    ty: Type,
    pointer: Pointer,
}

impl Resolver<'_, '_> {
    /// `$workflows.<id>.inputs|outputs.<name>`: this workflow's inputs; the outputs or inputs of
    /// a workflow it depends on (named in `dependsOn`, or implied by this read); those of the
    /// workflow an earlier step ran.
    pub(super) fn bind_workflow(
        &mut self,
        read: Read<'_>,
        workflow: &str,
        field: WorkflowField,
        name: &str,
        pointer: &Option<Pointer>,
    ) -> Option<ValueRef> {
        let Read {
            scope,
            ctx,
            access,
            here,
            ..
        } = read;
        if workflow == scope.workflow_id {
            if field == WorkflowField::Inputs {
                let inputs = Expr::Inputs {
                    name: name.to_owned(),
                    pointer: pointer.clone(),
                };
                return self.bind(scope, ctx, &inputs, access, here);
            }
            self.report(
                Diagnostic::error(
                    here,
                    format!(
                        "workflow `{workflow}` reads its own outputs, which exist only when it ends"
                    ),
                )
                .with_help("read the step output it comes from: `$steps.<stepId>.outputs.<name>`"),
            );
            return None;
        }
        let key = canonical_workflow(workflow);
        if !key.starts_with("$sourceDescriptions.") && !scope.workflow_ids.contains(&key) {
            let d = Diagnostic::error(here, format!("unknown workflow `{workflow}`"))
                .with_did_you_mean(workflow, scope.workflow_ids.iter().map(String::as_str));
            self.report(d);
            return None;
        }
        // A workflow without a signature is in a cycle, or its document failed: reported.
        let signature = self.workflow_signature(&key)?;
        match field {
            WorkflowField::Outputs => {
                self.bind_workflow_output(read, &key, &signature, name, pointer)
            }
            WorkflowField::Inputs => {
                self.bind_workflow_input(read, &key, &signature, name, pointer)
            }
        }
    }

    /// The signature of a workflow of this document or of an Arazzo source, resolved before.
    fn workflow_signature(&self, key: &str) -> Option<Signature> {
        match key.strip_prefix("$sourceDescriptions.") {
            Some(rest) => {
                let (source, workflow) = rest.split_once('.')?;
                self.context
                    .external
                    .get(&(source.to_owned(), workflow.to_owned()))
                    .cloned()
            }
            None => self.signatures.get(key).cloned(),
        }
    }

    fn bind_workflow_output(
        &mut self,
        read: Read<'_>,
        key: &str,
        signature: &Signature,
        name: &str,
        pointer: &Option<Pointer>,
    ) -> Option<ValueRef> {
        let (scope, here) = (read.scope, read.here);
        let written = format!("{}.outputs", expression_root(key));
        let found = self.output_named(
            &signature.outputs,
            key,
            &written,
            name,
            pointer.as_ref(),
            here,
        )?;
        let pointer = read.extend(Some(&found.pointer));
        if let Some((var, _)) = scope.dependencies.get(key) {
            let (pointer, ty) = part_of(pointer, &found.ty);
            return Some(ValueRef {
                expression: String::new(),
                place: Place::Dependency {
                    var: var.clone(),
                    field: found.field,
                    pointer,
                },
                ty,
            });
        }
        let Some(step) = ran_before(scope, key) else {
            self.not_run(scope, key, here);
            return None;
        };
        let kept = scope
            .called_outputs
            .get(&(step.clone(), found.field.clone()))
            .and_then(|kept| {
                let (var, fields) = scope.steps.get(step)?;
                Some((var, fields.get(kept)?))
            });
        let Some((var, (field, ty))) = kept else {
            if !scope.incomplete_steps.contains(step) {
                self.report(
                    Diagnostic::error(
                        here,
                        format!("workflow `{key}` has no output `{}` that step `{step}` keeps", found.name),
                    )
                    .with_help(format!(
                        "the step that ran it keeps its outputs by their names; declare it there as `{0}: $outputs.{0}`",
                        found.name
                    )),
                );
            }
            return None;
        };
        let (pointer, ty) = part_of(pointer, ty);
        Some(ValueRef {
            expression: String::new(),
            place: Place::StepOutput {
                step: var.clone(),
                field: field.clone(),
                pointer,
            },
            ty,
        })
    }

    /// `$workflows.<id>.inputs.<name>`: the inputs the workflow was run with, where its outputs
    /// are readable.
    fn bind_workflow_input(
        &mut self,
        read: Read<'_>,
        key: &str,
        signature: &Signature,
        name: &str,
        pointer: &Option<Pointer>,
    ) -> Option<ValueRef> {
        let (scope, here) = (read.scope, read.here);
        let written = format!("{}.inputs", expression_root(key));
        let (input, mut tokens) = if signature.inputs.iter().any(|i| i == name) {
            (name.to_owned(), Vec::new())
        } else if let Some(at) = name
            .match_indices('.')
            .rev()
            .map(|(at, _)| at)
            .find(|at| signature.inputs.iter().any(|i| *i == name[..*at]))
        {
            let rest: Vec<String> = name[at + 1..].split('.').map(str::to_owned).collect();
            let input = name[..at].to_owned();
            self.report(
                Diagnostic::dialect(
                    here,
                    format!("`{written}.{name}` reads a property of the input `{input}` with a dot path, which is not Arazzo 1.0.1"),
                    READ_CONFORMANT,
                )
                .write_instead(format!("{written}.{input}#{}", Pointer(rest.clone()))),
            );
            (input, rest)
        } else {
            let d = Diagnostic::error(here, format!("workflow `{key}` has no input `{name}`"))
                .with_did_you_mean(name, signature.inputs.iter().map(String::as_str));
            self.report(d);
            return None;
        };
        tokens.extend(pointer.iter().flat_map(|p| p.0.iter().cloned()));
        let within = read.extend(Some(&Pointer(tokens)));
        if let Some(field) = scope.dependency_inputs.get(key) {
            let mut whole = vec![input];
            whole.extend(within.0);
            return Some(ValueRef {
                expression: String::new(),
                place: Place::Input {
                    field: field.clone(),
                    pointer: Some(Pointer(whole).to_string()),
                },
                ty: Type::Json.optional(),
            });
        }
        let Some(step) = ran_before(scope, key) else {
            self.not_run(scope, key, here);
            return None;
        };
        self.input_given(scope, step, key, &input, within, here)
    }

    /// The input `input` that step `step` gave the workflow `key` it ran, with the pointer
    /// `within` into it.
    fn input_given(
        &mut self,
        scope: &WorkflowScope,
        step: &str,
        key: &str,
        input: &str,
        within: Pointer,
        here: Span,
    ) -> Option<ValueRef> {
        let given = scope
            .call_inputs
            .get(step)
            .and_then(|inputs| inputs.iter().find(|(n, _)| n == input))
            .map(|(_, value)| value);
        match given {
            Some(ValuePlan::Ref(value)) if within.is_root() => Some(value.clone()),
            Some(ValuePlan::Ref(value)) => {
                let (pointer, ty) = part_of(within, &value.ty);
                let Some(place) = with_pointer(&value.place, pointer) else {
                    self.report(unsupported(
                        here,
                        "a JSON pointer into an input given as a part of a value",
                    ));
                    return None;
                };
                Some(ValueRef {
                    expression: String::new(),
                    place,
                    ty,
                })
            }
            Some(ValuePlan::Str(text)) if within.is_root() => Some(ValueRef {
                expression: String::new(),
                place: Place::Const(text.clone()),
                ty: Type::String,
            }),
            Some(_) => {
                self.report(
                    unsupported(
                        here,
                        "reading an input that a step gave as a literal or a template",
                    )
                    .with_help(format!("read the value where step `{step}` takes it from")),
                );
                None
            }
            None => {
                self.report(
                    Diagnostic::error(
                        here,
                        format!("step `{step}` ran workflow `{key}` without the input `{input}`"),
                    )
                    .with_help(format!(
                        "give it in the step's `parameters`: `{{name: {input}, value: …}}`"
                    )),
                );
                None
            }
        }
    }

    /// Reports a read of a workflow that has not run at this point.
    fn not_run(&mut self, scope: &WorkflowScope, key: &str, here: Span) {
        let later = scope
            .calls_planned
            .iter()
            .find(|(_, workflow)| *workflow == key)
            .map(|(step, _)| step);
        let d = match later {
            Some(step) => Diagnostic::error(
                here,
                format!("workflow `{key}` has not run at this point"),
            )
            .with_label(format!("step `{step}` runs it later"))
            .with_help(
                "read it after that step, or name it in the workflow's `dependsOn` to run it first",
            ),
            None => Diagnostic::error(
                here,
                format!("workflow `{key}` is read, but no step before this one runs it"),
            )
            .with_help(format!("run it in an earlier step: `workflowId: {key}`")),
        };
        self.report(d);
    }

    /// An output of a workflow by the name as written: a declared one, or (a dialect, with a
    /// warning) a dot path into one.
    fn output_named(
        &mut self,
        outputs: &Fields,
        key: &str,
        written: &str,
        name: &str,
        pointer: Option<&Pointer>,
        here: Span,
    ) -> Option<Found> {
        if let Some((field, ty)) = outputs.get(name) {
            return Some(Found {
                name: name.to_owned(),
                field: field.clone(),
                ty: ty.clone(),
                pointer: pointer.cloned().unwrap_or(Pointer(Vec::new())),
            });
        }
        if let Some(((field, ty), output, p)) = dotted(outputs, name, pointer) {
            self.report(
                Diagnostic::dialect(
                    here,
                    format!("`{written}.{name}` reads a property of the output `{output}` with a dot path, which is not Arazzo 1.0.1"),
                    READ_CONFORMANT,
                )
                .write_instead(format!("{written}.{output}#{p}")),
            );
            return Some(Found {
                name: output.to_owned(),
                field: field.clone(),
                ty: ty.clone(),
                pointer: p,
            });
        }
        let d = Diagnostic::error(here, format!("workflow `{key}` has no output `{name}`"))
            .with_suggestion(
                name,
                outputs.keys().map(String::as_str),
                &format!("did you mean `{written}.{{}}`?"),
            );
        self.report(d);
        None
    }

    /// An output of a step that runs a workflow, when it reads that workflow's output:
    /// `$outputs.<name>` or `$workflows.<id>.outputs.<name>`, with a pointer or a dot path.
    /// `None` when the expression is something else.
    pub(super) fn called_output(
        &mut self,
        text: &Spanned<String>,
        id: &str,
        signature: &Signature,
    ) -> Option<Option<ValueRef>> {
        // Written in a dialect (`$outputs.a[0]`): the warning is given once the form is known.
        let (parsed, dialect) = match expr::parse(&text.value) {
            Ok(parsed) => (parsed, false),
            Err(_) => {
                let fixed = match expr::output_index_path(&text.value) {
                    Some(fixed) => fixed,
                    None => expr::rewrite_dialects(&text.value)?.0,
                };
                (expr::parse(&fixed).ok()?, true)
            }
        };
        let (name, pointer, written) = match parsed {
            Expr::Outputs { name, pointer } => (name, pointer, "$outputs".to_owned()),
            Expr::Workflow {
                workflow,
                field: WorkflowField::Outputs,
                name,
                pointer,
            } if canonical_workflow(&workflow) == canonical_workflow(id) => {
                (name, pointer, format!("$workflows.{workflow}.outputs"))
            }
            _ => return None,
        };
        if dialect {
            let fixed = format!(
                "{written}.{name}{}",
                pointer
                    .as_ref()
                    .map(|p| format!("#{p}"))
                    .unwrap_or_default()
            );
            self.report(
                Diagnostic::dialect(
                    self.inner_span(text.span, &text.value, 0, text.value.len()),
                    format!(
                        "`{}` is not Arazzo 1.0.1: {}",
                        text.value,
                        expr::Dialect::OutputIndexPath.describe()
                    ),
                    READ_CONFORMANT,
                )
                .write_instead(fixed),
            );
        }
        let here = self.inner_span(text.span, &text.value, 0, text.value.len());
        let key = canonical_workflow(id);
        let Some(found) = self.output_named(
            &signature.outputs,
            &key,
            &written,
            &name,
            pointer.as_ref(),
            here,
        ) else {
            return Some(None);
        };
        let (pointer, ty) = part_of(found.pointer, &found.ty);
        Some(Some(ValueRef {
            expression: text.value.clone(),
            place: Place::Called {
                field: found.field,
                pointer,
            },
            ty,
        }))
    }

    /// `$sourceDescriptions.<arazzo>.<workflowId>.outputs|inputs.<name>`: a workflow of another
    /// document, read (a dialect, with a warning) as `$workflows.<id>…` is read after a step ran
    /// it. `None` when the reference is something else.
    pub(super) fn source_workflow_value(
        &mut self,
        read: Read<'_>,
        source: &str,
        reference: &str,
    ) -> Option<Option<ValueRef>> {
        let (_, kind) = read.scope.sources.get(source)?;
        if *kind != SourceKind::Arazzo {
            return None;
        }
        let reference = reference.strip_prefix("workflows.").unwrap_or(reference);
        let (workflow, rest) = reference.split_once('.')?;
        if let Some(rest) = rest.strip_prefix("steps.") {
            // `…<workflowId>.steps.<stepId>.outputs.<name>`: a step this workflow depends on.
            let (step, name) = rest.split_once(".outputs.")?;
            let key = format!("$sourceDescriptions.{source}.{workflow}");
            return Some(self.bind_workflow_step(read, &key, step, name, &None));
        }
        let (field, name) = match (rest.strip_prefix("outputs."), rest.strip_prefix("inputs.")) {
            (Some(name), _) => (WorkflowField::Outputs, name),
            (None, Some(name)) => (WorkflowField::Inputs, name),
            (None, None) => return None,
        };
        let key = format!("$sourceDescriptions.{source}.{workflow}");
        let kind = if field == WorkflowField::Outputs {
            "outputs"
        } else {
            "inputs"
        };
        let d = Diagnostic::dialect(
            read.here,
            format!(
                "`{}` reads another document's workflow in a form Arazzo 1.0.1 does not define",
                read.expr
            ),
            format!("read as the {kind} of the workflow a step ran"),
        );
        let d = match (ran_before(read.scope, &key), field) {
            (Some(step), WorkflowField::Outputs) => d.with_help(format!(
                "read it through the step that ran it: `$steps.{step}.outputs.{name}`, with `{name}: $outputs.{name}` in that step's `outputs`"
            )),
            _ => d.with_help(format!(
                "run the workflow in a step (`workflowId: {key}`) and read that step's outputs: `$steps.<stepId>.outputs.<name>`"
            )),
        };
        self.report(d);
        Some(self.bind_workflow(read, &key, field, name, &None))
    }
}

/// How an expression names the workflow `key`: `$workflows.<id>`, or
/// `$sourceDescriptions.<source>.<workflowId>`.
fn expression_root(key: &str) -> String {
    if key.starts_with("$sourceDescriptions.") {
        key.to_owned()
    } else {
        format!("$workflows.{key}")
    }
}

/// The latest step before the current one that ran the workflow `key`.
fn ran_before<'s>(scope: &'s WorkflowScope, key: &str) -> Option<&'s String> {
    let before = scope
        .current_step
        .as_ref()
        .and_then(|current| scope.step_order.iter().position(|s| s == current))
        .unwrap_or(scope.step_order.len());
    scope.step_order[..before]
        .iter()
        .rev()
        .find(|step| scope.calls.get(*step).is_some_and(|w| w == key))
}

/// A place read whole, with a pointer into it; `None` for a place that is itself a part of a
/// value, or has no pointer form.
fn with_pointer(place: &Place, pointer: Option<String>) -> Option<Place> {
    Some(match place {
        Place::Input {
            field,
            pointer: None,
        } => Place::Input {
            field: field.clone(),
            pointer,
        },
        Place::StepOutput {
            step,
            field,
            pointer: None,
        } => Place::StepOutput {
            step: step.clone(),
            field: field.clone(),
            pointer,
        },
        Place::Dependency {
            var,
            field,
            pointer: None,
        } => Place::Dependency {
            var: var.clone(),
            field: field.clone(),
            pointer,
        },
        _ => return None,
    })
}
