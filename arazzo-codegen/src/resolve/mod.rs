//! Resolve and check: binds every step to its operation, every expression to the value it
//! reads, every value to a Rust type, and reports every problem as a diagnostic. The result is
//! the [`Plan`].

mod actions;
mod bodies;
mod calls;
mod cascade;
mod context;
mod criteria;
mod decoding;
pub(crate) mod fake;
mod fake_types;
mod header_cases;
mod implied;
mod inputs;
mod messages;
mod operations;
mod order;
mod parameters;
mod querystring;
mod reads;
mod security;
mod selectors;
mod step_dependencies;
mod steps;
mod types;
mod undeclared;
mod values;
mod workflow_values;
mod workflows;

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::expr::ParseError;
use crate::files::{Files, Span};
use crate::load::LoadedSource;
use crate::model::arazzo::{Document, SourceKind, Spanned, Step, Target, Version};
use crate::model::asyncapi::AsyncApi;
use crate::model::openapi::OpenApi;
use crate::naming::{self, Scope};
use crate::node::Node;
use crate::plan::TYPES_MODULE;
use crate::plan::{
    BrokerPlan, DefaultValue, FieldPlan, Plan, SchemePlan, SourcePlan, Type, ValueRef, WorkflowPlan,
};

pub(crate) use context::{Context, Signature};
use security::SchemeUse;

use types::Types;

/// Names the root of the generated module always defines (`fake` with `Settings::fake`; it is
/// reserved either way, so that a workflow's names never depend on the setting).
const RESERVED_ITEMS: &[&str] = &["Client", "ClientBuilder", TYPES_MODULE, FAKE_MODULE];

/// The module of the fake server (`Settings::fake`).
const FAKE_MODULE: &str = "fake";

/// Names every workflow's module defines.
const RESERVED_IN_WORKFLOW: &[&str] = &["Inputs", "Outputs"];

/// Names a workflow module's items also may not take when durable runs are generated: the
/// public items of a durable run, and the private ones they use.
const RESERVED_IN_DURABLE_WORKFLOW: &[&str] = &[
    "Inputs",
    "Outputs",
    "VERSION",
    "PartialInputs",
    "State",
    "Step",
    "Steps",
    "Retries",
    "start",
    "resume",
    "resume_with",
    "drive",
];

/// Names a source's or a scheme's field and setter may not take: the client's own field, and
/// the methods of `Client` and `ClientBuilder` (including derived and trait ones).
const RESERVED_MEMBERS: &[&str] = &[
    "http",
    "build",
    "builder",
    "new",
    "default",
    "reqwest_client",
    "timeout",
    "no_timeout",
    "connect_timeout",
    "user_agent",
    "default_header",
    "fmt",
    "clone",
    "clone_from",
];

/// Builds the plan for a document and its loaded sources.
pub(crate) use implied::imply_dependencies;
pub(crate) use order::order_steps;

