//! OpenAPI 3.2's `in: querystring` parameter (Arazzo 1.1): one value, a string, that is the whole
//! query string, encoded as the `content` media type of the operation's parameter says. It
//! cannot coexist with `in: query` parameters.

use crate::diagnostic::Diagnostic;
use crate::files::Span;
use crate::model::arazzo::Version;
use crate::model::openapi::is_json;
use crate::node::{Node, Value};
use crate::plan::{ParamLocation, QueryEncoding, QueryStringPlan, Type, ValuePlan};

use super::parameters::Written;
use super::values::{Ctx, StepContext};
use super::{Resolver, WorkflowScope};

const FORM: &str = "application/x-www-form-urlencoded";

impl Resolver<'_, '_> {
    /// The step's whole query string: the `in: querystring` parameter written (the step's wins
    /// over the workflow's), checked against the operation's declaration and its `in: query`
    /// parameters, and bound to its value.
    pub(super) fn query_string(
        &mut self,
        scope: &WorkflowScope,
        request: &StepContext,
        declared: &[&Node],
        written: Vec<(Written<'_>, bool)>,
        merged: &[(Written<'_>, ParamLocation, bool)],
        target: Span,
    ) -> Option<QueryStringPlan> {
        let declaration = declared
            .iter()
            .copied()
            .find(|p| p.get("in").and_then(Node::as_str) == Some("querystring"));
        if let Some(declaration) = declaration {
            self.declared_query_alongside(declaration, declared);
        }
        let written = self.one_query_string(written);
        // `in: query` parameters cannot be sent beside the whole query string.
        if let Some(declaration) = declaration
            && self.query_beside(declaration, written.as_ref(), merged)
        {
            return None;
        }
        let Some(written) = written else {
            self.required_query_string(declaration, target);
            return None;
        };
        if self.version < Version::V1_1 {
            let span = written.location.as_ref().map_or(written.span, |(_, s)| *s);
            self.report(
                Diagnostic::error(
                    span,
                    "`in: querystring` is an Arazzo 1.1 parameter location",
                )
                .with_label("this document is Arazzo 1.0.x")
                .with_help("write `arazzo: 1.1.0` to send the whole query string as one value"),
            );
            return None;
        }
        let Some(declaration) = declaration else {
            let d = Diagnostic::error(
                written.span,
                format!(
                    "the operation declares no `in: querystring` parameter, so `{}` has no media type to be encoded with",
                    written.name
                ),
            )
            .with_help("send its pairs as `in: query` parameters, or call an OpenAPI 3.2 operation that declares a `querystring` parameter");
            self.report(d);
            return None;
        };
        let encoding = self.query_encoding(declaration);
        let Some(node) = written.value else {
            self.report(Diagnostic::error(
                written.span,
                format!("parameter `{}` has no `value`", written.name),
            ));
            return None;
        };
        let value = self.value_plan(scope, Ctx::Request(request), node)?;
        self.query_value_fits(node, &value, encoding)?;
        Some(QueryStringPlan {
            name: written.name,
            value,
            encoding,
        })
    }

    /// An `in: query` parameter written for an operation whose query string is one
    /// `querystring` parameter: reported (at the query parameter), true.
    fn query_beside(
        &mut self,
        declaration: &Node,
        written: Option<&Written<'_>>,
        merged: &[(Written<'_>, ParamLocation, bool)],
    ) -> bool {
        let Some((query, _, _)) = merged.iter().find(|(_, l, _)| *l == ParamLocation::Query) else {
            return false;
        };
        let name = written.map_or_else(
            || {
                declaration
                    .get("name")
                    .and_then(Node::as_str)
                    .unwrap_or_default()
                    .to_owned()
            },
            |w| w.name.clone(),
        );
        self.report(
            Diagnostic::error(
                query.span,
                format!(
                    "the query parameter `{}` cannot be sent with the query string `{name}`",
                    query.name
                ),
            )
            .with_label("the operation's `in: querystring` parameter is the whole query")
            .with_help(format!(
                "write the pair into the querystring value instead: `{}={{…}}&…`",
                query.name
            )),
        );
        true
    }

    /// An operation whose `querystring` parameter is `required`, called without one.
    fn required_query_string(&mut self, declaration: Option<&Node>, target: Span) {
        let Some(declaration) = declaration else {
            return;
        };
        let required = matches!(
            declaration.get("required").map(|r| &r.value),
            Some(Value::Bool(true))
        );
        if required {
            let name = declaration
                .get("name")
                .and_then(Node::as_str)
                .unwrap_or_default();
            self.report(
                Diagnostic::error(
                    target,
                    format!("the operation requires its query string `{name}`, and this step gives none"),
                )
                .with_help(format!(
                    "add it to the step: `parameters: [{{name: {name}, in: querystring, value: \"key=value&…\"}}]`"
                )),
            );
        }
    }

    /// The `in: querystring` parameter that applies: the step's over the workflow's; two written
    /// at the same level are an error.
    fn one_query_string<'n>(&mut self, written: Vec<(Written<'n>, bool)>) -> Option<Written<'n>> {
        let mut chosen: Option<(Written<'n>, bool)> = None;
        for (parameter, from_workflow) in written {
            match &chosen {
                Some((_, origin)) if *origin == from_workflow => {
                    self.report(
                        Diagnostic::error(parameter.span, "a second `in: querystring` parameter")
                            .with_help("a request has one query string: write it as one value"),
                    );
                }
                _ => chosen = Some((parameter, from_workflow)),
            }
        }
        chosen.map(|(parameter, _)| parameter)
    }

    /// An OpenAPI operation that declares a `querystring` parameter and `query` ones breaks a
    /// rule of OpenAPI 3.2: reported at the first `query` one.
    fn declared_query_alongside(&mut self, declaration: &Node, declared: &[&Node]) {
        let Some(query) = declared
            .iter()
            .find(|p| p.get("in").and_then(Node::as_str) == Some("query"))
        else {
            return;
        };
        let name = declaration
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or_default();
        self.report(
            Diagnostic::error(
                query.span,
                "this operation declares `in: query` parameters and an `in: querystring` one",
            )
            .with_label(format!("the `querystring` parameter `{name}` is the whole query"))
            .with_help("OpenAPI 3.2 forbids both on one operation: describe these pairs inside the querystring parameter's schema"),
        );
    }

    /// The encoding the declaration's `content` asks for. Without `content` (OpenAPI 3.2
    /// requires it), a form, with a warning.
    fn query_encoding(&mut self, declaration: &Node) -> QueryEncoding {
        let media = declaration
            .get("content")
            .and_then(|c| c.entries().first())
            .map(|(media, _)| media.name.to_ascii_lowercase());
        match media {
            Some(media) if media.split(';').next().map(str::trim) == Some(FORM) => {
                QueryEncoding::Form
            }
            Some(media) => QueryEncoding::Component {
                json: is_json(&media),
            },
            None => {
                self.report(
                    Diagnostic::warning(
                        declaration.span,
                        "this `querystring` parameter has no `content`; it is sent as `application/x-www-form-urlencoded`",
                    )
                    .with_help("OpenAPI 3.2 requires `content` with one media type on a `querystring` parameter"),
                );
                QueryEncoding::Form
            }
        }
    }

    /// A form query string is text (`a=1&b=2`); a JSON one any JSON value, and literal JSON
    /// text must parse.
    fn query_value_fits(
        &mut self,
        node: &Node,
        value: &ValuePlan,
        encoding: QueryEncoding,
    ) -> Option<()> {
        let text_only = matches!(
            encoding,
            QueryEncoding::Form | QueryEncoding::Component { json: false }
        );
        let fits = match value {
            ValuePlan::Str(text) => {
                if encoding == (QueryEncoding::Component { json: true })
                    && serde_json::from_str::<serde_json::Value>(text).is_err()
                {
                    self.report(
                        Diagnostic::error(
                            node.span,
                            "this `application/json` query string is not JSON",
                        )
                        .with_help(
                            "write the JSON text, e.g. `'{\"filter\":\"active\",\"limit\":50}'`",
                        ),
                    );
                    return None;
                }
                true
            }
            ValuePlan::Template(_) => true,
            ValuePlan::Ref(r) => !text_only || is_text(&r.ty),
            _ => !text_only,
        };
        if !fits {
            self.report(
                Diagnostic::error(node.span, "a query string is text")
                    .with_label("this value is not a string")
                    .with_help("write the whole query as a string, embedding values: `key={$inputs.key}&sort=desc`"),
            );
            return None;
        }
        Some(())
    }
}

fn is_text(ty: &Type) -> bool {
    match ty {
        Type::String | Type::Enum(_) | Type::Json => true,
        Type::Option(inner) => is_text(inner),
        _ => false,
    }
}
