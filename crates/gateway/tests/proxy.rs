//! The raw proxy against the sandbox: both route forms, byte-exact paths and queries,
//! header rules, streaming both ways and the size limit, every path-escape trick (nothing
//! reaches the sandbox), the one refresh after a 401, retries per method and
//! `x-patchbay-retry`, the limiter (queueing, then 429 at once), and tenant isolation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::World;
use futures_util::future::join_all;
use patchbay_gateway::proxy::ProxyConfig;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const USERS: &str = "GET /api/v2/users";

fn path_form(path: &str) -> String {
    format!("/v1/proxy/dialpad/acme{path}")
}

/// Requests the sandbox counted, leaving out the webhook reconciler's own calls (it lists
/// and sets up Dialpad webhooks in the background whenever a connection changes).
async fn sandbox_total(world: &World) -> u64 {
    let counters = world.counters().await;
    counters["requests"]
        .as_object()
        .map(|routes| {
            routes
                .iter()
                .filter(|(route, _)| {
                    !(route.contains("/api/v2/webhooks") || route.contains("/subscriptions/"))
                })
                .flat_map(|(_, by_status)| by_status.as_object().unwrap().values())
                .map(|n| n.as_u64().unwrap())
                .sum()
        })
        .unwrap_or(0)
}

/// Requests the sandbox counted on `route` (e.g. `GET /api/v2/call/{id}`), whatever their
/// status, with the counters themselves for an assertion's message.
async fn route_total(world: &World, route: &str) -> (u64, Value) {
    let counted = world.counters().await["requests"][route].clone();
    let total = counted.as_object().map_or(0, |by_status| {
        by_status.values().map(|n| n.as_u64().unwrap()).sum()
    });
    (total, counted)
}

/// Sends `target` as the request line's target, byte for byte (reqwest would normalise
/// it), and answers the status and body.
async fn raw_get(world: &World, target: &str, extra: &str) -> (u16, Value) {
    let mut stream = tokio::net::TcpStream::connect(world.gateway.addr())
        .await
        .unwrap();
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n{extra}Connection: close\r\n\r\n",
        world.gateway.addr(),
        world.tenant.secret
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| serde_json::from_str(b).unwrap_or(Value::String(b.to_owned())))
        .unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test]
async fn header_form_reaches_dialpad_with_the_connections_credential() {
    let world = World::start(10).await;
    let direct = world
        .dialpad(Method::GET, "/api/v2/users?limit=3", None)
        .await;
    let answer = world.acme().get("/v1/proxy/api/v2/users?limit=3").await;
    assert!(answer.headers.contains_key("x-request-id"));
    assert_eq!(answer.ok(200), direct);
}

#[tokio::test]
async fn path_form_works_as_an_sdk_base_url() {
    let world = World::start(10).await;
    let direct = world.dialpad(Method::GET, "/api/v2/offices", None).await;
    let answer = world
        .as_tenant(&world.tenant)
        .get(&path_form("/api/v2/offices"))
        .await;
    assert_eq!(answer.ok(200), direct);
    // Dialpad's errors come back as Dialpad sent them.
    let missing = world
        .as_tenant(&world.tenant)
        .get(&path_form("/api/v2/users/999999999"))
        .await;
    assert_eq!(missing.status, 404);
    assert!(missing.body["error"].is_object(), "{}", missing.body);
}

