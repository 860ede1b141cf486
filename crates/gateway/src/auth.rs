//! Tenant authentication: a secret key (`sk_…`), alone as a bearer token or with the
//! tenant's publishable key (`x-api-key` + `x-api-secret`, Morph's headers). Results are
//! cached for a few seconds by a digest of the presented keys, so the hot path does no
//! database work; a revoked key stops working within [`AUTH_CACHE_TTL`].

use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;
use sha2::{Digest, Sha256};

use crate::store::{AuthenticatedKey, Store, StoreError};

/// How long a key check is trusted without asking the database again.
pub const AUTH_CACHE_TTL: Duration = Duration::from_secs(10);

/// How long the proxy's per-thread memo (`proxy::memo`) may reuse what the caches answered;
/// the caches keep entries this much less than their TTL, so the two together stay within it.
pub const MEMO_TTL: Duration = Duration::from_secs(1);

/// Checks presented keys against the store, with a short-lived cache.
#[derive(Clone)]
pub struct Authenticator {
    store: Store,
    cache: Cache<[u8; 32], Option<AuthenticatedKey>>,
    /// Bumped whenever cached checks are forgotten, so memos of them are dropped too.
    generation: Arc<std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("cached", &self.cache.entry_count())
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// An authenticator over `store`.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            cache: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(AUTH_CACHE_TTL - MEMO_TTL)
                .build(),
            generation: Arc::default(),
        }
    }

    /// Changes whenever cached checks are forgotten ([`Authenticator::invalidate_all`]).
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The tenant and key of a live secret key; `None` when unknown, revoked, or paired with
    /// another tenant's publishable key. Concurrent checks of the same keys share one query.
    pub async fn authenticate(
        &self,
        publishable: Option<&str>,
        secret: &str,
    ) -> Result<Option<AuthenticatedKey>, Arc<StoreError>> {
        self.authenticate_digest(digest(publishable, secret), publishable, secret)
            .await
    }

    /// [`Authenticator::authenticate`] with the keys' [`digest`] already taken.
    pub async fn authenticate_digest(
        &self,
        digest: [u8; 32],
        publishable: Option<&str>,
        secret: &str,
    ) -> Result<Option<AuthenticatedKey>, Arc<StoreError>> {
        // A hit is the common case: look it up without building the loader, whose future
        // (a database query) is large to move around.
        if let Some(found) = self.cache.get(&digest).await {
            return Ok(found);
        }
        self.cache
            .try_get_with(
                digest,
                Box::pin(self.store.authenticate(publishable, secret)),
            )
            .await
    }

    /// Forgets every cached check (after a key is revoked through this instance).
    pub fn invalidate_all(&self) {
        // After the cache: a memo made from a check read before this is then stale.
        self.cache.invalidate_all();
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }
}

/// What presented keys are known by: never the keys themselves.
pub fn digest(publishable: Option<&str>, secret: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(publishable.unwrap_or("").as_bytes());
    hasher.update([0]);
    hasher.update(secret.as_bytes());
    hasher.finalize().into()
}
