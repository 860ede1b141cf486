//! `/api/v2/subscriptions/{call,contact,changelog,agent_status}`: list, create, get,
//! patch and delete for each family (its rules are in `families`). Each subscription
//! points at a webhook (`endpoint_id`, or the older `webhook_id`) and embeds it.

use std::ops::Bound;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::families::{Family, SubscriptionBody, webhook_of};
use super::webhooks::WebhookProto;
use crate::api::{DpJson, DpQuery, company, company_mut, path_id};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::ids::{de_opt_i64, ser_i64, ser_opt_i64};
use crate::page::{self, Page};
use crate::state::AppState;
use crate::world::{Company, Subscription, SubscriptionKind};

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
    let sub = owned(company, family, id)?;
    Ok(Json(proto(company, sub)))
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
    let current = owned(company, family, id)?;
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
    let sub = owned(company, family, id)?;
    let answer = proto(company, sub);
    company.subscriptions.remove(&id);
    Ok(Json(answer))
}

/// The company's subscription `id` if it belongs to `family` (another family's id is
/// a 404, as at Dialpad, where each family has its own collection).
fn owned(company: &Company, family: Family, id: i64) -> ApiResult<&Subscription> {
    company
        .subscriptions
        .get(&id)
        .filter(|s| family.owns(&s.kind))
        .ok_or_else(|| ApiError::not_found(family.noun()))
}
