//! What the OAuth server keeps besides the credentials themselves: consent requests
//! awaiting a decision, exchanged codes (to catch replays), and which tokens descend
//! from which authorization (to revoke them together). Every function here runs under
//! the one `AuthStore` write lock, so each check-and-consume is atomic.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use url::Url;

use crate::auth::{AccessToken, AuthCode, AuthStore, RefreshGrant};
use crate::state::AppState;

use super::pkce::{self, Method};
use super::{CODE_TTL, OAuthError};

const SWEEP_EVERY: Duration = Duration::from_secs(30);
/// Expired access tokens linger this long, so they answer "expired", not "invalid".
const EXPIRED_GRACE: Duration = Duration::from_secs(3600);

#[derive(Default)]
pub struct Grants {
    /// Consent pages awaiting Allow or Deny, by request id.
    pending: HashMap<String, Pending>,
    /// Codes already exchanged, until they would have expired: code -> lineage.
    used_codes: HashMap<String, (u64, Instant)>,
    /// Every live token (access or refresh) of one authorization.
    lineages: HashMap<u64, Vec<String>>,
    lineage_of: HashMap<String, u64>,
    next_lineage: u64,
    last_sweep: Option<Instant>,
}

/// Its maps are keyed by live secrets (consent request ids, codes, tokens): `Debug`
/// shows only how many there are.
impl std::fmt::Debug for Grants {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grants")
            .field("pending", &self.pending.len())
            .field("used_codes", &self.used_codes.len())
            .field("lineages", &self.lineages.len())
            .field("next_lineage", &self.next_lineage)
            .finish_non_exhaustive()
    }
}

/// A decided authorization request: everything a code will carry.
#[derive(Debug, Clone)]
pub(super) struct Approval {
    pub client_id: String,
    pub company_id: i64,
    pub user_id: i64,
    /// As the client sent it, to compare at the token endpoint.
    pub redirect_uri: String,
    /// Where to send the answer.
    pub redirect: Url,
    pub scopes: Arc<[String]>,
    pub challenge: Option<(String, Method)>,
    pub state: Option<String>,
}

#[derive(Debug)]
struct Pending {
    approval: Approval,
    expires_at: Instant,
}

/// A freshly issued token pair.
#[derive(Clone)]
pub(super) struct Issued {
    pub access_token: String,
    pub refresh_token: String,
    pub company_id: i64,
    pub user_id: i64,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("access_token", &"***")
            .field("refresh_token", &"***")
            .field("company_id", &self.company_id)
            .field("user_id", &self.user_id)
            .finish()
    }
}

impl Grants {
    /// Parks a request for the consent page; answers its id.
    pub(super) fn hold(&mut self, approval: Approval, now: Instant) -> String {
        let id = AppState::random_token("dpconsent_");
        self.pending.insert(
            id.clone(),
            Pending {
                approval,
                expires_at: now + CODE_TTL,
            },
        );
        id
    }

    /// Takes a parked request (single use); `None` when unknown or expired.
    pub(super) fn take_pending(&mut self, id: &str, now: Instant) -> Option<Approval> {
        self.pending
            .remove(id)
            .filter(|p| p.expires_at > now)
            .map(|p| p.approval)
    }

    fn link(&mut self, lineage: u64, token: &str) {
        self.lineage_of.insert(token.to_owned(), lineage);
        self.lineages
            .entry(lineage)
            .or_default()
            .push(token.to_owned());
    }

    fn unlink(&mut self, token: &str) {
        if let Some(lineage) = self.lineage_of.remove(token)
            && let Some(tokens) = self.lineages.get_mut(&lineage)
        {
            tokens.retain(|t| t != token);
            if tokens.is_empty() {
                self.lineages.remove(&lineage);
            }
        }
    }
}

