//! `patchbay tenants create|list`: tenants in the configured database. Creating one prints
//! its publishable key and its first secret key, which is shown this once.

use std::fmt::Write as _;

use clap::{Args, Subcommand};
use serde_json::json;

use super::CliError;
use super::migrate::{json_line, open_migrated, print_stdout};
use crate::config::DatabaseArgs;

#[derive(Debug, Args)]
pub struct TenantsArgs {
    #[command(subcommand)]
    pub command: TenantsCommand,
}

#[derive(Debug, Subcommand)]
pub enum TenantsCommand {
    /// Create a tenant; prints its id, publishable key and first secret key (shown once).
    Create {
        /// A label for the tenant.
        #[arg(long)]
        name: String,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// List tenants, oldest first.
    List {
        /// Print a JSON array instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

pub async fn run(args: TenantsArgs) -> Result<(), CliError> {
    match args.command {
        TenantsCommand::Create { name, json, db } => create(&name, json, &db).await,
        TenantsCommand::List { json, db } => list(json, &db).await,
    }
}

async fn create(name: &str, as_json: bool, db: &DatabaseArgs) -> Result<(), CliError> {
    let store = open_migrated(db, None).await?;
    let (tenant, key) = store.create_tenant(name).await?;
    store.close().await;
    let text = if as_json {
        json_line(&json!({
            "tenantId": tenant.id,
            "name": tenant.name,
            "publishableKey": tenant.publishable_key,
            "secretKey": key.secret.expose(),
            "secretKeyId": key.info.id,
        }))
    } else {
        format!(
            "Created tenant {id} ({name})\n\
             publishable key: {pk}\n\
             secret key:      {sk}\n\
             secret key id:   {kid}\n\
             The secret key is shown only now: store it safely.\n",
            id = tenant.id,
            name = tenant.name,
            pk = tenant.publishable_key,
            sk = key.secret.expose(),
            kid = key.info.id,
        )
    };
    tracing::info!(tenant = %tenant.id, "created tenant");
    print_stdout(&text)
}

async fn list(as_json: bool, db: &DatabaseArgs) -> Result<(), CliError> {
    let store = open_migrated(db, None).await?;
    let tenants = store.list_tenants().await?;
    store.close().await;
    let text = if as_json {
        let items: Vec<_> = tenants
            .iter()
            .map(|t| {
                json!({
                    "tenantId": t.id,
                    "name": t.name,
                    "publishableKey": t.publishable_key,
                    "createdAt": t.created_at,
                })
            })
            .collect();
        json_line(&serde_json::Value::Array(items))
    } else if tenants.is_empty() {
        "No tenants yet: create one with `patchbay tenants create --name NAME`.\n".to_owned()
    } else {
        let mut text = String::new();
        for t in &tenants {
            let _ = writeln!(
                text,
                "{}  {}  {}  {}",
                t.id,
                t.publishable_key,
                t.created_at.format("%Y-%m-%dT%H:%M:%SZ"),
                t.name
            );
        }
        text
    };
    print_stdout(&text)
}
