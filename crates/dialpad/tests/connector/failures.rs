//! Dialpad failing, as a caller sees it: 401 and 403 answered at once, 429 retried after
//! `Retry-After` and then `RateLimited`, 5xx, timeouts and dropped connections retried for
//! idempotent requests only, all within the retry budget; no secret in any error.

use std::time::{Duration, Instant};

use patchbay_core::{
    ConnectionContext, Connector, ConnectorError, Credential, ModelId, ProviderValues, parse_create,
};
use patchbay_dialpad::DESCRIPTOR;
use patchbay_dialpad_sandbox::SandboxConfig;
use serde_json::json;

use crate::{Env, options};

const USERS: ModelId = ModelId::GenericUser;
const LIST_USERS: &str = "GET /api/v2/users";

async fn list_users(env: &Env) -> Result<patchbay_core::Page, ConnectorError> {
    env.list(USERS, &options(USERS, &[], 5)).await
}

/// The sandbox's answers on `route`, by status.
async fn answers(env: &Env, route: &str) -> serde_json::Value {
    let (_, counters) = env
        .control(reqwest::Method::GET, "/counters", serde_json::Value::Null)
        .await;
    counters["requests"][route].clone()
}

#[tokio::test]
async fn a_rejected_credential_is_reported_at_once_without_showing_it() {
    let env = Env::small().await;
    let secret = "dpsbx_not-a-real-key-4711";
    let ctx = env.ctx_as(Credential::api_key(secret));
    let err = env
        .connector
        .list(&ctx, USERS, &options(USERS, &[], 5))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::CredentialRejected { .. }),
        "{err:?}"
    );
    assert_eq!(err.code(), patchbay_core::ErrorCode::ConnectionUnauthorized);
    assert_eq!(
        answers(&env, LIST_USERS).await,
        json!({"401": 1}),
        "not retried"
    );
    for shown in [
        format!("{err}"),
        format!("{err:?}"),
        format!("{ctx:?}"),
        format!("{:?}", env.connector),
    ] {
        assert!(!shown.contains(secret), "{shown}");
    }
    let bearer = env.ctx_as(Credential::bearer("expired-or-revoked"));
    let err = env
        .connector
        .retrieve(&bearer, USERS, "1", &Default::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::CredentialRejected { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_forbidden_operation_is_reported_at_once() {
    let env = Env::small().await;
    let plain = env.plain_user().await;
    let key = env.key_for(plain["id"].as_str().unwrap()).await;
    let err = env
        .connector
        .list(
            &env.ctx_as(Credential::api_key(key)),
            ModelId::TelephonyCall,
            &options(ModelId::TelephonyCall, &[], 5),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Forbidden { .. }), "{err:?}");
    assert_eq!(err.code().http_status(), 403);
    assert_eq!(
        answers(&env, "GET /api/v2/call").await,
        json!({"403": 1}),
        "not retried"
    );
}

#[tokio::test]
async fn a_429_is_retried_after_the_retry_after_dialpad_asks_for() {
    let env = Env::small().await;
    env.fault(json!({"route": LIST_USERS, "kind": "rate_limit", "retry_after": 1, "next": 1}))
        .await;
    let started = Instant::now();
    let page = list_users(&env).await.unwrap();
    assert_eq!(page.data.len(), 5);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited as asked"
    );
    assert_eq!(answers(&env, LIST_USERS).await, json!({"200": 1, "429": 1}));
}

#[tokio::test]
async fn a_persistent_429_becomes_rate_limited_within_the_budget() {
    let env = Env::small().await;
    env.fault(json!({"route": LIST_USERS, "kind": "rate_limit", "retry_after": 1}))
        .await;
    let started = Instant::now();
    let err = list_users(&env).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(1)),
        "{err:?}"
    );
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(err.code().http_status(), 429);
    // Four attempts, one second apart: within the five-second budget.
    assert_eq!(answers(&env, LIST_USERS).await, json!({"429": 4}));
    assert!(started.elapsed() < Duration::from_secs(5));

    // A wait longer than the budget is not started.
    env.control(reqwest::Method::DELETE, "/faults", serde_json::Value::Null)
        .await;
    env.fault(json!({"route": "GET /api/v2/offices", "kind": "rate_limit", "retry_after": 30}))
        .await;
    let started = Instant::now();
    let err = env
        .list(
            ModelId::GenericWorkspace,
            &options(ModelId::GenericWorkspace, &[], 5),
        )
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(
        answers(&env, "GET /api/v2/offices").await,
        json!({"429": 1})
    );

    // Without Retry-After: backoff, then RateLimited with no hint.
    env.fault(json!({"route": "GET /api/v2/contacts", "kind": "rate_limit_no_retry_after"}))
        .await;
    let err = env
        .list(
            ModelId::GenericContact,
            &options(ModelId::GenericContact, &[], 5),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::RateLimited { retry_after: None }),
        "{err:?}"
    );
    assert_eq!(
        answers(&env, "GET /api/v2/contacts").await,
        json!({"429": 4})
    );
}

