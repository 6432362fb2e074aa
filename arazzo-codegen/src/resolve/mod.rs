//! Resolve and check: binds every step to its operation, every expression to the value it
//! reads, every value to a Rust type, and reports every problem as a diagnostic. The result is
//! the [`Plan`].

mod actions;
mod criteria;
mod parameters;
mod types;
mod values;

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::expr::{self, Expr, ParseError, Pointer, Source};
use crate::files::{Files, Span};
use crate::load::LoadedSource;
use crate::model::arazzo::{Document, SourceKind, Spanned, Step, Target, Workflow};
use crate::model::openapi::{self, OpenApi, Operation, schema_type};
use crate::naming::{self, Scope};
use crate::node::Node;
use crate::plan::TemplatePart;
use crate::plan::{
    ActionKind, ApiKeyLocation, AuthPlan, BodyKind, BodyPlan, ClientCredentialsFlow, DefaultValue,
    DependencyPlan, FieldPlan, OutputSource, ParamLocation, Place, Plan, SchemeKind, SchemePlan,
    SourcePlan, Standalone, StepOutputPlan, StepPlan, Type, ValuePlan, ValueRef, WorkflowCall,
    WorkflowPlan,
};
use crate::plan::{HttpMethod, ItemPath, RequestPlan, StepKind, TYPES_MODULE};
use crate::suggest::did_you_mean;

use actions::Outcome;
use types::{Direction, Hint, Refs, Types};
use values::{Ctx, StepContext};

/// Names the root of the generated module always defines.
const RESERVED_ITEMS: &[&str] = &["Client", "ClientBuilder", TYPES_MODULE];

/// Names every workflow's module defines.
const RESERVED_IN_WORKFLOW: &[&str] = &["Inputs", "Outputs"];

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

/// What a document is resolved within: for the workflows of an Arazzo source description, the
/// prefix of their names; the names already taken; the workflows of other documents it may call.
#[derive(Debug, Default)]
pub struct Context {
    /// Prefix of every item and client member the document adds (its source name), if any.
    pub prefix: Option<String>,
    /// Names at the root already taken (by other documents of the same module).
    pub reserved_items: Vec<String>,
    /// Names in `types` already taken (by other documents of the same module).
    pub reserved_types: Vec<String>,
    /// Client fields and setters already taken.
    pub reserved_members: Vec<String>,
    /// Workflows of Arazzo source descriptions, by (source name, workflowId).
    pub external: BTreeMap<(String, String), Signature>,
}

impl Context {
    /// The context of the Arazzo source description `source`: its names prefixed, and the
    /// names taken so far reserved.
    pub fn for_source(&self, source: &str) -> Self {
        Self {
            prefix: Some(source.to_owned()),
            reserved_items: self.reserved_items.clone(),
            reserved_types: self.reserved_types.clone(),
            reserved_members: self.reserved_members.clone(),
            external: BTreeMap::new(),
        }
    }

    /// Takes in the plan of the Arazzo source description `source`: the names it uses are taken,
    /// and its workflows may be called.
    pub fn add_source(&mut self, source: &str, plan: &Plan) {
        self.reserved_items
            .extend(plan.workflows.iter().map(|w| w.fn_name.clone()));
        self.reserved_types
            .extend(plan.types.iter().map(|t| t.name.clone()));
        self.reserved_members.extend(
            plan.sources
                .iter()
                .map(|s| s.field.clone())
                .chain(plan.schemes.iter().map(|s| s.field.clone())),
        );
        for (workflow, signature) in signatures(plan) {
            self.external
                .insert((source.to_owned(), workflow), signature);
        }
    }

    fn prefixed(&self, name: &str) -> String {
        match &self.prefix {
            Some(prefix) => format!("{prefix}-{name}"),
            None => name.to_owned(),
        }
    }
}

/// What callers of a workflow need to know of it, from its plan.
pub fn signatures(plan: &Plan) -> BTreeMap<String, Signature> {
    plan.workflows
        .iter()
        .map(|w| {
            let signature = Signature {
                fn_name: w.fn_name.clone(),
                inputs_type: w.inputs_type.clone(),
                inputs: w.inputs.iter().map(|f| f.name.clone()).collect(),
                required: w
                    .inputs
                    .iter()
                    .filter(|f| !f.ty.is_option())
                    .map(|f| f.name.clone())
                    .collect(),
                outputs: w
                    .outputs
                    .iter()
                    .map(|(f, _)| (f.name.clone(), (f.ident.clone(), f.ty.clone())))
                    .collect(),
            };
            (w.id.clone(), signature)
        })
        .collect()
}

/// Builds the plan for a document and its loaded sources.
pub fn resolve(
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
    for source in sources {
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
        source_fields,
        workflow_ids: document
            .workflows
            .iter()
            .map(|w| w.id.value.clone())
            .collect(),
        components: document.components,
        max_steps,
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
    };
    r.check_unique(
        document.sources.iter().map(|s| &s.name),
        "source description name",
    );
    r.check_unique(document.workflows.iter().map(|w| &w.id), "workflowId");

    // Names first, in document order; then each workflow after those it calls or depends on.
    for workflow in &document.workflows {
        let id = &workflow.id.value;
        let name = r.items.unique(naming::snake(&context.prefixed(id)));
        r.names.entry(id.clone()).or_insert(name);
    }
    let order = r.workflow_order(&document.workflows);
    let mut plans: Vec<(usize, WorkflowPlan)> = order
        .into_iter()
        .map(|index| (index, r.workflow(document, &document.workflows[index])))
        .collect();
    plans.sort_by_key(|(index, _)| *index);
    let workflows = plans.into_iter().map(|(_, plan)| plan).collect();

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
        schemes,
        workflows,
        types: r.types.defs,
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
    /// Sources by name: the client field of an OpenAPI source's base URL, and the kind.
    source_fields: BTreeMap<String, (Option<String>, SourceKind)>,
    /// Every workflow id of the document.
    workflow_ids: BTreeSet<String>,
    /// The document's `components`.
    components: Option<&'a Node>,
    /// The bound on steps one run of a looping workflow executes.
    max_steps: usize,
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
}

/// A security scheme that some step uses.
struct SchemeUse {
    /// Index of its source.
    source: usize,
    /// Its name in the source's `components.securitySchemes`.
    name: String,
    kind: SchemeKind,
    description: Option<String>,
    /// True while every use comes from the one-scheme-but-no-security rule.
    implied: bool,
    /// An OAuth 2 scheme's `clientCredentials` flow: its `tokenUrl`, and the scopes the
    /// operations require of the scheme.
    client_credentials: Option<ClientCredentialsFlow>,
}

/// What callers of a workflow need to know of it.
#[derive(Clone, Debug)]
pub struct Signature {
    fn_name: String,
    inputs_type: ItemPath,
    /// Input names, as the document writes them.
    inputs: Vec<String>,
    /// The inputs a caller must give.
    required: Vec<String>,
    outputs: Fields,
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
    /// known is not reported again.
    incomplete_steps: BTreeSet<String>,
    /// Workflow outputs resolved so far.
    outputs: BTreeMap<String, ValueRef>,
    /// Workflows this one depends on: id to (variable, outputs).
    dependencies: BTreeMap<String, (String, Fields)>,
    /// The `(workflowId, output)` pairs this workflow reads as `$workflows.<id>.outputs.<name>`.
    workflow_reads: BTreeSet<(String, String)>,
    /// Steps resolved so far that run a workflow of this document: step id to workflow id.
    calls: BTreeMap<String, String>,
    /// For those steps: (step id, the called workflow's output) to the step output holding it.
    called_outputs: BTreeMap<(String, String), String>,
}

