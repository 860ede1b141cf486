//! Event subscriptions (`/api/v2/subscriptions/{call,contact,changelog,agent_status}`): which
//! events Dialpad sends to which webhook. Create/update bodies name the webhook `endpoint_id`;
//! older clients send `webhook_id`, which is accepted as an alias.

use serde::{Deserialize, Serialize};

use super::calls::CallState;
use super::common::{Collection, ContactType, TargetType};
use super::open_enum::open_enum;
use super::webhooks::{WebhookProto, WebsocketProto};
use super::wire::{Int64, Nullable, null_as_empty};

/// `protos.call_event_subscription.CallEventSubscriptionCollection`.
pub type CallEventSubscriptionCollection = Collection<CallEventSubscriptionProto>;
/// `protos.contact_event_subscription.ContactEventSubscriptionCollection`.
pub type ContactEventSubscriptionCollection = Collection<ContactEventSubscriptionProto>;
/// `protos.change_log_event_subscription.ChangeLogEventSubscriptionCollection`.
pub type ChangeLogEventSubscriptionCollection = Collection<ChangeLogEventSubscriptionProto>;
/// `protos.agent_status_event_subscription.AgentStatusEventSubscriptionCollection`.
pub type AgentStatusEventSubscriptionCollection = Collection<AgentStatusEventSubscriptionProto>;

/// `protos.call_event_subscription.CallEventSubscriptionProto`: a call event subscription.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CallEventSubscriptionProto {
    /// The call event subscription's list of call states.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub call_states: Vec<CallState>,
    /// Whether or not the call event subscription is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Whether only calls to groups (offices, departments, call centers) are reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_calls_only: Option<bool>,
    /// The subscription's ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Int64>,
    /// The ID of the specific target for which events should be sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_id: Option<Int64>,
    /// The target type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_type: Option<TargetType>,
    /// The webhook events are delivered to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook: Option<WebhookProto>,
    /// The websocket events are delivered to, when not a webhook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub websocket: Option<WebsocketProto>,
}

/// `protos.call_event_subscription.CreateCallEventSubscription`: the create body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateCallEventSubscription {
    /// The call event subscription's list of call states.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub call_states: Vec<CallState>,
    /// Whether or not the call event subscription is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The webhook or websocket to deliver to. Read from `webhook_id` too (older clients).
    #[serde(alias = "webhook_id", skip_serializing_if = "Option::is_none")]
    pub endpoint_id: Option<Int64>,
    /// Whether only calls to groups (offices, departments, call centers) are reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_calls_only: Option<bool>,
    /// The ID of the specific target for which events should be sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_id: Option<Int64>,
    /// The target type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_type: Option<TargetType>,
}

/// `protos.call_event_subscription.UpdateCallEventSubscription`: the update body. Absent fields
/// are left as they are, `Null` ones cleared; `call_states: None` keeps the states.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateCallEventSubscription {
    /// The call event subscription's list of call states.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_states: Option<Vec<CallState>>,
    /// Whether or not the call event subscription is enabled.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub enabled: Nullable<bool>,
    /// The webhook or websocket to deliver to. Read from `webhook_id` too (older clients).
    #[serde(alias = "webhook_id", skip_serializing_if = "Nullable::is_absent")]
    pub endpoint_id: Nullable<Int64>,
    /// Whether only calls to groups (offices, departments, call centers) are reported.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub group_calls_only: Nullable<bool>,
    /// The ID of the specific target for which events should be sent.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub target_id: Nullable<Int64>,
    /// The target type.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub target_type: Nullable<TargetType>,
}

/// `protos.contact_event_subscription.ContactEventSubscriptionProto`: a contact event subscription.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactEventSubscriptionProto {
    /// The contact type this event subscription subscribes to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_type: Option<ContactType>,
    /// Whether or not the contact event subscription is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The subscription's ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Int64>,
    /// The webhook events are delivered to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook: Option<WebhookProto>,
    /// The websocket events are delivered to, when not a webhook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub websocket: Option<WebsocketProto>,
}

/// `protos.contact_event_subscription.CreateContactEventSubscription`: the create body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateContactEventSubscription {
    /// The contact type this event subscription subscribes to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_type: Option<ContactType>,
    /// Whether or not the contact event subscription is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The webhook or websocket to deliver to. Read from `webhook_id` too (older clients).
    #[serde(alias = "webhook_id", skip_serializing_if = "Option::is_none")]
    pub endpoint_id: Option<Int64>,
}

/// `protos.contact_event_subscription.UpdateContactEventSubscription`: the update body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateContactEventSubscription {
    /// The contact type this event subscription subscribes to; the spec requires it.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub contact_type: Nullable<ContactType>,
    /// Whether or not the contact event subscription is enabled.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub enabled: Nullable<bool>,
    /// The webhook or websocket to deliver to. Read from `webhook_id` too (older clients).
    #[serde(alias = "webhook_id", skip_serializing_if = "Nullable::is_absent")]
    pub endpoint_id: Nullable<Int64>,
}

