//! Configuration shared by subcommands: the database URL (`--database`,
//! `PATCHBAY_DATABASE_URL`) and the encryption keyring (`PATCHBAY_ENCRYPTION_KEY`).
//! Both may hold secrets, so neither is ever printed whole. Either may also come from the
//! configuration file (`cli::layers`).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::OnceLock;

use crate::crypto::{CryptoError, Keyring};

/// The environment variable holding the encryption keyring.
pub const ENCRYPTION_KEY_VAR: &str = "PATCHBAY_ENCRYPTION_KEY";
/// The environment variable holding the database URL.
pub const DATABASE_URL_VAR: &str = "PATCHBAY_DATABASE_URL";
/// The database used when none is configured.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://patchbay.db";

/// Which database to use.
#[derive(Clone, clap::Args)]
pub struct DatabaseArgs {
    /// Database URL: `sqlite://FILE` (created if missing) or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = DATABASE_URL_VAR,
        default_value = DEFAULT_DATABASE_URL,
        hide_env_values = true
    )]
    pub database: String,
}

impl DatabaseArgs {
    /// The URL with any password replaced by `***`, for logs.
    pub fn redacted(&self) -> String {
        redact_url(&self.database)
    }
}

impl fmt::Debug for DatabaseArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseArgs")
            .field("database", &self.redacted())
            .finish()
    }
}

/// A configuration problem, worded for the operator who has to fix it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The keyring variable is unset or empty.
    #[error(
        "{ENCRYPTION_KEY_VAR} is not set; create a key with `patchbay encryption generate-key` \
         and export {ENCRYPTION_KEY_VAR}=<the printed entry>"
    )]
    MissingEncryptionKey,
    /// The keyring variable does not parse.
    #[error("{ENCRYPTION_KEY_VAR} is invalid: {0}")]
    InvalidEncryptionKey(#[source] CryptoError),
}

/// Settings of the configuration file that no flag reads (see `cli::layers`).
#[derive(Default)]
pub struct FileSettings {
    /// The file they came from.
    pub path: Option<PathBuf>,
    /// Values by environment variable name.
    pub values: BTreeMap<String, String>,
}

impl fmt::Debug for FileSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Such settings are secrets (the encryption keyring): names only.
        f.debug_struct("FileSettings")
            .field("path", &self.path)
            .field("keys", &self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

static FILE_SETTINGS: OnceLock<FileSettings> = OnceLock::new();

/// Publishes the configuration file's flagless settings, once, at start.
pub fn install_file_settings(settings: FileSettings) {
    let _ = FILE_SETTINGS.set(settings);
}

/// Where a flagless setting came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The environment.
    Environment,
    /// The configuration file.
    File,
}

/// A flagless setting: the environment variable `var`, else the configuration file's value.
pub fn setting(var: &str) -> Option<(String, Source)> {
    match std::env::var(var) {
        Ok(value) if !value.trim().is_empty() => Some((value, Source::Environment)),
        _ => FILE_SETTINGS
            .get()
            .and_then(|f| f.values.get(var))
            .map(|v| (v.clone(), Source::File)),
    }
}

/// The keyring from `PATCHBAY_ENCRYPTION_KEY` (or `encryption_key` in the file).
pub fn keyring_from_env() -> Result<Keyring, ConfigError> {
    keyring_from(setting(ENCRYPTION_KEY_VAR).map(|(v, _)| v).as_deref())
}

/// The keyring from the value of `PATCHBAY_ENCRYPTION_KEY` (`None` when unset).
pub fn keyring_from(value: Option<&str>) -> Result<Keyring, ConfigError> {
    match value.map(str::trim) {
        None | Some("") => Err(ConfigError::MissingEncryptionKey),
        Some(spec) => Keyring::parse(spec).map_err(ConfigError::InvalidEncryptionKey),
    }
}

/// `url` with the password of its user-info (if any) replaced by `***`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Only fails for URLs that cannot have a password, which this one has.
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        Err(_) => "<unparseable database URL>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn missing_key_names_the_variable_and_the_fix() {
        let err = keyring_from(None).unwrap_err().to_string();
        assert!(err.contains("PATCHBAY_ENCRYPTION_KEY"), "{err}");
        assert!(err.contains("patchbay encryption generate-key"), "{err}");
        assert!(matches!(
            keyring_from(Some(" ")),
            Err(ConfigError::MissingEncryptionKey)
        ));
        let err = keyring_from(Some("k1:short")).unwrap_err().to_string();
        assert!(
            err.starts_with("PATCHBAY_ENCRYPTION_KEY is invalid"),
            "{err}"
        );
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db:5432/patchbay"),
            "postgres://app:***@db:5432/patchbay"
        );
        assert_eq!(redact_url("sqlite://patchbay.db"), "sqlite://patchbay.db");
        let args = DatabaseArgs {
            database: "postgres://app:hunter2@db/x".into(),
        };
        assert!(!format!("{args:?}").contains("hunter2"));
    }
}
