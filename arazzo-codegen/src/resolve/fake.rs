//! What the fake needs (`Settings::fake`): for every operation the workflows call, its
//! parameters, body and credentials to check, its declared statuses, and a default answer that
//! makes the steps calling it succeed: the description's example (else a value made from the
//! schema), with every member the workflows read present and of the type they read it as, and
//! the status and members the success criteria ask for.

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json};

use crate::condition::{Literal, Op};
use crate::diagnostic::Diagnostics;
use crate::model::openapi::{OpenApi, Operation, is_json, schema_required, schema_type};
use crate::naming;
use crate::node::{Node, Value};
use crate::plan::fake::{
    FakeAnswer, FakeBody, FakeMember, FakeOperation, FakeParam, FakePlan, FakeStatus,
    OperationTypes,
};
use crate::plan::{
    CondPlan, ItemPath, OperandPlan, OutputSource, ParamLocation, Place, Plan, StepPlan,
    TYPES_MODULE, Type, TypeDefKind,
};

/// How deep made-up values go into nested schemas and types (a schema inside itself stops at
/// its first repetition).
const MAX_DEPTH: usize = 32;

/// The fake's plan. `sources` are the OpenAPI descriptions, in the order of `plan.sources`.
pub(crate) fn fake(plan: &Plan, sources: &[&Node]) -> FakePlan {
    let mut scratch = Diagnostics::default();
    let apis: Vec<Option<OpenApi<'_>>> = sources
        .iter()
        .map(|node| OpenApi::read(node, &mut scratch))
        .collect();
    let mut fake = FakePlan::default();
    // Per operation: the steps calling it, for the default answer.
    let mut callers: Vec<Vec<&StepPlan>> = Vec::new();
    let mut used = BTreeSet::new();
    for workflow in &plan.workflows {
        for step in &workflow.steps {
            let Some(request) = step.request() else {
                continue;
            };
            let key = (request.source, request.method, request.path.as_str());
            let candidate = naming::snake(&step.id);
            if let Some(index) = fake
                .operations
                .iter()
                .position(|op| (op.source, op.method, op.path.as_str()) == key)
            {
                let op = &mut fake.operations[index];
                if !op.steps.contains(&step.id) {
                    op.steps.push(step.id.clone());
                }
                if op.name != candidate && used.insert(candidate.clone()) {
                    op.aliases.push(candidate);
                }
                callers[index].push(step);
                continue;
            }
            let mut name = candidate.clone();
            if used.contains(&name) {
                name = format!("{}_{candidate}", workflow.fn_name);
                let mut n = 2;
                while used.contains(&name) {
                    name = format!("{}_{candidate}_{n}", workflow.fn_name);
                    n += 1;
                }
            }
            used.insert(name.clone());
            let api = apis.get(request.source).and_then(Option::as_ref);
            let operation = api.and_then(|api| {
                api.operations.iter().find(|op| {
                    op.path == request.path
                        && op.method.eq_ignore_ascii_case(request.method.as_str())
                })
            });
            let types = plan.fake_types.iter().find(|t| {
                (t.source, t.method, t.path.as_str())
                    == (request.source, request.method, request.path.as_str())
            });
            let auth = request
                .auth
                .iter()
                .filter(|a| a.required)
                .filter_map(|a| plan.schemes.get(a.scheme).map(|s| s.kind.clone()))
                .collect();
            fake.operations.push(FakeOperation {
                steps: vec![step.id.clone()],
                type_prefix: naming::pascal(&name),
                name,
                aliases: Vec::new(),
                source: request.source,
                method: request.method,
                path: request.path.clone(),
                operation_id: request.operation_id.clone(),
                params: api
                    .zip(operation)
                    .map(|(api, op)| params(api, op, types))
                    .unwrap_or_default(),
                body: api
                    .zip(operation)
                    .and_then(|(api, op)| body(api, op, types)),
                auth,
                statuses: api
                    .zip(operation)
                    .map(|(api, op)| statuses(api, op, types))
                    .unwrap_or_default(),
                default: FakeAnswer::Unsatisfiable(String::new()),
                typed_default: None,
            });
            callers.push(vec![step]);
        }
    }
    for (index, op) in fake.operations.iter_mut().enumerate() {
        let api = apis.get(op.source).and_then(Option::as_ref);
        let operation = api.and_then(|api| {
            api.operations
                .iter()
                .find(|o| o.path == op.path && o.method.eq_ignore_ascii_case(op.method.as_str()))
        });
        op.default = match default_answer(plan, api, operation, &callers[index]) {
            Ok(answer) => {
                op.typed_default = typed_default(plan, &answer, &op.statuses);
                answer
            }
            Err(reason) => {
                let handler = format!("on_{}", op.name);
                let message = format!(
                    "the fake cannot answer step `{}` ({} {}) by itself: {reason}; register a \
                     handler with `Fake::{handler}`",
                    op.steps.join("`, `"),
                    op.method.as_str(),
                    op.path
                );
                fake.notes.push(message.clone());
                FakeAnswer::Unsatisfiable(message)
            }
        };
    }
    fake.inputs = plan
        .workflows
        .iter()
        .map(|w| {
            let object: Map<String, Json> = w
                .inputs
                .iter()
                .map(|f| (f.name.clone(), type_value(plan, &f.ty, &f.name, 0)))
                .collect();
            (
                w.fn_name.clone(),
                w.inputs_type.clone(),
                Json::Object(object).to_string(),
            )
        })
        .collect();
    fake
}

