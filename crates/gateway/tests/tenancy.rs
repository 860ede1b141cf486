//! Tenants, keys and connections end to end: authentication answers, the isolation matrix
//! (another tenant's things are 404, never 403), the connection lifecycle with API-key
//! verification, credentials never stored in clear, and upstream failures with their codes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Auth, World};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn requests_authenticate_with_a_bearer_secret_or_morphs_key_pair() {
    let world = World::start(20).await;
    let t = world.tenant.clone();
    world
        .anonymous()
        .get("/v1/connections")
        .await
        .err(401, "UNAUTHENTICATED");
    world
        .anonymous()
        .auth(Auth::Raw(vec![("x-api-key", t.publishable.clone())]))
        .get("/v1/connections")
        .await
        .err(401, "UNAUTHENTICATED");
    world
        .anonymous()
        .auth(Auth::Bearer("sk_wrong".into()))
        .get("/v1/connections")
        .await
        .err(401, "INVALID_API_KEY");
    world
        .anonymous()
        .auth(Auth::Bearer(t.publishable.clone()))
        .get("/v1/connections")
        .await
        .err(401, "INVALID_API_KEY");
    let pair = Auth::Pair {
        publishable: t.publishable.clone(),
        secret: t.secret.clone(),
    };
    let listed = world
        .anonymous()
        .auth(pair)
        .get("/v1/connections")
        .await
        .ok(200);
    assert_eq!(listed["data"][0]["ownerId"], "acme");
    // Another tenant's publishable key with this tenant's secret is refused.
    let other = world.other_tenant("Other").await;
    world
        .anonymous()
        .auth(Auth::Pair {
            publishable: other.publishable.clone(),
            secret: t.secret.clone(),
        })
        .get("/v1/connections")
        .await
        .err(401, "INVALID_API_KEY");
}

#[tokio::test]
async fn a_second_key_works_alongside_and_a_revoked_key_stops_working() {
    let world = World::start(20).await;
    let store = &world.gateway.state().store;
    let tenant_id = patchbay_gateway::store::TenantId::new(world.tenant.id.clone()).unwrap();
    let second = store
        .create_secret_key(&tenant_id, Some("rotation"))
        .await
        .unwrap();
    let second_secret = second.secret.expose().to_owned();
    world
        .anonymous()
        .auth(Auth::Bearer(second_secret.clone()))
        .get("/v1/connections")
        .await
        .ok(200);
    world
        .as_tenant(&world.tenant)
        .get("/v1/connections")
        .await
        .ok(200);
    // The raw proxy remembers what a call resolved to for a moment: revocation still
    // applies at once.
    let proxied = "/v1/proxy/dialpad/acme/api/v2/company";
    let with_second = || world.anonymous().auth(Auth::Bearer(second_secret.clone()));
    for _ in 0..3 {
        with_second().get(proxied).await.ok(200);
    }
    assert!(
        store
            .revoke_secret_key(&tenant_id, &second.info.id)
            .await
            .unwrap()
    );
    // Revocation through another process reaches this one within the auth cache TTL;
    // this instance is told at once here.
    world.gateway.state().auth.invalidate_all();
    with_second()
        .get("/v1/connections")
        .await
        .err(401, "INVALID_API_KEY");
    for _ in 0..3 {
        with_second().get(proxied).await.err(401, "INVALID_API_KEY");
    }
    world.as_tenant(&world.tenant).get(proxied).await.ok(200);
    world
        .as_tenant(&world.tenant)
        .get("/v1/connections")
        .await
        .ok(200);
}

