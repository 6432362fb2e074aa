//! Implied workflow dependencies: a workflow that reads `$workflows.<id>.outputs.<name>` (or
//! `.inputs.<name>`) of a workflow it neither names in `dependsOn` nor runs in a step depends on
//! it, as Arazzo 1.1 has a step depend on the steps whose outputs it reads. A warning shows the
//! `dependsOn` to write (an error under `strict`).

use std::collections::BTreeSet;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::files::{Files, Span};
use crate::model::arazzo::{Document, Spanned, Target, Workflow};
use crate::node::Node;

/// Every text of a workflow that may hold a runtime expression, with where it is written: its
/// steps' parameters, bodies, criteria and outputs, and its own outputs.
pub(super) fn expression_texts<'w>(workflow: &'w Workflow<'_>) -> Vec<(&'w str, Span)> {
    fn strings<'n>(node: &'n Node, out: &mut Vec<(&'n str, Span)>) {
        if let Some(s) = node.as_str() {
            out.push((s, node.span));
        }
        for item in node.items() {
            strings(item, out);
        }
        for (_, value) in node.entries() {
            strings(value, out);
        }
    }
    let mut texts = Vec::new();
    for step in &workflow.steps {
        if let Some(node) = step.parameters {
            strings(node, &mut texts);
        }
        if let Some(body) = &step.request_body {
            for node in [body.payload, body.replacements].into_iter().flatten() {
                strings(node, &mut texts);
            }
        }
        for criterion in &step.success_criteria {
            texts.push((criterion.condition.value.as_str(), criterion.condition.span));
            if let Some(context) = &criterion.context {
                texts.push((context.value.as_str(), context.span));
            }
        }
        texts.extend(
            step.outputs
                .iter()
                .map(|o| (o.expression.value.as_str(), o.expression.span)),
        );
    }
    texts.extend(
        workflow
            .outputs
            .iter()
            .map(|o| (o.expression.value.as_str(), o.expression.span)),
    );
    texts
}

/// A read of another workflow found in a text: the workflow (as written after the root, a local
/// id or `$sourceDescriptions.<source>.<workflowId>`), `outputs` or `inputs`, the name with any
/// dot path after it, and the byte range of `root.id` in the text.
pub(super) struct WorkflowRead<'t> {
    pub workflow: String,
    pub outputs: bool,
    pub name: &'t str,
    pub at: usize,
    pub len: usize,
}

/// The reads of other workflows' values in `text`: `$workflows.<id>.outputs|inputs.<name>`, and
/// `$sourceDescriptions.<source>.<workflowId>.outputs|inputs.<name>` (a dialect).
pub(super) fn workflow_reads(text: &str) -> Vec<WorkflowRead<'_>> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let mut reads = Vec::new();
    for root in ["$workflows.", "$sourceDescriptions."] {
        for (at, _) in text.match_indices(root) {
            let rest = &text[at + root.len()..];
            let mut id_end = rest.find(|c: char| !is_name(c)).unwrap_or(rest.len());
            if root == "$sourceDescriptions." {
                // `<source>.<workflowId>`, or the legacy `<source>.workflows.<workflowId>`.
                let Some(after) = rest[id_end..].strip_prefix('.') else {
                    continue;
                };
                let after = after.strip_prefix("workflows.").unwrap_or(after);
                let skipped = rest.len() - after.len();
                let wf_end = after.find(|c: char| !is_name(c)).unwrap_or(after.len());
                if wf_end == 0 {
                    continue;
                }
                id_end = skipped + wf_end;
            }
            let tail = &rest[id_end..];
            let (outputs, after) = match (
                tail.strip_prefix(".outputs."),
                tail.strip_prefix(".inputs."),
            ) {
                (Some(after), _) => (true, after),
                (None, Some(after)) => (false, after),
                (None, None) => continue,
            };
            let name_end = after
                .find(|c: char| !(is_name(c) || c == '.'))
                .unwrap_or(after.len());
            let name = after[..name_end].trim_end_matches('.');
            if id_end == 0 || name.is_empty() {
                continue;
            }
            let workflow = if root == "$workflows." {
                rest[..id_end].to_owned()
            } else {
                canonical_workflow(&format!("$sourceDescriptions.{}", &rest[..id_end]))
            };
            reads.push(WorkflowRead {
                workflow,
                outputs,
                name,
                at,
                len: root.len() + id_end,
            });
        }
    }
    reads
}

