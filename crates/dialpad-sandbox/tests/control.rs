//! Dialpad's rate limits and the sandbox's own control API (`/_sandbox/...`): injected
//! faults, request counters, reset and reseed, and token expiry, driven over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{TestSandbox, assert_envelope};
use patchbay_dialpad_sandbox::SandboxConfig;
use reqwest::header::RETRY_AFTER;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::task::JoinSet;

async fn limited() -> TestSandbox {
    TestSandbox::start(SandboxConfig {
        rate_limits: true,
        ..SandboxConfig::default()
    })
    .await
}

/// A GET with `key` answering the whole response, headers included.
async fn raw_get(sbx: &TestSandbox, key: &str, path: &str) -> reqwest::Response {
    sbx.http
        .get(sbx.url(path))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

/// Sends `n` GETs of `path` at once; answers their statuses.
async fn burst(sbx: &TestSandbox, key: &str, path: &str, n: usize) -> Vec<StatusCode> {
    let mut set = JoinSet::new();
    for _ in 0..n {
        let request = sbx.http.get(sbx.url(path)).bearer_auth(key);
        set.spawn(async move { request.send().await.unwrap().status() });
    }
    set.join_all().await
}

async fn add_fault(sbx: &TestSandbox, rule: Value) {
    let (status, body) = sbx.control(Method::POST, "/faults", rule).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// The status of a GET with the first company's key.
async fn status_of(sbx: &TestSandbox, path: &str) -> StatusCode {
    sbx.get(path).await.0
}

async fn patch_status(sbx: &TestSandbox, path: &str) -> StatusCode {
    sbx.send(Method::PATCH, path, json!({"job_title": "Boss"}))
        .await
        .0
}

async fn first_call_id(sbx: &TestSandbox) -> String {
    let (_, page) = sbx.get("/api/v2/call").await;
    page["items"][0]["call_id"].as_str().unwrap().to_owned()
}

// ---------------------------------------------------------------- rate limits

#[tokio::test]
async fn twenty_requests_in_a_second_pass_and_the_twenty_first_is_429_with_retry_after() {
    let sbx = limited().await;
    let started = Instant::now();
    let statuses = burst(&sbx, sbx.key(), "/api/v2/users", 20).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let resp = raw_get(&sbx, sbx.key(), "/api/v2/users").await;
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "the burst must fit in one second for this test to mean anything"
    );
    let status = resp.status();
    let retry_after: u64 = resp.headers()[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=1).contains(&retry_after), "Retry-After {retry_after}");
    let body: Value = resp.json().await.unwrap();
    assert_envelope(
        status,
        &body,
        StatusCode::TOO_MANY_REQUESTS,
        "rateLimitExceeded",
    );
}

#[tokio::test]
async fn twenty_requests_spread_over_a_second_use_up_that_second() {
    let sbx = limited().await;
    let started = Instant::now();
    for n in 1..=20 {
        assert_eq!(
            status_of(&sbx, "/api/v2/users").await,
            StatusCode::OK,
            "request {n}"
        );
        // Pacing, not waiting for work: the requests spread over about half a second.
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let status = status_of(&sbx, "/api/v2/users").await;
    assert!(
        started.elapsed() < Duration::from_millis(950),
        "the requests must fit in one second for this test to mean anything"
    );
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "21 in one second");
}

