//! Connections: one per (tenant, connector, owner), with a status, the operations it may
//! perform and its sealed credentials. Every tenant-facing query filters by tenant id in
//! SQL; by-id methods take an id that came from such a query.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use patchbay_core::Operation;
use serde::{Deserialize, Serialize};

use super::credentials::{self, Credentials};
use super::{
    ConnectionId, Store, StoreError, TenantId, from_json_text, from_ms, now_ms, to_json_text,
};
use crate::crypto::Keyring;

/// Whether a connection can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum ConnectionStatus {
    /// Credentials are stored and were accepted.
    Authorized,
    /// Credentials were rejected or revoked upstream.
    Unauthorized,
    /// Created, not yet authorized.
    AwaitingAuthorization,
}

impl ConnectionStatus {
    /// Every status.
    pub const ALL: [ConnectionStatus; 3] = [
        ConnectionStatus::Authorized,
        ConnectionStatus::Unauthorized,
        ConnectionStatus::AwaitingAuthorization,
    ];

    /// The wire (and stored) string.
    pub const fn as_str(self) -> &'static str {
        match self {
            ConnectionStatus::Authorized => "authorized",
            ConnectionStatus::Unauthorized => "unauthorized",
            ConnectionStatus::AwaitingAuthorization => "awaitingAuthorization",
        }
    }
}

impl fmt::Display for ConnectionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not a connection status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown connection status `{0}`; expected authorized, unauthorized or awaitingAuthorization"
)]
pub struct ParseStatusError(pub String);

impl FromStr for ConnectionStatus {
    type Err = ParseStatusError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| ParseStatusError(s.to_owned()))
    }
}

/// A stored connection. `Debug` redacts the credentials' secrets.
#[derive(Debug, Clone)]
pub struct Connection {
    /// `conn_…`.
    pub id: ConnectionId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// `dialpad`.
    pub connector_id: String,
    /// The tenant's id for its end user.
    pub owner_id: String,
    /// Whether it can be used.
    pub status: ConnectionStatus,
    /// What it may do.
    pub operations: Vec<Operation>,
    /// Decrypted credentials, if any are stored.
    pub credentials: Option<Credentials>,
    /// Bumped on every credentials change (cache invalidation).
    pub credentials_version: i64,
    /// The provider account (a Dialpad company id) the credentials belong to, when the
    /// provider named it at verification or authorization.
    pub account_id: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Connection {
    /// What the rate limiter counts this connection's calls under: its provider account
    /// when known (Dialpad's limits are per company, whichever connection calls), else
    /// the connection itself.
    pub fn limit_key(&self) -> std::borrow::Cow<'_, str> {
        match &self.account_id {
            Some(account) => format!("{}:{account}", self.connector_id).into(),
            None => self.id.as_str().into(),
        }
    }
}

/// Which connections [`Store::list_connections`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionFilter {
    /// Only this connector.
    pub connector_id: Option<String>,
    /// Only this status.
    pub status: Option<ConnectionStatus>,
    /// Only after this `(connector_id, owner_id)` (keyset paging).
    pub after: Option<(String, String)>,
    /// At most this many.
    pub limit: u32,
}

