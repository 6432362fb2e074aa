//! Selector Objects (Arazzo 1.1), bound to what they read.
//!
//! A `jsonpointer` selector, and a `jsonpath` one that is a plain member and index path
//! (`$.user.emails[0]`), is the runtime expression `<context>#<pointer>`: read, and typed
//! through the response schema, exactly like one written so (the body of a step is decoded in
//! its one pass). Any other `jsonpath` selector yields the one node it selects as
//! `serde_json::Value`, and an `xpath` selector the string value of the one item it selects: a
//! [`Place::Selected`] around the context's value.

use crate::diagnostic::Diagnostic;
use crate::expr::{self, Expr, Pointer, Source};
use crate::model::arazzo::{Output, Spanned};
use crate::model::selector::{Selector, SelectorKind};
use crate::node::Node;
use crate::plan::{Place, SelectedPlan, Type, ValueRef};

use super::values::Ctx;
use super::{Resolver, WorkflowScope};

/// The one JSONPath version besides RFC 9535 that Arazzo names.
const GOESSNER: &str = "draft-goessner-dispatch-jsonpath-00";

/// What a selector becomes.
pub(super) enum Selection {
    /// The runtime expression `<context>#<pointer>`, at the selector's place.
    Pointer(Spanned<String>),
    /// The context's value, for a selector applied at run time.
    Applied(ValueRef),
}

impl Resolver<'_, '_> {
    /// Checks a selector and says what it becomes; `None` after reporting a problem.
    pub(super) fn selection(
        &mut self,
        scope: &WorkflowScope,
        ctx: Ctx<'_>,
        selector: &Selector,
    ) -> Option<Selection> {
        let text = &selector.selector.value;
        let pointer = match selector.kind.value {
            SelectorKind::JsonPointer => match Pointer::parse(text) {
                Ok(pointer) => Some(pointer),
                Err(message) => {
                    self.report(
                        Diagnostic::error(selector.selector.span, format!("invalid JSON pointer `{text}`: {message}"))
                            .with_help("a `jsonpointer` selector is an RFC 6901 pointer such as `/user/emails/0`; a JSONPath query needs `type: jsonpath`"),
                    );
                    return None;
                }
            },
            SelectorKind::JsonPath { goessner } => {
                if goessner {
                    self.report(
                        Diagnostic::warning(
                            selector.kind.span,
                            format!("JSONPath version `{GOESSNER}` is evaluated as RFC 9535"),
                        )
                        .with_help("queries in the common subset behave the same; Goessner-only syntax is reported as an error"),
                    );
                }
                if let Err(error) = serde_json_path::JsonPath::parse(text) {
                    self.report(
                        Diagnostic::error(
                            selector.selector.span,
                            format!("invalid JSONPath query `{text}`: {error}"),
                        )
                        .with_help(
                            "a `jsonpath` selector is an RFC 9535 query such as `$.items[0].id`",
                        ),
                    );
                    return None;
                }
                plain_path(text)
            }
            SelectorKind::XPath(_) => {
                if let Err(message) = check_xpath(text) {
                    self.report(
                        Diagnostic::error(
                            selector.selector.span,
                            format!("invalid XPath expression `{text}`: {message}"),
                        )
                        .with_help("an `xpath` selector is an XPath 3.1 expression such as `/Invoice/Header/Number`"),
                    );
                    return None;
                }
                None
            }
        };
        let context = &selector.context;
        let parsed = match expr::parse(&context.value) {
            Ok(parsed) => parsed,
            // Reported, with any dialect fixes, where the context is bound.
            Err(_) => {
                return self
                    .value_expression(scope, ctx, context)
                    .map(Selection::Applied);
            }
        };
        if let Some(pointer) = pointer {
            let Some(joined) = with_pointer(parsed, &pointer) else {
                self.report(
                    Diagnostic::error(
                        context.span,
                        format!("a JSON pointer cannot select inside `{}`", context.value),
                    )
                    .with_help("select inside a body, an input or an output: `$response.body`, `$inputs.<name>`, `$steps.<id>.outputs.<name>`"),
                );
                return None;
            };
            return Some(Selection::Pointer(Spanned {
                value: joined.to_string(),
                span: context.span,
            }));
        }
        // The body as received (XML, or JSON parsed by the selector), not as a JSON value.
        // (An AsyncAPI step's message, `$message.payload`, is read the same way.)
        let whole_body = match (&parsed, ctx) {
            (Expr::Response(Source::Body(None)), Ctx::Response(step)) => !step.message,
            (Expr::Message(Source::Body(None)), Ctx::Response(step)) => step.message,
            _ => false,
        };
        if whole_body {
            return Some(Selection::Applied(ValueRef {
                expression: context.value.clone(),
                place: Place::ResponseBody(String::new()),
                ty: Type::Json,
            }));
        }
        self.value_expression(scope, ctx, context)
            .map(Selection::Applied)
    }

