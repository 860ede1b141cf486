//! Conformance: every response of every endpoint the sandbox serves validates against
//! its response schema in Dialpad's OpenAPI document (made strict: int64 as strings,
//! no undeclared fields), event payloads validate against the protos they carry, and
//! the sandbox's rate-limit table matches the limits the spec states.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod spec;

use std::time::Duration;

use axum::http::Method;
use common::{Receiver, TestSandbox, eventually};
use patchbay_dialpad_sandbox::SandboxConfig;
use patchbay_dialpad_sandbox::ratelimit::operation_limit;
use reqwest::StatusCode;
use serde_json::{Value, json};
use spec::Spec;

/// Collects mismatches so one run reports all of them.
struct Checker {
    spec: Spec,
    failures: Vec<String>,
    checked: usize,
}

impl Checker {
    fn check(&mut self, method: &str, template: &str, status: StatusCode, body: &Value) {
        if status != StatusCode::OK {
            self.failures
                .push(format!("{method} {template}: status {status}, body {body}"));
            return;
        }
        let Some(reference) = self.spec.response_ref(method, template) else {
            return;
        };
        self.checked += 1;
        for error in self.spec.check(&reference, body) {
            self.failures.push(format!("{method} {template}: {error}"));
        }
    }

    fn check_schema(&mut self, what: &str, schema: &str, body: &Value) {
        self.checked += 1;
        for error in self.spec.check(schema, body) {
            self.failures.push(format!("{what}: {error}"));
        }
    }
}

async fn call(
    sbx: &TestSandbox,
    c: &mut Checker,
    method: Method,
    template: &str,
    path: &str,
    body: Option<Value>,
) -> Value {
    let (status, answer) = match body {
        Some(b) => sbx.send(method.clone(), path, b).await,
        None if method == Method::GET => sbx.get(path).await,
        None => sbx.send(method.clone(), path, Value::Null).await,
    };
    c.check(method.as_str(), template, status, &answer);
    answer
}

fn id(v: &Value, field: &str) -> String {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("no string {field} in {v}"))
        .to_owned()
}