impl Default for ConnectionFilter {
    fn default() -> Self {
        Self {
            connector_id: None,
            status: None,
            after: None,
            limit: 100,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ConnectionRow {
    id: String,
    tenant_id: String,
    connector_id: String,
    owner_id: String,
    status: String,
    operations: String,
    credentials: Option<Vec<u8>>,
    credentials_version: i64,
    account_id: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl ConnectionRow {
    fn decode(self, keyring: Option<&Keyring>) -> Result<Connection, StoreError> {
        let credentials = match &self.credentials {
            None => None,
            Some(blob) => {
                let keyring = keyring.ok_or(crate::crypto::CryptoError::NoKeyring)?;
                Some(credentials::open(keyring, &self.id, blob)?)
            }
        };
        Ok(Connection {
            status: self.status.parse().map_err(|e: ParseStatusError| {
                StoreError::Corrupt(format!("connection {}: {e}", self.id))
            })?,
            operations: from_json_text(&self.operations, "connection operations")?,
            id: ConnectionId::from_db(self.id),
            tenant_id: TenantId::from_db(self.tenant_id),
            connector_id: self.connector_id,
            owner_id: self.owner_id,
            credentials,
            credentials_version: self.credentials_version,
            account_id: self.account_id,
            created_at: from_ms(self.created_at)?,
            updated_at: from_ms(self.updated_at)?,
        })
    }
}

/// The columns of [`ConnectionRow`], for `SELECT` and `RETURNING`.
macro_rules! columns {
    () => {
        "id, tenant_id, connector_id, owner_id, status, operations, credentials, \
         credentials_version, account_id, created_at, updated_at"
    };
}
pub(crate) use columns;

impl Store {
    pub(crate) fn decode_connection(&self, row: ConnectionRow) -> Result<Connection, StoreError> {
        row.decode(self.keyring().ok())
    }

    /// Creates the connection (status `awaitingAuthorization`) or replaces the operations of
    /// the existing one; `true` when it was created.
    pub async fn upsert_connection(
        &self,
        tenant: &TenantId,
        connector_id: &str,
        owner_id: &str,
        operations: &[Operation],
    ) -> Result<(Connection, bool), StoreError> {
        let id = ConnectionId::generate();
        let ops = to_json_text(&operations)?;
        let now = now_ms();
        let sql = concat!(
            "INSERT INTO connections (id, tenant_id, connector_id, owner_id, status, operations, \
             credentials, credentials_version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'awaitingAuthorization', $5, NULL, 0, $6, $6) \
             ON CONFLICT (tenant_id, connector_id, owner_id) \
             DO UPDATE SET operations = excluded.operations, updated_at = excluded.updated_at \
             RETURNING ",
            columns!()
        );
        let row: ConnectionRow = on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(id.as_str())
                .bind(tenant.as_str())
                .bind(connector_id)
                .bind(owner_id)
                .bind(&ops)
                .bind(now)
                .fetch_one(pool)
                .await
                .map_err(|e| StoreError::from_write(e, || "connection".into()))?
        });
        let created = row.id == id.as_str();
        Ok((self.decode_connection(row)?, created))
    }

    /// The tenant's connection (`connector_id`, `owner_id`), if any.
    pub async fn connection(
        &self,
        tenant: &TenantId,
        connector_id: &str,
        owner_id: &str,
    ) -> Result<Option<Connection>, StoreError> {
        let sql = concat!(
            "SELECT ",
            columns!(),
            " FROM connections WHERE tenant_id = $1 AND connector_id = $2 AND owner_id = $3"
        );
        let row: Option<ConnectionRow> = on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(tenant.as_str())
                .bind(connector_id)
                .bind(owner_id)
                .fetch_optional(pool)
                .await?
        });
        row.map(|r| self.decode_connection(r)).transpose()
    }

    /// The connection `id`, whatever its tenant: only for ids that came from a
    /// tenant-scoped look-up.
    pub async fn connection_by_id(
        &self,
        id: &ConnectionId,
    ) -> Result<Option<Connection>, StoreError> {
        let sql = concat!("SELECT ", columns!(), " FROM connections WHERE id = $1");
        let row: Option<ConnectionRow> = on_pool!(self, pool => {
            sqlx::query_as(sql).bind(id.as_str()).fetch_optional(pool).await?
        });
        row.map(|r| self.decode_connection(r)).transpose()
    }

