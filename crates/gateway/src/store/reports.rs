//! Report jobs and their CSV pieces. A job is tenant-scoped; an identical live request of a
//! connection (same `request_key`) finds the job already running. Pollers claim due jobs
//! with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite serialises writers) and
//! write their step back only while they still hold it. Times are epoch milliseconds.

use std::fmt;
use std::str::FromStr;

use super::{ConnectionId, Store, StoreError, TenantId};

/// Where a report job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum JobStatus {
    /// Made; Dialpad has not been asked yet (or the asking instance stopped).
    Pending,
    /// Dialpad is working on it.
    Processing,
    /// The CSV is here.
    Complete,
    /// Dialpad could not produce it (see `failure`).
    Failed,
    /// Its cache window ended and its CSV was dropped.
    Expired,
}

impl JobStatus {
    /// The stored (and wire) string.
    pub const fn as_str(self) -> &'static str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Processing => "processing",
            JobStatus::Complete => "complete",
            JobStatus::Failed => "failed",
            JobStatus::Expired => "expired",
        }
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobStatus {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, StoreError> {
        [
            JobStatus::Pending,
            JobStatus::Processing,
            JobStatus::Complete,
            JobStatus::Failed,
            JobStatus::Expired,
        ]
        .into_iter()
        .find(|status| status.as_str() == s)
        .ok_or_else(|| StoreError::Corrupt(format!("report job status `{s}`")))
    }
}

/// A stored report job.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportJob {
    /// `job_…`.
    pub id: String,
    /// The owning tenant.
    pub tenant_id: String,
    /// The connection it runs on.
    pub connection_id: String,
    /// That connection's connector.
    pub connector_id: String,
    /// That connection's owner.
    pub owner_id: String,
    /// `dialpadStats`.
    pub kind: String,
    /// The request as the caller gave it (JSON).
    pub request: String,
    /// The provider's request body (JSON).
    pub provider_request: String,
    /// The dedup key while the job is live.
    pub request_key: Option<String>,
    /// [`JobStatus`] text.
    pub status: String,
    /// The provider's id of the export.
    pub provider_job_id: Option<String>,
    /// Why it failed.
    pub failure: Option<String>,
    /// Status reads made.
    pub polls: i64,
    /// Size of the stored CSV.
    pub csv_bytes: Option<i64>,
    /// When it was made.
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
    /// When its cache window ends.
    pub expires_at: i64,
    /// When its CSV was stored.
    pub completed_at: Option<i64>,
    /// When a poller should next look at it.
    pub next_poll_at: Option<i64>,
    /// Which poller holds it.
    pub lease_owner: Option<String>,
    /// Until when.
    pub lease_until: Option<i64>,
}

impl ReportJob {
    /// The job's status.
    pub fn status(&self) -> Result<JobStatus, StoreError> {
        self.status.parse()
    }
}

/// A job to insert, claimed by `lease_owner` until `lease_until`.
#[derive(Debug, Clone)]
pub struct NewReportJob<'a> {
    pub tenant_id: &'a TenantId,
    pub connection_id: &'a ConnectionId,
    pub connector_id: &'a str,
    pub owner_id: &'a str,
    pub kind: &'a str,
    pub request: &'a str,
    pub provider_request: &'a str,
    pub request_key: &'a str,
    pub now: i64,
    pub expires_at: i64,
    pub lease_owner: &'a str,
    pub lease_until: i64,
}

/// What one poller step writes back.
#[derive(Debug, Clone)]
pub struct JobStep {
    pub status: JobStatus,
    pub provider_job_id: Option<String>,
    pub failure: Option<String>,
    pub next_poll_at: Option<i64>,
    /// Status reads made by this step (0 or 1).
    pub polls: i64,
    pub csv_bytes: Option<i64>,
    pub completed_at: Option<i64>,
}

macro_rules! columns {
    () => {
        "id, tenant_id, connection_id, connector_id, owner_id, kind, request, provider_request, \
         request_key, status, provider_job_id, failure, polls, csv_bytes, created_at, updated_at, \
         expires_at, completed_at, next_poll_at, lease_owner, lease_until"
    };
}

