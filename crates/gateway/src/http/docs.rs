//! `/openapi.json` and `/docs`: the API description, and a page that renders it, served
//! from the binary (no CDN, works offline and behind strict CSPs).

use axum::http::header;
use axum::response::IntoResponse;

/// `GET /openapi.json`.
pub async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        super::openapi_json(),
    )
}

/// `GET /docs`.
pub async fn page() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'",
            ),
        ],
        include_str!("docs.html"),
    )
}