/// The `(workflowId, output)` pairs a workflow's texts name as `$workflows.<id>.outputs.<name>`,
/// found by a scan of its steps' parameters, bodies, criteria and outputs and of its own outputs,
/// so that the steps that run those workflows keep the outputs read later.
fn workflow_reads(workflow: &Workflow<'_>) -> BTreeSet<(String, String)> {
    fn strings<'n>(node: &'n Node, out: &mut Vec<&'n str>) {
        if let Some(s) = node.as_str() {
            out.push(s);
        }
        for item in node.items() {
            strings(item, out);
        }
        for (_, value) in node.entries() {
            strings(value, out);
        }
    }
    let mut texts: Vec<&str> = Vec::new();
    for step in &workflow.steps {
        if let Some(node) = step.parameters {
            strings(node, &mut texts);
        }
        if let Some(body) = &step.request_body {
            for node in [body.payload, body.replacements].into_iter().flatten() {
                strings(node, &mut texts);
            }
        }
        for criterion in &step.success_criteria {
            texts.push(&criterion.condition.value);
            if let Some(context) = &criterion.context {
                texts.push(&context.value);
            }
        }
        texts.extend(step.outputs.iter().map(|o| o.expression.value.as_str()));
    }
    texts.extend(workflow.outputs.iter().map(|o| o.expression.value.as_str()));
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let mut reads = BTreeSet::new();
    for text in texts {
        for (at, _) in text.match_indices("$workflows.") {
            let rest = &text[at + "$workflows.".len()..];
            let id_end = rest.find(|c: char| !is_name(c)).unwrap_or(rest.len());
            let Some(after) = rest[id_end..].strip_prefix(".outputs.") else {
                continue;
            };
            let name_end = after
                .find(|c: char| !(is_name(c) || c == '.'))
                .unwrap_or(after.len());
            let name = after[..name_end].trim_end_matches('.');
            if id_end > 0 && !name.is_empty() {
                reads.insert((rest[..id_end].to_owned(), name.to_owned()));
            }
        }
    }
    reads
}

/// True for the security schemes the client can hold credentials for.
fn is_supported_scheme(scheme: &Node) -> bool {
    let text = |key: &str| scheme.get(key).and_then(Node::as_str);
    match text("type") {
        Some("http") => text("scheme")
            .is_some_and(|s| s.eq_ignore_ascii_case("basic") || s.eq_ignore_ascii_case("bearer")),
        Some("oauth2" | "openIdConnect") => true,
        Some("apiKey") => {
            matches!(text("in"), Some("header" | "query" | "cookie")) && text("name").is_some()
        }
        _ => false,
    }
}

/// The `tokenUrl` of an OAuth 2 scheme's `clientCredentials` flow, if it has one.
fn client_credentials_token_url(scheme: &Node) -> Option<String> {
    if scheme.get("type").and_then(Node::as_str) != Some("oauth2") {
        return None;
    }
    let flow = scheme.get("flows")?.get("clientCredentials")?;
    Some(flow.get("tokenUrl")?.as_str()?.to_owned())
}

/// The scopes a security requirement lists for one scheme.
fn requirement_scopes(scopes: &Node) -> Vec<String> {
    scopes
        .items()
        .iter()
        .filter_map(|scope| scope.as_str().map(str::to_owned))
        .collect()
}

