//! What operators see: liveness, readiness (database, schema, workers), Prometheus metrics
//! labelled by route template, and request ids on every answer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::World;
use patchbay_gateway::http::limits::{CorsOrigins, RateSpec};

#[tokio::test]
async fn readiness_reports_each_check_and_turns_red_when_a_worker_stalls() {
    let world = World::start(5).await;
    let url = world.gateway.url();
    let live = world
        .raw
        .get(format!("{url}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);

    let ready = world.raw.get(format!("{url}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready", "{body}");
    assert_eq!(body["checks"]["database"], "ok", "{body}");
    assert_eq!(body["checks"]["migrations"], "current", "{body}");
    assert_eq!(
        body["checks"]["workers"]["reports-poller"]["status"], "ok",
        "{body}"
    );

    // A worker that stops making progress (here: one that never beats again).
    let beats = &world.gateway.state().heartbeats;
    let _stuck = beats.register("test-worker", Duration::from_millis(1));
    tokio::time::sleep(Duration::from_millis(20)).await;
    let ready = world.raw.get(format!("{url}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "not ready", "{body}");
    assert_eq!(
        body["checks"]["workers"]["test-worker"]["status"], "stalled",
        "{body}"
    );
    assert_eq!(
        body["checks"]["workers"]["reports-poller"]["status"], "ok",
        "{body}"
    );

    beats.unregister("test-worker");
    let ready = world.raw.get(format!("{url}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_without_tenant_data() {
    let world = World::start(5).await;
    let acme = world.acme();
    acme.get("/v1/resources/genericContact?limit=2")
        .await
        .ok(200);
    acme.get("/v1/resources/genericContact?limit=3")
        .await
        .ok(200);
    acme.get("/v1/resources/genericUser/does-not-exist").await;
    world
        .anonymous()
        .get("/v1/connections")
        .await
        .err(401, "UNAUTHENTICATED");

    let url = world.gateway.url();
    let answer = world
        .raw
        .get(format!("{url}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let text = answer.text().await.unwrap();
    assert!(
        text.contains(
            "patchbay_http_request_duration_seconds_count{method=\"GET\",route=\"/v1/resources/{model}\",status=\"200\"} 2"
        ),
        "{text}"
    );
    assert!(
        text.contains("route=\"/v1/connections\",status=\"401\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE patchbay_webhook_outbox_depth gauge"),
        "{text}"
    );
    // No tenant, connection or key appears in any label.
    assert!(!text.contains(&world.tenant.id), "{text}");
    assert!(!text.contains("acme"), "{text}");
    assert!(!text.contains(&world.tenant.secret), "{text}");
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_a_given_one_is_kept() {
    let world = World::start(1).await;
    let url = world.gateway.url();
    let answer = world
        .raw
        .get(format!("{url}/v1/connections"))
        .send()
        .await
        .unwrap();
    let generated = answer.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!generated.is_empty());
    let answer = world
        .raw
        .get(format!("{url}/v1/connections"))
        .header("x-request-id", "req-from-caller-42")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.headers()["x-request-id"], "req-from-caller-42");
}

#[tokio::test]
async fn a_key_over_the_api_rate_limit_gets_429_with_retry_after_and_others_do_not() {
    let world = World::start_tuned(1, |o| {
        o.hardening.api_rate_limit = Some(RateSpec {
            per_second: 0.5,
            burst: 3,
        });
    })
    .await;
    // The world's own setup used one request of the burst (creating the connection).
    let acme = world.acme();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(acme.get("/v1/connections").await);
    }
    assert_eq!(statuses[0].status, 200);
    assert_eq!(statuses[1].status, 200);
    let limited = statuses.pop().unwrap();
    let body = limited.err(429, "RATE_LIMITED");
    assert!(
        body["message"].as_str().unwrap().contains("Retry-After"),
        "{body}"
    );
    assert!(
        statuses[2].status == 429 || statuses[2].status == 200,
        "{:?}",
        statuses[2].status
    );
    // Another tenant's key has its own budget.
    let other = world.other_tenant("Other").await;
    world.as_tenant(&other).get("/v1/connections").await.ok(200);
}

#[tokio::test]
async fn session_routes_answer_cors_preflights_for_allowed_origins_only() {
    let world = World::start_tuned(1, |o| {
        o.hardening.cors_origins = "https://app.example.com".parse::<CorsOrigins>().unwrap();
    })
    .await;
    let url = world.gateway.url();
    let preflight = |origin: &'static str, path: &'static str| {
        world
            .raw
            .request(reqwest::Method::OPTIONS, format!("{url}{path}"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "x-session-token")
            .send()
    };
    let allowed = preflight("https://app.example.com", "/v1/s/connection")
        .await
        .unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    let allow_headers = allowed.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(allow_headers.contains("x-session-token"), "{allow_headers}");
    let other = preflight("https://evil.example.com", "/v1/s/connection")
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    // Secret-key routes never answer browsers' cross-origin calls.
    let tenant_route = preflight("https://app.example.com", "/v1/connections")
        .await
        .unwrap();
    assert!(
        tenant_route
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn a_request_slower_than_the_timeout_is_answered_504_request_timeout() {
    let world = World::start_tuned(2, |o| {
        o.hardening.request_timeout = Duration::from_millis(300);
    })
    .await;
    // Dialpad takes 2 s to answer every request.
    world
        .control(
            reqwest::Method::POST,
            "/_sandbox/faults",
            serde_json::json!({"route": "GET /api/v2/contacts", "kind": "latency", "latency_ms": 2000, "next": 5}),
        )
        .await;
    let answer = world.acme().get("/v1/resources/genericContact").await;
    answer.err(504, "REQUEST_TIMEOUT");
}
