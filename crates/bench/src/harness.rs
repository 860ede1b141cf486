//! Starting what is measured: a Dialpad sandbox and a gateway in this process (the same
//! `server::start` as `patchbay serve`), a tenant, and an API-key connection.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use patchbay_core::Secret;
use patchbay_dialpad_sandbox::{Sandbox, SandboxConfig};
use patchbay_gateway::crypto::Keyring;
use patchbay_gateway::http::limits::Hardening;
use patchbay_gateway::proxy::ProxyConfig;
use patchbay_gateway::reports::ReportsConfig;
use patchbay_gateway::server::{DialpadApp, GatewayOptions, Onboarding, RunningGateway, start};
use patchbay_gateway::store::{ConnectionStatus, Credentials};
use patchbay_gateway::webhooks::WebhooksConfig;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};

/// A failure of the harness itself (not a measurement).
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The owner id of the benchmark's connection.
pub const OWNER: &str = "bench";

/// A running sandbox and gateway, with a tenant and an authorized connection.
pub struct Setup {
    /// The sandbox.
    pub sandbox: Sandbox,
    /// The gateway.
    pub gateway: RunningGateway,
    /// The tenant's id (a shared PostgreSQL database holds one tenant per run).
    pub tenant_id: String,
    /// The tenant's secret key.
    pub secret_key: String,
    /// The sandbox's admin API key (what the connection uses).
    pub dialpad_key: String,
    /// The temporary directory (SQLite database, outputs).
    pub dir: PathBuf,
    /// The database URL.
    pub database_url: String,
    /// The encryption keyring's text (for child processes).
    pub keyring: String,
}

impl std::fmt::Debug for Setup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Setup")
            .field("gateway", &self.gateway.url())
            .field("sandbox", &self.sandbox.url())
            .finish_non_exhaustive()
    }
}

/// What to start.
#[derive(Debug, Clone)]
pub struct Options {
    /// Records per kind in the sandbox.
    pub size: u32,
    /// `None`: a SQLite file in a temporary directory.
    pub database_url: Option<String>,
    /// Dialpad's own rate limits in the sandbox (off to measure the gateway, not them).
    pub rate_limits: bool,
}

/// A fresh temporary directory.
pub fn temp_dir(name: &str) -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "patchbay-bench-{name}-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Starts the sandbox and the gateway; `tune` adjusts the gateway's options first.
pub async fn start_with(
    options: &Options,
    tune: impl FnOnce(&mut GatewayOptions),
) -> Result<Setup, Error> {
    let dir = temp_dir("run")?;
    let sandbox = Sandbox::start_local(SandboxConfig {
        size: options.size,
        rate_limits: options.rate_limits,
        ..SandboxConfig::default()
    })
    .await?;
    let keyring_text = Keyring::generate("bench");
    let keyring = Keyring::parse(&keyring_text)?;
    let database_url = options
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.join("bench.db").display()));
    let info = sandbox.info();
    let mut gateway_options = GatewayOptions {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url: database_url.clone(),
        keyring,
        dialpad_base_url: sandbox.url().parse()?,
        public_url: None,
        max_body_bytes: 1024 * 1024,
        reports: ReportsConfig::default(),
        onboarding: Onboarding {
            dialpad_app: DialpadApp::Credentials {
                client_id: info.oauth_client_id.clone(),
                client_secret: Secret::new(info.oauth_client_secret.clone()),
            },
            session_key: None,
        },
        hardening: Hardening::default(),
        // The gateway's limiter mirrors Dialpad's limits: measured with them, or not at all.
        proxy: ProxyConfig {
            limiter: options.rate_limits,
            ..ProxyConfig::default()
        },
        // Receivers are local processes: development mode allows http and loopback.
        webhooks: WebhooksConfig::development(),
        http_workers: patchbay_gateway::serving::HttpWorkers::default(),
        direct_http1: true,
    };
    tune(&mut gateway_options);
    let gateway = start(gateway_options).await?;
    let store = &gateway.state().store;
    let (tenant, key) = store.create_tenant("Bench").await?;
    let operations = gateway
        .state()
        .connectors
        .get("dialpad")
        .map(|c| c.descriptor().operations.to_vec())
        .unwrap_or_default();
    let (connection, _) = store
        .upsert_connection(&tenant.id, "dialpad", OWNER, &operations)
        .await?;
    store
        .set_credentials(
            &connection.id,
            Some(&Credentials::ApiKey {
                api_key: Secret::new(info.api_key.clone()),
            }),
            ConnectionStatus::Authorized,
        )
        .await?;
    Ok(Setup {
        dialpad_key: info.api_key,
        tenant_id: tenant.id.to_string(),
        secret_key: key.secret.expose().to_owned(),
        sandbox,
        gateway,
        dir,
        database_url,
        keyring: keyring_text,
    })
}

impl Setup {
    /// Headers of a unified call on the benchmark's connection.
    pub fn gateway_headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(&format!("Bearer {}", self.secret_key)) {
            h.insert(AUTHORIZATION, v);
        }
        h.insert("x-connector-id", HeaderValue::from_static("dialpad"));
        h.insert("x-owner-id", HeaderValue::from_static(OWNER));
        h
    }

    /// Headers of a direct call to the sandbox.
    pub fn dialpad_headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(&format!("Bearer {}", self.dialpad_key)) {
            h.insert(AUTHORIZATION, v);
        }
        h
    }

    /// A sandbox control call (`/_sandbox/...`).
    pub async fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, Error> {
        let answer = reqwest::Client::new()
            .request(method, format!("{}/_sandbox{path}", self.sandbox.url()))
            .json(&body)
            .timeout(Duration::from_secs(30))
            .send()
            .await?
            .error_for_status()?;
        Ok(answer.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Stops everything and removes the temporary directory.
    pub async fn stop(self) {
        let _ = self.gateway.shutdown(Duration::from_secs(5)).await;
        let _ = self.sandbox.shutdown().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A new, empty PostgreSQL database on the server of `admin_url` (its URL).
pub async fn fresh_postgres(admin_url: &str) -> Result<String, Error> {
    use sqlx::Connection as _;
    let mut admin = tokio::time::timeout(
        Duration::from_secs(3),
        sqlx::PgConnection::connect(admin_url),
    )
    .await
    .map_err(|_| "PostgreSQL did not answer")??;
    let name = format!(
        "patchbay_bench_{}",
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    );
    sqlx::Executor::execute(&mut admin, format!("CREATE DATABASE {name}").as_str()).await?;
    let mut url = url::Url::parse(admin_url)?;
    url.set_path(&name);
    Ok(url.to_string())
}
