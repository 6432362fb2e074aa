//! Redirects, against hand-written HTTP/1.1 servers on 127.0.0.1: credentials never follow a
//! redirect to another origin, methods and bodies follow the rules of reqwest and Fetch, and
//! one limit counts every hop.

#[path = "support/devices.rs"]
mod devices;
#[path = "support/http_server.rs"]
mod http_server;

use std::sync::{Arc, Mutex};

use arazzo_runtime::{BasicAuth, Error, HttpClient, HttpSettings, Method};
use devices::device_inputs;
use http_server::{Server, json, redirect};

/// `home`, whose operations redirect within it and to `other`, and `other`; `landing` is
/// `other`'s `/landing`.
struct Origins {
    home: Server,
    other: Server,
    landing: String,
}

async fn origins() -> Origins {
    let other = Server::start(|_| json(200, r#"{"where": "other", "id": "other"}"#)).await;
    let landing = format!("{}/landing", other.url);
    let target = landing.clone();
    let home = Server::start(move |seen| match seen.target.as_str() {
        "/start" => redirect(307, &target),
        "/devices/away" => redirect(302, &target),
        "/devices/here" => redirect(303, "/devices/landed"),
        "/devices/landed" => json(200, r#"{"id": "landed"}"#),
        _ => json(200, r#"{"where": "home", "id": "home"}"#),
    })
    .await;
    Origins {
        home,
        other,
        landing,
    }
}

#[tokio::test]
async fn credentials_never_follow_a_redirect_to_another_origin() {
    let Origins { home, other, .. } = origins().await;
    let client = devices::Client::builder()
        .devices(&home.url)
        .basic("user-SECRET", "password-SECRET")
        .api_key("key-SECRET")
        .session("cookie-SECRET")
        .default_header("x-tenant", "tenant-SECRET")
        .build();
    let outputs = devices::follow(&client, devices::follow::Inputs {})
        .await
        .expect("follows the redirect");
    assert_eq!(outputs.where_, "other");
    let first = home.seen().pop().expect("present");
    assert!(
        first
            .header("authorization")
            .is_some_and(|a| a.starts_with("Basic "))
    );
    assert_eq!(first.header("x-api-key"), Some("key-SECRET"));
    assert_eq!(first.header("cookie"), Some("session=cookie-SECRET"));
    assert_eq!(first.header("x-tenant"), Some("tenant-SECRET"));
    let landed = other.seen().pop().expect("present");
    assert_eq!(landed.target, "/landing");
    for header in ["authorization", "x-api-key", "cookie", "x-tenant"] {
        assert!(
            landed.header(header).is_none(),
            "{header} went to another origin: {landed:?}"
        );
    }
    for (_, value) in &landed.headers {
        assert!(!value.contains("SECRET"), "{landed:?}");
    }
}

#[tokio::test]
async fn a_bearer_token_is_dropped_across_origins_and_kept_within_one() {
    let Origins { home, other, .. } = origins().await;
    let bearer = devices::Client::builder()
        .devices(&home.url)
        .oauth("bearer-SECRET")
        .build();
    assert_eq!(
        devices::device(&bearer, device_inputs("away"))
            .await
            .expect("present")
            .id,
        "other"
    );
    assert!(
        other
            .seen()
            .pop()
            .expect("present")
            .header("authorization")
            .is_none()
    );
    assert_eq!(
        devices::device(&bearer, device_inputs("here"))
            .await
            .expect("present")
            .id,
        "landed"
    );
    let landed = home.seen().pop().expect("present");
    assert_eq!(landed.method, "GET");
    assert_eq!(landed.header("authorization"), Some("Bearer bearer-SECRET"));
}

#[tokio::test]
async fn with_redirects_off_the_3xx_is_the_response() {
    let Origins { home, landing, .. } = origins().await;
    let peek = devices::Client::builder()
        .devices(&home.url)
        .basic("u", "p")
        .api_key("k")
        .session("s")
        .no_redirects()
        .build();
    let outputs = devices::peek(&peek, devices::peek::Inputs {})
        .await
        .expect("reads the redirect");
    assert_eq!(outputs.status, 307);
    assert_eq!(outputs.location, landing);
    let error = devices::follow(&peek, devices::follow::Inputs {})
        .await
        .expect_err("fails");
    assert_eq!(error.status(), Some(307));
}

#[tokio::test]
async fn a_loop_of_redirects_ends_at_the_limit() {
    let looping = Server::start(|_| redirect(302, "/start")).await;
    let client = devices::Client::builder()
        .devices(&looping.url)
        .basic("u", "p")
        .api_key("k")
        .session("s")
        .redirects(3)
        .build();
    let error = devices::follow(&client, devices::follow::Inputs {})
        .await
        .expect_err("fails");
    assert!(
        matches!(
            error,
            Error::TooManyRedirects {
                step: "start",
                limit: 3
            }
        ),
        "{error:?}"
    );
    assert_eq!(looping.count("/start"), 4);
}

/// `home`, whose paths redirect within it and to `other`, and `other`, whose `/back`
/// redirects to `home`'s `/far`.
async fn crossings() -> (Server, Server) {
    let far = Arc::new(Mutex::new(String::new()));
    let far_ = Arc::clone(&far);
    let other = Server::start(move |seen| match seen.target.as_str() {
        "/back" => redirect(302, &far_.lock().expect("not poisoned")),
        "/again" => redirect(302, "/back"),
        _ => json(200, r#"{"where": "other"}"#),
    })
    .await;
    let (landing, back, again) = (
        format!("{}/landing", other.url),
        format!("{}/back", other.url),
        format!("{}/again", other.url),
    );
    let home = Server::start(move |seen| match seen.target.as_str() {
        // Within the origin, then to another.
        "/keep" => redirect(307, "/keep-here"),
        "/keep-here" => redirect(308, &landing),
        // A 303 turns the POST into a GET without a body, for every later hop too.
        "/see" => redirect(303, "/see-here"),
        "/see-here" => redirect(307, &landing),
        "/near" => redirect(302, "/far"),
        "/far" => redirect(302, &back),
        "/across" => redirect(302, &again),
        _ => json(200, r#"{"where": "home"}"#),
    })
    .await;
    *far.lock().expect("not poisoned") = format!("{}/far", home.url);
    (home, other)
}

#[tokio::test]
async fn a_307_and_a_308_keep_the_method_and_the_body_across_origins() {
    let (home, other) = crossings().await;
    let auth = BasicAuth::new("user-SECRET", "password-SECRET");
    let response = HttpClient::new()
        .request("keep", Method::POST, &home.url, "/keep")
        .basic_auth(Some(&auth))
        .json(&serde_json::json!({ "name": "value" }))
        .send()
        .await
        .expect("follows");
    assert_eq!(response.status(), 200);
    assert_eq!(response.url(), format!("{}/landing", other.url));
    let here = home.seen().pop().expect("present");
    assert_eq!(
        (here.target.as_str(), here.method.as_str()),
        ("/keep-here", "POST")
    );
    assert_eq!(here.body, r#"{"name":"value"}"#);
    assert!(here.header("authorization").is_some());
    let landed = other.seen().pop().expect("present");
    assert_eq!(landed.method, "POST");
    assert_eq!(landed.body, r#"{"name":"value"}"#);
    assert_eq!(landed.header("content-type"), Some("application/json"));
    assert!(landed.header("authorization").is_none(), "{landed:?}");
}

#[tokio::test]
async fn a_303_turns_a_post_into_a_get_for_every_later_hop() {
    let (home, other) = crossings().await;
    let auth = BasicAuth::new("user-SECRET", "password-SECRET");
    HttpClient::new()
        .request("see", Method::POST, &home.url, "/see")
        .basic_auth(Some(&auth))
        .json(&serde_json::json!({ "name": "value" }))
        .send()
        .await
        .expect("follows");
    let here = home.seen().pop().expect("present");
    assert_eq!(
        (here.target.as_str(), here.method.as_str()),
        ("/see-here", "GET")
    );
    assert!(here.header("authorization").is_some());
    let landed = other.seen().pop().expect("present");
    assert_eq!((landed.method.as_str(), landed.body.as_str()), ("GET", ""));
    assert!(landed.header("content-type").is_none(), "{landed:?}");
    assert!(landed.header("authorization").is_none(), "{landed:?}");
}

/// Sends a GET of `path` on `home` with a client that follows at most 3 redirects.
async fn within_three(home: &Server, step: &'static str, path: &str) -> Error {
    let mut settings = HttpSettings::default();
    settings.redirects = 3;
    HttpClient::with_settings(&settings)
        .request(step, Method::GET, &home.url, path)
        .send()
        .await
        .expect_err("fails")
}

#[tokio::test]
async fn one_limit_counts_the_hops_within_an_origin_and_across_origins() {
    let (home, other) = crossings().await;
    // /near, /far, /back, /far, then the fourth redirect is one too many.
    let error = within_three(&home, "near", "/near").await;
    assert!(
        matches!(
            error,
            Error::TooManyRedirects {
                step: "near",
                limit: 3
            }
        ),
        "{error:?}"
    );
    assert_eq!((home.count("/far"), other.count("/back")), (2, 1));

    // Across, then within the other origin: /across, /again, /back, /far, then one too many.
    let error = within_three(&home, "across", "/across").await;
    assert!(
        matches!(error, Error::TooManyRedirects { step: "across", .. }),
        "{error:?}"
    );
    assert_eq!((other.count("/again"), other.count("/back")), (1, 2));
    assert_eq!(home.count("/far"), 3);
}