/// The parameters of an operation (its own, then its path item's), without the headers
/// OpenAPI ignores.
fn params(api: &OpenApi<'_>, op: &Operation<'_>, types: Option<&OperationTypes>) -> Vec<FakeParam> {
    let mut out: Vec<FakeParam> = Vec::new();
    let mut idents = naming::Scope::with_reserved(&["body", "raw"]);
    let declared = op
        .node
        .get("parameters")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .chain(
            op.path_item
                .get("parameters")
                .map(Node::items)
                .unwrap_or_default(),
        );
    for param in declared {
        let param = api.resolve(param);
        let Some((name, location)) = ParamLocation::of_parameter(param) else {
            continue;
        };
        if location == ParamLocation::Header
            && ["accept", "content-type", "authorization"]
                .contains(&name.to_ascii_lowercase().as_str())
        {
            continue;
        }
        if out.iter().any(|p| p.name == name && p.location == location) {
            continue;
        }
        let required = location == ParamLocation::Path
            || matches!(
                param.get("required").map(|r| &r.value),
                Some(Value::Bool(true))
            );
        let ty = types
            .and_then(|t| {
                t.params
                    .iter()
                    .find(|(n, l, _)| n == name && *l == location)
            })
            .map_or(Type::String, |(_, _, ty)| ty.clone());
        out.push(FakeParam {
            ty,
            name: name.to_owned(),
            ident: idents.unique(naming::snake(name)),
            location,
            required,
        });
    }
    out
}

/// The request body of an operation.
fn body(api: &OpenApi<'_>, op: &Operation<'_>, types: Option<&OperationTypes>) -> Option<FakeBody> {
    let body = api.resolve(op.node.get("requestBody")?);
    let required = matches!(
        body.get("required").map(|r| &r.value),
        Some(Value::Bool(true))
    );
    let (media, content) = body.get("content")?.entries().first()?;
    let mut members = Vec::new();
    if is_json(&media.name)
        && let Some(schema) = content.get("schema")
    {
        collect_members(api, api.resolve(schema), &mut members, 0);
    }
    Some(FakeBody {
        ty: types.and_then(|t| t.body.clone()).unwrap_or(Type::Json),
        required,
        content_type: media.name.clone(),
        members,
    })
}

