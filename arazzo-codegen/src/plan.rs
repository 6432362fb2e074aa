//! The plan: what the generated code does, decided completely before any token is written.
//!
//! Every name here is already a Rust identifier, every expression already bound to the value it
//! reads, every request already resolved to a method, a path and a source. The emitter only
//! turns this into tokens.

use crate::condition::{Literal, Op};

pub(crate) mod concurrent;
pub(crate) mod durable;
pub(crate) mod fake;
mod querystring;

pub(crate) use querystring::{QueryEncoding, QueryStringPlan};

/// Where a generated item lives, relative to the root of the generated module: at the root
/// (`Client`, a workflow's function), in `types` (the structs and enums made from schemas), or
/// in a workflow's module (its `Inputs`, `Outputs`, step functions and step types). The
/// emitter writes the shortest path from wherever it writes (`Outputs`, `super::types::Session`,
/// `sms_otp_login::Inputs`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ItemPath {
    /// The module under the root that holds it; `None` for the root itself.
    pub(crate) module: Option<String>,
    /// The item's name.
    pub(crate) name: String,
}

impl ItemPath {
    /// An item at the root of the generated module.
    pub(crate) fn root(name: impl Into<String>) -> Self {
        Self {
            module: None,
            name: name.into(),
        }
    }

    /// An item in the module `module`.
    pub(crate) fn inside(module: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            module: Some(module.into()),
            name: name.into(),
        }
    }
}

/// The module that holds the types made from schemas.
pub(crate) const TYPES_MODULE: &str = "types";

/// A Rust type of a generated field or value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Type {
    /// `String`
    String,
    /// `bool`
    Bool,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `u16` (HTTP status codes)
    U16,
    /// `f64`
    F64,
    /// `serde_json::Value`: the documents say nothing more precise.
    Json,
    /// `Vec<T>`
    Vec(Box<Type>),
    /// `Option<T>`
    Option(Box<Type>),
    /// `Box<T>`: a generated struct inside itself (a schema that contains itself).
    Boxed(Box<Type>),
    /// A generated struct or enum: another workflow's inputs or outputs, or a type made from a
    /// JSON Schema.
    Named(ItemPath),
    /// A generated fieldless enum (a string `enum` of an input): `Copy`, and `Display`s as the
    /// document's value.
    Enum(ItemPath),
}

impl Type {
    /// `Option<self>`, unless it already is an option.
    pub(crate) fn optional(self) -> Self {
        match self {
            Self::Option(_) => self,
            other => Self::Option(Box::new(other)),
        }
    }

    /// True for `Option<_>`.
    pub(crate) fn is_option(&self) -> bool {
        matches!(self, Self::Option(_))
    }

    /// True when the type is `serde_json::Value`, or an option or a vector of it.
    pub(crate) fn holds_json(&self) -> bool {
        match self {
            Self::Json => true,
            Self::Vec(inner) | Self::Option(inner) | Self::Boxed(inner) => inner.holds_json(),
            _ => false,
        }
    }
}

/// The whole generated module.
#[derive(Debug)]
pub(crate) struct Plan {
    /// `info.title`.
    pub(crate) title: String,
    /// `info.summary`.
    pub(crate) summary: Option<String>,
    /// `info.description`.
    pub(crate) description: Option<String>,
    /// The OpenAPI sources, each with a base URL on the client.
    pub(crate) sources: Vec<SourcePlan>,
    /// The AsyncAPI sources, each with a transport on the client.
    pub(crate) brokers: Vec<BrokerPlan>,
    /// The security schemes, each with credentials on the client.
    pub(crate) schemes: Vec<SchemePlan>,
    /// The workflows.
    pub(crate) workflows: Vec<WorkflowPlan>,
    /// The structs and enums generated from JSON Schemas: nested input objects, string enums of
    /// inputs, and the objects outputs read from responses.
    pub(crate) types: Vec<TypeDef>,
    /// With `Settings::fake`: the types of every operation the steps call, for the fake.
    pub(crate) fake_types: Vec<fake::OperationTypes>,
}

impl Plan {
    /// Adds another document's workflows (those of an Arazzo source description) with their
    /// sources and schemes, renumbering what refers to them.
    pub(crate) fn merge(&mut self, other: Plan) {
        let (sources, schemes) = (self.sources.len(), self.schemes.len());
        let brokers = self.brokers.len();
        self.sources.extend(other.sources);
        self.brokers.extend(other.brokers);
        self.schemes
            .extend(other.schemes.into_iter().map(|mut scheme| {
                scheme.source += sources;
                scheme
            }));
        self.workflows
            .extend(other.workflows.into_iter().map(|mut workflow| {
                for step in &mut workflow.steps {
                    if let StepKind::Operation(request) = &mut step.kind {
                        request.source += sources;
                        for auth in &mut request.auth {
                            auth.scheme += schemes;
                        }
                    }
                    if let StepKind::Message(message) = &mut step.kind {
                        message.broker += brokers;
                    }
                }
                workflow
            }));
        self.types.extend(other.types);
        self.fake_types
            .extend(other.fake_types.into_iter().map(|mut types| {
                types.source += sources;
                types
            }));
    }

