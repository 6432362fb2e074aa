//! The parts of an OpenAPI 3.0 / 3.1 / 3.2 description that workflows need: operations (by id and by
//! path), servers, security, and schemas reached through local `$ref`s.
//!
//! The description stays a [`Node`] tree; only the operation index is built up front, and only
//! the operations and schemas that workflows reach are ever looked at further.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::node::{Node, Value};

/// The HTTP methods a Path Item can hold, in the order OpenAPI lists them.
pub(crate) const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of a description.
#[derive(Debug)]
pub(crate) struct Operation<'a> {
    /// `operationId`, if it has one.
    pub id: Option<&'a str>,
    /// The HTTP method, lower-case as in the description.
    pub method: &'static str,
    /// The path template, e.g. `/pets/{petId}`.
    pub path: &'a str,
    /// The Operation Object.
    pub node: &'a Node,
    /// The Path Item Object that holds it.
    pub path_item: &'a Node,
}

/// An OpenAPI description, indexed by operation.
#[derive(Debug)]
pub(crate) struct OpenApi<'a> {
    /// The whole document.
    pub root: &'a Node,
    /// Every operation, in document order.
    pub operations: Vec<Operation<'a>>,
}

impl<'a> OpenApi<'a> {
    /// Indexes a description. Reports a document that is not OpenAPI 3.x.
    pub(crate) fn read(root: &'a Node, diagnostics: &mut Diagnostics) -> Option<Self> {
        match root.get("openapi") {
            Some(version) if version.as_str().is_some_and(|v| v.starts_with("3.")) => {}
            Some(version) => {
                diagnostics.push(
                    Diagnostic::error(version.span, "unsupported OpenAPI version").with_help(
                        "this generator reads OpenAPI 3.0.x, 3.1.x and 3.2.x descriptions",
                    ),
                );
                return None;
            }
            None => {
                let mut d = Diagnostic::error(
                    root.span,
                    "this is not an OpenAPI 3 description: it has no `openapi` field",
                );
                if root.get("swagger").is_some() {
                    d = d.with_help("Swagger 2.0 is not supported; convert it to OpenAPI 3 first");
                }
                diagnostics.push(d);
                return None;
            }
        }
        let mut operations = Vec::new();
        if let Some(paths) = root.get("paths") {
            for (path, item) in paths.entries() {
                for &method in METHODS {
                    if let Some(node) = item.get(method) {
                        operations.push(Operation {
                            id: node.get("operationId").and_then(Node::as_str),
                            method,
                            path: &path.name,
                            node,
                            path_item: item,
                        });
                    }
                }
            }
        }
        Some(Self { root, operations })
    }

    /// The operation with this `operationId` (the first, in a broken description with several).
    pub(crate) fn operation_by_id(&self, id: &str) -> Option<&Operation<'a>> {
        self.operations.iter().find(|op| op.id == Some(id))
    }

    /// All operation ids, for suggestions.
    pub(crate) fn operation_ids(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.operations.iter().filter_map(|op| op.id)
    }

    /// The server URLs, with each variable replaced by its default.
    pub(crate) fn servers(&self) -> Vec<String> {
        self.root
            .get("servers")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|server| {
                let mut url = server.get("url")?.as_str()?.to_owned();
                if let Some(variables) = server.get("variables") {
                    for (name, variable) in variables.entries() {
                        if let Some(default) = variable.get("default").and_then(Node::as_str) {
                            url = url.replace(&format!("{{{}}}", name.name), default);
                        }
                    }
                }
                Some(url)
            })
            .collect()
    }

    /// `components.securitySchemes`, in document order.
    pub(crate) fn security_schemes(&self) -> &'a [(crate::node::Key, Node)] {
        self.root
            .pointer("/components/securitySchemes")
            .map(Node::entries)
            .unwrap_or_default()
    }

    /// The security requirements that apply to an operation: its own `security`, else the
    /// document's. `None` when neither says anything.
    pub(crate) fn security_of(&self, operation: &Operation<'a>) -> Option<&'a Node> {
        operation
            .node
            .get("security")
            .or_else(|| self.root.get("security"))
    }

    /// Follows local `$ref`s (`#/components/...`) until a node that is not a reference; stops
    /// (returning the last node) at a remote reference, a dangling one or a cycle.
    pub(crate) fn resolve<'n>(&self, mut node: &'n Node) -> &'n Node
    where
        'a: 'n,
    {
        for _ in 0..32 {
            let Some(target) = node.get("$ref").and_then(Node::as_str) else {
                return node;
            };
            match target.strip_prefix('#').and_then(|p| self.root.pointer(p)) {
                Some(next) => node = next,
                None => return node,
            }
        }
        node
    }

    /// The JSON schema of the body of the first success response (`2XX` or a 2xx code) of an
    /// operation that has a JSON body, preferring the status given.
    pub(crate) fn success_schema(
        &self,
        operation: &Operation<'a>,
        status: Option<u16>,
    ) -> Option<&'a Node> {
        let responses = operation.node.get("responses")?;
        let mut candidates: Vec<&(crate::node::Key, Node)> = responses
            .entries()
            .iter()
            .filter(|(code, _)| code.name.starts_with('2'))
            .collect();
        if let Some(status) = status {
            let wanted = status.to_string();
            candidates.sort_by_key(|(code, _)| code.name != wanted);
        }
        candidates.into_iter().find_map(|(_, response)| {
            let response = self.resolve(response);
            let content = response.get("content")?;
            content
                .entries()
                .iter()
                .find(|(media, _)| is_json(&media.name))
                .and_then(|(_, media)| media.get("schema"))
                .map(|schema| self.resolve(schema))
        })
    }
}

/// Whether a media type is XML: `application/xml`, `text/xml`, or `…+xml`.
pub(crate) fn is_xml(media_type: &str) -> bool {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence.ends_with("/xml") || essence.ends_with("+xml")
}

/// True for `application/json` and `+json` media types.
pub(crate) fn is_json(media_type: &str) -> bool {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json") || essence == "*/*"
}

/// The names an object schema lists as `required` (none when it lists none or is not an object).
pub(crate) fn schema_required(schema: &Node) -> impl Iterator<Item = &str> {
    schema
        .get("required")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
}

/// The `type` of a schema: the string, or the one non-null entry of a 3.1 type array, and
/// whether `null` is allowed (3.0 `nullable: true` or 3.1 `type: [T, "null"]`).
pub(crate) fn schema_type(schema: &Node) -> (Option<&str>, bool) {
    let nullable = matches!(
        schema.get("nullable").map(|n| &n.value),
        Some(Value::Bool(true))
    );
    match schema.get("type").map(|t| &t.value) {
        Some(Value::Str(t)) => (Some(t.as_str()), nullable || t == "null"),
        Some(Value::Seq(types)) => {
            let names: Vec<&str> = types.iter().filter_map(Node::as_str).collect();
            let non_null: Vec<&str> = names.iter().copied().filter(|t| *t != "null").collect();
            let ty = if non_null.len() == 1 {
                Some(non_null[0])
            } else {
                None
            };
            (ty, nullable || names.contains(&"null"))
        }
        _ => (None, nullable),
    }
}