fn collect_members(api: &OpenApi<'_>, schema: &Node, members: &mut Vec<FakeMember>, depth: usize) {
    if depth > 4 {
        return;
    }
    let required: Vec<&str> = schema_required(schema).collect();
    for (name, property) in schema
        .get("properties")
        .map(Node::entries)
        .unwrap_or_default()
    {
        if members.iter().any(|m| m.name == name.name) {
            continue;
        }
        let property = api.resolve(property);
        let (ty, nullable) = schema_type(property);
        let kind = match ty {
            Some("string") => "String",
            Some("integer") => "Integer",
            Some("number") => "Number",
            Some("boolean") => "Boolean",
            Some("object") => "Object",
            Some("array") => "Array",
            None if property.get("properties").is_some() => "Object",
            _ => "Any",
        };
        members.push(FakeMember {
            name: name.name.clone(),
            required: required.contains(&name.name.as_str()),
            kind,
            nullable,
        });
    }
    for part in schema.get("allOf").map(Node::items).unwrap_or_default() {
        collect_members(api, api.resolve(part), members, depth + 1);
    }
}

/// The declared statuses, each with a constructor name.
fn statuses(
    api: &OpenApi<'_>,
    op: &Operation<'_>,
    types: Option<&OperationTypes>,
) -> Vec<FakeStatus> {
    let Some(responses) = op.node.get("responses") else {
        return Vec::new();
    };
    responses
        .entries()
        .iter()
        .filter_map(|(code, response)| {
            let code: u16 = code.name.parse().ok().filter(|c| (100..600).contains(c))?;
            let response = api.resolve(response);
            let json = response
                .get("content")
                .is_some_and(|c| c.entries().iter().any(|(m, _)| is_json(&m.name)));
            let ty = types
                .and_then(|t| t.statuses.iter().find(|(c, _)| *c == code))
                .map_or(Type::Json, |(_, ty)| ty.clone());
            Some(FakeStatus {
                ty,
                code,
                constructor: constructor(code),
                json,
                description: response
                    .get("description")
                    .and_then(Node::as_str)
                    .map(str::to_owned),
            })
        })
        .collect()
}

pub(super) fn constructor(code: u16) -> String {
    match code {
        200 => "ok",
        201 => "created",
        202 => "accepted",
        204 => "no_content",
        301 => "moved_permanently",
        302 => "found",
        304 => "not_modified",
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        410 => "gone",
        422 => "unprocessable_entity",
        429 => "too_many_requests",
        500 => "internal_server_error",
        502 => "bad_gateway",
        503 => "service_unavailable",
        504 => "gateway_timeout",
        _ => return format!("status_{code}"),
    }
    .to_owned()
}

/// The constructor and type of a default answer whose body is a value of its status's type
/// (so that `default_<constructor>()` can return it typed).
fn typed_default(
    plan: &Plan,
    answer: &FakeAnswer,
    statuses: &[FakeStatus],
) -> Option<(String, Type)> {
    let FakeAnswer::Json { status, body, .. } = answer else {
        return None;
    };
    let declared = statuses.iter().find(|s| s.code == *status && s.json)?;
    if declared.ty == Type::Json {
        return None;
    }
    let value: Json = serde_json::from_str(body).ok()?;
    fits(plan, &value, &declared.ty, 0).then(|| (declared.constructor.clone(), declared.ty.clone()))
}

/// What an answer is made of while it is built.
#[derive(Clone, Debug)]
struct Draft {
    status: u16,
    body: Json,
    headers: Vec<(String, String)>,
}

