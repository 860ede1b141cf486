//! When to try an idempotent request again: exponential backoff with jitter, or Dialpad's
//! `Retry-After` (seconds or an HTTP date), within the policy's attempts and time budget.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng as _;

use crate::config::RetryPolicy;

/// The backoff before attempt `attempt + 1` (`attempt` starts at 1): half to all of
/// `base * 2^(attempt-1)`, capped at `max_delay` ("equal jitter", so waits never collapse
/// to zero and concurrent clients spread out).
pub(crate) fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    let exp = attempt.saturating_sub(1).min(20);
    let full = policy
        .base_delay
        .saturating_mul(1u32 << exp)
        .min(policy.max_delay);
    let half = full / 2;
    let jitter_ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
    half + Duration::from_millis(rand::thread_rng().gen_range(0..=jitter_ms))
}

/// Reads `Retry-After`: delay-seconds, or an HTTP date (a date in the past is no wait).
pub(crate) fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Wait this long, then try again.
    Retry(Duration),
    /// Give up and report the failure.
    GiveUp,
}

/// Whether to retry after failed attempt number `attempt`, `elapsed` into the request;
/// `retry_after` is what Dialpad asked for, if anything. A wait that would end past the
/// budget is not started.
pub(crate) fn decide(
    policy: &RetryPolicy,
    attempt: u32,
    elapsed: Duration,
    retry_after: Option<Duration>,
) -> Decision {
    if attempt >= policy.max_attempts {
        return Decision::GiveUp;
    }
    let wait = retry_after.unwrap_or_else(|| backoff(policy, attempt));
    if elapsed.saturating_add(wait) > policy.budget {
        Decision::GiveUp
    } else {
        Decision::Retry(wait)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::TimeZone;

    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
            budget: Duration::from_secs(2),
        }
    }

    #[test]
    fn backoff_grows_with_jitter_up_to_the_cap() {
        let p = policy();
        for _ in 0..50 {
            let first = backoff(&p, 1);
            assert!((50..=100).contains(&first.as_millis()), "{first:?}");
            let third = backoff(&p, 3);
            assert!((200..=400).contains(&third.as_millis()), "{third:?}");
            let late = backoff(&p, 30);
            assert!((250..=500).contains(&late.as_millis()), "{late:?}");
        }
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let now = Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap();
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 01 May 2024 12:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 01 May 2024 11:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn attempts_and_budget_bound_the_retries() {
        let p = policy();
        let asked = Some(Duration::from_secs(1));
        assert_eq!(
            decide(&p, 1, Duration::ZERO, asked),
            Decision::Retry(Duration::from_secs(1))
        );
        // Honouring Retry-After would overrun the budget: give up at once.
        assert_eq!(
            decide(&p, 1, Duration::from_millis(1500), asked),
            Decision::GiveUp
        );
        assert_eq!(decide(&p, 5, Duration::ZERO, None), Decision::GiveUp);
        assert!(matches!(
            decide(&p, 2, Duration::ZERO, None),
            Decision::Retry(_)
        ));
        let once = RetryPolicy {
            max_attempts: 1,
            ..p
        };
        assert_eq!(decide(&once, 1, Duration::ZERO, None), Decision::GiveUp);
    }
}
