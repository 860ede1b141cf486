//! Concluded calls: the seeded call history of a company (90 days before the
//! anchor, newest first), and [`build_call`], which lays out any concluded call the
//! way Dialpad reports it (live calls use it too when they end).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::data::{LABELS, external_number};
use super::{Rng, Sizes};
use crate::world::{
    Call, CallCenter, CallParty, Company, Contact, Outcome, RecordingDetails, User, World,
};

/// Files `sizes.calls` concluded calls. A call involves one of the user's own call
/// centers (if any) and a shared contact or one of the user's own local contacts
/// (Dialpad never matches another user's local contact), or an unknown number.
pub(super) fn seed_calls(
    world: &mut World,
    rng: &mut Rng,
    n: usize,
    company: &mut Company,
    contact_ids: &[String],
    sizes: Sizes,
    anchor: DateTime<Utc>,
) {
    let user_ids: Vec<i64> = company.users.keys().copied().collect();
    let active_users: Vec<i64> = company
        .users
        .values()
        .filter(|u| u.state == "active")
        .map(|u| u.id)
        .collect();
    let mut centers_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for center in company.call_centers.values() {
        for op in &center.operators {
            centers_of.entry(*op).or_default().push(center.id);
        }
    }
    let mut shared_ids = Vec::new();
    let mut locals_of: HashMap<i64, Vec<String>> = HashMap::new();
    for id in contact_ids {
        match company.contacts[id].owner_id {
            Some(owner) => locals_of.entry(owner).or_default().push(id.clone()),
            None => shared_ids.push(id.clone()),
        }
    }

    let span_ms: i64 = 90 * 24 * 3600 * 1000;
    let anchor_ms = anchor.timestamp_millis();
    let step = (span_ms / sizes.calls.max(1) as i64).max(1);
    for i in 0..sizes.calls {
        let call_id = world.next_id();
        let jitter = rng.below(step as u64) as i64;
        let started = anchor_ms - (i as i64) * step - jitter - 60_000;
        let user_id = if active_users.is_empty() {
            user_ids[0]
        } else {
            *rng.pick(&active_users)
        };
        let inbound = rng.chance(55);
        let roll = rng.below(100);
        let outcome = if roll < 70 || (!inbound && roll < 85) {
            Outcome::Answered
        } else if !inbound || roll < 88 {
            Outcome::Missed
        } else {
            Outcome::Voicemail
        };
        let own_locals = locals_of.get(&user_id).filter(|l| !l.is_empty());
        let contact_id = if rng.chance(15) {
            None
        } else {
            match own_locals {
                Some(own) if rng.chance(20) || shared_ids.is_empty() => Some(rng.pick(own)),
                _ if !shared_ids.is_empty() => Some(rng.pick(&shared_ids)),
                _ => None,
            }
        };
        let contact = contact_id.and_then(|id| company.contacts.get(id));
        let external = contact
            .and_then(|c| c.primary_phone.clone())
            .unwrap_or_else(|| external_number(n + 3, 1_000_000 + i));
        let user = &company.users[&user_id];
        let own_centers = centers_of.get(&user_id).filter(|c| !c.is_empty());
        let call_center_id = match own_centers {
            Some(centers) if inbound && rng.chance(30) => Some(*rng.pick(centers)),
            _ => None,
        };
        let ring_ms = 2_000 + rng.below(15_000) as i64;
        let talk_ms = match outcome {
            Outcome::Answered => 15_000 + rng.below(900_000) as i64,
            Outcome::Voicemail => 5_000 + rng.below(60_000) as i64,
            Outcome::Missed => 0,
        };
        let recorded = outcome == Outcome::Answered && rng.chance(30);
        let labels = if rng.chance(25) {
            vec![(*rng.pick(LABELS)).to_owned()]
        } else {
            Vec::new()
        };
        let call = build_call(CallSpec {
            call_id,
            user,
            office_id: user.office_id,
            call_center: call_center_id.and_then(|id| company.call_centers.get(&id)),
            contact,
            external_number: external,
            inbound,
            outcome,
            started,
            ring_ms,
            talk_ms,
            recorded,
            labels,
            has_transcript: outcome == Outcome::Answered && talk_ms > 20_000 && rng.chance(70),
        });
        company.insert_concluded(call);
    }
}

