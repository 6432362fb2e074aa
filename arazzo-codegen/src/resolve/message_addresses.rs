//! A message step's channel address, its `{parameters}` bound (AsyncAPI 3.0 channel
//! `parameters`, an address like `orders/{orderId}`).
//!
//! Each `{name}` takes, in this order: the step's `in: path` parameter of that name (as an
//! OpenAPI path template takes its path parameters); on a `send` step, the value the step puts
//! where the AsyncAPI parameter's `location` says (`$message.payload#/<pointer>` into the
//! payload it writes, or `$message.header#/<name>` among its header parameters); the
//! parameter's `default`. Nothing there is a located error. A receive step's inbox is opened
//! when the workflow run starts, so its address may only read the workflow's inputs and
//! constants.

use crate::diagnostic::Diagnostic;
use crate::model::arazzo::Step;
use crate::model::asyncapi::{Action, ChannelParameter};
use crate::plan::{AddressPart, AddressPlan, ParamLocation, Place, TemplatePart, ValuePlan};

use super::messages::{MessageParams, MessageTarget};
use super::{Resolver, target_span};

/// An address's pieces: text, and `{name}`s (`true`).
pub(super) fn address_pieces(address: &str) -> Vec<(bool, String)> {
    let mut pieces = Vec::new();
    let mut rest = address;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        if open > 0 {
            pieces.push((false, rest[..open].to_owned()));
        }
        pieces.push((true, rest[open + 1..close].to_owned()));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() || pieces.is_empty() {
        pieces.push((false, rest.to_owned()));
    }
    pieces
}

impl Resolver<'_, '_> {
    /// The channel's address (its key when it has none), each `{name}` bound to its value.
    pub(super) fn message_address(
        &mut self,
        step: &Step<'_>,
        target: &MessageTarget<'_>,
        params: &MessageParams,
        payload: Option<&ValuePlan>,
    ) -> Option<AddressPlan> {
        let channel = &self.asyncs[target.source].1.channels[target.channel];
        let written = channel
            .address
            .clone()
            .unwrap_or_else(|| channel.key.clone());
        let declared = channel.parameters.clone();
        let key = channel.key.clone();
        let mut parts = Vec::new();
        let mut ok = true;
        for (is_param, text) in address_pieces(&written) {
            if !is_param {
                parts.push(AddressPart::Text(text));
                continue;
            }
            let parameter = declared.iter().find(|p| p.name == text);
            let given = params
                .iter()
                .find(|(name, location, _)| *location == ParamLocation::Path && *name == text)
                .map(|(_, _, value)| value.clone());
            let located = match (target.action, parameter) {
                (Action::Send, Some(parameter)) => located(parameter, params, payload),
                _ => None,
            };
            let defaulted = parameter
                .and_then(|p| p.default.clone())
                .map(ValuePlan::Str);
            let Some(value) = given.or(located).or(defaulted) else {
                let how = match parameter.and_then(|p| p.location.as_deref()) {
                    Some(location) if target.action == Action::Send => format!(
                        "add the parameter `{{name: {text}, in: path, value: …}}` to the step, or put its value in the message at `{location}`"
                    ),
                    _ => format!(
                        "add the parameter `{{name: {text}, in: path, value: …}}` to the step"
                    ),
                };
                self.report(
                    Diagnostic::error(
                        target_span(step),
                        format!("nothing gives the parameter `{text}` of the channel `{key}`'s address `{written}`"),
                    )
                    .with_help(how),
                );
                ok = false;
                continue;
            };
            if !self.parameter_fits(step, target, &key, &text, parameter, &value) {
                ok = false;
                continue;
            }
            parts.push(AddressPart::Param { name: text, value });
        }
        ok.then_some(AddressPlan { written, parts })
    }

