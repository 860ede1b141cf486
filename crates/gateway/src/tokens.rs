//! The credential a connector call presents, kept valid: OAuth access tokens are refreshed a
//! few minutes ahead of expiry and after the provider rejects one, with one refresh per
//! connection at a time in this process (a `moka` load keyed by the stale version) and, on
//! PostgreSQL, across instances (the store's row lock, re-read after it is taken). A fresh
//! token costs no database work. Dialpad refusing the refresh (`invalid_grant`) makes the
//! connection `unauthorized` and records `connection::unauthorized`; a token endpoint that
//! is down is retried with backoff and changes nothing.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use moka::future::Cache;
use patchbay_core::{Credential, OAuthError, TokenSet};

use crate::connections::ConnectionCache;
use crate::metrics::Metrics;
use crate::registry::Connectors;
use crate::store::{
    Connection, ConnectionId, ConnectionStatus, Credentials, Rotation, Store, StoreError,
};

/// Refresh this long before expiry (less for tokens that live under twice as long).
pub const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);
/// Attempts at a refresh whose token endpoint is down, the first included.
const REFRESH_ATTEMPTS: u32 = 4;
/// The first wait between attempts; it doubles each time.
const REFRESH_BACKOFF: Duration = Duration::from_millis(200);
/// How long a finished refresh answers later callers holding the same stale version.
const FLIGHT_TTL: Duration = Duration::from_secs(60);

/// Credentials and the `credentials_version` they were stored under.
#[derive(Debug, Clone)]
pub struct Held {
    /// The stored version (bumped by every credentials change).
    pub version: i64,
    /// The credentials.
    pub credentials: Credentials,
    /// When they were obtained (or last written), to size the refresh margin.
    pub since: DateTime<Utc>,
    /// `Authorization: Bearer …`, built on first use (see [`Held::authorization`]).
    authorization: std::sync::OnceLock<Option<axum::http::HeaderValue>>,
}

impl Held {
    fn of(connection: &Connection) -> Option<Self> {
        connection.credentials.clone().map(|credentials| Held {
            version: connection.credentials_version,
            credentials,
            since: connection.updated_at,
            authorization: std::sync::OnceLock::new(),
        })
    }

    /// The `Authorization` header a raw call presents (`Bearer <token or key>`), marked
    /// sensitive; built once per credentials, since the same ones serve many calls. `None`
    /// when the credential cannot be a header value.
    pub fn authorization(&self) -> Option<axum::http::HeaderValue> {
        self.authorization
            .get_or_init(|| {
                let credential = self.credential();
                let secret = credential.expose_secret();
                let mut value = Vec::with_capacity(7 + secret.len());
                value.extend_from_slice(b"Bearer ");
                value.extend_from_slice(secret.as_bytes());
                let mut value =
                    axum::http::HeaderValue::from_maybe_shared(bytes::Bytes::from(value)).ok()?;
                value.set_sensitive(true);
                Some(value)
            })
            .clone()
    }

    /// What a call presents.
    pub fn credential(&self) -> Credential {
        self.credentials.credential()
    }

    /// Whether these are OAuth tokens the gateway can refresh.
    pub fn refreshable(&self) -> bool {
        matches!(
            &self.credentials,
            Credentials::OAuth {
                refresh_token: Some(_),
                ..
            }
        )
    }

    /// Whether the access token expires within the margin (known expiry only).
    pub fn due(&self, now: DateTime<Utc>) -> bool {
        let Credentials::OAuth {
            expires_at: Some(expires_at),
            ..
        } = &self.credentials
        else {
            return false;
        };
        let lifetime = (*expires_at - self.since).to_std().unwrap_or_default();
        let margin = REFRESH_MARGIN.min(lifetime / 2);
        let margin = chrono::Duration::from_std(margin).unwrap_or_default();
        *expires_at - margin <= now
    }
}

/// Why no usable credential could be had.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TokenError {
    /// The provider refused the refresh, or the connection is no longer authorized: the
    /// end user must authorize it again.
    #[error("the connection must be authorized again: {reason}")]
    Unauthorized {
        /// Why (safe to show: no token).
        reason: String,
    },
    /// The token endpoint stayed down through every retry; nothing changed.
    #[error("the provider's token endpoint is unavailable")]
    Unavailable,
    /// The provider answered the refresh with something unusable (a configuration or
    /// provider problem, not the end user's).
    #[error("the provider's token endpoint failed: {0}")]
    Upstream(String),
    /// The database failed (logged where it happened).
    #[error("internal error: {0}")]
    Internal(String),
}

