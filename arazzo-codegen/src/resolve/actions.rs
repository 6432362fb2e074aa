//! Success and failure actions: a step's own, then its workflow's, reusable ones from
//! `components`, each checked (targets exist, types fit) and compiled.

use crate::diagnostic::Diagnostic;
use crate::expr::{self, ComponentKind, Expr};
use crate::files::Span;
use crate::model::arazzo::{Criterion, CriterionKind, Spanned, Version, criterion_expression_type};
use crate::node::{Node, Value};
use crate::plan::{ActionKind, ActionPlan, RetryFirst, WorkflowTarget};

use super::calls::Caller;
use super::values::{Ctx, StepContext};
use super::{Resolver, WorkflowScope};

/// Success or failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    fn field(self) -> &'static str {
        match self {
            Self::Success => "successActions",
            Self::Failure => "failureActions",
        }
    }
}

impl<'a> Resolver<'a, '_> {
    /// The actions that apply after a step's `outcome`: the step's list, then the workflow's.
    pub(super) fn actions(
        &mut self,
        scope: &WorkflowScope,
        step: &StepContext,
        lists: [Option<&Node>; 2],
        outcome: Outcome,
    ) -> Vec<ActionPlan> {
        let mut plans = Vec::new();
        for list in lists.into_iter().flatten() {
            if !matches!(list.value, Value::Seq(_)) {
                self.report(Diagnostic::error(
                    list.span,
                    format!("actions are a sequence, found {}", list.kind()),
                ));
                continue;
            }
            for node in list.items() {
                if let Some(plan) = self.action(scope, step, node, outcome) {
                    plans.push(plan);
                }
            }
        }
        plans
    }

    fn action(
        &mut self,
        scope: &WorkflowScope,
        step: &StepContext,
        node: &Node,
        outcome: Outcome,
    ) -> Option<ActionPlan> {
        let node = self.referenced_action(node, outcome)?;
        let name = node
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_owned();
        let Some(kind_node) = node.get("type") else {
            self.report(
                Diagnostic::error(node.span, "an action has no `type`")
                    .with_help("`type` is `end`, `goto` or `retry`"),
            );
            return None;
        };
        if node.get("name").and_then(Node::as_str).is_none() {
            self.report(
                Diagnostic::error(node.span, "an action has no `name`")
                    .with_label("`name` is required here")
                    .with_help("every success and failure action is named, e.g. `name: done`"),
            );
        }
        let text = |key: &str| {
            node.get(key)
                .and_then(|n| n.as_str().map(|s| (s.to_owned(), n.span)))
        };
        // Arazzo 1.1: the inputs of the workflow a `goto` or `retry` names.
        let parameters = match self.version {
            Version::V1_0 => None,
            Version::V1_1 => node.get("parameters"),
        };
        if let Some(parameters) = parameters
            && text("workflowId").is_none()
        {
            let field = node
                .entries()
                .iter()
                .find(|(key, _)| key.name == "parameters")
                .map_or(parameters.span, |(key, _)| key.span);
            self.report(
                Diagnostic::error(
                    field,
                    "this action's `parameters` have no workflow to go to",
                )
                .with_label(
                    "an action's parameters are the inputs of the workflow its `workflowId` names",
                )
                .with_help("name the workflow with `workflowId`, or remove `parameters`"),
            );
        }
        let kind = match (kind_node.as_str().unwrap_or_default(), outcome) {
            ("end", _) => ActionKind::End,
            ("goto", _) => match (text("stepId"), text("workflowId")) {
                (Some((target, span)), None) => {
                    ActionKind::Goto(self.step_target(scope, "goto", &target, span)?)
                }
                (None, Some((target, span))) => ActionKind::GotoWorkflow(
                    self.workflow_target(scope, step, &target, span, parameters)?,
                ),
                _ => {
                    self.report(Diagnostic::error(
                        kind_node.span,
                        "a `goto` action names exactly one of `stepId` and `workflowId`",
                    ));
                    return None;
                }
            },
            ("retry", Outcome::Failure) => {
                let first = match (text("stepId"), text("workflowId")) {
                    (None, None) => None,
                    (Some((target, span)), None) => Some(RetryFirst::Step(
                        self.step_target(scope, "retry", &target, span)?,
                    )),
                    (None, Some((target, span))) => Some(RetryFirst::Workflow(
                        self.workflow_target(scope, step, &target, span, parameters)?,
                    )),
                    (Some(_), Some((_, span))) => {
                        self.report(Diagnostic::error(
                            span,
                            "a `retry` names at most one of `stepId` and `workflowId`",
                        ));
                        return None;
                    }
                };
                let (after, limit) = self.retry_settings(node)?;
                ActionKind::Retry {
                    after,
                    limit,
                    first,
                }
            }
            ("retry", Outcome::Success) => {
                self.report(Diagnostic::error(
                    kind_node.span,
                    "`retry` is a failure action; a success action is `end` or `goto`",
                ));
                return None;
            }
            (other, _) => {
                let allowed: &[&str] = match outcome {
                    Outcome::Success => &["end", "goto"],
                    Outcome::Failure => &["end", "goto", "retry"],
                };
                let d = Diagnostic::error(kind_node.span, format!("unknown action type `{other}`"))
                    .with_did_you_mean(other, allowed.iter().copied());
                self.report(d);
                return None;
            }
        };
        let mut criteria = Vec::new();
        for criterion in node.get("criteria").map(Node::items).unwrap_or_default() {
            let criterion = match read_criterion(criterion, self.version) {
                Ok(criterion) => criterion,
                Err(diagnostic) => {
                    self.report(diagnostic);
                    continue;
                }
            };
            if let Some((plan, _)) = self.criterion(scope, step, &criterion) {
                criteria.push(plan);
            }
        }
        Some(ActionPlan {
            name,
            kind,
            criteria,
        })
    }

    /// The action itself, or for a Reusable Object (`{reference:
    /// $components.successActions.<name>}`) the action it names.
    fn referenced_action<'n>(&mut self, node: &'n Node, outcome: Outcome) -> Option<&'n Node>
    where
        'a: 'n,
    {
        let Some(reference) = node.get("reference") else {
            return Some(node);
        };
        let text = reference.as_str().unwrap_or_default();
        let expected = match outcome {
            Outcome::Success => ComponentKind::SuccessActions,
            Outcome::Failure => ComponentKind::FailureActions,
        };
        let name = match expr::parse(text) {
            Ok(Expr::Component { kind, name }) if kind == expected => name,
            _ => {
                self.report(
                    Diagnostic::error(
                        reference.span,
                        format!("`{text}` is not a reusable {}", outcome.field()),
                    )
                    .with_help(format!(
                        "a reference here is `$components.{}.<name>`",
                        outcome.field()
                    )),
                );
                return None;
            }
        };
        let components = self.components.and_then(|c| c.get(outcome.field()));
        match components.and_then(|c| c.get(&name)) {
            Some(found) => Some(found),
            None => {
                let known = components.map(Node::entries).unwrap_or_default();
                let d =
                    Diagnostic::error(reference.span, format!("unknown reusable action `{name}`"))
                        .with_suggestion(
                            &name,
                            known.iter().map(|(k, _)| k.name.as_str()),
                            &format!("did you mean `$components.{}.{{}}`?", outcome.field()),
                        );
                self.report(d);
                None
            }
        }
    }

    /// A `retry`'s `retryAfter` (seconds, default 0) and `retryLimit` (default 1).
    fn retry_settings(&mut self, node: &Node) -> Option<(f64, u32)> {
        let after = match node.get("retryAfter").map(|n| (&n.value, n.span)) {
            None => 0.0,
            Some((Value::Int(i), _)) if *i >= 0 => *i as f64,
            Some((Value::Float(f), _)) if f.is_finite() && *f >= 0.0 => *f,
            Some((_, span)) => {
                self.report(Diagnostic::error(
                    span,
                    "`retryAfter` is a number of seconds, zero or more",
                ));
                return None;
            }
        };
        let limit = match node.get("retryLimit").map(|n| (&n.value, n.span)) {
            None => 1,
            Some((Value::Int(i), span)) => match u32::try_from(*i) {
                Ok(limit) => limit,
                Err(_) => {
                    self.report(Diagnostic::error(
                        span,
                        "`retryLimit` is a whole number, zero or more",
                    ));
                    return None;
                }
            },
            Some((_, span)) => {
                self.report(Diagnostic::error(
                    span,
                    "`retryLimit` is a whole number, zero or more",
                ));
                return None;
            }
        };
        Some((after, limit))
    }

    /// The index of the step a `goto` or `retry` names.
    fn step_target(
        &mut self,
        scope: &WorkflowScope,
        verb: &str,
        target: &str,
        span: Span,
    ) -> Option<usize> {
        let found = scope.step_order.iter().position(|id| id == target);
        if found.is_none() {
            let d = Diagnostic::error(span, format!("`{verb}` names the unknown step `{target}`"))
                .with_did_you_mean(target, scope.step_order.iter().map(String::as_str));
            self.report(d);
        }
        found
    }
}

