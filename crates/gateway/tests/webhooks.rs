//! Webhooks end to end: endpoints over the API, Dialpad's side reconciled in the sandbox,
//! the ingress refusing what it cannot verify, each event family from a sandbox change to a
//! local receiver, retries against a flaky receiver, the per-endpoint cap, the retry,
//! replay and test routes, tenant isolation; and, with the `patchbay` binary, a `kill -9`
//! during a 10,000-event fan-out and three instances sharing one on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::receiver::{Behaviour, Received, Receiver};
use common::{World, db, sandbox_config};
use futures_util::StreamExt as _;
use patchbay_dialpad::webhooks::sign_hs256;
use patchbay_gateway::webhooks::sign;
use reqwest::Method;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(20);

async fn endpoint(world: &World, url: &str, events: &[&str]) -> Value {
    world
        .as_tenant(&world.tenant)
        .post(
            "/v1/webhooks/endpoints",
            json!({"url": url, "events": events}),
        )
        .await
        .ok(201)
}

/// Whether one of the `v1,` signatures of `got` verifies with `secret`.
fn verifies(got: &Received, secret: &str) -> bool {
    let key = sign::secret_key(secret).unwrap();
    let expected = sign::signature(&key, &got.id, got.timestamp.parse().unwrap(), &got.body);
    got.signature.split(' ').any(|s| s == expected)
}

async fn count_events(world: &World) -> i64 {
    let store = &world.gateway.state().store;
    match store.pool() {
        patchbay_gateway::store::Pool::Sqlite(p) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM webhook_events")
                .fetch_one(p)
                .await
                .unwrap()
        }
        patchbay_gateway::store::Pool::Postgres(p) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM webhook_events")
                .fetch_one(p)
                .await
                .unwrap()
        }
    }
}

/// The sandbox's webhooks pointing at a gateway ingress.
async fn ingress_hooks(world: &World) -> Vec<Value> {
    let hooks = world.dialpad(Method::GET, "/api/v2/webhooks", None).await;
    hooks["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|h| {
            h["hook_url"]
                .as_str()
                .unwrap_or("")
                .contains("/v1/ingress/dialpad/")
        })
        .collect()
}

