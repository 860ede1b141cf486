//! Customers' endpoints in the database: rows with sealed secrets (the current one and, for
//! 24 hours after a rotation, the previous one), tenant-scoped reads and writes, and the
//! event patterns each endpoint asks for.

use crate::store::on_pool;
use patchbay_core::{EventFilter, EventType, Secret};

use crate::store::{Store, StoreError, TenantId, now_ms};

/// The operational event sent when an endpoint is disabled for failing.
pub const ENDPOINT_DISABLED: &str = "endpoint::disabled";
/// The event type of `POST /v1/webhooks/endpoints/{id}/test`.
pub const ENDPOINT_TEST: &str = "endpoint::test";

/// An event pattern an endpoint subscribes to: a unified pattern or `endpoint::disabled`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// `*`, `<model>::*`, `connection::*` or one event type.
    Unified(EventFilter),
    /// `endpoint::disabled` (or `endpoint::*`).
    EndpointDisabled,
}

impl Pattern {
    /// Parses one pattern.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s == ENDPOINT_DISABLED || s == "endpoint::*" {
            return Ok(Pattern::EndpointDisabled);
        }
        s.parse::<EventFilter>()
            .map(Pattern::Unified)
            .map_err(|e| e.to_string())
    }

    /// Whether an event of type `event_type` (its wire name) is selected.
    pub fn matches(&self, event_type: &str) -> bool {
        match self {
            Pattern::EndpointDisabled => event_type == ENDPOINT_DISABLED,
            Pattern::Unified(EventFilter::All) => true,
            Pattern::Unified(filter) => event_type
                .parse::<EventType>()
                .is_ok_and(|t| filter.matches(&t)),
        }
    }
}

/// A stored endpoint (secrets opened).
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// `ep_…`.
    pub id: String,
    /// Its tenant.
    pub tenant_id: String,
    /// Where deliveries go.
    pub url: String,
    /// The customer's note.
    pub description: Option<String>,
    /// Event patterns, as given.
    pub events: Vec<String>,
    /// Only events of connections of this connector, when set.
    pub connector_id: Option<String>,
    /// Only events of this owner's connection, when set.
    pub owner_id: Option<String>,
    /// The signing secret (`whsec_…`).
    pub secret: Secret,
    /// The secret a rotation replaced, and until when (epoch ms) it still signs.
    pub previous: Option<(Secret, i64)>,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// Why it was disabled, when the gateway disabled it.
    pub disabled_reason: Option<String>,
    /// When the current streak of failures began (epoch ms).
    pub failing_since: Option<i64>,
    /// Epoch ms.
    pub created_at: i64,
    /// Epoch ms.
    pub updated_at: i64,
}

impl Endpoint {
    /// Whether an event of `event_type` on connection (`connector_id`, `owner_id`) goes here.
    pub fn wants(
        &self,
        event_type: &str,
        connector_id: Option<&str>,
        owner_id: Option<&str>,
    ) -> bool {
        wants(
            &self.events,
            self.connector_id.as_deref(),
            self.owner_id.as_deref(),
            event_type,
            connector_id,
            owner_id,
        )
    }
}

/// The matching rule shared by stored endpoints and the outbox's lighter rows.
pub fn wants(
    patterns: &[String],
    endpoint_connector: Option<&str>,
    endpoint_owner: Option<&str>,
    event_type: &str,
    connector_id: Option<&str>,
    owner_id: Option<&str>,
) -> bool {
    // Operational events (no connection) ignore the connection filters.
    if connector_id.is_some() {
        if endpoint_connector.is_some_and(|c| Some(c) != connector_id) {
            return false;
        }
        if endpoint_owner.is_some_and(|o| Some(o) != owner_id) {
            return false;
        }
    }
    patterns
        .iter()
        .filter_map(|p| Pattern::parse(p).ok())
        .any(|p| p.matches(event_type))
}

/// The associated data sealing an endpoint secret to its row and column.
pub(crate) fn aad(column: &str, id: &str) -> Vec<u8> {
    format!("webhook_endpoints.{column}:{id}").into_bytes()
}

