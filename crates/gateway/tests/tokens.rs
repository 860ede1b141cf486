//! The token lifecycle of OAuth connections, against the sandbox's rotating refresh
//! tokens: refresh after a 401 (once, shared by concurrent calls), ahead of expiry, never
//! for a 403, `invalid_grant` making the connection unauthorized with an event, a token
//! endpoint that is down retried without touching the connection, and revocation on delete.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use chrono::Utc;
use common::World;
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::json;

const CONTACTS: &str = "/v1/resources/genericContact?limit=2";
const CONTACTS_ROUTE: &str = "GET /api/v2/contacts";

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_call_succeeds() {
    let world = World::bare(common::sandbox_config(20)).await;
    world.connect_oauth("olive", None).await;
    let olive = world.as_tenant(&world.tenant).on("dialpad", "olive");
    olive.get(CONTACTS).await.ok(200);
    assert_eq!(world.grants("refresh_token").await, 0);

    world.expire_tokens().await;
    olive.get(CONTACTS).await.ok(200);
    assert_eq!(world.grants("refresh_token").await, 1);
    // The renewed token is used from then on: no second refresh, no further 401.
    let rejected = world.sandbox_requests(CONTACTS_ROUTE, 401).await;
    for _ in 0..3 {
        olive.get(CONTACTS).await.ok(200);
    }
    assert_eq!(world.grants("refresh_token").await, 1);
    assert_eq!(world.sandbox_requests(CONTACTS_ROUTE, 401).await, rejected);
    let connection = world
        .as_tenant(&world.tenant)
        .get("/v1/connections/dialpad/olive")
        .await
        .ok(200);
    assert_eq!(connection["status"], "authorized");
    assert_eq!(connection["credentialType"], "oauth");
}

#[tokio::test]
async fn refresh_storm_on_one_process_makes_one_token_call() {
    let world = World::bare(common::sandbox_config(20)).await;
    world.connect_oauth("storm", None).await;
    let storm = world.as_tenant(&world.tenant).on("dialpad", "storm");
    storm.get(CONTACTS).await.ok(200);
    world.expire_tokens().await;

    let world = Arc::new(world);
    let calls = (0..1000).map(|_| {
        let world = world.clone();
        async move {
            world
                .as_tenant(&world.tenant)
                .on("dialpad", "storm")
                .get(CONTACTS)
                .await
                .status
                .as_u16()
        }
    });
    let statuses = join_all(calls).await;
    let failed: Vec<&u16> = statuses.iter().filter(|s| **s != 200).collect();
    assert!(
        failed.is_empty(),
        "{} calls failed: {failed:?}",
        failed.len()
    );
    assert_eq!(world.grants("refresh_token").await, 1);
}

#[tokio::test]
async fn tokens_are_refreshed_ahead_of_expiry_without_a_rejected_call() {
    let world = World::bare(common::sandbox_config(20)).await;
    let (access, refresh) = world.sandbox_tokens("offline_access").await;
    // Imported tokens the gateway believes expired a minute ago (Dialpad still takes them).
    world
        .as_tenant(&world.tenant)
        .post(
            "/v1/connections/dialpad/ahead",
            json!({"credentials": {
                "type": "oauth", "accessToken": access, "refreshToken": refresh,
                "expiresAt": (Utc::now() - chrono::Duration::minutes(1)).to_rfc3339(),
            }}),
        )
        .await
        .ok(201);
    let ahead = world.as_tenant(&world.tenant).on("dialpad", "ahead");
    ahead.get(CONTACTS).await.ok(200);
    assert_eq!(world.grants("refresh_token").await, 1);
    assert_eq!(world.sandbox_requests(CONTACTS_ROUTE, 401).await, 0);
    // The new token expires in an hour: nothing more to refresh.
    ahead.get(CONTACTS).await.ok(200);
    assert_eq!(world.grants("refresh_token").await, 1);
}

#[tokio::test]
async fn a_403_is_the_providers_answer_not_a_reason_to_refresh() {
    let world = World::bare(common::sandbox_config(20)).await;
    // Without `calls:list`, Dialpad refuses the call list with a 403.
    let (access, refresh) = world.sandbox_tokens("offline_access").await;
    world
        .as_tenant(&world.tenant)
        .post(
            "/v1/connections/dialpad/narrow",
            json!({"credentials": {"type": "oauth", "accessToken": access, "refreshToken": refresh}}),
        )
        .await
        .ok(201);
    let narrow = world.as_tenant(&world.tenant).on("dialpad", "narrow");
    narrow
        .get("/v1/resources/telephonyCall?limit=2")
        .await
        .err(403, "FORBIDDEN");
    assert_eq!(world.grants("refresh_token").await, 0);
    let connection = world
        .as_tenant(&world.tenant)
        .get("/v1/connections/dialpad/narrow")
        .await
        .ok(200);
    assert_eq!(connection["status"], "authorized");
}

