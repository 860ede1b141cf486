//! Calls and their transcripts: list concluded calls newest first (with
//! `started_after`/`started_before`/`target_type`/`target_id`), get one, label it,
//! initiate and hang up (the life of a live call is in `events`), and transcripts
//! generated deterministically from the call they belong to.

use std::cmp::Reverse;
use std::ops::Bound;

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::DateTime;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{DpJson, DpQuery, company, company_mut, json_response, path_id};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::events::{self, RingCall};
use crate::ids::{de_opt_i64, naive_iso_micros, ser_i64, ser_opt_i64};
use crate::page;
use crate::seed::Rng;
use crate::state::AppState;
use crate::world::{Call, CallKey, Company, Outcome};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/call", get(list).post(initiate))
        .route("/api/v2/call/{id}", get(retrieve))
        .route("/api/v2/call/{id}/labels", put(labels))
        .route("/api/v2/call/{id}/actions/hangup", put(hangup))
        .route("/api/v2/transcripts/{call_id}", get(transcript))
        .route("/api/v2/transcripts/{call_id}/url", get(transcript_url))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    cursor: Option<String>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    started_after: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    started_before: Option<i64>,
    target_type: Option<String>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    target_id: Option<i64>,
    /// "Includes call records that have been anonymized (e.g., calls associated with
    /// deleted users). Defaults to false."
    #[serde(default, deserialize_with = "crate::ids::de_opt_bool")]
    include_anonymized: Option<bool>,
}

/// A calls cursor names the last call's key: `<date_started>:<call_id>`.
struct CallCursor(CallKey);

impl std::str::FromStr for CallCursor {
    type Err = ();

    fn from_str(raw: &str) -> Result<Self, ()> {
        let (started, id) = raw.split_once(':').ok_or(())?;
        let started = started.parse().map_err(|_| ())?;
        let id = id.parse().map_err(|_| ())?;
        Ok(Self((Reverse(started), id)))
    }
}

/// Concluded calls, newest first. "Requires a company admin API key" is enforced by
/// the `Caller` extractor (`api::served`); the `calls:list` scope here. Calls of
/// deleted users count as anonymized: left out unless `include_anonymized=true`.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    DpQuery(q): DpQuery<ListQuery>,
) -> ApiResult<Response> {
    caller.require_scope("calls:list")?;
    let target = match (&q.target_type, q.target_id) {
        (Some(t), Some(id)) if crate::world::TARGET_TYPES.contains(&t.as_str()) => {
            Some((t.clone(), id))
        }
        (Some(t), Some(_)) => {
            return Err(ApiError::bad_request(format!("invalid target_type {t:?}")));
        }
        (None, None) => None,
        _ => {
            return Err(ApiError::bad_request(
                "target_type and target_id go together",
            ));
        }
    };
    // Calls are keyed newest first: "started before X" is a lower bound on the key.
    let mut start = match q.started_before {
        Some(before) => Bound::Excluded((Reverse(before), i64::MAX)),
        None => Bound::Unbounded,
    };
    if let Bound::Excluded(CallCursor(key)) = page::after("calls", q.cursor.as_deref())? {
        let later = match start {
            Bound::Excluded(b) => key.max(b),
            _ => key,
        };
        start = Bound::Excluded(later);
    }
    let include_anonymized = q.include_anonymized.unwrap_or(false);
    let world = state.world.read();
    let company = company(&world, caller.company_id)?;
    let after = q.started_after;
    let items = company
        .calls
        .range((start, Bound::Unbounded))
        .map(|(_, c)| c)
        .take_while(|c| after.is_none_or(|a| c.date_started > a))
        .filter(|c| {
            target
                .as_ref()
                .is_none_or(|(t, id)| c.matches_target(t, *id))
        })
        .filter(|c| {
            include_anonymized
                || company
                    .users
                    .get(&c.user_id)
                    .is_none_or(|u| !u.is_deleted())
        });
    json_response(&page::take(
        items,
        state.config.call_page_size,
        "calls",
        |c: &&Call| format!("{}:{}", c.date_started, c.call_id),
    ))
}

async fn retrieve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = path_id(&id, "call")?;
    let world = state.world.read();
    let call = company(&world, caller.company_id)?
        .call(id)
        .ok_or_else(|| ApiError::not_found("call"))?;
    json_response(call)
}

#[derive(Debug, Deserialize)]
struct LabelsBody {
    #[serde(default)]
    labels: Vec<String>,
}

/// `PUT .../labels` replaces the call's labels.
async fn labels(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    DpJson(body): DpJson<LabelsBody>,
) -> ApiResult<Json<Call>> {
    let id = path_id(&id, "call")?;
    if body
        .labels
        .iter()
        .any(|l| l.trim().is_empty() || l.len() > 100)
    {
        return Err(ApiError::bad_request("labels must be 1-100 characters"));
    }
    let mut world = state.world.write();
    let call = company_mut(&mut world, caller.company_id)?
        .call_mut(id)
        .ok_or_else(|| ApiError::not_found("call"))?;
    call.labels = body.labels;
    Ok(Json(call.clone()))
}

