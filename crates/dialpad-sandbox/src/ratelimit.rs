//! Dialpad's rate limits: 20 requests per second per company overall, and each
//! operation's own limit as its description in the spec states it (default
//! 1200/minute). Implemented as GCRA buckets, so a burst up to the limit passes and
//! the answer to an excess request says how long to wait.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::Method;
use parking_lot::Mutex;

/// A limit: `count` requests per `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub count: u32,
    pub period: Duration,
}

impl Limit {
    const fn per_minute(count: u32) -> Self {
        Self {
            count,
            period: Duration::from_secs(60),
        }
    }
}

/// The company-wide limit.
pub const COMPANY_LIMIT: Limit = Limit {
    count: 20,
    period: Duration::from_secs(1),
};

/// The per-operation limit of a route the sandbox serves, from the spec's descriptions.
pub fn operation_limit(method: &Method, route: &str) -> Limit {
    match (method.as_str(), route) {
        ("GET", "/api/v2/call/{id}") => Limit::per_minute(10),
        ("POST", "/api/v2/call") => Limit::per_minute(5),
        ("PUT", "/api/v2/call/{id}/labels") => Limit::per_minute(250),
        ("POST" | "PUT", "/api/v2/contacts") => Limit::per_minute(100),
        ("POST", "/api/v2/webhooks") => Limit::per_minute(100),
        ("POST", "/api/v2/stats") => Limit {
            count: 200,
            period: Duration::from_secs(3600),
        },
        _ => Limit::per_minute(1200),
    }
}

/// GCRA state per (company, bucket): the theoretical arrival time.
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<(i64, String), Instant>>,
}

impl RateLimiter {
    /// Charges one request; on refusal, how long until one would pass.
    pub fn check(&self, company: i64, method: &Method, route: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let op_key = format!("{method} {route}");
        let op_limit = operation_limit(method, route);
        let mut buckets = self.buckets.lock();
        // Both must pass before either is charged, so a refused request costs nothing.
        let global = Self::probe(&buckets, (company, String::new()), COMPANY_LIMIT, now);
        let op = Self::probe(&buckets, (company, op_key.clone()), op_limit, now);
        match (global, op) {
            (Ok(g), Ok(o)) => {
                buckets.insert((company, String::new()), g);
                buckets.insert((company, op_key), o);
                Ok(())
            }
            (Err(a), Err(b)) => Err(a.max(b)),
            (Err(w), _) | (_, Err(w)) => Err(w),
        }
    }

    fn probe(
        buckets: &HashMap<(i64, String), Instant>,
        key: (i64, String),
        limit: Limit,
        now: Instant,
    ) -> Result<Instant, Duration> {
        let interval = limit.period / limit.count.max(1);
        let burst = interval * limit.count.saturating_sub(1);
        let tat = buckets.get(&key).copied().unwrap_or(now).max(now);
        let allowed_at = tat.checked_sub(burst).unwrap_or(now);
        if allowed_at > now {
            Err(allowed_at - now)
        } else {
            Ok(tat + interval)
        }
    }

    pub fn clear(&self) {
        self.buckets.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_limit_passes_a_burst_of_twenty_then_refuses_with_a_wait() {
        let limiter = RateLimiter::default();
        for _ in 0..20 {
            assert!(limiter.check(1, &Method::GET, "/api/v2/users").is_ok());
        }
        let wait = limiter.check(1, &Method::GET, "/api/v2/users").unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_millis(50));
        // Another company has its own bucket.
        assert!(limiter.check(2, &Method::GET, "/api/v2/users").is_ok());
    }

    #[test]
    fn call_get_is_limited_to_ten_per_minute() {
        let limiter = RateLimiter::default();
        for _ in 0..10 {
            assert!(limiter.check(1, &Method::GET, "/api/v2/call/{id}").is_ok());
        }
        let wait = limiter.check(1, &Method::GET, "/api/v2/call/{id}").unwrap_err();
        assert!(wait > Duration::from_secs(4));
    }
}
