//! Probes for testing what a client (the gateway's raw proxy) really sends and how it
//! streams, under `/_sandbox/` (not Dialpad's): `ANY /_sandbox/echo/{*path}` answers the
//! method, raw path, raw query, headers and body it received (and answers with a header
//! `name: value` for each `x-sandbox-reply-name: value` it was sent, in order, for testing
//! what comes back); `GET /_sandbox/bytes/{n}` streams `n` bytes. Both count under `PROBE /_sandbox/…` in the request counters.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{OriginalUri, Path, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use serde_json::json;

use crate::state::AppState;

/// Bodies up to this size are echoed; larger ones are only counted.
const ECHO_LIMIT: usize = 64 * 1024;
const CHUNK: usize = 64 * 1024;
static FILLER: [u8; CHUNK] = [b'x'; CHUNK];

pub async fn echo(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    request: Request,
) -> Response {
    state.counters.request("PROBE /_sandbox/echo", 200);
    let (parts, body) = request.into_parts();
    let replies: Vec<(HeaderName, HeaderValue)> = parts
        .headers
        .iter()
        .filter_map(|(name, value)| {
            let name = name.as_str().strip_prefix("x-sandbox-reply-")?;
            Some((HeaderName::from_bytes(name.as_bytes()).ok()?, value.clone()))
        })
        .collect();
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in &parts.headers {
        headers
            .entry(name.as_str().to_owned())
            .or_default()
            .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    let mut length: u64 = 0;
    let mut complete = true;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            complete = false;
            break;
        };
        length += chunk.len() as u64;
        if kept.len() < ECHO_LIMIT {
            kept.extend_from_slice(&chunk[..chunk.len().min(ECHO_LIMIT - kept.len())]);
        }
    }
    let mut response = Json(json!({
        "method": parts.method.as_str(),
        "path": uri.path(),
        "query": uri.query(),
        "headers": headers,
        "bodyLength": length,
        "bodyComplete": complete,
        "body": String::from_utf8_lossy(&kept),
    }))
    .into_response();
    for (name, value) in replies {
        response.headers_mut().append(name, value);
    }
    response
}

pub async fn bytes(State(state): State<AppState>, Path(n): Path<u64>) -> Response {
    state.counters.request("PROBE /_sandbox/bytes", 200);
    let chunks = futures_util::stream::unfold(n, |left| async move {
        if left == 0 {
            return None;
        }
        let take = usize::try_from(left).unwrap_or(CHUNK).min(CHUNK);
        let chunk = Bytes::from_static(&FILLER[..take]);
        Some((Ok::<_, std::io::Error>(chunk), left - take as u64))
    });
    let mut response = Body::from_stream(chunks).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(n));
    response
}
