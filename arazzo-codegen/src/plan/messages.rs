//! What an AsyncAPI step's message is made of: its channel's address with its `{parameters}`
//! bound, and a sent payload, built as the Rust type its message's schema gives it, as JSON,
//! or as text.

use super::{ItemPath, TemplatePart, Type, ValuePlan, ValueRef};

/// A channel's address, its `{parameters}` bound to the values that fill them.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AddressPlan {
    /// As the AsyncAPI description writes it (`orders/{orderId}`).
    pub(crate) written: String,
    /// Its pieces, in order.
    pub(crate) parts: Vec<AddressPart>,
}

/// A piece of a channel's address.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum AddressPart {
    /// Literal text.
    Text(String),
    /// A `{name}`, filled in by this value's text.
    Param {
        /// The parameter's name.
        name: String,
        /// Its value.
        value: ValuePlan,
    },
}

impl AddressPlan {
    /// The address itself, when no parameter is in it.
    pub(crate) fn as_fixed(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [AddressPart::Text(text)] => Some(text),
            [] => Some(""),
            _ => None,
        }
    }

    /// The values its parameters read.
    pub(crate) fn values(&self) -> impl Iterator<Item = &ValuePlan> {
        self.parts.iter().filter_map(|part| match part {
            AddressPart::Param { value, .. } => Some(value),
            AddressPart::Text(_) => None,
        })
    }
}

/// A sent message's payload, and how it is encoded.
// A plan is built once per generation and read in place: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum PayloadPlan {
    /// JSON, built as the Rust type the message's `payload` schema gives it (a generated struct
    /// in `types` for an object schema), so that a value of another type does not compile.
    Typed {
        /// The payload as written in the step: what it reads.
        written: ValuePlan,
        /// The payload's type.
        ty: Type,
        /// The payload, as that type.
        value: TypedValue,
    },
    /// JSON, built as a `serde_json::Value`: the message has no schema, or one that says
    /// nothing more precise (a free-form object).
    Json(ValuePlan),
    /// A content type other than JSON (`text/plain`, `application/octet-stream`, …): the
    /// string's bytes, sent as they are.
    Text(ValuePlan),
}

impl PayloadPlan {
    /// The payload as written in the step.
    pub(crate) fn written(&self) -> &ValuePlan {
        match self {
            Self::Typed { written, .. } => written,
            Self::Json(value) | Self::Text(value) => value,
        }
    }
}

/// A value built as a Rust type from a schema: a sent message's payload or a member of it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum TypedValue {
    /// `None`: an optional member the step leaves out, or writes as `null`.
    None,
    /// `Some(…)`: a value of an optional member.
    Some(Box<TypedValue>),
    /// `Box::new(…)`: a struct inside itself.
    Boxed(Box<TypedValue>),
    /// A literal of a scalar type (`Bool`, `Number` or `Str`), of this type (`String`, `bool`,
    /// `i32`, `i64`, `f64`).
    Literal(ValuePlan, Type),
    /// A variant of a generated enum: `(enum, variant)`.
    Variant(ItemPath, String),
    /// A string with embedded values.
    Template(Vec<TemplatePart>),
    /// A whole value that has the member's type already: copied or cloned.
    Read(ValueRef),
    /// An optional value where the member is required: it must be there when the message is
    /// built (`Error::AbsentValue` otherwise).
    Present(ValueRef),
    /// A value whose type the documents leave open (`serde_json::Value`), or that holds the
    /// member's kind in another Rust type (an integer of another width, a struct of another
    /// schema): converted through JSON when the message is built, an error naming the member
    /// when it does not fit.
    Converted {
        /// The value.
        value: ValuePlan,
        /// The member's type.
        ty: Type,
        /// The member's JSON pointer in the payload.
        at: String,
    },
    /// A member whose schema says nothing precise (`serde_json::Value`): built as JSON.
    Json(ValuePlan),
    /// A generated struct: every field, in order.
    Struct {
        /// The struct.
        path: ItemPath,
        /// `(field, value)`.
        fields: Vec<(String, TypedValue)>,
    },
    /// A `Vec`.
    Vec(Vec<TypedValue>),
}
