//! The typed Arazzo document, read from a [`Node`] tree.
//!
//! Reading checks shapes only (required fields, types of values, unknown fields); whether names
//! resolve is the `resolve` stage's business. Parts kept as [`Node`]s (input schemas, payloads)
//! are interpreted later, where their meaning is known.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::files::Span;
use crate::node::{Key, Node, Value};

pub(crate) use super::asyncapi::Action;

/// A value and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Its position.
    pub span: Span,
}

/// The feature set a document is read by: the `major.minor` of its `arazzo` field (the patch
/// version is not considered, as the specification asks).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Version {
    /// Arazzo 1.0.x; also what a document of an unsupported version is read as, after the error.
    V1_0,
    /// Arazzo 1.1.x.
    V1_1,
}

impl Version {
    /// The version a document's `arazzo` field names, if this generator reads it.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let patch = |rest: &str| {
            let number = rest.split_once('-').map_or(rest, |(n, _)| n);
            !number.is_empty() && number.chars().all(|c| c.is_ascii_digit())
        };
        // 1.0 documents are read as they always were: any text after `1.0.`.
        if text.starts_with("1.0.") {
            Some(Self::V1_0)
        } else if let Some(rest) = text.strip_prefix("1.1.") {
            patch(rest).then_some(Self::V1_1)
        } else {
            None
        }
    }
}

/// The root of an Arazzo document.
#[derive(Debug)]
pub(crate) struct Document<'a> {
    /// The `arazzo` version string.
    // The model keeps what the document says; `version` is what is read of it.
    #[allow(dead_code)]
    pub arazzo: Spanned<String>,
    /// The rules the document is read by.
    pub version: Version,
    /// `$self` (Arazzo 1.1): the document's URI-reference, without a fragment.
    pub self_uri: Option<Spanned<String>>,
    /// `info`.
    pub info: Info,
    /// `sourceDescriptions`.
    pub sources: Vec<SourceDescription>,
    /// `workflows`.
    pub workflows: Vec<Workflow<'a>>,
    /// `components`, kept raw until a reference needs it.
    pub components: Option<&'a Node>,
}

/// `info`.
#[derive(Debug, Default)]
pub(crate) struct Info {
    /// `title`.
    pub title: String,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `version`.
    // The model keeps what the document says; nothing reads this yet.
    #[allow(dead_code)]
    pub version: String,
}

/// `type` of a source description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SourceKind {
    /// An OpenAPI description.
    OpenApi,
    /// Another Arazzo document.
    Arazzo,
    /// An AsyncAPI 3.0 description (Arazzo 1.1).
    AsyncApi,
}

/// One entry of `sourceDescriptions`.
#[derive(Clone, Debug)]
pub(crate) struct SourceDescription {
    /// `name`.
    pub name: Spanned<String>,
    /// `url`.
    pub url: Spanned<String>,
    /// `type`, `openapi` when absent.
    pub kind: SourceKind,
}

/// One workflow.
#[derive(Debug)]
pub(crate) struct Workflow<'a> {
    /// `workflowId`.
    pub id: Spanned<String>,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `inputs`: a JSON Schema.
    pub inputs: Option<&'a Node>,
    /// `dependsOn`.
    pub depends_on: Vec<Spanned<String>>,
    /// `steps`.
    pub steps: Vec<Step<'a>>,
    /// `successActions`, raw.
    pub success_actions: Option<&'a Node>,
    /// `failureActions`, raw.
    pub failure_actions: Option<&'a Node>,
    /// `outputs`: name to expression.
    pub outputs: Vec<Output>,
    /// `parameters`, raw.
    pub parameters: Option<&'a Node>,
    /// The workflow object itself.
    // The model keeps what the document says; nothing reads this yet.
    #[allow(dead_code)]
    pub span: Span,
}

/// What a step calls.
#[derive(Clone, Debug)]
pub(crate) enum Target {
    /// `operationId`.
    OperationId(Spanned<String>),
    /// `operationPath`.
    OperationPath(Spanned<String>),
    /// `workflowId`.
    WorkflowId(Spanned<String>),
    /// `channelPath` (Arazzo 1.1): a channel of an AsyncAPI source.
    ChannelPath(Spanned<String>),
}

