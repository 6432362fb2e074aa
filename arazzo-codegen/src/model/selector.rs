//! Selector Objects (Arazzo 1.1): `context`, `selector` and `type`, read wherever a value may be
//! one (step and workflow `outputs`, parameter `value`s, inside a `payload`, a replacement's
//! `value`).

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::node::{Node, Value};

use super::arazzo::{EXPRESSION_TYPES, Spanned, expression_type};

/// A selector's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SelectorKind {
    /// `jsonpath`: RFC 9535, or Goessner's draft (evaluated as RFC 9535).
    JsonPath {
        /// Whether `draft-goessner-dispatch-jsonpath-00` was asked for.
        goessner: bool,
    },
    /// `jsonpointer` (RFC 6901).
    JsonPointer,
    /// `xpath`, with its version (`xpath-31` unless given).
    XPath(&'static str),
}

impl SelectorKind {
    /// The type's name as the document writes it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::JsonPath { .. } => "jsonpath",
            Self::JsonPointer => "jsonpointer",
            Self::XPath(_) => "xpath",
        }
    }
}

/// A Selector Object.
#[derive(Clone, Debug)]
pub(crate) struct Selector {
    /// `context`: the runtime expression of the value it selects from.
    pub context: Spanned<String>,
    /// `selector`: the JSONPath, JSON pointer or XPath expression.
    pub selector: Spanned<String>,
    /// `type`.
    pub kind: Spanned<SelectorKind>,
}

impl Selector {
    /// The selector as a doc comment names it: ``$response.body` (jsonpath `$.a`)`.
    pub(crate) fn describe(&self) -> String {
        format!(
            "`{}` ({} `{}`)",
            self.context.value,
            self.kind.value.name(),
            self.selector.value
        )
    }
}

const FIELDS: [&str; 3] = ["context", "selector", "type"];

/// Whether a mapping inside a value (a parameter's `value`, a payload, a replacement's `value`)
/// is written as a Selector Object: it has `selector` and `context` or `type`, and nothing
/// else. Any other mapping is a literal object.
pub(crate) fn is_selector(node: &Node) -> bool {
    let Value::Map(entries) = &node.value else {
        return false;
    };
    let has = |key| entries.iter().any(|(k, _)| k.name == key);
    has("selector")
        && (has("context") || has("type"))
        && entries
            .iter()
            .all(|(k, _)| FIELDS.contains(&k.name.as_str()) || k.name.starts_with("x-"))
}

/// Reads a Selector Object. Each mistake is one diagnostic; `None` when there was one.
pub(crate) fn read(node: &Node, diagnostics: &mut Diagnostics) -> Option<Selector> {
    for (key, _) in node.entries() {
        if !key.name.starts_with("x-") && !FIELDS.contains(&key.name.as_str()) {
            diagnostics.push(
                Diagnostic::warning(
                    key.span,
                    format!("unknown field `{}` in a selector; it is ignored", key.name),
                )
                .with_did_you_mean(&key.name, FIELDS),
            );
        }
    }
    let text = |key: &str, diagnostics: &mut Diagnostics| -> Option<Spanned<String>> {
        let value = node.get(key)?;
        match &value.value {
            Value::Str(s) => Some(Spanned {
                value: s.clone(),
                span: value.span,
            }),
            _ => {
                diagnostics.push(Diagnostic::error(
                    value.span,
                    format!(
                        "a selector's `{key}` must be a string, found {}",
                        value.kind()
                    ),
                ));
                None
            }
        }
    };
    let (context, selector) = (text("context", diagnostics), text("selector", diagnostics));
    let kind = kind(node, diagnostics);
    let missing = |key: &str, help: &str| {
        Diagnostic::error(node.span, format!("a selector has no `{key}`"))
            .with_label(format!("`{key}` is required here"))
            .with_help(help.to_owned())
    };
    if node.get("context").is_none() {
        diagnostics.push(missing(
            "context",
            "a selector applies to a value: name it with a runtime expression, e.g. `context: $response.body`",
        ));
        return None;
    }
    if node.get("selector").is_none() {
        diagnostics.push(missing(
            "selector",
            "write the JSONPath, JSON pointer or XPath expression, e.g. `selector: $.items[0].id`",
        ));
        return None;
    }
    if node.get("type").is_none() {
        diagnostics.push(missing(
            "type",
            "name the selector's language: `type: jsonpath`, `jsonpointer` or `xpath`",
        ));
        return None;
    }
    Some(Selector {
        context: context?,
        selector: selector?,
        kind: kind?,
    })
}

/// A selector's `type`: a name, or an Expression Type Object.
fn kind(node: &Node, diagnostics: &mut Diagnostics) -> Option<Spanned<SelectorKind>> {
    expression_kind(node.get("type")?, diagnostics)
}

/// A selector type written as a name or an Expression Type Object: a Selector Object's `type`,
/// a Payload Replacement Object's `targetSelectorType`.
pub(crate) fn expression_kind(
    ty: &Node,
    diagnostics: &mut Diagnostics,
) -> Option<Spanned<SelectorKind>> {
    let spanned = |value: &Node| Spanned {
        value: match &value.value {
            Value::Str(s) => s.clone(),
            _ => String::new(),
        },
        span: value.span,
    };
    let (name, version) = match &ty.value {
        Value::Str(_) => {
            let name = spanned(ty);
            let Some((_, versions)) = EXPRESSION_TYPES.iter().find(|(n, _)| *n == name.value)
            else {
                diagnostics.push(
                    Diagnostic::error(ty.span, format!("unknown selector type `{}`", name.value))
                        .with_suggestion_or(
                            &name.value,
                            EXPRESSION_TYPES.iter().map(|(n, _)| *n),
                            "did you mean `{}`? A selector's `type` is `jsonpath`, `xpath` or `jsonpointer`",
                            "a selector's `type` is `jsonpath`, `xpath` or `jsonpointer`",
                        ),
                );
                return None;
            };
            let version = Spanned {
                value: versions[0].to_owned(),
                span: ty.span,
            };
            (name, version)
        }
        Value::Map(_) => {
            let field = |key: &str, diagnostics: &mut Diagnostics| match ty.get(key) {
                Some(value) if matches!(value.value, Value::Str(_)) => Some(spanned(value)),
                Some(value) => {
                    diagnostics.push(Diagnostic::error(
                        value.span,
                        format!(
                            "an expression type's `{key}` must be a string, found {}",
                            value.kind()
                        ),
                    ));
                    None
                }
                None => {
                    diagnostics.push(
                        Diagnostic::error(ty.span, format!("an expression type has no `{key}`"))
                            .with_label(format!("`{key}` is required here")),
                    );
                    None
                }
            };
            (field("type", diagnostics)?, field("version", diagnostics)?)
        }
        _ => {
            diagnostics.push(
                Diagnostic::error(
                    ty.span,
                    format!(
                        "a selector's `type` must be a string or an expression type, found {}",
                        ty.kind()
                    ),
                )
                .with_help("`type: jsonpath`, or `type: {type: xpath, version: xpath-30}`"),
            );
            return None;
        }
    };
    let (name, version) = match expression_type(&name, &version) {
        Ok(found) => found,
        Err(d) => {
            diagnostics.push(d);
            return None;
        }
    };
    let value = match name {
        "jsonpath" => SelectorKind::JsonPath {
            goessner: version != "rfc9535",
        },
        "jsonpointer" => SelectorKind::JsonPointer,
        _ => SelectorKind::XPath(version),
    };
    Some(Spanned {
        value,
        span: ty.span,
    })
}
