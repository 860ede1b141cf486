//! The gateway's database: SQLite or PostgreSQL chosen by URL, one SQL text per query
//! (`$n` placeholders work on both), embedded migrations per backend, and typed errors
//! that hide database internals. Encrypted columns go through the [`Keyring`].

/// Runs `$body` with `$pool` bound to the concrete pool of `$store`: the body is written
/// once and compiled once per backend, so queries stay statically typed on each.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store.pool() {
            $crate::store::Pool::Sqlite($pool) => $body,
            $crate::store::Pool::Postgres($pool) => $body,
        }
    };
}
// For modules outside `store` (workers, the webhook outbox) that need their own SQL.
#[allow(unused_imports)]
pub(crate) use on_pool;

mod connections;
mod credentials;
mod custom_fields;
mod error;
mod events;
mod ids;
mod oauth_states;
mod refresh;
mod reports;
mod rotation;
mod settings;
mod tenants;

use std::str::FromStr as _;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::Connection as _;
use sqlx::migrate::{Migrate as _, Migrator};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::crypto::{CryptoError, Keyring};

pub use connections::{Connection, ConnectionFilter, ConnectionStatus, ParseStatusError};
pub use credentials::Credentials;
pub use custom_fields::{CustomField, CustomFieldDef};
pub use error::StoreError;
pub use events::ConnectionEvent;
pub use ids::{ConnectionId, InvalidId, TenantId};
pub(crate) use ids::{random_base64url, random_id};
pub use oauth_states::{NewOAuthState, OAUTH_STATE_TTL, OAuthState, StateRefusal, new_state};
pub use refresh::Rotation;
pub use reports::{JobStatus, JobStep, NewReportJob, ReportJob};
pub use rotation::RotationReport;
pub use settings::TenantSettings;
pub use tenants::{AuthenticatedKey, NewSecretKey, SecretKeyInfo, Tenant};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/postgres");

/// How long a SQLite connection waits for another writer before failing.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a request waits for a pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Which database engine a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file (`sqlite://…`).
    Sqlite,
    /// A PostgreSQL server (`postgres://…`).
    Postgres,
}

impl Backend {
    /// The backend a URL selects, if any.
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// The connection pool of one backend. Later modules (webhook outbox, workers) match on it
/// to use backend-specific SQL such as `FOR UPDATE SKIP LOCKED`.
#[derive(Debug, Clone)]
pub enum Pool {
    /// SQLite.
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Postgres(PgPool),
}

/// A migration that [`Store::apply_migrations`] applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationInfo {
    /// The migration's version (its file-name prefix).
    pub version: i64,
    /// Its description (the rest of the file name).
    pub description: String,
}

/// The database and the keyring that seals its encrypted columns. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
    keyring: Option<Keyring>,
}

impl Store {
    /// Connects to `url` (`sqlite://FILE`, created if missing, or `postgres://…`). Does not
    /// migrate: call [`Store::migrate`].
    pub async fn open(url: &str, keyring: Keyring) -> Result<Store, StoreError> {
        Self::connect(url, Some(keyring)).await
    }

    /// Connects without a keyring, for work that never touches secrets (tenants, keys,
    /// migrations); anything that must encrypt or decrypt fails with
    /// [`CryptoError::NoKeyring`].
    pub async fn open_without_keyring(url: &str) -> Result<Store, StoreError> {
        Self::connect(url, None).await
    }

    async fn connect(url: &str, keyring: Option<Keyring>) -> Result<Store, StoreError> {
        let pool = match Backend::from_url(url).ok_or(StoreError::UnsupportedUrl)? {
            Backend::Sqlite => Pool::Sqlite(connect_sqlite(url).await?),
            Backend::Postgres => Pool::Postgres(connect_postgres(url).await?),
        };
        Ok(Store { pool, keyring })
    }

