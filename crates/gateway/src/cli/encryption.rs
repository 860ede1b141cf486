//! `patchbay encryption generate-key|rotate`: make a keyring entry for
//! `PATCHBAY_ENCRYPTION_KEY`, and re-encrypt every stored secret under its first (active)
//! key so older keys can be removed.

use std::io::Write as _;

use clap::{Args, Subcommand};
use serde_json::json;

use super::CliError;
use super::migrate::{json_line, open_migrated, print_stdout};
use crate::config::{DatabaseArgs, ENCRYPTION_KEY_VAR, keyring_from_env};
use crate::crypto::Keyring;

#[derive(Debug, Args)]
pub struct EncryptionArgs {
    #[command(subcommand)]
    pub command: EncryptionCommand,
}

#[derive(Debug, Subcommand)]
pub enum EncryptionCommand {
    /// Print a fresh keyring entry `id:base64key` (32 random bytes). Put it first in
    /// PATCHBAY_ENCRYPTION_KEY (comma-separated) to make it the active key.
    GenerateKey {
        /// The key id (letters, digits, `_`, `-`, `.`); default `k` + the current UTC time.
        #[arg(long)]
        id: Option<String>,
    },
    /// Re-encrypt every stored secret under the first key of PATCHBAY_ENCRYPTION_KEY;
    /// afterwards the other keys can be removed.
    Rotate {
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

pub async fn run(args: EncryptionArgs) -> Result<(), CliError> {
    match args.command {
        EncryptionCommand::GenerateKey { id } => generate(id),
        EncryptionCommand::Rotate { json, db } => rotate(json, &db).await,
    }
}

fn generate(id: Option<String>) -> Result<(), CliError> {
    let id = id.unwrap_or_else(|| format!("k{}", chrono::Utc::now().format("%Y%m%d%H%M%S")));
    let entry = Keyring::generate(&id);
    // Parsing what we print checks the id, with the keyring's own message.
    Keyring::parse(&entry)?;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "New key `{id}`. Put it first in {ENCRYPTION_KEY_VAR}, keeping the old keys after it \
         (comma-separated), restart the gateway, then run `patchbay encryption rotate`."
    );
    print_stdout(&format!("{entry}\n"))
}

async fn rotate(as_json: bool, db: &DatabaseArgs) -> Result<(), CliError> {
    let keyring = keyring_from_env()?;
    let store = open_migrated(db, Some(keyring)).await?;
    let result = store.rotate_encryption().await;
    store.close().await;
    let report = result?;
    tracing::info!(
        active_key = %report.active_key_id,
        reencrypted = report.reencrypted,
        already_current = report.already_current,
        skipped = report.skipped,
        "rotation finished"
    );
    let text = if as_json {
        json_line(&json!({
            "activeKeyId": report.active_key_id,
            "reencrypted": report.reencrypted,
            "alreadyCurrent": report.already_current,
            "skipped": report.skipped,
        }))
    } else {
        format!(
            "Re-encrypted {} value(s) under key {} ({} already under it, {} skipped: deleted \
             or changed while rotating).\n",
            report.reencrypted, report.active_key_id, report.already_current, report.skipped
        )
    };
    print_stdout(&text)
}
