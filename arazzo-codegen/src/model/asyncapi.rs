//! The parts of an AsyncAPI 3.0 description that workflows need: operations (`action`,
//! `channel`, `messages`, `reply`), channels (`address`, `parameters`), messages (`payload` and
//! `headers` schemas, `contentType`, `correlationId.location`) and the first server (`host`,
//! `protocol`, and the security schemes of its `security`).
//!
//! Like [`super::openapi`], the description stays a [`Node`] tree; the operations and channels
//! are indexed up front, following local `$ref`s. AsyncAPI 2.x, whose operations are shaped
//! differently (`publish`/`subscribe` under channels), is reported as a located error.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::files::Span;
use crate::node::{Node, Value};

/// What an AsyncAPI operation (or an Arazzo step) does with its channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Publishes a message.
    Send,
    /// Waits for a message.
    Receive,
}

impl Action {
    /// The action a document's text names.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "send" => Some(Self::Send),
            "receive" => Some(Self::Receive),
            _ => None,
        }
    }

    /// As a document writes it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Send => "send",
            Self::Receive => "receive",
        }
    }
}

/// One message a channel or an operation carries.
#[derive(Clone, Debug)]
pub(crate) struct Message<'a> {
    /// Its key in the channel's `messages` (or the last token of its `$ref`).
    pub name: String,
    /// The name under `components/messages` its `$ref`s lead to, if they lead there.
    pub component: Option<String>,
    /// `payload`: the JSON Schema of the payload, if given.
    pub payload: Option<&'a Node>,
    /// `headers`: the JSON Schema (an object) of the headers, if given.
    pub headers: Option<&'a Node>,
    /// `contentType`, else the document's `defaultContentType`.
    pub content_type: Option<String>,
    /// `correlationId.location`, e.g. `$message.header#/orderRequestId`.
    pub correlation_location: Option<String>,
}

/// One channel.
#[derive(Clone, Debug)]
pub(crate) struct Channel<'a> {
    /// Its key under `channels`.
    pub key: String,
    /// `address`: the topic or subject; the key when absent (AsyncAPI: unknown or dynamic).
    pub address: Option<String>,
    /// Its `parameters` (the `{name}`s of its address), in document order.
    pub parameters: Vec<ChannelParameter>,
    /// Its messages, in document order.
    pub messages: Vec<Message<'a>>,
}

/// A channel's parameter: a `{name}` of its address.
#[derive(Clone, Debug)]
pub(crate) struct ChannelParameter {
    /// Its key under the channel's `parameters`.
    pub name: String,
    /// `location`: where a message carries the value, e.g. `$message.payload#/user/id`.
    pub location: Option<String>,
    /// `default`: the value when nothing else gives one.
    pub default: Option<String>,
    /// `enum`: the values it may take (empty: any).
    pub allowed: Vec<String>,
}

/// What answers an operation: `reply`.
#[derive(Clone, Debug)]
pub(crate) struct Reply<'a> {
    /// Index into [`AsyncApi::channels`], when the reply names a channel.
    pub channel: Option<usize>,
    /// Its messages; the reply channel's when the reply lists none.
    pub messages: Vec<Message<'a>>,
}

/// One operation.
#[derive(Clone, Debug)]
pub(crate) struct AsyncOperation<'a> {
    /// Its key under `operations`: its operationId.
    pub id: String,
    /// `action`, from the described application's side (a step's own `action` says what the
    /// workflow does).
    // The model keeps what the document says; a step's `action` decides.
    #[allow(dead_code)]
    pub action: Action,
    /// Index into [`AsyncApi::channels`].
    pub channel: usize,
    /// `messages`; the channel's when the operation lists none.
    pub messages: Vec<Message<'a>>,
    /// `reply`.
    pub reply: Option<Reply<'a>>,
    /// `summary` or `description`.
    // The model keeps what the document says; nothing reads it yet.
    #[allow(dead_code)]
    pub summary: Option<String>,
}

/// The first server: how a transport reaches the broker, and how it may log in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Server {
    /// `protocol`: `kafka`, `mqtt`, `nats`, …
    pub protocol: String,
    /// `host`: `host:port`.
    pub host: String,
    /// `security`: the schemes a client may log in with (any one of them will do).
    pub security: Vec<SecurityScheme>,
    /// Where `security` is written.
    pub security_span: Option<Span>,
}

