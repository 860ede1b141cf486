//! The Dialpad connector, black box, against the real sandbox over loopback: every
//! operation of every model, paging, filters, writes, errors and retries, credentials.
//! Each test starts its own sandbox on an ephemeral port.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod account;
mod calls;
mod contacts;
mod failures;
mod oauth;
mod transcripts;
mod users;
mod wire;
mod workspaces;

use std::future::Future;
use std::time::Duration;

use patchbay_core::{
    ConnectionContext, Connector, ConnectorError, Credential, Cursor, Filters, Limit, ListOptions,
    ModelId, Page, Resource, RetrieveOptions,
};
use patchbay_dialpad::{DESCRIPTOR, DialpadConfig, DialpadConnector, RetryPolicy};
use patchbay_dialpad_sandbox::{ReadyInfo, Sandbox, SandboxConfig};
use serde_json::{Value, json};

/// A sandbox and a connector pointed at it.
#[derive(Debug)]
pub struct Env {
    pub sandbox: Sandbox,
    pub info: ReadyInfo,
    pub connector: DialpadConnector,
    http: reqwest::Client,
}

/// Retries quick enough for tests, with room for a one-second `Retry-After`.
pub fn test_config(url: &str) -> DialpadConfig {
    DialpadConfig {
        base_url: url.parse().unwrap(),
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(10),
        retry: RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(100),
            budget: Duration::from_secs(5),
        },
    }
}

