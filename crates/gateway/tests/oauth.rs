//! OAuth onboarding: the authorization URL (PKCE S256, scopes from the operations, a
//! single-use state), the redirect allow-list, and the callback: success stores tokens
//! sealed and redirects with `status=authorized`; Dialpad's errors are shown and reported;
//! a replayed, expired, re-pointed or verifier-less state is refused with nothing stored.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::World;
use common::oauth::APP_REDIRECT;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn query_of(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Runs `sql` (with `$1` bound to `arg`) on the test database.
async fn tamper(world: &World, sql: &str, arg: &str) {
    use patchbay_gateway::store::Pool;
    match world.gateway.state().store.pool() {
        Pool::Sqlite(pool) => {
            sqlx::query(sql).bind(arg).execute(pool).await.unwrap();
        }
        Pool::Postgres(pool) => {
            sqlx::query(sql).bind(arg).execute(pool).await.unwrap();
        }
    }
}

async fn status_of(world: &World, owner: &str) -> Value {
    world
        .as_tenant(&world.tenant)
        .get(&format!("/v1/connections/dialpad/{owner}"))
        .await
        .ok(200)
}

#[tokio::test]
async fn authorization_urls_carry_pkce_scopes_and_state_and_the_flow_stores_tokens() {
    let world = World::bare(common::sandbox_config(20)).await;
    world.allow_redirects(&world.tenant, &[APP_REDIRECT]).await;
    let auth = world
        .authorization(
            &world.tenant,
            "ada",
            Some(&["telephonyCall::list", "genericContact::list"]),
            APP_REDIRECT,
        )
        .await;
    assert_eq!(auth["object"], "connectionAuthorization");
    assert_eq!(auth["status"], "awaitingAuthorization");
    let url = auth["authorizationUrl"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/oauth2/authorize?", world.sandbox.url())));
    let q = query_of(url);
    assert_eq!(param(&q, "code_challenge_method"), Some("S256"));
    assert_eq!(param(&q, "code_challenge").unwrap().len(), 43);
    assert_eq!(param(&q, "response_type"), Some("code"));
    assert_eq!(
        param(&q, "scope"),
        Some("calls:list offline_access recordings_export")
    );
    assert_eq!(
        param(&q, "redirect_uri"),
        Some(format!("{}/v1/oauth/callback", world.gateway.url()).as_str())
    );
    assert!(param(&q, "state").unwrap().len() >= 43);

    let callback = world.approve(url).await;
    let landing = world.open(&callback).await;
    assert_eq!(landing.status, StatusCode::SEE_OTHER);
    let back = landing.location.clone().unwrap();
    assert!(back.starts_with(APP_REDIRECT), "{back}");
    assert_eq!(param(&landing.query(), "status"), Some("authorized"));
    let connection = status_of(&world, "ada").await;
    assert_eq!(connection["status"], "authorized");
    assert_eq!(connection["credentialType"], "oauth");
    assert_eq!(world.grants("authorization_code").await, 1);
    world
        .as_tenant(&world.tenant)
        .on("dialpad", "ada")
        .get("/v1/resources/telephonyCall?limit=2")
        .await
        .ok(200);
    let tenant = world.tenant.id.parse().unwrap();
    let events = world
        .gateway
        .state()
        .store
        .connection_events(&tenant, 10)
        .await
        .unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].event_type.to_string(), "connection::authorized");
    // The grant's Dialpad company is stored (the rate limiter counts per company): the
    // same one the company's API key opens.
    world.connect_api_key("bob").await;
    let account = |owner: &'static str| {
        let world = &world;
        let tenant = tenant.clone();
        async move {
            let store = &world.gateway.state().store;
            let found = store.connection(&tenant, "dialpad", owner).await.unwrap();
            found.unwrap().account_id
        }
    };
    let granted = account("ada").await;
    assert!(granted.is_some());
    assert_eq!(granted, account("bob").await);

    // Replaying the callback (same state, same code) is refused before any exchange.
    let replay = world.open(&callback).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    assert!(replay.body.contains("already used"), "{}", replay.body);
    assert_eq!(world.grants("authorization_code").await, 1);
}

