//! The store against a real database: SQLite by default, PostgreSQL when
//! `PATCHBAY_TEST_DATABASE_URL` is set (see `tests/run`). Tenants and keys, tenant
//! isolation, connections, credentials sealed at rest, key rotation and custom fields.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/db.rs"]
mod db;

mod connections;
mod custom_fields;
mod encryption;
mod report_jobs;
mod tenants;

use patchbay_core::{Operation, Secret};
use patchbay_gateway::store::{ConnectionId, Credentials, Pool, Store};

pub async fn new_store() -> Store {
    let url = db::test_database_url().await;
    let store = Store::open(&url, db::test_keyring()).await.unwrap();
    store.migrate().await.unwrap();
    store
}

pub fn ops(list: &[&str]) -> Vec<Operation> {
    list.iter().map(|s| s.parse().unwrap()).collect()
}

pub fn api_key(key: &str) -> Credentials {
    Credentials::ApiKey {
        api_key: Secret::new(key),
    }
}

pub async fn raw_credentials(store: &Store, id: &ConnectionId) -> Option<Vec<u8>> {
    let sql = "SELECT credentials FROM connections WHERE id = $1";
    let (blob,): (Option<Vec<u8>>,) = match store.pool() {
        Pool::Sqlite(p) => sqlx::query_as(sql).bind(id.as_str()).fetch_one(p).await,
        Pool::Postgres(p) => sqlx::query_as(sql).bind(id.as_str()).fetch_one(p).await,
    }
    .unwrap();
    blob
}

pub async fn set_raw_credentials(store: &Store, id: &ConnectionId, blob: &[u8]) {
    let sql = "UPDATE connections SET credentials = $1 WHERE id = $2";
    let affected = match store.pool() {
        Pool::Sqlite(p) => sqlx::query(sql)
            .bind(blob)
            .bind(id.as_str())
            .execute(p)
            .await
            .unwrap()
            .rows_affected(),
        Pool::Postgres(p) => sqlx::query(sql)
            .bind(blob)
            .bind(id.as_str())
            .execute(p)
            .await
            .unwrap()
            .rows_affected(),
    };
    assert_eq!(affected, 1);
}