impl Env {
    pub async fn start(config: SandboxConfig) -> Self {
        let sandbox = Sandbox::start_local(config).await.expect("sandbox starts");
        let info = sandbox.info();
        let connector = DialpadConnector::new(test_config(&info.url)).unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            sandbox,
            info,
            connector,
            http,
        }
    }

    /// A small, single-company sandbox without rate limits.
    pub async fn small() -> Self {
        Self::start(SandboxConfig {
            size: 60,
            companies: 1,
            rate_limits: false,
            call_step: Duration::from_millis(20),
            ..SandboxConfig::default()
        })
        .await
    }

    /// Another connector to the same sandbox, configured by `f`.
    pub fn connector_with(&self, f: impl FnOnce(&mut DialpadConfig)) -> DialpadConnector {
        let mut config = test_config(&self.info.url);
        f(&mut config);
        DialpadConnector::new(config).unwrap()
    }

    /// The first company's admin API key.
    pub fn ctx(&self) -> ConnectionContext {
        self.ctx_as(Credential::api_key(self.info.api_key.clone()))
    }

    pub fn ctx_as(&self, credential: Credential) -> ConnectionContext {
        ConnectionContext::new("dialpad", "owner-1", credential)
    }

    /// A request to the sandbox's control API; `Value::Null` sends no body.
    pub async fn control(&self, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}/_sandbox{path}", self.info.url));
        if !body.is_null() {
            request = request.json(&body);
        }
        let resp = request.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Injects a fault rule (see the sandbox's README).
    pub async fn fault(&self, rule: Value) {
        let (status, body) = self.control(reqwest::Method::POST, "/faults", rule).await;
        assert_eq!(status, 201, "{body}");
    }

    /// How many requests the sandbox answered on `route` (`"GET /api/v2/users"`).
    pub async fn served(&self, route: &str) -> u64 {
        let (_, counters) = self
            .control(reqwest::Method::GET, "/counters", Value::Null)
            .await;
        counters["requests"][route]
            .as_object()
            .map_or(0, |by_status| {
                by_status.values().filter_map(Value::as_u64).sum()
            })
    }

    /// Dialpad's own answer to a GET, with the admin key (to compare the connector with).
    pub async fn dialpad(&self, path: &str) -> Value {
        let resp = self
            .http
            .get(format!("{}{path}", self.info.url))
            .bearer_auth(&self.info.api_key)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        resp.json().await.unwrap()
    }

    /// Every item of a Dialpad list, following its cursors.
    pub async fn dialpad_all(&self, path: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = match &cursor {
                Some(c) => format!("{path}{sep}cursor={c}"),
                None => path.to_owned(),
            };
            let page = self.dialpad(&url).await;
            items.extend(page["items"].as_array().cloned().unwrap_or_default());
            match page["cursor"].as_str() {
                Some(c) if !c.is_empty() => cursor = Some(c.to_owned()),
                _ => return items,
            }
        }
    }

    /// An API key acting as `user_id` (of the first company).
    pub async fn key_for(&self, user_id: &str) -> String {
        let (status, key) = self
            .control(
                reqwest::Method::POST,
                "/api-keys",
                json!({"user_id": user_id}),
            )
            .await;
        assert_eq!(status, 201, "{key}");
        key["api_key"].as_str().unwrap().to_owned()
    }

    /// An active user who is not a company admin.
    pub async fn plain_user(&self) -> Value {
        let users = self.dialpad_all("/api/v2/users?state=active").await;
        users
            .into_iter()
            .find(|u| u["is_super_admin"] != true && u["is_admin"] != true)
            .expect("the seed has plain users")
    }

    /// An OAuth access token of the first company's admin with `scope`.
    pub async fn oauth_token(&self, scope: &str) -> String {
        let redirect = "http://127.0.0.1:9/callback";
        let (status, app) = self
            .control(
                reqwest::Method::POST,
                "/apps",
                json!({"name": "connector tests", "redirect_uris": [redirect]}),
            )
            .await;
        assert_eq!(status, 201, "{app}");
        let client_id = app["client_id"].as_str().unwrap().to_owned();
        let client_secret = app["client_secret"].as_str().unwrap().to_owned();
        let mut url = url::Url::parse(&format!("{}/oauth2/authorize", self.info.url)).unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", &client_id)
            .append_pair("redirect_uri", redirect)
            .append_pair("response_type", "code")
            .append_pair("state", "s")
            .append_pair("scope", scope);
        let resp = self.http.get(url).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 302, "authorize");
        let location = resp.headers()["location"].to_str().unwrap();
        let code = url::Url::parse(location)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .expect("a code in the redirect");
        let resp = self
            .http
            .post(format!("{}/oauth2/token", self.info.url))
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
        assert_eq!(resp.status().as_u16(), 200, "token exchange");
        let body: Value = resp.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn retrieve(&self, model: ModelId, id: &str) -> Result<Resource, ConnectorError> {
        self.connector
            .retrieve(&self.ctx(), model, id, &RetrieveOptions::default())
            .await
    }

    pub async fn retrieve_raw(&self, model: ModelId, id: &str) -> Resource {
        let options = RetrieveOptions {
            include_raw: true,
            ..RetrieveOptions::default()
        };
        self.connector
            .retrieve(&self.ctx(), model, id, &options)
            .await
            .unwrap()
    }

    pub async fn list(
        &self,
        model: ModelId,
        options: &ListOptions,
    ) -> Result<Page, ConnectorError> {
        self.connector.list(&self.ctx(), model, options).await
    }

    /// Every resource of a list, page after page, as the gateway would page it.
    pub async fn list_all(
        &self,
        model: ModelId,
        filters: &[(&str, &str)],
        limit: u32,
    ) -> Vec<Resource> {
        let mut options = options(model, filters, limit);
        let mut all = Vec::new();
        loop {
            let page = self.list(model, &options).await.unwrap();
            assert!(
                page.data.len() <= limit as usize,
                "a page holds at most `limit`"
            );
            all.extend(page.data);
            match page.next {
                Some(next) => options.cursor = Some(decode(model, &options, &next)),
                None => return all,
            }
        }
    }
}

/// List options as the gateway parses them: filters checked against the descriptor.
pub fn options(model: ModelId, filters: &[(&str, &str)], limit: u32) -> ListOptions {
    ListOptions {
        limit: Some(Limit::new(limit).unwrap()),
        filters: Filters::parse(DESCRIPTOR.fields(model), filters.iter().copied()).unwrap(),
        ..ListOptions::default()
    }
}

/// A `next` cursor read back as the gateway does.
pub fn decode(model: ModelId, options: &ListOptions, next: &str) -> Cursor {
    Cursor::decode(next, options.fingerprint(model)).unwrap()
}

/// The ids of some resources.
pub fn ids(resources: &[Resource]) -> Vec<String> {
    resources.iter().map(|r| r.id.clone()).collect()
}

/// A resource's fields as JSON.
pub fn fields(resource: &Resource) -> Value {
    serde_json::to_value(&resource.fields).unwrap()
}

/// Polls `check` until it answers `Some`, or fails after `deadline`.
pub async fn eventually<T, F, Fut>(deadline: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let end = tokio::time::Instant::now() + deadline;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < end,
            "timed out waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
