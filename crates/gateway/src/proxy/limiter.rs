//! A limiter matching Dialpad's own limits (`patchbay_dialpad::limits`): per Dialpad
//! company (`Connection::limit_key`: the account the credentials were verified against;
//! the connection alone when that is not known), the company's 20 requests/second and each
//! operation's stricter limit, shared by proxied and unified calls of every connection to
//! that company. A request is given the first send time at which both windows have
//! room (a sliding log of the last `count` send times, like Dialpad's), so a burst queues
//! briefly instead of meeting Dialpad's 429; when that time is further away than the
//! configured bound, the caller is refused at once with how long to wait.
//!
//! Per process: instances sharing a database each keep their own windows.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use moka::future::Cache;
use parking_lot::Mutex;
use patchbay_dialpad::limits::{COMPANY_LIMIT, Limit};

/// Send times are spaced a tenth of a window further apart than the limit needs, so a
/// request delayed on its way (a busy machine, the network) never makes Dialpad see one
/// too many in its window.
const SAFETY_DIVISOR: u32 = 10;

/// The windows of every company (or connection) seen lately.
#[derive(Clone)]
pub struct Limiter {
    enabled: bool,
    max_wait: Duration,
    windows: Cache<String, Arc<Mutex<Windows>>>,
    metrics: crate::metrics::Metrics,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("enabled", &self.enabled)
            .field("max_wait", &self.max_wait)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct Windows {
    company: Log,
    operations: Vec<(&'static str, Log)>,
}

/// The send times given out in the current window, oldest first (at most `count`).
#[derive(Debug, Default)]
struct Log(VecDeque<Instant>);

impl Log {
    fn next_slot(&self, limit: Limit, now: Instant) -> Instant {
        let count = limit.count as usize;
        if self.0.len() < count {
            return now;
        }
        let oldest = self.0[self.0.len() - count];
        let spacing = limit.period + limit.period / SAFETY_DIVISOR;
        now.max(oldest + spacing)
    }

    fn push(&mut self, limit: Limit, at: Instant) {
        self.0.push_back(at);
        while self.0.len() > limit.count as usize {
            self.0.pop_front();
        }
    }
}

/// The caller must wait this long before trying again (whole seconds, at least one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    /// What `Retry-After` says.
    pub retry_after: Duration,
}

impl Limiter {
    /// A limiter that queues for at most `max_wait`; `enabled: false` lets everything pass.
    pub fn new(enabled: bool, max_wait: Duration) -> Self {
        Self {
            enabled,
            max_wait,
            windows: Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(Duration::from_secs(3600))
                .build(),
            metrics: crate::metrics::Metrics::default(),
        }
    }

