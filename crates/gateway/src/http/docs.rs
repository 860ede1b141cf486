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

/// Documents the error answers every operation can give, so that the description matches
/// what a client really sees: any route answers 4xx (`401` without a key, `400`/`413`/`415`
/// for a body it cannot read, `429` over the rate limit...) with an [`ErrorBody`], and the
/// unified resource routes answer `501 OPERATION_NOT_SUPPORTED` where the connector does not
/// offer the operation on the model.
///
/// [`ErrorBody`]: patchbay_core::ErrorBody
#[derive(Debug)]
pub struct ErrorResponses;

impl utoipa::Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for (path, item) in &mut openapi.paths.paths {
            let resources = path.contains("/resources/");
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                let responses = &mut operation.responses.responses;
                responses
                    .entry("4XX".to_owned())
                    .or_insert_with(|| error("A client error.").into());
                if resources {
                    responses.entry("501".to_owned()).or_insert_with(|| {
                        error("`OPERATION_NOT_SUPPORTED`: the connector does not offer this operation on the model.")
                            .into()
                    });
                }
            }
        }
    }
}