pub(super) fn issue_code(auth: &mut AuthStore, approval: &Approval, now: Instant) -> String {
    let code = AppState::random_token("dpcode_");
    let (challenge, method) = match &approval.challenge {
        Some((c, m)) => (Some(c.clone()), Some(m.as_str().to_owned())),
        None => (None, None),
    };
    auth.codes.insert(
        code.clone(),
        AuthCode {
            company_id: approval.company_id,
            user_id: approval.user_id,
            client_id: approval.client_id.clone(),
            redirect_uri: approval.redirect_uri.clone(),
            scopes: approval.scopes.clone(),
            code_challenge: challenge,
            code_challenge_method: method,
            expires_at: now + CODE_TTL,
        },
    );
    code
}

/// What the client presents with a code.
#[derive(Clone, Copy)]
pub(super) struct Exchange<'a> {
    pub code: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: Option<&'a str>,
    pub verifier: Option<&'a str>,
}

/// The code and the PKCE verifier are secrets.
impl std::fmt::Debug for Exchange<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exchange")
            .field("code", &"***")
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("verifier", &self.verifier.map(|_| "***"))
            .finish()
    }
}

/// Consumes a code (even when the exchange then fails) and issues a token pair.
pub(super) fn redeem_code(
    auth: &mut AuthStore,
    ex: Exchange<'_>,
    ttl: Duration,
    now: Instant,
) -> Result<Issued, OAuthError> {
    let Some(code) = auth.codes.remove(ex.code) else {
        if let Some((lineage, _)) = auth.oauth.used_codes.get(ex.code).copied() {
            revoke_lineage(auth, lineage);
            return Err(OAuthError::invalid_grant(
                "authorization code already used; the tokens issued from it are revoked",
            ));
        }
        return Err(OAuthError::invalid_grant(
            "unknown or expired authorization code",
        ));
    };
    if code.expires_at <= now {
        return Err(OAuthError::invalid_grant("authorization code expired"));
    }
    if code.client_id != ex.client_id {
        return Err(OAuthError::invalid_grant(
            "authorization code was issued to another client",
        ));
    }
    if ex.redirect_uri.is_some_and(|r| r != code.redirect_uri) {
        return Err(OAuthError::invalid_grant(
            "redirect_uri does not match the authorization request",
        ));
    }
    check_verifier(&code, ex.verifier)?;
    let lineage = auth.oauth.next_lineage;
    auth.oauth.next_lineage += 1;
    auth.oauth
        .used_codes
        .insert(ex.code.to_owned(), (lineage, code.expires_at));
    let grant = RefreshGrant {
        company_id: code.company_id,
        user_id: code.user_id,
        client_id: code.client_id,
        scopes: code.scopes.clone(),
    };
    Ok(issue_pair(auth, grant, code.scopes, lineage, ttl, now))
}

fn check_verifier(code: &AuthCode, verifier: Option<&str>) -> Result<(), OAuthError> {
    let Some(challenge) = &code.code_challenge else {
        return match verifier {
            Some(_) => Err(OAuthError::invalid_grant(
                "code_verifier given but the authorization request had no code_challenge",
            )),
            None => Ok(()),
        };
    };
    let Some(verifier) = verifier else {
        return Err(OAuthError::invalid_grant("code_verifier is required"));
    };
    let method = Method::parse(code.code_challenge_method.as_deref()).unwrap_or(Method::Plain);
    if pkce::well_formed(verifier) && pkce::verify(method, challenge, verifier) {
        Ok(())
    } else {
        Err(OAuthError::invalid_grant(
            "code_verifier does not match the code_challenge",
        ))
    }
}

/// Who a refresh token acts for, if it is live and belongs to `client_id`.
pub(super) fn refresh_owner(
    auth: &AuthStore,
    refresh: &str,
    client_id: &str,
) -> Option<(i64, i64)> {
    auth.refresh_tokens
        .get(refresh)
        .filter(|g| g.client_id == client_id)
        .map(|g| (g.company_id, g.user_id))
}

