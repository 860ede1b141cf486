//! The transactional outbox: events and their deliveries written in one transaction,
//! claimed by workers under a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one
//! writer at a time), and each attempt's outcome written back, in batches, only by the
//! holder of the lease.

use crate::store::on_pool;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::endpoints::wants;
use crate::store::{Pool, Store, StoreError, now_ms, random_id};

/// An event to store, with what decides where it goes.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// `evt_…`.
    pub id: String,
    /// The tenant whose endpoints get it.
    pub tenant_id: String,
    /// The connection it is about (none for operational events).
    pub connection_id: Option<String>,
    /// `(connector, owner)` of that connection.
    pub connection: Option<(String, String)>,
    /// The event type (the envelope's `type`).
    pub event_type: String,
    /// A second type used when `first_seen` was already seen (`…::updated` after
    /// `…::created`).
    pub type_if_seen: Option<String>,
    /// Marks a first sighting (`call:<id>`): the event keeps `event_type` only if new.
    pub first_seen: Option<String>,
    /// Same key, same connection: stored once.
    pub dedupe_key: Option<String>,
    /// The envelope; its `type` is set when stored.
    pub envelope: Value,
    /// Only this endpoint (test events), whatever its patterns.
    pub only_endpoint: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Target {
    id: String,
    events: String,
    connector_id: Option<String>,
    owner_id: Option<String>,
}

/// A claimed delivery, ready to send.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub attempts: i64,
    pub payload: String,
    pub url: String,
    pub secret: Vec<u8>,
    pub previous_secret: Option<Vec<u8>>,
    pub previous_until: Option<i64>,
    pub tenant_id: String,
    /// When the event was ingested (ms), for the end-to-end latency metric.
    pub created_at: i64,
}

/// How one attempt ended, to write back.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub delivery_id: String,
    pub endpoint_id: String,
    pub tenant_id: String,
    pub lease_owner: String,
    pub attempted_at: i64,
    /// When the event was ingested (ms).
    pub ingested_at: i64,
    pub response_code: Option<i64>,
    pub latency_ms: i64,
    pub response_body: Option<String>,
    pub error: Option<String>,
    pub success: bool,
    /// When to try again; `None` with `success == false`: give up (failed).
    pub next_attempt_at: Option<i64>,
}

