#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Webhooks, event subscriptions, live calls and event delivery, against a real
//! sandbox over loopback with real webhook receivers.

mod common;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use patchbay_dialpad_sandbox::counters::EventCounts;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

use common::{Receiver, TestSandbox, eventually};

const WAIT: Duration = Duration::from_secs(10);

/// A small sandbox whose calls step every 10 ms.
async fn sandbox() -> TestSandbox {
    let ts = TestSandbox::small().await;
    let resp = ts
        .http
        .patch(ts.url("/_sandbox/settings"))
        .json(&json!({"call_step_ms": 10}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    ts
}

async fn create_webhook(ts: &TestSandbox, url: &str, secret: Option<&str>) -> String {
    let mut body = json!({ "hook_url": url });
    if let Some(secret) = secret {
        body["secret"] = json!(secret);
    }
    let (status, hook) = ts.send(Method::POST, "/api/v2/webhooks", body).await;
    assert_eq!(status, StatusCode::OK, "{hook}");
    hook["id"].as_str().unwrap().to_owned()
}

async fn subscribe(ts: &TestSandbox, family: &str, body: Value) -> Value {
    let path = format!("/api/v2/subscriptions/{family}");
    let (status, sub) = ts.send(Method::POST, &path, body).await;
    assert_eq!(status, StatusCode::OK, "{sub}");
    sub
}

/// Starts a simulated call and returns its id.
async fn simulate(ts: &TestSandbox, body: Value) -> String {
    let resp = ts
        .http
        .post(ts.url("/_sandbox/calls"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["company_id"], ts.info.company_id.as_str());
    answer["call_id"].as_str().unwrap().to_owned()
}

fn admin(ts: &TestSandbox) -> String {
    ts.info.companies[0].admin_user_id.clone()
}

fn counts(ts: &TestSandbox) -> EventCounts {
    ts.sandbox.state().counters.snapshot().events
}

/// Verifies an HS256 JWT with `secret` and returns its claims.
fn verify_jwt(token: &str, secret: &str) -> Value {
    let (input, signature) = token.rsplit_once('.').expect("a compact JWT");
    let (header, claims) = input.split_once('.').expect("a compact JWT");
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    assert_eq!(header, json!({"alg": "HS256", "typ": "JWT"}));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    mac.verify_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap())
        .expect("the signature verifies with the webhook's secret");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap()
}

/// What a receiver got, decoded: verified JWTs with a secret, plain JSON without.
fn payloads(receiver: &Receiver, secret: Option<&str>) -> Vec<Value> {
    receiver
        .all()
        .iter()
        .map(|got| {
            let content_type = got
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            match secret {
                Some(secret) => {
                    assert_eq!(content_type, "application/jwt");
                    verify_jwt(std::str::from_utf8(&got.body).unwrap(), secret)
                }
                None => {
                    assert_eq!(content_type, "application/json");
                    serde_json::from_slice(&got.body).unwrap()
                }
            }
        })
        .collect()
}

fn states(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["state"].as_str().unwrap())
        .collect()
}

fn of_call<'a>(events: &'a [Value], call_id: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["call_id"] == call_id).collect()
}