#[tokio::test]
async fn dialpads_own_rate_limit_is_reported_with_its_retry_after() {
    let env = Env::start(SandboxConfig {
        size: 60,
        companies: 1,
        ..SandboxConfig::default()
    })
    .await;
    // A missed call: reading it costs one request (no transcript to look up).
    let calls = env.dialpad("/api/v2/call").await;
    let id = calls["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["state"] == "missed")
        .expect("a missed call on the first page")["call_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // `GET /api/v2/call/{id}`: 10 per minute.
    let mut outcome = Ok(());
    for _ in 0..11 {
        outcome = env.retrieve(ModelId::TelephonyCall, &id).await.map(|_| ());
        if outcome.is_err() {
            break;
        }
    }
    let err = outcome.unwrap_err();
    let Some(wait) = err.retry_after() else {
        panic!("{err:?}")
    };
    assert!(
        wait > Duration::from_secs(5) && wait <= Duration::from_secs(60),
        "{wait:?}"
    );
}

#[tokio::test]
async fn server_errors_and_dropped_connections_are_retried_for_reads() {
    let env = Env::small().await;
    env.fault(json!({"route": LIST_USERS, "kind": "internal_error", "next": 2}))
        .await;
    assert_eq!(list_users(&env).await.unwrap().data.len(), 5);
    assert_eq!(answers(&env, LIST_USERS).await, json!({"200": 1, "500": 2}));

    env.fault(json!({"route": "GET /api/v2/users/{id}", "kind": "reset", "next": 1}))
        .await;
    let id = list_users(&env).await.unwrap().data[0].id.clone();
    assert_eq!(env.retrieve(USERS, &id).await.unwrap().id, id);

    env.fault(json!({"route": "GET /api/v2/offices", "kind": "internal_error"}))
        .await;
    let err = env
        .list(
            ModelId::GenericWorkspace,
            &options(ModelId::GenericWorkspace, &[], 5),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::Upstream { status: 500, .. }),
        "{err:?}"
    );
    assert_eq!(err.code().http_status(), 502);
    assert_eq!(
        answers(&env, "GET /api/v2/offices").await,
        json!({"500": 4})
    );

    env.fault(json!({"route": "GET /api/v2/contacts", "kind": "unavailable"}))
        .await;
    let err = env
        .list(
            ModelId::GenericContact,
            &options(ModelId::GenericContact, &[], 5),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Unavailable { .. }), "{err:?}");
    // The 5xx body is Dialpad's; the gateway's answer does not repeat it.
    assert!(
        !serde_json::to_string(&err.to_error_body())
            .unwrap()
            .contains("service_unavailable")
    );
}

#[tokio::test]
async fn writes_that_are_not_idempotent_are_never_retried() {
    let env = Env::small().await;
    let input = || {
        parse_create(
            DESCRIPTOR.fields(ModelId::GenericContact),
            &json!({"firstName": "Once", "lastName": "Only"}),
        )
        .unwrap()
    };
    let ctx = env.ctx();
    env.fault(json!({"route": "POST /api/v2/contacts", "kind": "internal_error", "next": 1}))
        .await;
    let err = env
        .connector
        .create(&ctx, input(), &ProviderValues::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::Upstream { status: 500, .. }),
        "{err:?}"
    );
    env.fault(json!({"route": "POST /api/v2/contacts", "kind": "rate_limit", "retry_after": 1, "next": 1}))
        .await;
    let err = env
        .connector
        .create(&ctx, input(), &ProviderValues::new())
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    env.fault(json!({"route": "POST /api/v2/contacts", "kind": "reset", "next": 1}))
        .await;
    let err = env
        .connector
        .create(&ctx, input(), &ProviderValues::new())
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Unavailable { .. }), "{err:?}");
    assert_eq!(
        answers(&env, "POST /api/v2/contacts").await,
        json!({"0": 1, "429": 1, "500": 1}),
        "each sent once"
    );
    // Deletes are idempotent: retried.
    let created = env
        .connector
        .create(&ctx, input(), &ProviderValues::new())
        .await
        .unwrap();
    env.fault(json!({"route": "DELETE /api/v2/contacts/{id}", "kind": "unavailable", "next": 1}))
        .await;
    env.connector
        .delete(&ctx, ModelId::GenericContact, &created.id)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_slow_dialpad_times_out_and_reads_are_tried_again() {
    let env = Env::small().await;
    let connector = env.connector_with(|c| c.request_timeout = Duration::from_millis(300));
    let ctx: ConnectionContext = env.ctx();
    env.fault(json!({"route": LIST_USERS, "kind": "latency", "latency_ms": 1000, "next": 1}))
        .await;
    let page = connector
        .list(&ctx, USERS, &options(USERS, &[], 5))
        .await
        .unwrap();
    assert_eq!(page.data.len(), 5);

    env.fault(json!({"route": LIST_USERS, "kind": "latency", "latency_ms": 1000}))
        .await;
    let err = connector
        .list(&ctx, USERS, &options(USERS, &[], 5))
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Timeout), "{err:?}");
    assert_eq!(err.code().http_status(), 504);
}

/// A server that answers every request with a redirect to `to`.
async fn redirector(to: String) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let answer = format!(
                "HTTP/1.1 302 Found\r\nLocation: {to}/api/v2/users\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = socket.write_all(answer.as_bytes()).await;
        }
    });
    url
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let env = Env::small().await;
    let elsewhere = redirector(env.info.url.clone()).await;
    let connector = env.connector_with(|c| c.base_url = elsewhere.parse().unwrap());
    let err = connector
        .list(&env.ctx(), USERS, &options(USERS, &[], 5))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::Upstream { status: 302, .. }),
        "{err:?}"
    );
    assert_eq!(
        answers(&env, LIST_USERS).await,
        serde_json::Value::Null,
        "the credential went nowhere else"
    );
}
