//! Rust types from JSON Schemas: the workflow's inputs, and the values outputs read from
//! responses.
//!
//! Scalars become Rust scalars (`integer` by its `format`, else `i64`), arrays `Vec`s, object
//! schemas with properties generated structs, and string `enum`s of inputs generated enums. A
//! value read from a response keeps its `enum` as a `String`, so that a value the server adds
//! later never breaks decoding. A struct inside itself is boxed. Whatever no schema describes
//! (free-form objects, `oneOf` of several shapes) is `serde_json::Value`.

use std::collections::{BTreeSet, HashMap};

use crate::diagnostic::Diagnostic;
use crate::expr::Pointer;
use crate::files::Span;
use crate::model::openapi::{OpenApi, Operation, schema_required, schema_type};
use crate::naming::{self, Scope};
use crate::node::{Node, Value};
use crate::plan::{DefaultValue, FieldPlan, ItemPath, TYPES_MODULE, Type, TypeDef, TypeDefKind};

use super::Resolver;

/// Which way a schema's values travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Direction {
    /// Written by the caller and sent: string enums are closed Rust enums.
    Input,
    /// Read from a response: string enums stay `String`.
    Output,
}

/// Where the `$ref`s of a schema point: the Arazzo document's `components`, or an OpenAPI
/// description.
#[derive(Clone, Copy)]
pub(super) enum Refs<'n> {
    /// `#/components/...` of the Arazzo document.
    Arazzo(Option<&'n Node>),
    /// Any local pointer into an OpenAPI description.
    OpenApi(&'n Node),
}

impl<'n> Refs<'n> {
    /// Follows `$ref`s (at most 32): the schema, and the name of the last component referred
    /// to on the way.
    fn follow(self, mut node: &'n Node) -> (&'n Node, Option<&'n str>) {
        let mut name = None;
        for _ in 0..32 {
            let Some(target) = node.get("$ref").and_then(Node::as_str) else {
                break;
            };
            let found = target.strip_prefix('#').and_then(|pointer| match self {
                Self::OpenApi(root) => root.pointer(pointer),
                Self::Arazzo(components) => {
                    components?.pointer(pointer.strip_prefix("/components")?)
                }
            });
            match found {
                Some(next) => {
                    name = target.rsplit('/').next().filter(|n| !n.is_empty());
                    node = next;
                }
                None => break,
            }
        }
        (node, name)
    }
}

/// What a generated type is named and documented after when its schema is not a component:
/// where the schema sits.
pub(super) struct Hint {
    /// The type name to use.
    pub(super) name: String,
    /// Where the schema sits, for the doc comment: "the input `customer` of the workflow
    /// `place-order`".
    pub(super) origin: String,
}

/// The most types one module generates from schemas; past it, `serde_json::Value`.
const MAX_TYPES: usize = 512;
/// How deep generated types nest; deeper, `serde_json::Value`.
const MAX_NESTING: usize = 24;

/// The state of schema conversion: what was generated, and for which schema.
#[derive(Default)]
pub(super) struct Types {
    /// The generated types, in the order they were first needed.
    pub(super) defs: Vec<TypeDef>,
    /// The generated type of a schema node, per direction.
    by_schema: HashMap<(Direction, Span), String>,
    /// Schemas whose type is being generated: a schema met again inside itself is recursive.
    in_progress: BTreeSet<String>,
}

impl<'a> Resolver<'a, '_> {
    /// The Rust type of the value at `pointer` in a response body of schema `schema`:
    /// `Option` where the description lets it be absent or null, `serde_json::Value` where it
    /// says nothing.
    /// A pointer the schema does not describe is an error where the schema is closed and `sole`
    /// (no other success response of the operation may hold it), else a warning.
    pub(super) fn schema_type_at(
        &mut self,
        api: &'a OpenApi<'a>,
        schema: &'a Node,
        pointer: &Pointer,
        hint: &Hint,
        span: Span,
        sole: bool,
    ) -> Type {
        let refs = Refs::OpenApi(api.root);
        let mut node = schema;
        let mut optional = false;
        for token in &pointer.0 {
            let (resolved, _, nullable) = unwrap(refs, node);
            let ty = schema_type(resolved).0;
            optional |= nullable;
            let next = if ty == Some("array") || resolved.get("items").is_some() {
                optional = true;
                token.parse::<usize>().ok().and(resolved.get("items"))
            } else {
                find_property(refs, resolved, token).map(|(property, required)| {
                    optional |= !required;
                    property
                })
            };
            match next {
                Some(next) => node = next,
                None => {
                    self.report(undescribed(refs, resolved, pointer, token, span, sole));
                    return Type::Json.optional();
                }
            }
        }
        let ty = self.schema_type(refs, node, Direction::Output, hint, 0);
        if optional { ty.optional() } else { ty }
    }

    /// The Rust type of a schema: `Option` where it is nullable; a generated struct or enum
    /// (named after the component it refers to, else after `hint`) where it needs one.
    pub(super) fn schema_type(
        &mut self,
        refs: Refs<'a>,
        schema: &'a Node,
        direction: Direction,
        hint: &Hint,
        depth: usize,
    ) -> Type {
        let (node, component, nullable) = unwrap(refs, schema);
        let hint = match component {
            Some(component) => &Hint {
                name: self.context.prefixed(component),
                origin: format!("the schema `{component}`"),
            },
            None => hint,
        };
        let ty = self.non_null_type(refs, node, hint, direction, depth);
        if nullable { ty.optional() } else { ty }
    }

    fn non_null_type(
        &mut self,
        refs: Refs<'a>,
        node: &'a Node,
        hint: &Hint,
        direction: Direction,
        depth: usize,
    ) -> Type {
        if depth > MAX_NESTING {
            return Type::Json;
        }
        let declared = schema_type(node).0;
        match declared {
            Some("string") | None
                if direction == Direction::Input && string_enum(node).is_some() =>
            {
                self.enum_type(node, hint)
            }
            Some("string") => Type::String,
            Some("boolean") => Type::Bool,
            Some("integer") => match node.get("format").and_then(Node::as_str) {
                Some("int32") => Type::I32,
                _ => Type::I64,
            },
            Some("number") => Type::F64,
            Some("array") => match node.get("items") {
                Some(items) => {
                    let item_hint = Hint {
                        name: format!("{}Item", hint.name),
                        origin: format!("the items of {}", hint.origin),
                    };
                    let item = self.schema_type(refs, items, direction, &item_hint, depth + 1);
                    Type::Vec(Box::new(item))
                }
                None => Type::Vec(Box::new(Type::Json)),
            },
            None if string_enum(node).is_some() => Type::String,
            Some("object") | None => self.struct_type(refs, node, hint, direction, depth),
            _ => Type::Json,
        }
    }

    /// A generated struct for an object schema: its properties (with those of `allOf`
    /// members) as fields, required ones as `T`, the others as `Option<T>`. An object with no
    /// properties (a free-form map) is `serde_json::Value`.
    fn struct_type(
        &mut self,
        refs: Refs<'a>,
        node: &'a Node,
        hint: &Hint,
        direction: Direction,
        depth: usize,
    ) -> Type {
        let key = (direction, node.span);
        if let Some(existing) = self.types.by_schema.get(&key) {
            let named = Type::Named(ItemPath::inside(TYPES_MODULE, existing.clone()));
            return if self.types.in_progress.contains(existing) {
                Type::Boxed(Box::new(named))
            } else {
                named
            };
        }
        let mut properties = Vec::new();
        let mut required = BTreeSet::new();
        collect_properties(refs, node, &mut properties, &mut required, &mut 256);
        if properties.is_empty() || self.types.defs.len() >= MAX_TYPES {
            return Type::Json;
        }
        let type_name = self.type_names.unique_type(naming::pascal(&hint.name));
        self.types.by_schema.insert(key, type_name.clone());
        self.types.in_progress.insert(type_name.clone());

        let mut scope = Scope::default();
        let mut seen = BTreeSet::new();
        let mut fields = Vec::new();
        for (key, property) in properties {
            if !seen.insert(key.as_str()) {
                continue;
            }
            let hint = Hint {
                name: format!("{type_name}{}", naming::pascal(key)),
                origin: format!("the property `{key}` of [`{type_name}`]"),
            };
            let ty = self.schema_type(refs, property, direction, &hint, depth + 1);
            let ty = if required.contains(key.as_str()) {
                ty
            } else {
                ty.optional()
            };
            fields.push(FieldPlan {
                name: key.clone(),
                ident: scope.unique(naming::snake(key)),
                ty,
                doc: schema_doc(refs, property),
            });
        }
        self.types.in_progress.remove(&type_name);
        let doc = type_doc(node, hint, direction);
        self.types.defs.push(TypeDef {
            name: type_name.clone(),
            doc,
            kind: TypeDefKind::Struct(fields),
        });
        Type::Named(ItemPath::inside(TYPES_MODULE, type_name))
    }

    /// A generated enum for a string `enum` of an input.
    fn enum_type(&mut self, node: &'a Node, hint: &Hint) -> Type {
        let key = (Direction::Input, node.span);
        if let Some(existing) = self.types.by_schema.get(&key) {
            return Type::Enum(ItemPath::inside(TYPES_MODULE, existing.clone()));
        }
        let values = string_enum(node).unwrap_or_default();
        let type_name = self.type_names.unique_type(naming::pascal(&hint.name));
        self.types.by_schema.insert(key, type_name.clone());
        let mut scope = Scope::default();
        let variants = values
            .into_iter()
            .map(|value| (scope.unique_type(naming::variant(value)), value.to_owned()))
            .collect();
        self.types.defs.push(TypeDef {
            name: type_name.clone(),
            doc: type_doc(node, hint, Direction::Input),
            kind: TypeDefKind::Enum(variants),
        });
        Type::Enum(ItemPath::inside(TYPES_MODULE, type_name))
    }

    /// The `default` of an input property, when it is a scalar of the input's type. A default
    /// of another type is reported and left out.
    pub(super) fn input_default(
        &mut self,
        refs: Refs<'a>,
        property: &'a Node,
        ty: &Type,
    ) -> Option<DefaultValue> {
        let (resolved, _) = refs.follow(property);
        let default = property
            .get("default")
            .or_else(|| resolved.get("default"))?;
        let inner = match ty {
            Type::Option(inner) => inner,
            other => other,
        };
        let value = match (&default.value, inner) {
            (Value::Null, _) => return None,
            (Value::Str(s), Type::String) => DefaultValue::String(s.clone()),
            (Value::Str(s), Type::Enum(name)) => {
                let variant = self.types.defs.iter().find_map(|def| match &def.kind {
                    TypeDefKind::Enum(variants) if def.name == name.name => variants
                        .iter()
                        .find(|(_, value)| value == s)
                        .map(|(variant, _)| variant.clone()),
                    _ => None,
                });
                match variant {
                    Some(variant) => DefaultValue::Variant(name.clone(), variant),
                    None => {
                        return self
                            .wrong_default(default.span, "it is not one of the `enum` values");
                    }
                }
            }
            (Value::Bool(b), Type::Bool) => DefaultValue::Bool(*b),
            (Value::Int(i), Type::I64) => DefaultValue::Int(*i),
            (Value::Int(i), Type::I32) if i32::try_from(*i).is_ok() => DefaultValue::Int(*i),
            (Value::Int(i), Type::F64) => DefaultValue::Float(*i as f64),
            (Value::Float(f), Type::F64) if f.is_finite() => DefaultValue::Float(*f),
            (_, Type::Json | Type::Vec(_) | Type::Named(_) | Type::Boxed(_)) => return None,
            _ => return self.wrong_default(default.span, "it does not have the input's type"),
        };
        Some(value)
    }

    fn wrong_default(&mut self, span: Span, why: &str) -> Option<DefaultValue> {
        self.report(
            Diagnostic::warning(span, format!("this `default` is ignored: {why}"))
                .with_help("give a value of the schema's `type`, or leave `default` out"),
        );
        None
    }
}

