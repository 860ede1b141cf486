//! `ANY /v1/proxy/{*path}`: any Dialpad endpoint, with the connection's credential. The
//! connection is chosen by `x-connector-id`/`x-owner-id`, or in the path
//! (`/v1/proxy/{connectorId}/{ownerId}/…`, so an SDK only changes its base URL). Method,
//! path and query go up as sent, bodies stream both ways, and the answer comes back as
//! Dialpad sent it. See `crate::proxy` for the rules each step follows.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use patchbay_core::ErrorCode;
use percent_encoding::percent_decode_str;

use super::error::{ApiError, ApiResult};
use super::extract::Tenant;
use crate::app::AppState;
use crate::proxy::body::{BodyError, Outgoing};
use crate::proxy::upstream::Streamed;
use crate::proxy::{headers, path, retry};
use crate::store::{Connection, ConnectionStatus};
use crate::tokens::{Held, TokenError};
use crate::unified::target::{connection_not_found, mark_unauthorized, rate_limited};

/// Where the proxy's routes start.
pub const PREFIX: &str = "/v1/proxy";

/// The route template proxied calls are counted under in the metrics.
pub const ROUTE: &str = "/v1/proxy/{*path}";

const REQUEST_ID: axum::http::HeaderName = axum::http::HeaderName::from_static("x-request-id");

