//! Tenants and their API keys. A secret key is shown once and stored as its SHA-256 (keys
//! are 32 random bytes, so a fast hash is the right one); several may be live at once so
//! they can be rotated. Publishable keys are not secret: they name a tenant.

use chrono::{DateTime, Utc};
use patchbay_core::Secret;
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use super::ids::{new_publishable_key, new_secret_key, random_id};
use super::{Store, StoreError, TenantId, from_ms, now, now_ms};

/// Characters of a secret key kept for display (`sk_` and 8 more).
const DISPLAY_PREFIX_LEN: usize = 11;

/// One of our customers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    /// `ten_…`.
    pub id: TenantId,
    /// A label for operators.
    pub name: String,
    /// `pk_…`, sent as `x-api-key`; not secret.
    pub publishable_key: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A secret key as listed: never the key itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretKeyInfo {
    /// `key_…`.
    pub id: String,
    /// The tenant it authenticates.
    pub tenant_id: TenantId,
    /// An optional label.
    pub name: Option<String>,
    /// The first characters of the key (`sk_AbCd1234`), to recognise it.
    pub prefix: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A freshly created secret key: the only time the key itself is available.
#[derive(Debug, Clone)]
pub struct NewSecretKey {
    /// What is stored about it.
    pub info: SecretKeyInfo,
    /// `sk_…`: show it once.
    pub secret: Secret,
}

/// Who a request authenticated as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedKey {
    /// The tenant.
    pub tenant_id: TenantId,
    /// The secret key used (`key_…`).
    pub key_id: String,
}

#[derive(sqlx::FromRow)]
struct TenantRow {
    id: String,
    name: String,
    publishable_key: String,
    created_at: i64,
}

