//! `/healthz`, `/readyz` and `/metrics`, and the middleware that counts every request.
//! None of them needs a key: they say nothing about tenants. Keep `/metrics` on a network
//! only the monitoring system reaches (docs/operations.md).

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::app::AppState;

/// Liveness: the process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers, its schema is current, every worker made progress.
/// 200 with each check when ready, 503 with the failing ones otherwise.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let mut ready = true;
    let database = match state.store.ping().await {
        Ok(()) => "ok".to_owned(),
        Err(e) => {
            ready = false;
            tracing::warn!(error = %e, "readiness: the database does not answer");
            "unreachable".to_owned()
        }
    };
    let migrations = match state.store.pending_migrations().await {
        Ok(pending) if pending.is_empty() => "current".to_owned(),
        Ok(pending) => {
            ready = false;
            format!("pending: {pending:?} (run `patchbay migrate`)")
        }
        Err(_) => {
            ready = false;
            "unknown".to_owned()
        }
    };
    let workers: serde_json::Map<String, serde_json::Value> = state
        .heartbeats
        .report()
        .into_iter()
        .map(|(name, silent, late)| {
            if late {
                ready = false;
                tracing::warn!(
                    worker = name,
                    silent_secs = silent.as_secs(),
                    "readiness: a worker stopped making progress"
                );
            }
            (
                name.to_owned(),
                json!({
                    "status": if late { "stalled" } else { "ok" },
                    "lastProgressSecondsAgo": silent.as_secs(),
                }),
            )
        })
        .collect();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if ready { "ready" } else { "not ready" },
        "checks": {"database": database, "migrations": migrations, "workers": workers},
    });
    (status, axum::Json(body)).into_response()
}

/// The Prometheus text exposition; the outbox gauges are read from the database now.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let now = crate::store::now_ms();
    let stats = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        state.store.outbox_stats(now),
    )
    .await;
    match stats {
        Ok(Ok((depth, oldest_due))) => state.metrics.outbox(
            depth,
            oldest_due.map(|due| {
                std::time::Duration::from_millis(
                    u64::try_from(now.saturating_sub(due)).unwrap_or(0),
                )
            }),
        ),
        Ok(Err(e)) => tracing::warn!(error = %e, "cannot read the outbox for /metrics"),
        Err(_) => tracing::warn!("reading the outbox for /metrics timed out"),
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// Records each request's route template, method, status and latency.
pub async fn count(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    state.metrics.http_request_matched(
        &method,
        route.as_ref(),
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}