/// Hands out credentials and refreshes them. Cheap to clone.
#[derive(Clone)]
pub struct TokenManager {
    store: Store,
    connectors: Connectors,
    connections: ConnectionCache,
    /// The newest credentials this process has written or read under the lock.
    latest: Cache<ConnectionId, Arc<Held>>,
    /// One refresh per (connection, stale version); later holders of that version get its
    /// result without refreshing again.
    flights: Cache<(ConnectionId, i64), Arc<Held>>,
    metrics: Metrics,
}

impl std::fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenManager")
            .field("latest", &self.latest.entry_count())
            .finish_non_exhaustive()
    }
}

impl TokenManager {
    /// A manager over `store`, refreshing through `connectors`' OAuth clients and
    /// invalidating `connections` after each change.
    pub fn new(store: Store, connectors: Connectors, connections: ConnectionCache) -> Self {
        Self {
            store,
            connectors,
            connections,
            latest: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(3600))
                .build(),
            flights: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(FLIGHT_TTL)
                .build(),
            metrics: Metrics::default(),
        }
    }

    /// Counts refreshes by outcome in `metrics`.
    #[must_use]
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// The credentials to call `connection` with now: the newest known, refreshed first when
    /// they expire within the margin. No database work unless a refresh is due.
    pub async fn current(&self, connection: &Connection) -> Result<Arc<Held>, TokenError> {
        if connection.credentials.is_none() {
            return Err(TokenError::Unauthorized {
                reason: "the connection holds no credentials".into(),
            });
        }
        // The newest known are kept, so calls share one `Held` (and its built header)
        // rather than copying the credentials out of the connection each time.
        let held = match self.latest.get(&connection.id).await {
            Some(known) if known.version >= connection.credentials_version => known,
            _ => {
                let stored =
                    Arc::new(
                        Held::of(connection).ok_or_else(|| TokenError::Unauthorized {
                            reason: "the connection holds no credentials".into(),
                        })?,
                    );
                self.latest
                    .insert(connection.id.clone(), Arc::clone(&stored))
                    .await;
                stored
            }
        };
        if held.refreshable() && held.due(Utc::now()) {
            // Boxed: rare, and its future is large; callers' futures stay small.
            return Box::pin(self.refresh(connection, held.version)).await;
        }
        Ok(held)
    }

    /// Newer credentials than version `stale` (which the provider rejected or which are
    /// about to expire): one refresh for all concurrent callers, none at all if someone
    /// already replaced them. Credentials that cannot be refreshed come back as they are.
    pub async fn refresh(
        &self,
        connection: &Connection,
        stale: i64,
    ) -> Result<Arc<Held>, TokenError> {
        if let Some(newer) = self.latest.get(&connection.id).await
            && newer.version > stale
        {
            return Ok(newer);
        }
        let key = (connection.id.clone(), stale);
        self.flights
            .try_get_with(key, self.refresh_now(connection, stale))
            .await
            .map_err(|e| (*e).clone())
    }

    /// The refresh itself, counted by outcome.
    async fn refresh_now(
        &self,
        connection: &Connection,
        stale: i64,
    ) -> Result<Arc<Held>, TokenError> {
        let result = self.refresh_attempts(connection, stale).await;
        self.metrics.token_refresh(match &result {
            Ok(_) => "success",
            Err(TokenError::Unauthorized { .. }) => "unauthorized",
            Err(TokenError::Unavailable) => "unavailable",
            Err(TokenError::Upstream(_) | TokenError::Internal(_)) => "error",
        });
        result
    }

    /// The refresh, retried while the token endpoint is down.
    async fn refresh_attempts(
        &self,
        connection: &Connection,
        stale: i64,
    ) -> Result<Arc<Held>, TokenError> {
        let connector = self.connectors.get(&connection.connector_id).cloned();
        let mut wait = REFRESH_BACKOFF;
        for attempt in 1..=REFRESH_ATTEMPTS {
            let oauth = connector.as_deref().and_then(|c| c.oauth());
            let outcome = self
                .store
                .rotate_credentials(&connection.id, |row| decide(row, stale, oauth))
                .await
                .map_err(|e| match e {
                    StoreError::NotFound => TokenError::Unauthorized {
                        reason: "the connection was deleted".into(),
                    },
                    e => {
                        tracing::error!(connection = %connection.id, error = %crate::http::error::chain(&e), "cannot rotate credentials");
                        TokenError::Internal(e.to_string())
                    }
                })?;
            match outcome {
                Ok(after) => return self.settle(connection, stale, &after).await,
                Err(e) if e.is_transient() && attempt < REFRESH_ATTEMPTS => {
                    tracing::warn!(connection = %connection.id, attempt, error = %e, "token refresh failed; retrying");
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
                Err(e) if e.is_transient() => {
                    tracing::error!(connection = %connection.id, error = %e, "token refresh failed after every retry; the connection is unchanged");
                    return Err(TokenError::Unavailable);
                }
                Err(e) => {
                    tracing::error!(connection = %connection.id, error = %e, "the token endpoint refused a refresh for a reason other than the grant");
                    return Err(TokenError::Upstream(e.to_string()));
                }
            }
        }
        Err(TokenError::Unavailable)
    }

    /// Records what the locked refresh left behind and answers with it.
    async fn settle(
        &self,
        before: &Connection,
        stale: i64,
        after: &Connection,
    ) -> Result<Arc<Held>, TokenError> {
        let changed = after.credentials_version != stale || after.status != before.status;
        let outcome = if after.status == ConnectionStatus::Authorized {
            match Held::of(after) {
                Some(held) => {
                    let held = Arc::new(held);
                    if held.version > stale {
                        tracing::info!(connection = %after.id, version = held.version, "credentials renewed");
                        self.latest.insert(after.id.clone(), held.clone()).await;
                    }
                    Ok(held)
                }
                None => Err(TokenError::Unauthorized {
                    reason: "the connection holds no credentials".into(),
                }),
            }
        } else {
            self.latest.invalidate(&after.id).await;
            Err(TokenError::Unauthorized {
                reason: format!(
                    "{} refused to renew the connection's access",
                    self.provider_name(after)
                ),
            })
        };
        // After `latest`: the invalidation also drops the proxy's memos, which must not be
        // refilled from what `latest` held before.
        if changed {
            self.connections
                .invalidate(&after.tenant_id, &after.connector_id, &after.owner_id)
                .await;
        }
        outcome
    }

    fn provider_name(&self, connection: &Connection) -> &'static str {
        self.connectors
            .get(&connection.connector_id)
            .map_or("The provider", |c| c.descriptor().name)
    }

    /// Forgets what this process knows of a connection's tokens (after it is deleted or
    /// re-authorized through this instance).
    pub async fn forget(&self, id: &ConnectionId) {
        self.latest.invalidate(id).await;
    }
}

