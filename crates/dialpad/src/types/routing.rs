//! Call routing shared by offices, departments and call centers: open/closed routing options,
//! DTMF menus, and the enumerations that describe them (actions, operator strategies, hours).

use serde::{Deserialize, Serialize};

use super::common::TargetType;
use super::open_enum::open_enum;
use super::wire::{Int64, null_as_empty};

/// `protos.group.RoutingOptions`: how an office or group routes calls when open and closed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoutingOptions {
    /// Routing options to use during off hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<RoutingOptionsInner>,
    /// Routing options to use during open hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open: Option<RoutingOptionsInner>,
}

/// `protos.group.RoutingOptionsInner`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoutingOptionsInner {
    /// The action that should be taken if no operators are available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<RoutingAction>,
    /// The ID of the Target that inbound calls should be routed to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_target_id: Option<Int64>,
    /// The type of the Target that inbound calls should be routed to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_target_type: Option<TargetType>,
    /// DTMF menu options.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dtmf: Vec<DtmfMapping>,
    /// The routing strategy that should be used when dialing operators.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator_routing: Option<OperatorRouting>,
    /// Whether operators should be dialed on inbound calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub try_dial_operators: Option<bool>,
}

/// `protos.group.DtmfMapping`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DtmfMapping {
    /// The DTMF key associated with this menu item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// The action that should be taken if the input key is pressed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<DtmfOptions>,
}

/// `protos.group.DtmfOptions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DtmfOptions {
    /// The routing action type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<RoutingAction>,
    /// The ID of the target that should be dialed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_target_id: Option<Int64>,
    /// The type of the target that should be dialed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_target_type: Option<TargetType>,
}

open_enum! {
    /// Whether an office or group is currently taking calls.
    pub enum AvailabilityStatus {
        Closed => "closed",
        HolidayClosed => "holiday_closed",
        HolidayOpen => "holiday_open",
        Open => "open",
    }
}

open_enum! {
    /// The first thing done with an inbound call.
    pub enum FirstAction {
        Menu => "menu",
        Operators => "operators",
    }
}

open_enum! {
    /// A routing action (`action`, `no_operators_action`, DTMF option).
    pub enum RoutingAction {
        AiAgent => "ai_agent",
        BridgeTarget => "bridge_target",
        CallServiceTarget => "call_service_target",
        CompanyDirectory => "company_directory",
        Department => "department",
        Directory => "directory",
        Disabled => "disabled",
        Extension => "extension",
        GoogleDialogflow => "google_dialogflow",
        LastNameCompanyDirectory => "last_name_company_directory",
        LastNameDirectory => "last_name_directory",
        Menu => "menu",
        Message => "message",
        Operator => "operator",
        Person => "person",
        ScriptedIvr => "scripted_ivr",
        Voicemail => "voicemail",
    }
}

open_enum! {
    /// The strategy for ringing operators.
    pub enum OperatorRouting {
        FixedOrder => "fixedorder",
        LongestIdle => "longestidle",
        MostSkilled => "mostskilled",
        Random => "random",
        RoundRobin => "roundrobin",
        Simultaneous => "simultaneous",
    }
}
