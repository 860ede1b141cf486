//! Who is calling: API keys (`Authorization: Bearer` or `?apikey=`) and OAuth access
//! tokens, the OAuth apps and grants behind them, and the `Caller` extractor that
//! authenticates a request, refuses credentials of users who can no longer act,
//! enforces "Requires a company admin API key" from the route table
//! ([`crate::api::served`]), and charges the request to its company's rate limits.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, MatchedPath};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::api::served;
use crate::error::ApiError;
use crate::state::AppState;
use crate::world::World;

/// A registered OAuth app.
#[derive(Clone)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: String,
    pub name: String,
    pub redirect_uris: Vec<String>,
    /// Show a consent page with an Allow button instead of approving at once.
    pub consent: bool,
}

/// An API key (company-level; acts as the company admin who made it).
#[derive(Debug, Clone)]
pub struct ApiKey {
    pub company_id: i64,
    pub user_id: i64,
}

/// A live OAuth access token.
#[derive(Clone)]
pub struct AccessToken {
    pub company_id: i64,
    pub user_id: i64,
    pub client_id: String,
    pub scopes: Arc<[String]>,
    pub expires_at: Instant,
    /// The refresh token issued with it, revoked together by `/oauth2/deauthorize`.
    pub refresh_token: Option<String>,
}

/// A refresh token; single use (rotation): using it replaces it.
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub company_id: i64,
    pub user_id: i64,
    pub client_id: String,
    pub scopes: Arc<[String]>,
}

/// An authorization code waiting to be exchanged.
#[derive(Debug, Clone)]
pub struct AuthCode {
    pub company_id: i64,
    pub user_id: i64,
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Arc<[String]>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub expires_at: Instant,
}

/// Every credential the sandbox knows.
#[derive(Default)]
pub struct AuthStore {
    pub apps: HashMap<String, OAuthApp>,
    pub api_keys: HashMap<String, ApiKey>,
    pub tokens: HashMap<String, AccessToken>,
    pub refresh_tokens: HashMap<String, RefreshGrant>,
    pub codes: HashMap<String, AuthCode>,
    /// The OAuth server's own bookkeeping (consent pages, used codes, token lineages).
    pub oauth: crate::oauth::Grants,
}

impl AuthStore {
    /// Makes every live access token expired at once (a `/_sandbox` fault); answers
    /// how many were live.
    pub fn expire_all_tokens(&mut self) -> usize {
        let past = Instant::now()
            .checked_sub(Duration::from_secs(1))
            .unwrap_or_else(Instant::now);
        let now = Instant::now();
        let mut expired = 0;
        for token in self.tokens.values_mut().filter(|t| t.expires_at > now) {
            token.expires_at = past;
            expired += 1;
        }
        expired
    }
}

/// The authenticated principal of an API request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub company_id: i64,
    pub user_id: i64,
    /// `None` for API keys, which may call everything.
    pub scopes: Option<Arc<[String]>>,
}

impl Caller {
    /// Refuses (401) a credential whose user no longer exists or is deleted,
    /// cancelled or suspended: the key or token stops working with its user.
    pub fn require_active(&self, world: &World) -> Result<(), ApiError> {
        let active = world
            .company(self.company_id)
            .and_then(|c| c.users.get(&self.user_id))
            .is_some_and(crate::world::User::can_authenticate);
        if active {
            Ok(())
        } else {
            Err(ApiError::unauthorized(
                "the user of this api key or access token is no longer active",
            ))
        }
    }

    /// "Requires a company admin API key": the key's user must be a company admin (a
    /// super admin). An OAuth token acts for the user who authorized it, so it passes
    /// when that user is a company admin (the operation's scope is checked besides).
    pub fn require_company_admin(&self, world: &World) -> Result<(), ApiError> {
        let admin = world
            .company(self.company_id)
            .and_then(|c| c.live_user(self.user_id))
            .is_some_and(|u| u.is_super_admin);
        if admin {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "this operation requires a company admin API key",
            ))
        }
    }

    /// Refuses an OAuth token that was not granted `scope` (API keys pass).
    pub fn require_scope(&self, scope: &str) -> Result<(), ApiError> {
        match &self.scopes {
            Some(scopes) if !scopes.iter().any(|s| s == scope) => Err(ApiError::forbidden(
                format!("the access token lacks the required scope {scope}"),
            )),
            _ => Ok(()),
        }
    }
}

/// Extracts the bearer token or `apikey` query parameter.
pub fn credential(parts: &Parts) -> Option<String> {
    if let Some(value) = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let mut it = value.splitn(2, ' ');
        let scheme = it.next().unwrap_or_default();
        if scheme.eq_ignore_ascii_case("bearer") {
            return it
                .next()
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty());
        }
    }
    let query = parts.uri.query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "apikey")
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(token) = credential(parts) else {
            return Err(ApiError::unauthorized("missing api key or access token"));
        };
        let caller = {
            let auth = state.auth.read();
            if let Some(key) = auth.api_keys.get(&token) {
                Caller {
                    company_id: key.company_id,
                    user_id: key.user_id,
                    scopes: None,
                }
            } else if let Some(t) = auth.tokens.get(&token) {
                if t.expires_at <= Instant::now() {
                    return Err(ApiError::unauthorized("access token expired"));
                }
                Caller {
                    company_id: t.company_id,
                    user_id: t.user_id,
                    scopes: Some(t.scopes.clone()),
                }
            } else {
                return Err(ApiError::unauthorized("invalid api key or access token"));
            }
        };
        let route = parts
            .extensions
            .get::<MatchedPath>()
            .and_then(|m| served::lookup(parts.method.as_str(), m.as_str()));
        {
            let world = state.world.read();
            caller.require_active(&world)?;
            if route.is_some_and(|r| r.company_admin) {
                caller.require_company_admin(&world)?;
            }
        }
        if state.rate_limits_enabled() {
            let template = route.map_or("(unmatched)", |r| r.template);
            state
                .limiter
                .check(caller.company_id, &parts.method, template)
                .map_err(|wait| ApiError::rate_limited(Some(wait.as_secs().max(1))))?;
        }
        Ok(caller)
    }
}

// Secrets (client secrets, tokens: the store's keys) never reach `Debug` output.

impl std::fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("name", &self.name)
            .field("redirect_uris", &self.redirect_uris)
            .field("consent", &self.consent)
            .finish()
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("company_id", &self.company_id)
            .field("user_id", &self.user_id)
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "***"))
            .finish()
    }
}

impl std::fmt::Debug for AuthStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthStore")
            .field("apps", &self.apps.len())
            .field("api_keys", &self.api_keys.len())
            .field("tokens", &self.tokens.len())
            .field("refresh_tokens", &self.refresh_tokens.len())
            .field("codes", &self.codes.len())
            .finish_non_exhaustive()
    }
}
