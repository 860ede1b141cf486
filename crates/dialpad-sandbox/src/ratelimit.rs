//! Dialpad's rate limits: 20 requests per second per company overall, and each
//! operation's own limit as its description in the spec states it (default
//! 1200/minute). A limit is enforced as written: at most `count` requests in any
//! window of `period` (a sliding log), so a burst up to the limit passes and the next
//! request within the window is refused with how long until the oldest one leaves it.

use std::collections::{HashMap, VecDeque};
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

/// Times of the requests charged in the current window, per (company, bucket).
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<(i64, String), VecDeque<Instant>>>,
}

impl RateLimiter {
    /// Charges one request; on refusal, how long until one would pass, rounded up to
    /// whole seconds (what `Retry-After` carries: waiting that long is enough).
    pub fn check(&self, company: i64, method: &Method, route: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let op_key = (company, format!("{method} {route}"));
        let global_key = (company, String::new());
        let op_limit = operation_limit(method, route);
        let mut buckets = self.buckets.lock();
        // Both must pass before either is charged, so a refused request costs nothing.
        let global = Self::probe(&mut buckets, &global_key, COMPANY_LIMIT, now);
        let op = Self::probe(&mut buckets, &op_key, op_limit, now);
        match (global, op) {
            (Ok(()), Ok(())) => {
                for key in [global_key, op_key] {
                    buckets.entry(key).or_default().push_back(now);
                }
                Ok(())
            }
            (Err(a), Err(b)) => Err(whole_seconds(a.max(b))),
            (Err(w), _) | (_, Err(w)) => Err(whole_seconds(w)),
        }
    }

    /// Forgets requests that left the window; refuses when the window is full.
    fn probe(
        buckets: &mut HashMap<(i64, String), VecDeque<Instant>>,
        key: &(i64, String),
        limit: Limit,
        now: Instant,
    ) -> Result<(), Duration> {
        let Some(log) = buckets.get_mut(key) else {
            return Ok(());
        };
        while log
            .front()
            .is_some_and(|t| now.duration_since(*t) >= limit.period)
        {
            log.pop_front();
        }
        match log.front() {
            Some(oldest) if log.len() >= limit.count as usize => {
                Err(limit.period.saturating_sub(now.duration_since(*oldest)))
            }
            _ => Ok(()),
        }
    }

    pub fn clear(&self) {
        self.buckets.lock().clear();
    }
}

fn whole_seconds(wait: Duration) -> Duration {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    Duration::from_secs(secs.max(1))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn company_limit_passes_a_burst_of_twenty_then_refuses_for_the_rest_of_the_second() {
        let limiter = RateLimiter::default();
        for _ in 0..20 {
            assert!(limiter.check(1, &Method::GET, "/api/v2/users").is_ok());
        }
        let wait = limiter.check(1, &Method::GET, "/api/v2/users").unwrap_err();
        assert_eq!(wait, Duration::from_secs(1));
        // Another company has its own bucket.
        assert!(limiter.check(2, &Method::GET, "/api/v2/users").is_ok());
    }

    #[test]
    fn call_get_is_limited_to_ten_per_minute() {
        let limiter = RateLimiter::default();
        for _ in 0..10 {
            assert!(limiter.check(1, &Method::GET, "/api/v2/call/{id}").is_ok());
        }
        let wait = limiter
            .check(1, &Method::GET, "/api/v2/call/{id}")
            .unwrap_err();
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60));
    }

    #[test]
    fn a_refused_request_is_not_charged() {
        let limiter = RateLimiter::default();
        for _ in 0..10 {
            assert!(limiter.check(1, &Method::GET, "/api/v2/call/{id}").is_ok());
        }
        for _ in 0..5 {
            assert!(limiter.check(1, &Method::GET, "/api/v2/call/{id}").is_err());
        }
        // Ten in the company bucket, not fifteen: ten more other requests pass.
        for _ in 0..10 {
            assert!(limiter.check(1, &Method::GET, "/api/v2/users").is_ok());
        }
        assert!(limiter.check(1, &Method::GET, "/api/v2/users").is_err());
    }
}
