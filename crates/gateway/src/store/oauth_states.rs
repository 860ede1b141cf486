//! Authorizations in flight: the random `state` sent to the provider is stored only as its
//! SHA-256, with the tenant, connection, redirect URL and the sealed PKCE verifier, for ten
//! minutes. Taking one deletes it (single use) and refuses it when expired, unbound from its
//! tenant, or without a verifier that opens in place.

use std::time::Duration;

use chrono::{DateTime, Utc};
use patchbay_core::Secret;
use sha2::{Digest as _, Sha256};

use super::credentials::aad;
use super::ids::random_base64url;
use super::{ConnectionId, Store, StoreError, TenantId, from_ms, now_ms};

/// How long an authorization may take, from the URL being handed out to the callback.
pub const OAUTH_STATE_TTL: Duration = Duration::from_secs(10 * 60);

/// A pending authorization to store.
#[derive(Debug)]
pub struct NewOAuthState<'a> {
    /// The tenant that started it.
    pub tenant_id: &'a TenantId,
    /// The connection it authorizes.
    pub connection_id: &'a ConnectionId,
    /// Where the end user goes afterwards (already checked against the allow-list).
    pub redirect_url: &'a str,
    /// The PKCE verifier of the authorization URL's challenge.
    pub verifier: &'a Secret,
}

/// A pending authorization, taken (and so consumed) by the callback.
#[derive(Debug)]
pub struct OAuthState {
    /// The tenant that started it.
    pub tenant_id: TenantId,
    /// The connection it authorizes.
    pub connection_id: ConnectionId,
    /// Where the end user goes afterwards.
    pub redirect_url: String,
    /// The PKCE verifier.
    pub verifier: Secret,
    /// When it stopped being usable.
    pub expires_at: DateTime<Utc>,
}

/// Why a presented `state` is refused. In every case nothing is exchanged or stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StateRefusal {
    /// Never issued, already used, or swept.
    #[error("this authorization link is unknown or was already used")]
    Unknown,
    /// Older than [`OAUTH_STATE_TTL`].
    #[error("this authorization link has expired")]
    Expired,
    /// Its tenant no longer owns its connection, or its verifier is missing or does not
    /// open under its own binding (the row was altered).
    #[error("this authorization link is not valid")]
    Invalid,
}

/// A fresh `state`: 32 random bytes, base64url.
pub fn new_state() -> Secret {
    Secret::new(random_base64url::<32>())
}

fn state_hash(state: &str) -> Vec<u8> {
    Sha256::digest(state.as_bytes()).to_vec()
}

/// The verifier's associated data: every column a forger could repoint.
fn verifier_aad(hash: &[u8], tenant: &str, connection: &str, redirect_url: &str) -> Vec<u8> {
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    aad(
        "oauth_states",
        "verifier",
        &format!("{hex}|{tenant}|{connection}|{redirect_url}"),
    )
}

#[derive(sqlx::FromRow)]
struct StateRow {
    tenant_id: String,
    connection_id: String,
    redirect_url: String,
    verifier: Option<Vec<u8>>,
    expires_at: i64,
    owned: bool,
}

impl Store {
    /// Stores a pending authorization under `state` for [`OAUTH_STATE_TTL`], and sweeps
    /// expired ones.
    pub async fn create_oauth_state(
        &self,
        state: &Secret,
        new: &NewOAuthState<'_>,
    ) -> Result<DateTime<Utc>, StoreError> {
        let hash = state_hash(state.expose());
        let sealed = self.keyring()?.encrypt(
            new.verifier.expose().as_bytes(),
            &verifier_aad(
                &hash,
                new.tenant_id.as_str(),
                new.connection_id.as_str(),
                new.redirect_url,
            ),
        )?;
        let now = now_ms();
        let ttl_ms = i64::try_from(OAUTH_STATE_TTL.as_millis()).unwrap_or(i64::MAX);
        let expires = now.saturating_add(ttl_ms);
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM oauth_states WHERE expires_at < $1")
                .bind(now)
                .execute(pool)
                .await?;
            sqlx::query(
                "INSERT INTO oauth_states (state_hash, tenant_id, connection_id, redirect_url, \
                 verifier, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&hash)
            .bind(new.tenant_id.as_str())
            .bind(new.connection_id.as_str())
            .bind(new.redirect_url)
            .bind(&sealed)
            .bind(now)
            .bind(expires)
            .execute(pool)
            .await
            .map_err(|e| StoreError::from_write(e, || "authorization".into()))?;
        });
        from_ms(expires)
    }

    /// Consumes the pending authorization of `state`: the row is deleted whatever the
    /// outcome, so a state works at most once.
    pub async fn take_oauth_state(
        &self,
        state: &str,
    ) -> Result<Result<OAuthState, StateRefusal>, StoreError> {
        let hash = state_hash(state);
        // `owned`: the connection still belongs to the tenant that started the flow.
        let sql = "DELETE FROM oauth_states WHERE state_hash = $1 RETURNING tenant_id, \
                   connection_id, redirect_url, verifier, expires_at, EXISTS (SELECT 1 FROM \
                   connections c WHERE c.id = oauth_states.connection_id \
                   AND c.tenant_id = oauth_states.tenant_id) AS owned";
        let row: Option<StateRow> = on_pool!(self, pool => {
            sqlx::query_as(sql).bind(&hash).fetch_optional(pool).await?
        });
        let Some(row) = row else {
            return Ok(Err(StateRefusal::Unknown));
        };
        if row.expires_at <= now_ms() {
            return Ok(Err(StateRefusal::Expired));
        }
        let Some(sealed) = row.verifier.as_deref().filter(|_| row.owned) else {
            return Ok(Err(StateRefusal::Invalid));
        };
        let binding = verifier_aad(&hash, &row.tenant_id, &row.connection_id, &row.redirect_url);
        let Ok(verifier) = self.keyring()?.decrypt(sealed, &binding) else {
            tracing::warn!(connection = %row.connection_id, "an authorization state does not open under its own binding; refused");
            return Ok(Err(StateRefusal::Invalid));
        };
        let Ok(verifier) = String::from_utf8(verifier) else {
            return Ok(Err(StateRefusal::Invalid));
        };
        Ok(Ok(OAuthState {
            tenant_id: TenantId::from_db(row.tenant_id),
            connection_id: ConnectionId::from_db(row.connection_id),
            redirect_url: row.redirect_url,
            verifier: Secret::new(verifier),
            expires_at: from_ms(row.expires_at)?,
        }))
    }
}
