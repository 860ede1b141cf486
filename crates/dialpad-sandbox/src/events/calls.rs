//! Requests that start and end live calls: `POST /api/v2/call` (outbound; stays
//! connected until hung up, at most ten minutes), `POST /_sandbox/calls` (a simulated
//! call that runs its whole course) and hangup. The call's life is in `live`.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::runtime::Handle;

use super::RingCall;
use super::live::{self, Plan};
use crate::api::{DpJson, check_e164, company, required};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::ids::{de_opt_i64, now_ms};
use crate::seed::{CallSpec, build_call, external_number};
use crate::state::AppState;
use crate::world::{Company, Contact, Outcome};

/// How long a call made with `POST /api/v2/call` stays connected if nobody hangs up.
const MAX_TALK: Duration = Duration::from_secs(600);

const GROUP_TYPES: &[&str] = &["callcenter", "department", "office"];

fn runtime() -> ApiResult<Handle> {
    Handle::try_current().map_err(|_| ApiError::internal("no runtime to run the call on"))
}

/// A contact the user can see with this number (through the company's phone index).
fn find_contact<'a>(company: &'a Company, number: &str, user_id: i64) -> Option<&'a Contact> {
    company.contact_by_phone_for(number, user_id)
}

pub(super) fn ring_call(state: &AppState, caller: &Caller, body: RingCall) -> ApiResult<i64> {
    let user_id = body
        .user_id
        .ok_or_else(|| ApiError::bad_request("user_id is required"))?;
    let number = required(body.phone_number, "phone_number")?;
    check_e164(&number)?;
    if let Some(t) = &body.group_type
        && !GROUP_TYPES.contains(&t.as_str())
    {
        return Err(ApiError::bad_request(format!("invalid group_type {t:?}")));
    }
    if let Some(id) = &body.outbound_caller_id
        && id != "blocked"
    {
        check_e164(id)?;
    }
    let runtime = runtime()?;
    // One write lock from the new id to the live call, so the call's task is born in
    // the generation of the data it was built from.
    let mut world = state.world.write();
    let call = {
        let call_id = world.next_id();
        let company = company(&world, caller.company_id)?;
        let user = company
            .users
            .get(&user_id)
            .ok_or_else(|| ApiError::not_found("user"))?;
        if user.state != "active" {
            return Err(ApiError::bad_request("the user is not active"));
        }
        let (office_id, call_center) = match (body.group_type.as_deref(), body.group_id) {
            (Some("callcenter"), Some(id)) => {
                let center = company.call_centers.get(&id).ok_or_else(|| {
                    ApiError::bad_request("group_id names no call center of this company")
                })?;
                (user.office_id, Some(center))
            }
            (Some("office"), Some(id)) if !company.offices.contains_key(&id) => {
                return Err(ApiError::bad_request(
                    "group_id names no office of this company",
                ));
            }
            (Some("office"), Some(id)) => (id, None),
            _ => (user.office_id, None),
        };
        let mut call = build_call(CallSpec {
            call_id,
            user,
            office_id,
            call_center,
            contact: find_contact(company, &number, user.id),
            external_number: number,
            inbound: false,
            outcome: Outcome::Missed,
            started: now_ms(),
            ring_ms: 0,
            talk_ms: 0,
            recorded: false,
            labels: Vec::new(),
            has_transcript: false,
        });
        call.custom_data = body.custom_data;
        if let Some(id) = body.outbound_caller_id.filter(|id| id != "blocked") {
            call.internal_number = id;
        }
        call
    };
    let plan = Plan::new(false, false, Outcome::Answered, Some(MAX_TALK));
    live::start(state, &mut world, &runtime, caller.company_id, call, plan)
}

pub(super) fn hangup(state: &AppState, caller: &Caller, call_id: i64) -> ApiResult<()> {
    let runtime = runtime()?;
    let ended = || ApiError::conflict("the call has already ended");
    // Taken before the call is looked up, so the hangup below cannot reach a call
    // of newer data with the same id.
    let generation = state.generation();
    {
        let world = state.world.read();
        let company = company(&world, caller.company_id)?;
        if !company.live_calls.contains_key(&call_id) {
            return Err(match company.call(call_id) {
                Some(_) => ended(),
                None => ApiError::not_found("call"),
            });
        }
    }
    // The call's own task may have hung up in between.
    if !live::conclude(state, &generation, caller.company_id, call_id) {
        return Err(ended());
    }
    let state = state.clone();
    let company_id = caller.company_id;
    runtime.spawn(async move { live::post_call(&state, &generation, company_id, call_id).await });
    Ok(())
}