#[tokio::test]
async fn redirect_urls_must_be_on_the_tenants_own_allow_list() {
    let world = World::bare(common::sandbox_config(20)).await;
    let me = world.as_tenant(&world.tenant);
    me.post("/v1/connections/dialpad/bo", json!({}))
        .await
        .ok(201);
    let authorize = |redirect: &str| {
        let redirect: String = url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect();
        format!("/v1/connections/dialpad/bo/authorization?mode=direct&redirectUrl={redirect}")
    };
    let body = me
        .post(&authorize(APP_REDIRECT), Value::Null)
        .await
        .err(422, "VALIDATION_FAILED");
    assert_eq!(body["details"][0]["field"], "redirectUrl");
    me.post(
        "/v1/connections/dialpad/bo/authorization?mode=direct",
        Value::Null,
    )
    .await
    .err(422, "VALIDATION_FAILED");

    let settings = me
        .patch(
            "/v1/settings",
            json!({"redirectUrls": ["https://app.example.com/oauth/*", APP_REDIRECT]}),
        )
        .await
        .ok(200);
    assert_eq!(settings["object"], "settings");
    me.post(&authorize(APP_REDIRECT), Value::Null).await.ok(200);
    me.post(
        &authorize("https://app.example.com/oauth/dialpad?user=7"),
        Value::Null,
    )
    .await
    .ok(200);
    for bad in [
        "https://app.example.com/other",
        "https://evil.example.com/oauth/x",
        "http://app.example.com/oauth/x",
        "https://app.example.com.evil.com/oauth/x",
    ] {
        me.post(&authorize(bad), Value::Null)
            .await
            .err(422, "VALIDATION_FAILED");
    }
    // Malformed entries are refused, each named.
    let body = me
        .patch(
            "/v1/settings",
            json!({"redirectUrls": ["ftp://x.com/a", "https://ok.com/a", "https://x.com/a*b"]}),
        )
        .await
        .err(422, "VALIDATION_FAILED");
    let fields: Vec<&str> = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["redirectUrls[0]", "redirectUrls[2]"]);

    // Another tenant sees its own (empty) settings, and its list does not help it.
    let other = world.other_tenant("Other SaaS").await;
    let theirs = world.as_tenant(&other).get("/v1/settings").await.ok(200);
    assert_eq!(theirs["redirectUrls"], json!([]));
    world
        .as_tenant(&other)
        .post("/v1/connections/dialpad/bo", json!({}))
        .await
        .ok(201);
    world
        .as_tenant(&other)
        .post(&authorize(APP_REDIRECT), Value::Null)
        .await
        .err(422, "VALIDATION_FAILED");
    let mine = me.get("/v1/settings").await.ok(200);
    assert_eq!(mine["redirectUrls"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn an_expired_state_is_refused_and_nothing_is_stored() {
    let world = World::bare(common::sandbox_config(20)).await;
    world.allow_redirects(&world.tenant, &[APP_REDIRECT]).await;
    let auth = world
        .authorization(&world.tenant, "late", None, APP_REDIRECT)
        .await;
    let callback = world
        .approve(auth["authorizationUrl"].as_str().unwrap())
        .await;
    tamper(
        &world,
        "UPDATE oauth_states SET expires_at = 0 WHERE $1 <> ''",
        "x",
    )
    .await;
    let landing = world.open(&callback).await;
    assert_eq!(landing.status, StatusCode::BAD_REQUEST);
    assert!(landing.body.contains("expired"), "{}", landing.body);
    assert_eq!(world.grants("authorization_code").await, 0);
    assert_eq!(
        status_of(&world, "late").await["status"],
        "awaitingAuthorization"
    );
}

#[tokio::test]
async fn a_state_repointed_at_another_tenant_is_refused_and_nothing_is_stored() {
    let world = World::bare(common::sandbox_config(20)).await;
    // The other tenant starts an authorization for its own connection...
    let other = world.other_tenant("Other SaaS").await;
    world.allow_redirects(&other, &[APP_REDIRECT]).await;
    let theirs = world
        .authorization(&other, "shared-owner", None, APP_REDIRECT)
        .await;
    let callback = world
        .approve(theirs["authorizationUrl"].as_str().unwrap())
        .await;
    // ...and its pending state is made to point at this tenant's connection.
    world
        .as_tenant(&world.tenant)
        .post("/v1/connections/dialpad/victim", json!({}))
        .await
        .ok(201);
    let victim = world
        .gateway
        .state()
        .store
        .connection(&world.tenant.id.parse().unwrap(), "dialpad", "victim")
        .await
        .unwrap()
        .unwrap();
    tamper(
        &world,
        &format!(
            "UPDATE oauth_states SET connection_id = $1, tenant_id = '{}'",
            world.tenant.id
        ),
        victim.id.as_str(),
    )
    .await;
    let landing = world.open(&callback).await;
    assert_eq!(landing.status, StatusCode::BAD_REQUEST, "{}", landing.body);
    assert_eq!(world.grants("authorization_code").await, 0);
    assert_eq!(
        status_of(&world, "victim").await["status"],
        "awaitingAuthorization"
    );
    let mine = world
        .as_tenant(&other)
        .get("/v1/connections/dialpad/shared-owner")
        .await
        .ok(200);
    assert_eq!(mine["status"], "awaitingAuthorization");

    // Moving only the tenant (its connection now belongs to someone else) is refused too.
    let again = world
        .authorization(&other, "shared-owner", None, APP_REDIRECT)
        .await;
    let callback = world
        .approve(again["authorizationUrl"].as_str().unwrap())
        .await;
    tamper(
        &world,
        "UPDATE oauth_states SET tenant_id = $1",
        &world.tenant.id,
    )
    .await;
    assert_eq!(world.open(&callback).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(world.grants("authorization_code").await, 0);
}

#[tokio::test]
async fn a_state_without_its_verifier_is_refused_and_nothing_is_stored() {
    let world = World::bare(common::sandbox_config(20)).await;
    world.allow_redirects(&world.tenant, &[APP_REDIRECT]).await;
    let auth = world
        .authorization(&world.tenant, "bare", None, APP_REDIRECT)
        .await;
    let callback = world
        .approve(auth["authorizationUrl"].as_str().unwrap())
        .await;
    tamper(
        &world,
        "UPDATE oauth_states SET verifier = NULL WHERE $1 <> ''",
        "x",
    )
    .await;
    let landing = world.open(&callback).await;
    assert_eq!(landing.status, StatusCode::BAD_REQUEST);
    assert!(landing.body.contains("not valid"), "{}", landing.body);
    assert_eq!(world.grants("authorization_code").await, 0);
    assert_eq!(
        status_of(&world, "bare").await["status"],
        "awaitingAuthorization"
    );
}

#[tokio::test]
async fn unknown_states_get_a_page_with_strict_headers_and_no_exchange() {
    let world = World::bare(common::sandbox_config(20)).await;
    for query in [
        "",
        "?code=abc",
        "?state=forged&code=abc",
        "?state=forged&error=access_denied",
    ] {
        let landing = world
            .open(&format!("{}/v1/oauth/callback{query}", world.gateway.url()))
            .await;
        assert_eq!(landing.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(landing.location.is_none());
        assert!(landing.body.contains("<h1>"), "{}", landing.body);
    }
    let response = world
        .raw
        .get(format!("{}/v1/oauth/callback?state=x", world.gateway.url()))
        .send()
        .await
        .unwrap();
    let h = response.headers();
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(world.grants("authorization_code").await, 0);
}

#[tokio::test]
async fn dialpad_errors_are_shown_and_reported_to_the_redirect_url() {
    let world = World::bare(common::sandbox_config(20)).await;
    world.allow_redirects(&world.tenant, &[APP_REDIRECT]).await;
    // The app's own redirect URL: a page says what happened and carries the code on.
    let auth = world
        .authorization(&world.tenant, "deny", None, APP_REDIRECT)
        .await;
    let state = param(
        &query_of(auth["authorizationUrl"].as_str().unwrap()),
        "state",
    )
    .unwrap()
    .to_owned();
    let landing = world
        .open(&format!(
            "{}/v1/oauth/callback?state={state}&error=access_denied&error_description=The+user+said+no",
            world.gateway.url()
        ))
        .await;
    assert_eq!(landing.status, StatusCode::OK);
    assert!(
        landing.body.contains("access was denied"),
        "{}",
        landing.body
    );
    assert!(landing.body.contains("The user said no"));
    assert!(
        landing.body.contains(&format!(
            "{APP_REDIRECT}?status=error&amp;code=access_denied"
        )),
        "{}",
        landing.body
    );
    assert_eq!(
        status_of(&world, "deny").await["status"],
        "awaitingAuthorization"
    );

    // The gateway's own outcome page shows it itself: a plain redirect there.
    let done = format!("{}/connect/done", world.gateway.url());
    let auth = world
        .authorization(&world.tenant, "deny2", None, &done)
        .await;
    let state = param(
        &query_of(auth["authorizationUrl"].as_str().unwrap()),
        "state",
    )
    .unwrap()
    .to_owned();
    let landing = world
        .open(&format!(
            "{}/v1/oauth/callback?state={state}&error=access_denied",
            world.gateway.url()
        ))
        .await;
    assert_eq!(landing.status, StatusCode::SEE_OTHER);
    let location = landing.location.clone().unwrap();
    assert_eq!(location, format!("{done}?status=error&code=access_denied"));
    let page = world.open(&location).await;
    assert!(page.body.contains("access was denied"), "{}", page.body);
    assert_eq!(world.grants("authorization_code").await, 0);
}

#[tokio::test]
async fn connect_mode_answers_the_connect_page_and_direct_needs_an_oauth_app() {
    let world = World::bare(common::sandbox_config(20)).await;
    world.allow_redirects(&world.tenant, &[APP_REDIRECT]).await;
    let me = world.as_tenant(&world.tenant);
    me.post("/v1/connections/dialpad/cm", json!({}))
        .await
        .ok(201);
    let redirect: String = url::form_urlencoded::byte_serialize(APP_REDIRECT.as_bytes()).collect();
    let auth = me
        .post(
            &format!("/v1/connections/dialpad/cm/authorization?redirectUrl={redirect}"),
            Value::Null,
        )
        .await
        .ok(200);
    let url = auth["authorizationUrl"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/connect?session=pbs1.", world.gateway.url())),
        "{url}"
    );
    assert_eq!(param(&query_of(url), "redirectUrl"), Some(APP_REDIRECT));
    let page = world.open(url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Acme SaaS"), "{}", page.body);
    me.post(
        "/v1/connections/dialpad/nobody/authorization?redirectUrl=x",
        Value::Null,
    )
    .await
    .err(404, "CONNECTION_NOT_FOUND");
    me.post(
        "/v1/connections/dialpad/cm/authorization?mode=sideways",
        Value::Null,
    )
    .await
    .err(400, "BAD_REQUEST");

    // A gateway without an OAuth app says so.
    let plain = World::bare_with_app(
        common::sandbox_config(5),
        Some(patchbay_gateway::server::DialpadApp::None),
    )
    .await;
    plain.allow_redirects(&plain.tenant, &[APP_REDIRECT]).await;
    let me = plain.as_tenant(&plain.tenant);
    me.post("/v1/connections/dialpad/cm", json!({}))
        .await
        .ok(201);
    let body = me
        .post(
            &format!("/v1/connections/dialpad/cm/authorization?mode=direct&redirectUrl={redirect}"),
            Value::Null,
        )
        .await
        .err(501, "OPERATION_NOT_SUPPORTED");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("PATCHBAY_DIALPAD_CLIENT_ID")
    );
}
