//! `POST /oauth2/token` (authorization code and refresh token grants) and
//! `POST /oauth2/deauthorize`.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use serde::Serialize;
use serde_json::Value;
use subtle::ConstantTimeEq as _;

use crate::auth::{OAuthApp, credential};
use crate::error::ApiError;
use crate::state::AppState;

use super::id_token::{self, Claims};
use super::store::{self, Exchange, Issued};
use super::{OAuthError, Params, parse_scopes};

/// Carries live credentials: no `Debug`.
#[derive(Serialize)]
struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    refresh_token: String,
    id_token: String,
}

pub(super) async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match grant(&state, &headers, &body) {
        Ok(answer) => {
            let mut response = axum::Json(answer).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            response
        }
        Err(e) => e.into_response(),
    }
}

fn grant(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<TokenResponse, OAuthError> {
    let params = read_body(headers, body)?;
    if let Some(name) = params.repeated.first() {
        return Err(OAuthError::invalid_request(format!(
            "parameter {name} is repeated"
        )));
    }
    let app = authenticate(state, headers, &params)?;
    let ttl = state.token_ttl();
    let now = Instant::now();
    let (grant_type, issued) = match params.get("grant_type") {
        None => return Err(OAuthError::invalid_request("grant_type is required")),
        Some("authorization_code") => {
            let code = params
                .get("code")
                .ok_or_else(|| OAuthError::invalid_request("code is required"))?;
            let exchange = Exchange {
                code,
                client_id: &app.client_id,
                redirect_uri: params.get("redirect_uri"),
                verifier: params.get("code_verifier"),
            };
            let mut auth = state.auth.write();
            store::sweep(&mut auth, now);
            (
                "authorization_code",
                store::redeem_code(&mut auth, exchange, ttl, now)?,
            )
        }
        Some("refresh_token") => ("refresh_token", refresh(state, &app, &params, now)?),
        Some(other) => {
            return Err(OAuthError::new(
                "unsupported_grant_type",
                format!("grant_type {other:?} is not supported"),
            ));
        }
    };
    state.counters.grant(grant_type);
    answer(state, &app, issued)
}

fn refresh(
    state: &AppState,
    app: &OAuthApp,
    params: &Params,
    now: Instant,
) -> Result<Issued, OAuthError> {
    let refresh = params
        .get("refresh_token")
        .ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
    let scopes = match params.get("scope") {
        Some(raw) => {
            Some(parse_scopes(Some(raw)).map_err(|m| OAuthError::new("invalid_scope", m))?)
        }
        None => None,
    };
    // The user must still be active; checked before the atomic rotation so that the
    // world and auth locks are never held together.
    let owner = store::refresh_owner(&state.auth.read(), refresh, &app.client_id);
    if let Some((company_id, user_id)) = owner {
        let active = state
            .world
            .read()
            .company(company_id)
            .and_then(|c| c.users.get(&user_id))
            .is_some_and(|u| u.state == "active");
        if !active {
            return Err(OAuthError::invalid_grant("the user is no longer active"));
        }
    }
    let mut auth = state.auth.write();
    store::sweep(&mut auth, now);
    store::rotate_refresh(
        &mut auth,
        refresh,
        &app.client_id,
        scopes,
        state.token_ttl(),
        now,
    )
}

fn answer(state: &AppState, app: &OAuthApp, issued: Issued) -> Result<TokenResponse, OAuthError> {
    let ttl_secs = state.token_ttl().as_secs();
    let issuer = state.base_url();
    let id_token = id_token::sign(
        Claims {
            issuer: &issuer,
            user_id: issued.user_id,
            company_id: issued.company_id,
            client_id: &app.client_id,
            ttl_secs,
        },
        &app.client_secret,
    )
    .map_err(|e| OAuthError::new("server_error", format!("cannot sign the id_token: {e}")))?;
    Ok(TokenResponse {
        access_token: issued.access_token,
        token_type: "bearer",
        expires_in: ttl_secs,
        refresh_token: issued.refresh_token,
        id_token,
    })
}

/// Parses a form-encoded or JSON body, as its `Content-Type` says.
fn read_body(headers: &HeaderMap, body: &[u8]) -> Result<Params, OAuthError> {
    let mime = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match mime.as_str() {
        "application/x-www-form-urlencoded" => Ok(Params::from_form(body)),
        "application/json" => {
            let object: serde_json::Map<String, Value> = serde_json::from_slice(body)
                .map_err(|e| OAuthError::invalid_request(format!("invalid JSON body: {e}")))?;
            let mut pairs = Vec::with_capacity(object.len());
            for (name, value) in object {
                let value = match value {
                    Value::Null => continue,
                    Value::String(s) => s,
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    Value::Array(_) | Value::Object(_) => {
                        return Err(OAuthError::invalid_request(format!(
                            "{name} must be a string"
                        )));
                    }
                };
                pairs.push((name, value));
            }
            Ok(Params::from_pairs(pairs))
        }
        _ => Err(OAuthError::invalid_request(
            "Content-Type must be application/x-www-form-urlencoded or application/json",
        )),
    }
}

/// Authenticates the client from HTTP Basic or the body (RFC 6749 §2.3.1).
fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<OAuthApp, OAuthError> {
    let body_id = params.get("client_id");
    let body_secret = params.get("client_secret");
    let candidates = match basic_credentials(headers)? {
        Some(candidates) => {
            let id_differs = body_id.is_some_and(|b| !candidates.iter().any(|(id, _)| id == b));
            let secret_differs =
                body_secret.is_some_and(|b| !candidates.iter().any(|(_, s)| s == b));
            if id_differs || secret_differs {
                return Err(OAuthError::invalid_client(
                    "client credentials in the Authorization header and the body differ",
                ));
            }
            candidates
        }
        None => match (body_id, body_secret) {
            (Some(id), Some(secret)) => vec![(id.to_owned(), secret.to_owned())],
            (Some(_), None) => return Err(OAuthError::invalid_client("client_secret is required")),
            (None, _) => {
                return Err(OAuthError::invalid_client(
                    "client authentication is required",
                ));
            }
        },
    };
    let auth = state.auth.read();
    for (id, secret) in &candidates {
        if let Some(app) = auth.apps.get(id)
            && bool::from(app.client_secret.as_bytes().ct_eq(secret.as_bytes()))
        {
            return Ok(app.clone());
        }
    }
    Err(OAuthError::invalid_client(
        "unknown client or wrong client secret",
    ))
}

/// `Authorization: Basic`: the form-decoded id and secret, then the raw ones when
/// they differ (many clients do not encode). `None` without a Basic header.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<Vec<(String, String)>>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || OAuthError::invalid_client("malformed Basic authorization header");
    let value = value.to_str().map_err(|_| malformed())?;
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let encoded = encoded.trim();
    let bytes = STANDARD
        .decode(encoded)
        .or_else(|_| STANDARD_NO_PAD.decode(encoded))
        .map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    let (id, secret) = text.split_once(':').ok_or_else(malformed)?;
    let raw = (id.to_owned(), secret.to_owned());
    let mut candidates = Vec::with_capacity(2);
    if let (Some(id), Some(secret)) = (form_decode(id), form_decode(secret)) {
        candidates.push((id, secret));
    }
    if !candidates.contains(&raw) {
        candidates.push(raw);
    }
    Ok(Some(candidates))
}

