//! What operators see: liveness, readiness (database, schema, workers), Prometheus metrics
//! labelled by route template, and request ids on every answer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::World;
use common::receiver::{Behaviour, Receiver};
use futures_util::future::join_all;
use patchbay_gateway::http::limits::{CorsOrigins, RateSpec};
use patchbay_gateway::store::Pool;
use serde_json::json;

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

    let text = metrics(&world).await;
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
    // Proxied calls take another path through the gateway: the same rules.
    let proxied = format!("{url}/v1/proxy/dialpad/acme/api/v2/company");
    let answer = world
        .raw
        .get(&proxied)
        .bearer_auth(&world.tenant.secret)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let id = answer.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    // UUID-shaped, and not the id of the call before.
    assert_eq!(id.len(), 36, "{id}");
    assert!(
        id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()),
        "{id}"
    );
    assert_ne!(id, generated);
    let answer = world
        .raw
        .get(&proxied)
        .bearer_auth(&world.tenant.secret)
        .header("x-request-id", "req-from-caller-43")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["x-request-id"], "req-from-caller-43");
}

#[tokio::test]
async fn a_body_over_the_limit_is_answered_413_while_the_caller_is_still_sending() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let world = World::start(1).await;
    // 16 MiB against the 1 MiB limit: more than the sockets hold, so the answer comes back
    // while the caller is still sending. The caller can send it all and read a 413; were
    // the connection closed with the body unread, it would be reset (a broken pipe).
    let size = 16 * 1024 * 1024;
    let mut stream = tokio::net::TcpStream::connect(world.gateway.addr())
        .await
        .unwrap();
    let head = format!(
        "POST /v1/resources/genericContact HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
         x-connector-id: dialpad\r\nx-owner-id: acme\r\ncontent-type: application/json\r\n\
         content-length: {size}\r\nconnection: close\r\n\r\n",
        world.gateway.addr(),
        world.tenant.secret
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
        .write_all(&vec![b' '; size])
        .await
        .expect("the whole body is taken");
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .await
        .expect("the answer is read");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("PAYLOAD_TOO_LARGE"), "{answer}");
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
    // A proxied call too (bounded by the server that serves it), counted like any other.
    let started = std::time::Instant::now();
    let answer = world.acme().get("/v1/proxy/api/v2/contacts").await;
    answer.err(504, "REQUEST_TIMEOUT");
    assert!(started.elapsed() < Duration::from_millis(1500));
    let text = metrics(&world).await;
    assert!(
        text.contains(
            "patchbay_http_request_duration_seconds_count{method=\"GET\",route=\"/v1/proxy/{*path}\",status=\"504\"} 1"
        ),
        "{text}"
    );
}

/// The gateway's `/metrics` text.
async fn metrics(world: &World) -> String {
    let answer = world
        .raw
        .get(format!("{}/metrics", world.gateway.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    answer.text().await.unwrap()
}

/// (deliveries succeeded, deliveries pending, pending ones still held by a lease).
async fn outbox(store: &patchbay_gateway::store::Store) -> (i64, i64, i64) {
    let sql = "SELECT \
        COALESCE(SUM(CASE WHEN status = 'succeeded' THEN 1 ELSE 0 END), 0), \
        COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0), \
        COALESCE(SUM(CASE WHEN status = 'pending' AND lease_owner IS NOT NULL THEN 1 ELSE 0 END), 0) \
        FROM webhook_deliveries";
    match store.pool() {
        Pool::Sqlite(pool) => sqlx::query_as(sql).fetch_one(pool).await.unwrap(),
        // SUM of integers is a bigint on PostgreSQL, an integer on SQLite: i64 both ways.
        Pool::Postgres(pool) => sqlx::query_as(sql).fetch_one(pool).await.unwrap(),
    }
}

/// An endpoint on `receiver` wanting every event; answers its `…/test` route.
async fn endpoint_test_route(world: &World, receiver: &Receiver) -> String {
    let endpoint = world
        .as_tenant(&world.tenant)
        .post(
            "/v1/webhooks/endpoints",
            json!({"url": receiver.url, "events": ["*"]}),
        )
        .await
        .ok(201);
    format!(
        "/v1/webhooks/endpoints/{}/test",
        endpoint["id"].as_str().unwrap()
    )
}

#[tokio::test]
async fn shutdown_finishes_deliveries_in_flight_and_hands_back_the_rest() {
    let world = World::start(2).await;
    let receiver = Receiver::start(Behaviour::Ok).await;
    receiver.set_delay(Duration::from_millis(800));
    let tenant = world.as_tenant(&world.tenant);
    let test = endpoint_test_route(&world, &receiver).await;
    // More events than the endpoint's cap: some are being sent, the rest wait.
    join_all((0..100).map(|_| tenant.post(&test, json!({})))).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while receiver.requests() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "nothing was delivered"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let store = world.gateway.state().store.clone();
    let World { gateway, .. } = world;
    gateway.shutdown(Duration::from_secs(15)).await.unwrap();

    let (succeeded, pending, held) = outbox(&store).await;
    // What was being sent was finished and recorded; nothing is left claimed by the
    // stopped instance, so another one sends the rest at once.
    assert!(succeeded > 0);
    assert_eq!(succeeded, i64::try_from(receiver.distinct()).unwrap());
    assert_eq!(succeeded + pending, 100);
    assert!(
        pending > 0,
        "the cap should have left some deliveries waiting"
    );
    assert_eq!(held, 0, "claims were not handed back");
}

#[tokio::test]
async fn deliveries_and_the_outbox_show_in_metrics_and_the_worker_in_readiness() {
    let world = World::start(2).await;
    let receiver = Receiver::start(Behaviour::Ok).await;
    let tenant = world.as_tenant(&world.tenant);
    let test = endpoint_test_route(&world, &receiver).await;
    tenant.post(&test, json!({})).await;
    receiver.wait_distinct(1, Duration::from_secs(20)).await;
    let url = world.gateway.url();
    let ready: serde_json::Value = world
        .raw
        .get(format!("{url}/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        ready["checks"]["workers"]["webhook-deliveries"]["status"], "ok",
        "{ready}"
    );
    // The outcome is recorded just after the receiver answers.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let text = metrics(&world).await;
        if text.contains("patchbay_webhook_deliveries_total{outcome=\"success\"} 1") {
            assert!(text.contains("patchbay_webhook_outbox_depth 0"), "{text}");
            assert!(
                text.contains("patchbay_webhook_delivery_duration_seconds_count 1"),
                "{text}"
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
