//! The golden table: each endpoint whose 200 response a crate type models, with the schema
//! the spec names for it and the type that reads it. Entries whose example is missing from
//! both spec versions are `optional`; the coverage test keeps the table complete.

use patchbay_dialpad::types::call_actions::{InitiatedCallProto, RingCallProto};
use patchbay_dialpad::types::call_centers::{
    CallCenterCollection, CallCenterProto, OperatorCollection, RoomProto, UserOrRoomProto,
};
use patchbay_dialpad::types::calls::{CallCollection, CallProto};
use patchbay_dialpad::types::company::CompanyProto;
use patchbay_dialpad::types::contacts::{ContactCollection, ContactProto};
use patchbay_dialpad::types::offices::{
    E911GetProto, OfficeCollection, OfficeProto, OfficeUpdateResponse,
};
use patchbay_dialpad::types::plan::PlanProto;
use patchbay_dialpad::types::stats::{ProcessingProto, StatsProto};
use patchbay_dialpad::types::subscriptions::{
    AgentStatusEventSubscriptionCollection, AgentStatusEventSubscriptionProto,
    CallEventSubscriptionCollection, CallEventSubscriptionProto,
    ChangeLogEventSubscriptionCollection, ChangeLogEventSubscriptionProto,
    ContactEventSubscriptionCollection, ContactEventSubscriptionProto,
};
use patchbay_dialpad::types::transcripts::{TranscriptProto, TranscriptUrlProto};
use patchbay_dialpad::types::users::{UserCollection, UserProto};
use patchbay_dialpad::types::webhooks::{WebhookCollection, WebhookProto, WebsocketProto};
use serde_json::Value;

use crate::typed::{Ids, Typed};

/// One endpoint whose examples are golden.
pub struct Golden {
    pub key: &'static str,
    pub schema: &'static str,
    pub optional: bool,
    /// Reads an example into the entry's type and back.
    pub check: fn(&Value) -> Result<Checked, String>,
    /// The Rust type's name, to check it against `schema`.
    pub type_name: fn() -> &'static str,
}

/// What one example became: its re-serialised JSON and the ids read through typed fields.
pub struct Checked {
    pub reserialised: Value,
    pub ids: Ids,
}

const fn golden<T: Typed>(key: &'static str, schema: &'static str) -> Golden {
    Golden {
        key,
        schema,
        optional: false,
        check: check::<T>,
        type_name: std::any::type_name::<T>,
    }
}

/// An endpoint for which neither spec version carries an example.
const fn optional<T: Typed>(key: &'static str, schema: &'static str) -> Golden {
    Golden {
        optional: true,
        ..golden::<T>(key, schema)
    }
}

fn check<T: Typed>(example: &Value) -> Result<Checked, String> {
    let typed: T =
        serde_json::from_value(example.clone()).map_err(|err| format!("deserialise: {err}"))?;
    let reserialised = serde_json::to_value(&typed).map_err(|err| format!("serialise: {err}"))?;
    let mut ids = Vec::new();
    typed.ids("", &mut ids);
    Ok(Checked { reserialised, ids })
}

const USER: &str = "protos.user.UserProto";
const CONTACT: &str = "protos.contact.ContactProto";
const OFFICE: &str = "protos.office.OfficeProto";
const OFFICE_UPDATE: &str = "protos.office.OfficeUpdateResponse";
const E911: &str = "protos.office.E911GetProto";
const CALL_CENTERS: &str = "protos.group.CallCenterCollection";
const CALL_CENTER: &str = "protos.group.CallCenterProto";
const OPERATORS: &str = "protos.group.OperatorCollection";
const OPERATOR: &str = "protos.group.UserOrRoomProto";
const ROOM: &str = "protos.room.RoomProto";
const WEBHOOK: &str = "protos.webhook.WebhookProto";
const WEBSOCKET: &str = "protos.websocket.WebsocketProto";
const CALL_SUBS: &str = "protos.call_event_subscription.CallEventSubscriptionCollection";
const CALL_SUB: &str = "protos.call_event_subscription.CallEventSubscriptionProto";
const CONTACT_SUBS: &str = "protos.contact_event_subscription.ContactEventSubscriptionCollection";
const CONTACT_SUB: &str = "protos.contact_event_subscription.ContactEventSubscriptionProto";
const CHANGELOG_SUBS: &str =
    "protos.change_log_event_subscription.ChangeLogEventSubscriptionCollection";
