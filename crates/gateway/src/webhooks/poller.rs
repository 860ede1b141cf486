//! The poller for what Dialpad does not push: offices (`genericWorkspace`) changes that do
//! not reach the change log. Each round lists the connection's workspaces, hashes each
//! one's content, and emits `created`/`updated`/`deleted` for what changed since the last
//! round (`webhook_seen` keeps the hashes). The first round only records.

use crate::store::on_pool;
use std::collections::HashMap;

use chrono::Utc;
use patchbay_core::{ConnectionContext, ListOptions, ModelId};
use sha2::{Digest as _, Sha256};

use super::ingest::envelope;
use super::outbox::NewEvent;
use crate::app::AppState;
use crate::store::{ConnectionId, ConnectionStatus, StoreError, now_ms, random_id};

/// What the poller watches.
pub const POLLED: &[ModelId] = &[ModelId::GenericWorkspace];
/// Pages read per model and round, at most.
const MAX_PAGES: usize = 50;

/// One round over every connection whose tenant has endpoints.
pub async fn poll_all(state: &AppState) {
    let ids: Vec<String> = match on_pool!(state.store, pool => {
        sqlx::query_scalar("SELECT connection_id FROM dialpad_hooks")
            .fetch_all(pool)
            .await
    }) {
        Ok(ids) => ids,
        Err(err) => {
            tracing::warn!(error = %err, "the poller cannot list connections");
            return;
        }
    };
    for id in ids {
        if let Err(err) = poll(state, &id).await {
            tracing::warn!(connection = %id, error = %err, "a poll round failed");
        }
    }
}

async fn poll(state: &AppState, connection_id: &str) -> Result<(), StoreError> {
    let Ok(id) = ConnectionId::new(connection_id.to_owned()) else {
        return Ok(());
    };
    let Some(connection) = state.store.connection_by_id(&id).await? else {
        return Ok(());
    };
    if connection.status != ConnectionStatus::Authorized {
        return Ok(());
    }
    let Some(connector) = state.connectors.get(&connection.connector_id) else {
        return Ok(());
    };
    let Ok(held) = state.tokens.current(&connection).await else {
        return Ok(());
    };
    let ctx = ConnectionContext::new(
        connection.connector_id.as_str(),
        connection.owner_id.as_str(),
        held.credential(),
    );
    for &model in POLLED {
        let mut now: HashMap<String, (String, serde_json::Value)> = HashMap::new();
        let mut options = ListOptions::default();
        for _ in 0..MAX_PAGES {
            // A slot of the company's rate limit, shared with callers' calls.
            state.proxy.limiter.wait_for(&connection, None).await;
            let Ok(page) = connector.list(&ctx, model, &options).await else {
                return Ok(());
            };
            for resource in &page.data {
                let value = serde_json::to_value(resource).unwrap_or_default();
                let hash = Sha256::digest(value.to_string().as_bytes());
                let hash: String = hash.iter().take(16).map(|b| format!("{b:02x}")).collect();
                now.insert(resource.id.clone(), (hash, value));
            }
            let fingerprint = patchbay_core::Fingerprint::of(model, &options);
            match page
                .next
                .as_deref()
                .and_then(|next| patchbay_core::Cursor::decode(next, fingerprint).ok())
            {
                Some(cursor) => options.cursor = Some(cursor),
                None => break,
            }
        }
        let prefix = format!("poll:{model}:");
        let before: Vec<(String, Option<String>)> = on_pool!(state.store, pool => {
            sqlx::query_as(
                "SELECT seen_key, hash FROM webhook_seen WHERE connection_id = $1 AND seen_key LIKE $2",
            )
            .bind(connection_id)
            .bind(format!("{prefix}%"))
            .fetch_all(pool)
            .await?
        });
        let first_round = before.is_empty();
        let before: HashMap<String, String> = before
            .into_iter()
            .map(|(k, h)| (k[prefix.len()..].to_owned(), h.unwrap_or_default()))
            .collect();
        let mut events = Vec::new();
        let mut changes: Vec<(String, Option<String>)> = Vec::new();
        for (rid, (hash, value)) in &now {
            let action = match before.get(rid) {
                None => "created",
                Some(old) if old != hash => "updated",
                Some(_) => continue,
            };
            changes.push((rid.clone(), Some(hash.clone())));
            events.push((format!("{model}::{action}"), value.clone()));
        }
        for rid in before.keys().filter(|k| !now.contains_key(*k)) {
            changes.push((rid.clone(), None));
            events.push((
                format!("{model}::deleted"),
                serde_json::json!({"model": model, "id": rid}),
            ));
        }
        let new_events: Vec<NewEvent> = if first_round {
            Vec::new()
        } else {
            events
                .into_iter()
                .map(|(event_type, data)| {
                    let id = random_id("evt_");
                    NewEvent {
                        envelope: envelope(
                            &id,
                            &event_type,
                            model.as_str(),
                            "poll",
                            Some((&connection.connector_id, &connection.owner_id)),
                            Utc::now(),
                            data,
                        ),
                        id,
                        tenant_id: connection.tenant_id.as_str().to_owned(),
                        connection_id: Some(connection_id.to_owned()),
                        connection: Some((
                            connection.connector_id.clone(),
                            connection.owner_id.clone(),
                        )),
                        event_type,
                        type_if_seen: None,
                        first_seen: None,
                        dedupe_key: None,
                        only_endpoint: None,
                    }
                })
                .collect()
        };
        if !new_events.is_empty() {
            state.store.store_events(&new_events).await?;
            state.webhooks.wake();
        }
        on_pool!(state.store, pool => {
            let mut tx = pool.begin().await?;
            for (rid, hash) in &changes {
                let key = format!("{prefix}{rid}");
                match hash {
                    Some(hash) => {
                        sqlx::query(
                            "INSERT INTO webhook_seen (connection_id, seen_key, hash, updated_at) \
                             VALUES ($1, $2, $3, $4) ON CONFLICT (connection_id, seen_key) \
                             DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at",
                        )
                        .bind(connection_id)
                        .bind(&key)
                        .bind(hash)
                        .bind(now_ms())
                        .execute(&mut *tx)
                        .await?;
                    }
                    None => {
                        sqlx::query("DELETE FROM webhook_seen WHERE connection_id = $1 AND seen_key = $2")
                            .bind(connection_id)
                            .bind(&key)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
            tx.commit().await?;
        });
    }
    Ok(())
}