#[tokio::test]
async fn a_refused_refresh_marks_the_connection_unauthorized_and_records_an_event() {
    let world = World::bare(common::sandbox_config(20)).await;
    let (access, refresh) = world.sandbox_tokens("offline_access").await;
    world
        .as_tenant(&world.tenant)
        .post(
            "/v1/connections/dialpad/lapsed",
            json!({"credentials": {"type": "oauth", "accessToken": access, "refreshToken": refresh}}),
        )
        .await
        .ok(201);
    // Someone else used the refresh token: Dialpad rotated it, the stored one is dead.
    world.burn_refresh_token(&refresh).await;
    world.expire_tokens().await;
    let lapsed = world.as_tenant(&world.tenant).on("dialpad", "lapsed");
    let body = lapsed
        .get(CONTACTS)
        .await
        .err(403, "CONNECTION_UNAUTHORIZED");
    assert!(
        body["message"].as_str().unwrap().contains("authorize"),
        "{body}"
    );
    let connection = world
        .as_tenant(&world.tenant)
        .get("/v1/connections/dialpad/lapsed")
        .await
        .ok(200);
    assert_eq!(connection["status"], "unauthorized");
    // The event waits for the webhooks outbox, with the reason.
    let tenant = world.tenant.id.parse().unwrap();
    let events = world
        .gateway
        .state()
        .store
        .connection_events(&tenant, 10)
        .await
        .unwrap();
    let unauthorized: Vec<_> = events
        .iter()
        .filter(|e| e.event_type.to_string() == "connection::unauthorized")
        .collect();
    assert_eq!(unauthorized.len(), 1, "{events:?}");
    assert_eq!(unauthorized[0].owner_id, "lapsed");
    assert!(
        unauthorized[0]
            .data
            .reason
            .as_deref()
            .unwrap()
            .contains("invalid_grant")
    );
    // Refused from then on without asking Dialpad again.
    let asked = world.sandbox_requests(CONTACTS_ROUTE, 401).await;
    lapsed
        .get(CONTACTS)
        .await
        .err(403, "CONNECTION_UNAUTHORIZED");
    assert_eq!(world.sandbox_requests(CONTACTS_ROUTE, 401).await, asked);
}

#[tokio::test]
async fn a_token_endpoint_that_is_down_is_retried_and_changes_nothing() {
    let world = World::bare(common::sandbox_config(20)).await;
    world.connect_oauth("patient", None).await;
    let patient = world.as_tenant(&world.tenant).on("dialpad", "patient");
    world.expire_tokens().await;
    // Two failures, then it answers: the call succeeds after backing off.
    world
        .control(
            Method::POST,
            "/_sandbox/faults",
            json!({"route": "POST /oauth2/token", "kind": "internal_error", "next": 2}),
        )
        .await;
    patient.get(CONTACTS).await.ok(200);
    assert_eq!(world.grants("refresh_token").await, 1);

    // Down for longer than the retries: 503, and the connection is left as it was.
    world.expire_tokens().await;
    world
        .control(
            Method::POST,
            "/_sandbox/faults",
            json!({"route": "POST /oauth2/token", "kind": "unavailable", "next": 50}),
        )
        .await;
    patient.get(CONTACTS).await.err(503, "UPSTREAM_UNAVAILABLE");
    let connection = world
        .as_tenant(&world.tenant)
        .get("/v1/connections/dialpad/patient")
        .await
        .ok(200);
    assert_eq!(connection["status"], "authorized");
    world
        .control(Method::DELETE, "/_sandbox/faults", json!({}))
        .await;
    patient.get(CONTACTS).await.ok(200);
    assert_eq!(world.grants("refresh_token").await, 2);
}

#[tokio::test]
async fn deleting_an_oauth_connection_revokes_its_tokens_at_dialpad() {
    let world = World::bare(common::sandbox_config(20)).await;
    let (access, refresh) = world.sandbox_tokens("offline_access").await;
    let me = world.as_tenant(&world.tenant);
    me.post(
        "/v1/connections/dialpad/gone",
        json!({"credentials": {"type": "oauth", "accessToken": access, "refreshToken": refresh}}),
    )
    .await
    .ok(201);
    me.delete("/v1/connections/dialpad/gone").await.ok(204);
    assert_eq!(
        world
            .sandbox_requests("POST /oauth2/deauthorize", 204)
            .await,
        1
    );
    let status = world
        .http
        .get(format!("{}/api/v2/contacts", world.sandbox.url()))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401, "the access token still works after the delete");

    // A token the gateway knows expired is refreshed first: Dialpad deauthorizes only with
    // a live one, and revokes the whole authorization with it.
    let (access, refresh) = world.sandbox_tokens("offline_access").await;
    me.post(
        "/v1/connections/dialpad/stale",
        json!({"credentials": {"type": "oauth", "accessToken": access, "refreshToken": refresh,
            "expiresAt": (Utc::now() - chrono::Duration::minutes(1)).to_rfc3339()}}),
    )
    .await
    .ok(201);
    me.delete("/v1/connections/dialpad/stale").await.ok(204);
    assert_eq!(
        world
            .sandbox_requests("POST /oauth2/deauthorize", 204)
            .await,
        2
    );
    // Deauthorized with a live token (an expired one would have been a 401 there).
    assert_eq!(
        world
            .sandbox_requests("POST /oauth2/deauthorize", 401)
            .await,
        0
    );
}
