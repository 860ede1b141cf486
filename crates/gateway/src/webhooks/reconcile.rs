//! Dialpad's side, kept in step: each authorized connection whose tenant has enabled
//! endpoints wanting its events has one Dialpad webhook (hook URL = public URL +
//! `/v1/ingress/dialpad/{token}`, an HS256 secret sealed in `dialpad_hooks`) and one
//! subscription per needed family; everything else of ours is removed. The row is written
//! before Dialpad is asked, and any webhook of ours at Dialpad that no row explains (a
//! partial failure, a race between instances) is deleted, so nothing stays orphaned.
//!
//! Each Dialpad call waits for a slot of the company's rate limit (the limiter proxied and
//! unified calls share), so reconciling never pushes a caller's next call into Dialpad's 429.

use crate::store::on_pool;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use patchbay_core::{ConnectorError, EventType, ModelId};
use patchbay_dialpad::limits::operation_limit;
use patchbay_dialpad::webhooks::SubscriptionFamily;

use super::endpoints::wants;
use super::ingest::{HookAuth, token_hash};
use crate::app::AppState;
use crate::store::{Connection, ConnectionId, ConnectionStatus, StoreError, now_ms};

/// The path prefix of Dialpad's hook URLs.
pub const INGRESS_PREFIX: &str = "/v1/ingress/dialpad/";

/// Why a reconciliation stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Dialpad refused or failed.
    #[error("Dialpad: {0}")]
    Dialpad(#[from] ConnectorError),
    /// No credential to call Dialpad with.
    #[error("the connection's credential cannot be used: {0}")]
    Token(String),
}

/// A stored hook row.
#[derive(Debug, Clone, sqlx::FromRow)]
struct HookRow {
    hook_url: String,
    dialpad_webhook_id: Option<String>,
    subscriptions: String,
}

fn aad(connection_id: &str) -> Vec<u8> {
    format!("dialpad_hooks.secret:{connection_id}").into_bytes()
}

/// The subscription families the tenant's endpoints need for `connection`.
pub async fn wanted_families(
    state: &AppState,
    connection: &Connection,
) -> Result<BTreeSet<SubscriptionFamily>, StoreError> {
    let endpoints = state
        .store
        .enabled_endpoints_of(connection.tenant_id.as_str())
        .await?;
    let mut families = BTreeSet::new();
    for event_type in EventType::all() {
        let EventType::Resource { model, .. } = event_type else {
            continue;
        };
        let name = event_type.to_string();
        let wanted = endpoints.iter().any(|e| {
            wants(
                &e.events,
                e.connector_id.as_deref(),
                e.owner_id.as_deref(),
                &name,
                Some(&connection.connector_id),
                Some(&connection.owner_id),
            )
        });
        if !wanted {
            continue;
        }
        match model {
            ModelId::TelephonyCall | ModelId::TelephonyCallTranscript => {
                families.insert(SubscriptionFamily::Call);
            }
            ModelId::GenericContact => {
                families.insert(SubscriptionFamily::SharedContact);
                families.insert(SubscriptionFamily::LocalContact);
            }
            ModelId::GenericUser | ModelId::GenericWorkspace => {
                families.insert(SubscriptionFamily::ChangeLog);
            }
        }
    }
    Ok(families)
}