macro_rules! store_events_body {
    ($pool:expr, $events:expr) => {{
        let mut tx = $pool.begin().await?;
        let mut stored: Vec<bool> = Vec::with_capacity($events.len());
        let mut targets_of: Option<(String, Vec<Target>)> = None;
        for event in $events {
            let now = now_ms();
            let mut event_type = event.event_type.clone();
            if let Some(key) = &event.first_seen {
                let fresh = sqlx::query(
                    "INSERT INTO webhook_seen (connection_id, seen_key, updated_at) \
                     VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(event.connection_id.as_deref().unwrap_or(""))
                .bind(key)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if fresh == 0 {
                    if let Some(seen) = &event.type_if_seen {
                        event_type.clone_from(seen);
                    }
                }
            }
            let mut envelope = event.envelope.clone();
            envelope["type"] = Value::String(event_type.clone());
            let payload = crate::store::to_json_text(&envelope)?;
            let inserted = sqlx::query(
                "INSERT INTO webhook_events (id, tenant_id, connection_id, event_type, dedupe_key, \
                 payload, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            )
            .bind(&event.id)
            .bind(&event.tenant_id)
            .bind(event.connection_id.as_deref())
            .bind(&event_type)
            .bind(event.dedupe_key.as_deref())
            .bind(&payload)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            stored.push(inserted > 0);
            if inserted == 0 {
                continue;
            }
            if targets_of
                .as_ref()
                .is_none_or(|(t, _)| *t != event.tenant_id)
            {
                let rows: Vec<Target> = sqlx::query_as(
                    "SELECT id, events, connector_id, owner_id FROM webhook_endpoints \
                     WHERE tenant_id = $1 AND enabled",
                )
                .bind(&event.tenant_id)
                .fetch_all(&mut *tx)
                .await?;
                targets_of = Some((event.tenant_id.clone(), rows));
            }
            let targets = targets_of
                .as_ref()
                .map(|(_, t)| t.as_slice())
                .unwrap_or(&[]);
            for target in targets {
                let chosen = match &event.only_endpoint {
                    Some(only) => *only == target.id,
                    None => {
                        let patterns: Vec<String> =
                            crate::store::from_json_text(&target.events, "endpoint events")?;
                        wants(
                            &patterns,
                            target.connector_id.as_deref(),
                            target.owner_id.as_deref(),
                            &event_type,
                            event.connection.as_ref().map(|c| c.0.as_str()),
                            event.connection.as_ref().map(|c| c.1.as_str()),
                        )
                    }
                };
                if chosen {
                    sqlx::query(
                        "INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, \
                         status, attempts, next_attempt_at, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5, $5)",
                    )
                    .bind(random_id("msg_"))
                    .bind(&event.tenant_id)
                    .bind(&target.id)
                    .bind(&event.id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(stored)
    }};
}

impl Store {
    /// Stores `events` and one pending delivery per matching enabled endpoint, in one
    /// transaction; answers how many events were new (duplicates are skipped whole).
    pub async fn store_events(&self, events: &[NewEvent]) -> Result<usize, StoreError> {
        let stored = self.store_events_flagged(events).await?;
        Ok(stored.into_iter().filter(|s| *s).count())
    }

    /// [`Store::store_events`], answering for each event whether it was new.
    pub async fn store_events_flagged(&self, events: &[NewEvent]) -> Result<Vec<bool>, StoreError> {
        on_pool!(self, pool => store_events_body!(pool, events))
    }

    /// Claims up to `limit` due deliveries for `owner` until `lease_until`, at most
    /// `per_endpoint` of any one endpoint and none of the endpoints in `skip` (at their
    /// concurrency cap here), and answers them with what sending needs.
    pub async fn claim_deliveries(
        &self,
        owner: &str,
        lease_until: i64,
        limit: i64,
        per_endpoint: i64,
        skip: &[String],
    ) -> Result<Vec<Claimed>, StoreError> {
        let now = now_ms();
        let skip_sql = placeholders(" AND d2.endpoint_id NOT IN (", 6, skip.len(), ")");
        let lock = match self.pool() {
            Pool::Postgres(_) => " FOR UPDATE SKIP LOCKED",
            Pool::Sqlite(_) => "",
        };
        // The window keeps one endpoint's backlog from filling the batch; the outer select
        // re-checks and locks (rows another instance holds are skipped).
        let due = "d.status = 'pending' AND d.next_attempt_at <= $3 \
                   AND (d.lease_until IS NULL OR d.lease_until < $3)";
        let claim = format!(
            "UPDATE webhook_deliveries SET lease_owner = $1, lease_until = $2 WHERE id IN (\
             SELECT d.id FROM webhook_deliveries d WHERE {due} AND d.id IN (\
             SELECT id FROM (SELECT d2.id, ROW_NUMBER() OVER (PARTITION BY d2.endpoint_id \
             ORDER BY d2.next_attempt_at) AS rn FROM webhook_deliveries d2 \
             JOIN webhook_endpoints ep ON ep.id = d2.endpoint_id \
             WHERE d2.status = 'pending' AND d2.next_attempt_at <= $3 \
             AND (d2.lease_until IS NULL OR d2.lease_until < $3) AND ep.enabled{skip_sql}) ranked \
             WHERE rn <= $5) ORDER BY d.next_attempt_at LIMIT $4{lock})"
        );
        let read = "SELECT d.id, d.endpoint_id, d.event_id, d.attempts, e.payload, ep.url, \
                    ep.secret, ep.previous_secret, ep.previous_until, d.tenant_id, d.created_at \
                    FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id \
                    JOIN webhook_endpoints ep ON ep.id = d.endpoint_id \
                    WHERE d.lease_owner = $1 AND d.status = 'pending' ORDER BY d.next_attempt_at";
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut query = sqlx::query(&claim)
                .bind(owner)
                .bind(lease_until)
                .bind(now)
                .bind(limit)
                .bind(per_endpoint);
            for id in skip {
                query = query.bind(id);
            }
            let claimed = query.execute(&mut *tx).await?.rows_affected();
            let rows: Vec<Claimed> = if claimed == 0 {
                Vec::new()
            } else {
                sqlx::query_as(read).bind(owner).fetch_all(&mut *tx).await?
            };
            tx.commit().await?;
            Ok(rows)
        })
    }

    /// Writes attempts back (only where the outcome's lease owner still holds the delivery),
    /// a few statements per batch; answers the endpoints whose failure streak began before
    /// `disable_before` and that were disabled for it, as `(tenant, endpoint)`.
    pub async fn record_outcomes(
        &self,
        outcomes: &[Outcome],
        disable_before: i64,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let now = now_ms();
        // Successes and final failures, grouped by lease owner: one UPDATE each.
        let mut groups: BTreeMap<(&str, &str), Vec<&Outcome>> = BTreeMap::new();
        let mut retries: Vec<&Outcome> = Vec::new();
        for o in outcomes {
            match (o.success, o.next_attempt_at) {
                (true, _) => groups
                    .entry(("succeeded", &o.lease_owner))
                    .or_default()
                    .push(o),
                (false, None) => groups
                    .entry(("failed", &o.lease_owner))
                    .or_default()
                    .push(o),
                (false, Some(_)) => retries.push(o),
            }
        }
        let mut ok_endpoints: BTreeSet<&str> = BTreeSet::new();
        let mut failing: BTreeMap<&str, (&str, i64)> = BTreeMap::new();
        for o in outcomes {
            if o.success {
                ok_endpoints.insert(&o.endpoint_id);
            } else {
                failing
                    .entry(&o.endpoint_id)
                    .or_insert((&o.tenant_id, o.attempted_at));
            }
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut held: Vec<&Outcome> = Vec::with_capacity(outcomes.len());
            for ((status, owner), group) in &groups {
                for chunk in group.chunks(500) {
                    let sql = format!(
                        "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, \
                         next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL, \
                         updated_at = $2 WHERE lease_owner = $3{} RETURNING id",
                        placeholders(" AND id IN (", 4, chunk.len(), ")")
                    );
                    let mut query = sqlx::query_scalar::<_, String>(&sql)
                        .bind(*status)
                        .bind(now)
                        .bind(*owner);
                    for o in chunk {
                        query = query.bind(&o.delivery_id);
                    }
                    let ids: BTreeSet<String> = query.fetch_all(&mut *tx).await?.into_iter().collect();
                    held.extend(chunk.iter().filter(|o| ids.contains(&o.delivery_id)));
                }
            }
            for o in retries {
                let done = sqlx::query(
                    "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $1, \
                     lease_owner = NULL, lease_until = NULL, updated_at = $2 \
                     WHERE id = $3 AND lease_owner = $4",
                )
                .bind(o.next_attempt_at)
                .bind(now)
                .bind(&o.delivery_id)
                .bind(&o.lease_owner)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if done > 0 {
                    held.push(o);
                }
            }
            for chunk in held.chunks(500) {
                let mut sql = String::from(
                    "INSERT INTO webhook_attempts (id, delivery_id, attempted_at, response_code, \
                     latency_ms, response_body, error) VALUES ",
                );
                for i in 0..chunk.len() {
                    let b = i * 7;
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!(
                        "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
                        b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7
                    ));
                }
                let mut query = sqlx::query(&sql);
                for o in chunk {
                    query = query
                        .bind(random_id("atm_"))
                        .bind(&o.delivery_id)
                        .bind(o.attempted_at)
                        .bind(o.response_code)
                        .bind(o.latency_ms)
                        .bind(o.response_body.as_deref())
                        .bind(o.error.as_deref());
                }
                query.execute(&mut *tx).await?;
            }
            for endpoint in &ok_endpoints {
                sqlx::query(
                    "UPDATE webhook_endpoints SET failing_since = NULL \
                     WHERE id = $1 AND failing_since IS NOT NULL",
                )
                .bind(*endpoint)
                .execute(&mut *tx)
                .await?;
            }
            let mut to_disable = Vec::new();
            for (endpoint, (tenant, at)) in &failing {
                if ok_endpoints.contains(endpoint) {
                    continue;
                }
                sqlx::query(
                    "UPDATE webhook_endpoints SET failing_since = $1 \
                     WHERE id = $2 AND failing_since IS NULL",
                )
                .bind(*at)
                .bind(*endpoint)
                .execute(&mut *tx)
                .await?;
                let disabled = sqlx::query(
                    "UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = 'failing', \
                     updated_at = $1 WHERE id = $2 AND enabled AND failing_since < $3",
                )
                .bind(now)
                .bind(*endpoint)
                .bind(disable_before)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if disabled > 0 {
                    to_disable.push(((*tenant).to_owned(), (*endpoint).to_owned()));
                }
            }
            tx.commit().await?;
            Ok(to_disable)
        })
    }
}

/// `prefix` + `$first, $first+1, …` (`n` of them) + `suffix`; empty when `n` is 0.
fn placeholders(prefix: &str, first: usize, n: usize, suffix: &str) -> String {
    if n == 0 {
        return String::new();
    }
    let list: Vec<String> = (first..first + n).map(|i| format!("${i}")).collect();
    format!("{prefix}{}{suffix}", list.join(", "))
}

impl Store {
    /// Gives claimed deliveries back (due again at once, for any worker).
    pub async fn release_deliveries(&self, owner: &str, ids: &[String]) -> Result<(), StoreError> {
        for chunk in ids.chunks(500) {
            let sql = format!(
                "UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL \
                 WHERE lease_owner = $1{}",
                placeholders(" AND id IN (", 2, chunk.len(), ")")
            );
            on_pool!(self, pool => {
                let mut query = sqlx::query(&sql).bind(owner);
                for id in chunk {
                    query = query.bind(id);
                }
                query.execute(pool).await?;
            });
        }
        Ok(())
    }

    /// Gives back every delivery this instance (`instance`, its claims' owner prefix) still
    /// holds, for another worker to send at once (graceful shutdown).
    pub async fn release_instance_claims(&self, instance: &str) -> Result<u64, StoreError> {
        let prefix = format!("{instance}:%");
        let released = on_pool!(self, pool => sqlx::query(
            "UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL \
             WHERE status = 'pending' AND lease_owner LIKE $1",
        )
        .bind(prefix)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(released)
    }

    /// The outbox at `now` (ms): deliveries pending (due or scheduled for a retry), and the
    /// due time of the oldest one that is due.
    pub async fn outbox_stats(&self, now: i64) -> Result<(i64, Option<i64>), StoreError> {
        let stats: (i64, Option<i64>) = on_pool!(self, pool => sqlx::query_as(
            "SELECT COUNT(*), MIN(CASE WHEN next_attempt_at <= $1 THEN next_attempt_at END) \
             FROM webhook_deliveries WHERE status = 'pending'",
        )
        .bind(now)
        .fetch_one(pool)
        .await?);
        Ok(stats)
    }
}