/// Follows `$ref`s and wrappers of one schema (`allOf`, `oneOf` or `anyOf` with one member
/// besides `{type: 'null'}`): the schema, the last component referred to on the way, and
/// whether something on the way allows `null`.
fn unwrap<'n>(refs: Refs<'n>, schema: &'n Node) -> (&'n Node, Option<&'n str>, bool) {
    let (mut node, mut component) = refs.follow(schema);
    let mut nullable = schema_type(node).1;
    for _ in 0..32 {
        if node.get("properties").is_some() || node.get("items").is_some() {
            break;
        }
        let is_null = |member: &&'n Node| {
            refs.follow(member).0.get("type").and_then(Node::as_str) == Some("null")
        };
        let wrapped = ["allOf", "oneOf", "anyOf"].iter().find_map(|key| {
            let members = node.get(key)?.items();
            match members
                .iter()
                .filter(|m| !is_null(m))
                .collect::<Vec<_>>()
                .as_slice()
            {
                [only] => Some((*only, members.iter().any(|m| is_null(&m)))),
                _ => None,
            }
        });
        let Some((member, null_member)) = wrapped else {
            break;
        };
        let (next, name) = refs.follow(member);
        nullable |= null_member || schema_type(next).1;
        component = name.or(component);
        node = next;
    }
    (node, component, nullable)
}

