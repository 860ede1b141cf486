//! Requests that act on calls: ringing a user's devices (`POST /api/v2/call`), initiating a
//! call from a user's device (`POST /api/v2/users/{id}/initiate_call`) and labelling a call,
//! with the answers Dialpad gives.

use serde::{Deserialize, Serialize};

use super::common::TargetType;
use super::devices::UserDeviceProto;
use super::wire::{Int64, null_as_empty};

/// `protos.call.RingCallMessage`: the `POST /api/v2/call` body (ring a user's devices).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RingCallMessage {
    /// Extra data to associate with the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<String>,
    /// The device's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// The ID of a group that will be used to initiate the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<Int64>,
    /// The type of a group that will be used to initiate the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_type: Option<TargetType>,
    /// Enables the creation of a second call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_consult: Option<bool>,
    /// The e164-formatted number shown to the call recipient (or "blocked").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbound_caller_id: Option<String>,
    /// The e164-formatted number to call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The id of the user who should make the outbound call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Int64>,
}

/// `protos.call.RingCallProto`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RingCallProto {
    /// The ID of the created call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_id: Option<Int64>,
}

/// `protos.call.AddCallLabelsMessage`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AddCallLabelsMessage {
    /// The labels to attach to the call; always written, since an empty list is meaningful.
    #[serde(deserialize_with = "null_as_empty")]
    pub labels: Vec<String>,
}

/// `protos.call.InitiateCallMessage`: the `POST /api/v2/users/{id}/initiate_call` body; the
/// user's device dials `phone_number`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InitiateCallMessage {
    /// Extra data to associate with the call, passed through to subscribed call events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<String>,
    /// The ID of a group that will be used to initiate the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<Int64>,
    /// The type of that group (`callcenter`, `department` or `office`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_type: Option<TargetType>,
    /// The e164-formatted number shown to the call recipient (or "blocked").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbound_caller_id: Option<String>,
    /// The e164-formatted number to call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

/// `protos.call.InitiatedCallProto`: the answer to initiating a call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InitiatedCallProto {
    /// The device used to initiate the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<UserDeviceProto>,
}
