//! Dialpad offices (`/api/v2/offices`): the office object with its settings, E911 address
//! and routing, its list page, the create and update (business hours) bodies, and the answer
//! to both. Hours are `"HH:MM"` open/close pairs.

use serde::{Deserialize, Serialize};

use super::call_centers::VoiceIntelligence;
use super::common::{Collection, EnablementState};
use super::plan::{
    BillingContactMessage, BillingPointOfContactMessage, Currency, PlanPeriod, PlanProto,
};
use super::routing::{AvailabilityStatus, FirstAction, RoutingAction, RoutingOptions};
use super::wire::{Int64, Nullable, null_as_empty};

/// `protos.office.OfficeCollection`: a page of offices.
pub type OfficeCollection = Collection<OfficeProto>;

/// `protos.office.OfficeProto`: an office (main line).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OfficeProto {
    /// Availability status of the office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_status: Option<AvailabilityStatus>,
    /// The country in which the office is situated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The e911 address of the office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e911_address: Option<E911GetProto>,
    /// The desired action when the office receives a call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_action: Option<FirstAction>,
    /// The Friday hours of operation.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub friday_hours: Vec<String>,
    /// The office's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Int64>,
    /// A flag indicating if the office is a primary office of its company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_primary_office: Option<bool>,
    /// The Monday hours of operation.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub monday_hours: Vec<String>,
    /// The name of the office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The action to take if there is no one available to answer calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_operators_action: Option<RoutingAction>,
    /// The office's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_id: Option<Int64>,
    /// Office-specific settings object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_settings: Option<OfficeSettings>,
    /// The phone number(s) assigned to this office.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phone_numbers: Vec<String>,
    /// The number of seconds to ring the main line before going to voicemail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ring_seconds: Option<Int64>,
    /// Specific call routing action to take when the office is open or closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_options: Option<RoutingOptions>,
    /// The Saturday hours of operation.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub saturday_hours: Vec<String>,
    /// The enablement-state of the office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<EnablementState>,
    /// The Sunday hours of operation.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sunday_hours: Vec<String>,
    /// The Thursday hours of operation.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub thursday_hours: Vec<String>,
    /// Timezone of the office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// The Tuesday hours of operation.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tuesday_hours: Vec<String>,
    /// List of emails used to send voicemail notifications.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub voicemail_notification_emails: Vec<String>,
    /// The Wednesday hours of operation.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub wednesday_hours: Vec<String>,
}

/// `protos.office.OfficeSettings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OfficeSettings {
    /// Allows guests to use desk phones within the office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_device_guest_login: Option<bool>,
    /// Whether the block-caller-ID option is disabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_caller_id_disabled: Option<bool>,
    /// Whether recordings are enabled for sub-groups of this office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bridged_target_recording_allowed: Option<bool>,
    /// Whether desk-phone self-provisioning is disabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable_desk_phone_self_provision: Option<bool>,
    /// Whether the default IVR voicemail feature is disabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable_ivr_voicemail: Option<bool>,
    /// Whether recording of user calls should be disabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_recording_message_on_user_calls: Option<bool>,
    /// Whether the caller-ID option is disabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_caller_id_disabled: Option<bool>,
}

/// `protos.office.E911GetProto`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct E911GetProto {
    /// Line 1 of the E911 address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Line 2 of the E911 address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address2: Option<String>,
    /// City of the E911 address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Country of the E911 address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// State or Province of the E911 address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Zip code of the E911 address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
}

/// `protos.office.OfficeUpdateResponse`: the answer to creating or updating an office.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OfficeUpdateResponse {
    /// The updated office object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office: Option<OfficeProto>,
    /// The updated office plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanProto>,
}