#[derive(sqlx::FromRow)]
struct EndpointRow {
    id: String,
    tenant_id: String,
    url: String,
    description: Option<String>,
    events: String,
    connector_id: Option<String>,
    owner_id: Option<String>,
    secret: Vec<u8>,
    previous_secret: Option<Vec<u8>>,
    previous_until: Option<i64>,
    enabled: bool,
    disabled_reason: Option<String>,
    failing_since: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str = "id, tenant_id, url, description, events, connector_id, owner_id, secret, \
    previous_secret, previous_until, enabled, disabled_reason, failing_since, created_at, updated_at";

/// What a create writes.
#[derive(Debug)]
pub struct NewEndpoint<'a> {
    /// Where to deliver.
    pub url: &'a str,
    /// A note.
    pub description: Option<&'a str>,
    /// Patterns.
    pub events: &'a [String],
    /// Connector filter.
    pub connector_id: Option<&'a str>,
    /// Owner filter.
    pub owner_id: Option<&'a str>,
    /// The first secret.
    pub secret: &'a str,
}

/// What an update changes (`None`: unchanged; `Some(None)`: cleared).
#[derive(Debug, Default)]
pub struct EndpointPatch {
    pub url: Option<String>,
    pub description: Option<Option<String>>,
    pub events: Option<Vec<String>>,
    pub connector_id: Option<Option<String>>,
    pub owner_id: Option<Option<String>>,
}

impl Store {
    fn open_secret(&self, blob: &[u8], column: &str, id: &str) -> Result<Secret, StoreError> {
        let plain = self.keyring()?.decrypt(blob, &aad(column, id))?;
        String::from_utf8(plain)
            .map(Secret::new)
            .map_err(|_| StoreError::Corrupt(format!("the secret of endpoint {id}")))
    }

