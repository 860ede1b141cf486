//! Shared helpers of the sandbox's integration tests: a sandbox on an ephemeral
//! port, an HTTP client, a webhook receiver, and polling with a deadline.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use parking_lot::Mutex;
use patchbay_dialpad_sandbox::{ReadyInfo, Sandbox, SandboxConfig};
use serde_json::Value;

pub struct TestSandbox {
    pub sandbox: Sandbox,
    pub info: ReadyInfo,
    pub http: reqwest::Client,
}

impl TestSandbox {
    pub async fn start(config: SandboxConfig) -> Self {
        let sandbox = Sandbox::start_local(config).await.expect("sandbox starts");
        let info = sandbox.info();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            sandbox,
            info,
            http,
        }
    }

    /// A small sandbox with rate limits off, for functional tests.
    pub async fn small() -> Self {
        Self::start(SandboxConfig {
            rate_limits: false,
            ..SandboxConfig::default()
        })
        .await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.info.url, path)
    }

    pub fn key(&self) -> &str {
        &self.info.api_key
    }

    /// GET with the first company's admin API key; answers status and JSON.
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.get_as(self.key(), path).await
    }

    /// A request with a JSON body and the first company's admin API key.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        self.send_as(self.key(), method, path, body).await
    }

    /// Follows every cursor of a list endpoint and returns all items.
    pub async fn all(&self, path: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = match &cursor {
                Some(c) => format!("{path}{sep}cursor={c}"),
                None => path.to_owned(),
            };
            let (status, body) = self.get(&url).await;
            assert_eq!(status, StatusCode::OK, "{url}: {body}");
            items.extend(body["items"].as_array().cloned().unwrap_or_default());
            match body["cursor"].as_str() {
                Some(c) if !c.is_empty() => cursor = Some(c.to_owned()),
                _ => return items,
            }
        }
    }
}

impl TestSandbox {
    /// GET with another credential (an API key or an access token).
    pub async fn get_as(&self, key: &str, path: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .get(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// A request with a JSON body and another credential.
    pub async fn send_as(
        &self,
        key: &str,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let resp = self
            .http
            .request(method, self.url(path))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// A request to the unauthenticated control API (`/_sandbox/...`); `Value::Null`
    /// sends no body.
    pub async fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, self.url(&format!("/_sandbox{path}")));
        if !body.is_null() {
            request = request.json(&body);
        }
        let resp = request.send().await.unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// An OAuth access token for the first company's admin with `scope`, by the
    /// authorization code flow of an app registered through `/_sandbox/apps`.
    pub async fn oauth_token(&self, scope: &str) -> String {
        let redirect = "http://127.0.0.1:9/callback";
        let (status, app) = self
            .control(
                reqwest::Method::POST,
                "/apps",
                serde_json::json!({"name": "test app", "redirect_uris": [redirect]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{app}");
        let client_id = app["client_id"].as_str().unwrap().to_owned();
        let client_secret = app["client_secret"].as_str().unwrap().to_owned();
        let mut url = url::Url::parse(&self.url("/oauth2/authorize")).unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", &client_id)
            .append_pair("redirect_uri", redirect)
            .append_pair("response_type", "code")
            .append_pair("state", "s")
            .append_pair("scope", scope);
        let resp = self.http.get(url).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::FOUND, "authorize");
        let location = resp.headers()[reqwest::header::LOCATION].to_str().unwrap();
        let code = url::Url::parse(location)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .expect("a code in the redirect");
        let resp = self
            .http
            .post(self.url("/oauth2/token"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", redirect),
                ("client_id", client_id.as_str()),
                ("client_secret", client_secret.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "token exchange");
        let body: Value = resp.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }
}

/// Asserts Dialpad's error envelope with `status` and `reason`.
pub fn assert_envelope(status: StatusCode, body: &Value, expected: StatusCode, reason: &str) {
    assert_eq!(status, expected, "{body}");
    let error = &body["error"];
    assert_eq!(error["code"], expected.as_u16(), "{body}");
    assert_eq!(error["errors"][0]["reason"], reason, "{body}");
    assert_eq!(error["errors"][0]["domain"], "global", "{body}");
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

/// One request a [`Receiver`] got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A webhook receiver on an ephemeral port that records what it gets and answers
/// with the statuses planned for it (then 200).
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
    plan: Arc<Mutex<Vec<StatusCode>>>,
}

impl Receiver {
    pub async fn start() -> Self {
        Self::with_plan(Vec::new()).await
    }

    /// Answers `plan[0]`, `plan[1]`, ... to the first requests, then 200.
    pub async fn with_plan(plan: Vec<StatusCode>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let plan = Arc::new(Mutex::new(plan.into_iter().rev().collect::<Vec<_>>()));
        let (r, p) = (received.clone(), plan.clone());
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
            let (r, p) = (r.clone(), p.clone());
            async move {
                r.lock().push(Received { headers, body });
                p.lock().pop().unwrap_or(StatusCode::OK)
            }
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            url,
            received,
            plan,
        }
    }

    pub fn count(&self) -> usize {
        self.received.lock().len()
    }

    pub fn all(&self) -> Vec<Received> {
        self.received.lock().clone()
    }
}

/// Polls `check` until it holds or `deadline` passes (then panics with `what`).
pub async fn eventually<F: FnMut() -> bool>(deadline: Duration, what: &str, mut check: F) {
    let end = tokio::time::Instant::now() + deadline;
    loop {
        if check() {
            return;
        }
        if tokio::time::Instant::now() > end {
            panic!("timed out waiting for: {what}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
