//! OAuth onboarding: `POST /v1/connections/{connectorId}/{ownerId}/authorization` (and its
//! session twin) hands out an authorization URL (Dialpad's, with PKCE and a single-use
//! state, or the gateway's Connect page), and `GET /v1/oauth/callback` (Dialpad's redirect
//! URI) finishes it: state checked and consumed, code exchanged with the verifier, tokens
//! stored sealed, the end user sent back to the allow-listed redirect URL.

use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use patchbay_core::{ErrorCode, OAuthError, ValidationCode};
use serde::{Deserialize, Serialize};
use url::Url;
use utoipa::{IntoParams, ToSchema};

use super::connections::{check_owner_id, not_found};
use super::error::{ApiError, ApiResult};
use super::extract::Tenant;
use super::pages::{self, Tone};
use super::settings::allowed_redirect;
use crate::app::AppState;
use crate::sessions;
use crate::store::{
    Connection, ConnectionStatus, Credentials, NewOAuthState, StateRefusal, TenantId, new_state,
};
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

/// Dialpad's answer on the redirect URI.
#[derive(Debug, Deserialize)]
struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /v1/oauth/callback`: Dialpad sends the end user back here.
pub async fn callback(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let query: CallbackQuery = match serde_urlencoded::from_str(raw.as_deref().unwrap_or("")) {
        Ok(query) => query,
        Err(_) => return refused("The link is malformed."),
    };
    let Some(presented) = query.state.as_deref().filter(|s| !s.is_empty()) else {
        return refused("The link carries no authorization state.");
    };
    let pending = match state.store.take_oauth_state(presented).await {
        Ok(Ok(pending)) => pending,
        Ok(Err(refusal)) => {
            tracing::warn!(reason = %refusal, "OAuth callback refused");
            return refused(match refusal {
                StateRefusal::Expired => {
                    "This authorization link has expired: start again from the app."
                }
                StateRefusal::Unknown => {
                    "This authorization link is unknown or was already used: start again from the app."
                }
                StateRefusal::Invalid => {
                    "This authorization link is not valid: start again from the app."
                }
            });
        }
        Err(e) => {
            tracing::error!(error = %super::error::chain(&e), "OAuth callback: cannot read the state");
            return failed_page();
        }
    };
    let own_page = format!("{}{DONE_PATH}", state.config.public_url);
    let back = Back {
        own: allowed_redirect(&[], &[own_page.as_str()], &pending.redirect_url).is_some(),
        redirect: pending.redirect_url.clone(),
    };
    let connection = match state.store.connection_by_id(&pending.connection_id).await {
        Ok(Some(c)) if c.tenant_id == pending.tenant_id => c,
        Ok(_) => return refused("The connection being authorized no longer exists."),
        Err(e) => {
            tracing::error!(error = %super::error::chain(&e), "OAuth callback: cannot read the connection");
            return failed_page();
        }
    };
    if let Some(error) = query.error.as_deref() {
        tracing::info!(connection = %connection.id, %error, "the provider did not authorize the connection");
        return back.error(error, query.error_description.as_deref());
    }
    let Some(code) = query.code.as_deref().filter(|c| !c.is_empty()) else {
        return back.error("invalid_request", Some("the provider sent no code"));
    };
    let Some(connector) = state.connectors.get(&connection.connector_id).cloned() else {
        return back.error("server_error", None);
    };
    let Some(oauth) = connector.oauth() else {
        return back.error("server_error", None);
    };
    let tokens = match oauth.exchange_code(code, &pending.verifier).await {
        Ok(tokens) => tokens,
        Err(e) => {
            tracing::warn!(connection = %connection.id, error = %e, "the code exchange failed");
            let code = match &e {
                OAuthError::Refused { error, .. } => error.as_str(),
                OAuthError::Transient { .. } => "temporarily_unavailable",
                OAuthError::Protocol { .. } => "server_error",
            };
            return back.error(code, None);
        }
    };
    let credentials = Credentials::OAuth {
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        expires_at: tokens.expires_at,
        scopes: tokens.scopes.unwrap_or_else(|| {
            connector
                .descriptor()
                .scopes_for(connection.operations.iter().copied())
                .into_iter()
                .map(str::to_owned)
                .collect()
        }),
    };
    if let Err(e) = state
        .store
        .authorize_with(&connection.id, &credentials)
        .await
    {
        tracing::error!(connection = %connection.id, error = %super::error::chain(&e), "cannot store the authorized credentials");
        return back.error("server_error", None);
    }
    state
        .connections
        .invalidate(
            &connection.tenant_id,
            &connection.connector_id,
            &connection.owner_id,
        )
        .await;
    state.tokens.forget(&connection.id).await;
    tracing::info!(connection = %connection.id, "connection authorized through OAuth");
    back.go(&[("status", "authorized")])
}

/// Where the end user goes back to.
struct Back {
    redirect: String,
    /// The gateway's own outcome page (it shows errors itself).
    own: bool,
}

impl Back {
    fn url(&self, pairs: &[(&str, &str)]) -> Option<Url> {
        let mut url = Url::parse(&self.redirect).ok()?;
        url.query_pairs_mut().extend_pairs(pairs);
        Some(url)
    }

    fn go(&self, pairs: &[(&str, &str)]) -> Response {
        match self.url(pairs) {
            Some(url) => see_other(url.as_str()),
            None => failed_page(),
        }
    }

    /// Reports `code` to the redirect URL: the gateway's outcome page shows it; for the
    /// app's own URL a page shows it first, with a link that carries it on.
    fn error(&self, code: &str, description: Option<&str>) -> Response {
        let code = if code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            code
        } else {
            "server_error"
        };
        if self.own {
            return self.go(&[("status", "error"), ("code", code)]);
        }
        let Some(url) = self.url(&[("status", "error"), ("code", code)]) else {
            return failed_page();
        };
        let text = format!(
            "The connection was not authorized ({}){}",
            describe(code),
            description.map_or_else(|| ".".to_owned(), |d| format!(": {d}")),
        );
        pages::message(
            StatusCode::OK,
            Tone::Error,
            "Not connected",
            &text,
            Some((url.as_str(), "Return to the app")),
        )
    }
}

/// A person's words for an RFC 6749 error code.
fn describe(code: &str) -> &str {
    match code {
        "access_denied" => "access was denied",
        "temporarily_unavailable" => "the provider is unavailable, try again shortly",
        "invalid_grant" => "the authorization expired or was already used",
        "server_error" => "something went wrong",
        other => other,
    }
}

fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// A callback that cannot be tied to an authorization: said on a page, nothing else done.
fn refused(text: &str) -> Response {
    pages::message(
        StatusCode::BAD_REQUEST,
        Tone::Error,
        "This link cannot be used",
        text,
        None,
    )
}

fn failed_page() -> Response {
    pages::message(
        StatusCode::INTERNAL_SERVER_ERROR,
        Tone::Error,
        "Something went wrong",
        "The connection could not be completed. Please try again from the app.",
        None,
    )
}
