//! Which webhooks an event goes to (the enabled subscriptions it matches) and the
//! JSON Dialpad sends for it. Queueing and sending are `delivery`'s.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Value, json};

use super::{Event, delivery};
use crate::ids::now_ms;
use crate::state::AppState;
use crate::world::{Call, Company, SubscriptionKind, World};

/// Queues `event` once for each webhook with an enabled subscription that matches it
/// (two matching subscriptions on one webhook still make one delivery). Callers hold
/// the world lock, which keeps a call's events in transition order and ties the
/// queued events to the generation of the data they describe.
pub(crate) fn emit_in(world: &World, state: &AppState, company_id: i64, event: Event) {
    let Some(company) = world.company(company_id) else {
        return;
    };
    let hooks: BTreeSet<i64> = company
        .subscriptions
        .values()
        .filter(|s| s.enabled && matches(&s.kind, &event))
        .filter(|s| company.webhooks.contains_key(&s.webhook_id))
        .map(|s| s.webhook_id)
        .collect();
    if hooks.is_empty() {
        return;
    }
    let payload = Arc::new(payload(company, event));
    delivery::enqueue(state, company_id, hooks, &payload);
}

fn matches(kind: &SubscriptionKind, event: &Event) -> bool {
    match (kind, event) {
        (
            SubscriptionKind::Call {
                call_states,
                group_calls_only,
                target_type,
                target_id,
            },
            Event::Call(call),
        ) => {
            let state_ok = call_states.is_empty()
                || call_states.iter().any(|s| s == "all" || *s == call.state);
            let target_ok = match (target_type.as_deref(), target_id) {
                (Some(t), Some(id)) => call.matches_target(t, *id),
                _ => true,
            };
            state_ok && target_ok && (!group_calls_only || is_group_call(call))
        }
        (SubscriptionKind::Contact { contact_type }, Event::Contact { contact, .. }) => {
            contact_type == contact.kind
        }
        (SubscriptionKind::ChangeLog, Event::ChangeLog(_)) => true,
        // No agent-status events are produced yet.
        _ => false,
    }
}

/// A group call rang a group (a call center, a department) rather than a user
/// directly. Read from the `group_id` the payload carries (`CallCenter:<id>`,
/// `Department:<id>`; `Office:<id>` is a direct call to a user of that office), so a
/// receiver can tell from any event why a group-only subscription got it or not.
fn is_group_call(call: &Call) -> bool {
    call.group_id
        .split_once(':')
        .is_some_and(|(kind, _)| kind != "Office")
}

/// The JSON Dialpad sends for an event.
fn payload(company: &Company, event: Event) -> Value {
    match event {
        Event::Call(call) => call_payload(&call),
        Event::Contact { event, contact } => json!({
            "event": event,
            "contact_type": contact.kind,
            "contact": contact,
            "event_timestamp": now_ms().to_string(),
        }),
        Event::ChangeLog(entry) => {
            let name = company
                .users
                .get(&entry.changed_by)
                .map(|u| u.display_name.clone())
                .unwrap_or_default();
            json!({
                "date": now_ms().to_string(),
                "action": entry.action,
                "note": entry.note,
                "additional_data": entry.additional_data,
                "target": {"type": entry.target_type, "id": entry.target_id.to_string()},
                "changed_by": {"name": name, "id": entry.changed_by.to_string(), "type": "user"},
            })
        }
    }
}

/// The call object (`protos.call.CallProto`) plus the fields Dialpad's call-event
/// documentation lists beyond it: `voicemail_link`, once a voicemail exists (the
/// same URL as `voicemail_share_link`, which stays too).
fn call_payload(call: &Call) -> Value {
    let mut value = serde_json::to_value(call).unwrap_or_default();
    if let (Some(link), Value::Object(fields)) = (&call.voicemail_share_link, &mut value) {
        fields.insert("voicemail_link".into(), Value::String(link.clone()));
    }
    value
}
