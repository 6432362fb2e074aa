//! Rust types from JSON Schemas: the workflow's inputs, and the values outputs read from
//! responses.

use crate::diagnostic::Diagnostic;
use crate::expr::Pointer;
use crate::files::Span;
use crate::model::openapi::{OpenApi, schema_type};
use crate::node::Node;
use crate::plan::Type;

use super::Resolver;

impl Resolver<'_, '_> {
    /// The Rust type of the value at `pointer` in a response body of schema `schema`:
    /// `Option` where the description lets it be absent or null, `serde_json::Value` where it
    /// says nothing.
    pub(super) fn schema_type_at(
        &mut self,
        api: &OpenApi<'_>,
        schema: &Node,
        pointer: &Pointer,
        span: Span,
    ) -> Type {
        let mut node = api.resolve(schema);
        let mut optional = false;
        for token in &pointer.0 {
            let (ty, nullable) = schema_type(node);
            optional |= nullable;
            let next = if ty == Some("array") || node.get("items").is_some() {
                optional = true;
                token.parse::<usize>().ok().and(node.get("items"))
            } else {
                find_property(api, node, token).map(|(property, required)| {
                    optional |= !required;
                    property
                })
            };
            match next {
                Some(next) => node = api.resolve(next),
                None => {
                    self.error(Diagnostic::warning(
                        span,
                        format!("the response schema does not describe `{pointer}`; its type is `serde_json::Value`"),
                    ));
                    return Type::Json.optional();
                }
            }
        }
        let (_, nullable) = schema_type(node);
        let ty = scalar_type(node);
        if optional || nullable {
            ty.optional()
        } else {
            ty
        }
    }
}

/// A property of an object schema (looking through `allOf`), and whether it is required. The
/// search visits at most 256 schemas, so that a schema that includes itself ends.
fn find_property<'n>(
    api: &'n OpenApi<'_>,
    schema: &'n Node,
    name: &str,
) -> Option<(&'n Node, bool)> {
    let mut budget = 256_usize;
    find_property_within(api, schema, name, &mut budget)
}

fn find_property_within<'n>(
    api: &'n OpenApi<'_>,
    schema: &'n Node,
    name: &str,
    budget: &mut usize,
) -> Option<(&'n Node, bool)> {
    *budget = budget.checked_sub(1)?;
    let schema = api.resolve(schema);
    if let Some(property) = schema.get("properties").and_then(|p| p.get(name)) {
        let required = schema
            .get("required")
            .is_some_and(|r| r.items().iter().any(|n| n.as_str() == Some(name)));
        return Some((property, required));
    }
    schema
        .get("allOf")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .find_map(|member| find_property_within(api, member, name, budget))
}

/// The Rust type of a scalar schema; `serde_json::Value` for objects, arrays and the unknown.
pub(super) fn scalar_type(schema: &Node) -> Type {
    match schema_type(schema).0 {
        Some("string") => Type::String,
        Some("boolean") => Type::Bool,
        Some("integer") => match schema.get("format").and_then(Node::as_str) {
            Some("int32") => Type::I32,
            _ => Type::I64,
        },
        Some("number") => Type::F64,
        _ => Type::Json,
    }
}

/// The Rust type of an input property.
pub(super) fn input_type(schema: &Node) -> Type {
    match schema_type(schema).0 {
        Some("array") => match schema.get("items") {
            Some(items) => Type::Vec(Box::new(input_type(items))),
            None => Type::Vec(Box::new(Type::Json)),
        },
        _ => scalar_type(schema),
    }
}