/// One step.
#[derive(Debug)]
pub(crate) struct Step<'a> {
    /// `stepId`.
    pub id: Spanned<String>,
    /// `description`.
    pub description: Option<String>,
    /// `operationId`, `operationPath` or `workflowId`.
    pub target: Option<Target>,
    /// `parameters`, raw.
    pub parameters: Option<&'a Node>,
    /// `requestBody`.
    pub request_body: Option<RequestBody<'a>>,
    /// `successCriteria`.
    pub success_criteria: Vec<Criterion>,
    /// `onSuccess`, raw.
    pub on_success: Option<&'a Node>,
    /// `onFailure`, raw.
    pub on_failure: Option<&'a Node>,
    /// `outputs`.
    pub outputs: Vec<Output>,
    /// `timeout` (Arazzo 1.1): milliseconds, a positive integer.
    pub timeout: Option<Spanned<u64>>,
    /// `dependsOn` (Arazzo 1.1): the steps that must complete first, as written.
    pub depends_on: Option<Spanned<Vec<Spanned<String>>>>,
    /// `action` (Arazzo 1.1): what an AsyncAPI step does with its channel.
    pub action: Option<Spanned<Action>>,
    /// True when the step has an `action` field, valid or not (an invalid one is reported
    /// where it is read).
    pub action_written: bool,
    /// `correlationId` (Arazzo 1.1): the value a received message's correlation id must have.
    pub correlation_id: Option<Spanned<String>>,
    /// The step object itself.
    pub span: Span,
}

/// `requestBody`.
#[derive(Debug)]
pub(crate) struct RequestBody<'a> {
    /// `contentType`.
    pub content_type: Option<Spanned<String>>,
    /// `payload`.
    pub payload: Option<&'a Node>,
    /// `replacements`, raw.
    pub replacements: Option<&'a Node>,
    /// The request body object itself.
    pub span: Span,
}

/// The kind of a criterion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CriterionKind {
    /// `simple` (the default).
    Simple,
    /// `regex`.
    Regex,
    /// `jsonpath`, with the version of a Criterion Expression Type Object if given.
    JsonPath(Option<String>),
    /// `xpath`, with its version if given.
    XPath(Option<String>),
}

/// The Expression Type Object's types (Arazzo 1.1), each with its versions, the default first.
pub(crate) const EXPRESSION_TYPES: &[(&str, &[&str])] = &[
    (
        "jsonpath",
        &["rfc9535", "draft-goessner-dispatch-jsonpath-00"],
    ),
    ("xpath", &["xpath-31", "xpath-30", "xpath-20", "xpath-10"]),
    ("jsonpointer", &["rfc6901"]),
];

/// The kind of a criterion of an Arazzo 1.1 document whose `type` is an Expression Type Object.
pub(crate) fn criterion_expression_type(
    ty: &Spanned<String>,
    version: &Spanned<String>,
) -> Result<CriterionKind, Diagnostic> {
    let (name, version) = expression_type(ty, version)?;
    Ok(match (name, version) {
        ("jsonpath", "rfc9535") => CriterionKind::JsonPath(None),
        ("jsonpath", other) => CriterionKind::JsonPath(Some(other.to_owned())),
        ("xpath", other) => CriterionKind::XPath(Some(other.to_owned())),
        _ => {
            return Err(Diagnostic::error(ty.span, "a criterion cannot be of type `jsonpointer`")
                .with_label("a JSON pointer selects a value; it does not test one")
                .with_help("compare the value in a `simple` condition: `$response.body#/status == 'done'`"));
        }
    })
}

/// An Expression Type Object (`type` and `version`), checked against [`EXPRESSION_TYPES`]:
/// the type's name and the version, as the table spells them.
pub(crate) fn expression_type(
    ty: &Spanned<String>,
    version: &Spanned<String>,
) -> Result<(&'static str, &'static str), Diagnostic> {
    let names = EXPRESSION_TYPES.iter().map(|(name, _)| *name);
    let Some((name, versions)) = EXPRESSION_TYPES.iter().find(|(name, _)| *name == ty.value) else {
        return Err(Diagnostic::error(
            ty.span,
            format!("unknown expression type `{}`", ty.value),
        )
        .with_suggestion_or(
            &ty.value,
            names,
            "did you mean `{}`? An Expression Type Object's `type` is `jsonpath`, `xpath` or `jsonpointer`",
            "an Expression Type Object's `type` is `jsonpath`, `xpath` or `jsonpointer`",
        ));
    };
    if !versions.contains(&version.value.as_str()) {
        let list = versions
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let known = format!(
            "the versions of `{name}` are {list} (the default is `{}`)",
            versions[0]
        );
        return Err(Diagnostic::error(
            version.span,
            format!("unknown {name} version `{}`", version.value),
        )
        .with_suggestion_or(
            &version.value,
            versions.iter().copied(),
            &format!("did you mean `{{}}`? {known}"),
            &known,
        ));
    }
    let version = versions
        .iter()
        .find(|v| **v == version.value)
        .copied()
        .unwrap_or(versions[0]);
    Ok((name, version))
}