pub(crate) fn resolve(
    files: &Files,
    document: &Document<'_>,
    sources: &[LoadedSource],
    max_steps: usize,
    context: &Context,
    diagnostics: &mut Diagnostics,
) -> Plan {
    let mut reserved_members: Vec<&str> = RESERVED_MEMBERS.to_vec();
    reserved_members.extend(context.reserved_members.iter().map(String::as_str));
    let mut member_scope = Scope::with_reserved(&reserved_members);
    let mut source_plans = Vec::new();
    let mut apis = Vec::new();
    let mut asyncs = Vec::new();
    let mut async_schemas = Vec::new();
    let mut brokers = Vec::new();
    for source in sources {
        if source.kind == SourceKind::AsyncApi {
            if let Some(node) = &source.node
                && let Some(api) = AsyncApi::read(node, diagnostics)
            {
                brokers.push(BrokerPlan {
                    name: source.name.clone(),
                    field: member_scope.unique(naming::snake(&context.prefixed(&source.name))),
                    server: api.server.clone().map(|s| (s.protocol, s.host)),
                });
                // Its schemas are read as an OpenAPI description's are: local `$ref`s.
                async_schemas.push(OpenApi {
                    root: node,
                    operations: Vec::new(),
                });
                asyncs.push((source.name.clone(), api));
            }
            continue;
        }
        if source.kind != SourceKind::OpenApi {
            continue;
        }
        let Some(node) = &source.node else { continue };
        let Some(api) = OpenApi::read(node, diagnostics) else {
            continue;
        };
        let field = member_scope.unique(naming::snake(&context.prefixed(&source.name)));
        if let Some(first) = node
            .get("servers")
            .and_then(|servers| servers.items().first())
            && let Some(url) = first
                .get("url")
                .filter(|url| url.as_str().is_some_and(|u| !is_absolute(u)))
        {
            diagnostics.push(
                Diagnostic::warning(url.span, format!("the first server of source `{}` is a relative URL", source.name))
                    .with_label("relative to wherever the description was published")
                    .with_help(format!("the client has no default base URL for it: set one with `ClientBuilder::{field}`")),
            );
        }
        let servers = api.servers();
        source_plans.push(SourcePlan {
            name: source.name.clone(),
            field,
            default_url: servers.first().filter(|url| is_absolute(url)).cloned(),
            servers,
        });
        apis.push((source.name.clone(), api));
    }
    let source_fields = document
        .sources
        .iter()
        .map(|source| {
            let field = source_plans
                .iter()
                .find(|plan| plan.name == source.name.value)
                .map(|plan| plan.field.clone());
            (source.name.value.clone(), (field, source.kind))
        })
        .collect();
    let mut r = Resolver {
        files,
        diagnostics,
        apis: &apis,
        asyncs: &asyncs,
        async_schemas: &async_schemas,
        source_fields,
        workflow_ids: document
            .workflows
            .iter()
            .map(|w| w.id.value.clone())
            .collect(),
        components: document.components,
        max_steps,
        version: document.version,
        self_uri: document.self_uri.as_ref().map(|s| s.value.clone()),
        items: Scope::with_reserved(
            &RESERVED_ITEMS
                .iter()
                .copied()
                .chain(context.reserved_items.iter().map(String::as_str))
                .collect::<Vec<_>>(),
        ),
        type_names: Scope::with_reserved(
            &context
                .reserved_types
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        ),
        context,
        schemes: Vec::new(),
        names: BTreeMap::new(),
        signatures: BTreeMap::new(),
        types: Types::default(),
        undeclared: Default::default(),
    };
    r.check_unique(
        document.sources.iter().map(|s| &s.name),
        "source description name",
    );
    r.check_unique(document.workflows.iter().map(|w| &w.id), "workflowId");

    // Names first, in document order; then each workflow after those it calls or depends on.
    for workflow in &document.workflows {
        let id = &workflow.id.value;
        let mut wanted = naming::snake(&context.prefixed(id));
        if wanted == FAKE_MODULE {
            wanted = format!("{FAKE_MODULE}_workflow");
            r.report(
                Diagnostic::warning(workflow.id.span, format!("the workflow `{id}` is generated as `{wanted}`"))
                    .with_label("`fake` is the module of the fake server (`fake = true`)")
                    .with_help("the name is reserved whether or not the fake is generated; give the workflow another `workflowId` to choose its name"),
            );
        }
        let name = r.items.unique(wanted);
        r.names.entry(id.clone()).or_insert(name);
    }
    let order = r.workflow_order(&document.workflows);
    let mut plans: Vec<(usize, WorkflowPlan)> = order
        .into_iter()
        .map(|index| (index, r.workflow(document, &document.workflows[index])))
        .collect();
    plans.sort_by_key(|(index, _)| *index);
    let workflows: Vec<WorkflowPlan> = plans.into_iter().map(|(_, plan)| plan).collect();
    let fake_types = if context.fake {
        r.fake_types(&workflows)
    } else {
        Vec::new()
    };

    // A scheme's setter is named after the scheme; when several sources define a scheme of the
    // same name, each gets its own setter, prefixed by its source, so that credentials meant for
    // one API are never sent to another.
    let schemes = r
        .schemes
        .iter()
        .map(|scheme| {
            let shared = r
                .schemes
                .iter()
                .filter(|other| other.name == scheme.name)
                .count()
                > 1;
            let setter = if shared {
                format!(
                    "{}_{}",
                    source_plans[scheme.source].field,
                    naming::snake(&scheme.name)
                )
            } else {
                naming::snake(&context.prefixed(&scheme.name))
            };
            SchemePlan {
                name: scheme.name.clone(),
                source: scheme.source,
                field: member_scope.unique(setter),
                kind: scheme.kind.clone(),
                description: scheme.description.clone(),
                implied: scheme.implied,
                client_credentials: scheme.client_credentials.clone(),
            }
        })
        .collect();
    Plan {
        title: document.info.title.clone(),
        summary: document.info.summary.clone(),
        description: document.info.description.clone(),
        sources: source_plans,
        brokers,
        schemes,
        workflows,
        types: r.types.defs,
        fake_types,
    }
}

