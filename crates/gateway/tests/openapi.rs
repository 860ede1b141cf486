//! The API description: the committed `openapi/openapi.json` matches the code (run with
//! `PATCHBAY_UPDATE_OPENAPI=1` to rewrite it), every documented route is really routed,
//! and `/openapi.json` and `/docs` are served by the binary itself.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::World;
use reqwest::Method;
use serde_json::{Value, json};

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/openapi.json");

#[test]
fn committed_openapi_matches_the_code() {
    let generated = patchbay_gateway::http::openapi_json();
    if std::env::var_os("PATCHBAY_UPDATE_OPENAPI").is_some() {
        std::fs::write(COMMITTED, format!("{generated}\n")).unwrap();
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed.trim_end() == generated.trim_end(),
        "openapi/openapi.json is stale: run `PATCHBAY_UPDATE_OPENAPI=1 cargo test -p patchbay-gateway --test openapi` and commit it"
    );
}

#[tokio::test]
async fn every_documented_route_is_routed_and_docs_are_served() {
    let world = World::start(20).await;
    let doc: Value = serde_json::from_str(&patchbay_gateway::http::openapi_json()).unwrap();
    let served = world
        .http
        .get(format!("{}/openapi.json", world.gateway.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    let served: Value = served.json().await.unwrap();
    assert_eq!(served, doc);

    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete = path
            .replace("{model}", "genericContact")
            .replace("{connectorId}", "dialpad")
            .replace("{ownerId}", "acme")
            .replace("{id}", "x1");
        for method in item.as_object().unwrap().keys() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let answer = world
                .acme()
                .call(method.clone(), &concrete)
                .send_json()
                .await;
            assert!(
                !matches!(answer.code(), "NOT_FOUND" | "METHOD_NOT_ALLOWED")
                    || !answer.body["message"]
                        .as_str()
                        .unwrap_or("")
                        .contains("route"),
                "{method} {path} is documented but not routed: {:?}",
                answer.body
            );
            assert_ne!(answer.status.as_u16(), 405, "{method} {path}");
        }
    }

    let docs = world
        .http
        .get(format!("{}/docs", world.gateway.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status(), 200);
    assert!(
        docs.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = docs.text().await.unwrap();
    assert!(html.contains("/openapi.json"));
    assert!(
        !html.contains("https://cdn"),
        "the docs page must not load from a CDN"
    );
}

/// What the API fuzzer (tests/python/test_api_fuzz.py) found, pinned: each is a client error
/// in our error body, never a 5xx or a silent success.
#[tokio::test]
async fn fuzzer_findings_are_answered_as_client_errors() {
    let world = World::start(20).await;
    let acme = world.acme();
    // A key with a control character cannot go in a header: it was a 503 "provider unavailable".
    let bad_key = json!({"credentials": {"type": "apiKey", "apiKey": "a\nb"}});
    acme.post("/v1/connections/dialpad/fuzz", bad_key)
        .await
        .err(422, "VALIDATION_FAILED");
    // serde reads a struct from an array too: `[null, null]` was a 200.
    acme.post("/v1/connections/dialpad/fuzz", json!([null, null]))
        .await
        .err(422, "VALIDATION_FAILED");
    acme.patch("/v1/settings", json!([[]]))
        .await
        .err(422, "VALIDATION_FAILED");
    // A query string that does not parse: was axum's text/plain answer.
    acme.post("/v1/webhooks/endpoints/ep_x/replay?since=nope", json!({}))
        .await
        .err(400, "BAD_REQUEST");
}