/// `protos.change_log_event_subscription.ChangeLogEventSubscriptionProto`: a change-log event
/// subscription (all company change-log events).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ChangeLogEventSubscriptionProto {
    /// Whether or not the change log event subscription is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The subscription's ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Int64>,
    /// The webhook events are delivered to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook: Option<WebhookProto>,
    /// The websocket events are delivered to, when not a webhook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub websocket: Option<WebsocketProto>,
}

/// `protos.change_log_event_subscription.CreateChangeLogEventSubscription`: the create body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateChangeLogEventSubscription {
    /// Whether or not this change log event subscription is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The webhook or websocket to deliver to. Read from `webhook_id` too (older clients).
    #[serde(alias = "webhook_id", skip_serializing_if = "Option::is_none")]
    pub endpoint_id: Option<Int64>,
}

/// `protos.change_log_event_subscription.UpdateChangeLogEventSubscription`: the update body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateChangeLogEventSubscription {
    /// Whether or not the change log event subscription is enabled.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub enabled: Nullable<bool>,
    /// The webhook or websocket to deliver to. Read from `webhook_id` too (older clients).
    #[serde(alias = "webhook_id", skip_serializing_if = "Nullable::is_absent")]
    pub endpoint_id: Nullable<Int64>,
}

/// `protos.agent_status_event_subscription.AgentStatusEventSubscriptionProto`: an agent (operator)
/// status event subscription.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentStatusEventSubscriptionProto {
    /// The agent type this event subscription subscribes to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_type: Option<AgentType>,
    /// Whether or not this agent status event subscription is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The subscription's ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Int64>,
    /// The webhook events are delivered to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook: Option<WebhookProto>,
    /// The websocket events are delivered to, when not a webhook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub websocket: Option<WebsocketProto>,
}

/// `protos.agent_status_event_subscription.CreateAgentStatusEventSubscription`: the create body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateAgentStatusEventSubscription {
    /// The agent type this event subscription subscribes to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_type: Option<AgentType>,
    /// Whether or not this agent status event subscription is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The webhook or websocket to deliver to. Read from `webhook_id` too (older clients).
    #[serde(alias = "webhook_id", skip_serializing_if = "Option::is_none")]
    pub endpoint_id: Option<Int64>,
}

/// `protos.agent_status_event_subscription.UpdateAgentStatusEventSubscription`: the update body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateAgentStatusEventSubscription {
    /// The agent type this event subscription subscribes to.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub agent_type: Nullable<AgentType>,
    /// Whether or not this agent status event subscription is enabled.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub enabled: Nullable<bool>,
    /// The webhook or websocket to deliver to. Read from `webhook_id` too (older clients).
    #[serde(alias = "webhook_id", skip_serializing_if = "Nullable::is_absent")]
    pub endpoint_id: Nullable<Int64>,
}

open_enum! {
    /// The kind of agent whose status changes are reported.
    pub enum AgentType {
        CallCenter => "callcenter",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn create_reads_webhook_id_as_endpoint_id_and_writes_endpoint_id() {
        let old: CreateCallEventSubscription = serde_json::from_value(json!({
            "webhook_id": "1000", "call_states": ["hangup", "recap_summary"], "enabled": true
        }))
        .unwrap();
        let new: CreateCallEventSubscription = serde_json::from_value(json!({
            "endpoint_id": 1000, "call_states": ["hangup", "recap_summary"], "enabled": true
        }))
        .unwrap();
        assert_eq!(old, new);
        assert_eq!(
            old.call_states,
            vec![CallState::Hangup, CallState::RecapSummary]
        );
        assert_eq!(
            serde_json::to_value(&old).unwrap()["endpoint_id"],
            json!("1000")
        );
        let contact: CreateContactEventSubscription =
            serde_json::from_value(json!({"webhook_id": "7", "contact_type": "local"})).unwrap();
        assert_eq!(contact.endpoint_id, Some(Int64(7)));
        let update: UpdateContactEventSubscription =
            serde_json::from_value(json!({"webhook_id": "7", "contact_type": "shared"})).unwrap();
        assert_eq!(update.endpoint_id, Nullable::Value(Int64(7)));
    }

    #[test]
    fn update_can_widen_a_call_subscription_to_every_target() {
        let update = UpdateCallEventSubscription {
            target_id: Nullable::Null,
            target_type: Nullable::Null,
            enabled: Nullable::Value(true),
            ..UpdateCallEventSubscription::default()
        };
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({"enabled": true, "target_id": null, "target_type": null})
        );
        assert_eq!(
            serde_json::to_value(UpdateChangeLogEventSubscription::default()).unwrap(),
            json!({})
        );
    }
}
