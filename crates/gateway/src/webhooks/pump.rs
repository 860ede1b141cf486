//! The background loops beside the delivery worker: connection events (written by the
//! connection code into `connection_events`) moved into the outbox, with a reconciliation
//! of the connection they concern; every connection reconciled now and then; and the
//! poller for what Dialpad does not push.

use crate::store::on_pool;
use std::time::Duration;

use chrono::DateTime;
use serde_json::Value;
use tokio::task::JoinHandle;

use super::ingest::envelope;
use super::outbox::NewEvent;
use super::{poller, reconcile};
use crate::app::AppState;
use crate::store::now_ms;

/// How far back connection events are looked for.
const LOOKBACK_MS: i64 = 7 * 24 * 3600 * 1000;
/// How often old events are swept.
const SWEEP_EVERY: Duration = Duration::from_secs(600);
/// The shortest retention (longer than the connection-event lookback).
const MIN_RETENTION_MS: i64 = 8 * 24 * 3600 * 1000;

/// How often connection events are looked for.
const PUMP_EVERY: Duration = Duration::from_millis(500);

/// Starts the loops; abort the handles to stop them.
pub fn spawn(state: AppState) -> Vec<JoinHandle<()>> {
    let pump_state = state.clone();
    let pump = tokio::spawn(async move {
        loop {
            match pump_connection_events(&pump_state).await {
                Ok(connections) => {
                    for id in connections {
                        reconcile::reconcile_logged(&pump_state, &id).await;
                    }
                }
                Err(err) => tracing::warn!(error = %err, "cannot move connection events"),
            }
            tokio::time::sleep(PUMP_EVERY).await;
        }
    });
    let reconcile_state = state.clone();
    let every = state.webhooks.config().reconcile_interval;
    let reconciler = tokio::spawn(async move {
        loop {
            reconcile::reconcile_all(&reconcile_state).await;
            tokio::time::sleep(every).await;
        }
    });
    let sweep_state = state.clone();
    let sweeper = tokio::spawn(async move {
        loop {
            tokio::time::sleep(SWEEP_EVERY).await;
            match sweep(&sweep_state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(events = n, "old webhook events swept"),
                Err(err) => tracing::warn!(error = %err, "cannot sweep old webhook events"),
            }
        }
    });
    let mut handles = vec![pump, reconciler, sweeper];
    if let Some(interval) = state.webhooks.config().poll_interval {
        handles.push(tokio::spawn(async move {
            loop {
                poller::poll_all(&state).await;
                tokio::time::sleep(interval).await;
            }
        }));
    }
    handles
}

#[derive(sqlx::FromRow)]
struct ConnectionEventRow {
    id: String,
    tenant_id: String,
    connection_id: String,
    connector_id: String,
    owner_id: String,
    event_type: String,
    data: String,
    created_at: i64,
}

/// Moves new connection events into the outbox; answers the connections concerned.
pub async fn pump_connection_events(
    state: &AppState,
) -> Result<Vec<String>, crate::store::StoreError> {
    let since = now_ms().saturating_sub(LOOKBACK_MS);
    let rows: Vec<ConnectionEventRow> = on_pool!(state.store, pool => {
        sqlx::query_as(
            "SELECT ce.id, ce.tenant_id, ce.connection_id, ce.connector_id, ce.owner_id, \
             ce.event_type, ce.data, ce.created_at FROM connection_events ce \
             WHERE ce.created_at >= $1 AND NOT EXISTS \
             (SELECT 1 FROM webhook_events we WHERE we.id = ce.id) \
             ORDER BY ce.created_at LIMIT 100",
        )
        .bind(since)
        .fetch_all(pool)
        .await?
    });
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut connections = Vec::new();
    let events: Vec<NewEvent> = rows
        .into_iter()
        .map(|row| {
            let data: Value = serde_json::from_str(&row.data).unwrap_or(Value::Null);
            let at = DateTime::from_timestamp_millis(row.created_at).unwrap_or_default();
            if !connections.contains(&row.connection_id) {
                connections.push(row.connection_id.clone());
            }
            NewEvent {
                envelope: envelope(
                    &row.id,
                    &row.event_type,
                    "connection",
                    "connection",
                    Some((&row.connector_id, &row.owner_id)),
                    at,
                    data,
                ),
                id: row.id,
                tenant_id: row.tenant_id,
                connection_id: Some(row.connection_id),
                connection: Some((row.connector_id, row.owner_id)),
                event_type: row.event_type,
                type_if_seen: None,
                first_seen: None,
                dedupe_key: None,
                only_endpoint: None,
            }
        })
        .collect();
    state.store.store_events(&events).await?;
    state.webhooks.wake();
    Ok(connections)
}

/// Records `connection::deleted` for a connection just deleted (logged on failure: the
/// connection is gone either way).
pub async fn connection_deleted(state: &AppState, connection: &crate::store::Connection) {
    let id = crate::store::random_id("evt_");
    let event_type = "connection::deleted";
    let event = NewEvent {
        envelope: envelope(
            &id,
            event_type,
            "connection",
            "connection",
            Some((&connection.connector_id, &connection.owner_id)),
            chrono::Utc::now(),
            serde_json::json!({"operations": []}),
        ),
        id,
        tenant_id: connection.tenant_id.as_str().to_owned(),
        connection_id: Some(connection.id.as_str().to_owned()),
        connection: Some((connection.connector_id.clone(), connection.owner_id.clone())),
        event_type: event_type.to_owned(),
        type_if_seen: None,
        first_seen: None,
        dedupe_key: None,
        only_endpoint: None,
    };
    match state.store.store_events(&[event]).await {
        Ok(_) => state.webhooks.wake(),
        Err(err) => tracing::warn!(error = %err, "cannot record connection::deleted"),
    }
}

/// Deletes events older than the retention with nothing pending (their deliveries and
/// attempts go with them), and call sightings as old; answers how many events went.
pub async fn sweep(state: &AppState) -> Result<u64, crate::store::StoreError> {
    let retention = super::worker::millis(state.webhooks.config().retention).max(MIN_RETENTION_MS);
    let before = now_ms().saturating_sub(retention);
    let mut total = 0;
    loop {
        let deleted = on_pool!(state.store, pool => {
            sqlx::query(
                "DELETE FROM webhook_events WHERE id IN (SELECT e.id FROM webhook_events e \
                 WHERE e.created_at < $1 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d \
                 WHERE d.event_id = e.id AND d.status = 'pending') LIMIT 1000)",
            )
            .bind(before)
            .execute(pool)
            .await?
            .rows_affected()
        });
        total += deleted;
        if deleted < 1000 {
            break;
        }
    }
    on_pool!(state.store, pool => {
        sqlx::query("DELETE FROM webhook_seen WHERE seen_key LIKE 'call:%' AND updated_at < $1")
            .bind(before)
            .execute(pool)
            .await?;
    });
    Ok(total)
}