/// A security scheme that a server lists under `security` (an AsyncAPI 3.0 Security Scheme
/// Object, usually a `$ref` to `components.securitySchemes`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SecurityScheme {
    /// Its key under `components.securitySchemes` (the last token of the `$ref`); `None` for
    /// a scheme written in place.
    pub name: Option<String>,
    /// `type`: `userPassword`, `apiKey`, `plain`, `scramSha256`, `scramSha512`, `X509`, …
    /// (empty when absent).
    pub kind: String,
    /// `in`, for `apiKey`: `user` or `password`.
    pub location: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// Where it is written (its `$ref`, or the scheme).
    pub span: Span,
}

/// An AsyncAPI 3.0 description, indexed by operation and channel.
#[derive(Debug)]
pub(crate) struct AsyncApi<'a> {
    /// The whole document.
    pub root: &'a Node,
    /// Every channel, in document order.
    pub channels: Vec<Channel<'a>>,
    /// Every operation, in document order.
    pub operations: Vec<AsyncOperation<'a>>,
    /// The first server, if the description has one.
    pub server: Option<Server>,
}

impl<'a> AsyncApi<'a> {
    /// Indexes a description. Reports a document that is not AsyncAPI 3.x.
    pub(crate) fn read(root: &'a Node, diagnostics: &mut Diagnostics) -> Option<Self> {
        match root.get("asyncapi") {
            Some(version) if version.as_str().is_some_and(|v| v.starts_with("3.")) => {}
            Some(version) => {
                diagnostics.push(
                    Diagnostic::error(version.span, "unsupported AsyncAPI version")
                        .with_label("AsyncAPI 2.x describes operations under channels")
                        .with_help("this generator reads AsyncAPI 3.0 descriptions; convert this one to 3.0 (e.g. with the AsyncAPI converter)"),
                );
                return None;
            }
            None => {
                diagnostics.push(
                    Diagnostic::error(
                        root.span,
                        "this is not an AsyncAPI 3.0 description: it has no `asyncapi` field",
                    )
                    .with_help("a source of `type: asyncapi` is an AsyncAPI 3.0 description"),
                );
                return None;
            }
        }
        let mut api = Self {
            root,
            channels: Vec::new(),
            operations: Vec::new(),
            server: None,
        };
        let default_type = root
            .get("defaultContentType")
            .and_then(Node::as_str)
            .map(str::to_owned);
        if let Some(channels) = root.get("channels") {
            for (key, node) in channels.entries() {
                let node = api.resolve(node);
                let channel = api.channel(&key.name, node, default_type.as_deref());
                api.channels.push(channel);
            }
        }
        if let Some(operations) = root.get("operations") {
            for (key, node) in operations.entries() {
                let node = api.resolve(node);
                if let Some(operation) =
                    api.operation(&key.name, node, default_type.as_deref(), diagnostics)
                {
                    api.operations.push(operation);
                }
            }
        }
        api.server = root
            .get("servers")
            .and_then(|servers| servers.entries().first())
            .map(|(_, server)| api.resolve(server))
            .and_then(|server| {
                Some(Server {
                    protocol: server.get("protocol")?.as_str()?.to_owned(),
                    host: server.get("host")?.as_str()?.to_owned(),
                    security: server
                        .get("security")
                        .map(|list| list.items().iter().map(|s| api.scheme(s)).collect())
                        .unwrap_or_default(),
                    security_span: server.get("security").map(|list| list.span),
                })
            });
        Some(api)
    }