/// What a concluded call is made of.
#[derive(Debug)]
pub struct CallSpec<'a> {
    pub call_id: i64,
    pub user: &'a User,
    pub office_id: i64,
    pub call_center: Option<&'a CallCenter>,
    pub contact: Option<&'a Contact>,
    pub external_number: String,
    pub inbound: bool,
    pub outcome: Outcome,
    pub started: i64,
    pub ring_ms: i64,
    pub talk_ms: i64,
    pub recorded: bool,
    pub labels: Vec<String>,
    pub has_transcript: bool,
}

/// Lays out a concluded call the way Dialpad reports it.
pub fn build_call(spec: CallSpec<'_>) -> Call {
    let user = spec.user;
    let rang = spec.started + 300;
    let connected = (spec.outcome == Outcome::Answered).then_some(rang + spec.ring_ms);
    let ended = rang + spec.ring_ms + spec.talk_ms;
    let duration = (spec.outcome != Outcome::Missed).then_some(spec.talk_ms as f64);
    let internal_number = spec
        .call_center
        .and_then(|c| c.phone_numbers.first().cloned())
        .or_else(|| user.primary_phone().map(str::to_owned))
        .unwrap_or_default();
    let mut recording_details = Vec::new();
    let mut share_links = Vec::new();
    if spec.recorded {
        let url = format!("https://sandbox.dialpad.invalid/r/{}.mp3", spec.call_id);
        recording_details.push(RecordingDetails {
            duration: spec.talk_ms,
            id: format!("rec{}", spec.call_id),
            recording_type: "callrecording",
            start_time: connected.unwrap_or(rang),
            url: url.clone(),
        });
        share_links.push(url);
    }
    let voicemail_share_link = (spec.outcome == Outcome::Voicemail).then(|| {
        let url = format!("https://sandbox.dialpad.invalid/v/{}.mp3", spec.call_id);
        recording_details.push(RecordingDetails {
            duration: spec.talk_ms,
            id: format!("vm{}", spec.call_id),
            recording_type: "voicemail",
            start_time: rang + spec.ring_ms,
            url: url.clone(),
        });
        url
    });
    let state = match spec.outcome {
        Outcome::Answered => "hangup",
        Outcome::Missed => "missed",
        Outcome::Voicemail => "voicemail",
    };
    Call {
        call_id: spec.call_id,
        direction: if spec.inbound { "inbound" } else { "outbound" },
        state: state.into(),
        date_started: spec.started,
        date_rang: Some(rang),
        date_connected: connected,
        date_ended: Some(ended),
        duration,
        total_duration: Some((ended - spec.started) as f64),
        event_timestamp: ended,
        external_number: spec.external_number.clone(),
        internal_number,
        target: user_party(user),
        contact: contact_party(spec.contact, &spec.external_number),
        proxy_target: serde_json::Map::new(),
        entry_point_target: spec.call_center.map(|c| CallParty {
            email: String::new(),
            id: c.id.to_string(),
            name: c.name.clone(),
            phone: c.phone_numbers.first().cloned().unwrap_or_default(),
            kind: "callcenter".into(),
        }),
        entry_point_call_id: None,
        group_id: match spec.call_center {
            Some(c) => format!("CallCenter:{}", c.id),
            None => format!("Office:{}", spec.office_id),
        },
        is_transferred: false,
        was_recorded: spec.recorded,
        labels: spec.labels,
        recording_details,
        call_recording_share_links: share_links,
        voicemail_share_link,
        custom_data: None,
        user_id: user.id,
        office_id: spec.office_id,
        call_center_id: spec.call_center.map(|c| c.id),
        outcome: spec.outcome,
        has_transcript: spec.has_transcript,
    }
}

pub fn user_party(user: &User) -> CallParty {
    CallParty {
        email: user.primary_email().unwrap_or_default().to_owned(),
        id: user.id.to_string(),
        name: user.display_name.clone(),
        phone: user.primary_phone().unwrap_or_default().to_owned(),
        kind: "user".into(),
    }
}

/// The other party: a known contact, or a bare number Dialpad could not match.
pub fn contact_party(contact: Option<&Contact>, number: &str) -> CallParty {
    match contact {
        Some(c) => CallParty {
            email: c.primary_email.clone().unwrap_or_default(),
            id: c.id.clone(),
            name: c.display_name.clone(),
            phone: number.to_owned(),
            kind: c.kind.into(),
        },
        None => CallParty {
            email: String::new(),
            id: String::new(),
            name: number.to_owned(),
            phone: number.to_owned(),
            kind: "unknown".into(),
        },
    }
}
