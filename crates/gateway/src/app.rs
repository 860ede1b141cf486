//! The application: shared state (`AppState`, cheap to clone), the router over it, and
//! `Application`, which binds a listener first so callers (the CLI, tests) learn the real
//! port before serving.

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::auth::Authenticator;
use crate::connections::ConnectionCache;
use crate::health::Heartbeats;
use crate::http::limits::{ApiLimiter, Hardening};
use crate::metrics::Metrics;
use crate::proxy::{Proxy, ProxyConfig};
use crate::registry::Connectors;
use crate::reports::Reports;
use crate::serving::HttpWorkers;
use crate::sessions::SessionKey;
use crate::store::Store;
use crate::tokens::TokenManager;
use crate::unified::cursor::CursorSeal;
use crate::unified::custom::CustomFieldCache;
use crate::webhooks::Webhooks;

/// Settings the HTTP layer reads.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The gateway's public base URL (for links and OAuth redirects), no trailing slash.
    pub public_url: String,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Signs session tokens (random by default: sessions then die with the process).
    pub session_key: SessionKey,
    /// Request timeout, our own API's rate limit, CORS.
    pub hardening: Hardening,
    /// The raw proxy and the rate limiter.
    pub proxy: ProxyConfig,
    /// Which threads serve connections.
    pub http_workers: HttpWorkers,
    /// The proxy's calls served by the gateway's own HTTP/1.1 (`serving::direct`), not
    /// hyper's.
    pub direct_http1: bool,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            max_body_bytes: 1024 * 1024,
            session_key: SessionKey::default(),
            hardening: Hardening::default(),
            proxy: ProxyConfig::default(),
            http_workers: HttpWorkers::default(),
            direct_http1: true,
        }
    }
}

/// What every handler shares.
#[derive(Debug)]
pub struct AppInner {
    /// The database.
    pub store: Store,
    /// The served connectors.
    pub connectors: Connectors,
    /// Tenant key checks (cached).
    pub auth: Authenticator,
    /// Connection reads (cached).
    pub connections: ConnectionCache,
    /// Custom-field declarations (cached).
    pub custom_fields: CustomFieldCache,
    /// Cursor sealing.
    pub cursors: CursorSeal,
    /// Dialpad reports (stats jobs, call-center reports) and their timing.
    pub reports: Reports,
    /// Credentials for connector calls, refreshed as needed.
    pub tokens: TokenManager,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// The background workers' progress, for `/readyz`.
    pub heartbeats: Heartbeats,
    /// Our own API's per-key rate limit.
    pub api_limiter: ApiLimiter,
    /// The raw proxy's client, and the rate limiter unified calls share.
    pub proxy: Proxy,
    /// Webhook delivery and Dialpad's event side.
    pub webhooks: Webhooks,
    /// Settings.
    pub config: AppConfig,
}

/// The shared state; clones share everything.
#[derive(Debug, Clone)]
pub struct AppState(Arc<AppInner>);

impl Deref for AppState {
    type Target = AppInner;

    fn deref(&self) -> &AppInner {
        &self.0
    }
}

impl AppState {
    /// State over an opened, migrated `store`. `cursor_key` must be the same on every
    /// instance sharing the database.
    pub fn new(
        store: Store,
        connectors: Connectors,
        reports: Reports,
        cursor_key: [u8; 32],
        config: AppConfig,
        webhooks: Webhooks,
    ) -> Self {
        Self::with_metrics(
            store,
            connectors,
            reports,
            cursor_key,
            config,
            webhooks,
            Metrics::new(),
        )
    }

    /// [`AppState::new`] recording into `metrics` (which the connectors may share).
    pub fn with_metrics(
        store: Store,
        connectors: Connectors,
        reports: Reports,
        cursor_key: [u8; 32],
        config: AppConfig,
        webhooks: Webhooks,
        metrics: Metrics,
    ) -> Self {
        let connections = ConnectionCache::new(store.clone());
        Self(Arc::new(AppInner {
            auth: Authenticator::new(store.clone()),
            tokens: TokenManager::new(store.clone(), connectors.clone(), connections.clone())
                .with_metrics(metrics.clone()),
            metrics: metrics.clone(),
            heartbeats: Heartbeats::default(),
            api_limiter: ApiLimiter::new(config.hardening.api_rate_limit),
            connections,
            custom_fields: CustomFieldCache::new(store.clone()),
            proxy: Proxy::new(config.proxy.clone(), metrics),
            cursors: CursorSeal::new(cursor_key),
            store,
            connectors,
            reports,
            config,
            webhooks,
        }))
    }
}

/// A bound, not yet serving, gateway.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Binds `addr` (port 0 picks a free port); serves the routes over `state`.
    pub async fn bind(state: AppState, addr: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        Ok(Self { listener, state })
    }

    /// Replaces the state (settings known only once bound, such as the public URL).
    #[must_use]
    pub fn with_state(self, state: AppState) -> Self {
        Self {
            listener: self.listener,
            state,
        }
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let workers = self.state.config.http_workers;
        let direct: Option<crate::serving::Accepts> = self
            .state
            .config
            .direct_http1
            .then_some(crate::http::proxy::is_proxied);
        // The request timeout of the calls it serves, kept by that server.
        let bound = direct.map(|_| crate::http::proxy::call_bound(&self.state));
        crate::serving::serve(
            self.listener,
            crate::http::router(self.state),
            workers,
            // The proxy's calls: served by the gateway's own HTTP/1.1 (`serving::direct`).
            direct,
            bound,
            shutdown,
        )
        .await
    }
}
