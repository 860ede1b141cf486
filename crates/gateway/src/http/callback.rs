//! `GET /v1/oauth/callback`, Dialpad's redirect URI: the state is checked and consumed
//! (unknown, used, expired or altered: a page, no exchange), Dialpad's errors are shown and
//! reported to the redirect URL, and a code is exchanged with the PKCE verifier, the tokens
//! stored sealed, and the end user sent back with `status=authorized`.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use patchbay_core::OAuthError;
use serde::Deserialize;
use url::Url;

use super::oauth::DONE_PATH;
use super::pages::{self, Tone};
use super::settings::allowed_redirect;
use crate::app::AppState;
use crate::store::{Credentials, StateRefusal};

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
    // Whose account the grant opens (Dialpad's rate limits are per company). Not knowing
    // it only makes the limiter count this connection on its own.
    let account_id = match connector.verify(&credentials.credential()).await {
        Ok(account) => account.account_id,
        Err(e) => {
            tracing::warn!(connection = %connection.id, error = %e, "cannot read the authorized account");
            None
        }
    };
    if let Err(e) = state
        .store
        .authorize_with(&connection.id, &credentials, account_id.as_deref())
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