    /// The same database under another keyring (shares the pool).
    pub fn with_keyring(&self, keyring: Keyring) -> Store {
        Store {
            pool: self.pool.clone(),
            keyring: Some(keyring),
        }
    }

    /// The same database without a keyring (shares the pool).
    pub fn without_keyring(&self) -> Store {
        Store {
            pool: self.pool.clone(),
            keyring: None,
        }
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// The connection pool, for backend-specific queries.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The keyring, or a loud error when the store was opened without one.
    pub fn keyring(&self) -> Result<&Keyring, StoreError> {
        self.keyring
            .as_ref()
            .ok_or(StoreError::Crypto(CryptoError::NoKeyring))
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        self.apply_migrations().await.map(drop)
    }

    /// Applies pending migrations and says which ones it applied (empty: up to date).
    pub async fn apply_migrations(&self) -> Result<Vec<MigrationInfo>, StoreError> {
        let migrator = match self.backend() {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let applied_before = on_pool!(self, pool => {
            let mut conn = pool.acquire().await?;
            conn.ensure_migrations_table().await?;
            let applied = conn.list_applied_migrations().await?;
            migrator.run(&mut *conn).await?;
            applied
        });
        Ok(migrator
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .filter(|m| !applied_before.iter().any(|a| a.version == m.version))
            .map(|m| MigrationInfo {
                version: m.version,
                description: m.description.to_string(),
            })
            .collect())
    }

    /// Every migration this binary knows, in order.
    pub fn known_migrations(&self) -> usize {
        match self.backend() {
            Backend::Sqlite => SQLITE_MIGRATIONS.iter().count(),
            Backend::Postgres => POSTGRES_MIGRATIONS.iter().count(),
        }
    }

    /// The versions of known migrations not applied to this database (empty: current).
    pub async fn pending_migrations(&self) -> Result<Vec<i64>, StoreError> {
        let migrator = match self.backend() {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let applied = on_pool!(self, pool => {
            let mut conn = pool.acquire().await?;
            conn.list_applied_migrations().await?
        });
        Ok(migrator
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .filter(|m| !applied.iter().any(|a| a.version == m.version))
            .map(|m| m.version)
            .collect())
    }

    /// A round trip to the database.
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(drop)?);
        Ok(())
    }

    /// Closes every pooled connection (SQLite checkpoints its WAL).
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await);
    }
}

async fn connect_sqlite(url: &str) -> Result<SqlitePool, StoreError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(StoreError::Open)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(SQLITE_BUSY_TIMEOUT);
    // Every connection to `:memory:` is its own database: keep exactly one, forever.
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    let pool = if in_memory {
        SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
    } else {
        SqlitePoolOptions::new().max_connections(8)
    };
    pool.acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(StoreError::Open)
}

async fn connect_postgres(url: &str) -> Result<PgPool, StoreError> {
    let options = PgConnectOptions::from_str(url).map_err(StoreError::Open)?;
    // One direct connection first: a pool retries until its timeout and then reports only
    // "timed out", while this says why (connection refused, unknown role, bad password).
    PgConnection::connect_with(&options)
        .await
        .map_err(StoreError::Open)?
        .close()
        .await
        .map_err(StoreError::Open)?;
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(StoreError::Open)
}

/// Now, as stored: epoch milliseconds.
pub(crate) fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Now, both as stored (epoch milliseconds) and as the time that reads back from it.
pub(crate) fn now() -> (i64, DateTime<Utc>) {
    let now = Utc::now();
    let ms = now.timestamp_millis();
    (ms, DateTime::from_timestamp_millis(ms).unwrap_or(now))
}

/// A stored epoch-milliseconds value as a time.
pub(crate) fn from_ms(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::Corrupt(format!("timestamp {ms} is out of range")))
}

/// The JSON text of a list of strings (operations, options).
pub(crate) fn to_json_text<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Corrupt(format!("cannot encode a stored value: {e}")))
}

/// A stored JSON text back as a value.
pub(crate) fn from_json_text<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}
