//! The Kafka transport (cargo feature `kafka`): the Kafka protocol through `rskafka` (pure
//! Rust, no librdkafka), without TLS; logging in with SASL PLAIN, SCRAM-SHA-256 or
//! SCRAM-SHA-512 when given credentials ([`Kafka::with_sasl`]).
//!
//! An address is a topic; the transport uses its partition 0 and creates the topic (one
//! partition, replication factor 1) when the broker does not know it. A message is one record:
//! the payload is its value (no key), the headers its record headers. `rskafka` keeps record
//! headers in a map, so they arrive sorted by name, and a message whose headers repeat a name
//! cannot be published (a [`TransportErrorKind::Publish`] error, never a dropped header).
//! Publishing completes once the broker has acknowledged the record. Subscribing reads the
//! partition's end offset and completes then: every record produced after it is delivered, none
//! before. Records are fetched by a task that reads ahead at most [`KAFKA_BUFFER`] messages and
//! then waits for them to be read; the broker keeps the rest, so a slow reader never loses one.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rskafka::client::error::{Error as KafkaError, ProtocolError};
use rskafka::client::partition::{Compression, OffsetAt, PartitionClient, UnknownTopicHandling};
use rskafka::client::{Client, ClientBuilder, SaslConfig};
use rskafka::record::{Record, RecordAndOffset};

use super::buffer::{BufferSender, buffer};
use super::credentials::SaslMechanism;
use super::{
    Message, Subscription, Transport, TransportError, TransportErrorKind, TransportFuture,
};
use crate::Secret;

/// How many fetched messages one subscription holds before it stops fetching until they are read.
pub const KAFKA_BUFFER: usize = 1024;

/// How long connecting and each request's retries may take before the broker counts as
/// unreachable (or the request as failed).
const DEADLINE: Duration = Duration::from_secs(10);

/// The most bytes one fetch asks for, and how long the broker may hold it for new records.
const FETCH_BYTES: i32 = 1 << 20;
const FETCH_WAIT_MS: i32 = 500;

/// A transport to one Kafka cluster, through one bootstrap broker. Building one does nothing on
/// the network.
pub struct Kafka {
    bootstrap: String,
    sasl: Option<(SaslMechanism, Secret, Secret)>,
    client: tokio::sync::Mutex<Option<Arc<Client>>>,
    partitions: tokio::sync::Mutex<HashMap<String, Arc<PartitionClient>>>,
}

impl fmt::Debug for Kafka {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The mechanism is shown, the user name and password never.
        f.debug_struct("Kafka")
            .field("bootstrap", &self.bootstrap)
            .field(
                "sasl",
                &self.sasl.as_ref().map(|(mechanism, _, _)| mechanism),
            )
            .finish_non_exhaustive()
    }
}

