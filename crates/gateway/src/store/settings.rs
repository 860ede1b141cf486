//! Tenant-wide settings: for now the redirect allow-list, the URLs an authorization may send
//! an end user back to. A tenant without a row has the defaults (an empty list).

use chrono::{DateTime, Utc};

use super::{Store, StoreError, TenantId, from_json_text, from_ms, now, to_json_text};

/// A tenant's settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TenantSettings {
    /// Allowed redirect URLs (see `http::settings` for the matching rule).
    pub redirect_urls: Vec<String>,
    /// When they last changed (`None`: never set).
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct SettingsRow {
    redirect_urls: String,
    updated_at: i64,
}

impl Store {
    /// The settings of `tenant` (defaults when never set).
    pub async fn tenant_settings(&self, tenant: &TenantId) -> Result<TenantSettings, StoreError> {
        let sql = "SELECT redirect_urls, updated_at FROM tenant_settings WHERE tenant_id = $1";
        let row: Option<SettingsRow> = on_pool!(self, pool => {
            sqlx::query_as(sql).bind(tenant.as_str()).fetch_optional(pool).await?
        });
        match row {
            None => Ok(TenantSettings::default()),
            Some(row) => Ok(TenantSettings {
                redirect_urls: from_json_text(&row.redirect_urls, "redirect URLs")?,
                updated_at: Some(from_ms(row.updated_at)?),
            }),
        }
    }

    /// Replaces the redirect allow-list of `tenant` (`NotFound` without such a tenant).
    pub async fn set_redirect_urls(
        &self,
        tenant: &TenantId,
        urls: &[String],
    ) -> Result<TenantSettings, StoreError> {
        let (now_ms, now) = now();
        let text = to_json_text(&urls)?;
        // Inserted only when the tenant exists, so a missing tenant is no row on both backends.
        let sql = "INSERT INTO tenant_settings (tenant_id, redirect_urls, updated_at) \
                   SELECT id, $2, $3 FROM tenants WHERE id = $1 \
                   ON CONFLICT (tenant_id) DO UPDATE SET redirect_urls = excluded.redirect_urls, \
                   updated_at = excluded.updated_at";
        let written = on_pool!(self, pool => {
            sqlx::query(sql)
                .bind(tenant.as_str())
                .bind(&text)
                .bind(now_ms)
                .execute(pool)
                .await?
                .rows_affected()
        });
        if written == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(TenantSettings {
            redirect_urls: urls.to_vec(),
            updated_at: Some(now),
        })
    }
}
