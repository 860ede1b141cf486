//! `/api/v2/webhooks`: where a company's events go. A webhook with a secret gets
//! HS256 JWTs, one without gets plain JSON. Deleting a webhook deletes the
//! subscriptions that point at it.

use std::ops::Bound;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::api::{DpJson, DpQuery, company, company_mut, path_id, required};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::ids::ser_i64;
use crate::page::{self, Page};
use crate::state::AppState;
use crate::world::Webhook;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/webhooks", get(list).post(create))
        .route(
            "/api/v2/webhooks/{id}",
            get(retrieve).patch(update).delete(remove),
        )
}

/// `protos.webhook.WebhookProto` (carries the secret: no `Debug`).
#[derive(Clone, Serialize)]
pub(super) struct WebhookProto {
    hook_url: String,
    #[serde(serialize_with = "ser_i64")]
    id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature: Option<SignatureProto>,
}

/// `protos.signature.SignatureProto`.
#[derive(Clone, Serialize)]
struct SignatureProto {
    algo: &'static str,
    secret: String,
    #[serde(rename = "type")]
    kind: &'static str,
}

impl From<&Webhook> for WebhookProto {
    fn from(w: &Webhook) -> Self {
        Self {
            hook_url: w.hook_url.clone(),
            id: w.id,
            signature: w.secret.as_ref().map(|secret| SignatureProto {
                algo: "HS256",
                secret: secret.clone(),
                kind: "jwt",
            }),
        }
    }
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    cursor: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    DpQuery(q): DpQuery<ListQuery>,
) -> ApiResult<Json<Page<WebhookProto>>> {
    let after = match &q.cursor {
        Some(c) => Bound::Excluded(path_id(&page::decode("webhooks", c)?, "cursor")?),
        None => Bound::Unbounded,
    };
    let world = state.world.read();
    let items = company(&world, caller.company_id)?
        .webhooks
        .range((after, Bound::Unbounded))
        .map(|(_, w)| WebhookProto::from(w));
    Ok(Json(page::take(
        items,
        state.config.page_size,
        "webhooks",
        |w: &WebhookProto| w.id.to_string(),
    )))
}

async fn retrieve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<WebhookProto>> {
    let id = path_id(&id, "webhook")?;
    let world = state.world.read();
    company(&world, caller.company_id)?
        .webhooks
        .get(&id)
        .map(|w| Json(WebhookProto::from(w)))
        .ok_or_else(|| ApiError::not_found("webhook"))
}

/// `protos.webhook.CreateWebhook` / `UpdateWebhook`.
#[derive(Debug, Deserialize)]
struct WebhookBody {
    hook_url: Option<String>,
    secret: Option<String>,
}

/// An absolute `http` URL with a host. Dialpad takes `https` too, but the sandbox
/// has no TLS client: an `https` hook would fail every delivery without a word, so
/// it is refused up front.
fn check_hook_url(raw: &str) -> ApiResult<String> {
    let raw = raw.trim();
    let bad = || {
        ApiError::bad_request(format!(
            "invalid hook_url {raw:?}: expected an absolute http URL"
        ))
    };
    let url = url::Url::parse(raw).map_err(|_| bad())?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad());
    }
    match url.scheme() {
        "http" => Ok(raw.to_owned()),
        "https" => Err(ApiError::bad_request(
            "https hook_url is not supported: the sandbox delivers events over plain \
             http only (use an http:// URL, e.g. a local receiver)",
        )),
        _ => Err(bad()),
    }
}

/// An empty secret means none; secrets are single-line.
fn check_secret(secret: String) -> ApiResult<Option<String>> {
    if secret.contains(['\n', '\r']) {
        return Err(ApiError::bad_request("secret must be a single line"));
    }
    Ok(Some(secret).filter(|s| !s.is_empty()))
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    DpJson(body): DpJson<WebhookBody>,
) -> ApiResult<Json<WebhookProto>> {
    let hook_url = check_hook_url(&required(body.hook_url, "hook_url")?)?;
    let secret = match body.secret {
        Some(s) => check_secret(s)?,
        None => None,
    };
    let mut world = state.world.write();
    let id = world.next_id();
    let company = company_mut(&mut world, caller.company_id)?;
    let webhook = Webhook {
        id,
        hook_url,
        secret,
    };
    let proto = WebhookProto::from(&webhook);
    company.webhooks.insert(id, webhook);
    Ok(Json(proto))
}

/// Changes the URL and/or the secret (`""` removes the secret).
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    DpJson(body): DpJson<WebhookBody>,
) -> ApiResult<Json<WebhookProto>> {
    let id = path_id(&id, "webhook")?;
    let hook_url = body.hook_url.as_deref().map(check_hook_url).transpose()?;
    let secret = body.secret.map(check_secret).transpose()?;
    let mut world = state.world.write();
    let webhook = company_mut(&mut world, caller.company_id)?
        .webhooks
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found("webhook"))?;
    if let Some(url) = hook_url {
        webhook.hook_url = url;
    }
    if let Some(secret) = secret {
        webhook.secret = secret;
    }
    Ok(Json(WebhookProto::from(&*webhook)))
}

async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<WebhookProto>> {
    let id = path_id(&id, "webhook")?;
    let mut world = state.world.write();
    let company = company_mut(&mut world, caller.company_id)?;
    let webhook = company
        .webhooks
        .remove(&id)
        .ok_or_else(|| ApiError::not_found("webhook"))?;
    company.subscriptions.retain(|_, s| s.webhook_id != id);
    Ok(Json(WebhookProto::from(&webhook)))
}
