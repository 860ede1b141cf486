//! `/v1/connections`: a tenant's connections to its end users' accounts. Create and update
//! take the operations to grant and, optionally, credentials (a Dialpad API key, or OAuth
//! tokens imported from elsewhere), which are verified against the provider before anything
//! is stored. Delete revokes what the provider can revoke and erases the credentials.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use patchbay_core::{Connector, ConnectorError, Credential, ErrorCode, Operation, ValidationCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{ApiError, ApiResult};
use super::extract::{Json, OptionalJson, Tenant};
use crate::app::AppState;
use crate::store::{
    Connection, ConnectionFilter, ConnectionId, ConnectionStatus, Credentials, TenantId,
};
use crate::unified::field_error;
use crate::unified::target::connector;

/// A connection as the API shows it (never its secrets).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionView {
    /// Always `connection`.
    #[schema(example = "connection")]
    pub object: &'static str,
    /// The connector, e.g. `dialpad`.
    pub connector_id: String,
    /// Your id for the end user.
    pub owner_id: String,
    /// Whether it can be used.
    pub status: ConnectionStatus,
    /// The operations it was granted.
    pub operations: Vec<Operation>,
    /// The kind of credentials stored (`apiKey`, `oauth`), or `null`.
    pub credential_type: Option<&'static str>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Connection> for ConnectionView {
    fn from(c: &Connection) -> Self {
        Self {
            object: "connection",
            connector_id: c.connector_id.clone(),
            owner_id: c.owner_id.clone(),
            status: c.status,
            operations: c.operations.clone(),
            credential_type: c.credentials.as_ref().map(Credentials::kind),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// Credentials given on create or update.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum CredentialsInput {
    /// A Dialpad API key.
    #[serde(rename_all = "camelCase")]
    ApiKey {
        /// The key.
        api_key: String,
    },
    /// OAuth tokens obtained elsewhere (a migration from another gateway).
    #[serde(rename = "oauth", rename_all = "camelCase")]
    OAuth {
        /// The access token.
        access_token: String,
        /// The refresh token, if any.
        refresh_token: Option<String>,
        /// When the access token expires.
        expires_at: Option<DateTime<Utc>>,
        /// The granted scopes.
        #[serde(default)]
        scopes: Vec<String>,
    },
}

impl CredentialsInput {
    fn into_credentials(self) -> ApiResult<Credentials> {
        let blank = |s: &str| s.trim().is_empty();
        // Sent in an `Authorization` header: a control character there is a client error, not
        // a provider outage (found by the API fuzzer).
        let unsendable = |s: &str| s.trim().chars().any(|c| c.is_ascii_control() && c != '\t');
        let unsendable_error = |field: &str| {
            Err(field_error(
                &format!("credentials.{field}"),
                ValidationCode::InvalidValue,
                format!("`{field}` holds control characters, which an HTTP header cannot carry"),
            ))
        };
        match &self {
            CredentialsInput::ApiKey { api_key } if unsendable(api_key) => {
                return unsendable_error("apiKey");
            }
            CredentialsInput::OAuth { access_token, .. } if unsendable(access_token) => {
                return unsendable_error("accessToken");
            }
            CredentialsInput::OAuth {
                refresh_token: Some(refresh),
                ..
            } if unsendable(refresh) => return unsendable_error("refreshToken"),
            _ => {}
        }
        match self {
            CredentialsInput::ApiKey { api_key } if blank(&api_key) => Err(field_error(
                "credentials.apiKey",
                ValidationCode::Required,
                "`apiKey` must not be empty",
            )),
            CredentialsInput::ApiKey { api_key } => Ok(Credentials::ApiKey {
                api_key: patchbay_core::Secret::new(api_key.trim()),
            }),
            CredentialsInput::OAuth { access_token, .. } if blank(&access_token) => {
                Err(field_error(
                    "credentials.accessToken",
                    ValidationCode::Required,
                    "`accessToken` must not be empty",
                ))
            }
            CredentialsInput::OAuth {
                access_token,
                refresh_token,
                expires_at,
                scopes,
            } => Ok(Credentials::OAuth {
                access_token: patchbay_core::Secret::new(access_token.trim()),
                refresh_token: refresh_token
                    .filter(|t| !blank(t))
                    .map(|t| patchbay_core::Secret::new(t.trim())),
                expires_at,
                scopes,
            }),
        }
    }
}

/// The body of `POST` and `PATCH /v1/connections/{connectorId}/{ownerId}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionInput {
    /// Operations to grant, e.g. `genericContact::list`; all the connector's on create
    /// when absent.
    pub operations: Option<Vec<String>>,
    /// Credentials to store once the provider accepts them.
    pub credentials: Option<CredentialsInput>,
}

