//! Live calls: `POST /api/v2/call` (outbound; stays connected until hung up),
//! `POST /_sandbox/calls` (a simulated call that runs its whole course), hangup, and
//! the task that moves a call through its states on the call clock.
//!
//! Each state is one call event, one call step (`call_step_ms`) after the previous;
//! `connected` and `voicemail` last the talk time instead:
//! - inbound: [`queued` when via a call center] `ringing`, then `connected` |
//!   `missed` | `voicemail`, then `hangup`;
//! - outbound: `calling`, `ringing`, then `connected` | `missed`, then `hangup`;
//! - after the hangup, one step apart: `recording` (answered and recorded),
//!   `transcription` (answered with a transcript), `voicemail_uploaded` (voicemail).
//!
//! At `hangup` the call is concluded and filed the way seeded calls are: state
//! `hangup`, `missed` or `voicemail` by outcome, `date_ended`, `duration` (talk or
//! voicemail length, ms), `total_duration`, recording details. A hangup before the
//! call was answered makes it missed; the post-hangup events do not change it.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::runtime::Handle;

use super::{Event, RingCall, delivery};
use crate::api::{DpJson, check_e164, company, required};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::ids::{de_opt_i64, now_ms};
use crate::seed::{CallSpec, build_call, external_number};
use crate::state::AppState;
use crate::world::{Call, Company, Contact, Outcome, RecordingDetails};

/// How long a call made with `POST /api/v2/call` stays connected if nobody hangs up.
const MAX_TALK: Duration = Duration::from_secs(600);

const GROUP_TYPES: &[&str] = &["callcenter", "department", "office"];

/// How a started call will unfold.
#[derive(Debug, Clone)]
struct Plan {
    /// The states before the hangup; the first is entered at once.
    states: Vec<&'static str>,
    /// Time spent connected or in voicemail; `None` is one call step.
    talk: Option<Duration>,
}

impl Plan {
    fn new(inbound: bool, queued: bool, outcome: Outcome, talk: Option<Duration>) -> Self {
        let mut states = Vec::with_capacity(4);
        if !inbound {
            states.push("calling");
        } else if queued {
            states.push("queued");
        }
        states.push("ringing");
        states.push(match outcome {
            Outcome::Answered => "connected",
            Outcome::Missed => "missed",
            Outcome::Voicemail => "voicemail",
        });
        Self { states, talk }
    }

    /// Read at every step, so a changed call clock applies to calls already live.
    fn wait_after(&self, state: &AppState, current: &str) -> Duration {
        match current {
            "connected" | "voicemail" => self.talk.unwrap_or_else(|| state.call_step()),
            _ => state.call_step(),
        }
    }
}

fn runtime() -> ApiResult<Handle> {
    Handle::try_current().map_err(|_| ApiError::internal("no runtime to run the call on"))
}

/// A contact the user can see with this number.
fn find_contact<'a>(company: &'a Company, number: &str, user_id: i64) -> Option<&'a Contact> {
    company.contacts.values().find(|c| {
        (c.kind == "shared" || c.owner_id == Some(user_id)) && c.phones.iter().any(|p| p == number)
    })
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
    let call = {
        let mut world = state.world.write();
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
    start(state, &runtime, caller.company_id, call, plan)
}

pub(super) fn hangup(state: &AppState, caller: &Caller, call_id: i64) -> ApiResult<()> {
    let runtime = runtime()?;
    let ended = || ApiError::conflict("the call has already ended");
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
    if !conclude(state, caller.company_id, call_id) {
        return Err(ended());
    }
    let state = state.clone();
    let company_id = caller.company_id;
    runtime.spawn(async move { post_call(&state, company_id, call_id).await });
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
    let (company_id, call) = {
        let mut world = state.world.write();
        let call_id = world.next_id();
        let company = match (body.company_id, body.user_id) {
            (Some(id), _) => world
                .company(id)
                .ok_or_else(|| ApiError::not_found("company"))?,
            (None, Some(user)) => world
                .companies
                .values()
                .find(|c| c.users.contains_key(&user))
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
    let call_id = start(&state, &runtime, company_id, call, plan)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "call_id": call_id.to_string(),
            "company_id": company_id.to_string(),
        })),
    ))
}

/// Makes `call` live in its first state, emits that state and starts its task.
fn start(
    state: &AppState,
    runtime: &Handle,
    company_id: i64,
    mut call: Call,
    plan: Plan,
) -> ApiResult<i64> {
    let now = now_ms();
    let first = plan.states.first().copied().unwrap_or("ringing");
    call.state = first.into();
    call.date_started = now;
    call.date_rang = (first == "ringing").then_some(now);
    call.date_connected = None;
    call.date_ended = None;
    call.duration = None;
    call.total_duration = None;
    call.recording_details.clear();
    call.call_recording_share_links.clear();
    call.voicemail_share_link = None;
    call.event_timestamp = now;
    let call_id = call.call_id;
    {
        let mut world = state.world.write();
        world
            .company_mut(company_id)
            .ok_or_else(|| ApiError::not_found("company"))?
            .live_calls
            .insert(call_id, call.clone());
        delivery::emit_in(&world, state, company_id, Event::Call(call));
    }
    runtime.spawn(run(state.clone(), company_id, call_id, plan));
    Ok(call_id)
}