/// The values of a string `enum` (leaving out `null`), when every value is a string.
fn string_enum(node: &Node) -> Option<Vec<&str>> {
    let values = node.get("enum")?.items();
    let strings: Vec<&str> = values.iter().filter_map(Node::as_str).collect();
    let nulls = values
        .iter()
        .filter(|v| matches!(v.value, Value::Null))
        .count();
    (!strings.is_empty() && strings.len() + nulls == values.len()).then_some(strings)
}

/// The properties of an object schema and of its `allOf` members, in order, and the names
/// they require. At most `budget` schemas are visited, so that a schema including itself ends.
fn collect_properties<'n>(
    refs: Refs<'n>,
    node: &'n Node,
    properties: &mut Vec<(&'n String, &'n Node)>,
    required: &mut BTreeSet<String>,
    budget: &mut usize,
) {
    let Some(left) = budget.checked_sub(1) else {
        return;
    };
    *budget = left;
    let (node, _) = refs.follow(node);
    if let Some(own) = node.get("properties") {
        properties.extend(own.entries().iter().map(|(key, value)| (&key.name, value)));
    }
    required.extend(schema_required(node).map(str::to_owned));
    for member in node.get("allOf").map(Node::items).unwrap_or_default() {
        collect_properties(refs, member, properties, required, budget);
    }
}