#[tokio::test]
async fn another_tenant_cannot_see_or_touch_a_connection_or_its_resources() {
    let world = World::start(20).await;
    let other = world.other_tenant("Intruder").await;
    let intruder = world.as_tenant(&other);
    let page = intruder.get("/v1/connections").await.ok(200);
    assert_eq!(page["data"], json!([]));
    intruder
        .get("/v1/connections/dialpad/acme")
        .await
        .err(404, "CONNECTION_NOT_FOUND");
    intruder
        .patch(
            "/v1/connections/dialpad/acme",
            json!({"operations": ["genericContact::list"]}),
        )
        .await
        .err(404, "CONNECTION_NOT_FOUND");
    intruder
        .delete("/v1/connections/dialpad/acme")
        .await
        .err(404, "CONNECTION_NOT_FOUND");
    let on_acme = intruder.clone().on("dialpad", "acme");
    for path in [
        "/v1/resources/genericContact",
        "/v1/resources/genericUser",
        "/v1/resources/genericWorkspace",
        "/v1/resources/telephonyCall",
    ] {
        on_acme.get(path).await.err(404, "CONNECTION_NOT_FOUND");
    }
    on_acme
        .get("/v1/resources/genericContact/123")
        .await
        .err(404, "CONNECTION_NOT_FOUND");
    on_acme
        .post(
            "/v1/resources/genericContact",
            json!({"firstName": "A", "lastName": "B"}),
        )
        .await
        .err(404, "CONNECTION_NOT_FOUND");
    on_acme
        .patch(
            "/v1/resources/genericContact/123",
            json!({"firstName": "A"}),
        )
        .await
        .err(404, "CONNECTION_NOT_FOUND");
    on_acme
        .delete("/v1/resources/genericContact/123")
        .await
        .err(404, "CONNECTION_NOT_FOUND");
    on_acme
        .get("/v1/models/genericContact/fields")
        .await
        .err(404, "CONNECTION_NOT_FOUND");
    // The same owner id under the intruder is its own, separate connection.
    intruder
        .post("/v1/connections/dialpad/acme", json!({}))
        .await
        .ok(201);
    let mine = world
        .as_tenant(&world.tenant)
        .get("/v1/connections/dialpad/acme")
        .await
        .ok(200);
    assert_eq!(mine["status"], "authorized");
    let theirs = intruder.get("/v1/connections/dialpad/acme").await.ok(200);
    assert_eq!(theirs["status"], "awaitingAuthorization");
}

#[tokio::test]
async fn a_connection_is_authorized_only_by_credentials_dialpad_accepts() {
    let world = World::bare(common::sandbox_config(20)).await;
    let me = world.as_tenant(&world.tenant);
    let body = me
        .post(
            "/v1/connections/dialpad/bob",
            json!({"credentials": {"type": "apiKey", "apiKey": "not-a-dialpad-key"}}),
        )
        .await
        .err(422, "VALIDATION_FAILED");
    assert_eq!(body["details"][0]["field"], "credentials");
    // Nothing half-written.
    me.get("/v1/connections/dialpad/bob")
        .await
        .err(404, "CONNECTION_NOT_FOUND");

    let created = me
        .post(
            "/v1/connections/dialpad/bob",
            json!({"operations": ["genericContact::list", "genericContact::retrieve"]}),
        )
        .await
        .ok(201);
    assert_eq!(created["object"], "connection");
    assert_eq!(created["status"], "awaitingAuthorization");
    assert_eq!(
        created["operations"],
        json!(["genericContact::list", "genericContact::retrieve"])
    );
    let bob = me.clone().on("dialpad", "bob");
    bob.get("/v1/resources/genericContact")
        .await
        .err(403, "CONNECTION_UNAUTHORIZED");

    let key = world.sandbox.info().api_key;
    let updated = me
        .patch(
            "/v1/connections/dialpad/bob",
            json!({"credentials": {"type": "apiKey", "apiKey": key}}),
        )
        .await
        .ok(200);
    assert_eq!(updated["status"], "authorized");
    assert_eq!(updated["credentialType"], "apiKey");
    assert!(!updated.to_string().contains(&key));
    bob.get("/v1/resources/genericContact?limit=2")
        .await
        .ok(200);
    // Operations not granted are refused; unknown ones are named.
    bob.get("/v1/resources/genericUser")
        .await
        .err(403, "OPERATION_NOT_ALLOWED");
    let body = me
        .patch(
            "/v1/connections/dialpad/bob",
            json!({"operations": ["genericContact::fly"]}),
        )
        .await
        .err(422, "VALIDATION_FAILED");
    assert_eq!(body["details"][0]["field"], "operations[0]");
    me.patch("/v1/connections/dialpad/nobody", json!({}))
        .await
        .err(404, "CONNECTION_NOT_FOUND");
    me.post("/v1/connections/nowhere/bob", json!({}))
        .await
        .err(404, "CONNECTOR_NOT_FOUND");

    // The key is not in the database in clear.
    if !common::db::testing_postgres() {
        let path = world
            .database_url
            .trim_start_matches("sqlite://")
            .to_owned();
        let mut bytes = std::fs::read(&path).unwrap();
        for suffix in ["-wal", "-shm"] {
            if let Ok(more) = std::fs::read(format!("{path}{suffix}")) {
                bytes.extend(more);
            }
        }
        let needle = key.as_bytes();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "the API key is stored in clear"
        );
    }

    me.delete("/v1/connections/dialpad/bob").await.ok(204);
    me.get("/v1/connections/dialpad/bob")
        .await
        .err(404, "CONNECTION_NOT_FOUND");
    bob.get("/v1/resources/genericContact")
        .await
        .err(404, "CONNECTION_NOT_FOUND");
}