    /// Every workflow output whose type is (or holds) `serde_json::Value` because no schema
    /// describes it: `(workflowId, output name)`, in document order.
    pub(crate) fn untyped_outputs(&self) -> Vec<(&str, &str)> {
        self.workflows
            .iter()
            .flat_map(|w| {
                w.outputs
                    .iter()
                    .filter(|(field, _)| field.ty.holds_json())
                    .map(|(field, _)| (w.id.as_str(), field.name.as_str()))
            })
            .collect()
    }

    /// The step outputs that a JSONPath selector makes `serde_json::Value` (a query that is not
    /// a plain path can select anything), as `(workflowId, stepId, output name)`.
    pub(crate) fn untyped_selector_outputs(&self) -> Vec<(&str, &str, &str)> {
        self.workflows
            .iter()
            .flat_map(|w| {
                w.steps.iter().flat_map(move |step| {
                    step.outputs
                        .iter()
                        .filter(|o| {
                            matches!(&o.source, OutputSource::Value(v)
                                if matches!(&v.place, Place::Selected(s) if s.xpath.is_none()))
                        })
                        .map(move |o| (w.id.as_str(), step.id.as_str(), o.field.name.as_str()))
                })
            })
            .collect()
    }
}

/// A struct or an enum generated from a JSON Schema.
#[derive(Debug)]
pub(crate) struct TypeDef {
    /// The Rust name.
    pub(crate) name: String,
    /// Its doc comment: the schema's title and description, and where it comes from.
    pub(crate) doc: String,
    /// Its shape.
    pub(crate) kind: TypeDefKind,
}

/// The shape of a generated type.
#[derive(Debug)]
pub(crate) enum TypeDefKind {
    /// A struct, from an object schema.
    Struct(Vec<FieldPlan>),
    /// A fieldless enum, from a string `enum`: `(variant, value)`.
    Enum(Vec<(String, String)>),
}

/// A scalar `default` of an input, filled in when the caller leaves the input out.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum DefaultValue {
    /// A string.
    String(String),
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A number.
    Float(f64),
    /// A variant of a generated enum: `(enum, variant)`.
    Variant(ItemPath, String),
}

/// One OpenAPI source.
#[derive(Debug)]
pub(crate) struct SourcePlan {
    /// The source's name in the document.
    pub(crate) name: String,
    /// Client field and builder setter.
    pub(crate) field: String,
    /// Its servers, in order.
    pub(crate) servers: Vec<String>,
    /// The client's base URL when none is set: the first server, when it is an absolute URL.
    pub(crate) default_url: Option<String>,
}

/// Where an API key goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ApiKeyLocation {
    /// A header.
    Header,
    /// A query parameter.
    Query,
    /// A cookie.
    Cookie,
}

/// The kinds of security scheme the client can hold credentials for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SchemeKind {
    /// HTTP `basic`: a user name and a password.
    Basic,
    /// HTTP `bearer`, or an OAuth 2 / OpenID Connect access token.
    Bearer,
    /// An API key, sent as `name` in a header, a query parameter or a cookie.
    ApiKey {
        /// Where it goes.
        location: ApiKeyLocation,
        /// The header, parameter or cookie name.
        name: String,
    },
}

/// One security scheme.
#[derive(Debug)]
pub(crate) struct SchemePlan {
    /// The scheme's name in `components.securitySchemes`.
    pub(crate) name: String,
    /// Index into [`Plan::sources`]: the source that defines it, whose requests it goes on.
    pub(crate) source: usize,
    /// Client field and builder setter.
    pub(crate) field: String,
    /// Its kind.
    pub(crate) kind: SchemeKind,
    /// Its description.
    pub(crate) description: Option<String>,
    /// Why the scheme applies although no operation requires it, when that is the case.
    pub(crate) implied: bool,
    /// An OAuth 2 scheme's `clientCredentials` flow, which the client can fetch tokens with.
    pub(crate) client_credentials: Option<ClientCredentialsFlow>,
}

/// An OAuth 2 `clientCredentials` flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ClientCredentialsFlow {
    /// Its `tokenUrl`, absolute or relative to the source's base URL.
    pub(crate) token_url: String,
    /// The scopes the workflows' operations require of the scheme, each once, in the order met.
    pub(crate) scopes: Vec<String>,
}

impl ClientCredentialsFlow {
    /// Adds the scopes an operation requires.
    pub(crate) fn add_scopes(&mut self, scopes: Vec<String>) {
        for scope in scopes {
            if !self.scopes.contains(&scope) {
                self.scopes.push(scope);
            }
        }
    }
}

