//! Dialpad call centers (`/api/v2/callcenters`, `/api/v2/offices/{id}/callcenters`): the call
//! center with its queue, alert and recording settings, and its operators (users or rooms).

use serde::{Deserialize, Serialize};

use super::common::{Collection, EnablementState, GroupRole, License};
use super::routing::{AvailabilityStatus, FirstAction, RoutingAction, RoutingOptions};
use super::users::UserProto;
use super::wire::{Int64, null_as_empty};

/// `protos.group.CallCenterCollection`: a page of call centers.
pub type CallCenterCollection = Collection<CallCenterProto>;

/// `protos.group.CallCenterProto`: a call center (queue) and its routing, hours and queue settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CallCenterProto {
    /// Configure call center advanced settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advanced_settings: Option<AdvancedSettings>,
    /// Set when alerts will be triggered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alerts: Option<Alerts>,
    /// Availability status of the group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_status: Option<AvailabilityStatus>,
    /// The country in which the user group resides.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The initial action to take upon receiving a new call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_action: Option<FirstAction>,
    /// The Friday hours of operation.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub friday_hours: Vec<String>,
    /// The description of the call center.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_description: Option<String>,
    /// How calls wait in the hold queue when all operators are busy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold_queue: Option<HoldQueueCallCenter>,
    /// The time frame when the call center wants to receive calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours_on: Option<bool>,
    /// The ID of the group entity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Int64>,
    /// The Monday hours of operation.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub monday_hours: Vec<String>,
    /// The name of the group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The action to take if there are no operators available to accept an inbound call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_operators_action: Option<RoutingAction>,
    /// The ID of the office in which this group resides.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_id: Option<Int64>,
    /// A list of phone numbers belonging to this group.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phone_numbers: Vec<String>,
    /// The number of seconds to allow the group line to ring before going to voicemail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ring_seconds: Option<Int64>,
    /// Call routing options for this group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_options: Option<RoutingOptions>,
    /// The Saturday hours of operation.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub saturday_hours: Vec<String>,
    /// The current enablement state of this group.
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
    /// The timezone of the group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// The Tuesday hours of operation.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tuesday_hours: Vec<String>,
    /// Configure voice intelligence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_intelligence: Option<VoiceIntelligence>,
    /// List of emails used to send voicemail notifications.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub voicemail_notification_emails: Vec<String>,
    /// The Wednesday hours of operation.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub wednesday_hours: Vec<String>,
}

/// `protos.group.AdvancedSettings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdvancedSettings {
    /// Choose which calls to and from this call center get automatically recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_call_recording: Option<AutoCallRecording>,
    /// Include a post-call wrap-up time before agents can receive their next call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_wrap_up_seconds: Option<Int64>,
}

/// `protos.group.AutoCallRecording`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AutoCallRecording {
    /// Allow agents to stop/restart a recording during a call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_pause_recording: Option<bool>,
    /// Whether or not inbound calls to this call center get automatically recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_recording_inbound: Option<bool>,
    /// Whether or not outbound calls from this call center get automatically recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_recording_outbound: Option<bool>,
}

/// `protos.group.Alerts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Alerts {
    /// Alert supervisors when the service level drops below how many percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cc_service_level: Option<Int64>,
    /// Inbound calls should be answered within how many seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cc_service_level_seconds: Option<Int64>,
}

/// `protos.group.HoldQueueCallCenter`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HoldQueueCallCenter {
    /// Whether or not to allow callers to request a callback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_queue_callback: Option<bool>,
    /// Whether or not to let callers know their estimated wait time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub announce_estimated_wait_time: Option<bool>,
    /// Whether or not to let callers know their place in the queue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub announce_position: Option<bool>,
    /// Hold announcement interval wait time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub announcement_interval_seconds: Option<Int64>,
    /// Maximum estimated wait time to announce in minutes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_wait_time_max: Option<Int64>,
    /// If all operators are busy on other calls, send callers to a hold queue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_hold_count: Option<Int64>,
    /// Maximum queue wait time in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_hold_seconds: Option<Int64>,
    /// The key (`0`-`9`, `*`, `#`) callers press to request a callback once the queue holds
    /// more than `queue_callback_threshold` calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_callback_dtmf: Option<String>,
    /// Allow callers to request a callback when the queue has more than this number of calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_callback_threshold: Option<Int64>,
    /// The key (`0`-`9`, `*`, `#`) callers press to leave the queue for voicemail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_escape_dtmf: Option<String>,
    /// Whether or not to allow existing calls to stay in queue after the call center has closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stay_in_queue_after_closing: Option<bool>,
    /// Whether callers may be queued when no agents are available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unattended_queue: Option<bool>,
}

/// `protos.group.VoiceIntelligence`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VoiceIntelligence {
    /// Allow individual users to start and stop Vi during calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_pause: Option<bool>,
    /// Auto start Vi for this call center.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_start: Option<bool>,
}

/// `protos.group.OperatorCollection`: a group's operators (not paginated; no `items`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OperatorCollection {
    /// A list of rooms that can currently act as operators for this group.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rooms: Vec<RoomProto>,
    /// A list of users who are currently operators of this group.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<UserProto>,
}

/// `protos.group.UserOrRoomProto`: the operator added to or removed from a call center.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserOrRoomProto {
    /// The company to which this entity belongs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_id: Option<Int64>,
    /// The country in which the entity resides.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The ID of this entity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Int64>,
    /// The url of this entity's profile image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Whether the entity is currently acting as an operator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_on_duty: Option<bool>,
    /// The entity's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The office in which this entity resides.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_id: Option<Int64>,
    /// The phone numbers associated with this entity.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phone_numbers: Vec<String>,
    /// The current enablement state of this entity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<EnablementState>,
}

/// `protos.room.RoomProto`: a room (shared device) acting as an operator.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoomProto {
    /// The ID of this room's company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_id: Option<Int64>,
    /// The country in which the room resides.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The ID of the room.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Int64>,
    /// The profile image to use when displaying this room in the Dialpad app.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// A boolean indicating whether this room is consuming a license with an associated cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_free: Option<bool>,
    /// A boolean indicating whether this room is actively acting as an operator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_on_duty: Option<bool>,
    /// The name of the room.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The ID of this room's office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_id: Option<Int64>,
    /// The phone numbers assigned to this room.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phone_numbers: Vec<String>,
    /// The current enablement state of this room.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<EnablementState>,
}

/// `protos.group.AddCallCenterOperatorMessage`: the `POST /callcenters/{id}/operators` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AddCallCenterOperatorMessage {
    /// Whether or not to keep phone numbers when switching to a support license.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_paid_numbers: Option<bool>,
    /// The type of license to assign to the new operator if a license is required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_type: Option<License>,
    /// The role the user should assume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<GroupRole>,
    /// Skill level of the operator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skill_level: Option<Int64>,
    /// The ID of the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Int64>,
}

/// `protos.group.RemoveCallCenterOperatorMessage`: the `DELETE /callcenters/{id}/operators`
/// body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RemoveCallCenterOperatorMessage {
    /// The ID of the user to remove.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Int64>,
}
