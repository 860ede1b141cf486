//! Webhooks: customers' endpoints ([`endpoints`]), the transactional outbox ([`outbox`]) and
//! its delivery workers ([`worker`]), Standard Webhooks signing ([`sign`]), the SSRF guard
//! ([`ssrf`]), Dialpad's side (the ingress of its events in [`ingest`], the webhook and
//! subscriptions kept in step in [`reconcile`]) and the background loops ([`pump`]).

pub mod endpoints;
pub mod history;
pub mod ingest;
pub mod outbox;
pub mod poller;
pub mod pump;
pub mod reconcile;
pub mod sign;
pub mod ssrf;
pub mod worker;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use patchbay_dialpad::DialpadConnector;
use tokio::sync::{Notify, Semaphore};

pub use ssrf::PrivateAddresses;

/// How long a Dialpad hook (token, connection, secret) is cached by the ingress.
const HOOK_CACHE_TTL: Duration = Duration::from_secs(10);
/// Events one group commit writes at most.
const COMMIT_BATCH: usize = 256;

/// Svix's schedule: the waits before each retry after a failed attempt.
pub const DEFAULT_SCHEDULE: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];

/// How webhooks are delivered.
#[derive(Debug, Clone)]
pub struct WebhooksConfig {
    /// Waits before each retry; a delivery failing once more than it has entries fails.
    pub retry_schedule: Vec<Duration>,
    /// Each wait is stretched or shrunk by up to this fraction, at random.
    pub jitter: f64,
    /// One attempt's time limit.
    pub timeout: Duration,
    /// How long a claim lasts: a delivery claimed by an instance that died is taken over
    /// after it. Must exceed `timeout`.
    pub lease: Duration,
    /// How often workers look for due deliveries when nothing wakes them.
    pub tick: Duration,
    /// Deliveries in flight to one endpoint from one instance, at most.
    pub per_endpoint_concurrency: usize,
    /// Deliveries in flight from one instance, at most.
    pub max_in_flight: usize,
    /// Whether deliveries may reach private, loopback and link-local addresses.
    pub private_addresses: PrivateAddresses,
    /// Whether endpoint URLs may be plain `http` (development and sandbox mode).
    pub allow_http: bool,
    /// An endpoint whose deliveries have failed, without a success, for this long is
    /// disabled (with an `endpoint::disabled` event).
    pub disable_after: Duration,
    /// How long a rotated-out secret keeps signing.
    pub previous_secret_ttl: Duration,
    /// How often Dialpad's side is reconciled for every connection (changes made through
    /// this instance reconcile at once).
    pub reconcile_interval: Duration,
    /// How often the poller reads what Dialpad does not push (`None`: never).
    pub poll_interval: Option<Duration>,
    /// How long events (with their deliveries and attempts) are kept once nothing is
    /// pending for them; at least 8 days (connection events are looked for 7 days back).
    pub retention: Duration,
    /// Whether this instance runs delivery workers and background loops.
    pub workers: bool,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        Self {
            retry_schedule: DEFAULT_SCHEDULE.to_vec(),
            jitter: 0.2,
            timeout: Duration::from_secs(15),
            lease: Duration::from_secs(60),
            tick: Duration::from_millis(500),
            per_endpoint_concurrency: 32,
            max_in_flight: 256,
            private_addresses: PrivateAddresses::Refuse,
            allow_http: false,
            disable_after: Duration::from_secs(5 * 24 * 3600),
            previous_secret_ttl: Duration::from_secs(24 * 3600),
            reconcile_interval: Duration::from_secs(300),
            poll_interval: None,
            retention: Duration::from_secs(30 * 24 * 3600),
            workers: true,
        }
    }
}

impl WebhooksConfig {
    /// Development and sandbox mode: `http` endpoints and loopback receivers allowed.
    pub fn development() -> Self {
        Self {
            private_addresses: PrivateAddresses::Allow,
            allow_http: true,
            ..Self::default()
        }
    }
}

/// The webhooks service: configuration, the delivery HTTP client, the Dialpad connector
/// that manages Dialpad's side, and what wakes the workers. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Webhooks {
    inner: Arc<Inner>,
}

type CommitRequest = (
    Vec<outbox::NewEvent>,
    tokio::sync::oneshot::Sender<Result<usize, crate::store::StoreError>>,
);

#[derive(Debug)]
struct Inner {
    committer: std::sync::OnceLock<tokio::sync::mpsc::Sender<CommitRequest>>,
    hooks: moka::future::Cache<Vec<u8>, Arc<ingest::HookAuth>>,
    config: WebhooksConfig,
    http: reqwest::Client,
    dialpad: DialpadConnector,
    wake: Notify,
    instance: String,
    caps: Mutex<HashMap<String, Arc<Semaphore>>>,
    reconciling: tokio::sync::Mutex<()>,
    /// Set at shutdown: workers claim nothing more and finish what they hold.
    stopping: std::sync::atomic::AtomicBool,
    metrics: std::sync::OnceLock<crate::metrics::Metrics>,
}

