#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Webhooks, event subscriptions, live calls and event delivery, against a real
//! sandbox over loopback with real webhook receivers; and how resets and shutdowns
//! end the background work (live calls, delivery queues).

mod common;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use parking_lot::Mutex;
use patchbay_dialpad_sandbox::counters::EventCounts;
use patchbay_dialpad_sandbox::{AppState, SandboxConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::Semaphore;

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
            json!({"hook_url": "http://example.com/hooks", "secret": "test_secret"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let id = signed["id"].as_str().expect("ids are strings").to_owned();
    assert_eq!(
        signed,
        json!({
            "hook_url": "http://example.com/hooks",
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
    // The sandbox has no TLS client: it says so rather than failing every delivery.
    let (status, body) = ts
        .send(
            Method::POST,
            "/api/v2/webhooks",
            json!({"hook_url": "https://example.com/hooks"}),
        )
        .await;
    common::assert_envelope(status, &body, StatusCode::BAD_REQUEST, "badRequest");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("plain http")),
        "{body}"
    );

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
            json!({"hook_url": "http://example.com/v2"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(patched["hook_url"], "http://example.com/v2");
    let (status, _) = ts
        .send(
            Method::PATCH,
            &format!("/api/v2/webhooks/{id}"),
            json!({"hook_url": "https://example.com/v2"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
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
    let hook_id = create_webhook(&ts, "http://example.com/hooks", Some("puppy")).await;
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
    // `UpdateContactEventSubscription` requires `contact_type`, as the create does.
    let contact_path = format!(
        "/api/v2/subscriptions/contact/{}",
        contact["id"].as_str().unwrap()
    );
    let (status, answer) = ts
        .send(Method::PATCH, &contact_path, json!({"enabled": false}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let (status, contact) = ts
        .send(
            Method::PATCH,
            &contact_path,
            json!({"contact_type": "local", "enabled": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{contact}");
    assert_eq!(contact["contact_type"], "local");
    let (status, contact) = ts
        .send(
            Method::PATCH,
            &contact_path,
            json!({"contact_type": "shared"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{contact}");
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
    let (status, transcript) = ts.get(&format!("/api/v2/transcripts/{call_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(transcript["lines"], json!([]), "nothing is said in 50 ms");
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

    // Voicemail events carry Dialpad's documented `voicemail_link` once the voicemail
    // exists, next to `voicemail_share_link`.
    for event in of_call(&events, &voicemail) {
        match event["state"].as_str().unwrap() {
            "hangup" | "voicemail_uploaded" => {
                assert!(event["voicemail_link"].is_string(), "{event}");
                assert_eq!(event["voicemail_link"], event["voicemail_share_link"]);
            }
            _ => assert!(event.get("voicemail_link").is_none(), "{event}"),
        }
    }
    for event in of_call(&events, &missed) {
        assert!(event.get("voicemail_link").is_none(), "{event}");
    }

    // Group calls are those whose `group_id` names a group, not an office.
    eventually(WAIT, "the group call's events", || group.count() >= 4).await;
    let group_events = payloads(&group, None);
    assert!(group_events.iter().all(|e| e["call_id"] == queued.as_str()));
    assert!(
        group_events
            .iter()
            .all(|e| e["group_id"] == format!("CallCenter:{center}"))
    );
    assert!(
        of_call(&events, &missed)
            .iter()
            .all(|e| e["group_id"].as_str().unwrap().starts_with("Office:"))
    );

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

/// A webhook receiver that records each request, then holds its answer until the
/// gate gives it a permit: a receiver that stalls, so events queue up behind it.
struct Stalled {
    url: String,
    received: Arc<Mutex<Vec<Value>>>,
    gate: Arc<Semaphore>,
}

impl Stalled {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let gate = Arc::new(Semaphore::new(0));
        let (r, g) = (received.clone(), gate.clone());
        let app = axum::Router::new().fallback(move |body: axum::body::Bytes| {
            let (r, g) = (r.clone(), g.clone());
            async move {
                r.lock()
                    .push(serde_json::from_slice(&body).unwrap_or(Value::Null));
                let _permit = g.acquire().await;
                StatusCode::OK
            }
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            url,
            received,
            gate,
        }
    }

    fn count(&self) -> usize {
        self.received.lock().len()
    }

    /// Lets every held and future request answer.
    fn release(&self) {
        self.gate.add_permits(1_000);
    }
}

/// Renames the first company's admin, which emits one change-log event whose
/// `note` carries the new name.
async fn rename_admin(ts: &TestSandbox, name: &str) {
    let (status, body) = ts
        .send(
            Method::PATCH,
            &format!("/api/v2/users/{}", admin(ts)),
            json!({ "first_name": name }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn reset(ts: &TestSandbox) {
    let (status, body) = ts.control(Method::POST, "/reset", Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Polls `GET /api/v2/call/{id}` until the call is in `state`.
async fn wait_for_call_state(ts: &TestSandbox, call_id: &str, state: &str) {
    let end = tokio::time::Instant::now() + WAIT;
    loop {
        let (status, call) = ts.get(&format!("/api/v2/call/{call_id}")).await;
        if status == StatusCode::OK && call["state"] == state {
            return;
        }
        assert!(
            tokio::time::Instant::now() < end,
            "call {call_id} never reached {state}: {call}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_call_simulated_before_a_reset_does_not_touch_the_call_with_the_same_id_after_it() {
    let ts = sandbox().await;
    let user = admin(&ts);
    // The first id after the seed. Left alone, this call's task hangs it up 300 ms
    // after it connects.
    let old = simulate(&ts, json!({"user_id": user, "talk_ms": 300})).await;
    wait_for_call_state(&ts, &old, "connected").await;

    reset(&ts).await;
    // Ids are deterministic: the first call after the reset gets the old call's id.
    let (status, answer) = ts
        .send(
            Method::POST,
            "/api/v2/call",
            json!({"user_id": user, "phone_number": "+14155550100"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let new = answer["call_id"].as_str().unwrap().to_owned();
    assert_eq!(new, old, "the same id after a reset");
    wait_for_call_state(&ts, &new, "connected").await;

    // A call started now with the same talk time concludes after the old call's task
    // would have hung up.
    let witness = simulate(&ts, json!({"user_id": user, "talk_ms": 300})).await;
    wait_for_call_state(&ts, &witness, "hangup").await;

    let (status, call) = ts.get(&format!("/api/v2/call/{new}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(call["state"], "connected", "{call}");
    assert_eq!(call["external_number"], "+14155550100");
    let (status, body) = ts
        .send(
            Method::PUT,
            &format!("/api/v2/call/{new}/actions/hangup"),
            Value::Null,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "only this request hangs it up: {body}"
    );
}

#[tokio::test]
async fn a_webhooks_queued_events_are_not_delivered_after_a_reset() {
    let ts = sandbox().await;
    let stalled = Stalled::start().await;
    let old_hook = create_webhook(&ts, &stalled.url, None).await;
    subscribe(&ts, "changelog", json!({ "endpoint_id": old_hook })).await;
    for name in ["Before1", "Before2", "Before3"] {
        rename_admin(&ts, name).await;
    }
    // The first event is at the receiver, the other two wait in the queue.
    eventually(WAIT, "the first event at the stalled receiver", || {
        stalled.count() == 1
    })
    .await;

    reset(&ts).await;
    // The same ids come back: a later test's webhook has the old one's id.
    let fresh = Receiver::start().await;
    let fresh_hook = create_webhook(&ts, &fresh.url, None).await;
    assert_eq!(fresh_hook, old_hook, "the same id after a reset");
    subscribe(&ts, "changelog", json!({ "endpoint_id": fresh_hook })).await;
    stalled.release();
    rename_admin(&ts, "After").await;

    let is_after = |e: &Value| e["note"].as_str().is_some_and(|n| n.contains("After"));
    eventually(WAIT, "the new event at the new webhook", || {
        payloads(&fresh, None).iter().any(is_after)
    })
    .await;
    eventually(WAIT, "the new delivery counted", || {
        counts(&ts).delivered == 1
    })
    .await;
    let events = payloads(&fresh, None);
    assert_eq!(
        events.len(),
        1,
        "no event from before the reset: {events:?}"
    );
    assert!(is_after(&events[0]));
    assert_eq!(stalled.count(), 1);
}

#[tokio::test]
async fn a_full_delivery_queue_drops_new_events_and_counts_them_failed() {
    let ts = TestSandbox::start(SandboxConfig {
        rate_limits: false,
        delivery_queue: 2,
        ..SandboxConfig::default()
    })
    .await;
    let stalled = Stalled::start().await;
    let hook = create_webhook(&ts, &stalled.url, None).await;
    subscribe(&ts, "changelog", json!({ "endpoint_id": hook })).await;
    rename_admin(&ts, "First").await;
    eventually(WAIT, "the first event in flight", || stalled.count() == 1).await;

    // Two fit in the queue behind it; the next two are dropped at once.
    for name in ["Second", "Third", "Fourth", "Fifth"] {
        rename_admin(&ts, name).await;
    }
    assert_eq!(counts(&ts).failed, 2);

    stalled.release();
    eventually(WAIT, "the queued events delivered", || {
        counts(&ts).delivered == 3
    })
    .await;
    assert_eq!(stalled.count(), 3);
    let notes: Vec<String> = stalled
        .received
        .lock()
        .iter()
        .map(|e| e["note"].as_str().unwrap().to_owned())
        .collect();
    for (note, name) in notes.iter().zip(["First", "Second", "Third"]) {
        assert!(note.contains(name), "{notes:?}");
    }
    assert_eq!(counts(&ts).failed, 2);
}

/// A sandbox with a call that stays connected (`POST /api/v2/call`) and a simulated
/// call that hangs up 300 ms after it connects, both reported to `hook`.
async fn two_live_calls(ts: &TestSandbox, hook: &Receiver) -> (i64, i64) {
    let hook_id = create_webhook(ts, &hook.url, None).await;
    subscribe(ts, "call", json!({ "endpoint_id": hook_id })).await;
    let user = admin(ts);
    let (status, answer) = ts
        .send(
            Method::POST,
            "/api/v2/call",
            json!({"user_id": user, "phone_number": "+14155550100"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let initiated = answer["call_id"].as_str().unwrap().to_owned();
    let simulated = simulate(ts, json!({"user_id": user, "talk_ms": 300})).await;
    wait_for_call_state(ts, &initiated, "connected").await;
    wait_for_call_state(ts, &simulated, "connected").await;
    eventually(WAIT, "both calls' events so far", || hook.count() >= 5).await;
    (initiated.parse().unwrap(), simulated.parse().unwrap())
}

/// After the sandbox stops, nothing more reaches `hook` and both calls stay where
/// they were: their tasks are gone.
async fn assert_nothing_runs(state: &AppState, hook: &Receiver, calls: (i64, i64)) {
    let seen = hook.count();
    // Past the moment the simulated call would have hung up (300 ms of talk): an
    // absence can only be observed by waiting.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(hook.count(), seen, "no event after the sandbox stopped");
    let world = state.world.read();
    let live: Vec<i64> = world
        .companies
        .values()
        .flat_map(|c| c.live_calls.keys().copied())
        .collect();
    assert!(
        live.contains(&calls.0) && live.contains(&calls.1),
        "{live:?}"
    );
}

#[tokio::test]
async fn after_shutdown_no_call_or_delivery_keeps_running() {
    let ts = sandbox().await;
    let hook = Receiver::start().await;
    let calls = two_live_calls(&ts, &hook).await;
    let state = ts.sandbox.state().clone();
    let TestSandbox { sandbox, .. } = ts;
    sandbox.shutdown().await.unwrap();
    assert_nothing_runs(&state, &hook, calls).await;
}

#[tokio::test]
async fn dropping_the_sandbox_stops_its_calls_and_deliveries() {
    let ts = sandbox().await;
    let hook = Receiver::start().await;
    let calls = two_live_calls(&ts, &hook).await;
    let state = ts.sandbox.state().clone();
    drop(ts);
    assert_nothing_runs(&state, &hook, calls).await;
}
