//! Configuration shared by subcommands: the database URL (`--database`,
//! `PATCHBAY_DATABASE_URL`) and the encryption keyring (`PATCHBAY_ENCRYPTION_KEY`).
//! Both may hold secrets, so neither is ever printed whole.

use std::fmt;

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

/// The keyring from `PATCHBAY_ENCRYPTION_KEY`.
pub fn keyring_from_env() -> Result<Keyring, ConfigError> {
    keyring_from(std::env::var(ENCRYPTION_KEY_VAR).ok().as_deref())
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