/// The default answer: it satisfies the success criteria of every step calling the operation.
fn default_answer(
    plan: &Plan,
    api: Option<&OpenApi<'_>>,
    operation: Option<&Operation<'_>>,
    steps: &[&StepPlan],
) -> Result<FakeAnswer, String> {
    let criteria: Vec<&CondPlan> = steps.iter().flat_map(|s| &s.success).collect();
    // The status first: the criteria's, else the first declared 2xx, else 200.
    let declared: Vec<u16> = operation
        .and_then(|op| op.node.get("responses"))
        .map(Node::entries)
        .unwrap_or_default()
        .iter()
        .filter_map(|(code, _)| code.name.parse().ok())
        .collect();
    let mut draft = Draft {
        status: declared
            .iter()
            .copied()
            .find(|c| (200..300).contains(c))
            .unwrap_or(200),
        body: Json::Null,
        headers: Vec::new(),
    };
    for criterion in &criteria {
        let _ = satisfy(criterion, &mut draft);
    }
    let status = draft.status;
    // The body: the response's example, else a value made from its schema.
    let (example, schema_sample) = match api.zip(operation) {
        Some((api, op)) => response_body(api, op, status),
        None => (None, None),
    };
    let mut body = example
        .clone()
        .or_else(|| schema_sample.clone())
        .unwrap_or(Json::Null);
    let mut headers = Vec::new();
    // Every member the workflows read, there and of the type they read it as.
    for step in steps {
        let mut reads: Vec<(&str, &Type)> = Vec::new();
        for output in &step.outputs {
            match &output.source {
                OutputSource::Body(pointer) => reads.push((pointer, &output.field.ty)),
                OutputSource::Header(name) => read_header(&mut headers, name),
                OutputSource::Value(_) => {}
            }
        }
        for r in step.refs() {
            match &r.place {
                Place::ResponseBody(pointer) => reads.push((pointer, &r.ty)),
                Place::ResponseHeader(name) => read_header(&mut headers, name),
                _ => {}
            }
        }
        for (pointer, ty) in reads {
            let fits_now = body.pointer(pointer).is_some_and(|v| fits(plan, v, ty, 0));
            if fits_now {
                continue;
            }
            let hint = pointer.rsplit('/').next().unwrap_or("value");
            let from_schema = schema_sample
                .as_ref()
                .and_then(|s| s.pointer(pointer))
                .filter(|v| fits(plan, v, ty, 0))
                .cloned();
            let value = from_schema.unwrap_or_else(|| type_value(plan, ty, hint, 0));
            set_pointer(&mut body, pointer, value);
        }
    }
    draft.body = body;
    draft.headers = headers;
    for criterion in &criteria {
        satisfy(criterion, &mut draft)?;
    }
    // A second pass: a later criterion may have undone an earlier one.
    for criterion in &criteria {
        if eval(criterion, &draft) != Some(true) {
            return Err("its success criteria contradict each other".to_owned());
        }
    }
    Ok(FakeAnswer::Json {
        status: draft.status,
        body: if draft.body.is_null() {
            String::new()
        } else {
            draft.body.to_string()
        },
        headers: draft.headers,
    })
}

/// A header the workflows read: the default answer has it.
fn read_header(headers: &mut Vec<(String, String)>, name: &str) {
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
        headers.push((
            name.to_owned(),
            format!("fake-{}", name.to_ascii_lowercase()),
        ));
    }
}

/// The example of the JSON response of `status` (else of `2XX`, `default`, the first 2xx), and
/// a value made from its schema.
fn response_body(
    api: &OpenApi<'_>,
    op: &Operation<'_>,
    status: u16,
) -> (Option<Json>, Option<Json>) {
    let Some(responses) = op.node.get("responses") else {
        return (None, None);
    };
    let code = status.to_string();
    let class = format!("{}XX", status / 100);
    let entries = responses.entries();
    let response = entries
        .iter()
        .find(|(c, _)| c.name == code)
        .or_else(|| {
            entries
                .iter()
                .find(|(c, _)| c.name.eq_ignore_ascii_case(&class))
        })
        .or_else(|| entries.iter().find(|(c, _)| c.name == "default"))
        .or_else(|| entries.iter().find(|(c, _)| c.name.starts_with('2')));
    let Some((_, response)) = response else {
        return (None, None);
    };
    let response = api.resolve(response);
    let Some((_, media)) = response
        .get("content")
        .map(Node::entries)
        .unwrap_or_default()
        .iter()
        .find(|(m, _)| is_json(&m.name))
    else {
        return (None, None);
    };
    let example = media.get("example").map(to_json).or_else(|| {
        let (_, first) = media.get("examples")?.entries().first()?;
        api.resolve(first).get("value").map(to_json)
    });
    let sample = media
        .get("schema")
        .map(|schema| sample(api, schema, "value", 0));
    (example, sample)
}

