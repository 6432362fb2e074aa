// The AsyncAPI end-to-end scenarios, each a function of the transport it runs over: the test
// `tests/tests/asyncapi.rs` includes this file beside the code generated from
// `fixtures/asyncapi/pet-orders.arazzo.yaml` (as `pet_orders`) and runs it over
// `arazzo_runtime::transport::InMemory`; a broker's test runs the same functions over that
// broker's transport. Each panics on a wrong result.

use std::sync::Arc;

use arazzo_runtime::transport::{Message, Subscription, Transport, TransportFuture};

/// Answers every order on `place-order` with its confirmation on `confirm-order`: the same
/// `orderRequestId` header, `orderId` ten times the `petId`; after a decoy confirmation of
/// another order first. Subscribed when this returns.
async fn responder(transport: Arc<dyn Transport>) {
    let mut orders = transport.subscribe("place-order").await.expect("the responder subscribes");
    tokio::spawn(async move {
        while let Ok(Some(order)) = orders.next().await {
            let id = order.header("orderRequestId").unwrap_or_default().to_owned();
            let body: serde_json::Value = serde_json::from_slice(&order.payload).expect("a JSON order");
            let pet = body["petId"].as_i64().expect("a petId");
            let decoy = Message::new(r#"{"orderId": 1}"#).with_header("orderRequestId", "someone-else");
            transport.publish("confirm-order", decoy).await.expect("publishes");
            let reply = Message::new(serde_json::json!({ "orderId": pet * 10 }).to_string())
                .with_header("orderRequestId", id);
            transport.publish("confirm-order", reply).await.expect("publishes");
        }
    });
}

fn client(transport: Arc<dyn Transport>) -> pet_orders::Client {
    pet_orders::Client::builder().pet_orders(transport).build()
}

fn order(pet_id: i64, order_request_id: &str) -> pet_orders::place_and_confirm::Inputs {
    pet_orders::place_and_confirm::Inputs {
        pet_id,
        order_request_id: order_request_id.to_owned(),
    }
}

/// An order is placed (send) and its confirmation received (receive, by correlation id): the
/// decoy with another id does not count.
pub async fn an_order_is_confirmed(transport: Arc<dyn Transport>) {
    responder(Arc::clone(&transport)).await;
    let outputs = pet_orders::place_and_confirm(&client(transport), order(7, "order-1"))
        .await
        .expect("the order is confirmed");
    assert_eq!(outputs.order_id, 70);
    assert_eq!(outputs.order_request_id, "order-1");
}

/// Nobody answers: the receive step fails with the typed timeout naming it, its channel and
/// the correlation id.
pub async fn no_reply_is_a_timeout_naming_the_step(transport: Arc<dyn Transport>) {
    let error = pet_orders::place_and_confirm(&client(transport), order(8, "order-2"))
        .await
        .expect_err("nobody answers");
    assert!(
        matches!(
            &error,
            arazzo_runtime::Error::ReceiveTimedOut { step: "confirmOrder", channel, correlation_id: Some(id), milliseconds: 2000 }
                if channel == "confirm-order" && id == "order-2"
        ),
        "{error:?}"
    );
    assert_eq!(error.step(), Some("confirmOrder"));
}

/// A transport whose broker answers an order before `publish` returns: the confirmation is
/// there before the receive step starts, and is not missed.
#[derive(Debug)]
struct AnswersAtOnce(Arc<dyn Transport>);

impl Transport for AnswersAtOnce {
    fn publish<'a>(&'a self, address: &'a str, message: Message) -> TransportFuture<'a, ()> {
        Box::pin(async move {
            let id = message.header("orderRequestId").map(str::to_owned);
            self.0.publish(address, message).await?;
            if let (Some(id), "place-order") = (id, address) {
                let reply = Message::new(r#"{"orderId": 90}"#).with_header("orderRequestId", id);
                self.0.publish("confirm-order", reply).await?;
            }
            Ok(())
        })
    }

    fn subscribe<'a>(&'a self, address: &'a str) -> TransportFuture<'a, Box<dyn Subscription>> {
        self.0.subscribe(address)
    }
}

pub async fn an_early_reply_is_not_missed(transport: Arc<dyn Transport>) {
    let transport: Arc<dyn Transport> = Arc::new(AnswersAtOnce(transport));
    let outputs = pet_orders::place_and_confirm(&client(transport), order(9, "order-3"))
        .await
        .expect("the early confirmation counts");
    assert_eq!(outputs.order_id, 90);
}

/// HTTP, then a message and its reply, then HTTP that reads the reply: `base_url` is a
/// loopback server that answers `GET /pets/available` with `{"id": 5}` and
/// `POST /orders/50` with `201 {"receipt": "R-50"}`.
pub async fn http_and_messages_mix(transport: Arc<dyn Transport>, base_url: &str) {
    responder(Arc::clone(&transport)).await;
    let client = pet_orders::Client::builder()
        .pet_orders(transport)
        .pet_store(base_url)
        .build();
    let outputs = pet_orders::adopt_pet(
        &client,
        pet_orders::adopt_pet::Inputs {
            order_request_id: "order-4".to_owned(),
        },
    )
    .await
    .expect("the pet is adopted");
    assert_eq!(outputs.order_id, 50);
    assert_eq!(outputs.receipt, "R-50");
}

/// A pet store on 127.0.0.1 for [`http_and_messages_mix`]: its base URL. It answers each
/// connection once and stops after 16.
pub async fn pet_store() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("has an address");
    tokio::spawn(async move {
        for _ in 0..16 {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut head = Vec::new();
            let mut buffer = [0u8; 4096];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buffer[..n]),
                }
            }
            let text = String::from_utf8_lossy(&head);
            let (status, body) = if text.starts_with("GET /pets/available ") {
                ("200 OK", r#"{"id": 5}"#)
            } else if text.starts_with("POST /orders/50 ") {
                ("201 Created", r#"{"receipt": "R-50"}"#)
            } else {
                ("404 Not Found", r#"{"error": "no such thing"}"#)
            };
            let response = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    format!("http://{address}")
}