    /// The tenant's connections matching `filter`, ordered by (connector id, owner id).
    pub async fn list_connections(
        &self,
        tenant: &TenantId,
        filter: &ConnectionFilter,
    ) -> Result<Vec<Connection>, StoreError> {
        let sql = concat!(
            "SELECT ",
            columns!(),
            " FROM connections WHERE tenant_id = $1 \
             AND ($2 IS NULL OR connector_id = $2) \
             AND ($3 IS NULL OR status = $3) \
             AND ($4 IS NULL OR connector_id > $4 OR (connector_id = $4 AND owner_id > $5)) \
             ORDER BY connector_id, owner_id LIMIT $6"
        );
        let (after_connector, after_owner) = match &filter.after {
            Some((c, o)) => (Some(c.as_str()), Some(o.as_str())),
            None => (None, None),
        };
        let rows: Vec<ConnectionRow> = on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(tenant.as_str())
                .bind(filter.connector_id.as_deref())
                .bind(filter.status.map(ConnectionStatus::as_str))
                .bind(after_connector)
                .bind(after_owner)
                .bind(i64::from(filter.limit))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|r| self.decode_connection(r))
            .collect()
    }

    /// Replaces the operations of connection `id`.
    pub async fn set_operations(
        &self,
        id: &ConnectionId,
        operations: &[Operation],
    ) -> Result<Connection, StoreError> {
        let sql = concat!(
            "UPDATE connections SET operations = $1, updated_at = $2 WHERE id = $3 RETURNING ",
            columns!()
        );
        let ops = to_json_text(&operations)?;
        let row: Option<ConnectionRow> = on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(&ops)
                .bind(now_ms())
                .bind(id.as_str())
                .fetch_optional(pool)
                .await?
        });
        self.decode_connection(row.ok_or(StoreError::NotFound)?)
    }

    /// Stores (sealed, bound to this row) or erases the credentials of connection `id`,
    /// sets its status and bumps `credentials_version`.
    pub async fn set_credentials(
        &self,
        id: &ConnectionId,
        credentials: Option<&Credentials>,
        status: ConnectionStatus,
    ) -> Result<Connection, StoreError> {
        self.write_credentials(id, credentials, status, None).await
    }

    /// Stores credentials the provider has just accepted, with the account it said they
    /// belong to (`account_id`, `None` when it did not say): the connection becomes
    /// `authorized`.
    pub async fn set_verified_credentials(
        &self,
        id: &ConnectionId,
        credentials: &Credentials,
        account_id: Option<&str>,
    ) -> Result<Connection, StoreError> {
        self.write_credentials(
            id,
            Some(credentials),
            ConnectionStatus::Authorized,
            Some(account_id),
        )
        .await
    }

    /// `account`: `Some` sets the account (`Some(None)` clears it), `None` leaves it.
    async fn write_credentials(
        &self,
        id: &ConnectionId,
        credentials: Option<&Credentials>,
        status: ConnectionStatus,
        account: Option<Option<&str>>,
    ) -> Result<Connection, StoreError> {
        let blob = credentials
            .map(|c| credentials::seal(self.keyring()?, id.as_str(), c))
            .transpose()?;
        let sql = concat!(
            "UPDATE connections SET credentials = $1, status = $2, \
             credentials_version = credentials_version + 1, updated_at = $3, \
             account_id = CASE WHEN $5 THEN $6 ELSE account_id END \
             WHERE id = $4 RETURNING ",
            columns!()
        );
        let row: Option<ConnectionRow> = on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(blob.as_deref())
                .bind(status.as_str())
                .bind(now_ms())
                .bind(id.as_str())
                .bind(account.is_some())
                .bind(account.flatten())
                .fetch_optional(pool)
                .await?
        });
        self.decode_connection(row.ok_or(StoreError::NotFound)?)
    }

    /// Sets the status of connection `id`.
    pub async fn set_status(
        &self,
        id: &ConnectionId,
        status: ConnectionStatus,
    ) -> Result<Connection, StoreError> {
        let sql = concat!(
            "UPDATE connections SET status = $1, updated_at = $2 WHERE id = $3 RETURNING ",
            columns!()
        );
        let row: Option<ConnectionRow> = on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(status.as_str())
                .bind(now_ms())
                .bind(id.as_str())
                .fetch_optional(pool)
                .await?
        });
        self.decode_connection(row.ok_or(StoreError::NotFound)?)
    }

    /// Deletes the tenant's connection (its credentials go with the row, and so do its
    /// connection-scoped custom fields) and returns what it was, credentials decrypted, so
    /// the caller can revoke them upstream. If they cannot be decrypted nothing is deleted.
    pub async fn delete_connection(
        &self,
        tenant: &TenantId,
        connector_id: &str,
        owner_id: &str,
    ) -> Result<Option<Connection>, StoreError> {
        let sql = concat!(
            "DELETE FROM connections WHERE tenant_id = $1 AND connector_id = $2 AND owner_id = $3 \
             RETURNING ",
            columns!()
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let row: Option<ConnectionRow> = sqlx::query_as(sql)
                .bind(tenant.as_str())
                .bind(connector_id)
                .bind(owner_id)
                .fetch_optional(&mut *tx)
                .await?;
            // Decode before committing: a wrong key rolls the delete back.
            let connection = row.map(|r| self.decode_connection(r)).transpose()?;
            tx.commit().await?;
            Ok(connection)
        })
    }
}
