//! Parameters: workflow-level ones merged with a step's, reusable ones from `components`, each
//! checked against the operation's declared parameters and bound to its value.

use crate::diagnostic::Diagnostic;
use crate::expr::{self, ComponentKind, Expr};
use crate::files::Span;
use crate::model::arazzo::{Step, Version, Workflow};
use crate::model::openapi::Operation;
use crate::naming::{self, Scope};
use crate::node::{Node, Value};
use crate::plan::{ParamLocation, ParamPlan, ParamStyle, PathPart, QueryStringPlan};

use super::header_cases::HeaderCases;
use super::values::{Ctx, StepContext};
use super::{Resolver, WorkflowScope};

/// A parameter as written, its reference (if any) already followed.
pub(super) struct Written<'n> {
    pub(super) name: String,
    pub(super) location: Option<(String, Span)>,
    pub(super) value: Option<&'n Node>,
    pub(super) span: Span,
}

impl Written<'_> {
    /// True for `in: querystring` (OpenAPI 3.2, Arazzo 1.1), which `resolve::querystring` reads.
    pub(super) fn is_query_string(&self) -> bool {
        self.location
            .as_ref()
            .is_some_and(|(text, _)| text == "querystring")
    }
}

impl ParamLocation {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "path" => Self::Path,
            "query" => Self::Query,
            "header" => Self::Header,
            "cookie" => Self::Cookie,
            _ => return None,
        })
    }

    /// The name and place of a (resolved) parameter object: `None` when it lacks either, or
    /// when its `in` is not `path`, `query`, `header` or `cookie` (`querystring` names none).
    pub(crate) fn of_parameter(param: &Node) -> Option<(&str, Self)> {
        let name = param.get("name").and_then(Node::as_str)?;
        let location = Self::parse(param.get("in").and_then(Node::as_str)?)?;
        Some((name, location))
    }

    /// The name as the description writes it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Path => "path",
            Self::Query => "query",
            Self::Header => "header",
            Self::Cookie => "cookie",
        }
    }
}