/// The life of one call. Stops as soon as the call is no longer live (hung up through
/// the API, or the data was reset); the hangup path then runs the post-call events.
async fn run(state: AppState, company_id: i64, call_id: i64, plan: Plan) {
    for pair in plan.states.windows(2) {
        let &[from, to] = pair else {
            continue;
        };
        tokio::time::sleep(plan.wait_after(&state, from)).await;
        if !advance(&state, company_id, call_id, to) {
            return;
        }
    }
    let last = plan.states.last().copied().unwrap_or_default();
    tokio::time::sleep(plan.wait_after(&state, last)).await;
    if conclude(&state, company_id, call_id) {
        post_call(&state, company_id, call_id).await;
    }
}

/// Moves a live call to `next` and emits it, under the world lock so that events
/// queue in transition order.
fn advance(state: &AppState, company_id: i64, call_id: i64, next: &'static str) -> bool {
    let mut world = state.world.write();
    let Some(call) = world
        .company_mut(company_id)
        .and_then(|c| c.live_calls.get_mut(&call_id))
    else {
        return false;
    };
    let now = now_ms();
    call.state = next.into();
    call.event_timestamp = now;
    match next {
        "ringing" => call.date_rang = Some(now),
        "connected" => call.date_connected = Some(now),
        _ => {}
    }
    let event = Event::Call(call.clone());
    delivery::emit_in(&world, state, company_id, event);
    true
}

/// Hangs up a live call: files it as concluded and emits `hangup`. False when the
/// call was not live (any more).
fn conclude(state: &AppState, company_id: i64, call_id: i64) -> bool {
    let mut world = state.world.write();
    let Some(company) = world.company_mut(company_id) else {
        return false;
    };
    let Some(mut call) = company.live_calls.remove(&call_id) else {
        return false;
    };
    finish(&mut call, now_ms());
    let mut event = call.clone();
    event.state = "hangup".into();
    company.insert_concluded(call);
    delivery::emit_in(&world, state, company_id, Event::Call(event));
    true
}

/// Lays out a call ending at `now` from the state it ends in, as `build_call` lays
/// out a seeded call of the same outcome.
fn finish(call: &mut Call, now: i64) {
    let outcome = match call.state.as_str() {
        "connected" => Outcome::Answered,
        "voicemail" => Outcome::Voicemail,
        _ => Outcome::Missed,
    };
    // When the current state began.
    let since = call.event_timestamp;
    call.date_ended = Some(now);
    call.total_duration = Some((now - call.date_started) as f64);
    call.event_timestamp = now;
    call.outcome = outcome;
    match outcome {
        Outcome::Answered => {
            let connected = call.date_connected.unwrap_or(since);
            let talk = now - connected;
            call.duration = Some(talk as f64);
            if call.was_recorded {
                let url = format!("https://sandbox.dialpad.invalid/r/{}.mp3", call.call_id);
                call.recording_details.push(RecordingDetails {
                    duration: talk,
                    id: format!("rec{}", call.call_id),
                    recording_type: "callrecording",
                    start_time: connected,
                    url: url.clone(),
                });
                call.call_recording_share_links.push(url);
            }
        }
        Outcome::Voicemail => {
            let length = now - since;
            call.duration = Some(length as f64);
            call.was_recorded = false;
            let url = format!("https://sandbox.dialpad.invalid/v/{}.mp3", call.call_id);
            call.recording_details.push(RecordingDetails {
                duration: length,
                id: format!("vm{}", call.call_id),
                recording_type: "voicemail",
                start_time: since,
                url: url.clone(),
            });
            call.voicemail_share_link = Some(url);
        }
        Outcome::Missed => {
            call.duration = None;
            call.was_recorded = false;
        }
    }
    call.has_transcript = call.has_transcript && outcome == Outcome::Answered;
    call.state = match outcome {
        Outcome::Answered => "hangup",
        Outcome::Missed => "missed",
        Outcome::Voicemail => "voicemail",
    }
    .into();
}

/// The events that follow a concluded call, one call step apart. They carry the
/// concluded call with their own `state` and `event_timestamp`.
async fn post_call(state: &AppState, company_id: i64, call_id: i64) {
    let steps: Vec<&'static str> = {
        let world = state.world.read();
        let Some(call) = world.company(company_id).and_then(|c| c.call(call_id)) else {
            return;
        };
        match call.outcome {
            Outcome::Answered => [
                call.was_recorded.then_some("recording"),
                call.has_transcript.then_some("transcription"),
            ]
            .into_iter()
            .flatten()
            .collect(),
            Outcome::Voicemail => vec!["voicemail_uploaded"],
            Outcome::Missed => Vec::new(),
        }
    };
    for step in steps {
        tokio::time::sleep(state.call_step()).await;
        let world = state.world.read();
        let Some(call) = world.company(company_id).and_then(|c| c.call(call_id)) else {
            return;
        };
        let mut event = call.clone();
        event.state = step.into();
        event.event_timestamp = now_ms();
        delivery::emit_in(&world, state, company_id, Event::Call(event));
    }
}
