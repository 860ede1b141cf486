//! Starting a gateway: open and migrate the database, build the connectors and the shared
//! state, bind, and serve in the background with the stats poller beside it. Used by
//! `patchbay serve` and by the tests, so both run exactly the same thing.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use patchbay_core::{Connector, Secret};
use patchbay_dialpad::{DialpadConfig, DialpadConnector, OAuthApp};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::app::{AppConfig, AppState, Application};
use crate::crypto::Keyring;
use crate::http::limits::Hardening;
use crate::http::oauth::CALLBACK_PATH;
use crate::metrics::Metrics;
use crate::registry::Connectors;
use crate::reports::{Reports, ReportsConfig, poller};
use crate::sessions::{DERIVATION_CONTEXT, SessionKey};
use crate::store::{Store, StoreError};
use crate::webhooks::{Webhooks, WebhooksConfig};

/// What a gateway needs to start.
#[derive(Debug, Clone)]
pub struct GatewayOptions {
    /// Where to listen (port 0: any free port).
    pub listen: SocketAddr,
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// The encryption keyring.
    pub keyring: Keyring,
    /// Dialpad's base URL (the sandbox's in sandbox mode).
    pub dialpad_base_url: url::Url,
    /// The gateway's public URL; `http://{listen}` when `None`.
    pub public_url: Option<String>,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Stats-job timing (poll delays, cache windows, clock).
    pub reports: ReportsConfig,
    /// OAuth onboarding and sessions.
    pub onboarding: Onboarding,
    /// Request timeout, our own API's rate limit, CORS.
    pub hardening: Hardening,
    /// The raw proxy and the rate limiter (Dialpad's base URL is added as its upstream).
    pub proxy: crate::proxy::ProxyConfig,
    /// Webhook delivery (retry schedule, timeouts, SSRF policy, workers).
    pub webhooks: WebhooksConfig,
    /// Which threads serve HTTP connections (one per core by default).
    pub http_workers: crate::serving::HttpWorkers,
    /// Whether the proxy's calls are served by the gateway's own HTTP/1.1
    /// (`serving::direct`) rather than hyper's, as every other request is.
    pub direct_http1: bool,
}

/// How the gateway onboards end users: its Dialpad OAuth app and its session key.
#[derive(Debug, Clone, Default)]
pub struct Onboarding {
    /// Dialpad's OAuth app.
    pub dialpad_app: DialpadApp,
    /// The key session tokens are signed with; derived from the keyring
    /// ([`crate::sessions::DERIVATION_CONTEXT`]) when `None`. Every instance sharing a
    /// database must use the same one.
    pub session_key: Option<SessionKey>,
}

/// Which OAuth app the gateway uses at Dialpad.
#[derive(Debug, Clone, Default)]
pub enum DialpadApp {
    /// None: connections bring their own credentials; authorization answers 501.
    #[default]
    None,
    /// A registered app (`PATCHBAY_DIALPAD_CLIENT_ID`, `PATCHBAY_DIALPAD_CLIENT_SECRET`),
    /// whose redirect URI is the public URL plus `/v1/oauth/callback`.
    Credentials {
        /// The client id.
        client_id: String,
        /// The client secret.
        client_secret: Secret,
    },
    /// Registers a new app with the Dialpad sandbox at `dialpad_base_url` once the public
    /// URL is known (`serve --sandbox`, tests); `consent` shows the sandbox's consent page.
    RegisterWithSandbox {
        /// Whether the sandbox asks the user to Allow or Deny.
        consent: bool,
    },
}

/// Why a gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The listener could not bind.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The Dialpad connector could not be built.
    #[error("cannot build the Dialpad connector: {0}")]
    Connector(String),
    /// The OAuth app could not be registered with the sandbox.
    #[error("cannot register an OAuth app with the Dialpad sandbox: {0}")]
    Register(String),
}

/// A gateway serving in the background.
#[derive(Debug)]
pub struct RunningGateway {
    addr: SocketAddr,
    state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    poller: JoinHandle<()>,
    /// The delivery worker (when this instance runs one).
    worker: Option<crate::webhooks::worker::Worker>,
    /// The ingest committer and the background loops (reconcile, poll, sweep).
    webhook_tasks: Vec<JoinHandle<()>>,
}