/// Forwards one call to the connection's provider.
#[utoipa::path(
    get,
    path = "/v1/proxy/{connectorId}/{ownerId}/{path}",
    tag = "proxy",
    operation_id = "proxy",
    summary = "Call any provider endpoint with the connection's credential",
    description = "Any method. Also `/v1/proxy/{path}` with the connection in `x-connector-id` \
        and `x-owner-id`. The path and query string go to the connector's API as sent; the \
        caller's `Authorization`, `Cookie`, hop-by-hop and gateway headers are dropped and \
        the connection's credential is presented instead. `x-patchbay-retry: true|false` \
        turns retries of 429, 5xx and connection failures on (POST, PATCH) or off.",
    params(
        ("connectorId" = String, Path, description = "`dialpad`."),
        ("ownerId" = String, Path, description = "Your id for the end user."),
        ("path" = String, Path, description = "The provider's path, e.g. `api/v2/users`."),
    ),
    responses(
        (status = 200, description = "The provider's answer, status, headers and body as sent."),
        (status = 400, description = "`INVALID_PROXY_PATH`: a path that could leave the provider's API.", body = patchbay_core::ErrorBody),
        (status = 404, description = "`CONNECTION_NOT_FOUND`.", body = patchbay_core::ErrorBody),
        (status = 413, description = "`PAYLOAD_TOO_LARGE`.", body = patchbay_core::ErrorBody),
        (status = 429, description = "`RATE_LIMITED`: Dialpad's limit would be hit; see `Retry-After`.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn proxy(State(state): State<AppState>, tenant: Tenant, request: Request) -> Response {
    forwarded(&state, &tenant, request).await
}

/// The call forwarded, or the error it met as our error body.
async fn forwarded(state: &AppState, tenant: &Tenant, request: Request) -> Response {
    // Boxed: the call's future (refreshes, database writes) is large, and every layer
    // above would otherwise move it.
    match Box::pin(forward(state, tenant, request)).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

/// Whether `path` is a proxied call's (`/v1/proxy/` and something after it).
pub fn is_proxied(path: &str) -> bool {
    path.len() > PREFIX.len() + 1
        && path.starts_with(PREFIX)
        && path.as_bytes()[PREFIX.len()] == b'/'
}

/// Serves a proxied call straight from the middleware stack rather than through the
/// router: the same steps the router's route would take (the tenant's key, the call, the
/// request timeout, the request's metrics under [`ROUTE`]), without the router's per-route
/// layers, extractor machinery and boxed futures, which cost a proxied GET as much as the
/// forwarding itself. `Front` (in `http`) sends every path [`is_proxied`] accepts here.
///
/// `bounded`: the server bounds the call by the request timeout itself (`call_bound`); else
/// it is bounded here.
pub async fn serve(state: AppState, request: Request, bounded: bool) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let uri = request.uri().clone();
    let request_id = request.headers().get(&REQUEST_ID).cloned();
    let limit = state.config.hardening.request_timeout;
    let response = if bounded {
        authenticated(&state, request, started).await
    } else {
        match tokio::time::timeout(limit, authenticated(&state, request, started)).await {
            Ok(response) => response,
            Err(_) => super::limits::timed_out(limit),
        }
    };
    // As the trace layer does for the other routes: a 5xx is logged, naming the call (the
    // proxy's span is at debug level).
    if response.status().is_server_error() {
        tracing::error!(
            method = %method,
            path = %uri.path(),
            request_id = request_id.as_ref().and_then(|v| v.to_str().ok()).unwrap_or(""),
            status = response.status().as_u16(),
            "response failed"
        );
    }
    state.metrics.http_request_template(
        &method,
        ROUTE,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// The request timeout for the proxied calls `serving::direct` serves: past it, the call's
/// future is dropped and the caller answered `REQUEST_TIMEOUT`, logged and counted as
/// [`serve`] does.
pub fn call_bound(state: &AppState) -> crate::serving::CallBound {
    let limit = state.config.hardening.request_timeout;
    let metrics = state.metrics.clone();
    crate::serving::CallBound {
        limit,
        expired: std::sync::Arc::new(move |method| {
            let response = super::limits::timed_out(limit);
            tracing::error!(
                method = %method,
                status = response.status().as_u16(),
                "response failed: the proxied call took longer than the request timeout"
            );
            metrics.http_request_template(method, ROUTE, response.status().as_u16(), limit);
            response
        }),
    }
}

async fn authenticated(state: &AppState, request: Request, now: Instant) -> Response {
    // Boxed, as in `forwarded`.
    match Box::pin(memoized(state, request, now)).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

/// The `Tenant` extractor's steps, then the call's, with what they resolve to remembered
/// for a moment (`proxy::memo`): a call like one just before it on this thread skips the
/// look-ups. Errors come in the same order either way (the keys, then the path).
/// `now` is when the call arrived.
async fn memoized(state: &AppState, request: Request, now: Instant) -> ApiResult<Response> {
    // Read before any look-up: an entry made from reads older than an invalidation must
    // not outlive it.
    let generation = state
        .auth
        .generation()
        .wrapping_add(state.connections.generation());
    let (parts, body) = request.into_parts();
    let (publishable, secret) = super::extract::presented_keys(&parts.headers)?;
    let digest = crate::auth::digest(publishable, secret);
    let memo = &state.proxy.memo;
    let selected = select(state, parts.uri.path(), &parts.headers).ok();
    let key = selected
        .as_ref()
        .map(|s| memo.key(&digest, &s.connector_id, &s.owner_id));
    if let (Some(selection), Some(key)) = (&selected, &key)
        && let Some(hit) = memo.get(key, generation, now)
        && !(hit.held.refreshable() && hit.held.due(chrono::Utc::now()))
    {
        super::extract::admit(state, &hit.tenant.key_id)?;
        let checked = path::check(selection.path).map_err(invalid_path)?;
        let call = Call::new(selection, checked, parts.method, &parts.uri, parts.headers);
        let resolved = (hit.connection, hit.held);
        return exchange(state, &hit.tenant, call, resolved, body).await;
    }
    let tenant = match state
        .auth
        .authenticate_digest(digest, publishable, secret)
        .await
        .map_err(ApiError::internal)?
    {
        Some(key) => {
            tracing::Span::current().record("tenant", tracing::field::display(&key.tenant_id));
            super::extract::admit(state, &key.key_id)?;
            Tenant {
                id: key.tenant_id,
                key_id: key.key_id,
            }
        }
        None => {
            return Err(ApiError::new(
                ErrorCode::InvalidApiKey,
                "the API key is invalid or revoked",
            ));
        }
    };
    let remember = key.map(|key| Remember {
        key,
        generation,
        now,
    });
    forward_parts(state, &tenant, parts, body, remember).await
}

/// Where a call's resolution is remembered: its memo key, and the caches' generation and
/// the time when resolving began.
struct Remember {
    key: Box<[u8]>,
    generation: u64,
    now: Instant,
}

/// The connection and the provider path a call names: borrowed from the path when named
/// there (an owner id with no percent-encoding needs no copy).
struct Selection<'a> {
    connector_id: Cow<'a, str>,
    owner_id: Cow<'a, str>,
    path: &'a str,
}

fn select<'a>(
    state: &AppState,
    uri_path: &'a str,
    headers: &HeaderMap,
) -> ApiResult<Selection<'a>> {
    let rest = uri_path.strip_prefix(PREFIX).unwrap_or(uri_path);
    let first = rest
        .get(1..)
        .and_then(|r| r.split('/').next())
        .unwrap_or("");
    if !first.is_empty() && state.connectors.get(first).is_some() {
        let after = &rest[1 + first.len()..];
        let owner = after
            .get(1..)
            .and_then(|r| r.split('/').next())
            .unwrap_or("");
        if owner.is_empty() {
            return Err(ApiError::new(
                ErrorCode::InvalidProxyPath,
                format!("name the owner: {PREFIX}/{first}/{{ownerId}}/{{path}}"),
            ));
        }
        let owner_id = percent_decode_str(owner)
            .decode_utf8()
            .map_err(|_| ApiError::new(ErrorCode::BadRequest, "the owner id is not UTF-8"))?;
        return Ok(Selection {
            connector_id: Cow::Borrowed(first),
            owner_id,
            path: &after[1 + owner.len()..],
        });
    }
    path::check(rest).map_err(invalid_path)?;
    let header = |name: &axum::http::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    match (
        header(&super::extract::X_CONNECTOR_ID),
        header(&super::extract::X_OWNER_ID),
    ) {
        // Copied: the headers go on into the call.
        (Some(connector_id), Some(owner_id)) => Ok(Selection {
            connector_id: Cow::Owned(connector_id.to_owned()),
            owner_id: Cow::Owned(owner_id.to_owned()),
            path: rest,
        }),
        _ => Err(ApiError::new(
            ErrorCode::BadRequest,
            "choose the connection with `x-connector-id` and `x-owner-id`, or in the path: \
             /v1/proxy/{connectorId}/{ownerId}/{path}",
        )),
    }
}

async fn connection(
    state: &AppState,
    tenant: &Tenant,
    selection: &Selection<'_>,
) -> ApiResult<Arc<Connection>> {
    let (connector, owner) = (&selection.connector_id, &selection.owner_id);
    if state.connectors.get(connector).is_none() {
        return Err(ApiError::new(
            ErrorCode::ConnectorNotFound,
            format!("there is no connector `{connector}`"),
        ));
    }
    let connection = state
        .connections
        .get(&tenant.id, connector, owner)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| connection_not_found(connector, owner))?;
    if connection.status != ConnectionStatus::Authorized || connection.credentials.is_none() {
        return Err(ApiError::new(
            ErrorCode::ConnectionUnauthorized,
            format!(
                "the connection is {}; authorize it before calling it",
                connection.status.as_str()
            ),
        ));
    }
    Ok(connection)
}

