//! A sent message's payload, checked against its message's schemas: built as the Rust type
//! its `payload` schema gives it (a generated struct in `types` for an object schema), sent
//! as text under a content type that is not JSON, and each header parameter of the kind its
//! `headers` schema declares.
//!
//! A value whose kind the schema excludes (a string where it says integer, an object where it
//! says array, a member it does not list, a required member left out) is a located error here,
//! so that what the generated code builds always compiles. A value whose Rust type differs but
//! whose kind may fit (an untyped `serde_json::Value`, an `i64` for an `int32` member, a struct
//! of another schema) is converted through JSON when the message is built; a value that then
//! does not fit is an error naming the member.

use std::collections::BTreeSet;

use crate::diagnostic::Diagnostic;
use crate::files::Span;
use crate::model::arazzo::Step;
use crate::model::asyncapi::Message;
use crate::model::openapi::{OpenApi, schema_required, schema_type};
use crate::naming;
use crate::node::Node;
use crate::plan::{PayloadPlan, Place, Type, TypeDefKind, TypedValue, ValuePlan, ValueRef};

use super::Resolver;
use super::types::{Direction, Hint, Refs};

/// What a value or a schema holds, as far as a message cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Text,
    Bool,
    Integer,
    Number,
    Array,
    Object,
    /// Anything: the documents say nothing more precise.
    Any,
}

impl Kind {
    fn of(ty: &Type) -> Self {
        match ty {
            Type::Option(inner) | Type::Boxed(inner) => Self::of(inner),
            Type::String | Type::Enum(_) => Self::Text,
            Type::Bool => Self::Bool,
            Type::I32 | Type::I64 | Type::U16 => Self::Integer,
            Type::F64 => Self::Number,
            Type::Vec(_) => Self::Array,
            Type::Named(_) => Self::Object,
            Type::Json => Self::Any,
        }
    }

    /// The kind a schema's `type` declares.
    fn of_schema(schema: &Node) -> Self {
        match schema_type(schema).0 {
            Some("string") => Self::Text,
            Some("boolean") => Self::Bool,
            Some("integer") => Self::Integer,
            Some("number") => Self::Number,
            Some("array") => Self::Array,
            Some("object") => Self::Object,
            _ => Self::Any,
        }
    }

    /// The kind of a value as the step writes it; `None` for `null`.
    fn of_value(value: &ValuePlan) -> Option<Self> {
        Some(match value {
            ValuePlan::Null => return None,
            ValuePlan::Bool(_) => Self::Bool,
            ValuePlan::Number(n) if n.parse::<i64>().is_ok() || n.parse::<u64>().is_ok() => {
                Self::Integer
            }
            ValuePlan::Number(_) => Self::Number,
            ValuePlan::Str(_) | ValuePlan::Template(_) => Self::Text,
            ValuePlan::Array(_) => Self::Array,
            ValuePlan::Object(_) => Self::Object,
            ValuePlan::Ref(r) => Self::of(&r.ty),
        })
    }

    /// True when a value of kind `self` may be sent where `target` is expected.
    fn fits(self, target: Self) -> bool {
        self == target
            || self == Self::Any
            || target == Self::Any
            || (self == Self::Integer && target == Self::Number)
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Text => "a string",
            Self::Bool => "a boolean",
            Self::Integer => "an integer",
            Self::Number => "a number",
            Self::Array => "an array",
            Self::Object => "an object",
            Self::Any => "any value",
        }
    }
}

/// True for a value held in a variable of the workflow's function, read as it is.
fn in_variable(r: &ValueRef) -> bool {
    matches!(
        r.place,
        Place::Input { pointer: None, .. }
            | Place::StepOutput { pointer: None, .. }
            | Place::Dependency { pointer: None, .. }
            | Place::Called { pointer: None, .. }
            | Place::Const(_)
    )
}

