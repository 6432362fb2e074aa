// The credentials scenarios: `tests/tests/asyncapi_credentials.rs` includes this file beside the
// code generated from `fixtures/asyncapi/secured-orders.arazzo.yaml` (as `secured`) and
// `support/brokers.rs` (as `brokers`), and runs `main`. Each broker is started asking for a
// login; a subscriber that logs in itself checks that the order arrived. Each check panics on a
// wrong result.

use std::time::Duration;

use arazzo_runtime::transport::{Credentials, SaslMechanism};
use brokers::{Auth, Broker, Kind};

/// The password the brokers ask for; no error or `Debug` output may show it.
const PASSWORD: &str = "pa55-w0rd-7";

/// A wrong password, which no error may show either.
const WRONG: &str = "wrong-pa55";

/// Checks that sending with `client` fails at the step `sendOrder` as `BrokerUnreachable`, and
/// that neither the error (its sources included) nor the client's `Debug` shows a credential.
fn refused(what: &str, client: &secured::Client, outcome: Result<(), arazzo_runtime::Error>) {
    let error = outcome.expect_err(what);
    let mut shown = format!("{error} {error:?} {client:?}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        shown.push_str(&format!(" {cause} {cause:?}"));
        source = cause.source();
    }
    assert!(
        matches!(error, arazzo_runtime::Error::BrokerUnreachable { step: "sendOrder", .. }),
        "{what}: {shown}"
    );
    assert!(!shown.contains(PASSWORD) && !shown.contains(WRONG), "{what}: {shown}");
    println!("{what}: {error}");
}

/// The payload of the next message of `subscription`, failing after 10 s.
async fn next(subscription: &mut Box<dyn arazzo_runtime::transport::Subscription>) -> serde_json::Value {
    let message = tokio::time::timeout(Duration::from_secs(10), subscription.next())
        .await
        .expect("the order arrives in 10 s")
        .expect("the subscription reads")
        .expect("the subscription goes on");
    serde_json::from_slice(&message.payload).expect("a JSON order")
}

async fn mqtt() {
    let Some(broker) = Broker::start_with(Kind::Mosquitto, Auth::UserPassword("alice", PASSWORD)) else {
        return;
    };
    let listener = broker.transport_with(Credentials::user_password("alice", PASSWORD));
    let mut orders = listener.subscribe("pet/orders").await.expect("the listener logs in");
    let builder = || secured::Client::builder().mqtt_orders_server_host(broker.host());
    let client = builder().mqtt_orders_account("alice", PASSWORD).build();
    let inputs = || secured::order_over_mqtt::Inputs { pet_id: 7 };
    secured::order_over_mqtt(&client, inputs()).await.expect("the order is sent");
    assert_eq!(next(&mut orders).await["petId"], 7);
    let client = builder().mqtt_orders_account("alice", WRONG).build();
    refused("MQTT, a wrong password", &client, secured::order_over_mqtt(&client, inputs()).await.map(drop));
    let client = builder().build();
    refused("MQTT, no credentials", &client, secured::order_over_mqtt(&client, inputs()).await.map(drop));
}

async fn nats() {
    let inputs = || secured::order_over_nats::Inputs { pet_id: 8 };
    if let Some(broker) = Broker::start_with(Kind::Nats, Auth::UserPassword("alice", PASSWORD)) {
        let listener = broker.transport_with(Credentials::user_password("alice", PASSWORD));
        let mut orders = listener.subscribe("pet.orders").await.expect("the listener logs in");
        let builder = || secured::Client::builder().nats_orders_server_host(broker.host());
        let client = builder().nats_orders_account("alice", PASSWORD).build();
        secured::order_over_nats(&client, inputs()).await.expect("the order is sent");
        assert_eq!(next(&mut orders).await["petId"], 8);
        let client = builder().nats_orders_account("alice", WRONG).build();
        refused("NATS, a wrong password", &client, secured::order_over_nats(&client, inputs()).await.map(drop));
        let client = builder().build();
        refused("NATS, no credentials", &client, secured::order_over_nats(&client, inputs()).await.map(drop));
    }
    if let Some(broker) = Broker::start_with(Kind::Nats, Auth::Token(PASSWORD)) {
        let listener = broker.transport_with(Credentials::token(PASSWORD));
        let mut orders = listener.subscribe("pet.orders").await.expect("the listener logs in");
        let builder = || secured::Client::builder().nats_orders_server_host(broker.host());
        // The token replaces the user name and password set before it.
        let client = builder().nats_orders_account("alice", WRONG).nats_orders_token(PASSWORD).build();
        secured::order_over_nats(&client, inputs()).await.expect("the order is sent");
        assert_eq!(next(&mut orders).await["petId"], 8);
        let client = builder().nats_orders_token(WRONG).build();
        refused("NATS, a wrong token", &client, secured::order_over_nats(&client, inputs()).await.map(drop));
    }
}

/// tansu 0.6 has no user a SCRAM login could succeed as (see `support/brokers.rs`): a login
/// and none are refused, naming the step, showing no credential.
async fn kafka() {
    let Some(broker) = Broker::start_with(Kind::Tansu, Auth::UserPassword("alice", PASSWORD)) else {
        return;
    };
    let builder = || secured::Client::builder().kafka_orders_server_host(broker.host());
    let inputs = || secured::order_over_kafka::Inputs { pet_id: 9 };
    let client = builder().kafka_orders_scram("alice", WRONG).build();
    refused("Kafka, an unknown SCRAM user", &client, secured::order_over_kafka(&client, inputs()).await.map(drop));
    let client = builder().kafka_orders_plain("alice", PASSWORD).build();
    refused("Kafka, PLAIN (not offered)", &client, secured::order_over_kafka(&client, inputs()).await.map(drop));
    // The mechanism a setter picks is the one its scheme names.
    let shown = format!("{:?}", Credentials::sasl(SaslMechanism::ScramSha256, "alice", PASSWORD));
    assert!(!shown.contains(PASSWORD), "{shown}");
}

#[tokio::main]
async fn main() {
    mqtt().await;
    nats().await;
    kafka().await;
    println!("every login scenario passed");
}