#[tokio::test]
async fn method_path_query_and_headers_go_up_as_sent_minus_what_must_not() {
    let world = World::start(5).await;
    let query = "b=2&a=1&a=2&x=%2F%41+y&empty=&flag&sp=%20";
    let answer = world
        .as_tenant(&world.tenant)
        .call(
            Method::PATCH,
            &path_form(&format!("/_sandbox/echo/a%20b/c;v=1?{query}")),
        )
        .header("cookie", "session=secret")
        .header("x-custom", "kept")
        .header("x-owner-id", "someone")
        .header("x-patchbay-retry", "true")
        .header("x-session-token", "pbs1.x.y")
        .header("connection", "x-hop")
        .header("x-hop", "dropped")
        .header("proxy-authorization", "Basic eA==")
        .header("content-type", "text/plain")
        .0
        .body("hello, dialpad")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert!(answer.headers().contains_key("x-request-id"));
    let echo: Value = answer.json().await.unwrap();
    assert_eq!(echo["method"], "PATCH");
    assert_eq!(echo["path"], "/_sandbox/echo/a%20b/c;v=1");
    assert_eq!(echo["query"], query);
    assert_eq!(echo["body"], "hello, dialpad");
    let headers = echo["headers"].as_object().unwrap();
    let key = world.sandbox.info().api_key;
    assert_eq!(headers["authorization"], json!([format!("Bearer {key}")]));
    assert_eq!(headers["x-custom"], json!(["kept"]));
    assert_eq!(headers["content-type"], json!(["text/plain"]));
    for gone in [
        "cookie",
        "x-owner-id",
        "x-connector-id",
        "x-patchbay-retry",
        "x-session-token",
        "x-hop",
        "proxy-authorization",
    ] {
        assert!(
            !headers.contains_key(gone),
            "{gone} reached the upstream: {headers:?}"
        );
    }
    // `Host` names the upstream, whatever the caller said.
    let (status, echo) = raw_get(
        &world,
        &path_form("/_sandbox/echo/h"),
        "Host: evil.example\r\n",
    )
    .await;
    assert_eq!(status, 200, "{echo}");
    let sandbox_host = world.sandbox.url().trim_start_matches("http://").to_owned();
    assert_eq!(echo["headers"]["host"], json!([sandbox_host]));
}

#[tokio::test]
async fn dialpads_headers_come_back_as_sent_minus_hop_by_hop_with_our_request_id() {
    let world = World::start(5).await;
    let echo = path_form("/_sandbox/echo/replies");
    let reply = |name: &str| format!("x-sandbox-reply-{name}");
    let answer = world
        .as_tenant(&world.tenant)
        .call(Method::GET, &echo)
        .header(reply("x-custom").as_str(), "Kept  As Sent")
        .header(reply("set-cookie").as_str(), "a=1; Path=/")
        .header(reply("set-cookie").as_str(), "b=2")
        .header(reply("cache-control").as_str(), "no-store")
        .header(reply("x-request-id").as_str(), "dialpads-own")
        .header(reply("keep-alive").as_str(), "timeout=5")
        .header(reply("trailer").as_str(), "x-sum")
        .0
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let headers = answer.headers().clone();
    assert_eq!(headers["x-custom"], "Kept  As Sent");
    let cookies: Vec<_> = headers.get_all("set-cookie").iter().collect();
    assert_eq!(cookies, ["a=1; Path=/", "b=2"]);
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers.get_all("date").iter().count(), 1, "{headers:?}");
    // The gateway's request id, not Dialpad's.
    let ids: Vec<_> = headers.get_all("x-request-id").iter().collect();
    assert_eq!(ids.len(), 1, "{headers:?}");
    assert_ne!(ids[0], "dialpads-own");
    for gone in ["keep-alive", "trailer"] {
        assert!(!headers.contains_key(gone), "{gone} came back: {headers:?}");
    }
    let echoed: Value = answer.json().await.unwrap();
    assert_eq!(echoed["path"], "/_sandbox/echo/replies");

    // A `Connection` header naming another: both stay on Dialpad's side of the gateway.
    let answer = world
        .as_tenant(&world.tenant)
        .call(Method::GET, &echo)
        .header(reply("connection").as_str(), "x-hop")
        .header(reply("x-hop").as_str(), "dropped")
        .header(reply("x-custom").as_str(), "kept")
        .0
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let headers = answer.headers();
    assert_eq!(headers["x-custom"], "kept");
    assert!(!headers.contains_key("x-hop"), "{headers:?}");
}