/// `application/x-www-form-urlencoded` decoding of one value; `None` if malformed.
fn form_decode(raw: &str) -> Option<String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = char::from(bytes.next()?).to_digit(16)?;
                let lo = char::from(bytes.next()?).to_digit(16)?;
                out.push(u8::try_from(hi * 16 + lo).ok()?);
            }
            _ => out.push(b),
        }
    }
    String::from_utf8(out).ok()
}

/// Revokes the bearer access token and its authorization's other tokens.
pub(super) async fn deauthorize(
    State(state): State<AppState>,
    request: Request,
) -> Result<StatusCode, ApiError> {
    let (parts, _) = request.into_parts();
    let token = credential(&parts).ok_or_else(|| ApiError::unauthorized("missing access token"))?;
    let revoked = {
        let mut auth = state.auth.write();
        store::revoke_access(&mut auth, &token)
    };
    if revoked {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::unauthorized("invalid access token"))
    }
}

#[cfg(test)]
mod tests {
    use super::form_decode;

    #[test]
    fn form_decode_handles_plus_and_percent() {
        assert_eq!(form_decode("a+b%3Ac").as_deref(), Some("a b:c"));
        assert_eq!(form_decode("bad%zz"), None);
        assert_eq!(form_decode("trunc%4"), None);
    }
}