const CHANGELOG_SUB: &str = "protos.change_log_event_subscription.ChangeLogEventSubscriptionProto";
const AGENT_SUBS: &str =
    "protos.agent_status_event_subscription.AgentStatusEventSubscriptionCollection";
const AGENT_SUB: &str = "protos.agent_status_event_subscription.AgentStatusEventSubscriptionProto";

type CallSubs = CallEventSubscriptionCollection;
type CallSub = CallEventSubscriptionProto;
type ContactSubs = ContactEventSubscriptionCollection;
type ContactSub = ContactEventSubscriptionProto;
type ChangeLogSubs = ChangeLogEventSubscriptionCollection;
type ChangeLogSub = ChangeLogEventSubscriptionProto;
type AgentSubs = AgentStatusEventSubscriptionCollection;
type AgentSub = AgentStatusEventSubscriptionProto;

pub const TABLE: &[Golden] = &[
    golden::<UserCollection>("GET /api/v2/users", "protos.user.UserCollection"),
    golden::<UserProto>("GET /api/v2/users/{id}", USER),
    golden::<UserProto>("PATCH /api/v2/users/{id}", USER),
    golden::<UserProto>("DELETE /api/v2/users/{id}", USER),
    golden::<UserProto>("POST /api/v2/users", USER),
    golden::<E911GetProto>("GET /api/v2/users/{id}/e911", E911),
    golden::<E911GetProto>("PUT /api/v2/users/{id}/e911", E911),
    golden::<InitiatedCallProto>(
        "POST /api/v2/users/{id}/initiate_call",
        "protos.call.InitiatedCallProto",
    ),
    optional::<ContactCollection>("GET /api/v2/contacts", "protos.contact.ContactCollection"),
    optional::<ContactProto>("GET /api/v2/contacts/{id}", CONTACT),
    golden::<OfficeCollection>("GET /api/v2/offices", "protos.office.OfficeCollection"),
    golden::<OfficeProto>("GET /api/v2/offices/{id}", OFFICE),
    golden::<OfficeProto>("GET /api/v2/offices/primary", OFFICE),
    optional::<OfficeUpdateResponse>("POST /api/v2/offices", OFFICE_UPDATE),
    optional::<OfficeUpdateResponse>("PATCH /api/v2/offices/{id}", OFFICE_UPDATE),
    golden::<E911GetProto>("GET /api/v2/offices/{id}/e911", E911),
    golden::<E911GetProto>("PUT /api/v2/offices/{id}/e911", E911),
    golden::<OperatorCollection>("GET /api/v2/offices/{id}/operators", OPERATORS),
    golden::<PlanProto>(
        "GET /api/v2/offices/{office_id}/plan",
        "protos.plan.PlanProto",
    ),
    golden::<CallCenterCollection>("GET /api/v2/offices/{office_id}/callcenters", CALL_CENTERS),
    golden::<CompanyProto>("GET /api/v2/company", "protos.company.CompanyProto"),
    golden::<CallProto>("GET /api/v2/call/{id}", "protos.call.CallProto"),
    optional::<CallCollection>("GET /api/v2/call", "protos.call.CallCollection"),
    optional::<RingCallProto>("POST /api/v2/call", "protos.call.RingCallProto"),
    golden::<TranscriptProto>(
        "GET /api/v2/transcripts/{call_id}",
        "protos.transcript.TranscriptProto",
    ),
    golden::<TranscriptUrlProto>(
        "GET /api/v2/transcripts/{call_id}/url",
        "protos.transcript.TranscriptUrlProto",
    ),
    golden::<CallCenterCollection>("GET /api/v2/callcenters", CALL_CENTERS),
    golden::<CallCenterProto>("POST /api/v2/callcenters", CALL_CENTER),
    golden::<CallCenterProto>("GET /api/v2/callcenters/{id}", CALL_CENTER),
    golden::<CallCenterProto>("PATCH /api/v2/callcenters/{id}", CALL_CENTER),
    golden::<OperatorCollection>("GET /api/v2/callcenters/{id}/operators", OPERATORS),
    golden::<UserOrRoomProto>("POST /api/v2/callcenters/{id}/operators", OPERATOR),
    golden::<UserOrRoomProto>("DELETE /api/v2/callcenters/{id}/operators", OPERATOR),
    golden::<OperatorCollection>("GET /api/v2/departments/{id}/operators", OPERATORS),
    golden::<UserOrRoomProto>("DELETE /api/v2/departments/{id}/operators", OPERATOR),
    golden::<RoomProto>("POST /api/v2/rooms", ROOM),
    golden::<RoomProto>("GET /api/v2/rooms/{id}", ROOM),
    golden::<RoomProto>("PATCH /api/v2/rooms/{id}", ROOM),
    golden::<RoomProto>("DELETE /api/v2/rooms/{id}", ROOM),
    golden::<WebhookCollection>("GET /api/v2/webhooks", "protos.webhook.WebhookCollection"),
    golden::<WebhookProto>("POST /api/v2/webhooks", WEBHOOK),
    golden::<WebhookProto>("GET /api/v2/webhooks/{id}", WEBHOOK),
    golden::<WebsocketProto>("POST /api/v2/websockets", WEBSOCKET),
    golden::<WebsocketProto>("GET /api/v2/websockets/{id}", WEBSOCKET),
    golden::<WebsocketProto>("PATCH /api/v2/websockets/{id}", WEBSOCKET),
    golden::<CallSubs>("GET /api/v2/subscriptions/call", CALL_SUBS),
    golden::<CallSub>("POST /api/v2/subscriptions/call", CALL_SUB),
    golden::<CallSub>("GET /api/v2/subscriptions/call/{id}", CALL_SUB),
    golden::<CallSub>("PATCH /api/v2/subscriptions/call/{id}", CALL_SUB),
    golden::<CallSub>("DELETE /api/v2/subscriptions/call/{id}", CALL_SUB),
    golden::<ContactSubs>("GET /api/v2/subscriptions/contact", CONTACT_SUBS),
    golden::<ContactSub>("POST /api/v2/subscriptions/contact", CONTACT_SUB),
    golden::<ContactSub>("GET /api/v2/subscriptions/contact/{id}", CONTACT_SUB),
    golden::<ContactSub>("PATCH /api/v2/subscriptions/contact/{id}", CONTACT_SUB),
    golden::<ContactSub>("DELETE /api/v2/subscriptions/contact/{id}", CONTACT_SUB),
    golden::<ChangeLogSubs>("GET /api/v2/subscriptions/changelog", CHANGELOG_SUBS),
    golden::<ChangeLogSub>("POST /api/v2/subscriptions/changelog", CHANGELOG_SUB),
    golden::<ChangeLogSub>("GET /api/v2/subscriptions/changelog/{id}", CHANGELOG_SUB),
    golden::<ChangeLogSub>("PATCH /api/v2/subscriptions/changelog/{id}", CHANGELOG_SUB),
    golden::<ChangeLogSub>("DELETE /api/v2/subscriptions/changelog/{id}", CHANGELOG_SUB),
    golden::<AgentSubs>("GET /api/v2/subscriptions/agent_status", AGENT_SUBS),
    golden::<AgentSub>("POST /api/v2/subscriptions/agent_status", AGENT_SUB),
    golden::<AgentSub>("GET /api/v2/subscriptions/agent_status/{id}", AGENT_SUB),
    golden::<AgentSub>("PATCH /api/v2/subscriptions/agent_status/{id}", AGENT_SUB),
    golden::<AgentSub>("DELETE /api/v2/subscriptions/agent_status/{id}", AGENT_SUB),
    optional::<ProcessingProto>("POST /api/v2/stats", "protos.stats.ProcessingProto"),
    golden::<StatsProto>("GET /api/v2/stats/{id}", "protos.stats.StatsProto"),
];