#[tokio::test]
async fn large_responses_stream_through_whole() {
    let world = World::start(5).await;
    let size = 8 * 1024 * 1024;
    let response = world
        .http
        .get(format!(
            "{}{}",
            world.gateway.url(),
            path_form(&format!("/_sandbox/bytes/{size}"))
        ))
        .bearer_auth(&world.tenant.secret)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-length"],
        size.to_string().as_str()
    );
    let body = response.bytes().await.unwrap();
    assert_eq!(body.len(), size);
    assert!(body.iter().all(|b| *b == b'x'));
}

#[tokio::test]
async fn request_bodies_stream_up_within_the_limit_and_answer_413_beyond_it() {
    let proxy = ProxyConfig {
        max_body_bytes: 1024 * 1024,
        ..ProxyConfig::default()
    };
    let world = World::start_with_proxy(common::sandbox_config(5), proxy).await;
    let url = format!("{}{}", world.gateway.url(), path_form("/_sandbox/echo/up"));
    // Past the replay allowance: streamed, whole.
    let body = vec![b'a'; 900 * 1024];
    let echo: Value = world
        .http
        .put(&url)
        .bearer_auth(&world.tenant.secret)
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(echo["bodyLength"], 900 * 1024);
    assert_eq!(echo["bodyComplete"], true);
    // Declared too large: refused before anything goes up. The caller is still sending
    // (16 MiB is more than the sockets hold) when the answer comes, and reads it.
    let before = sandbox_total(&world).await;
    let too_large = world
        .http
        .put(&url)
        .bearer_auth(&world.tenant.secret)
        .body(vec![b'a'; 16 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(too_large.status(), 413);
    let error: Value = too_large.json().await.unwrap();
    assert_eq!(error["error"], "PAYLOAD_TOO_LARGE");
    assert_eq!(sandbox_total(&world).await, before);
    // Not declared (chunked): cut off while streaming.
    let chunks = futures_util::stream::iter(
        (0..32).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b'b'; 64 * 1024]))),
    );
    let streamed = world
        .http
        .put(&url)
        .bearer_auth(&world.tenant.secret)
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), 413);
}

#[tokio::test]
async fn every_path_escape_trick_is_refused_and_nothing_reaches_dialpad() {
    let world = World::start(5).await;
    world
        .control(Method::DELETE, "/_sandbox/counters", json!({}))
        .await;
    let tricks = [
        "/v1/proxy/dialpad/acme/../../_sandbox/echo/x",
        "/v1/proxy/dialpad/acme/api/v2/../../_sandbox/echo/x",
        "/v1/proxy/dialpad/acme/./api/v2/users",
        "/v1/proxy/dialpad/acme/api/v2/users/..",
        "/v1/proxy/dialpad/acme/api/%2e%2e/%2e%2e/_sandbox/echo/x",
        "/v1/proxy/dialpad/acme/api/%2E%2E/_sandbox/echo/x",
        "/v1/proxy/dialpad/acme/api/.%2e/_sandbox/echo/x",
        "/v1/proxy/dialpad/acme/api/%252e%252e/_sandbox/echo/x",
        "/v1/proxy/dialpad/acme/api%2fv2%2fusers",
        "/v1/proxy/dialpad/acme/api%2Fv2/users",
        "/v1/proxy/dialpad/acme/api%5c..%5cx",
        "/v1/proxy/dialpad/acme/api%5C..%5Cx",
        "/v1/proxy/dialpad/acme//evil.example/x",
        "/v1/proxy/dialpad/acme/@evil.example/x",
        "/v1/proxy/dialpad/acme/user:pass@evil.example/x",
        "/v1/proxy/dialpad/acme/http://evil.example/x",
        "/v1/proxy/dialpad/acme/https:%2f%2fevil.example/x",
        "/v1/proxy/dialpad/acme/%40evil.example",
        "/v1/proxy/dialpad/acme",
        "/v1/proxy/dialpad/acme/",
        "/v1/proxy//evil.example/x",
        "/v1/proxy/http://evil.example/x",
    ];
    for trick in tricks {
        let (status, body) = raw_get(&world, trick, "").await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("INVALID_PROXY_PATH")),
            "{trick}: {body}"
        );
    }
    // The header form takes the same checks.
    for trick in [
        "/v1/proxy/api/../_sandbox/echo/x",
        "/v1/proxy/api/%2e%2e/_sandbox/echo/x",
        "/v1/proxy/@evil.example/x",
    ] {
        let (status, body) = raw_get(
            &world,
            trick,
            "x-connector-id: dialpad\r\nx-owner-id: acme\r\n",
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("INVALID_PROXY_PATH")),
            "{trick}: {body}"
        );
    }
    // Backslashes and an absolute-form request line never get through either (hyper or
    // the router refuses them before the proxy).
    for trick in [
        "/v1/proxy/dialpad/acme/\\..\\_sandbox/echo/x",
        "http://evil.example/v1/proxy/dialpad/acme/%2e%2e/x",
    ] {
        let (status, body) = raw_get(&world, trick, "").await;
        assert!((400..500).contains(&status), "{trick}: {status} {body}");
    }
    assert_eq!(sandbox_total(&world).await, 0, "{}", world.counters().await);
}

