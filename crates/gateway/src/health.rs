//! Liveness and readiness. `/healthz` only says the process answers; `/readyz` says this
//! instance can do its work: the database answers, its schema is this binary's, and every
//! background worker has shown progress recently. A worker proves progress by beating its
//! [`Heartbeat`] each round, so one that silently stopped consuming turns readiness red.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// The workers of one instance and when each last made progress.
#[derive(Debug, Clone, Default)]
pub struct Heartbeats(Arc<Mutex<BTreeMap<&'static str, Beat>>>);

#[derive(Debug, Clone, Copy)]
struct Beat {
    last: Instant,
    max_silence: Duration,
}

/// A worker's handle: beat it each round.
#[derive(Debug, Clone)]
pub struct Heartbeat {
    name: &'static str,
    beats: Heartbeats,
}

/// A worker that has not beaten in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stalled {
    /// The worker.
    pub name: &'static str,
    /// Since its last beat.
    pub silent_for: Duration,
}

impl Heartbeats {
    /// Registers `name`, which must beat at least every `max_silence` (it starts beaten).
    pub fn register(&self, name: &'static str, max_silence: Duration) -> Heartbeat {
        self.0.lock().insert(
            name,
            Beat {
                last: Instant::now(),
                max_silence,
            },
        );
        Heartbeat {
            name,
            beats: self.clone(),
        }
    }

    /// Forgets `name` (a worker stopped on purpose, at shutdown).
    pub fn unregister(&self, name: &'static str) {
        self.0.lock().remove(name);
    }

    /// Every worker and its silence so far, with whether it is late.
    pub fn report(&self) -> Vec<(&'static str, Duration, bool)> {
        let now = Instant::now();
        self.0
            .lock()
            .iter()
            .map(|(name, beat)| {
                let silent = now.saturating_duration_since(beat.last);
                (*name, silent, silent > beat.max_silence)
            })
            .collect()
    }

    /// The late workers.
    pub fn stalled(&self) -> Vec<Stalled> {
        self.report()
            .into_iter()
            .filter(|(_, _, late)| *late)
            .map(|(name, silent_for, _)| Stalled { name, silent_for })
            .collect()
    }
}

impl Heartbeat {
    /// Records progress.
    pub fn beat(&self) {
        if let Some(beat) = self.beats.0.lock().get_mut(self.name) {
            beat.last = Instant::now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_that_stops_beating_is_reported_stalled() {
        let beats = Heartbeats::default();
        let alive = beats.register("alive", Duration::from_secs(60));
        let _stuck = beats.register("stuck", Duration::ZERO);
        std::thread::sleep(Duration::from_millis(5));
        alive.beat();
        let stalled = beats.stalled();
        assert_eq!(stalled.len(), 1);
        assert_eq!(stalled[0].name, "stuck");
        beats.unregister("stuck");
        assert!(beats.stalled().is_empty());
    }
}