impl Resolver<'_, '_> {
    /// A workflow an action runs: one of this document, resolved before this one.
    /// With the action's `parameters` (Arazzo 1.1), the workflow's inputs are those.
    fn workflow_target(
        &mut self,
        scope: &WorkflowScope,
        step: &StepContext,
        target: &str,
        span: Span,
        parameters: Option<&Node>,
    ) -> Option<WorkflowTarget> {
        let signature = self.signature(target, span)?;
        let inputs = parameters.map(|parameters| {
            let id = Spanned {
                value: target.to_owned(),
                span,
            };
            self.workflow_inputs(
                scope,
                Ctx::Response(step),
                Some(parameters),
                &id,
                &signature,
                Caller::Action,
            )
        });
        Some(WorkflowTarget {
            workflow: target.to_owned(),
            fn_name: signature.fn_name,
            inputs,
        })
    }
}

/// A string field of a mapping, with its place.
fn text_of(node: &Node, key: &str) -> Option<Spanned<String>> {
    node.get(key).and_then(|n| {
        n.as_str().map(|s| Spanned {
            value: s.to_owned(),
            span: n.span,
        })
    })
}

/// A criterion of an action, read from its node (step criteria are read by the model).
fn read_criterion(node: &Node, document: Version) -> Result<Criterion, Diagnostic> {
    let text = |key: &str| {
        node.get(key).and_then(|n| {
            n.as_str().map(|s| Spanned {
                value: s.to_owned(),
                span: n.span,
            })
        })
    };
    let condition = text("condition")
        .ok_or_else(|| Diagnostic::error(node.span, "a criterion has no `condition`"))?;
    let kind = match node.get("type") {
        None => CriterionKind::Simple,
        // Arazzo 1.1: an Expression Type Object is checked for its type and version.
        Some(kind) if document >= Version::V1_1 && kind.as_str().is_none() => {
            let field = |key: &str| {
                text_of(kind, key).ok_or_else(|| {
                    Diagnostic::error(kind.span, format!("an expression type has no `{key}`"))
                        .with_label(format!("`{key}` is required here"))
                })
            };
            criterion_expression_type(&field("type")?, &field("version")?)?
        }
        Some(kind) => {
            let (name, version) = match kind.as_str() {
                Some(name) => (name.to_owned(), None),
                None => (
                    kind.get("type")
                        .and_then(Node::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    kind.get("version")
                        .and_then(Node::as_str)
                        .map(str::to_owned),
                ),
            };
            match name.as_str() {
                "simple" => CriterionKind::Simple,
                "regex" => CriterionKind::Regex,
                "jsonpath" => CriterionKind::JsonPath(version),
                "xpath" => CriterionKind::XPath(version),
                other => {
                    return Err(Diagnostic::error(
                        kind.span,
                        format!("unknown criterion type `{other}`"),
                    )
                    .with_help("the types are `simple`, `regex`, `jsonpath` and `xpath`"));
                }
            }
        }
    };
    let kind_span = node.get("type").map_or(condition.span, |k| k.span);
    Ok(Criterion {
        context: text("context"),
        condition,
        kind: Spanned {
            value: kind,
            span: kind_span,
        },
    })
}
