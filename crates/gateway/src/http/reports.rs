//! `/v1/reports/...`: Dialpad stats jobs (start one, read it as JSON rows or its CSV) and
//! the call-center reports (offices, call centers, operators) as JSON or CSV. The work is
//! in `crate::reports`; these handlers extract, choose the format and answer.

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use patchbay_core::ErrorCode;
use patchbay_dialpad::reports::StatsRequest;
use serde::Serialize;
use serde_json::{Map, Value};

use super::error::{ApiError, ApiResult};
use super::extract::{ConnectionHeaders, Json, Tenant};
use crate::app::AppState;
use crate::reports::callcenters::{self, Table};
use crate::reports::stats::{self, JobView};
use crate::store::JobStatus;

/// `format=json` (default) or `format=csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
}

fn format(query: Option<&str>) -> ApiResult<Format> {
    let mut format = Format::Json;
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        format = match (key.as_ref(), value.as_ref()) {
            ("format", "json") => Format::Json,
            ("format", "csv") => Format::Csv,
            ("format", other) => {
                return Err(ApiError::new(
                    ErrorCode::BadRequest,
                    format!("format `{other}` is not `json` or `csv`"),
                ));
            }
            (other, _) => {
                return Err(ApiError::new(
                    ErrorCode::BadRequest,
                    format!("`{other}` is not a parameter of this route; it takes `format`"),
                ));
            }
        };
    }
    Ok(format)
}

/// Start a Dialpad stats export, or find the identical one still in its cache window.
#[utoipa::path(
    post,
    operation_id = "createDialpadStatsJob",
    path = "/v1/reports/dialpad/stats",
    tag = "reports",
    params(
        ("x-connector-id" = String, Header, description = "`dialpad`."),
        ("x-owner-id" = String, Header, description = "Your id for the end user owning the connection."),
    ),
    request_body(content = StatsRequest, content_type = "application/json"),
    responses(
        (status = 202, description = "A new job; Dialpad is working on it.", body = JobView),
        (status = 200, description = "The live job of an identical request (`reused: true`).", body = JobView),
        (status = 422, description = "An impossible request; the message says why.", body = patchbay_core::ErrorBody),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
        (status = "5XX", description = "A provider or gateway failure.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn create_stats(
    State(state): State<AppState>,
    tenant: Tenant,
    ConnectionHeaders(selector): ConnectionHeaders,
    Json(request): Json<StatsRequest>,
) -> ApiResult<Response> {
    let (job, reused) = stats::create(&state, &tenant.id, &selector, &request).await?;
    let status = if reused {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    Ok((status, axum::Json(JobView::of(&job, Some(reused))?)).into_response())
}

/// A report job: its status; once complete its rows (typed where the column is known), or
/// with `format=csv` Dialpad's CSV as it came.
#[utoipa::path(
    get,
    operation_id = "retrieveReportJob",
    path = "/v1/reports/jobs/{id}",
    tag = "reports",
    params(
        ("id" = String, Path, description = "The job's id, `job_…`."),
        ("format" = Option<String>, Query, pattern = "^(json|csv)$", description = "`json` (default) or `csv` (complete jobs only)."),
    ),
    responses(
        (status = 200, description = "The job; `rows` once complete. With `format=csv`, `text/csv`.", body = JobView),
        (status = 404, description = "No such job for this tenant.", body = patchbay_core::ErrorBody),
        (status = 409, description = "`format=csv` before the job is complete.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn retrieve_job(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let format = format(q.as_deref())?;
    let job = state
        .store
        .report_job(&tenant.id, &id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("there is no job `{id}`")))?;
    let complete = job.status()? == JobStatus::Complete;
    match format {
        Format::Json => {
            let view = JobView::of(&job, None)?;
            let view = if complete {
                view.with_rows(&stats::read_csv(&state, &job.id).await?)
            } else {
                view
            };
            Ok(axum::Json(view).into_response())
        }
        Format::Csv if !complete => Err(ApiError::new(
            ErrorCode::Conflict,
            format!(
                "the job is {}; its CSV is there once it is complete",
                job.status
            ),
        )),
        Format::Csv => Ok(csv_response(
            &format!("{}.csv", job.id),
            stream_csv(state, job.id),
        )),
    }
}

/// The stored CSV of job `id`, one stored piece at a time.
fn stream_csv(state: AppState, id: String) -> Body {
    let pieces = futures_util::stream::unfold(Some(0i64), move |seq| {
        let (state, id) = (state.clone(), id.clone());
        async move {
            let seq = seq?;
            match state.store.report_chunk(&id, seq).await {
                Ok(Some(data)) => Some((Ok(data), Some(seq + 1))),
                Ok(None) => None,
                Err(err) => {
                    tracing::error!(job = %id, error = %err, "cannot read a stored CSV");
                    Some((
                        Err(std::io::Error::other("the stored CSV cannot be read")),
                        None,
                    ))
                }
            }
        }
    });
    Body::from_stream(pieces)
}

fn csv_response(filename: &str, body: Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// Flattened rows as JSON.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TableBody {
    /// Always `list`.
    #[schema(example = "list")]
    pub object: &'static str,
    /// Column names, in order.
    pub columns: Vec<String>,
    /// One object per row, every column present.
    #[schema(value_type = Vec<Object>)]
    pub data: Vec<Map<String, Value>>,
}

fn table_response(table: Table, format: Format, name: &str) -> ApiResult<Response> {
    match format {
        Format::Json => Ok(axum::Json(TableBody {
            object: "list",
            columns: table.columns,
            data: table.rows,
        })
        .into_response()),
        Format::Csv => {
            let mut out = Vec::new();
            crate::csv::write_record(&mut out, &table.columns).map_err(ApiError::internal)?;
            for row in &table.rows {
                crate::csv::write_record(&mut out, table.cells(row)).map_err(ApiError::internal)?;
            }
            Ok(csv_response(&format!("{name}.csv"), Body::from(out)))
        }
    }
}

fn dialpad_id(raw: &str, what: &str) -> ApiResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("there is no {what} `{raw}`")))
}