impl Kafka {
    /// A transport to the cluster that the broker at `bootstrap` (`host:port`) belongs to,
    /// connecting on first use.
    pub fn new(bootstrap: impl Into<String>) -> Self {
        Self {
            bootstrap: bootstrap.into(),
            sasl: None,
            client: tokio::sync::Mutex::new(None),
            partitions: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    /// The same transport, logging in with SASL `mechanism` as `username` with `password`.
    #[must_use]
    pub fn with_sasl(
        mut self,
        mechanism: SaslMechanism,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        self.sasl = Some((mechanism, Secret::new(username), Secret::new(password)));
        self
    }

    /// The `rskafka` SASL configuration, when the transport logs in.
    fn sasl_config(&self) -> Option<SaslConfig> {
        let (mechanism, username, password) = self.sasl.as_ref()?;
        let credentials = rskafka::client::Credentials::new(
            username.expose().to_owned(),
            password.expose().to_owned(),
        );
        Some(match mechanism {
            SaslMechanism::Plain => SaslConfig::Plain(credentials),
            SaslMechanism::ScramSha256 => SaslConfig::ScramSha256(credentials),
            SaslMechanism::ScramSha512 => SaslConfig::ScramSha512(credentials),
        })
    }

    /// The cluster client, made now when there is none yet.
    async fn client(&self) -> Result<Arc<Client>, TransportError> {
        let mut slot = self.client.lock().await;
        if let Some(client) = slot.as_ref() {
            return Ok(Arc::clone(client));
        }
        // rskafka retries a refused connection until its deadline; one plain connect first
        // tells a broker that is not there at once.
        let probe = tokio::time::timeout(
            DEADLINE,
            tokio::net::TcpStream::connect(self.bootstrap.as_str()),
        )
        .await;
        match probe {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => {
                return Err(TransportError::new(
                    TransportErrorKind::Unreachable,
                    format!(
                        "could not connect to the Kafka broker at {}: {error}",
                        self.bootstrap
                    ),
                )
                .with_source(error));
            }
            Err(_) => {
                return Err(TransportError::new(
                    TransportErrorKind::Unreachable,
                    format!(
                        "could not connect to the Kafka broker at {}: no answer in {DEADLINE:?}",
                        self.bootstrap
                    ),
                ));
            }
        }
        let backoff = rskafka::BackoffConfig {
            deadline: Some(DEADLINE),
            ..rskafka::BackoffConfig::default()
        };
        let mut builder = ClientBuilder::new(vec![self.bootstrap.clone()]).backoff_config(backoff);
        if let Some(sasl) = self.sasl_config() {
            builder = builder.sasl_config(sasl);
        }
        let built = tokio::time::timeout(DEADLINE, builder.build()).await;
        let unreachable = |reason: String| {
            TransportError::new(
                TransportErrorKind::Unreachable,
                format!(
                    "could not connect to the Kafka broker at {}: {reason}",
                    self.bootstrap
                ),
            )
        };
        let client = match built {
            Ok(Ok(client)) => Arc::new(client),
            Ok(Err(error)) => return Err(unreachable(error.to_string()).with_source(error)),
            Err(_) => return Err(unreachable(format!("no answer in {DEADLINE:?}"))),
        };
        *slot = Some(Arc::clone(&client));
        Ok(client)
    }

    /// The client for partition 0 of `topic`, creating the topic when the broker does not know it.
    async fn partition(&self, topic: &str) -> Result<Arc<PartitionClient>, String> {
        let client = self.client().await.map_err(|error| error.to_string())?;
        let mut partitions = self.partitions.lock().await;
        if let Some(partition) = partitions.get(topic) {
            return Ok(Arc::clone(partition));
        }
        let partition = match client
            .partition_client(topic, 0, UnknownTopicHandling::Error)
            .await
        {
            Ok(partition) => partition,
            Err(error) if is_unknown_topic(&error) => {
                create_topic(&client, topic).await?;
                client
                    .partition_client(topic, 0, UnknownTopicHandling::Retry)
                    .await
                    .map_err(|error| error.to_string())?
            }
            Err(error) => return Err(error.to_string()),
        };
        let partition = Arc::new(partition);
        partitions.insert(topic.to_owned(), Arc::clone(&partition));
        Ok(partition)
    }
}

fn is_unknown_topic(error: &KafkaError) -> bool {
    matches!(
        error,
        KafkaError::ServerError {
            protocol_error: ProtocolError::UnknownTopicOrPartition,
            ..
        }
    )
}

/// Creates `topic` with one partition; one that exists already (made meanwhile) is fine.
async fn create_topic(client: &Client, topic: &str) -> Result<(), String> {
    let controller = client
        .controller_client()
        .map_err(|error| error.to_string())?;
    let timeout_ms = i32::try_from(DEADLINE.as_millis()).unwrap_or(i32::MAX);
    match controller.create_topic(topic, 1, 1, timeout_ms).await {
        Ok(()) => Ok(()),
        Err(KafkaError::ServerError {
            protocol_error: ProtocolError::TopicAlreadyExists,
            ..
        }) => Ok(()),
        Err(error) => Err(format!("could not create the topic: {error}")),
    }
}

/// `message` as a record, or why it cannot be one.
fn record_of(message: Message) -> Result<Record, String> {
    let mut headers = BTreeMap::new();
    for (name, value) in message.headers {
        if headers.contains_key(&name) {
            return Err(format!(
                "the header `{name}` appears twice, and this transport's record headers hold one \
                 value per name"
            ));
        }
        headers.insert(name, value.into_bytes());
    }
    Ok(Record {
        key: None,
        value: Some(message.payload.to_vec()),
        headers,
        timestamp: now(),
    })
}

/// The record timestamp for now (the epoch if the clock is before it or past chrono's range).
fn now() -> rskafka::chrono::DateTime<rskafka::chrono::Utc> {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|elapsed| i64::try_from(elapsed.as_millis()).ok())
        .and_then(rskafka::chrono::DateTime::from_timestamp_millis)
        .unwrap_or_default()
}

/// A fetched record as a [`Message`], or an error naming a header that is not UTF-8.
fn message_of(topic: &str, fetched: RecordAndOffset) -> Result<Message, TransportError> {
    let RecordAndOffset { record, offset } = fetched;
    let mut headers = Vec::with_capacity(record.headers.len());
    for (name, value) in record.headers {
        match String::from_utf8(value) {
            Ok(value) => headers.push((name, value)),
            Err(_) => {
                return Err(TransportError::new(
                    TransportErrorKind::Receive,
                    format!(
                        "the record at offset {offset} of `{topic}` has a header `{name}` that \
                         is not UTF-8"
                    ),
                ));
            }
        }
    }
    Ok(Message {
        payload: record.value.unwrap_or_default().into(),
        headers,
    })
}

impl Transport for Kafka {
    fn publish<'a>(&'a self, address: &'a str, message: Message) -> TransportFuture<'a, ()> {
        Box::pin(async move {
            let failed = |reason: String| {
                TransportError::new(
                    TransportErrorKind::Publish,
                    format!(
                        "the Kafka broker at {} did not take a message on `{address}`: {reason}",
                        self.bootstrap
                    ),
                )
            };
            let record = record_of(message).map_err(failed)?;
            self.client().await?;
            let partition = self.partition(address).await.map_err(failed)?;
            partition
                .produce(vec![record], Compression::NoCompression)
                .await
                .map_err(|error| failed(error.to_string()).with_source(error))?;
            Ok(())
        })
    }