/// Where a step names what it calls (or the step itself).
fn target_span(step: &Step<'_>) -> Span {
    match &step.target {
        Some(Target::OperationId(s) | Target::OperationPath(s) | Target::WorkflowId(s)) => s.span,
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
    fn error(&mut self, diagnostic: Diagnostic) {
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
                self.error(d);
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
        let text = &self.files.get(span.file).text;
        let raw = &text[span.start..];
        let quoted = raw.starts_with(['"', '\'']);
        let content = span.start + usize::from(quoted);
        let line_end = text[content..]
            .find('\n')
            .map_or(text.len(), |i| content + i);
        if text[content..line_end].starts_with(decoded) {
            let start = content + offset;
            return self.files.span(span.file, start, start + len.max(1));
        }
        self.files
            .span(span.file, span.start, line_end.max(span.start + 1))
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

    /// The order to resolve workflows in: each after the workflows its steps call and those it
    /// depends on. A cycle is reported; its workflows are resolved in document order.
    fn workflow_order(&mut self, workflows: &[Workflow<'_>]) -> Vec<usize> {
        let index_of = |id: &str| workflows.iter().position(|w| w.id.value == id);
        let edges: Vec<Vec<(usize, Span)>> = workflows
            .iter()
            .map(|w| {
                let calls = w.steps.iter().filter_map(|step| match &step.target {
                    Some(Target::WorkflowId(id)) => index_of(&id.value).map(|i| (i, id.span)),
                    _ => None,
                });
                let deps = w
                    .depends_on
                    .iter()
                    .filter_map(|d| index_of(&d.value).map(|i| (i, d.span)));
                // Actions that run a workflow, written in place or reused from `components`.
                let lists = w
                    .steps
                    .iter()
                    .flat_map(|step| [step.on_success, step.on_failure])
                    .chain([w.success_actions, w.failure_actions])
                    .flatten();
                let actions = lists.flat_map(Node::items).filter_map(|action| {
                    let action = match action.get("reference").and_then(Node::as_str) {
                        Some(reference) => {
                            let (kind, name) =
                                reference.strip_prefix("$components.")?.split_once('.')?;
                            self.components?.get(kind)?.get(name)?
                        }
                        None => action,
                    };
                    let target = action.get("workflowId")?;
                    index_of(target.as_str()?).map(|i| (i, target.span))
                });
                calls.chain(deps).chain(actions).collect()
            })
            .collect();
        // Depth-first, marking: 0 unvisited, 1 in progress, 2 done.
        let mut state = vec![0_u8; workflows.len()];
        let mut order = Vec::new();
        fn visit(
            i: usize,
            edges: &[Vec<(usize, Span)>],
            state: &mut [u8],
            order: &mut Vec<usize>,
            cycles: &mut Vec<Span>,
        ) {
            state[i] = 1;
            for &(j, span) in &edges[i] {
                match state[j] {
                    0 => visit(j, edges, state, order, cycles),
                    1 => cycles.push(span),
                    _ => {}
                }
            }
            state[i] = 2;
            order.push(i);
        }
        let mut cycles = Vec::new();
        for i in 0..workflows.len() {
            if state[i] == 0 {
                visit(i, &edges, &mut state, &mut order, &mut cycles);
            }
        }
        for span in cycles {
            self.error(
                Diagnostic::error(span, "this workflow reference closes a cycle: a workflow would call itself")
                    .with_help("workflows called by steps and named by `dependsOn` cannot lead back to the caller"),
            );
        }
        order
    }

    fn workflow(&mut self, document: &Document<'a>, workflow: &Workflow<'a>) -> WorkflowPlan {
        let id = &workflow.id.value;
        let base = naming::pascal(&self.context.prefixed(id));
        let fn_name = self.names.get(id).cloned().unwrap_or_default();
        let inputs_type = ItemPath::inside(&fn_name, "Inputs");
        let outputs_type = ItemPath::inside(&fn_name, "Outputs");
        // The items of the workflow's module: a name need only be unique there.
        let mut module_items = Scope::with_reserved(RESERVED_IN_WORKFLOW);

        let read_inputs = self.inputs(document, workflow, &base);
        let inputs_unreadable = read_inputs.is_none();
        let (mut inputs, defaults) = read_inputs.unwrap_or_default();
        // What `$inputs.<name>` can read, and what callers can give: the schema's inputs only.
        let schema_inputs: Fields = inputs
            .iter()
            .map(|f| (f.name.clone(), (f.ident.clone(), f.ty.clone())))
            .collect();
        let required_inputs: Vec<String> = inputs
            .iter()
            .filter(|f| !f.ty.is_option())
            .map(|f| f.name.clone())
            .collect();
        // Each workflow this one depends on runs first, with inputs of its own: a field of
        // this workflow's inputs, named after it.
        let mut depends_on = Vec::new();
        let mut dependency_outputs = BTreeMap::new();
        let mut input_scope = Scope::with_reserved(&[]);
        for field in &inputs {
            input_scope.unique(field.ident.clone());
        }
        for dependency in &workflow.depends_on {
            let Some(signature) = self.signatures.get(&dependency.value).cloned() else {
                if !self.workflow_ids.contains(&dependency.value) {
                    let mut d = Diagnostic::error(
                        dependency.span,
                        format!(
                            "`dependsOn` names the unknown workflow `{}`",
                            dependency.value
                        ),
                    );
                    if let Some(s) = did_you_mean(
                        &dependency.value,
                        self.workflow_ids.iter().map(String::as_str),
                    ) {
                        d = d.with_help(format!("did you mean `{s}`?"));
                    }
                    self.error(d);
                }
                continue;
            };
            if schema_inputs.contains_key(&dependency.value) {
                self.error(
                    Diagnostic::error(
                        dependency.span,
                        format!(
                            "`{}` is both an input and a workflow this one depends on",
                            dependency.value
                        ),
                    )
                    .with_help(
                        "the inputs of a dependency are a field named after it; rename the input",
                    ),
                );
                continue;
            }
            let field = input_scope.unique(naming::snake(&dependency.value));
            inputs.push(FieldPlan {
                name: dependency.value.clone(),
                ident: field.clone(),
                ty: Type::Named(signature.inputs_type.clone()),
                doc: Some(format!(
                    "Inputs of the workflow `{}`, which runs first (`dependsOn`).",
                    dependency.value
                )),
            });
            let var = format!("depends_on_{}", naming::snake(&dependency.value));
            dependency_outputs.insert(
                dependency.value.clone(),
                (var.clone(), signature.outputs.clone()),
            );
            depends_on.push(DependencyPlan {
                workflow: dependency.value.clone(),
                fn_name: signature.fn_name.clone(),
                input_field: field,
                var,
            });
        }

        let mut scope = WorkflowScope {
            workflow_id: id.clone(),
            workflow_ids: self.workflow_ids.clone(),
            sources: self.source_fields.clone(),
            current_step: None,
            failed_steps: BTreeSet::new(),
            incomplete_steps: BTreeSet::new(),
            outputs: BTreeMap::new(),
            input_names: schema_inputs.keys().cloned().collect(),
            inputs_unreadable,
            inputs: schema_inputs.clone(),
            steps: BTreeMap::new(),
            all_step_ids: workflow.steps.iter().map(|s| s.id.value.clone()).collect(),
            step_order: workflow.steps.iter().map(|s| s.id.value.clone()).collect(),
            dependencies: dependency_outputs,
            workflow_reads: workflow_reads(workflow),
            calls: BTreeMap::new(),
            called_outputs: BTreeMap::new(),
        };
        self.check_unique(workflow.steps.iter().map(|s| &s.id), "stepId");

        // Step variables are named after their steps; the generated code's own locals keep
        // clear of them (the emitter chooses those).
        // (A dependency's outputs are in `depends_on_<id>`, which no step variable takes.)
        let dependency_vars: Vec<&str> = depends_on.iter().map(|d| d.var.as_str()).collect();
        let mut step_vars = Scope::with_reserved(&dependency_vars);
        let mut steps: Vec<StepPlan> = workflow
            .steps
            .iter()
            .filter_map(|step| {
                let var = naming::snake(&step.id.value);
                let var = step_vars.unique(var);
                let outputs_type = ItemPath::inside(
                    &fn_name,
                    module_items.unique_type(format!("{}Outputs", naming::pascal(&step.id.value))),
                );
                scope.current_step = Some(step.id.value.clone());
                let errors = self.error_count();
                let plan = self.step(&scope, workflow, step, var, outputs_type);
                scope.current_step = None;
                if self.error_count() > errors {
                    scope.incomplete_steps.insert(step.id.value.clone());
                }
                if plan.is_none() {
                    scope.failed_steps.insert(step.id.value.clone());
                }
                if let Some(plan) = &plan
                    && let Some(call) = plan.call()
                {
                    scope.calls.insert(plan.id.clone(), call.workflow.clone());
                    for output in &plan.outputs {
                        if let OutputSource::Value(value) = &output.source
                            && matches!(value.place, Place::Called(_))
                            && let Ok(Expr::Outputs {
                                name,
                                pointer: None,
                            }) = expr::parse(&value.expression)
                        {
                            scope
                                .called_outputs
                                .entry((plan.id.clone(), name))
                                .or_insert_with(|| output.field.name.clone());
                        }
                    }
                }
                if let Some(plan) = &plan {
                    scope.steps.insert(
                        plan.id.clone(),
                        (
                            plan.var.clone(),
                            plan.outputs
                                .iter()
                                .map(|o| {
                                    (
                                        o.field.name.clone(),
                                        (o.field.ident.clone(), o.field.ty.clone()),
                                    )
                                })
                                .collect(),
                        ),
                    );
                }
                plan
            })
            .collect();

        // A step may not have run when the workflow ends if a step before it can jump (`goto`)
        // or end the workflow early: the workflow's outputs from such steps are `Option`s.
        let looping = steps.iter().any(|step| {
            step.on_success.iter().chain(&step.on_failure).any(|a| {
                matches!(
                    a.kind,
                    ActionKind::Goto(_) | ActionKind::GotoWorkflow(_) | ActionKind::Retry { .. }
                )
            })
        }) || steps.iter().any(|step| {
            // An `end` that always applies: the code after it is never reached, which
            // straight-line code cannot say without warnings; a loop can.
            step.on_success
                .iter()
                .any(|a| a.kind == ActionKind::End && a.criteria.is_empty())
        });
        // Straight-line workflows offer each operation step on its own too (and call those
        // functions); in a loop, a step's code also decides where the loop goes next.
        if !looping {
            for plan in &mut steps {
                if plan.call().is_none()
                    && plan
                        .refs()
                        .iter()
                        .all(|r| !matches!(r.place, Place::Dependency { .. } | Place::Called(_)))
                {
                    plan.standalone = Some(Standalone {
                        fn_name: ItemPath::inside(
                            &fn_name,
                            module_items.unique(naming::snake(&plan.id)),
                        ),
                        inputs_type: ItemPath::inside(
                            &fn_name,
                            module_items.unique_type(format!("{}Inputs", naming::pascal(&plan.id))),
                        ),
                    });
                }
            }
        }
        let mut skippable = BTreeSet::new();
        let mut bypassed = false;
        for step in &mut steps {
            // A step that can fail over may have no outputs; the steps after one that can jump
            // may not run.
            if bypassed || step.fails_over() {
                skippable.insert(step.var.clone());
            } else {
                step.always_runs = true;
            }
            bypassed |= step.can_jump();
        }

        let mut output_fields = Scope::default();
        let outputs = workflow
            .outputs
            .iter()
            .filter_map(|output| {
                let mut value =
                    self.value_expression(&scope, Ctx::WorkflowOutputs, &output.expression)?;
                if let Place::StepOutput { step, .. } = &value.place
                    && skippable.contains(step)
                {
                    value.ty = value.ty.optional();
                }
                scope
                    .outputs
                    .insert(output.name.value.clone(), value.clone());
                let field = FieldPlan {
                    name: output.name.value.clone(),
                    ident: output_fields.unique(naming::snake(&output.name.value)),
                    ty: value.ty.clone(),
                    doc: Some(format!("`{}`", output.expression.value)),
                };
                Some((field, value))
            })
            .collect::<Vec<(FieldPlan, ValueRef)>>();

        self.signatures.insert(
            id.clone(),
            Signature {
                fn_name: fn_name.clone(),
                inputs_type: inputs_type.clone(),
                inputs: schema_inputs.keys().cloned().collect(),
                required: required_inputs,
                outputs: outputs
                    .iter()
                    .map(|(f, _)| (f.name.clone(), (f.ident.clone(), f.ty.clone())))
                    .collect(),
            },
        );
        WorkflowPlan {
            id: id.clone(),
            fn_name,
            inputs_type,
            outputs_type,
            summary: workflow.summary.clone(),
            description: workflow.description.clone(),
            inputs,
            defaults,
            outputs,
            steps,
            depends_on,
            looping,
            max_steps: self.max_steps,
        }
    }

    /// The fields of the inputs struct, from the workflow's `inputs` JSON Schema. `base` starts
    /// the names of the types made for its objects and enums.
    fn inputs(
        &mut self,
        document: &Document<'a>,
        workflow: &Workflow<'a>,
        base: &str,
    ) -> Option<InputFields> {
        let Some(mut schema) = workflow.inputs else {
            return Some(Default::default());
        };
        if let Some(reference) = schema.get("$ref") {
            let target = reference
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/inputs/"));
            match target.and_then(|name| document.components?.get("inputs")?.get(name)) {
                Some(found) => schema = found,
                None => {
                    let names: Vec<&str> = document
                        .components
                        .and_then(|c| c.get("inputs"))
                        .map(|inputs| {
                            inputs
                                .entries()
                                .iter()
                                .map(|(k, _)| k.name.as_str())
                                .collect()
                        })
                        .unwrap_or_default();
                    let help = match target.and_then(|t| did_you_mean(t, names.iter().copied())) {
                        Some(close) => format!("did you mean `#/components/inputs/{close}`?"),
                        None => {
                            "workflow inputs may refer to `#/components/inputs/<name>`".to_owned()
                        }
                    };
                    let d = Diagnostic::error(reference.span, "this `$ref` does not resolve")
                        .with_label("not an entry of `components.inputs`")
                        .with_help(help);
                    self.error(d);
                    return None;
                }
            }
        }
        match schema_type(schema).0 {
            Some("object") | None => {}
            Some(other) => {
                let d = Diagnostic::error(
                    schema.span,
                    format!("workflow inputs must be an object schema, not `{other}`"),
                );
                self.error(d);
                return None;
            }
        }
        let required: BTreeSet<&str> = schema
            .get("required")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        let mut fields = Scope::default();
        let Some(properties) = schema.get("properties") else {
            return Some(Default::default());
        };
        let refs = Refs::Arazzo(document.components);
        let mut defaults = Vec::new();
        let fields = properties
            .entries()
            .iter()
            .map(|(key, property)| {
                let hint = Hint {
                    name: format!("{base}{}", naming::pascal(&key.name)),
                    origin: format!(
                        "the input `{}` of the workflow `{}`",
                        key.name, workflow.id.value
                    ),
                };
                let ty = self.schema_type(refs, property, Direction::Input, &hint, 0);
                let ty = if required.contains(key.name.as_str()) {
                    ty
                } else {
                    ty.optional()
                };
                let ident = fields.unique(naming::snake(&key.name));
                let mut doc = types::schema_doc(refs, property);
                if let Some(default) = self.input_default(refs, property, &ty) {
                    let text = format!("Defaults to `{}` when not given.", default_text(&default));
                    doc = Some(match doc {
                        Some(doc) => format!("{doc}\n\n{text}"),
                        None => text,
                    });
                    if ty.is_option() {
                        defaults.push((ident.clone(), default));
                    }
                }
                FieldPlan {
                    name: key.name.clone(),
                    ident,
                    ty,
                    doc,
                }
            })
            .collect();
        Some((fields, defaults))
    }

    /// Finds the operation a step's `operationId` names.
    fn operation(&mut self, id: &Spanned<String>) -> Option<(usize, &'a Operation<'a>)> {
        let (source, op_id) = match id.value.strip_prefix("$sourceDescriptions.") {
            Some(rest) => {
                match rest.split_once('.') {
                    Some((source, op_id)) => (Some(source), op_id),
                    None => {
                        let d = Diagnostic::error(id.span, format!("invalid operationId `{}`", id.value))
                        .with_help("a qualified operationId is `$sourceDescriptions.<source>.<operationId>`");
                        self.error(d);
                        return None;
                    }
                }
            }
            None => (None, id.value.as_str()),
        };
        let apis = self.apis;
        // A source that is declared but could not be read has been reported already; what
        // would be looked up in it is unknown, not wrong.
        let unread = |name: &str| {
            matches!(
                self.source_fields.get(name),
                Some((None, SourceKind::OpenApi))
            )
        };
        if source.is_some_and(unread)
            || (source.is_none()
                && self.source_fields.keys().any(|name| unread(name))
                && !apis
                    .iter()
                    .any(|(_, api)| api.operation_by_id(op_id).is_some()))
        {
            return None;
        }
        if let Some(source) = source {
            let Some(index) = apis.iter().position(|(name, _)| name == source) else {
                let mut d = Diagnostic::error(
                    id.span,
                    format!("unknown source `{source}` in `{}`", id.value),
                );
                if let Some(s) = did_you_mean(source, apis.iter().map(|(n, _)| n.as_str())) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                self.error(d);
                return None;
            };
            let api = &apis[index].1;
            return match api.operation_by_id(op_id) {
                Some(op) => Some((index, op)),
                None => {
                    let d = self.unknown_operation(id.span, op_id, &[index]);
                    self.error(d);
                    None
                }
            };
        }
        let found: Vec<(usize, &'a Operation<'a>)> = apis
            .iter()
            .enumerate()
            .filter_map(|(i, (_, api))| api.operation_by_id(op_id).map(|op| (i, op)))
            .collect();
        let dotted = op_id.match_indices('.').find_map(|(at, _)| {
            let (source, rest) = (&op_id[..at], &op_id[at + 1..]);
            let index = apis.iter().position(|(name, _)| name == source)?;
            Some((index, source, rest, apis[index].1.operation_by_id(rest)?))
        });
        match found.as_slice() {
            [one] => {
                let names: BTreeSet<&str> = apis.iter().map(|(name, _)| name.as_str()).collect();
                if names.len() > 1 {
                    self.error(
                        Diagnostic::warning(
                            id.span,
                            format!("operationId `{op_id}` is not qualified, and the document has several OpenAPI sources"),
                        )
                        .with_label(format!("found in source `{}` only", apis[one.0].0))
                        .with_help(format!(
                            "with several sources an operationId must name its source: `$sourceDescriptions.{}.{op_id}`",
                            apis[one.0].0
                        )),
                    );
                }
                Some(*one)
            }
            // Redocly's `<source>.<operationId>`: unambiguous when the part before a dot names
            // a source that has the rest as an operationId.
            [] if dotted.is_some() => {
                let (index, source, rest, op) = dotted?;
                self.error(
                    Diagnostic::warning(
                        id.span,
                        format!("operationId `{op_id}` names its source in a form Arazzo 1.0.1 does not define"),
                    )
                    .with_label("read as the operation of that source")
                    .with_help(format!("write `$sourceDescriptions.{source}.{rest}`")),
                );
                Some((index, op))
            }
            // With no OpenAPI source read, the reason has been reported already (no
            // `sourceDescriptions`, a source without `url`, an unknown type...).
            [] if apis.is_empty() && self.diagnostics.has_errors() => None,
            [] => {
                let all: Vec<usize> = (0..apis.len()).collect();
                let d = self.unknown_operation(id.span, op_id, &all);
                self.error(d);
                None
            }
            several => {
                let names: Vec<String> = several
                    .iter()
                    .map(|(i, _)| format!("`{}`", apis[*i].0))
                    .collect();
                let d = Diagnostic::error(
                    id.span,
                    format!(
                        "operationId `{op_id}` is defined in several sources: {}",
                        names.join(", ")
                    ),
                )
                .with_help(format!(
                    "qualify it with the source: `$sourceDescriptions.{}.{op_id}`",
                    apis[several[0].0].0
                ));
                self.error(d);
                None
            }
        }
    }

    /// Finds the operation an `operationPath` points at:
    /// `{$sourceDescriptions.<name>.url}#/paths/~1pets~1{petId}/get`.
    fn operation_path(&mut self, path: &Spanned<String>) -> Option<(usize, &'a Operation<'a>)> {
        let help = "an operationPath is `{$sourceDescriptions.<name>.url}#/paths/<escaped path>/<method>`, \
                    e.g. `{$sourceDescriptions.petStore.url}#/paths/~1pets~1{petId}/get`";
        let text = &path.value;
        let conformant = text
            .strip_prefix("{$sourceDescriptions.")
            .and_then(|rest| rest.split_once(".url}#"));
        // `<name>#/paths/…`, `$sourceDescriptions.<name>#/paths/…`, `{$sourceDescriptions.<name>}#…`
        // and `$sourceDescriptions.<name>.url#…`: clear about source and operation.
        let dialect = || {
            let (head, pointer) = text.split_once('#')?;
            let head = head.trim_start_matches('{').trim_end_matches('}');
            let head = head.strip_prefix("$sourceDescriptions.").unwrap_or(head);
            let name = head.strip_suffix(".url").unwrap_or(head);
            self.apis
                .iter()
                .any(|(n, _)| n == name)
                .then_some((name, pointer))
        };
        let found = match conformant {
            Some(found) => Some(found),
            None => dialect().inspect(|(name, pointer)| {
                self.diagnostics.push(
                    Diagnostic::warning(
                        path.span,
                        format!("operationPath `{text}` is not of the form `{{$sourceDescriptions.<name>.url}}#<JSON pointer>`"),
                    )
                    .with_label(format!("read as a pointer into source `{name}`"))
                    .with_help(format!("write `{{$sourceDescriptions.{name}.url}}#{pointer}`")),
                );
            }),
        };
        let Some((source, pointer)) = found else {
            let mut d = Diagnostic::error(path.span, format!("invalid operationPath `{text}`"));
            d = if text.starts_with('/') {
                // A URL path: which source, and which method, the document does not say.
                let escaped = text.replace('~', "~0").replace('/', "~1");
                let source = match self.apis {
                    [(name, _)] => name.as_str(),
                    _ => "<source>",
                };
                d.with_label("a URL path, not a pointer into an OpenAPI description")
                    .with_help(format!("name the source and the method: `{{$sourceDescriptions.{source}.url}}#/paths/{escaped}/get`"))
            } else {
                d.with_help(help)
            };
            self.error(d);
            return None;
        };
        let apis = self.apis;
        let Some(index) = apis.iter().position(|(name, _)| name == source) else {
            let mut d = Diagnostic::error(
                path.span,
                format!("unknown source `{source}` in operationPath"),
            );
            if let Some(s) = did_you_mean(source, apis.iter().map(|(n, _)| n.as_str())) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            self.error(d);
            return None;
        };
        let tokens = match Pointer::parse(pointer) {
            Ok(pointer) => pointer.0,
            Err(message) => {
                self.error(
                    Diagnostic::error(
                        path.span,
                        format!("invalid operationPath `{text}`: {message}"),
                    )
                    .with_help(help),
                );
                return None;
            }
        };
        let api = &apis[index].1;
        match tokens.as_slice() {
            [paths, route, method] if paths == "paths" => {
                match api
                    .operations
                    .iter()
                    .find(|op| op.path == route && op.method == method.as_str())
                {
                    Some(operation) => Some((index, operation)),
                    None => {
                        self.error(Diagnostic::error(
                            path.span,
                            format!("source `{source}` has no `{method}` operation at `{route}`"),
                        ));
                        None
                    }
                }
            }
            [paths, route] if paths == "paths" => {
                let methods: Vec<&str> = api
                    .operations
                    .iter()
                    .filter(|op| op.path == route)
                    .map(|op| op.method)
                    .collect();
                // One operation at that path: it is the one meant.
                if let [method] = methods.as_slice()
                    && let Some(operation) = api
                        .operations
                        .iter()
                        .find(|op| op.path == route && op.method == *method)
                {
                    self.error(
                        Diagnostic::warning(
                            path.span,
                            format!(
                                "operationPath `{text}` points at a Path Item, not an operation"
                            ),
                        )
                        .with_label(format!("read as its only operation, `{method}`"))
                        .with_help(format!("add the method: `{text}/{method}`")),
                    );
                    return Some((index, operation));
                }
                let mut d = Diagnostic::error(
                    path.span,
                    format!("operationPath `{text}` points at a Path Item, not an operation"),
                );
                if let Some(method) = methods.first() {
                    d = d.with_help(format!(
                        "add the method: `{text}/{method}` (the path has: {})",
                        methods.join(", ")
                    ));
                }
                self.error(d);
                None
            }
            _ => {
                self.error(
                    Diagnostic::error(
                        path.span,
                        format!("operationPath `{text}` does not point at an operation"),
                    )
                    .with_help(help),
                );
                None
            }
        }
    }

    fn unknown_operation(&self, span: Span, op_id: &str, sources: &[usize]) -> Diagnostic {
        let names: Vec<&str> = sources.iter().map(|i| self.apis[*i].0.as_str()).collect();
        let where_ = match names.as_slice() {
            [] => "no OpenAPI source could be read".to_owned(),
            [one] => format!("not found in source `{one}`"),
            _ => format!("not found in sources {}", names.join(", ")),
        };
        let mut d =
            Diagnostic::error(span, format!("unknown operationId `{op_id}`")).with_label(where_);
        let candidates = sources.iter().flat_map(|i| self.apis[*i].1.operation_ids());
        if let Some(s) = did_you_mean(op_id, candidates) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        d
    }

    fn step(
        &mut self,
        scope: &WorkflowScope,
        workflow: &Workflow<'_>,
        step: &Step<'_>,
        var: String,
        outputs_type: ItemPath,
    ) -> Option<StepPlan> {
        let (source, operation) = match step.target.as_ref()? {
            Target::OperationId(id) => self.operation(id)?,
            Target::OperationPath(path) => self.operation_path(path)?,
            Target::WorkflowId(id) => {
                return self.workflow_step(scope, step, var, outputs_type, id);
            }
        };
        let api: &'a OpenApi<'a> = &self.apis[source].1;
        let id = step.id.value.clone();

        let target = match &step.target {
            Some(Target::OperationId(s) | Target::OperationPath(s) | Target::WorkflowId(s)) => {
                s.span
            }
            None => step.span,
        };
        self.operation_requirements(api, operation, step, target);
        let auth = self.auth(source, operation, step);
        let method = HttpMethod::from_key(operation.method)?;
        let mut request = StepContext {
            method: method.as_str().to_owned(),
            body_type: None,
            structured_body: false,
            params: Vec::new(),
        };
        let parameters = self.parameters(scope, workflow, step, source, operation, &request);
        let body = self.body(scope, &request, step, api, operation);
        request.body_type = body.as_ref().map(|b| b.content_type.clone());
        request.structured_body = body.as_ref().is_some_and(BodyPlan::is_structured);
        request.params = parameters
            .iter()
            .map(|p| {
                // A path parameter must have a value: an absent one fails the step.
                let optional = p.location != ParamLocation::Path
                    && matches!(&p.value, ValuePlan::Ref(r) if r.ty.is_option());
                (p.name.clone(), p.location, p.var.clone(), optional)
            })
            .collect();
        let context = request;

        let mut expected_status = None;
        let mut success = Vec::new();
        for criterion in &step.success_criteria {
            if let Some((plan, expected)) = self.criterion(scope, &context, criterion) {
                expected_status = expected_status.or(expected);
                success.push(plan);
            }
        }

        let on_success = self.actions(
            scope,
            &context,
            [step.on_success, workflow.success_actions],
            Outcome::Success,
        );
        let on_failure = self.actions(
            scope,
            &context,
            [step.on_failure, workflow.failure_actions],
            Outcome::Failure,
        );

        let schema = api.success_schema(operation, expected_status);
        let mut fields = Scope::default();
        let outputs = step
            .outputs
            .iter()
            .filter_map(|output| {
                let text = &output.expression.value;
                let parsed = expr::parse(text).or_else(|error| {
                    self.dialect(output.expression.span, text, expr::parse)
                        .ok_or(error)
                });
                let parsed = match parsed {
                    Ok(parsed) => parsed,
                    Err(error) => {
                        let d = self.parse_error(
                            output.expression.span,
                            text,
                            error,
                            "runtime expression",
                        );
                        self.error(d);
                        return None;
                    }
                };
                let (source, ty) = match &parsed {
                    Expr::Response(Source::Body(pointer)) => {
                        let pointer = pointer.clone().unwrap_or(Pointer(Vec::new()));
                        let ty = match schema {
                            Some(schema) => {
                                let hint = Hint {
                                    name: format!(
                                        "{}{}{}",
                                        naming::pascal(&self.context.prefixed(&scope.workflow_id)),
                                        naming::pascal(&step.id.value),
                                        naming::pascal(&output.name.value)
                                    ),
                                    origin: format!(
                                        "`{text}` in the response of the step `{}`",
                                        step.id.value
                                    ),
                                };
                                self.schema_type_at(
                                    api,
                                    schema,
                                    &pointer,
                                    &hint,
                                    output.expression.span,
                                )
                            }
                            None => Type::Json.optional(),
                        };
                        (OutputSource::Body(pointer.to_string()), ty)
                    }
                    Expr::Response(Source::Header(name)) => {
                        (OutputSource::Header(name.clone()), Type::String)
                    }
                    _ => {
                        let value = self.value_expression(
                            scope,
                            Ctx::Response(&context),
                            &output.expression,
                        )?;
                        let ty = value.ty.clone();
                        (OutputSource::Value(value), ty)
                    }
                };
                Some(StepOutputPlan {
                    field: FieldPlan {
                        name: output.name.value.clone(),
                        ident: fields.unique(naming::snake(&output.name.value)),
                        ty,
                        doc: Some(format!("`{text}`")),
                    },
                    source,
                })
            })
            .collect();

        Some(StepPlan {
            id,
            var,
            outputs_type,
            description: step.description.clone(),
            kind: StepKind::Operation(RequestPlan {
                operation_id: operation.id.map(str::to_owned),
                operation_summary: operation
                    .node
                    .get("summary")
                    .and_then(Node::as_str)
                    .map(str::to_owned),
                source,
                method,
                path: operation.path.to_owned(),
                path_parts: parameters::path_parts(operation.path, &parameters),
                parameters,
                auth,
                body,
            }),
            always_runs: false,
            success,
            outputs,
            on_success,
            on_failure,
            standalone: None,
        })
    }

    /// The workflow a step or an action names: one of this document (resolved before the one
    /// naming it), or `$sourceDescriptions.<arazzo source>.<workflowId>` of another document.
    fn signature(&mut self, name: &str, span: Span) -> Option<Signature> {
        if let Some(rest) = name.strip_prefix("$sourceDescriptions.") {
            let Some((source, workflow)) = rest.split_once('.') else {
                self.error(
                    Diagnostic::error(span, format!("invalid workflowId `{name}`"))
                        .with_help("a workflow of another document is `$sourceDescriptions.<source>.<workflowId>`"),
                );
                return None;
            };
            if let Some(signature) = self
                .context
                .external
                .get(&(source.to_owned(), workflow.to_owned()))
            {
                return Some(signature.clone());
            }
            // The legacy `$sourceDescriptions.<source>.workflows.<workflowId>`.
            if let Some(legacy) = workflow.strip_prefix("workflows.")
                && let Some(signature) = self
                    .context
                    .external
                    .get(&(source.to_owned(), legacy.to_owned()))
            {
                let signature = signature.clone();
                self.error(
                    Diagnostic::warning(
                        span,
                        format!("`{name}` is an old form that Arazzo 1.0.1 does not define"),
                    )
                    .with_label("read as the workflow of that source")
                    .with_help(format!("write `$sourceDescriptions.{source}.{legacy}`")),
                );
                return Some(signature);
            }
            match self.source_fields.get(source) {
                Some((_, SourceKind::Arazzo)) => {
                    let known = self.context.external.keys().filter(|(s, _)| s == source).map(|(_, w)| w.as_str());
                    let mut d = Diagnostic::error(span, format!("source `{source}` has no workflow `{workflow}`"));
                    if let Some(s) = did_you_mean(workflow, known) {
                        d = d.with_help(format!("did you mean `{s}`?"));
                    }
                    // An Arazzo source that could not be read or resolved has been reported.
                    if self.context.external.keys().any(|(s, _)| s == source) {
                        self.error(d);
                    }
                }
                Some((_, SourceKind::OpenApi)) => self.error(
                    Diagnostic::error(span, format!("source `{source}` is an OpenAPI description; workflows come from `type: arazzo` sources"))
                        .with_help("an operation of an OpenAPI source is called with `operationId`"),
                ),
                None => {
                    let mut d = Diagnostic::error(span, format!("unknown source `{source}`"));
                    if let Some(s) = did_you_mean(source, self.source_fields.keys().map(String::as_str)) {
                        d = d.with_help(format!("did you mean `{s}`?"));
                    }
                    self.error(d);
                }
            }
            return None;
        }
        if let Some(signature) = self.signatures.get(name) {
            return Some(signature.clone());
        }
        if !self.workflow_ids.contains(name) {
            let mut d = Diagnostic::error(span, format!("unknown workflow `{name}`"));
            if let Some(s) = did_you_mean(name, self.workflow_ids.iter().map(String::as_str)) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            self.error(d);
        }
        // A workflow of this document that is not resolved yet is in a cycle, reported already.
        None
    }

    /// A step that runs another workflow of this document: its parameters become the called
    /// workflow's inputs, and `$outputs.<name>` in its outputs reads the called workflow's outputs.
    fn workflow_step(
        &mut self,
        scope: &WorkflowScope,
        step: &Step<'_>,
        var: String,
        outputs_type: ItemPath,
        id: &Spanned<String>,
    ) -> Option<StepPlan> {
        let signature = self.signature(&id.value, id.span)?;
        for (node, what) in [
            (step.request_body.as_ref().map(|b| b.span), "a request body"),
            (step.on_success.map(|n| n.span), "`onSuccess`"),
            (step.on_failure.map(|n| n.span), "`onFailure`"),
        ] {
            if let Some(span) = node {
                self.error(unsupported(
                    span,
                    &format!("{what} on a step that calls a workflow"),
                ));
            }
        }
        if let Some(criterion) = step.success_criteria.first() {
            self.error(
                Diagnostic::warning(criterion.condition.span, "success criteria on a step that calls a workflow are ignored")
                    .with_help("the step succeeds when the workflow it calls succeeds; it has no HTTP exchange to check"),
            );
        }
        let request = StepContext {
            method: String::new(),
            body_type: None,
            structured_body: false,
            params: Vec::new(),
        };
        let mut inputs: Vec<(String, ValuePlan)> = Vec::new();
        for parameter in step.parameters.map(Node::items).unwrap_or_default() {
            let Some(name_node) = parameter.get("name") else {
                self.error(Diagnostic::error(
                    parameter.span,
                    "a parameter has no `name`",
                ));
                continue;
            };
            let name = name_node.as_str().unwrap_or_default().to_owned();
            if let Some(location) = parameter.get("in") {
                self.error(
                    Diagnostic::warning(location.span, "`in` has no meaning for a workflow's inputs; it is ignored")
                        .with_help("a step that runs a workflow passes its parameters as that workflow's inputs, by name"),
                );
            }
            if inputs.iter().any(|(given, _)| *given == name) {
                self.error(Diagnostic::error(
                    name_node.span,
                    format!("input `{name}` is given twice"),
                ));
                continue;
            }
            if !signature.inputs.contains(&name) {
                let mut d = Diagnostic::error(
                    name_node.span,
                    format!("workflow `{}` has no input `{name}`", id.value),
                );
                if let Some(s) = did_you_mean(&name, signature.inputs.iter().map(String::as_str)) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                self.error(d);
                continue;
            }
            let Some(value) = parameter.get("value") else {
                self.error(Diagnostic::error(
                    parameter.span,
                    format!("parameter `{name}` has no `value`"),
                ));
                continue;
            };
            if let Some(value) = self.value_plan(scope, Ctx::Request(&request), value) {
                inputs.push((name, value));
            }
        }
        for required in &signature.required {
            if !inputs.iter().any(|(given, _)| given == required) {
                self.error(
                    Diagnostic::error(id.span, format!("workflow `{}` requires the input `{required}`, and this step gives none", id.value))
                        .with_help(format!("add it to the step: `parameters: [{{name: {required}, value: …}}]`")),
                );
            }
        }
        let mut fields = Scope::default();
        let outputs = step
            .outputs
            .iter()
            .filter_map(|output| {
                let text = &output.expression.value;
                let value = match expr::parse(text) {
                    Ok(Expr::Outputs {
                        name,
                        pointer: None,
                    }) => match signature.outputs.get(&name) {
                        Some((field, ty)) => ValueRef {
                            expression: text.clone(),
                            place: Place::Called(field.clone()),
                            ty: ty.clone(),
                        },
                        None => {
                            let mut d = Diagnostic::error(
                                output.expression.span,
                                format!("workflow `{}` has no output `{name}`", id.value),
                            );
                            if let Some(s) =
                                did_you_mean(&name, signature.outputs.keys().map(String::as_str))
                            {
                                d = d.with_help(format!("did you mean `$outputs.{s}`?"));
                            }
                            self.error(d);
                            return None;
                        }
                    },
                    _ => {
                        self.value_expression(scope, Ctx::Request(&request), &output.expression)?
                    }
                };
                Some(StepOutputPlan {
                    field: FieldPlan {
                        name: output.name.value.clone(),
                        ident: fields.unique(naming::snake(&output.name.value)),
                        ty: value.ty.clone(),
                        doc: Some(format!("`{text}`")),
                    },
                    source: OutputSource::Value(value),
                })
            })
            .collect::<Vec<StepOutputPlan>>();
        // Outputs of the called workflow that this workflow reads later as
        // `$workflows.<id>.outputs.<name>` and the step does not declare: kept as step outputs
        // named after them (when that name is free).
        let mut outputs = outputs;
        for (workflow, name) in &scope.workflow_reads {
            if *workflow != id.value || scope.dependencies.contains_key(workflow) {
                continue;
            }
            let Some((field, ty)) = signature.outputs.get(name) else {
                continue;
            };
            let declared = outputs.iter().any(|o| {
                o.field.name == *name
                    || matches!(&o.source, OutputSource::Value(v) if v.place == Place::Called(field.clone()))
            });
            if declared {
                continue;
            }
            let expression = format!("$outputs.{name}");
            outputs.push(StepOutputPlan {
                field: FieldPlan {
                    name: name.clone(),
                    ident: fields.unique(naming::snake(name)),
                    ty: ty.clone(),
                    doc: Some(format!(
                        "`{expression}`, read as `$workflows.{workflow}.outputs.{name}`"
                    )),
                },
                source: OutputSource::Value(ValueRef {
                    expression,
                    place: Place::Called(field.clone()),
                    ty: ty.clone(),
                }),
            });
        }
        Some(StepPlan {
            id: step.id.value.clone(),
            var,
            outputs_type,
            description: step.description.clone(),
            kind: StepKind::Workflow(WorkflowCall {
                workflow: id.value.clone(),
                fn_name: signature.fn_name,
                inputs,
            }),
            always_runs: false,
            success: Vec::new(),
            outputs,
            on_success: Vec::new(),
            on_failure: Vec::new(),
            standalone: None,
        })
    }

    /// Reports what the operation requires that the step does not give, and servers of its own
    /// that the request will not use.
    fn operation_requirements(
        &mut self,
        api: &OpenApi<'_>,
        operation: &Operation<'_>,
        step: &Step<'_>,
        target: Span,
    ) {
        let body_required = operation
            .node
            .get("requestBody")
            .map(|body| api.resolve(body))
            .and_then(|body| body.get("required"))
            .is_some_and(|r| r.value == crate::node::Value::Bool(true));
        if body_required && step.request_body.as_ref().and_then(|b| b.payload).is_none() {
            self.error(
                Diagnostic::error(
                    target,
                    "the operation requires a request body, and this step sends none",
                )
                .with_help("give the step a `requestBody` with a `payload`"),
            );
        }
        if let Some(servers) = operation
            .node
            .get("servers")
            .or_else(|| operation.path_item.get("servers"))
            && !servers.items().is_empty()
        {
            self.error(
                Diagnostic::warning(servers.span, "this operation names servers of its own, which the generated client does not use")
                    .with_help("its request goes to its source's base URL, set with the client builder"),
            );
        }
    }

    /// The schemes a step authenticates with: the first requirement of the operation's (or the
    /// document's) `security` whose schemes are all supported (all of them, for a requirement that
    /// names several); or, where the description applies no security at all but defines exactly
    /// one scheme, that scheme, sent when credentials are set.
    fn auth(&mut self, source: usize, operation: &Operation<'_>, step: &Step<'_>) -> Vec<AuthPlan> {
        let api = &self.apis[source].1;
        let schemes = api.security_schemes();
        let (requirement, required, implied): (Vec<(String, Vec<String>)>, bool, bool) =
            match api.security_of(operation) {
                Some(security) => {
                    let alternatives = security.items();
                    let optional = alternatives.iter().any(|r| r.entries().is_empty());
                    // The first requirement whose schemes are all supported; if none is, the
                    // first, whose unsupported scheme is then reported.
                    let supported = |requirement: &&Node| {
                        requirement.entries().iter().all(|(name, _)| {
                            schemes
                                .iter()
                                .find(|(key, _)| key.name == name.name)
                                .is_some_and(|(_, scheme)| is_supported_scheme(api.resolve(scheme)))
                        })
                    };
                    let candidates = || alternatives.iter().filter(|r| !r.entries().is_empty());
                    let Some(first) = candidates().find(supported).or_else(|| candidates().next())
                    else {
                        return Vec::new();
                    };
                    (
                        first
                            .entries()
                            .iter()
                            .map(|(k, scopes)| (k.name.clone(), requirement_scopes(scopes)))
                            .collect(),
                        !optional,
                        false,
                    )
                }
                None if schemes.len() == 1 => {
                    (vec![(schemes[0].0.name.clone(), Vec::new())], false, true)
                }
                None => return Vec::new(),
            };
        let mut plans = Vec::new();
        for (name, scopes) in requirement {
            let Some((_, scheme)) = schemes.iter().find(|(key, _)| key.name == name) else {
                self.error(Diagnostic::error(
                    step.span,
                    format!("the operation requires the security scheme `{name}`, which the description does not define"),
                ));
                continue;
            };
            let scheme = api.resolve(scheme);
            let Some(kind) = self.scheme_kind(&name, scheme, step) else {
                continue;
            };
            let found = self
                .schemes
                .iter()
                .position(|s| s.source == source && s.name == name);
            let index = match found {
                Some(index) => {
                    self.schemes[index].implied &= implied;
                    if let Some(flow) = &mut self.schemes[index].client_credentials {
                        flow.add_scopes(scopes);
                    }
                    index
                }
                None => {
                    let description = scheme
                        .get("description")
                        .and_then(Node::as_str)
                        .map(str::to_owned);
                    let client_credentials =
                        client_credentials_token_url(scheme).map(|token_url| {
                            let mut flow = ClientCredentialsFlow {
                                token_url,
                                scopes: Vec::new(),
                            };
                            flow.add_scopes(scopes);
                            flow
                        });
                    self.schemes.push(SchemeUse {
                        source,
                        name,
                        kind,
                        description,
                        implied,
                        client_credentials,
                    });
                    self.schemes.len() - 1
                }
            };
            plans.push(AuthPlan {
                scheme: index,
                required,
            });
        }
        plans
    }

    /// What credentials a security scheme takes.
    fn scheme_kind(&mut self, name: &str, scheme: &Node, step: &Step<'_>) -> Option<SchemeKind> {
        let text = |key: &str| scheme.get(key).and_then(Node::as_str);
        let http = text("scheme").map(str::to_ascii_lowercase);
        Some(match (text("type"), http.as_deref()) {
            (Some("http"), Some("basic")) => SchemeKind::Basic,
            (Some("http"), Some("bearer")) => SchemeKind::Bearer,
            // An OAuth 2 or OpenID Connect scheme takes the access token the caller obtained.
            (Some("oauth2" | "openIdConnect"), _) => SchemeKind::Bearer,
            (Some("apiKey"), _) => {
                let location = match text("in") {
                    Some("header") => ApiKeyLocation::Header,
                    Some("query") => ApiKeyLocation::Query,
                    Some("cookie") => ApiKeyLocation::Cookie,
                    other => {
                        self.error(Diagnostic::error(
                            scheme.span,
                            format!("API key scheme `{name}` has `in: {}`; expected `header`, `query` or `cookie`", other.unwrap_or("?")),
                        ));
                        return None;
                    }
                };
                let Some(key_name) = text("name") else {
                    self.error(Diagnostic::error(
                        scheme.span,
                        format!("API key scheme `{name}` has no `name`"),
                    ));
                    return None;
                };
                SchemeKind::ApiKey {
                    location,
                    name: key_name.to_owned(),
                }
            }
            (kind, http) => {
                let kind = match (kind, http) {
                    (Some("http"), Some(h)) => format!("http `{h}`"),
                    (Some(k), _) => format!("`{k}`"),
                    (None, _) => "unknown".to_owned(),
                };
                self.error(
                    Diagnostic::error(step.span, format!("the operation uses the security scheme `{name}` of type {kind}, which is not supported"))
                        .with_help("supported: HTTP basic and bearer, API keys, and OAuth 2 / OpenID Connect access tokens"),
                );
                return None;
            }
        })
    }

    /// The step's request body: its content type (the step's, else the operation's first, else
    /// JSON) decides how the payload is sent.
    fn body(
        &mut self,
        scope: &WorkflowScope,
        request: &StepContext,
        step: &Step<'_>,
        api: &OpenApi<'_>,
        operation: &Operation<'_>,
    ) -> Option<BodyPlan> {
        let body = step.request_body.as_ref()?;
        let Some(payload) = body.payload else {
            if let Some(replacements) = body.replacements {
                self.error(Diagnostic::error(
                    replacements.span,
                    "`replacements` need a `payload` to apply to",
                ));
            }
            return None;
        };
        let (content_type, span) = match &body.content_type {
            Some(ct) => (ct.value.clone(), ct.span),
            None => operation
                .node
                .get("requestBody")
                .map(|b| api.resolve(b))
                .and_then(|b| b.get("content"))
                .and_then(|c| c.entries().first())
                .map_or_else(
                    || ("application/json".to_owned(), body.span),
                    |(k, _)| (k.name.clone(), body.span),
                ),
        };
        let value = self.value_plan(scope, Ctx::Request(request), payload)?;
        let text_like = match &value {
            ValuePlan::Str(_) | ValuePlan::Template(_) => true,
            ValuePlan::Ref(r) => r.ty == Type::String,
            _ => false,
        };
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let kind = if openapi::is_json(&essence) {
            if text_like {
                BodyKind::JsonText
            } else {
                BodyKind::Json
            }
        } else if essence == "application/x-www-form-urlencoded" {
            if text_like {
                BodyKind::FormText
            } else {
                BodyKind::Form
            }
        } else if essence == "multipart/form-data" {
            BodyKind::Multipart
        } else if text_like {
            BodyKind::Text
        } else {
            self.error(
                Diagnostic::error(
                    payload.span,
                    format!(
                        "a `{content_type}` body is sent as text, and this payload is not a string"
                    ),
                )
                .with_label(format!("declared at line {}", span.line))
                .with_help("write the payload as a string (a `{$…}` template can fill in values)"),
            );
            return None;
        };
        if matches!(kind, BodyKind::Multipart) && text_like {
            self.error(Diagnostic::error(
                payload.span,
                "a `multipart/form-data` payload is an object of parts, not a string",
            ));
            return None;
        }
        // A JSON text (template) must be JSON: each embedded value is tried as `0`, which fits
        // both a quoted and an unquoted place.
        let sample = match &value {
            ValuePlan::Str(text) => Some(text.clone()),
            ValuePlan::Template(parts) => Some(
                parts
                    .iter()
                    .map(|part| match part {
                        TemplatePart::Text(text) => text.clone(),
                        TemplatePart::Value(_) => "0".to_owned(),
                    })
                    .collect(),
            ),
            _ => None,
        };
        if kind == BodyKind::JsonText
            && let Some(sample) = sample
            && let Err(error) = serde_json::from_str::<serde_json::Value>(&sample)
        {
            self.error(
                Diagnostic::error(
                    payload.span,
                    format!("the payload is a string for a `{content_type}` body, and it is not JSON: {error}"),
                )
                .with_help("a JSON body is written as YAML/JSON structure, or as a JSON text whose `{$…}` values fill in strings, numbers or whole values"),
            );
            return None;
        }
        let mut replacements = Vec::new();
        if let Some(list) = body.replacements {
            for item in list.items() {
                let Some(target) = item.get("target").and_then(Node::as_str) else {
                    self.error(Diagnostic::error(
                        item.span,
                        "a replacement has no `target`",
                    ));
                    continue;
                };
                let target_span = item.get("target").map_or(item.span, |t| t.span);
                if !(target.is_empty() || target.starts_with('/')) {
                    self.error(
                        Diagnostic::error(target_span, format!("replacement target `{target}` is not a JSON pointer"))
                            .with_help("targets in a JSON, form or multipart payload are JSON pointers such as `/customer/name`"),
                    );
                    continue;
                }
                if kind == BodyKind::Text {
                    self.error(Diagnostic::error(target_span, "replacements apply to JSON, form and multipart payloads, not to a text body"));
                    continue;
                }
                let Some(value_node) = item.get("value") else {
                    self.error(Diagnostic::error(item.span, "a replacement has no `value`"));
                    continue;
                };
                if let Some(value) = self.value_plan(scope, Ctx::Request(request), value_node) {
                    replacements.push((target.to_owned(), value));
                }
            }
        }
        Some(BodyPlan {
            kind,
            content_type,
            value,
            replacements,
        })
    }
}

/// A default as the document writes it.
fn default_text(default: &DefaultValue) -> String {
    match default {
        DefaultValue::String(s) => format!("{s:?}"),
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::Int(i) => i.to_string(),
        DefaultValue::Float(f) => f.to_string(),
        DefaultValue::Variant(ty, variant) => format!("{}::{variant}", ty.name),
    }
}
