//! Extractors: the tenant a request authenticates as, the connection it selects by header,
//! and a JSON body whose rejection is our own error body (so malformed input is answered
//! like every other error).

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, header};
use patchbay_core::ErrorCode;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::app::AppState;
use crate::store::TenantId;
use crate::unified::target::Selector;

/// The authenticated tenant: `x-api-key` + `x-api-secret` (Morph's client), or
/// `Authorization: Bearer sk_…`. Missing keys are `UNAUTHENTICATED`, wrong or revoked ones
/// `INVALID_API_KEY`; both 401.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// The tenant.
    pub id: TenantId,
    /// The secret key used.
    pub key_id: String,
}

/// Header names looked up on every call: built once, not parsed from text at each look-up.
pub(crate) const X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");
pub(crate) const X_API_SECRET: HeaderName = HeaderName::from_static("x-api-secret");
pub(crate) const X_CONNECTOR_ID: HeaderName = HeaderName::from_static("x-connector-id");
pub(crate) const X_OWNER_ID: HeaderName = HeaderName::from_static("x-owner-id");

fn header_str<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Result<Option<&'a str>, ApiError> {
    headers
        .get(name)
        .map(|v| {
            v.to_str().map(str::trim).map_err(|_| {
                ApiError::new(
                    ErrorCode::BadRequest,
                    format!("the `{name}` header must be visible ASCII"),
                )
            })
        })
        .transpose()
}

/// The keys a request presents: the publishable key, if any, and the secret key (from
/// `x-api-secret`, or else a bearer token). None at all is `UNAUTHENTICATED`.
pub(crate) fn presented_keys(headers: &HeaderMap) -> Result<(Option<&str>, &str), ApiError> {
    let publishable = header_str(headers, &X_API_KEY)?.filter(|s| !s.is_empty());
    let secret = header_str(headers, &X_API_SECRET)?.filter(|s| !s.is_empty());
    let bearer = header_str(headers, &header::AUTHORIZATION)?
        .and_then(|v| {
            v.split_once(' ')
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim())
        })
        .filter(|s| !s.is_empty());
    match (secret, bearer) {
        (Some(secret), _) => Ok((publishable, secret)),
        (None, Some(token)) => Ok((publishable, token)),
        (None, None) => {
            let message = if publishable.is_some() {
                "`x-api-key` alone is a publishable key; add `x-api-secret` with a secret key (sk_…)"
            } else {
                "authenticate with `Authorization: Bearer sk_…`, or `x-api-key` and `x-api-secret`"
            };
            Err(ApiError::new(ErrorCode::Unauthenticated, message))
        }
    }
}

impl FromRequestParts<AppState> for Tenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let (publishable, secret) = presented_keys(&parts.headers)?;
        match state
            .auth
            .authenticate(publishable, secret)
            .await
            .map_err(ApiError::internal)?
        {
            Some(key) => {
                tracing::Span::current().record("tenant", tracing::field::display(&key.tenant_id));
                admit(state, &key.key_id)?;
                Ok(Tenant {
                    id: key.tenant_id,
                    key_id: key.key_id,
                })
            }
            None => Err(ApiError::new(
                ErrorCode::InvalidApiKey,
                "the API key is invalid or revoked",
            )),
        }
    }
}

/// The connection a resource call targets: `x-connector-id` and `x-owner-id`.
#[derive(Debug, Clone)]
pub struct ConnectionHeaders(pub Selector);

impl FromRequestParts<AppState> for ConnectionHeaders {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiError> {
        let connector = header_str(&parts.headers, &X_CONNECTOR_ID)?.filter(|s| !s.is_empty());
        let owner = header_str(&parts.headers, &X_OWNER_ID)?.filter(|s| !s.is_empty());
        match (connector, owner) {
            (Some(connector_id), Some(owner_id)) => Ok(Self(Selector::new(connector_id, owner_id))),
            _ => Err(ApiError::new(
                ErrorCode::BadRequest,
                "choose the connection with the `x-connector-id` and `x-owner-id` headers",
            )),
        }
    }
}

/// A JSON body; malformed, missing or non-JSON bodies get our error codes. Every body of the
/// API is an object: serde would read a struct from an array too (`[null, null]`), so anything
/// but an object is refused.
#[derive(Debug, Clone)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let (parts, body) = req.into_parts();
        let bytes =
            axum::body::Bytes::from_request(Request::from_parts(parts.clone(), body), state)
                .await
                .map_err(|e| bytes_rejection(&e))?;
        let req = Request::from_parts(parts, axum::body::Body::from(bytes.clone()));
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => {
                if is_object(&bytes) {
                    Ok(Self(value))
                } else {
                    Err(not_an_object())
                }
            }
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn is_object(bytes: &[u8]) -> bool {
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

fn not_an_object() -> ApiError {
    ApiError::new(
        ErrorCode::ValidationFailed,
        "the body must be a JSON object",
    )
}

fn bytes_rejection(e: &axum::extract::rejection::BytesRejection) -> ApiError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::code(ErrorCode::PayloadTooLarge)
    } else {
        ApiError::new(ErrorCode::BadRequest, e.body_text())
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the body as JSON with `Content-Type: application/json`",
        ),
        JsonRejection::JsonSyntaxError(e) => ApiError::new(
            ErrorCode::BadRequest,
            format!("the body is not valid JSON: {}", e.body_text()),
        ),
        JsonRejection::JsonDataError(e) => {
            ApiError::new(ErrorCode::ValidationFailed, e.body_text())
        }
        JsonRejection::BytesRejection(e)
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
        {
            ApiError::code(ErrorCode::PayloadTooLarge)
        }
        other => ApiError::new(ErrorCode::BadRequest, other.body_text()),
    }
}

/// An optional JSON body: empty means `T::default()`; anything else must be valid JSON.
#[derive(Debug, Clone)]
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let has_body = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_none_or(|len| len != "0");
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| bytes_rejection(&e))?;
        // No body, or `null` (the description's "optional"), is the default.
        if !has_body || bytes.iter().all(u8::is_ascii_whitespace) || bytes.trim_ascii() == b"null" {
            return Ok(Self(T::default()));
        }
        let value = serde_json::from_slice(&bytes).map(Self).map_err(|e| {
            let code = if e.is_data() {
                ErrorCode::ValidationFailed
            } else {
                ErrorCode::BadRequest
            };
            ApiError::new(code, format!("the body is not valid: {e}"))
        })?;
        if is_object(&bytes) {
            Ok(value)
        } else {
            Err(not_an_object())
        }
    }
}

/// Applies our own API's rate limit to `key` (a secret key's id, or a session's
/// connection): `RATE_LIMITED` with `Retry-After` when over it.
pub(crate) fn admit(state: &AppState, key: &str) -> Result<(), ApiError> {
    state.api_limiter.check(key).map_err(|wait| {
        ApiError::new(
            ErrorCode::RateLimited,
            "this key is over the gateway's request rate; retry after the `Retry-After` delay",
        )
        .with_retry_after(Some(wait.max(std::time::Duration::from_secs(1))))
    })
}