    /// The operation whose key is `id`.
    pub(crate) fn operation_by_id(&self, id: &str) -> Option<&AsyncOperation<'a>> {
        self.operations.iter().find(|op| op.id == id)
    }

    /// The channel whose key is `key`.
    pub(crate) fn channel_by_key(&self, key: &str) -> Option<usize> {
        self.channels.iter().position(|c| c.key == key)
    }

    /// Follows local `$ref`s until a node that is not a reference; stops (returning the last
    /// node) at a remote reference, a dangling one or a cycle.
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

    /// One entry of a server's `security`.
    fn scheme(&self, node: &Node) -> SecurityScheme {
        let name = node
            .get("$ref")
            .and_then(Node::as_str)
            .and_then(|r| r.rsplit('/').next())
            .map(|name| name.replace("~1", "/").replace("~0", "~"));
        let scheme = self.resolve(node);
        let text = |key: &str| scheme.get(key).and_then(Node::as_str).map(str::to_owned);
        SecurityScheme {
            name,
            kind: text("type").unwrap_or_default(),
            location: text("in"),
            description: text("description"),
            span: node.span,
        }
    }

    fn channel(&self, key: &str, node: &'a Node, default_type: Option<&str>) -> Channel<'a> {
        let messages = node
            .get("messages")
            .map(|messages| {
                messages
                    .entries()
                    .iter()
                    .map(|(name, message)| self.message(&name.name, message, default_type))
                    .collect()
            })
            .unwrap_or_default();
        Channel {
            key: key.to_owned(),
            address: node
                .get("address")
                .and_then(Node::as_str)
                .map(str::to_owned),
            parameters: node
                .get("parameters")
                .map(|p| {
                    p.entries()
                        .iter()
                        .map(|(key, parameter)| self.parameter(&key.name, parameter))
                        .collect()
                })
                .unwrap_or_default(),
            messages,
        }
    }

    fn parameter(&self, name: &str, node: &Node) -> ChannelParameter {
        let node = self.resolve(node);
        let text = |key: &str| node.get(key).and_then(Node::as_str).map(str::to_owned);
        ChannelParameter {
            name: name.to_owned(),
            location: text("location"),
            default: text("default"),
            allowed: node
                .get("enum")
                .map(|values| {
                    values
                        .items()
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    fn message(&self, name: &str, node: &'a Node, default_type: Option<&str>) -> Message<'a> {
        let component = self.component_message(node);
        let node = self.resolve(node);
        Message {
            name: name.to_owned(),
            component,
            payload: node.get("payload").map(|p| self.resolve(p)),
            headers: node.get("headers").map(|h| self.resolve(h)),
            content_type: node
                .get("contentType")
                .and_then(Node::as_str)
                .or(default_type)
                .map(str::to_owned),
            correlation_location: node
                .get("correlationId")
                .map(|c| self.resolve(c))
                .and_then(|c| c.get("location"))
                .and_then(Node::as_str)
                .map(str::to_owned),
        }
    }

    /// The last `#/components/messages/<name>` that the `$ref`s from `node` go through.
    fn component_message(&self, mut node: &'a Node) -> Option<String> {
        let mut found = None;
        for _ in 0..32 {
            let Some(target) = node.get("$ref").and_then(Node::as_str) else {
                break;
            };
            if let Some(name) = target.strip_prefix("#/components/messages/") {
                found = Some(name.replace("~1", "/").replace("~0", "~"));
            }
            match target.strip_prefix('#').and_then(|p| self.root.pointer(p)) {
                Some(next) => node = next,
                None => break,
            }
        }
        found
    }

    /// The channel a `channel: {$ref: '#/channels/…'}` names, by its key.
    fn channel_ref(&self, node: &Node) -> Option<usize> {
        let target = node.get("$ref")?.as_str()?;
        let key = target.strip_prefix("#/channels/")?;
        self.channel_by_key(&key.replace("~1", "/").replace("~0", "~"))
    }

    /// An operation's (or a reply's) `messages`: each a `$ref` into a channel's messages (or
    /// components); the channel's own when none are listed.
    fn messages_of(
        &self,
        node: &'a Node,
        channel: Option<usize>,
        default_type: Option<&str>,
    ) -> Vec<Message<'a>> {
        match node.get("messages").map(|m| &m.value) {
            Some(Value::Seq(items)) if !items.is_empty() => items
                .iter()
                .map(|item| {
                    let name = item
                        .get("$ref")
                        .and_then(Node::as_str)
                        .and_then(|r| r.rsplit('/').next())
                        .unwrap_or("message")
                        .replace("~1", "/")
                        .replace("~0", "~");
                    self.message(&name, item, default_type)
                })
                .collect(),
            _ => channel
                .map(|c| self.channels[c].messages.clone())
                .unwrap_or_default(),
        }
    }

    fn operation(
        &self,
        id: &str,
        node: &'a Node,
        default_type: Option<&str>,
        diagnostics: &mut Diagnostics,
    ) -> Option<AsyncOperation<'a>> {
        let action = node.get("action");
        let Some(action) = action.and_then(Node::as_str).and_then(Action::parse) else {
            diagnostics.push(
                Diagnostic::error(
                    action.map_or(node.span, |a| a.span),
                    format!("operation `{id}` has no `action` of `send` or `receive`"),
                )
                .with_help("an AsyncAPI 3.0 operation's `action` is `send` or `receive`"),
            );
            return None;
        };
        let channel_node = node.get("channel");
        let Some(channel) = channel_node.and_then(|c| self.channel_ref(c)) else {
            diagnostics.push(
                Diagnostic::error(
                    channel_node.map_or(node.span, |c| c.span),
                    format!("operation `{id}` does not name a channel of this description"),
                )
                .with_help("an operation's `channel` is `$ref: '#/channels/<key>'`"),
            );
            return None;
        };
        let messages = self.messages_of(node, Some(channel), default_type);
        let reply = node.get("reply").map(|reply| {
            let reply = self.resolve(reply);
            let channel = reply.get("channel").and_then(|c| self.channel_ref(c));
            Reply {
                channel,
                messages: self.messages_of(reply, channel, default_type),
            }
        });
        Some(AsyncOperation {
            id: id.to_owned(),
            action,
            channel,
            messages,
            reply,
            summary: node
                .get("summary")
                .or_else(|| node.get("description"))
                .and_then(Node::as_str)
                .map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::Files;

    fn read(text: &str) -> (Option<usize>, Diagnostics, Node) {
        let mut files = Files::default();
        let id = files.add("a.yml".into(), "a.yml".into(), text.to_owned());
        let node = crate::node::parse(&files, id).expect("parses");
        let mut diagnostics = Diagnostics::default();
        let count = AsyncApi::read(&node, &mut diagnostics).map(|api| api.operations.len());
        (count, diagnostics, node)
    }

    const PETS: &str = "asyncapi: 3.0.0
servers:
  k:
    host: 'localhost:9092'
    protocol: kafka
    security: [{$ref: '#/components/securitySchemes/scram'}, {type: apiKey, in: user}]
channels:
  place: {address: place-order, messages: {m: {$ref: '#/components/messages/Req'}}}
  confirm: {address: confirm-order, messages: {r: {$ref: '#/components/messages/Res'}}}
operations:
  placeOrder:
    action: receive
    channel: {$ref: '#/channels/place'}
    reply: {channel: {$ref: '#/channels/confirm'}}
components:
  securitySchemes:
    scram: {type: scramSha512}
  messages:
    Req: {contentType: application/json, payload: {type: object}}
    Res:
      correlationId: {location: '$message.header#/orderRequestId'}
      payload: {type: object, properties: {orderId: {type: integer}}}
";

    #[test]
    fn operations_channels_replies_messages_and_the_first_server_are_read() {
        let mut files = Files::default();
        let id = files.add("a.yml".into(), "a.yml".into(), PETS.to_owned());
        let node = crate::node::parse(&files, id).expect("parses");
        let mut diagnostics = Diagnostics::default();
        let api = AsyncApi::read(&node, &mut diagnostics).expect("reads");
        assert!(diagnostics.is_empty());
        let op = api.operation_by_id("placeOrder").expect("the operation");
        assert_eq!(op.action, Action::Receive);
        assert_eq!(
            api.channels[op.channel].address.as_deref(),
            Some("place-order")
        );
        assert_eq!(
            op.messages[0].content_type.as_deref(),
            Some("application/json")
        );
        let reply = op.reply.as_ref().expect("a reply");
        let channel = reply.channel.expect("a reply channel");
        assert_eq!(api.channels[channel].key, "confirm");
        assert_eq!(
            reply.messages[0].correlation_location.as_deref(),
            Some("$message.header#/orderRequestId")
        );
        assert!(reply.messages[0].payload.is_some());
        let server = api.server.as_ref().expect("a server");
        assert_eq!(
            (server.protocol.as_str(), server.host.as_str()),
            ("kafka", "localhost:9092")
        );
        let kinds: Vec<_> = server
            .security
            .iter()
            .map(|s| (s.name.as_deref(), s.kind.as_str(), s.location.as_deref()))
            .collect();
        assert_eq!(
            kinds,
            [
                (Some("scram"), "scramSha512", None),
                (None, "apiKey", Some("user"))
            ]
        );
    }

    #[test]
    fn asyncapi_2_and_operations_without_action_or_channel_are_located_errors() {
        let (count, diagnostics, _) = read("asyncapi: 2.6.0\nchannels: {}\n");
        assert_eq!(count, None);
        assert_eq!(diagnostics.len(), 1);
        let (count, diagnostics, _) = read(
            "asyncapi: 3.0.0\nchannels: {c: {address: c}}\noperations:\n  a: {action: publish, channel: {$ref: '#/channels/c'}}\n  b: {action: send, channel: {$ref: '#/channels/none'}}\n",
        );
        assert_eq!(count, Some(0));
        assert_eq!(diagnostics.len(), 2);
        assert!(diagnostics.iter().all(|d| d.span.is_some()));
    }
}
