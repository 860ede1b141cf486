//! Sessions: `POST /v1/connections/{connectorId}/{ownerId}/sessions` makes a short-lived
//! token for an end user's browser, scoped to that one connection and some of its
//! operations; [`SessionAuth`] is the extractor of the `/v1/s/...` routes that accept it
//! (`x-session-token`).

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use patchbay_core::{ErrorCode, Operation, ValidationCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::connections::{check_owner_id, operations};
use super::error::{ApiError, ApiResult};
use super::extract::{OptionalJson, Tenant};
use super::oauth::public;
use crate::app::AppState;
use crate::sessions::{self, DEFAULT_TTL_SECS, MAX_TTL_SECS, SessionClaims, SessionError};
use crate::store::{Connection, TenantId};
use crate::unified::field_error;
use crate::unified::target::{Selector, SessionScope, connector};

/// The header carrying a session token.
pub const SESSION_HEADER: &str = "x-session-token";

/// The body of `POST …/sessions`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionInput {
    /// Lifetime in seconds, 1 to 86400 (default 1800).
    #[schema(minimum = 1, maximum = 86400)]
    pub expires_in: Option<i64>,
    /// What the session may do on the connection.
    #[serde(default)]
    pub connection: SessionConnectionInput,
}

/// The connection part of [`SessionInput`].
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionConnectionInput {
    /// Operations the session grants (within the connection's; all of them when absent).
    pub operations: Option<Vec<String>>,
}

/// The connection a session is for.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionConnection {
    /// The connector.
    pub connector_id: String,
    /// Your id for the end user.
    pub owner_id: String,
    /// The operations the session grants.
    pub operations: Vec<Operation>,
}

/// A session (Morph's `SessionData`), carrying its token.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// Always `session`.
    #[schema(example = "session")]
    pub object: &'static str,
    /// The connection and what the session may do on it.
    pub connection: SessionConnection,
    /// Send as `x-session-token` to the `/v1/s/...` routes; give it to the end user's
    /// browser only.
    pub session_token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// The Connect page for this session: open it for the end user to authorize.
    pub connect_url: String,
}

/// Signs a session for `connection` granting `operations`, valid `ttl_secs`.
pub fn issue_for(
    state: &AppState,
    connection: &Connection,
    operations: Vec<Operation>,
    ttl_secs: u32,
) -> (String, SessionClaims) {
    let claims = SessionClaims {
        tenant_id: connection.tenant_id.clone(),
        connection_id: connection.id.clone(),
        connector_id: connection.connector_id.clone(),
        owner_id: connection.owner_id.clone(),
        operations,
        expires_at: Utc::now().timestamp() + i64::from(ttl_secs),
        nonce: sessions::nonce(),
    };
    (sessions::issue(&state.config.session_key, &claims), claims)
}

/// Create a session for an end user's browser. The connection is created
/// (`awaitingAuthorization`) when it does not exist yet.
#[utoipa::path(
    post,
    operation_id = "createSession",
    path = "/v1/connections/{connectorId}/{ownerId}/sessions",
    tag = "sessions",
    params(
        ("connectorId" = String, Path, description = "The connector, e.g. `dialpad`."),
        ("ownerId" = String, Path, description = "Your id for the end user."),
    ),
    request_body(content = Option<SessionInput>, description = "Optional: none grants every operation of the connection for 1800 s."),
    responses(
        (status = 201, description = "The session.", body = SessionView),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    tenant: Tenant,
    Path((connector_id, owner_id)): Path<(String, String)>,
    OptionalJson(input): OptionalJson<SessionInput>,
) -> ApiResult<Response> {
    let connector = connector(&state, &connector_id)?;
    check_owner_id(&owner_id)?;
    let ttl = match input.expires_in {
        None => DEFAULT_TTL_SECS,
        Some(secs) => u32::try_from(secs)
            .ok()
            .filter(|s| (1..=MAX_TTL_SECS).contains(s))
            .ok_or_else(|| {
                field_error(
                    "expiresIn",
                    ValidationCode::InvalidValue,
                    format!(
                        "`expiresIn` must be a whole number of seconds from 1 to {MAX_TTL_SECS}"
                    ),
                )
            })?,
    };
    let wanted = operations(connector.as_ref(), input.connection.operations)?;
    let connection = match state
        .store
        .connection(&tenant.id, &connector_id, &owner_id)
        .await?
    {
        Some(existing) => existing,
        None => {
            let ops = wanted
                .clone()
                .unwrap_or_else(|| connector.descriptor().operations.to_vec());
            let (created, _) = state
                .store
                .upsert_connection(&tenant.id, &connector_id, &owner_id, &ops)
                .await?;
            created
        }
    };
    // Never more than the connection itself was granted.
    let granted: Vec<Operation> = match wanted {
        Some(wanted) => wanted
            .into_iter()
            .filter(|op| connection.operations.contains(op))
            .collect(),
        None => connection.operations.clone(),
    };
    let (token, claims) = issue_for(&state, &connection, granted, ttl);
    let mut connect = public(&state, "/connect")?;
    connect.query_pairs_mut().append_pair("session", &token);
    let view = SessionView {
        object: "session",
        connection: SessionConnection {
            connector_id: connection.connector_id,
            owner_id: connection.owner_id,
            operations: claims.operations.clone(),
        },
        session_token: token,
        expires_at: claims.expires(),
        connect_url: connect.into(),
    };
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

/// A request made with a session token: its tenant, and a selector bound to the session's
/// connection and operations.
#[derive(Debug, Clone)]
pub struct SessionAuth {
    /// The tenant that made the session.
    pub tenant: TenantId,
    /// The session's connection, restricted to it.
    pub selector: Selector,
    /// What the token says.
    pub claims: SessionClaims,
}

impl SessionAuth {
    /// Checks a token: `INVALID_SESSION_TOKEN` or `SESSION_EXPIRED` (both 401).
    pub fn verify(state: &AppState, token: &str) -> ApiResult<Self> {
        let claims = sessions::verify(&state.config.session_key, token, Utc::now()).map_err(
            |e| match e {
                SessionError::Expired => ApiError::new(
                    ErrorCode::SessionExpired,
                    "the session has expired; ask the app for a new one",
                ),
                SessionError::Invalid => ApiError::code(ErrorCode::InvalidSessionToken),
            },
        )?;
        let mut selector = Selector::new(claims.connector_id.clone(), claims.owner_id.clone());
        selector.session = Some(Arc::new(SessionScope {
            connection_id: claims.connection_id.clone(),
            operations: claims.operations.clone(),
        }));
        Ok(Self {
            tenant: claims.tenant_id.clone(),
            selector,
            claims,
        })
    }
}

impl FromRequestParts<AppState> for SessionAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::Unauthenticated,
                    "session routes need the `x-session-token` header",
                )
            })?;
        let auth = Self::verify(state, token)?;
        super::extract::admit(state, &format!("session:{}", auth.claims.connection_id))?;
        Ok(auth)
    }
}
