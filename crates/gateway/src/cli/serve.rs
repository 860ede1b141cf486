//! `patchbay serve`: the gateway. With `--sandbox` it also starts an in-process Dialpad
//! sandbox, creates a demo tenant and an authorized `dialpad`/`demo` connection, and prints
//! the keys, three curl commands that work as printed, and one `{"ready":true,...}` line.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use patchbay_core::{Connector, Operation, Secret};
use patchbay_dialpad_sandbox::{Sandbox, SandboxConfig};
use serde::Serialize;

use super::{CliError, shutdown_signal};
use crate::config::{DatabaseArgs, ENCRYPTION_KEY_VAR, keyring_from, keyring_from_env};
use crate::crypto::Keyring;
use crate::http::limits::{CorsOrigins, Hardening, RateLimit};
use crate::proxy::ProxyConfig;
use crate::reports::ReportsConfig;
use crate::server::{DialpadApp, GatewayOptions, Onboarding, RunningGateway, start};
use crate::serving::HttpWorkers;
use crate::sessions::{MAX_TTL_SECS, SessionKey};
use crate::store::{ConnectionStatus, Credentials, Store};
use crate::webhooks::WebhooksConfig;

/// How long in-flight requests get to finish after SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

const DEMO_TENANT: &str = "Sandbox demo";
const DEMO_OWNER: &str = "demo";
const OAUTH_DEMO_OWNER: &str = "oauth-demo";

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "PATCHBAY_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The gateway's public URL (OAuth redirects, webhook URLs); `http://<listen>` if unset.
    #[arg(long, env = "PATCHBAY_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Dialpad's base URL.
    #[arg(
        long,
        env = "PATCHBAY_DIALPAD_BASE_URL",
        default_value = "https://dialpad.com"
    )]
    pub dialpad_base_url: url::Url,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "PATCHBAY_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Largest request body the raw proxy forwards, in bytes (413 beyond it).
    #[arg(long, env = "PATCHBAY_PROXY_MAX_BODY_BYTES", default_value_t = 32 * 1024 * 1024)]
    pub proxy_max_body_bytes: u64,
    /// Turns off the per-company limiter matching Dialpad's rate limits (proxy and
    /// unified calls then meet Dialpad's 429s, which idempotent calls retry).
    #[arg(long, env = "PATCHBAY_NO_RATE_LIMITER")]
    pub no_rate_limiter: bool,
    /// The longest a call queues in that limiter, in milliseconds; beyond it the caller
    /// gets 429 with Retry-After at once.
    #[arg(long, env = "PATCHBAY_RATE_LIMIT_MAX_WAIT_MS", default_value_t = 2000)]
    pub rate_limit_max_wait_ms: u64,
    /// The client id of the gateway's Dialpad OAuth app (OAuth onboarding and token
    /// refresh); its redirect URI is the public URL plus /v1/oauth/callback.
    #[arg(
        long,
        env = "PATCHBAY_DIALPAD_CLIENT_ID",
        requires = "dialpad_client_secret"
    )]
    pub dialpad_client_id: Option<String>,
    /// The client secret of that app (never printed or logged).
    #[arg(
        long,
        env = "PATCHBAY_DIALPAD_CLIENT_SECRET",
        hide_env_values = true,
        value_parser = parse_secret,
        requires = "dialpad_client_id"
    )]
    pub dialpad_client_secret: Option<Secret>,
    /// The key session tokens are signed with: 32 bytes, base64. When unset it is derived
    /// from the first key of PATCHBAY_ENCRYPTION_KEY (so rotating that key ends sessions).
    /// Every instance sharing a database needs the same one.
    #[arg(long, env = "PATCHBAY_SESSION_KEY", hide_env_values = true, value_parser = parse_session_key)]
    pub session_key: Option<SessionKey>,
    /// The longest a request may take before the gateway answers 504 REQUEST_TIMEOUT.
    #[arg(long, env = "PATCHBAY_REQUEST_TIMEOUT_SECS", default_value_t = 60)]
    pub request_timeout_secs: u64,
    /// Our own API's rate limit per secret key (and per session's connection): `100/s`,
    /// `100/s burst 200`, or `off`. Over it: 429 RATE_LIMITED with Retry-After.
    #[arg(long, env = "PATCHBAY_API_RATE_LIMIT", default_value = "off")]
    pub api_rate_limit: RateLimit,
    /// Browser origins allowed to call the session routes (/v1/s/...): `*` (any; session
    /// tokens are headers, never cookies), a comma-separated list of origins, or `none`.
    #[arg(long, env = "PATCHBAY_CORS_ALLOWED_ORIGINS", default_value = "*")]
    pub cors_allowed_origins: CorsOrigins,
    /// Threads serving HTTP connections, each a single-threaded runtime serving its
    /// connections start to end (the fewest-loaded takes each new one); 0 serves them on
    /// the shared work-stealing runtime instead. Default: one per core.
    #[arg(long, env = "PATCHBAY_HTTP_WORKERS", default_value_t = default_http_workers())]
    pub http_workers: usize,
    /// Serves the proxy's calls with hyper's HTTP/1.1, as every other request is, rather
    /// than the gateway's own, which costs a proxied call less (`bench/proxy.sh` measures
    /// both).
    #[arg(long, env = "PATCHBAY_NO_DIRECT_HTTP1")]
    pub no_direct_http1: bool,
    /// First look: run against an in-process Dialpad sandbox, with a demo tenant and an
    /// authorized `dialpad`/`demo` connection. Without PATCHBAY_ENCRYPTION_KEY, a
    /// development key is kept in --dev-key-file.
    #[arg(long)]
    pub sandbox: bool,
    /// Where `--sandbox` keeps its development encryption key.
    #[arg(
        long,
        env = "PATCHBAY_DEV_KEY_FILE",
        default_value = ".patchbay-dev-key"
    )]
    pub dev_key_file: PathBuf,
    /// Webhook delivery in development mode: endpoint URLs may be `http` and deliveries may
    /// reach private and loopback addresses (always so with --sandbox).
    #[arg(long, env = "PATCHBAY_WEBHOOK_DEV")]
    pub webhook_dev: bool,
    /// The webhook retry schedule: waits before each retry, in milliseconds, comma-separated
    /// (default: Svix's 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h).
    #[arg(
        long,
        env = "PATCHBAY_WEBHOOK_RETRY_SCHEDULE_MS",
        value_delimiter = ','
    )]
    pub webhook_retry_schedule_ms: Option<Vec<u64>>,
    /// How long a worker's claim on a delivery lasts, in milliseconds (default 60000); a
    /// delivery claimed by an instance that died is retried after it.
    #[arg(long, env = "PATCHBAY_WEBHOOK_LEASE_MS")]
    pub webhook_lease_ms: Option<u64>,
    /// Deliveries in flight to one endpoint from this instance, at most (default 32).
    #[arg(long, env = "PATCHBAY_WEBHOOK_ENDPOINT_CONCURRENCY")]
    pub webhook_endpoint_concurrency: Option<usize>,
    /// How often the poller reads what Dialpad does not push, in seconds (default: off).
    #[arg(long, env = "PATCHBAY_WEBHOOK_POLL_INTERVAL_SECS")]
    pub webhook_poll_interval_secs: Option<u64>,
}

