//! A faithful local Dialpad API v2: OAuth, the API, events, rate limits and faults,
//! built from Dialpad's own OpenAPI document. Every Patchbay test, demo and benchmark
//! runs against it. Use [`Sandbox::start`] in-process, or `patchbay dialpad-sandbox`.

pub mod api;
pub mod auth;
pub mod config;
pub mod control;
pub mod counters;
pub mod error;
pub mod events;
pub mod faults;
pub mod ids;
pub mod oauth;
pub mod page;
pub mod probe;
pub mod ratelimit;
pub mod seed;
pub mod state;
pub mod stats;
pub mod world;

use std::net::SocketAddr;

use axum::Router;
use axum::middleware;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::SandboxConfig;
pub use state::AppState;

/// Builds the whole sandbox router (Dialpad's routes and `/_sandbox/` control).
pub fn app(state: AppState) -> Router {
    // Faults and counters wrap Dialpad's routes only, not the control API.
    let dialpad = Router::new()
        .merge(api::routes())
        .merge(events::routes())
        .merge(stats::routes())
        .merge(oauth::routes())
        .fallback(api::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), faults::layer));
    Router::new()
        .nest("/_sandbox", control::routes())
        .merge(dialpad)
        .with_state(state)
}

/// What the sandbox prints once it accepts connections, and what tests read. Its
/// `Debug` hides the credentials; serialise it to see them.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadyInfo {
    pub ready: bool,
    pub url: String,
    pub company_id: String,
    /// A company admin API key of the first company.
    pub api_key: String,
    pub oauth_client_id: String,
    pub oauth_client_secret: String,
    /// Every seeded company with its admin API key.
    pub companies: Vec<CompanyKey>,
}

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanyKey {
    pub company_id: String,
    pub admin_user_id: String,
    pub api_key: String,
}

impl std::fmt::Debug for ReadyInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadyInfo")
            .field("url", &self.url)
            .field("company_id", &self.company_id)
            .field("oauth_client_id", &self.oauth_client_id)
            .field("companies", &self.companies)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for CompanyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompanyKey")
            .field("company_id", &self.company_id)
            .field("admin_user_id", &self.admin_user_id)
            .finish_non_exhaustive()
    }
}

/// A running sandbox. Dropping it stops the server and its background work (live
/// calls, webhook deliveries).
#[derive(Debug)]
pub struct Sandbox {
    state: AppState,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Sandbox {
    /// Binds `listen` (port 0 picks one), seeds the data and starts serving.
    pub async fn start(config: SandboxConfig, listen: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        // Seeding is CPU-bound (seconds at large sizes): keep it off the async workers.
        let state = tokio::task::spawn_blocking(move || AppState::new(config))
            .await
            .map_err(std::io::Error::other)??;
        *state.base_url.write() = format!("http://{addr}");
        let router = app(state.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
        });
        Ok(Self {
            state,
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// Starts on an ephemeral loopback port with the given configuration.
    pub async fn start_local(config: SandboxConfig) -> std::io::Result<Self> {
        Self::start(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn info(&self) -> ReadyInfo {
        ready_info(&self.state)
    }

    /// Stops accepting, lets in-flight requests finish, waits for the server, then
    /// ends every live call and drops every pending webhook delivery.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let served = match self.task.take() {
            Some(task) => task.await.unwrap_or(Ok(())),
            None => Ok(()),
        };
        self.state.close();
        served
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        self.state.close();
    }
}

/// The ready line's content for a running state.
pub fn ready_info(state: &AppState) -> ReadyInfo {
    let keys = state.seeded_keys();
    let app = state.seeded_app();
    let first = keys.first();
    ReadyInfo {
        ready: true,
        url: state.base_url(),
        company_id: first.map(|k| k.company_id.to_string()).unwrap_or_default(),
        api_key: first.map(|k| k.api_key.clone()).unwrap_or_default(),
        oauth_client_id: app.client_id,
        oauth_client_secret: app.client_secret,
        companies: keys
            .iter()
            .map(|k| CompanyKey {
                company_id: k.company_id.to_string(),
                admin_user_id: k.user_id.to_string(),
                api_key: k.api_key.clone(),
            })
            .collect(),
    }
}
