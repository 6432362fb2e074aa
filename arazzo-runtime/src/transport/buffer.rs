//! The bounded buffer between where messages come from and one subscription, shared by
//! [`super::InMemory`] and the MQTT and Kafka adapters: the publisher (or the connection's
//! task) puts messages in, [`Subscription::next`] takes them out. A full buffer is never a
//! silent loss: either the task waits (Kafka, whose broker keeps the messages) or the
//! subscription's next read is [`TransportErrorKind::Overflow`] (in memory, MQTT). A connection
//! that fails ends the subscription with [`TransportErrorKind::Receive`] after the messages
//! already buffered.
//!
//! (Not to be confused with [`crate::messaging::Inbox`], which keeps the messages a workflow
//! run has read but not yet matched.)

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::{Message, Subscription, TransportError, TransportErrorKind, TransportFuture};

/// What the connection's task puts in a buffer: a message, or an error about one message (it
/// could not be decoded) after which the subscription goes on.
pub(crate) type Delivery = Result<Message, TransportError>;

/// A new buffer of `limit` unread deliveries for a subscription to `address`.
pub(crate) fn buffer(address: &str, limit: usize) -> (BufferSender, BufferedSubscription) {
    let (sender, receiver) = tokio::sync::mpsc::channel(limit);
    let shared = Arc::new(Shared::default());
    (
        BufferSender {
            sender,
            shared: Arc::clone(&shared),
        },
        BufferedSubscription {
            address: address.to_owned(),
            limit,
            receiver,
            shared,
            on_drop: None,
        },
    )
}

/// What the two ends share besides the channel.
#[derive(Debug, Default)]
struct Shared {
    /// A delivery did not fit: the next read is `Overflow`.
    overflowed: AtomicBool,
    /// Why the connection ended, read once the buffered messages are.
    failure: Mutex<Option<String>>,
}

/// The connection's end of a subscription's buffer.
#[derive(Debug, Clone)]
pub(crate) struct BufferSender {
    sender: tokio::sync::mpsc::Sender<Delivery>,
    shared: Arc<Shared>,
}

impl BufferSender {
    /// Puts `delivery` in the buffer without waiting; a full buffer marks the subscription as
    /// overflowed. `false` once the subscription is gone.
    pub(crate) fn offer(&self, delivery: Delivery) -> bool {
        match self.sender.try_send(delivery) {
            Ok(()) => true,
            Err(tokio::sync::mpsc::error::TrySendError::Full(_)) => {
                self.shared.overflowed.store(true, Ordering::Release);
                true
            }
            Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// Puts `delivery` in the buffer, waiting while it is full. `false` once the subscription is
    /// gone.
    #[cfg(feature = "kafka")]
    pub(crate) async fn send(&self, delivery: Delivery) -> bool {
        self.sender.send(delivery).await.is_ok()
    }

    /// Whether the subscription is gone.
    #[cfg_attr(not(feature = "mqtt"), allow(dead_code))]
    pub(crate) fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }

    /// Records why the connection ended; the subscription reports it after the buffered messages
    /// (once every sender is dropped).
    #[cfg(any(feature = "mqtt", feature = "kafka"))]
    pub(crate) fn fail(&self, reason: &str) {
        let mut failure = self
            .shared
            .failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        failure.get_or_insert_with(|| reason.to_owned());
    }
}

/// A subscription that reads its buffer.
pub(crate) struct BufferedSubscription {
    address: String,
    limit: usize,
    receiver: tokio::sync::mpsc::Receiver<Delivery>,
    shared: Arc<Shared>,
    on_drop: Option<Box<dyn FnOnce() + Send>>,
}

impl BufferedSubscription {
    /// Runs `on_drop` when the subscription is dropped (to unsubscribe at the broker).
    #[cfg_attr(not(any(feature = "mqtt", feature = "kafka")), allow(dead_code))]
    pub(crate) fn on_drop(mut self, on_drop: impl FnOnce() + Send + 'static) -> Self {
        self.on_drop = Some(Box::new(on_drop));
        self
    }
}

impl fmt::Debug for BufferedSubscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("address", &self.address)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl Drop for BufferedSubscription {
    fn drop(&mut self) {
        if let Some(on_drop) = self.on_drop.take() {
            on_drop();
        }
    }
}

impl Subscription for BufferedSubscription {
    fn next(&mut self) -> TransportFuture<'_, Option<Message>> {
        Box::pin(async move {
            if self.shared.overflowed.load(Ordering::Acquire) {
                return Err(TransportError::new(
                    TransportErrorKind::Overflow,
                    format!(
                        "more than {} messages arrived on `{}` before they were read",
                        self.limit, self.address
                    ),
                ));
            }
            match self.receiver.recv().await {
                Some(delivery) => delivery.map(Some),
                None => {
                    let failure = self
                        .shared
                        .failure
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .clone();
                    match failure {
                        Some(reason) => Err(TransportError::new(
                            TransportErrorKind::Receive,
                            format!("the subscription to `{}` ended: {reason}", self.address),
                        )),
                        None => Ok(None),
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(any(feature = "mqtt", feature = "kafka"))]
    #[tokio::test]
    async fn buffered_messages_come_before_the_failure() {
        let (sender, mut subscription) = buffer("a", 4);
        assert!(sender.offer(Ok(Message::new("one"))));
        sender.fail("the broker closed the connection");
        drop(sender);
        let message = subscription.next().await.expect("one").expect("a message");
        assert_eq!(&message.payload[..], b"one");
        let error = subscription.next().await.expect_err("failure");
        assert_eq!(error.kind(), TransportErrorKind::Receive);
        assert!(
            error.to_string().contains("closed the connection"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_full_buffer_overflows() {
        let (sender, mut subscription) = buffer("a", 1);
        assert!(sender.offer(Ok(Message::new("one"))));
        assert!(sender.offer(Ok(Message::new("two"))));
        let error = subscription.next().await.expect_err("overflow");
        assert_eq!(error.kind(), TransportErrorKind::Overflow);
        assert!(
            error.to_string().contains("more than 1 messages"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_dropped_subscription_closes_its_sender_and_runs_its_hook() {
        let (sender, subscription) = buffer("a", 1);
        let ran = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&ran);
        let subscription = subscription.on_drop(move || flag.store(true, Ordering::Release));
        drop(subscription);
        assert!(sender.is_closed());
        assert!(!sender.offer(Ok(Message::new("late"))));
        assert!(ran.load(Ordering::Acquire));
    }
}