/// True for a URL with a scheme (`https://…`), which can serve as a base URL as it is.
fn is_absolute(url: &str) -> bool {
    url.split_once("://")
        .is_some_and(|(scheme, _)| !scheme.is_empty())
}

struct Resolver<'a, 'd> {
    files: &'a Files,
    diagnostics: &'d mut Diagnostics,
    /// The OpenAPI sources, by name, in document order.
    apis: &'a [(String, OpenApi<'a>)],
    /// The AsyncAPI sources, by name, in document order.
    asyncs: &'a [(String, AsyncApi<'a>)],
    /// Their schemas, read through the OpenAPI schema reader (in the order of `asyncs`).
    async_schemas: &'a [OpenApi<'a>],
    /// Sources by name: the client field of an OpenAPI source's base URL, and the kind.
    source_fields: BTreeMap<String, (Option<String>, SourceKind)>,
    /// Every workflow id of the document.
    workflow_ids: BTreeSet<String>,
    /// The document's `components`.
    components: Option<&'a Node>,
    /// The bound on steps one run of a looping workflow executes.
    max_steps: usize,
    /// The rules the document is read by.
    version: Version,
    /// The document's `$self` (Arazzo 1.1), for `$self` expressions.
    self_uri: Option<String>,
    /// Names at the root of the generated module: `Client`, `types`, the workflows' functions
    /// and modules.
    items: Scope,
    /// Names in the generated module's `types`.
    type_names: Scope,
    /// What the document is resolved within.
    context: &'a Context,
    /// Per workflowId: its function and module.
    names: BTreeMap<String, String>,
    /// Workflows resolved so far, for the steps and workflows that call them.
    signatures: BTreeMap<String, Signature>,
    /// Security schemes in use, per source.
    schemes: Vec<SchemeUse>,
    /// The types generated from schemas so far.
    types: Types,
    /// The undeclared inputs of the workflow being resolved.
    undeclared: undeclared::Undeclared,
}

/// The fields of a workflow's inputs struct, and the defaults the function fills in.
type InputFields = (Vec<FieldPlan>, Vec<(String, DefaultValue)>);

/// Values by document name: (Rust field, type).
type Fields = BTreeMap<String, (String, Type)>;

