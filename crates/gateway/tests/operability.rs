//! What operators see: liveness, readiness (database, schema, workers), Prometheus metrics
//! labelled by route template, and request ids on every answer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::World;

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