/// `protos.call.RingCallProto`.
#[derive(Debug, Serialize)]
struct RingCallProto {
    #[serde(serialize_with = "ser_i64")]
    call_id: i64,
}

async fn initiate(
    State(state): State<AppState>,
    caller: Caller,
    DpJson(body): DpJson<RingCall>,
) -> ApiResult<Json<RingCallProto>> {
    let call_id = events::ring_call(&state, &caller, body)?;
    Ok(Json(RingCallProto { call_id }))
}

async fn hangup(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id = path_id(&id, "call")?;
    events::hangup(&state, &caller, id)?;
    Ok(Json(json!({})))
}

/// `protos.transcript.TranscriptLineProto`.
#[derive(Debug, Clone, Serialize)]
pub struct TranscriptLine {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub content: String,
    pub name: String,
    pub time: String,
    #[serde(
        serialize_with = "ser_opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Transcript {
    #[serde(serialize_with = "ser_i64")]
    pub call_id: i64,
    pub lines: Vec<TranscriptLine>,
}

const AGENT_LINES: &[&str] = &[
    "Thanks for calling, how can I help you today?",
    "Let me pull up your account.",
    "I can certainly help with that.",
    "Our pricing starts at forty dollars per seat.",
    "Would Thursday at ten work for a follow-up?",
    "I'll send you a summary by email.",
];
const CUSTOMER_LINES: &[&str] = &[
    "Hi, I have a question about my invoice.",
    "We're comparing a few vendors right now.",
    "Could you walk me through the setup?",
    "That works for me.",
    "What does the enterprise plan include?",
    "Great, thank you so much.",
];
const MOMENTS: &[&str] = &[
    "price_inquiry",
    "scheduling",
    "competitor_mention",
    "next_steps",
    "cancellation_risk",
];

/// Talk shorter than this leaves nothing to transcribe.
const SILENT_MS: i64 = 1000;

/// The transcript of an answered call, generated from the call itself so that it is
/// the same on every read and costs no memory until asked for. A call connected for
/// under a second has a transcript without lines.
pub fn transcript_for(company: &Company, call: &Call) -> Option<Transcript> {
    if !call.has_transcript || call.outcome != Outcome::Answered {
        return None;
    }
    let connected = call.date_connected?;
    let mut rng = Rng::new(call.call_id as u64);
    let user = company.users.get(&call.user_id);
    let agent_name = user.map(|u| u.display_name.clone()).unwrap_or_default();
    let contact_id = Some(call.contact.id.clone()).filter(|id| !id.is_empty());
    let customer_name = call.contact.name.clone();
    let talk_ms = call.duration.unwrap_or(0.0) as i64;
    if talk_ms < SILENT_MS {
        // Connected, but too short for anything to be said: a transcript with no lines.
        return Some(Transcript {
            call_id: call.call_id,
            lines: Vec::new(),
        });
    }
    let count = 6 + rng.below(9) as i64;
    let mut lines = Vec::new();
    let time = |offset_ms: i64| {
        DateTime::from_timestamp_millis(connected + offset_ms)
            .map(|t| naive_iso_micros(t.naive_utc()))
            .unwrap_or_default()
    };
    let agent_first = call.direction == "inbound";
    for i in 0..count {
        let offset = talk_ms * i / count + rng.below(900) as i64;
        let agent = (i % 2 == 0) == agent_first;
        lines.push(TranscriptLine {
            kind: "transcript",
            content: (*rng.pick(if agent { AGENT_LINES } else { CUSTOMER_LINES })).to_owned(),
            name: if agent {
                agent_name.clone()
            } else {
                customer_name.clone()
            },
            time: time(offset),
            user_id: agent.then_some(call.user_id),
            contact_id: if agent { None } else { contact_id.clone() },
        });
    }
    for _ in 0..1 + rng.below(3) {
        let offset = rng.below(talk_ms.max(1) as u64) as i64;
        lines.push(TranscriptLine {
            kind: "moment",
            content: (*rng.pick(MOMENTS)).to_owned(),
            name: agent_name.clone(),
            time: time(offset),
            user_id: Some(call.user_id),
            contact_id: None,
        });
    }
    lines.sort_by(|a, b| a.time.cmp(&b.time));
    Some(Transcript {
        call_id: call.call_id,
        lines,
    })
}

async fn transcript(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Transcript>> {
    let id = path_id(&id, "call")?;
    let world = state.world.read();
    let company = company(&world, caller.company_id)?;
    let call = company
        .call(id)
        .ok_or_else(|| ApiError::not_found("call"))?;
    transcript_for(company, call)
        .map(Json)
        .ok_or_else(|| ApiError::not_found("transcript"))
}

async fn transcript_url(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id = path_id(&id, "call")?;
    let world = state.world.read();
    let company = company(&world, caller.company_id)?;
    let call = company
        .call(id)
        .ok_or_else(|| ApiError::not_found("call"))?;
    if transcript_for(company, call).is_none() {
        return Err(ApiError::not_found("transcript"));
    }
    Ok(Json(json!({
        "call_id": id.to_string(),
        "url": format!("{}/callhistory/callreview/{id}?tab=transcript", state.base_url()),
    })))
}
