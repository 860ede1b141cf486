//! Stats jobs: a request is checked, keyed (its Dialpad body and local day) and either
//! answered with the live job of the same connection and key, or made into a job whose
//! `POST /api/v2/stats` goes out at once. What a job looks like to its tenant, with its
//! rows typed from the stored CSV, is built here too.

use chrono::{DateTime, Utc};
use patchbay_core::{ConnectorError, ErrorCode};
use patchbay_dialpad::reports::{CacheWindow, ColumnType, StatsRequest, column_type, typed_value};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use super::{Grant, Reports, resolve_report};
use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::store::{JobStatus, JobStep, NewReportJob, ReportJob, StoreError, TenantId};
use crate::unified::target::Selector;

/// The kind of a Dialpad stats job.
pub const KIND: &str = "dialpadStats";

/// How many times a request retries after losing an insert race to an identical one.
const RACE_RETRIES: usize = 3;

/// Finds the live job for this request on this connection, or makes one and asks Dialpad.
/// Answers the job and whether it was reused.
pub async fn create(
    state: &AppState,
    tenant: &TenantId,
    selector: &Selector,
    request: &StatsRequest,
) -> ApiResult<(ReportJob, bool)> {
    let target = resolve_report(state, tenant, selector, Grant::Stats).await?;
    let reports = &state.reports;
    let now = reports.config.clock.now();
    let prepared = request
        .prepare(now)
        .map_err(|e| ApiError::new(ErrorCode::ValidationFailed, e.0))?;
    let provider_request = json_text(&prepared.message)?;
    let key = request_key(&provider_request, &prepared.local_today.to_string());
    let window = match prepared.window {
        CacheWindow::Today => reports.config.today_window,
        CacheWindow::DaysAgo => reports.config.days_ago_window,
    };
    let now_ms = now.timestamp_millis();
    let connection = &target.connection;
    let request_text = json_text(request)?;
    let mut job = None;
    for _ in 0..RACE_RETRIES {
        if let Some(live) = state
            .store
            .live_report_job(&connection.id, &key, now_ms)
            .await?
        {
            return Ok((live, true));
        }
        let inserted = state
            .store
            .insert_report_job(&NewReportJob {
                tenant_id: tenant,
                connection_id: &connection.id,
                connector_id: &connection.connector_id,
                owner_id: &connection.owner_id,
                kind: KIND,
                request: &request_text,
                provider_request: &provider_request,
                request_key: &key,
                now: now_ms,
                expires_at: now_ms.saturating_add(millis(window)),
                lease_owner: &reports.instance,
                lease_until: now_ms.saturating_add(millis(reports.config.lease)),
            })
            .await;
        match inserted {
            Ok(inserted) => {
                job = Some(inserted);
                break;
            }
            Err(StoreError::Conflict { .. }) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    let job = job.ok_or_else(|| ApiError::internal("a stats job kept losing its insert race"))?;
    // Dialpad allows a company 200 of these an hour, beside its 20 requests a second.
    let limit = patchbay_dialpad::limits::operation_limit("POST", "/api/v2/stats");
    let started = target
        .call_limited(state, limit, |_, ctx| {
            reports
                .dialpad
                .stats_start(ctx.credential(), &prepared.message)
        })
        .await;
    let step = match started.map(|p| p.request_id.filter(|id| !id.is_empty())) {
        Ok(Some(request_id)) => started_step(reports, request_id),
        Ok(None) => {
            state.store.delete_report_job(&job.id).await?;
            return Err(ConnectorError::InvalidResponse {
                message: "Dialpad answered the stats request without a request id".into(),
                source: None,
            }
            .into());
        }
        Err(error) => {
            // Dialpad refused it (or could not be reached): nothing to poll, no job.
            state.store.delete_report_job(&job.id).await?;
            return Err(error);
        }
    };
    let now_ms = reports.now_ms();
    if !state
        .store
        .finish_report_step(&job.id, &reports.instance, &step, now_ms)
        .await?
    {
        tracing::warn!(job = %job.id, "a stats job was taken over while it was being started");
    }
    let job = state
        .store
        .report_job(tenant, &job.id)
        .await?
        .ok_or_else(|| ApiError::internal("a new stats job vanished"))?;
    Ok((job, false))
}

/// The step after Dialpad accepted the request: first read `first_poll` from now.
pub(super) fn started_step(reports: &Reports, request_id: String) -> JobStep {
    JobStep {
        status: JobStatus::Processing,
        provider_job_id: Some(request_id),
        failure: None,
        next_poll_at: Some(
            reports
                .now_ms()
                .saturating_add(millis(reports.config.first_poll)),
        ),
        polls: 0,
        csv_bytes: None,
        completed_at: None,
    }
}

/// Identical requests of one connection on one local day share a key.
fn request_key(provider_request: &str, local_day: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(provider_request.as_bytes());
    hash.update(b"\n");
    hash.update(local_day.as_bytes());
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn json_text(value: &impl Serialize) -> ApiResult<String> {
    serde_json::to_string(value).map_err(ApiError::internal)
}

pub(super) fn millis(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// A job as its tenant sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    /// Always `reportJob`.
    #[schema(example = "reportJob")]
    pub object: &'static str,
    /// `job_…`.
    pub id: String,
    /// `dialpadStats`.
    pub kind: String,
    /// Where it is.
    pub status: JobStatus,
    /// The connection it runs on.
    pub connection: JobConnection,
    /// The request as given.
    #[schema(value_type = Object)]
    pub request: Value,
    /// Dialpad's id of the export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dialpad_request_id: Option<String>,
    /// Whether this answer reused a live identical job instead of asking Dialpad again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reused: Option<bool>,
    /// Status reads made so far.
    pub polls: i64,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When its cache window ends (identical requests share it until then; its CSV is
    /// kept until then).
    pub expires_at: DateTime<Utc>,
    /// When the gateway next reads Dialpad's status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_poll_at: Option<DateTime<Utc>>,
    /// When the CSV was stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<DateTime<Utc>>,
    /// Why it failed (Dialpad's reason).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// The CSV's size in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csv_bytes: Option<i64>,
    /// The columns, once complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<Column>>,
    /// The rows, once complete: typed where the column is known, strings otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub rows: Option<Vec<Map<String, Value>>>,
}

/// The connection of a job.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobConnection {
    /// `dialpad`.
    pub connector_id: String,
    /// The owner.
    pub owner_id: String,
}

/// A CSV column.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Column {
    /// Its header.
    pub name: String,
    /// The JSON type of its values.
    #[serde(rename = "type")]
    pub kind: ColumnType,
}

fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

impl JobView {
    /// The view of `job` (without rows).
    pub fn of(job: &ReportJob, reused: Option<bool>) -> ApiResult<Self> {
        Ok(Self {
            object: "reportJob",
            id: job.id.clone(),
            kind: job.kind.clone(),
            status: job.status()?,
            connection: JobConnection {
                connector_id: job.connector_id.clone(),
                owner_id: job.owner_id.clone(),
            },
            request: serde_json::from_str(&job.request).unwrap_or(Value::Null),
            dialpad_request_id: job.provider_job_id.clone(),
            reused,
            polls: job.polls,
            created_at: time(job.created_at),
            expires_at: time(job.expires_at),
            next_poll_at: job.next_poll_at.map(time),
            completed_at: job.completed_at.map(time),
            failure: job.failure.clone(),
            csv_bytes: job.csv_bytes,
            columns: None,
            rows: None,
        })
    }

    /// Adds the typed rows of `csv`.
    pub fn with_rows(mut self, csv: &[u8]) -> Self {
        let mut records = crate::csv::parse(csv).into_iter();
        let header = records.next().unwrap_or_default();
        let kinds: Vec<ColumnType> = header.iter().map(|h| column_type(h)).collect();
        let rows = records
            .map(|record| {
                header
                    .iter()
                    .zip(&kinds)
                    .enumerate()
                    .map(|(i, (name, kind))| {
                        let cell = record.get(i).map_or("", String::as_str);
                        (name.clone(), typed_value(*kind, cell))
                    })
                    .collect()
            })
            .collect();
        self.columns = Some(
            header
                .into_iter()
                .zip(kinds)
                .map(|(name, kind)| Column { name, kind })
                .collect(),
        );
        self.rows = Some(rows);
        self
    }
}

/// The whole stored CSV of job `id`.
pub async fn read_csv(state: &AppState, id: &str) -> ApiResult<Vec<u8>> {
    let mut csv = Vec::new();
    let mut seq = 0;
    while let Some(chunk) = state.store.report_chunk(id, seq).await? {
        csv.extend_from_slice(&chunk);
        seq += 1;
    }
    Ok(csv)
}
