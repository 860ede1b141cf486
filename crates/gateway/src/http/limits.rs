//! Limits on our own API: a per-key request rate (GCRA: a steady rate with a burst
//! allowance, one timestamp per key), CORS for the session routes a browser calls, and the
//! settings that configure both.

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use moka::sync::Cache;
use parking_lot::Mutex;
use patchbay_core::ErrorCode;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

/// `N/s` with a burst: `100/s`, `100/s burst 200`, or `off`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateSpec {
    /// Sustained requests per second.
    pub per_second: f64,
    /// Requests allowed at once above the sustained rate.
    pub burst: u32,
}

impl FromStr for RateSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a rate: write `100/s` or `100/s burst 200`");
        let mut words = s.split_whitespace();
        let rate = words.next().ok_or_else(bad)?;
        let per_second: f64 = rate
            .strip_suffix("/s")
            .ok_or_else(bad)?
            .parse()
            .map_err(|_| bad())?;
        if !(per_second.is_finite() && per_second > 0.0) {
            return Err(bad());
        }
        let burst = match (words.next(), words.next(), words.next()) {
            (None, _, _) => (per_second.ceil() as u32).max(1),
            (Some("burst"), Some(n), None) => n.parse().map_err(|_| bad())?,
            _ => return Err(bad()),
        };
        Ok(Self { per_second, burst })
    }
}

/// A rate or `off`, as configured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit(pub Option<RateSpec>);

impl FromStr for RateLimit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "off" | "none" | "" => Ok(Self(None)),
            spec => spec.parse().map(|s| Self(Some(s))),
        }
    }
}

/// Per-key limiter. Keys idle for a minute are forgotten (their budget is full again).
#[derive(Clone)]
pub struct ApiLimiter {
    spec: Option<RateSpec>,
    /// Theoretical arrival time of the next request, per key.
    keys: Cache<String, Arc<Mutex<Instant>>>,
}

impl std::fmt::Debug for ApiLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiLimiter")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

impl ApiLimiter {
    /// A limiter at `spec` (`None`: unlimited).
    pub fn new(spec: Option<RateSpec>) -> Self {
        Self {
            spec,
            keys: Cache::builder()
                .max_capacity(1_000_000)
                .time_to_idle(Duration::from_secs(60))
                .build(),
        }
    }

    /// Admits one request for `key`, or says how long to wait before the next is admitted.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let Some(spec) = self.spec else {
            return Ok(());
        };
        let interval = Duration::from_secs_f64(1.0 / spec.per_second);
        let tolerance = interval.mul_f64(f64::from(spec.burst.saturating_sub(1)));
        let now = Instant::now();
        let cell = self.keys.get_with_by_ref(key, || Arc::new(Mutex::new(now)));
        let mut tat = cell.lock();
        let start = (*tat).max(now);
        // Admitted when the next arrival time is within the burst tolerance of now.
        if start.saturating_duration_since(now) > tolerance {
            return Err(start.saturating_duration_since(now) - tolerance);
        }
        *tat = start + interval;
        Ok(())
    }
}

/// Browser origins allowed to call the session routes (`/v1/s/...`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CorsOrigins {
    /// Any origin (the default: session tokens are sent as a header, never as a cookie,
    /// so a page can only use a token it was given).
    #[default]
    Any,
    /// Only these (`https://app.example.com`).
    List(Vec<String>),
    /// No cross-origin calls.
    None,
}

impl FromStr for CorsOrigins {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "*" => Ok(Self::Any),
            "" | "none" => Ok(Self::None),
            list => {
                let origins: Vec<String> = list
                    .split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_owned())
                    .filter(|o| !o.is_empty())
                    .collect();
                for origin in &origins {
                    let parsed = url::Url::parse(origin).map_err(|_| {
                        format!("`{origin}` is not an origin such as https://app.example.com")
                    })?;
                    if parsed.path() != "/" || parsed.query().is_some() {
                        return Err(format!(
                            "`{origin}` is not an origin: scheme, host and port only"
                        ));
                    }
                }
                Ok(Self::List(origins))
            }
        }
    }
}

