//! What a proxied call resolves to before it is forwarded (the tenant its keys belong to,
//! the connection it names, the credentials to present), remembered for a moment by each
//! thread. A call presenting the same keys for the same connection as one just before it on
//! the same HTTP worker (a client's connection stays on one) takes them from here: one
//! look-up in a map of the thread's own, rather than three in the shared caches, whose
//! bookkeeping is shared by every worker and costs more than the look-ups themselves.
//!
//! An entry is used for at most [`MEMO_TTL`] (the caches keep theirs that much less than
//! their TTL, so a revoked key or a connection changed by another instance is still seen
//! within it), and not at all once the caches have forgotten anything since it was made:
//! revoking keys, writing a connection or renewing its credentials through this instance
//! take effect at once. Entries are known by the digest of the presented keys, never the
//! keys themselves.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

pub use crate::auth::MEMO_TTL;
use crate::http::extract::Tenant;
use crate::store::Connection;
use crate::tokens::Held;

/// Entries a thread keeps; past this, the expired are dropped, or else all of them.
const CAPACITY: usize = 4096;

/// What a call resolved to.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The tenant its keys belong to.
    pub tenant: Arc<Tenant>,
    /// The connection it named (authorized, with credentials).
    pub connection: Arc<Connection>,
    /// The credentials to present.
    pub held: Arc<Held>,
}

struct Entry {
    resolved: Resolved,
    /// The caches' generation when the look-ups began.
    generation: u64,
    made: Instant,
}

thread_local! {
    static ENTRIES: RefCell<HashMap<Box<[u8]>, Entry>> = RefCell::new(HashMap::new());
}

/// One gateway's memo (a process may run several: entries are kept apart by its id).
#[derive(Debug, Clone)]
pub struct Memo {
    id: u64,
}

impl Default for Memo {
    fn default() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
        }
    }
}

impl Memo {
    /// What a call is remembered by: this memo, the digest of its keys, and the connection
    /// (each part but the last preceded by its length, so no content can make two equal).
    pub fn key(&self, digest: &[u8; 32], connector_id: &str, owner_id: &str) -> Box<[u8]> {
        let mut key = Vec::with_capacity(8 + 32 + 8 + connector_id.len() + owner_id.len());
        key.extend_from_slice(&self.id.to_le_bytes());
        key.extend_from_slice(digest);
        key.extend_from_slice(&connector_id.len().to_le_bytes());
        key.extend_from_slice(connector_id.as_bytes());
        key.extend_from_slice(owner_id.as_bytes());
        key.into_boxed_slice()
    }

    /// What this thread remembers under `key`, if it was made at `generation` of the
    /// caches and less than [`MEMO_TTL`] ago.
    pub fn get(&self, key: &[u8], generation: u64, now: Instant) -> Option<Resolved> {
        ENTRIES.with_borrow(|entries| {
            entries
                .get(key)
                .filter(|e| e.generation == generation && now.duration_since(e.made) < MEMO_TTL)
                .map(|e| e.resolved.clone())
        })
    }

    /// Remembers `resolved` under `key`, from look-ups begun at `generation` of the caches
    /// at `now`.
    pub fn put(&self, key: Box<[u8]>, resolved: Resolved, generation: u64, now: Instant) {
        ENTRIES.with_borrow_mut(|entries| {
            if entries.len() >= CAPACITY {
                entries.retain(|_, e| now.duration_since(e.made) < MEMO_TTL);
                if entries.len() >= CAPACITY {
                    entries.clear();
                }
            }
            entries.insert(
                key,
                Entry {
                    resolved,
                    generation,
                    made: now,
                },
            );
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn keys_differ_by_memo_keys_and_connection_whatever_their_content() {
        let (a, b) = (Memo::default(), Memo::default());
        let digest = [7u8; 32];
        let key = a.key(&digest, "dialpad", "x");
        assert_eq!(key, a.key(&digest, "dialpad", "x"));
        let others = [
            b.key(&digest, "dialpad", "x"),
            a.key(&[8; 32], "dialpad", "x"),
            a.key(&digest, "dialpa", "dx"),
            a.key(&digest, "dialpad", "y"),
        ];
        for other in others {
            assert_ne!(key, other);
        }
    }
}