/// One success criterion.
#[derive(Clone, Debug)]
pub(crate) struct Criterion {
    /// `condition`.
    pub condition: Spanned<String>,
    /// `context`.
    pub context: Option<Spanned<String>>,
    /// `type`.
    pub kind: Spanned<CriterionKind>,
}

/// One entry of an `outputs` map.
#[derive(Clone, Debug)]
pub(crate) struct Output {
    /// The output's name.
    pub name: Spanned<String>,
    /// Its expression, as written; for a Selector Object, its `context`.
    pub expression: Spanned<String>,
    /// A Selector Object (Arazzo 1.1), when the output is one; `Err` with its problems when it
    /// could not be read (reported by the resolver, within the output's step, so that what
    /// reads the output is not reported again).
    pub selector: Option<Result<super::selector::Selector, Diagnostics>>,
}

/// Reads a document. Problems go to `diagnostics`; the result holds whatever could be read.
pub(crate) fn read<'a>(root: &'a Node, diagnostics: &mut Diagnostics) -> Option<Document<'a>> {
    let mut r = Reader {
        diagnostics,
        version: Version::V1_0,
    };
    if !matches!(root.value, Value::Map(_)) {
        r.diagnostics.push(Diagnostic::error(
            root.span,
            format!("an Arazzo document is a mapping, found {}", root.kind()),
        ));
        return None;
    }
    let arazzo = r.required_str(root, "arazzo", "the Arazzo document")?;
    match Version::parse(&arazzo.value) {
        Some(version) => r.version = version,
        None => r.diagnostics.push(
            Diagnostic::error(
                arazzo.span,
                format!("unsupported Arazzo version `{}`", arazzo.value),
            )
            .with_help("this generator reads Arazzo 1.0.x and 1.1.x documents"),
        ),
    }
    let root_fields: &[&str] = match r.version {
        Version::V1_0 => &[
            "arazzo",
            "info",
            "sourceDescriptions",
            "workflows",
            "components",
        ],
        Version::V1_1 => &[
            "arazzo",
            "$self",
            "info",
            "sourceDescriptions",
            "workflows",
            "components",
        ],
    };
    r.known_fields(root, "the Arazzo document", root_fields);
    let self_uri = match r.version {
        Version::V1_0 => None,
        Version::V1_1 => r.optional_str(root, "$self").and_then(|s| r.self_uri(s)),
    };
    let info = match root.get("info") {
        Some(info) => {
            r.known_fields(
                info,
                "`info`",
                &["title", "summary", "description", "version"],
            );
            Info {
                title: r
                    .required_str(info, "title", "`info`")
                    .map(|s| s.value)
                    .unwrap_or_default(),
                summary: r.optional_str(info, "summary").map(|s| s.value),
                description: r.optional_str(info, "description").map(|s| s.value),
                version: r
                    .required_str(info, "version", "`info`")
                    .map(|s| s.value)
                    .unwrap_or_default(),
            }
        }
        None => {
            r.missing(root, "info", "the Arazzo document");
            Info::default()
        }
    };
    r.non_empty(root, "sourceDescriptions");
    r.non_empty(root, "workflows");
    let sources = r
        .required_seq(root, "sourceDescriptions", "the Arazzo document")
        .iter()
        .filter_map(|node| r.source(node))
        .collect();
    let workflows = r
        .required_seq(root, "workflows", "the Arazzo document")
        .iter()
        .filter_map(|node| r.workflow(node))
        .collect();
    if let Some(components) = root.get("components") {
        for (_, group) in components.entries() {
            for (key, _) in group.entries() {
                r.key_pattern(key, "the component name");
            }
        }
    }
    Some(Document {
        arazzo,
        version: r.version,
        self_uri,
        info,
        sources,
        workflows,
        components: root.get("components"),
    })
}

struct Reader<'d> {
    diagnostics: &'d mut Diagnostics,
    /// The rules the document is read by.
    version: Version,
}

