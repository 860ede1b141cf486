//! The shared state of a running sandbox: the data, the credentials, the limiter,
//! the faults and the counters, behind one cheap-to-clone handle.

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use parking_lot::{Mutex, RwLock};

use crate::auth::{ApiKey, AuthStore, OAuthApp};
use crate::config::SandboxConfig;
use crate::counters::Counters;
use crate::faults::Faults;
use crate::ratelimit::RateLimiter;
use crate::seed::{self, SeededApp, SeededKey};
use crate::stats::StatsStore;
use crate::world::World;

#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

pub struct Inner {
    pub config: SandboxConfig,
    pub world: RwLock<World>,
    pub auth: RwLock<AuthStore>,
    pub limiter: RateLimiter,
    pub faults: Faults,
    pub counters: Counters,
    pub stats: Mutex<StatsStore>,
    /// Client for webhook deliveries: short timeouts, no redirects.
    pub http: reqwest::Client,
    /// Webhook delivery queues, one ordered worker per webhook (see `events`).
    pub deliveries: crate::events::Dispatcher,
    /// The sandbox's own base URL, known once it listens.
    pub base_url: RwLock<String>,
    rate_limits: AtomicBool,
    token_ttl_ms: AtomicU64,
    call_step_ms: AtomicU64,
    seeded_keys: RwLock<Vec<SeededKey>>,
    seeded_app: RwLock<SeededApp>,
    /// Credentials registered through `/_sandbox`, which survive a reset.
    registered: Mutex<Registered>,
}

#[derive(Default)]
struct Registered {
    apps: Vec<OAuthApp>,
    keys: Vec<(String, ApiKey)>,
}

/// Credentials are the state's substance; `Debug` shows only its shape.
impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("config", &self.config)
            .field("base_url", &*self.base_url.read())
            .field("auth", &*self.auth.read())
            .finish_non_exhaustive()
    }
}

impl AppState {
    pub fn new(config: SandboxConfig) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(config.delivery_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        let state = Self(Arc::new(Inner {
            rate_limits: AtomicBool::new(config.rate_limits),
            token_ttl_ms: AtomicU64::new(config.token_ttl.as_millis() as u64),
            call_step_ms: AtomicU64::new(config.call_step.as_millis() as u64),
            world: RwLock::new(World::default()),
            auth: RwLock::new(AuthStore::default()),
            limiter: RateLimiter::default(),
            faults: Faults::default(),
            counters: Counters::default(),
            stats: Mutex::new(StatsStore::default()),
            http,
            deliveries: crate::events::Dispatcher::default(),
            base_url: RwLock::new(String::new()),
            seeded_keys: RwLock::new(Vec::new()),
            seeded_app: RwLock::new(SeededApp {
                client_id: String::new(),
                client_secret: String::new(),
            }),
            registered: Mutex::new(Registered::default()),
            config,
        }));
        state.reset(None, None);
        state
    }

    /// Rebuilds the data set and forgets tokens, grants, faults, stats and counters.
    /// OAuth apps and API keys registered through `/_sandbox` stay valid.
    pub fn reset(&self, seed: Option<u64>, size: Option<u32>) {
        let seeded = seed::seed(
            seed.unwrap_or(self.config.seed),
            size.unwrap_or(self.config.size),
            self.config.companies,
            self.anchor(),
        );
        let mut auth = AuthStore::default();
        for key in &seeded.keys {
            auth.api_keys.insert(
                key.api_key.clone(),
                ApiKey {
                    company_id: key.company_id,
                    user_id: key.user_id,
                },
            );
        }
        auth.apps.insert(
            seeded.app.client_id.clone(),
            OAuthApp {
                client_id: seeded.app.client_id.clone(),
                client_secret: seeded.app.client_secret.clone(),
                name: "Sandbox default app".into(),
                redirect_uris: Vec::new(),
                consent: false,
            },
        );
        {
            let registered = self.registered.lock();
            for app in &registered.apps {
                auth.apps.insert(app.client_id.clone(), app.clone());
            }
            for (key, info) in &registered.keys {
                if seeded.world.companies.contains_key(&info.company_id) {
                    auth.api_keys.insert(key.clone(), info.clone());
                }
            }
        }
        *self.world.write() = seeded.world;
        *self.auth.write() = auth;
        *self.seeded_keys.write() = seeded.keys;
        *self.seeded_app.write() = seeded.app;
        self.limiter.clear();
        self.faults.clear();
        self.counters.clear();
        *self.stats.lock() = StatsStore::default();
    }

    /// Where seeded timestamps end: the start of the current UTC day.
    fn anchor(&self) -> DateTime<Utc> {
        let now = Utc::now();
        now.date_naive()
            .and_hms_opt(0, 0, 0)
            .map(|d| d.and_utc())
            .unwrap_or(now)
    }

    pub fn register_app(&self, app: OAuthApp) {
        self.auth
            .write()
            .apps
            .insert(app.client_id.clone(), app.clone());
        let mut registered = self.registered.lock();
        registered.apps.retain(|a| a.client_id != app.client_id);
        registered.apps.push(app);
    }

    pub fn register_api_key(&self, key: String, info: ApiKey) {
        self.auth.write().api_keys.insert(key.clone(), info.clone());
        self.registered.lock().keys.push((key, info));
    }

    pub fn seeded_keys(&self) -> Vec<SeededKey> {
        self.seeded_keys.read().clone()
    }

    pub fn seeded_app(&self) -> SeededApp {
        self.seeded_app.read().clone()
    }

    pub fn rate_limits_enabled(&self) -> bool {
        self.rate_limits.load(Ordering::Relaxed)
    }

    pub fn set_rate_limits(&self, on: bool) {
        self.rate_limits.store(on, Ordering::Relaxed);
        self.limiter.clear();
    }

    pub fn token_ttl(&self) -> Duration {
        Duration::from_millis(self.token_ttl_ms.load(Ordering::Relaxed))
    }

    pub fn set_token_ttl(&self, ttl: Duration) {
        self.token_ttl_ms
            .store(ttl.as_millis() as u64, Ordering::Relaxed);
    }

    pub fn call_step(&self) -> Duration {
        Duration::from_millis(self.call_step_ms.load(Ordering::Relaxed))
    }

    pub fn set_call_step(&self, step: Duration) {
        self.call_step_ms
            .store(step.as_millis() as u64, Ordering::Relaxed);
    }

    pub fn base_url(&self) -> String {
        self.base_url.read().clone()
    }

    /// Random secret material (tokens, codes, keys): not from the seeded generator.
    pub fn random_token(prefix: &str) -> String {
        use rand::Rng as _;
        let bytes: [u8; 24] = rand::rng().random();
        let mut out = String::with_capacity(prefix.len() + 48);
        out.push_str(prefix);
        for b in bytes {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }
}
