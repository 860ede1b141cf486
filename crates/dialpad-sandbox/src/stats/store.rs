//! The stats requests of all companies, and Dialpad's request cache: an identical
//! request (same company, same normalised parameters, same local day) made within
//! the cache window answers the running request with `already_started: true`.
//! Requests are forgotten when their window ends, swept lazily on each access.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rand::Rng as _;

use super::request::{Range, StatsQuery, Window};

/// How long Dialpad keeps serving an identical request: 30 minutes for `is_today`.
pub const TODAY_CACHE: Duration = Duration::from_secs(30 * 60);
/// ... and 3 hours for a `days_ago` range.
pub const DAYS_AGO_CACHE: Duration = Duration::from_secs(3 * 3600);

/// Where a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Processing,
    Complete,
    Failed,
}

/// One stats request.
#[derive(Debug, Clone)]
pub struct StatsRequest {
    pub id: String,
    pub company_id: i64,
    pub query: StatsQuery,
    pub window: Window,
    pub created: Instant,
    pub expires: Instant,
    /// Ends `failed` instead of `complete`.
    pub fails: bool,
}

impl StatsRequest {
    pub fn status(&self, now: Instant, processing: Duration) -> Status {
        if now < self.created + processing {
            Status::Processing
        } else if self.fails {
            Status::Failed
        } else {
            Status::Complete
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    company_id: i64,
    query: StatsQuery,
    today: NaiveDate,
}

/// Every live stats request, by id and by cache key.
#[derive(Debug, Default)]
pub struct StatsStore {
    requests: HashMap<String, StatsRequest>,
    cache: HashMap<CacheKey, String>,
}

impl StatsStore {
    /// Starts a request, or finds the identical one still cached. Answers its id and
    /// whether it had already started.
    pub fn start(
        &mut self,
        company_id: i64,
        query: StatsQuery,
        window: Window,
        fails: bool,
        now: Instant,
    ) -> (String, bool) {
        self.sweep(now);
        let key = CacheKey {
            company_id,
            query,
            today: window.today,
        };
        if let Some(id) = self.cache.get(&key) {
            return (id.clone(), true);
        }
        let ttl = match key.query.range {
            Range::Today => TODAY_CACHE,
            Range::DaysAgo { .. } => DAYS_AGO_CACHE,
        };
        let id = self.fresh_id();
        self.requests.insert(
            id.clone(),
            StatsRequest {
                id: id.clone(),
                company_id,
                query: key.query.clone(),
                window,
                created: now,
                expires: now + ttl,
                fails,
            },
        );
        self.cache.insert(key, id.clone());
        (id, false)
    }

    /// A live request of `company_id`.
    pub fn get(&mut self, company_id: i64, id: &str, now: Instant) -> Option<&StatsRequest> {
        self.find(id, now).filter(|r| r.company_id == company_id)
    }

    /// A live request of any company (its download URL is the credential).
    pub fn find(&mut self, id: &str, now: Instant) -> Option<&StatsRequest> {
        self.sweep(now);
        self.requests.get(id)
    }

    pub fn len(&self) -> usize {
        self.requests.len()
    }

    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
    }

    fn sweep(&mut self, now: Instant) {
        self.requests.retain(|_, r| r.expires > now);
        let requests = &self.requests;
        self.cache.retain(|_, id| requests.contains_key(id));
    }

    /// A random int64-shaped id, as a decimal string like Dialpad's.
    fn fresh_id(&self) -> String {
        let mut rng = rand::thread_rng();
        loop {
            let id = rng
                .gen_range(1_000_000_000_000_000_i64..10_000_000_000_000_000)
                .to_string();
            if !self.requests.contains_key(&id) {
                return id;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::stats::request::ProcessStatsMessage;

    fn query(is_today: bool) -> StatsQuery {
        StatsQuery::parse(ProcessStatsMessage {
            export_type: Some("records".into()),
            stat_type: Some("calls".into()),
            is_today: Some(is_today),
            ..ProcessStatsMessage::default()
        })
        .unwrap()
    }

    #[test]
    fn identical_requests_share_an_id_until_their_cache_window_ends() {
        let mut store = StatsStore::default();
        let t0 = Instant::now();
        let q = query(true);
        let w = q.window(0);
        let (id, started) = store.start(1, q.clone(), w, false, t0);
        assert!(!started);
        let (again, started) = store.start(1, q.clone(), w, false, t0 + Duration::from_secs(60));
        assert_eq!((again.as_str(), started), (id.as_str(), true));
        // Another company gets its own request and cannot read this one.
        let (other, started) = store.start(2, q.clone(), w, false, t0);
        assert!(!started && other != id);
        assert!(store.get(2, &id, t0).is_none());
        // After 30 minutes the is_today request is gone and a new one starts.
        let later = t0 + TODAY_CACHE + Duration::from_secs(1);
        assert!(store.get(1, &id, later).is_none());
        let (fresh, started) = store.start(1, q, w, false, later);
        assert!(!started && fresh != id);
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn days_ago_requests_live_three_hours() {
        let mut store = StatsStore::default();
        let t0 = Instant::now();
        let q = query(false);
        let (id, _) = store.start(1, q.clone(), q.window(0), false, t0);
        assert!(store.get(1, &id, t0 + TODAY_CACHE * 2).is_some());
        assert!(store.get(1, &id, t0 + DAYS_AGO_CACHE).is_none());
        assert!(store.is_empty());
    }

    #[test]
    fn status_moves_from_processing_to_complete_or_failed() {
        let mut store = StatsStore::default();
        let t0 = Instant::now();
        let q = query(false);
        let (ok, _) = store.start(1, q.clone(), q.window(0), false, t0);
        let step = Duration::from_secs(2);
        let r = store.get(1, &ok, t0).unwrap().clone();
        assert_eq!(r.status(t0, step), Status::Processing);
        assert_eq!(r.status(t0 + step, step), Status::Complete);
        let mut failing = r;
        failing.fails = true;
        assert_eq!(failing.status(t0 + step, step), Status::Failed);
    }
}