pub(crate) fn operations(
    connector: &dyn Connector,
    given: Option<Vec<String>>,
) -> ApiResult<Option<Vec<Operation>>> {
    let Some(given) = given else {
        return Ok(None);
    };
    let descriptor = connector.descriptor();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, text) in given.iter().enumerate() {
        match text.parse::<Operation>() {
            Ok(op) if descriptor.supports(op) => {
                if !out.contains(&op) {
                    out.push(op);
                }
            }
            Ok(op) => errors.push(patchbay_core::FieldError::new(
                format!("operations[{i}]"),
                ValidationCode::NotSupported,
                format!("`{op}` is not supported by the {} connector", descriptor.id),
            )),
            Err(e) => errors.push(patchbay_core::FieldError::new(
                format!("operations[{i}]"),
                ValidationCode::InvalidValue,
                e.to_string(),
            )),
        }
    }
    match patchbay_core::ValidationErrors::from_vec(errors) {
        Some(errors) => Err(errors.into()),
        None => Ok(Some(out)),
    }
}

/// Asks the provider whether `credentials` work, and whose account they open (a Dialpad
/// company id, when it says); a rejection is the caller's input error.
async fn verify(connector: &dyn Connector, credentials: &Credentials) -> ApiResult<Option<String>> {
    let credential: Credential = credentials.credential();
    match connector.verify(&credential).await {
        Ok(account) => Ok(account.account_id),
        Err(ConnectorError::CredentialRejected { .. } | ConnectorError::Forbidden { .. }) => {
            Err(field_error(
                "credentials",
                ValidationCode::InvalidValue,
                format!("{} rejected these credentials", connector.descriptor().name),
            ))
        }
        Err(other) => Err(other.into()),
    }
}

/// Create a connection, or update the one that exists.
#[utoipa::path(
    post,
    operation_id = "createConnection",
    path = "/v1/connections/{connectorId}/{ownerId}",
    tag = "connections",
    params(
        ("connectorId" = String, Path, description = "The connector, e.g. `dialpad`."),
        ("ownerId" = String, Path, description = "Your id for the end user."),
    ),
    request_body(content = Option<ConnectionInput>, description = "Optional: none creates the connection awaiting authorization."),
    responses(
        (status = 201, description = "Created.", body = ConnectionView),
        (status = 200, description = "It existed and was updated.", body = ConnectionView),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    tenant: Tenant,
    Path((connector_id, owner_id)): Path<(String, String)>,
    OptionalJson(input): OptionalJson<ConnectionInput>,
) -> ApiResult<Response> {
    let (connection, created) =
        save(&state, &tenant, &connector_id, &owner_id, input, true).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(ConnectionView::from(&connection))).into_response())
}

/// Change a connection's operations or credentials.
#[utoipa::path(
    patch,
    operation_id = "updateConnection",
    path = "/v1/connections/{connectorId}/{ownerId}",
    tag = "connections",
    params(
        ("connectorId" = String, Path, description = "The connector."),
        ("ownerId" = String, Path, description = "Your id for the end user."),
    ),
    request_body = ConnectionInput,
    responses(
        (status = 200, description = "Updated.", body = ConnectionView),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    tenant: Tenant,
    Path((connector_id, owner_id)): Path<(String, String)>,
    Json(input): Json<ConnectionInput>,
) -> ApiResult<axum::Json<ConnectionView>> {
    let (connection, _) = save(&state, &tenant, &connector_id, &owner_id, input, false).await?;
    Ok(axum::Json(ConnectionView::from(&connection)))
}

