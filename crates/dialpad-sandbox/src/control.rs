//! The sandbox's own control API under `/_sandbox/` (not Dialpad's): reset and
//! reseed, register OAuth apps and API keys, inject faults, expire tokens, change
//! settings, read counters. Unauthenticated: the sandbox binds to loopback.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::DpJson;
use crate::auth::{ApiKey, OAuthApp};
use crate::error::{ApiError, ApiResult};
use crate::faults::FaultRule;
use crate::state::AppState;
use crate::{events, ready_info};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ping", get(|| async { "ok" }))
        .route("/echo/{*path}", axum::routing::any(crate::probe::echo))
        .route("/bytes/{n}", get(crate::probe::bytes))
        .route("/info", get(info))
        .route("/companies", get(companies))
        .route("/reset", post(reset))
        .route("/apps", post(register_app))
        .route("/api-keys", post(create_api_key))
        .route(
            "/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/tokens/expire", post(expire_tokens))
        .route("/counters", get(counters).delete(clear_counters))
        .route("/settings", axum::routing::patch(settings))
        .merge(events::control_routes())
}

async fn info(State(state): State<AppState>) -> Json<Value> {
    Json(json!(ready_info(&state)))
}

/// What each company holds, so tests can compare a client's view with the seed.
async fn companies(State(state): State<AppState>) -> Json<Value> {
    let world = state.world.read();
    let companies: Vec<Value> = world
        .companies
        .values()
        .map(|c| {
            let shared = c.contacts.values().filter(|x| x.kind == "shared").count();
            let deleted = c.users.values().filter(|u| u.is_deleted()).count();
            json!({
                "company_id": c.id().to_string(),
                "name": c.proto.name,
                "offices": c.offices.len(),
                "users": c.users.len() - deleted,
                "deleted_users": deleted,
                "call_centers": c.call_centers.len(),
                "shared_contacts": shared,
                "local_contacts": c.contacts.len() - shared,
                "calls": c.calls.len(),
                "live_calls": c.live_calls.len(),
            })
        })
        .collect();
    Json(json!({ "companies": companies }))
}

#[derive(Debug, Default, Deserialize)]
struct ResetBody {
    seed: Option<u64>,
    size: Option<u32>,
}

async fn reset(State(state): State<AppState>, body: axum::body::Bytes) -> ApiResult<Json<Value>> {
    let body = optional_json::<ResetBody>(&body)?;
    if body.size.is_some_and(|s| s > 1_000_000) {
        // Reseeding holds the data lock; refuse what would stall the server for long.
        return Err(ApiError::bad_request("size must be at most 1000000"));
    }
    state.reset(body.seed, body.size);
    Ok(Json(json!(ready_info(&state))))
}

#[derive(Deserialize)]
struct AppBody {
    #[serde(default)]
    name: Option<String>,
    redirect_uris: Vec<String>,
    #[serde(default)]
    consent: bool,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    client_secret: Option<String>,
}

/// The client secret never reaches a log line.
impl std::fmt::Debug for AppBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppBody")
            .field("name", &self.name)
            .field("redirect_uris", &self.redirect_uris)
            .field("consent", &self.consent)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "***"))
            .finish()
    }
}

async fn register_app(
    State(state): State<AppState>,
    DpJson(body): DpJson<AppBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    for uri in &body.redirect_uris {
        let parsed = url::Url::parse(uri)
            .map_err(|_| ApiError::bad_request(format!("invalid redirect uri {uri:?}")))?;
        if parsed.fragment().is_some() {
            return Err(ApiError::bad_request(
                "redirect uris must not have a fragment",
            ));
        }
    }
    let app = OAuthApp {
        client_id: body
            .client_id
            .unwrap_or_else(|| AppState::random_token("dpclient_")),
        client_secret: body
            .client_secret
            .unwrap_or_else(|| AppState::random_token("dpsecret_")),
        name: body.name.unwrap_or_else(|| "Registered app".into()),
        redirect_uris: body.redirect_uris,
        consent: body.consent,
    };
    let answer = json!({
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "name": app.name,
        "redirect_uris": app.redirect_uris,
        "consent": app.consent,
    });
    state.register_app(app);
    Ok((StatusCode::CREATED, Json(answer)))
}

