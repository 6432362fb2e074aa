//! AsyncAPI steps (Arazzo 1.1): which operation or channel a step names, which messages it
//! sends or waits for, and what the specification asks of its `action`, `correlationId`,
//! parameters and body.
//!
//! A `send` step publishes one of the operation's messages on the operation's channel. A
//! `receive` step waits on the operation's `reply` channel for one of the reply's messages when
//! the operation has a `reply` (the answer to what the workflow sent through it), else on the
//! operation's channel; a `channelPath` step uses the channel it names.

use crate::diagnostic::Diagnostic;
use crate::model::arazzo::{SourceKind, Spanned, Step, Target, Version, Workflow};
use crate::model::asyncapi::{Action, AsyncApi, AsyncOperation, Message};
use crate::model::openapi::OpenApi;
use crate::node::{Node, Value};
use crate::plan::{
    CorrelationPlan, ItemPath, MessagePlan, ParamLocation, StepKind, StepPlan, ValuePlan,
};

use super::actions::Outcome;
use super::values::{Ctx, StepContext};
use super::{Resolver, WorkflowScope, target_span};

/// What a message step was found to name.
pub(super) struct MessageTarget<'m> {
    /// Index into the AsyncAPI sources.
    pub source: usize,
    /// Index into that source's channels: where the step publishes or waits.
    pub channel: usize,
    /// The operation, when the step names one.
    pub operation_id: Option<String>,
    /// What the step does.
    pub action: Action,
    /// The messages the channel carries for this step.
    pub messages: Vec<Message<'m>>,
}

/// A checked message step's header and address parameters: name, where it goes, its value.
pub(super) type MessageParams = Vec<(String, ParamLocation, ValuePlan)>;

