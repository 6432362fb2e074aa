//! The fake generated with `fake = true`, for the seed: the opt-in itself, a real server on
//! 127.0.0.1 whose default answers make the workflow succeed with no handler, typed handlers
//! (typed parameters and bodies in, a typed body per declared status out, typed defaults),
//! recorded requests, a violation (a hand-built request without a required body member), and
//! each fault kind ending in the right typed error on the client side.

use std::time::Duration;

use arazzo_codegen::{Generator, Settings};
use arazzo_runtime::{Error, TransportCause};
use serde_json::json;

mod stytch {
    arazzo_macros::arazzo_workflow!(
        "../specs/arazzo/stytch-sms-otp-login-workflow.yml",
        fake = true,
    );
}

use stytch::fake::{AuthenticateOtpResponse, Fake, Fault, SendSmsOtpResponse};
use stytch::sms_otp_login;

fn inputs() -> sms_otp_login::Inputs {
    sms_otp_login::Inputs {
        phone_number: "+10000000000".into(),
        code: "000000".into(),
        session_duration_minutes: Some(60),
    }
}

fn generate(settings: Settings) -> String {
    Generator::new(settings.with_base_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/..")))
        .generate("specs/arazzo/stytch-sms-otp-login-workflow.yml")
        .expect("the seed generates")
        .to_formatted_string()
}

#[test]
fn the_fake_is_generated_only_when_asked_for() {
    assert!(!generate(Settings::new()).contains("pub mod fake"));
    let with_fake = generate(Settings::new().with_fake(true));
    assert!(with_fake.contains("pub mod fake"));
    assert!(with_fake.contains("pub fn on_send_sms_otp"));
    // The macro's `fake = true` is the same setting.
    let input = arazzo_codegen::macro_support::parse(quote::quote!(
        "specs/arazzo/stytch-sms-otp-login-workflow.yml",
        fake = true
    ))
    .expect("parses");
    assert!(input.fake);
}

#[tokio::test]
async fn with_no_handler_the_workflow_succeeds_and_every_request_passes_the_checks() {
    let fake = Fake::start().await;
    let outputs = stytch::sms_otp_login(&fake.client(), inputs())
        .await
        .expect("succeeds against the fake");
    // From the description's example.
    assert_eq!(
        outputs.user_id,
        "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6"
    );
    let requests = fake.requests();
    let steps: Vec<&str> = requests.iter().map(|r| r.step).collect();
    assert_eq!(steps, ["sendSmsOtp", "authenticateOtp"]);
    assert_eq!(requests[0].path, "/v1/otps/sms/login_or_create");
    assert_eq!(requests[0].body, json!({"phone_number": "+10000000000"}));
    assert_eq!(
        requests[1].body["method_id"],
        "phone-number-test-d5a3b680-e8a3-40c0-b815-ab79986666d0"
    );
    assert!(
        requests[1]
            .header("authorization")
            .is_some_and(|a| a.starts_with("Basic "))
    );
    assert_eq!(fake.violations(), []);
    let base = fake
        .base_url("stytchConsumerApi")
        .expect("a source of the document");
    assert!(base.starts_with("http://127.0.0.1:"));
    assert_eq!(fake.base_url("elsewhere"), None);
}

#[tokio::test]
async fn typed_handlers_answer_instead_of_the_default() {
    let fake = Fake::start().await;
    fake.on_send_sms_otp(|request| {
        // The body as its schema describes it (`types::ApiOtpV1OtpSmsLoginOrCreateRequest`).
        assert_eq!(request.body.phone_number, "+15551234567");
        assert_eq!(request.body.expiration_minutes, None);
        // The default answer, typed: change a member and answer it.
        let mut body = SendSmsOtpResponse::default_ok();
        body.phone_id = "phone-from-handler".into();
        body.user_id = "user-from-handler".into();
        SendSmsOtpResponse::ok(body)
    })
    .on_authenticate_otp(|request| {
        if request.body.code == "000000" {
            let mut body = AuthenticateOtpResponse::default_ok();
            body.user_id = request.body.method_id;
            AuthenticateOtpResponse::ok(body)
        } else {
            AuthenticateOtpResponse::unauthorized(stytch::types::ErrorResponse {
                status_code: 401,
                request_id: "request-1".into(),
                error_type: "unable_to_auth_otp_code".into(),
                error_message: "The code is wrong.".into(),
                error_url: None,
                error_details: None,
            })
        }
    });
    let mut inputs = inputs();
    inputs.phone_number = "+15551234567".into();
    let outputs = stytch::sms_otp_login(&fake.client(), inputs.clone())
        .await
        .expect("succeeds");
    assert_eq!(outputs.user_id, "phone-from-handler");

    inputs.code = "111111".into();
    let error = stytch::sms_otp_login(&fake.client(), inputs.clone())
        .await
        .expect_err("a wrong code fails");
    assert_eq!(error.step(), Some("authenticateOtp"));
    assert_eq!(error.status(), Some(401));
    assert_eq!(
        error.body_json().map(|b| b["error_type"].clone()),
        Some(json!("unable_to_auth_otp_code"))
    );

    // Any status and any JSON, for answers the description does not declare.
    fake.on_authenticate_otp(|_| {
        AuthenticateOtpResponse::with_status(418, json!({"error_type": "teapot"}))
    });
    let error = stytch::sms_otp_login(&fake.client(), inputs)
        .await
        .expect_err("418");
    assert_eq!(error.status(), Some(418));
    assert_eq!(fake.violations(), []);
}

#[tokio::test]
async fn a_request_that_breaks_the_description_is_answered_400_and_recorded() {
    let fake = Fake::start().await;
    let base = fake.base_url("stytchConsumerApi").expect("a source");
    // Built by hand, without the required `code` and without credentials.
    let response = arazzo_runtime::reqwest::Client::new()
        .post(format!("{base}/v1/otps/authenticate"))
        .json(&json!({"method_id": "phone-1", "session_duration_minutes": "60"}))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status().as_u16(), 400);
    let text = response.text().await.expect("a body");
    assert!(text.contains("step `authenticateOtp`"), "{text}");
    assert!(
        text.contains("the required body member `code` is missing"),
        "{text}"
    );
    let messages: Vec<String> = fake.violations().iter().map(|v| v.to_string()).collect();
    assert_eq!(
        messages,
        [
            "step `authenticateOtp`: no HTTP Basic credentials (`Authorization: Basic …`)",
            "step `authenticateOtp`: the required body member `code` is missing",
            "step `authenticateOtp`: the body member `session_duration_minutes` should be an integer, not `\"60\"`",
        ]
    );
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn each_fault_ends_in_the_right_typed_error_for_the_next_calls_only() {
    let fake = Fake::start().await;
    let client = fake
        .client_builder()
        .timeout(Duration::from_millis(300))
        .build();

    fake.fault_send_sms_otp(Fault::Status(503), 1);
    let error = stytch::sms_otp_login(&client, inputs())
        .await
        .expect_err("503");
    assert!(matches!(error, Error::Step(_)), "{error:?}");
    assert_eq!(
        (error.step(), error.status()),
        (Some("sendSmsOtp"), Some(503))
    );

    fake.fault_authenticate_otp(Fault::Delay(Duration::from_secs(2)), 1);
    let error = stytch::sms_otp_login(&client, inputs())
        .await
        .expect_err("times out");
    assert_eq!(error.step(), Some("authenticateOtp"));
    assert_eq!(
        error.transport_cause(),
        Some(TransportCause::TimedOut),
        "{error}"
    );

    fake.fault_send_sms_otp(Fault::Drop, 1);
    let error = stytch::sms_otp_login(&client, inputs())
        .await
        .expect_err("dropped");
    assert_eq!(error.step(), Some("sendSmsOtp"));
    assert_eq!(
        error.transport_cause(),
        Some(TransportCause::ConnectionReset),
        "{error}"
    );

    fake.fault_authenticate_otp(Fault::Truncate, 1);
    let error = stytch::sms_otp_login(&client, inputs())
        .await
        .expect_err("truncated");
    assert_eq!(error.step(), Some("authenticateOtp"));
    assert!(error.is_transport(), "{error:?}");
    assert!(
        matches!(
            error.transport_cause(),
            Some(TransportCause::Body | TransportCause::ConnectionReset)
        ),
        "{error}"
    );

    // The faults were for one call each: the next run succeeds.
    stytch::sms_otp_login(&client, inputs())
        .await
        .expect("no fault left");
    assert_eq!(fake.violations(), []);
}

/// The README's example (section "Testing code that calls a workflow"), as it is written there.
mod readme {
    use super::stytch;

    /// The code under test: logs a user in, returns the session token.
    pub(super) async fn login(
        client: &stytch::Client,
        phone: &str,
        code: &str,
    ) -> Result<String, arazzo_runtime::Error> {
        let outputs = stytch::sms_otp_login(
            client,
            stytch::sms_otp_login::Inputs {
                phone_number: phone.into(),
                code: code.into(),
                session_duration_minutes: Some(60),
            },
        )
        .await?;
        Ok(outputs.session_token)
    }

    #[allow(clippy::unwrap_used)]
    #[tokio::test]
    async fn the_readme_example() {
        use super::stytch::fake::{AuthenticateOtpResponse, Fake, Fault, SendSmsOtpResponse};
        use arazzo_runtime::serde_json::json;

        let fake = Fake::start().await;

        // No handler: the description's examples answer, and the login succeeds.
        let token = login(&fake.client(), "+10000000000", "000000")
            .await
            .unwrap();
        assert_eq!(token, "mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q");
        let requests = fake.requests();
        assert_eq!(requests[0].step, "sendSmsOtp");
        assert_eq!(requests[0].body, json!({"phone_number": "+10000000000"}));
        assert_eq!(requests[1].body["code"], "000000");
        assert!(fake.violations().is_empty());

        // Typed handlers: the request's body and the responses are the schemas' types.
        fake.on_send_sms_otp(|request| {
            let mut body = SendSmsOtpResponse::default_ok();
            body.phone_id = format!("phone-of-{}", request.body.phone_number);
            SendSmsOtpResponse::ok(body)
        });
        fake.on_authenticate_otp(|request| {
            if request.body.code == "000000" {
                let mut body = AuthenticateOtpResponse::default_ok();
                body.session_token = format!("token-for-{}", request.body.method_id);
                AuthenticateOtpResponse::ok(body)
            } else {
                // A wrong code is a 404, as Stytch answers it.
                AuthenticateOtpResponse::not_found(super::stytch::types::ErrorResponse {
                    status_code: 404,
                    request_id: "request-1".into(),
                    error_type: "otp_code_not_found".into(),
                    error_message: "The passcode is wrong.".into(),
                    error_url: None,
                    error_details: None,
                })
            }
        });
        let token = login(&fake.client(), "+10000000000", "000000")
            .await
            .unwrap();
        assert_eq!(token, "token-for-phone-of-+10000000000");
        let error = login(&fake.client(), "+10000000000", "123456")
            .await
            .unwrap_err();
        assert_eq!(
            (error.step(), error.status()),
            (Some("authenticateOtp"), Some(404))
        );

        // A fault: the next call of the first step loses its connection.
        fake.fault_send_sms_otp(Fault::Drop, 1);
        let error = login(&fake.client(), "+10000000000", "000000")
            .await
            .unwrap_err();
        assert_eq!(error.step(), Some("sendSmsOtp"));
        assert!(error.is_transport());
    }
}

/// Defaults that satisfy success criteria (a status, a member's value, a negation, a regex on
/// the status), and one criterion no default satisfies: a generation-time warning, and a 500
/// at run time naming the handler to register.
mod criteria {
    use arazzo_codegen::{Generator, Settings};

    // The document's warnings (dialects it exercises) are `deprecated` warnings here.
    #[allow(deprecated)]
    mod jobs {
        arazzo_macros::arazzo_workflow!("fixtures/fake/fake.arazzo.yaml", fake = true);
    }

    #[test]
    fn a_criterion_no_default_satisfies_is_a_warning() {
        let generated = Generator::new(
            Settings::new()
                .with_base_dir(env!("CARGO_MANIFEST_DIR"))
                .with_fake(true),
        )
        .generate("fixtures/fake/fake.arazzo.yaml")
        .expect("generates");
        let warnings: Vec<String> = generated
            .warnings()
            .iter()
            .map(|w| w.message.clone())
            .collect();
        assert_eq!(
            warnings,
            [
                "the fake cannot answer step `lucky` (GET /flaky) by itself: no default matches \
              the regex `^7$` on `$response.body#/value`; register a handler with \
              `Fake::on_lucky`"
            ]
        );
    }

    #[tokio::test]
    async fn defaults_satisfy_the_criteria_they_can() {
        let fake = jobs::fake::Fake::start().await;
        let outputs = jobs::start_and_finish(&fake.client(), jobs::start_and_finish::Inputs {})
            .await
            .expect("the criteria hold");
        assert_eq!(outputs.id, "fake-id");
        let requests = fake.requests();
        assert_eq!(requests[1].path, "/jobs/fake-id");
        assert_eq!(jobs::fake::FinishResponse::default_body()["status"], "done");
        assert_eq!(jobs::fake::StartResponse::default_answer().0.status, 202);

        let error = jobs::lucky_number(&fake.client(), jobs::lucky_number::Inputs {})
            .await
            .expect_err("no default matches");
        assert_eq!((error.step(), error.status()), (Some("lucky"), Some(500)));
        let message = error.body_json().map(|b| b["message"].to_string());
        assert!(
            message
                .as_deref()
                .is_some_and(|m| m.contains("Fake::on_lucky")),
            "{message:?}"
        );

        // With a handler, it succeeds.
        fake.on_lucky(|_| jobs::fake::LuckyResponse::ok(jobs::types::LuckyOk { value: Some(7) }));
        let outputs = jobs::lucky_number(&fake.client(), jobs::lucky_number::Inputs {})
            .await
            .expect("the handler's answer matches");
        assert_eq!(outputs.value, Some(7));
    }
}

/// Typed requests and responses (`fixtures/fake/typed.arazzo.yaml`): path, query and header
/// parameters of their schemas' types, a typed body, a response per declared status taking the
/// type of its schema (one type per schema, shared with the workflow's output), a request that
/// does not read as its typed request (a violation, the handler not called), and `on_raw`.
mod typed {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use serde_json::json;

    mod shop {
        arazzo_macros::arazzo_workflow!("fixtures/fake/typed.arazzo.yaml", fake = true);
    }

    use shop::fake::{AddResponse, Fake, GetResponse, RawResponse};
    use shop::types::{AddAndGetGetItem as Item, Problem};

    fn inputs() -> shop::add_and_get::Inputs {
        shop::add_and_get::Inputs {
            shop_id: 7,
            name: "lamp".into(),
            limit: Some(3),
        }
    }

    #[tokio::test]
    async fn handlers_get_typed_parameters_and_bodies_and_answer_typed_bodies() {
        let fake = Fake::start().await;
        fake.on_add(|request| {
            assert_eq!(request.shop_id, 7);
            assert_eq!(request.limit, Some(3));
            assert_eq!(request.dry_run, None);
            assert_eq!(request.x_trace.as_deref(), Some("trace-1"));
            assert_eq!(request.body.name, "lamp");
            assert_eq!(request.body.price, Some(2.5));
            let mut item = AddResponse::default_created();
            item.id = 42;
            item.name = request.body.name;
            AddResponse::created(item)
        })
        .on_get(|request| {
            if request.item_id == 42 {
                GetResponse::ok(Item {
                    id: 42,
                    name: "lamp".into(),
                    price: Some(2.5),
                    tags: None,
                })
            } else {
                GetResponse::not_found(Problem {
                    code: "no_such_item".into(),
                })
            }
        });
        let outputs = shop::add_and_get(&fake.client(), inputs())
            .await
            .expect("succeeds");
        // The workflow's output and the fake's response are one type.
        let item: Item = outputs.item;
        assert_eq!((item.id, item.name.as_str()), (42, "lamp"));

        fake.on_add(|_| {
            let mut item = AddResponse::default_created();
            item.id = 9;
            AddResponse::created(item)
        });
        let error = shop::add_and_get(&fake.client(), inputs())
            .await
            .expect_err("no item 9");
        assert_eq!((error.step(), error.status()), (Some("get"), Some(404)));
        assert_eq!(error.body_json(), Some(&json!({"code": "no_such_item"})));
        assert_eq!(fake.violations(), []);
    }

    #[tokio::test]
    async fn a_request_that_does_not_read_as_the_typed_request_is_a_violation() {
        let fake = Fake::start().await;
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&calls);
        fake.on_add(move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
            AddResponse::created(AddResponse::default_created())
        });
        let base = fake.base_url("shop").expect("a source");
        let http = arazzo_runtime::reqwest::Client::new();
        // The path parameter is not an integer; a tag is not a string (the top-level check
        // sees only an array).
        for (path, body) in [
            ("/shops/seven/items", json!({"name": "lamp"})),
            ("/shops/7/items", json!({"name": "lamp", "tags": [1]})),
        ] {
            let response = http
                .post(format!("{base}{path}"))
                .json(&body)
                .send()
                .await
                .expect("answered");
            assert_eq!(response.status().as_u16(), 400);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        let messages: Vec<String> = fake.violations().iter().map(|v| v.to_string()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert_eq!(
            messages[0],
            "step `add`: the parameter `shopId` is `seven`, not a value of type `i64`"
        );
        assert!(
            messages[1].starts_with("step `add`: the body does not match its schema: invalid type: integer `1`, expected a string"),
            "{}",
            messages[1]
        );
        // The recorded request keeps the body as sent.
        assert_eq!(fake.requests()[1].body["tags"], json!([1]));

        // `on_raw` gets any request as received.
        fake.on_raw("add", |raw| {
            RawResponse::json(201, &json!({"id": raw.body["tags"][0], "name": "raw"}))
        });
        let response = http
            .post(format!("{base}/shops/7/items"))
            .json(&json!({"name": "lamp", "tags": [5]}))
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status().as_u16(), 201);
        assert_eq!(fake.violations().len(), 2);
    }

    #[tokio::test]
    async fn list_parameters_read_each_value() {
        let fake = Fake::start().await;
        fake.on_get(|request| {
            assert_eq!(request.shop_id, 1);
            let fields = request.fields.unwrap_or_default();
            GetResponse::ok(Item {
                id: request.item_id,
                name: fields.join("+"),
                price: None,
                tags: Some(fields),
            })
        });
        let base = fake.base_url("shop").expect("a source");
        let http = arazzo_runtime::reqwest::Client::new();
        for query in ["fields=name&fields=price", "fields=name,price"] {
            let item: serde_json::Value = http
                .get(format!("{base}/shops/1/items/5?{query}"))
                .send()
                .await
                .expect("answered")
                .json()
                .await
                .expect("JSON");
            assert_eq!(
                item,
                json!({"id": 5, "name": "name+price", "tags": ["name", "price"]})
            );
        }
    }
}