/// The decision under the lock: somebody else's newer credentials win; a refused grant
/// means unauthorized; anything transient is an error that rolls back.
async fn decide(
    row: Connection,
    stale: i64,
    oauth: Option<&dyn patchbay_core::OAuthClient>,
) -> Result<Rotation, OAuthError> {
    if row.credentials_version != stale || row.status != ConnectionStatus::Authorized {
        return Ok(Rotation::Keep);
    }
    let (
        Some(oauth),
        Some(Credentials::OAuth {
            refresh_token: Some(refresh_token),
            scopes,
            ..
        }),
    ) = (oauth, &row.credentials)
    else {
        return Ok(Rotation::Keep);
    };
    match oauth.refresh(refresh_token).await {
        Ok(tokens) => Ok(Rotation::Replace(renewed(tokens, refresh_token, scopes))),
        Err(e) if e.is_invalid_grant() => Ok(Rotation::Unauthorized {
            reason: match e {
                OAuthError::Refused {
                    description: Some(d),
                    ..
                } => format!("the refresh was refused (invalid_grant: {d})"),
                _ => "the refresh was refused (invalid_grant)".into(),
            },
        }),
        Err(e) => Err(e),
    }
}

/// New stored credentials from a grant, keeping what the provider did not resend.
fn renewed(
    tokens: TokenSet,
    previous_refresh: &patchbay_core::Secret,
    previous_scopes: &[String],
) -> Credentials {
    Credentials::OAuth {
        access_token: tokens.access_token,
        refresh_token: Some(
            tokens
                .refresh_token
                .unwrap_or_else(|| previous_refresh.clone()),
        ),
        expires_at: tokens.expires_at,
        scopes: tokens.scopes.unwrap_or_else(|| previous_scopes.to_vec()),
    }
}