#[tokio::test]
async fn connections_list_filters_and_pages() {
    let world = World::start(20).await;
    let me = world.as_tenant(&world.tenant);
    for owner in ["a1", "a2", "a3", "a4", "a5"] {
        me.post(&format!("/v1/connections/dialpad/{owner}"), json!({}))
            .await
            .ok(201);
    }
    let waiting = me
        .get("/v1/connections?status=awaitingAuthorization&limit=2")
        .await
        .ok(200);
    assert_eq!(waiting["data"].as_array().unwrap().len(), 2);
    let mut owners = vec![];
    let mut page = waiting;
    loop {
        for c in page["data"].as_array().unwrap() {
            assert_eq!(c["status"], "awaitingAuthorization");
            owners.push(c["ownerId"].as_str().unwrap().to_owned());
        }
        let Some(next) = page["next"].as_str() else {
            break;
        };
        page = me
            .get(&format!(
                "/v1/connections?status=awaitingAuthorization&limit=2&cursor={next}"
            ))
            .await
            .ok(200);
    }
    assert_eq!(owners, ["a1", "a2", "a3", "a4", "a5"]);
    let authorized = me
        .get("/v1/connections?status=authorized&connectorId=dialpad")
        .await
        .ok(200);
    assert_eq!(authorized["data"].as_array().unwrap().len(), 1);
    me.get("/v1/connections?status=sleepy")
        .await
        .err(422, "VALIDATION_FAILED");
}

#[tokio::test]
async fn a_credential_dialpad_rejects_marks_the_connection_unauthorized() {
    let world = World::bare(common::sandbox_config(100)).await;
    let me = world.as_tenant(&world.tenant);
    // A user's own API key stops working when Dialpad deletes the user.
    let users = world
        .dialpad(Method::GET, "/api/v2/users?state=active", None)
        .await;
    let user = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["is_admin"] != true && u["is_super_admin"] != true)
        .expect("a non-admin active user")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let made = world
        .control(Method::POST, "/_sandbox/api-keys", json!({"user_id": user}))
        .await;
    let key = made["api_key"]
        .as_str()
        .or(made["apiKey"].as_str())
        .or(made["key"].as_str())
        .unwrap_or_else(|| panic!("no key in {made}"))
        .to_owned();
    me.post(
        "/v1/connections/dialpad/carol",
        json!({"credentials": {"type": "apiKey", "apiKey": key}}),
    )
    .await
    .ok(201);
    let carol = me.clone().on("dialpad", "carol");
    carol
        .get("/v1/resources/genericContact?limit=1")
        .await
        .ok(200);
    world
        .dialpad(Method::DELETE, &format!("/api/v2/users/{user}"), None)
        .await;
    carol
        .get("/v1/resources/genericContact?limit=1")
        .await
        .err(403, "CONNECTION_UNAUTHORIZED");
    let connection = me.get("/v1/connections/dialpad/carol").await.ok(200);
    assert_eq!(connection["status"], "unauthorized");
    // And it stays refused without calling Dialpad again.
    carol
        .get("/v1/resources/genericContact?limit=1")
        .await
        .err(403, "CONNECTION_UNAUTHORIZED");
}

