//! Dialpad's event side: webhooks and event subscriptions (CRUD), live calls that move
//! through their states on the sandbox's call clock, and the delivery of every event
//! to the webhooks whose subscriptions match it.
//!
//! Lock rule: [`emit`] reads the world, so never call it while holding `state.world`.
//! Lifecycle: live calls and delivery queues belong to the generation of the data
//! they were born with (`state::Generation`); a reset or shutdown stops them.

mod calls;
mod delivery;
mod families;
mod jwt;
mod live;
mod routing;
mod subscriptions;
mod webhooks;

use axum::Router;
use axum::routing::post;

use crate::state::AppState;
use crate::world::{Call, Contact};

pub use delivery::{Dispatcher, RETRY_DELAY};

/// Something that happened in a company, delivered to matching subscriptions.
// An event is built once and moved straight into its payload, so the size of the
// call variant costs nothing worth a box (and keeps `Event::Call(call)` as it is).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Event {
    /// A call moved to `call.state`.
    Call(Call),
    /// A contact was created, updated or deleted (`event` is that word).
    Contact {
        event: &'static str,
        contact: Contact,
    },
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

/// Queues `event` for every matching subscription of `company_id`. Never blocks on
/// the network: deliveries run on per-webhook tasks.
pub fn emit(state: &AppState, company_id: i64, event: Event) {
    let world = state.world.read();
    routing::emit_in(&world, state, company_id, event);
}

/// [`emit`] for a caller that holds the world lock (read or write) while it changes
/// what the event describes: queueing under the same guard keeps events in the order
/// the changes happened.
pub fn emit_locked(world: &crate::world::World, state: &AppState, company_id: i64, event: Event) {
    routing::emit_in(world, state, company_id, event);
}

/// Dialpad routes: webhooks and subscriptions. (`POST /api/v2/call` and hangup are
/// routed by `api::calls`, which calls [`ring_call`] and [`hangup`].)
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(webhooks::routes())
        .merge(subscriptions::routes())
}

/// Control routes mounted under `/_sandbox`: call simulation.
pub fn control_routes() -> Router<AppState> {
    Router::new().route("/calls", post(calls::simulate))
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
    state: &AppState,
    caller: &crate::auth::Caller,
    body: RingCall,
) -> crate::error::ApiResult<i64> {
    calls::ring_call(state, caller, body)
}

/// Hangs up a live call.
pub fn hangup(
    state: &AppState,
    caller: &crate::auth::Caller,
    call_id: i64,
) -> crate::error::ApiResult<()> {
    calls::hangup(state, caller, call_id)
}
