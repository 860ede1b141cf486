//! Dialpad's OAuth 2.0 server: the authorization code flow with PKCE
//! (`GET /oauth2/authorize`, an optional consent page), the token endpoint with
//! rotating refresh tokens (`POST /oauth2/token`) and revocation
//! (`POST /oauth2/deauthorize`). Tokens live in [`crate::auth::AuthStore`], where the
//! `Caller` extractor finds them.
//!
//! What Dialpad documents is followed as written; where it is silent, the sandbox
//! makes these choices (the gateway must not depend on them being exactly right):
//!
//! - **Redirect URIs** are compared as exact strings with the app's registered list.
//!   An app with no registered URIs (the seeded default app) accepts any loopback URI
//!   (`http://127.0.0.1[:port]`, `http://localhost[:port]`, `http://[::1][:port]`, any
//!   port and path, no fragment), as RFC 8252 asks of native apps. An unknown
//!   `client_id` or an unaccepted `redirect_uri` gets a 400 HTML error page, never a
//!   redirect (no open redirector). Query parameters of the redirect URI are kept as
//!   they are and `code`/`state` (or `error`/`error_description`/`state`) appended.
//! - **Other authorization errors** redirect back with RFC 6749 §4.1.2.1 codes:
//!   `invalid_request` (repeated parameter, malformed PKCE: a challenge must be 43-128
//!   characters of `[A-Za-z0-9-._~]`, method `S256` or `plain`, default `plain`),
//!   `unsupported_response_type` (`response_type` other than `code`; a missing one
//!   means `code`, as the spec marks it optional), `invalid_scope`, `access_denied`
//!   (Deny on the consent page, or an authorizing user who is not active) and
//!   `consent_required` (`prompt=none` for an app that needs consent).
//! - **Scopes**: no scope means Dialpad's basic access. Known scopes are listed in
//!   [`SCOPES`] (the spec's operation scopes plus those of Dialpad's OAuth guide);
//!   any other is `invalid_scope`.
//! - **Who authorizes** (there is no login): the sandbox extension query parameter
//!   `sandbox_user_id` (an active user of any company), else `sandbox_company_id`
//!   (its first active admin), else the first active admin of the company with the
//!   lowest id. Both given and disagreeing is `invalid_request`.
//! - **Consent**: approved at once, unless the app was registered with
//!   `consent: true` or the request says `prompt=consent`; then an HTML page names the
//!   app, the user and the scopes, and posts Allow or Deny to
//!   `POST /oauth2/authorize/decision` with only a random, single-use request id
//!   (valid 10 minutes); the parameters stay on the server. The decision answers 303.
//! - **Codes** are random, single use and live 10 minutes. Exchanging one consumes
//!   it even when the exchange fails (wrong client, `redirect_uri` or PKCE verifier).
//!   A code presented again within its 10 minutes revokes every token issued from
//!   it, including those obtained since by refreshing (RFC 6749 §4.1.2).
//!   `redirect_uri` at the token endpoint is optional but must match when given. A
//!   `code_verifier` is required when a challenge was sent (S256 compared in constant
//!   time) and refused when none was (OAuth 2.1, against PKCE downgrade).
//! - **Token endpoint**: form-encoded or JSON bodies (by `Content-Type`, anything else
//!   is 400); client credentials in the body or HTTP Basic (RFC 6749 §2.3.1,
//!   form-decoded, raw values also accepted); both given and different is
//!   `invalid_client`. A client secret is always required (Dialpad apps are
//!   confidential). Errors use RFC 6749's JSON shape `{"error", "error_description"}`
//!   (400; 401 with `WWW-Authenticate` for `invalid_client`), which OAuth client
//!   libraries parse, not Dialpad's API envelope. Every answer has
//!   `Cache-Control: no-store`.
//! - **Token response**: `{access_token, token_type: "bearer", expires_in,
//!   refresh_token, id_token}`, always with a refresh token (no `offline_access`
//!   needed). `expires_in` is the sandbox's token TTL (default 1 hour). The
//!   `id_token` is a JWT signed HS256 with the client secret, claims `iss` (the
//!   sandbox URL), `sub` (user id), `aud` (client id), `iat`, `exp`, `company_id`
//!   (ids as strings, as Dialpad serialises them).
//! - **Refresh tokens** do not expire and rotate: each use replaces the pair, and the
//!   used one stops working at once (of concurrent uses, exactly one wins; a lost race
//!   revokes nothing). Access tokens issued earlier stay valid until they expire.
//!   `scope` may narrow the new access token's scopes. A user who is no longer active
//!   cannot refresh (`invalid_grant`).
//! - **Deauthorize** revokes the bearer token, its refresh token, and every token of
//!   the same authorization (not other authorizations of the same user and app):
//!   204; an unknown token is 401 in Dialpad's envelope.
//! - Expired codes, consent requests and tokens (an hour past expiry) are swept
//!   lazily.

