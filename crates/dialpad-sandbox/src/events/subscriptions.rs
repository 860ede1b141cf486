//! `/api/v2/subscriptions/{call,contact,changelog,agent_status}`: what a company
//! wants delivered, and to which webhook. Each family has list, create, get, patch and
//! delete; all point at a webhook through `endpoint_id` (or the older `webhook_id`)
//! and embed that webhook in their answers.

use std::ops::Bound;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::webhooks::WebhookProto;
use crate::api::{DpJson, DpQuery, company, company_mut, path_id};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::ids::{de_opt_i64, ser_i64, ser_opt_i64};
use crate::page::{self, Page};
use crate::state::AppState;
use crate::world::{Company, Subscription, SubscriptionKind};

/// The spec's `call_states` enum, plus `eavesdrop` from Dialpad's call-event docs.
/// `all` means every state.
const CALL_STATES: &[&str] = &[
    "admin",
    "admin_recording",
    "ai_playbook",
    "all",
    "barge",
    "blocked",
    "call_transcription",
    "calling",
    "connected",
    "csat",
    "dispositions",
    "eavesdrop",
    "hangup",
    "hold",
    "merged",
    "missed",
    "monitor",
    "parked",
    "pcsat",
    "postcall",
    "preanswer",
    "queued",
    "recap_action_items",
    "recap_outcome",
    "recap_purposes",
    "recap_summary",
    "recording",
    "ringing",
    "takeover",
    "transcription",
    "voicemail",
    "voicemail_uploaded",
];


/// One of the subscription families the sandbox serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Call,
    Contact,
    ChangeLog,
    AgentStatus,
}

impl Family {
    const ALL: [Self; 4] = [
        Self::Call,
        Self::Contact,
        Self::ChangeLog,
        Self::AgentStatus,
    ];

    fn path(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::Contact => "contact",
            Self::ChangeLog => "changelog",
            Self::AgentStatus => "agent_status",
        }
    }

    /// What error messages and cursors call it.
    fn noun(self) -> &'static str {
        match self {
            Self::Call => "call event subscription",
            Self::Contact => "contact event subscription",
            Self::ChangeLog => "change log event subscription",
            Self::AgentStatus => "agent status event subscription",
        }
    }

    fn owns(self, kind: &SubscriptionKind) -> bool {
        matches!(
            (self, kind),
            (Self::Call, SubscriptionKind::Call { .. })
                | (Self::Contact, SubscriptionKind::Contact { .. })
                | (Self::ChangeLog, SubscriptionKind::ChangeLog)
                | (Self::AgentStatus, SubscriptionKind::AgentStatus { .. })
        )
    }

    /// The change-log family needs the `change_log` scope on OAuth tokens.
    fn authorize(self, caller: &Caller) -> ApiResult<()> {
        match self {
            Self::ChangeLog => caller.require_scope("change_log"),
            _ => Ok(()),
        }
    }

    /// The kind a create (`current` = None) or patch body makes.
    fn kind(
        self,
        current: Option<&SubscriptionKind>,
        body: &SubscriptionBody,
        company: &Company,
    ) -> ApiResult<SubscriptionKind> {
        match self {
            Self::Call => call_kind(current, body, company),
            Self::Contact => {
                let contact_type = match (&body.contact_type, current) {
                    (Some(t), _) => t.clone(),
                    (None, Some(SubscriptionKind::Contact { contact_type })) => {
                        contact_type.clone()
                    }
                    (None, _) => return Err(ApiError::bad_request("contact_type is required")),
                };
                if !["local", "shared"].contains(&contact_type.as_str()) {
                    return Err(ApiError::bad_request(
                        "contact_type must be local or shared",
                    ));
                }
                Ok(SubscriptionKind::Contact { contact_type })
            }
            Self::ChangeLog => Ok(SubscriptionKind::ChangeLog),
            Self::AgentStatus => {
                let agent_type = match (&body.agent_type, current) {
                    (Some(t), _) => t.clone(),
                    (None, Some(SubscriptionKind::AgentStatus { agent_type })) => {
                        agent_type.clone()
                    }
                    (None, _) => return Err(ApiError::bad_request("agent_type is required")),
                };
                if agent_type != "callcenter" {
                    return Err(ApiError::bad_request("agent_type must be callcenter"));
                }
                Ok(SubscriptionKind::AgentStatus { agent_type })
            }
        }
    }
}

pub(super) fn routes() -> Router<AppState> {
    Family::ALL
        .into_iter()
        .fold(Router::new(), |router, family| {
            let base = format!("/api/v2/subscriptions/{}", family.path());
            router
                .route(
                    &base,
                    get(
                        move |s: State<AppState>, c: Caller, q: DpQuery<ListQuery>| {
                            list(family, s, c, q)
                        },
                    )
                    .post(
                        move |s: State<AppState>, c: Caller, b: DpJson<SubscriptionBody>| {
                            create(family, s, c, b)
                        },
                    ),
                )
                .route(
                    &format!("{base}/{{id}}"),
                    get(move |s: State<AppState>, c: Caller, id: Path<String>| {
                        retrieve(family, s, c, id)
                    })
                    .patch(
                        move |s: State<AppState>,
                              c: Caller,
                              id: Path<String>,
                              b: DpJson<SubscriptionBody>| {
                            update(family, s, c, id, b)
                        },
                    )
                    .delete(
                        move |s: State<AppState>, c: Caller, id: Path<String>| {
                            remove(family, s, c, id)
                        },
                    ),
                )
        })
}