impl CorsOrigins {
    /// The layer for the session routes (`None`: no CORS headers at all).
    pub fn layer(&self) -> Option<CorsLayer> {
        let base = CorsLayer::new()
            .allow_methods([
                axum::http::Method::GET,
                axum::http::Method::POST,
                axum::http::Method::PATCH,
                axum::http::Method::DELETE,
            ])
            .allow_headers([
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderName::from_static("x-session-token"),
                axum::http::HeaderName::from_static("x-request-id"),
            ])
            .expose_headers([
                axum::http::HeaderName::from_static("x-request-id"),
                axum::http::header::RETRY_AFTER,
            ])
            .max_age(Duration::from_secs(600));
        match self {
            Self::None => None,
            Self::Any => Some(base.allow_origin(Any)),
            Self::List(origins) => {
                let values: Vec<HeaderValue> = origins
                    .iter()
                    .filter_map(|o| HeaderValue::from_str(o).ok())
                    .collect();
                Some(base.allow_origin(AllowOrigin::list(values)))
            }
        }
    }
}

/// How the gateway protects itself: request timeouts, our own API's rate limit, CORS.
#[derive(Debug, Clone)]
pub struct Hardening {
    /// The longest a request may take before it is answered 408 (the proxy's streamed
    /// bodies excepted: the limit covers the time to the response head).
    pub request_timeout: Duration,
    /// Requests per secret key (and per session connection); `None`: unlimited.
    pub api_rate_limit: Option<RateSpec>,
    /// Origins allowed to call the session routes from a browser.
    pub cors_origins: CorsOrigins,
}

impl Default for Hardening {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(60),
            api_rate_limit: None,
            cors_origins: CorsOrigins::Any,
        }
    }
}

/// Answers `REQUEST_TIMEOUT` (504) when the handler takes longer than the configured
/// request timeout; the work it was doing is dropped.
pub async fn timeout(
    State(state): State<crate::app::AppState>,
    request: Request,
    next: Next,
) -> Response {
    let limit = state.config.hardening.request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => timed_out(limit),
    }
}

/// The answer to a request that took longer than `limit`: 504 `REQUEST_TIMEOUT`.
pub fn timed_out(limit: std::time::Duration) -> Response {
    super::error::ApiError::new(
        ErrorCode::RequestTimeout,
        format!(
            "the request took longer than {} s, the gateway's limit",
            limit.as_secs_f64()
        ),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn rates_parse_with_and_without_a_burst() {
        assert_eq!(
            "100/s".parse::<RateSpec>().unwrap(),
            RateSpec {
                per_second: 100.0,
                burst: 100
            }
        );
        assert_eq!("5/s burst 20".parse::<RateSpec>().unwrap().burst, 20);
        assert!("100".parse::<RateSpec>().is_err());
        assert!("0/s".parse::<RateSpec>().is_err());
        assert!("1/s burst".parse::<RateSpec>().is_err());
    }

    #[test]
    fn a_burst_is_admitted_then_the_next_waits_about_one_interval() {
        let limiter = ApiLimiter::new(Some(RateSpec {
            per_second: 10.0,
            burst: 3,
        }));
        for _ in 0..3 {
            assert!(limiter.check("k").is_ok());
        }
        let wait = limiter.check("k").unwrap_err();
        assert!(
            wait > Duration::from_millis(50) && wait <= Duration::from_millis(100),
            "{wait:?}"
        );
        // Another key has its own budget.
        assert!(limiter.check("other").is_ok());
        assert!(ApiLimiter::new(None).check("k").is_ok());
    }

    #[test]
    fn origins_must_be_bare_origins() {
        assert_eq!("*".parse::<CorsOrigins>().unwrap(), CorsOrigins::Any);
        assert_eq!("none".parse::<CorsOrigins>().unwrap(), CorsOrigins::None);
        assert_eq!(
            "https://a.example.com/, http://localhost:3000"
                .parse::<CorsOrigins>()
                .unwrap(),
            CorsOrigins::List(vec![
                "https://a.example.com".into(),
                "http://localhost:3000".into()
            ])
        );
        assert!("https://a.example.com/app".parse::<CorsOrigins>().is_err());
    }
}
