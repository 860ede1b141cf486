//! Dialpad calls (`/api/v2/call`): the call object (also the call event payload), its parties,
//! recordings and routing breadcrumbs. Call timestamps are epoch milliseconds as strings;
//! durations are milliseconds. Requests that start or label calls are in `call_actions`.

use serde::{Deserialize, Serialize};

use super::common::{Collection, TargetType};
use super::open_enum::open_enum;
use super::wire::{DurationMs, EpochMillis, Int64, null_as_empty};

/// `protos.call.CallCollection`: a page of calls.
pub type CallCollection = Collection<CallProto>;

/// `protos.call.CallProto`: a call, and also the body of every call event (one per state
/// transition; see [`CallEvent`](super::events::CallEvent)).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CallProto {
    /// A list of admin call recording share links.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub admin_call_recording_share_links: Vec<String>,
    /// A unique number ID automatically assigned to each call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_id: Option<Int64>,
    /// A list of call recording share links.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub call_recording_share_links: Vec<String>,
    /// This is the contact involved in the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<CallContactProto>,
    /// A list of CSAT urls related to the call.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub csat_recording_urls: Vec<String>,
    /// CSAT score related to the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csat_score: Option<String>,
    /// A list of CSAT texts related to the call.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub csat_transcriptions: Vec<String>,
    /// Any custom data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<String>,
    /// Timestamp when Dialpad connected the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_connected: Option<EpochMillis>,
    /// Timestamp when the call was hung up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_ended: Option<EpochMillis>,
    /// Timestamp when Dialpad first detects an inbound call to a mainline, department, or person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_rang: Option<EpochMillis>,
    /// Timestamp when the call began in the Dialpad system before being connected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_started: Option<EpochMillis>,
    /// Call direction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<CallDirection>,
    /// Duration of the call in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<DurationMs>,
    /// Call ID of the associated entry point call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_point_call_id: Option<Int64>,
    /// Where a call initially dialed for inbound calls to Dialpad.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_point_target: Option<CallContactProto>,
    /// Timestamp of when this call event happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_timestamp: Option<EpochMillis>,
    /// The phone number external to your organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_number: Option<String>,
    /// Unique ID of the department, mainline, or call queue associated with the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// The phone number internal to your organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_number: Option<String>,
    /// Boolean indicating whether or not the call was transferred.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_transferred: Option<bool>,
    /// The labels associated to this call.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// The master id of the specified call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_call_id: Option<Int64>,
    /// Mean Opinion Score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mos_score: Option<f64>,
    /// The id of operator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator_call_id: Option<Int64>,
    /// Caller ID used by the Dialpad user for outbound calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_target: Option<CallContactProto>,
    /// List of associated recording details.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recording_details: Vec<CallRecordingDetailsProto>,
    /// The routing breadcrumbs.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routing_breadcrumbs: Vec<ApiCallRouterBreadcrumb>,
    /// A list of screen recording urls.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub screen_recording_urls: Vec<String>,
    /// Current call state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<CallState>,
    /// This is the target that the Dialpad user dials or receives a call from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<CallContactProto>,
    /// Duration of the call in milliseconds, including ring time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_duration: Option<DurationMs>,
    /// Text of call transcription.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcription_text: Option<String>,
    /// Link to the voicemail recording. Not in the OpenAPI document, but listed among the
    /// call event fields in Dialpad's help center.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voicemail_link: Option<String>,
    /// Share link to the voicemail recording.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voicemail_share_link: Option<String>,
    /// Boolean indicating whether or not the call was recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub was_recorded: Option<bool>,
}

/// `protos.call.CallContactProto`: a party to a call (contact, target, proxy or entry point).
/// `id` is a string: it may be a contact's opaque id or a user/office id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CallContactProto {
    /// The primary email address of the contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A unique number ID for the contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name of contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The primary phone number of the contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// What the party is: a Dialpad user, office or group, or a local or shared contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<CallPartyType>,
}

/// `protos.call.CallRecordingDetailsProto`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CallRecordingDetailsProto {
    /// The duration of the recording in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<Int64>,
    /// The recording ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The recording type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording_type: Option<RecordingType>,
    /// The recording start timestamp.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<EpochMillis>,
    /// The access URL of the recording.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// `protos.breadcrumbs.ApiCallRouterBreadcrumb`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiCallRouterBreadcrumb {
    /// Breadcrumb type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breadcrumb_type: Option<BreadcrumbType>,
    /// Date when this breadcrumb was added.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<EpochMillis>,
    /// The HTTP request payload associated with this breadcrumb.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<serde_json::Value>,
    /// The HTTP response associated with this breadcrumb.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<serde_json::Value>,
    /// The target id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_id: Option<Int64>,
    /// The target type from call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_type: Option<TargetType>,
    /// The URL that should be used to drive call routing decisions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

open_enum! {
    /// A call state (`state` of a call or call event, `call_states` of a subscription). The
    /// union of the spec's subscription states and the help center's event states.
    pub enum CallState {
        Admin => "admin",
        AdminRecording => "admin_recording",
        AiPlaybook => "ai_playbook",
        All => "all",
        Barge => "barge",
        Blocked => "blocked",
        CallTranscription => "call_transcription",
        Calling => "calling",
        Connected => "connected",
        Csat => "csat",
        Dispositions => "dispositions",
        Eavesdrop => "eavesdrop",
        Hangup => "hangup",
        Hold => "hold",
        Merged => "merged",
        Missed => "missed",
        Monitor => "monitor",
        Parked => "parked",
        Pcsat => "pcsat",
        Postcall => "postcall",
        Preanswer => "preanswer",
        Queued => "queued",
        RecapActionItems => "recap_action_items",
        RecapOutcome => "recap_outcome",
        RecapPurposes => "recap_purposes",
        RecapSummary => "recap_summary",
        Recording => "recording",
        Ringing => "ringing",
        Takeover => "takeover",
        Transcription => "transcription",
        Voicemail => "voicemail",
        VoicemailUploaded => "voicemail_uploaded",
    }
}

open_enum! {
    /// Whether a call came in or went out.
    pub enum CallDirection {
        Inbound => "inbound",
        Outbound => "outbound",
    }
}

open_enum! {
    /// The kind of a call recording.
    pub enum RecordingType {
        AdminCallRecording => "admincallrecording",
        CallRecording => "callrecording",
        Voicemail => "voicemail",
    }
}

open_enum! {
    /// Who left a routing breadcrumb.
    pub enum BreadcrumbType {
        CallRouter => "callrouter",
        ExternalApi => "external_api",
    }
}

open_enum! {
    /// The kind of a call party (`CallContactProto.type`): a Dialpad entity (the spec's target
    /// types) or a contact (`local`, `shared`). The spec leaves it a free string.
    pub enum CallPartyType {
        CallCenter => "callcenter",
        CallRouter => "callrouter",
        Channel => "channel",
        CoachingGroup => "coachinggroup",
        CoachingTeam => "coachingteam",
        Department => "department",
        Local => "local",
        Office => "office",
        Room => "room",
        Shared => "shared",
        StaffGroup => "staffgroup",
        Unknown => "unknown",
        User => "user",
    }
}