/// One workflow: a function at the root of the generated module, and a module of the same name
/// with its inputs struct, its outputs struct, and each step's types and function.
#[derive(Debug)]
pub(crate) struct WorkflowPlan {
    /// `workflowId`.
    pub(crate) id: String,
    /// The function, and the name of the workflow's module.
    pub(crate) fn_name: String,
    /// The inputs struct (`<module>::Inputs`).
    pub(crate) inputs_type: ItemPath,
    /// The outputs struct (`<module>::Outputs`).
    pub(crate) outputs_type: ItemPath,
    /// `summary`.
    pub(crate) summary: Option<String>,
    /// `description`.
    pub(crate) description: Option<String>,
    /// Fields of the inputs struct.
    pub(crate) inputs: Vec<FieldPlan>,
    /// The inputs' defaults, by field: filled in when the caller gives `None`.
    pub(crate) defaults: Vec<(String, DefaultValue)>,
    /// Fields of the outputs struct, with where each comes from.
    pub(crate) outputs: Vec<(FieldPlan, ValueRef)>,
    /// The steps, in order.
    pub(crate) steps: Vec<StepPlan>,
    /// The workflows it depends on, run first, in order.
    pub(crate) depends_on: Vec<DependencyPlan>,
    /// The steps of other workflows that some of its steps depend on (Arazzo 1.1 step
    /// `dependsOn`): not run here, the caller hands over their outputs in the inputs.
    pub(crate) step_dependencies: Vec<StepDependencyPlan>,
    /// True when an action jumps (`goto`) or repeats (`retry`): the function is then a loop
    /// over the steps rather than straight-line code.
    pub(crate) looping: bool,
    /// The most steps one run may execute, in a loop.
    pub(crate) max_steps: usize,
    /// How values embedded in strings become text, by the document's version.
    pub(crate) embedding: Embedding,
    /// When the steps run at once (Arazzo 1.1 step `dependsOn`): what each waits for. `None`:
    /// they run one after the other.
    pub(crate) concurrent: Option<concurrent::Schedule>,
    /// Its durable run (`start`, `resume`, `resume_with`), when durable runs are generated.
    pub(crate) durable: Option<durable::Durability>,
}

/// How a value embedded in a string (`"id-{$inputs.id}"`) becomes text: a string as it is, an
/// object or array as its JSON text, and a JSON `null`...
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Embedding {
    /// ... as nothing (Arazzo 1.0, which does not say; the behaviour it always had).
    NullAsNothing,
    /// ... as `null`, its string representation (Arazzo 1.1, Runtime Expressions: "scalar values
    /// (string, number, boolean, null) are converted to their string representation").
    NullAsText,
}

/// A field of a generated struct.
#[derive(Debug)]
pub(crate) struct FieldPlan {
    /// The name in the document (and in JSON).
    pub(crate) name: String,
    /// The Rust field name.
    pub(crate) ident: String,
    /// Its type.
    pub(crate) ty: Type,
    /// Its doc comment.
    pub(crate) doc: Option<String>,
}

/// Where a value is read, once the workflow runs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Place {
    /// A field of the inputs, or (with a pointer) a part of it.
    Input {
        /// The field.
        field: String,
        /// A JSON pointer into the field's value.
        pointer: Option<String>,
    },
    /// A field of an earlier step's outputs, or (with a pointer) a part of it.
    StepOutput {
        /// The step's variable.
        step: String,
        /// The field.
        field: String,
        /// A JSON pointer into the field's value.
        pointer: Option<String>,
    },
    /// `$statusCode` of the current step's response.
    StatusCode,
    /// `$response.body#<pointer>` of the current step, as JSON.
    ResponseBody(String),
    /// `$response.header.<name>` of the current step.
    ResponseHeader(String),
    /// `$request.body#<pointer>`: the body the current step sent.
    RequestBody(String),
    /// `$url`: the URL the current step's request went to.
    Url,
    /// The base URL of a source (`$sourceDescriptions.<name>.url`): the client field.
    SourceUrl(String),
    /// A value known when the code is generated (`$method`, a source's `type`, a request header
    /// the step sets itself).
    Const(String),
    /// An output of the workflow the current step called (`$outputs.<name>` in its `outputs`),
    /// or (with a pointer) a part of it.
    Called {
        /// The field of the called workflow's outputs.
        field: String,
        /// A JSON pointer into the field's value.
        pointer: Option<String>,
    },
    /// An output of a workflow this one depends on (`$workflows.<id>.outputs.<name>`), or (with
    /// a pointer) a part of it.
    Dependency {
        /// The variable holding the dependency's outputs.
        var: String,
        /// The field.
        field: String,
        /// A JSON pointer into the field's value.
        pointer: Option<String>,
    },
    /// A Selector Object (Arazzo 1.1) that no JSON pointer expresses: a JSONPath query or an
    /// XPath expression applied to a value (see [`SelectedPlan`]).
    Selected(Box<SelectedPlan>),
    /// A parameter the current step sends (`$request.query.<name>`, …): the step's variable
    /// holding its JSON value (an `Option` when the value may be absent).
    RequestParam {
        /// The variable.
        var: String,
        /// Whether the variable holds an `Option`.
        optional: bool,
    },
}

/// A selector applied to a value: a JSONPath query (the one node it selects, as JSON) or an
/// XPath expression over XML text (the string value of the one item it selects).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SelectedPlan {
    /// The value it selects from (`$response.body`: the body as received).
    pub(crate) context: ValueRef,
    /// The query or expression, validated.
    pub(crate) selector: String,
    /// `None` for JSONPath; the XPath version (`xpath-31`, …) for XPath.
    pub(crate) xpath: Option<&'static str>,
}

