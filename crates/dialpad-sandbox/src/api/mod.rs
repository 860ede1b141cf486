//! Dialpad's API v2 resources that the sandbox serves, one module per family.

mod callcenters;
mod calls;
mod contacts;
mod offices;
pub mod served;
mod users;

use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::events::{self, ChangeLogEntry, Event};
use crate::state::AppState;
use crate::world::{Company, World};

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(users::routes())
        .merge(contacts::routes())
        .merge(offices::routes())
        .merge(callcenters::routes())
        .merge(calls::routes())
        .method_not_allowed_fallback(method_not_allowed)
}

/// A known path with a method it does not serve: 405, in the envelope like every
/// other error (axum's default is an empty body).
async fn method_not_allowed(method: axum::http::Method, uri: Uri) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "methodNotAllowed",
        format!("{method} is not allowed on {}", uri.path()),
    )
}

/// Unknown paths answer 404 in Dialpad's envelope.
pub async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found(&format!("path {}", uri.path()))
}

/// JSON body whose rejection is Dialpad's 400 envelope, as Dialpad answers malformed
/// input.
#[derive(Debug, Clone, Copy, Default)]
pub struct DpJson<T>(pub T);

impl<T, S> FromRequest<S> for DpJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::bad_request(
                "expected a JSON body (application/json)",
            )),
            // The body limit (axum's default, 2 MB) answers 413, as Dialpad does.
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(too_large()),
            Err(e) => Err(ApiError::bad_request(e.body_text())),
        }
    }
}

/// 413 in Dialpad's envelope, for a body over the size limit.
pub(crate) fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "requestEntityTooLarge",
        "request_entity_too_large",
    )
}

/// A JSON answer serialised straight from borrowed data, so a handler can answer
/// under the world's read lock without cloning the records first.
pub(crate) fn json_response<T: Serialize + ?Sized>(value: &T) -> ApiResult<Response> {
    let body = serde_json::to_vec(value)
        .map_err(|e| ApiError::internal(format!("cannot serialise the answer: {e}")))?;
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

/// Queues a change-log event for a change the caller just made, while the caller
/// still holds the world's write guard (`world`), so events of concurrent changes
/// are queued, and dated, in the order the changes happened.
pub(crate) fn changelog(
    world: &World,
    state: &AppState,
    caller: &Caller,
    action: &str,
    target: (&'static str, i64),
    name: &str,
    additional_data: Value,
) {
    events::emit_locked(
        world,
        state,
        caller.company_id,
        Event::ChangeLog(ChangeLogEntry {
            action: action.into(),
            note: format!("{} {name}", action.replace('_', " ")),
            target_type: target.0,
            target_id: target.1,
            changed_by: caller.user_id,
            additional_data,
        }),
    );
}

/// The caller's company (always present: credentials point at seeded companies).
pub(crate) fn company(world: &World, id: i64) -> Result<&Company, ApiError> {
    world
        .company(id)
        .ok_or_else(|| ApiError::not_found("company"))
}

pub(crate) fn company_mut(world: &mut World, id: i64) -> Result<&mut Company, ApiError> {
    world
        .company_mut(id)
        .ok_or_else(|| ApiError::not_found("company"))
}

/// Parses an int64 path id; Dialpad answers 400 for a malformed one... and 404 when
/// it names nothing.
pub(crate) fn path_id(raw: &str, what: &str) -> Result<i64, ApiError> {
    crate::ids::parse_id(raw).ok_or_else(|| ApiError::bad_request(format!("invalid {what} id")))
}

/// Trims and refuses blank required strings.
pub(crate) fn required(value: Option<String>, field: &str) -> Result<String, ApiError> {
    value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::bad_request(format!("{field} is required")))
}

/// E.164 check used on numbers written through the API.
pub(crate) fn check_e164(number: &str) -> Result<(), ApiError> {
    let digits = number.strip_prefix('+').unwrap_or("");
    let ok = (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "invalid phone number {number:?}: expected E.164"
        )))
    }
}

/// Minimal email check used on addresses written through the API.
pub(crate) fn check_email(email: &str) -> Result<(), ApiError> {
    let ok = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!("invalid email {email:?}")))
    }
}

/// Query string whose rejection is Dialpad's 400 envelope.
#[derive(Debug, Clone, Copy, Default)]
pub struct DpQuery<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for DpQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(Self)
            .map_err(|e| ApiError::bad_request(format!("invalid query: {e}")))
    }
}
