//! `patchbay keys create|list|revoke`: a tenant's secret keys. Several may be live at once
//! so they can be rotated; a key is shown only when created, listed by its prefix.

use std::fmt::Write as _;

use clap::{Args, Subcommand};
use serde_json::json;

use super::CliError;
use super::migrate::{json_line, open_migrated, print_stdout};
use crate::config::DatabaseArgs;
use crate::store::{SecretKeyInfo, Store, StoreError, TenantId};

#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub command: KeysCommand,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a secret key for a tenant; prints it (shown once).
    Create {
        /// The tenant (`ten_…`).
        #[arg(long)]
        tenant: TenantId,
        /// A label for the key.
        #[arg(long)]
        name: Option<String>,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// List a tenant's keys (never the keys themselves).
    List {
        /// The tenant (`ten_…`).
        #[arg(long)]
        tenant: TenantId,
        /// Print a JSON array instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Revoke a key: requests with it fail from now on.
    Revoke {
        /// The tenant (`ten_…`).
        #[arg(long)]
        tenant: TenantId,
        /// The key to revoke (`key_…`, from `patchbay keys list`).
        key_id: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

pub async fn run(args: KeysArgs) -> Result<(), CliError> {
    match args.command {
        KeysCommand::Create {
            tenant,
            name,
            json,
            db,
        } => create(&tenant, name.as_deref(), json, &db).await,
        KeysCommand::List { tenant, json, db } => list(&tenant, json, &db).await,
        KeysCommand::Revoke { tenant, key_id, db } => revoke(&tenant, &key_id, &db).await,
    }
}

async fn create(
    tenant: &TenantId,
    name: Option<&str>,
    as_json: bool,
    db: &DatabaseArgs,
) -> Result<(), CliError> {
    let store = open_migrated(db, None).await?;
    let created = store.create_secret_key(tenant, name).await;
    store.close().await;
    let key = created.map_err(|e| tenant_not_found(e, tenant))?;
    let text = if as_json {
        let mut value = key_json(&key.info);
        value["secretKey"] = key.secret.expose().into();
        json_line(&value)
    } else {
        format!(
            "Created key {id} for tenant {tenant}\n\
             secret key: {sk}\n\
             The secret key is shown only now: store it safely.\n",
            id = key.info.id,
            sk = key.secret.expose(),
        )
    };
    tracing::info!(tenant = %tenant, key = %key.info.id, "created secret key");
    print_stdout(&text)
}

async fn list(tenant: &TenantId, as_json: bool, db: &DatabaseArgs) -> Result<(), CliError> {
    let store = open_migrated(db, None).await?;
    let keys = tenant_keys(&store, tenant).await;
    store.close().await;
    let keys = keys?;
    let text = if as_json {
        json_line(&serde_json::Value::Array(
            keys.iter().map(key_json).collect(),
        ))
    } else {
        let mut text = String::new();
        for k in &keys {
            let state = match k.revoked_at {
                Some(at) => format!("revoked {}", at.format("%Y-%m-%dT%H:%M:%SZ")),
                None => "live".to_owned(),
            };
            let _ = writeln!(
                text,
                "{}  {}…  created {}  {}  {}",
                k.id,
                k.prefix,
                k.created_at.format("%Y-%m-%dT%H:%M:%SZ"),
                state,
                k.name.as_deref().unwrap_or("")
            );
        }
        text
    };
    print_stdout(&text)
}

async fn revoke(tenant: &TenantId, key_id: &str, db: &DatabaseArgs) -> Result<(), CliError> {
    let store = open_migrated(db, None).await?;
    let revoked = store.revoke_secret_key(tenant, key_id).await;
    store.close().await;
    if !revoked? {
        return Err(CliError::NotFound(format!(
            "tenant {tenant} has no live key {key_id}; see `patchbay keys list --tenant {tenant}`"
        )));
    }
    tracing::info!(tenant = %tenant, key = key_id, "revoked secret key");
    print_stdout(&format!("Revoked key {key_id} of tenant {tenant}\n"))
}

/// The tenant's keys, or a `NotFound` naming the tenant when it does not exist.
async fn tenant_keys(store: &Store, tenant: &TenantId) -> Result<Vec<SecretKeyInfo>, CliError> {
    if store.tenant(tenant).await?.is_none() {
        return Err(tenant_not_found(StoreError::NotFound, tenant));
    }
    Ok(store.list_secret_keys(tenant).await?)
}

fn tenant_not_found(err: StoreError, tenant: &TenantId) -> CliError {
    match err {
        StoreError::NotFound => CliError::NotFound(format!(
            "there is no tenant {tenant}; see `patchbay tenants list`"
        )),
        other => other.into(),
    }
}

fn key_json(k: &SecretKeyInfo) -> serde_json::Value {
    json!({
        "keyId": k.id,
        "tenantId": k.tenant_id,
        "name": k.name,
        "prefix": k.prefix,
        "createdAt": k.created_at,
        "revokedAt": k.revoked_at,
    })
}
