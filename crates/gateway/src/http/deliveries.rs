//! `/v1/webhooks` deliveries: an endpoint's deliveries with each attempt, and the levers on
//! them: retry one now, replay an endpoint's missed events since a time, send a test event.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use patchbay_core::ErrorCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, ApiResult};
use super::extract::{OptionalJson, Tenant};
use super::webhooks::load;
use crate::app::AppState;
use crate::store::{from_ms, random_id};
use crate::webhooks::endpoints::ENDPOINT_TEST;
use crate::webhooks::history::{AttemptRow, DeliveryRow};
use crate::webhooks::ingest::envelope;
use crate::webhooks::outbox::NewEvent;

/// One attempt of a delivery.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptView {
    /// When it was made.
    pub attempted_at: DateTime<Utc>,
    /// The endpoint's HTTP status, `null` when no answer came.
    pub response_code: Option<i64>,
    /// Milliseconds until the answer (or the failure).
    pub latency_ms: i64,
    /// The start of the answer's body (1 KiB at most).
    pub response_body: Option<String>,
    /// Why no answer came (timeout, connection refused, refused address).
    pub error: Option<String>,
}

/// A delivery of one event to one endpoint.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    /// Always `webhookDelivery`.
    #[schema(example = "webhookDelivery")]
    pub object: &'static str,
    /// `msg_…`.
    pub id: String,
    /// The endpoint.
    pub endpoint_id: String,
    /// The event (`webhook-id`).
    pub event_id: String,
    /// Its type.
    pub event_type: String,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    /// When the next attempt is due (pending ones).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// Every attempt, oldest first.
    pub attempts: Vec<AttemptView>,
}

/// A page of deliveries.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryList {
    /// Newest first.
    pub data: Vec<DeliveryView>,
    /// Pass as `before` for the next page; `null` on the last.
    pub next_before: Option<DateTime<Utc>>,
}

/// Options of the delivery list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only `pending`, `succeeded` or `failed` ones.
    #[param(pattern = "^(pending|succeeded|failed)$")]
    pub status: Option<String>,
    /// Only those queued before this time (ISO 8601).
    pub before: Option<DateTime<Utc>>,
    /// 1-100, default 50.
    pub limit: Option<i64>,
}

fn delivery_view(row: DeliveryRow, attempts: &[AttemptRow]) -> ApiResult<DeliveryView> {
    Ok(DeliveryView {
        object: "webhookDelivery",
        attempts: attempts
            .iter()
            .filter(|a| a.delivery_id == row.id)
            .map(|a| {
                Ok(AttemptView {
                    attempted_at: from_ms(a.attempted_at)?,
                    response_code: a.response_code,
                    latency_ms: a.latency_ms,
                    response_body: a.response_body.clone(),
                    error: a.error.clone(),
                })
            })
            .collect::<ApiResult<_>>()?,
        next_attempt_at: row.next_attempt_at.map(from_ms).transpose()?,
        created_at: from_ms(row.created_at)?,
        id: row.id,
        endpoint_id: row.endpoint_id,
        event_id: row.event_id,
        event_type: row.event_type,
        status: row.status,
    })
}

/// The endpoint's deliveries, newest first, with each attempt.
#[utoipa::path(
    get,
    operation_id = "listWebhookDeliveries",
    path = "/v1/webhooks/endpoints/{id}/deliveries",
    tag = "webhooks",
    params(("id" = String, Path, description = "`ep_…`"), DeliveryQuery),
    responses(
        (status = 200, description = "Deliveries.", body = DeliveryList),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    query: Result<Query<DeliveryQuery>, QueryRejection>,
) -> ApiResult<axum::Json<DeliveryList>> {
    let query = query_or_400(query)?;
    load(&state, &tenant.id, &id).await?;
    if let Some(s) = &query.status
        && !["pending", "succeeded", "failed"].contains(&s.as_str())
    {
        return Err(ApiError::new(
            ErrorCode::ValidationFailed,
            "status must be pending, succeeded or failed",
        ));
    }
    let limit = query.limit.unwrap_or(50).clamp(1, 100);
    let (rows, attempts) = state
        .store
        .deliveries(
            &tenant.id,
            &id,
            query.status.as_deref(),
            query.before.map(|b| b.timestamp_millis()),
            limit,
        )
        .await?;
    let full = i64::try_from(rows.len()).unwrap_or(0) == limit;
    let next_before = if full {
        rows.last().map(|r| from_ms(r.created_at)).transpose()?
    } else {
        None
    };
    let data = rows
        .into_iter()
        .map(|r| delivery_view(r, &attempts))
        .collect::<ApiResult<_>>()?;
    Ok(axum::Json(DeliveryList { data, next_before }))
}

