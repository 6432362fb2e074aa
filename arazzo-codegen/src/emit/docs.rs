//! Doc comments: the documents' own text, wrapped, and the docs of a workflow's function and
//! module.

use proc_macro2::TokenStream;
use quote::quote;

use super::paths::At;
use crate::plan::durable::Durability;
use crate::plan::{RequestPlan, StepKind, WorkflowPlan};

/// Doc attributes for a text: one `#[doc]` per line, paragraphs wrapped at 90 columns.
pub(super) fn doc(text: &str) -> TokenStream {
    let mut lines = Vec::new();
    for (i, paragraph) in text.trim().split("\n\n").enumerate() {
        if i > 0 {
            lines.push(String::new());
        }
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.len() + word.len() + 1 > 90 {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    doc_lines(&lines)
}

pub(super) fn doc_lines(lines: &[String]) -> TokenStream {
    lines
        .iter()
        .map(|line| {
            let line = if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            };
            quote!(#[doc = #line])
        })
        .collect()
}

/// Doc attributes for a schema's text, where `<uuid>` means a placeholder, not HTML: outside
/// code spans, a `<` that would open a tag is escaped (`\<`), so that rustdoc shows it as
/// written instead of warning about an unclosed tag.
pub(super) fn schema_doc(text: Option<&str>) -> TokenStream {
    let Some(text) = text else {
        return TokenStream::new();
    };
    let mut escaped = String::with_capacity(text.len());
    let mut in_code = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' => in_code = !in_code,
            '<' if !in_code
                && chars
                    .peek()
                    .is_some_and(|n| n.is_ascii_alphabetic() || *n == '/') =>
            {
                escaped.push('\\');
            }
            _ => {}
        }
        escaped.push(c);
    }
    doc(&escaped)
}

pub(super) fn workflow_doc(w: &WorkflowPlan) -> TokenStream {
    let mut text = w
        .summary
        .clone()
        .unwrap_or_else(|| format!("Runs the workflow `{}`.", w.id));
    if let Some(description) = &w.description {
        text.push_str("\n\n");
        text.push_str(description);
    }
    let order = if w.concurrent.is_some() {
        "each as soon as the steps it depends on completed, several at once"
    } else {
        "in order"
    };
    text.push_str(&format!(
        "\n\nArazzo workflow `{}`; its steps, {order}:",
        w.id
    ));
    let mut fn_doc = doc(&text);
    let mut lines = vec![String::new()];
    for (i, step) in w.steps.iter().enumerate() {
        let mut line = match &step.kind {
            StepKind::Workflow(call) => format!(
                "{}. `{}`: runs the workflow `{}` ({})",
                i + 1,
                step.id,
                call.workflow,
                At::ROOT.fn_link(&call.fn_name)
            ),
            StepKind::Operation(request) => {
                format!("{}. `{}`{}", i + 1, step.id, request_summary(request))
            }
            StepKind::Message(message) => format!(
                "{}. `{}`: {}s a message on `{}`{}",
                i + 1,
                step.id,
                message.action.as_str(),
                message.address,
                message
                    .operation_id
                    .as_ref()
                    .map(|id| format!(" (`{id}`)"))
                    .unwrap_or_default()
            ),
        };
        let summary = step.request().and_then(|r| r.operation_summary.as_ref());
        if let Some(d) = step.description.as_ref().or(summary) {
            line.push_str(". ");
            line.push_str(d.trim());
        }
        if let Some(standalone) = &step.standalone {
            let end = if line.ends_with('.') { "" } else { "." };
            line.push_str(&format!(
                "{end} On its own: [`{}`].",
                At::ROOT.link(&standalone.fn_name)
            ));
        }
        if let Some(schedule) = &w.concurrent {
            let end = if line.ends_with('.') { "" } else { "." };
            line.push_str(end);
            line.push_str(&super::concurrent::waits_doc(w, schedule, i));
        }
        for d in w
            .step_dependencies
            .iter()
            .filter(|d| d.dependents.contains(&step.id))
        {
            let end = if line.ends_with('.') { "" } else { "." };
            line.push_str(&format!(
                "{end} Requires step `{}` of the workflow `{}` to have completed: the caller runs it and gives its outputs in `inputs.{}`.",
                d.step, d.workflow, d.input_field
            ));
        }
        lines.extend(wrap_item(&line, i + 1));
    }
    lines.push(String::new());
    lines.push("# Errors".to_owned());
    lines.push(String::new());
    lines.extend(wrap_item(
        &format!("An [`arazzo_runtime::Error`] that names the failing step ({ERRORS_LINK})."),
        0,
    ));
    fn_doc.extend(doc_lines(&lines));
    fn_doc
}

