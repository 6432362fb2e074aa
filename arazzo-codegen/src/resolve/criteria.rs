//! Success criteria: `simple` conditions, `regex`, `jsonpath` and `xpath`, checked and compiled.

use crate::condition::{self, Condition, Literal, Op, Operand};
use crate::diagnostic::{Diagnostic, READ_CONFORMANT};
use crate::expr::{self, Expr};
use crate::files::Span;
use crate::model::arazzo::{Criterion, CriterionKind};
use crate::plan::{CondPlan, OperandPlan, ValueRef};

use super::values::{Ctx, StepContext};
use super::{Resolver, WorkflowScope};

/// The one JSONPath version besides RFC 9535 that Arazzo names.
const GOESSNER: &str = "draft-goessner-dispatch-jsonpath-00";

impl Resolver<'_, '_> {
    /// Compiles one criterion of a step; returns it and, for `$statusCode == N`, the status it
    /// expects (which picks the response schema that types the step's outputs).
    pub(super) fn criterion(
        &mut self,
        scope: &WorkflowScope,
        step: &StepContext,
        criterion: &Criterion,
    ) -> Option<(CondPlan, Option<u16>)> {
        let ctx = Ctx::Response(step);
        let text = &criterion.condition.value;
        let span = criterion.condition.span;
        match &criterion.kind.value {
            CriterionKind::Simple => {
                if let Some(context) = &criterion.context {
                    self.report(
                        Diagnostic::warning(
                            context.span,
                            "`context` has no effect on a `simple` criterion; it is ignored",
                        )
                        .with_help("a `simple` condition names the values it compares itself"),
                    );
                }
                let mut text = text.as_str();
                let fixed;
                let parsed = match condition::parse(text) {
                    Ok(parsed) => parsed,
                    Err(error) => {
                        // `$statusCode == "ok"`: double quotes for single, a common dialect.
                        let rewritten = condition::rewrite_double_quotes(text)
                            .and_then(|f| condition::parse(&f).ok().map(|p| (f, p)));
                        let Some((rewritten, parsed)) = rewritten else {
                            let d = self.parse_error(span, text, error, "condition");
                            self.report(d);
                            return None;
                        };
                        self.report(
                            Diagnostic::dialect(
                                self.inner_span(span, text, 0, text.len()),
                                "strings in conditions are written in single quotes, not double",
                                READ_CONFORMANT,
                            )
                            .write_instead(&rewritten),
                        );
                        fixed = rewritten;
                        text = &fixed;
                        parsed
                    }
                };
                let expected = match &parsed {
                    Condition::Compare(
                        Operand::Expr(Expr::StatusCode, access),
                        Op::Eq,
                        Operand::Literal(Literal::Number(n)),
                    ) if access.is_empty() => n.parse().ok(),
                    _ => None,
                };
                let plan = self.condition(scope, ctx, span, text, &parsed)?;
                Some((plan, expected))
            }
            CriterionKind::Regex => {
                let context = self.criterion_context(scope, ctx, criterion, "regex")?;
                if text.contains("{$") {
                    let here = self.inner_span(span, text, 0, text.len());
                    self.report(super::unsupported(
                        here,
                        "an expression embedded in a regex pattern",
                    ));
                    return None;
                }
                if let Err(error) = regex::Regex::new(text) {
                    let here = self.inner_span(span, text, 0, text.len());
                    let message = error.to_string();
                    let detail = message.lines().last().unwrap_or(&message).trim().to_owned();
                    self.report(
                        Diagnostic::error(here, format!("invalid regular expression `{text}`: {detail}"))
                            .with_help("patterns use the syntax of the Rust `regex` crate (no look-around or back-references)"),
                    );
                    return None;
                }
                Some((
                    CondPlan::Regex {
                        context,
                        pattern: text.clone(),
                    },
                    None,
                ))
            }
            CriterionKind::JsonPath(version) => {
                match version.as_deref() {
                    None => {}
                    Some(GOESSNER) => self.report(
                        Diagnostic::warning(
                            criterion.kind.span,
                            format!("JSONPath version `{GOESSNER}` is evaluated as RFC 9535"),
                        )
                        .with_help("queries in the common subset behave the same; Goessner-only syntax is reported as an error"),
                    ),
                    Some(other) => {
                        self.report(
                            Diagnostic::error(criterion.kind.span, format!("unknown JSONPath version `{other}`"))
                                .with_help(format!("leave `version` out for RFC 9535, or write `{GOESSNER}`")),
                        );
                        return None;
                    }
                }
                let context = self.criterion_context(scope, ctx, criterion, "jsonpath")?;
                if let Err(error) = serde_json_path::JsonPath::parse(text) {
                    let here = self.inner_span(span, text, 0, text.len());
                    let mut d = Diagnostic::error(
                        here,
                        format!("invalid JSONPath query `{text}`: {error}"),
                    );
                    // `$.items.length > 0`, JavaScript: "the array has an item".
                    let non_empty = [".length > 0", ".length>0", ".length >= 1", ".length>=1"]
                        .iter()
                        .find_map(|suffix| text.trim().strip_suffix(suffix));
                    if let Some(array) = non_empty
                        .filter(|a| serde_json_path::JsonPath::parse(&format!("{a}[0]")).is_ok())
                    {
                        d = d.with_help(format!(
                            "JSONPath has no `.length`: `{array}[0]` selects the first item, so the criterion holds when the array has one"
                        ));
                    } else if [" == ", " != ", " > ", " < ", ">=", "<="]
                        .iter()
                        .any(|op| text.contains(op))
                        && !text.contains("[?")
                    {
                        d = d.with_help(
                            "a jsonpath criterion is an RFC 9535 query that holds when it selects something; \
                             compare inside a filter (`$[?@.status == 'done']`) or write a `simple` condition",
                        );
                    }
                    self.report(d);
                    return None;
                }
                Some((
                    CondPlan::JsonPath {
                        context,
                        query: text.clone(),
                    },
                    None,
                ))
            }
            CriterionKind::XPath(version) => {
                let versions = ["xpath-31", "xpath-30", "xpath-20", "xpath-10"];
                let version = match version.as_deref() {
                    None => versions[0],
                    Some(v) => match versions.iter().find(|known| **known == v) {
                        Some(known) => known,
                        None => {
                            self.report(
                                Diagnostic::error(criterion.kind.span, format!("unknown XPath version `{v}`"))
                                    .with_help("the versions of `xpath` are `xpath-31` (the default), `xpath-30`, `xpath-20` and `xpath-10`"),
                            );
                            return None;
                        }
                    },
                };
                let context = self.criterion_context(scope, ctx, criterion, "xpath")?;
                if let Err(message) = super::selectors::check_xpath(text) {
                    let here = self.inner_span(span, text, 0, text.len());
                    self.report(
                        Diagnostic::error(here, format!("invalid XPath expression `{text}`: {message}"))
                            .with_help("an xpath criterion is an XPath expression whose boolean value decides it, e.g. `/order/status = 'paid'`"),
                    );
                    return None;
                }
                Some((
                    CondPlan::XPath {
                        context,
                        expression: text.clone(),
                        version,
                    },
                    None,
                ))
            }
        }
    }