impl SelectedPlan {
    fn key(&self) -> (&Place, &str, &str, Option<&str>) {
        (
            &self.context.place,
            &self.context.expression,
            &self.selector,
            self.xpath,
        )
    }
}

impl PartialOrd for SelectedPlan {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SelectedPlan {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

/// A value read from a place, with its type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ValueRef {
    /// The runtime expression as written (for errors that name it).
    pub(crate) expression: String,
    /// Where.
    pub(crate) place: Place,
    /// Its type (an `Option` when the value may be absent).
    pub(crate) ty: Type,
}

impl ValueRef {
    /// The place the value is read from: a selector's context, else its own place.
    pub(crate) fn read_place(&self) -> &Place {
        match &self.place {
            Place::Selected(selected) => selected.context.read_place(),
            place => place,
        }
    }
}

/// A value built for a request: a JSON template with its expressions bound.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ValuePlan {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string.
    Str(String),
    /// An array.
    Array(Vec<ValuePlan>),
    /// An object; entries whose value is an absent `Option` are left out.
    Object(Vec<(String, ValuePlan)>),
    /// A whole-value expression: keeps its type.
    Ref(ValueRef),
    /// A string with embedded values.
    Template(Vec<TemplatePart>),
}

/// A piece of a template string.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum TemplatePart {
    /// Literal text.
    Text(String),
    /// An embedded value, converted to its string form.
    Value(ValueRef),
}

/// How a request body is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyKind {
    /// A JSON value.
    Json,
    /// A JSON text template: a string, parsed as JSON once its values are in place.
    JsonText,
    /// An object sent as `application/x-www-form-urlencoded` fields.
    Form,
    /// An object sent as `multipart/form-data` text parts.
    Multipart,
    /// A string sent as it is (`text/plain`, `application/xml`, …).
    Text,
    /// A written-out `application/x-www-form-urlencoded` string: embedded values are
    /// form-encoded; with `replacements`, it is read into fields, which they set.
    FormText,
}

/// The body of a request.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct BodyPlan {
    /// How it is sent.
    pub(crate) kind: BodyKind,
    /// Its content type.
    pub(crate) content_type: String,
    /// The payload.
    pub(crate) value: ValuePlan,
    /// `replacements`: where in the payload, and the values set there.
    pub(crate) replacements: Vec<(ReplacementTarget, ValuePlan)>,
    /// How a JSON body is built: decided once the step's criteria and outputs are known (a
    /// body that `$request.body` reads must be a value).
    pub(crate) shape: BodyShape,
}

/// Where a payload replacement sets its value (`target` read by its `targetSelectorType`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ReplacementTarget {
    /// A JSON pointer: the value there is replaced, or a member added to an existing object.
    Pointer(String),
    /// An RFC 9535 JSONPath query: every node it selects is replaced; none is an error.
    JsonPath(String),
}

/// How a JSON request body is built before it is serialized.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum BodyShape {
    /// As a `serde_json::Value`: templates, replacements, nested or mixed payloads, non-JSON
    /// bodies, and bodies that `$request.body` reads.
    Value,
    /// Serialized straight from a struct, local to the step, whose fields borrow the values:
    /// a JSON object of literals and whole values read from the inputs and earlier outputs.
    Struct {
        /// The struct's name (an item local to the step's block).
        type_name: String,
        /// Its fields, in the payload's order.
        fields: Vec<BodyField>,
    },
}

/// A member of a body serialized from a struct.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct BodyField {
    /// The member's name in JSON.
    pub(crate) name: String,
    /// The Rust field.
    pub(crate) ident: String,
    /// A literal (`Null`, `Bool`, `Number`, `Str`) or a whole value (`Ref`), borrowed.
    pub(crate) value: ValuePlan,
}

impl BodyPlan {
    /// True when the body is a JSON value while it is built (so `$request.body#/…` can read it).
    pub(crate) fn is_structured(&self) -> bool {
        matches!(
            self.kind,
            BodyKind::Json | BodyKind::JsonText | BodyKind::Form | BodyKind::Multipart
        )
    }

    /// True for a written-out form whose replacements set its fields: it is read into fields
    /// first, and sent as a form.
    pub(crate) fn is_form_with_replacements(&self) -> bool {
        self.kind == BodyKind::FormText && !self.replacements.is_empty()
    }
}

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParamLocation {
    /// A `{name}` in the path.
    Path,
    /// The query string.
    Query,
    /// A header.
    Header,
    /// The `Cookie` header.
    Cookie,
}

/// How a query parameter's array or object value is written (`arazzo_runtime::QueryStyle`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParamStyle {
    /// `form`, exploded (the default).
    Form,
    /// `form`, not exploded.
    FormNoExplode,
    /// `spaceDelimited`.
    SpaceDelimited,
    /// `pipeDelimited`.
    PipeDelimited,
    /// `deepObject`.
    DeepObject,
}

/// One parameter of a step's request.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ParamPlan {
    /// Its name.
    pub(crate) name: String,
    /// Where it goes.
    pub(crate) location: ParamLocation,
    /// Its value.
    pub(crate) value: ValuePlan,
    /// Its serialization, for query parameters.
    pub(crate) style: ParamStyle,
    /// The variable that holds its JSON value in the step.
    pub(crate) var: String,
}

