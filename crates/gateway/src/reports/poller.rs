//! The stats poller: a background task that, every tick, claims due jobs under a lease
//! (so several gateway instances can share a database), reads each one's status at
//! Dialpad, and stores the CSV once complete. Reads are spaced as configured (first one
//! `first_poll` after the POST, then `poll_interval` apart with jitter), never sooner.

use std::time::Duration;

use patchbay_core::ConnectorError;
use patchbay_dialpad::types::stats::{ProcessStatsMessage, StatsStatus};
use rand::Rng as _;
use tokio::task::JoinHandle;

use super::Reports;
use super::stats::{millis, started_step};
use crate::health::Heartbeat;
use crate::proxy::Limiter;
use crate::store::{ConnectionId, JobStatus, JobStep, ReportJob, Store, StoreError};
use patchbay_dialpad::limits::operation_limit;

/// Jobs one tick claims at most.
const BATCH: i64 = 8;
/// A CSV is stored in pieces of about this size.
const CHUNK_BYTES: usize = 1024 * 1024;
/// Expired jobs are swept every this many ticks.
const SWEEP_EVERY: u64 = 30;

/// Starts the poller, beating `heartbeat` after each round; abort the handle to stop it
/// (a job it held is taken over by any poller once its lease ends).
pub fn spawn(
    store: Store,
    reports: Reports,
    limiter: Limiter,
    heartbeat: Heartbeat,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks: u64 = 0;
        loop {
            heartbeat.beat();
            if ticks.is_multiple_of(SWEEP_EVERY) {
                match store.expire_report_jobs(reports.now_ms()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(expired = n, "report jobs expired"),
                    Err(err) => tracing::warn!(error = %err, "cannot expire report jobs"),
                }
            }
            ticks = ticks.wrapping_add(1);
            if let Err(err) = run_due(&store, &reports, &limiter).await {
                tracing::warn!(error = %err, "the stats poller failed a round");
            }
            tokio::time::sleep(reports.config.tick).await;
        }
    })
}

/// Claims the due jobs and advances each by one step; answers how many it advanced. Each
/// Dialpad call waits for a slot of the company's rate limit in `limiter` (shared with
/// callers' proxied and unified calls).
pub async fn run_due(
    store: &Store,
    reports: &Reports,
    limiter: &Limiter,
) -> Result<usize, StoreError> {
    let now = reports.now_ms();
    let lease_until = now.saturating_add(millis(reports.config.lease));
    let jobs = store
        .claim_report_jobs(&reports.instance, now, lease_until, BATCH)
        .await?;
    let count = jobs.len();
    for job in jobs {
        let step = advance(store, reports, limiter, &job).await;
        let step = match step {
            Ok(step) => step,
            Err(err) => {
                tracing::warn!(job = %job.id, error = %err, "a stats job step failed; retrying later");
                retry_step(reports, &job, None)
            }
        };
        if !store
            .finish_report_step(&job.id, &reports.instance, &step, reports.now_ms())
            .await?
        {
            tracing::warn!(job = %job.id, "lost the lease of a stats job");
        }
    }
    Ok(count)
}

/// One step of `job`: start it at Dialpad if it never was, else read its status, and
/// download the CSV once complete.
async fn advance(
    store: &Store,
    reports: &Reports,
    limiter: &Limiter,
    job: &ReportJob,
) -> Result<JobStep, StoreError> {
    let connection_id = ConnectionId::new(job.connection_id.clone())
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let Some(connection) = store.connection_by_id(&connection_id).await? else {
        return Ok(failed(job, "the connection was deleted"));
    };
    let credential = match (connection.status, &connection.credentials) {
        (crate::store::ConnectionStatus::Authorized, Some(credentials)) => credentials.credential(),
        _ => return Ok(failed(job, "the connection is no longer authorized")),
    };
    let Some(request_id) = job.provider_job_id.clone() else {
        // Made by an instance that stopped before asking Dialpad: ask now.
        let message: ProcessStatsMessage = serde_json::from_str(&job.provider_request)
            .map_err(|e| StoreError::Corrupt(format!("stats request of {}: {e}", job.id)))?;
        limiter
            .wait_for(&connection, operation_limit("POST", "/api/v2/stats"))
            .await;
        return Ok(
            match reports.dialpad.stats_start(&credential, &message).await {
                Ok(p) => match p.request_id.filter(|id| !id.is_empty()) {
                    Some(id) => started_step(reports, id),
                    None => failed(job, "Dialpad answered without a request id"),
                },
                Err(error) => on_error(reports, job, &error),
            },
        );
    };
    limiter.wait_for(&connection, None).await;
    let status = match reports.dialpad.stats_status(&credential, &request_id).await {
        Ok(status) => status,
        Err(error) => {
            let mut step = on_error(reports, job, &error);
            step.polls = 1;
            return Ok(step);
        }
    };
    let mut step = match (status.status, status.download_url) {
        (Some(StatsStatus::Complete), Some(url)) => download(store, reports, job, &url).await?,
        (Some(StatsStatus::Complete), None) => failed(
            job,
            "Dialpad reported the export complete without a download URL",
        ),
        (Some(StatsStatus::Failed), _) => failed(
            job,
            "Dialpad reported the stats export as failed (status `failed`)",
        ),
        _ => retry_step(reports, job, None),
    };
    step.polls = 1;
    Ok(step)
}