/// The member at `at` for messages: the whole payload, or `/petId`.
fn member(at: &str) -> String {
    if at.is_empty() {
        "the payload".to_owned()
    } else {
        format!("`{at}`")
    }
}

/// A field of a generated struct: its JSON name, Rust name and type.
struct Field {
    name: String,
    ident: String,
    ty: Type,
}

/// What is being built: the message, for errors.
struct Building<'m> {
    message: &'m str,
}

impl<'a> Resolver<'a, '_> {
    /// A `send` step's payload: as text under a content type that is not JSON (the step's
    /// `requestBody.contentType`, else the message's), else built as the type the message's
    /// `payload` schema gives it; as a JSON value when there is no one message to type it by,
    /// or its schema says nothing precise.
    pub(super) fn payload_plan(
        &mut self,
        step: &Step<'_>,
        api: &'a OpenApi<'a>,
        messages: &[Message<'a>],
        node: &Node,
        value: ValuePlan,
    ) -> Option<PayloadPlan> {
        let message = match messages {
            [one] => Some(one),
            _ => None,
        };
        let body = step.request_body.as_ref();
        let (content_type, declared_at) = match body.and_then(|b| b.content_type.as_ref()) {
            Some(ct) => (Some(ct.value.clone()), Some(ct.span)),
            None => (message.and_then(|m| m.content_type.clone()), None),
        };
        if let Some(content_type) = content_type.filter(|ct| !crate::model::openapi::is_json(ct)) {
            return self.text_payload(message, &content_type, declared_at, node, value);
        }
        let Some((message, schema)) = message.and_then(|m| Some((m, m.payload?))) else {
            return Some(PayloadPlan::Json(value));
        };
        let name = message.component.as_deref().unwrap_or(&message.name);
        let hint = Hint {
            name: naming::pascal(&self.context.prefixed(name)),
            origin: format!("the payload of the AsyncAPI message `{name}`"),
        };
        let ty = match self.schema_type(Refs::OpenApi(api.root), schema, Direction::Input, &hint, 0)
        {
            Type::Json => return Some(PayloadPlan::Json(value)),
            ty => ty,
        };
        let building = Building { message: name };
        let typed = self.typed(&building, &ty, &value, node, "")?;
        Some(PayloadPlan::Typed {
            written: value,
            ty,
            value: typed,
        })
    }

    /// A payload under a content type that is not JSON: a string (or a template, or a string
    /// value), sent as its bytes.
    fn text_payload(
        &mut self,
        message: Option<&Message<'a>>,
        content_type: &str,
        declared_at: Option<Span>,
        node: &Node,
        value: ValuePlan,
    ) -> Option<PayloadPlan> {
        let text = match &value {
            ValuePlan::Str(_) | ValuePlan::Template(_) => true,
            ValuePlan::Ref(r) => Kind::of(&r.ty) == Kind::Text,
            _ => false,
        };
        if text {
            return Some(PayloadPlan::Text(value));
        }
        let declared = match (declared_at, message) {
            (Some(span), _) => format!("the step's `contentType`, line {}", span.line),
            (None, Some(m)) => format!("the message `{}`'s `contentType`", m.name),
            (None, None) => "the message's `contentType`".to_owned(),
        };
        self.report(
            Diagnostic::error(
                node.span,
                format!("a `{content_type}` message is sent as text, and this payload is not a string"),
            )
            .with_label(format!("`{content_type}` is {declared}"))
            .with_help("write the payload as a string (a `{$…}` template can fill in values), or give the message a JSON `contentType`"),
        );
        None
    }

    /// `value`, written where the schema's type is `ty`, as that type; `None` when it cannot
    /// be (reported).
    fn typed(
        &mut self,
        building: &Building<'_>,
        ty: &Type,
        value: &ValuePlan,
        node: &Node,
        at: &str,
    ) -> Option<TypedValue> {
        match ty {
            Type::Option(inner) => match value {
                ValuePlan::Null => Some(TypedValue::None),
                ValuePlan::Ref(r) if r.ty.is_option() => self.read(building, ty, r, node, at),
                _ => Some(TypedValue::Some(Box::new(
                    self.typed(building, inner, value, node, at)?,
                ))),
            },
            Type::Boxed(inner) => Some(TypedValue::Boxed(Box::new(
                self.typed(building, inner, value, node, at)?,
            ))),
            Type::Json => Some(TypedValue::Json(value.clone())),
            _ => self.typed_present(building, ty, value, node, at),
        }
    }

    /// `value` where the member is required and is not a `serde_json::Value`.
    fn typed_present(
        &mut self,
        building: &Building<'_>,
        ty: &Type,
        value: &ValuePlan,
        node: &Node,
        at: &str,
    ) -> Option<TypedValue> {
        let literal = || Some(TypedValue::Literal(value.clone(), ty.clone()));
        match (value, ty) {
            (ValuePlan::Ref(r), _) => self.read(building, ty, r, node, at),
            (ValuePlan::Bool(_), Type::Bool) | (ValuePlan::Str(_), Type::String) => literal(),
            (ValuePlan::Number(n), Type::I64) if n.parse::<i64>().is_ok() => literal(),
            (ValuePlan::Number(n), Type::I32) if n.parse::<i32>().is_ok() => literal(),
            (ValuePlan::Number(n), Type::F64) if n.parse::<f64>().is_ok_and(f64::is_finite) => {
                literal()
            }
            (ValuePlan::Str(s), Type::Enum(path)) => self.variant(building, path, s, node, at),
            (ValuePlan::Template(parts), Type::String) => Some(TypedValue::Template(parts.clone())),
            (ValuePlan::Template(_), Type::Enum(_)) => Some(TypedValue::Converted {
                value: value.clone(),
                ty: ty.clone(),
                at: at.to_owned(),
            }),
            (ValuePlan::Array(items), Type::Vec(item)) => {
                let mut typed = Vec::new();
                let mut ok = true;
                for (i, entry) in items.iter().enumerate() {
                    let child = node.items().get(i).unwrap_or(node);
                    match self.typed(building, item, entry, child, &format!("{at}/{i}")) {
                        Some(entry) => typed.push(entry),
                        None => ok = false,
                    }
                }
                ok.then_some(TypedValue::Vec(typed))
            }
            (ValuePlan::Object(entries), Type::Named(path)) => {
                self.typed_struct(building, path, entries, node, at)
            }
            (ValuePlan::Number(n), Type::I32 | Type::I64)
                if Kind::of_value(value) == Some(Kind::Integer) =>
            {
                self.report(
                    Diagnostic::error(
                        node.span,
                        format!(
                            "`{n}` does not fit {} of the message `{}` ({})",
                            member(at),
                            building.message,
                            rust_name(ty)
                        ),
                    )
                    .with_help("give a value within the schema's `format`"),
                );
                None
            }
            _ => {
                let found = Kind::of_value(value).map_or("`null`", Kind::describe);
                self.report(
                    Diagnostic::error(
                        node.span,
                        format!(
                            "{} of the message `{}` is {}; this value is {found}",
                            capitalized(&member(at)),
                            building.message,
                            Kind::of(ty).describe()
                        ),
                    )
                    .with_help(if value == &ValuePlan::Null {
                        "the schema neither lets it be `null` nor leaves it out: give it a value"
                    } else {
                        "write a value of the schema's type"
                    }),
                );
                None
            }
        }
    }

    /// A whole value read from a place, where the member's type is `ty`.
    fn read(
        &mut self,
        building: &Building<'_>,
        ty: &Type,
        r: &ValueRef,
        node: &Node,
        at: &str,
    ) -> Option<TypedValue> {
        if in_variable(r) && &r.ty == ty {
            return Some(TypedValue::Read(r.clone()));
        }
        if in_variable(r) && r.ty == ty.clone().optional() && !ty.is_option() {
            return Some(TypedValue::Present(r.clone()));
        }
        let (found, wanted) = (Kind::of(&r.ty), Kind::of(ty));
        if found.fits(wanted) {
            return Some(TypedValue::Converted {
                value: ValuePlan::Ref(r.clone()),
                ty: ty.clone(),
                at: at.to_owned(),
            });
        }
        self.report(
            Diagnostic::error(
                node.span,
                format!(
                    "`{}` is {} (`{}`); {} of the message `{}` is {}",
                    r.expression,
                    found.describe(),
                    rust_name(&r.ty),
                    member(at),
                    building.message,
                    wanted.describe()
                ),
            )
            .with_help("send a value of the schema's type (an input's `type` in the workflow's `inputs` schema says what it holds)"),
        );
        None
    }

    /// A string literal where the member is a generated enum: one of its values.
    fn variant(
        &mut self,
        building: &Building<'_>,
        path: &crate::plan::ItemPath,
        text: &str,
        node: &Node,
        at: &str,
    ) -> Option<TypedValue> {
        let variants = self.types.defs.iter().find_map(|def| match &def.kind {
            TypeDefKind::Enum(variants) if def.name == path.name => Some(variants.clone()),
            _ => None,
        });
        let Some(variants) = variants else {
            return Some(TypedValue::Converted {
                value: ValuePlan::Str(text.to_owned()),
                ty: Type::Enum(path.clone()),
                at: at.to_owned(),
            });
        };
        if let Some((variant, _)) = variants.iter().find(|(_, value)| value == text) {
            return Some(TypedValue::Variant(path.clone(), variant.clone()));
        }
        let values: Vec<&str> = variants.iter().map(|(_, v)| v.as_str()).collect();
        self.report(
            Diagnostic::error(
                node.span,
                format!(
                    "`{text}` is not one of the values of {} of the message `{}`",
                    member(at),
                    building.message
                ),
            )
            .with_suggestion_or(
                text,
                values.iter().copied(),
                "did you mean `{}`?",
                format!("its `enum`: {}", quoted(&values)),
            ),
        );
        None
    }

    /// An object written where the member is a generated struct: each of its members a field
    /// the struct has, and every field the schema requires given.
    fn typed_struct(
        &mut self,
        building: &Building<'_>,
        path: &crate::plan::ItemPath,
        entries: &[(String, ValuePlan)],
        node: &Node,
        at: &str,
    ) -> Option<TypedValue> {
        let fields = self.types.defs.iter().find_map(|def| match &def.kind {
            TypeDefKind::Struct(fields) if def.name == path.name => Some(
                fields
                    .iter()
                    .map(|f| Field {
                        name: f.name.clone(),
                        ident: f.ident.clone(),
                        ty: f.ty.clone(),
                    })
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        });
        let Some(fields) = fields else {
            return Some(TypedValue::Converted {
                value: ValuePlan::Object(entries.to_vec()),
                ty: Type::Named(path.clone()),
                at: at.to_owned(),
            });
        };
        let mut ok = true;
        let mut given = BTreeSet::new();
        for (name, _) in entries {
            if !fields.iter().any(|f| &f.name == name) {
                let span = node
                    .entries()
                    .iter()
                    .find(|(key, _)| &key.name == name)
                    .map_or(node.span, |(key, _)| key.span);
                self.report(
                    Diagnostic::error(
                        span,
                        format!(
                            "{} of the message `{}` has no member `{name}`",
                            capitalized(&member(at)),
                            building.message
                        ),
                    )
                    .with_suggestion_or(
                        name,
                        fields.iter().map(|f| f.name.as_str()),
                        "did you mean `{}`?",
                        format!(
                            "its schema's properties: {}",
                            quoted(&fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>())
                        ),
                    ),
                );
                ok = false;
            }
            given.insert(name.as_str());
        }
        // A required member whose name an unknown one misspells was reported with it.
        let unknown: Vec<&str> = given
            .iter()
            .copied()
            .filter(|name| !fields.iter().any(|f| f.name == *name))
            .collect();
        let missing: Vec<&str> = fields
            .iter()
            .filter(|f| !f.ty.is_option() && !given.contains(f.name.as_str()))
            .map(|f| f.name.as_str())
            .filter(|name| {
                !unknown
                    .iter()
                    .any(|u| crate::suggest::did_you_mean(u, std::iter::once(*name)).is_some())
            })
            .collect();
        if !missing.is_empty() {
            self.report(
                Diagnostic::error(
                    node.span,
                    format!(
                        "{} of the message `{}` requires {}, which this step does not give",
                        capitalized(&member(at)),
                        building.message,
                        quoted(&missing)
                    ),
                )
                .with_help("give every member the message's schema lists as `required`"),
            );
            ok = false;
        }
        let mut typed = Vec::new();
        for field in &fields {
            let entry = entries.iter().find(|(name, _)| name == &field.name);
            let value = match entry {
                None => TypedValue::None,
                Some((name, value)) => {
                    let child = node.get(name).unwrap_or(node);
                    let pointer = format!("{at}/{}", name.replace('~', "~0").replace('/', "~1"));
                    match self.typed(building, &field.ty, value, child, &pointer) {
                        Some(value) => value,
                        None => {
                            ok = false;
                            continue;
                        }
                    }
                }
            };
            typed.push((field.ident.clone(), value));
        }
        ok.then(|| TypedValue::Struct {
            path: path.clone(),
            fields: typed,
        })
    }

    /// A header parameter of a `send` step against the message's `headers` schema: a value of
    /// the kind its property declares. False when it is not (reported).
    pub(super) fn header_fits(
        &mut self,
        api: &OpenApi<'a>,
        message: &Message<'a>,
        name: &str,
        value: &ValuePlan,
        span: Span,
    ) -> bool {
        let Some(property) = message
            .headers
            .and_then(|h| h.get("properties"))
            .and_then(|p| {
                p.entries()
                    .iter()
                    .find(|(key, _)| key.name.eq_ignore_ascii_case(name))
            })
            .map(|(_, property)| api.resolve(property))
        else {
            return true;
        };
        let wanted = Kind::of_schema(property);
        let Some(found) = Kind::of_value(value) else {
            return true;
        };
        if found.fits(wanted) {
            return true;
        }
        self.report(
            Diagnostic::error(
                span,
                format!(
                    "the header `{name}` of the message `{}` is {}; this value is {}",
                    message.component.as_deref().unwrap_or(&message.name),
                    wanted.describe(),
                    found.describe()
                ),
            )
            .with_help(
                "a header travels as text, and its value must be of the kind its schema declares",
            ),
        );
        false
    }

    /// The headers a message's `headers` schema requires that a `send` step does not give.
    pub(super) fn missing_headers(message: &Message<'_>, given: &[&str]) -> Vec<String> {
        message
            .headers
            .map(|headers| {
                schema_required(headers)
                    .filter(|required| !given.iter().any(|g| g.eq_ignore_ascii_case(required)))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A type as Rust writes it, for messages: `String`, `i64`, `Option<i64>`, `Pet`.
fn rust_name(ty: &Type) -> String {
    match ty {
        Type::String => "String".into(),
        Type::Bool => "bool".into(),
        Type::I32 => "i32".into(),
        Type::I64 => "i64".into(),
        Type::U16 => "u16".into(),
        Type::F64 => "f64".into(),
        Type::Json => "serde_json::Value".into(),
        Type::Vec(inner) => format!("Vec<{}>", rust_name(inner)),
        Type::Option(inner) => format!("Option<{}>", rust_name(inner)),
        Type::Boxed(inner) => format!("Box<{}>", rust_name(inner)),
        Type::Named(path) | Type::Enum(path) => path.name.clone(),
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `a`, `b`, `c`.
fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
