//! Dialpad's rate limits: 20 requests per second per company overall, and each
//! operation's own limit as its description in the spec states it (default
//! 1200/minute). A limit is enforced as written: at most `count` requests in any
//! window of `period` (a sliding log), so a burst up to the limit passes and the next
//! request within the window is refused with how long until the oldest one leaves it.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use axum::http::Method;
use parking_lot::{Mutex, RwLock};

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

/// Times of the requests charged in the current window, sharded per company: each
/// company has its own lock, so companies never wait for each other, and requests
/// are keyed by their static route template and method, so charging one allocates
/// nothing once its bucket exists.
#[derive(Debug, Default)]
pub struct RateLimiter {
    companies: RwLock<HashMap<i64, Mutex<Buckets>>>,
}

#[derive(Debug, Default)]
struct Buckets {
    company: VecDeque<Instant>,
    operations: HashMap<(&'static str, Method), VecDeque<Instant>>,
}

impl RateLimiter {
    /// Charges one request; on refusal, how long until one would pass, rounded up to
    /// whole seconds (what `Retry-After` carries: waiting that long is enough).
    pub fn check(
        &self,
        company: i64,
        method: &Method,
        route: &'static str,
    ) -> Result<(), Duration> {
        let companies = self.companies.read();
        let Some(shard) = companies.get(&company) else {
            drop(companies);
            self.companies.write().entry(company).or_default();
            return self.check(company, method, route);
        };
        let mut guard = shard.lock();
        let buckets = &mut *guard;
        let now = Instant::now();
        let op_log = buckets
            .operations
            .entry((route, method.clone()))
            .or_default();
        // Both must pass before either is charged, so a refused request costs nothing.
        let global = probe(&mut buckets.company, COMPANY_LIMIT, now);
        let op = probe(op_log, operation_limit(method, route), now);
        match (global, op) {
            (Ok(()), Ok(())) => {
                buckets.company.push_back(now);
                op_log.push_back(now);
                Ok(())
            }
            (Err(a), Err(b)) => Err(whole_seconds(a.max(b))),
            (Err(w), _) | (_, Err(w)) => Err(whole_seconds(w)),
        }
    }

    pub fn clear(&self) {
        self.companies.write().clear();
    }
}

/// Forgets requests that left the window; refuses when the window is full.
fn probe(log: &mut VecDeque<Instant>, limit: Limit, now: Instant) -> Result<(), Duration> {
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