/// A workflow reference as a step names it, with the legacy
/// `$sourceDescriptions.<source>.workflows.<workflowId>` read as
/// `$sourceDescriptions.<source>.<workflowId>`.
pub(super) fn canonical_workflow(written: &str) -> String {
    if let Some(rest) = written.strip_prefix("$sourceDescriptions.")
        && let Some((source, workflow)) = rest.split_once('.')
        && let Some(legacy) = workflow.strip_prefix("workflows.")
    {
        return format!("$sourceDescriptions.{source}.{legacy}");
    }
    written.to_owned()
}

/// Adds to each workflow's `dependsOn` the workflows of the document it reads but neither names
/// there nor runs in a step (each with a warning at its first read); the added entries point at
/// that read.
pub(crate) fn imply_dependencies(
    files: &Files,
    document: &mut Document<'_>,
    diagnostics: &mut Diagnostics,
) {
    let ids: BTreeSet<String> = document
        .workflows
        .iter()
        .map(|w| w.id.value.clone())
        .collect();
    for workflow in &mut document.workflows {
        let mut implied: Vec<Spanned<String>> = Vec::new();
        for (text, span) in expression_texts(workflow) {
            for read in workflow_reads(text) {
                let id = &read.workflow;
                let named = workflow.depends_on.iter().any(|d| d.value == *id)
                    || implied.iter().any(|d| d.value == *id);
                let runs = workflow.steps.iter().any(|step| {
                    matches!(&step.target, Some(Target::WorkflowId(target)) if target.value == *id)
                });
                if *id == workflow.id.value || !ids.contains(id) || named || runs {
                    continue;
                }
                let here = inner_span(files, span, text, read.at, read.len);
                let mut list: Vec<&str> = workflow
                    .depends_on
                    .iter()
                    .map(|d| d.value.as_str())
                    .collect();
                list.extend(implied.iter().map(|d| d.value.as_str()));
                list.push(id);
                diagnostics.push(
                    Diagnostic::warning(
                        here,
                        format!(
                            "workflow `{}` reads workflow `{id}`, which it neither names in `dependsOn` nor runs in a step",
                            workflow.id.value
                        ),
                    )
                    .with_label(format!("read as a dependency: `{id}` runs first, with inputs of its own"))
                    .with_help(format!(
                        "declare it on workflow `{}`: `dependsOn: [{}]`",
                        workflow.id.value,
                        list.join(", ")
                    )),
                );
                implied.push(Spanned {
                    value: id.clone(),
                    span: here,
                });
            }
        }
        workflow.depends_on.extend(implied);
    }
}

/// The span of `len` bytes at `offset` of `decoded`, the string written at `span` (the whole
/// value when the file does not hold it verbatim on one line).
pub(super) fn inner_span(
    files: &Files,
    span: Span,
    decoded: &str,
    offset: usize,
    len: usize,
) -> Span {
    let text = &files.get(span.file).text;
    let raw = &text[span.start..];
    let quoted = raw.starts_with(['"', '\'']);
    let content = span.start + usize::from(quoted);
    let line_end = text[content..]
        .find('\n')
        .map_or(text.len(), |i| content + i);
    if text[content..line_end].starts_with(decoded) {
        let start = content + offset;
        return files.span(span.file, start, start + len.max(1));
    }
    files.span(span.file, span.start, line_end.max(span.start + 1))
}