/// `POST /_sandbox/calls`.
#[derive(Debug, Deserialize)]
pub(super) struct SimulateBody {
    #[serde(default, deserialize_with = "de_opt_i64")]
    user_id: Option<i64>,
    /// Without `user_id`: the company's first active user takes the call.
    #[serde(default, deserialize_with = "de_opt_i64")]
    company_id: Option<i64>,
    /// `inbound` (default) or `outbound`.
    direction: Option<String>,
    external_number: Option<String>,
    contact_id: Option<String>,
    /// `answered` (default), `missed` or `voicemail` (inbound only).
    outcome: Option<Outcome>,
    /// How long the call stays connected (or the voicemail lasts); one call step if absent.
    talk_ms: Option<u64>,
    recorded: Option<bool>,
    transcript: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    call_center_id: Option<i64>,
}

/// Starts a simulated call and answers `{call_id, company_id}` at once; the call then
/// runs its course in the background.
pub(super) async fn simulate(
    State(state): State<AppState>,
    DpJson(body): DpJson<SimulateBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let inbound = match body.direction.as_deref() {
        None | Some("inbound") => true,
        Some("outbound") => false,
        Some(d) => {
            return Err(ApiError::bad_request(format!(
                "invalid direction {d:?}: inbound or outbound"
            )));
        }
    };
    let outcome = body.outcome.unwrap_or(Outcome::Answered);
    if !inbound && outcome == Outcome::Voicemail {
        return Err(ApiError::bad_request("only inbound calls go to voicemail"));
    }
    if let Some(number) = &body.external_number {
        check_e164(number)?;
    }
    let runtime = runtime()?;
    let mut world = state.world.write();
    let (company_id, call) = {
        let call_id = world.next_id();
        let company = match (body.company_id, body.user_id) {
            (Some(id), _) => world
                .company(id)
                .ok_or_else(|| ApiError::not_found("company"))?,
            (None, Some(user)) => world
                .companies
                .values()
                .find(|c| c.live_user(user).is_some())
                .ok_or_else(|| ApiError::not_found("user"))?,
            (None, None) => {
                return Err(ApiError::bad_request("user_id or company_id is required"));
            }
        };
        let user = match body.user_id {
            Some(id) => company
                .users
                .get(&id)
                .ok_or_else(|| ApiError::not_found("user"))?,
            None => company
                .users
                .values()
                .find(|u| u.state == "active")
                .ok_or_else(|| ApiError::not_found("active user"))?,
        };
        if user.state != "active" {
            return Err(ApiError::bad_request("the user is not active"));
        }
        let contact = match &body.contact_id {
            Some(id) => Some(
                company
                    .contacts
                    .get(id)
                    .ok_or_else(|| ApiError::not_found("contact"))?,
            ),
            None => body
                .external_number
                .as_deref()
                .and_then(|n| find_contact(company, n, user.id)),
        };
        let call_center = match body.call_center_id {
            Some(id) => Some(
                company
                    .call_centers
                    .get(&id)
                    .ok_or_else(|| ApiError::not_found("call center"))?,
            ),
            None => None,
        };
        let external = body
            .external_number
            .or_else(|| contact.and_then(|c| c.primary_phone.clone()))
            .unwrap_or_else(|| external_number(7, (call_id % 1_000_000) as usize));
        let answered = outcome == Outcome::Answered;
        let mut call = build_call(CallSpec {
            call_id,
            user,
            office_id: user.office_id,
            call_center,
            contact,
            external_number: external,
            inbound,
            outcome: Outcome::Missed,
            started: now_ms(),
            ring_ms: 0,
            talk_ms: 0,
            recorded: false,
            labels: Vec::new(),
            has_transcript: answered && body.transcript.unwrap_or(false),
        });
        call.was_recorded = answered && body.recorded.unwrap_or(false);
        (company.id(), call)
    };
    let queued = inbound && call.call_center_id.is_some();
    let plan = Plan::new(
        inbound,
        queued,
        outcome,
        body.talk_ms.map(Duration::from_millis),
    );
    let call_id = live::start(&state, &mut world, &runtime, company_id, call, plan)?;
    drop(world);
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "call_id": call_id.to_string(),
            "company_id": company_id.to_string(),
        })),
    ))
}
