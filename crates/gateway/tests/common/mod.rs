//! Black-box test harness: a real Dialpad sandbox and a real gateway, both on loopback
//! port 0, over SQLite or PostgreSQL (`PATCHBAY_TEST_DATABASE_URL`), with a tenant, its
//! keys, and an authorized `dialpad` connection for owner `acme` made through the API.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod browser;
pub mod db;
pub mod oauth;
pub mod receiver;

use std::time::Duration;

use patchbay_core::Secret;
use patchbay_dialpad_sandbox::{Sandbox, SandboxConfig};
use patchbay_gateway::http::limits::Hardening;
use patchbay_gateway::proxy::ProxyConfig;
use patchbay_gateway::reports::ReportsConfig;
use patchbay_gateway::server::{DialpadApp, GatewayOptions, Onboarding, RunningGateway, start};
use patchbay_gateway::serving::HttpWorkers;
use patchbay_gateway::webhooks::WebhooksConfig;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

/// One test's world.
pub struct World {
    pub sandbox: Sandbox,
    pub gateway: RunningGateway,
    pub http: reqwest::Client,
    /// A client that follows no redirects (to walk an OAuth flow step by step).
    pub raw: reqwest::Client,
    pub tenant: TenantKeys,
    pub database_url: String,
}

/// A tenant's keys.
#[derive(Clone, Debug)]
pub struct TenantKeys {
    pub id: String,
    pub publishable: String,
    pub secret: String,
}

/// A response read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The error code of an error answer.
    pub fn code(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }

    /// Asserts the status and returns the body.
    #[track_caller]
    pub fn ok(self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected answer: {:#}",
            self.body
        );
        self.body
    }

    /// Asserts an error answer with `status` and `code`.
    #[track_caller]
    pub fn err(self, status: u16, code: &str) -> Value {
        assert_eq!(
            (self.status.as_u16(), self.code()),
            (status, code),
            "unexpected answer: {:#}",
            self.body
        );
        assert!(self.body["message"].as_str().is_some_and(|m| !m.is_empty()));
        self.body
    }
}

pub fn sandbox_config(size: u32) -> SandboxConfig {
    SandboxConfig {
        seed: 7,
        size,
        rate_limits: false,
        ..SandboxConfig::default()
    }
}

impl World {
    /// A sandbox seeded with `size` records per kind, a gateway, a tenant, and the
    /// authorized connection `dialpad`/`acme` over the sandbox's admin API key.
    pub async fn start(size: u32) -> World {
        Self::start_with(sandbox_config(size)).await
    }

    pub async fn start_with(config: SandboxConfig) -> World {
        Self::start_with_reports(config, fast_reports()).await
    }

    /// Like [`World::start_with`], with the raw proxy and limiter configured by `proxy`.
    pub async fn start_with_proxy(config: SandboxConfig, proxy: ProxyConfig) -> World {
        let world = Self::bare_with(config, fast_reports(), None, proxy, fast_webhooks()).await;
        world.connect_api_key("acme").await;
        world
    }

    /// Connects `owner` of the main tenant with the sandbox's admin API key.
    pub async fn connect_api_key(&self, owner: &str) {
        let key = self.sandbox.info().api_key;
        self.as_tenant(&self.tenant)
            .call(Method::POST, &format!("/v1/connections/dialpad/{owner}"))
            .json(&json!({"credentials": {"type": "apiKey", "apiKey": key}}))
            .send_json()
            .await
            .ok(201);
    }

    /// Like [`World::start_with`], with the stats poller timed by `reports`.
    pub async fn start_with_reports(config: SandboxConfig, reports: ReportsConfig) -> World {
        let world = Self::bare_with_reports(config, reports).await;
        world.connect_api_key("acme").await;
        world
    }

    /// Like [`World::start`], with webhook delivery configured by `webhooks`.
    pub async fn start_with_webhooks(size: u32, webhooks: WebhooksConfig) -> World {
        let world = Self::bare_with(
            sandbox_config(size),
            fast_reports(),
            None,
            ProxyConfig::default(),
            webhooks,
        )
        .await;
        world.connect_api_key("acme").await;
        world
    }

