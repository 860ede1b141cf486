//! The life of a live call: the task that moves it through its states on the call
//! clock (one event per state), files it as concluded at the hangup and sends the
//! post-call events. The requests that start and end calls are in `calls`.

use std::time::Duration;

use tokio::runtime::Handle;

use super::{Event, routing};
use crate::error::{ApiError, ApiResult};
use crate::ids::now_ms;
use crate::state::{AppState, Generation};
use crate::world::{Call, Outcome, RecordingDetails, World};

/// How a started call will unfold. Each state is one call event, one call step
/// (`call_step_ms`) after the previous; `connected` and `voicemail` last the talk
/// time instead:
/// - inbound: [`queued` when via a call center] `ringing`, then `connected` |
///   `missed` | `voicemail`, then `hangup`;
/// - outbound: `calling`, `ringing`, then `connected` | `missed`, then `hangup`;
/// - after the hangup, one step apart: `recording` (answered and recorded),
///   `transcription` (answered with a transcript), `voicemail_uploaded` (voicemail).
///
/// A call's task carries the generation it was born in and checks it under the world
/// lock at every step: after a reset (ids are deterministic, so a new call may have
/// its id) or a shutdown it does nothing more.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    /// The states before the hangup; the first is entered at once.
    states: Vec<&'static str>,
    /// Time spent connected or in voicemail; `None` is one call step.
    talk: Option<Duration>,
}

impl Plan {
    pub(super) fn new(
        inbound: bool,
        queued: bool,
        outcome: Outcome,
        talk: Option<Duration>,
    ) -> Self {
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

/// Makes `call` live in its first state, emits that state and starts its task.
/// Runs under the world's write lock (`world`), the one the call was built under,
/// so the call's task is born in the generation of the data the call belongs to.
pub(super) fn start(
    state: &AppState,
    world: &mut World,
    runtime: &Handle,
    company_id: i64,
    mut call: Call,
    plan: Plan,
) -> ApiResult<i64> {
    if state.is_closed() {
        return Err(ApiError::internal("the sandbox is shutting down"));
    }
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
    world
        .company_mut(company_id)
        .ok_or_else(|| ApiError::not_found("company"))?
        .live_calls
        .insert(call_id, call.clone());
    routing::emit_in(world, state, company_id, Event::Call(call));
    let generation = state.generation();
    runtime.spawn(run(state.clone(), generation, company_id, call_id, plan));
    Ok(call_id)
}

/// The life of one call. Stops as soon as the call is no longer live (hung up through
/// the API) or its generation ended; the hangup path runs the post-call events.
async fn run(state: AppState, generation: Generation, company_id: i64, call_id: i64, plan: Plan) {
    for pair in plan.states.windows(2) {
        let &[from, to] = pair else {
            continue;
        };
        if !generation.sleep(plan.wait_after(&state, from)).await
            || !advance(&state, &generation, company_id, call_id, to)
        {
            return;
        }
    }
    let last = plan.states.last().copied().unwrap_or_default();
    if generation.sleep(plan.wait_after(&state, last)).await
        && conclude(&state, &generation, company_id, call_id)
    {
        post_call(&state, &generation, company_id, call_id).await;
    }
}

/// Moves a live call to `next` and emits it, under the world lock so that events
/// queue in transition order.
fn advance(
    state: &AppState,
    generation: &Generation,
    company_id: i64,
    call_id: i64,
    next: &'static str,
) -> bool {
    let mut world = state.world.write();
    if !generation.is_current() {
        return false;
    }
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
    routing::emit_in(&world, state, company_id, event);
    true
}

/// Hangs up a live call: files it as concluded and emits `hangup`. False when the
/// call was not live (any more) or belongs to an ended generation.
pub(super) fn conclude(
    state: &AppState,
    generation: &Generation,
    company_id: i64,
    call_id: i64,
) -> bool {
    let mut world = state.world.write();
    if !generation.is_current() {
        return false;
    }
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
    routing::emit_in(&world, state, company_id, Event::Call(event));
    true
}

/// Lays out a call ending at `now` from the state it ends in, as `build_call` lays
/// out a seeded call of the same outcome: state `hangup`, `missed` or `voicemail`,
/// `date_ended`, `duration` (talk or voicemail length, ms), `total_duration`,
/// recording details. A hangup before the call was answered makes it missed.
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
pub(super) async fn post_call(
    state: &AppState,
    generation: &Generation,
    company_id: i64,
    call_id: i64,
) {
    let steps: Vec<&'static str> = {
        let world = state.world.read();
        if !generation.is_current() {
            return;
        }
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
        if !generation.sleep(state.call_step()).await {
            return;
        }
        let world = state.world.read();
        if !generation.is_current() {
            return;
        }
        let Some(call) = world.company(company_id).and_then(|c| c.call(call_id)) else {
            return;
        };
        let mut event = call.clone();
        event.state = step.into();
        event.event_timestamp = now_ms();
        routing::emit_in(&world, state, company_id, Event::Call(event));
    }
}
