//! Finding a step's operation, by `operationId` or `operationPath`, and what that operation
//! requires of the step.

use std::collections::BTreeSet;

use crate::diagnostic::Diagnostic;
use crate::expr::Pointer;
use crate::files::Span;
use crate::model::arazzo::{SourceKind, Spanned, Step};
use crate::model::openapi::{OpenApi, Operation};

use super::Resolver;

impl<'a> Resolver<'a, '_> {
    /// Finds the operation a step's `operationId` names.
    pub(super) fn operation(&mut self, id: &Spanned<String>) -> Option<(usize, &'a Operation<'a>)> {
        let (source, op_id) = match id.value.strip_prefix("$sourceDescriptions.") {
            Some(rest) => {
                match rest.split_once('.') {
                    Some((source, op_id)) => (Some(source), op_id),
                    None => {
                        let d = Diagnostic::error(id.span, format!("invalid operationId `{}`", id.value))
                        .with_help("a qualified operationId is `$sourceDescriptions.<source>.<operationId>`");
                        self.report(d);
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
            let exact = apis.iter().position(|(name, _)| name == source);
            let index = exact.or_else(|| self.source_by_other_case(id, source, op_id));
            let Some(index) = index else {
                let d = Diagnostic::error(
                    id.span,
                    format!("unknown source `{source}` in `{}`", id.value),
                )
                .with_did_you_mean(source, apis.iter().map(|(n, _)| n.as_str()));
                self.report(d);
                return None;
            };
            let api = &apis[index].1;
            return match api.operation_by_id(op_id) {
                Some(op) => Some((index, op)),
                None => {
                    let d = self.unknown_operation(id.span, op_id, &[index]);
                    self.report(d);
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
                    self.report(
                        Diagnostic::dialect(
                            id.span,
                            format!("operationId `{op_id}` is not qualified, and the document has several OpenAPI sources"),
                            format!("found in source `{}` only", apis[one.0].0),
                        )
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
                self.report(
                    Diagnostic::dialect(
                        id.span,
                        format!("operationId `{op_id}` names its source in a form Arazzo 1.0.1 does not define"),
                        "read as the operation of that source",
                    )
                    .write_instead(format!("$sourceDescriptions.{source}.{rest}")),
                );
                Some((index, op))
            }
            // With no OpenAPI source read, the reason has been reported already (no
            // `sourceDescriptions`, a source without `url`, an unknown type...).
            [] if apis.is_empty() && self.diagnostics.has_errors() => None,
            [] => {
                let all: Vec<usize> = (0..apis.len()).collect();
                let d = self.unknown_operation(id.span, op_id, &all);
                self.report(d);
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
                self.report(d);
                None
            }
        }
    }

    /// Finds the operation an `operationPath` points at:
    /// `{$sourceDescriptions.<name>.url}#/paths/~1pets~1{petId}/get`.
    pub(super) fn operation_path(
        &mut self,
        path: &Spanned<String>,
    ) -> Option<(usize, &'a Operation<'a>)> {
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
            // (An OpenAPI source that could not be read counts: its error is reported.)
            let kind = self.source_fields.get(name).map(|(_, kind)| *kind);
            (kind == Some(SourceKind::OpenApi)).then_some((name, pointer))
        };
        let found = match conformant {
            Some(found) => Some(found),
            None => dialect().inspect(|(name, pointer)| {
                self.diagnostics.push(
                    Diagnostic::dialect(
                        path.span,
                        format!("operationPath `{text}` is not of the form `{{$sourceDescriptions.<name>.url}}#<JSON pointer>`"),
                        format!("read as a pointer into source `{name}`"),
                    )
                    .write_instead(format!("{{$sourceDescriptions.{name}.url}}#{pointer}")),
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
            self.report(d);
            return None;
        };
        let apis = self.apis;
        let Some(index) = apis.iter().position(|(name, _)| name == source) else {
            if self.source_fields.get(source).map(|(_, kind)| *kind) == Some(SourceKind::OpenApi) {
                // An OpenAPI source that could not be read: that is reported where it is named.
                return None;
            }
            let d = Diagnostic::error(
                path.span,
                format!("unknown source `{source}` in operationPath"),
            )
            .with_did_you_mean(source, apis.iter().map(|(n, _)| n.as_str()));
            self.report(d);
            return None;
        };
        let tokens = match Pointer::parse(pointer) {
            Ok(pointer) => pointer.0,
            Err(message) => {
                self.report(
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
                        self.report(Diagnostic::error(
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
                    self.report(
                        Diagnostic::dialect(
                            path.span,
                            format!(
                                "operationPath `{text}` points at a Path Item, not an operation"
                            ),
                            format!("read as its only operation, `{method}`"),
                        )
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
                self.report(d);
                None
            }
            _ => {
                self.report(
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

    pub(super) fn unknown_operation(
        &self,
        span: Span,
        op_id: &str,
        sources: &[usize],
    ) -> Diagnostic {
        let names: Vec<&str> = sources.iter().map(|i| self.apis[*i].0.as_str()).collect();
        let where_ = match names.as_slice() {
            [] => "no OpenAPI source could be read".to_owned(),
            [one] => format!("not found in source `{one}`"),
            _ => format!("not found in sources {}", names.join(", ")),
        };
        let candidates = sources.iter().flat_map(|i| self.apis[*i].1.operation_ids());
        Diagnostic::error(span, format!("unknown operationId `{op_id}`"))
            .with_label(where_)
            .with_did_you_mean(op_id, candidates)
    }

    /// Reports what the operation requires that the step does not give, and servers of its own
    /// that the request will not use.
    pub(super) fn operation_requirements(
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
            self.report(
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
            self.report(
                Diagnostic::warning(servers.span, "this operation names servers of its own, which the generated client does not use")
                    .with_help("its request goes to its source's base URL, set with the client builder"),
            );
        }
    }
}

impl Resolver<'_, '_> {
    /// `$sourceDescriptions.userAPI.x` for a source named `UserAPI`: names are case-sensitive,
    /// but when exactly one source differs only in case the meaning is clear (the
    /// specification's own schema fixtures write it so). Read as that source, with a warning.
    fn source_by_other_case(
        &mut self,
        id: &Spanned<String>,
        source: &str,
        op_id: &str,
    ) -> Option<usize> {
        let mut matching = self
            .apis
            .iter()
            .enumerate()
            .filter(|(_, (name, _))| name.eq_ignore_ascii_case(source));
        let (index, (name, _)) = matching.next()?;
        if matching.next().is_some() {
            return None;
        }
        self.report(
            Diagnostic::dialect(
                id.span,
                format!("there is no source `{source}`: source names are case-sensitive"),
                format!("read as the source `{name}`"),
            )
            .write_instead(format!("$sourceDescriptions.{name}.{op_id}")),
        );
        Some(index)
    }

    /// Arazzo 1.1 resolves `$sourceDescriptions.<name>.<reference>` first to an operationId
    /// (of an OpenAPI source) or a workflowId (of an Arazzo source), then to a field of the
    /// Source Description Object (`url`, `type`). When an operation or workflow is so named, the
    /// expression names it, and neither is a value: reported, true.
    pub(super) fn names_operation(&mut self, source: &str, reference: &str, here: Span) -> bool {
        let operation = self
            .apis
            .iter()
            .find(|(name, _)| name == source)
            .is_some_and(|(_, api)| api.operation_by_id(reference).is_some());
        let workflow = self
            .context
            .external
            .contains_key(&(source.to_owned(), reference.to_owned()));
        let (what, a_what, id, where_named) = match (operation, workflow) {
            (true, _) => (
                "operation",
                "an operation",
                "an operationId",
                "`operationId`",
            ),
            (false, true) => ("workflow", "a workflow", "a workflowId", "`workflowId`"),
            (false, false) => return false,
        };
        self.report(
            Diagnostic::error(here, format!("`$sourceDescriptions.{source}.{reference}` names the {what} `{reference}`, not a value"))
                .with_label(format!("in Arazzo 1.1 {id} of the source comes before the source's fields"))
                .with_help(format!("{a_what} is named in a step's {where_named}; the source's own fields are only reachable when no {what} has their name")),
        );
        true
    }
}