/// Every family's subscription proto (`protos.*_event_subscription.*Proto`): the
/// family's own fields are present, the others left out.
#[derive(Serialize)]
struct SubscriptionProto {
    #[serde(skip_serializing_if = "Option::is_none")]
    agent_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    call_states: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact_type: Option<String>,
    enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_calls_only: Option<bool>,
    #[serde(serialize_with = "ser_i64")]
    id: i64,
    #[serde(
        serialize_with = "ser_opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    target_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    webhook: Option<WebhookProto>,
}

fn proto(company: &Company, sub: &Subscription) -> SubscriptionProto {
    let mut proto = SubscriptionProto {
        agent_type: None,
        call_states: None,
        contact_type: None,
        enabled: sub.enabled,
        group_calls_only: None,
        id: sub.id,
        target_id: None,
        target_type: None,
        webhook: company
            .webhooks
            .get(&sub.webhook_id)
            .map(WebhookProto::from),
    };
    match &sub.kind {
        SubscriptionKind::Call {
            call_states,
            group_calls_only,
            target_type,
            target_id,
        } => {
            proto.call_states = Some(call_states.clone());
            proto.group_calls_only = Some(*group_calls_only);
            proto.target_type.clone_from(target_type);
            proto.target_id = *target_id;
        }
        SubscriptionKind::Contact { contact_type } => {
            proto.contact_type = Some(contact_type.clone());
        }
        SubscriptionKind::ChangeLog => {}
        SubscriptionKind::AgentStatus { agent_type } => proto.agent_type = Some(agent_type.clone()),
    }
    proto
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    cursor: Option<String>,
    /// Call subscriptions only: those scoped to this target.
    target_type: Option<String>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    target_id: Option<i64>,
}

async fn list(
    family: Family,
    State(state): State<AppState>,
    caller: Caller,
    DpQuery(q): DpQuery<ListQuery>,
) -> ApiResult<Json<Page<SubscriptionProto>>> {
    family.authorize(&caller)?;
    let kind = family.path();
    let after = match &q.cursor {
        Some(c) => Bound::Excluded(path_id(&page::decode(kind, c)?, "cursor")?),
        None => Bound::Unbounded,
    };
    let target = match (q.target_type, q.target_id) {
        (Some(t), Some(id)) if family == Family::Call => Some((t, id)),
        (None, None) => None,
        _ if family != Family::Call => None,
        _ => {
            return Err(ApiError::bad_request(
                "target_type and target_id go together",
            ));
        }
    };
    let world = state.world.read();
    let company = company(&world, caller.company_id)?;
    let items = company
        .subscriptions
        .range((after, Bound::Unbounded))
        .map(|(_, s)| s)
        .filter(|s| family.owns(&s.kind))
        .filter(|s| match (&target, &s.kind) {
            (None, _) => true,
            (
                Some((t, id)),
                SubscriptionKind::Call {
                    target_type,
                    target_id,
                    ..
                },
            ) => target_type.as_deref() == Some(t.as_str()) && *target_id == Some(*id),
            _ => false,
        })
        .map(|s| proto(company, s));
    Ok(Json(page::take(
        items,
        state.config.page_size,
        kind,
        |p: &SubscriptionProto| p.id.to_string(),
    )))
}

