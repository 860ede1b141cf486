//! `/v1/webhooks/endpoints`: a tenant's endpoints (create, list, read, change, delete,
//! enable, disable, rotate the secret). Changing endpoints reconciles Dialpad's side in the
//! background. Deliveries and the levers on them are in `deliveries`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use patchbay_core::{ErrorCode, FieldError, ValidationCode, ValidationErrors};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{ApiError, ApiResult};
use super::extract::{Json, Tenant};
use crate::app::AppState;
use crate::store::{TenantId, from_ms};
use crate::webhooks::endpoints::{Endpoint, EndpointPatch, NewEndpoint, Pattern};
use crate::webhooks::{reconcile, sign};

const MAX_URL_LEN: usize = 2048;
const MAX_DESCRIPTION_LEN: usize = 500;
const MAX_PATTERNS: usize = 64;

/// An endpoint as the API shows it (the secret only where noted).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndpointView {
    /// Always `webhookEndpoint`.
    #[schema(example = "webhookEndpoint")]
    pub object: &'static str,
    /// `ep_…`.
    pub id: String,
    /// Where events are POSTed.
    pub url: String,
    /// Your note.
    pub description: Option<String>,
    /// Event patterns: `*`, `<model>::*`, `connection::*`, `endpoint::disabled`, or one type.
    pub events: Vec<String>,
    /// Only events of this connector's connections, when set.
    pub connector_id: Option<String>,
    /// Only events of this owner's connection, when set.
    pub owner_id: Option<String>,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// Why the gateway disabled it (`failing`), when it did.
    pub disabled_reason: Option<String>,
    /// The signing secret (`whsec_…`): in the answers of create, rotate and `GET …/secret`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

fn view(e: &Endpoint, with_secret: bool) -> ApiResult<EndpointView> {
    Ok(EndpointView {
        object: "webhookEndpoint",
        id: e.id.clone(),
        url: e.url.clone(),
        description: e.description.clone(),
        events: e.events.clone(),
        connector_id: e.connector_id.clone(),
        owner_id: e.owner_id.clone(),
        enabled: e.enabled,
        disabled_reason: e.disabled_reason.clone(),
        secret: with_secret.then(|| e.secret.expose().to_owned()),
        created_at: from_ms(e.created_at)?,
        updated_at: from_ms(e.updated_at)?,
    })
}

/// `POST /v1/webhooks/endpoints`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndpointInput {
    /// Where to POST events (`https`; `http` only in development or sandbox mode).
    pub url: String,
    /// Event patterns (at least one).
    pub events: Vec<String>,
    /// Only events of this connector's connections.
    pub connector_id: Option<String>,
    /// Only events of this owner's connection (with `connectorId`).
    pub owner_id: Option<String>,
    /// A note for you.
    pub description: Option<String>,
}

/// `PATCH /v1/webhooks/endpoints/{id}`: what to change (`null` clears the optional ones).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndpointUpdate {
    /// A new URL.
    pub url: Option<String>,
    /// New patterns.
    pub events: Option<Vec<String>>,
    /// A connector filter, or `null` for none.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub connector_id: Option<Option<String>>,
    /// An owner filter, or `null` for none.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub owner_id: Option<Option<String>>,
    /// A note, or `null` for none.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
}

/// A field that is present: `null` (clear it) or a value.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

fn check_url(state: &AppState, url: &str, errors: &mut Vec<FieldError>) {
    let bad = |errors: &mut Vec<FieldError>, m: String| {
        errors.push(FieldError::new("url", ValidationCode::InvalidValue, m));
    };
    if url.len() > MAX_URL_LEN {
        return bad(errors, format!("at most {MAX_URL_LEN} characters"));
    }
    let Ok(parsed) = url::Url::parse(url) else {
        return bad(errors, "not an absolute URL".into());
    };
    let allow_http = state.webhooks.config().allow_http;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => return bad(errors, "must be https".into()),
        _ => return bad(errors, "must be an https URL".into()),
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return bad(errors, "has no host".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return bad(errors, "must not carry credentials".into());
    }
    if let Err(problem) =
        crate::webhooks::ssrf::check_url(&parsed, state.webhooks.config().private_addresses)
    {
        bad(errors, problem);
    }
}

fn check_events(events: &[String], errors: &mut Vec<FieldError>) {
    if events.is_empty() {
        errors.push(FieldError::new(
            "events",
            ValidationCode::Required,
            "name at least one event pattern",
        ));
    }
    if events.len() > MAX_PATTERNS {
        errors.push(FieldError::new(
            "events",
            ValidationCode::InvalidValue,
            format!("at most {MAX_PATTERNS} patterns"),
        ));
    }
    for (i, e) in events.iter().enumerate() {
        if let Err(problem) = Pattern::parse(e) {
            errors.push(FieldError::new(
                format!("events[{i}]"),
                ValidationCode::InvalidValue,
                problem,
            ));
        }
    }
}

