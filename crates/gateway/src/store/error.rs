//! The store's one error type. Database failures display a generic message (the cause is
//! kept as the source for logs); constraint violations become typed `Conflict`/`NotFound`,
//! and a wrong encryption key is a loud `Crypto` error.

use sqlx::migrate::MigrateError;

use crate::crypto::CryptoError;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist (or belongs to another tenant).
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was violated.
    #[error("{what} already exists")]
    Conflict {
        /// What clashed, for the answer.
        what: String,
    },
    /// Encryption or decryption failed: wrong or missing key, altered data.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The database failed; the cause is the source (log it, do not show it).
    #[error("an internal database error occurred")]
    Database(#[source] sqlx::Error),
    /// Connecting to the database failed.
    #[error("cannot open the database: {0}")]
    Open(#[source] sqlx::Error),
    /// Migrations failed (modified, missing or failing migrations).
    #[error("database migration failed: {0}")]
    Migrate(#[source] MigrateError),
    /// The URL names no supported database.
    #[error(
        "unsupported database URL; expected `sqlite://FILE` or `postgres://USER@HOST/DB` \
         (--database or PATCHBAY_DATABASE_URL)"
    )]
    UnsupportedUrl,
    /// A stored value does not decode (a bug or manual edits).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        StoreError::Database(err)
    }
}

impl From<MigrateError> for StoreError {
    fn from(err: MigrateError) -> Self {
        StoreError::Migrate(err)
    }
}

impl StoreError {
    /// Maps a failed write: unique violations become `Conflict { what }`, foreign-key
    /// violations (a parent row that is gone) `NotFound`, anything else `Database`.
    pub(crate) fn from_write(err: sqlx::Error, what: impl FnOnce() -> String) -> Self {
        if let sqlx::Error::Database(db) = &err {
            if db.is_unique_violation() {
                return StoreError::Conflict { what: what() };
            }
            if db.is_foreign_key_violation() {
                return StoreError::NotFound;
            }
        }
        StoreError::Database(err)
    }
}
