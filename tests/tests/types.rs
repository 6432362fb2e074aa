//! Types from schemas, run against a server on 127.0.0.1: typed inputs (a nested struct, enums,
//! defaults) serialize to the JSON the schema describes; outputs decode into the structs made
//! from the response schemas, ignoring what the schema does not list; a wrong type where the
//! workflow reads is an error naming the step, the pointer and the expected type.

use arazzo_runtime::Error;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod accounts {
    arazzo_macros::arazzo_workflow!("fixtures/types/types.arazzo.yaml");
}

use accounts::types::{Holder, HolderAddress, OpenAccountPlan, OpenAccountRegion};
use accounts::{Client, open_account};

fn inputs() -> open_account::Inputs {
    open_account::Inputs {
        holder: Holder {
            name: "Ada".to_owned(),
            address: HolderAddress {
                street: None,
                city: "Utrecht".to_owned(),
                country_code: Some("NL".to_owned()),
            },
        },
        plan: OpenAccountPlan::Pro,
        tags: Some(vec!["a".to_owned(), "b".to_owned()]),
        limit: None,
        region: None,
        marketing: Some(true),
        notes: None,
    }
}

fn account() -> Value {
    json!({
        "request_id": "req-1",
        "unlisted": {"anything": [1, 2, 3]},
        "account": {
            "id": "acc-1",
            "status": "a status the schema does not list",
            "owner": {"name": "Ada", "type": "person", "manager": {"name": "Grace"}, "extra": true},
            "balance": null,
            "created_at": 1_700_000_000_000_i64,
            "history": [{"at": 1, "event": "created"}, {"at": 2}],
        },
    })
}

fn session() -> Value {
    json!({
        "session": {"session_id": "s-1", "session_token": "tok-SECRET", "started_at": 5},
        "expires_in": 3600,
        "previous": null,
        "scopes": ["read", "admin"],
        "extra": {"k": "v"},
    })
}

async fn server(account: Value, session: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/accounts"))
        .respond_with(ResponseTemplate::new(201).set_body_json(account))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/accounts/acc-1/sessions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(session))
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    Client::builder().accounts(server.uri()).build()
}

#[tokio::test]
async fn typed_inputs_and_outputs_round_trip() {
    let server = server(account(), session()).await;
    let outputs = open_account(&client(&server), inputs())
        .await
        .expect("runs");

    let requests = server.received_requests().await.expect("recorded");
    let sent: Value = serde_json::from_slice(&requests[0].body).expect("json");
    assert_eq!(
        sent,
        json!({
            "holder": {"name": "Ada", "address": {"city": "Utrecht", "country-code": "NL"}},
            "plan": "pro",
            "tags": ["a", "b"],
            "limit": 100,
            "region": "eu-west",
            "marketing": true,
        }),
        "enums as their values, defaults filled in, absent options left out"
    );

    // Typed outputs: a struct per schema, its optional fields `Option`s.
    assert_eq!(outputs.account.id, "acc-1");
    assert_eq!(outputs.account.status, "a status the schema does not list");
    assert_eq!(outputs.account.created_at, 1_700_000_000_000);
    assert_eq!(outputs.account.balance, None);
    assert_eq!(outputs.owner.name, "Ada");
    assert_eq!(outputs.owner.type_.as_deref(), Some("person"));
    let manager = outputs
        .owner
        .manager
        .as_deref()
        .expect("a person inside a person");
    assert_eq!(
        (manager.name.as_str(), manager.manager.is_none()),
        ("Grace", true)
    );
    let history = outputs.history.expect("history");
    assert_eq!(
        (history[0].at, history[0].event.as_deref()),
        (1, Some("created"))
    );
    assert_eq!((history[1].at, history[1].event.as_deref()), (2, None));
    assert_eq!(outputs.balance, None);
    let expires_in: i32 = outputs.expires_in;
    assert_eq!(expires_in, 3600);
    assert_eq!(outputs.session.session_id, "s-1");
    assert_eq!(outputs.session.started_at, Some(5));
    assert_eq!(outputs.previous, None);
    assert_eq!(
        outputs.scopes,
        Some(vec!["read".to_owned(), "admin".to_owned()]),
        "a value outside the response enum still decodes"
    );
    assert_eq!(outputs.extra, Some(json!({"k": "v"})));

    let shown = format!("{:?}", outputs.session);
    assert!(!shown.contains("tok-SECRET"), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
}

#[tokio::test]
async fn enums_serialize_as_their_values() {
    assert_eq!(OpenAccountRegion::V3rdParty.as_str(), "3rd-party");
    assert_eq!(OpenAccountPlan::Enterprise.to_string(), "enterprise");
    assert_eq!(
        serde_json::to_value(OpenAccountRegion::UsEast).expect("json"),
        json!("us-east")
    );
}

#[tokio::test]
async fn a_wrong_type_inside_a_read_struct_names_the_place() {
    let mut body = account();
    body["account"]["owner"]["name"] = json!(7);
    let server = server(body, session()).await;
    let error = open_account(&client(&server), inputs())
        .await
        .expect_err("fails");
    match &error {
        Error::WrongType {
            step,
            status,
            location,
            within,
            ..
        } => {
            assert_eq!((*step, *status), ("create", 201));
            assert_eq!(*location, "/account");
            assert_eq!(within, "/owner/name");
        }
        other => panic!("{other:?}"),
    }
    let text = error.to_string();
    assert!(text.contains("`/account/owner/name`"), "{text}");
    assert!(text.contains("expected a string"), "{text}");
}

#[tokio::test]
async fn a_missing_required_field_is_an_error_and_an_unread_broken_part_is_not() {
    // `labels` is not required, and a wrong `started_at` sits in a part no output reads.
    let mut body = account();
    body["account"]
        .as_object_mut()
        .expect("object")
        .remove("created_at");
    let server = server(body, session()).await;
    let error = open_account(&client(&server), inputs())
        .await
        .expect_err("fails");
    assert!(
        error.to_string().contains("missing field `created_at`"),
        "{error}"
    );

    let mut session = session();
    session["unread"] = json!({"started_at": "not a number"});
    let server = self::server(account(), session).await;
    open_account(&client(&server), inputs())
        .await
        .expect("what the workflow does not read may break its schema");
}

/// The 24 Stytch workflows of `../shared/specs-upstream`: every workflow output of those that
/// generate has a concrete type; the totals are printed (`--nocapture`) for the record.
#[test]
fn stytch_workflow_outputs_are_typed() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/specs-upstream/arazzo");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("note: {} is absent; skipping", dir.display());
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    paths.sort();
    let generator = arazzo_codegen::Generator::new(arazzo_codegen::Settings::new());
    let (mut documents, mut outputs, mut failed) = (0, 0, Vec::new());
    for path in &paths {
        match generator.generate(path) {
            Ok(generated) => {
                documents += 1;
                outputs += generated.output_count();
                assert_eq!(
                    generated.untyped_outputs(),
                    &[] as &[(String, String)],
                    "{}",
                    path.display()
                );
            }
            Err(_) => failed.push(path.file_name().map(|n| n.to_string_lossy().into_owned())),
        }
    }
    println!(
        "{documents} of {} Stytch documents generate; {outputs} workflow outputs, 0 of them serde_json::Value; not generated: {failed:?}",
        paths.len()
    );
    assert_eq!(paths.len(), 24);
    assert!(documents >= 22, "{failed:?}");
}