/// `: `POST /v1/otps/authenticate` (`api_otp_v1_Authenticate`)`, for docs.
pub(super) fn request_summary(request: &RequestPlan) -> String {
    let (method, path) = (request.method.as_str(), &request.path);
    match &request.operation_id {
        Some(id) => format!(": `{method} {path}` (`{id}`)"),
        None => format!(": `{method} {path}`"),
    }
}

/// Where the errors of every generated function are described, once.
const ERRORS_LINK: &str = "[what each variant means](arazzo_runtime::Error#variants)";

/// The doc of a workflow's module: what it holds, and what its step functions do and do not do.
pub(super) fn module_doc(w: &WorkflowPlan) -> TokenStream {
    // An outer doc comment's links resolve where the module is declared: at the root.
    let mut text = format!(
        "The inputs, outputs and steps of the workflow {} (`{}`).",
        At::ROOT.fn_link(&w.fn_name),
        w.id
    );
    if w.steps.iter().any(|s| s.standalone.is_some()) {
        text.push_str(
            "\n\nEach operation step is also a function of its own, which sends the step's \
             request, checks its success criteria and returns its outputs. The workflow's \
             actions (`goto`, `retry`, `end`) are not taken: the caller decides what runs next. \
             Use them where a workflow waits for a person between two steps.",
        );
    }
    if let Some(durable) = &w.durable {
        text.push_str("\n\n");
        text.push_str(&durable_doc(&w.fn_name, durable));
    }
    text.push_str(&format!(
        "\n\nEvery function fails with an [`arazzo_runtime::Error`] that names the failing \
         step ({ERRORS_LINK})."
    ));
    doc(&text)
}

/// The paragraph of a workflow module's doc on its durable run.
fn durable_doc(module: &str, durable: &Durability) -> String {
    let plan = match durable {
        Durability::NotOffered(reason) => return (*reason).to_owned(),
        Durability::Offered(plan) => plan,
    };
    let mut text = format!(
        "A durable run ([`{module}::start`], [`{module}::resume`], \
         [`{module}::resume_with`]) saves its [`{module}::State`] in an \
         [`arazzo_runtime::durable::Store`] after every step that completes, before the next \
         request is sent, so that it continues after a crash, in this process or another; it \
         suspends before a step that needs an input it was not given. A step whose request was \
         in flight when the process died is sent again: each step runs at least once."
    );
    if plan.sequential {
        text.push_str(
            " A durable run runs its steps one after the other, in an order that satisfies every \
             `dependsOn` (the workflow's function runs them at once).",
        );
    }
    text
}

/// Wraps a list item (`N. text`, or plain text with `number` 0) at 90 columns, continuation
/// lines indented under the text.
pub(super) fn wrap_item(text: &str, number: usize) -> Vec<String> {
    let indent = if number == 0 {
        0
    } else {
        number.to_string().len() + 2
    };
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + word.len() + 1 > 90 {
            lines.push(std::mem::take(&mut line));
            line.push_str(&" ".repeat(indent));
        } else if !line.is_empty() && !line.ends_with(' ') {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}