fn bearer(held: &Held) -> ApiResult<HeaderValue> {
    held.authorization()
        .ok_or_else(|| ApiError::internal("the stored credential is not a valid header value"))
}

async fn forward(state: &AppState, tenant: &Tenant, request: Request) -> ApiResult<Response> {
    let (parts, body) = request.into_parts();
    forward_parts(state, tenant, parts, body, None).await
}

/// Chooses the call's connection and credentials (remembering them if asked), then sends it.
async fn forward_parts(
    state: &AppState,
    tenant: &Tenant,
    parts: axum::http::request::Parts,
    body: Body,
    remember: Option<Remember>,
) -> ApiResult<Response> {
    let selection = select(state, parts.uri.path(), &parts.headers)?;
    let checked = path::check(selection.path).map_err(invalid_path)?;
    let connection = connection(state, tenant, &selection).await?;
    let held = state.tokens.current(&connection).await?;
    if let Some(remember) = remember {
        let resolved = crate::proxy::memo::Resolved {
            tenant: Arc::new(tenant.clone()),
            connection: connection.clone(),
            held: held.clone(),
        };
        let memo = &state.proxy.memo;
        memo.put(remember.key, resolved, remember.generation, remember.now);
    }
    let call = Call::new(&selection, checked, parts.method, &parts.uri, parts.headers);
    exchange(state, tenant, call, (connection, held), body).await
}

