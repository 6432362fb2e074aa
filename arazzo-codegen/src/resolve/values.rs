//! Binding runtime expressions to the values they read, checked against what exists at that
//! point of the workflow.

use crate::condition::Access;
use crate::diagnostic::{Diagnostic, READ_CONFORMANT};
use crate::expr::{self, ComponentKind, Expr, Pointer, Source, Template};
use crate::files::Span;
use crate::model::arazzo::{SourceKind, Spanned, Version};
use crate::node::{Node, Value};
use crate::plan::{ParamLocation, Place, TemplatePart, Type, ValuePlan, ValueRef};

use super::{Fields, Resolver, WorkflowScope, unsupported};

/// Where an expression is evaluated, which decides what it may read.
#[derive(Clone, Copy, Debug)]
pub(super) enum Ctx<'s> {
    /// Building a step's request: inputs, earlier steps, sources.
    Request(&'s StepContext),
    /// After a step's response (its `successCriteria` and `outputs`): also the exchange.
    Response(&'s StepContext),
    /// The workflow's `outputs`: inputs, steps, earlier outputs.
    WorkflowOutputs,
}

/// What a step's own exchange offers to expressions.
#[derive(Debug)]
pub(super) struct StepContext {
    /// The HTTP method, upper case.
    pub method: String,
    /// The content type of the body the step sends, if it sends one.
    pub body_type: Option<String>,
    /// Whether that body is a JSON value while it is built (JSON, form, multipart).
    pub structured_body: bool,
    /// The parameters it sends: name, location, variable, and whether the value may be absent.
    pub params: Vec<(String, ParamLocation, String, bool)>,
    /// True for an AsyncAPI step: its exchange is a message (`$message`), not HTTP.
    pub message: bool,
}

impl Resolver<'_, '_> {
    /// A JSON template: literals stay, strings that are expressions are bound.
    pub(super) fn value_plan(
        &mut self,
        scope: &WorkflowScope,
        ctx: Ctx<'_>,
        node: &Node,
    ) -> Option<ValuePlan> {
        Some(match &node.value {
            Value::Null => ValuePlan::Null,
            Value::Bool(b) => ValuePlan::Bool(*b),
            Value::Int(_) | Value::Float(_) => match (self.written_number(node), &node.value) {
                (Some(written), _) => ValuePlan::Number(written),
                (None, Value::Int(i)) => ValuePlan::Number(i.to_string()),
                (None, Value::Float(f)) if f.is_finite() => ValuePlan::Number(f.to_string()),
                _ => {
                    self.report(Diagnostic::error(
                        node.span,
                        "JSON has no infinite or NaN numbers",
                    ));
                    return None;
                }
            },
            Value::Str(text) => match expr::parse_template(text).or_else(|error| {
                self.dialect(node.span, text, expr::parse_template)
                    .ok_or(error)
            }) {
                // `$self` (Arazzo 1.1) is an expression only in 1.1 documents: in a 1.0 one the
                // text stays the literal it always was.
                Ok(Template::Literal(s)) if s == "$self" && self.version >= Version::V1_1 => {
                    let here = self.inner_span(node.span, text, 0, text.len());
                    ValuePlan::Ref(self.bind(scope, ctx, &Expr::SelfUri, &[], here)?)
                }
                Ok(Template::Literal(s)) => {
                    self.literal_with_expression(node.span, &s);
                    ValuePlan::Str(s)
                }
                Ok(Template::Whole(expr)) => {
                    let here = self.inner_span(node.span, text, 0, text.len());
                    ValuePlan::Ref(self.bind(scope, ctx, &expr, &[], here)?)
                }
                Ok(Template::Interpolated(parts)) => {
                    ValuePlan::Template(self.template_parts(scope, ctx, node.span, text, parts)?)
                }
                Err(error) => {
                    let d = self.parse_error(node.span, text, error, "runtime expression");
                    self.report(d);
                    return None;
                }
            },
            Value::Seq(items) => {
                let items: Vec<_> = items
                    .iter()
                    .map(|i| self.value_plan(scope, ctx, i))
                    .collect();
                ValuePlan::Array(items.into_iter().collect::<Option<_>>()?)
            }
            // A Selector Object (Arazzo 1.1): see `selectors.rs`.
            Value::Map(_)
                if self.version >= Version::V1_1 && crate::model::selector::is_selector(node) =>
            {
                ValuePlan::Ref(self.selector_node(scope, ctx, node)?)
            }
            Value::Map(entries) => {
                let entries: Vec<_> = entries
                    .iter()
                    .map(|(k, v)| self.value_plan(scope, ctx, v).map(|v| (k.name.clone(), v)))
                    .collect();
                ValuePlan::Object(entries.into_iter().collect::<Option<_>>()?)
            }
        })
    }

    /// A number as the document writes it, when that is a JSON number: so that
    /// `12345678901234567890` and `1.0` go out as written, not rounded through `f64`.
    fn written_number(&self, node: &Node) -> Option<String> {
        let text = &self.files.get(node.span.file).text;
        let written = text.get(node.span.start..node.span.end)?.trim();
        let finite = written.parse::<f64>().is_ok_and(f64::is_finite);
        (is_json_number(written) && finite).then(|| written.to_owned())
    }

    /// Warns about a literal that holds an expression without `{}` (`SSWS $inputs.token`): by
    /// the specification it is sent as written, which is rarely what the author meant.
    fn literal_with_expression(&mut self, span: Span, text: &str) {
        if let Some((len, root)) = expr::misspelled_root(text) {
            let here = self.inner_span(span, text, 0, len);
            self.report(
                Diagnostic::error(
                    here,
                    format!(
                        "`{}` is no runtime expression: this value would be sent as the literal text `{text}`",
                        &text[..len]
                    ),
                )
                .with_help(format!("did you mean `{root}`?")),
            );
            return;
        }
        let found = text.match_indices('$').find_map(|(i, _)| {
            let rest = &text[i..];
            if i == 0 || !expr::looks_like_expression(rest) {
                return None;
            }
            expr::parse_prefix(rest, expr::Mode::Value)
                .ok()
                .map(|(_, len)| (i, len))
        });
        if let Some((offset, len)) = found {
            let embedded = &text[offset..offset + len];
            let here = self.inner_span(span, text, offset, len);
            let fixed = format!("{}{{{embedded}}}{}", &text[..offset], &text[offset + len..]);
            self.report(
                Diagnostic::warning(
                    here,
                    format!("`{embedded}` inside this string is not an expression: it is sent as written"),
                )
                .with_help(format!("to insert its value, embed it in braces: `{fixed}`")),
            );
        }
    }

    fn template_parts(
        &mut self,
        scope: &WorkflowScope,
        ctx: Ctx<'_>,
        span: Span,
        text: &str,
        parts: Vec<expr::Part>,
    ) -> Option<Vec<TemplatePart>> {
        let mut out = Vec::new();
        let mut ok = true;
        for part in parts {
            match part {
                expr::Part::Literal(s) => out.push(TemplatePart::Text(s)),
                expr::Part::Expr(e, offset) => {
                    let here = self.inner_span(span, text, offset, e.to_string().len());
                    match self.bind(scope, ctx, &e, &[], here) {
                        Some(value) => out.push(TemplatePart::Value(value)),
                        None => ok = false,
                    }
                }
            }
        }
        ok.then_some(out)
    }

    /// After `text` failed to parse: what it means when it is written in a dialect whose
    /// meaning is clear (a warning says how to write it), or `None`.
    pub(super) fn dialect<T>(
        &mut self,
        span: Span,
        text: &str,
        parse: impl Fn(&str) -> Result<T, expr::ParseError>,
    ) -> Option<T> {
        let (fixed, dialects) = expr::rewrite_dialects(text)?;
        let parsed = parse(&fixed).ok()?;
        let what: Vec<&str> = dialects.iter().map(|d| d.describe()).collect();
        self.report(
            Diagnostic::dialect(
                self.inner_span(span, text, 0, text.len()),
                format!("`{text}` is not Arazzo 1.0.1: {}", what.join("; ")),
                READ_CONFORMANT,
            )
            .write_instead(fixed),
        );
        Some(parsed)
    }

    /// Binds a whole-value expression written at `text`.
    pub(super) fn value_expression(
        &mut self,
        scope: &WorkflowScope,
        ctx: Ctx<'_>,
        text: &Spanned<String>,
    ) -> Option<ValueRef> {
        let parsed = expr::parse(&text.value).or_else(|error| {
            self.dialect(text.span, &text.value, expr::parse)
                .ok_or(error)
        });
        match parsed {
            Ok(expr) => {
                let here = self.inner_span(text.span, &text.value, 0, text.value.len());
                self.bind(scope, ctx, &expr, &[], here)
            }
            Err(error) => {
                let d = self.parse_error(text.span, &text.value, error, "runtime expression");
                self.report(d);
                None
            }
        }
    }

    /// Binds an expression, with the `.name` / `[index]` accesses a condition wrote after it:
    /// one function per expression root.
    pub(super) fn bind(
        &mut self,
        scope: &WorkflowScope,
        ctx: Ctx<'_>,
        expr: &Expr,
        access: &[Access],
        here: Span,
    ) -> Option<ValueRef> {
        let read = Read {
            scope,
            ctx,
            expr,
            access,
            here,
        };
        let mut value = match expr {
            Expr::Inputs { name, pointer } => self.bind_inputs(read, name, pointer)?,
            Expr::StepOutput {
                step,
                name,
                pointer,
            } => self.bind_step_output(read, step, name, pointer)?,
            Expr::Workflow {
                workflow,
                field,
                name,
                pointer,
            } => self.bind_workflow(read, workflow, *field, name, pointer)?,
            Expr::WorkflowStep {
                workflow,
                step,
                name,
                pointer,
            } => self.bind_workflow_step(read, workflow, step, name, pointer)?,
            Expr::Outputs { name, pointer } => self.bind_outputs(read, name, pointer)?,
            Expr::StatusCode | Expr::Url | Expr::Method => {
                self.no_http_in_message_step(read)?;
                self.bind_exchange_fact(read)?
            }
            Expr::SelfUri => self.bind_self(read)?,
            Expr::Response(source) => {
                self.no_http_in_message_step(read)?;
                self.bind_response(read, source)?
            }
            Expr::Message(source) => self.bind_message(read, source)?,
            Expr::Request(source) => {
                self.no_http_in_message_step(read)?;
                self.bind_request(read, source)?
            }
            Expr::SourceDescription { source, reference } => {
                self.bind_source(read, source, reference)?
            }
            Expr::Component { kind, .. } => self.bind_component(read, kind)?,
        };
        value.expression = expr.to_string()
            + &access
                .iter()
                .map(|a| match a {
                    Access::Field(name) => format!(".{name}"),
                    Access::Index(i) => format!("[{i}]"),
                })
                .collect::<String>();
        Some(value)
    }

    /// `$inputs.<name>`: an input of this workflow (a dot path into one, as a dialect).
    fn bind_inputs(
        &mut self,
        read: Read<'_>,
        name: &str,
        pointer: &Option<Pointer>,
    ) -> Option<ValueRef> {
        let Read { scope, here, .. } = read;
        Some({
            // `$inputs.env.TOKEN`: the grammar lets a name hold dots, and documents use them
            // to read a property of an object input; the longest declared name wins.
            let dotted = || dotted(&scope.inputs, name, pointer.as_ref());
            let (found, pointer) = match scope.inputs.get(name) {
                Some(found) => (Some(found), pointer.clone()),
                None => match dotted() {
                    Some((found, input, p)) => {
                        self.report(
                                Diagnostic::dialect(
                                    here,
                                    format!("`$inputs.{name}` reads a property of the input `{input}` with a dot path, which is not Arazzo 1.0.1"),
                                    READ_CONFORMANT,
                                )
                                .write_instead(format!("$inputs.{input}#{p}")),
                            );
                        (Some(found), Some(p))
                    }
                    None => (None, None),
                },
            };
            let found = match found {
                Some(found) => Some(found.clone()),
                None if scope.inputs_unreadable => return None,
                None => self.undeclared_input(name, here),
            };
            let Some((field, ty)) = found else {
                let d = Diagnostic::error(here, format!("unknown input `{name}`"))
                    .with_label("not a property of this workflow's `inputs` schema")
                    .with_suggestion(
                        name,
                        scope.input_names.iter().map(String::as_str),
                        "did you mean `$inputs.{}`?",
                    );
                self.report(d);
                return None;
            };
            let (pointer, ty) = part_of(read.extend(pointer.as_ref()), &ty);
            ValueRef {
                expression: String::new(),
                place: Place::Input { field, pointer },
                ty,
            }
        })
    }

    /// `$steps.<id>.outputs.<name>`: an output of an earlier step (a dot path into one, as a dialect).
    fn bind_step_output(
        &mut self,
        read: Read<'_>,
        step: &str,
        name: &str,
        pointer: &Option<Pointer>,
    ) -> Option<ValueRef> {
        let Read { scope, here, .. } = read;
        if scope.failed_steps.contains(step) {
            self.read_of_failed_step(scope, step, name, here);
            return None;
        }
        Some({
            let (var, outputs) = self.step_outputs(scope, step, here)?;
            // `$steps.x.outputs.a.b`: a dot path into the output `a` (a dialect; an
            // output named `a.b` comes first).
            let dotted = || dotted(outputs, name, pointer.as_ref());
            let dotted_pointer;
            let (found, pointer) = match (outputs.get(name), dotted()) {
                (Some(found), _) => (Some(found), pointer),
                (None, Some((found, output, p))) => {
                    self.report(
                            Diagnostic::dialect(
                                here,
                                format!("`$steps.{step}.outputs.{name}` reads a property of the output `{output}` with a dot path, which is not Arazzo 1.0.1"),
                                READ_CONFORMANT,
                            )
                            .write_instead(format!("$steps.{step}.outputs.{output}#{p}")),
                        );
                    dotted_pointer = Some(p);
                    (Some(found), &dotted_pointer)
                }
                (None, None) => (None, pointer),
            };
            let Some((field, ty)) = found else {
                if scope.incomplete_steps.contains(step)
                    && super::cascade::declares(scope, step, name)
                {
                    // The output in error; that error is reported already.
                    return None;
                }
                let d = Diagnostic::error(here, format!("step `{step}` has no output `{name}`"))
                        .with_suggestion_or(
                            name,
                            outputs.keys().map(String::as_str),
                            "did you mean `{}`?",
                            format!("declare it under the step's `outputs`, e.g. `{name}: $response.body#/{name}`"),
                        );
                self.report(d);
                return None;
            };
            let (pointer, ty) = part_of(read.extend(pointer.as_ref()), ty);
            ValueRef {
                expression: String::new(),
                place: Place::StepOutput {
                    step: var.clone(),
                    field: field.clone(),
                    pointer,
                },
                ty,
            }
        })
    }

    /// `$outputs.<name>`: an earlier output of this workflow, in its `outputs`.
    fn bind_outputs(
        &mut self,
        read: Read<'_>,
        name: &str,
        pointer: &Option<Pointer>,
    ) -> Option<ValueRef> {
        let Read {
            scope,
            ctx,
            expr,
            access,
            here,
            ..
        } = read;
        Some({
            if !matches!(ctx, Ctx::WorkflowOutputs) {
                self.report(
                    Diagnostic::error(
                        here,
                        format!(
                            "`{expr}` reads this workflow's outputs, which exist only when it ends"
                        ),
                    )
                    .with_help(
                        "read the step output it comes from: `$steps.<stepId>.outputs.<name>`",
                    ),
                );
                return None;
            }
            let Some(earlier) = scope.outputs.get(name) else {
                self.report(
                    Diagnostic::error(
                        here,
                        format!("no output `{name}` is defined before this one"),
                    )
                    .with_help("an output can read the outputs listed above it"),
                );
                return None;
            };
            if pointer.is_none() && access.is_empty() {
                return Some(ValueRef {
                    expression: expr.to_string(),
                    ..earlier.clone()
                });
            }
            let pointer = read.extend(pointer.as_ref()).to_string();
            match &earlier.place {
                Place::Input {
                    field,
                    pointer: None,
                } => ValueRef {
                    expression: String::new(),
                    place: Place::Input {
                        field: field.clone(),
                        pointer: Some(pointer),
                    },
                    ty: Type::Json.optional(),
                },
                Place::StepOutput {
                    step,
                    field,
                    pointer: None,
                } => ValueRef {
                    expression: String::new(),
                    place: Place::StepOutput {
                        step: step.clone(),
                        field: field.clone(),
                        pointer: Some(pointer),
                    },
                    ty: Type::Json.optional(),
                },
                _ => {
                    self.report(unsupported(
                        here,
                        "a JSON pointer into an output that is itself a part of a value",
                    ));
                    return None;
                }
            }
        })
    }

    /// `$response.body / $response.header.<name>`: the step's response.
    fn bind_response(&mut self, read: Read<'_>, source: &Source) -> Option<ValueRef> {
        let Read { expr, here, .. } = read;
        Some({
            if !self.needs_exchange(read) {
                return None;
            }
            match source {
                Source::Body(pointer) => ValueRef {
                    expression: String::new(),
                    place: Place::ResponseBody(read.extend(pointer.as_ref()).to_string()),
                    ty: Type::Json.optional(),
                },
                Source::Header(name) => {
                    if !self.no_access(read, "a string") {
                        return None;
                    }
                    ValueRef {
                        expression: String::new(),
                        place: Place::ResponseHeader(name.clone()),
                        ty: Type::String.optional(),
                    }
                }
                Source::Query(_) | Source::Path(_) => {
                    self.report(
                        Diagnostic::error(
                            here,
                            format!("`{expr}`: a response has no query or path parameters"),
                        )
                        .with_help(
                            "a response offers `$response.body` and `$response.header.<name>`",
                        ),
                    );
                    return None;
                }
            }
        })
    }

    /// `$message.payload / header`: the message an AsyncAPI step sent or received, read like a
    /// response's body and headers.
    fn bind_message(&mut self, read: Read<'_>, source: &Source) -> Option<ValueRef> {
        match read.exchange() {
            Some(step) if !step.message => {
                self.report(
                    Diagnostic::error(read.here, format!("`{}`: this step sends no message", read.expr))
                        .with_help("`$message` is read in the `successCriteria` and `outputs` of a step that sends or receives a message (an AsyncAPI step); here read `$response`"),
                );
                None
            }
            _ => self.bind_response(read, source),
        }
    }

    /// In an AsyncAPI step, `$response`, `$request`, `$statusCode`, `$url` and `$method` have
    /// nothing to read: an error that says to read `$message`.
    fn no_http_in_message_step(&mut self, read: Read<'_>) -> Option<()> {
        match read.exchange() {
            Some(step) if step.message => {
                self.report(
                    Diagnostic::error(read.here, format!("`{}`: an AsyncAPI step has no HTTP exchange", read.expr))
                        .with_help("read its message: `$message.payload#/<pointer>` or `$message.header.<name>`"),
                );
                None
            }
            _ => Some(()),
        }
    }

    /// `$request.body / header / query / path`: what the step sent.
    fn bind_request(&mut self, read: Read<'_>, source: &Source) -> Option<ValueRef> {
        let Read { expr, here, .. } = read;
        Some({
            let step = match read.exchange() {
                Some(step) => step,
                None => {
                    self.needs_exchange(read);
                    return None;
                }
            };
            match source {
                Source::Body(pointer) => {
                    if step.body_type.is_none() {
                        self.report(Diagnostic::error(
                            here,
                            format!("`{expr}`: this step sends no body"),
                        ));
                        return None;
                    }
                    ValueRef {
                        expression: String::new(),
                        place: Place::RequestBody(read.extend(pointer.as_ref()).to_string()),
                        ty: Type::Json.optional(),
                    }
                }
                Source::Header(name) => {
                    if !self.no_access(read, "a string") {
                        return None;
                    }
                    if name.eq_ignore_ascii_case("authorization") {
                        self.report(
                                Diagnostic::error(here, "`$request.header.Authorization` would expose the step's credentials")
                                    .with_help("credentials are never readable by a workflow"),
                            );
                        return None;
                    }
                    let param = step.params.iter().find(|(n, location, ..)| {
                        *location == ParamLocation::Header && n.eq_ignore_ascii_case(name)
                    });
                    match (
                        param,
                        &step.body_type,
                        name.eq_ignore_ascii_case("content-type"),
                    ) {
                        (Some((_, _, var, optional)), ..) => param_value(var, *optional),
                        (None, Some(content_type), true) => ValueRef {
                            expression: String::new(),
                            place: Place::Const(content_type.clone()),
                            ty: Type::String,
                        },
                        _ => {
                            self.report(Diagnostic::error(
                                here,
                                format!("`{expr}`: this step sends no header `{name}`"),
                            ));
                            return None;
                        }
                    }
                }
                Source::Query(name) | Source::Path(name) => {
                    let location = if matches!(source, Source::Query(_)) {
                        ParamLocation::Query
                    } else {
                        ParamLocation::Path
                    };
                    let param = step
                        .params
                        .iter()
                        .find(|(n, l, ..)| *l == location && n == name);
                    match param {
                        Some((_, _, var, optional)) => param_value(var, *optional),
                        None => {
                            let names = step
                                .params
                                .iter()
                                .filter(|(_, l, ..)| *l == location)
                                .map(|(n, ..)| n.as_str());
                            let d = Diagnostic::error(
                                here,
                                format!(
                                    "`{expr}`: this step has no {} parameter `{name}`",
                                    location.as_str()
                                ),
                            )
                            .with_did_you_mean(name, names);
                            self.report(d);
                            return None;
                        }
                    }
                }
            }
        })
    }

    /// `$sourceDescriptions.<name>.url|name|type.`
    fn bind_source(&mut self, read: Read<'_>, source: &str, reference: &str) -> Option<ValueRef> {
        let Read {
            scope, expr, here, ..
        } = read;
        if let Some(value) = self.source_workflow_value(read, source, reference) {
            return value;
        }
        Some({
            let Some((field, kind)) = scope.sources.get(source) else {
                let d = Diagnostic::error(here, format!("unknown source description `{source}`"))
                    .with_did_you_mean(source, scope.sources.keys().map(String::as_str));
                self.report(d);
                return None;
            };
            if !self.no_access(read, "a string") {
                return None;
            }
            // Arazzo 1.1: `<reference>` is an operationId (or workflowId) before it is a field.
            if self.version >= Version::V1_1 && self.names_operation(source, reference, here) {
                return None;
            }
            match (reference, field) {
                ("url", Some(field)) => ValueRef {
                    expression: String::new(),
                    place: Place::SourceUrl(field.clone()),
                    ty: Type::String,
                },
                ("name", _) => ValueRef {
                    expression: String::new(),
                    place: Place::Const(source.to_owned()),
                    ty: Type::String,
                },
                ("type", _) => {
                    let kind = match kind {
                        SourceKind::OpenApi => "openapi",
                        SourceKind::Arazzo => "arazzo",
                        SourceKind::AsyncApi => "asyncapi",
                    };
                    ValueRef {
                        expression: String::new(),
                        place: Place::Const(kind.to_owned()),
                        ty: Type::String,
                    }
                }
                // An OpenAPI source that could not be read (reported where it is named).
                ("url", None) if *kind == SourceKind::OpenApi => return None,
                ("url", None) => {
                    self.report(unsupported(
                        here,
                        match kind {
                            SourceKind::AsyncApi => "the `url` of an AsyncAPI source as a value",
                            _ => "the `url` of an Arazzo source as a value",
                        },
                    ));
                    return None;
                }
                _ => {
                    self.report(
                            Diagnostic::error(here, format!("`{expr}` is not a value"))
                                .with_help("a source description offers `url`, `name` and `type`; `$sourceDescriptions.<name>.<operationId>` belongs in a step's `operationId`"),
                        );
                    return None;
                }
            }
        })
    }

    /// `$self` (Arazzo 1.1): the document's `$self`, a string known at generation time.
    fn bind_self(&mut self, read: Read<'_>) -> Option<ValueRef> {
        let here = read.here;
        if self.version < Version::V1_1 {
            self.report(
                Diagnostic::error(here, "`$self` is an Arazzo 1.1 expression")
                    .with_label("this document is Arazzo 1.0.x, which has no `$self`")
                    .with_help("write `arazzo: 1.1.0` and give the document a `$self` field, or write the URI itself"),
            );
            return None;
        }
        let Some(uri) = self.self_uri.clone() else {
            self.report(
                Diagnostic::error(here, "`$self` is read, but the document has no `$self` field")
                    .with_help("give the document its URI at the root: `$self: https://example.com/arazzo/this.arazzo.yaml`"),
            );
            return None;
        };
        if !self.no_access(read, "a string") {
            return None;
        }
        Some(ValueRef {
            expression: String::new(),
            place: Place::Const(uri),
            ty: Type::String,
        })
    }

    /// `$components.…`: not a value (components are reused by reference).
    fn bind_component(&mut self, read: Read<'_>, kind: &ComponentKind) -> Option<ValueRef> {
        let Read { expr, here, .. } = read;
        let field = match kind {
            ComponentKind::Parameters => "a parameter's",
            ComponentKind::SuccessActions | ComponentKind::FailureActions => "an action's",
            ComponentKind::Inputs => "a `$ref` in",
        };
        self.report(
            Diagnostic::error(here, format!("`{expr}` is not a value")).with_help(format!(
                "components are reused by reference: it belongs in {field} `reference` field"
            )),
        );
        None
    }

    /// `$statusCode`, `$url` and `$method`: facts of the step's exchange.
    fn bind_exchange_fact(&mut self, read: Read<'_>) -> Option<ValueRef> {
        let Read {
            ctx, expr, here, ..
        } = read;
        let step_context = match ctx {
            Ctx::Request(step) | Ctx::Response(step) => Some(step),
            Ctx::WorkflowOutputs => None,
        };
        Some(match expr {
            Expr::StatusCode => {
                if !self.needs_exchange(read) || !self.no_access(read, "a number") {
                    return None;
                }
                ValueRef {
                    expression: String::new(),
                    place: Place::StatusCode,
                    ty: Type::U16,
                }
            }
            Expr::Url => {
                if !self.needs_exchange(read) || !self.no_access(read, "a string") {
                    return None;
                }
                ValueRef {
                    expression: String::new(),
                    place: Place::Url,
                    ty: Type::String,
                }
            }
            Expr::Method => {
                let Some(step) = step_context else {
                    self.report(Diagnostic::error(
                        here,
                        "`$method` has no value in a workflow's outputs",
                    ));
                    return None;
                };
                if !self.no_access(read, "a string") {
                    return None;
                }
                ValueRef {
                    expression: String::new(),
                    place: Place::Const(step.method.clone()),
                    ty: Type::String,
                }
            }
            _ => return None,
        })
    }

    /// Reports an access (`.name`, `[i]`) after a value that has no parts; true when there is none.
    fn no_access(&mut self, read: Read<'_>, what: &str) -> bool {
        if read.access.is_empty() {
            return true;
        }
        self.report(Diagnostic::error(
            read.here,
            format!(
                "`{}` is {what}; it has no properties to read with `.` or `[…]`",
                read.expr
            ),
        ));
        false
    }

    /// Reports an expression that reads the step's exchange where there is none; true when
    /// there is one.
    fn needs_exchange(&mut self, read: Read<'_>) -> bool {
        if read.exchange().is_some() {
            return true;
        }
        let where_ = match read.ctx {
            Ctx::Request(_) => "while the step's request is being built",
            _ => "in a workflow's outputs",
        };
        self.report(
            Diagnostic::error(read.here, format!("`{}` has no value {where_}", read.expr))
                .with_help("the current step's request and response are readable in its `successCriteria` and `outputs`"),
        );
        false
    }

    /// An earlier step's variable and outputs, or a diagnostic.
    fn step_outputs<'s>(
        &mut self,
        scope: &'s WorkflowScope,
        step: &str,
        here: Span,
    ) -> Option<&'s (String, super::Fields)> {
        if let Some(found) = scope.steps.get(step) {
            return Some(found);
        }
        if scope.failed_steps.contains(step) {
            // Its own problems are reported already; its outputs are simply unknown.
            return None;
        }
        let d = if scope.current_step.as_deref() == Some(step) {
            Diagnostic::error(here, format!("step `{step}` reads its own outputs")).with_help(
                "inside a step, read its response directly: `$response.body#/…`, `$statusCode`",
            )
        } else if scope.all_step_ids.contains(step) {
            Diagnostic::error(here, format!("step `{step}` has not run yet at this point"))
                .with_help(match self.version {
                    Version::V1_0 => "a step can only read the outputs of the steps before it",
                    // Arazzo 1.1, a workflow without step `dependsOn`: the steps run as listed.
                    Version::V1_1 => "the steps of a workflow without step `dependsOn` run in the order listed: \
                                      list this step before the step that reads it, or declare the order with `dependsOn`",
                })
        } else {
            Diagnostic::error(here, format!("unknown step `{step}`"))
                .with_did_you_mean(step, scope.all_step_ids.iter().map(String::as_str))
        };
        self.report(d);
        None
    }
}

