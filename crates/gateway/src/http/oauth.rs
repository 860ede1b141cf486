//! OAuth onboarding starts here: `POST /v1/connections/{connectorId}/{ownerId}/authorization`
//! (and its session twin) hands out an authorization URL, Dialpad's (PKCE S256, scopes from
//! the connection's operations, a single-use state stored for 10 minutes) or the gateway's
//! Connect page, after checking the redirect URL against the tenant's allow-list. The
//! callback (`callback.rs`) finishes it.

use axum::extract::{Path, Query, State};
use chrono::Utc;
use patchbay_core::{ErrorCode, ValidationCode};
use serde::{Deserialize, Serialize};
use url::Url;
use utoipa::{IntoParams, ToSchema};

use super::connections::{check_owner_id, not_found};
use super::error::{ApiError, ApiResult};
use super::extract::Tenant;
use super::settings::allowed_redirect;
use crate::app::AppState;
use crate::sessions;
use crate::store::{Connection, ConnectionStatus, NewOAuthState, TenantId, new_state};
use crate::unified::field_error;
use crate::unified::target::connector;

/// Dialpad's redirect URI under the public URL.
pub const CALLBACK_PATH: &str = "/v1/oauth/callback";
/// The gateway's own outcome page, always an allowed redirect.
pub const DONE_PATH: &str = "/connect/done";

/// How the end user authorizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Mode {
    /// The gateway's Connect page (a session is made for it).
    #[default]
    Connect,
    /// Dialpad's authorization page itself.
    Direct,
}

/// The query of the authorization routes.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct AuthorizationQuery {
    /// Where the end user lands afterwards, with `status=authorized` or
    /// `status=error&code=…` added; must match your allow-list (`/v1/settings`).
    #[param(required = true, min_length = 1)]
    pub redirect_url: Option<String>,
    /// `connect` (default: the gateway's Connect page) or `direct` (Dialpad's page).
    pub mode: Option<Mode>,
}

/// Where to send the end user to authorize a connection (Morph's `ConnectionAuthorization`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionAuthorization {
    /// Always `connectionAuthorization`.
    #[schema(example = "connectionAuthorization")]
    pub object: &'static str,
    /// The connector.
    pub connector_id: String,
    /// Your id for the end user.
    pub owner_id: String,
    /// `authorized` when the connection already works (the URL then re-authorizes it),
    /// else `awaitingAuthorization`.
    #[schema(example = "awaitingAuthorization")]
    pub status: &'static str,
    /// Send the end user here.
    pub authorization_url: String,
    /// The URL stops working after this.
    pub expires_at: chrono::DateTime<Utc>,
}

/// Start authorizing a connection.
#[utoipa::path(
    post,
    operation_id = "authorizeConnection",
    path = "/v1/connections/{connectorId}/{ownerId}/authorization",
    tag = "connections",
    params(
        ("connectorId" = String, Path, description = "The connector, e.g. `dialpad`."),
        ("ownerId" = String, Path, description = "Your id for the end user."),
        AuthorizationQuery,
    ),
    responses(
        (status = 200, description = "Where to send the end user.", body = ConnectionAuthorization),
        (status = 422, description = "`redirectUrl` is missing or not in your allow-list.", body = patchbay_core::ErrorBody),
        (status = 501, description = "The gateway has no OAuth app for this connector.", body = patchbay_core::ErrorBody),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn authorize(
    State(state): State<AppState>,
    tenant: Tenant,
    Path((connector_id, owner_id)): Path<(String, String)>,
    query: Result<Query<AuthorizationQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<axum::Json<ConnectionAuthorization>> {
    let Query(query) = query.map_err(|e| ApiError::new(ErrorCode::BadRequest, e.body_text()))?;
    check_owner_id(&owner_id)?;
    connector(&state, &connector_id)?;
    let connection = state
        .store
        .connection(&tenant.id, &connector_id, &owner_id)
        .await?
        .ok_or_else(|| not_found(&connector_id, &owner_id))?;
    start(&state, &tenant.id, &connection, &query)
        .await
        .map(axum::Json)
}

/// Starts authorizing `connection` of `tenant`: shared by the secret and session routes.
pub async fn start(
    state: &AppState,
    tenant: &TenantId,
    connection: &Connection,
    query: &AuthorizationQuery,
) -> ApiResult<ConnectionAuthorization> {
    let connector = connector(state, &connection.connector_id)?;
    let oauth = connector.oauth().ok_or_else(|| {
        ApiError::new(
            ErrorCode::OperationNotSupported,
            format!(
                "this gateway has no {} OAuth app; its operator sets PATCHBAY_DIALPAD_CLIENT_ID \
                 and PATCHBAY_DIALPAD_CLIENT_SECRET",
                connector.descriptor().name
            ),
        )
    })?;
    let redirect = checked_redirect(state, tenant, query.redirect_url.as_deref()).await?;
    let status = if connection.status == ConnectionStatus::Authorized {
        "authorized"
    } else {
        "awaitingAuthorization"
    };
    let (authorization_url, expires_at) = match query.mode.unwrap_or_default() {
        Mode::Direct => {
            let scopes = connector
                .descriptor()
                .scopes_for(connection.operations.iter().copied());
            let secret_state = new_state();
            let begun = oauth.authorization_url(&scopes, secret_state.expose());
            let expires_at = state
                .store
                .create_oauth_state(
                    &secret_state,
                    &NewOAuthState {
                        tenant_id: tenant,
                        connection_id: &connection.id,
                        redirect_url: redirect.as_str(),
                        verifier: &begun.verifier,
                    },
                )
                .await?;
            (begun.url, expires_at)
        }
        Mode::Connect => {
            let (token, claims) = super::sessions::issue_for(
                state,
                connection,
                connection.operations.clone(),
                sessions::DEFAULT_TTL_SECS,
            );
            let mut url = public(state, "/connect")?;
            url.query_pairs_mut()
                .append_pair("session", &token)
                .append_pair("redirectUrl", redirect.as_str());
            (url.into(), claims.expires())
        }
    };
    Ok(ConnectionAuthorization {
        object: "connectionAuthorization",
        connector_id: connection.connector_id.clone(),
        owner_id: connection.owner_id.clone(),
        status,
        authorization_url,
        expires_at,
    })
}

/// The gateway's own URL of `path`.
pub fn public(state: &AppState, path: &str) -> ApiResult<Url> {
    Url::parse(&format!("{}{path}", state.config.public_url)).map_err(ApiError::internal)
}

/// `redirect_url`, parsed, when the tenant's allow-list (or the gateway's own outcome page)
/// allows it; a 422 otherwise.
async fn checked_redirect(
    state: &AppState,
    tenant: &TenantId,
    redirect_url: Option<&str>,
) -> ApiResult<Url> {
    let Some(candidate) = redirect_url.filter(|u| !u.is_empty()) else {
        return Err(field_error(
            "redirectUrl",
            ValidationCode::Required,
            "`redirectUrl` is required: where the end user lands after authorizing",
        ));
    };
    let settings = state.store.tenant_settings(tenant).await?;
    let own = format!("{}{DONE_PATH}", state.config.public_url);
    allowed_redirect(&settings.redirect_urls, &[own.as_str()], candidate).ok_or_else(|| {
        field_error(
            "redirectUrl",
            ValidationCode::InvalidValue,
            "`redirectUrl` is not in your redirect allow-list; add it with \
             `PATCH /v1/settings {\"redirectUrls\": [...]}`",
        )
    })
}