/// A call's request, its connection chosen and its path checked.
struct Call<'a> {
    selection: &'a Selection<'a>,
    checked: &'a str,
    method: axum::http::Method,
    query: Option<&'a str>,
    headers: HeaderMap,
}

impl<'a> Call<'a> {
    fn new(
        selection: &'a Selection<'a>,
        checked: &'a str,
        method: axum::http::Method,
        uri: &'a Uri,
        headers: HeaderMap,
    ) -> Self {
        Self {
            selection,
            checked,
            method,
            query: uri.query(),
            headers,
        }
    }
}

/// Sends the call to the connection's provider with its credentials, and answers with what
/// comes back: the limiter, refreshes after a 401, retries.
async fn exchange(
    state: &AppState,
    tenant: &Tenant,
    call: Call<'_>,
    (connection, mut held): (Arc<Connection>, Arc<Held>),
    body: Body,
) -> ApiResult<Response> {
    let Call {
        selection,
        checked,
        method,
        query,
        mut headers,
    } = call;
    let config = &state.proxy.config;
    let upstream = state
        .proxy
        .upstreams
        .get(selection.connector_id.as_ref())
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::OperationNotSupported,
                format!(
                    "the `{}` connector has no raw proxy",
                    selection.connector_id
                ),
            )
        })?;
    let uri = upstream_uri(upstream.prefix(), checked, query)?;

    let request_id = headers.get(&REQUEST_ID).cloned();
    let may_retry = retry::allowed(&method, &headers);
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut outgoing =
        Outgoing::prepare(body, declared, config.replay_bytes, config.max_body_bytes)
            .await
            .map_err(|e| match e {
                BodyError::TooLarge(e) => ApiError::new(ErrorCode::PayloadTooLarge, e.to_string()),
                BodyError::Read(e) => ApiError::new(ErrorCode::BadRequest, e.to_string()),
            })?;
    headers::upstream_request(&mut headers, bearer(&held)?, upstream.authority().clone());
    // Only the limiter reads it; matching the templates is not free.
    let operation = (config.limiter && selection.connector_id == "dialpad")
        .then(|| patchbay_dialpad::limits::operation_limit(method.as_str(), checked))
        .flatten();
    let provider = state
        .connectors
        .get(&selection.connector_id)
        .map_or("The provider", |c| c.descriptor().name);

    let answer_bounded = config.response_timeout < state.config.hardening.request_timeout;
    let started = Instant::now();
    let mut attempt = 1;
    let mut refreshed = false;
    loop {
        state
            .proxy
            .limiter
            .acquire_for(&connection, operation)
            .await
            .map_err(rate_limited)?;
        let replayable = outgoing.replayable();
        let mut request = axum::http::Request::new(outgoing.take());
        *request.method_mut() = method.clone();
        *request.uri_mut() = uri.clone();
        *request.headers_mut() = if replayable {
            headers.clone()
        } else {
            std::mem::take(&mut headers)
        };
        // The whole call is bounded by the request timeout (`serve`): a timer for the
        // answer alone is armed only when it would fire first.
        let answer = if answer_bounded {
            tokio::time::timeout(config.response_timeout, upstream.send(request)).await
        } else {
            Ok(upstream.send(request).await)
        };
        let retry_wait = |retry_after| {
            (may_retry && replayable)
                .then(|| config.retry.wait(attempt, started.elapsed(), retry_after))
                .flatten()
        };
        let response = match answer {
            Err(_) => match retry_wait(None) {
                Some(wait) => {
                    tracing::debug!(attempt, "proxied call timed out; retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                    continue;
                }
                None => {
                    return Err(ApiError::new(
                        ErrorCode::UpstreamTimeout,
                        format!("{provider} did not answer in time"),
                    ));
                }
            },
            Ok(Err(e)) => {
                if crate::proxy::body::is_too_large(&e) {
                    return Err(ApiError::new(
                        ErrorCode::PayloadTooLarge,
                        format!("the request body is over {} bytes", config.max_body_bytes),
                    ));
                }
                if let Some(wait) = retry_wait(None) {
                    tracing::debug!(attempt, error = %e, "proxied call failed; retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                    continue;
                }
                tracing::warn!(
                    method = %method,
                    path = %uri.path(),
                    request_id = request_id.as_ref().and_then(|v| v.to_str().ok()).unwrap_or(""),
                    connection = %connection.id,
                    error = %super::error::chain(&e),
                    "proxied call failed"
                );
                return Err(ApiError::new(
                    ErrorCode::UpstreamUnavailable,
                    format!("{provider} could not be reached"),
                ));
            }
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED {
            if !refreshed && held.refreshable() {
                refreshed = true;
                // One refresh for every call holding this version, in every instance.
                match Box::pin(state.tokens.refresh(&connection, held.version)).await {
                    Ok(newer) if newer.version != held.version => {
                        held = newer;
                        if replayable {
                            headers.insert(header::AUTHORIZATION, bearer(&held)?);
                            continue;
                        }
                        // Renewed for the next call; this one's body is gone.
                        return Ok(respond(response, request_id));
                    }
                    Ok(_) => {}
                    // The token manager already marked the connection (invalid_grant).
                    Err(TokenError::Unauthorized { .. }) => {
                        return Ok(respond(response, request_id));
                    }
                    // The token endpoint is down: the connection stays as it is.
                    Err(e) => {
                        tracing::warn!(connection = %connection.id, error = %e, "cannot refresh after a 401");
                        return Ok(respond(response, request_id));
                    }
                }
            }
            // Boxed, like the refresh above: rare paths whose futures would make every
            // call's future larger.
            let still_authorized = Box::pin(state.connections.get(
                &tenant.id,
                &selection.connector_id,
                &selection.owner_id,
            ))
            .await
            .ok()
            .flatten()
            .is_some_and(|c| c.id == connection.id && c.status == ConnectionStatus::Authorized);
            if still_authorized {
                let _ = Box::pin(mark_unauthorized(state, provider, &connection)).await;
            }
            return Ok(respond(response, request_id));
        }
        if (status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error())
            && let Some(wait) = retry_wait(retry::retry_after(response.headers()))
        {
            tracing::debug!(
                attempt,
                status = status.as_u16(),
                "proxied call refused; retrying"
            );
            drop(response);
            tokio::time::sleep(wait).await;
            attempt += 1;
            continue;
        }
        return Ok(respond(response, request_id));
    }
}

fn invalid_path(error: path::PathError) -> ApiError {
    ApiError::new(ErrorCode::InvalidProxyPath, error.to_string())
}

/// The upstream's base path, then the checked path and the query exactly as sent (origin
/// form: the upstream connection is already to the right host).
fn upstream_uri(prefix: &str, path: &str, query: Option<&str>) -> ApiResult<Uri> {
    let mut target =
        String::with_capacity(prefix.len() + path.len() + query.map_or(0, str::len) + 1);
    target.push_str(prefix);
    target.push_str(path);
    if let Some(query) = query {
        target.push('?');
        target.push_str(query);
    }
    Uri::try_from(target).map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidProxyPath,
            "the path is not a valid URL path",
        )
    })
}

fn respond(response: axum::http::Response<Streamed>, request_id: Option<HeaderValue>) -> Response {
    let (mut parts, body) = response.into_parts();
    headers::downstream_response(&mut parts.headers, request_id);
    Response::from_parts(parts, Body::new(body))
}

/// Methods routed to [`proxy`]: every one axum knows.
pub fn methods() -> axum::routing::MethodRouter<AppState> {
    axum::routing::any(proxy)
}