    /// Like [`World::start_with`], without any connection. The gateway's OAuth app is the
    /// sandbox's default one (it approves at once and accepts any loopback redirect URI).
    pub async fn bare(config: SandboxConfig) -> World {
        Self::bare_with(
            config,
            fast_reports(),
            None,
            ProxyConfig::default(),
            fast_webhooks(),
        )
        .await
    }

    async fn bare_with_reports(config: SandboxConfig, reports: ReportsConfig) -> World {
        Self::bare_with(
            config,
            reports,
            None,
            ProxyConfig::default(),
            fast_webhooks(),
        )
        .await
    }

    /// Like [`World::bare`], with the gateway's OAuth app chosen (`None`: the sandbox's
    /// default app).
    pub async fn bare_with_app(config: SandboxConfig, app: Option<DialpadApp>) -> World {
        Self::bare_with(
            config,
            fast_reports(),
            app,
            ProxyConfig::default(),
            fast_webhooks(),
        )
        .await
    }

    async fn bare_with(
        config: SandboxConfig,
        reports: ReportsConfig,
        app: Option<DialpadApp>,
        proxy: ProxyConfig,
        webhooks: WebhooksConfig,
    ) -> World {
        Self::bare_tuned(config, reports, app, proxy, |o| o.webhooks = webhooks).await
    }

    /// Like [`World::start`], with the gateway's options adjusted by `tune` first.
    pub async fn start_tuned(size: u32, tune: impl FnOnce(&mut GatewayOptions)) -> World {
        let world = Self::bare_tuned(
            sandbox_config(size),
            fast_reports(),
            None,
            ProxyConfig::default(),
            tune,
        )
        .await;
        world.connect_api_key("acme").await;
        world
    }

    async fn bare_tuned(
        config: SandboxConfig,
        reports: ReportsConfig,
        app: Option<DialpadApp>,
        mut proxy: ProxyConfig,
        tune: impl FnOnce(&mut GatewayOptions),
    ) -> World {
        // The gateway's limiter mirrors Dialpad's limits: on only when the sandbox enforces
        // them (storms of calls in other tests would otherwise queue for seconds).
        proxy.limiter &= config.rate_limits;
        let sandbox = Sandbox::start_local(config).await.unwrap();
        let database_url = db::test_database_url().await;
        let info = sandbox.info();
        let dialpad_app = app.unwrap_or(DialpadApp::Credentials {
            client_id: info.oauth_client_id.clone(),
            client_secret: Secret::new(info.oauth_client_secret.clone()),
        });
        let mut options = GatewayOptions {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: database_url.clone(),
            keyring: db::test_keyring(),
            dialpad_base_url: sandbox.url().parse().unwrap(),
            public_url: None,
            max_body_bytes: 1024 * 1024,
            reports,
            onboarding: Onboarding {
                dialpad_app,
                session_key: None,
            },
            hardening: Hardening::default(),
            proxy,
            webhooks: fast_webhooks(),
            http_workers: HttpWorkers::default(),
            direct_http1: true,
        };
        tune(&mut options);
        let gateway = start(options).await.unwrap();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let raw = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let tenant = new_tenant(&gateway, "Acme SaaS").await;
        World {
            sandbox,
            gateway,
            http,
            raw,
            tenant,
            database_url,
        }
    }

    /// Another tenant of the same gateway.
    pub async fn other_tenant(&self, name: &str) -> TenantKeys {
        new_tenant(&self.gateway, name).await
    }

    /// Requests authenticated as `tenant` with a bearer secret key.
    pub fn as_tenant<'a>(&'a self, tenant: &'a TenantKeys) -> Caller<'a> {
        Caller {
            world: self,
            auth: Auth::Bearer(tenant.secret.clone()),
            connection: None,
        }
    }