impl Reader<'_> {
    /// `$self`: a URI-reference (RFC 3986 §4.1) without a fragment.
    fn self_uri(&mut self, uri: Spanned<String>) -> Option<Spanned<String>> {
        if let Some(at) = uri.value.find('#') {
            self.diagnostics.push(
                Diagnostic::error(uri.span, format!("`$self` `{}` has a fragment", uri.value))
                    .with_label("the `$self` URI must not contain a fragment identifier")
                    .with_help(format!("write `$self: {}`", &uri.value[..at])),
            );
            return None;
        }
        if let Err(reason) = crate::uri::check_reference(&uri.value) {
            self.diagnostics.push(
                Diagnostic::error(uri.span, format!("`$self` `{}` is not a URI-reference: {reason}", uri.value))
                    .with_help("`$self` is the document's own URI, e.g. `https://example.com/arazzo/purchase.arazzo.yaml`"),
            );
            return None;
        }
        Some(uri)
    }

    fn missing(&mut self, node: &Node, key: &str, what: &str) {
        self.diagnostics.push(
            Diagnostic::error(node.span, format!("{what} has no `{key}`"))
                .with_label(format!("`{key}` is required here")),
        );
    }

    /// Names and ids SHOULD match `[A-Za-z0-9_\-]+` (Arazzo 1.0.1); runtime expressions
    /// cannot reach others unambiguously.
    fn id_pattern(&mut self, id: &Spanned<String>, what: &str) {
        let ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        if !id.value.is_empty() && id.value.chars().all(ok) {
            return;
        }
        let fixed: String = id
            .value
            .chars()
            .map(|c| if ok(c) { c } else { '-' })
            .collect();
        // Arazzo 1.1's expression grammar reads these ids as `identifier-strict`: a dot would
        // end the id inside `$steps.<id>.outputs…`, so no expression could name it.
        if self.version >= Version::V1_1 && id.value.contains('.') {
            self.diagnostics.push(
                Diagnostic::error(
                    id.span,
                    format!("{what} `{}` contains a dot", id.value),
                )
                .with_label("Arazzo 1.1 runtime expressions read ids as `[A-Za-z0-9_-]+`, so none could name this one")
                .with_help(format!("write it without dots, e.g. `{fixed}`")),
            );
            return;
        }
        self.diagnostics.push(
            Diagnostic::warning(
                id.span,
                format!("{what} `{}` has characters outside `A-Z a-z 0-9 _ -`", id.value),
            )
            .with_help(format!(
                "the specification recommends `[A-Za-z0-9_\\-]+`, so that expressions can name it: e.g. `{fixed}`"
            )),
        );
    }

    /// Output names and the keys of `components` MUST match `^[a-zA-Z0-9\.\-_]+$`.
    fn key_pattern(&mut self, key: &crate::node::Key, what: &str) {
        let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
        if !key.name.is_empty() && key.name.chars().all(ok) {
            return;
        }
        self.diagnostics.push(
            Diagnostic::error(
                key.span,
                format!(
                    "{what} `{}` has characters outside `A-Z a-z 0-9 . - _`",
                    key.name
                ),
            )
            .with_help("Arazzo requires such names to match `^[a-zA-Z0-9.\\-_]+$`"),
        );
    }

    /// A list that the specification requires to have at least one entry.
    fn non_empty(&mut self, node: &Node, key: &str) {
        if let Some(list) = node.get(key)
            && matches!(&list.value, Value::Seq(items) if items.is_empty())
        {
            self.diagnostics.push(
                Diagnostic::error(list.span, format!("`{key}` is empty"))
                    .with_help(format!("`{key}` needs at least one entry")),
            );
        }
    }

    fn known_fields(&mut self, node: &Node, what: &str, known: &[&str]) {
        for (key, _) in node.entries() {
            if key.name.starts_with("x-") || known.contains(&key.name.as_str()) {
                continue;
            }
            let diagnostic = Diagnostic::warning(
                key.span,
                format!("unknown field `{}` in {what}; it is ignored", key.name),
            )
            .with_did_you_mean(&key.name, known.iter().copied());
            self.diagnostics.push(diagnostic);
        }
    }

    fn optional_str(&mut self, node: &Node, key: &str) -> Option<Spanned<String>> {
        let value = node.get(key)?;
        match &value.value {
            Value::Str(s) => Some(Spanned {
                value: s.clone(),
                span: value.span,
            }),
            // Numbers and booleans written without quotes are still meant as text.
            Value::Int(i) => Some(Spanned {
                value: i.to_string(),
                span: value.span,
            }),
            Value::Float(f) => Some(Spanned {
                value: f.to_string(),
                span: value.span,
            }),
            Value::Bool(b) => Some(Spanned {
                value: b.to_string(),
                span: value.span,
            }),
            _ => {
                self.diagnostics.push(Diagnostic::error(
                    value.span,
                    format!("`{key}` must be a string, found {}", value.kind()),
                ));
                None
            }
        }
    }

    fn required_str(&mut self, node: &Node, key: &str, what: &str) -> Option<Spanned<String>> {
        if node.get(key).is_none() {
            self.missing(node, key, what);
            return None;
        }
        self.optional_str(node, key)
    }

    fn optional_seq<'n>(&mut self, node: &'n Node, key: &str) -> &'n [Node] {
        match node.get(key) {
            None => &[],
            Some(value) => match &value.value {
                Value::Seq(items) => items,
                _ => {
                    self.diagnostics.push(Diagnostic::error(
                        value.span,
                        format!("`{key}` must be a sequence, found {}", value.kind()),
                    ));
                    &[]
                }
            },
        }
    }

    fn required_seq<'n>(&mut self, node: &'n Node, key: &str, what: &str) -> &'n [Node] {
        if node.get(key).is_none() {
            self.missing(node, key, what);
            return &[];
        }
        self.optional_seq(node, key)
    }

    fn optional_map<'n>(&mut self, node: &'n Node, key: &str) -> Option<&'n Node> {
        let value = node.get(key)?;
        match value.value {
            Value::Map(_) => Some(value),
            _ => {
                self.diagnostics.push(Diagnostic::error(
                    value.span,
                    format!("`{key}` must be a mapping, found {}", value.kind()),
                ));
                None
            }
        }
    }

    fn is_map(&mut self, node: &Node, what: &str) -> bool {
        if matches!(node.value, Value::Map(_)) {
            return true;
        }
        self.diagnostics.push(Diagnostic::error(
            node.span,
            format!("{what} must be a mapping, found {}", node.kind()),
        ));
        false
    }

    fn source(&mut self, node: &Node) -> Option<SourceDescription> {
        let what = "a source description";
        if !self.is_map(node, what) {
            return None;
        }
        self.known_fields(node, what, &["name", "url", "type"]);
        let name = self.required_str(node, "name", what);
        if let Some(name) = &name {
            self.id_pattern(name, "source description name");
        }
        let url = self.required_str(node, "url", what);
        let kind = match self.optional_str(node, "type") {
            None => SourceKind::OpenApi,
            Some(kind) => match kind.value.as_str() {
                "openapi" => SourceKind::OpenApi,
                "arazzo" => SourceKind::Arazzo,
                "asyncapi" if self.version == Version::V1_1 => SourceKind::AsyncApi,
                other => {
                    self.diagnostics.push(
                        Diagnostic::error(kind.span, format!("unknown source type `{other}`"))
                            .with_help("a source's `type` is `openapi` or `arazzo`"),
                    );
                    return None;
                }
            },
        };
        Some(SourceDescription {
            name: name?,
            url: url?,
            kind,
        })
    }

    fn outputs(&mut self, node: &Node) -> Vec<Output> {
        let Some(map) = self.optional_map(node, "outputs") else {
            return Vec::new();
        };
        for (key, _) in map.entries() {
            self.key_pattern(key, "the output name");
        }
        map.entries()
            .iter()
            .filter_map(|(key, value)| {
                let name = spanned_key(key);
                match &value.value {
                    Value::Str(s) => Some(Output {
                        name,
                        expression: Spanned {
                            value: s.clone(),
                            span: value.span,
                        },
                        selector: None,
                    }),
                    Value::Map(_) if self.version >= Version::V1_1 => {
                        let mut found = Diagnostics::default();
                        match super::selector::read(value, &mut found) {
                            Some(selector) => {
                                found.iter().for_each(|d| self.diagnostics.push(d.clone()));
                                Some(Output {
                                    name,
                                    expression: selector.context.clone(),
                                    selector: Some(Ok(selector)),
                                })
                            }
                            None => Some(Output {
                                name,
                                expression: Spanned {
                                    value: String::new(),
                                    span: value.span,
                                },
                                selector: Some(Err(found)),
                            }),
                        }
                    }
                    _ => {
                        self.diagnostics.push(
                            Diagnostic::error(
                                value.span,
                                format!(
                                    "output `{}` must be a runtime expression, found {}",
                                    key.name,
                                    value.kind()
                                ),
                            )
                            .with_help(
                                "outputs are runtime expressions such as `$response.body#/id` (or, in Arazzo 1.1, Selector Objects)",
                            ),
                        );
                        None
                    }
                }
            })
            .collect()
    }

    fn workflow<'a>(&mut self, node: &'a Node) -> Option<Workflow<'a>> {
        let what = "a workflow";
        if !self.is_map(node, what) {
            return None;
        }
        self.known_fields(
            node,
            what,
            &[
                "workflowId",
                "summary",
                "description",
                "inputs",
                "dependsOn",
                "steps",
                "successActions",
                "failureActions",
                "outputs",
                "parameters",
            ],
        );
        let id = self.required_str(node, "workflowId", what);
        if let Some(id) = &id {
            self.id_pattern(id, "workflowId");
        }
        let depends_on = self
            .optional_seq(node, "dependsOn")
            .iter()
            .filter_map(|item| match &item.value {
                Value::Str(s) => Some(Spanned {
                    value: s.clone(),
                    span: item.span,
                }),
                _ => {
                    self.diagnostics.push(Diagnostic::error(
                        item.span,
                        format!(
                            "a `dependsOn` entry must be a workflowId, found {}",
                            item.kind()
                        ),
                    ));
                    None
                }
            })
            .collect();
        if let Some(steps) = node.get("steps")
            && matches!(&steps.value, Value::Seq(items) if items.is_empty())
        {
            self.diagnostics.push(Diagnostic::error(
                steps.span,
                "a workflow needs at least one step",
            ));
        }
        let steps = self
            .required_seq(node, "steps", what)
            .iter()
            .filter_map(|step| self.step(step))
            .collect();
        Some(Workflow {
            id: id?,
            summary: self.optional_str(node, "summary").map(|s| s.value),
            description: self.optional_str(node, "description").map(|s| s.value),
            inputs: self.optional_map(node, "inputs"),
            depends_on,
            steps,
            success_actions: node.get("successActions"),
            failure_actions: node.get("failureActions"),
            outputs: self.outputs(node),
            parameters: node.get("parameters"),
            span: node.span,
        })
    }

    fn step<'a>(&mut self, node: &'a Node) -> Option<Step<'a>> {
        let what = "a step";
        if !self.is_map(node, what) {
            return None;
        }
        const STEP_1_0: &[&str] = &[
            "stepId",
            "description",
            "operationId",
            "operationPath",
            "workflowId",
            "parameters",
            "requestBody",
            "successCriteria",
            "onSuccess",
            "onFailure",
            "outputs",
        ];
        const STEP_1_1: &[&str] = &[
            "stepId",
            "description",
            "operationId",
            "operationPath",
            "workflowId",
            "parameters",
            "requestBody",
            "successCriteria",
            "onSuccess",
            "onFailure",
            "outputs",
            "timeout",
            "dependsOn",
            "channelPath",
            "action",
            "correlationId",
        ];
        let fields = match self.version {
            Version::V1_0 => STEP_1_0,
            Version::V1_1 => STEP_1_1,
        };
        self.known_fields(node, what, fields);
        let timeout = match self.version {
            Version::V1_0 => None,
            Version::V1_1 => self.timeout(node),
        };
        let depends_on = match self.version {
            Version::V1_0 => None,
            Version::V1_1 => self.step_depends_on(node),
        };
        let (action, correlation_id) = match self.version {
            Version::V1_0 => (None, None),
            Version::V1_1 => self.async_fields(node),
        };
        let id = self.required_str(node, "stepId", what);
        if let Some(id) = &id {
            self.id_pattern(id, "stepId");
        }
        let mut targets = Vec::new();
        if let Some(s) = self.optional_str(node, "operationId") {
            targets.push(Target::OperationId(s));
        }
        if let Some(s) = self.optional_str(node, "operationPath") {
            targets.push(Target::OperationPath(s));
        }
        if let Some(s) = self.optional_str(node, "workflowId") {
            targets.push(Target::WorkflowId(s));
        }
        if self.version >= Version::V1_1
            && let Some(s) = self.optional_str(node, "channelPath")
        {
            if action.is_none() && node.get("action").is_none() {
                self.diagnostics.push(
                    Diagnostic::error(s.span, "a step with a `channelPath` must have an `action`")
                        .with_help("add `action: send` or `action: receive`"),
                );
            }
            targets.push(Target::ChannelPath(s));
        }
        if targets.len() > 1 {
            let (message, help) = if self.version >= Version::V1_1 {
                (
                    "a step names more than one of `operationId`, `operationPath`, `channelPath` and `workflowId`",
                    "keep exactly one of them",
                )
            } else {
                (
                    "a step names more than one of `operationId`, `operationPath` and `workflowId`",
                    "keep exactly one of them",
                )
            };
            self.diagnostics
                .push(Diagnostic::error(node.span, message).with_help(help));
        }
        let target = targets.into_iter().next();
        if target.is_none() {
            let (span, label) = match node.entries().iter().find(|(k, _)| k.name == "x-operation") {
                Some((key, _)) => (
                    key.span,
                    "`x-operation` is an extension (Redocly's) that this generator does not read",
                ),
                None => (node.span, "this step calls nothing"),
            };
            self.diagnostics.push(
                Diagnostic::error(
                    span,
                    "a step must name what it calls: `operationId`, `operationPath` or `workflowId`",
                )
                .with_label(label),
            );
        }
        let request_body = self.optional_map(node, "requestBody").map(|body| {
            self.known_fields(
                body,
                "`requestBody`",
                &["contentType", "payload", "replacements"],
            );
            RequestBody {
                content_type: self.optional_str(body, "contentType"),
                payload: body.get("payload"),
                replacements: body.get("replacements"),
                span: body.span,
            }
        });
        // "If `successCriteria` is provided, it MUST contain at least one Criterion Object":
        // enforced for 1.1 documents (1.0 documents read as they always were).
        if self.version >= Version::V1_1 {
            self.non_empty(node, "successCriteria");
        }
        let success_criteria = self
            .optional_seq(node, "successCriteria")
            .iter()
            .filter_map(|c| self.criterion(c))
            .collect();
        Some(Step {
            id: id?,
            description: self.optional_str(node, "description").map(|s| s.value),
            target,
            parameters: node.get("parameters"),
            request_body,
            success_criteria,
            on_success: node.get("onSuccess"),
            on_failure: node.get("onFailure"),
            outputs: self.outputs(node),
            timeout,
            depends_on,
            action,
            action_written: node.get("action").is_some(),
            correlation_id,
            span: node.span,
        })
    }

    /// A step's `action` and `correlationId` (Arazzo 1.1): `action` is `send` or `receive`, and
    /// `correlationId` belongs to a `receive` step only.
    fn async_fields(&mut self, node: &Node) -> (Option<Spanned<Action>>, Option<Spanned<String>>) {
        let action =
            self.optional_str(node, "action")
                .and_then(|text| match Action::parse(&text.value) {
                    Some(action) => Some(Spanned {
                        value: action,
                        span: text.span,
                    }),
                    None => {
                        self.diagnostics.push(
                            Diagnostic::error(
                                text.span,
                                format!("unknown step action `{}`", text.value),
                            )
                            .with_help("a step's `action` is `send` or `receive`"),
                        );
                        None
                    }
                });
        let correlation_id = self.optional_str(node, "correlationId");
        if let (Some(id), Some(action)) = (&correlation_id, &action)
            && action.value != Action::Receive
        {
            self.diagnostics.push(
                Diagnostic::error(
                    id.span,
                    "`correlationId` belongs to a step whose `action` is `receive`",
                )
                .with_related(action.span, "this step sends")
                .with_help("a sent message carries its correlation id in a header parameter; remove `correlationId` here"),
            );
        }
        (action, correlation_id)
    }

    /// A step's `dependsOn` (Arazzo 1.1): a non-empty list of distinct strings.
    fn step_depends_on(&mut self, node: &Node) -> Option<Spanned<Vec<Spanned<String>>>> {
        let list = node.get("dependsOn")?;
        let items = self.optional_seq(node, "dependsOn");
        if items.is_empty() && matches!(list.value, Value::Seq(_)) {
            self.diagnostics.push(
                Diagnostic::error(list.span, "`dependsOn` is empty")
                    .with_help("name the steps that must complete first, or leave `dependsOn` out"),
            );
        }
        let mut entries: Vec<Spanned<String>> = Vec::new();
        for item in items {
            let Value::Str(text) = &item.value else {
                self.diagnostics.push(Diagnostic::error(
                    item.span,
                    format!(
                        "a `dependsOn` entry must be a stepId, found {}",
                        item.kind()
                    ),
                ));
                continue;
            };
            if entries.iter().any(|e| e.value == *text) {
                self.diagnostics.push(
                    Diagnostic::error(
                        item.span,
                        format!("`{text}` is listed twice in `dependsOn`"),
                    )
                    .with_help("the list must not include duplicates: remove this one"),
                );
                continue;
            }
            entries.push(Spanned {
                value: text.clone(),
                span: item.span,
            });
        }
        Some(Spanned {
            value: entries,
            span: list.span,
        })
    }

    /// A step's `timeout`: a positive integer of milliseconds.
    fn timeout(&mut self, node: &Node) -> Option<Spanned<u64>> {
        let value = node.get("timeout")?;
        match value.value {
            Value::Int(ms) if ms > 0 => Some(Spanned {
                value: ms.unsigned_abs(),
                span: value.span,
            }),
            _ => {
                let found = match &value.value {
                    Value::Int(ms) => format!("`{ms}`"),
                    Value::Float(ms) => format!("`{ms}`"),
                    _ => value.kind().to_string(),
                };
                self.diagnostics.push(
                    Diagnostic::error(
                        value.span,
                        format!("a step's `timeout` must be a positive integer of milliseconds, found {found}"),
                    )
                    .with_help("e.g. `timeout: 5000` aborts the step after five seconds; leave `timeout` out for no limit"),
                );
                None
            }
        }
    }

    fn criterion(&mut self, node: &Node) -> Option<Criterion> {
        let what = "a criterion";
        if !self.is_map(node, what) {
            return None;
        }
        self.known_fields(node, what, &["condition", "context", "type"]);
        let condition = self.required_str(node, "condition", what)?;
        let context = self.optional_str(node, "context");
        let kind = match node.get("type") {
            None => Spanned {
                value: CriterionKind::Simple,
                span: condition.span,
            },
            Some(kind_node) => {
                let (name, version) = match &kind_node.value {
                    Value::Str(s) => (s.clone(), None),
                    Value::Map(_) if self.version >= Version::V1_1 => {
                        self.known_fields(kind_node, "an expression type", &["type", "version"]);
                        let name = self.required_str(kind_node, "type", "an expression type");
                        let version = self.required_str(kind_node, "version", "an expression type");
                        match criterion_expression_type(&name?, &version?) {
                            Ok(value) => {
                                return Some(Criterion {
                                    condition,
                                    context,
                                    kind: Spanned {
                                        value,
                                        span: kind_node.span,
                                    },
                                });
                            }
                            Err(d) => {
                                self.diagnostics.push(d);
                                return None;
                            }
                        }
                    }
                    Value::Map(_) => {
                        let name =
                            self.required_str(kind_node, "type", "a criterion expression type")?;
                        let version =
                            self.required_str(kind_node, "version", "a criterion expression type")?;
                        (name.value, Some(version.value))
                    }
                    _ => {
                        self.diagnostics.push(Diagnostic::error(
                            kind_node.span,
                            format!(
                                "a criterion's `type` must be a string or a mapping, found {}",
                                kind_node.kind()
                            ),
                        ));
                        return None;
                    }
                };
                let value = match name.as_str() {
                    "simple" => CriterionKind::Simple,
                    "regex" => CriterionKind::Regex,
                    "jsonpath" => CriterionKind::JsonPath(version),
                    "xpath" => CriterionKind::XPath(version),
                    other => {
                        let d = Diagnostic::error(
                            kind_node.span,
                            format!("unknown criterion type `{other}`"),
                        )
                        .with_suggestion_or(
                            other,
                            ["simple", "regex", "jsonpath", "xpath"],
                            "did you mean `{}`? The types are `simple`, `regex`, `jsonpath` and `xpath`",
                            "the types are `simple`, `regex`, `jsonpath` and `xpath`",
                        );
                        self.diagnostics.push(d);
                        return None;
                    }
                };
                Spanned {
                    value,
                    span: kind_node.span,
                }
            }
        };
        Some(Criterion {
            condition,
            context,
            kind,
        })
    }
}

fn spanned_key(key: &Key) -> Spanned<String> {
    Spanned {
        value: key.name.clone(),
        span: key.span,
    }
}