/// Try a delivery again now (whatever its status).
#[utoipa::path(
    post,
    operation_id = "retryWebhookDelivery",
    path = "/v1/webhooks/deliveries/{id}/retry",
    tag = "webhooks",
    params(("id" = String, Path, description = "`msg_…`")),
    responses(
        (status = 202, description = "Queued."),
        (status = 404, description = "No such delivery of yours.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn retry(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    if !state.store.retry_delivery(&tenant.id, &id).await? {
        return Err(ApiError::new(
            ErrorCode::WebhookDeliveryNotFound,
            format!("you have no webhook delivery `{id}`"),
        ));
    }
    state.webhooks.wake();
    Ok(StatusCode::ACCEPTED)
}

/// A query string that does not parse is a `BAD_REQUEST` in our error body, not axum's text.
fn query_or_400<T>(query: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    query
        .map(|Query(q)| q)
        .map_err(|e| ApiError::new(ErrorCode::BadRequest, e.body_text()))
}

/// Options of a replay.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReplayQuery {
    /// Replay events from this time on (ISO 8601).
    pub since: DateTime<Utc>,
}

/// What a replay queued.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReplayView {
    /// Failed deliveries queued again.
    pub retried: u64,
    /// Events the endpoint never had a delivery of, queued now.
    pub added: u64,
}

/// Send again what the endpoint missed since a time: its failed deliveries, and matching
/// events it never had (from before it existed or subscribed), at most 10,000.
#[utoipa::path(
    post,
    operation_id = "replayWebhookEndpoint",
    path = "/v1/webhooks/endpoints/{id}/replay",
    tag = "webhooks",
    params(("id" = String, Path, description = "`ep_…`"), ReplayQuery),
    responses(
        (status = 202, description = "Queued.", body = ReplayView),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn replay(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    query: Result<Query<ReplayQuery>, QueryRejection>,
) -> ApiResult<(StatusCode, axum::Json<ReplayView>)> {
    let query = query_or_400(query)?;
    let endpoint = load(&state, &tenant.id, &id).await?;
    let since = query.since.timestamp_millis();
    let retried = state.store.replay_failed(&tenant.id, &id, since).await?;
    let candidates = state
        .store
        .events_without_delivery(&tenant.id, &id, since, 10_000)
        .await?;
    let wanted: Vec<String> = candidates
        .into_iter()
        .filter(|(_, t, c, o)| t != ENDPOINT_TEST && endpoint.wants(t, c.as_deref(), o.as_deref()))
        .map(|(event, ..)| event)
        .collect();
    state.store.add_deliveries(&tenant.id, &id, &wanted).await?;
    state.webhooks.wake();
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(ReplayView {
            retried,
            added: u64::try_from(wanted.len()).unwrap_or(0),
        }),
    ))
}

/// The test event queued.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestView {
    /// The event's id (its `webhook-id`).
    pub event_id: String,
}

/// Body of a test: an optional note echoed in the event.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestInput {
    /// Echoed as `data.message`.
    pub message: Option<String>,
}

/// Send an `endpoint::test` event to this endpoint only (whatever its patterns).
#[utoipa::path(
    post,
    operation_id = "testWebhookEndpoint",
    path = "/v1/webhooks/endpoints/{id}/test",
    tag = "webhooks",
    params(("id" = String, Path, description = "`ep_…`")),
    request_body(content = Option<TestInput>),
    responses(
        (status = 202, description = "Queued.", body = TestView),
        (status = 404, description = "No such endpoint of yours.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn test(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    OptionalJson(input): OptionalJson<TestInput>,
) -> ApiResult<(StatusCode, axum::Json<TestView>)> {
    let endpoint = load(&state, &tenant.id, &id).await?;
    if !endpoint.enabled {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "the endpoint is disabled; enable it first",
        ));
    }
    let event_id = random_id("evt_");
    let data = json!({
        "endpointId": endpoint.id,
        "message": input.message.unwrap_or_else(|| "a test event from Patchbay".into()),
    });
    let event = NewEvent {
        envelope: envelope(
            &event_id,
            ENDPOINT_TEST,
            "endpoint",
            "test",
            None,
            Utc::now(),
            data,
        ),
        id: event_id.clone(),
        tenant_id: tenant.id.as_str().to_owned(),
        connection_id: None,
        connection: None,
        event_type: ENDPOINT_TEST.to_owned(),
        type_if_seen: None,
        first_seen: None,
        dedupe_key: None,
        only_endpoint: Some(endpoint.id.clone()),
    };
    state.store.store_events(&[event]).await?;
    state.webhooks.wake();
    Ok((StatusCode::ACCEPTED, axum::Json(TestView { event_id })))
}