/// A node as JSON.
fn to_json(node: &Node) -> Json {
    match &node.value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Str(s) => Json::String(s.clone()),
        Value::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| (k.name.clone(), to_json(v)))
                .collect(),
        ),
    }
}

/// A deterministic value the schema accepts: its example, default, const or first enum value;
/// else one made from its type (every property of an object, one item of an array).
fn sample(api: &OpenApi<'_>, schema: &Node, hint: &str, depth: usize) -> Json {
    SAMPLING.with(|stack| stack.borrow_mut().clear());
    sample_in(api, schema, hint, depth)
}

thread_local! {
    /// The schemas being sampled, outermost first: a schema met again inside itself is `null`.
    static SAMPLING: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn sample_in(api: &OpenApi<'_>, schema: &Node, hint: &str, depth: usize) -> Json {
    let schema = api.resolve(schema);
    let address = std::ptr::from_ref(schema) as usize;
    if depth > MAX_DEPTH || SAMPLING.with(|stack| stack.borrow().contains(&address)) {
        return Json::Null;
    }
    SAMPLING.with(|stack| stack.borrow_mut().push(address));
    let value = sample_schema(api, schema, hint, depth);
    SAMPLING.with(|stack| stack.borrow_mut().pop());
    value
}

fn sample_schema(api: &OpenApi<'_>, schema: &Node, hint: &str, depth: usize) -> Json {
    for key in ["example", "default", "const"] {
        if let Some(value) = schema.get(key) {
            return to_json(value);
        }
    }
    if let Some(first) = schema.get("examples").and_then(|e| e.items().first()) {
        return to_json(first);
    }
    if let Some(first) = schema.get("enum").and_then(|e| e.items().first()) {
        return to_json(first);
    }
    if let Some(parts) = schema.get("allOf") {
        let mut object = Map::new();
        for part in parts.items() {
            if let Json::Object(more) = sample_in(api, part, hint, depth + 1) {
                object.extend(more);
            }
        }
        if let Json::Object(own) = object_sample(api, schema, depth) {
            object.extend(own);
        }
        return Json::Object(object);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema.get(key).and_then(|e| e.items().first()) {
            return sample_in(api, first, hint, depth + 1);
        }
    }
    let (ty, _) = schema_type(schema);
    match ty {
        Some("object") => object_sample(api, schema, depth),
        None if schema.get("properties").is_some() => object_sample(api, schema, depth),
        Some("array") => match schema.get("items") {
            Some(items) => Json::Array(vec![sample_in(api, items, hint, depth + 1)]),
            None => Json::Array(Vec::new()),
        },
        Some("string") => Json::String(
            match schema.get("format").and_then(Node::as_str) {
                Some("date-time") => "2024-01-01T00:00:00Z",
                Some("date") => "2024-01-01",
                Some("email") => "fake@example.com",
                Some("uuid") => "00000000-0000-4000-8000-000000000000",
                Some("uri" | "url") => "https://example.com/fake",
                _ => return Json::String(format!("fake-{hint}")),
            }
            .to_owned(),
        ),
        Some("integer") => schema
            .get("minimum")
            .map(to_json)
            .filter(Json::is_i64)
            .unwrap_or(Json::from(1)),
        Some("number") => schema
            .get("minimum")
            .map(to_json)
            .filter(Json::is_number)
            .unwrap_or(Json::from(1.5)),
        Some("boolean") => Json::Bool(true),
        _ => Json::Null,
    }
}

fn object_sample(api: &OpenApi<'_>, schema: &Node, depth: usize) -> Json {
    Json::Object(
        schema
            .get("properties")
            .map(Node::entries)
            .unwrap_or_default()
            .iter()
            .map(|(name, property)| {
                (
                    name.name.clone(),
                    sample_in(api, property, &name.name, depth + 1),
                )
            })
            .collect(),
    )
}

/// The generated struct or enum an item path names.
fn type_def<'p>(plan: &'p Plan, path: &ItemPath) -> Option<&'p TypeDefKind> {
    (path.module.as_deref() == Some(TYPES_MODULE))
        .then(|| plan.types.iter().find(|t| t.name == path.name))
        .flatten()
        .map(|t| &t.kind)
}