/// `protos.office.CreateOfficeMessage`: the `POST /api/v2/offices` body (a secondary office).
/// Dialpad requires `annual_commit_monthly_billing`, `billing_address`, `country`, `currency`,
/// `invoiced`, `name`, `plan_period` and `unified_billing`, and `e911_address` for US, CA, AU,
/// FR, GB and NZ. Hours are `Option` because `Some(vec![])` (closed) differs from leaving
/// Dialpad's default (`["08:00", "18:00"]` on weekdays).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateOfficeMessage {
    /// Whether the primary office's plan is annual commit, billed monthly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annual_commit_monthly_billing: Option<bool>,
    /// Whether all calls of this office are recorded automatically (default false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_call_recording: Option<bool>,
    /// The billing address of the new office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<BillingContactMessage>,
    /// The billing contact of the new office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_contact: Option<BillingPointOfContactMessage>,
    /// The office country, an upper-case ISO 3166 code (`US`, `GB`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The office's billing currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// The emergency address of the new office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e911_address: Option<E911Message>,
    /// The desired action when the office receives a call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_action: Option<FirstAction>,
    /// The Friday hours of operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub friday_hours: Option<Vec<String>>,
    /// The description of the office (at most 256 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_description: Option<String>,
    /// Whether the hours apply; false (the default) means the office takes calls 24/7.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours_on: Option<bool>,
    /// Whether the office may make international calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub international_enabled: Option<bool>,
    /// Whether the office is paid for by invoice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoiced: Option<bool>,
    /// The mainline number of the office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mainline_number: Option<String>,
    /// The Monday hours of operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monday_hours: Option<Vec<String>>,
    /// The office name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The action to take if there is no one available to answer calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_operators_action: Option<RoutingAction>,
    /// How often the company is billed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_period: Option<PlanPeriod>,
    /// Seconds to ring the main line before voicemail (10 to 45).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ring_seconds: Option<Int64>,
    /// Call routing options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_options: Option<RoutingOptions>,
    /// The Saturday hours of operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saturday_hours: Option<Vec<String>>,
    /// The Sunday hours of operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sunday_hours: Option<Vec<String>>,
    /// The Thursday hours of operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thursday_hours: Option<Vec<String>>,
    /// Timezone using a tz database name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// The Tuesday hours of operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tuesday_hours: Option<Vec<String>>,
    /// Whether to send a unified invoice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unified_billing: Option<bool>,
    /// Whether the billing and emergency addresses are the same.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_same_address: Option<bool>,
    /// Voice intelligence settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_intelligence: Option<VoiceIntelligence>,
    /// The Wednesday hours of operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wednesday_hours: Option<Vec<String>>,
}

/// `protos.office.OfficeUpdateMessage`: the `PATCH /api/v2/offices/{id}` body, which updates
/// business hours. A day left `None` is kept; `Some(vec![])` closes the office that day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OfficeUpdateMessage {
    /// The Friday hours of operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub friday_hours: Option<Vec<String>>,
    /// Whether the hours apply; false means the office takes calls 24/7.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub hours_on: Nullable<bool>,
    /// The Monday hours of operation (e.g. `["08:00", "12:00", "14:00", "18:00"]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monday_hours: Option<Vec<String>>,
    /// The Saturday hours of operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saturday_hours: Option<Vec<String>>,
    /// The Sunday hours of operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sunday_hours: Option<Vec<String>>,
    /// The Thursday hours of operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thursday_hours: Option<Vec<String>>,
    /// The Tuesday hours of operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tuesday_hours: Option<Vec<String>>,
    /// The Wednesday hours of operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wednesday_hours: Option<Vec<String>>,
}

/// `protos.office.E911Message`: an emergency address to set. Dialpad requires `address`,
/// `city`, `country`, `state` and `zip`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct E911Message {
    /// Line 1 of the E911 address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Line 2 of the E911 address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address2: Option<String>,
    /// City of the E911 address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Country of the E911 address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// State or Province of the E911 address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Zip code of the E911 address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn update_closes_a_day_with_an_empty_list_and_leaves_the_others() {
        let update = OfficeUpdateMessage {
            hours_on: Nullable::Value(true),
            saturday_hours: Some(Vec::new()),
            monday_hours: Some(vec!["08:00".to_owned(), "18:00".to_owned()]),
            ..OfficeUpdateMessage::default()
        };
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({"hours_on": true, "monday_hours": ["08:00", "18:00"], "saturday_hours": []})
        );
    }

    #[test]
    fn update_response_types_the_plan() {
        let answer: OfficeUpdateResponse = serde_json::from_value(json!({
            "office": {"id": "124", "name": "Main", "monday_hours": null},
            "plan": {"balance": "10.0000", "talk_lines": "3", "ppu_address": {"city": "SF"}}
        }))
        .unwrap();
        let plan = answer.plan.expect("plan");
        assert_eq!(plan.talk_lines, Some(Int64(3)));
        assert_eq!(plan.balance.as_deref(), Some("10.0000"));
        assert_eq!(plan.ppu_address.and_then(|a| a.city).as_deref(), Some("SF"));
        assert_eq!(answer.office.and_then(|o| o.id), Some(Int64(124)));
    }
}
