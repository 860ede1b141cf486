//! The HTTP API: routes, the OpenAPI document that describes them, and the middleware
//! stack. Handlers live in one module per resource family.

pub mod callback;
pub mod connect;
pub mod connections;
pub mod connectors;
pub mod deliveries;
pub mod docs;
pub mod error;
pub mod extract;
pub mod fields;
pub mod health;
pub mod ingress;
pub mod limits;
pub mod oauth;
pub mod pages;
pub mod proxy;
pub mod reports;
pub mod resources;
pub mod session_api;
pub mod sessions;
pub mod settings;
pub mod webhooks;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, Request};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use patchbay_core::ErrorCode;
use tower::ServiceBuilder;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use self::docs::ErrorResponses;
use self::error::ApiError;
use crate::app::AppState;

/// The OpenAPI document of every route.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Patchbay",
        description = "One unified API over your customers' Dialpad accounts: contacts, users, \
            workspaces, calls and transcripts, through connections your customers authorize.",
        license(name = "Apache-2.0")
    ),
    paths(
        resources::list,
        resources::create,
        resources::retrieve,
        resources::update,
        resources::delete,
        connections::list,
        connections::retrieve,
        connections::create,
        connections::update,
        connections::delete,
        oauth::authorize,
        sessions::create,
        settings::retrieve,
        settings::update,
        session_api::list,
        session_api::create,
        session_api::retrieve,
        session_api::update,
        session_api::delete,
        session_api::model_fields,
        session_api::connection,
        session_api::delete_connection,
        session_api::authorize,
        session_api::connector_view,
        connectors::list,
        connectors::retrieve,
        fields::list,
        fields::list_custom,
        fields::create_custom,
        fields::update_custom,
        fields::delete_custom,
        reports::create_stats,
        reports::retrieve_job,
        reports::offices,
        reports::call_centers,
        reports::operators,
        proxy::proxy,
        webhooks::create,
        webhooks::list,
        webhooks::retrieve,
        webhooks::update,
        webhooks::delete,
        webhooks::secret,
        webhooks::enable,
        webhooks::disable,
        webhooks::rotate,
        deliveries::list,
        deliveries::retry,
        deliveries::replay,
        deliveries::test,
    ),
    components(schemas(
        patchbay_core::Resource,
        patchbay_core::ResourceRef,
        patchbay_core::Link,
        patchbay_core::Page,
        patchbay_core::ErrorBody,
        patchbay_core::ErrorCode,
        patchbay_core::FieldError,
        patchbay_core::UnifiedField,
        patchbay_core::Operation,
        patchbay_core::ModelId,
        patchbay_core::ContactFields,
        patchbay_core::UserFields,
        patchbay_core::WorkspaceFields,
        patchbay_core::CallFields,
        patchbay_core::TranscriptFields,
        patchbay_dialpad::reports::StatsRequest,
        patchbay_dialpad::reports::ColumnType,
        crate::reports::stats::JobView,
        crate::reports::stats::JobConnection,
        crate::reports::stats::Column,
        crate::store::JobStatus,
        reports::TableBody,
        oauth::Mode,
    )),
    modifiers(&Security, &ErrorResponses),
    tags(
        (name = "resources", description = "Unified CRUD over a connection."),
        (name = "connections", description = "Your end users' connected accounts."),
        (name = "connectors", description = "What each provider supports."),
        (name = "models", description = "Unified fields and your custom fields."),
        (name = "reports", description = "Dialpad analytics: stats jobs (polled for you, deduplicated within Dialpad's cache window) and call-center reports."),
        (name = "sessions", description = "Short-lived tokens for your end users' browsers."),
        (name = "session", description = "The session-mode routes (`x-session-token`): one connection, the operations the session grants."),
        (name = "proxy", description = "Any Dialpad endpoint, with the connection's credential: the raw proxy."),
        (name = "settings", description = "Your settings: the redirect allow-list of OAuth onboarding."),
        (name = "webhooks", description = "Your webhook endpoints: Dialpad's events as unified events, signed the Standard Webhooks way, delivered at least once."),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

#[derive(Debug)]
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "secretKey",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A secret key, `sk_…`."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "sessionToken",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "x-session-token",
                "A session token from `POST /v1/connections/{connectorId}/{ownerId}/sessions`.",
            ))),
        );
        components.add_security_scheme(
            "apiKeyPair",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "x-api-secret",
                "A secret key, with the publishable key in `x-api-key` (Morph's client).",
            ))),
        );
    }
}