/// Every office of the connection's Dialpad company, flattened (all pages followed).
#[utoipa::path(
    get,
    operation_id = "reportDialpadOffices",
    path = "/v1/reports/dialpad/offices",
    tag = "reports",
    params(
        ("x-connector-id" = String, Header, description = "`dialpad`."),
        ("x-owner-id" = String, Header, description = "Your id for the end user owning the connection."),
        ("format" = Option<String>, Query, pattern = "^(json|csv)$", description = "`json` (default) or `csv`."),
    ),
    responses(
        (status = 200, description = "One row per office.", body = TableBody),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
        (status = "5XX", description = "A provider or gateway failure.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn offices(
    State(state): State<AppState>,
    tenant: Tenant,
    ConnectionHeaders(selector): ConnectionHeaders,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let format = format(q.as_deref())?;
    let table = callcenters::offices(&state, &tenant.id, &selector).await?;
    table_response(table, format, "offices")
}

/// Every call center of an office, flattened (all pages followed).
#[utoipa::path(
    get,
    operation_id = "reportDialpadCallCenters",
    path = "/v1/reports/dialpad/offices/{id}/callcenters",
    tag = "reports",
    params(
        ("id" = String, Path, description = "The Dialpad office id."),
        ("x-connector-id" = String, Header, description = "`dialpad`."),
        ("x-owner-id" = String, Header, description = "Your id for the end user owning the connection."),
        ("format" = Option<String>, Query, pattern = "^(json|csv)$", description = "`json` (default) or `csv`."),
    ),
    responses(
        (status = 200, description = "One row per call center.", body = TableBody),
        (status = "4XX", description = "A client error; 404 for an unknown office.", body = patchbay_core::ErrorBody),
        (status = "5XX", description = "A provider or gateway failure.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn call_centers(
    State(state): State<AppState>,
    tenant: Tenant,
    ConnectionHeaders(selector): ConnectionHeaders,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let format = format(q.as_deref())?;
    let office = dialpad_id(&id, "office")?;
    let table = callcenters::call_centers(&state, &tenant.id, &selector, office).await?;
    table_response(table, format, &format!("office-{office}-callcenters"))
}

/// The operators (users and rooms) of a call center, flattened.
#[utoipa::path(
    get,
    operation_id = "reportDialpadOperators",
    path = "/v1/reports/dialpad/callcenters/{id}/operators",
    tag = "reports",
    params(
        ("id" = String, Path, description = "The Dialpad call center id."),
        ("x-connector-id" = String, Header, description = "`dialpad`."),
        ("x-owner-id" = String, Header, description = "Your id for the end user owning the connection."),
        ("format" = Option<String>, Query, pattern = "^(json|csv)$", description = "`json` (default) or `csv`."),
    ),
    responses(
        (status = 200, description = "One row per operator (`operatorType` user or room).", body = TableBody),
        (status = "4XX", description = "A client error; 404 for an unknown call center.", body = patchbay_core::ErrorBody),
        (status = "5XX", description = "A provider or gateway failure.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn operators(
    State(state): State<AppState>,
    tenant: Tenant,
    ConnectionHeaders(selector): ConnectionHeaders,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let format = format(q.as_deref())?;
    let center = dialpad_id(&id, "call center")?;
    let table = callcenters::operators(&state, &tenant.id, &selector, center).await?;
    table_response(table, format, &format!("callcenter-{center}-operators"))
}
