//! The execution order of a workflow's steps in an Arazzo 1.1 document ("Step Dependencies and
//! Execution Order"): explicit step `dependsOn` and implicit dependencies (every
//! `$steps.<id>.…` a step reads) must hold. A workflow with no step `dependsOn` keeps the
//! sequential model, in which a read of a later step's outputs is an error (reported where the
//! expression is bound, as in 1.0 documents); in a workflow with some, the steps are put in an
//! order that satisfies every dependency, the document's order where it has a choice, and a
//! cycle is an error.
//!
//! This runs between reading and resolving, and reorders the model's steps: everything after it
//! (binding, `goto`, "the next step", the generated code and its docs) sees the execution order.
//! 1.0 documents are left as they are.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::files::Span;
use crate::model::arazzo::{Document, Step, Version, Workflow};
use crate::node::{Node, Value};

/// Puts the steps of every workflow of a 1.1 document in execution order.
pub(crate) fn order_steps(document: &mut Document<'_>, diagnostics: &mut Diagnostics) {
    if document.version < Version::V1_1 {
        return;
    }
    for workflow in &mut document.workflows {
        order_workflow(workflow, diagnostics);
    }
}

/// One dependency of a step: the step it waits for, and where the document says so.
struct Edge {
    on: usize,
    span: Span,
    /// Written in `dependsOn`, rather than read through `$steps.<id>`.
    explicit: bool,
}

fn order_workflow(workflow: &mut Workflow<'_>, diagnostics: &mut Diagnostics) {
    let ids: Vec<&str> = workflow.steps.iter().map(|s| s.id.value.as_str()).collect();
    let index = |id: &str| ids.iter().position(|i| *i == id);
    let declared = workflow.steps.iter().any(|s| s.depends_on.is_some());
    let mut edges: Vec<Vec<Edge>> = workflow.steps.iter().map(|_| Vec::new()).collect();
    for (i, step) in workflow.steps.iter().enumerate() {
        for entry in step.depends_on.iter().flat_map(|list| &list.value) {
            let text = entry.value.as_str();
            if text.starts_with("$workflows.") || text.starts_with("$sourceDescriptions.") {
                // A step of another workflow: not run here, so no order within this one (its
                // outputs come with the inputs; see `step_dependencies`).
                continue;
            }
            match index(text) {
                Some(j) if j == i => diagnostics.push(
                    Diagnostic::error(entry.span, format!("step `{text}` depends on itself"))
                        .with_help("a step cannot wait for itself: remove it from its `dependsOn`"),
                ),
                Some(j) => edges[i].push(Edge {
                    on: j,
                    span: entry.span,
                    explicit: true,
                }),
                None => diagnostics.push(
                    Diagnostic::error(
                        entry.span,
                        format!(
                            "`dependsOn` names `{text}`, which is no step of workflow `{}`",
                            workflow.id.value
                        ),
                    )
                    .with_did_you_mean(text, ids.iter().copied()),
                ),
            }
        }
    }
    if !declared {
        // The sequential model: the document's order; a forward read is reported when bound.
        return;
    }
    for (i, step) in workflow.steps.iter().enumerate() {
        let mut reads = Vec::new();
        step_reads(step, &mut reads);
        for (id, span) in reads {
            if let Some(j) = index(&id)
                && j != i
                && !edges[i].iter().any(|e| e.on == j)
            {
                edges[i].push(Edge {
                    on: j,
                    span,
                    explicit: false,
                });
            }
        }
    }
    // Kahn's algorithm, taking the first ready step in document order each time.
    let n = workflow.steps.len();
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    while let Some(next) = (0..n).find(|&i| !done[i] && edges[i].iter().all(|e| done[e.on])) {
        done[next] = true;
        order.push(next);
    }
    if order.len() < n {
        report_cycle(workflow, &edges, &done, diagnostics);
        return;
    }
    let mut slots: Vec<Option<Step<'_>>> = std::mem::take(&mut workflow.steps)
        .into_iter()
        .map(Some)
        .collect();
    workflow.steps = order.iter().filter_map(|&i| slots[i].take()).collect();
}

/// Reports one cycle among the steps that could not be ordered, at the dependency that closes
/// it.
fn report_cycle(
    workflow: &Workflow<'_>,
    edges: &[Vec<Edge>],
    done: &[bool],
    diagnostics: &mut Diagnostics,
) {
    let Some(start) = done.iter().position(|d| !d) else {
        return;
    };
    // Every step left waits for another step left: walking those waits must come back.
    let mut path = vec![start];
    loop {
        let Some(&last) = path.last() else { return };
        let Some(edge) = edges[last].iter().find(|e| !done[e.on]) else {
            return;
        };
        if let Some(from) = path.iter().position(|&p| p == edge.on) {
            let name = |i: usize| format!("`{}`", workflow.steps[i].id.value);
            let cycle: Vec<String> = path[from..]
                .iter()
                .chain(std::iter::once(&edge.on))
                .map(|&i| name(i))
                .collect();
            let label = if edge.explicit {
                format!("{} waits for {} here", name(last), name(edge.on))
            } else {
                format!(
                    "reading {}'s outputs makes {} wait for it",
                    name(edge.on),
                    name(last)
                )
            };
            diagnostics.push(
                Diagnostic::error(
                    edge.span,
                    format!("the steps' dependencies form a cycle: {}", cycle.join(" waits for ")),
                )
                .with_label(label)
                .with_help("steps that wait for each other can never run: remove one of these dependencies"),
            );
            return;
        }
        path.push(edge.on);
    }
}

/// The steps a step reads through `$steps.<id>`, with where: every string of its parameters,
/// request body, criteria, actions and outputs.
fn step_reads(step: &Step<'_>, reads: &mut Vec<(String, Span)>) {
    let nodes = [
        step.parameters,
        step.request_body.as_ref().and_then(|b| b.payload),
        step.request_body.as_ref().and_then(|b| b.replacements),
        step.on_success,
        step.on_failure,
    ];
    for node in nodes.into_iter().flatten() {
        node_reads(node, reads);
    }
    for criterion in &step.success_criteria {
        text_reads(&criterion.condition.value, criterion.condition.span, reads);
        if let Some(context) = &criterion.context {
            text_reads(&context.value, context.span, reads);
        }
    }
    for output in &step.outputs {
        text_reads(&output.expression.value, output.expression.span, reads);
    }
}

fn node_reads(node: &Node, reads: &mut Vec<(String, Span)>) {
    match &node.value {
        Value::Str(text) => text_reads(text, node.span, reads),
        Value::Seq(items) => items.iter().for_each(|item| node_reads(item, reads)),
        Value::Map(entries) => entries
            .iter()
            .for_each(|(_, value)| node_reads(value, reads)),
        _ => {}
    }
}

/// Each `$steps.<id>` in a text.
fn text_reads(text: &str, span: Span, reads: &mut Vec<(String, Span)>) {
    for (at, _) in text.match_indices("$steps.") {
        let id: String = text[at + "$steps.".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
            .collect();
        if !id.is_empty() {
            reads.push((id, span));
        }
    }
}