/// A step's authentication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AuthPlan {
    /// Index into [`Plan::schemes`].
    pub(crate) scheme: usize,
    /// When true, a request without credentials is an error before it is sent.
    pub(crate) required: bool,
}

/// A value a condition compares.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum OperandPlan {
    /// A value from the workflow or the exchange.
    Value(ValueRef),
    /// A literal.
    Literal(Literal),
}

/// A success criterion, compiled.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum CondPlan {
    /// `a || b`
    Or(Box<CondPlan>, Box<CondPlan>),
    /// `a && b`
    And(Box<CondPlan>, Box<CondPlan>),
    /// `!a`
    Not(Box<CondPlan>),
    /// `a <op> b`
    Compare(OperandPlan, Op, OperandPlan),
    /// A value on its own: holds when it is `true`.
    Truthy(OperandPlan),
    /// A `regex` criterion: the pattern searched in the context's text.
    Regex {
        /// The context value.
        context: ValueRef,
        /// The pattern, validated.
        pattern: String,
    },
    /// A `jsonpath` criterion: holds when the query selects a node of the context.
    JsonPath {
        /// The context value.
        context: ValueRef,
        /// The query, validated.
        query: String,
    },
    /// An `xpath` criterion: holds when the expression's boolean value over the context (XML
    /// text) is true.
    XPath {
        /// The context value.
        context: ValueRef,
        /// The expression, validated.
        expression: String,
        /// `xpath-31`, `xpath-30`, `xpath-20` or `xpath-10`.
        version: &'static str,
    },
}

/// Where a step output is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum OutputSource {
    /// `$response.body#<pointer>`, decoded as the output's type.
    Body(String),
    /// `$response.header.<name>`, which must be there.
    Header(String),
    /// Any other value.
    Value(ValueRef),
}

/// How a step's `$response.body#/…` outputs are decoded: in one pass, into a struct local to
/// the step that holds exactly the members they read (nested structs for `/a/b`), each an
/// `Option`; everything else in the body is skipped. When the body does not decode so (not
/// JSON, a value of the wrong type, a member written twice), each output is read on its own,
/// which says which value is missing or wrong.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DecodePlan {
    /// The struct's name (an item local to the step's block).
    pub(crate) type_name: String,
    /// Its members.
    pub(crate) members: Vec<DecodeMember>,
}

/// A member of a decoded body struct.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DecodeMember {
    /// The member's name in JSON.
    pub(crate) name: String,
    /// The Rust field.
    pub(crate) ident: String,
    /// What it holds.
    pub(crate) kind: DecodeKind,
}

/// What a member of a decoded body struct holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DecodeKind {
    /// The value of an output (index into [`StepPlan::outputs`]).
    Output(usize),
    /// An object on the way to outputs: a nested struct (`null` or absent: all its members
    /// absent).
    Object(DecodePlan),
}

/// What the workflow's function keeps of a step whose outputs it does not all read: only the
/// outputs that a later step, a criterion, an action or a workflow output reads are read from
/// the response (decoded, for body outputs), into a struct local to the workflow's function.
/// The others are not read at all, so that a response without them does not fail the workflow;
/// the step's own function still returns every output.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KeptOutputs {
    /// The outputs read (indices into [`StepPlan::outputs`]), in order.
    pub(crate) read: Vec<usize>,
    /// The struct that holds them, an item local to the workflow's function; `None` when none
    /// is read (the step's block then evaluates to nothing).
    pub(crate) type_name: Option<String>,
    /// How the body outputs among them are decoded in one pass, when any can be.
    pub(crate) decode: Option<DecodePlan>,
}

/// One step output.
#[derive(Debug)]
pub(crate) struct StepOutputPlan {
    /// The field (name, ident, type, doc).
    pub(crate) field: FieldPlan,
    /// Where it is read.
    pub(crate) source: OutputSource,
}

/// A step's own function: `sms_otp_login::send_sms_otp(&client, inputs)`.
#[derive(Debug)]
pub(crate) struct Standalone {
    /// The function, in the workflow's module.
    pub(crate) fn_name: ItemPath,
    /// The struct of the workflow inputs it reads, in the workflow's module.
    pub(crate) inputs_type: ItemPath,
    /// The inputs (fields) that nothing after this step reads in the workflow's function:
    /// moved into the step's inputs, not copied.
    pub(crate) last_reads: std::collections::BTreeSet<String>,
    /// True when the workflow's function runs the step by calling this function: it keeps every
    /// output of the step, has no `end` action, and the earlier steps it reads keep all of
    /// theirs (the function takes their outputs structs). Else the workflow's function writes
    /// the step's block itself.
    pub(crate) called: bool,
}

/// What an action does.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ActionKind {
    /// `end`: after a success, the workflow ends with its outputs; after a failure, it fails.
    End,
    /// `goto` a step of the same workflow (index into [`WorkflowPlan::steps`]).
    Goto(usize),
    /// `goto` another workflow: it runs (with this workflow's inputs, by name), then this one ends.
    GotoWorkflow(WorkflowTarget),
    /// `retry` the step, after `after` seconds (a `Retry-After` header takes precedence), at most
    /// `limit` times; `first` runs before the step is tried again.
    Retry {
        /// `retryAfter`, in seconds.
        after: f64,
        /// `retryLimit`.
        limit: u32,
        /// A step (index) or workflow to run first.
        first: Option<RetryFirst>,
    },
}