fn ms(v: &Value) -> i64 {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn webhook_crud_answers_dialpad_shapes() {
    let ts = sandbox().await;
    let (status, signed) = ts
        .send(
            Method::POST,
            "/api/v2/webhooks",
            json!({"hook_url": "https://example.com/hooks", "secret": "test_secret"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let id = signed["id"].as_str().expect("ids are strings").to_owned();
    assert_eq!(
        signed,
        json!({
            "hook_url": "https://example.com/hooks",
            "id": id,
            "signature": {"algo": "HS256", "secret": "test_secret", "type": "jwt"},
        })
    );

    let (status, plain) = ts
        .send(
            Method::POST,
            "/api/v2/webhooks",
            json!({"hook_url": "http://127.0.0.1:9/x"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(plain.get("signature").is_none(), "{plain}");
    let plain_id = plain["id"].as_str().unwrap();

    for bad in ["not a url", "ftp://example.com/x", "/relative", ""] {
        let (status, body) = ts
            .send(Method::POST, "/api/v2/webhooks", json!({ "hook_url": bad }))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad:?}: {body}");
    }

    let (status, got) = ts.get(&format!("/api/v2/webhooks/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got, signed);
    let listed = ts.all("/api/v2/webhooks").await;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0], signed);

    let (status, patched) = ts
        .send(
            Method::PATCH,
            &format!("/api/v2/webhooks/{id}"),
            json!({"hook_url": "https://example.com/v2"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(patched["hook_url"], "https://example.com/v2");
    assert_eq!(patched["signature"]["secret"], "test_secret");

    let (status, removed) = ts
        .send(
            Method::DELETE,
            &format!("/api/v2/webhooks/{plain_id}"),
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(removed["id"], plain_id);
    let (status, _) = ts.get(&format!("/api/v2/webhooks/{plain_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn subscriptions_accept_the_older_webhook_id_and_embed_the_webhook() {
    let ts = sandbox().await;
    let hook_id = create_webhook(&ts, "https://example.com/hooks", Some("puppy")).await;
    let numeric: i64 = hook_id.parse().unwrap();

    let sub = subscribe(
        &ts,
        "call",
        json!({"webhook_id": numeric, "call_states": ["hangup", "recording"]}),
    )
    .await;
    let sub_id = sub["id"].as_str().unwrap().to_owned();
    assert_eq!(sub["call_states"], json!(["hangup", "recording"]));
    assert_eq!(sub["enabled"], true);
    assert_eq!(sub["group_calls_only"], false);
    assert_eq!(sub["webhook"]["id"], hook_id.as_str());
    assert_eq!(sub["webhook"]["signature"]["type"], "jwt");

    let contact = subscribe(
        &ts,
        "contact",
        json!({"endpoint_id": hook_id, "contact_type": "shared"}),
    )
    .await;
    assert_eq!(contact["contact_type"], "shared");
    let changelog = subscribe(&ts, "changelog", json!({"endpoint_id": hook_id})).await;
    assert_eq!(changelog["enabled"], true);
    assert_eq!(changelog["webhook"]["id"], hook_id.as_str());
    let agents = subscribe(
        &ts,
        "agent_status",
        json!({"endpoint_id": hook_id, "agent_type": "callcenter"}),
    )
    .await;
    assert_eq!(agents["agent_type"], "callcenter");

    // Each family lists only its own.
    let calls = ts.all("/api/v2/subscriptions/call").await;
    assert_eq!(calls, vec![sub.clone()]);
    assert_eq!(ts.all("/api/v2/subscriptions/contact").await, vec![contact]);
    let (status, _) = ts
        .get(&format!("/api/v2/subscriptions/contact/{sub_id}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, patched) = ts
        .send(
            Method::PATCH,
            &format!("/api/v2/subscriptions/call/{sub_id}"),
            json!({"enabled": false, "call_states": ["calling"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["enabled"], false);
    assert_eq!(patched["call_states"], json!(["calling"]));
    assert_eq!(patched["webhook"]["id"], hook_id.as_str());

    // Refusals.
    for (family, body, want) in [
        (
            "call",
            json!({"call_states": ["hangup"]}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "call",
            json!({"endpoint_id": "1", "call_states": ["hangup"]}),
            StatusCode::NOT_FOUND,
        ),
        (
            "call",
            json!({"endpoint_id": hook_id, "call_states": ["dancing"]}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "call",
            json!({"endpoint_id": hook_id, "target_type": "user"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "contact",
            json!({"endpoint_id": hook_id}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "contact",
            json!({"endpoint_id": hook_id, "contact_type": "team"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "agent_status",
            json!({"endpoint_id": hook_id, "agent_type": "office"}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (status, answer) = ts
            .send(
                Method::POST,
                &format!("/api/v2/subscriptions/{family}"),
                body.clone(),
            )
            .await;
        assert_eq!(status, want, "{family} {body}: {answer}");
    }

    // Deleting the webhook deletes its subscriptions.
    let (status, _) = ts
        .send(
            Method::DELETE,
            &format!("/api/v2/webhooks/{hook_id}"),
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = ts
        .get(&format!("/api/v2/subscriptions/call/{sub_id}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(ts.all("/api/v2/subscriptions/changelog").await.is_empty());
}

#[tokio::test]
async fn answered_inbound_call_delivers_its_transitions_in_order_as_signed_jwts() {
    let ts = sandbox().await;
    let hook = Receiver::start().await;
    let hook_id = create_webhook(&ts, &hook.url, Some("s3cret")).await;
    let wanted = [
        "ringing",
        "connected",
        "hangup",
        "recording",
        "transcription",
    ];
    subscribe(
        &ts,
        "call",
        json!({"endpoint_id": hook_id, "call_states": wanted}),
    )
    .await;
    let user = admin(&ts);

    let call_id = simulate(
        &ts,
        json!({"user_id": user, "recorded": true, "transcript": true, "talk_ms": 50}),
    )
    .await;
    eventually(WAIT, "five call events", || hook.count() >= 5).await;
    let events = payloads(&hook, Some("s3cret"));
    assert_eq!(states(&events), wanted);
    for event in &events {
        assert_eq!(event["call_id"], call_id.as_str());
        assert_eq!(event["direction"], "inbound");
        assert_eq!(event["target"]["id"], user.as_str());
        assert!(event["event_timestamp"].is_string(), "{event}");
    }
    let stamps: Vec<i64> = events.iter().map(|e| ms(&e["event_timestamp"])).collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");

    // The concluded call reads like a seeded one.
    let (status, call) = ts.get(&format!("/api/v2/call/{call_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(call["state"], "hangup");
    let (rang, connected, ended) = (
        ms(&call["date_rang"]),
        ms(&call["date_connected"]),
        ms(&call["date_ended"]),
    );
    assert!(ms(&call["date_started"]) <= rang && rang <= connected && connected <= ended);
    assert_eq!(call["duration"].as_f64().unwrap() as i64, ended - connected);
    assert!(ended - connected >= 50, "talk_ms is honoured");
    assert_eq!(call["was_recorded"], true);
    assert_eq!(call["recording_details"].as_array().unwrap().len(), 1);
    let (status, _) = ts.get(&format!("/api/v2/transcripts/{call_id}")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn simulated_calls_follow_their_documented_state_sequences() {
    let ts = sandbox().await;
    let all = Receiver::start().await;
    let all_id = create_webhook(&ts, &all.url, None).await;
    subscribe(&ts, "call", json!({ "endpoint_id": all_id })).await;
    let group = Receiver::start().await;
    let group_id = create_webhook(&ts, &group.url, None).await;
    subscribe(
        &ts,
        "call",
        json!({"endpoint_id": group_id, "call_states": ["all"], "group_calls_only": true}),
    )
    .await;
    let offices = ts.all("/api/v2/offices").await;
    let office = offices[0]["id"].as_str().unwrap();
    let centers = ts
        .all(&format!("/api/v2/offices/{office}/callcenters"))
        .await;
    let center = centers[0]["id"].as_str().unwrap();
    let user = admin(&ts);

    let missed = simulate(&ts, json!({"user_id": user, "outcome": "missed"})).await;
    let voicemail = simulate(&ts, json!({"user_id": user, "outcome": "voicemail"})).await;
    let outbound = simulate(&ts, json!({"user_id": user, "direction": "outbound"})).await;
    let queued = simulate(
        &ts,
        json!({"company_id": ts.info.company_id, "call_center_id": center}),
    )
    .await;
    eventually(WAIT, "fifteen call events", || all.count() >= 15).await;
    let events = payloads(&all, None);
    let sequence = |id: &str| -> Vec<String> {
        of_call(&events, id)
            .iter()
            .map(|e| e["state"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(sequence(&missed), ["ringing", "missed", "hangup"]);
    assert_eq!(
        sequence(&voicemail),
        ["ringing", "voicemail", "hangup", "voicemail_uploaded"]
    );
    assert_eq!(
        sequence(&outbound),
        ["calling", "ringing", "connected", "hangup"]
    );
    assert_eq!(
        sequence(&queued),
        ["queued", "ringing", "connected", "hangup"]
    );

    eventually(WAIT, "the group call's events", || group.count() >= 4).await;
    let group_events = payloads(&group, None);
    assert!(group_events.iter().all(|e| e["call_id"] == queued.as_str()));

    // Concluded calls carry their outcome's state, as seeded calls do.
    let (_, call) = ts.get(&format!("/api/v2/call/{missed}")).await;
    assert_eq!(call["state"], "missed");
    assert!(call.get("duration").is_none());
    let (_, call) = ts.get(&format!("/api/v2/call/{voicemail}")).await;
    assert_eq!(call["state"], "voicemail");
    assert!(call["voicemail_share_link"].is_string());
    assert!(call.get("date_connected").is_none());
    let (_, call) = ts.get(&format!("/api/v2/call/{queued}")).await;
    assert_eq!(call["entry_point_target"]["id"], center);
}

#[tokio::test]
async fn hangup_only_subscription_gets_exactly_one_event() {
    let ts = sandbox().await;
    let only = Receiver::start().await;
    let only_id = create_webhook(&ts, &only.url, None).await;
    subscribe(
        &ts,
        "call",
        json!({"endpoint_id": only_id, "call_states": ["hangup"]}),
    )
    .await;
    let control = Receiver::start().await;
    let control_id = create_webhook(&ts, &control.url, None).await;
    subscribe(
        &ts,
        "call",
        json!({"endpoint_id": control_id, "call_states": ["all"]}),
    )
    .await;

    let call_id = simulate(&ts, json!({ "user_id": admin(&ts) })).await;
    eventually(WAIT, "the whole call at the control hook", || {
        control.count() >= 3
    })
    .await;
    eventually(WAIT, "the hangup event", || only.count() >= 1).await;
    let events = payloads(&only, None);
    assert_eq!(states(&events), ["hangup"]);
    assert_eq!(events[0]["call_id"], call_id.as_str());
    eventually(WAIT, "all deliveries counted", || {
        counts(&ts).delivered == 4
    })
    .await;
    assert_eq!(only.count(), 1);
}

#[tokio::test]
async fn target_filter_for_another_user_gets_nothing() {
    let ts = sandbox().await;
    let user = admin(&ts);
    let users = ts.all("/api/v2/users?state=active").await;
    let other = users
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .find(|id| *id != user)
        .unwrap()
        .to_owned();
    let filtered = Receiver::start().await;
    let filtered_id = create_webhook(&ts, &filtered.url, None).await;
    let sub = subscribe(
        &ts,
        "call",
        json!({"endpoint_id": filtered_id, "target_type": "user", "target_id": other}),
    )
    .await;
    assert_eq!(sub["target_type"], "user");
    assert_eq!(sub["target_id"], other.as_str());
    let listed = ts
        .all(&format!(
            "/api/v2/subscriptions/call?target_type=user&target_id={other}"
        ))
        .await;
    assert_eq!(listed.len(), 1);
    let control = Receiver::start().await;
    let control_id = create_webhook(&ts, &control.url, None).await;
    subscribe(
        &ts,
        "call",
        json!({"endpoint_id": control_id, "target_type": "user", "target_id": user}),
    )
    .await;

    simulate(&ts, json!({ "user_id": user })).await;
    eventually(WAIT, "the call at the control hook", || {
        control.count() >= 3
    })
    .await;
    eventually(WAIT, "all deliveries counted", || {
        counts(&ts).delivered >= 3
    })
    .await;
    assert_eq!(filtered.count(), 0);
    assert_eq!(counts(&ts).delivered, 3);
}

#[tokio::test]
async fn contact_changes_reach_shared_subscriptions_not_local_ones() {
    let ts = sandbox().await;
    let shared = Receiver::start().await;
    let shared_id = create_webhook(&ts, &shared.url, Some("shh")).await;
    subscribe(
        &ts,
        "contact",
        json!({"endpoint_id": shared_id, "contact_type": "shared"}),
    )
    .await;
    let local = Receiver::start().await;
    let local_id = create_webhook(&ts, &local.url, None).await;
    subscribe(
        &ts,
        "contact",
        json!({"endpoint_id": local_id, "contact_type": "local"}),
    )
    .await;

    // A local contact reaches the local subscription only.
    let (status, mine) = ts
        .send(
            Method::POST,
            "/api/v2/contacts",
            json!({"first_name": "Lo", "last_name": "Cal", "owner_id": admin(&ts)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    eventually(WAIT, "the local contact event", || local.count() >= 1).await;
    let event = &payloads(&local, None)[0];
    assert_eq!(event["event"], "created");
    assert_eq!(event["contact_type"], "local");

    let (status, contact) = ts
        .send(
            Method::POST,
            "/api/v2/contacts",
            json!({"first_name": "Sha", "last_name": "Red", "phones": ["+14155550123"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{contact}");
    let id = contact["id"].as_str().unwrap();
    let path = format!("/api/v2/contacts/{id}");
    let (status, _) = ts
        .send(Method::PATCH, &path, json!({"last_name": "Redder"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = ts.send(Method::DELETE, &path, Value::Null).await;
    assert_eq!(status, StatusCode::OK);

    eventually(WAIT, "three shared contact events", || shared.count() >= 3).await;
    let events = payloads(&shared, Some("shh"));
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "updated", "deleted"]);
    for event in &events {
        assert_eq!(event["contact_type"], "shared");
        assert_eq!(event["contact"]["id"], id);
        ms(&event["event_timestamp"]);
    }
    assert_eq!(events[1]["contact"]["last_name"], "Redder");
    assert_eq!(local.count(), 1);
}

#[tokio::test]
async fn user_patch_produces_a_change_log_event_as_plain_json() {
    let ts = sandbox().await;
    let hook = Receiver::start().await;
    let hook_id = create_webhook(&ts, &hook.url, None).await;
    subscribe(&ts, "changelog", json!({ "endpoint_id": hook_id })).await;
    let admin = admin(&ts);
    let users = ts.all("/api/v2/users").await;
    let target = users.last().unwrap()["id"].as_str().unwrap().to_owned();

    let (status, _) = ts
        .send(
            Method::PATCH,
            &format!("/api/v2/users/{target}"),
            json!({"first_name": "Renamed"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually(WAIT, "the change-log event", || hook.count() >= 1).await;
    let events = payloads(&hook, None);
    let event = &events[0];
    assert_eq!(event["action"], "updated_user");
    assert_eq!(event["target"], json!({"type": "user", "id": target}));
    assert_eq!(event["changed_by"]["id"], admin.as_str());
    assert_eq!(event["changed_by"]["type"], "user");
    assert!(
        event["changed_by"]["name"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );
    assert!(event["note"].is_string());
    assert!(event.get("additional_data").is_some());
    ms(&event["date"]);
}

#[tokio::test]
async fn a_failed_delivery_is_retried_once() {
    let ts = sandbox().await;
    let hook = Receiver::with_plan(vec![StatusCode::INTERNAL_SERVER_ERROR]).await;
    let hook_id = create_webhook(&ts, &hook.url, None).await;
    subscribe(&ts, "changelog", json!({ "endpoint_id": hook_id })).await;
    let (status, _) = ts
        .send(
            Method::PATCH,
            &format!("/api/v2/users/{}", admin(&ts)),
            json!({"job_title": "CEO"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    eventually(WAIT, "the retry to be delivered", || {
        counts(&ts).delivered == 1
    })
    .await;
    assert_eq!(hook.count(), 2);
    let got = hook.all();
    assert_eq!(got[0].body, got[1].body, "the retry carries the same event");
    let counts = counts(&ts);
    assert_eq!((counts.retried, counts.delivered, counts.failed), (1, 1, 0));
}

#[tokio::test]
async fn a_receiver_that_keeps_failing_gets_two_attempts_then_the_event_fails() {
    let ts = sandbox().await;
    let error = StatusCode::INTERNAL_SERVER_ERROR;
    let hook = Receiver::with_plan(vec![error, error]).await;
    let hook_id = create_webhook(&ts, &hook.url, None).await;
    subscribe(&ts, "changelog", json!({ "endpoint_id": hook_id })).await;
    // And one nobody listens on: nothing may panic.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead_url = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    let dead_id = create_webhook(&ts, &dead_url, Some("x")).await;
    subscribe(&ts, "changelog", json!({ "endpoint_id": dead_id })).await;

    let (status, _) = ts
        .send(
            Method::PATCH,
            &format!("/api/v2/users/{}", admin(&ts)),
            json!({"job_title": "CFO"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually(WAIT, "both deliveries to fail", || counts(&ts).failed == 2).await;
    assert_eq!(hook.count(), 2);
    let counts = counts(&ts);
    assert_eq!((counts.retried, counts.delivered, counts.failed), (2, 0, 2));
    // The sandbox still answers.
    let (status, _) = ts.get("/api/v2/webhooks").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_initiated_call_can_be_hung_up_and_then_lists_first() {
    let ts = sandbox().await;
    let hook = Receiver::start().await;
    let hook_id = create_webhook(&ts, &hook.url, None).await;
    subscribe(&ts, "call", json!({ "endpoint_id": hook_id })).await;
    let user = admin(&ts);

    for bad in [
        json!({"user_id": user}),
        json!({"phone_number": "+14155550100"}),
        json!({"user_id": user, "phone_number": "4155550100"}),
    ] {
        let (status, answer) = ts.send(Method::POST, "/api/v2/call", bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {answer}");
    }
    let (status, answer) = ts
        .send(
            Method::POST,
            "/api/v2/call",
            json!({"user_id": user, "phone_number": "+14155550100", "custom_data": "ticket-7"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let call_id = answer["call_id"].as_str().unwrap().to_owned();

    eventually(WAIT, "the call to connect", || hook.count() >= 3).await;
    let events = payloads(&hook, None);
    assert_eq!(states(&events), ["calling", "ringing", "connected"]);
    assert_eq!(events[0]["direction"], "outbound");
    assert_eq!(events[0]["external_number"], "+14155550100");
    assert_eq!(events[0]["custom_data"], "ticket-7");
    let (status, live) = ts.get(&format!("/api/v2/call/{call_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(live["state"], "connected");

    let hangup = format!("/api/v2/call/{call_id}/actions/hangup");
    let (status, _) = ts.send(Method::PUT, &hangup, Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    eventually(WAIT, "the hangup event", || hook.count() >= 4).await;
    assert_eq!(payloads(&hook, None)[3]["state"], "hangup");

    let (status, list) = ts.get("/api/v2/call").await;
    assert_eq!(status, StatusCode::OK);
    let first = &list["items"][0];
    assert_eq!(first["call_id"], call_id.as_str());
    assert_eq!(first["state"], "hangup");
    assert!(first["duration"].as_f64().is_some());

    let (status, _) = ts.send(Method::PUT, &hangup, Value::Null).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = ts
        .send(Method::PUT, "/api/v2/call/123/actions/hangup", Value::Null)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deleting_a_webhook_stops_its_deliveries() {
    let ts = sandbox().await;
    let doomed = Receiver::start().await;
    let doomed_id = create_webhook(&ts, &doomed.url, None).await;
    subscribe(&ts, "changelog", json!({ "endpoint_id": doomed_id })).await;
    let kept = Receiver::start().await;
    let kept_id = create_webhook(&ts, &kept.url, None).await;
    subscribe(&ts, "changelog", json!({ "endpoint_id": kept_id })).await;
    let user = format!("/api/v2/users/{}", admin(&ts));

    ts.send(Method::PATCH, &user, json!({"job_title": "One"}))
        .await;
    eventually(WAIT, "the first event at both", || {
        doomed.count() == 1 && kept.count() == 1
    })
    .await;
    let (status, _) = ts
        .send(
            Method::DELETE,
            &format!("/api/v2/webhooks/{doomed_id}"),
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    ts.send(Method::PATCH, &user, json!({"job_title": "Two"}))
        .await;
    eventually(WAIT, "the second event at the kept hook", || {
        kept.count() == 2
    })
    .await;
    eventually(WAIT, "all deliveries counted", || {
        counts(&ts).delivered == 3
    })
    .await;
    assert_eq!(doomed.count(), 1);
}