/// Reconciles every connection of `tenant` (after its endpoints changed).
pub async fn reconcile_tenant(state: &AppState, tenant: &str) {
    let ids: Vec<String> = match on_pool!(state.store, pool => {
        sqlx::query_scalar("SELECT id FROM connections WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_all(pool)
            .await
    }) {
        Ok(ids) => ids,
        Err(err) => {
            tracing::warn!(error = %err, "cannot list connections to reconcile");
            return;
        }
    };
    for id in ids {
        reconcile_logged(state, &id).await;
    }
}

/// Reconciles every connection with a hook or a tenant with endpoints.
pub async fn reconcile_all(state: &AppState) {
    let ids: Vec<String> = match on_pool!(state.store, pool => {
        sqlx::query_scalar(
            "SELECT id FROM connections c WHERE EXISTS (SELECT 1 FROM webhook_endpoints e \
             WHERE e.tenant_id = c.tenant_id) OR EXISTS (SELECT 1 FROM dialpad_hooks h \
             WHERE h.connection_id = c.id)",
        )
        .fetch_all(pool)
        .await
    }) {
        Ok(ids) => ids,
        Err(err) => {
            tracing::warn!(error = %err, "cannot list connections to reconcile");
            return;
        }
    };
    for id in ids {
        reconcile_logged(state, &id).await;
    }
}

/// [`reconcile`], failures logged (the next round tries again).
pub async fn reconcile_logged(state: &AppState, connection_id: &str) {
    let Ok(id) = ConnectionId::new(connection_id.to_owned()) else {
        return;
    };
    if let Err(err) = reconcile(state, &id).await {
        tracing::warn!(connection = connection_id, error = %err, "webhook reconciliation failed");
    }
}

/// Makes Dialpad's side of `connection_id` what its tenant's endpoints need.
pub async fn reconcile(
    state: &AppState,
    connection_id: &ConnectionId,
) -> Result<(), ReconcileError> {
    let _one_at_a_time = state.webhooks.reconcile_lock().await;
    let Some(connection) = state.store.connection_by_id(connection_id).await? else {
        // Gone: the row went with it (cascade); its Dialpad side cannot be reached.
        return Ok(());
    };
    let row = hook_row(state, connection_id.as_str()).await?;
    let usable = connection.status == ConnectionStatus::Authorized
        && connection.credentials.is_some()
        && connection.connector_id == "dialpad";
    let wanted = if usable {
        wanted_families(state, &connection).await?
    } else {
        BTreeSet::new()
    };
    if !usable {
        if row.is_some() {
            delete_row(state, connection_id.as_str()).await?;
        }
        return Ok(());
    }
    let held = state
        .tokens
        .current(&connection)
        .await
        .map_err(|e| ReconcileError::Token(e.to_string()))?;
    let credential = held.credential();
    let dialpad = state.webhooks.dialpad();
    let prefix = format!("{}{INGRESS_PREFIX}", state.config.public_url);
    let slot = || turn(state, &connection, None);
    if wanted.is_empty() {
        if let Some(row) = row {
            if let Some(id) = &row.dialpad_webhook_id {
                slot().await;
                dialpad.delete_webhook(&credential, id).await?;
            }
            delete_row(state, connection_id.as_str()).await?;
        }
        sweep_orphans(state, &connection, &credential, &prefix, None).await?;
        return Ok(());
    }
    let row = match row {
        Some(row) => row,
        None => create_row(state, &connection, &prefix).await?,
    };
    slot().await;
    let hooks = dialpad.list_webhooks(&credential).await?;
    let mut webhook_id = row
        .dialpad_webhook_id
        .clone()
        .filter(|id| hooks.iter().any(|h| h.id == *id));
    if webhook_id.is_none() {
        let secret = open_secret(state, connection_id.as_str()).await?;
        turn(
            state,
            &connection,
            operation_limit("POST", "/api/v2/webhooks"),
        )
        .await;
        let id = dialpad
            .create_webhook(&credential, &row.hook_url, &secret)
            .await?;
        set_webhook_id(state, connection_id.as_str(), &id).await?;
        webhook_id = Some(id);
    }
    let webhook_id = webhook_id.unwrap_or_default();
    sweep_orphans(
        state,
        &connection,
        &credential,
        &prefix,
        Some((&row.hook_url, &webhook_id)),
    )
    .await?;
    let mut subscriptions: BTreeMap<String, String> = BTreeMap::new();
    for family in SubscriptionFamily::ALL {
        slot().await;
        let ours: Vec<_> = dialpad
            .list_subscriptions(&credential, family)
            .await?
            .into_iter()
            .filter(|s| s.webhook_id.as_deref() == Some(webhook_id.as_str()))
            .collect();
        let keep = if wanted.contains(&family) { 1 } else { 0 };
        for extra in ours.iter().skip(keep) {
            slot().await;
            dialpad
                .delete_subscription(&credential, family, &extra.id)
                .await?;
        }
        if keep == 1 {
            let id = match ours.first() {
                Some(existing) => existing.id.clone(),
                None => {
                    slot().await;
                    dialpad
                        .create_subscription(&credential, family, &webhook_id)
                        .await?
                }
            };
            subscriptions.insert(family.as_str().to_owned(), id);
        }
    }
    let _ = row.subscriptions;
    set_subscriptions(state, connection_id.as_str(), &subscriptions).await?;
    Ok(())
}

/// Deletes our webhooks at Dialpad that no row explains: a token no row has, or our URL
/// under another id than the one kept.
async fn sweep_orphans(
    state: &AppState,
    connection: &Connection,
    credential: &patchbay_core::Credential,
    prefix: &str,
    keep: Option<(&str, &str)>,
) -> Result<(), ReconcileError> {
    let dialpad = state.webhooks.dialpad();
    turn(state, connection, None).await;
    for hook in dialpad.list_webhooks(credential).await? {
        let Some(token) = hook.hook_url.strip_prefix(prefix) else {
            continue;
        };
        let orphan = match keep {
            Some((url, id)) if hook.hook_url == url => hook.id != id,
            _ => !token_known(state, token).await?,
        };
        if orphan {
            tracing::info!(webhook = %hook.id, "deleting an orphaned Dialpad webhook");
            turn(state, connection, None).await;
            dialpad.delete_webhook(credential, &hook.id).await?;
        }
    }
    Ok(())
}

/// Waits for a slot of `connection`'s company in the shared rate limiter (one per
/// connector call, as unified calls are charged), with `operation`'s own limit if any.
async fn turn(
    state: &AppState,
    connection: &Connection,
    operation: Option<(&'static str, patchbay_dialpad::limits::Limit)>,
) {
    state.proxy.limiter.wait_for(connection, operation).await;
}

async fn token_known(state: &AppState, token: &str) -> Result<bool, StoreError> {
    let hash = token_hash(token);
    let found: Option<String> = on_pool!(state.store, pool => {
        sqlx::query_scalar("SELECT connection_id FROM dialpad_hooks WHERE token_hash = $1")
            .bind(&hash)
            .fetch_optional(pool)
            .await?
    });
    Ok(found.is_some())
}

async fn hook_row(state: &AppState, connection_id: &str) -> Result<Option<HookRow>, StoreError> {
    Ok(on_pool!(state.store, pool => {
        sqlx::query_as(
            "SELECT hook_url, dialpad_webhook_id, subscriptions FROM dialpad_hooks \
             WHERE connection_id = $1",
        )
        .bind(connection_id)
        .fetch_optional(pool)
        .await?
    }))
}

async fn create_row(
    state: &AppState,
    connection: &Connection,
    prefix: &str,
) -> Result<HookRow, StoreError> {
    let token = crate::store::random_base64url::<32>();
    let secret = crate::store::random_base64url::<32>();
    let hook_url = format!("{prefix}{token}");
    let sealed = state
        .store
        .keyring()?
        .encrypt(secret.as_bytes(), &aad(connection.id.as_str()))?;
    let hash = token_hash(&token);
    on_pool!(state.store, pool => {
        sqlx::query(
            "INSERT INTO dialpad_hooks (connection_id, tenant_id, token_hash, secret, hook_url, \
             subscriptions, updated_at) VALUES ($1, $2, $3, $4, $5, '{}', $6) \
             ON CONFLICT (connection_id) DO NOTHING",
        )
        .bind(connection.id.as_str())
        .bind(connection.tenant_id.as_str())
        .bind(&hash)
        .bind(&sealed)
        .bind(&hook_url)
        .bind(now_ms())
        .execute(pool)
        .await?;
    });
    hook_row(state, connection.id.as_str())
        .await?
        .ok_or(StoreError::NotFound)
}

async fn open_secret(state: &AppState, connection_id: &str) -> Result<String, StoreError> {
    let blob: Vec<u8> = on_pool!(state.store, pool => {
        sqlx::query_scalar("SELECT secret FROM dialpad_hooks WHERE connection_id = $1")
            .bind(connection_id)
            .fetch_one(pool)
            .await?
    });
    let plain = state.store.keyring()?.decrypt(&blob, &aad(connection_id))?;
    String::from_utf8(plain).map_err(|_| StoreError::Corrupt("a Dialpad hook secret".into()))
}

async fn set_webhook_id(state: &AppState, connection_id: &str, id: &str) -> Result<(), StoreError> {
    on_pool!(state.store, pool => {
        sqlx::query("UPDATE dialpad_hooks SET dialpad_webhook_id = $1, updated_at = $2 WHERE connection_id = $3")
            .bind(id)
            .bind(now_ms())
            .bind(connection_id)
            .execute(pool)
            .await?;
    });
    Ok(())
}

async fn set_subscriptions(
    state: &AppState,
    connection_id: &str,
    subscriptions: &BTreeMap<String, String>,
) -> Result<(), StoreError> {
    let text = crate::store::to_json_text(subscriptions)?;
    on_pool!(state.store, pool => {
        sqlx::query("UPDATE dialpad_hooks SET subscriptions = $1, updated_at = $2 WHERE connection_id = $3")
            .bind(&text)
            .bind(now_ms())
            .bind(connection_id)
            .execute(pool)
            .await?;
    });
    Ok(())
}

async fn delete_row(state: &AppState, connection_id: &str) -> Result<(), StoreError> {
    on_pool!(state.store, pool => {
        sqlx::query("DELETE FROM dialpad_hooks WHERE connection_id = $1")
            .bind(connection_id)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// The hook a token names, with its secret opened (for the ingress).
pub async fn hook_by_token(state: &AppState, token: &str) -> Result<Option<HookAuth>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        connection_id: String,
        tenant_id: String,
        secret: Vec<u8>,
        connector_id: String,
        owner_id: String,
    }
    let hash = token_hash(token);
    let row: Option<Row> = on_pool!(state.store, pool => {
        sqlx::query_as(
            "SELECT h.connection_id, h.tenant_id, h.secret, c.connector_id, c.owner_id \
             FROM dialpad_hooks h JOIN connections c ON c.id = h.connection_id \
             WHERE h.token_hash = $1",
        )
        .bind(&hash)
        .fetch_optional(pool)
        .await?
    });
    let Some(row) = row else { return Ok(None) };
    let secret = state
        .store
        .keyring()?
        .decrypt(&row.secret, &aad(&row.connection_id))?;
    Ok(Some(HookAuth {
        connection_id: row.connection_id,
        tenant_id: row.tenant_id,
        connector_id: row.connector_id,
        owner_id: row.owner_id,
        secret: Arc::new(secret),
    }))
}

/// Before a connection is deleted: its Dialpad webhook goes (while its credential still
/// works). Failures are logged; the row goes with the connection.
pub async fn forget_connection(state: &AppState, connection: &Connection) {
    let Ok(Some(row)) = hook_row(state, connection.id.as_str()).await else {
        return;
    };
    let (Some(id), Ok(held)) = (
        row.dialpad_webhook_id,
        state.tokens.current(connection).await,
    ) else {
        return;
    };
    turn(state, connection, None).await;
    if let Err(err) = state
        .webhooks
        .dialpad()
        .delete_webhook(&held.credential(), &id)
        .await
    {
        tracing::warn!(error = %err, "cannot delete the Dialpad webhook of a deleted connection");
    }
}
