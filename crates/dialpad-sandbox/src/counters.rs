//! What the sandbox has seen, for tests and benchmarks to assert on: requests by
//! route and status, token grants by grant type, events delivered and failed.

use std::collections::BTreeMap;

use parking_lot::Mutex;
use serde::Serialize;

#[derive(Debug, Default)]
pub struct Counters {
    requests: Mutex<BTreeMap<String, BTreeMap<u16, u64>>>,
    grants: Mutex<BTreeMap<String, u64>>,
    events: Mutex<EventCounts>,
}

#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct EventCounts {
    pub delivered: u64,
    pub failed: u64,
    pub retried: u64,
}

/// The JSON answer of `GET /_sandbox/counters`.
#[derive(Debug, Serialize)]
pub struct Snapshot {
    /// `"GET /api/v2/users/{id}" -> {"200": n, "429": m}`.
    pub requests: BTreeMap<String, BTreeMap<u16, u64>>,
    /// `"authorization_code" -> n`, `"refresh_token" -> m`.
    pub token_grants: BTreeMap<String, u64>,
    pub events: EventCounts,
}

impl Counters {
    pub fn request(&self, route: &str, status: u16) {
        let mut requests = self.requests.lock();
        match requests.get_mut(route) {
            Some(by_status) => *by_status.entry(status).or_default() += 1,
            None => {
                requests.insert(route.to_owned(), BTreeMap::from([(status, 1)]));
            }
        }
    }

    pub fn grant(&self, grant_type: &str) {
        *self.grants.lock().entry(grant_type.to_owned()).or_default() += 1;
    }

    pub fn event_delivered(&self) {
        self.events.lock().delivered += 1;
    }

    pub fn event_failed(&self) {
        self.events.lock().failed += 1;
    }

    pub fn event_retried(&self) {
        self.events.lock().retried += 1;
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            requests: self.requests.lock().clone(),
            token_grants: self.grants.lock().clone(),
            events: *self.events.lock(),
        }
    }

    pub fn clear(&self) {
        self.requests.lock().clear();
        self.grants.lock().clear();
        *self.events.lock() = EventCounts::default();
    }
}