/// A workflow an action runs.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct WorkflowTarget {
    /// Its `workflowId`.
    pub(crate) workflow: String,
    /// Its function.
    pub(crate) fn_name: String,
    /// The action's `parameters` (Arazzo 1.1), by the workflow's input names; `None`: the
    /// running workflow's own inputs are passed, by name.
    pub(crate) inputs: Option<Vec<(String, ValuePlan)>>,
}

/// What a `retry` runs before trying the step again.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum RetryFirst {
    /// A step of the same workflow; after it, the retried step runs again.
    Step(usize),
    /// A workflow (with this workflow's inputs, by name).
    Workflow(WorkflowTarget),
}

/// A success or failure action.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ActionPlan {
    /// Its `name`.
    pub(crate) name: String,
    /// What it does.
    pub(crate) kind: ActionKind,
    /// Its criteria, all of which must hold for it to apply (none: it always applies).
    pub(crate) criteria: Vec<CondPlan>,
}

/// An HTTP method of an OpenAPI operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HttpMethod {
    /// `GET`
    Get,
    /// `PUT`
    Put,
    /// `POST`
    Post,
    /// `DELETE`
    Delete,
    /// `OPTIONS`
    Options,
    /// `HEAD`
    Head,
    /// `PATCH`
    Patch,
    /// `TRACE`
    Trace,
}

impl HttpMethod {
    /// The method of an OpenAPI path item's key (`get`, `post`, …), in any case.
    pub(crate) fn from_key(key: &str) -> Option<Self> {
        Some(match key.to_ascii_lowercase().as_str() {
            "get" => Self::Get,
            "put" => Self::Put,
            "post" => Self::Post,
            "delete" => Self::Delete,
            "options" => Self::Options,
            "head" => Self::Head,
            "patch" => Self::Patch,
            "trace" => Self::Trace,
            _ => return None,
        })
    }

    /// The method as HTTP writes it: `GET`, `POST`, …
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Put => "PUT",
            Self::Post => "POST",
            Self::Delete => "DELETE",
            Self::Options => "OPTIONS",
            Self::Head => "HEAD",
            Self::Patch => "PATCH",
            Self::Trace => "TRACE",
        }
    }
}

/// A piece of a request path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PathPart {
    /// Literal text, as the description writes it.
    Text(String),
    /// A `{name}` filled in by the path parameter whose value is in this variable.
    Param(String),
}

/// What a step does.
// A plan is built once per generation and read in place: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum StepKind {
    /// Sends one request to an operation.
    Operation(RequestPlan),
    /// Runs another workflow of the document.
    Workflow(WorkflowCall),
    /// Sends or receives a message on an AsyncAPI channel (Arazzo 1.1).
    Message(MessagePlan),
}

/// What a message step does: `send` or `receive`.
pub(crate) use crate::model::asyncapi::Action as MessageAction;

/// The message of an AsyncAPI step.
#[derive(Debug)]
pub(crate) struct MessagePlan {
    /// Index into [`Plan::brokers`].
    pub(crate) broker: usize,
    /// Whether it sends or receives.
    pub(crate) action: MessageAction,
    /// The AsyncAPI operation, when the step names one.
    pub(crate) operation_id: Option<String>,
    /// The channel's address (its key when it has none).
    pub(crate) address: String,
    /// A sent message's headers, by name.
    pub(crate) headers: Vec<(String, ValuePlan)>,
    /// A sent message's payload, as a JSON value.
    pub(crate) payload: Option<ValuePlan>,
    /// A received message's correlation: where its id is, and the value it must have.
    pub(crate) correlation: Option<CorrelationPlan>,
    /// A received message's inbox: the variable the workflow's function opens it in.
    pub(crate) inbox: Option<String>,
    /// The step's `timeout` (Arazzo 1.1), in milliseconds: the bound on the wait (or the send).
    pub(crate) timeout: Option<u64>,
}

/// Where a received message's correlation id is, and the value it must equal.
#[derive(Debug)]
pub(crate) struct CorrelationPlan {
    /// `true`: the header named `at`; `false`: the JSON pointer `at` into the payload.
    pub(crate) in_header: bool,
    /// The header name or the pointer.
    pub(crate) at: String,
    /// The value (`correlationId`).
    pub(crate) value: ValuePlan,
}

/// An AsyncAPI source: the transport the client holds for it.
#[derive(Debug)]
pub(crate) struct BrokerPlan {
    /// The source's name.
    pub(crate) name: String,
    /// The client's field and the builder's setter.
    pub(crate) field: String,
    /// The first server's `protocol` and `host`, for the default transport.
    pub(crate) server: Option<(String, String)>,
}

