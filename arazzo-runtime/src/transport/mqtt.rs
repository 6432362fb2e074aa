//! The MQTT transport (cargo feature `mqtt`): MQTT 5 over TCP through `rumqttc`.
//!
//! A message's headers travel as MQTT 5 user properties, in order, repeats kept. Publishing uses
//! QoS 1 and completes on the broker's PUBACK; subscribing uses QoS 1 and completes on its
//! SUBACK, asking the broker not to send retained messages (a subscription gets what is
//! published after it). One connection per [`Mqtt`], made by the first `publish` or
//! `subscribe`; when it fails, its subscriptions end with [`TransportErrorKind::Receive`] and
//! the next call connects again.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rumqttc::v5::mqttbytes::v5::{
    Filter, Packet, PubAckReason, PublishProperties, RetainForwardRule, SubscribeReasonCode,
};
use rumqttc::v5::mqttbytes::{QoS, matches};
use rumqttc::v5::{AsyncClient, Event, EventLoop, MqttOptions};

use super::buffer::{BufferSender, buffer};
use super::{
    Message, Subscription, Transport, TransportError, TransportErrorKind, TransportFuture,
};
use crate::Secret;

/// How many unread messages one subscription keeps; once one more arrives, its next read is
/// [`TransportErrorKind::Overflow`] (MQTT brokers do not keep messages for a client that reads
/// slowly, so waiting would only move the loss to the broker).
pub const MQTT_BUFFER: usize = 1024;

/// How long connecting (TCP and the CONNACK) may take before the broker counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A transport to one MQTT broker. Building one does nothing on the network.
pub struct Mqtt {
    host: String,
    port: u16,
    credentials: Option<(Secret, Secret)>,
    connection: tokio::sync::Mutex<Option<Arc<Connection>>>,
}

impl fmt::Debug for Mqtt {
    // The password is never shown; the user name neither (it may identify a device).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mqtt")
            .field("host", &self.host)
            .field("port", &self.port)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

impl Mqtt {
    /// A transport to the broker at `host` and `port`, connecting on first use.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Self {
            host: host.into(),
            port,
            credentials: None,
            connection: tokio::sync::Mutex::new(None),
        }
    }

    /// The same transport, logging in with `username` and `password`.
    #[must_use]
    pub fn with_credentials(
        mut self,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        self.credentials = Some((Secret::new(username), Secret::new(password)));
        self
    }

    /// The live connection, made now when there is none (or the last one failed).
    async fn connection(&self) -> Result<Arc<Connection>, TransportError> {
        let mut slot = self.connection.lock().await;
        if let Some(connection) = slot.as_ref().filter(|connection| connection.is_alive()) {
            return Ok(Arc::clone(connection));
        }
        let connection = Arc::new(self.connect().await?);
        *slot = Some(Arc::clone(&connection));
        Ok(connection)
    }

    /// Connects, waits for the broker's CONNACK, and leaves a task driving the connection.
    async fn connect(&self) -> Result<Connection, TransportError> {
        let mut options = MqttOptions::new(client_id(), self.host.clone(), self.port);
        options.set_clean_start(true);
        if let Some((username, password)) = &self.credentials {
            options.set_credentials(username.expose(), password.expose());
        }
        let (client, mut eventloop) = AsyncClient::new(options, 64);
        let unreachable = |reason: String| {
            TransportError::new(
                TransportErrorKind::Unreachable,
                format!(
                    "could not connect to the MQTT broker at {}:{}: {reason}",
                    self.host, self.port
                ),
            )
        };
        let connected = tokio::time::timeout(CONNECT_TIMEOUT, async {
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => return Ok(()),
                    Ok(_) => {}
                    Err(error) => return Err(error),
                }
            }
        })
        .await;
        match connected {
            Ok(Ok(())) => {}
            Ok(Err(error)) => return Err(unreachable(error.to_string()).with_source(error)),
            Err(_) => return Err(unreachable(format!("no answer in {CONNECT_TIMEOUT:?}"))),
        }
        let shared = Arc::new(Shared::default());
        tokio::spawn(drive(eventloop, Arc::clone(&shared)));
        Ok(Connection {
            client,
            shared,
            order: tokio::sync::Mutex::new(()),
            endpoint: format!("{}:{}", self.host, self.port),
        })
    }
}

