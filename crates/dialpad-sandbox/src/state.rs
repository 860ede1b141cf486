//! The shared state of a running sandbox: the data, the credentials, the limiter,
//! the faults and the counters, behind one cheap-to-clone handle, and the generation
//! that ties background work (live calls, delivery queues) to the data it was born in.

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use parking_lot::{Mutex, RwLock};
use tokio::sync::watch;

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
    /// Bumped by every reset (under the world's write lock) and set to [`CLOSED`] at
    /// shutdown; see [`Generation`].
    generation: watch::Sender<u64>,
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

/// The generation of a sandbox that has shut down: no background work belongs to it.
const CLOSED: u64 = u64::MAX;

/// The generation a piece of background work was born in. Ids are deterministic, so
/// after a reset a new call or webhook can have the id of an old one; work born
/// before the reset must therefore check [`Generation::is_current`] while it holds
/// the world lock (a reset swaps the world and bumps the generation under the same
/// write lock), and stop waiting when [`Generation::ended`] resolves.
#[derive(Debug, Clone)]
pub struct Generation {
    born: u64,
    rx: watch::Receiver<u64>,
}

impl Generation {
    /// Whether the data this work was born with is still the sandbox's data.
    pub fn is_current(&self) -> bool {
        self.born != CLOSED && *self.rx.borrow() == self.born
    }

    /// Resolves once the sandbox has been reset or shut down since this was taken.
    pub async fn ended(&self) {
        if !self.is_current() {
            return;
        }
        let born = self.born;
        let mut rx = self.rx.clone();
        // An error means the state is gone, which ends the generation too.
        let _ = rx.wait_for(|g| *g != born).await;
    }

    /// Sleeps for `duration`, or less if the generation ends first; answers whether
    /// the generation is still current.
    pub async fn sleep(&self, duration: Duration) -> bool {
        tokio::select! {
            () = tokio::time::sleep(duration) => self.is_current(),
            () = self.ended() => false,
        }
    }
}

impl AppState {
    /// Builds the state and seeds the data (the heavy part: call it off the async
    /// workers for large sizes). Fails only if the webhook client cannot be built.
    pub fn new(config: SandboxConfig) -> std::io::Result<Self> {
        let config = config.clamped();
        // The workspace builds reqwest with rustls and no built-in provider: install ring's
        // unless the process already chose one.
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(config.delivery_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(std::io::Error::other)?;
        let state = Self(Arc::new(Inner {
            rate_limits: AtomicBool::new(config.rate_limits),
            token_ttl_ms: AtomicU64::new(millis(config.token_ttl)),
            call_step_ms: AtomicU64::new(millis(config.call_step)),
            world: RwLock::new(World::default()),
            auth: RwLock::new(AuthStore::default()),
            limiter: RateLimiter::default(),
            faults: Faults::default(),
            counters: Counters::default(),
            stats: Mutex::new(StatsStore::default()),
            http,
            deliveries: crate::events::Dispatcher::new(config.delivery_queue),
            base_url: RwLock::new(String::new()),
            generation: watch::Sender::new(0),
            seeded_keys: RwLock::new(Vec::new()),
            seeded_app: RwLock::new(SeededApp {
                client_id: String::new(),
                client_secret: String::new(),
            }),
            registered: Mutex::new(Registered::default()),
            config,
        }));
        state.reset(None, None);
        Ok(state)
    }

    /// Rebuilds the data set and forgets tokens, grants, faults, stats, counters,
    /// live calls and pending deliveries. OAuth apps and API keys registered through
    /// `/_sandbox` stay valid.
    ///
    /// Blocking and CPU-bound for large sizes: async callers should run it on
    /// `tokio::task::spawn_blocking`. The data is built before any lock is taken and
    /// the old data is dropped after every lock is released, so requests are held up
    /// only for the swap.
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
        let old_world = {
            let mut world = self.world.write();
            let old = std::mem::replace(&mut *world, seeded.world);
            // Under the same guard: background work checks its generation while it
            // holds the world lock, so it sees either the old world and its own
            // generation, or the new world and a newer one.
            self.generation.send_modify(|g| {
                if *g != CLOSED {
                    *g += 1;
                }
            });
            self.deliveries.clear();
            old
        };
        let old_auth = std::mem::replace(&mut *self.auth.write(), auth);
        *self.seeded_keys.write() = seeded.keys;
        *self.seeded_app.write() = seeded.app;
        self.limiter.clear();
        self.faults.clear();
        self.counters.clear();
        let old_stats = std::mem::take(&mut *self.stats.lock());
        drop(old_world);
        drop(old_auth);
        drop(old_stats);
    }

