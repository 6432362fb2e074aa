//! The plan of `pub mod fake` (generated with `Settings::fake`): every operation the workflows
//! call, what the fake checks of its requests, and what it answers without a handler.

use super::{HttpMethod, ItemPath, ParamLocation, SchemeKind, Type};

/// The whole fake.
#[derive(Debug, Default)]
pub(crate) struct FakePlan {
    /// The operations, each once however many steps call it.
    pub(crate) operations: Vec<FakeOperation>,
    /// Per workflow: its function, its inputs struct, and inputs that satisfy its schema (JSON
    /// text), for `fake::inputs::<workflow>()`.
    pub(crate) inputs: Vec<(String, ItemPath, String)>,
    /// What the generator tells the user (a step whose criteria no default satisfies).
    pub(crate) notes: Vec<String>,
}

/// One operation the fake serves.
#[derive(Debug)]
pub(crate) struct FakeOperation {
    /// The `stepId`s that call it.
    pub(crate) steps: Vec<String>,
    /// Its handler's name after `on_` and `fault_`: the step function's.
    pub(crate) name: String,
    /// The names of other steps calling it, which get handler setters of their own.
    pub(crate) aliases: Vec<String>,
    /// `<prefix>Request` and `<prefix>Response`.
    pub(crate) type_prefix: String,
    /// Index into `Plan::sources`.
    pub(crate) source: usize,
    /// The method.
    pub(crate) method: HttpMethod,
    /// The path template.
    pub(crate) path: String,
    /// Its `operationId`.
    pub(crate) operation_id: Option<String>,
    /// The parameters the description declares.
    pub(crate) params: Vec<FakeParam>,
    /// Its request body.
    pub(crate) body: Option<FakeBody>,
    /// The credentials it requires.
    pub(crate) auth: Vec<SchemeKind>,
    /// The declared statuses: (code, constructor, whether it has a JSON body, description).
    pub(crate) statuses: Vec<FakeStatus>,
    /// The answer without a handler.
    pub(crate) default: FakeAnswer,
    /// The constructor of the default answer's status and the type of its body, when that
    /// body is a value of the type: `default_<constructor>()` returns it typed.
    pub(crate) typed_default: Option<(String, Type)>,
}

/// A parameter of an operation.
#[derive(Debug)]
pub(crate) struct FakeParam {
    /// Its name.
    pub(crate) name: String,
    /// The field of the request struct.
    pub(crate) ident: String,
    /// Where it goes.
    pub(crate) location: ParamLocation,
    /// Whether requests must have it.
    pub(crate) required: bool,
    /// Its type in the request struct (without the `Option` of an optional one): from its
    /// schema when that is a scalar or an array of scalars, else `String`.
    pub(crate) ty: Type,
}

/// A request body.
#[derive(Debug)]
pub(crate) struct FakeBody {
    /// Whether requests must have it.
    pub(crate) required: bool,
    /// The first content type.
    pub(crate) content_type: String,
    /// Top-level members of a JSON object body.
    pub(crate) members: Vec<FakeMember>,
    /// Its type in the request struct (without the `Option` of an optional body), from its
    /// schema; `serde_json::Value` for a body no JSON schema describes.
    pub(crate) ty: Type,
}

/// A top-level body member.
#[derive(Debug)]
pub(crate) struct FakeMember {
    /// Its name.
    pub(crate) name: String,
    /// Whether it is required.
    pub(crate) required: bool,
    /// Its JSON type: `String`, `Integer`, `Number`, `Boolean`, `Object`, `Array` or `Any`
    /// (variants of `arazzo_runtime::fake::Kind`).
    pub(crate) kind: &'static str,
    /// Whether `null` is allowed.
    pub(crate) nullable: bool,
}

/// A declared response status.
#[derive(Debug)]
pub(crate) struct FakeStatus {
    /// The code.
    pub(crate) code: u16,
    /// The constructor of the response type: `ok`, `bad_request`, `status_418`.
    pub(crate) constructor: String,
    /// Whether the response has a JSON body.
    pub(crate) json: bool,
    /// The type of its JSON body, from its schema; `serde_json::Value` when no schema
    /// describes it (the constructor then takes anything `Serialize`).
    pub(crate) ty: Type,
    /// Its description.
    pub(crate) description: Option<String>,
}

/// What the fake answers without a handler.
#[derive(Debug)]
pub(crate) enum FakeAnswer {
    /// A status, a JSON body (text; empty for none) and headers.
    Json {
        /// The status.
        status: u16,
        /// The body.
        body: String,
        /// Headers the workflows read.
        headers: Vec<(String, String)>,
    },
    /// No default satisfies the criteria: a 500 with this message.
    Unsatisfiable(String),
}

/// The Rust types of an operation's request and responses, made from its schemas while the
/// document is resolved (so that they share the generated `types` with the workflows').
#[derive(Debug)]
pub(crate) struct OperationTypes {
    /// Index into `Plan::sources`.
    pub(crate) source: usize,
    /// The method.
    pub(crate) method: HttpMethod,
    /// The path template.
    pub(crate) path: String,
    /// Each declared parameter: its name, where it goes, its type (`String` unless its schema
    /// is a scalar or an array of scalars).
    pub(crate) params: Vec<(String, ParamLocation, Type)>,
    /// The type of a JSON request body.
    pub(crate) body: Option<Type>,
    /// Per declared status with a JSON body, the type of that body.
    pub(crate) statuses: Vec<(u16, Type)>,
}