/// Stores the CSV at `url` in pieces; a broken download is tried again at the next step.
async fn download(
    store: &Store,
    reports: &Reports,
    job: &ReportJob,
    url: &str,
) -> Result<JobStep, StoreError> {
    store.clear_report_chunks(&job.id).await?;
    let mut file = match reports.dialpad.stats_download(url).await {
        Ok(file) => file,
        Err(error) => return Ok(on_error(reports, job, &error)),
    };
    let (mut seq, mut total, mut buffer) = (0i64, 0i64, Vec::with_capacity(CHUNK_BYTES));
    loop {
        match file.chunk().await {
            Ok(Some(piece)) => buffer.extend_from_slice(&piece),
            Ok(None) => break,
            Err(error) => return Ok(on_error(reports, job, &error)),
        }
        if buffer.len() >= CHUNK_BYTES {
            store.put_report_chunk(&job.id, seq, &buffer).await?;
            total += i64::try_from(buffer.len()).unwrap_or(i64::MAX);
            seq += 1;
            buffer.clear();
            let lease = reports
                .now_ms()
                .saturating_add(millis(reports.config.lease));
            store
                .renew_report_lease(&job.id, &reports.instance, lease)
                .await?;
        }
    }
    if !buffer.is_empty() || seq == 0 {
        store.put_report_chunk(&job.id, seq, &buffer).await?;
        total += i64::try_from(buffer.len()).unwrap_or(i64::MAX);
    }
    Ok(JobStep {
        status: JobStatus::Complete,
        provider_job_id: None,
        failure: None,
        next_poll_at: None,
        polls: 0,
        csv_bytes: Some(total),
        completed_at: Some(reports.now_ms()),
    })
}

/// A Dialpad failure: transient ones (429, 5xx, timeouts) are tried again later (after
/// `Retry-After` when longer than the interval); anything else fails the job with
/// Dialpad's reason.
fn on_error(reports: &Reports, job: &ReportJob, error: &ConnectorError) -> JobStep {
    match error {
        ConnectorError::RateLimited { retry_after } => retry_step(reports, job, *retry_after),
        ConnectorError::Timeout | ConnectorError::Unavailable { .. } => {
            retry_step(reports, job, None)
        }
        ConnectorError::Upstream { status, .. } if *status >= 500 => retry_step(reports, job, None),
        other => failed(job, &other.to_string()),
    }
}

/// Same status, next read a jittered interval from now (or `at_least` when longer).
fn retry_step(reports: &Reports, job: &ReportJob, at_least: Option<Duration>) -> JobStep {
    let (min, max) = reports.config.poll_interval;
    let max = max.max(min);
    let wait = rand::thread_rng().gen_range(min..=max);
    let wait = at_least.map_or(wait, |floor| wait.max(floor));
    JobStep {
        status: job.status().unwrap_or(JobStatus::Processing),
        provider_job_id: None,
        failure: None,
        next_poll_at: Some(reports.now_ms().saturating_add(millis(wait))),
        polls: 0,
        csv_bytes: None,
        completed_at: None,
    }
}

fn failed(job: &ReportJob, reason: &str) -> JobStep {
    tracing::info!(job = %job.id, reason, "a stats job failed");
    JobStep {
        status: JobStatus::Failed,
        provider_job_id: None,
        failure: Some(reason.to_owned()),
        next_poll_at: None,
        polls: 0,
        csv_bytes: None,
        completed_at: None,
    }
}