fn check_filters(connector: Option<&str>, owner: Option<&str>, errors: &mut Vec<FieldError>) {
    if owner.is_some() && connector.is_none() {
        errors.push(FieldError::new(
            "ownerId",
            ValidationCode::InvalidValue,
            "an owner filter needs `connectorId` too",
        ));
    }
}

fn check_description(description: Option<&str>, errors: &mut Vec<FieldError>) {
    if description.is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_LEN) {
        errors.push(FieldError::new(
            "description",
            ValidationCode::InvalidValue,
            format!("at most {MAX_DESCRIPTION_LEN} characters"),
        ));
    }
}

pub(super) fn not_found(id: &str) -> ApiError {
    ApiError::new(
        ErrorCode::WebhookEndpointNotFound,
        format!("you have no webhook endpoint `{id}`"),
    )
}

fn reconcile_later(state: &AppState, tenant: &TenantId) -> tokio::task::JoinHandle<()> {
    let (state, tenant) = (state.clone(), tenant.as_str().to_owned());
    tokio::spawn(async move { reconcile::reconcile_tenant(&state, &tenant).await })
}

/// How long creating an endpoint waits for Dialpad's side to be set up before answering
/// (it carries on in the background after): events that happen right after the answer are
/// then already sent by Dialpad.
const SETUP_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Create an endpoint; the answer carries its signing secret.
#[utoipa::path(
    post,
    operation_id = "createWebhookEndpoint",
    path = "/v1/webhooks/endpoints",
    tag = "webhooks",
    request_body = EndpointInput,
    responses(
        (status = 201, description = "The endpoint, with its secret.", body = EndpointView),
        (status = "4XX", description = "A client error (422: invalid URL or patterns).", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(input): Json<EndpointInput>,
) -> ApiResult<(StatusCode, axum::Json<EndpointView>)> {
    let mut errors = Vec::new();
    check_url(&state, &input.url, &mut errors);
    check_events(&input.events, &mut errors);
    check_filters(
        input.connector_id.as_deref(),
        input.owner_id.as_deref(),
        &mut errors,
    );
    check_description(input.description.as_deref(), &mut errors);
    if let Some(errors) = ValidationErrors::from_vec(errors) {
        return Err(errors.into());
    }
    let secret = sign::new_secret();
    let endpoint = state
        .store
        .insert_endpoint(
            &tenant.id,
            &NewEndpoint {
                url: &input.url,
                description: input.description.as_deref(),
                events: &input.events,
                connector_id: input.connector_id.as_deref(),
                owner_id: input.owner_id.as_deref(),
                secret: &secret,
            },
        )
        .await?;
    let _ = tokio::time::timeout(SETUP_WAIT, reconcile_later(&state, &tenant.id)).await;
    Ok((StatusCode::CREATED, axum::Json(view(&endpoint, true)?)))
}

/// A list of endpoints.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointList {
    /// Oldest first.
    pub data: Vec<EndpointView>,
}

/// Your endpoints.
#[utoipa::path(
    get,
    operation_id = "listWebhookEndpoints",
    path = "/v1/webhooks/endpoints",
    tag = "webhooks",
    responses((status = 200, description = "Your endpoints, oldest first.", body = EndpointList)),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    tenant: Tenant,
) -> ApiResult<axum::Json<EndpointList>> {
    let endpoints = state.store.endpoints(&tenant.id).await?;
    let data = endpoints
        .iter()
        .map(|e| view(e, false))
        .collect::<ApiResult<_>>()?;
    Ok(axum::Json(EndpointList { data }))
}

pub(super) async fn load(state: &AppState, tenant: &TenantId, id: &str) -> ApiResult<Endpoint> {
    state
        .store
        .endpoint(tenant, id)
        .await?
        .ok_or_else(|| not_found(id))
}