/// The names in a path template: `/users/{id}/posts/{post}` → `id`, `post`.
fn path_names(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

/// A path template's pieces, each `{name}` bound to the variable of the path parameter of that
/// name (a name without one, already reported, stays as text).
pub(super) fn path_parts(path: &str, parameters: &[ParamPlan]) -> Vec<PathPart> {
    let mut parts = Vec::new();
    let mut rest = path;
    while let Some((text, after)) = rest.split_once('{')
        && let Some((name, after)) = after.split_once('}')
    {
        let param = parameters
            .iter()
            .find(|p| p.location == ParamLocation::Path && p.name == name);
        match param {
            Some(param) => {
                if !text.is_empty() {
                    parts.push(PathPart::Text(text.to_owned()));
                }
                parts.push(PathPart::Param(param.var.clone()));
            }
            None => parts.push(PathPart::Text(format!("{text}{{{name}}}"))),
        }
        rest = after;
    }
    if !rest.is_empty() {
        parts.push(PathPart::Text(rest.to_owned()));
    }
    parts
}

/// Two parameters are the same when name and location match; header names without regard to
/// case.
fn same(a: &str, a_in: ParamLocation, b: &str, b_in: ParamLocation) -> bool {
    a_in == b_in
        && if a_in == ParamLocation::Header {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
}

impl<'a> Resolver<'a, '_> {
    /// One written parameter: a Parameter Object, or a Reusable Object naming
    /// `$components.parameters.<name>` (whose `value`, if given, replaces the component's).
    pub(super) fn written<'n>(&mut self, node: &'n Node) -> Option<Written<'n>>
    where
        'a: 'n,
    {
        let (definition, value) = match node.get("reference") {
            Some(reference) => {
                let text = reference.as_str().unwrap_or_default();
                let name = match expr::parse(text) {
                    Ok(Expr::Component {
                        kind: ComponentKind::Parameters,
                        name,
                    }) => name,
                    _ => {
                        self.report(
                            Diagnostic::error(
                                reference.span,
                                format!("`{text}` is not a reusable parameter"),
                            )
                            .with_help(
                                "a parameter's `reference` is `$components.parameters.<name>`",
                            ),
                        );
                        return None;
                    }
                };
                let components = self.components.and_then(|c| c.get("parameters"));
                let Some(definition) = components.and_then(|c| c.get(&name)) else {
                    let known = components.map(Node::entries).unwrap_or_default();
                    let d = Diagnostic::error(
                        reference.span,
                        format!("unknown reusable parameter `{name}`"),
                    )
                    .with_suggestion(
                        &name,
                        known.iter().map(|(k, _)| k.name.as_str()),
                        "did you mean `$components.parameters.{}`?",
                    );
                    self.report(d);
                    return None;
                };
                (
                    definition,
                    node.get("value").or_else(|| definition.get("value")),
                )
            }
            None => (node, node.get("value")),
        };
        let Some(name) = definition.get("name").and_then(Node::as_str) else {
            self.report(Diagnostic::error(node.span, "a parameter has no `name`"));
            return None;
        };
        Some(Written {
            name: name.to_owned(),
            location: definition
                .get("in")
                .map(|l| (l.as_str().unwrap_or_default().to_owned(), l.span)),
            value,
            span: node.span,
        })
    }

    /// The parameters of a step that calls an operation: the workflow's, then the step's (which
    /// win for the same name and location), each bound and checked; and its whole query string
    /// (`in: querystring`), if it has one.
    pub(super) fn parameters(
        &mut self,
        scope: &WorkflowScope,
        workflow: &Workflow<'_>,
        step: &Step<'_>,
        source: usize,
        operation: &Operation<'_>,
        request: &StepContext,
    ) -> (Vec<ParamPlan>, Option<QueryStringPlan>) {
        let api = &self.apis[source].1;
        let declared: Vec<&Node> = [operation.path_item, operation.node]
            .into_iter()
            .filter_map(|node| node.get("parameters"))
            .flat_map(Node::items)
            .map(|parameter| api.resolve(parameter))
            .collect();
        // Set when a parameter could not be read at all: what the operation requires is then
        // not checked, since the missing one is most likely the unreadable one.
        let (merged, query_strings, mut unreadable) =
            self.written_parameters(workflow, step, &declared);
        let plans = self.parameter_plans(
            scope,
            operation,
            request,
            &declared,
            &merged,
            &mut unreadable,
        );
        if !unreadable {
            self.missing_parameters(step, operation, &declared, &merged);
        }
        let query_string = self.query_string(
            scope,
            request,
            &declared,
            query_strings,
            &merged,
            super::target_span(step),
        );
        (plans, query_string)
    }

    /// The parameters written for a step, the workflow's then the step's (the step's win for
    /// the same name and location), each with where it goes and whether the workflow wrote it;
    /// and whether one could not be read at all. The `in: querystring` ones are set apart, each
    /// with whether the workflow wrote it.
    #[allow(clippy::type_complexity)]
    fn written_parameters<'n>(
        &mut self,
        workflow: &Workflow<'n>,
        step: &Step<'n>,
        declared: &[&Node],
    ) -> (
        Vec<(Written<'n>, ParamLocation, bool)>,
        Vec<(Written<'n>, bool)>,
        bool,
    )
    where
        'a: 'n,
    {
        // (parameter, location, written at the workflow level)
        let mut merged: Vec<(Written<'n>, ParamLocation, bool)> = Vec::new();
        let mut query_strings = Vec::new();
        let mut unreadable = false;
        let mut header_cases = HeaderCases::default();
        let lists = [(workflow.parameters, true), (step.parameters, false)];
        for (list, from_workflow) in lists {
            let Some(list) = list else { continue };
            if !matches!(list.value, Value::Seq(_)) {
                self.report(Diagnostic::error(
                    list.span,
                    format!("`parameters` must be a sequence, found {}", list.kind()),
                ));
                unreadable = true;
                continue;
            }
            for node in list.items() {
                let Some(written) = self.written(node) else {
                    unreadable = true;
                    continue;
                };
                if written.is_query_string() {
                    query_strings.push((written, from_workflow));
                    continue;
                }
                let Some(location) = self.parameter_location(&written, declared) else {
                    unreadable |= written.location.is_some();
                    continue;
                };
                let earlier = merged.iter().find(|(w, l, origin)| {
                    *origin == from_workflow && same(&w.name, *l, &written.name, location)
                });
                if let Some((earlier, ..)) = earlier
                    && earlier.name != written.name
                {
                    header_cases.given(from_workflow, earlier, &written);
                } else if earlier.is_some() {
                    self.report(Diagnostic::error(
                        written.span,
                        format!(
                            "the {} parameter `{}` is given twice",
                            location.as_str(),
                            written.name
                        ),
                    ));
                    continue;
                }
                let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
                if matches!(location, ParamLocation::Header | ParamLocation::Cookie)
                    && (written.name.is_empty() || !written.name.chars().all(token))
                {
                    self.report(
                        Diagnostic::error(
                            written.span,
                            format!(
                                "`{}` is not a valid {} name",
                                written.name,
                                location.as_str()
                            ),
                        )
                        .with_help(
                            "header and cookie names are letters, digits and `!#$%&'*+-.^_`|~`",
                        ),
                    );
                    continue;
                }
                merged.retain(|(w, l, _)| !same(&w.name, *l, &written.name, location));
                merged.push((written, location, from_workflow));
            }
        }
        for d in header_cases.diagnostics() {
            self.report(d);
        }
        (merged, query_strings, unreadable)
    }

    /// Where a written parameter goes: its `in`, or without one, where the operation declares
    /// it (with a warning). `None`, reported, when neither says.
    fn parameter_location(
        &mut self,
        written: &Written<'_>,
        declared: &[&Node],
    ) -> Option<ParamLocation> {
        let declared_in: Vec<ParamLocation> = declared
            .iter()
            .filter(|p| p.get("name").and_then(Node::as_str) == Some(written.name.as_str()))
            .filter_map(|p| {
                p.get("in")
                    .and_then(Node::as_str)
                    .and_then(ParamLocation::parse)
            })
            .collect();
        match &written.location {
            Some((text, span)) => match ParamLocation::parse(text) {
                Some(location) => Some(location),
                None => {
                    self.report(
                        Diagnostic::error(*span, format!("unknown parameter location `{text}`"))
                            .with_help(
                                "`in` is `path`, `query`, `querystring`, `header` or `cookie`",
                            ),
                    );
                    None
                }
            },
            // Without `in`, the operation's own declaration says where it goes.
            None => match declared_in.as_slice() {
                [one] => {
                    // A dialect of 1.0 documents; Arazzo 1.1 documents get the rule ("the `in`
                    // field MUST be specified"), as its schema fixtures do.
                    let severity = match self.version {
                        Version::V1_0 => Diagnostic::warning,
                        Version::V1_1 => Diagnostic::error,
                    };
                    self.report(
                        severity(
                            written.span,
                            format!(
                                "parameter `{}` has no `in`; the operation declares it `in: {}`",
                                written.name,
                                one.as_str()
                            ),
                        )
                        .with_help(format!(
                            "a parameter of a step that calls an operation must say where it goes: add `in: {}`",
                            one.as_str()
                        )),
                    );
                    Some(*one)
                }
                _ => {
                    self.report(
                        Diagnostic::error(written.span, format!("parameter `{}` has no `in`", written.name))
                            .with_help("a parameter of a step that calls an operation says where it goes: `in: path`, `query`, `header` or `cookie`"),
                    );
                    None
                }
            },
        }
    }

    /// Each merged parameter bound to its value, after checking it against the operation.
    fn parameter_plans(
        &mut self,
        scope: &WorkflowScope,
        operation: &Operation<'_>,
        request: &StepContext,
        declared: &[&Node],
        merged: &[(Written<'_>, ParamLocation, bool)],
        unreadable: &mut bool,
    ) -> Vec<ParamPlan> {
        let mut vars = Scope::default();
        let mut plans = Vec::new();
        for (written, location, from_workflow) in merged {
            let declaration = declared.iter().find(|p| {
                let name = p.get("name").and_then(Node::as_str).unwrap_or_default();
                let place = p
                    .get("in")
                    .and_then(Node::as_str)
                    .and_then(ParamLocation::parse);
                place.is_some_and(|place| same(name, place, &written.name, *location))
            });
            // Workflow-level parameters go to every step, whether its operation declares them or not.
            if *location == ParamLocation::Path
                && !path_names(operation.path).contains(&written.name.as_str())
            {
                self.report(
                    Diagnostic::error(
                        written.span,
                        format!(
                            "the operation's path `{}` has no `{{{}}}`",
                            operation.path, written.name
                        ),
                    )
                    .with_suggestion_or(
                        &written.name,
                        path_names(operation.path),
                        "did you mean `{}`?",
                        "a path parameter fills a `{name}` of the path; for a query parameter write `in: query`",
                    ),
                );
                *unreadable = true;
                continue;
            }
            // Beside a `querystring` parameter, a query one is an error of its own
            // (`resolve::querystring`).
            let beside_query_string = *location == ParamLocation::Query
                && declared
                    .iter()
                    .any(|p| p.get("in").and_then(Node::as_str) == Some("querystring"));
            if declaration.is_none() && !from_workflow && !beside_query_string {
                let names: Vec<&str> = declared
                    .iter()
                    .filter_map(|p| p.get("name").and_then(Node::as_str))
                    .collect();
                let d = Diagnostic::warning(
                    written.span,
                    format!(
                        "the operation declares no {} parameter `{}`; it is sent anyway",
                        location.as_str(),
                        written.name
                    ),
                )
                .with_did_you_mean(&written.name, names.iter().copied());
                self.report(d);
            }
            let Some(value_node) = written.value else {
                self.report(Diagnostic::error(
                    written.span,
                    format!("parameter `{}` has no `value`", written.name),
                ));
                continue;
            };
            let Some(value) = self.value_plan(scope, Ctx::Request(request), value_node) else {
                continue;
            };
            let style = declaration.map_or(ParamStyle::Form, |d| style_of(d));
            let var = vars.unique(format!(
                "param_{}_{}",
                location.as_str(),
                naming::snake(&written.name)
            ));
            plans.push(ParamPlan {
                name: written.name.clone(),
                location: *location,
                value,
                style,
                var,
            });
        }

        plans
    }

    /// Reports what the operation requires that the step does not give: its required
    /// parameters, and every `{name}` of its path.
    fn missing_parameters(
        &mut self,
        step: &Step<'_>,
        operation: &Operation<'_>,
        declared: &[&Node],
        merged: &[(Written<'_>, ParamLocation, bool)],
    ) {
        let target = super::target_span(step);
        // What the operation requires and the step does not give.
        for parameter in declared {
            let name = parameter
                .get("name")
                .and_then(Node::as_str)
                .unwrap_or_default();
            let Some(location) = parameter
                .get("in")
                .and_then(Node::as_str)
                .and_then(ParamLocation::parse)
            else {
                continue;
            };
            let required = location == ParamLocation::Path
                || matches!(
                    parameter.get("required").map(|r| &r.value),
                    Some(Value::Bool(true))
                );
            // A parameter written but in error counts as given: its own diagnostic says what
            // is wrong with it.
            let given = merged
                .iter()
                .any(|(w, l, _)| same(&w.name, *l, name, location));
            if required && !given {
                self.report(
                    Diagnostic::error(target, format!("the operation requires the {} parameter `{name}`, and this step gives none", location.as_str()))
                        .with_help(format!("add it to the step: `parameters: [{{name: {name}, in: {}, value: …}}]`", location.as_str())),
                );
            }
        }
        // Every `{name}` of the path needs a value, declared or not.
        for name in path_names(operation.path) {
            let given = merged
                .iter()
                .any(|(w, l, _)| *l == ParamLocation::Path && w.name == name);
            let declared_path = declared.iter().any(|p| {
                p.get("name").and_then(Node::as_str) == Some(name)
                    && p.get("in").and_then(Node::as_str) == Some("path")
            });
            if !given && !declared_path {
                self.report(Diagnostic::error(
                    target,
                    format!("the operation's path `{}` needs the path parameter `{name}`, and this step gives none", operation.path),
                ));
            }
        }
    }
}

/// The serialization a declared query parameter asks for (`style`, `explode`).
fn style_of(declaration: &Node) -> ParamStyle {
    let explode = match declaration.get("explode").map(|e| &e.value) {
        Some(Value::Bool(explode)) => *explode,
        _ => true,
    };
    match (declaration.get("style").and_then(Node::as_str), explode) {
        (Some("spaceDelimited"), _) => ParamStyle::SpaceDelimited,
        (Some("pipeDelimited"), _) => ParamStyle::PipeDelimited,
        (Some("deepObject"), _) => ParamStyle::DeepObject,
        (_, false) => ParamStyle::FormNoExplode,
        _ => ParamStyle::Form,
    }
}