/// A pointer into a response body at `token`, which the schema `object` does not describe: an
/// error where the schema is closed (`additionalProperties: false`) and is the operation's only
/// success schema (`sole`), since no response can hold it; else a warning (the value is
/// `serde_json::Value`). Both suggest a close property name.
fn undescribed(
    refs: Refs<'_>,
    object: &Node,
    pointer: &Pointer,
    token: &str,
    span: Span,
    sole: bool,
) -> Diagnostic {
    let mut properties = Vec::new();
    collect_properties(
        refs,
        object,
        &mut properties,
        &mut BTreeSet::new(),
        &mut 256,
    );
    let names: Vec<&str> = properties.iter().map(|(k, _)| k.as_str()).collect();
    let closed = sole
        && ["additionalProperties", "unevaluatedProperties"]
            .iter()
            .any(|key| matches!(object.get(key).map(|n| &n.value), Some(Value::Bool(false))));
    let d = if closed {
        Diagnostic::error(
            span,
            format!(
                "the response schema does not describe `{pointer}`, and allows no other property"
            ),
        )
        .with_label(format!(
            "no property `{token}`: the schema has `additionalProperties: false`"
        ))
    } else {
        Diagnostic::warning(
            span,
            format!(
                "the response schema does not describe `{pointer}`; its type is `serde_json::Value`"
            ),
        )
    };
    let d = d.with_suggestion(token, names.iter().copied(), "did you mean `{}`?");
    match (&d.help, closed, names.is_empty()) {
        (None, true, false) => d.with_help(format!("the schema's properties: {}", quoted(&names))),
        _ => d,
    }
}

/// How many success (2xx) responses of `operation` have a JSON schema.
pub(super) fn success_schemas(api: &OpenApi<'_>, operation: &Operation<'_>) -> usize {
    let responses = operation
        .node
        .get("responses")
        .map(Node::entries)
        .unwrap_or_default();
    responses
        .iter()
        .filter(|(code, _)| code.name.starts_with('2'))
        .filter(|(_, response)| {
            let content = api.resolve(response).get("content");
            content
                .map(Node::entries)
                .unwrap_or_default()
                .iter()
                .any(|(media, m)| {
                    crate::model::openapi::is_json(&media.name) && m.get("schema").is_some()
                })
        })
        .count()
}

/// `a`, `b`, `c`.
fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A property of an object schema (looking through `allOf`), and whether it is required.
fn find_property<'n>(refs: Refs<'n>, schema: &'n Node, name: &str) -> Option<(&'n Node, bool)> {
    let mut properties = Vec::new();
    let mut required = BTreeSet::new();
    collect_properties(refs, schema, &mut properties, &mut required, &mut 256);
    properties
        .into_iter()
        .find(|(key, _)| key.as_str() == name)
        .map(|(_, property)| (property, required.contains(name)))
}

/// The doc comment of a property: its own description, else that of the schema it refers to.
pub(super) fn schema_doc(refs: Refs<'_>, property: &Node) -> Option<String> {
    let text = |node: &Node| {
        node.get("description")
            .and_then(Node::as_str)
            .map(str::to_owned)
    };
    text(property).or_else(|| text(refs.follow(property).0))
}

/// The doc comment of a generated type: the schema's title and description, and its origin.
fn type_doc(node: &Node, hint: &Hint, direction: Direction) -> String {
    let mut parts: Vec<String> = ["title", "description"]
        .iter()
        .filter_map(|key| node.get(key).and_then(Node::as_str))
        .map(str::to_owned)
        .collect();
    parts.push(match direction {
        Direction::Input => format!("From {}.", hint.origin),
        Direction::Output => format!(
            "From {}. Fields the schema does not list are ignored; fields it does not require \
             are `Option`s.",
            hint.origin
        ),
    });
    parts.join("\n\n")
}