#[tokio::test]
async fn a_client_that_waits_retry_after_gets_through() {
    let sbx = limited().await;
    burst(&sbx, sbx.key(), "/api/v2/offices", 20).await;
    let resp = raw_get(&sbx, sbx.key(), "/api/v2/offices").await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = resp.headers()[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    tokio::time::sleep(Duration::from_secs(wait)).await;
    assert_eq!(status_of(&sbx, "/api/v2/offices").await, StatusCode::OK);
}

#[tokio::test]
async fn get_call_refuses_the_eleventh_request_in_a_minute() {
    let sbx = limited().await;
    let id = first_call_id(&sbx).await;
    let path = format!("/api/v2/call/{id}");
    for n in 1..=10 {
        assert_eq!(status_of(&sbx, &path).await, StatusCode::OK, "request {n}");
    }
    let resp = raw_get(&sbx, sbx.key(), &path).await;
    let status = resp.status();
    let retry_after: u64 = resp.headers()[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (50..=60).contains(&retry_after),
        "ten per minute: the next one passes when the first leaves the minute, not {retry_after}s"
    );
    let body: Value = resp.json().await.unwrap();
    assert_envelope(
        status,
        &body,
        StatusCode::TOO_MANY_REQUESTS,
        "rateLimitExceeded",
    );
    // Other operations of the company still pass.
    assert_eq!(status_of(&sbx, "/api/v2/users/me").await, StatusCode::OK);
}

#[tokio::test]
async fn rate_limits_are_counted_per_company() {
    let sbx = limited().await;
    let b = sbx.info.companies[1].api_key.clone();
    burst(&sbx, sbx.key(), "/api/v2/users", 20).await;
    assert_eq!(
        status_of(&sbx, "/api/v2/users").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let statuses = burst(&sbx, &b, "/api/v2/users", 20).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn turning_rate_limits_off_lifts_them_at_once() {
    let sbx = limited().await;
    burst(&sbx, sbx.key(), "/api/v2/users", 20).await;
    assert_eq!(
        status_of(&sbx, "/api/v2/users").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let (status, settings) = sbx
        .control(Method::PATCH, "/settings", json!({"rate_limits": false}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(settings["rate_limits"], false);
    let statuses = burst(&sbx, sbx.key(), "/api/v2/users", 40).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let (status, body) = sbx
        .control(Method::PATCH, "/settings", json!({"rate_limit": true}))
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "unknown settings are refused: {body}"
    );
}

// ---------------------------------------------------------------- faults

#[tokio::test]
async fn a_rate_limit_fault_answers_429_with_its_retry_after() {
    let sbx = TestSandbox::small().await;
    add_fault(
        &sbx,
        json!({"route": "GET /api/v2/users", "kind": "rate_limit", "retry_after": 7}),
    )
    .await;
    let resp = raw_get(&sbx, sbx.key(), "/api/v2/users").await;
    let status = resp.status();
    assert_eq!(resp.headers()[RETRY_AFTER], "7");
    let body: Value = resp.json().await.unwrap();
    assert_envelope(
        status,
        &body,
        StatusCode::TOO_MANY_REQUESTS,
        "rateLimitExceeded",
    );
}

#[tokio::test]
async fn a_rate_limit_fault_without_retry_after_sends_no_header() {
    let sbx = TestSandbox::small().await;
    add_fault(
        &sbx,
        json!({"route": "GET /api/v2/users", "kind": "rate_limit_no_retry_after"}),
    )
    .await;
    let resp = raw_get(&sbx, sbx.key(), "/api/v2/users").await;
    let status = resp.status();
    assert!(resp.headers().get(RETRY_AFTER).is_none());
    let body: Value = resp.json().await.unwrap();
    assert_envelope(
        status,
        &body,
        StatusCode::TOO_MANY_REQUESTS,
        "rateLimitExceeded",
    );
}

#[tokio::test]
async fn internal_error_and_unavailable_faults_answer_500_and_503_in_the_envelope() {
    let sbx = TestSandbox::small().await;
    add_fault(
        &sbx,
        json!({"route": "GET /api/v2/users", "kind": "internal_error"}),
    )
    .await;
    add_fault(
        &sbx,
        json!({"route": "GET /api/v2/offices", "kind": "unavailable"}),
    )
    .await;
    let (status, body) = sbx.get("/api/v2/users").await;
    assert_envelope(
        status,
        &body,
        StatusCode::INTERNAL_SERVER_ERROR,
        "backendError",
    );
    let (status, body) = sbx.get("/api/v2/offices").await;
    assert_envelope(
        status,
        &body,
        StatusCode::SERVICE_UNAVAILABLE,
        "backendError",
    );
}

#[tokio::test]
async fn a_not_found_fault_hides_a_record_for_the_next_requests() {
    let sbx = TestSandbox::small().await;
    add_fault(
        &sbx,
        json!({"route": "GET /api/v2/users/{id}", "kind": "not_found", "next": 1}),
    )
    .await;
    let (status, body) = sbx.get("/api/v2/users/me").await;
    assert_envelope(status, &body, StatusCode::NOT_FOUND, "notFound");
    let (status, me) = sbx.get("/api/v2/users/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
}

#[tokio::test]
async fn a_latency_fault_delays_the_answer_by_at_least_latency_ms() {
    let sbx = TestSandbox::small().await;
    add_fault(
        &sbx,
        json!({"route": "GET /api/v2/users/{id}", "kind": "latency", "latency_ms": 300}),
    )
    .await;
    let started = Instant::now();
    let (status, me) = sbx.get("/api/v2/users/me").await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["id"], sbx.info.companies[0].admin_user_id.as_str());
}

#[tokio::test]
async fn a_reset_fault_drops_the_connection_without_an_answer() {
    let sbx = TestSandbox::small().await;
    add_fault(
        &sbx,
        json!({"route": "GET /api/v2/users", "kind": "reset", "next": 1}),
    )
    .await;
    let result = sbx
        .http
        .get(sbx.url("/api/v2/users"))
        .bearer_auth(sbx.key())
        .send()
        .await;
    let err = result.expect_err("no response, not even a status line");
    assert!(!err.is_status(), "{err:?}");
    assert_eq!(status_of(&sbx, "/api/v2/users").await, StatusCode::OK);
}

#[tokio::test]
async fn a_fault_with_next_hits_exactly_that_many_requests() {
    let sbx = TestSandbox::small().await;
    add_fault(
        &sbx,
        json!({"route": "GET /api/v2/users", "kind": "internal_error", "next": 3}),
    )
    .await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(status_of(&sbx, "/api/v2/users").await.as_u16());
    }
    assert_eq!(statuses, [500, 500, 500, 200, 200, 200]);
    let (_, faults) = sbx.control(Method::GET, "/faults", Value::Null).await;
    assert_eq!(faults["faults"], json!([]), "a spent rule retires");
}

#[tokio::test]
async fn a_fault_with_probability_zero_never_hits_and_one_always_does() {
    let sbx = TestSandbox::small().await;
    add_fault(
        &sbx,
        json!({"route": "GET /api/v2/users", "kind": "internal_error", "probability": 0.0}),
    )
    .await;
    add_fault(
        &sbx,
        json!({"route": "GET /api/v2/offices", "kind": "unavailable", "probability": 1.0}),
    )
    .await;
    for _ in 0..30 {
        assert_eq!(status_of(&sbx, "/api/v2/users").await, StatusCode::OK);
    }
    for _ in 0..10 {
        assert_eq!(
            status_of(&sbx, "/api/v2/offices").await,
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
}

#[tokio::test]
async fn faults_match_route_templates_with_or_without_a_method_and_star() {
    let sbx = TestSandbox::small().await;
    let me = format!("/api/v2/users/{}", sbx.info.companies[0].admin_user_id);

    add_fault(
        &sbx,
        json!({"route": "GET /api/v2/users/{id}", "kind": "internal_error"}),
    )
    .await;
    assert_eq!(
        status_of(&sbx, &me).await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        status_of(&sbx, "/api/v2/users/me").await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        patch_status(&sbx, &me).await,
        StatusCode::OK,
        "another method"
    );
    assert_eq!(
        status_of(&sbx, "/api/v2/users").await,
        StatusCode::OK,
        "another route"
    );
    sbx.control(Method::DELETE, "/faults", Value::Null).await;

    add_fault(
        &sbx,
        json!({"route": "/api/v2/users/{id}", "kind": "internal_error"}),
    )
    .await;
    assert_eq!(
        status_of(&sbx, &me).await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        patch_status(&sbx, &me).await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(status_of(&sbx, "/api/v2/users").await, StatusCode::OK);
    sbx.control(Method::DELETE, "/faults", Value::Null).await;

    add_fault(&sbx, json!({"route": "PATCH *", "kind": "unavailable"})).await;
    assert_eq!(
        patch_status(&sbx, &me).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(status_of(&sbx, &me).await, StatusCode::OK);
    sbx.control(Method::DELETE, "/faults", Value::Null).await;

    add_fault(&sbx, json!({"route": "*", "kind": "unavailable"})).await;
    for path in [
        "/api/v2/users",
        "/api/v2/offices",
        "/api/v2/call",
        "/api/v2/no/such/route",
    ] {
        assert_eq!(
            status_of(&sbx, path).await,
            StatusCode::SERVICE_UNAVAILABLE,
            "{path}"
        );
    }
    assert_eq!(
        patch_status(&sbx, &me).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    sbx.control(Method::DELETE, "/faults", Value::Null).await;

    // A rule without a route is `*`.
    add_fault(&sbx, json!({"kind": "internal_error", "next": 1})).await;
    assert_eq!(
        status_of(&sbx, "/api/v2/offices").await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
}

#[tokio::test]
async fn invalid_fault_rules_are_refused_with_400() {
    let sbx = TestSandbox::small().await;
    for rule in [
        json!({"route": "*", "kind": "internal_error", "probability": 1.5}),
        json!({"route": "*", "kind": "internal_error", "probability": -0.1}),
        json!({"route": "*", "kind": "latency"}),
        json!({"route": "*", "kind": "internal_error", "next": 0}),
        json!({"route": "*", "kind": "explode"}),
        json!({"route": "*"}),
        json!({"route": "api/v2/users", "kind": "internal_error"}),
        json!({"route": "FETCH /api/v2/users", "kind": "internal_error"}),
        json!({"route": "GET users", "kind": "internal_error"}),
        // Routes the sandbox does not serve would silently never fire.
        json!({"route": "GET /api/v2/userz", "kind": "internal_error"}),
        json!({"route": "/api/v2/users/{user_id}", "kind": "internal_error"}),
        json!({"route": "POST /api/v2/company", "kind": "internal_error"}),
        json!({"route": "GET /api/v2/users/123", "kind": "internal_error"}),
    ] {
        let (status, body) = sbx.control(Method::POST, "/faults", rule.clone()).await;
        assert_envelope(status, &body, StatusCode::BAD_REQUEST, "badRequest");
    }
    let (_, faults) = sbx.control(Method::GET, "/faults", Value::Null).await;
    assert_eq!(faults["faults"], json!([]));
}

#[tokio::test]
async fn a_fault_rule_may_use_the_specs_office_id_spelling_and_is_stored_in_the_sandboxs() {
    let sbx = TestSandbox::small().await;
    let office = sbx.get("/api/v2/offices").await.1["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, rule) = sbx
        .control(
            Method::POST,
            "/faults",
            json!({"route": "get /api/v2/offices/{office_id}/callcenters", "kind": "unavailable"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{rule}");
    assert_eq!(rule["route"], "GET /api/v2/offices/{id}/callcenters");
    assert_eq!(
        status_of(&sbx, &format!("/api/v2/offices/{office}/callcenters")).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        status_of(&sbx, &format!("/api/v2/offices/{office}")).await,
        StatusCode::OK
    );
    // OAuth routes are served too.
    add_fault(
        &sbx,
        json!({"route": "POST /oauth2/token", "kind": "internal_error", "next": 1}),
    )
    .await;
}

#[tokio::test]
async fn faults_never_apply_to_the_control_api() {
    let sbx = TestSandbox::small().await;
    add_fault(&sbx, json!({"route": "*", "kind": "internal_error"})).await;
    add_fault(&sbx, json!({"route": "*", "kind": "reset"})).await;
    let resp = sbx
        .http
        .get(sbx.url("/_sandbox/ping"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    for path in ["/info", "/companies", "/faults", "/counters"] {
        let (status, _) = sbx.control(Method::GET, path, Value::Null).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    assert_eq!(
        status_of(&sbx, "/api/v2/users").await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
}

#[tokio::test]
async fn deleting_faults_clears_every_rule() {
    let sbx = TestSandbox::small().await;
    add_fault(
        &sbx,
        json!({"route": "GET /api/v2/users", "kind": "internal_error"}),
    )
    .await;
    add_fault(
        &sbx,
        json!({"route": "*", "kind": "latency", "latency_ms": 5000}),
    )
    .await;
    let (_, faults) = sbx.control(Method::GET, "/faults", Value::Null).await;
    assert_eq!(faults["faults"].as_array().unwrap().len(), 2);
    let resp = sbx
        .http
        .delete(sbx.url("/_sandbox/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let started = Instant::now();
    assert_eq!(status_of(&sbx, "/api/v2/users").await, StatusCode::OK);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the latency rule is gone"
    );
    let (_, faults) = sbx.control(Method::GET, "/faults", Value::Null).await;
    assert_eq!(faults["faults"], json!([]));
}

// ---------------------------------------------------------------- counters

#[tokio::test]
async fn counters_count_requests_by_route_template_and_status() {
    let sbx = limited().await;
    let call = first_call_id(&sbx).await;
    sbx.control(Method::DELETE, "/counters", Value::Null).await;

    let me = &sbx.info.companies[0].admin_user_id;
    sbx.get("/api/v2/users").await;
    sbx.get("/api/v2/users").await;
    sbx.get(&format!("/api/v2/users/{me}")).await;
    sbx.get("/api/v2/users/4444").await;
    sbx.get_as("wrong-key", "/api/v2/users").await;
    sbx.get("/api/v2/nowhere").await;
    for _ in 0..11 {
        sbx.get(&format!("/api/v2/call/{call}")).await;
    }
    add_fault(
        &sbx,
        json!({"route": "GET /api/v2/offices", "kind": "unavailable", "next": 2}),
    )
    .await;
    add_fault(
        &sbx,
        json!({"route": "GET /api/v2/company", "kind": "reset", "next": 1}),
    )
    .await;
    sbx.get("/api/v2/offices").await;
    sbx.get("/api/v2/offices").await;
    sbx.get("/api/v2/offices").await;
    let _ = sbx
        .http
        .get(sbx.url("/api/v2/company"))
        .bearer_auth(sbx.key())
        .send()
        .await;

    let (status, counters) = sbx.control(Method::GET, "/counters", Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        counters["requests"],
        json!({
            "GET /api/v2/users": {"200": 2, "401": 1},
            "GET /api/v2/users/{id}": {"200": 1, "404": 1},
            "GET (unmatched)": {"404": 1},
            "GET /api/v2/call/{id}": {"200": 10, "429": 1},
            "GET /api/v2/offices": {"200": 1, "503": 2},
            "GET /api/v2/company": {"0": 1},
        }),
        "the control API itself is not counted"
    );

    let resp = sbx
        .http
        .delete(sbx.url("/_sandbox/counters"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let (_, counters) = sbx.control(Method::GET, "/counters", Value::Null).await;
    assert_eq!(counters["requests"], json!({}));
}

// ---------------------------------------------------------------- reset

#[tokio::test]
async fn reset_restores_the_seed_and_clears_counters_and_faults_but_keeps_credentials() {
    let sbx = TestSandbox::small().await;
    let (_, info_before) = sbx.control(Method::GET, "/info", Value::Null).await;
    let (_, companies_before) = sbx.control(Method::GET, "/companies", Value::Null).await;
    let (_, page) = sbx.get("/api/v2/contacts").await;
    let seeded = page["items"][3].clone();
    let seeded_path = format!("/api/v2/contacts/{}", seeded["id"].as_str().unwrap());
    let (_, created) = sbx
        .send(
            Method::POST,
            "/api/v2/contacts",
            json!({"first_name": "Temp", "last_name": "Orary"}),
        )
        .await;
    let created_path = format!("/api/v2/contacts/{}", created["id"].as_str().unwrap());
    assert_eq!(
        sbx.send(Method::DELETE, &seeded_path, Value::Null).await.0,
        StatusCode::OK
    );
    let token = sbx.oauth_token("calls:list").await;
    add_fault(
        &sbx,
        json!({"route": "GET /api/v2/offices", "kind": "internal_error"}),
    )
    .await;

    let (status, info) = sbx.control(Method::POST, "/reset", Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(info, info_before, "same keys, same app");
    let (_, counters) = sbx.control(Method::GET, "/counters", Value::Null).await;
    assert_eq!(counters["requests"], json!({}));

    let (status, body) = sbx.get(&created_path).await;
    assert_envelope(status, &body, StatusCode::NOT_FOUND, "notFound");
    let (status, back) = sbx.get(&seeded_path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(back, seeded);
    let (_, companies) = sbx.control(Method::GET, "/companies", Value::Null).await;
    assert_eq!(companies, companies_before);
    assert_eq!(
        status_of(&sbx, "/api/v2/offices").await,
        StatusCode::OK,
        "faults cleared"
    );
    let (status, _) = sbx.get_as(&token, "/api/v2/call").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "tokens are forgotten");
    for company in &info["companies"].as_array().unwrap()[..] {
        let key = company["apiKey"].as_str().unwrap();
        assert_eq!(sbx.get_as(key, "/api/v2/users/me").await.0, StatusCode::OK);
    }
}

#[tokio::test]
async fn reset_with_a_size_reseeds_with_that_size_and_keeps_the_keys() {
    let sbx = TestSandbox::small().await;
    let (status, info) = sbx
        .control(Method::POST, "/reset", json!({"size": 30}))
        .await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info["apiKey"], sbx.info.api_key.as_str());
    assert_eq!(info["companyId"], sbx.info.company_id.as_str());
    assert_eq!(info["oauthClientId"], sbx.info.oauth_client_id.as_str());
    let (_, companies) = sbx.control(Method::GET, "/companies", Value::Null).await;
    for company in companies["companies"].as_array().unwrap() {
        assert_eq!(company["calls"], 30);
        assert_eq!(
            company["shared_contacts"].as_u64().unwrap()
                + company["local_contacts"].as_u64().unwrap(),
            30
        );
    }
    assert_eq!(sbx.all("/api/v2/call").await.len(), 30);
    let b = &sbx.info.companies[1].api_key;
    assert_eq!(sbx.get_as(b, "/api/v2/users/me").await.0, StatusCode::OK);

    let (status, body) = sbx
        .control(Method::POST, "/reset", json!({"size": "big"}))
        .await;
    assert_envelope(status, &body, StatusCode::BAD_REQUEST, "badRequest");
}

#[tokio::test]
async fn expiring_tokens_answers_how_many_and_they_stop_working() {
    let sbx = TestSandbox::small().await;
    let (status, none) = sbx
        .control(Method::POST, "/tokens/expire", Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(none["expired"], 0);
    let one = sbx.oauth_token("calls:list").await;
    let two = sbx.oauth_token("offline_access").await;
    assert_eq!(sbx.get_as(&one, "/api/v2/users/me").await.0, StatusCode::OK);
    let (status, expired) = sbx
        .control(Method::POST, "/tokens/expire", Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(expired["expired"], 2);
    for token in [&one, &two] {
        let (status, body) = sbx.get_as(token, "/api/v2/users/me").await;
        assert_envelope(status, &body, StatusCode::UNAUTHORIZED, "required");
    }
    assert_eq!(
        status_of(&sbx, "/api/v2/users/me").await,
        StatusCode::OK,
        "API keys do not expire"
    );
}