/// The document as served at `/openapi.json` and committed at `openapi/openapi.json`.
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".to_owned())
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every route over `state`, with the middleware stack. Not wrapped in a `Router` itself:
/// the stack is served as it is, without a router whose only route is the fallback.
pub fn router(
    state: AppState,
) -> impl tower::Service<
    Request<axum::body::Body>,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future: Send + 'static,
> + Clone
+ Send
+ Sync
+ 'static {
    let max_body = state.config.max_body_bytes;
    let api = Router::new()
        .route(
            "/v1/resources/{model}",
            get(resources::list).post(resources::create),
        )
        .route(
            "/v1/resources/{model}/{id}",
            get(resources::retrieve)
                .patch(resources::update)
                .delete(resources::delete),
        )
        .route("/v1/connections", get(connections::list))
        .route(
            "/v1/connections/{connector_id}/{owner_id}",
            get(connections::retrieve)
                .post(connections::create)
                .patch(connections::update)
                .delete(connections::delete),
        )
        .route(
            "/v1/connections/{connector_id}/{owner_id}/authorization",
            post(oauth::authorize),
        )
        .route(
            "/v1/connections/{connector_id}/{owner_id}/sessions",
            post(sessions::create),
        )
        .route(
            "/v1/settings",
            get(settings::retrieve).patch(settings::update),
        )
        .route("/v1/connectors", get(connectors::list))
        .route("/v1/connectors/{connector_id}", get(connectors::retrieve))
        .route("/v1/models/{model}/fields", get(fields::list))
        .route(
            "/v1/models/{model}/custom-fields",
            get(fields::list_custom).post(fields::create_custom),
        )
        .route(
            "/v1/models/{model}/custom-fields/{id}",
            axum::routing::put(fields::update_custom).delete(fields::delete_custom),
        )
        .route("/v1/reports/dialpad/stats", post(reports::create_stats))
        .route("/v1/reports/jobs/{id}", get(reports::retrieve_job))
        .route("/v1/reports/dialpad/offices", get(reports::offices))
        .route(
            "/v1/reports/dialpad/offices/{id}/callcenters",
            get(reports::call_centers),
        )
        .route(
            "/v1/reports/dialpad/callcenters/{id}/operators",
            get(reports::operators),
        )
        .route("/v1/proxy/{*path}", proxy::methods())
        .route(
            "/v1/webhooks/endpoints",
            get(webhooks::list).post(webhooks::create),
        )
        .route(
            "/v1/webhooks/endpoints/{id}",
            get(webhooks::retrieve)
                .patch(webhooks::update)
                .delete(webhooks::delete),
        )
        .route("/v1/webhooks/endpoints/{id}/secret", get(webhooks::secret))
        .route("/v1/webhooks/endpoints/{id}/enable", post(webhooks::enable))
        .route(
            "/v1/webhooks/endpoints/{id}/disable",
            post(webhooks::disable),
        )
        .route(
            "/v1/webhooks/endpoints/{id}/rotate-secret",
            post(webhooks::rotate),
        )
        .route(
            "/v1/webhooks/endpoints/{id}/deliveries",
            get(deliveries::list),
        )
        .route(
            "/v1/webhooks/endpoints/{id}/replay",
            post(deliveries::replay),
        )
        .route("/v1/webhooks/endpoints/{id}/test", post(deliveries::test))
        .route(
            "/v1/webhooks/deliveries/{id}/retry",
            post(deliveries::retry),
        )
        .route(ingress::PATH, post(ingress::dialpad))
        .method_not_allowed_fallback(method_not_allowed);
    // The session routes are what a browser calls (the Connect page, an app's frontend).
    let session = Router::new()
        .route(
            "/v1/s/resources/{model}",
            get(session_api::list).post(session_api::create),
        )
        .route(
            "/v1/s/resources/{model}/{id}",
            get(session_api::retrieve)
                .patch(session_api::update)
                .delete(session_api::delete),
        )
        .route(
            "/v1/s/models/{model}/fields",
            get(session_api::model_fields),
        )
        .route(
            "/v1/s/connection",
            get(session_api::connection).delete(session_api::delete_connection),
        )
        .route(
            "/v1/s/connection/authorization",
            post(session_api::authorize),
        )
        .route("/v1/s/connector", get(session_api::connector_view))
        .method_not_allowed_fallback(method_not_allowed);
    let session = match state.config.hardening.cors_origins.layer() {
        Some(cors) => session.layer(cors),
        None => session,
    };
    let api = api
        .merge(session)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::timeout,
        ));
    let app = Router::new()
        .merge(api)
        .route("/openapi.json", get(docs::openapi))
        .route("/docs", get(docs::page))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route(oauth::CALLBACK_PATH, get(callback::callback))
        .route("/connect", get(connect::page))
        .route(oauth::DONE_PATH, get(connect::done))
        .route("/connect/assets/connect.css", get(pages::css))
        .route("/connect/assets/connect.js", get(pages::js))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            health::count,
        ))
        .with_state(state.clone());
    // These wrap the router once rather than each route (`Router::layer` boxes every route
    // in every layer, and a request then clones and boxes each of them): measured with
    // callgrind on the proxy route. Outermost first on the way in: the id is set, then the
    // request is traced with it, and the id is copied onto the response last.
    let ids = SequentialRequestId::new();
    let stack = ServiceBuilder::new()
        // axum serves bodies of one type: the trace layer's wrapper is boxed into it.
        .map_response(|response: axum::http::Response<_>| response.map(axum::body::Body::new))
        .layer(SetRequestIdLayer::new(REQUEST_ID, ids.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(DefaultBodyLimit::max(max_body))
        .service(app);
    Front {
        shared: std::sync::Arc::new(FrontParts { state, ids, stack }),
    }
}

/// The span every request is served in, filled in by the extractors and handlers that
/// learn the rest (`span` module).
fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %id,
        tenant = tracing::field::Empty,
        connection = tracing::field::Empty,
        model = tracing::field::Empty,
        operation = tracing::field::Empty,
    )
}