fn default_http_workers() -> usize {
    match HttpWorkers::per_core() {
        HttpWorkers::Dedicated(count) => count,
        HttpWorkers::Shared => 0,
    }
}

impl ServeArgs {
    /// The webhook settings these arguments ask for.
    pub fn webhooks(&self) -> WebhooksConfig {
        let mut config = if self.sandbox || self.webhook_dev {
            WebhooksConfig::development()
        } else {
            WebhooksConfig::default()
        };
        if let Some(schedule) = &self.webhook_retry_schedule_ms {
            config.retry_schedule = schedule
                .iter()
                .copied()
                .map(Duration::from_millis)
                .collect();
        }
        if let Some(ms) = self.webhook_lease_ms {
            config.lease = Duration::from_millis(ms.max(1000));
        }
        if let Some(n) = self.webhook_endpoint_concurrency {
            config.per_endpoint_concurrency = n.max(1);
        }
        config.poll_interval = self
            .webhook_poll_interval_secs
            .map(|s| Duration::from_secs(s.max(1)));
        config
    }
}

pub async fn run(args: ServeArgs) -> Result<(), CliError> {
    let keyring = if args.sandbox && crate::config::setting(ENCRYPTION_KEY_VAR).is_none() {
        dev_keyring(&args.dev_key_file)?
    } else {
        keyring_from_env()?
    };
    let sandbox = if args.sandbox {
        let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
        Some(
            Sandbox::start(SandboxConfig::default(), addr)
                .await
                .map_err(|source| CliError::Listen { addr, source })?,
        )
    } else {
        None
    };
    let dialpad_base_url = match &sandbox {
        Some(s) => s
            .url()
            .parse()
            .map_err(|e| CliError::Serve(format!("sandbox URL: {e}")))?,
        None => args.dialpad_base_url.clone(),
    };
    let dialpad_app = match (&args.dialpad_client_id, &args.dialpad_client_secret) {
        (Some(client_id), Some(client_secret)) => DialpadApp::Credentials {
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
        },
        // The sandbox gets an app of its own, with the consent page an end user would see.
        _ if args.sandbox => DialpadApp::RegisterWithSandbox { consent: true },
        _ => DialpadApp::None,
    };
    let gateway = start(GatewayOptions {
        listen: args.listen,
        database_url: args.database.database.clone(),
        keyring,
        dialpad_base_url,
        public_url: args.public_url.clone(),
        max_body_bytes: args.max_body_bytes,
        reports: ReportsConfig::default(),
        onboarding: Onboarding {
            dialpad_app,
            session_key: args.session_key.clone(),
        },
        hardening: Hardening {
            request_timeout: Duration::from_secs(args.request_timeout_secs.max(1)),
            api_rate_limit: args.api_rate_limit.0,
            cors_origins: args.cors_allowed_origins.clone(),
        },
        proxy: ProxyConfig {
            max_body_bytes: args.proxy_max_body_bytes,
            limiter: !args.no_rate_limiter,
            max_queue_wait: Duration::from_millis(args.rate_limit_max_wait_ms),
            ..ProxyConfig::default()
        },
        webhooks: args.webhooks(),
        http_workers: HttpWorkers::from_count(args.http_workers),
        direct_http1: !args.no_direct_http1,
    })
    .await
    .map_err(|e| CliError::Serve(super::error_chain(&e)))?;
    tracing::info!(url = %gateway.url(), database = %args.database.redacted(), "gateway ready");
    match &sandbox {
        Some(sandbox) => {
            let demo = demo(&gateway, sandbox).await?;
            print_demo(&gateway, sandbox, &demo)?;
        }
        None => print_ready(&ReadyLine {
            ready: true,
            url: gateway.url(),
            sandbox_url: None,
            tenant_id: None,
            publishable_key: None,
            secret_key: None,
            connection: None,
            connect_url: None,
        })?,
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    gateway.shutdown(SHUTDOWN_GRACE).await?;
    if let Some(sandbox) = sandbox {
        sandbox.shutdown().await?;
    }
    Ok(())
}

fn parse_secret(value: &str) -> Result<Secret, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("the client secret is empty".into());
    }
    Ok(Secret::new(value))
}