#[tokio::test]
async fn every_endpoint_answers_what_dialpads_spec_describes() {
    let sbx = TestSandbox::start(SandboxConfig {
        rate_limits: false,
        stats_processing: Duration::from_millis(50),
        call_step: Duration::from_millis(5),
        ..SandboxConfig::default()
    })
    .await;
    let mut c = Checker {
        spec: Spec::load(),
        failures: Vec::new(),
        checked: 0,
    };
    let g = Method::GET;

    // Company, offices, users.
    call(
        &sbx,
        &mut c,
        g.clone(),
        "/api/v2/company",
        "/api/v2/company",
        None,
    )
    .await;
    let offices = call(
        &sbx,
        &mut c,
        g.clone(),
        "/api/v2/offices",
        "/api/v2/offices",
        None,
    )
    .await;
    let office_id = id(&offices["items"][0], "id");
    call(
        &sbx,
        &mut c,
        g.clone(),
        "/api/v2/offices/{id}",
        &format!("/api/v2/offices/{office_id}"),
        None,
    )
    .await;
    call(
        &sbx,
        &mut c,
        g.clone(),
        "/api/v2/offices/primary",
        "/api/v2/offices/primary",
        None,
    )
    .await;
    call(
        &sbx,
        &mut c,
        Method::PATCH,
        "/api/v2/offices/{id}",
        &format!("/api/v2/offices/{office_id}"),
        Some(json!({"monday_hours": ["09:00", "17:00"]})),
    )
    .await;
    call(
        &sbx, &mut c, Method::POST, "/api/v2/offices", "/api/v2/offices",
        Some(json!({
            "name": "Lisbon", "country": "PT", "currency": "EUR", "plan_period": "monthly",
            "annual_commit_monthly_billing": false, "invoiced": false, "unified_billing": true,
            "billing_address": {"address_line_1": "Rua 1", "city": "Lisboa", "country": "pt", "postal_code": "1000-001"}
        })),
    )
    .await;
    let users = call(
        &sbx,
        &mut c,
        g.clone(),
        "/api/v2/users",
        "/api/v2/users",
        None,
    )
    .await;
    let user_id = id(&users["items"][1], "id");
    call(
        &sbx,
        &mut c,
        g.clone(),
        "/api/v2/users/{id}",
        &format!("/api/v2/users/{user_id}"),
        None,
    )
    .await;
    call(
        &sbx,
        &mut c,
        g.clone(),
        "/api/v2/users/{id}",
        "/api/v2/users/me",
        None,
    )
    .await;
    call(
        &sbx,
        &mut c,
        g.clone(),
        "/api/v2/users",
        "/api/v2/users?state=suspended",
        None,
    )
    .await;
    let new_user = call(
        &sbx, &mut c, Method::POST, "/api/v2/users", "/api/v2/users",
        Some(json!({"email": "new.hire@example.com", "office_id": office_id, "first_name": "New", "last_name": "Hire"})),
    )
    .await;
    let new_user_id = id(&new_user, "id");
    call(
        &sbx,
        &mut c,
        Method::PATCH,
        "/api/v2/users/{id}",
        &format!("/api/v2/users/{new_user_id}"),
        Some(json!({"job_title": "Engineer", "phone_numbers": []})),
    )
    .await;
    call(
        &sbx,
        &mut c,
        Method::DELETE,
        "/api/v2/users/{id}",
        &format!("/api/v2/users/{new_user_id}"),
        None,
    )
    .await;

    // Contacts.
    let contacts = call(
        &sbx,
        &mut c,
        g.clone(),
        "/api/v2/contacts",
        "/api/v2/contacts",
        None,
    )
    .await;
    let contact_id = id(&contacts["items"][0], "id");
    call(
        &sbx,
        &mut c,
        g.clone(),
        "/api/v2/contacts",
        "/api/v2/contacts?include_local=true",
        None,
    )
    .await;
    call(
        &sbx,
        &mut c,
        g.clone(),
        "/api/v2/contacts/{id}",
        &format!("/api/v2/contacts/{contact_id}"),
        None,
    )
    .await;
    let created = call(
        &sbx, &mut c, Method::POST, "/api/v2/contacts", "/api/v2/contacts",
        Some(json!({"first_name": "Conformance", "last_name": "Test", "emails": ["ct@example.com"], "phones": ["+14155550123"]})),
    )
    .await;
    let created_id = id(&created, "id");
    call(
        &sbx,
        &mut c,
        Method::PUT,
        "/api/v2/contacts",
        "/api/v2/contacts",
        Some(json!({"uid": "crm-1", "first_name": "Upserted", "last_name": "Contact"})),
    )
    .await;
    call(
        &sbx,
        &mut c,
        Method::PATCH,
        "/api/v2/contacts/{id}",
        &format!("/api/v2/contacts/{created_id}"),
        Some(json!({"job_title": "Buyer"})),
    )
    .await;
    call(
        &sbx,
        &mut c,
        Method::DELETE,
        "/api/v2/contacts/{id}",
        &format!("/api/v2/contacts/{created_id}"),
        None,
    )
    .await;

    // Call centers and operators.
    let centers = call(
        &sbx,
        &mut c,
        g.clone(),
        "/api/v2/offices/{office_id}/callcenters",
        &format!("/api/v2/offices/{office_id}/callcenters"),
        None,
    )
    .await;
    let center_id = id(&centers["items"][0], "id");
    call(
        &sbx,
        &mut c,
        g.clone(),
        "/api/v2/callcenters/{id}",
        &format!("/api/v2/callcenters/{center_id}"),
        None,
    )
    .await;
    call(
        &sbx,
        &mut c,
        g.clone(),
        "/api/v2/callcenters/{id}/operators",
        &format!("/api/v2/callcenters/{center_id}/operators"),
        None,
    )
    .await;
    let outsider = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| {
            !u["group_details"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g["group_id"] == json!(center_id))
        })
        .map(|u| id(u, "id"))
        .expect("a user outside the call center");
    call(
        &sbx,
        &mut c,
        Method::POST,
        "/api/v2/callcenters/{id}/operators",
        &format!("/api/v2/callcenters/{center_id}/operators"),
        Some(json!({"user_id": outsider})),
    )
    .await;
    call(
        &sbx,
        &mut c,
        Method::DELETE,
        "/api/v2/callcenters/{id}/operators",
        &format!("/api/v2/callcenters/{center_id}/operators"),
        Some(json!({"user_id": outsider})),
    )
    .await;

    // Calls and transcripts.
    let calls = call(
        &sbx,
        &mut c,
        g.clone(),
        "/api/v2/call",
        "/api/v2/call",
        None,
    )
    .await;
    let all_calls = sbx.all("/api/v2/call").await;
    let call_id = id(&calls["items"][0], "call_id");
    call(
        &sbx,
        &mut c,
        g.clone(),
        "/api/v2/call/{id}",
        &format!("/api/v2/call/{call_id}"),
        None,
    )
    .await;
    call(
        &sbx,
        &mut c,
        Method::PUT,
        "/api/v2/call/{id}/labels",
        &format!("/api/v2/call/{call_id}/labels"),
        Some(json!({"labels": ["conformance"]})),
    )
    .await;
    let with_transcript = {
        let mut found = None;
        for item in &all_calls {
            let cid = id(item, "call_id");
            if sbx.get(&format!("/api/v2/transcripts/{cid}")).await.0 == StatusCode::OK {
                found = Some(cid);
                break;
            }
        }
        found.expect("some seeded call has a transcript")
    };
    call(
        &sbx,
        &mut c,
        g.clone(),
        "/api/v2/transcripts/{call_id}",
        &format!("/api/v2/transcripts/{with_transcript}"),
        None,
    )
    .await;
    call(
        &sbx,
        &mut c,
        g.clone(),
        "/api/v2/transcripts/{call_id}/url",
        &format!("/api/v2/transcripts/{with_transcript}/url"),
        None,
    )
    .await;

    // Webhooks and subscriptions, then events they carry.
    let receiver = Receiver::start().await;
    let hook = call(
        &sbx,
        &mut c,
        Method::POST,
        "/api/v2/webhooks",
        "/api/v2/webhooks",
        Some(json!({"hook_url": receiver.url})),
    )
    .await;
    let hook_id = id(&hook, "id");
    call(
        &sbx,
        &mut c,
        g.clone(),
        "/api/v2/webhooks",
        "/api/v2/webhooks",
        None,
    )
    .await;
    call(
        &sbx,
        &mut c,
        g.clone(),
        "/api/v2/webhooks/{id}",
        &format!("/api/v2/webhooks/{hook_id}"),
        None,
    )
    .await;
    call(
        &sbx,
        &mut c,
        Method::PATCH,
        "/api/v2/webhooks/{id}",
        &format!("/api/v2/webhooks/{hook_id}"),
        Some(json!({"hook_url": receiver.url})),
    )
    .await;
    let kinds = [
        (
            "call",
            json!({"endpoint_id": hook_id, "call_states": ["ringing", "connected", "hangup"]}),
        ),
        (
            "contact",
            json!({"endpoint_id": hook_id, "contact_type": "shared"}),
        ),
        ("changelog", json!({"endpoint_id": hook_id})),
        (
            "agent_status",
            json!({"endpoint_id": hook_id, "agent_type": "callcenter"}),
        ),
    ];
    for (kind, body) in kinds {
        let base = format!("/api/v2/subscriptions/{kind}");
        let sub = call(&sbx, &mut c, Method::POST, &base, &base, Some(body)).await;
        let sub_id = id(&sub, "id");
        let one = format!("{base}/{{id}}");
        let path = format!("{base}/{sub_id}");
        call(&sbx, &mut c, g.clone(), &base, &base, None).await;
        call(&sbx, &mut c, g.clone(), &one, &path, None).await;
        // The spec's contact update requires `contact_type`.
        let patch = match kind {
            "contact" => json!({"enabled": true, "contact_type": "shared"}),
            _ => json!({"enabled": true}),
        };
        call(&sbx, &mut c, Method::PATCH, &one, &path, Some(patch)).await;
        if kind == "agent_status" {
            call(&sbx, &mut c, Method::DELETE, &one, &path, None).await;
        }
    }
    // Events: an answered call, a voicemail (which carries `voicemail_link`) and a
    // contact change.
    for outcome in ["answered", "voicemail"] {
        let (status, sim) = sbx
            .send(
                Method::POST,
                "/_sandbox/calls",
                json!({"user_id": user_id, "outcome": outcome}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{sim}");
    }
    let (status, _) = sbx
        .send(
            Method::POST,
            "/api/v2/contacts",
            json!({"first_name": "Event", "last_name": "Source"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let received = || -> Vec<Value> {
        receiver
            .all()
            .iter()
            .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap())
            .collect()
    };
    eventually(Duration::from_secs(10), "call and contact events", || {
        let events = received();
        events.iter().filter(|v| v["state"] == "hangup").count() >= 2
            && events.iter().any(|v| v.get("contact_type").is_some())
    })
    .await;
    // A call event is the call object plus the fields Dialpad's call-event docs list
    // beyond `protos.call.CallProto` (the README's facts): `voicemail_link`.
    let mut call_event = c.spec.doc["components"]["schemas"]["protos.call.CallProto"].clone();
    call_event["properties"]["voicemail_link"] = json!({
        "description": "Link to the voicemail recording (call events only).",
        "type": ["null", "string"],
    });
    c.spec.doc["components"]["schemas"]["sandbox.CallEvent"] = call_event;
    let events = received();
    for payload in &events {
        if payload.get("call_id").is_some() {
            c.check_schema("call event", "sandbox.CallEvent", payload);
        } else if let Some(contact) = payload.get("contact") {
            c.check_schema(
                "contact event contact",
                "protos.contact.ContactProto",
                contact,
            );
        }
    }
    assert!(
        events.iter().any(|e| e["voicemail_link"].is_string()),
        "a voicemail event was checked"
    );

    // Initiated calls.
    let ring = call(
        &sbx,
        &mut c,
        Method::POST,
        "/api/v2/call",
        "/api/v2/call",
        Some(json!({"user_id": user_id, "phone_number": "+14155550100"})),
    )
    .await;
    let ring_id = id(&ring, "call_id");
    let (status, body) = sbx
        .send(
            Method::PUT,
            &format!("/api/v2/call/{ring_id}/actions/hangup"),
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "hangup: {body}");

    // Stats.
    let stats = call(
        &sbx, &mut c, Method::POST, "/api/v2/stats", "/api/v2/stats",
        Some(json!({"export_type": "records", "stat_type": "calls", "days_ago_start": 0, "days_ago_end": 7, "timezone": "UTC"})),
    )
    .await;
    let request_id = id(&stats, "request_id");
    let mut done = Value::Null;
    for _ in 0..200 {
        let (_, answer) = sbx.get(&format!("/api/v2/stats/{request_id}")).await;
        if answer["status"] != "processing" {
            done = answer;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    c.check("GET", "/api/v2/stats/{id}", StatusCode::OK, &done);
    assert_eq!(done["status"], "complete", "{done}");

    // Clean-up endpoints last.
    for kind in ["call", "contact", "changelog"] {
        let list = sbx.get(&format!("/api/v2/subscriptions/{kind}")).await.1;
        let sub_id = id(&list["items"][0], "id");
        let one = format!("/api/v2/subscriptions/{kind}/{{id}}");
        call(
            &sbx,
            &mut c,
            Method::DELETE,
            &one,
            &format!("/api/v2/subscriptions/{kind}/{sub_id}"),
            None,
        )
        .await;
    }
    call(
        &sbx,
        &mut c,
        Method::DELETE,
        "/api/v2/webhooks/{id}",
        &format!("/api/v2/webhooks/{hook_id}"),
        None,
    )
    .await;

    assert!(c.checked >= 50, "only {} responses were checked", c.checked);
    assert!(
        c.failures.is_empty(),
        "{} of {} responses do not conform:\n{}",
        c.failures.len(),
        c.checked,
        c.failures.join("\n")
    );
}

#[tokio::test]
async fn errors_use_dialpads_envelope() {
    let sbx = TestSandbox::small().await;
    for (path, status) in [
        ("/api/v2/users/1", StatusCode::NOT_FOUND),
        ("/api/v2/users/not-a-number", StatusCode::BAD_REQUEST),
        ("/api/v2/nowhere", StatusCode::NOT_FOUND),
        ("/api/v2/contacts?cursor=garbage", StatusCode::BAD_REQUEST),
    ] {
        let (got, body) = sbx.get(path).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_eq!(
            body["error"]["code"],
            json!(status.as_u16()),
            "{path}: {body}"
        );
        assert_eq!(
            body["error"]["errors"][0]["domain"], "global",
            "{path}: {body}"
        );
        assert!(
            body["error"]["errors"][0]["reason"].is_string(),
            "{path}: {body}"
        );
        assert!(body["error"]["message"].is_string(), "{path}: {body}");
    }
    let resp = sbx
        .http
        .get(sbx.url("/api/v2/users"))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], 401);
}

/// Every route the sandbox serves, as the spec names it.
const SERVED: &[(&str, &str)] = patchbay_dialpad_sandbox::api::served::ROUTES;

#[test]
fn rate_limits_match_the_limits_the_spec_states() {
    let spec = Spec::load();
    let mut mismatches = Vec::new();
    for (method, template) in SERVED {
        let (count, unit) = spec
            .rate_limit(method, template)
            .unwrap_or_else(|| panic!("{method} {template} states no rate limit"));
        let secs = match unit {
            "second" => 1,
            "minute" => 60,
            "hour" => 3600,
            _ => 86_400,
        };
        // The sandbox names `{office_id}` routes `{id}` (one router segment name).
        let route = template.replace("{office_id}", "{id}");
        let limit = operation_limit(&method.parse().unwrap(), &route);
        if limit.count != count || limit.period.as_secs() != secs {
            mismatches.push(format!(
                "{method} {template}: spec {count}/{unit}, sandbox {}/{}s",
                limit.count,
                limit.period.as_secs()
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// The oracle itself: Dialpad's golden example passes, and the two ways the sandbox
/// could drift (numeric ids, invented fields) fail.
#[test]
fn strict_schemas_accept_dialpads_examples_and_reject_drift() {
    let spec = Spec::load();
    let examples = spec::load("examples.json");
    let user =
        examples["sdk_2025_06"]["GET /api/v2/users/{id}"]["response_200"]["json_example"]["value"]
            .clone();
    let schema = "protos.user.UserProto";
    // The 2025 example predates the two fields the spec now requires.
    let mut complete = user;
    complete["onboarding_completed"] = json!(true);
    complete["voicemail"] = json!({"name": "default"});
    assert_eq!(spec.check(schema, &complete), Vec::<String>::new());

    let mut numeric = complete.clone();
    numeric["id"] = json!(5835806903417907_i64);
    assert!(
        !spec.check(schema, &numeric).is_empty(),
        "numeric id accepted"
    );

    let mut invented = complete.clone();
    invented["nickname"] = json!("Bot");
    assert!(
        !spec.check(schema, &invented).is_empty(),
        "unknown field accepted"
    );
}
