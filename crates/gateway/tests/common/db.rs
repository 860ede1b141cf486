//! A fresh database per call, on the backend the run asks for: PostgreSQL when
//! `PATCHBAY_TEST_DATABASE_URL` is a `postgres://` URL (a new database on that server),
//! else a SQLite file in a new temporary directory. Self-contained: include it with `mod`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Once;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use patchbay_gateway::crypto::Keyring;
use rand::Rng as _;
use rand::distributions::Alphanumeric;
use sqlx::Connection as _;

/// The variable selecting PostgreSQL (a server URL; its database is only used to connect).
pub const TEST_DATABASE_URL_VAR: &str = "PATCHBAY_TEST_DATABASE_URL";
/// Test databases older than this that nobody is connected to are dropped by later runs
/// (a plain `DROP DATABASE` fails while a test still holds a connection).
const PG_STALE_AFTER: Duration = Duration::from_secs(10 * 60);
/// Test directories older than this are removed by later runs.
const DIR_STALE_AFTER: Duration = Duration::from_secs(6 * 3600);
const PG_PREFIX: &str = "patchbay_test_";
const DIR_PREFIX: &str = "patchbay-test-";

/// A URL of a fresh, empty database (not migrated).
pub async fn test_database_url() -> String {
    match std::env::var(TEST_DATABASE_URL_VAR) {
        Ok(server) if server.starts_with("postgres://") || server.starts_with("postgresql://") => {
            fresh_postgres(&server).await
        }
        _ => fresh_sqlite(),
    }
}

/// Whether this run tests PostgreSQL.
pub fn testing_postgres() -> bool {
    std::env::var(TEST_DATABASE_URL_VAR).is_ok_and(|u| u.starts_with("postgres"))
}

/// The keyring tests use: one fixed key, `test`.
pub fn test_keyring() -> Keyring {
    Keyring::parse(&test_keyring_spec()).expect("test keyring")
}

/// The `PATCHBAY_ENCRYPTION_KEY` value of [`test_keyring`].
pub fn test_keyring_spec() -> String {
    keyring_entry("test", 7)
}

/// A keyring entry `id:base64([byte; 32])`, deterministic for tests.
pub fn keyring_entry(id: &str, byte: u8) -> String {
    use base64::Engine as _;
    format!(
        "{id}:{}",
        base64::engine::general_purpose::STANDARD.encode([byte; 32])
    )
}

/// Drops a database made by [`test_database_url`] (PostgreSQL only; SQLite files stay in
/// the temporary directory and later runs sweep them, as they do forgotten databases).
pub async fn drop_test_database(url: &str) {
    let Ok(server) = std::env::var(TEST_DATABASE_URL_VAR) else {
        return;
    };
    let Some(name) = database_name(url).filter(|n| n.starts_with(PG_PREFIX)) else {
        return;
    };
    if let Ok(mut conn) = sqlx::PgConnection::connect(&server).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut conn)
            .await;
        let _ = conn.close().await;
    }
}

async fn fresh_postgres(server: &str) -> String {
    let mut conn = sqlx::PgConnection::connect(server)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {TEST_DATABASE_URL_VAR}: {e}"));
    static SWEEP: Once = Once::new();
    let mut sweep = false;
    SWEEP.call_once(|| sweep = true);
    if sweep {
        sweep_postgres(&mut conn).await;
    }
    let name = format!("{PG_PREFIX}{}_{}", unix_secs(), random_suffix());
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let _ = conn.close().await;
    with_database(server, &name)
}

/// Drops unused test databases older than [`PG_STALE_AFTER`] (names carry their time).
async fn sweep_postgres(conn: &mut sqlx::PgConnection) {
    let names: Vec<(String,)> =
        sqlx::query_as("SELECT datname FROM pg_database WHERE datname LIKE $1")
            .bind(format!("{PG_PREFIX}%"))
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
    let cutoff = unix_secs().saturating_sub(PG_STALE_AFTER.as_secs());
    for (name,) in names {
        let created = name
            .strip_prefix(PG_PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        if created.is_some_and(|t| t < cutoff) {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\""))
                .execute(&mut *conn)
                .await;
        }
    }
}

fn fresh_sqlite() -> String {
    static SWEEP: Once = Once::new();
    SWEEP.call_once(sweep_sqlite_dirs);
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "{DIR_PREFIX}{}-{}-{}",
        unix_secs(),
        std::process::id(),
        random_suffix()
    ));
    std::fs::create_dir_all(&dir).expect("create test directory");
    format!("sqlite://{}", dir.join("patchbay.db").display())
}

fn sweep_sqlite_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    let cutoff = unix_secs().saturating_sub(DIR_STALE_AFTER.as_secs());
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let created = name
            .strip_prefix(DIR_PREFIX)
            .and_then(|rest| rest.split('-').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        if created.is_some_and(|t| t < cutoff) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The database name of a URL (its path).
fn database_name(url: &str) -> Option<String> {
    let base = url.split('?').next()?;
    let after_scheme = base.find("://")? + 3;
    let slash = after_scheme + base[after_scheme..].find('/')?;
    Some(base[slash + 1..].to_owned())
}

/// `url` pointing at database `name` instead.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |i| after_scheme + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn random_suffix() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(10)
        .map(|b| char::from(b).to_ascii_lowercase())
        .collect()
}