/// The value of a parameter the step sends, held in its variable.
fn param_value(var: &str, optional: bool) -> ValueRef {
    ValueRef {
        expression: String::new(),
        place: Place::RequestParam {
            var: var.to_owned(),
            optional,
        },
        ty: if optional {
            Type::Json.optional()
        } else {
            Type::Json
        },
    }
}

/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`: the JSON number grammar.
fn is_json_number(text: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let body = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    digits(whole)
        && (whole == "0" || !whole.starts_with('0'))
        && fraction.is_none_or(digits)
        && exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
}

#[cfg(test)]
mod tests {
    use super::is_json_number;

    #[test]
    fn json_numbers() {
        for yes in ["0", "-1", "12345678901234567890", "1.0", "2.5e-3", "1E+9"] {
            assert!(is_json_number(yes), "{yes}");
        }
        for no in [
            "01", "+1", "1.", ".5", "0x1F", "1e", "", "-", "1_000", ".inf",
        ] {
            assert!(!is_json_number(no), "{no}");
        }
    }
}

/// One expression being bound: what it is, where it is read, and the `.name` / `[index]`
/// accesses a condition wrote after it.
#[derive(Clone, Copy)]
pub(super) struct Read<'r> {
    pub(super) scope: &'r WorkflowScope,
    pub(super) ctx: Ctx<'r>,
    pub(super) expr: &'r Expr,
    pub(super) access: &'r [Access],
    pub(super) here: Span,
}

impl Read<'_> {
    /// The step's exchange, where its response is readable.
    fn exchange(&self) -> Option<&StepContext> {
        match self.ctx {
            Ctx::Response(step) => Some(step),
            _ => None,
        }
    }

    /// `pointer` extended by the accesses: `.name` and `[index]` need a value that has parts.
    pub(super) fn extend(&self, pointer: Option<&Pointer>) -> Pointer {
        let mut tokens = pointer.map(|p| p.0.clone()).unwrap_or_default();
        tokens.extend(self.access.iter().map(|a| match a {
            Access::Field(name) => name.clone(),
            Access::Index(i) => i.to_string(),
        }));
        Pointer(tokens)
    }
}

/// A pointer into an input or an output reads `serde_json::Value`; no pointer reads the field
/// itself, with its type.
pub(super) fn part_of(p: Pointer, ty: &Type) -> (Option<String>, Type) {
    let pointer = (!p.is_root()).then(|| p.to_string());
    let ty = if pointer.is_some() {
        Type::Json.optional()
    } else {
        ty.clone()
    };
    (pointer, ty)
}

/// `$inputs.env.TOKEN`, `$steps.x.outputs.a.b`: the grammar lets a name hold dots, and documents
/// use them to read a property of an object value. The longest declared name before a dot, its
/// name, and a pointer of the rest (then `pointer`).
pub(super) fn dotted<'f, 'n>(
    fields: &'f Fields,
    name: &'n str,
    pointer: Option<&Pointer>,
) -> Option<(&'f (String, Type), &'n str, Pointer)> {
    name.match_indices('.').rev().find_map(|(at, _)| {
        let found = fields.get(&name[..at])?;
        let mut tokens: Vec<String> = name[at + 1..].split('.').map(str::to_owned).collect();
        tokens.extend(pointer.iter().flat_map(|p| p.0.iter().cloned()));
        Some((found, &name[..at], Pointer(tokens)))
    })
}
