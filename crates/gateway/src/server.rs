//! Starting a gateway: open and migrate the database, build the connectors and the shared
//! state, bind, and serve in the background with the stats poller beside it. Used by
//! `patchbay serve` and by the tests, so both run exactly the same thing.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use patchbay_core::Connector;
use patchbay_dialpad::{DialpadConfig, DialpadConnector};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::app::{AppConfig, AppState, Application};
use crate::crypto::Keyring;
use crate::registry::Connectors;
use crate::reports::{Reports, ReportsConfig, poller};
use crate::store::{Store, StoreError};

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
}

/// A gateway serving in the background.
#[derive(Debug)]
pub struct RunningGateway {
    addr: SocketAddr,
    state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    poller: JoinHandle<()>,
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

    /// Stops accepting, lets in-flight requests finish (up to `grace`), and returns.
    pub async fn shutdown(mut self, grace: Duration) -> std::io::Result<()> {
        // A job the poller held mid-step is taken over once its lease ends.
        self.poller.abort();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match tokio::time::timeout(grace, &mut self.task).await {
            Ok(joined) => joined.map_err(std::io::Error::other)?,
            Err(_) => {
                self.task.abort();
                Ok(())
            }
        }
    }

    /// Waits until the server stops by itself (it only does on an accept failure).
    pub async fn wait(&mut self) -> std::io::Result<()> {
        (&mut self.task).await.map_err(std::io::Error::other)?
    }

    /// Asks the server to stop accepting (see [`RunningGateway::shutdown`]).
    pub fn stop(&mut self) {
        self.poller.abort();
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
    let dialpad = DialpadConnector::new(DialpadConfig {
        base_url: options.dialpad_base_url.clone(),
        ..DialpadConfig::default()
    })
    .map_err(|e| StartError::Connector(e.to_string()))?;
    let reports = Reports::new(dialpad.clone(), options.reports.clone());
    let connectors = Connectors::new([Arc::new(dialpad) as Arc<dyn Connector>]);
    let cursor_key = options.keyring.derive_key(b"patchbay/cursors/v1");
    let listener_addr = options.listen;
    let mut config = AppConfig {
        max_body_bytes: options.max_body_bytes,
        ..AppConfig::default()
    };
    // The public URL defaults to the bound address, known only after binding.
    let placeholder = AppState::new(
        store.clone(),
        connectors.clone(),
        reports.clone(),
        cursor_key,
        config.clone(),
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
    let poller = poller::spawn(store.clone(), reports.clone());
    let state = AppState::new(store, connectors, reports, cursor_key, config);
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
    })
}
