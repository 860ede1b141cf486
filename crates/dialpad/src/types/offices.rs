//! Dialpad offices (`/api/v2/offices`): the office object with its settings, E911 address
//! and routing, its list page, and the create/update answer.

use serde::{Deserialize, Serialize};

use super::common::{Collection, EnablementState};
use super::routing::{AvailabilityStatus, FirstAction, RoutingAction, RoutingOptions};
use super::wire::{Int64, null_as_empty};

/// `protos.office.OfficeCollection`: a page of offices.
pub type OfficeCollection = Collection<OfficeProto>;

/// `protos.office.OfficeProto`: an office (main line). Hours are `"HH:MM"` open/close pairs.
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
    #[serde(deserialize_with = "null_as_empty", skip_serializing_if = "Vec::is_empty")]
    pub friday_hours: Vec<String>,
    /// The office's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Int64>,
    /// A flag indicating if the office is a primary office of its company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_primary_office: Option<bool>,
    /// The Monday hours of operation.
    #[serde(deserialize_with = "null_as_empty", skip_serializing_if = "Vec::is_empty")]
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
    #[serde(deserialize_with = "null_as_empty", skip_serializing_if = "Vec::is_empty")]
    pub phone_numbers: Vec<String>,
    /// The number of seconds to ring the main line before going to voicemail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ring_seconds: Option<Int64>,
    /// Specific call routing action to take when the office is open or closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_options: Option<RoutingOptions>,
    /// The Saturday hours of operation.
    #[serde(deserialize_with = "null_as_empty", skip_serializing_if = "Vec::is_empty")]
    pub saturday_hours: Vec<String>,
    /// The enablement-state of the office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<EnablementState>,
    /// The Sunday hours of operation.
    #[serde(deserialize_with = "null_as_empty", skip_serializing_if = "Vec::is_empty")]
    pub sunday_hours: Vec<String>,
    /// The Thursday hours of operation.
    #[serde(deserialize_with = "null_as_empty", skip_serializing_if = "Vec::is_empty")]
    pub thursday_hours: Vec<String>,
    /// Timezone of the office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// The Tuesday hours of operation.
    #[serde(deserialize_with = "null_as_empty", skip_serializing_if = "Vec::is_empty")]
    pub tuesday_hours: Vec<String>,
    /// List of emails used to send voicemail notifications.
    #[serde(deserialize_with = "null_as_empty", skip_serializing_if = "Vec::is_empty")]
    pub voicemail_notification_emails: Vec<String>,
    /// The Wednesday hours of operation.
    #[serde(deserialize_with = "null_as_empty", skip_serializing_if = "Vec::is_empty")]
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
    /// The updated office plan (`protos.plan.PlanProto`), kept as raw JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<serde_json::Value>,
}