#[derive(Debug, Default, Deserialize)]
struct KeyBody {
    #[serde(default, deserialize_with = "crate::ids::de_opt_i64")]
    company_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::ids::de_opt_i64")]
    user_id: Option<i64>,
}

async fn create_api_key(
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let body = optional_json::<KeyBody>(&body)?;
    let (company_id, user_id) = {
        let world = state.world.read();
        let company = match body.company_id {
            Some(id) => world
                .company(id)
                .ok_or_else(|| ApiError::not_found("company"))?,
            None => world
                .companies
                .values()
                .next()
                .ok_or_else(|| ApiError::not_found("company"))?,
        };
        let user = match body.user_id {
            Some(id) => company
                .users
                .get(&id)
                .ok_or_else(|| ApiError::not_found("user"))?,
            None => company
                .admin()
                .ok_or_else(|| ApiError::not_found("admin user"))?,
        };
        (company.id(), user.id)
    };
    let key = AppState::random_token("dpsbx_");
    state.register_api_key(
        key.clone(),
        ApiKey {
            company_id,
            user_id,
        },
    );
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "api_key": key,
            "company_id": company_id.to_string(),
            "user_id": user_id.to_string(),
        })),
    ))
}

async fn list_faults(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "faults": state.faults.list() }))
}

async fn add_fault(
    State(state): State<AppState>,
    DpJson(mut rule): DpJson<FaultRule>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    rule.validate().map_err(ApiError::bad_request)?;
    let answer = json!(rule);
    state.faults.add(rule);
    Ok((StatusCode::CREATED, Json(answer)))
}

async fn clear_faults(State(state): State<AppState>) -> StatusCode {
    state.faults.clear();
    StatusCode::NO_CONTENT
}

async fn expire_tokens(State(state): State<AppState>) -> Json<Value> {
    let expired = state.auth.write().expire_all_tokens();
    Json(json!({ "expired": expired }))
}

async fn counters(State(state): State<AppState>) -> Json<Value> {
    Json(json!(state.counters.snapshot()))
}

async fn clear_counters(State(state): State<AppState>) -> StatusCode {
    state.counters.clear();
    StatusCode::NO_CONTENT
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsBody {
    rate_limits: Option<bool>,
    token_ttl_secs: Option<u64>,
    call_step_ms: Option<u64>,
}

async fn settings(
    State(state): State<AppState>,
    DpJson(body): DpJson<SettingsBody>,
) -> Json<Value> {
    if let Some(on) = body.rate_limits {
        state.set_rate_limits(on);
    }
    if let Some(secs) = body.token_ttl_secs {
        state.set_token_ttl(Duration::from_secs(secs));
    }
    if let Some(ms) = body.call_step_ms {
        state.set_call_step(Duration::from_millis(ms));
    }
    Json(json!({
        "rate_limits": state.rate_limits_enabled(),
        "token_ttl_secs": state.token_ttl().as_secs(),
        "call_step_ms": state.call_step().as_millis() as u64,
    }))
}

/// A JSON body that may be left out entirely.
fn optional_json<T: Default + serde::de::DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::AppBody;

    #[test]
    fn app_body_debug_hides_the_client_secret() {
        let body: AppBody = serde_json::from_value(serde_json::json!({
            "redirect_uris": [], "client_id": "app", "client_secret": "s3cret-value"
        }))
        .unwrap();
        let shown = format!("{body:?}");
        assert!(
            !shown.contains("s3cret-value") && shown.contains("app"),
            "{shown}"
        );
    }
}
