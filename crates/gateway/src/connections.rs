//! Connection look-ups for the hot path: a short-lived cache over the store, keyed by
//! (tenant, connector, owner), with concurrent misses collapsed into one query. Writes made
//! through this instance invalidate at once; other instances see them within
//! [`CONNECTION_CACHE_TTL`].

use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;

use crate::store::{Connection, Store, StoreError, TenantId};

/// How long a connection read is trusted without asking the database again.
pub const CONNECTION_CACHE_TTL: Duration = Duration::from_secs(10);

/// (tenant, connector, owner) in one allocation: each of the first two is preceded by its
/// length, so no content can make two keys equal.
type Key = Vec<u8>;

fn key(tenant: &TenantId, connector_id: &str, owner_id: &str) -> Key {
    let (tenant, connector, owner) = (
        tenant.as_str().as_bytes(),
        connector_id.as_bytes(),
        owner_id.as_bytes(),
    );
    let mut key = Vec::with_capacity(16 + tenant.len() + connector.len() + owner.len());
    for part in [tenant, connector] {
        key.extend_from_slice(&part.len().to_le_bytes());
        key.extend_from_slice(part);
    }
    key.extend_from_slice(owner);
    key
}

/// Cached connection reads.
#[derive(Clone)]
pub struct ConnectionCache {
    store: Store,
    cache: Cache<Key, Option<Arc<Connection>>>,
    /// Bumped by every invalidation, so memos of cached reads are dropped too.
    generation: Arc<std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for ConnectionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionCache")
            .field("cached", &self.cache.entry_count())
            .finish_non_exhaustive()
    }
}

impl ConnectionCache {
    /// A cache over `store`.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            cache: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(CONNECTION_CACHE_TTL - crate::auth::MEMO_TTL)
                .build(),
            generation: Arc::default(),
        }
    }

    /// Changes whenever a cached read is forgotten ([`ConnectionCache::invalidate`]).
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The tenant's connection (`connector_id`, `owner_id`), if it exists.
    pub async fn get(
        &self,
        tenant: &TenantId,
        connector_id: &str,
        owner_id: &str,
    ) -> Result<Option<Arc<Connection>>, Arc<StoreError>> {
        let key = key(tenant, connector_id, owner_id);
        // A hit is the common case: look it up without building the loader, whose future
        // (a database query) is large to move around.
        if let Some(found) = self.cache.get(&key).await {
            return Ok(found);
        }
        let store = &self.store;
        let found = self
            .cache
            .try_get_with(
                key.clone(),
                Box::pin(async move {
                    store
                        .connection(tenant, connector_id, owner_id)
                        .await
                        .map(|c| c.map(Arc::new))
                }),
            )
            .await?;
        if found.is_none() {
            // Absence is not cached: a connection created elsewhere must work at once.
            self.cache.invalidate(&key).await;
        }
        Ok(found)
    }

    /// Forgets the cached read of one connection (after any write to it).
    pub async fn invalidate(&self, tenant: &TenantId, connector_id: &str, owner_id: &str) {
        self.cache
            .invalidate(&key(tenant, connector_id, owner_id))
            .await;
        // After the cache: a memo made from a read before this is then stale.
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn keys_of_different_connections_differ_whatever_their_content() {
        let tenant = TenantId::new("ten_a".to_owned()).unwrap();
        let other = TenantId::new("ten_ab".to_owned()).unwrap();
        assert_eq!(key(&tenant, "dialpad", "x"), key(&tenant, "dialpad", "x"));
        // Text moved across a boundary makes another key.
        assert_ne!(key(&tenant, "bdialpad", "x"), key(&other, "dialpad", "x"));
        assert_ne!(key(&tenant, "dialpad", "x"), key(&tenant, "dialpa", "dx"));
        assert_ne!(key(&tenant, "dialpad", ""), key(&tenant, "dialpad", "\0"));
    }
}
