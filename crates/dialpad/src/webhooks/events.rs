//! What a Dialpad event means in unified terms. Calls and contacts carry their object, which
//! is mapped as the resources API maps it; change-log events only name their target, so the
//! gateway reads the current resource itself.

use patchbay_core::{ModelId, Resource, ResourceAction};
use serde_json::Value;

use crate::mapping;
use crate::types::calls::CallProto;
use crate::types::events::{ChangeLogEvent, ContactEvent, ContactEventKind};

/// A Dialpad event, read.
#[derive(Debug, Clone)]
pub enum DialpadEvent {
    /// A call moved to `state`; `resource` is the unified call.
    Call {
        /// Dialpad's call id.
        call_id: String,
        /// The state it entered (`ringing`, `connected`, `hangup`, `transcription`, ...).
        state: String,
        /// The unified call.
        resource: Box<Resource>,
        /// Whether this state says a transcript became available.
        transcript_ready: bool,
    },
    /// A contact was created, updated or deleted.
    Contact {
        /// What happened.
        action: ResourceAction,
        /// The unified contact (as it was, for a deletion).
        resource: Box<Resource>,
    },
    /// A change-log entry about a user or an office.
    ChangeLog {
        /// `genericUser` or `genericWorkspace`.
        model: ModelId,
        /// What happened.
        action: ResourceAction,
        /// The target's id.
        id: String,
    },
    /// Something the gateway does not turn into unified events (another target, an
    /// unknown shape).
    Ignored,
}

/// The call states after which Dialpad holds a transcript of the call.
const TRANSCRIPT_STATES: &[&str] = &["transcription", "call_transcription"];

/// Reads the claims of one Dialpad event.
pub fn read_event(claims: &Value) -> DialpadEvent {
    if claims.get("call_id").is_some() && claims.get("state").is_some() {
        return call(claims);
    }
    if claims.get("contact").is_some() {
        return contact(claims);
    }
    if claims.get("target").is_some() && claims.get("action").is_some() {
        return change_log(claims);
    }
    DialpadEvent::Ignored
}

fn call(claims: &Value) -> DialpadEvent {
    let Ok(proto) = serde_json::from_value::<CallProto>(claims.clone()) else {
        return DialpadEvent::Ignored;
    };
    let state = claims["state"].as_str().unwrap_or_default().to_owned();
    let transcript_ready = TRANSCRIPT_STATES.contains(&state.as_str());
    match mapping::call::to_resource(&proto, transcript_ready) {
        Ok(resource) => DialpadEvent::Call {
            call_id: resource.id.clone(),
            state,
            resource: Box::new(resource),
            transcript_ready,
        },
        Err(_) => DialpadEvent::Ignored,
    }
}

fn contact(claims: &Value) -> DialpadEvent {
    let Ok(event) = serde_json::from_value::<ContactEvent>(claims.clone()) else {
        return DialpadEvent::Ignored;
    };
    let action = match event.event {
        Some(ContactEventKind::Created) => ResourceAction::Created,
        Some(ContactEventKind::Updated) => ResourceAction::Updated,
        Some(ContactEventKind::Deleted) => ResourceAction::Deleted,
        _ => return DialpadEvent::Ignored,
    };
    match event.contact.as_ref().map(mapping::contact::to_resource) {
        Some(Ok(resource)) => DialpadEvent::Contact {
            action,
            resource: Box::new(resource),
        },
        _ => DialpadEvent::Ignored,
    }
}

fn change_log(claims: &Value) -> DialpadEvent {
    let Ok(event) = serde_json::from_value::<ChangeLogEvent>(claims.clone()) else {
        return DialpadEvent::Ignored;
    };
    let (Some(target), Some(action)) = (event.target, event.action) else {
        return DialpadEvent::Ignored;
    };
    let model = match target.r#type.as_deref() {
        Some("user") => ModelId::GenericUser,
        Some("office") => ModelId::GenericWorkspace,
        _ => return DialpadEvent::Ignored,
    };
    let Some(id) = target.id.map(|id| id.0).filter(|id| !id.is_empty()) else {
        return DialpadEvent::Ignored;
    };
    let action = if action.starts_with("added") || action.starts_with("created") {
        ResourceAction::Created
    } else if action.starts_with("deleted") || action.starts_with("removed") {
        ResourceAction::Deleted
    } else {
        ResourceAction::Updated
    };
    DialpadEvent::ChangeLog { model, action, id }
}
