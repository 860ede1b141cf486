//! How a `DialpadConnector` talks to Dialpad: the base URL, the connect and request
//! timeouts, and the retry policy for idempotent requests. Plain data with defaults that
//! suit production (`https://dialpad.com`); tests point `base_url` at the sandbox.

use std::time::Duration;

use url::Url;

/// Configuration of one connector (one long-lived HTTP client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialpadConfig {
    /// Where Dialpad is: `https://dialpad.com` (production), `https://sandbox.dialpad.com`,
    /// or a local sandbox. API paths (`/api/v2/...`, `/oauth2/...`) are joined to it.
    pub base_url: Url,
    /// Longest wait for a TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// Longest wait for one whole answer, body included.
    pub request_timeout: Duration,
    /// How failed idempotent requests are retried.
    pub retry: RetryPolicy,
}

impl Default for DialpadConfig {
    fn default() -> Self {
        Self {
            base_url: production_url(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        }
    }
}

/// Dialpad's production base URL.
pub const PRODUCTION_URL: &str = "https://dialpad.com";

fn production_url() -> Url {
    match Url::parse(PRODUCTION_URL) {
        Ok(url) => url,
        // A constant, valid URL: checked by `default_points_at_production`.
        Err(_) => unreachable!("PRODUCTION_URL is a valid URL"),
    }
}

/// Retries of idempotent requests (GET, PUT, DELETE) after a 429, a 5xx, a timeout or a
/// dropped connection: exponential backoff with jitter, or the `Retry-After` Dialpad asks
/// for, never past `budget` since the first attempt. POST and PATCH are never retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries).
    pub max_attempts: u32,
    /// The first backoff; each later one doubles, up to `max_delay`.
    pub base_delay: Duration,
    /// The longest backoff between two attempts (a `Retry-After` may ask for longer, and
    /// is honoured while the budget allows).
    pub max_delay: Duration,
    /// The longest time spent on one request, waits included; a wait that would end past
    /// it is not started.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
            budget: Duration::from_secs(20),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_points_at_production() {
        let config = DialpadConfig::default();
        assert_eq!(config.base_url.as_str(), "https://dialpad.com/");
        assert!(config.retry.max_attempts > 1);
        assert!(config.retry.budget >= config.retry.max_delay);
    }
}