/// The request of an operation step.
#[derive(Debug)]
pub(crate) struct RequestPlan {
    /// The operation's id, if it has one.
    pub(crate) operation_id: Option<String>,
    /// The operation's summary.
    pub(crate) operation_summary: Option<String>,
    /// Index into [`Plan::sources`].
    pub(crate) source: usize,
    /// The HTTP method.
    pub(crate) method: HttpMethod,
    /// The path as the description writes it (`/users/{id}`), for docs.
    pub(crate) path: String,
    /// The path to append to the base URL, its `{name}`s bound to the path parameters.
    pub(crate) path_parts: Vec<PathPart>,
    /// Its parameters.
    pub(crate) parameters: Vec<ParamPlan>,
    /// Its whole query string (OpenAPI 3.2 `in: querystring`), if it has one.
    pub(crate) query_string: Option<QueryStringPlan>,
    /// Its authentication: every scheme of the requirement chosen.
    pub(crate) auth: Vec<AuthPlan>,
    /// Its body, if any.
    pub(crate) body: Option<BodyPlan>,
    /// The step's `timeout` (Arazzo 1.1), in milliseconds: each try of the step, the body read
    /// included, is aborted after that long.
    pub(crate) timeout: Option<u64>,
}

/// One step: one request, or a call of another workflow.
#[derive(Debug)]
pub(crate) struct StepPlan {
    /// `stepId`.
    pub(crate) id: String,
    /// The variable holding its outputs.
    pub(crate) var: String,
    /// The struct of its outputs, in the workflow's module.
    pub(crate) outputs_type: ItemPath,
    /// `description`.
    pub(crate) description: Option<String>,
    /// What it does.
    pub(crate) kind: StepKind,
    /// True when the step has run, with outputs, whenever the workflow ends with outputs: no
    /// step before it can jump or end the workflow, and its own failure cannot lead elsewhere.
    pub(crate) always_runs: bool,
    /// Its success criteria, all of which must hold; empty means "a 2xx status".
    pub(crate) success: Vec<CondPlan>,
    /// Arazzo 1.1 condition evaluation (a 1.1 document): each success criterion's `condition`
    /// as written, in the order of `success`. An evaluation error then fails the criterion it
    /// happens in (and an action's criterion), and the step's error names the criterion. `None`
    /// for a 1.0 document, whose criteria evaluate as before.
    pub(crate) criteria_1_1: Option<Vec<String>>,
    /// Its outputs.
    pub(crate) outputs: Vec<StepOutputPlan>,
    /// How its body outputs are decoded in one pass, when it has any that can be.
    pub(crate) decode: Option<DecodePlan>,
    /// What the workflow's function keeps of its outputs, when it does not read them all;
    /// `None`: it keeps the whole outputs struct.
    pub(crate) kept: Option<KeptOutputs>,
    /// Actions after a success: the step's, then the workflow's; the first that applies wins.
    pub(crate) on_success: Vec<ActionPlan>,
    /// Actions after a failure: the step's, then the workflow's; the first that applies wins.
    pub(crate) on_failure: Vec<ActionPlan>,
    /// The function that runs this step on its own, when it can: an operation step that
    /// reads only the workflow's inputs and earlier steps' outputs.
    pub(crate) standalone: Option<Standalone>,
}

impl StepPlan {
    /// The request, for an operation step.
    pub(crate) fn request(&self) -> Option<&RequestPlan> {
        match &self.kind {
            StepKind::Operation(request) => Some(request),
            StepKind::Workflow(_) | StepKind::Message(_) => None,
        }
    }

    /// The workflow it runs, for a step that runs one.
    pub(crate) fn call(&self) -> Option<&WorkflowCall> {
        match &self.kind {
            StepKind::Workflow(call) => Some(call),
            StepKind::Operation(_) | StepKind::Message(_) => None,
        }
    }

    /// The message, for an AsyncAPI step.
    pub(crate) fn message(&self) -> Option<&MessagePlan> {
        match &self.kind {
            StepKind::Message(message) => Some(message),
            StepKind::Operation(_) | StepKind::Workflow(_) => None,
        }
    }

    /// True when a failure of this step can lead elsewhere than a failed workflow (`goto` a
    /// step or workflow, or a `retry` that runs another step first): it may end without outputs.
    pub(crate) fn fails_over(&self) -> bool {
        self.on_failure.iter().any(|a| {
            matches!(
                a.kind,
                ActionKind::Goto(_)
                    | ActionKind::GotoWorkflow(_)
                    | ActionKind::Retry {
                        first: Some(RetryFirst::Step(_)),
                        ..
                    }
            )
        })
    }

    /// True when this step can end the workflow early or jump to another step, so that the
    /// steps after it may not run.
    pub(crate) fn can_jump(&self) -> bool {
        self.fails_over()
            || self.on_success.iter().any(|a| {
                matches!(
                    a.kind,
                    ActionKind::End | ActionKind::Goto(_) | ActionKind::GotoWorkflow(_)
                )
            })
    }
}

/// A step that runs another workflow of the document.
#[derive(Debug)]
pub(crate) struct WorkflowCall {
    /// Its `workflowId`.
    pub(crate) workflow: String,
    /// Its function.
    pub(crate) fn_name: String,
    /// The step's parameters, by the called workflow's input names.
    pub(crate) inputs: Vec<(String, ValuePlan)>,
    /// The step's `timeout` (Arazzo 1.1), in milliseconds: the bound on the whole call.
    pub(crate) timeout: Option<u64>,
}

