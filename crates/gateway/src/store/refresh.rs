//! The one place credentials are rotated: the connection row is locked against every other
//! refresher (PostgreSQL: `SELECT … FOR UPDATE` in a transaction, so across instances;
//! SQLite: a `BEGIN IMMEDIATE` transaction), re-read, handed to the caller's decision, and
//! the decision (new tokens, or unauthorized with its event) is written before the lock is
//! released. A rotated refresh token is thus stored before anyone can use the old one.

use std::future::Future;
use std::time::Duration;

use patchbay_core::ConnectionAction;

use super::connections::{ConnectionRow, columns};
use super::credentials::{self, Credentials};
use super::events::{NewEvent, insert_event};
use super::{Connection, ConnectionId, ConnectionStatus, Pool, Store, StoreError, now_ms};

/// How long a refresher waits for another one holding the row (PostgreSQL).
const LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// What a refresher decided, with the connection locked.
#[derive(Debug)]
pub enum Rotation {
    /// Store these credentials; the connection is `authorized`.
    Replace(Credentials),
    /// Mark the connection `unauthorized` and record `connection::unauthorized`.
    Unauthorized {
        /// Why (for the event and the logs; never a token).
        reason: String,
    },
    /// Change nothing (another refresher got there first).
    Keep,
}

/// Applies `$decision` to `$current` inside transaction `$tx`; the connection after it.
macro_rules! apply {
    ($store:expr, $tx:expr, $current:expr, $decision:expr) => {{
        let sql_credentials = concat!(
            "UPDATE connections SET credentials = $1, status = 'authorized', \
             credentials_version = credentials_version + 1, updated_at = $2 \
             WHERE id = $3 RETURNING ",
            columns!()
        );
        let sql_status = concat!(
            "UPDATE connections SET status = 'unauthorized', updated_at = $1 \
             WHERE id = $2 RETURNING ",
            columns!()
        );
        match $decision {
            Rotation::Keep => $current,
            Rotation::Replace(new) => {
                let blob = credentials::seal($store.keyring()?, $current.id.as_str(), &new)?;
                let row: ConnectionRow = sqlx::query_as(sql_credentials)
                    .bind(&blob)
                    .bind(now_ms())
                    .bind($current.id.as_str())
                    .fetch_one(&mut *$tx)
                    .await?;
                $store.decode_connection(row)?
            }
            Rotation::Unauthorized { reason } => {
                let row: ConnectionRow = sqlx::query_as(sql_status)
                    .bind(now_ms())
                    .bind($current.id.as_str())
                    .fetch_one(&mut *$tx)
                    .await?;
                let after = $store.decode_connection(row)?;
                let event = NewEvent::new(&after, ConnectionAction::Unauthorized, Some(&reason))?;
                insert_event!(&mut *$tx, after, event);
                after
            }
        }
    }};
}

impl Store {
    /// Runs `decide` on connection `id` as stored now, holding the refresh lock, and writes
    /// its decision in the same transaction. An `Err` from `decide` rolls back and is
    /// returned inside `Ok`; `StoreError` is for the database itself.
    pub async fn rotate_credentials<E, F, Fut>(
        &self,
        id: &ConnectionId,
        decide: F,
    ) -> Result<Result<Connection, E>, StoreError>
    where
        F: FnOnce(Connection) -> Fut,
        Fut: Future<Output = Result<Rotation, E>>,
    {
        match self.pool() {
            Pool::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let timeout = format!("SET LOCAL lock_timeout = '{}s'", LOCK_TIMEOUT.as_secs());
                sqlx::query(&timeout).execute(&mut *tx).await?;
                let sql = concat!(
                    "SELECT ",
                    columns!(),
                    " FROM connections WHERE id = $1 FOR UPDATE"
                );
                let row: Option<ConnectionRow> = sqlx::query_as(sql)
                    .bind(id.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                let current = self.decode_connection(row.ok_or(StoreError::NotFound)?)?;
                let decision = match decide(current.clone()).await {
                    Ok(decision) => decision,
                    Err(e) => {
                        tx.rollback().await?;
                        return Ok(Err(e));
                    }
                };
                let after = apply!(self, tx, current, decision);
                tx.commit().await?;
                Ok(Ok(after))
            }
            Pool::Sqlite(pool) => {
                // One writer at a time in the whole database: nobody else can rotate (or
                // change) the row between this read and the write.
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let sql = concat!("SELECT ", columns!(), " FROM connections WHERE id = $1");
                let row: Option<ConnectionRow> = sqlx::query_as(sql)
                    .bind(id.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                let current = self.decode_connection(row.ok_or(StoreError::NotFound)?)?;
                let decision = match decide(current.clone()).await {
                    Ok(decision) => decision,
                    Err(e) => {
                        tx.rollback().await?;
                        return Ok(Err(e));
                    }
                };
                let after = apply!(self, tx, current, decision);
                tx.commit().await?;
                Ok(Ok(after))
            }
        }
    }

    /// Stores credentials obtained by an authorization (the OAuth callback), with the
    /// provider account they belong to when known: the connection becomes `authorized`
    /// and `connection::authorized` is recorded, in one transaction.
    pub async fn authorize_with(
        &self,
        id: &ConnectionId,
        credentials: &Credentials,
        account_id: Option<&str>,
    ) -> Result<Connection, StoreError> {
        let blob = credentials::seal(self.keyring()?, id.as_str(), credentials)?;
        let sql = concat!(
            "UPDATE connections SET credentials = $1, status = $2, \
             credentials_version = credentials_version + 1, updated_at = $3, account_id = $5 \
             WHERE id = $4 RETURNING ",
            columns!()
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let row: Option<ConnectionRow> = sqlx::query_as(sql)
                .bind(&blob)
                .bind(ConnectionStatus::Authorized.as_str())
                .bind(now_ms())
                .bind(id.as_str())
                .bind(account_id)
                .fetch_optional(&mut *tx)
                .await?;
            let after = self.decode_connection(row.ok_or(StoreError::NotFound)?)?;
            let event = NewEvent::new(&after, ConnectionAction::Authorized, None)?;
            insert_event!(&mut *tx, after, event);
            tx.commit().await?;
            Ok(after)
        })
    }
}