    /// The current generation, for background work to carry. Take it while holding
    /// the world lock that the work's first step reads or writes.
    pub fn generation(&self) -> Generation {
        let rx = self.generation.subscribe();
        let born = *rx.borrow();
        Generation { born, rx }
    }

    /// Ends all background work for good: live calls stop where they are and pending
    /// deliveries are dropped. [`crate::Sandbox`] calls it when it shuts down or is
    /// dropped.
    pub fn close(&self) {
        let _world = self.world.write();
        self.generation.send_replace(CLOSED);
        self.deliveries.clear();
    }

    /// Whether [`AppState::close`] has been called.
    pub fn is_closed(&self) -> bool {
        *self.generation.borrow() == CLOSED
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

    /// Sets the access-token lifetime, cut to [`SandboxConfig::MAX_TOKEN_TTL`].
    pub fn set_token_ttl(&self, ttl: Duration) {
        let ttl = ttl.min(SandboxConfig::MAX_TOKEN_TTL);
        self.token_ttl_ms.store(millis(ttl), Ordering::Relaxed);
    }

    pub fn call_step(&self) -> Duration {
        Duration::from_millis(self.call_step_ms.load(Ordering::Relaxed))
    }

    /// Sets the call step, cut to [`SandboxConfig::MAX_CALL_STEP`].
    pub fn set_call_step(&self, step: Duration) {
        let step = step.min(SandboxConfig::MAX_CALL_STEP);
        self.call_step_ms.store(millis(step), Ordering::Relaxed);
    }

    pub fn base_url(&self) -> String {
        self.base_url.read().clone()
    }

    /// Random secret material (tokens, codes, keys): not from the seeded generator.
    pub fn random_token(prefix: &str) -> String {
        use rand::Rng as _;
        let bytes: [u8; 24] = rand::thread_rng().r#gen();
        let mut out = String::with_capacity(prefix.len() + 48);
        out.push_str(prefix);
        for b in bytes {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }
}

/// Whole milliseconds of a (clamped) duration; saturates rather than wraps.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn small() -> AppState {
        AppState::new(SandboxConfig {
            size: 5,
            companies: 1,
            token_ttl: Duration::MAX,
            call_step: Duration::MAX,
            ..SandboxConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn huge_settings_are_clamped_instead_of_wrapping() {
        let state = small();
        assert_eq!(state.token_ttl(), SandboxConfig::MAX_TOKEN_TTL);
        assert_eq!(state.call_step(), SandboxConfig::MAX_CALL_STEP);
        state.set_token_ttl(Duration::from_secs(u64::MAX));
        state.set_call_step(Duration::from_millis(u64::MAX));
        assert_eq!(state.token_ttl(), SandboxConfig::MAX_TOKEN_TTL);
        assert_eq!(state.call_step(), SandboxConfig::MAX_CALL_STEP);
        state.set_token_ttl(Duration::from_secs(90));
        assert_eq!(state.token_ttl(), Duration::from_secs(90));
    }

    #[test]
    fn a_reset_ends_the_generation_and_close_ends_it_for_good() {
        let state = small();
        let before = state.generation();
        assert!(before.is_current());
        state.reset(None, None);
        assert!(!before.is_current());
        let after = state.generation();
        assert!(after.is_current());
        state.close();
        assert!(!after.is_current());
        assert!(state.is_closed());
        state.reset(None, None);
        assert!(
            !state.generation().is_current(),
            "a closed state stays closed"
        );
    }
}
