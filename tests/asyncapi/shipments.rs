// The shipments scenarios: the test `tests/tests/asyncapi_typed.rs` includes this file beside
// the code generated from `fixtures/asyncapi/shipments.arazzo.yaml` (as `shipments`) and runs
// it over `arazzo_runtime::transport::InMemory`. Each panics on a wrong result.

use std::sync::Arc;

use arazzo_runtime::transport::{InMemory, Message, Subscription, Transport};

fn inputs(shipment: &str, warehouse: &str, quantity: i64) -> shipments::ship::Inputs {
    shipments::ship::Inputs {
        shipment_id: shipment.to_owned(),
        warehouse_id: warehouse.to_owned(),
        city: "Oslo".to_owned(),
        quantity,
        express: Some(true),
    }
}

fn client(transport: &Arc<InMemory>) -> shipments::Client {
    shipments::Client::builder()
        .shipments(Arc::clone(transport) as Arc<dyn Transport>)
        .build()
}

async fn next(subscription: &mut Box<dyn Subscription>) -> Message {
    tokio::time::timeout(std::time::Duration::from_secs(2), subscription.next())
        .await
        .expect("a message in time")
        .expect("no transport error")
        .expect("the subscription is open")
}

/// The typed payloads go out as their schemas say, on the addresses their parameters fill;
/// the text note goes as it is; the text label comes back as a string.
pub async fn typed_messages_on_parameterized_channels(label: &'static [u8]) -> Result<shipments::ship::Outputs, arazzo_runtime::Error> {
    let transport = Arc::new(InMemory::new());
    let mut shipped = transport.subscribe("warehouses/w-1/shipments").await.expect("subscribes");
    let mut tracked = transport.subscribe("shipments/s-1/tracking").await.expect("subscribes");
    let mut noted = transport.subscribe("notes/s-1").await.expect("subscribes");
    let responder = Arc::clone(&transport);
    let checks = tokio::spawn(async move {
        let shipment = next(&mut shipped).await;
        let body: serde_json::Value = serde_json::from_slice(&shipment.payload).expect("JSON");
        assert_eq!(
            body,
            serde_json::json!({
                "id": "s-1",
                "items": [{"sku": "A-1", "quantity": 3}, {"sku": "B-2", "quantity": 2}],
                "address": {"city": "Oslo"},
                "express": true,
                "extra": {"gift": true},
            })
        );
        assert_eq!(shipment.header("priority"), Some("1"));
        let update = next(&mut tracked).await;
        assert_eq!(&update.payload[..], br#"{"id":"s-1","status":"shipped","weightKg":2.0}"#);
        let note = next(&mut noted).await;
        assert_eq!(&note.payload[..], b"Shipped s-1 to Oslo");
        responder
            .publish("labels/s-1", Message::new(label))
            .await
            .expect("publishes");
    });
    let outputs = shipments::ship(&client(&transport), inputs("s-1", "w-1", 3)).await;
    checks.await.expect("the messages are as their schemas say");
    outputs
}

pub async fn run() {
    let outputs = typed_messages_on_parameterized_channels(b"42")
        .await
        .expect("the shipment is labelled");
    // A text payload is a string, whatever it looks like.
    assert_eq!(outputs.label, "42");

    let error = typed_messages_on_parameterized_channels(b"\xff\xfe")
        .await
        .expect_err("not UTF-8");
    assert!(
        matches!(&error, arazzo_runtime::Error::MessageDecode { step: "label", channel, .. } if channel == "labels/s-1"),
        "{error:?}"
    );

    // A parameter value that would name another channel: nothing is sent.
    let transport = Arc::new(InMemory::new());
    let error = shipments::ship(&client(&transport), inputs("s-1", "w/1", 3))
        .await
        .expect_err("unsafe");
    assert!(
        matches!(&error, arazzo_runtime::Error::UnsafeParameter { step: "label", location: "channel", parameter, .. } if parameter == "shipmentId")
            || matches!(&error, arazzo_runtime::Error::UnsafeParameter { step: "ship", location: "channel", parameter, .. } if parameter == "warehouseId"),
        "{error:?}"
    );
    let error = shipments::ship(&client(&transport), inputs("s/1", "w-1", 3))
        .await
        .expect_err("unsafe");
    assert!(
        matches!(&error, arazzo_runtime::Error::UnsafeParameter { step: "label", location: "channel", parameter, .. } if parameter == "shipmentId"),
        "{error:?}"
    );

    // An `int32` member given an `i64` that does not fit: an error naming the member.
    let error = shipments::ship(&client(&transport), inputs("s-1", "w-1", 5_000_000_000))
        .await
        .expect_err("too large");
    assert!(
        matches!(&error, arazzo_runtime::Error::Body { step: "ship", message } if message.contains("`/items/0/quantity`")),
        "{error:?}"
    );
}