    fn subscribe<'a>(&'a self, address: &'a str) -> TransportFuture<'a, Box<dyn Subscription>> {
        Box::pin(async move {
            let refused = |reason: String| {
                TransportError::new(
                    TransportErrorKind::Subscribe,
                    format!(
                        "the Kafka broker at {} refused a subscription to `{address}`: {reason}",
                        self.bootstrap
                    ),
                )
            };
            self.client().await?;
            let partition = self.partition(address).await.map_err(refused)?;
            let offset = partition
                .get_offset(OffsetAt::Latest)
                .await
                .map_err(|error| refused(error.to_string()).with_source(error))?;
            let (sender, subscription) = buffer(address, KAFKA_BUFFER);
            let task = tokio::spawn(fetch(partition, offset, sender));
            let abort = task.abort_handle();
            Ok(Box::new(subscription.on_drop(move || abort.abort())) as Box<dyn Subscription>)
        })
    }
}

/// Fetches the records of `partition` from `offset` on into `sender`, until the subscription is
/// dropped or a fetch fails.
async fn fetch(partition: Arc<PartitionClient>, mut offset: i64, sender: BufferSender) {
    let topic = partition.topic().to_owned();
    loop {
        let fetched = partition
            .fetch_records(offset, 1..FETCH_BYTES, FETCH_WAIT_MS)
            .await;
        let records = match fetched {
            Ok((records, _high_watermark)) => records,
            Err(error) => {
                sender.fail(&format!("fetching from offset {offset} failed: {error}"));
                return;
            }
        };
        for record in records {
            // Records before the asked offset can come back in the first batch.
            if record.offset < offset {
                continue;
            }
            offset = record.offset + 1;
            if !sender.send(message_of(&topic, record)).await {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_credentials() {
        let transport =
            Kafka::new("127.0.0.1:9092").with_sasl(SaslMechanism::ScramSha512, "svc-7", "s3cret");
        let shown = format!("{transport:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("svc-7"),
            "{shown}"
        );
        assert!(shown.contains("ScramSha512"), "{shown}");
    }

    #[test]
    fn a_repeated_header_is_an_error_not_a_dropped_value() {
        let message = Message::new("x")
            .with_header("a", "1")
            .with_header("a", "2");
        let error = record_of(message).expect_err("repeated");
        assert!(error.contains("`a` appears twice"), "{error}");
    }

    #[test]
    fn a_header_that_is_not_utf8_is_an_error_naming_it() {
        let record = Record {
            key: None,
            value: None,
            headers: BTreeMap::from([("id".to_owned(), vec![0xff])]),
            timestamp: now(),
        };
        let error = message_of("orders", RecordAndOffset { record, offset: 7 }).expect_err("bad");
        assert_eq!(error.kind(), TransportErrorKind::Receive);
        assert!(
            error.to_string().contains("offset 7 of `orders`"),
            "{error}"
        );
    }
}
