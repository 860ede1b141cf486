//! The sandbox's data: companies and everything they own, held in memory and
//! serialised in Dialpad's own JSON shapes (`protos.*` of the spec).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use crate::ids::{ser_i64, ser_opt_i64};

mod contacts;
mod users;

pub use contacts::Contact;
pub use users::{DISABLED_USER_STATES, GroupDetails, User, VoicemailSettings};

/// All companies of the sandbox.
#[derive(Debug, Default, Clone)]
pub struct World {
    pub companies: BTreeMap<i64, Company>,
    next_id: i64,
}

impl World {
    pub fn with_id_base(base: i64) -> Self {
        Self {
            companies: BTreeMap::new(),
            next_id: base,
        }
    }

    /// A fresh int64 id, unique across the sandbox and shaped like Dialpad's 16-digit ids.
    pub fn next_id(&mut self) -> i64 {
        self.next_id += 1 + (self.next_id.wrapping_mul(2_654_435_761) & 0xff);
        self.next_id
    }

    pub fn company(&self, id: i64) -> Option<&Company> {
        self.companies.get(&id)
    }

    pub fn company_mut(&mut self, id: i64) -> Option<&mut Company> {
        self.companies.get_mut(&id)
    }
}

/// Dialpad's target types (`protos.*` `target_type` enums).
pub const TARGET_TYPES: &[&str] = &[
    "callcenter",
    "callrouter",
    "channel",
    "coachinggroup",
    "coachingteam",
    "department",
    "office",
    "room",
    "staffgroup",
    "unknown",
    "user",
];

/// Key that orders concluded calls newest first, ties broken by id.
pub type CallKey = (Reverse<i64>, i64);

/// A name as Dialpad displays it: first and last name, trimmed.
pub fn display_name(first: &str, last: &str) -> String {
    format!("{first} {last}").trim().to_owned()
}

/// One company's data. Contacts are written only through [`Company::insert_contact`]
/// and [`Company::remove_contact`], which keep the owner and phone indexes in step.
#[derive(Debug, Default, Clone)]
pub struct Company {
    pub proto: CompanyProto,
    pub offices: BTreeMap<i64, Office>,
    /// Every user, deleted ones included (as tombstones, see [`User::tombstone`]).
    pub users: BTreeMap<i64, User>,
    /// Read freely; write through [`Company::insert_contact`] and
    /// [`Company::remove_contact`].
    pub contacts: BTreeMap<String, Contact>,
    /// Local contact ids by owner, in id order (the contacts list's `owner_id`).
    owner_index: HashMap<i64, BTreeSet<String>>,
    /// Contact ids by phone number, each list in id order (matching a call's number).
    phone_index: HashMap<String, Vec<String>>,
    pub call_centers: BTreeMap<i64, CallCenter>,
    /// Concluded calls, newest first.
    pub calls: BTreeMap<CallKey, Call>,
    pub call_index: HashMap<i64, CallKey>,
    /// Calls still moving through their states.
    pub live_calls: HashMap<i64, Call>,
    pub webhooks: BTreeMap<i64, Webhook>,
    pub subscriptions: BTreeMap<i64, Subscription>,
    /// Requests that asked for a soft-deprecated `limit` above 100 (see
    /// `page::size_with_limit`).
    pub oversized_limits: Counter,
}

/// A request counter that lives in the data (reset with it) and counts under a read
/// lock.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Counts one; answers how many were counted before it.
    pub fn bump(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed)
    }
}

impl Clone for Counter {
    fn clone(&self) -> Self {
        Self(AtomicU64::new(self.0.load(Ordering::Relaxed)))
    }
}

impl Company {
    pub fn id(&self) -> i64 {
        self.proto.id
    }

    /// The company admin (an active super admin) that company API keys act for.
    pub fn admin(&self) -> Option<&User> {
        self.users
            .values()
            .find(|u| u.is_super_admin && u.state == "active")
    }

    pub fn call(&self, id: i64) -> Option<&Call> {
        self.call_index
            .get(&id)
            .and_then(|k| self.calls.get(k))
            .or_else(|| self.live_calls.get(&id))
    }

    pub fn call_mut(&mut self, id: i64) -> Option<&mut Call> {
        match self.call_index.get(&id) {
            Some(k) => self.calls.get_mut(k),
            None => self.live_calls.get_mut(&id),
        }
    }