impl<'a> Resolver<'a, '_> {
    /// True when a step names an AsyncAPI operation or channel.
    pub(super) fn is_message_step(&self, step: &Step<'_>) -> bool {
        match &step.target {
            Some(Target::ChannelPath(_)) => true,
            Some(Target::OperationId(id)) => match id.value.strip_prefix("$sourceDescriptions.") {
                Some(rest) => rest.split_once('.').is_some_and(|(source, _)| {
                    self.source_fields.get(source).map(|(_, kind)| *kind)
                        == Some(SourceKind::AsyncApi)
                }),
                None => {
                    self.asyncs
                        .iter()
                        .any(|(_, api)| api.operation_by_id(&id.value).is_some())
                        && !self
                            .apis
                            .iter()
                            .any(|(_, api)| api.operation_by_id(&id.value).is_some())
                }
            },
            _ => false,
        }
    }

    /// Reports `action` or `correlationId` on a step that calls an OpenAPI operation or a
    /// workflow: they belong to AsyncAPI steps.
    pub(super) fn no_async_fields(&mut self, step: &Step<'_>, what: &str) {
        if let Some(action) = &step.action {
            self.report(
                Diagnostic::error(
                    action.span,
                    format!("`action` belongs to AsyncAPI steps; this step calls {what}"),
                )
                .with_related(target_span(step), "not an AsyncAPI operation")
                .with_help("remove `action`, or name an operation of an `asyncapi` source"),
            );
        }
        if let Some(id) = &step.correlation_id {
            self.report(
                Diagnostic::error(
                    id.span,
                    format!(
                        "`correlationId` belongs to AsyncAPI steps that receive; this step calls {what}"
                    ),
                )
                .with_related(target_span(step), "not an AsyncAPI operation")
                .with_help("remove `correlationId`, or name an operation of an `asyncapi` source"),
            );
        }
    }

    /// Finds what a message step names, and checks its `action`. `None` when that is reported
    /// (or when its source could not be read, which was reported already).
    pub(super) fn message_target(&mut self, step: &Step<'_>) -> Option<MessageTarget<'a>> {
        let asyncs: &'a [(String, AsyncApi<'a>)] = self.asyncs;
        let (source, channel, operation) = match step.target.as_ref()? {
            Target::OperationId(id) => {
                let (source, operation) = self.async_operation(id)?;
                (source, operation.channel, Some(operation))
            }
            Target::ChannelPath(path) => {
                let (source, channel) = self.channel_path(path)?;
                (source, channel, None)
            }
            _ => return None,
        };
        let Some(action) = step.action.as_ref().map(|a| a.value) else {
            // A `channelPath` without `action`, and an `action` that is neither `send` nor
            // `receive`, are reported where the step is read.
            if operation.is_some() && !step.action_written {
                self.report(
                    Diagnostic::error(
                        target_span(step),
                        "an AsyncAPI step must say whether it sends or receives",
                    )
                    .with_label("this names an AsyncAPI operation")
                    .with_help("add `action: send` or `action: receive`"),
                );
            }
            return None;
        };
        let api = &asyncs[source].1;
        let (channel, messages) = match (action, operation.and_then(|op| op.reply.as_ref())) {
            (Action::Receive, Some(reply)) => {
                (reply.channel.unwrap_or(channel), reply.messages.clone())
            }
            _ => (
                channel,
                operation.map_or_else(
                    || api.channels[channel].messages.clone(),
                    |op| op.messages.clone(),
                ),
            ),
        };
        Some(MessageTarget {
            source,
            channel,
            operation_id: operation.map(|op| op.id.clone()),
            action,
            messages,
        })
    }

    /// The AsyncAPI operation an `operationId` names: `$sourceDescriptions.<source>.<id>`, or a
    /// bare id that one AsyncAPI source has.
    fn async_operation(&mut self, id: &Spanned<String>) -> Option<(usize, &'a AsyncOperation<'a>)> {
        let asyncs: &'a [(String, AsyncApi<'a>)] = self.asyncs;
        let (source, op_id) = match id.value.strip_prefix("$sourceDescriptions.") {
            Some(rest) => {
                let (source, op_id) = rest.split_once('.')?;
                (Some(source), op_id)
            }
            None => (None, id.value.as_str()),
        };
        let candidates: Vec<usize> = match source {
            // An AsyncAPI source that could not be read has been reported already.
            Some(source) => match asyncs.iter().position(|(name, _)| name == source) {
                Some(index) => vec![index],
                None => return None,
            },
            None => (0..asyncs.len()).collect(),
        };
        let found: Vec<(usize, &'a AsyncOperation<'a>)> = candidates
            .iter()
            .filter_map(|&i| asyncs[i].1.operation_by_id(op_id).map(|op| (i, op)))
            .collect();
        match found.as_slice() {
            [one] => Some(*one),
            [] => {
                let known = candidates
                    .iter()
                    .flat_map(|&i| asyncs[i].1.operations.iter().map(|op| op.id.as_str()));
                let d = Diagnostic::error(id.span, format!("no AsyncAPI operation `{op_id}`"))
                    .with_did_you_mean(op_id, known);
                self.report(d);
                None
            }
            [first, ..] => {
                self.report(
                    Diagnostic::error(
                        id.span,
                        format!("several AsyncAPI sources have an operation `{op_id}`"),
                    )
                    .with_help(format!(
                        "name its source: `$sourceDescriptions.{}.{op_id}`",
                        asyncs[first.0].0
                    )),
                );
                None
            }
        }
    }

    /// The channel a `channelPath` names: `{$sourceDescriptions.<source>.url}#/channels/<key>`.
    /// A bare channel key that exactly one AsyncAPI source has is read as that channel, with a
    /// warning that says how to write it.
    fn channel_path(&mut self, path: &Spanned<String>) -> Option<(usize, usize)> {
        let asyncs: &'a [(String, AsyncApi<'a>)] = self.asyncs;
        let text = path.value.as_str();
        let form = "a channelPath is `{$sourceDescriptions.<source>.url}#/channels/<channel>`";
        if let Some(rest) = text.strip_prefix("{$sourceDescriptions.") {
            let parsed = rest.split_once(".url}#").and_then(|(source, pointer)| {
                let key = pointer.strip_prefix("/channels/")?;
                Some((source, key.replace("~1", "/").replace("~0", "~")))
            });
            let Some((source, key)) = parsed else {
                self.report(
                    Diagnostic::error(path.span, format!("invalid channelPath `{text}`"))
                        .with_help(form),
                );
                return None;
            };
            let index = match asyncs.iter().position(|(name, _)| name == source) {
                Some(index) => index,
                None if self.source_fields.get(source).map(|(_, kind)| *kind)
                    == Some(SourceKind::AsyncApi) =>
                {
                    return None;
                }
                None => {
                    self.report(
                        Diagnostic::error(
                            path.span,
                            format!("`{source}` is not an AsyncAPI source of this document"),
                        )
                        .with_did_you_mean(source, asyncs.iter().map(|(n, _)| n.as_str())),
                    );
                    return None;
                }
            };
            let api = &asyncs[index].1;
            return match api.channel_by_key(&key) {
                Some(channel) => Some((index, channel)),
                None => {
                    self.report(
                        Diagnostic::error(
                            path.span,
                            format!("source `{source}` has no channel `{key}`"),
                        )
                        .with_did_you_mean(&key, api.channels.iter().map(|c| c.key.as_str())),
                    );
                    None
                }
            };
        }
        let found: Vec<(usize, usize)> = asyncs
            .iter()
            .enumerate()
            .filter_map(|(i, (_, api))| api.channel_by_key(text).map(|c| (i, c)))
            .collect();
        if let [(source, channel)] = found.as_slice() {
            self.report(
                Diagnostic::dialect(
                    path.span,
                    format!("channelPath `{text}` names a channel without its source"),
                    "read as the channel of that key",
                )
                .write_instead(format!(
                    "{{$sourceDescriptions.{}.url}}#/channels/{}",
                    asyncs[*source].0,
                    text.replace('~', "~0").replace('/', "~1")
                )),
            );
            return Some((*source, *channel));
        }
        if self.asyncs.is_empty() && self.diagnostics.has_errors() {
            return None;
        }
        self.report(
            Diagnostic::error(path.span, format!("invalid channelPath `{text}`")).with_help(form),
        );
        None
    }

    /// A message step's parameters: `in: header` (a header of the sent message) or `in: path`
    /// (a `{name}` of the channel's address), on a `send` step only. The workflow's `parameters`
    /// go to its HTTP requests, not with messages (a warning says so).
    pub(super) fn message_parameters(
        &mut self,
        scope: &WorkflowScope,
        workflow_parameters: Option<&Node>,
        step: &Step<'_>,
        target: &MessageTarget<'_>,
    ) -> Option<MessageParams> {
        if let Some(list) = workflow_parameters.filter(|l| !l.items().is_empty()) {
            self.report(
                Diagnostic::warning(
                    target_span(step),
                    "the workflow's `parameters` are not sent with this step's message",
                )
                .with_related(list.span, "they go to the workflow's HTTP requests")
                .with_help("give a message's headers as the step's own `in: header` parameters"),
            );
        }
        let Some(list) = step.parameters else {
            return Some(Vec::new());
        };
        let Value::Seq(items) = &list.value else {
            self.report(Diagnostic::error(
                list.span,
                format!("`parameters` must be a sequence, found {}", list.kind()),
            ));
            return None;
        };
        let context = message_context();
        let channel = &self.asyncs[target.source].1.channels[target.channel];
        let address = channel.address.as_deref().unwrap_or(&channel.key);
        let mut channel_parameters: Vec<String> = super::message_addresses::address_pieces(address)
            .into_iter()
            .filter(|(is_param, _)| *is_param)
            .map(|(_, name)| name)
            .collect();
        for declared in &channel.parameters {
            if !channel_parameters.contains(&declared.name) {
                channel_parameters.push(declared.name.clone());
            }
        }
        let mut plans = Vec::new();
        let mut ok = true;
        for node in items {
            let Some(written) = self.written(node) else {
                ok = false;
                continue;
            };
            let location = match written
                .location
                .as_ref()
                .map(|(text, span)| (text.as_str(), *span))
            {
                Some(("header", span)) if target.action == Action::Receive => {
                    self.report(
                        Diagnostic::error(span, "a step that receives sends no headers")
                            .with_help("headers go on the step that sends; a receive step matches its message with `correlationId` and `successCriteria`"),
                    );
                    ok = false;
                    continue;
                }
                Some(("header", _)) => ParamLocation::Header,
                Some(("path", span)) => {
                    if !channel_parameters.contains(&written.name) {
                        self.report(
                            Diagnostic::error(
                                span,
                                format!(
                                    "the channel `{}` has no parameter `{}`",
                                    channel.key, written.name
                                ),
                            )
                            .with_did_you_mean(
                                &written.name,
                                channel_parameters.iter().map(String::as_str),
                            ),
                        );
                        ok = false;
                        continue;
                    }
                    ParamLocation::Path
                }
                Some((other, span)) => {
                    self.report(
                        Diagnostic::error(span, format!("a message has no `{other}` parameters"))
                            .with_help("a parameter of an AsyncAPI step is `in: header` (a message header) or `in: path` (a `{name}` of the channel's address)"),
                    );
                    ok = false;
                    continue;
                }
                None => {
                    self.report(
                        Diagnostic::error(written.span, format!("parameter `{}` has no `in`", written.name))
                            .with_help("a parameter of an AsyncAPI step says where it goes: `in: header` (or `in: path` for a channel parameter)"),
                    );
                    ok = false;
                    continue;
                }
            };
            let Some(value_node) = written.value else {
                self.report(Diagnostic::error(
                    written.span,
                    format!("parameter `{}` has no `value`", written.name),
                ));
                ok = false;
                continue;
            };
            match self.value_plan(scope, Ctx::Request(&context), value_node) {
                Some(value) => plans.push((written.name.clone(), location, value)),
                None => ok = false,
            }
        }
        ok.then_some(plans)
    }

    /// A `receive` step's `correlationId`: a runtime expression or a literal, bound; and every
    /// message it may match must say where its correlation id is.
    pub(super) fn correlation(
        &mut self,
        scope: &WorkflowScope,
        step: &Step<'_>,
        target: &MessageTarget<'_>,
    ) -> Option<Option<ValuePlan>> {
        let Some(id) = &step.correlation_id else {
            return Some(None);
        };
        if let Some(message) = target
            .messages
            .iter()
            .find(|m| m.correlation_location.is_none())
        {
            self.report(
                Diagnostic::error(
                    id.span,
                    format!(
                        "the message `{}` declares no `correlationId`, so there is nothing to match `{}` against",
                        message.name, id.value
                    ),
                )
                .with_help("give the message a `correlationId` with a `location` (e.g. `$message.header#/requestId`) in the AsyncAPI description, or remove `correlationId` here"),
            );
            return None;
        }
        let context = message_context();
        let node = Node {
            value: Value::Str(id.value.clone()),
            span: id.span,
        };
        self.value_plan(scope, Ctx::Request(&context), &node)
            .map(Some)
    }

    /// A `receive` step has no body to send.
    pub(super) fn no_receive_body(&mut self, step: &Step<'_>, target: &MessageTarget<'_>) -> bool {
        match (&step.request_body, target.action) {
            (Some(body), Action::Receive) => {
                self.report(
                    Diagnostic::error(body.span, "a step that receives sends no `requestBody`")
                        .with_help("the message's payload goes on the step that sends it"),
                );
                false
            }
            _ => true,
        }
    }

    /// A message step's plan: its message, criteria, actions and outputs. `None` when a
    /// problem was reported.
    pub(super) fn message_step(
        &mut self,
        scope: &WorkflowScope,
        workflow: &Workflow<'_>,
        step: &Step<'_>,
        var: String,
        outputs_type: ItemPath,
    ) -> Option<StepPlan> {
        let errors = self.error_count();
        let target = self.message_target(step)?;
        let body_ok = self.no_receive_body(step, &target);
        let params = self.message_parameters(scope, workflow.parameters, step, &target);
        let correlation = self.correlation(scope, step, &target);
        let payload = self.message_payload(scope, step);
        let correlation = match correlation? {
            Some(value) => Some(self.correlation_place(step, &target, value)?),
            None => None,
        };
        let (params, payload) = (params?, payload?);
        let address =
            self.message_address(step, &target, &params, payload.as_ref().map(|p| &p.0))?;
        let schemas: &'a [OpenApi<'a>] = self.async_schemas;
        let payload = match payload.filter(|_| body_ok) {
            Some((value, node)) => Some(self.payload_plan(
                step,
                &schemas[target.source],
                &target.messages,
                node,
                value,
            )?),
            None => None,
        };
        self.message_fits(step, &target, &params);
        self.text_reads(step, &target);
        if !body_ok || self.error_count() > errors {
            return None;
        }
        let context = StepContext {
            message: true,
            ..message_context()
        };
        let mut success = Vec::new();
        let mut written = Vec::new();
        for criterion in &step.success_criteria {
            if let Some((plan, _)) = self.criterion(scope, &context, criterion) {
                success.push(plan);
                written.push(criterion.condition.value.clone());
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
        let text = target.action == Action::Receive
            && target.messages.first().is_some_and(|m| !is_json_message(m));
        let schema = target.messages.first().and_then(|m| m.payload);
        let sole = target.messages.len() == 1;
        let outputs =
            self.operation_outputs(scope, &context, step, &schemas[target.source], schema, sole);
        let receive = target.action == Action::Receive;
        let headers = params
            .into_iter()
            .filter(|(_, location, _)| *location == ParamLocation::Header)
            .map(|(name, _, value)| (name, value))
            .collect();
        Some(StepPlan {
            id: step.id.value.clone(),
            outputs_type,
            description: step.description.clone(),
            kind: StepKind::Message(MessagePlan {
                broker: target.source,
                action: target.action,
                operation_id: target.operation_id,
                address,
                headers,
                payload,
                correlation,
                inbox: receive.then(|| format!("inbox_{var}")),
                text,
                timeout: step.timeout.as_ref().map(|t| t.value),
            }),
            var,
            always_runs: false,
            success,
            criteria_1_1: (self.version >= Version::V1_1).then_some(written),
            decode: super::decoding::decode_plan(&outputs, |_| true),
            kept: None,
            outputs,
            on_success,
            on_failure,
            standalone: None,
        })
    }

    /// What a `send` step's headers must be to fit its message: each of the kind its
    /// `headers` schema declares, every header it requires given (errors), and none it does
    /// not declare (a warning: it is sent anyway).
    fn message_fits(
        &mut self,
        step: &Step<'_>,
        target: &MessageTarget<'a>,
        params: &MessageParams,
    ) {
        let Some(message) = target
            .messages
            .first()
            .filter(|_| target.action == Action::Send)
        else {
            return;
        };
        if message.headers.is_none() {
            return;
        }
        let declared: Vec<&str> = message
            .headers
            .and_then(|h| h.get("properties"))
            .map(|p| p.entries().iter().map(|(k, _)| k.name.as_str()).collect())
            .unwrap_or_default();
        let span = step.parameters.map_or(step.span, |p| p.span);
        let sole = target.messages.len() == 1;
        let schemas: &'a [OpenApi<'a>] = self.async_schemas;
        let api = &schemas[target.source];
        for (name, location, value) in params {
            if *location != ParamLocation::Header {
                continue;
            }
            if !declared.iter().any(|d| d.eq_ignore_ascii_case(name)) {
                self.report(
                    Diagnostic::warning(
                        span,
                        format!(
                            "the message `{}` declares no header `{name}`; it is sent anyway",
                            message.name
                        ),
                    )
                    .with_did_you_mean(name, declared.iter().copied()),
                );
            } else if sole {
                let at = param_span(step, name).unwrap_or(span);
                self.header_fits(api, message, name, value, at);
            }
        }
        let given: Vec<&str> = params
            .iter()
            .filter(|(_, location, _)| *location == ParamLocation::Header)
            .map(|(name, _, _)| name.as_str())
            .collect();
        let missing = Self::missing_headers(message, &given);
        if sole && !missing.is_empty() {
            let names = missing
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            self.report(
                Diagnostic::error(
                    span,
                    format!(
                        "the message `{}` requires the header{} {names}, which this step does not send",
                        message.component.as_deref().unwrap_or(&message.name),
                        if missing.len() == 1 { "" } else { "s" }
                    ),
                )
                .with_help(format!(
                    "add `{{name: {}, in: header, value: …}}` to the step's `parameters`",
                    missing[0]
                )),
            );
        }
    }

    /// A received message whose content type is not JSON is read as text: its outputs read
    /// `$message.payload` whole, not a member of it.
    fn text_reads(&mut self, step: &Step<'_>, target: &MessageTarget<'_>) {
        let Some(message) = target
            .messages
            .first()
            .filter(|m| target.action == Action::Receive && !is_json_message(m))
        else {
            return;
        };
        for output in &step.outputs {
            let text = output.expression.value.as_str();
            if text.starts_with("$message.payload#/") || text.starts_with("$message.payload.") {
                self.report(
                    Diagnostic::error(
                        output.expression.span,
                        format!(
                            "the message `{}` is `{}`, read as text: it has no members to point into",
                            message.name,
                            message.content_type.as_deref().unwrap_or_default()
                        ),
                    )
                    .with_help("read the whole payload, `$message.payload`, as a string"),
                );
            }
        }
    }

    /// A sent message's payload: `requestBody.payload`, bound like any JSON template, with the
    /// node it is written in.
    fn message_payload<'s>(
        &mut self,
        scope: &WorkflowScope,
        step: &Step<'s>,
    ) -> Option<Option<(ValuePlan, &'s Node)>> {
        let Some(body) = &step.request_body else {
            return Some(None);
        };
        if let Some(replacements) = body.replacements {
            self.report(super::unsupported(
                replacements.span,
                "`replacements` in the payload of a message",
            ));
            return None;
        }
        let Some(payload) = body.payload else {
            return Some(None);
        };
        let context = message_context();
        self.value_plan(scope, Ctx::Request(&context), payload)
            .map(|value| Some((value, payload)))
    }

    /// Where a received message's correlation id is: the messages' `correlationId.location`,
    /// `$message.header#/<name>` or `$message.payload#/<pointer>`, the same for each message.
    fn correlation_place(
        &mut self,
        step: &Step<'_>,
        target: &MessageTarget<'_>,
        value: ValuePlan,
    ) -> Option<CorrelationPlan> {
        let span = step.correlation_id.as_ref().map_or(step.span, |c| c.span);
        let locations: Vec<&str> = target
            .messages
            .iter()
            .filter_map(|m| m.correlation_location.as_deref())
            .collect();
        let &location = locations.first()?;
        if locations.iter().any(|other| *other != location) {
            self.report(
                Diagnostic::error(span, "the messages this step may receive keep their correlation ids in different places")
                    .with_help("give the channel's messages one `correlationId.location`"),
            );
            return None;
        }
        let place = location
            .strip_prefix("$message.header#/")
            .map(|name| (true, name.replace("~1", "/").replace("~0", "~")))
            .or_else(|| {
                location
                    .strip_prefix("$message.payload#")
                    .filter(|p| p.is_empty() || p.starts_with('/'))
                    .map(|pointer| (false, pointer.to_owned()))
            });
        let Some((in_header, at)) = place else {
            self.report(
                Diagnostic::error(span, format!("the message's correlation id is at `{location}`, which this generator does not read"))
                    .with_help("a `correlationId.location` is `$message.header#/<name>` or `$message.payload#/<pointer>`"),
            );
            return None;
        };
        if let Some(message) = target.messages.iter().find(|m| !is_json_message(m))
            && !in_header
        {
            self.report(
                Diagnostic::error(span, format!("the message `{}` is `{}`, read as text, and its correlation id is at `{location}` inside a JSON payload", message.name, message.content_type.as_deref().unwrap_or_default()))
                    .with_help("a text message carries its correlation id in a header: `$message.header#/<name>`"),
            );
            return None;
        }
        Some(CorrelationPlan {
            in_header,
            at,
            value,
        })
    }
}

/// Where a problem with the step's parameter `name` is shown: its `value`.
pub(super) fn param_span(step: &Step<'_>, name: &str) -> Option<crate::files::Span> {
    step.parameters?
        .items()
        .iter()
        .find(|p| p.get("name").and_then(Node::as_str) == Some(name))
        .map(|p| p.get("value").map_or(p.span, |v| v.span))
}

/// True when a message's payload is JSON: its content type says so, or it says none.
pub(super) fn is_json_message(message: &Message<'_>) -> bool {
    message
        .content_type
        .as_deref()
        .is_none_or(crate::model::openapi::is_json)
}

/// What a message step's values may read while its message is built: no exchange of its own.
fn message_context() -> StepContext {
    StepContext {
        method: String::new(),
        body_type: None,
        structured_body: false,
        params: Vec::new(),
        message: false,
    }
}