    /// The `context` of a `regex`, `jsonpath` or `xpath` criterion: a whole runtime expression.
    fn criterion_context(
        &mut self,
        scope: &WorkflowScope,
        ctx: Ctx<'_>,
        criterion: &Criterion,
        kind: &str,
    ) -> Option<ValueRef> {
        let Some(context) = &criterion.context else {
            self.report(
                Diagnostic::error(
                    criterion.kind.span,
                    format!("a `{kind}` criterion needs a `context`"),
                )
                .with_help("name the value it applies to, e.g. `context: $response.body`"),
            );
            return None;
        };
        match expr::parse_template(&context.value) {
            Ok(expr::Template::Whole(_)) | Err(_) => self.value_expression(scope, ctx, context),
            Ok(_) => {
                self.report(
                    Diagnostic::error(
                        context.span,
                        "a criterion's `context` must be a runtime expression",
                    )
                    .with_help("e.g. `$response.body` or `$statusCode`"),
                );
                None
            }
        }
    }

    fn condition(
        &mut self,
        scope: &WorkflowScope,
        ctx: Ctx<'_>,
        span: Span,
        text: &str,
        condition: &Condition,
    ) -> Option<CondPlan> {
        let both = |this: &mut Self, a: &Condition, b: &Condition| {
            let a = this.condition(scope, ctx, span, text, a);
            let b = this.condition(scope, ctx, span, text, b);
            Some((Box::new(a?), Box::new(b?)))
        };
        Some(match condition {
            Condition::Or(a, b) => {
                let (a, b) = both(self, a, b)?;
                CondPlan::Or(a, b)
            }
            Condition::And(a, b) => {
                let (a, b) = both(self, a, b)?;
                CondPlan::And(a, b)
            }
            Condition::Not(a) => {
                CondPlan::Not(Box::new(self.condition(scope, ctx, span, text, a)?))
            }
            Condition::Compare(left, op, right) => {
                let left = self.operand(scope, ctx, span, text, left);
                let right = self.operand(scope, ctx, span, text, right);
                CondPlan::Compare(left?, *op, right?)
            }
            Condition::Operand(operand) => {
                CondPlan::Truthy(self.operand(scope, ctx, span, text, operand)?)
            }
        })
    }

    fn operand(
        &mut self,
        scope: &WorkflowScope,
        ctx: Ctx<'_>,
        span: Span,
        text: &str,
        operand: &Operand,
    ) -> Option<OperandPlan> {
        match operand {
            Operand::Literal(Literal::Number(n)) if !n.parse::<f64>().is_ok_and(f64::is_finite) => {
                let here = match text.find(n.as_str()) {
                    Some(offset) => self.inner_span(span, text, offset, n.len()),
                    None => self.inner_span(span, text, 0, text.len()),
                };
                self.report(Diagnostic::error(
                    here,
                    format!("`{n}` is beyond the numbers JSON can hold"),
                ));
                None
            }
            Operand::Literal(literal) => Some(OperandPlan::Literal(literal.clone())),
            Operand::Expr(expr, access) => {
                // Point at the expression inside the condition where it can be found.
                let shown = expr.to_string();
                let here = match text.find(&shown) {
                    Some(offset) => self.inner_span(span, text, offset, shown.len()),
                    None => self.inner_span(span, text, 0, text.len()),
                };
                self.bind(scope, ctx, expr, access, here)
                    .map(OperandPlan::Value)
            }
            Operand::Group(_) => {
                let here = self.inner_span(span, text, 0, text.len());
                self.report(
                    Diagnostic::error(here, "a parenthesised condition cannot be compared with a value")
                        .with_help("compare values inside the parentheses, and combine conditions with `&&`, `||` and `!`"),
                );
                None
            }
        }
    }
}