    /// A Selector Object in a workflow's `outputs`, over a step's output or an input: a JSON
    /// pointer (or a plain JSONPath) is read as `<context>#<pointer>`; another JSONPath query,
    /// or an XPath expression, is applied when the outputs are built, like a step output's.
    pub(super) fn workflow_output_selector(
        &mut self,
        scope: &WorkflowScope,
        selector: &Selector,
    ) -> Option<ValueRef> {
        match self.selection(scope, Ctx::WorkflowOutputs, selector)? {
            Selection::Pointer(text) => self.value_expression(scope, Ctx::WorkflowOutputs, &text),
            Selection::Applied(context)
                if matches!(
                    context.place,
                    Place::StepOutput { .. } | Place::Input { .. }
                ) =>
            {
                Some(applied(selector, context))
            }
            Selection::Applied(_) => {
                self.report(
                    Diagnostic::error(
                        selector.context.span,
                        format!(
                            "a workflow output applies its {} selector to a step's output or an input, not to `{}`",
                            selector.kind.value.name(),
                            selector.context.value
                        ),
                    )
                    .with_help("select in `$steps.<id>.outputs.<name>` or `$inputs.<name>`, or apply the selector in the step's own `outputs`"),
                );
                None
            }
        }
    }

    /// An output's Selector Object, if it is one. One that could not be read reports its
    /// problems now, inside its step (so that reads of the output are not reported again),
    /// and is `Err`.
    pub(super) fn output_selector<'o>(
        &mut self,
        output: &'o Output,
    ) -> Result<Option<&'o Selector>, ()> {
        match &output.selector {
            None => Ok(None),
            Some(Ok(selector)) => Ok(Some(selector)),
            Some(Err(problems)) => {
                problems.iter().for_each(|d| self.report(d.clone()));
                Err(())
            }
        }
    }

    /// A Selector Object written inside a value, read and bound.
    pub(super) fn selector_node(
        &mut self,
        scope: &WorkflowScope,
        ctx: Ctx<'_>,
        node: &Node,
    ) -> Option<ValueRef> {
        let selector = crate::model::selector::read(node, self.diagnostics)?;
        self.selector_value(scope, ctx, &selector)
    }

    /// A selector as a value: the pointer expression bound, or the selector applied at run time.
    pub(super) fn selector_value(
        &mut self,
        scope: &WorkflowScope,
        ctx: Ctx<'_>,
        selector: &Selector,
    ) -> Option<ValueRef> {
        match self.selection(scope, ctx, selector)? {
            Selection::Pointer(text) => self.value_expression(scope, ctx, &text),
            Selection::Applied(context) => Some(applied(selector, context)),
        }
    }
}

/// The selector applied to its context's value at run time.
pub(super) fn applied(selector: &Selector, context: ValueRef) -> ValueRef {
    let (xpath, ty) = match selector.kind.value {
        SelectorKind::XPath(version) => (Some(version), Type::String),
        SelectorKind::JsonPath { .. } | SelectorKind::JsonPointer => (None, Type::Json),
    };
    ValueRef {
        expression: selector.describe(),
        place: Place::Selected(Box::new(SelectedPlan {
            context,
            selector: selector.selector.value.clone(),
            xpath,
        })),
        ty,
    }
}