/// One endpoint.
#[utoipa::path(
    get,
    operation_id = "retrieveWebhookEndpoint",
    path = "/v1/webhooks/endpoints/{id}",
    tag = "webhooks",
    params(("id" = String, Path, description = "`ep_…`")),
    responses(
        (status = 200, description = "The endpoint.", body = EndpointView),
        (status = 404, description = "No such endpoint of yours.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn retrieve(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<EndpointView>> {
    Ok(axum::Json(view(
        &load(&state, &tenant.id, &id).await?,
        false,
    )?))
}

/// The endpoint's signing secret.
#[utoipa::path(
    get,
    operation_id = "retrieveWebhookEndpointSecret",
    path = "/v1/webhooks/endpoints/{id}/secret",
    tag = "webhooks",
    params(("id" = String, Path, description = "`ep_…`")),
    responses(
        (status = 200, description = "The endpoint, with its secret.", body = EndpointView),
        (status = 404, description = "No such endpoint of yours.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn secret(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<EndpointView>> {
    Ok(axum::Json(view(
        &load(&state, &tenant.id, &id).await?,
        true,
    )?))
}

/// Change an endpoint.
#[utoipa::path(
    patch,
    operation_id = "updateWebhookEndpoint",
    path = "/v1/webhooks/endpoints/{id}",
    tag = "webhooks",
    params(("id" = String, Path, description = "`ep_…`")),
    request_body = EndpointUpdate,
    responses(
        (status = 200, description = "The endpoint as changed.", body = EndpointView),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(input): Json<EndpointUpdate>,
) -> ApiResult<axum::Json<EndpointView>> {
    let current = load(&state, &tenant.id, &id).await?;
    let mut errors = Vec::new();
    if let Some(url) = &input.url {
        check_url(&state, url, &mut errors);
    }
    if let Some(events) = &input.events {
        check_events(events, &mut errors);
    }
    let connector = input
        .connector_id
        .clone()
        .unwrap_or(current.connector_id.clone());
    let owner = input.owner_id.clone().unwrap_or(current.owner_id.clone());
    check_filters(connector.as_deref(), owner.as_deref(), &mut errors);
    if let Some(description) = &input.description {
        check_description(description.as_deref(), &mut errors);
    }
    if let Some(errors) = ValidationErrors::from_vec(errors) {
        return Err(errors.into());
    }
    let patch = EndpointPatch {
        url: input.url,
        description: input.description,
        events: input.events,
        connector_id: input.connector_id,
        owner_id: input.owner_id,
    };
    let endpoint = state
        .store
        .update_endpoint(&tenant.id, &id, &patch)
        .await?
        .ok_or_else(|| not_found(&id))?;
    drop(reconcile_later(&state, &tenant.id));
    Ok(axum::Json(view(&endpoint, false)?))
}

/// Delete an endpoint (its pending deliveries go with it).
#[utoipa::path(
    delete,
    operation_id = "deleteWebhookEndpoint",
    path = "/v1/webhooks/endpoints/{id}",
    tag = "webhooks",
    params(("id" = String, Path, description = "`ep_…`")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such endpoint of yours.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn delete(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    if !state.store.delete_endpoint(&tenant.id, &id).await? {
        return Err(not_found(&id));
    }
    drop(reconcile_later(&state, &tenant.id));
    Ok(StatusCode::NO_CONTENT)
}

async fn set_enabled(
    state: &AppState,
    tenant: &TenantId,
    id: &str,
    enabled: bool,
) -> ApiResult<axum::Json<EndpointView>> {
    let endpoint = state
        .store
        .set_endpoint_enabled(tenant, id, enabled, None)
        .await?
        .ok_or_else(|| not_found(id))?;
    drop(reconcile_later(state, tenant));
    state.webhooks.wake();
    Ok(axum::Json(view(&endpoint, false)?))
}

/// Enable an endpoint (deliveries held while it was disabled go out).
#[utoipa::path(
    post,
    operation_id = "enableWebhookEndpoint",
    path = "/v1/webhooks/endpoints/{id}/enable",
    tag = "webhooks",
    params(("id" = String, Path, description = "`ep_…`")),
    responses(
        (status = 200, description = "The endpoint.", body = EndpointView),
        (status = 404, description = "No such endpoint of yours.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn enable(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<EndpointView>> {
    set_enabled(&state, &tenant.id, &id, true).await
}

/// Disable an endpoint (no deliveries until enabled; new events are not queued for it).
#[utoipa::path(
    post,
    operation_id = "disableWebhookEndpoint",
    path = "/v1/webhooks/endpoints/{id}/disable",
    tag = "webhooks",
    params(("id" = String, Path, description = "`ep_…`")),
    responses(
        (status = 200, description = "The endpoint.", body = EndpointView),
        (status = 404, description = "No such endpoint of yours.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn disable(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<EndpointView>> {
    set_enabled(&state, &tenant.id, &id, false).await
}

/// Rotate the signing secret: the old one keeps signing alongside for 24 hours.
#[utoipa::path(
    post,
    operation_id = "rotateWebhookEndpointSecret",
    path = "/v1/webhooks/endpoints/{id}/rotate-secret",
    tag = "webhooks",
    params(("id" = String, Path, description = "`ep_…`")),
    responses(
        (status = 200, description = "The endpoint, with its new secret.", body = EndpointView),
        (status = 404, description = "No such endpoint of yours.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn rotate(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<EndpointView>> {
    let ttl = crate::webhooks::worker::millis(state.webhooks.config().previous_secret_ttl);
    let until = crate::store::now_ms().saturating_add(ttl);
    let endpoint = state
        .store
        .rotate_endpoint_secret(&tenant.id, &id, &sign::new_secret(), until)
        .await?
        .ok_or_else(|| not_found(&id))?;
    Ok(axum::Json(view(&endpoint, true)?))
}