/// A value that deserializes as `ty`.
fn type_value(plan: &Plan, ty: &Type, hint: &str, depth: usize) -> Json {
    if depth > MAX_DEPTH {
        return Json::Null;
    }
    match ty {
        Type::String => Json::String(format!("fake-{hint}")),
        Type::Bool => Json::Bool(true),
        Type::I32 | Type::I64 => Json::from(1),
        Type::U16 => Json::from(200),
        Type::F64 => Json::from(1.5),
        Type::Json => Json::Object(Map::new()),
        Type::Vec(inner) => Json::Array(vec![type_value(plan, inner, hint, depth + 1)]),
        Type::Option(_) if depth > 3 => Json::Null,
        Type::Option(inner) | Type::Boxed(inner) => type_value(plan, inner, hint, depth + 1),
        Type::Named(path) | Type::Enum(path) => match type_def(plan, path) {
            Some(TypeDefKind::Struct(fields)) => Json::Object(
                fields
                    .iter()
                    .map(|f| (f.name.clone(), type_value(plan, &f.ty, &f.name, depth + 1)))
                    .collect(),
            ),
            Some(TypeDefKind::Enum(variants)) => variants
                .first()
                .map_or(Json::Null, |(_, value)| Json::String(value.clone())),
            None => {
                // Another workflow's inputs or outputs.
                let fields = plan.workflows.iter().find_map(|w| {
                    if w.inputs_type == *path {
                        Some(w.inputs.iter().collect::<Vec<_>>())
                    } else if w.outputs_type == *path {
                        Some(w.outputs.iter().map(|(f, _)| f).collect())
                    } else {
                        // A step's outputs (a step of another workflow that one depends on).
                        w.steps
                            .iter()
                            .find(|s| s.outputs_type == *path)
                            .map(|s| s.outputs.iter().map(|o| &o.field).collect())
                    }
                });
                Json::Object(
                    fields
                        .unwrap_or_default()
                        .into_iter()
                        .map(|f| (f.name.clone(), type_value(plan, &f.ty, &f.name, depth + 1)))
                        .collect(),
                )
            }
        },
    }
}

/// Whether `value` deserializes as `ty`.
fn fits(plan: &Plan, value: &Json, ty: &Type, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return true;
    }
    match ty {
        Type::String => value.is_string(),
        Type::Bool => value.is_boolean(),
        Type::I32 => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        Type::I64 => value.is_i64(),
        Type::U16 => value.as_u64().is_some_and(|n| u16::try_from(n).is_ok()),
        Type::F64 => value.is_number(),
        Type::Json => true,
        Type::Vec(inner) => value
            .as_array()
            .is_some_and(|items| items.iter().all(|i| fits(plan, i, inner, depth + 1))),
        Type::Option(inner) => value.is_null() || fits(plan, value, inner, depth + 1),
        Type::Boxed(inner) => fits(plan, value, inner, depth + 1),
        Type::Named(path) | Type::Enum(path) => match type_def(plan, path) {
            Some(TypeDefKind::Struct(fields)) => value.as_object().is_some_and(|object| {
                fields.iter().all(|f| match object.get(&f.name) {
                    Some(v) => fits(plan, v, &f.ty, depth + 1),
                    None => f.ty.is_option(),
                })
            }),
            Some(TypeDefKind::Enum(variants)) => value
                .as_str()
                .is_some_and(|s| variants.iter().any(|(_, v)| v == s)),
            None => value.is_object(),
        },
    }
}

/// Sets the value at a JSON pointer, making the objects and array items on the way.
fn set_pointer(root: &mut Json, pointer: &str, value: Json) {
    if pointer.is_empty() {
        *root = value;
        return;
    }
    let mut current = root;
    for token in pointer.trim_start_matches('/').split('/') {
        let token = token.replace("~1", "/").replace("~0", "~");
        let index = token.parse::<usize>().ok().filter(|_| current.is_array());
        if let Some(index) = index {
            let Json::Array(items) = current else { return };
            while items.len() <= index {
                items.push(items.first().cloned().unwrap_or(Json::Null));
            }
            current = &mut items[index];
        } else {
            if !current.is_object() {
                *current = Json::Object(Map::new());
            }
            let Json::Object(object) = current else {
                return;
            };
            current = object.entry(token).or_insert(Json::Null);
        }
    }
    *current = value;
}

