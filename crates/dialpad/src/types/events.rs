//! Event payloads Dialpad delivers to webhooks (as plain JSON, or as the claims of an HS256
//! JWT when the webhook has a secret): call, contact and change-log events.

use serde::{Deserialize, Serialize};

use super::common::ContactType;
use super::contacts::ContactProto;
use super::open_enum::open_enum;
use super::wire::{EpochMillis, OpaqueId};

/// A call event: the call object itself, one per state transition (`state`), stamped with
/// `event_timestamp`.
pub type CallEvent = super::calls::CallProto;

/// A contact event. Dialpad does not document this payload; the shape is the sandbox's
/// stated assumption (see `shared/dialpad/README.md`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactEvent {
    /// What happened to the contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<ContactEventKind>,
    /// Whether the contact is company-wide or a user's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_type: Option<ContactType>,
    /// The contact after the change (before it, for `deleted`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactProto>,
    /// When the change happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_timestamp: Option<EpochMillis>,
}

open_enum! {
    /// What happened to a contact.
    pub enum ContactEventKind {
        Created => "created",
        Updated => "updated",
        Deleted => "deleted",
    }
}

/// A company change-log event (an admin changed an IVR, removed an operator, ...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChangeLogEvent {
    /// When the change happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<EpochMillis>,
    /// What was done (`updated_ivr`, `operator_removed`, ...); open-ended, so a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// A human-readable description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Action-specific details, undocumented, kept as raw JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_data: Option<serde_json::Value>,
    /// What was changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<ChangeLogTarget>,
    /// Who changed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_by: Option<ChangeLogActor>,
}

/// The entity a change-log event is about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChangeLogTarget {
    /// The entity's kind (`office`, `callcenter`, `user`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// The entity's id; its form depends on the kind, so it is kept opaque.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<OpaqueId>,
}

/// Who made the change in a change-log event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChangeLogActor {
    /// The actor's display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The actor's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<OpaqueId>,
    /// The actor's kind (`user`, `api`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::super::calls::{CallContactProto, CallDirection, CallPartyType, CallState};
    use super::super::wire::{DurationMs, Int64};
    use super::*;

    #[test]
    fn call_event_reads_numbers_or_strings_and_unknown_states() {
        let event: CallEvent = serde_json::from_value(json!({
            "call_id": 6342343299702784_i64, "state": "hangup", "direction": "outbound",
            "date_started": "1356998400000", "date_ended": 1356998460000_i64,
            "duration": 60000.0, "event_timestamp": "1356998460500",
            "target": {"id": "2", "type": "user"}, "voicemail_link": null,
            "some_future_field": {"x": 1}
        }))
        .unwrap();
        assert_eq!(event.call_id, Some(Int64(6342343299702784)));
        assert_eq!(event.state, Some(CallState::Hangup));
        assert_eq!(event.direction, Some(CallDirection::Outbound));
        assert_eq!(event.duration, Some(DurationMs(60000.0)));
        assert_eq!(event.date_ended.map(|d| d.millis()), Some(1356998460000));
        let target = event.target.expect("target");
        assert_eq!(target.r#type, Some(CallPartyType::User));
        let routed: CallEvent = serde_json::from_value(json!({
            "contact": {"id": "1001", "type": "local"},
            "entry_point_target": {"id": "124", "type": "office"},
            "proxy_target": {"type": "ivr_v2"}
        }))
        .unwrap();
        let party = |p: Option<CallContactProto>| p.and_then(|p| p.r#type);
        assert_eq!(party(routed.contact), Some(CallPartyType::Local));
        assert_eq!(
            party(routed.entry_point_target),
            Some(CallPartyType::Office)
        );
        assert_eq!(
            party(routed.proxy_target),
            Some(CallPartyType::Other("ivr_v2".to_owned()))
        );
        let later: CallEvent = serde_json::from_value(json!({"state": "ai_summary_v2"})).unwrap();
        assert_eq!(
            later.state,
            Some(CallState::Other("ai_summary_v2".to_owned()))
        );
    }

    #[test]
    fn contact_event_carries_the_contact() {
        let event: ContactEvent = serde_json::from_value(json!({
            "event": "updated", "contact_type": "shared", "event_timestamp": "1356998400000",
            "contact": {"id": "shared_ag5kZXZ", "first_name": "Ada", "phones": ["+14155550100"]}
        }))
        .unwrap();
        assert_eq!(event.event, Some(ContactEventKind::Updated));
        assert_eq!(event.contact_type, Some(ContactType::Shared));
        let contact = event.contact.expect("contact");
        assert_eq!(contact.id.as_deref(), Some("shared_ag5kZXZ"));
        assert_eq!(contact.phones, vec!["+14155550100".to_owned()]);
    }

    #[test]
    fn change_log_event_reads_ids_in_either_form() {
        let body = json!({
            "date": "1356998400000", "action": "operator_removed", "note": "Removed Ada",
            "additional_data": {"group_id": "1000"},
            "target": {"type": "callcenter", "id": 1000},
            "changed_by": {"name": "Bot", "id": "2", "type": "user"}
        });
        let event: ChangeLogEvent = serde_json::from_value(body).unwrap();
        assert_eq!(
            event.target.as_ref().and_then(|t| t.id.clone()),
            Some(OpaqueId("1000".into()))
        );
        assert_eq!(
            event.changed_by.and_then(|a| a.name),
            Some("Bot".to_owned())
        );
        assert_eq!(event.date.map(|d| d.millis()), Some(1356998400000));
    }
}