    /// A parameter's value is one of its `enum`, when it is a literal; and a receive step's is
    /// known when the workflow run starts. False when not (reported).
    fn parameter_fits(
        &mut self,
        step: &Step<'_>,
        target: &MessageTarget<'_>,
        channel: &str,
        name: &str,
        parameter: Option<&ChannelParameter>,
        value: &ValuePlan,
    ) -> bool {
        let span = super::messages::param_span(step, name).unwrap_or_else(|| target_span(step));
        if let (ValuePlan::Str(text), Some(parameter)) = (value, parameter)
            && !parameter.allowed.is_empty()
            && !parameter.allowed.contains(text)
        {
            self.report(
                Diagnostic::error(
                    span,
                    format!("`{text}` is not one of the values of the parameter `{name}` of the channel `{channel}`"),
                )
                .with_suggestion_or(
                    text,
                    parameter.allowed.iter().map(String::as_str),
                    "did you mean `{}`?",
                    format!("its `enum`: {}", parameter.allowed.join(", ")),
                ),
            );
            return false;
        }
        if target.action == Action::Receive
            && let Some(expression) = unknown_at_start(value)
        {
            self.report(
                Diagnostic::error(
                    span,
                    format!("the address of the channel `{channel}` reads `{expression}`, which is not known when the workflow run starts"),
                )
                .with_label("a receive step listens from the start of the run, so that no message is missed")
                .with_help("fill a receive step's channel parameters from the workflow's inputs or constants"),
            );
            return false;
        }
        true
    }
}

/// On a `send` step, the value the step puts where the parameter's `location` says: the
/// payload's member at `$message.payload#/<pointer>`, or the header `$message.header#/<name>`.
fn located(
    parameter: &ChannelParameter,
    params: &MessageParams,
    payload: Option<&ValuePlan>,
) -> Option<ValuePlan> {
    let location = parameter.location.as_deref()?;
    let unescape = |token: &str| token.replace("~1", "/").replace("~0", "~");
    if let Some(name) = location.strip_prefix("$message.header#/") {
        let name = unescape(name);
        return params
            .iter()
            .find(|(n, l, _)| *l == ParamLocation::Header && n.eq_ignore_ascii_case(&name))
            .map(|(_, _, value)| value.clone());
    }
    let pointer = location.strip_prefix("$message.payload#")?;
    let mut value = payload?;
    for token in pointer.split('/').skip(1) {
        let token = unescape(token);
        value = match value {
            ValuePlan::Object(entries) => &entries.iter().find(|(name, _)| *name == token)?.1,
            ValuePlan::Array(items) => items.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(value.clone())
}

/// The first expression a value reads that is not known when the workflow run starts: what
/// is neither an input nor a constant.
fn unknown_at_start(value: &ValuePlan) -> Option<&str> {
    let known = |place: &Place| {
        matches!(
            place,
            Place::Input { .. } | Place::Const(_) | Place::SourceUrl(_)
        )
    };
    match value {
        ValuePlan::Ref(r) => (!known(&r.place)).then_some(r.expression.as_str()),
        ValuePlan::Template(parts) => parts.iter().find_map(|part| match part {
            TemplatePart::Value(r) if !known(&r.place) => Some(r.expression.as_str()),
            _ => None,
        }),
        ValuePlan::Array(items) => items.iter().find_map(unknown_at_start),
        ValuePlan::Object(entries) => entries.iter().find_map(|(_, v)| unknown_at_start(v)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::address_pieces;

    #[test]
    fn addresses_split_into_text_and_parameters() {
        assert_eq!(address_pieces("orders"), [(false, "orders".to_owned())]);
        assert_eq!(
            address_pieces("users/{userId}/orders/{orderId}"),
            [
                (false, "users/".to_owned()),
                (true, "userId".to_owned()),
                (false, "/orders/".to_owned()),
                (true, "orderId".to_owned()),
            ]
        );
        assert_eq!(address_pieces("{id}"), [(true, "id".to_owned())]);
        assert_eq!(address_pieces("a{b"), [(false, "a{b".to_owned())]);
    }
}