    /// Records queueing and refusals in `metrics`.
    #[must_use]
    pub fn with_metrics(mut self, metrics: crate::metrics::Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// [`Limiter::acquire`] under the connection's company (`Connection::limit_key`, built
    /// only when the limiter runs).
    pub async fn acquire_for(
        &self,
        connection: &crate::store::Connection,
        operation: Option<(&'static str, Limit)>,
    ) -> Result<(), Refused> {
        if !self.enabled {
            return Ok(());
        }
        self.acquire(&connection.limit_key(), operation).await
    }

    /// Waits for a send slot under `key` (`Connection::limit_key`), charging the company
    /// window and, when given, the operation's (`operation_limit` of
    /// `patchbay_dialpad::limits`).
    pub async fn acquire(
        &self,
        key: &str,
        operation: Option<(&'static str, Limit)>,
    ) -> Result<(), Refused> {
        self.take(key, operation, true).await
    }

    /// A slot for the gateway's own background calls (webhook reconciliation, pollers)
    /// under the connection's company: never refused, it waits its turn. While the wait
    /// would exceed the bound it reserves nothing and tries again after `Retry-After`, so
    /// it never pushes callers' slots further away, and it is not counted as a refusal.
    pub async fn wait_for(
        &self,
        connection: &crate::store::Connection,
        operation: Option<(&'static str, Limit)>,
    ) {
        if self.enabled {
            self.wait(&connection.limit_key(), operation).await;
        }
    }

    /// [`Limiter::wait_for`] under `key`.
    pub async fn wait(&self, key: &str, operation: Option<(&'static str, Limit)>) {
        while let Err(refused) = self.take(key, operation, false).await {
            tracing::debug!(limit_key = %key, "a background call waits for the rate limiter");
            tokio::time::sleep(refused.retry_after).await;
        }
    }

    async fn take(
        &self,
        key: &str,
        operation: Option<(&'static str, Limit)>,
        count_refusal: bool,
    ) -> Result<(), Refused> {
        if !self.enabled {
            return Ok(());
        }
        let windows = self
            .windows
            .get_with_by_ref(key, async { Arc::default() })
            .await;
        let wait = {
            let mut w = windows.lock();
            let now = Instant::now();
            let mut slot = w.company.next_slot(COMPANY_LIMIT, now);
            let op_index = operation.map(|(key, _)| {
                w.operations
                    .iter()
                    .position(|(k, _)| *k == key)
                    .unwrap_or_else(|| {
                        w.operations.push((key, Log::default()));
                        w.operations.len() - 1
                    })
            });
            if let (Some(i), Some((_, limit))) = (op_index, operation) {
                slot = slot.max(w.operations[i].1.next_slot(limit, now));
            }
            let wait = slot - now;
            if wait > self.max_wait {
                if count_refusal {
                    self.metrics.limiter(None);
                }
                let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                return Err(Refused {
                    retry_after: Duration::from_secs(secs.max(1)),
                });
            }
            w.company.push(COMPANY_LIMIT, slot);
            if let (Some(i), Some((_, limit))) = (op_index, operation) {
                w.operations[i].1.push(limit, slot);
            }
            wait
        };
        self.metrics.limiter(Some(wait));
        if !wait.is_zero() {
            tracing::debug!(limit_key = %key, wait_ms = wait.as_millis() as u64, "queued by the rate limiter");
            tokio::time::sleep(wait).await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test]
    async fn a_full_window_is_refused_beyond_the_bound_with_whole_seconds() {
        let limiter = Limiter::new(true, Duration::ZERO);
        let id = "dialpad:5550001";
        for _ in 0..20 {
            limiter.acquire(id, None).await.unwrap();
        }
        let refused = limiter.acquire(id, None).await.unwrap_err();
        assert_eq!(refused.retry_after, Duration::from_secs(2));

        let other = "conn_bbbbbbbbbbbbbbbbbbbbbb";
        let op = Some((
            "/api/v2/call/{id}",
            Limit {
                count: 1,
                period: Duration::from_secs(60),
            },
        ));
        limiter.acquire(other, op).await.unwrap();
        // The company window has room; the operation's does not.
        limiter.acquire(other, None).await.unwrap();
        let refused = limiter.acquire(other, op).await.unwrap_err();
        assert_eq!(refused.retry_after, Duration::from_secs(66));
    }

    #[tokio::test]
    async fn background_calls_wait_their_turn_without_reserving_ahead_of_callers() {
        let metrics = crate::metrics::Metrics::new();
        let limiter = Limiter::new(true, Duration::ZERO).with_metrics(metrics.clone());
        let id = "dialpad:5550002";
        for _ in 0..20 {
            limiter.acquire(id, None).await.unwrap();
        }
        let started = Instant::now();
        let background = tokio::spawn({
            let limiter = limiter.clone();
            async move { limiter.wait(id, None).await }
        });
        // While it waits, it holds no slot: the window stays as the callers left it.
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!background.is_finished());
        assert_eq!(
            limiter.acquire(id, None).await.unwrap_err().retry_after,
            Duration::from_secs(1)
        );
        background.await.unwrap();
        // The window's first slot frees 1.1 s after it was given; the wait is whole seconds.
        assert!(started.elapsed() >= Duration::from_millis(1100));
        // Only the caller's refusal is counted.
        let text = metrics.render();
        let refused = text
            .lines()
            .find(|l| l.starts_with("patchbay_limiter_rejections_total"))
            .unwrap_or_default();
        assert!(refused.ends_with(" 1"), "{text}");
    }

    #[tokio::test]
    async fn a_disabled_limiter_lets_everything_pass() {
        let limiter = Limiter::new(false, Duration::ZERO);
        for _ in 0..100 {
            limiter.acquire("dialpad:5550001", None).await.unwrap();
        }
    }
}
