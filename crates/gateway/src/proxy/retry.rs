//! When a proxied call is tried again: 429, 5xx and connection failures, for idempotent
//! methods (GET, HEAD, OPTIONS, PUT, DELETE) unless the caller says
//! `x-patchbay-retry: false`, and for POST and PATCH only with `x-patchbay-retry: true`;
//! always within a number of attempts and a total time budget, waiting what `Retry-After`
//! asks or an exponential backoff with jitter.

use std::time::Duration;

use axum::http::{HeaderMap, Method, header};
use chrono::{DateTime, Utc};
use rand::Rng as _;

/// The caller's switch.
pub const RETRY_HEADER: axum::http::HeaderName =
    axum::http::HeaderName::from_static("x-patchbay-retry");

/// Attempts, waits and budget.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts at most, the first included.
    pub max_attempts: u32,
    /// The first backoff; it doubles each time.
    pub base_delay: Duration,
    /// The longest single wait.
    pub max_delay: Duration,
    /// No wait starts that would end later than this after the first attempt.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            budget: Duration::from_secs(10),
        }
    }
}

/// Whether a failed call may be sent again, from its method and the caller's header.
pub fn allowed(method: &Method, headers: &HeaderMap) -> bool {
    let asked = headers
        .get(&RETRY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    match asked {
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        _ => matches!(
            *method,
            Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
        ),
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1`, or `None` to give up: `retry_after` when the
    /// upstream asked, else half to all of `base * 2^(attempt-1)` capped at `max_delay`.
    pub fn wait(
        &self,
        attempt: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let wait = retry_after.unwrap_or_else(|| {
            let full = self
                .base_delay
                .saturating_mul(1 << attempt.saturating_sub(1).min(16))
                .min(self.max_delay);
            let half = full / 2;
            half + half.mul_f64(rand::thread_rng().gen_range(0.0..=1.0))
        });
        (elapsed.saturating_add(wait) <= self.budget).then_some(wait)
    }
}

/// `Retry-After`: delay-seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - Utc::now()).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            RETRY_HEADER,
            HeaderValue::from_str(value).unwrap_or(HeaderValue::from_static("")),
        );
        h
    }

    #[test]
    fn idempotent_methods_retry_unless_told_not_to_and_writes_only_when_asked() {
        let none = HeaderMap::new();
        for m in [
            Method::GET,
            Method::HEAD,
            Method::OPTIONS,
            Method::PUT,
            Method::DELETE,
        ] {
            assert!(allowed(&m, &none), "{m}");
            assert!(!allowed(&m, &with("false")), "{m}");
        }
        for m in [Method::POST, Method::PATCH] {
            assert!(!allowed(&m, &none), "{m}");
            assert!(allowed(&m, &with("TRUE")), "{m}");
        }
    }

    #[test]
    fn attempts_and_budget_bound_the_waits() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.wait(1, Duration::ZERO, Some(Duration::from_secs(1))),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            p.wait(1, Duration::from_secs(9), Some(Duration::from_secs(2))),
            None
        );
        assert_eq!(p.wait(3, Duration::ZERO, None), None);
        let w = p.wait(2, Duration::ZERO, None).unwrap_or_default();
        assert!((100..=200).contains(&w.as_millis()), "{w:?}");
    }
}