    fn decode_endpoint(&self, row: EndpointRow) -> Result<Endpoint, StoreError> {
        let previous = match (row.previous_secret, row.previous_until) {
            (Some(blob), Some(until)) => {
                Some((self.open_secret(&blob, "previous_secret", &row.id)?, until))
            }
            _ => None,
        };
        Ok(Endpoint {
            secret: self.open_secret(&row.secret, "secret", &row.id)?,
            previous,
            events: crate::store::from_json_text(&row.events, "endpoint events")?,
            id: row.id,
            tenant_id: row.tenant_id,
            url: row.url,
            description: row.description,
            connector_id: row.connector_id,
            owner_id: row.owner_id,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            failing_since: row.failing_since,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    /// Inserts an enabled endpoint.
    pub async fn insert_endpoint(
        &self,
        tenant: &TenantId,
        new: &NewEndpoint<'_>,
    ) -> Result<Endpoint, StoreError> {
        let id = crate::store::random_id("ep_");
        let sealed = self
            .keyring()?
            .encrypt(new.secret.as_bytes(), &aad("secret", &id))?;
        let now = now_ms();
        let sql = format!(
            "INSERT INTO webhook_endpoints (id, tenant_id, url, description, events, connector_id, \
             owner_id, secret, enabled, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, TRUE, $9, $9) RETURNING {COLUMNS}"
        );
        let events = crate::store::to_json_text(&new.events)?;
        let row: EndpointRow = on_pool!(self, pool => {
            sqlx::query_as(&sql)
                .bind(&id)
                .bind(tenant.as_str())
                .bind(new.url)
                .bind(new.description)
                .bind(&events)
                .bind(new.connector_id)
                .bind(new.owner_id)
                .bind(&sealed)
                .bind(now)
                .fetch_one(pool)
                .await?
        });
        self.decode_endpoint(row)
    }

    /// The tenant's endpoint `id`.
    pub async fn endpoint(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<Endpoint>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2");
        let row: Option<EndpointRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(tenant.as_str()).bind(id).fetch_optional(pool).await?
        });
        row.map(|r| self.decode_endpoint(r)).transpose()
    }

    /// The tenant's endpoints, oldest first (at most 1,000).
    pub async fn endpoints(&self, tenant: &TenantId) -> Result<Vec<Endpoint>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 \
             ORDER BY created_at, id LIMIT 1000"
        );
        let rows: Vec<EndpointRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(tenant.as_str()).fetch_all(pool).await?
        });
        rows.into_iter().map(|r| self.decode_endpoint(r)).collect()
    }

    /// Applies `patch` to the tenant's endpoint `id`.
    pub async fn update_endpoint(
        &self,
        tenant: &TenantId,
        id: &str,
        patch: &EndpointPatch,
    ) -> Result<Option<Endpoint>, StoreError> {
        let Some(current) = self.endpoint(tenant, id).await? else {
            return Ok(None);
        };
        let events = crate::store::to_json_text(patch.events.as_ref().unwrap_or(&current.events))?;
        let sql = format!(
            "UPDATE webhook_endpoints SET url = $1, description = $2, events = $3, \
             connector_id = $4, owner_id = $5, updated_at = $6 \
             WHERE tenant_id = $7 AND id = $8 RETURNING {COLUMNS}"
        );
        let row: Option<EndpointRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql)
                .bind(patch.url.as_ref().unwrap_or(&current.url))
                .bind(patch.description.clone().unwrap_or(current.description))
                .bind(&events)
                .bind(patch.connector_id.clone().unwrap_or(current.connector_id))
                .bind(patch.owner_id.clone().unwrap_or(current.owner_id))
                .bind(now_ms())
                .bind(tenant.as_str())
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(|r| self.decode_endpoint(r)).transpose()
    }

    /// Deletes the tenant's endpoint `id` (its deliveries go with it); whether it existed.
    pub async fn delete_endpoint(&self, tenant: &TenantId, id: &str) -> Result<bool, StoreError> {
        let done = on_pool!(self, pool => {
            sqlx::query("DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2")
                .bind(tenant.as_str())
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(done > 0)
    }

    /// Enables or disables the endpoint (a re-enabled one starts a new failure streak).
    pub async fn set_endpoint_enabled(
        &self,
        tenant: &TenantId,
        id: &str,
        enabled: bool,
        reason: Option<&str>,
    ) -> Result<Option<Endpoint>, StoreError> {
        let sql = format!(
            "UPDATE webhook_endpoints SET enabled = $1, disabled_reason = $2, failing_since = NULL, \
             updated_at = $3 WHERE tenant_id = $4 AND id = $5 RETURNING {COLUMNS}"
        );
        let row: Option<EndpointRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql)
                .bind(enabled)
                .bind(reason)
                .bind(now_ms())
                .bind(tenant.as_str())
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(|r| self.decode_endpoint(r)).transpose()
    }

    /// Replaces the secret with `secret`; the old one keeps signing until `previous_until`.
    pub async fn rotate_endpoint_secret(
        &self,
        tenant: &TenantId,
        id: &str,
        secret: &str,
        previous_until: i64,
    ) -> Result<Option<Endpoint>, StoreError> {
        let Some(current) = self.endpoint(tenant, id).await? else {
            return Ok(None);
        };
        let keyring = self.keyring()?;
        let sealed = keyring.encrypt(secret.as_bytes(), &aad("secret", id))?;
        let previous = keyring.encrypt(
            current.secret.expose().as_bytes(),
            &aad("previous_secret", id),
        )?;
        let sql = format!(
            "UPDATE webhook_endpoints SET secret = $1, previous_secret = $2, previous_until = $3, \
             updated_at = $4 WHERE tenant_id = $5 AND id = $6 RETURNING {COLUMNS}"
        );
        let row: Option<EndpointRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql)
                .bind(&sealed)
                .bind(&previous)
                .bind(previous_until)
                .bind(now_ms())
                .bind(tenant.as_str())
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(|r| self.decode_endpoint(r)).transpose()
    }

    /// Every enabled endpoint of every tenant, as `(tenant, endpoint)` (for reconciling).
    pub async fn enabled_endpoints_of(&self, tenant: &str) -> Result<Vec<Endpoint>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 AND enabled");
        let rows: Vec<EndpointRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(tenant).fetch_all(pool).await?
        });
        rows.into_iter().map(|r| self.decode_endpoint(r)).collect()
    }
}
