//! What happened to deliveries (for `GET …/deliveries`) and the customer's levers on them:
//! retry one now, replay an endpoint's events since a time.

use crate::store::on_pool;
use crate::store::{Store, StoreError, TenantId, now_ms, random_id};

/// A delivery with its attempts.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub event_type: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One attempt.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRow {
    pub delivery_id: String,
    pub attempted_at: i64,
    pub response_code: Option<i64>,
    pub latency_ms: i64,
    pub response_body: Option<String>,
    pub error: Option<String>,
}

impl Store {
    /// The endpoint's deliveries, newest first, created before `before` (epoch ms), at most
    /// `limit`, optionally of one status; with their attempts.
    pub async fn deliveries(
        &self,
        tenant: &TenantId,
        endpoint_id: &str,
        status: Option<&str>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<(Vec<DeliveryRow>, Vec<AttemptRow>), StoreError> {
        let sql = "SELECT d.id, d.endpoint_id, d.event_id, e.event_type, d.status, d.attempts, \
                   d.next_attempt_at, d.created_at, d.updated_at FROM webhook_deliveries d \
                   JOIN webhook_events e ON e.id = d.event_id \
                   WHERE d.tenant_id = $1 AND d.endpoint_id = $2 AND (CAST($3 AS TEXT) IS NULL OR d.status = CAST($3 AS TEXT)) \
                   AND d.created_at < $4 ORDER BY d.created_at DESC, d.id DESC LIMIT $5";
        let rows: Vec<DeliveryRow> = on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(tenant.as_str())
                .bind(endpoint_id)
                .bind(status)
                .bind(before.unwrap_or(i64::MAX))
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        let mut attempts = Vec::new();
        for row in &rows {
            let mut some: Vec<AttemptRow> = on_pool!(self, pool => {
                sqlx::query_as(
                    "SELECT delivery_id, attempted_at, response_code, latency_ms, response_body, \
                     error FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempted_at",
                )
                .bind(&row.id)
                .fetch_all(pool)
                .await?
            });
            attempts.append(&mut some);
        }
        Ok((rows, attempts))
    }

    /// Makes the tenant's delivery `id` due now (a new attempt, whatever its status);
    /// whether it exists.
    pub async fn retry_delivery(&self, tenant: &TenantId, id: &str) -> Result<bool, StoreError> {
        let now = now_ms();
        let done = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1, \
                 lease_owner = NULL, lease_until = NULL, updated_at = $1 \
                 WHERE tenant_id = $2 AND id = $3",
            )
            .bind(now)
            .bind(tenant.as_str())
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done > 0)
    }

    /// Queues again, for endpoint `endpoint_id`, every event since `since` (epoch ms) that
    /// it was sent and did not take (failed deliveries, due now again); answers how many.
    pub async fn replay_failed(
        &self,
        tenant: &TenantId,
        endpoint_id: &str,
        since: i64,
    ) -> Result<u64, StoreError> {
        let now = now_ms();
        let done = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1, \
                 lease_owner = NULL, lease_until = NULL, updated_at = $1 \
                 WHERE tenant_id = $2 AND endpoint_id = $3 AND status = 'failed' AND created_at >= $4",
            )
            .bind(now)
            .bind(tenant.as_str())
            .bind(endpoint_id)
            .bind(since)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done)
    }

    /// Queues a delivery to `endpoint_id` of each of the tenant's events since `since` that
    /// this endpoint never had a delivery of (events from before it existed, or before it
    /// subscribed); answers the candidates' (id, type, connector, owner) for matching.
    pub async fn events_without_delivery(
        &self,
        tenant: &TenantId,
        endpoint_id: &str,
        since: i64,
        limit: i64,
    ) -> Result<Vec<(String, String, Option<String>, Option<String>)>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT e.id, e.event_type, c.connector_id, c.owner_id FROM webhook_events e \
                 LEFT JOIN connections c ON c.id = e.connection_id WHERE e.tenant_id = $1 AND e.created_at >= $2 AND NOT EXISTS \
                 (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.endpoint_id = $3) \
                 ORDER BY e.created_at LIMIT $4",
            )
            .bind(tenant.as_str())
            .bind(since)
            .bind(endpoint_id)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Queues one delivery of each event in `event_ids` to `endpoint_id`.
    pub async fn add_deliveries(
        &self,
        tenant: &TenantId,
        endpoint_id: &str,
        event_ids: &[String],
    ) -> Result<(), StoreError> {
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for event in event_ids {
                sqlx::query(
                    "INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, status, \
                     attempts, next_attempt_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5, $5)",
                )
                .bind(random_id("msg_"))
                .bind(tenant.as_str())
                .bind(endpoint_id)
                .bind(event)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }
}
