//! The session-mode routes (`/v1/s/...`, Morph's front-end API): the same work as the
//! secret-key routes, on the one connection a session token names and within the
//! operations it grants. Each handler only swaps the extractor and calls the shared logic.

use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use patchbay_core::ErrorCode;
use serde_json::Value;

use super::connections::{ConnectionView, not_found, remove};
use super::connectors::ConnectorView;
use super::error::{ApiError, ApiResult};
use super::extract::Json;
use super::fields::{self, FieldPage};
use super::oauth::{self, AuthorizationQuery, ConnectionAuthorization};
use super::resources::model;
use super::sessions::SessionAuth;
use crate::app::AppState;
use crate::store::Connection;
use crate::unified::target::connector;
use crate::unified::{self, query};

/// The session's connection as stored now (a connection deleted and made again under the
/// same owner is another one, and not the session's).
async fn own_connection(state: &AppState, auth: &SessionAuth) -> ApiResult<Connection> {
    let (connector_id, owner_id) = (&auth.claims.connector_id, &auth.claims.owner_id);
    state
        .store
        .connection(&auth.tenant, connector_id, owner_id)
        .await?
        .filter(|c| c.id == auth.claims.connection_id)
        .ok_or_else(|| not_found(connector_id, owner_id))
}

/// List resources of a model (session mode).
#[utoipa::path(
    get, operation_id = "sessionListResources", path = "/v1/s/resources/{model}", tag = "session",
    params(("model" = patchbay_core::ModelId, Path, description = "The unified model.")),
    responses(
        (status = 200, description = "A page of resources; options as in `GET /v1/resources/{model}`.", body = patchbay_core::Page),
        (status = "4XX", description = "A client error; 401 `SESSION_EXPIRED` or `INVALID_SESSION_TOKEN`.", body = patchbay_core::ErrorBody),
    ),
    security(("sessionToken" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    auth: SessionAuth,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<axum::Json<unified::RenderedPage>> {
    let model = model(&name)?;
    let raw = query::parse(q.as_deref(), query::Accepts::List)?;
    unified::list(&state, &auth.tenant, &auth.selector, model, raw)
        .await
        .map(axum::Json)
}

/// Retrieve one resource (session mode).
#[utoipa::path(
    get, operation_id = "sessionRetrieveResource", path = "/v1/s/resources/{model}/{id}", tag = "session",
    params(
        ("model" = patchbay_core::ModelId, Path, description = "The unified model."),
        ("id" = String, Path, description = "The provider's id of the resource."),
    ),
    responses(
        (status = 200, description = "The resource.", body = patchbay_core::Resource),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
    ),
    security(("sessionToken" = []))
)]
pub async fn retrieve(
    State(state): State<AppState>,
    auth: SessionAuth,
    Path((name, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult<axum::Json<unified::Rendered>> {
    let model = model(&name)?;
    let raw = query::parse(q.as_deref(), query::Accepts::Retrieve)?;
    unified::retrieve(&state, &auth.tenant, &auth.selector, model, &id, raw)
        .await
        .map(axum::Json)
}

/// Create a resource (session mode).
#[utoipa::path(
    post, operation_id = "sessionCreateResource", path = "/v1/s/resources/{model}", tag = "session",
    params(("model" = patchbay_core::ModelId, Path, description = "The unified model.")),
    request_body(content = Object, description = "The fields to set.", content_type = "application/json"),
    responses(
        (status = 201, description = "A reference to the created resource, or the resource with `returnResource=true`.", body = patchbay_core::ResourceRef),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
    ),
    security(("sessionToken" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    auth: SessionAuth,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let model = model(&name)?;
    let raw = query::parse(q.as_deref(), query::Accepts::Write)?;
    let written =
        unified::write(&state, &auth.tenant, &auth.selector, model, None, raw, body).await?;
    Ok((StatusCode::CREATED, axum::Json(written)).into_response())
}

/// Update a resource (session mode).
#[utoipa::path(
    patch, operation_id = "sessionUpdateResource", path = "/v1/s/resources/{model}/{id}", tag = "session",
    params(
        ("model" = patchbay_core::ModelId, Path, description = "The unified model."),
        ("id" = String, Path, description = "The provider's id of the resource."),
    ),
    request_body(content = Object, description = "The fields to change.", content_type = "application/json"),
    responses(
        (status = 200, description = "A reference to the resource, or the resource.", body = patchbay_core::ResourceRef),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
    ),
    security(("sessionToken" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    auth: SessionAuth,
    Path((name, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    Json(body): Json<Value>,
) -> ApiResult<axum::Json<unified::Rendered>> {
    let model = model(&name)?;
    let raw = query::parse(q.as_deref(), query::Accepts::Write)?;
    unified::write(
        &state,
        &auth.tenant,
        &auth.selector,
        model,
        Some(&id),
        raw,
        body,
    )
    .await
    .map(axum::Json)
}

/// Delete a resource (session mode).
#[utoipa::path(
    delete, operation_id = "sessionDeleteResource", path = "/v1/s/resources/{model}/{id}", tag = "session",
    params(
        ("model" = patchbay_core::ModelId, Path, description = "The unified model."),
        ("id" = String, Path, description = "The provider's id of the resource."),
    ),
    responses(
        (status = 204, description = "Deleted."),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
    ),
    security(("sessionToken" = []))
)]
pub async fn delete(
    State(state): State<AppState>,
    auth: SessionAuth,
    Path((name, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult<StatusCode> {
    let model = model(&name)?;
    query::parse(q.as_deref(), query::Accepts::Delete)?;
    unified::delete(&state, &auth.tenant, &auth.selector, model, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The fields of a model through the session's connection.
#[utoipa::path(
    get, operation_id = "sessionListModelFields", path = "/v1/s/models/{model}/fields", tag = "session",
    params(("model" = patchbay_core::ModelId, Path, description = "The unified model.")),
    responses(
        (status = 200, description = "The fields.", body = FieldPage),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
    ),
    security(("sessionToken" = []))
)]
pub async fn model_fields(
    State(state): State<AppState>,
    auth: SessionAuth,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<axum::Json<FieldPage>> {
    let model = model(&name)?;
    let connection = own_connection(&state, &auth).await?;
    fields::page(
        &state,
        &auth.tenant,
        Some(&connection.connector_id),
        Some(&connection.id),
        model,
        q.as_deref(),
    )
    .await
    .map(axum::Json)
}

/// The session's connection.
#[utoipa::path(
    get, operation_id = "sessionRetrieveConnection", path = "/v1/s/connection", tag = "session",
    responses(
        (status = 200, description = "The connection.", body = ConnectionView),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
    ),
    security(("sessionToken" = []))
)]
pub async fn connection(
    State(state): State<AppState>,
    auth: SessionAuth,
) -> ApiResult<axum::Json<ConnectionView>> {
    let connection = own_connection(&state, &auth).await?;
    Ok(axum::Json(ConnectionView::from(&connection)))
}

/// Delete the session's connection (its credentials are revoked and erased).
#[utoipa::path(
    delete, operation_id = "sessionDeleteConnection", path = "/v1/s/connection", tag = "session",
    responses(
        (status = 204, description = "Deleted."),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
    ),
    security(("sessionToken" = []))
)]
pub async fn delete_connection(
    State(state): State<AppState>,
    auth: SessionAuth,
) -> ApiResult<StatusCode> {
    let c = &auth.claims;
    remove(
        &state,
        &auth.tenant,
        &c.connector_id,
        &c.owner_id,
        Some(&c.connection_id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Start authorizing the session's connection (what the Connect page's button does).
#[utoipa::path(
    post, operation_id = "sessionAuthorizeConnection", path = "/v1/s/connection/authorization", tag = "session",
    params(AuthorizationQuery),
    responses(
        (status = 200, description = "Where to send the end user.", body = ConnectionAuthorization),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
    ),
    security(("sessionToken" = []))
)]
pub async fn authorize(
    State(state): State<AppState>,
    auth: SessionAuth,
    query: Result<Query<AuthorizationQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<axum::Json<ConnectionAuthorization>> {
    let Query(query) = query.map_err(|e| ApiError::new(ErrorCode::BadRequest, e.body_text()))?;
    let connection = own_connection(&state, &auth).await?;
    oauth::start(&state, &auth.tenant, &connection, &query)
        .await
        .map(axum::Json)
}

/// The session's connector.
#[utoipa::path(
    get, operation_id = "sessionRetrieveConnector", path = "/v1/s/connector", tag = "session",
    responses(
        (status = 200, description = "The connector.", body = ConnectorView),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
    ),
    security(("sessionToken" = []))
)]
pub async fn connector_view(
    State(state): State<AppState>,
    auth: SessionAuth,
) -> ApiResult<axum::Json<ConnectorView>> {
    let connector = connector(&state, &auth.claims.connector_id)?;
    Ok(axum::Json(ConnectorView::of(connector.as_ref())))
}