/// Sends proxied calls (`/v1/proxy/…`) straight to [`proxy::serve`], doing what the
/// middleware stack does for them (the request id, set when the caller sent none and
/// returned on the answer, and the request's span), and everything else through the stack
/// and the router (the trace layer's debug events aside; `proxy::serve` logs a 5xx). The stack's generic layers, each with its own future and body wrapper,
/// cost a proxied call more than the steps themselves. The proxy's route stays in the
/// router too (for the OpenAPI document and the route table), but is never reached there.
///
/// hyper's adapter clones the service for every request: what it holds is shared, so that
/// clone is one reference count, and only a call that goes through the stack clones it.
struct Front<S> {
    shared: std::sync::Arc<FrontParts<S>>,
}

impl<S> Clone for Front<S> {
    fn clone(&self) -> Self {
        Self {
            shared: self.shared.clone(),
        }
    }
}

struct FrontParts<S> {
    state: AppState,
    ids: SequentialRequestId,
    stack: S,
}

impl<S> tower::Service<Request<axum::body::Body>> for Front<S>
where
    S: tower::Service<
            Request<axum::body::Body>,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone,
{
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = futures_util::future::Either<
        std::pin::Pin<
            Box<
                dyn std::future::Future<Output = Result<Self::Response, Self::Error>>
                    + Send
                    + 'static,
            >,
        >,
        tower::util::Oneshot<S, Request<axum::body::Body>>,
    >;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        // Each call takes its own clone of the stack, made ready in `Oneshot`.
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: Request<axum::body::Body>) -> Self::Future {
        use futures_util::future::Either;
        use tracing::Instrument as _;
        let shared = &self.shared;
        if !proxy::is_proxied(request.uri().path()) {
            return Either::Right(tower::ServiceExt::oneshot(shared.stack.clone(), request));
        }
        let id = match request.headers().get(&REQUEST_ID) {
            Some(id) => Some(id.clone()),
            None => {
                let id = shared.ids.next();
                if let Some(id) = &id {
                    request.headers_mut().insert(REQUEST_ID, id.clone());
                }
                id
            }
        };
        // A span at debug level: creating one for every call (with its id alone) costs a
        // proxied call about a tenth of its CPU time. The lines the proxy logs for a call
        // (a 5xx below, an upstream failure in `proxy`) name it themselves.
        let span = tracing::debug_span!("request", request_id = ?id);
        let state = shared.state.clone();
        let bounded = crate::serving::bounds_this_call();
        Either::Left(Box::pin(
            async move {
                let mut response = proxy::serve(state, request, bounded).await;
                if let Some(id) = id {
                    response.headers_mut().entry(REQUEST_ID).or_insert(id);
                }
                Ok(response)
            }
            .instrument(span),
        ))
    }
}

