//! The OAuth side of a provider, as the gateway drives it: the authorization URL (PKCE
//! S256), the code exchange and the refresh grant. A connector that supports OAuth
//! onboarding returns one from [`crate::Connector::oauth`]; the gateway keeps state and
//! tokens, the provider crate speaks the protocol. No HTTP types cross this boundary.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::context::Secret;

/// Where to send the end user, and the PKCE verifier to keep (server-side) until the
/// callback brings the code back.
#[derive(Debug, Clone)]
pub struct AuthorizationStart {
    /// The provider's authorization URL, with `state`, scopes and the S256 challenge.
    pub url: String,
    /// The PKCE verifier of the challenge in `url`.
    pub verifier: Secret,
}

/// Tokens a grant answered with. `Debug` hides the tokens.
#[derive(Debug, Clone)]
pub struct TokenSet {
    /// The bearer token.
    pub access_token: Secret,
    /// The next refresh token; `None` when the provider sent none (keep the previous one).
    pub refresh_token: Option<Secret>,
    /// When the access token expires, if the provider said.
    pub expires_at: Option<DateTime<Utc>>,
    /// The granted scopes, if the provider listed them.
    pub scopes: Option<Vec<String>>,
}

/// Why a token grant failed, told apart by what the caller should do about it.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// The provider refused the grant with an RFC 6749 error (`invalid_grant`: the refresh
    /// token or code is revoked, used or expired). Retrying the same grant cannot help.
    #[error("the provider refused the grant: {error}")]
    Refused {
        /// The RFC 6749 error code (`invalid_grant`, `invalid_client`, ...).
        error: String,
        /// The provider's description, if any (never holds a token).
        description: Option<String>,
    },
    /// The provider could not be reached, timed out, or answered 429 or 5xx: try again
    /// later; nothing is known to be wrong with the grant.
    #[error("the provider's token endpoint is unavailable: {message}")]
    Transient {
        /// What happened.
        message: String,
    },
    /// The provider answered something that is not a token response (a bug or a proxy).
    #[error("the provider's token answer could not be read: {message}")]
    Protocol {
        /// What was wrong (never the body, which may hold tokens).
        message: String,
    },
}

impl OAuthError {
    /// Whether the grant itself is dead (`invalid_grant`): the connection needs its user.
    pub fn is_invalid_grant(&self) -> bool {
        matches!(self, OAuthError::Refused { error, .. } if error == "invalid_grant")
    }

    /// Whether trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, OAuthError::Transient { .. })
    }
}

/// A provider's OAuth client, configured with the gateway's app (client id and secret) and
/// its callback URL.
#[async_trait]
pub trait OAuthClient: Send + Sync + fmt::Debug {
    /// The authorization URL for `scopes`, carrying `state`, with a fresh PKCE pair.
    fn authorization_url(&self, scopes: &[&str], state: &str) -> AuthorizationStart;

    /// Trades an authorization `code` and its PKCE `verifier` for tokens.
    async fn exchange_code(&self, code: &str, verifier: &Secret) -> Result<TokenSet, OAuthError>;

    /// Trades a refresh token for new tokens (the provider may rotate the refresh token).
    async fn refresh(&self, refresh_token: &Secret) -> Result<TokenSet, OAuthError>;
}