/// A client id unique in this process and unlikely to repeat across processes.
fn client_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    format!(
        "arazzo-{}-{nanos:x}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// One connection: the client that sends requests, and what its driving task shares.
struct Connection {
    client: AsyncClient,
    shared: Arc<Shared>,
    /// Held while a request is queued, so that waiters are queued in the order of the requests.
    order: tokio::sync::Mutex<()>,
    endpoint: String,
}

/// A waiter for the broker's acknowledgement of one request.
type Ack = tokio::sync::oneshot::Sender<Result<(), String>>;

/// What the driving task and the callers share.
#[derive(Default)]
struct Shared {
    dead: AtomicBool,
    routes: Mutex<Vec<Route>>,
    acks: Mutex<Acks>,
}

/// Waiters for acknowledgements: queued in request order until the request goes out with its
/// packet id, then kept by that id until the broker answers.
#[derive(Default)]
struct Acks {
    publishes_queued: VecDeque<Ack>,
    publishes: HashMap<u16, Ack>,
    subscribes_queued: VecDeque<Ack>,
    subscribes: HashMap<u16, Ack>,
}

/// A subscription's topic filter and buffer.
struct Route {
    id: u64,
    filter: String,
    buffer: BufferSender,
}

impl Connection {
    fn is_alive(&self) -> bool {
        !self.shared.dead.load(Ordering::Acquire)
    }

    /// Queues a request with `queue` then waits for its acknowledgement.
    async fn acknowledged<F>(
        &self,
        waiters: fn(&mut Acks) -> &mut VecDeque<Ack>,
        request: F,
    ) -> Result<Result<(), String>, String>
    where
        F: Future<Output = Result<(), rumqttc::v5::ClientError>>,
    {
        let (sender, receiver) = tokio::sync::oneshot::channel();
        {
            let _order = self.order.lock().await;
            waiters(&mut lock(&self.shared.acks)).push_back(sender);
            if let Err(error) = request.await {
                // The request never went out: its waiter is the last queued one.
                waiters(&mut lock(&self.shared.acks)).pop_back();
                return Err(error.to_string());
            }
        }
        receiver
            .await
            .map_err(|_| "the connection closed before the broker answered".to_owned())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Drives the connection: hands incoming messages to the routes whose filter matches, answers
/// the waiters, and on failure ends every subscription and waiter with the reason.
async fn drive(mut eventloop: EventLoop, shared: Arc<Shared>) {
    let reason = loop {
        match eventloop.poll().await {
            Ok(event) => handle(&shared, event),
            Err(error) => break error.to_string(),
        }
    };
    shared.dead.store(true, Ordering::Release);
    for route in lock(&shared.routes).drain(..) {
        route.buffer.fail(&reason);
    }
    let mut acks = lock(&shared.acks);
    let waiters = std::mem::take(&mut *acks);
    drop(acks);
    let failed = |ack: Ack| {
        let _ = ack.send(Err(format!("the connection failed: {reason}")));
    };
    waiters.publishes_queued.into_iter().for_each(failed);
    waiters.publishes.into_values().for_each(failed);
    waiters.subscribes_queued.into_iter().for_each(failed);
    waiters.subscribes.into_values().for_each(failed);
}

fn handle(shared: &Shared, event: Event) {
    match event {
        Event::Outgoing(rumqttc::Outgoing::Publish(pkid)) => {
            let mut acks = lock(&shared.acks);
            if let Some(ack) = acks.publishes_queued.pop_front() {
                acks.publishes.insert(pkid, ack);
            }
        }
        Event::Outgoing(rumqttc::Outgoing::Subscribe(pkid)) => {
            let mut acks = lock(&shared.acks);
            if let Some(ack) = acks.subscribes_queued.pop_front() {
                acks.subscribes.insert(pkid, ack);
            }
        }
        Event::Incoming(Packet::PubAck(puback)) => {
            if let Some(ack) = lock(&shared.acks).publishes.remove(&puback.pkid) {
                let outcome = match puback.reason {
                    PubAckReason::Success | PubAckReason::NoMatchingSubscribers => Ok(()),
                    refused => Err(format!("the broker answered {refused:?}")),
                };
                let _ = ack.send(outcome);
            }
        }
        Event::Incoming(Packet::SubAck(suback)) => {
            if let Some(ack) = lock(&shared.acks).subscribes.remove(&suback.pkid) {
                let outcome = match suback.return_codes.first() {
                    Some(SubscribeReasonCode::Success(_)) => Ok(()),
                    refused => Err(format!("the broker answered {refused:?}")),
                };
                let _ = ack.send(outcome);
            }
        }
        Event::Incoming(Packet::Publish(publish)) => deliver(shared, publish),
        _ => {}
    }
}

/// Hands one incoming message to every route whose filter matches its topic.
fn deliver(shared: &Shared, publish: rumqttc::v5::mqttbytes::v5::Publish) {
    let Ok(topic) = std::str::from_utf8(&publish.topic) else {
        return;
    };
    let message = Message {
        payload: publish.payload,
        headers: publish
            .properties
            .map(|properties| properties.user_properties)
            .unwrap_or_default(),
    };
    let mut routes = lock(&shared.routes);
    routes.retain(|route| !route.buffer.is_closed());
    for route in routes.iter().filter(|route| matches(topic, &route.filter)) {
        route.buffer.offer(Ok(message.clone()));
    }
}

impl Transport for Mqtt {
    fn publish<'a>(&'a self, address: &'a str, message: Message) -> TransportFuture<'a, ()> {
        Box::pin(async move {
            let connection = self.connection().await?;
            let properties = PublishProperties {
                user_properties: message.headers,
                ..PublishProperties::default()
            };
            let client = connection.client.clone();
            let request = client.publish_with_properties(
                address,
                QoS::AtLeastOnce,
                false,
                message.payload,
                properties,
            );
            let failed = |reason: String| {
                TransportError::new(
                    TransportErrorKind::Publish,
                    format!(
                        "the MQTT broker at {} did not take a message on `{address}`: {reason}",
                        connection.endpoint
                    ),
                )
            };
            connection
                .acknowledged(|acks| &mut acks.publishes_queued, request)
                .await
                .map_err(failed)?
                .map_err(failed)
        })
    }

    fn subscribe<'a>(&'a self, address: &'a str) -> TransportFuture<'a, Box<dyn Subscription>> {
        Box::pin(async move {
            static NEXT_ROUTE: AtomicU64 = AtomicU64::new(0);
            let connection = self.connection().await?;
            let (sender, subscription) = buffer(address, MQTT_BUFFER);
            let id = NEXT_ROUTE.fetch_add(1, Ordering::Relaxed);
            // The route is in place before the broker is asked, so nothing sent after the
            // SUBACK can miss it.
            lock(&connection.shared.routes).push(Route {
                id,
                filter: address.to_owned(),
                buffer: sender,
            });
            let filter = Filter {
                retain_forward_rule: RetainForwardRule::Never,
                ..Filter::new(address, QoS::AtLeastOnce)
            };
            let client = connection.client.clone();
            let request = client.subscribe_many([filter]);
            let outcome = connection
                .acknowledged(|acks| &mut acks.subscribes_queued, request)
                .await;
            if let Err(reason) | Ok(Err(reason)) = outcome {
                lock(&connection.shared.routes).retain(|route| route.id != id);
                return Err(TransportError::new(
                    TransportErrorKind::Subscribe,
                    format!(
                        "the MQTT broker at {} refused a subscription to `{address}`: {reason}",
                        connection.endpoint
                    ),
                ));
            }
            let shared = Arc::clone(&connection.shared);
            let client = connection.client.clone();
            let filter = address.to_owned();
            Ok(
                Box::new(subscription.on_drop(move || unsubscribe(&shared, &client, id, filter)))
                    as Box<dyn Subscription>,
            )
        })
    }
}

/// Forgets route `id`, and unsubscribes at the broker when no other route has its filter.
fn unsubscribe(shared: &Shared, client: &AsyncClient, id: u64, filter: String) {
    let mut routes = lock(&shared.routes);
    routes.retain(|route| route.id != id);
    if !routes.iter().any(|route| route.filter == filter) {
        // Best effort: a full request queue or a closed connection leaves nothing to undo.
        let _ = client.try_unsubscribe(filter);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_credentials() {
        let transport = Mqtt::new("127.0.0.1", 1883).with_credentials("device-7", "s3cret");
        let shown = format!("{transport:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("device-7"),
            "{shown}"
        );
        assert!(shown.contains("127.0.0.1"), "{shown}");
    }
}
