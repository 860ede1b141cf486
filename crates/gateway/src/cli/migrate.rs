//! `patchbay migrate`, and what every database subcommand shares: open the configured
//! database (migrations applied first) and write the requested output to stdout.

use std::io::Write as _;

use clap::Args;

use super::CliError;
use crate::config::DatabaseArgs;
use crate::crypto::Keyring;
use crate::store::Store;

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
}

pub async fn run(args: MigrateArgs) -> Result<(), CliError> {
    let store = Store::open_without_keyring(&args.db.database).await?;
    let applied = store.apply_migrations().await?;
    let mut text = String::new();
    if applied.is_empty() {
        text.push_str(&format!(
            "{}: up to date ({} migrations)\n",
            args.db.redacted(),
            store.known_migrations()
        ));
    }
    for m in &applied {
        text.push_str(&format!("applied {:04} {}\n", m.version, m.description));
    }
    store.close().await;
    print_stdout(&text)
}

/// Opens the configured database and applies pending migrations. Without a keyring,
/// anything that must encrypt or decrypt fails loudly.
pub(super) async fn open_migrated(
    db: &DatabaseArgs,
    keyring: Option<Keyring>,
) -> Result<Store, CliError> {
    let store = match keyring {
        Some(keyring) => Store::open(&db.database, keyring).await?,
        None => Store::open_without_keyring(&db.database).await?,
    };
    let applied = store.apply_migrations().await?;
    for m in &applied {
        tracing::info!(version = m.version, description = %m.description, "applied migration");
    }
    Ok(store)
}

/// Writes `text` to stdout (the requested output; logs go to stderr).
pub(super) fn print_stdout(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// `value` as one line of JSON.
pub(super) fn json_line(value: &serde_json::Value) -> String {
    format!("{value}\n")
}
