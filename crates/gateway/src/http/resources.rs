//! `/v1/resources/{model}[/{id}]`: the unified CRUD routes. Each handler extracts the
//! tenant, the connection headers and the raw options, and hands over to `unified`.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use patchbay_core::{ErrorCode, ModelId};
use serde_json::Value;

use super::error::{ApiError, ApiResult};
use super::extract::{ConnectionHeaders, Json, Tenant};
use crate::app::AppState;
use crate::unified::{self, query};

/// Parses the `{model}` path segment.
pub fn model(name: &str) -> ApiResult<ModelId> {
    name.parse::<ModelId>().map_err(|_| {
        let all: Vec<&str> = ModelId::ALL.iter().map(|m| m.as_str()).collect();
        ApiError::new(
            ErrorCode::ModelNotFound,
            format!("there is no model `{name}`; models: {}", all.join(", ")),
        )
    })
}

/// List resources of a model.
#[utoipa::path(
    get,
    operation_id = "listResources",
    path = "/v1/resources/{model}",
    tag = "resources",
    params(
        ("model" = ModelId, Path, description = "The unified model."),
        ("x-connector-id" = String, Header, description = "The connector of the connection, e.g. `dialpad`."),
        ("x-owner-id" = String, Header, description = "Your id for the end user owning the connection."),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Page size, 1 to 100 (default 50)."),
        ("cursor" = Option<String>, Query, min_length = 1, description = "The `next` of the previous page."),
        ("fields" = Option<String>, Query, description = "Comma-separated field keys to return (standard or custom)."),
        ("expand" = Option<String>, Query, description = "Comma-separated reference fields to return as full resources."),
        ("filters" = Option<String>, Query, description = "Filters as `filters[key]=value` (or `filters.key=value`, or a JSON object)."),
        ("sort" = Option<String>, Query, description = "`field`, `-field`, `field:asc` or `field:desc`, where the connector sorts."),
        ("q" = Option<String>, Query, description = "Free-text search, where the connector supports it."),
        ("raw" = Option<bool>, Query, description = "Attach the provider's payload as `rawResource`."),
    ),
    responses(
        (status = 200, description = "A page of resources.", body = patchbay_core::Page),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
        (status = "5XX", description = "A provider or gateway failure.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    tenant: Tenant,
    ConnectionHeaders(selector): ConnectionHeaders,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<axum::Json<unified::RenderedPage>> {
    let model = model(&name)?;
    let raw = query::parse(q.as_deref(), query::Accepts::List)?;
    unified::list(&state, &tenant.id, &selector, model, raw)
        .await
        .map(axum::Json)
}

/// Retrieve one resource.
#[utoipa::path(
    get,
    operation_id = "retrieveResource",
    path = "/v1/resources/{model}/{id}",
    tag = "resources",
    params(
        ("model" = ModelId, Path, description = "The unified model."),
        ("id" = String, Path, description = "The provider's id of the resource."),
        ("x-connector-id" = String, Header, description = "The connector of the connection."),
        ("x-owner-id" = String, Header, description = "Your id for the end user owning the connection."),
        ("fields" = Option<String>, Query, description = "Comma-separated field keys to return."),
        ("expand" = Option<String>, Query, description = "Comma-separated reference fields to expand."),
        ("raw" = Option<bool>, Query, description = "Attach the provider's payload as `rawResource`."),
    ),
    responses(
        (status = 200, description = "The resource.", body = patchbay_core::Resource),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
        (status = "5XX", description = "A provider or gateway failure.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn retrieve(
    State(state): State<AppState>,
    tenant: Tenant,
    ConnectionHeaders(selector): ConnectionHeaders,
    Path((name, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult<axum::Json<unified::Rendered>> {
    let model = model(&name)?;
    let raw = query::parse(q.as_deref(), query::Accepts::Retrieve)?;
    unified::retrieve(&state, &tenant.id, &selector, model, &id, raw)
        .await
        .map(axum::Json)
}

/// Create a resource. The body is the model's fields object itself.
#[utoipa::path(
    post,
    operation_id = "createResource",
    path = "/v1/resources/{model}",
    tag = "resources",
    params(
        ("model" = ModelId, Path, description = "The unified model."),
        ("x-connector-id" = String, Header, description = "The connector of the connection."),
        ("x-owner-id" = String, Header, description = "Your id for the end user owning the connection."),
        ("returnResource" = Option<bool>, Query, description = "Answer the created resource instead of a reference."),
    ),
    request_body(content = Object, description = "The fields to set (standard and custom).", content_type = "application/json"),
    responses(
        (status = 201, description = "A reference to the created resource, or the resource with `returnResource=true`.", body = patchbay_core::ResourceRef),
        (status = "4XX", description = "A client error (422 lists field errors in `details`).", body = patchbay_core::ErrorBody),
        (status = "5XX", description = "A provider or gateway failure.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    tenant: Tenant,
    ConnectionHeaders(selector): ConnectionHeaders,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let model = model(&name)?;
    let raw = query::parse(q.as_deref(), query::Accepts::Write)?;
    let written = unified::write(&state, &tenant.id, &selector, model, None, raw, body).await?;
    Ok((StatusCode::CREATED, axum::Json(written)).into_response())
}

/// Update a resource. The body holds the fields to change; `null` clears one.
#[utoipa::path(
    patch,
    operation_id = "updateResource",
    path = "/v1/resources/{model}/{id}",
    tag = "resources",
    params(
        ("model" = ModelId, Path, description = "The unified model."),
        ("id" = String, Path, description = "The provider's id of the resource."),
        ("x-connector-id" = String, Header, description = "The connector of the connection."),
        ("x-owner-id" = String, Header, description = "Your id for the end user owning the connection."),
        ("returnResource" = Option<bool>, Query, description = "Answer the updated resource instead of a reference."),
    ),
    request_body(content = Object, description = "The fields to change.", content_type = "application/json"),
    responses(
        (status = 200, description = "A reference to the resource, or the resource with `returnResource=true`.", body = patchbay_core::ResourceRef),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
        (status = "5XX", description = "A provider or gateway failure.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    tenant: Tenant,
    ConnectionHeaders(selector): ConnectionHeaders,
    Path((name, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    Json(body): Json<Value>,
) -> ApiResult<axum::Json<unified::Rendered>> {
    let model = model(&name)?;
    let raw = query::parse(q.as_deref(), query::Accepts::Write)?;
    unified::write(&state, &tenant.id, &selector, model, Some(&id), raw, body)
        .await
        .map(axum::Json)
}

/// Delete a resource.
#[utoipa::path(
    delete,
    operation_id = "deleteResource",
    path = "/v1/resources/{model}/{id}",
    tag = "resources",
    params(
        ("model" = ModelId, Path, description = "The unified model."),
        ("id" = String, Path, description = "The provider's id of the resource."),
        ("x-connector-id" = String, Header, description = "The connector of the connection."),
        ("x-owner-id" = String, Header, description = "Your id for the end user owning the connection."),
    ),
    responses(
        (status = 204, description = "Deleted."),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
        (status = "5XX", description = "A provider or gateway failure; 501 when the connector cannot delete this model.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn delete(
    State(state): State<AppState>,
    tenant: Tenant,
    ConnectionHeaders(selector): ConnectionHeaders,
    Path((name, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult<StatusCode> {
    let model = model(&name)?;
    query::parse(q.as_deref(), query::Accepts::Delete)?;
    unified::delete(&state, &tenant.id, &selector, model, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