/// Trades a refresh token for a new pair; the old one is gone once this returns.
/// `scopes`, when given, narrows the new access token (the refresh token keeps its own).
pub(super) fn rotate_refresh(
    auth: &mut AuthStore,
    refresh: &str,
    client_id: &str,
    scopes: Option<Vec<String>>,
    ttl: Duration,
    now: Instant,
) -> Result<Issued, OAuthError> {
    match auth.refresh_tokens.get(refresh) {
        None => {
            return Err(OAuthError::invalid_grant(
                "unknown or revoked refresh token",
            ));
        }
        Some(g) if g.client_id != client_id => {
            return Err(OAuthError::invalid_grant(
                "refresh token was issued to another client",
            ));
        }
        Some(g) => {
            if let Some(wanted) = &scopes
                && let Some(extra) = wanted.iter().find(|s| !g.scopes.contains(s))
            {
                return Err(OAuthError::new(
                    "invalid_scope",
                    format!("scope {extra:?} was not granted to this refresh token"),
                ));
            }
        }
    }
    let Some(grant) = auth.refresh_tokens.remove(refresh) else {
        return Err(OAuthError::invalid_grant(
            "unknown or revoked refresh token",
        ));
    };
    let lineage = auth.oauth.lineage_of.get(refresh).copied();
    auth.oauth.unlink(refresh);
    let lineage = lineage.unwrap_or_else(|| {
        let fresh = auth.oauth.next_lineage;
        auth.oauth.next_lineage += 1;
        fresh
    });
    let access_scopes = scopes.map_or_else(|| grant.scopes.clone(), Arc::from);
    Ok(issue_pair(auth, grant, access_scopes, lineage, ttl, now))
}

fn issue_pair(
    auth: &mut AuthStore,
    grant: RefreshGrant,
    access_scopes: Arc<[String]>,
    lineage: u64,
    ttl: Duration,
    now: Instant,
) -> Issued {
    let access_token = AppState::random_token("dpat_");
    let refresh_token = AppState::random_token("dprt_");
    // A TTL too large for the clock still has to expire some day.
    let expires_at = now
        .checked_add(ttl)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 86_400)))
        .unwrap_or(now);
    let issued = Issued {
        access_token: access_token.clone(),
        refresh_token: refresh_token.clone(),
        company_id: grant.company_id,
        user_id: grant.user_id,
    };
    auth.tokens.insert(
        access_token.clone(),
        AccessToken {
            company_id: grant.company_id,
            user_id: grant.user_id,
            client_id: grant.client_id.clone(),
            scopes: access_scopes,
            expires_at,
            refresh_token: Some(refresh_token.clone()),
        },
    );
    auth.refresh_tokens.insert(refresh_token.clone(), grant);
    auth.oauth.link(lineage, &access_token);
    auth.oauth.link(lineage, &refresh_token);
    issued
}

/// Revokes an access token and every token of its authorization; false if unknown.
pub(super) fn revoke_access(auth: &mut AuthStore, access: &str) -> bool {
    let Some(token) = auth.tokens.remove(access) else {
        return false;
    };
    if let Some(refresh) = &token.refresh_token {
        auth.refresh_tokens.remove(refresh);
    }
    if let Some(lineage) = auth.oauth.lineage_of.get(access).copied() {
        revoke_lineage(auth, lineage);
    }
    true
}

fn revoke_lineage(auth: &mut AuthStore, lineage: u64) {
    for token in auth.oauth.lineages.remove(&lineage).unwrap_or_default() {
        auth.oauth.lineage_of.remove(&token);
        auth.tokens.remove(&token);
        auth.refresh_tokens.remove(&token);
    }
}

/// Forgets what has expired; does the work at most every [`SWEEP_EVERY`].
pub(super) fn sweep(auth: &mut AuthStore, now: Instant) {
    if auth
        .oauth
        .last_sweep
        .is_some_and(|last| now.saturating_duration_since(last) < SWEEP_EVERY)
    {
        return;
    }
    auth.oauth.last_sweep = Some(now);
    auth.codes.retain(|_, c| c.expires_at > now);
    auth.oauth.pending.retain(|_, p| p.expires_at > now);
    auth.oauth.used_codes.retain(|_, (_, until)| *until > now);
    let stale: Vec<String> = auth
        .tokens
        .iter()
        .filter(|(_, t)| now.saturating_duration_since(t.expires_at) > EXPIRED_GRACE)
        .map(|(k, _)| k.clone())
        .collect();
    for token in stale {
        auth.tokens.remove(&token);
        auth.oauth.unlink(&token);
    }
}