    /// Requests as the main tenant, on connection `dialpad`/`acme`.
    pub fn acme(&self) -> Caller<'_> {
        self.as_tenant(&self.tenant).on("dialpad", "acme")
    }

    /// Unauthenticated requests.
    pub fn anonymous(&self) -> Caller<'_> {
        Caller {
            world: self,
            auth: Auth::None,
            connection: None,
        }
    }

    /// Sandbox control API.
    pub async fn control(&self, method: Method, path: &str, body: Value) -> Value {
        let response = self
            .http
            .request(method, format!("{}{path}", self.sandbox.url()))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(
            status.is_success(),
            "sandbox control {path}: {status} {body}"
        );
        body
    }

    /// A Dialpad API call straight at the sandbox with the admin key.
    pub async fn dialpad(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.sandbox.url()))
            .bearer_auth(self.sandbox.info().api_key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "dialpad {path}: {status} {body}");
        body
    }
}

/// Webhook delivery for tests: loopback receivers over http, retries 100-300 ms apart,
/// short leases.
pub fn fast_webhooks() -> WebhooksConfig {
    WebhooksConfig {
        retry_schedule: vec![
            Duration::from_millis(100),
            Duration::from_millis(200),
            Duration::from_millis(300),
            Duration::from_millis(300),
            Duration::from_millis(300),
        ],
        timeout: Duration::from_secs(5),
        lease: Duration::from_secs(10),
        tick: Duration::from_millis(50),
        ..WebhooksConfig::development()
    }
}

/// Stats-job timing for tests: polls a few hundred milliseconds apart instead of seconds.
pub fn fast_reports() -> ReportsConfig {
    ReportsConfig {
        first_poll: Duration::from_millis(400),
        poll_interval: (Duration::from_millis(200), Duration::from_millis(300)),
        tick: Duration::from_millis(50),
        ..ReportsConfig::default()
    }
}

async fn new_tenant(gateway: &RunningGateway, name: &str) -> TenantKeys {
    let (tenant, key) = gateway.state().store.create_tenant(name).await.unwrap();
    TenantKeys {
        id: tenant.id.to_string(),
        publishable: tenant.publishable_key,
        secret: key.secret.expose().to_owned(),
    }
}

#[derive(Clone)]
pub enum Auth {
    None,
    Bearer(String),
    Pair { publishable: String, secret: String },
    Raw(Vec<(&'static str, String)>),
}

/// A request builder bound to a world, an identity and maybe a connection.
#[derive(Clone)]
pub struct Caller<'a> {
    world: &'a World,
    auth: Auth,
    connection: Option<(String, String)>,
}

impl<'a> Caller<'a> {
    /// On connection (`connector`, `owner`) via the `x-connector-id`/`x-owner-id` headers.
    pub fn on(mut self, connector: &str, owner: &str) -> Self {
        self.connection = Some((connector.to_owned(), owner.to_owned()));
        self
    }

    /// With another authentication.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    pub fn call(&self, method: Method, path: &str) -> Request {
        let mut builder = self
            .world
            .http
            .request(method, format!("{}{path}", self.world.gateway.url()));
        builder = match &self.auth {
            Auth::None => builder,
            Auth::Bearer(secret) => builder.bearer_auth(secret),
            Auth::Pair {
                publishable,
                secret,
            } => builder
                .header("x-api-key", publishable)
                .header("x-api-secret", secret),
            Auth::Raw(headers) => headers.iter().fold(builder, |b, (k, v)| b.header(*k, v)),
        };
        if let Some((connector, owner)) = &self.connection {
            builder = builder
                .header("x-connector-id", connector)
                .header("x-owner-id", owner);
        }
        Request(builder)
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path).send_json().await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path).json(&body).send_json().await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Answer {
        self.call(Method::PATCH, path).json(&body).send_json().await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.call(Method::DELETE, path).send_json().await
    }
}

/// A request about to be sent.
pub struct Request(pub RequestBuilder);

impl Request {
    pub fn json(self, body: &Value) -> Self {
        Self(self.0.json(body))
    }

    pub fn header(self, name: &str, value: &str) -> Self {
        Self(self.0.header(name, value))
    }

    pub async fn send_json(self) -> Answer {
        let response = self.0.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Answer {
            status,
            headers,
            body,
        }
    }
}