impl RunningGateway {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://{addr}`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The shared state (its store, caches, connectors).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Graceful stop, within `grace` in all: stops accepting and lets in-flight requests
    /// finish; then stops claiming webhook deliveries, lets the ones being sent finish and
    /// be recorded, and hands back any still held so another instance sends them at once.
    pub async fn shutdown(mut self, grace: Duration) -> std::io::Result<()> {
        let deadline = tokio::time::Instant::now() + grace;
        // A job the poller held mid-step is taken over once its lease ends.
        self.poller.abort();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let served = match tokio::time::timeout_at(deadline, &mut self.task).await {
            Ok(joined) => joined.map_err(std::io::Error::other).and_then(|r| r),
            Err(_) => {
                tracing::warn!("requests still running at the end of the shutdown grace");
                self.task.abort();
                Ok(())
            }
        };
        // Ingress is closed: the committer and background loops have nothing left to do.
        let webhooks = self.state.webhooks.clone();
        webhooks.begin_shutdown();
        self.state.heartbeats.unregister(DELIVERY_WORKER);
        if let Some(mut worker) = self.worker.take() {
            if tokio::time::timeout_at(deadline, &mut worker.writer)
                .await
                .is_err()
            {
                tracing::warn!("webhook deliveries still running at the end of the shutdown grace");
            }
            worker.claimer.abort();
            worker.writer.abort();
            match self
                .state
                .store
                .release_instance_claims(webhooks.instance_id())
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(released = n, "handed back unfinished webhook deliveries"),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot hand back webhook deliveries; their leases will expire");
                }
            }
        }
        self.webhook_tasks.iter().for_each(JoinHandle::abort);
        served
    }

    /// Waits until the server stops by itself (it only does on an accept failure).
    pub async fn wait(&mut self) -> std::io::Result<()> {
        (&mut self.task).await.map_err(std::io::Error::other)?
    }

    /// Asks the server to stop accepting (see [`RunningGateway::shutdown`]).
    pub fn stop(&mut self) {
        self.poller.abort();
        if let Some(worker) = &self.worker {
            worker.claimer.abort();
            worker.writer.abort();
        }
        self.webhook_tasks.iter().for_each(JoinHandle::abort);
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Opens the database, applies migrations, and serves.
pub async fn start(options: GatewayOptions) -> Result<RunningGateway, StartError> {
    let store = Store::open(&options.database_url, options.keyring.clone()).await?;
    store.migrate().await?;
    start_with_store(store, options).await
}

/// Serves over an opened, migrated `store`.
pub async fn start_with_store(
    store: Store,
    options: GatewayOptions,
) -> Result<RunningGateway, StartError> {
    // Reports call Dialpad with each connection's credentials; they need no OAuth app.
    let metrics = Metrics::new();
    let reports_connector = DialpadConnector::new(DialpadConfig {
        base_url: options.dialpad_base_url.clone(),
        ..DialpadConfig::default()
    })
    .map_err(|e| StartError::Connector(e.to_string()))?
    .with_observer(Arc::new(metrics.upstream_observer("dialpad")));
    let webhooks = Webhooks::new(options.webhooks.clone(), reports_connector.clone())
        .map_err(|e| StartError::Connector(e.to_string()))?;
    let reports = Reports::new(reports_connector, options.reports.clone());
    let cursor_key = options.keyring.derive_key(b"patchbay/cursors/v1");
    let listener_addr = options.listen;
    let mut config = AppConfig {
        max_body_bytes: options.max_body_bytes,
        hardening: options.hardening.clone(),
        session_key: options.onboarding.session_key.clone().unwrap_or_else(|| {
            SessionKey::from_bytes(options.keyring.derive_key(DERIVATION_CONTEXT))
        }),
        proxy: options
            .proxy
            .clone()
            .with_upstream("dialpad", &options.dialpad_base_url),
        http_workers: options.http_workers,
        direct_http1: options.direct_http1,
        ..AppConfig::default()
    };
    // The public URL defaults to the bound address, known only after binding; the OAuth
    // app's redirect URI is made from it, so connectors are built after binding too.
    let placeholder = AppState::new(
        store.clone(),
        Connectors::default(),
        reports.clone(),
        cursor_key,
        config.clone(),
        webhooks.clone(),
    );
    let app = Application::bind(placeholder, listener_addr)
        .await
        .map_err(|source| StartError::Listen {
            addr: listener_addr,
            source,
        })?;
    let addr = app.local_addr().map_err(|source| StartError::Listen {
        addr: listener_addr,
        source,
    })?;
    config.public_url = options
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"))
        .trim_end_matches('/')
        .to_owned();
    let connectors = connectors(&options, &config.public_url, &metrics).await?;
    let state = AppState::with_metrics(
        store.clone(),
        connectors,
        reports.clone(),
        cursor_key,
        config,
        webhooks,
        metrics,
    );
    let poller = poller::spawn(
        store,
        reports.clone(),
        state.proxy.limiter.clone(),
        state
            .heartbeats
            .register("reports-poller", poller_max_silence(&reports)),
    );
    state.webhooks.set_metrics(state.metrics.clone());
    let (worker, webhook_tasks) = if options.webhooks.workers {
        let heartbeat = state.heartbeats.register(
            DELIVERY_WORKER,
            (options.webhooks.tick * 100).max(Duration::from_secs(60)),
        );
        let worker =
            crate::webhooks::worker::spawn(state.store.clone(), state.webhooks.clone(), heartbeat);
        let mut tasks = vec![state.webhooks.start_committer(state.store.clone())];
        tasks.extend(crate::webhooks::pump::spawn(state.clone()));
        (Some(worker), tasks)
    } else {
        (None, Vec::new())
    };
    let app = app.with_state(state.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(app.serve(async move {
        let _ = stopped.await;
    }));
    Ok(RunningGateway {
        addr,
        state,
        stop: Some(stop),
        task,
        poller,
        worker,
        webhook_tasks,
    })
}

/// The delivery worker's name in `/readyz`.
const DELIVERY_WORKER: &str = "webhook-deliveries";

/// How long the stats poller may go without finishing a round before readiness fails: a
/// round reads at most a few jobs, each bounded by the Dialpad client's timeouts.
fn poller_max_silence(reports: &Reports) -> Duration {
    (reports.config.tick * 10).max(Duration::from_secs(300))
}

/// The served connectors, Dialpad's with its OAuth app when there is one.
async fn connectors(
    options: &GatewayOptions,
    public_url: &str,
    metrics: &Metrics,
) -> Result<Connectors, StartError> {
    let mut dialpad = DialpadConnector::new(DialpadConfig {
        base_url: options.dialpad_base_url.clone(),
        ..DialpadConfig::default()
    })
    .map_err(|e| StartError::Connector(e.to_string()))?
    .with_observer(Arc::new(metrics.upstream_observer("dialpad")));
    let redirect_uri: url::Url = format!("{public_url}{CALLBACK_PATH}")
        .parse()
        .map_err(|e| StartError::Connector(format!("the public URL {public_url}: {e}")))?;
    let app = match &options.onboarding.dialpad_app {
        DialpadApp::None => None,
        DialpadApp::Credentials {
            client_id,
            client_secret,
        } => Some(OAuthApp {
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
            redirect_uri,
        }),
        DialpadApp::RegisterWithSandbox { consent } => {
            Some(register_with_sandbox(&options.dialpad_base_url, redirect_uri, *consent).await?)
        }
    };
    if let Some(app) = app {
        tracing::info!(client_id = %app.client_id, redirect_uri = %app.redirect_uri, "OAuth onboarding enabled");
        dialpad = dialpad.with_oauth(app);
    }
    Ok(Connectors::new([Arc::new(dialpad) as Arc<dyn Connector>]))
}

/// Registers an OAuth app for `redirect_uri` with the sandbox's control API.
async fn register_with_sandbox(
    sandbox: &url::Url,
    redirect_uri: url::Url,
    consent: bool,
) -> Result<OAuthApp, StartError> {
    #[derive(serde::Deserialize)]
    struct Registered {
        client_id: String,
        client_secret: String,
    }
    let fail = |e: &dyn std::fmt::Display| StartError::Register(e.to_string());
    let url = sandbox.join("_sandbox/apps").map_err(|e| fail(&e))?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| fail(&e))?;
    let answer = http
        .post(url)
        .json(&serde_json::json!({
            "name": "Patchbay",
            "redirect_uris": [redirect_uri.as_str()],
            "consent": consent,
        }))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| fail(&e.without_url()))?;
    let registered: Registered = answer.json().await.map_err(|e| fail(&e.without_url()))?;
    Ok(OAuthApp {
        client_id: registered.client_id,
        client_secret: Secret::new(registered.client_secret),
        redirect_uri,
    })
}
