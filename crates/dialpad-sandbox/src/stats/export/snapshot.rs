//! What an export reads of a company, copied while the world is locked. Every string
//! goes into one shared buffer: a `String` per field would cost an allocation each,
//! which for 100k calls was most of the time the lock was held.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::ops::Range;

use crate::stats::request::{Scope, StatType, StatsQuery, TargetType, Window};
use crate::world::{Call, CallParty, Company, Outcome, RecordingDetails};

/// A string of the snapshot: its place in [`Snapshot::text`].
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Text {
    start: usize,
    end: usize,
}

/// A call's target or contact.
#[derive(Debug, Clone, Copy)]
pub(super) struct Party {
    pub kind: Text,
    pub id: Text,
    pub name: Text,
    pub email: Text,
}

/// What of a concluded call the exports show.
#[derive(Debug)]
pub(super) struct CallRow {
    pub call_id: i64,
    pub direction: &'static str,
    pub outcome: Outcome,
    pub user_id: i64,
    pub office_id: i64,
    pub call_center_id: Option<i64>,
    pub date_started: i64,
    pub date_rang: Option<i64>,
    pub date_connected: Option<i64>,
    pub date_ended: Option<i64>,
    pub duration: Option<f64>,
    pub total_duration: Option<f64>,
    pub target: Party,
    pub contact: Party,
    pub external_number: Text,
    pub internal_number: Text,
    pub was_recorded: bool,
    /// Empty when the call left no voicemail.
    pub voicemail_link: Text,
    /// The labels joined by commas.
    pub labels: Text,
    /// This call's entries of [`Snapshot::recordings`].
    recordings: Range<usize>,
}

/// A call recording (voicemail recordings are not exported as recordings).
#[derive(Debug)]
pub(super) struct RecordingRow {
    pub id: Text,
    pub recording_type: &'static str,
    pub start_time: i64,
    pub duration: i64,
    pub url: Text,
}

/// The calls an export is about (started in its window, in its scope, of its stat
/// type), oldest first, and the office and call center names.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub(super) calls: Vec<CallRow>,
    recordings: Vec<RecordingRow>,
    text: String,
    office_names: HashMap<i64, String>,
    center_names: HashMap<i64, String>,
}

fn call_recordings(c: &Call) -> impl Iterator<Item = &RecordingDetails> {
    c.recording_details
        .iter()
        .filter(|r| r.recording_type != "voicemail")
}

impl Snapshot {
    /// Copies what `query` over `window` shows of `company`, finding the window's
    /// calls through their time order.
    pub fn take(company: &Company, query: &StatsQuery, window: &Window) -> Self {
        // The calls each stat type shows; the others have no data in the sandbox.
        let wanted: Option<fn(&Call) -> bool> = match query.stat {
            StatType::Calls => Some(|_| true),
            StatType::Voicemails => Some(|c| c.outcome == Outcome::Voicemail),
            StatType::Recordings => Some(|c| call_recordings(c).next().is_some()),
            _ => None,
        };
        let mut snapshot = Self {
            office_names: company
                .offices
                .iter()
                .map(|(id, o)| (*id, o.name.clone()))
                .collect(),
            center_names: company
                .call_centers
                .iter()
                .map(|(id, c)| (*id, c.name.clone()))
                .collect(),
            ..Self::default()
        };
        let Window { from_ms, to_ms, .. } = *window;
        let Some(wanted) = wanted.filter(|_| from_ms < to_ms) else {
            return snapshot;
        };
        // Keys order calls newest first: walk from the newest start before `to_ms`
        // down to `from_ms`, backwards, for oldest first.
        let newest = (Reverse(to_ms - 1), i64::MIN);
        let oldest = (Reverse(from_ms), i64::MAX);
        let scope = query.scope;
        let calls: Vec<&Call> = company
            .calls
            .range(newest..=oldest)
            .rev()
            .map(|(_, c)| c)
            .filter(|c| in_scope(c, scope) && wanted(c))
            .collect();
        // Sized up front, so that 100k rows neither regrow nor overshoot the buffers.
        snapshot.calls.reserve_exact(calls.len());
        snapshot
            .text
            .reserve_exact(calls.iter().map(|c| text_len(c)).sum());
        for c in calls {
            snapshot.add(c);
        }
        snapshot
    }

    fn add(&mut self, c: &Call) {
        let start = self.recordings.len();
        for r in call_recordings(c) {
            let row = RecordingRow {
                id: self.copy(&r.id),
                recording_type: r.recording_type,
                start_time: r.start_time,
                duration: r.duration,
                url: self.copy(&r.url),
            };
            self.recordings.push(row);
        }
        let labels_start = self.text.len();
        for (i, label) in c.labels.iter().enumerate() {
            if i > 0 {
                self.text.push(',');
            }
            self.text.push_str(label);
        }
        let row = CallRow {
            call_id: c.call_id,
            direction: c.direction,
            outcome: c.outcome,
            user_id: c.user_id,
            office_id: c.office_id,
            call_center_id: c.call_center_id,
            date_started: c.date_started,
            date_rang: c.date_rang,
            date_connected: c.date_connected,
            date_ended: c.date_ended,
            duration: c.duration,
            total_duration: c.total_duration,
            labels: Text {
                start: labels_start,
                end: self.text.len(),
            },
            target: self.party(&c.target),
            contact: self.party(&c.contact),
            external_number: self.copy(&c.external_number),
            internal_number: self.copy(&c.internal_number),
            was_recorded: c.was_recorded,
            voicemail_link: self.copy(c.voicemail_share_link.as_deref().unwrap_or("")),
            recordings: start..self.recordings.len(),
        };
        self.calls.push(row);
    }

    fn copy(&mut self, s: &str) -> Text {
        let start = self.text.len();
        self.text.push_str(s);
        Text {
            start,
            end: self.text.len(),
        }
    }

    fn party(&mut self, p: &CallParty) -> Party {
        Party {
            kind: self.copy(&p.kind),
            id: self.copy(&p.id),
            name: self.copy(&p.name),
            email: self.copy(&p.email),
        }
    }

    pub(super) fn text(&self, t: Text) -> &str {
        self.text.get(t.start..t.end).unwrap_or_default()
    }

    pub(super) fn recordings(&self, call: &CallRow) -> &[RecordingRow] {
        self.recordings
            .get(call.recordings.clone())
            .unwrap_or_default()
    }

    pub(super) fn office_name(&self, id: i64) -> &str {
        self.office_names.get(&id).map_or("", String::as_str)
    }

    pub(super) fn center_name(&self, id: Option<i64>) -> &str {
        id.and_then(|id| self.center_names.get(&id))
            .map_or("", String::as_str)
    }
}

/// How much of [`Snapshot::text`] a call takes, recordings aside.
fn text_len(c: &Call) -> usize {
    let party = |p: &CallParty| p.kind.len() + p.id.len() + p.name.len() + p.email.len();
    party(&c.target)
        + party(&c.contact)
        + c.external_number.len()
        + c.internal_number.len()
        + c.voicemail_share_link.as_ref().map_or(0, String::len)
        + c.labels.iter().map(|l| l.len() + 1).sum::<usize>()
}

fn in_scope(call: &Call, scope: Scope) -> bool {
    match scope {
        Scope::Company => true,
        Scope::Office(id) | Scope::Target(TargetType::Office, id) => call.office_id == id,
        Scope::Target(TargetType::User, id) => call.user_id == id,
        Scope::Target(TargetType::Callcenter, id) => call.call_center_id == Some(id),
        Scope::Target(..) => false,
    }
}