async fn save(
    state: &AppState,
    tenant: &Tenant,
    connector_id: &str,
    owner_id: &str,
    input: ConnectionInput,
    create: bool,
) -> ApiResult<(Connection, bool)> {
    let connector = connector(state, connector_id)?;
    check_owner_id(owner_id)?;
    let ops = operations(connector.as_ref(), input.operations)?;
    let credentials = input
        .credentials
        .map(CredentialsInput::into_credentials)
        .transpose()?;
    let existing = state
        .store
        .connection(&tenant.id, connector_id, owner_id)
        .await?;
    if existing.is_none() && !create {
        return Err(not_found(connector_id, owner_id));
    }
    // Verify before writing anything: a rejected key leaves no connection behind.
    let account_id = match &credentials {
        Some(credentials) => verify(connector.as_ref(), credentials).await?,
        None => None,
    };
    let (mut connection, created) = match existing {
        Some(existing) => {
            let connection = match ops {
                Some(ops) => state.store.set_operations(&existing.id, &ops).await?,
                None => existing,
            };
            (connection, false)
        }
        None => {
            let ops = ops.unwrap_or_else(|| connector.descriptor().operations.to_vec());
            state
                .store
                .upsert_connection(&tenant.id, connector_id, owner_id, &ops)
                .await?
        }
    };
    if let Some(credentials) = &credentials {
        connection = state
            .store
            .set_verified_credentials(&connection.id, credentials, account_id.as_deref())
            .await?;
    }
    state
        .connections
        .invalidate(&tenant.id, connector_id, owner_id)
        .await;
    // New credentials may mean Dialpad's side of its webhooks needs setting up.
    if credentials.is_some() {
        let (state, id) = (state.clone(), connection.id.as_str().to_owned());
        tokio::spawn(
            async move { crate::webhooks::reconcile::reconcile_logged(&state, &id).await },
        );
    }
    Ok((connection, created))
}

pub(crate) fn check_owner_id(owner_id: &str) -> ApiResult<()> {
    if owner_id.is_empty() || owner_id.len() > 255 || owner_id.chars().any(char::is_control) {
        return Err(field_error(
            "ownerId",
            ValidationCode::InvalidValue,
            "`ownerId` must be 1 to 255 characters without control characters",
        ));
    }
    Ok(())
}

pub(crate) fn not_found(connector_id: &str, owner_id: &str) -> ApiError {
    crate::unified::target::connection_not_found(connector_id, owner_id)
}

