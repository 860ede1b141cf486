//! Sessions: a signed, short-lived token for one connection and the operations it grants
//! (within the connection's), accepted by the `/v1/s/...` routes; expired and tampered
//! tokens are 401s with their own codes, and a session never reaches another connection.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Auth, World};
use patchbay_gateway::sessions;
use serde_json::{Value, json};

async fn session(world: &World, owner: &str, body: Value) -> Value {
    world
        .as_tenant(&world.tenant)
        .post(&format!("/v1/connections/dialpad/{owner}/sessions"), body)
        .await
        .ok(201)
}

fn with_token(token: &str) -> Auth {
    Auth::Raw(vec![("x-session-token", token.to_owned())])
}

#[tokio::test]
async fn a_session_reaches_its_connection_within_its_operations() {
    let world = World::start(20).await;
    let made = session(
        &world,
        "acme",
        json!({"connection": {"operations": ["genericContact::list", "telephonyCall::list"]}}),
    )
    .await;
    assert_eq!(made["object"], "session");
    assert_eq!(made["connection"]["connectorId"], "dialpad");
    assert_eq!(made["connection"]["ownerId"], "acme");
    assert_eq!(
        made["connection"]["operations"],
        json!(["genericContact::list", "telephonyCall::list"])
    );
    let token = made["sessionToken"].as_str().unwrap();
    assert!(token.starts_with("pbs1."));
    assert!(
        made["connectUrl"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/connect?session=", world.gateway.url()))
    );
    let expires: chrono::DateTime<chrono::Utc> =
        made["expiresAt"].as_str().unwrap().parse().unwrap();
    let ttl = expires - chrono::Utc::now();
    assert!((1790..=1800).contains(&ttl.num_seconds()), "{ttl}");

    let browser = world.anonymous().auth(with_token(token));
    let page = browser
        .get("/v1/s/resources/genericContact?limit=3")
        .await
        .ok(200);
    assert_eq!(page["data"].as_array().unwrap().len(), 3);
    let id = page["data"][0]["id"].as_str().unwrap().to_owned();
    // The connection may retrieve contacts; the session was not granted it.
    let body = browser
        .get(&format!("/v1/s/resources/genericContact/{id}"))
        .await
        .err(403, "OPERATION_NOT_ALLOWED");
    assert!(body["message"].as_str().unwrap().contains("session"));
    browser
        .post(
            "/v1/s/resources/genericContact",
            json!({"firstName": "Eve"}),
        )
        .await
        .err(403, "OPERATION_NOT_ALLOWED");
    // Expanding needs `genericUser::retrieve`, which the session lacks.
    browser
        .get("/v1/s/resources/telephonyCall?limit=2&expand=users")
        .await
        .err(403, "OPERATION_NOT_ALLOWED");
    browser
        .get("/v1/s/resources/telephonyCall?limit=2")
        .await
        .ok(200);

    let connection = browser.get("/v1/s/connection").await.ok(200);
    assert_eq!(connection["ownerId"], "acme");
    assert_eq!(connection["status"], "authorized");
    let connector = browser.get("/v1/s/connector").await.ok(200);
    assert_eq!(connector["id"], "dialpad");
    let fields = browser
        .get("/v1/s/models/genericContact/fields")
        .await
        .ok(200);
    assert!(!fields["data"].as_array().unwrap().is_empty());
    // Secret-key routes do not take a session token.
    browser
        .get("/v1/connections/dialpad/acme")
        .await
        .err(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_session_never_reaches_another_connection() {
    let world = World::start(20).await;
    let me = world.as_tenant(&world.tenant);
    let key = world.sandbox.info().api_key;
    me.post(
        "/v1/connections/dialpad/other",
        json!({"credentials": {"type": "apiKey", "apiKey": key}}),
    )
    .await
    .ok(201);
    let made = session(&world, "acme", json!({})).await;
    let token = made["sessionToken"].as_str().unwrap();
    // Connection headers are ignored: the token names the connection.
    let browser = world
        .anonymous()
        .auth(with_token(token))
        .on("dialpad", "other");
    let connection = browser.get("/v1/s/connection").await.ok(200);
    assert_eq!(connection["ownerId"], "acme");

    // Another tenant's session cannot see this tenant's connection of the same owner.
    let other = world.other_tenant("Other SaaS").await;
    let theirs = world
        .as_tenant(&other)
        .post("/v1/connections/dialpad/acme/sessions", json!({}))
        .await
        .ok(201);
    let intruder = world
        .anonymous()
        .auth(with_token(theirs["sessionToken"].as_str().unwrap()));
    assert_eq!(
        intruder.get("/v1/s/connection").await.ok(200)["status"],
        "awaitingAuthorization"
    );
    intruder
        .get("/v1/s/resources/genericContact")
        .await
        .err(403, "CONNECTION_UNAUTHORIZED");

    // A connection deleted and made again under the same owner is not the session's.
    me.delete("/v1/connections/dialpad/acme").await.ok(204);
    me.post(
        "/v1/connections/dialpad/acme",
        json!({"credentials": {"type": "apiKey", "apiKey": key}}),
    )
    .await
    .ok(201);
    let stale = world.anonymous().auth(with_token(token));
    stale
        .get("/v1/s/resources/genericContact")
        .await
        .err(404, "CONNECTION_NOT_FOUND");
    stale
        .get("/v1/s/connection")
        .await
        .err(404, "CONNECTION_NOT_FOUND");
    stale
        .delete("/v1/s/connection")
        .await
        .err(404, "CONNECTION_NOT_FOUND");
    me.get("/v1/connections/dialpad/acme").await.ok(200);
}

#[tokio::test]
async fn tampered_and_expired_tokens_are_refused_with_their_own_codes() {
    let world = World::start(20).await;
    let made = session(&world, "acme", json!({"expiresIn": 1})).await;
    let token = made["sessionToken"].as_str().unwrap().to_owned();
    let (signed, tag) = token.rsplit_once('.').unwrap();
    let mut payload = signed.to_owned().into_bytes();
    let at = payload.len() - 2;
    payload[at] = if payload[at] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{}.{tag}", String::from_utf8(payload).unwrap());
    for bad in [tampered.as_str(), "pbs1.e30.AAAA", "nonsense"] {
        world
            .anonymous()
            .auth(with_token(bad))
            .get("/v1/s/connection")
            .await
            .err(401, "INVALID_SESSION_TOKEN");
    }
    world
        .anonymous()
        .get("/v1/s/connection")
        .await
        .err(401, "UNAUTHENTICATED");
    // The right claims signed with another key (a forger's, another deployment's).
    let connection = world
        .gateway
        .state()
        .store
        .connection(&world.tenant.id.parse().unwrap(), "dialpad", "acme")
        .await
        .unwrap()
        .unwrap();
    let claims = sessions::SessionClaims {
        tenant_id: connection.tenant_id.clone(),
        connection_id: connection.id.clone(),
        connector_id: "dialpad".into(),
        owner_id: "acme".into(),
        operations: connection.operations.clone(),
        expires_at: chrono::Utc::now().timestamp() + 600,
        nonce: sessions::nonce(),
    };
    let forged = sessions::issue(&sessions::SessionKey::default(), &claims);
    world
        .anonymous()
        .auth(with_token(&forged))
        .get("/v1/s/connection")
        .await
        .err(401, "INVALID_SESSION_TOKEN");
    // Signed with this gateway's key, the same claims work (the forgery failed on the key).
    let genuine = sessions::issue(&world.gateway.state().config.session_key, &claims);
    world
        .anonymous()
        .auth(with_token(&genuine))
        .get("/v1/s/connection")
        .await
        .ok(200);

    // One second later the genuine token has expired.
    let browser = world.anonymous().auth(with_token(&token));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = browser.get("/v1/s/connection").await;
        if answer.status == 401 {
            answer.err(401, "SESSION_EXPIRED");
            break;
        }
        assert_eq!(answer.status, 200);
        assert!(Instant::now() < deadline, "the session never expired");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn sessions_validate_their_input_and_create_the_connection() {
    let world = World::start(20).await;
    let me = world.as_tenant(&world.tenant);
    for bad in [0, 86_401, -5] {
        let body = me
            .post(
                "/v1/connections/dialpad/acme/sessions",
                json!({"expiresIn": bad}),
            )
            .await
            .err(422, "VALIDATION_FAILED");
        assert_eq!(body["details"][0]["field"], "expiresIn");
    }
    me.post(
        "/v1/connections/dialpad/acme/sessions",
        json!({"connection": {"operations": ["genericContact::fly"]}}),
    )
    .await
    .err(422, "VALIDATION_FAILED");
    let day = me
        .post(
            "/v1/connections/dialpad/acme/sessions",
            json!({"expiresIn": 86_400}),
        )
        .await
        .ok(201);
    assert!(day["expiresAt"].is_string());
    // A new owner gets a connection awaiting authorization, with the operations asked for.
    let fresh = session(
        &world,
        "newcomer",
        json!({"connection": {"operations": ["genericUser::list"]}}),
    )
    .await;
    assert_eq!(
        fresh["connection"]["operations"],
        json!(["genericUser::list"])
    );
    let connection = me.get("/v1/connections/dialpad/newcomer").await.ok(200);
    assert_eq!(connection["status"], "awaitingAuthorization");
    assert_eq!(connection["operations"], json!(["genericUser::list"]));
    // Operations beyond the connection's are not granted.
    let narrow = session(
        &world,
        "newcomer",
        json!({"connection": {"operations": ["genericUser::list", "genericContact::list"]}}),
    )
    .await;
    assert_eq!(
        narrow["connection"]["operations"],
        json!(["genericUser::list"])
    );
    me.post("/v1/connections/nowhere/x/sessions", json!({}))
        .await
        .err(404, "CONNECTOR_NOT_FOUND");
}

#[tokio::test]
async fn a_session_can_start_authorization_and_delete_its_connection() {
    let world = World::start(20).await;
    let made = session(&world, "acme", json!({})).await;
    let browser = world
        .anonymous()
        .auth(with_token(made["sessionToken"].as_str().unwrap()));
    let done = format!("{}/connect/done", world.gateway.url());
    let done_q: String = url::form_urlencoded::byte_serialize(done.as_bytes()).collect();
    let auth = browser
        .post(
            &format!("/v1/s/connection/authorization?mode=direct&redirectUrl={done_q}"),
            Value::Null,
        )
        .await
        .ok(200);
    assert_eq!(auth["status"], "authorized");
    assert!(
        auth["authorizationUrl"]
            .as_str()
            .unwrap()
            .starts_with(&world.sandbox.url())
    );
    // The app's own pages must be on the allow-list, from a session too.
    browser
        .post(
            "/v1/s/connection/authorization?mode=direct&redirectUrl=https%3A%2F%2Fevil.example%2F",
            Value::Null,
        )
        .await
        .err(422, "VALIDATION_FAILED");
    browser.delete("/v1/s/connection").await.ok(204);
    world
        .as_tenant(&world.tenant)
        .get("/v1/connections/dialpad/acme")
        .await
        .err(404, "CONNECTION_NOT_FOUND");
}