/// What a workflow's expressions can see while its steps are resolved.
struct WorkflowScope {
    /// The workflow being resolved.
    workflow_id: String,
    /// Every workflow id of the document.
    workflow_ids: BTreeSet<String>,
    /// Sources by name: the client field of an OpenAPI source's base URL, and the kind.
    sources: BTreeMap<String, (Option<String>, SourceKind)>,
    inputs: Fields,
    input_names: Vec<String>,
    /// True when the `inputs` schema could not be read (reported): what `$inputs` names is
    /// unknown, not wrong.
    inputs_unreadable: bool,
    /// Steps resolved so far: step id to (variable, outputs by name: (field, type)).
    steps: BTreeMap<String, (String, Fields)>,
    all_step_ids: BTreeSet<String>,
    /// Every step id, in order (the targets of `goto`).
    step_order: Vec<String>,
    /// The step being resolved.
    current_step: Option<String>,
    /// Steps that could not be resolved: reading them is not reported again.
    failed_steps: BTreeSet<String>,
    /// Steps resolved with errors (an output in error, say): an output of theirs that is not
    /// known is not reported again, when they declare it.
    incomplete_steps: BTreeSet<String>,
    /// The output names each step declares, as written (resolved or not).
    declared_outputs: BTreeMap<String, Vec<String>>,
    /// Workflow outputs resolved so far.
    outputs: BTreeMap<String, ValueRef>,
    /// Workflows this one depends on: id to (variable, outputs).
    dependencies: BTreeMap<String, (String, Fields)>,
    /// For those: id to the field of this workflow's inputs that holds their inputs.
    dependency_inputs: BTreeMap<String, String>,
    /// Steps of other workflows that steps of this one depend on (`dependsOn`), by
    /// (`$workflows.<id>` or `$sourceDescriptions.<source>.<id>` as a key, `stepId`): the field
    /// of the inputs holding its outputs, and those outputs.
    step_dependencies: step_dependencies::StepOutputs,
    /// Every step that runs a workflow: step id to the workflow (legacy forms read as current).
    calls_planned: BTreeMap<String, String>,
    /// Steps resolved so far that run a workflow: step id to the inputs they gave it.
    call_inputs: BTreeMap<String, Vec<(String, crate::plan::ValuePlan)>>,
    /// The `(workflowId, output)` pairs this workflow reads as `$workflows.<id>.outputs.<name>`.
    workflow_reads: BTreeSet<(String, String)>,
    /// Steps resolved so far that run a workflow: step id to the workflow (legacy forms read
    /// as current).
    calls: BTreeMap<String, String>,
    /// For those steps: (step id, the called workflow's output field) to the step output
    /// holding it whole.
    called_outputs: BTreeMap<(String, String), String>,
}

/// Where a step names what it calls (or the step itself).
fn target_span(step: &Step<'_>) -> Span {
    match &step.target {
        Some(
            Target::OperationId(s)
            | Target::OperationPath(s)
            | Target::WorkflowId(s)
            | Target::ChannelPath(s),
        ) => s.span,
        None => step.span,
    }
}

fn unsupported(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(
        span,
        format!("{what} is not supported by this version of arazzo-codegen"),
    )
    .with_label("not supported yet")
}

impl<'a> Resolver<'a, '_> {
    /// Records a problem, error or warning.
    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn error_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == crate::diagnostic::Severity::Error)
            .count()
    }

    fn check_unique<'s>(&mut self, names: impl Iterator<Item = &'s Spanned<String>>, what: &str) {
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for name in names {
            if let Some(first) = seen.get(name.value.as_str()) {
                let d = Diagnostic::error(name.span, format!("duplicate {what} `{}`", name.value))
                    .with_label(format!("first used at line {}", first.line))
                    .with_help(format!("each {what} must be unique"));
                self.report(d);
            } else {
                seen.insert(&name.value, name.span);
            }
        }
    }

    /// The span of `len` bytes at `offset` inside the string written at `span` (skipping an
    /// opening quote when the string is quoted).
    /// The span of `len` bytes at `offset` inside `decoded`, the string value written at `span`.
    /// Offsets count in the decoded string, so they are exact only where the file holds the string
    /// verbatim (a plain or simply quoted scalar on one line); elsewhere (escapes, folded blocks)
    /// the span is the whole value.
    fn inner_span(&self, span: Span, decoded: &str, offset: usize, len: usize) -> Span {
        implied::inner_span(self.files, span, decoded, offset, len)
    }

    fn parse_error(&self, span: Span, text: &str, error: ParseError, what: &str) -> Diagnostic {
        let len = text[error.offset.min(text.len())..]
            .find(char::is_whitespace)
            .unwrap_or(text.len().saturating_sub(error.offset));
        let mut d = Diagnostic::error(
            self.inner_span(span, text, error.offset, len),
            format!("invalid {what} `{text}`: {}", error.message),
        );
        if let Some(help) = error.help {
            d = d.with_help(help);
        }
        d
    }
}
