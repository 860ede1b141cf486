//! The rules of each subscription family: which fields its bodies take, which are
//! required, and what makes them valid (call states, targets, contact and agent
//! types). The handlers that apply them are in `subscriptions`.

use serde::Deserialize;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::ids::de_opt_i64;
use crate::world::{Company, SubscriptionKind};

/// The spec's `call_states` enum, plus `eavesdrop` from Dialpad's call-event docs.
/// `all` means every state.
const CALL_STATES: &[&str] = &[
    "admin",
    "admin_recording",
    "ai_playbook",
    "all",
    "barge",
    "blocked",
    "call_transcription",
    "calling",
    "connected",
    "csat",
    "dispositions",
    "eavesdrop",
    "hangup",
    "hold",
    "merged",
    "missed",
    "monitor",
    "parked",
    "pcsat",
    "postcall",
    "preanswer",
    "queued",
    "recap_action_items",
    "recap_outcome",
    "recap_purposes",
    "recap_summary",
    "recording",
    "ringing",
    "takeover",
    "transcription",
    "voicemail",
    "voicemail_uploaded",
];

/// One of the subscription families the sandbox serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    Call,
    Contact,
    ChangeLog,
    AgentStatus,
}

impl Family {
    pub(super) const ALL: [Self; 4] = [
        Self::Call,
        Self::Contact,
        Self::ChangeLog,
        Self::AgentStatus,
    ];

    pub(super) fn path(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::Contact => "contact",
            Self::ChangeLog => "changelog",
            Self::AgentStatus => "agent_status",
        }
    }

    /// What error messages and cursors call it.
    pub(super) fn noun(self) -> &'static str {
        match self {
            Self::Call => "call event subscription",
            Self::Contact => "contact event subscription",
            Self::ChangeLog => "change log event subscription",
            Self::AgentStatus => "agent status event subscription",
        }
    }

    pub(super) fn owns(self, kind: &SubscriptionKind) -> bool {
        matches!(
            (self, kind),
            (Self::Call, SubscriptionKind::Call { .. })
                | (Self::Contact, SubscriptionKind::Contact { .. })
                | (Self::ChangeLog, SubscriptionKind::ChangeLog)
                | (Self::AgentStatus, SubscriptionKind::AgentStatus { .. })
        )
    }

    /// The change-log family needs the `change_log` scope on OAuth tokens.
    pub(super) fn authorize(self, caller: &Caller) -> ApiResult<()> {
        match self {
            Self::ChangeLog => caller.require_scope("change_log"),
            _ => Ok(()),
        }
    }

    /// The kind a create (`current` = None) or patch body makes. What a patch leaves
    /// out stays as it was, except where the spec requires it in updates too.
    pub(super) fn kind(
        self,
        current: Option<&SubscriptionKind>,
        body: &SubscriptionBody,
        company: &Company,
    ) -> ApiResult<SubscriptionKind> {
        match self {
            Self::Call => call_kind(current, body, company),
            // The spec requires `contact_type` in create and update bodies alike
            // (`CreateContactEventSubscription`, `UpdateContactEventSubscription`).
            Self::Contact => {
                let contact_type = body
                    .contact_type
                    .clone()
                    .ok_or_else(|| ApiError::bad_request("contact_type is required"))?;
                if !["local", "shared"].contains(&contact_type.as_str()) {
                    return Err(ApiError::bad_request(
                        "contact_type must be local or shared",
                    ));
                }
                Ok(SubscriptionKind::Contact { contact_type })
            }
            Self::ChangeLog => Ok(SubscriptionKind::ChangeLog),
            Self::AgentStatus => {
                let agent_type = match (&body.agent_type, current) {
                    (Some(t), _) => t.clone(),
                    (None, Some(SubscriptionKind::AgentStatus { agent_type })) => {
                        agent_type.clone()
                    }
                    (None, _) => return Err(ApiError::bad_request("agent_type is required")),
                };
                if agent_type != "callcenter" {
                    return Err(ApiError::bad_request("agent_type must be callcenter"));
                }
                Ok(SubscriptionKind::AgentStatus { agent_type })
            }
        }
    }
}

/// Every family's create/update body; each family reads its own fields.
#[derive(Debug, Deserialize)]
pub(super) struct SubscriptionBody {
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub(super) endpoint_id: Option<i64>,
    /// What older clients send instead of `endpoint_id`.
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub(super) webhook_id: Option<i64>,
    pub(super) enabled: Option<bool>,
    pub(super) call_states: Option<Vec<String>>,
    pub(super) group_calls_only: Option<bool>,
    pub(super) target_type: Option<String>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub(super) target_id: Option<i64>,
    pub(super) contact_type: Option<String>,
    pub(super) agent_type: Option<String>,
}

impl SubscriptionBody {
    pub(super) fn endpoint(&self) -> Option<i64> {
        self.endpoint_id.or(self.webhook_id)
    }
}

/// The webhook a body names, which must belong to the caller's company.
pub(super) fn webhook_of(company: &Company, id: i64) -> ApiResult<i64> {
    if company.webhooks.contains_key(&id) {
        Ok(id)
    } else {
        Err(ApiError::not_found("webhook"))
    }
}

fn call_kind(
    current: Option<&SubscriptionKind>,
    body: &SubscriptionBody,
    company: &Company,
) -> ApiResult<SubscriptionKind> {
    let (mut call_states, mut group_calls_only, mut target_type, mut target_id) = match current {
        Some(SubscriptionKind::Call {
            call_states,
            group_calls_only,
            target_type,
            target_id,
        }) => (
            call_states.clone(),
            *group_calls_only,
            target_type.clone(),
            *target_id,
        ),
        _ => (Vec::new(), false, None, None),
    };
    if let Some(states) = &body.call_states {
        call_states = Vec::with_capacity(states.len());
        for s in states {
            if !CALL_STATES.contains(&s.as_str()) {
                return Err(ApiError::bad_request(format!("invalid call state {s:?}")));
            }
            if !call_states.contains(s) {
                call_states.push(s.clone());
            }
        }
    }
    if let Some(g) = body.group_calls_only {
        group_calls_only = g;
    }
    if body.target_type.is_some() || body.target_id.is_some() {
        // `"target_type": ""` (with no id) removes the target.
        target_type = body.target_type.clone().filter(|t| !t.is_empty());
        target_id = body.target_id;
        match (&target_type, target_id) {
            (None, None) => {}
            (Some(t), Some(id)) => check_target(company, t, id)?,
            _ => {
                return Err(ApiError::bad_request(
                    "target_type and target_id go together",
                ));
            }
        }
    }
    Ok(SubscriptionKind::Call {
        call_states,
        group_calls_only,
        target_type,
        target_id,
    })
}

/// The target must be a valid type; users, offices and call centers must exist.
fn check_target(company: &Company, target_type: &str, id: i64) -> ApiResult<()> {
    if !crate::world::TARGET_TYPES.contains(&target_type) {
        return Err(ApiError::bad_request(format!(
            "invalid target_type {target_type:?}"
        )));
    }
    let known = match target_type {
        "user" => company.live_user(id).is_some(),
        "office" => company.offices.contains_key(&id),
        "callcenter" => company.call_centers.contains_key(&id),
        _ => true,
    };
    if known {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "target_id names no {target_type} of this company"
        )))
    }
}