#[tokio::test]
async fn a_deleted_connection_is_not_proxied_to_even_just_after_calls_through_it() {
    let world = World::start(5).await;
    let me = world.as_tenant(&world.tenant);
    // What these calls resolve to is remembered for a moment; deleting the connection
    // applies at once all the same.
    for _ in 0..3 {
        me.get(&path_form("/api/v2/company")).await.ok(200);
    }
    me.delete("/v1/connections/dialpad/acme").await.ok(204);
    for _ in 0..3 {
        me.get(&path_form("/api/v2/company"))
            .await
            .err(404, "CONNECTION_NOT_FOUND");
    }
}

#[tokio::test]
async fn connections_of_other_tenants_and_unknown_ones_are_not_found() {
    let world = World::start(5).await;
    let other = world.other_tenant("Other SaaS").await;
    world
        .as_tenant(&other)
        .get(&path_form("/api/v2/users"))
        .await
        .err(404, "CONNECTION_NOT_FOUND");
    world
        .as_tenant(&other)
        .on("dialpad", "acme")
        .get("/v1/proxy/api/v2/users")
        .await
        .err(404, "CONNECTION_NOT_FOUND");
    world
        .as_tenant(&world.tenant)
        .get("/v1/proxy/dialpad/nobody/api/v2/users")
        .await
        .err(404, "CONNECTION_NOT_FOUND");
    world
        .as_tenant(&world.tenant)
        .on("hubspot", "acme")
        .get("/v1/proxy/api/v2/users")
        .await
        .err(404, "CONNECTOR_NOT_FOUND");
    world
        .as_tenant(&world.tenant)
        .get("/v1/proxy/api/v2/users")
        .await
        .err(400, "BAD_REQUEST");
    world
        .anonymous()
        .get(&path_form("/api/v2/users"))
        .await
        .err(401, "UNAUTHENTICATED");
    // A session token is for the unified routes only: the proxy wants a secret key.
    world
        .anonymous()
        .call(Method::GET, &path_form("/api/v2/users"))
        .header("x-session-token", "pbs1.anything")
        .send_json()
        .await
        .err(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_call_sent_again() {
    let world = World::bare(common::sandbox_config(10)).await;
    world.connect_oauth("olive", None).await;
    let olive = world.as_tenant(&world.tenant).on("dialpad", "olive");
    olive.get("/v1/proxy/api/v2/users").await.ok(200);
    world.expire_tokens().await;

    // A write with a body: replayed after the refresh.
    let created = olive
        .post(
            "/v1/proxy/api/v2/contacts",
            json!({"first_name": "Proxy", "last_name": "Replay"}),
        )
        .await
        .ok(200);
    assert_eq!(created["first_name"], "Proxy");
    assert_eq!(world.grants("refresh_token").await, 1);

    // A storm after the next expiry: one refresh for all of them.
    world.expire_tokens().await;
    let world = Arc::new(world);
    let calls = (0..50).map(|_| {
        let world = world.clone();
        async move {
            world
                .as_tenant(&world.tenant)
                .on("dialpad", "olive")
                .get("/v1/proxy/api/v2/users?limit=1")
                .await
                .status
                .as_u16()
        }
    });
    let statuses = join_all(calls).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(world.grants("refresh_token").await, 2);
}

#[tokio::test]
async fn a_credential_still_rejected_passes_dialpads_401_and_marks_the_connection() {
    let world = World::bare(common::sandbox_config(10)).await;
    let (access, refresh) = world.sandbox_tokens("offline_access").await;
    world
        .as_tenant(&world.tenant)
        .post(
            "/v1/connections/dialpad/lapsed",
            json!({"credentials": {"type": "oauth", "accessToken": access, "refreshToken": refresh}}),
        )
        .await
        .ok(201);
    world.burn_refresh_token(&refresh).await;
    world.expire_tokens().await;
    let lapsed = world.as_tenant(&world.tenant).on("dialpad", "lapsed");
    let answer = lapsed.get("/v1/proxy/api/v2/users").await;
    assert_eq!(answer.status, 401, "{}", answer.body);
    let connection = world
        .as_tenant(&world.tenant)
        .get("/v1/connections/dialpad/lapsed")
        .await
        .ok(200);
    assert_eq!(connection["status"], "unauthorized");
    lapsed
        .get("/v1/proxy/api/v2/users")
        .await
        .err(403, "CONNECTION_UNAUTHORIZED");
}

async fn fault(world: &World, rule: Value) {
    world.control(Method::POST, "/_sandbox/faults", rule).await;
}

#[tokio::test]
async fn idempotent_calls_are_retried_and_writes_only_when_asked() {
    let world = World::start(5).await;
    // GET: 503, 503, then served.
    fault(
        &world,
        json!({"route": USERS, "kind": "unavailable", "next": 2}),
    )
    .await;
    world.acme().get("/v1/proxy/api/v2/users").await.ok(200);
    assert_eq!(world.sandbox_requests(USERS, 503).await, 2);
    // A dropped connection, then a 429 with Retry-After: both retried.
    fault(&world, json!({"route": USERS, "kind": "reset", "next": 1})).await;
    fault(
        &world,
        json!({"route": USERS, "kind": "rate_limit", "next": 1, "retry_after": 1}),
    )
    .await;
    world.acme().get("/v1/proxy/api/v2/users").await.ok(200);
    assert_eq!(world.sandbox_requests(USERS, 0).await, 1);
    assert_eq!(world.sandbox_requests(USERS, 429).await, 1);
    // Switched off: Dialpad's 503 as sent.
    fault(
        &world,
        json!({"route": USERS, "kind": "unavailable", "next": 1}),
    )
    .await;
    let answer = world
        .acme()
        .call(Method::GET, "/v1/proxy/api/v2/users")
        .header("x-patchbay-retry", "false")
        .send_json()
        .await;
    assert_eq!(answer.status, 503);
    assert_eq!(world.sandbox_requests(USERS, 503).await, 3);

    // POST: sent once unless the caller asks.
    let contacts = "POST /api/v2/contacts";
    let body = json!({"first_name": "Once", "last_name": "Only"});
    fault(
        &world,
        json!({"route": contacts, "kind": "internal_error", "next": 1}),
    )
    .await;
    let answer = world
        .acme()
        .post("/v1/proxy/api/v2/contacts", body.clone())
        .await;
    assert_eq!(answer.status, 500);
    assert_eq!(world.sandbox_requests(contacts, 500).await, 1);
    assert_eq!(world.sandbox_requests(contacts, 200).await, 0);
    fault(
        &world,
        json!({"route": contacts, "kind": "internal_error", "next": 1}),
    )
    .await;
    world
        .acme()
        .call(Method::POST, "/v1/proxy/api/v2/contacts")
        .header("x-patchbay-retry", "true")
        .json(&body)
        .send_json()
        .await
        .ok(200);
    assert_eq!(world.sandbox_requests(contacts, 500).await, 2);
    assert_eq!(world.sandbox_requests(contacts, 200).await, 1);
}

fn limited_sandbox() -> patchbay_dialpad_sandbox::SandboxConfig {
    patchbay_dialpad_sandbox::SandboxConfig {
        rate_limits: true,
        ..common::sandbox_config(10)
    }
}

#[tokio::test]
async fn a_burst_queues_in_the_limiter_instead_of_meeting_dialpads_429() {
    let world = Arc::new(World::start_with(limited_sandbox()).await);
    // Connecting made two Dialpad calls (the credential check) outside the limiter: let
    // them leave Dialpad's one-second window first.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let proxied = (0..25).map(|_| {
        let world = world.clone();
        async move {
            world
                .acme()
                .get("/v1/proxy/api/v2/users?limit=1")
                .await
                .status
                .as_u16()
        }
    });
    // Unified calls share the same windows.
    let unified = (0..10).map(|_| {
        let world = world.clone();
        async move {
            world
                .acme()
                .get("/v1/resources/genericUser?limit=1")
                .await
                .status
                .as_u16()
        }
    });
    let (proxied, unified) = tokio::join!(join_all(proxied), join_all(unified));
    assert!(
        proxied.iter().chain(&unified).all(|s| *s == 200),
        "{proxied:?} {unified:?}"
    );
    assert_eq!(world.sandbox_requests(USERS, 429).await, 0);
}