/// Subscriptions of `family` feeding webhook `id`.
async fn subscriptions(world: &World, family: &str, id: &str) -> Vec<Value> {
    let subs = world
        .dialpad(
            Method::GET,
            &format!("/api/v2/subscriptions/{family}"),
            None,
        )
        .await;
    subs["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s["webhook"]["id"] == id)
        .collect()
}

/// Waits until the sandbox has exactly one ingress webhook with `families` subscribed
/// (`(family, count)`), and answers it (its URL and secret).
async fn wait_reconciled(world: &World, families: &[(&str, usize)]) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let hooks = ingress_hooks(world).await;
        if hooks.len() == 1 {
            let id = hooks[0]["id"].as_str().unwrap().to_owned();
            let mut all = true;
            for (family, n) in families {
                all &= subscriptions(world, family, &id).await.len() == *n;
            }
            if all {
                return hooks[0].clone();
            }
        }
        assert!(Instant::now() < deadline, "not reconciled: {hooks:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn types(got: &[Received]) -> Vec<String> {
    got.iter()
        .map(|r| r.json["type"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn endpoints_are_created_validated_changed_and_deleted() {
    let world = World::start(3).await;
    let me = world.as_tenant(&world.tenant);
    let created = endpoint(
        &world,
        "http://127.0.0.1:9/hook",
        &["genericContact::*", "connection::*"],
    )
    .await;
    let id = created["id"].as_str().unwrap();
    assert!(id.starts_with("ep_"), "{created}");
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_") && sign::secret_key(secret).is_some());
    assert_eq!(created["enabled"], true);

    for bad in [
        json!({"url": "ftp://example.com/x", "events": ["*"]}),
        json!({"url": "not a url", "events": ["*"]}),
        json!({"url": "https://example.com/x", "events": []}),
        json!({"url": "https://example.com/x", "events": ["nope::created"]}),
        json!({"url": "https://user:pw@example.com/x", "events": ["*"]}),
        json!({"url": "https://example.com/x", "events": ["*"], "ownerId": "acme"}),
    ] {
        me.post("/v1/webhooks/endpoints", bad)
            .await
            .err(422, "VALIDATION_FAILED");
    }

    let listed = me.get("/v1/webhooks/endpoints").await.ok(200);
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    assert!(
        listed["data"][0].get("secret").is_none(),
        "lists never show secrets"
    );
    let path = format!("/v1/webhooks/endpoints/{id}");
    let changed = me
        .patch(
            &path,
            json!({"events": ["*"], "connectorId": "dialpad", "description": "all"}),
        )
        .await
        .ok(200);
    assert_eq!(changed["events"], json!(["*"]));
    assert_eq!(changed["connectorId"], "dialpad");
    assert_eq!(
        me.post(&format!("{path}/disable"), json!({})).await.ok(200)["enabled"],
        false
    );
    assert_eq!(
        me.post(&format!("{path}/enable"), json!({})).await.ok(200)["enabled"],
        true
    );
    let rotated = me
        .post(&format!("{path}/rotate-secret"), json!({}))
        .await
        .ok(200);
    assert_ne!(rotated["secret"], created["secret"]);
    assert_eq!(
        me.get(&format!("{path}/secret")).await.ok(200)["secret"],
        rotated["secret"]
    );

    // Another tenant sees none of it.
    let other = world.other_tenant("Other").await;
    let them = world.as_tenant(&other);
    them.get(&path).await.err(404, "WEBHOOK_ENDPOINT_NOT_FOUND");
    them.delete(&path)
        .await
        .err(404, "WEBHOOK_ENDPOINT_NOT_FOUND");
    them.get(&format!("{path}/deliveries"))
        .await
        .err(404, "WEBHOOK_ENDPOINT_NOT_FOUND");
    assert_eq!(
        them.get("/v1/webhooks/endpoints").await.ok(200)["data"],
        json!([])
    );

    assert_eq!(me.delete(&path).await.status.as_u16(), 204);
    me.get(&path).await.err(404, "WEBHOOK_ENDPOINT_NOT_FOUND");
}

#[tokio::test]
async fn outside_development_mode_endpoints_must_be_https_and_public() {
    let config = patchbay_gateway::webhooks::WebhooksConfig {
        allow_http: false,
        private_addresses: patchbay_gateway::webhooks::PrivateAddresses::Refuse,
        ..common::fast_webhooks()
    };
    let world = World::start_with_webhooks(3, config).await;
    let me = world.as_tenant(&world.tenant);
    for url in [
        "http://example.com/hook",
        "https://127.0.0.1/hook",
        "https://10.0.0.8/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://localhost/hook",
    ] {
        let body = me
            .post(
                "/v1/webhooks/endpoints",
                json!({"url": url, "events": ["*"]}),
            )
            .await
            .err(422, "VALIDATION_FAILED");
        assert!(body.to_string().contains("url"), "{url}: {body}");
    }
    me.post(
        "/v1/webhooks/endpoints",
        json!({"url": "https://example.com/hook", "events": ["*"]}),
    )
    .await
    .ok(201);
}

#[tokio::test]
async fn test_events_carry_standard_webhooks_signatures_and_rotation_signs_twice() {
    let world = World::start(3).await;
    let receiver = Receiver::start(Behaviour::Ok).await;
    let created = endpoint(&world, &receiver.url, &["genericContact::*"]).await;
    let id = created["id"].as_str().unwrap();
    let me = world.as_tenant(&world.tenant);
    let test = me
        .post(&format!("/v1/webhooks/endpoints/{id}/test"), json!({}))
        .await
        .ok(202);
    let got = receiver
        .wait_for(WAIT, "the test event", |g| g.len() == 1)
        .await;
    assert_eq!(got[0].id, test["eventId"].as_str().unwrap());
    assert!(got[0].id.starts_with("evt_"));
    assert_eq!(got[0].json["type"], "endpoint::test");
    assert_eq!(got[0].json["id"], got[0].id);
    assert!(verifies(&got[0], created["secret"].as_str().unwrap()));
    let age = chrono::Utc::now().timestamp() - got[0].timestamp.parse::<i64>().unwrap();
    assert!(age.abs() < 60);

    let rotated = me
        .post(
            &format!("/v1/webhooks/endpoints/{id}/rotate-secret"),
            json!({}),
        )
        .await
        .ok(200);
    me.post(
        &format!("/v1/webhooks/endpoints/{id}/test"),
        json!({"message": "again"}),
    )
    .await
    .ok(202);
    let got = receiver
        .wait_for(WAIT, "the second test event", |g| g.len() == 2)
        .await;
    assert_eq!(got[1].json["data"]["message"], "again");
    assert_eq!(
        got[1].signature.split(' ').count(),
        2,
        "{}",
        got[1].signature
    );
    assert!(verifies(&got[1], rotated["secret"].as_str().unwrap()));
    assert!(verifies(&got[1], created["secret"].as_str().unwrap()));
}

#[tokio::test]
async fn dialpad_side_follows_the_endpoints_and_leaves_no_orphans() {
    let world = World::start(3).await;
    let receiver = Receiver::start(Behaviour::Ok).await;
    let first = endpoint(&world, &receiver.url, &["genericContact::*"]).await;
    let hook = wait_reconciled(&world, &[("contact", 2), ("call", 0), ("changelog", 0)]).await;
    let secret = hook["signature"]["secret"].as_str().unwrap();
    assert!(secret.len() >= 32, "a random secret");
    assert_eq!(hook["signature"]["algo"], "HS256");

    // A webhook of ours that no row explains (a crash between Dialpad and the database).
    let orphan_url = hook["hook_url"]
        .as_str()
        .unwrap()
        .rsplit_once('/')
        .unwrap()
        .0
        .to_owned()
        + "/orphan";
    world
        .dialpad(
            Method::POST,
            "/api/v2/webhooks",
            Some(json!({"hook_url": orphan_url, "secret": "x"})),
        )
        .await;

    // More events wanted: more subscriptions on the same webhook; the orphan goes.
    endpoint(
        &world,
        &receiver.url,
        &["telephonyCall::*", "genericUser::updated"],
    )
    .await;
    let again = wait_reconciled(&world, &[("contact", 2), ("call", 1), ("changelog", 1)]).await;
    assert_eq!(again["id"], hook["id"], "one webhook per connection");

    // Fewer: the unneeded subscriptions go; none: the webhook goes.
    let me = world.as_tenant(&world.tenant);
    let id = first["id"].as_str().unwrap();
    me.delete(&format!("/v1/webhooks/endpoints/{id}")).await;
    wait_reconciled(&world, &[("contact", 0), ("call", 1), ("changelog", 1)]).await;
    for e in me.get("/v1/webhooks/endpoints").await.ok(200)["data"]
        .as_array()
        .unwrap()
    {
        me.delete(&format!(
            "/v1/webhooks/endpoints/{}",
            e["id"].as_str().unwrap()
        ))
        .await;
    }
    let deadline = Instant::now() + WAIT;
    while !ingress_hooks(&world).await.is_empty() {
        assert!(Instant::now() < deadline, "the webhook stayed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The subscriptions the gateway recorded for its Dialpad webhooks (read from its database,
/// not from Dialpad, so reading them costs no Dialpad call).
async fn recorded_subscriptions(world: &World) -> usize {
    let query = "SELECT subscriptions FROM dialpad_hooks";
    let rows: Vec<String> = match world.gateway.state().store.pool() {
        patchbay_gateway::store::Pool::Sqlite(p) => {
            sqlx::query_scalar(query).fetch_all(p).await.unwrap()
        }
        patchbay_gateway::store::Pool::Postgres(p) => {
            sqlx::query_scalar(query).fetch_all(p).await.unwrap()
        }
    };
    rows.iter()
        .map(|r| {
            serde_json::from_str::<Value>(r)
                .unwrap()
                .as_object()
                .map_or(0, |o| o.len())
        })
        .sum()
}

#[tokio::test]
async fn reconciling_takes_its_turn_in_the_companys_rate_limit() {
    let world = World::start_with(patchbay_dialpad_sandbox::SandboxConfig {
        rate_limits: true,
        ..sandbox_config(3)
    })
    .await;
    // Connecting checked the credential before its company was known, outside the
    // limiter: let those calls leave Dialpad's one-second window.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let receiver = Receiver::start(Behaviour::Ok).await;
    // Every family wanted: a dozen Dialpad calls to set up, while a burst of calls that
    // alone fits Dialpad's 20 a second comes in.
    let events = [
        "genericContact::*",
        "telephonyCall::*",
        "genericUser::updated",
    ];
    let me = world.as_tenant(&world.tenant);
    let created = me.post(
        "/v1/webhooks/endpoints",
        json!({"url": receiver.url, "events": events}),
    );
    let burst = futures_util::future::join_all(
        (0..18).map(|_| async { world.acme().get("/v1/resources/genericUser?limit=1").await }),
    );
    let (created, burst) = tokio::join!(created, burst);
    created.ok(201);
    for answer in burst {
        answer.ok(200);
    }
    let deadline = Instant::now() + WAIT;
    while recorded_subscriptions(&world).await < 4 {
        assert!(Instant::now() < deadline, "not reconciled");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Dialpad never had to refuse anything: the limiter spaced both.
    let counted = world.counters().await["requests"].clone();
    let refused: u64 = counted
        .as_object()
        .unwrap()
        .values()
        .filter_map(|by_status| by_status["429"].as_u64())
        .sum();
    assert_eq!(refused, 0, "{counted:#}");
}

#[tokio::test]
async fn ingress_refuses_bad_tokens_without_side_effects_and_deduplicates_retries() {
    let world = World::start(3).await;
    let receiver = Receiver::start(Behaviour::Ok).await;
    endpoint(&world, &receiver.url, &["genericContact::*"]).await;
    let hook = wait_reconciled(&world, &[("contact", 2)]).await;
    let secret = hook["signature"]["secret"].as_str().unwrap();
    let hook_url = hook["hook_url"].as_str().unwrap();
    let path = &hook_url[hook_url.find("/v1/ingress").unwrap()..];
    let url = format!("{}{path}", world.gateway.url());
    let claims = json!({
        "event": "created",
        "contact_type": "shared",
        "contact": {"id": "4242", "first_name": "Ada", "last_name": "Lovelace", "type": "shared"},
        "event_timestamp": "1700000000000",
    });
    let post = |url: String, body: String| {
        let http = world.http.clone();
        async move { http.post(url).body(body).send().await.unwrap() }
    };
    let none = format!(
        "{}.{}.",
        "eyJhbGciOiJub25lIn0",
        base64_url(&serde_json::to_vec(&claims).unwrap())
    );
    for (url, body) in [
        (url.clone(), sign_hs256(&claims, b"not the secret")),
        (url.clone(), none),
        (url.clone(), "garbage".to_owned()),
        (url.clone(), String::new()),
        (
            format!("{}/v1/ingress/dialpad/unknown", world.gateway.url()),
            sign_hs256(&claims, secret.as_bytes()),
        ),
    ] {
        let answer = post(url, body).await;
        assert_eq!(answer.status().as_u16(), 401);
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["error"], "INVALID_WEBHOOK_SIGNATURE");
    }
    assert_eq!(
        count_events(&world).await,
        0,
        "a refused event leaves nothing"
    );

    let jwt = sign_hs256(&claims, secret.as_bytes());
    for _ in 0..3 {
        assert_eq!(post(url.clone(), jwt.clone()).await.status().as_u16(), 200);
    }
    let got = receiver
        .wait_for(WAIT, "one contact event", |g| !g.is_empty())
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.all().len(), 1, "Dialpad's retries are one event");
    // Retention sweeps only what is older than it.
    let swept = patchbay_gateway::webhooks::pump::sweep(world.gateway.state())
        .await
        .unwrap();
    assert_eq!((swept, count_events(&world).await), (0, 1));
    assert_eq!(got[0].json["type"], "genericContact::created");
    assert_eq!(got[0].json["data"]["id"], "4242");
    assert_eq!(
        got[0].json["connection"],
        json!({"connectorId": "dialpad", "ownerId": "acme"})
    );
    assert_eq!(got[0].json["trigger"], "dialpad");
    assert_eq!(got[0].json["model"], "genericContact");
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn contact_call_transcript_and_change_log_events_reach_the_receiver() {
    let world = World::start(3).await;
    let receiver = Receiver::start(Behaviour::Ok).await;
    let created = endpoint(&world, &receiver.url, &["*"]).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    wait_reconciled(&world, &[("contact", 2), ("call", 1), ("changelog", 1)]).await;

    // Contacts, through the unified API.
    let contact = world
        .acme()
        .post(
            "/v1/resources/genericContact?returnResource=true",
            json!({"firstName": "Grace", "lastName": "Hopper", "email": "grace@example.com"}),
        )
        .await
        .ok(201);
    let cid = contact["id"].as_str().unwrap().to_owned();
    world
        .acme()
        .patch(
            &format!("/v1/resources/genericContact/{cid}"),
            json!({"lastName": "Murray Hopper"}),
        )
        .await
        .ok(200);
    world
        .acme()
        .delete(&format!("/v1/resources/genericContact/{cid}"))
        .await;
    let of_contact = |g: &[Received]| {
        g.iter()
            .filter(|r| r.json["data"]["id"] == cid.as_str())
            .map(|r| r.json["type"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let got = receiver
        .wait_for(WAIT, "the contact's three events", |g| {
            of_contact(g).len() >= 3
        })
        .await;
    let mut seen = of_contact(&got);
    seen.sort();
    assert_eq!(
        seen,
        [
            "genericContact::created",
            "genericContact::deleted",
            "genericContact::updated"
        ]
    );
    let created_event = got
        .iter()
        .find(|r| r.json["type"] == "genericContact::created")
        .unwrap();
    assert_eq!(
        created_event.json["data"]["fields"]["firstName"], "Grace",
        "{:#}",
        created_event.json
    );

    // A call, answered, with a transcript.
    let call = world
        .control(Method::POST, "/_sandbox/calls", json!({"company_id": world.sandbox.info().company_id, "outcome": "answered", "transcript": true, "talk_ms": 50}))
        .await;
    let call_id = call["call_id"].as_str().unwrap().to_owned();
    let got = receiver
        .wait_for(WAIT, "the call's transcript", |g| {
            g.iter()
                .any(|r| r.json["type"] == "telephonyCallTranscript::created")
        })
        .await;
    let calls: Vec<&Received> = got
        .iter()
        .filter(|r| r.json["model"] == "telephonyCall" && r.json["data"]["id"] == call_id.as_str())
        .collect();
    assert!(calls.len() >= 2, "{:?}", types(&got));
    assert_eq!(
        calls
            .iter()
            .filter(|r| r.json["type"] == "telephonyCall::created")
            .count(),
        1
    );
    let transcript = got
        .iter()
        .find(|r| r.json["type"] == "telephonyCallTranscript::created")
        .unwrap();
    assert_eq!(transcript.json["data"]["id"], call_id.as_str());

    // A user changed at Dialpad: the change log, with the user as it is now.
    let user = world.sandbox.info().companies[0].admin_user_id.clone();
    world
        .dialpad(
            Method::PATCH,
            &format!("/api/v2/users/{user}"),
            Some(json!({"job_title": "Rear Admiral"})),
        )
        .await;
    let got = receiver
        .wait_for(WAIT, "the user's change", |g| {
            g.iter().any(|r| r.json["type"] == "genericUser::updated")
        })
        .await;
    let changed = got
        .iter()
        .find(|r| r.json["type"] == "genericUser::updated")
        .unwrap();
    assert_eq!(
        changed.json["data"]["id"],
        user.as_str(),
        "{:#}",
        changed.json
    );
    assert!(
        changed.json["data"].get("fields").is_some(),
        "the current user: {:#}",
        changed.json
    );

    assert!(receiver.all().iter().all(|r| verifies(r, &secret)));
}

#[tokio::test]
async fn a_receiver_failing_half_its_requests_still_gets_everything() {
    let world = World::start(3).await;
    let receiver = Receiver::start(Behaviour::FailHalf).await;
    let created = endpoint(&world, &receiver.url, &["genericContact::*"]).await;
    let id = created["id"].as_str().unwrap();
    let me = world.as_tenant(&world.tenant);
    for _ in 0..100 {
        me.post(&format!("/v1/webhooks/endpoints/{id}/test"), json!({}))
            .await
            .ok(202);
    }
    receiver.wait_distinct(100, WAIT).await;
    assert_eq!(
        receiver.requests(),
        200,
        "each delivery failed once and was retried once"
    );
    // The receiver answered; the gateway records the outcomes just after.
    let deadline = Instant::now() + WAIT;
    let deliveries = loop {
        let deliveries = me
            .get(&format!("/v1/webhooks/endpoints/{id}/deliveries?limit=100"))
            .await
            .ok(200);
        let data = deliveries["data"].as_array().unwrap();
        if data.len() == 100 && data.iter().all(|d| d["status"] == "succeeded") {
            break deliveries;
        }
        assert!(
            Instant::now() < deadline,
            "not all recorded: {deliveries:#}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let data = deliveries["data"].as_array().unwrap();
    let retried = &data[0];
    assert_eq!(retried["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(retried["attempts"][0]["responseCode"], 500);
    assert_eq!(retried["attempts"][1]["responseCode"], 200);
    assert!(retried["attempts"][0]["latencyMs"].as_i64().is_some());
}

#[tokio::test]
async fn one_slow_endpoint_gets_at_most_its_cap_at_once() {
    let world = World::start(3).await;
    let slow = Receiver::start(Behaviour::Ok).await;
    slow.set_delay(Duration::from_millis(1000));
    let fast = Receiver::start(Behaviour::Ok).await;
    let slow_ep = endpoint(&world, &slow.url, &["genericContact::*"]).await;
    let fast_ep = endpoint(&world, &fast.url, &["genericContact::*"]).await;
    let me = world.as_tenant(&world.tenant);
    let test = |ep: &Value| format!("/v1/webhooks/endpoints/{}/test", ep["id"].as_str().unwrap());
    let (slow_path, fast_path) = (test(&slow_ep), test(&fast_ep));
    futures_util::future::join_all((0..80).map(|_| me.post(&slow_path, json!({})))).await;
    futures_util::future::join_all((0..20).map(|_| me.post(&fast_path, json!({})))).await;
    fast.wait_distinct(20, WAIT).await;
    assert!(
        slow.distinct() < 80,
        "the fast endpoint was not held up by the slow one"
    );
    slow.wait_distinct(80, WAIT).await;
    let cap = common::fast_webhooks().per_endpoint_concurrency;
    assert!(
        slow.max_in_flight() <= cap,
        "{} > {cap}",
        slow.max_in_flight()
    );
    assert!(slow.max_in_flight() > 1, "deliveries run concurrently");
}

#[tokio::test]
async fn failed_deliveries_can_be_retried_and_replayed() {
    let world = World::start(3).await;
    let receiver = Receiver::start(Behaviour::Status(503)).await;
    let created = endpoint(&world, &receiver.url, &["genericContact::*"]).await;
    let id = created["id"].as_str().unwrap();
    let me = world.as_tenant(&world.tenant);
    for _ in 0..3 {
        me.post(&format!("/v1/webhooks/endpoints/{id}/test"), json!({}))
            .await
            .ok(202);
    }
    let schedule = common::fast_webhooks().retry_schedule.len();
    let deadline = Instant::now() + WAIT;
    let failed = loop {
        let list = me
            .get(&format!(
                "/v1/webhooks/endpoints/{id}/deliveries?status=failed"
            ))
            .await
            .ok(200);
        if list["data"].as_array().unwrap().len() == 3 {
            break list;
        }
        assert!(
            Instant::now() < deadline,
            "deliveries did not fail: {list:#}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let first = &failed["data"][0];
    assert_eq!(first["attempts"].as_array().unwrap().len(), schedule + 1);
    assert_eq!(first["attempts"][0]["responseCode"], 503);
    assert_eq!(receiver.distinct(), 0);

    receiver.set_behaviour(Behaviour::Ok);
    let delivery = first["id"].as_str().unwrap();
    assert!(delivery.starts_with("msg_"));
    assert_eq!(
        me.post(
            &format!("/v1/webhooks/deliveries/{delivery}/retry"),
            json!({})
        )
        .await
        .status
        .as_u16(),
        202
    );
    receiver.wait_distinct(1, WAIT).await;
    assert_eq!(
        receiver.all()[0].id,
        first["eventId"].as_str().unwrap(),
        "the same webhook-id"
    );

    let replay = me
        .post(
            &format!("/v1/webhooks/endpoints/{id}/replay?since=2020-01-01T00:00:00Z"),
            json!({}),
        )
        .await
        .ok(202);
    assert_eq!(replay["retried"], 2);
    receiver.wait_distinct(3, WAIT).await;

    // A new endpoint can be sent what happened before it existed.
    let late = Receiver::start(Behaviour::Ok).await;
    let late_ep = endpoint(&world, &late.url, &["*"]).await;
    let replay = me
        .post(
            &format!(
                "/v1/webhooks/endpoints/{}/replay?since=2020-01-01T00:00:00Z",
                late_ep["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await
        .ok(202);
    assert_eq!(
        replay["added"], 0,
        "test events belong to their endpoint only: {replay}"
    );
    let other = world.other_tenant("Other").await;
    world
        .as_tenant(&other)
        .post(
            &format!("/v1/webhooks/deliveries/{delivery}/retry"),
            json!({}),
        )
        .await
        .err(404, "WEBHOOK_DELIVERY_NOT_FOUND");
}

#[tokio::test]
async fn an_endpoint_failing_too_long_is_disabled_with_an_event() {
    let config = patchbay_gateway::webhooks::WebhooksConfig {
        retry_schedule: vec![Duration::from_millis(50); 20],
        disable_after: Duration::from_millis(300),
        ..common::fast_webhooks()
    };
    let world = World::start_with_webhooks(3, config).await;
    let broken = Receiver::start(Behaviour::Status(500)).await;
    let watcher = Receiver::start(Behaviour::Ok).await;
    let failing = endpoint(&world, &broken.url, &["genericContact::*"]).await;
    let id = failing["id"].as_str().unwrap();
    endpoint(&world, &watcher.url, &["endpoint::disabled"]).await;
    let me = world.as_tenant(&world.tenant);
    me.post(&format!("/v1/webhooks/endpoints/{id}/test"), json!({}))
        .await
        .ok(202);
    let got = watcher
        .wait_for(WAIT, "endpoint::disabled", |g| !g.is_empty())
        .await;
    assert_eq!(got[0].json["type"], "endpoint::disabled");
    assert_eq!(got[0].json["data"]["endpointId"], id);
    let now = me
        .get(&format!("/v1/webhooks/endpoints/{id}"))
        .await
        .ok(200);
    assert_eq!(now["enabled"], false);
    assert_eq!(now["disabledReason"], "failing");
    // Disabled: its pending delivery waits; enabled again (and fixed), it goes out.
    broken.set_behaviour(Behaviour::Ok);
    me.post(&format!("/v1/webhooks/endpoints/{id}/enable"), json!({}))
        .await
        .ok(200);
    broken.wait_distinct(1, WAIT).await;
}

#[tokio::test]
async fn offices_are_also_polled_for_what_the_change_log_misses() {
    let config = patchbay_gateway::webhooks::WebhooksConfig {
        poll_interval: Some(Duration::from_millis(200)),
        ..common::fast_webhooks()
    };
    let world = World::start_with_webhooks(3, config).await;
    let receiver = Receiver::start(Behaviour::Ok).await;
    endpoint(&world, &receiver.url, &["genericWorkspace::*"]).await;
    wait_reconciled(&world, &[("changelog", 1)]).await;
    // The poller's first round only records what exists.
    let deadline = Instant::now() + WAIT;
    loop {
        let recorded: i64 = match world.gateway.state().store.pool() {
            patchbay_gateway::store::Pool::Sqlite(p) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM webhook_seen WHERE seen_key LIKE 'poll:%'")
                    .fetch_one(p)
                    .await
                    .unwrap()
            }
            patchbay_gateway::store::Pool::Postgres(p) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM webhook_seen WHERE seen_key LIKE 'poll:%'")
                    .fetch_one(p)
                    .await
                    .unwrap()
            }
        };
        if recorded > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the poller never ran");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let office = world
        .dialpad(
            Method::POST,
            "/api/v2/offices",
            Some(json!({
                "name": "London 2", "country": "GB", "currency": "GBP", "use_same_address": true,
                "plan_period": "monthly", "annual_commit_monthly_billing": false,
                "invoiced": false, "unified_billing": true,
                "billing_address": {"address_line_1": "Rua 1", "city": "Lisboa", "country": "pt",
                                    "postal_code": "1000-001", "region": "Lisboa"},
            })),
        )
        .await;
    let office_id = office["office"]["id"].as_str().unwrap().to_owned();
    let got = receiver
        .wait_for(WAIT, "the office, native and polled", |g| {
            let of = |trigger: &str| {
                g.iter().any(|r| {
                    r.json["type"] == "genericWorkspace::created"
                        && r.json["trigger"] == trigger
                        && r.json["data"]["id"] == office_id.as_str()
                })
            };
            of("dialpad") && of("poll")
        })
        .await;
    assert!(got.iter().all(|r| r.json["model"] == "genericWorkspace"));
}

#[tokio::test]
async fn tenants_only_hear_their_own_connections() {
    let world = World::start(3).await;
    let mine = Receiver::start(Behaviour::Ok).await;
    let theirs = Receiver::start(Behaviour::Ok).await;
    endpoint(&world, &mine.url, &["genericContact::*"]).await;
    let other = world.other_tenant("Other").await;
    world
        .as_tenant(&other)
        .post(
            "/v1/webhooks/endpoints",
            json!({"url": theirs.url, "events": ["*"]}),
        )
        .await
        .ok(201);
    wait_reconciled(&world, &[("contact", 2)]).await;
    world
        .acme()
        .post(
            "/v1/resources/genericContact",
            json!({"firstName": "Only", "lastName": "Mine"}),
        )
        .await
        .ok(201);
    mine.wait_for(WAIT, "my contact event", |g| !g.is_empty())
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(theirs.requests(), 0, "another tenant heard nothing");
}

// ---- the `patchbay` binary: crash and several instances ----

struct Instance {
    child: Child,
    url: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(database: &str, sandbox: &str) -> Instance {
    let mut child = Command::new(env!("CARGO_BIN_EXE_patchbay"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--public-url",
            "http://patchbay.invalid",
        ])
        .args(["--database", database, "--dialpad-base-url", sandbox])
        .env("PATCHBAY_ENCRYPTION_KEY", db::test_keyring_spec())
        .env("PATCHBAY_WEBHOOK_DEV", "true")
        .env("PATCHBAY_WEBHOOK_LEASE_MS", "2000")
        .env("PATCHBAY_WEBHOOK_RETRY_SCHEDULE_MS", "100,200,300,300,300")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let line = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.starts_with("{\"ready\":true"));
    let Some(line) = line else {
        let _ = child.kill();
        panic!("serve gave no ready line");
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let ready: Value = serde_json::from_str(&line).unwrap();
    Instance {
        child,
        url: ready["url"].as_str().unwrap().to_owned(),
    }
}

/// A tenant, its connection and endpoint, made through `gateway`; answers (the secret key,
/// the ingress path, the Dialpad hook secret).
async fn fan_out_setup(
    world_http: &reqwest::Client,
    gateway: &str,
    database: &str,
    sandbox: &patchbay_dialpad_sandbox::Sandbox,
    receiver: &Receiver,
) -> (String, String) {
    let store = patchbay_gateway::store::Store::open(database, db::test_keyring())
        .await
        .unwrap();
    let (_, key) = store.create_tenant("Fan-out").await.unwrap();
    let sk = key.secret.expose().to_owned();
    let answer = world_http
        .post(format!("{gateway}/v1/connections/dialpad/acme"))
        .bearer_auth(&sk)
        .json(&json!({"credentials": {"type": "apiKey", "apiKey": sandbox.info().api_key}}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 201);
    let answer = world_http
        .post(format!("{gateway}/v1/webhooks/endpoints"))
        .bearer_auth(&sk)
        .json(&json!({"url": receiver.url, "events": ["genericContact::*"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 201);
    let deadline = Instant::now() + WAIT;
    loop {
        let hooks: Value = world_http
            .get(format!("{}/api/v2/webhooks", sandbox.url()))
            .bearer_auth(sandbox.info().api_key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(hook) = hooks["items"].as_array().and_then(|a| a.first()) {
            let url = hook["hook_url"].as_str().unwrap();
            let path = url[url.find("/v1/ingress").unwrap()..].to_owned();
            store.close().await;
            return (
                path,
                hook["signature"]["secret"].as_str().unwrap().to_owned(),
            );
        }
        assert!(Instant::now() < deadline, "no Dialpad webhook");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// POSTs `n` distinct contact events to the ingresses, 32 at a time, round robin.
async fn ingest_many(
    http: &reqwest::Client,
    gateways: &[String],
    path: &str,
    secret: &str,
    n: usize,
) {
    futures_util::stream::iter(0..n)
        .map(|i| {
            let url = format!("{}{path}", gateways[i % gateways.len()]);
            let claims = json!({
                "event": "updated",
                "contact_type": "shared",
                "contact": {"id": (100_000 + i).to_string(), "first_name": "N", "last_name": i.to_string(), "type": "shared"},
                "event_timestamp": (1_700_000_000_000_i64 + i as i64).to_string(),
            });
            let body = sign_hs256(&claims, secret.as_bytes());
            let http = http.clone();
            async move {
                let answer = http.post(url).body(body).send().await.unwrap();
                assert_eq!(answer.status().as_u16(), 200);
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await;
}

const FAN_OUT: usize = 10_000;

#[tokio::test]
async fn kill_dash_nine_during_a_fan_out_loses_nothing() {
    let sandbox = patchbay_dialpad_sandbox::Sandbox::start_local(sandbox_config(3))
        .await
        .unwrap();
    let database = db::test_database_url().await;
    let http = reqwest::Client::new();
    let receiver = Receiver::start(Behaviour::Ok).await;
    let mut first = serve(&database, &sandbox.url());
    let (path, secret) = fan_out_setup(&http, &first.url, &database, &sandbox, &receiver).await;
    // Slow while the events go in, then faster, so the kill lands mid fan-out.
    receiver.set_delay(Duration::from_millis(200));
    let started = Instant::now();
    ingest_many(
        &http,
        std::slice::from_ref(&first.url),
        &path,
        &secret,
        FAN_OUT,
    )
    .await;
    eprintln!("{FAN_OUT} events ingested in {:?}", started.elapsed());
    receiver.set_delay(Duration::from_millis(5));
    let deadline = Instant::now() + Duration::from_secs(120);
    while receiver.distinct() < FAN_OUT / 4 {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let _ = Command::new("kill")
        .args(["-9", &first.child.id().to_string()])
        .status();
    let _ = first.child.wait();
    let at_kill = receiver.distinct();
    eprintln!("killed with {at_kill} of {FAN_OUT} delivered");
    assert!(at_kill < FAN_OUT, "the kill came after the fan-out ended");
    receiver.set_delay(Duration::ZERO);
    let second = serve(&database, &sandbox.url());
    receiver
        .wait_distinct(FAN_OUT, Duration::from_secs(120))
        .await;
    eprintln!("all delivered {:?} after the start", started.elapsed());
    drop(second);
    db::drop_test_database(&database).await;
}

#[tokio::test]
async fn three_instances_on_postgres_share_a_fan_out() {
    if !db::testing_postgres() {
        eprintln!("skipped: three instances need PostgreSQL (PATCHBAY_TEST_DATABASE_URL)");
        return;
    }
    let sandbox = patchbay_dialpad_sandbox::Sandbox::start_local(sandbox_config(3))
        .await
        .unwrap();
    let database = db::test_database_url().await;
    let http = reqwest::Client::new();
    let receiver = Receiver::start(Behaviour::Ok).await;
    let instances: Vec<Instance> = (0..3).map(|_| serve(&database, &sandbox.url())).collect();
    let urls: Vec<String> = instances.iter().map(|i| i.url.clone()).collect();
    let (path, secret) = fan_out_setup(&http, &urls[0], &database, &sandbox, &receiver).await;
    ingest_many(&http, &urls, &path, &secret, FAN_OUT).await;
    receiver
        .wait_distinct(FAN_OUT, Duration::from_secs(120))
        .await;
    // Each event once (at least once allows more, but leases should make it rare).
    let total = receiver.all().len();
    eprintln!("{total} deliveries for {FAN_OUT} events over three instances");
    drop(instances);
    db::drop_test_database(&database).await;
}