/// Request ids shaped like UUIDs: a random 64-bit prefix drawn once per thread, then the
/// thread's count. Unique across threads and instances (with overwhelming probability)
/// without asking the OS for randomness on every request as `MakeRequestUuid` does.
#[derive(Clone, Debug)]
struct SequentialRequestId;

thread_local! {
    /// This thread's id prefix (random) and count: ids are unique without threads sharing
    /// a counter, whose cache line would move between cores on every request.
    static REQUEST_IDS: std::cell::Cell<(u64, u64)> =
        std::cell::Cell::new((rand::random(), 0));
}

impl SequentialRequestId {
    fn new() -> Self {
        Self
    }

    /// The next id.
    fn next(&self) -> Option<HeaderValue> {
        let (prefix, n) = REQUEST_IDS.get();
        REQUEST_IDS.set((prefix, n.wrapping_add(1)));
        HeaderValue::from_bytes(&uuid_shaped(prefix, n)).ok()
    }
}

impl MakeRequestId for SequentialRequestId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        self.next().map(RequestId::new)
    }
}

/// `high` then `low` as 32 hex digits, written 8-4-4-4-12 as a UUID is.
fn uuid_shaped(high: u64, low: u64) -> [u8; 36] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // Where each of the 16 bytes' two digits go, most significant first.
    const AT: [u8; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
    let mut text = [b'-'; 36];
    let bytes = (u128::from(high) << 64 | u128::from(low)).to_be_bytes();
    for (byte, at) in bytes.iter().zip(AT) {
        let at = usize::from(at);
        text[at] = HEX[usize::from(byte >> 4)];
        text[at + 1] = HEX[usize::from(byte & 0xf)];
    }
    text
}

async fn not_found(method: Method, uri: axum::http::Uri) -> impl IntoResponse {
    ApiError::new(
        ErrorCode::NotFound,
        format!("there is no route {method} {}", uri.path()),
    )
}

async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> impl IntoResponse {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!("{method} is not allowed on {}", uri.path()),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn request_ids_are_written_as_uuids() {
        let text = super::uuid_shaped(0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210);
        assert_eq!(&text, b"01234567-89ab-cdef-fedc-ba9876543210");
        let text = super::uuid_shaped(0, 1);
        assert_eq!(&text, b"00000000-0000-0000-0000-000000000001");
    }
}