fn parse_session_key(value: &str) -> Result<SessionKey, String> {
    SessionKey::parse(value).map_err(|e| e.to_string())
}

/// The development keyring of `--sandbox`: read from `path`, or made and saved there
/// (mode 0600) on first use.
fn dev_keyring(path: &PathBuf) -> Result<Keyring, CliError> {
    let spec = match std::fs::read_to_string(path) {
        Ok(spec) => spec,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let spec = Keyring::generate("dev1");
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path)?;
            writeln!(file, "{spec}")?;
            spec
        }
        Err(e) => return Err(e.into()),
    };
    tracing::warn!(
        file = %path.display(),
        "using a development encryption key; set {ENCRYPTION_KEY_VAR} outside a first look"
    );
    Ok(keyring_from(Some(spec.trim()))?)
}

struct Demo {
    tenant_id: String,
    publishable_key: String,
    secret_key: Secret,
    /// The Connect page of the `dialpad`/`oauth-demo` connection, for a first OAuth try.
    connect_url: Option<String>,
}

/// The demo tenant (reused across runs, with a fresh secret key each run since keys are
/// shown once) and its `dialpad`/`demo` connection over the sandbox's admin API key.
async fn demo(gateway: &RunningGateway, sandbox: &Sandbox) -> Result<Demo, CliError> {
    let state = gateway.state();
    let store: &Store = &state.store;
    let (tenant, secret) = match store.tenant_by_name(DEMO_TENANT).await? {
        Some(tenant) => {
            for key in store.list_secret_keys(&tenant.id).await? {
                if key.revoked_at.is_none() {
                    store.revoke_secret_key(&tenant.id, &key.id).await?;
                }
            }
            let key = store
                .create_secret_key(&tenant.id, Some("serve --sandbox"))
                .await?;
            (tenant, key)
        }
        None => store.create_tenant(DEMO_TENANT).await?,
    };
    state.auth.invalidate_all();
    let operations: Vec<Operation> = state
        .connectors
        .get("dialpad")
        .map(|c: &std::sync::Arc<dyn Connector>| c.descriptor().operations.to_vec())
        .unwrap_or_default();
    let (connection, _) = store
        .upsert_connection(&tenant.id, "dialpad", DEMO_OWNER, &operations)
        .await?;
    let credentials = Credentials::ApiKey {
        api_key: Secret::new(sandbox.info().api_key),
    };
    store
        .set_credentials(
            &connection.id,
            Some(&credentials),
            ConnectionStatus::Authorized,
        )
        .await?;
    state
        .connections
        .invalidate(&tenant.id, "dialpad", DEMO_OWNER)
        .await;
    let connect_url = connect_demo(state, &tenant.id, &operations).await?;
    Ok(Demo {
        tenant_id: tenant.id.to_string(),
        publishable_key: tenant.publishable_key,
        secret_key: secret.secret,
        connect_url,
    })
}