#[tokio::test]
async fn connections_to_one_dialpad_company_share_its_limits() {
    let world = World::start_with(limited_sandbox()).await;
    // A second end user whose credentials open the same Dialpad company.
    world.connect_api_key("globex").await;
    let call = "/v1/proxy/api/v2/call/123";
    let globex = || world.as_tenant(&world.tenant).on("dialpad", "globex");
    // Dialpad allows the company 10 per minute on GET /api/v2/call/{id}, whoever calls.
    for i in 0..10 {
        let answer = if i % 2 == 0 {
            world.acme().get(call).await
        } else {
            globex().get(call).await
        };
        assert_ne!(answer.status, 429, "{}", answer.body);
    }
    for caller in [world.acme(), globex()] {
        let refused = tokio::time::timeout(Duration::from_secs(5), caller.get(call))
            .await
            .expect("the refusal is immediate");
        refused.err(429, "RATE_LIMITED");
    }
    // Dialpad saw the 10 its limit allows, never an 11th.
    let (total, counted) = route_total(&world, "GET /api/v2/call/{id}").await;
    assert_eq!(total, 10, "{counted}");
}

#[tokio::test]
async fn a_wait_beyond_the_bound_is_refused_at_once_with_retry_after() {
    let world = World::start_with(limited_sandbox()).await;
    let call = "/v1/proxy/api/v2/call/123";
    // Dialpad allows 10 per minute on GET /api/v2/call/{id}.
    for _ in 0..10 {
        let answer = world.acme().get(call).await;
        assert_ne!(answer.status, 429, "{}", answer.body);
    }
    let refused = tokio::time::timeout(Duration::from_secs(5), world.acme().get(call))
        .await
        .expect("the refusal is immediate");
    let retry_after: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((50..=66).contains(&retry_after), "{retry_after}");
    refused.err(429, "RATE_LIMITED");
    let (total, counted) = route_total(&world, "GET /api/v2/call/{id}").await;
    assert_eq!(total, 10, "{counted}");
}