/// `expr` with `pointer` appended to the pointer it reads, where it can have one.
fn with_pointer(expr: Expr, pointer: &Pointer) -> Option<Expr> {
    let join = |p: Option<Pointer>| {
        let mut tokens = p.map(|p| p.0).unwrap_or_default();
        tokens.extend(pointer.0.iter().cloned());
        Some(Pointer(tokens))
    };
    Some(match expr {
        Expr::Response(Source::Body(p)) => Expr::Response(Source::Body(join(p))),
        Expr::Message(Source::Body(p)) => Expr::Message(Source::Body(join(p))),
        Expr::Request(Source::Body(p)) => Expr::Request(Source::Body(join(p))),
        Expr::Inputs { name, pointer: p } => Expr::Inputs {
            name,
            pointer: join(p),
        },
        Expr::Outputs { name, pointer: p } => Expr::Outputs {
            name,
            pointer: join(p),
        },
        Expr::StepOutput {
            step,
            name,
            pointer: p,
        } => Expr::StepOutput {
            step,
            name,
            pointer: join(p),
        },
        Expr::Workflow {
            workflow,
            field,
            name,
            pointer: p,
        } => Expr::Workflow {
            workflow,
            field,
            name,
            pointer: join(p),
        },
        _ => return None,
    })
}

/// The JSON pointer a JSONPath query equals when it is a plain path of member names and
/// non-negative indexes (`$.a.b[0]`, `$['a']["b"]`): such a query selects at most one node.
pub(crate) fn plain_path(query: &str) -> Option<Pointer> {
    let mut rest = query.trim().strip_prefix('$')?;
    let mut tokens = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            let name = &after[..end];
            if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
                return None;
            }
            tokens.push(name.to_owned());
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let inner = after[..end].trim();
            let quoted = inner
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .or_else(|| inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')));
            match quoted {
                // Escapes, and quotes inside, are left to the general path.
                Some(name) if !name.contains(['\\', '\'', '"']) => tokens.push(name.to_owned()),
                Some(_) => return None,
                None if !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_digit()) => {
                    if inner.len() > 1 && inner.starts_with('0') {
                        return None;
                    }
                    tokens.push(inner.to_owned());
                }
                None => return None,
            }
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    Some(Pointer(tokens))
}

/// Checks an XPath expression's syntax where the generator can: with the `xpath` feature, by
/// compiling it with `xee-xpath`; without it, only that its brackets and quotes are balanced
/// (the rest is checked when it is first evaluated, as `arazzo_runtime::Error::Expression`).
pub(crate) fn check_xpath(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("the expression is empty".to_owned());
    }
    #[cfg(feature = "xpath")]
    {
        xee_xpath::Queries::default()
            .sequence(text)
            .map(|_| ())
            .map_err(|error| {
                let message = error.error.message().trim().trim_end_matches('.');
                let at = error
                    .span
                    .map(|span| format!(" at offset {}", span.range().start))
                    .unwrap_or_default();
                format!("{message}{at} ({})", error.error.code())
            })
    }
    #[cfg(not(feature = "xpath"))]
    {
        balanced(text)
    }
}

/// Brackets balanced and string literals closed (XPath doubles a quote to escape it).
#[cfg_attr(feature = "xpath", allow(dead_code))]
fn balanced(text: &str) -> Result<(), String> {
    let mut open = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                let closed = chars.by_ref().any(|d| d == c);
                if !closed {
                    return Err(format!("a string opened with {c} is not closed"));
                }
            }
            '(' | '[' | '{' => open.push(c),
            ')' | ']' | '}' => {
                let expected = match open.pop() {
                    Some('(') => ')',
                    Some('[') => ']',
                    Some(_) => '}',
                    None => return Err(format!("`{c}` closes nothing")),
                };
                if c != expected {
                    return Err(format!("`{c}` where `{expected}` was expected"));
                }
            }
            _ => {}
        }
    }
    match open.last() {
        Some(c) => Err(format!("`{c}` is not closed")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_are_pointers() {
        let pointer = |q: &str| plain_path(q).map(|p| p.to_string());
        assert_eq!(
            pointer("$.user.emails[0]").as_deref(),
            Some("/user/emails/0")
        );
        assert_eq!(pointer("$['a/b'][\"c\"]").as_deref(), Some("/a~1b/c"));
        assert_eq!(pointer("$").as_deref(), Some(""));
        assert_eq!(pointer("$.items[*].id"), None);
        assert_eq!(pointer("$..id"), None);
        assert_eq!(pointer("$.items[-1]"), None);
        assert_eq!(pointer("$.items[?@.id == 1]"), None);
        assert_eq!(pointer("$.items[0:2]"), None);
    }

    #[test]
    fn xpath_syntax() {
        assert!(check_xpath("/a/b[@id = '1']").is_ok());
        assert!(check_xpath("/a/b[@id = '1'").is_err());
        assert!(check_xpath("").is_err());
    }
}
