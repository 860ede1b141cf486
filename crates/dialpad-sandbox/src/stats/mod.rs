//! Dialpad's Stats API: `POST /api/v2/stats` starts an export (identical requests
//! are cached, 30 minutes for `is_today` and 3 hours for `days_ago`), `GET
//! /api/v2/stats/{id}` reports `processing` for `config.stats_processing` and then
//! `complete` with a download URL, and the download serves the CSV.
//!
//! Sandbox conventions: the download URL `/_sandbox/downloads/stats/{id}.csv` needs no
//! credentials (like a signed storage URL, the unguessable id is the credential) and
//! lives as long as the request. A request ends `failed` when its target is a
//! suspended user or its `timezone` is `Sandbox/Fail`.

mod csv;
mod export;
mod request;
mod store;
mod tz;

use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;

pub use request::{MAX_DAYS_AGO, MAX_SPAN_DAYS};
pub use store::{DAYS_AGO_CACHE, StatsStore, TODAY_CACHE};
pub use tz::FAILING_ZONE;

use request::{ProcessStatsMessage, StatsQuery};
use store::Status;

use crate::api::{DpJson, company};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::ids::now_ms;
use crate::state::AppState;

/// Where downloads are served, under the sandbox's base URL.
pub const DOWNLOAD_PREFIX: &str = "/_sandbox/downloads/stats/";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/stats", post(create))
        .route("/api/v2/stats/{id}", get(retrieve))
        .route("/_sandbox/downloads/stats/{file}", get(download))
}

/// `protos.stats.ProcessingProto`.
#[derive(Debug, Serialize)]
struct ProcessingProto {
    request_id: String,
    already_started: bool,
}

/// `protos.stats.StatsProto`.
#[derive(Debug, Serialize)]
struct StatsProto {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    download_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_type: Option<&'static str>,
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    DpJson(body): DpJson<ProcessStatsMessage>,
) -> ApiResult<Json<ProcessingProto>> {
    let query = StatsQuery::parse(body)?;
    let fails = {
        let world = state.world.read();
        query.check(company(&world, caller.company_id)?)?
    };
    let window = query.window(now_ms());
    let (request_id, already_started) =
        state
            .stats
            .lock()
            .start(caller.company_id, query, window, fails, Instant::now());
    Ok(Json(ProcessingProto {
        request_id,
        already_started,
    }))
}

/// Dialpad's answer for an unknown or expired request.
fn request_not_found(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "notFound",
        format!("Request with id {id} not found."),
    )
}

async fn retrieve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<StatsProto>> {
    let now = Instant::now();
    let status = state
        .stats
        .lock()
        .get(caller.company_id, &id, now)
        .map(|r| r.status(now, state.config.stats_processing))
        .ok_or_else(|| request_not_found(&id))?;
    Ok(Json(match status {
        Status::Processing => StatsProto {
            status: "processing",
            download_url: None,
            file_type: None,
        },
        Status::Failed => StatsProto {
            status: "failed",
            download_url: None,
            file_type: None,
        },
        Status::Complete => StatsProto {
            status: "complete",
            download_url: Some(format!("{}{DOWNLOAD_PREFIX}{id}.csv", state.base_url())),
            file_type: Some("csv"),
        },
    }))
}

/// Serves a completed request's CSV, built from the data as it is now. Only copying
/// the data holds the world's lock; writing the CSV holds none (see `export`).
async fn download(State(state): State<AppState>, Path(file): Path<String>) -> ApiResult<Response> {
    let gone = || ApiError::not_found(&format!("file {file}"));
    let id = file.strip_suffix(".csv").ok_or_else(gone)?;
    let now = Instant::now();
    let request = state
        .stats
        .lock()
        .find(id, now)
        .filter(|r| r.status(now, state.config.stats_processing) == Status::Complete)
        .cloned()
        .ok_or_else(gone)?;
    // Large companies take a moment: keep the runtime's threads free meanwhile.
    let worker = state.clone();
    let csv = tokio::task::spawn_blocking(move || {
        let snapshot = worker
            .world
            .read()
            .company(request.company_id)
            .map(|c| export::Snapshot::take(c, &request.query, &request.window));
        snapshot.map(|s| export::render(&s, &request.query, &request.window))
    })
    .await
    .map_err(|e| ApiError::internal(format!("stats export failed: {e}")))?
    .ok_or_else(|| ApiError::not_found("company"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{id}.csv\""),
            ),
        ],
        csv,
    )
        .into_response())
}