#[tokio::test]
async fn upstream_failures_become_retries_then_clear_codes() {
    let world = World::start(20).await;
    // A transient 503 is retried and the caller never sees it.
    world
        .control(
            Method::POST,
            "/_sandbox/faults",
            json!({"route": "GET /api/v2/contacts", "kind": "unavailable", "next": 1}),
        )
        .await;
    world
        .acme()
        .get("/v1/resources/genericContact?limit=1")
        .await
        .ok(200);
    // A persistent 500 ends as a 502 after the retry budget.
    world
        .control(
            Method::POST,
            "/_sandbox/faults",
            json!({"route": "GET /api/v2/contacts", "kind": "internal_error"}),
        )
        .await;
    let answer = world
        .acme()
        .get("/v1/resources/genericContact?limit=1")
        .await;
    assert!(
        answer.status.as_u16() == 502 || answer.status.as_u16() == 503,
        "{:?}",
        answer
    );
    assert!(!answer.body["message"].as_str().unwrap().contains("api/v2"));
    world
        .control(Method::DELETE, "/_sandbox/faults", json!({}))
        .await;
    // Persistent 429s end as a 429 with Retry-After.
    world
        .control(
            Method::POST,
            "/_sandbox/faults",
            json!({"route": "GET /api/v2/contacts", "kind": "rate_limit", "retry_after": 1}),
        )
        .await;
    let answer = world
        .acme()
        .get("/v1/resources/genericContact?limit=1")
        .await;
    assert!(answer.headers.get("retry-after").is_some());
    answer.err(429, "UPSTREAM_RATE_LIMITED");
    world
        .control(Method::DELETE, "/_sandbox/faults", json!({}))
        .await;
    // Dialpad's 404 is our not-found.
    world
        .acme()
        .get("/v1/resources/genericContact/999999999")
        .await
        .err(404, "RESOURCE_NOT_FOUND");
}

#[tokio::test]
async fn connectors_and_routes_answer_in_the_wire_format() {
    let world = World::start(20).await;
    let me = world.as_tenant(&world.tenant);
    let connector = me.get("/v1/connectors/dialpad").await.ok(200);
    assert_eq!(connector["object"], "connector");
    assert_eq!(connector["id"], "dialpad");
    assert_eq!(connector["name"], "Dialpad");
    let ops: Vec<&str> = connector["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    for op in [
        "genericContact::create",
        "telephonyCall::list",
        "telephonyCallTranscript::retrieve",
    ] {
        assert!(ops.contains(&op), "{op}");
    }
    assert!(!ops.contains(&"telephonyCall::delete"));
    assert!(connector["settings"].is_array());
    me.get("/v1/connectors/nope")
        .await
        .err(404, "CONNECTOR_NOT_FOUND");
    me.get("/v1/nothing-here").await.err(404, "NOT_FOUND");
    me.call(Method::PUT, "/v1/connections")
        .send_json()
        .await
        .err(405, "METHOD_NOT_ALLOWED");
    me.get("/v1/resources/genericContact")
        .await
        .err(400, "BAD_REQUEST");
    let answer = world
        .acme()
        .get("/v1/resources/genericContact?limit=1")
        .await;
    assert!(answer.headers.get("x-request-id").is_some());
    let answer = world
        .acme()
        .call(Method::GET, "/v1/resources/genericContact?limit=1")
        .header("x-request-id", "req-123")
        .send_json()
        .await;
    assert_eq!(answer.headers["x-request-id"], "req-123");
}