mod authorize;
mod html;
mod id_token;
mod pkce;
mod store;
mod token;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::state::AppState;

pub use store::Grants;

/// The scopes an app may ask for, with what the consent page says of each.
pub const SCOPES: &[(&str, &str)] = &[
    ("agent_groups:read", "Read agent groups"),
    ("ai_recap", "Read Ai Recaps of calls"),
    ("calls:list", "List the company's calls"),
    ("change_log", "Receive the company's change-log events"),
    ("conference:all", "Manage conference rooms and meetings"),
    ("conference:read", "Read conference rooms and meetings"),
    ("digital_sessions", "Access digital (chat) sessions"),
    ("fax_message", "Send and read fax messages"),
    (
        "message_content_export",
        "Export the content of your SMS messages",
    ),
    (
        "message_content_export:all",
        "Export the content of the company's SMS messages",
    ),
    ("offline_access", "Keep access while you are away"),
    (
        "recordings_export",
        "Publish recording links in call events",
    ),
    ("screen_pop", "Use the screen pop API"),
    ("sms", "Send SMS messages"),
];

/// How long codes and consent requests live.
const CODE_TTL: Duration = Duration::from_secs(600);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth2/authorize", get(authorize::authorize))
        .route("/oauth2/authorize/decision", post(authorize::decision))
        .route("/oauth2/token", post(token::token))
        .route("/oauth2/deauthorize", post(token::deauthorize))
}

/// An error of the token endpoint, in RFC 6749 §5.2's JSON shape.
#[derive(Debug, Clone)]
pub(crate) struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        let status = if error == "invalid_client" {
            StatusCode::UNAUTHORIZED
        } else if error == "server_error" {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::BAD_REQUEST
        };
        Self {
            status,
            error,
            description: description.into(),
        }
    }

    fn invalid_request(description: impl Into<String>) -> Self {
        Self::new("invalid_request", description)
    }

    fn invalid_client(description: impl Into<String>) -> Self {
        Self::new("invalid_client", description)
    }

    fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new("invalid_grant", description)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.error, "error_description": self.description});
        let mut response = (self.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Dialpad\""),
            );
        }
        response
    }
}

/// Request parameters (a query string, a form or a JSON object), where an empty
/// value counts as absent (RFC 6749 §3.1) and repeats are remembered, not merged.
#[derive(Default)]
struct Params {
    values: HashMap<String, String>,
    repeated: Vec<String>,
}

/// Parameters whose values are credentials or grants, shown as `***` by `Debug`.
const SECRET_PARAMS: &[&str] = &[
    "client_secret",
    "code",
    "code_verifier",
    "refresh_token",
    "access_token",
    "token",
];

impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.values.keys().collect();
        names.sort();
        let mut map = f.debug_map();
        for name in names {
            let value = if SECRET_PARAMS.contains(&name.as_str()) {
                "***"
            } else {
                self.values[name].as_str()
            };
            map.entry(name, &value);
        }
        map.finish()?;
        if !self.repeated.is_empty() {
            write!(f, " repeated {:?}", self.repeated)?;
        }
        Ok(())
    }
}

impl Params {
    fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut params = Self::default();
        for (name, value) in pairs {
            if value.is_empty() {
                continue;
            }
            match params.values.entry(name) {
                Entry::Occupied(slot) => {
                    if !params.repeated.contains(slot.key()) {
                        params.repeated.push(slot.key().clone());
                    }
                }
                Entry::Vacant(slot) => {
                    slot.insert(value);
                }
            }
        }
        params
    }

    fn from_form(raw: &[u8]) -> Self {
        Self::from_pairs(
            url::form_urlencoded::parse(raw).map(|(k, v)| (k.into_owned(), v.into_owned())),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    fn is_repeated(&self, name: &str) -> bool {
        self.repeated.iter().any(|n| n == name)
    }
}

/// Splits a space-separated scope list and checks every scope is known.
fn parse_scopes(raw: Option<&str>) -> Result<Vec<String>, String> {
    let mut scopes: Vec<String> = Vec::new();
    for scope in raw.unwrap_or_default().split(' ').filter(|s| !s.is_empty()) {
        if !SCOPES.iter().any(|(known, _)| *known == scope) {
            return Err(format!("unknown scope {scope:?}"));
        }
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_owned());
        }
    }
    Ok(scopes)
}
