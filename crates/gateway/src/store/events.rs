//! Connection events (`connection::authorized`, `connection::unauthorized`), written in the
//! same transaction as the change they record, into `connection_events`. This is the hook
//! the webhooks issue delivers from: nothing here sends anything.

use chrono::{DateTime, Utc};
use patchbay_core::{ConnectionAction, ConnectionEventData, EventType};

use super::connections::ConnectionRow;
use super::ids::random_id;
use super::{
    Connection, ConnectionId, ConnectionStatus, Store, StoreError, TenantId, from_json_text,
    from_ms, now_ms, to_json_text,
};

/// A recorded connection event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionEvent {
    /// `evt_…`.
    pub id: String,
    /// The tenant whose webhook endpoints receive it.
    pub tenant_id: TenantId,
    /// The connection concerned.
    pub connection_id: ConnectionId,
    /// Its connector.
    pub connector_id: String,
    /// Its owner.
    pub owner_id: String,
    /// `connection::unauthorized`, ...
    pub event_type: EventType,
    /// Operations and reason.
    pub data: ConnectionEventData,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

/// The row to insert for `action` on `connection`.
pub(crate) struct NewEvent {
    pub(crate) id: String,
    pub(crate) event_type: String,
    pub(crate) data: String,
    pub(crate) created_at: i64,
}

impl NewEvent {
    pub(crate) fn new(
        connection: &Connection,
        action: ConnectionAction,
        reason: Option<&str>,
    ) -> Result<Self, StoreError> {
        let data = ConnectionEventData {
            operations: connection.operations.clone(),
            reason: reason.map(str::to_owned),
        };
        Ok(Self {
            id: random_id("evt_"),
            event_type: EventType::Connection(action).to_string(),
            data: to_json_text(&data)?,
            created_at: now_ms(),
        })
    }
}

/// Inserts a [`NewEvent`] for `$connection` through executor `$tx` (either backend).
macro_rules! insert_event {
    ($tx:expr, $connection:expr, $event:expr) => {
        sqlx::query(
            "INSERT INTO connection_events (id, tenant_id, connection_id, connector_id, owner_id, \
             event_type, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&$event.id)
        .bind($connection.tenant_id.as_str())
        .bind($connection.id.as_str())
        .bind(&$connection.connector_id)
        .bind(&$connection.owner_id)
        .bind(&$event.event_type)
        .bind(&$event.data)
        .bind($event.created_at)
        .execute($tx)
        .await?
    };
}
pub(crate) use insert_event;

#[derive(sqlx::FromRow)]
struct EventRow {
    id: String,
    tenant_id: String,
    connection_id: String,
    connector_id: String,
    owner_id: String,
    event_type: String,
    data: String,
    created_at: i64,
}

impl EventRow {
    fn decode(self) -> Result<ConnectionEvent, StoreError> {
        Ok(ConnectionEvent {
            event_type: self
                .event_type
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("connection event {}: {e}", self.id)))?,
            data: from_json_text(&self.data, "connection event data")?,
            tenant_id: TenantId::from_db(self.tenant_id),
            connection_id: ConnectionId::from_db(self.connection_id),
            connector_id: self.connector_id,
            owner_id: self.owner_id,
            created_at: from_ms(self.created_at)?,
            id: self.id,
        })
    }
}

impl Store {
    /// Sets the status of connection `id` and records the matching connection event
    /// (`authorized` or `unauthorized`, with `reason`) in one transaction.
    pub async fn set_status_with_event(
        &self,
        id: &ConnectionId,
        status: ConnectionStatus,
        reason: Option<&str>,
    ) -> Result<Connection, StoreError> {
        let action = match status {
            ConnectionStatus::Authorized => ConnectionAction::Authorized,
            _ => ConnectionAction::Unauthorized,
        };
        let sql = concat!(
            "UPDATE connections SET status = $1, updated_at = $2 WHERE id = $3 RETURNING ",
            super::connections::columns!()
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let row: Option<ConnectionRow> = sqlx::query_as(sql)
                .bind(status.as_str())
                .bind(now_ms())
                .bind(id.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            let connection = self.decode_connection(row.ok_or(StoreError::NotFound)?)?;
            let event = NewEvent::new(&connection, action, reason)?;
            insert_event!(&mut *tx, connection, event);
            tx.commit().await?;
            Ok(connection)
        })
    }

    /// The tenant's connection events, oldest first, at most `limit`.
    pub async fn connection_events(
        &self,
        tenant: &TenantId,
        limit: u32,
    ) -> Result<Vec<ConnectionEvent>, StoreError> {
        let sql = "SELECT id, tenant_id, connection_id, connector_id, owner_id, event_type, data, \
                   created_at FROM connection_events WHERE tenant_id = $1 \
                   ORDER BY created_at, id LIMIT $2";
        let rows: Vec<EventRow> = on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(tenant.as_str())
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(EventRow::decode).collect()
    }
}
