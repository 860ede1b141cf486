//! Injected faults, per route: 429 (with or without `Retry-After`), 404, 500, 503,
//! added latency, and connection resets, either with a probability or for the next N
//! matching requests. Applied before authentication, as a flaky network or an
//! overloaded Dialpad would. A reset is counted under status 0: no answer was sent.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use crate::api::served::{self, router_template};
use crate::error::ApiError;
use crate::state::AppState;

/// What to do to a matching request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// 429 in Dialpad's envelope with `Retry-After` (`retry_after` seconds, default 1).
    RateLimit,
    /// 429 without `Retry-After`.
    RateLimitNoRetryAfter,
    /// 404 in Dialpad's envelope: a record Dialpad has not made visible yet (a call just
    /// placed with `POST /api/v2/call`, read back before Dialpad reports it).
    NotFound,
    /// 500 in Dialpad's envelope.
    InternalError,
    /// 503 in Dialpad's envelope.
    Unavailable,
    /// Waits `latency_ms` and then serves the request normally.
    Latency,
    /// Drops the connection without an answer.
    Reset,
}

/// A rule as `POST /_sandbox/faults` takes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FaultRule {
    /// `"GET /api/v2/users/{id}"`, a bare route template (any method), `"*"` (every
    /// route) or `"GET *"` (every route of one method). A template must be one the
    /// sandbox serves (`api::served`), in its own spelling or the spec's
    /// (`{office_id}`); it is stored in the sandbox's, with the method upper case.
    #[serde(default = "any_route")]
    pub route: String,
    pub kind: FaultKind,
    /// Chance in [0, 1] that a matching request is hit (default 1).
    #[serde(default)]
    pub probability: Option<f64>,
    /// Hit only the next N matching requests, then retire the rule.
    #[serde(default)]
    pub next: Option<u64>,
    #[serde(default)]
    pub latency_ms: Option<u64>,
    #[serde(default)]
    pub retry_after: Option<u64>,
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

fn any_route() -> String {
    "*".into()
}

impl FaultRule {
    /// Checks the rule and normalises its route (see [`FaultRule::route`]).
    pub fn validate(&mut self) -> Result<(), String> {
        if let Some(p) = self.probability
            && !(0.0..=1.0).contains(&p)
        {
            return Err("probability must be between 0 and 1".into());
        }
        if self.kind == FaultKind::Latency && self.latency_ms.is_none() {
            return Err("latency faults need latency_ms".into());
        }
        if self.next == Some(0) {
            return Err("next must be at least 1".into());
        }
        let (method, path) = match self.route.split_once(' ') {
            Some((method, path)) => {
                let Some(known) = METHODS.iter().find(|m| m.eq_ignore_ascii_case(method)) else {
                    return Err(format!("unknown method {method:?} in route"));
                };
                (Some(*known), path.trim())
            }
            None => (None, self.route.trim()),
        };
        if path != "*" && !path.starts_with('/') {
            return Err(format!(
                "route must be \"*\", a route template such as \"/api/v2/users/{{id}}\", \
                 or a method and one (\"GET /api/v2/users\"), not {:?}",
                self.route
            ));
        }
        let path = router_template(path).into_owned();
        let served = match method {
            _ if path == "*" => true,
            // axum answers HEAD with a route's GET handler.
            Some("HEAD") => served::lookup("GET", &path).is_some(),
            Some(m) => served::lookup(m, &path).is_some(),
            None => served::serves_path(&path),
        };
        if !served {
            return Err(format!(
                "the sandbox serves no route {:?}: use a route template it serves, such \
                 as \"GET /api/v2/users/{{id}}\" (see the counters for the names)",
                self.route
            ));
        }
        self.route = match method {
            Some(m) => format!("{m} {path}"),
            None => path,
        };
        Ok(())
    }

    fn matches(&self, method: &str, route: &str) -> bool {
        let (wanted_method, path) = match self.route.split_once(' ') {
            Some((m, path)) => (Some(m), path),
            None => (None, self.route.as_str()),
        };
        wanted_method.is_none_or(|m| m.eq_ignore_ascii_case(method))
            && (path == "*" || path == route)
    }
}

#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
}

impl Faults {
    pub fn add(&self, rule: FaultRule) {
        self.rules.lock().push(rule);
    }

    pub fn list(&self) -> Vec<FaultRule> {
        self.rules.lock().clone()
    }

    pub fn clear(&self) {
        self.rules.lock().clear();
    }

    /// Decides which faults hit this request (at most one that answers, plus latency).
    fn pick(&self, method: &str, route: &str) -> (Option<Duration>, Option<FaultRule>) {
        let mut rules = self.rules.lock();
        if rules.is_empty() {
            return (None, None);
        }
        let mut rng = rand::thread_rng();
        let mut latency = None;
        let mut answer = None;
        rules.retain_mut(|rule| {
            if !rule.matches(method, route) {
                return true;
            }
            if rule.kind != FaultKind::Latency && answer.is_some() {
                return true;
            }
            if let Some(p) = rule.probability
                && rng.r#gen::<f64>() >= p
            {
                return true;
            }
            if rule.kind == FaultKind::Latency {
                let ms = rule.latency_ms.unwrap_or(0);
                latency = Some(latency.unwrap_or(Duration::ZERO) + Duration::from_millis(ms));
            } else {
                answer = Some(rule.clone());
            }
            match &mut rule.next {
                Some(n) if *n <= 1 => false,
                Some(n) => {
                    *n -= 1;
                    true
                }
                None => true,
            }
        });
        (latency, answer)
    }
}

/// Middleware on Dialpad's routes: applies faults, then counts the answer.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "(unmatched)".to_owned());
    let method = request.method().as_str().to_owned();
    let (latency, fault) = state.faults.pick(&method, &route);
    if let Some(wait) = latency {
        tokio::time::sleep(wait).await;
    }
    let reset = fault.as_ref().is_some_and(|f| f.kind == FaultKind::Reset);
    let response = match fault.map(|f| (f.kind, f.retry_after)) {
        None => next.run(request).await,
        Some((FaultKind::RateLimit, secs)) => {
            ApiError::rate_limited(Some(secs.unwrap_or(1))).into_response()
        }
        Some((FaultKind::RateLimitNoRetryAfter, _)) => ApiError::rate_limited(None).into_response(),
        Some((FaultKind::NotFound, _)) => ApiError::not_found("resource").into_response(),
        Some((FaultKind::InternalError, _)) => ApiError::internal("internal_error").into_response(),
        Some((FaultKind::Unavailable, _)) => ApiError::unavailable().into_response(),
        Some((FaultKind::Reset, _)) => reset_response(),
        Some((FaultKind::Latency, _)) => next.run(request).await,
    };
    let label = format!("{method} {route}");
    let status = if reset { 0 } else { response.status().as_u16() };
    state.counters.request(&label, status);
    response
}

/// A response whose body fails at once: hyper aborts the connection, so the client
/// sees the connection closed with no complete answer.
fn reset_response() -> Response {
    let stream = failing_stream();
    let mut response = Response::new(Body::from_stream(stream));
    *response.status_mut() = StatusCode::OK;
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from_static("1048576"));
    response
}

fn failing_stream() -> impl futures_util::Stream<Item = Result<axum::body::Bytes, std::io::Error>> {
    futures_util::stream::once(async {
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "sandbox fault: connection reset",
        ))
    })
}