impl Store {
    /// Inserts a `pending` job; `Conflict` when a live job of the same connection has the
    /// same key (another request won the race: read it with [`Store::live_report_job`]).
    pub async fn insert_report_job(&self, job: &NewReportJob<'_>) -> Result<ReportJob, StoreError> {
        let id = super::ids::random_id("job_");
        let sql = concat!(
            "INSERT INTO report_jobs (id, tenant_id, connection_id, connector_id, owner_id, kind, \
             request, provider_request, request_key, status, polls, created_at, updated_at, \
             expires_at, next_poll_at, lease_owner, lease_until) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', 0, $10, $10, $11, $12, $13, $12) \
             RETURNING ",
            columns!()
        );
        on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(&id)
                .bind(job.tenant_id.as_str())
                .bind(job.connection_id.as_str())
                .bind(job.connector_id)
                .bind(job.owner_id)
                .bind(job.kind)
                .bind(job.request)
                .bind(job.provider_request)
                .bind(job.request_key)
                .bind(job.now)
                .bind(job.expires_at)
                .bind(job.lease_until)
                .bind(job.lease_owner)
                .fetch_one(pool)
                .await
                .map_err(|e| StoreError::from_write(e, || "a live job for this request".into()))
        })
    }

    /// The live job of `connection` for `key` (its window not over at `now`), if any. A
    /// job whose window is over gives its key up, so a new one can take it.
    pub async fn live_report_job(
        &self,
        connection: &ConnectionId,
        key: &str,
        now: i64,
    ) -> Result<Option<ReportJob>, StoreError> {
        let retire = "UPDATE report_jobs SET request_key = NULL \
                      WHERE connection_id = $1 AND request_key = $2 AND expires_at <= $3";
        let sql = concat!(
            "SELECT ",
            columns!(),
            " FROM report_jobs WHERE connection_id = $1 AND request_key = $2 AND expires_at > $3"
        );
        on_pool!(self, pool => {
            sqlx::query(retire).bind(connection.as_str()).bind(key).bind(now).execute(pool).await?;
            Ok(sqlx::query_as(sql)
                .bind(connection.as_str())
                .bind(key)
                .bind(now)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// The tenant's job `id`.
    pub async fn report_job(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<ReportJob>, StoreError> {
        let sql = concat!(
            "SELECT ",
            columns!(),
            " FROM report_jobs WHERE tenant_id = $1 AND id = $2"
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sql).bind(tenant.as_str()).bind(id).fetch_optional(pool).await?)
        })
    }

    /// Deletes job `id` (its request never reached the provider).
    pub async fn delete_report_job(&self, id: &str) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM report_jobs WHERE id = $1").bind(id).execute(pool).await?;
        });
        Ok(())
    }

    /// Claims up to `limit` due jobs (pending or processing, `next_poll_at <= now`, no
    /// live lease) for `owner` until `lease_until`.
    pub async fn claim_report_jobs(
        &self,
        owner: &str,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<ReportJob>, StoreError> {
        macro_rules! claim {
            ($lock:literal) => {
                concat!(
                    "UPDATE report_jobs SET lease_owner = $1, lease_until = $2 \
                     WHERE id IN (SELECT id FROM report_jobs \
                     WHERE status IN ('pending', 'processing') AND next_poll_at <= $3 \
                     AND (lease_until IS NULL OR lease_until < $3) \
                     ORDER BY next_poll_at LIMIT $4",
                    $lock,
                    ") RETURNING ",
                    columns!()
                )
            };
        }
        match self.pool() {
            super::Pool::Sqlite(pool) => Ok(sqlx::query_as(claim!(""))
                .bind(owner)
                .bind(lease_until)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await?),
            super::Pool::Postgres(pool) => Ok(sqlx::query_as(claim!(" FOR UPDATE SKIP LOCKED"))
                .bind(owner)
                .bind(lease_until)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await?),
        }
    }

    /// Writes a step of job `id` back and releases the lease, if `owner` still holds it;
    /// `false` when it lost the lease (another poller took the job over).
    pub async fn finish_report_step(
        &self,
        id: &str,
        owner: &str,
        step: &JobStep,
        now: i64,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE report_jobs SET status = $1, \
                   provider_job_id = COALESCE($2, provider_job_id), failure = $3, \
                   next_poll_at = $4, polls = polls + $5, csv_bytes = $6, completed_at = $7, \
                   updated_at = $8, lease_owner = NULL, lease_until = NULL \
                   WHERE id = $9 AND lease_owner = $10";
        let done = on_pool!(self, pool => {
            sqlx::query(sql)
                .bind(step.status.as_str())
                .bind(step.provider_job_id.as_deref())
                .bind(step.failure.as_deref())
                .bind(step.next_poll_at)
                .bind(step.polls)
                .bind(step.csv_bytes)
                .bind(step.completed_at)
                .bind(now)
                .bind(id)
                .bind(owner)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }

    /// Extends `owner`'s lease of job `id` (during a long download).
    pub async fn renew_report_lease(
        &self,
        id: &str,
        owner: &str,
        lease_until: i64,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE report_jobs SET lease_until = $1 WHERE id = $2 AND lease_owner = $3";
        let done = on_pool!(self, pool => {
            sqlx::query(sql).bind(lease_until).bind(id).bind(owner).execute(pool).await?.rows_affected()
        });
        Ok(done == 1)
    }

    /// Drops every stored piece of job `id`'s CSV.
    pub async fn clear_report_chunks(&self, id: &str) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM report_chunks WHERE job_id = $1").bind(id).execute(pool).await?;
        });
        Ok(())
    }

    /// Stores piece `seq` of job `id`'s CSV.
    pub async fn put_report_chunk(
        &self,
        id: &str,
        seq: i64,
        data: &[u8],
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO report_chunks (job_id, seq, data) VALUES ($1, $2, $3)";
        on_pool!(self, pool => {
            sqlx::query(sql).bind(id).bind(seq).bind(data).execute(pool).await?;
        });
        Ok(())
    }

    /// Piece `seq` of job `id`'s CSV; `None` past the last.
    pub async fn report_chunk(&self, id: &str, seq: i64) -> Result<Option<Vec<u8>>, StoreError> {
        let sql = "SELECT data FROM report_chunks WHERE job_id = $1 AND seq = $2";
        let row: Option<(Vec<u8>,)> = on_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).bind(seq).fetch_optional(pool).await?
        });
        Ok(row.map(|(data,)| data))
    }

    /// Ends the jobs whose window is over at `now`: finished ones become `expired` and
    /// their CSV is dropped. Answers how many expired.
    pub async fn expire_report_jobs(&self, now: i64) -> Result<u64, StoreError> {
        let chunks = "DELETE FROM report_chunks WHERE job_id IN (SELECT id FROM report_jobs \
                      WHERE expires_at <= $1 AND status IN ('complete', 'failed'))";
        let jobs = "UPDATE report_jobs SET status = 'expired', request_key = NULL, updated_at = $1 \
                    WHERE expires_at <= $1 AND status IN ('complete', 'failed')";
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(chunks).bind(now).execute(&mut *tx).await?;
            let expired = sqlx::query(jobs).bind(now).execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            Ok(expired)
        })
    }
}
