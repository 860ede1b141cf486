//! Webhooks, event subscriptions, simulated calls and event delivery (being written).

use axum::Router;

use crate::state::AppState;
use crate::world::{Call, Contact};

/// Something that happened in a company, delivered to matching subscriptions.
#[derive(Debug, Clone)]
pub enum Event {
    /// A call moved to `call.state`.
    Call(Call),
    /// A contact was created, updated or deleted (`event` is that word).
    Contact { event: &'static str, contact: Contact },
    /// A change-log entry (user and office changes).
    ChangeLog(ChangeLogEntry),
}

/// One change-log event: `{date, action, note, additional_data, target, changed_by}`.
#[derive(Debug, Clone)]
pub struct ChangeLogEntry {
    pub action: String,
    pub note: String,
    pub target_type: &'static str,
    pub target_id: i64,
    /// The user who made the change (the caller).
    pub changed_by: i64,
    pub additional_data: serde_json::Value,
}

/// Queues `event` for every matching subscription of `company_id`.
pub fn emit(_state: &AppState, _company_id: i64, _event: Event) {}

/// Dialpad routes: webhooks, subscriptions, `POST /api/v2/call`, hangup.
pub fn routes() -> Router<AppState> {
    Router::new()
}

/// Control routes mounted under `/_sandbox`: call simulation.
pub fn control_routes() -> Router<AppState> {
    Router::new()
}

/// `protos.call.RingCallMessage`: what `POST /api/v2/call` takes.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct RingCall {
    pub phone_number: Option<String>,
    #[serde(default, deserialize_with = "crate::ids::de_opt_i64")]
    pub user_id: Option<i64>,
    pub device_id: Option<String>,
    #[serde(default, deserialize_with = "crate::ids::de_opt_i64")]
    pub group_id: Option<i64>,
    pub group_type: Option<String>,
    pub custom_data: Option<String>,
    pub outbound_caller_id: Option<String>,
    pub is_consult: Option<bool>,
}

/// Starts an outbound call for `body.user_id` and returns its id.
pub fn ring_call(
    _state: &AppState,
    _caller: &crate::auth::Caller,
    _body: RingCall,
) -> crate::error::ApiResult<i64> {
    Err(crate::error::ApiError::internal("not yet available"))
}

/// Hangs up a live call.
pub fn hangup(
    _state: &AppState,
    _caller: &crate::auth::Caller,
    _call_id: i64,
) -> crate::error::ApiResult<()> {
    Err(crate::error::ApiError::not_found("call"))
}