impl TenantRow {
    fn into_tenant(self) -> Result<Tenant, StoreError> {
        Ok(Tenant {
            id: TenantId::from_db(self.id),
            name: self.name,
            publishable_key: self.publishable_key,
            created_at: from_ms(self.created_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: String,
    tenant_id: String,
    name: Option<String>,
    prefix: String,
    created_at: i64,
    revoked_at: Option<i64>,
}

impl KeyRow {
    fn into_info(self) -> Result<SecretKeyInfo, StoreError> {
        Ok(SecretKeyInfo {
            id: self.id,
            tenant_id: TenantId::from_db(self.tenant_id),
            name: self.name,
            prefix: self.prefix,
            created_at: from_ms(self.created_at)?,
            revoked_at: self.revoked_at.map(from_ms).transpose()?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct AuthRow {
    key_id: String,
    tenant_id: String,
    publishable_key: String,
}

const TENANT_COLUMNS: &str = "SELECT id, name, publishable_key, created_at FROM tenants";
/// Inserts a key only when its tenant exists, so a missing tenant is "no row inserted" on
/// both backends rather than a foreign-key error.
const INSERT_KEY: &str = "INSERT INTO secret_keys (id, tenant_id, name, prefix, key_hash, created_at) \
     SELECT $1, id, $3, $4, $5, $6 FROM tenants WHERE id = $2";

/// A key about to be inserted, with the values of `INSERT_KEY` in order.
struct PendingKey {
    secret: String,
    info: SecretKeyInfo,
    created_ms: i64,
}

impl PendingKey {
    fn new(tenant: &TenantId, name: Option<&str>) -> Self {
        let secret = new_secret_key();
        let (created_ms, created_at) = now();
        let info = SecretKeyInfo {
            id: random_id("key_"),
            tenant_id: tenant.clone(),
            name: name.map(str::to_owned),
            prefix: secret.chars().take(DISPLAY_PREFIX_LEN).collect(),
            created_at,
            revoked_at: None,
        };
        Self {
            secret,
            info,
            created_ms,
        }
    }

    fn into_new_key(self) -> NewSecretKey {
        NewSecretKey {
            info: self.info,
            secret: Secret::new(self.secret),
        }
    }
}

fn hash_key(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

impl Store {
    /// Creates a tenant with a publishable key and its first secret key.
    pub async fn create_tenant(&self, name: &str) -> Result<(Tenant, NewSecretKey), StoreError> {
        let (created_ms, created_at) = now();
        let tenant = Tenant {
            id: TenantId::generate(),
            name: name.to_owned(),
            publishable_key: new_publishable_key(),
            created_at,
        };
        let key = PendingKey::new(&tenant.id, None);
        let hash = hash_key(&key.secret);
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO tenants (id, name, publishable_key, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(tenant.id.as_str())
            .bind(&tenant.name)
            .bind(&tenant.publishable_key)
            .bind(created_ms)
            .execute(&mut *tx)
            .await?;
            sqlx::query(INSERT_KEY)
                .bind(&key.info.id)
                .bind(tenant.id.as_str())
                .bind(key.info.name.as_deref())
                .bind(&key.info.prefix)
                .bind(&hash)
                .bind(key.created_ms)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok((tenant, key.into_new_key()))
    }

    /// The tenant `id`, if it exists.
    pub async fn tenant(&self, id: &TenantId) -> Result<Option<Tenant>, StoreError> {
        let sql = format!("{TENANT_COLUMNS} WHERE id = $1");
        let row: Option<TenantRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(id.as_str()).fetch_optional(pool).await?
        });
        row.map(TenantRow::into_tenant).transpose()
    }

    /// The first tenant (by creation) named `name`.
    pub async fn tenant_by_name(&self, name: &str) -> Result<Option<Tenant>, StoreError> {
        let sql = format!("{TENANT_COLUMNS} WHERE name = $1 ORDER BY created_at, id LIMIT 1");
        let row: Option<TenantRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(name).fetch_optional(pool).await?
        });
        row.map(TenantRow::into_tenant).transpose()
    }

    /// Every tenant, oldest first.
    pub async fn list_tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        let sql = format!("{TENANT_COLUMNS} ORDER BY created_at, id");
        let rows: Vec<TenantRow> =
            on_pool!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
        rows.into_iter().map(TenantRow::into_tenant).collect()
    }

    /// Adds a live secret key to `tenant` (`NotFound` if there is no such tenant).
    pub async fn create_secret_key(
        &self,
        tenant: &TenantId,
        name: Option<&str>,
    ) -> Result<NewSecretKey, StoreError> {
        let key = PendingKey::new(tenant, name);
        let hash = hash_key(&key.secret);
        let inserted = on_pool!(self, pool => {
            sqlx::query(INSERT_KEY)
                .bind(&key.info.id)
                .bind(tenant.as_str())
                .bind(key.info.name.as_deref())
                .bind(&key.info.prefix)
                .bind(&hash)
                .bind(key.created_ms)
                .execute(pool)
                .await
                .map_err(|e| StoreError::from_write(e, || "secret key".into()))?
                .rows_affected()
        });
        if inserted == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(key.into_new_key())
    }

    /// The tenant's secret keys (live and revoked), oldest first.
    pub async fn list_secret_keys(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<SecretKeyInfo>, StoreError> {
        let sql = "SELECT id, tenant_id, name, prefix, created_at, revoked_at FROM secret_keys \
                   WHERE tenant_id = $1 ORDER BY created_at, id";
        let rows: Vec<KeyRow> = on_pool!(self, pool => {
            sqlx::query_as(sql).bind(tenant.as_str()).fetch_all(pool).await?
        });
        rows.into_iter().map(KeyRow::into_info).collect()
    }

    /// Revokes a live key of `tenant`; `false` if there is no such live key.
    pub async fn revoke_secret_key(
        &self,
        tenant: &TenantId,
        key_id: &str,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE secret_keys SET revoked_at = $1 \
                   WHERE id = $2 AND tenant_id = $3 AND revoked_at IS NULL";
        let affected = on_pool!(self, pool => {
            sqlx::query(sql)
                .bind(now_ms())
                .bind(key_id)
                .bind(tenant.as_str())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(affected > 0)
    }

    /// The tenant of a live secret key. When `publishable` is given it must be that
    /// tenant's publishable key, else `None`.
    pub async fn authenticate(
        &self,
        publishable: Option<&str>,
        secret: &str,
    ) -> Result<Option<AuthenticatedKey>, StoreError> {
        if !secret.starts_with("sk_") {
            return Ok(None);
        }
        let hash = hash_key(secret);
        let sql = "SELECT k.id AS key_id, k.tenant_id, t.publishable_key \
                   FROM secret_keys k JOIN tenants t ON t.id = k.tenant_id \
                   WHERE k.key_hash = $1 AND k.revoked_at IS NULL";
        let row: Option<AuthRow> = on_pool!(self, pool => {
            sqlx::query_as(sql).bind(&hash).fetch_optional(pool).await?
        });
        let Some(row) = row else {
            return Ok(None);
        };
        if let Some(pk) = publishable
            && !bool::from(pk.as_bytes().ct_eq(row.publishable_key.as_bytes()))
        {
            return Ok(None);
        }
        Ok(Some(AuthenticatedKey {
            tenant_id: TenantId::from_db(row.tenant_id),
            key_id: row.key_id,
        }))
    }
}