fn literal(literal: &Literal) -> Json {
    match literal {
        Literal::Null => Json::Null,
        Literal::Bool(b) => Json::Bool(*b),
        Literal::Number(n) => serde_json::from_str(n).unwrap_or(Json::Null),
        Literal::Str(s) => Json::String(s.clone()),
    }
}

/// The value of an operand in the draft: `None` when only the run knows it.
fn operand(operand: &OperandPlan, draft: &Draft) -> Option<Json> {
    match operand {
        OperandPlan::Literal(l) => Some(literal(l)),
        OperandPlan::Value(r) => place(&r.place, draft),
    }
}

fn place(place: &Place, draft: &Draft) -> Option<Json> {
    match place {
        Place::StatusCode => Some(Json::from(draft.status)),
        Place::ResponseBody(pointer) => {
            Some(draft.body.pointer(pointer).cloned().unwrap_or(Json::Null))
        }
        Place::ResponseHeader(name) => Some(
            draft
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map_or(Json::Null, |(_, v)| Json::String(v.clone())),
        ),
        Place::Const(text) => Some(Json::String(text.clone())),
        _ => None,
    }
}

fn compare(left: &Json, op: Op, right: &Json) -> bool {
    let numbers = left.as_f64().zip(right.as_f64());
    match op {
        Op::Eq => numbers.map_or(left == right, |(l, r)| l == r),
        Op::Ne => numbers.map_or(left != right, |(l, r)| l != r),
        Op::Lt => numbers.is_some_and(|(l, r)| l < r),
        Op::Le => numbers.is_some_and(|(l, r)| l <= r),
        Op::Gt => numbers.is_some_and(|(l, r)| l > r),
        Op::Ge => numbers.is_some_and(|(l, r)| l >= r),
    }
}