/// A workflow that runs before this one (`dependsOn`).
#[derive(Debug)]
pub(crate) struct DependencyPlan {
    /// Its function.
    pub(crate) fn_name: String,
    /// The field of this workflow's inputs that holds its inputs.
    pub(crate) input_field: String,
    /// The variable that holds its outputs.
    pub(crate) var: String,
}

/// A step of another workflow that steps of this one depend on (Arazzo 1.1 step `dependsOn`
/// naming `$workflows.<workflowId>.steps.<stepId>` or
/// `$sourceDescriptions.<name>.<workflowId>.steps.<stepId>`). `dependsOn` does not run it: the
/// caller runs it and hands over its outputs, as proof that it completed, in a field of this
/// workflow's inputs.
#[derive(Debug)]
pub(crate) struct StepDependencyPlan {
    /// The reference as written in `dependsOn`.
    pub(crate) reference: String,
    /// The other workflow's `workflowId`.
    pub(crate) workflow: String,
    /// The step's `stepId`.
    pub(crate) step: String,
    /// The steps of this workflow that depend on it.
    pub(crate) dependents: Vec<String>,
    /// The field of this workflow's inputs holding its outputs.
    pub(crate) input_field: String,
    /// Its outputs struct, in the other workflow's module.
    pub(crate) outputs_type: ItemPath,
}

impl StepPlan {
    /// Every value the step reads, wherever it is read.
    pub(crate) fn refs(&self) -> Vec<&ValueRef> {
        let step = self;
        let mut refs = Vec::new();
        match &step.kind {
            StepKind::Operation(request) => {
                for param in &request.parameters {
                    value_refs(&param.value, &mut refs);
                }
                if let Some(query) = &request.query_string {
                    value_refs(&query.value, &mut refs);
                }
                if let Some(body) = &request.body {
                    value_refs(&body.value, &mut refs);
                    for (_, value) in &body.replacements {
                        value_refs(value, &mut refs);
                    }
                }
            }
            StepKind::Workflow(call) => {
                for (_, value) in &call.inputs {
                    value_refs(value, &mut refs);
                }
            }
            StepKind::Message(message) => {
                for (_, value) in &message.headers {
                    value_refs(value, &mut refs);
                }
                if let Some(payload) = &message.payload {
                    value_refs(payload, &mut refs);
                }
                if let Some(correlation) = &message.correlation {
                    value_refs(&correlation.value, &mut refs);
                }
            }
        }
        for condition in &step.success {
            condition_refs(condition, &mut refs);
        }
        for action in step.on_success.iter().chain(&step.on_failure) {
            for condition in &action.criteria {
                condition_refs(condition, &mut refs);
            }
            // Arazzo 1.1: the `parameters` of an action that runs a workflow.
            let target = match &action.kind {
                ActionKind::GotoWorkflow(target)
                | ActionKind::Retry {
                    first: Some(RetryFirst::Workflow(target)),
                    ..
                } => Some(target),
                _ => None,
            };
            for (_, value) in target.and_then(|t| t.inputs.as_ref()).into_iter().flatten() {
                value_refs(value, &mut refs);
            }
        }
        for output in &step.outputs {
            if let OutputSource::Value(value) = &output.source {
                refs.push(value);
            }
        }
        // A selector reads its context too.
        let mut i = 0;
        while let Some(r) = refs.get(i) {
            if let Place::Selected(selected) = &r.place {
                refs.push(&selected.context);
            }
            i += 1;
        }
        refs
    }
}

fn value_refs<'p>(value: &'p ValuePlan, refs: &mut Vec<&'p ValueRef>) {
    match value {
        ValuePlan::Ref(r) => refs.push(r),
        ValuePlan::Template(parts) => refs.extend(parts.iter().filter_map(|part| match part {
            TemplatePart::Value(r) => Some(r),
            TemplatePart::Text(_) => None,
        })),
        ValuePlan::Array(items) => items.iter().for_each(|i| value_refs(i, refs)),
        ValuePlan::Object(entries) => entries.iter().for_each(|(_, v)| value_refs(v, refs)),
        ValuePlan::Null | ValuePlan::Bool(_) | ValuePlan::Number(_) | ValuePlan::Str(_) => {}
    }
}

fn condition_refs<'p>(condition: &'p CondPlan, refs: &mut Vec<&'p ValueRef>) {
    let operand = |o: &'p OperandPlan, refs: &mut Vec<&'p ValueRef>| {
        if let OperandPlan::Value(r) = o {
            refs.push(r);
        }
    };
    match condition {
        CondPlan::Or(a, b) | CondPlan::And(a, b) => {
            condition_refs(a, refs);
            condition_refs(b, refs);
        }
        CondPlan::Not(a) => condition_refs(a, refs),
        CondPlan::Compare(l, _, r) => {
            operand(l, refs);
            operand(r, refs);
        }
        CondPlan::Truthy(o) => operand(o, refs),
        CondPlan::Regex { context, .. }
        | CondPlan::JsonPath { context, .. }
        | CondPlan::XPath { context, .. } => refs.push(context),
    }
}