/// One connection.
#[utoipa::path(
    get,
    operation_id = "retrieveConnection",
    path = "/v1/connections/{connectorId}/{ownerId}",
    tag = "connections",
    params(
        ("connectorId" = String, Path, description = "The connector."),
        ("ownerId" = String, Path, description = "Your id for the end user."),
    ),
    responses(
        (status = 200, description = "The connection.", body = ConnectionView),
        (status = 404, description = "No such connection.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn retrieve(
    State(state): State<AppState>,
    tenant: Tenant,
    Path((connector_id, owner_id)): Path<(String, String)>,
) -> ApiResult<axum::Json<ConnectionView>> {
    let connection = state
        .store
        .connection(&tenant.id, &connector_id, &owner_id)
        .await?
        .ok_or_else(|| not_found(&connector_id, &owner_id))?;
    Ok(axum::Json(ConnectionView::from(&connection)))
}

/// Delete a connection: its credentials are revoked at the provider where possible, then
/// erased.
#[utoipa::path(
    delete,
    operation_id = "deleteConnection",
    path = "/v1/connections/{connectorId}/{ownerId}",
    tag = "connections",
    params(
        ("connectorId" = String, Path, description = "The connector."),
        ("ownerId" = String, Path, description = "Your id for the end user."),
    ),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such connection.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn delete(
    State(state): State<AppState>,
    tenant: Tenant,
    Path((connector_id, owner_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    remove(&state, &tenant.id, &connector_id, &owner_id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes the tenant's connection (only if its id is `only`, when given), then revokes its
/// credentials upstream. Shared with the session routes.
pub(crate) async fn remove(
    state: &AppState,
    tenant: &TenantId,
    connector_id: &str,
    owner_id: &str,
    only: Option<&ConnectionId>,
) -> ApiResult<()> {
    if let Some(only) = only {
        let current = state
            .store
            .connection(tenant, connector_id, owner_id)
            .await?;
        if current.is_none_or(|c| &c.id != only) {
            return Err(not_found(connector_id, owner_id));
        }
    }
    // Its Dialpad webhook goes first, while its credential still works.
    if let Some(current) = state
        .store
        .connection(tenant, connector_id, owner_id)
        .await?
    {
        crate::webhooks::reconcile::forget_connection(state, &current).await;
    }
    let deleted = state
        .store
        .delete_connection(tenant, connector_id, owner_id)
        .await?
        .ok_or_else(|| not_found(connector_id, owner_id))?;
    crate::webhooks::pump::connection_deleted(state, &deleted).await;
    state
        .connections
        .invalidate(tenant, connector_id, owner_id)
        .await;
    state.tokens.forget(&deleted.id).await;
    if let (Some(connector), Some(credentials)) =
        (state.connectors.get(connector_id), &deleted.credentials)
    {
        // The row is gone either way; a failed revocation is logged, not answered.
        if let Err(err) = revoke(connector.as_ref(), credentials).await {
            tracing::warn!(connection = %deleted.id, error = %err, "could not revoke the deleted connection's credentials upstream");
        }
    }
    Ok(())
}

/// Revokes `credentials` at the provider. Dialpad deauthorizes only with a live access
/// token: an expired one is refreshed first (the refresh token then goes with it).
async fn revoke(
    connector: &dyn Connector,
    credentials: &Credentials,
) -> Result<(), ConnectorError> {
    if let (
        Some(oauth),
        Credentials::OAuth {
            refresh_token: Some(refresh_token),
            expires_at: Some(expires_at),
            ..
        },
    ) = (connector.oauth(), credentials)
        && *expires_at <= Utc::now() + chrono::Duration::seconds(30)
    {
        match oauth.refresh(refresh_token).await {
            Ok(tokens) => {
                return connector
                    .revoke(&Credential::bearer(tokens.access_token.expose()))
                    .await;
            }
            Err(e) => {
                tracing::info!(error = %e, "the deleted connection's refresh token no longer works");
            }
        }
    }
    connector.revoke(&credentials.credential()).await
}

/// `GET /v1/connections` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this connector.
    pub connector_id: Option<String>,
    /// Only this status.
    #[param(pattern = "^(authorized|unauthorized|awaitingAuthorization)$")]
    pub status: Option<String>,
    /// Page size, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// A page of connections.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectionPage {
    /// The connections, by connector then owner id.
    pub data: Vec<ConnectionView>,
    /// The next page's cursor, `null` on the last page.
    pub next: Option<String>,
}

/// The tenant's connections.
#[utoipa::path(
    get,
    operation_id = "listConnections",
    path = "/v1/connections",
    tag = "connections",
    params(ListQuery),
    responses(
        (status = 200, description = "A page of connections.", body = ConnectionPage),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    tenant: Tenant,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<axum::Json<ConnectionPage>> {
    let Query(query) = query.map_err(|e| ApiError::new(ErrorCode::BadRequest, e.body_text()))?;
    let status = query
        .status
        .as_deref()
        .map(str::parse::<ConnectionStatus>)
        .transpose()
        .map_err(|e| field_error("status", ValidationCode::InvalidEnum, e.to_string()))?;
    let limit = match query.limit {
        None => 50,
        Some(n @ 1..=100) => n,
        Some(_) => {
            return Err(field_error(
                "limit",
                ValidationCode::InvalidValue,
                "`limit` must be a whole number from 1 to 100",
            ));
        }
    };
    let scope = format!("connections:{}", tenant.id);
    let after = match query.cursor.as_deref() {
        None => None,
        Some(sealed) => {
            let inner = state.cursors.open(&scope, sealed)?;
            let pair: (String, String) = URL_SAFE_NO_PAD
                .decode(inner)
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .ok_or_else(|| ApiError::code(ErrorCode::InvalidCursor))?;
            Some(pair)
        }
    };
    let filter = ConnectionFilter {
        connector_id: query.connector_id,
        status,
        after,
        limit: limit + 1,
    };
    let mut rows = state.store.list_connections(&tenant.id, &filter).await?;
    let next = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|last| {
            let inner = serde_json::json!([last.connector_id, last.owner_id]).to_string();
            state.cursors.seal(&scope, &URL_SAFE_NO_PAD.encode(inner))
        })
    } else {
        None
    };
    Ok(axum::Json(ConnectionPage {
        data: rows.iter().map(ConnectionView::from).collect(),
        next,
    }))
}