fn text(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whether the criterion holds for the draft; `None` when only the run can tell.
fn eval(condition: &CondPlan, draft: &Draft) -> Option<bool> {
    match condition {
        CondPlan::Or(a, b) => match (eval(a, draft), eval(b, draft)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        CondPlan::And(a, b) => Some(eval(a, draft)? && eval(b, draft)?),
        CondPlan::Not(a) => eval(a, draft).map(|b| !b),
        CondPlan::Compare(l, op, r) => Some(compare(&operand(l, draft)?, *op, &operand(r, draft)?)),
        CondPlan::Truthy(o) => Some(operand(o, draft)? == Json::Bool(true)),
        CondPlan::Regex { context, pattern } => {
            let value = place(&context.place, draft)?;
            regex::Regex::new(pattern)
                .ok()
                .map(|re| re.is_match(&text(&value)))
        }
        CondPlan::JsonPath { context, query } => {
            let value = place(&context.place, draft)?;
            let path = serde_json_path::JsonPath::parse(query).ok()?;
            Some(!path.query(&value).is_empty())
        }
        // The fake's bodies are JSON: an XPath holds on none of them.
        CondPlan::XPath { .. } => None,
    }
}

/// Makes the criterion hold by choosing the status, body members and headers it reads.
fn satisfy(condition: &CondPlan, draft: &mut Draft) -> Result<(), String> {
    match condition {
        CondPlan::And(a, b) => {
            satisfy(a, draft)?;
            satisfy(b, draft)
        }
        CondPlan::Or(a, b) => {
            let mut first = draft.clone();
            if satisfy(a, &mut first).is_ok() {
                *draft = first;
                Ok(())
            } else {
                satisfy(b, draft)
            }
        }
        CondPlan::Not(inner) => match &**inner {
            CondPlan::Compare(l, op, r) => {
                satisfy(&CondPlan::Compare(l.clone(), op.negate(), r.clone()), draft)
            }
            CondPlan::Truthy(OperandPlan::Value(r)) => set(draft, &r.place, Json::Bool(false)),
            other => check(other, draft, false),
        },
        CondPlan::Truthy(OperandPlan::Value(r)) => set(draft, &r.place, Json::Bool(true)),
        CondPlan::Compare(OperandPlan::Value(r), op, OperandPlan::Literal(l))
        | CondPlan::Compare(OperandPlan::Literal(l), op, OperandPlan::Value(r))
            if is_settable(&r.place) =>
        {
            let flipped = matches!(condition, CondPlan::Compare(OperandPlan::Literal(_), ..));
            let op = if flipped { mirror(*op) } else { *op };
            let target = literal(l);
            let current = place(&r.place, draft).unwrap_or(Json::Null);
            if compare(&current, op, &target) {
                return Ok(());
            }
            let value = match (op, target.as_f64()) {
                (Op::Eq, _) => target.clone(),
                (Op::Ne, _) => match &target {
                    Json::Number(_) if r.place == Place::StatusCode => {
                        Json::from(if target.as_u64() == Some(200) {
                            201
                        } else {
                            200
                        })
                    }
                    Json::Number(n) => Json::from(n.as_f64().unwrap_or(0.0) + 1.0),
                    Json::Bool(b) => Json::Bool(!b),
                    Json::String(s) => Json::String(format!("{s}-not")),
                    _ => Json::String("fake".to_owned()),
                },
                (Op::Le | Op::Ge, Some(_)) => target.clone(),
                (Op::Lt, Some(n)) => number(n - 1.0, &target),
                (Op::Gt, Some(n)) => number(n + 1.0, &target),
                _ => return Err(format!("`{}` cannot be made to hold", r.expression)),
            };
            set(draft, &r.place, value)
        }
        other => check(other, draft, true),
    }
}

fn number(n: f64, like: &Json) -> Json {
    if like.is_i64() || like.is_u64() {
        #[allow(clippy::cast_possible_truncation)]
        Json::from(n as i64)
    } else {
        Json::from(n)
    }
}

fn mirror(op: Op) -> Op {
    match op {
        Op::Lt => Op::Gt,
        Op::Le => Op::Ge,
        Op::Gt => Op::Lt,
        Op::Ge => Op::Le,
        other => other,
    }
}

fn is_settable(place: &Place) -> bool {
    matches!(
        place,
        Place::StatusCode | Place::ResponseBody(_) | Place::ResponseHeader(_)
    )
}

fn set(draft: &mut Draft, place: &Place, value: Json) -> Result<(), String> {
    match place {
        Place::StatusCode => {
            let status = value
                .as_u64()
                .and_then(|n| u16::try_from(n).ok())
                .filter(|n| (100..600).contains(n))
                .ok_or_else(|| format!("no HTTP status is `{value}`"))?;
            draft.status = status;
        }
        Place::ResponseBody(pointer) => set_pointer(&mut draft.body, pointer, value),
        Place::ResponseHeader(name) => {
            draft.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            draft.headers.push((name.clone(), text(&value)));
        }
        _ => return Err("it reads a value only the run knows".to_owned()),
    }
    Ok(())
}

/// A criterion the fake cannot make hold by construction: fine when it holds already.
fn check(condition: &CondPlan, draft: &Draft, wanted: bool) -> Result<(), String> {
    match eval(condition, draft) {
        Some(holds) if holds == wanted => Ok(()),
        _ => Err(match condition {
            CondPlan::Regex { context, pattern } => {
                format!(
                    "no default matches the regex `{pattern}` on `{}`",
                    context.expression
                )
            }
            CondPlan::JsonPath { context, query } => {
                format!(
                    "no default matches the JSONPath `{query}` on `{}`",
                    context.expression
                )
            }
            CondPlan::XPath { expression, .. } => {
                format!("the fake answers JSON, which the XPath `{expression}` cannot read")
            }
            _ => "a success criterion compares values only the run knows".to_owned(),
        }),
    }
}