/// `fake` is the fake's module: a workflow that would take the name is generated as
/// `fake_workflow`, with or without `fake = true` (so its names never depend on the setting),
/// and said so (`tests/bad-input/dialects/workflow-named-fake.arazzo.yaml` shows the warning).
mod reserved {
    use arazzo_codegen::{Generator, Settings};

    // The macro shows the warning as a `deprecated` lint (the document is meant to warn).
    #[allow(deprecated)]
    mod named_fake {
        arazzo_macros::arazzo_workflow!(
            "bad-input/dialects/workflow-named-fake.arazzo.yaml",
            fake = true,
        );
    }

    #[test]
    fn a_workflow_named_fake_is_generated_as_fake_workflow() {
        for fake in [false, true] {
            let generated = Generator::new(
                Settings::new()
                    .with_base_dir(env!("CARGO_MANIFEST_DIR"))
                    .with_fake(fake),
            )
            .generate("bad-input/dialects/workflow-named-fake.arazzo.yaml")
            .expect("generates");
            let code = generated.to_formatted_string();
            assert!(
                code.contains("pub async fn fake_workflow("),
                "fake = {fake}"
            );
            assert_eq!(code.contains("pub mod fake {"), fake);
            let warnings: Vec<&str> = generated
                .warnings()
                .iter()
                .map(|w| w.message.as_str())
                .collect();
            assert_eq!(
                warnings,
                ["the workflow `fake` is generated as `fake_workflow`"]
            );
        }
        // Both modules are there and work.
        let _: fn() -> named_fake::fake_workflow::Inputs = named_fake::fake::inputs::fake_workflow;
    }
}