/// A `dialpad`/`oauth-demo` connection to authorize through the Connect page, and a
/// 24-hour session for it; `None` without an OAuth app.
async fn connect_demo(
    state: &crate::app::AppState,
    tenant: &crate::store::TenantId,
    operations: &[Operation],
) -> Result<Option<String>, CliError> {
    if state
        .connectors
        .get("dialpad")
        .and_then(|c| c.oauth())
        .is_none()
    {
        return Ok(None);
    }
    let connection = match state
        .store
        .connection(tenant, "dialpad", OAUTH_DEMO_OWNER)
        .await?
    {
        Some(c) => c,
        None => {
            state
                .store
                .upsert_connection(tenant, "dialpad", OAUTH_DEMO_OWNER, operations)
                .await?
                .0
        }
    };
    let (token, _) = crate::http::sessions::issue_for(
        state,
        &connection,
        connection.operations.clone(),
        MAX_TTL_SECS,
    );
    let mut url = url::Url::parse(&format!("{}/connect", state.config.public_url))
        .map_err(|e| CliError::Serve(format!("public URL: {e}")))?;
    url.query_pairs_mut().append_pair("session", &token);
    Ok(Some(url.into()))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReadyLine {
    ready: bool,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    sandbox_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tenant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    publishable_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    connection: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    connect_url: Option<String>,
}

fn print_ready(line: &ReadyLine) -> Result<(), CliError> {
    let text = serde_json::to_string(line).map_err(std::io::Error::other)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()?;
    Ok(())
}

fn print_demo(gateway: &RunningGateway, sandbox: &Sandbox, demo: &Demo) -> Result<(), CliError> {
    let url = gateway.url();
    let sk = demo.secret_key.expose();
    let auth = format!(
        "-H 'Authorization: Bearer {sk}' -H 'x-connector-id: dialpad' -H 'x-owner-id: {DEMO_OWNER}'"
    );
    let text = format!(
        "\nPatchbay is running at {url} against a Dialpad sandbox at {sandbox_url}.\n\
         \n\
         Tenant          {tenant}\n\
         Publishable key {pk}\n\
         Secret key      {sk}   (shown once; a new one is made on each start)\n\
         Connection      dialpad / {DEMO_OWNER} (authorized)\n\
         API reference   {url}/docs\n\
         {connect}\
         \n\
         List contacts:\n  curl -s '{url}/v1/resources/genericContact?limit=5' {auth}\n\
         \n\
         Create a contact:\n  curl -s -X POST '{url}/v1/resources/genericContact' {auth} \
         -H 'Content-Type: application/json' \
         -d '{{\"firstName\":\"Ada\",\"lastName\":\"Lovelace\",\"email\":\"ada@example.com\"}}'\n\
         \n\
         List calls:\n  curl -s '{url}/v1/resources/telephonyCall?limit=5' {auth}\n",
        sandbox_url = sandbox.url(),
        tenant = demo.tenant_id,
        pk = demo.publishable_key,
        connect = demo.connect_url.as_ref().map_or_else(String::new, |u| format!(
            "\nOAuth onboarding: the Connect page of dialpad / {OAUTH_DEMO_OWNER} (open it in a \
             browser; valid 24 hours):\n  {u}\n"
        )),
    );
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{text}")?;
    }
    print_ready(&ReadyLine {
        ready: true,
        url,
        sandbox_url: Some(sandbox.url()),
        tenant_id: Some(demo.tenant_id.clone()),
        publishable_key: Some(demo.publishable_key.clone()),
        secret_key: Some(sk.to_owned()),
        connection: Some(serde_json::json!({"connectorId": "dialpad", "ownerId": DEMO_OWNER})),
        connect_url: demo.connect_url.clone(),
    })
}
