//! `POST /v1/ingress/dialpad/{token}`: where Dialpad delivers a connection's events. The
//! token names the connection's hook; the body is an HS256 JWT signed with that hook's
//! secret. Anything unverifiable is a 401 with no side effect; a verified event is stored
//! (with its deliveries) before the 200 goes back.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use patchbay_core::ErrorCode;
use patchbay_dialpad::webhooks::{MAX_JWT_BYTES, verify_hs256};
use serde_json::{Value, json};

use super::error::{ApiError, ApiResult};
use crate::app::AppState;
use crate::webhooks::{ingest, reconcile};

/// The path this route is mounted at.
pub const PATH: &str = "/v1/ingress/dialpad/{token}";

fn refused() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidWebhookSignature,
        "the event's signature or ingress URL is not valid",
    )
}

/// Receives one Dialpad event (not for API clients; Dialpad calls it).
pub async fn dialpad(
    State(state): State<AppState>,
    Path(token): Path<String>,
    body: Bytes,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    if token.len() > 128 || body.len() > MAX_JWT_BYTES {
        return Err(refused());
    }
    let hash = ingest::token_hash(&token);
    let hook = match state.webhooks.hooks().get(&hash).await {
        Some(hook) => hook,
        None => {
            let hook = reconcile::hook_by_token(&state, &token)
                .await?
                .ok_or_else(refused)?;
            let hook = std::sync::Arc::new(hook);
            state.webhooks.hooks().insert(hash, hook.clone()).await;
            hook
        }
    };
    let claims = verify_hs256(&body, &hook.secret).map_err(|_| refused())?;
    let stored = ingest::ingest(&state, &hook, &claims).await?;
    Ok((
        StatusCode::OK,
        axum::Json(json!({"received": true, "stored": stored})),
    ))
}