impl Webhooks {
    /// A service delivering as `config` says, managing Dialpad's side with `dialpad`.
    pub fn new(config: WebhooksConfig, dialpad: DialpadConnector) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5).min(config.timeout))
            .timeout(config.timeout)
            .pool_max_idle_per_host(config.per_endpoint_concurrency.max(1))
            .user_agent("Patchbay-Webhooks/1")
            .dns_resolver(Arc::new(ssrf::GuardedResolver {
                policy: config.private_addresses,
            }))
            .build()?;
        Ok(Self {
            inner: Arc::new(Inner {
                committer: std::sync::OnceLock::new(),
                hooks: moka::future::Cache::builder()
                    .max_capacity(10_000)
                    .time_to_live(HOOK_CACHE_TTL)
                    .build(),
                config,
                http,
                dialpad,
                wake: Notify::new(),
                instance: crate::store::random_id("wk_"),
                caps: Mutex::new(HashMap::new()),
                reconciling: tokio::sync::Mutex::new(()),
                stopping: std::sync::atomic::AtomicBool::new(false),
                metrics: std::sync::OnceLock::new(),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &WebhooksConfig {
        &self.inner.config
    }

    /// The connector managing Dialpad webhooks and subscriptions.
    pub fn dialpad(&self) -> &DialpadConnector {
        &self.inner.dialpad
    }

    /// Records delivery outcomes in `metrics` from now on.
    pub fn set_metrics(&self, metrics: crate::metrics::Metrics) {
        let _ = self.inner.metrics.set(metrics);
    }

    pub(crate) fn metrics(&self) -> Option<&crate::metrics::Metrics> {
        self.inner.metrics.get()
    }

    /// Stops claiming deliveries (graceful shutdown): the workers finish what they hold,
    /// record it, and end.
    pub fn begin_shutdown(&self) {
        self.inner
            .stopping
            .store(true, std::sync::atomic::Ordering::Release);
        self.inner.wake.notify_waiters();
        self.inner.wake.notify_one();
    }

    pub(crate) fn stopping(&self) -> bool {
        self.inner
            .stopping
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// This instance's claim owner prefix (its claims are `{instance}:{round}`).
    pub fn instance_id(&self) -> &str {
        &self.inner.instance
    }

    /// Wakes this instance's workers (new deliveries are due).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    pub(crate) fn instance(&self) -> &str {
        &self.inner.instance
    }

    pub(crate) async fn woken(&self) {
        self.inner.wake.notified().await;
    }

    /// The per-endpoint concurrency cap of this instance.
    pub(crate) fn cap(&self, endpoint_id: &str) -> Arc<Semaphore> {
        let mut caps = self
            .inner
            .caps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        caps.entry(endpoint_id.to_owned())
            .or_insert_with(|| {
                Arc::new(Semaphore::new(
                    self.inner.config.per_endpoint_concurrency.max(1),
                ))
            })
            .clone()
    }

    /// Endpoints at their cap here (left out of the next claim).
    pub(crate) fn saturated(&self) -> Vec<String> {
        let caps = self
            .inner
            .caps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        caps.iter()
            .filter(|(_, s)| s.available_permits() == 0)
            .map(|(id, _)| id.clone())
            .take(100)
            .collect()
    }

    /// Starts the group committer: concurrent ingests share one transaction (one fsync)
    /// instead of one each. Without it, [`Webhooks::commit`] writes directly.
    pub fn start_committer(&self, store: crate::store::Store) -> tokio::task::JoinHandle<()> {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<CommitRequest>(4096);
        let _ = self.inner.committer.set(tx);
        let webhooks = self.clone();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                let mut events = batch[0].0.len();
                while events < COMMIT_BATCH {
                    match rx.try_recv() {
                        Ok(next) => {
                            events += next.0.len();
                            batch.push(next);
                        }
                        Err(_) => break,
                    }
                }
                let all: Vec<outbox::NewEvent> =
                    batch.iter().flat_map(|(e, _)| e.iter().cloned()).collect();
                match store.store_events_flagged(&all).await {
                    Ok(flags) => {
                        let mut flags = flags.into_iter();
                        for (events, answer) in batch {
                            let stored = flags.by_ref().take(events.len()).filter(|f| *f).count();
                            let _ = answer.send(Ok(stored));
                        }
                        webhooks.wake();
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "a group commit of webhook events failed");
                        for (_, answer) in batch {
                            let _ = answer.send(Err(crate::store::StoreError::Corrupt(
                                "the events could not be stored".into(),
                            )));
                        }
                    }
                }
            }
        })
    }

    /// Stores `events` with their deliveries (through the group committer when running);
    /// answers how many were new.
    pub async fn commit(
        &self,
        store: &crate::store::Store,
        events: Vec<outbox::NewEvent>,
    ) -> Result<usize, crate::store::StoreError> {
        if let Some(committer) = self.inner.committer.get() {
            let (tx, rx) = tokio::sync::oneshot::channel();
            if committer.send((events, tx)).await.is_ok()
                && let Ok(answer) = rx.await
            {
                return answer;
            }
            return Err(crate::store::StoreError::Corrupt(
                "the webhook committer stopped".into(),
            ));
        }
        let stored = store.store_events(&events).await?;
        self.wake();
        Ok(stored)
    }

    /// The hook cache of the ingress.
    pub(crate) fn hooks(&self) -> &moka::future::Cache<Vec<u8>, Arc<ingest::HookAuth>> {
        &self.inner.hooks
    }

    /// Serialises reconciliations within this instance.
    pub(crate) async fn reconcile_lock(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.inner.reconciling.lock().await
    }
}