    /// Files a concluded call under its start time.
    pub fn insert_concluded(&mut self, call: Call) {
        let key = (Reverse(call.date_started), call.call_id);
        self.live_calls.remove(&call.call_id);
        self.call_index.insert(call.call_id, key);
        self.calls.insert(key, call);
    }

    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.users
            .values()
            .find(|u| u.emails.iter().any(|e| e.eq_ignore_ascii_case(email)))
    }

    /// A user who has not been deleted (a deleted user is a tombstone, readable by id
    /// but no longer something a request can act on or refer to).
    pub fn live_user(&self, id: i64) -> Option<&User> {
        self.users.get(&id).filter(|u| !u.is_deleted())
    }

    pub fn live_user_mut(&mut self, id: i64) -> Option<&mut User> {
        self.users.get_mut(&id).filter(|u| !u.is_deleted())
    }
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct CompanyProto {
    #[serde(serialize_with = "ser_i64")]
    pub id: i64,
    pub name: String,
    pub domain: String,
    pub admin_email: String,
    pub country: String,
    pub account_type: &'static str,
    pub state: &'static str,
    #[serde(serialize_with = "ser_i64")]
    pub office_count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Office {
    #[serde(serialize_with = "ser_i64")]
    pub id: i64,
    #[serde(serialize_with = "ser_i64")]
    pub office_id: i64,
    pub name: String,
    pub country: String,
    pub timezone: String,
    pub phone_numbers: Vec<String>,
    pub is_primary_office: bool,
    pub state: String,
    pub availability_status: &'static str,
    pub first_action: &'static str,
    pub no_operators_action: &'static str,
    #[serde(serialize_with = "ser_i64")]
    pub ring_seconds: i64,
    pub monday_hours: Vec<String>,
    pub tuesday_hours: Vec<String>,
    pub wednesday_hours: Vec<String>,
    pub thursday_hours: Vec<String>,
    pub friday_hours: Vec<String>,
    pub saturday_hours: Vec<String>,
    pub sunday_hours: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e911_address: Option<E911Address>,
    #[serde(skip)]
    pub company_id: i64,
    #[serde(skip)]
    pub hours_on: bool,
}

/// An office's emergency address (`protos.office.E911Message` in, `E911GetProto` out).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct E911Address {
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address2: Option<String>,
    pub city: String,
    pub country: String,
    pub state: String,
    pub zip: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CallCenter {
    #[serde(serialize_with = "ser_i64")]
    pub id: i64,
    #[serde(serialize_with = "ser_i64")]
    pub office_id: i64,
    pub name: String,
    pub country: String,
    pub timezone: String,
    pub phone_numbers: Vec<String>,
    pub state: &'static str,
    pub availability_status: &'static str,
    pub hours_on: bool,
    #[serde(serialize_with = "ser_i64")]
    pub ring_seconds: i64,
    pub first_action: &'static str,
    pub no_operators_action: &'static str,
    pub group_description: String,
    #[serde(skip)]
    pub operators: Vec<i64>,
}

/// Party of a call as Dialpad shows it (`protos.call.CallContactProto`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct CallParty {
    pub email: String,
    pub id: String,
    pub name: String,
    pub phone: String,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecordingDetails {
    #[serde(serialize_with = "ser_i64")]
    pub duration: i64,
    pub id: String,
    pub recording_type: &'static str,
    #[serde(serialize_with = "ser_i64")]
    pub start_time: i64,
    pub url: String,
}

/// What became of a call: decides its last state and what it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Answered,
    Missed,
    Voicemail,
}

#[derive(Debug, Clone, Serialize)]
pub struct Call {
    #[serde(serialize_with = "ser_i64")]
    pub call_id: i64,
    pub direction: &'static str,
    pub state: String,
    #[serde(serialize_with = "ser_i64")]
    pub date_started: i64,
    #[serde(
        serialize_with = "ser_opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub date_rang: Option<i64>,
    #[serde(
        serialize_with = "ser_opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub date_connected: Option<i64>,
    #[serde(
        serialize_with = "ser_opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub date_ended: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_duration: Option<f64>,
    #[serde(serialize_with = "ser_i64")]
    pub event_timestamp: i64,
    pub external_number: String,
    pub internal_number: String,
    pub target: CallParty,
    pub contact: CallParty,
    /// Caller id used for outbound calls; Dialpad sends `{}` when there is none.
    pub proxy_target: serde_json::Map<String, serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_point_target: Option<CallParty>,
    #[serde(
        serialize_with = "ser_opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub entry_point_call_id: Option<i64>,
    pub group_id: String,
    pub is_transferred: bool,
    pub was_recorded: bool,
    pub labels: Vec<String>,
    pub recording_details: Vec<RecordingDetails>,
    pub call_recording_share_links: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voicemail_share_link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<String>,
    #[serde(skip)]
    pub user_id: i64,
    #[serde(skip)]
    pub office_id: i64,
    #[serde(skip)]
    pub call_center_id: Option<i64>,
    #[serde(skip)]
    pub outcome: Outcome,
    /// Transcript is generated from the call on request (keeps 100k calls small).
    #[serde(skip)]
    pub has_transcript: bool,
}

impl Call {
    /// Whether the call is to or from the target: a user (the call's user), an
    /// office (the user's office at the time of the call) or a call center (the one it
    /// came in through). Targets the sandbox has no model for match nothing.
    pub fn matches_target(&self, target_type: &str, target_id: i64) -> bool {
        match target_type {
            "user" => self.user_id == target_id,
            "office" => self.office_id == target_id,
            "callcenter" => self.call_center_id == Some(target_id),
            _ => false,
        }
    }
}

#[derive(Clone)]
pub struct Webhook {
    pub id: i64,
    pub hook_url: String,
    pub secret: Option<String>,
}

/// The signing secret never reaches a log line.
impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("hook_url", &self.hook_url)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .finish()
    }
}

/// What a subscription listens to.
#[derive(Debug, Clone, PartialEq)]
pub enum SubscriptionKind {
    Call {
        call_states: Vec<String>,
        group_calls_only: bool,
        target_type: Option<String>,
        target_id: Option<i64>,
    },
    Contact {
        contact_type: String,
    },
    ChangeLog,
    AgentStatus {
        agent_type: String,
    },
}

#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: i64,
    pub webhook_id: i64,
    pub enabled: bool,
    pub kind: SubscriptionKind,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_name_trims_a_missing_half() {
        assert_eq!(display_name("Ada", "Lovelace"), "Ada Lovelace");
        assert_eq!(display_name("", "Lovelace"), "Lovelace");
        assert_eq!(display_name("Ada", ""), "Ada");
    }
}