async fn retrieve(
    family: Family,
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<SubscriptionProto>> {
    family.authorize(&caller)?;
    let id = path_id(&id, "subscription")?;
    let world = state.world.read();
    let company = company(&world, caller.company_id)?;
    company
        .subscriptions
        .get(&id)
        .filter(|s| family.owns(&s.kind))
        .map(|s| Json(proto(company, s)))
        .ok_or_else(|| ApiError::not_found(family.noun()))
}

/// Every family's create/update body; each family reads its own fields.
#[derive(Debug, Deserialize)]
struct SubscriptionBody {
    #[serde(default, deserialize_with = "de_opt_i64")]
    endpoint_id: Option<i64>,
    /// What older clients send instead of `endpoint_id`.
    #[serde(default, deserialize_with = "de_opt_i64")]
    webhook_id: Option<i64>,
    enabled: Option<bool>,
    call_states: Option<Vec<String>>,
    group_calls_only: Option<bool>,
    target_type: Option<String>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    target_id: Option<i64>,
    contact_type: Option<String>,
    agent_type: Option<String>,
}

impl SubscriptionBody {
    fn endpoint(&self) -> Option<i64> {
        self.endpoint_id.or(self.webhook_id)
    }
}

/// The webhook a body names, which must belong to the caller's company.
fn webhook_of(company: &Company, id: i64) -> ApiResult<i64> {
    if company.webhooks.contains_key(&id) {
        Ok(id)
    } else {
        Err(ApiError::not_found("webhook"))
    }
}

fn call_kind(
    current: Option<&SubscriptionKind>,
    body: &SubscriptionBody,
    company: &Company,
) -> ApiResult<SubscriptionKind> {
    let (mut call_states, mut group_calls_only, mut target_type, mut target_id) = match current {
        Some(SubscriptionKind::Call {
            call_states,
            group_calls_only,
            target_type,
            target_id,
        }) => (
            call_states.clone(),
            *group_calls_only,
            target_type.clone(),
            *target_id,
        ),
        _ => (Vec::new(), false, None, None),
    };
    if let Some(states) = &body.call_states {
        call_states = Vec::with_capacity(states.len());
        for s in states {
            if !CALL_STATES.contains(&s.as_str()) {
                return Err(ApiError::bad_request(format!("invalid call state {s:?}")));
            }
            if !call_states.contains(s) {
                call_states.push(s.clone());
            }
        }
    }
    if let Some(g) = body.group_calls_only {
        group_calls_only = g;
    }
    if body.target_type.is_some() || body.target_id.is_some() {
        // `"target_type": ""` (with no id) removes the target.
        target_type = body.target_type.clone().filter(|t| !t.is_empty());
        target_id = body.target_id;
        match (&target_type, target_id) {
            (None, None) => {}
            (Some(t), Some(id)) => check_target(company, t, id)?,
            _ => {
                return Err(ApiError::bad_request(
                    "target_type and target_id go together",
                ));
            }
        }
    }
    Ok(SubscriptionKind::Call {
        call_states,
        group_calls_only,
        target_type,
        target_id,
    })
}

/// The target must be a valid type; users, offices and call centers must exist.
fn check_target(company: &Company, target_type: &str, id: i64) -> ApiResult<()> {
    if !crate::world::TARGET_TYPES.contains(&target_type) {
        return Err(ApiError::bad_request(format!(
            "invalid target_type {target_type:?}"
        )));
    }
    let known = match target_type {
        "user" => company.users.contains_key(&id),
        "office" => company.offices.contains_key(&id),
        "callcenter" => company.call_centers.contains_key(&id),
        _ => true,
    };
    if known {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "target_id names no {target_type} of this company"
        )))
    }
}

async fn create(
    family: Family,
    State(state): State<AppState>,
    caller: Caller,
    DpJson(body): DpJson<SubscriptionBody>,
) -> ApiResult<Json<SubscriptionProto>> {
    family.authorize(&caller)?;
    let endpoint = body
        .endpoint()
        .ok_or_else(|| ApiError::bad_request("endpoint_id is required"))?;
    let mut world = state.world.write();
    let id = world.next_id();
    let company = company_mut(&mut world, caller.company_id)?;
    let kind = family.kind(None, &body, company)?;
    let sub = Subscription {
        id,
        webhook_id: webhook_of(company, endpoint)?,
        enabled: body.enabled.unwrap_or(true),
        kind,
    };
    let answer = proto(company, &sub);
    company.subscriptions.insert(id, sub);
    Ok(Json(answer))
}

/// Changes what the body carries; `endpoint_id` moves the subscription to another
/// webhook.
async fn update(
    family: Family,
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    DpJson(body): DpJson<SubscriptionBody>,
) -> ApiResult<Json<SubscriptionProto>> {
    family.authorize(&caller)?;
    let id = path_id(&id, "subscription")?;
    let mut world = state.world.write();
    let company = company_mut(&mut world, caller.company_id)?;
    let current = company
        .subscriptions
        .get(&id)
        .filter(|s| family.owns(&s.kind))
        .ok_or_else(|| ApiError::not_found(family.noun()))?;
    let kind = family.kind(Some(&current.kind), &body, company)?;
    let webhook_id = match body.endpoint() {
        Some(endpoint) => webhook_of(company, endpoint)?,
        None => current.webhook_id,
    };
    let enabled = body.enabled.unwrap_or(current.enabled);
    let sub = Subscription {
        id,
        webhook_id,
        enabled,
        kind,
    };
    let answer = proto(company, &sub);
    company.subscriptions.insert(id, sub);
    Ok(Json(answer))
}

async fn remove(
    family: Family,
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<SubscriptionProto>> {
    family.authorize(&caller)?;
    let id = path_id(&id, "subscription")?;
    let mut world = state.world.write();
    let company = company_mut(&mut world, caller.company_id)?;
    let sub = company
        .subscriptions
        .get(&id)
        .filter(|s| family.owns(&s.kind))
        .ok_or_else(|| ApiError::not_found(family.noun()))?;
    let answer = proto(company, sub);
    company.subscriptions.remove(&id);
    Ok(Json(answer))
}
