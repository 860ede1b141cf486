//! The one table of error codes every crate shares: a stable SCREAMING_SNAKE string, the
//! HTTP status the gateway answers with, and a default message. Also the wire error body
//! `{"error", "message", "details"?}` that Morph's client reads.

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::validate::{FieldError, ValidationErrors};

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:tt, $status:literal, $message:literal; )+) => {
        /// A stable, documented error code. The string never changes once published.
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
        )]
        pub enum ErrorCode {
            $( $(#[$doc])* #[serde(rename = $code)] $variant, )+
        }

        impl ErrorCode {
            /// Every code, in table order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// The stable wire string, e.g. `"RESOURCE_NOT_FOUND"`.
            pub const fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code),+ }
            }

            /// The HTTP status the gateway answers with.
            pub const fn http_status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status),+ }
            }

            /// A generic, safe message for when the caller has nothing more specific.
            pub const fn default_message(self) -> &'static str {
                match self { $(ErrorCode::$variant => $message),+ }
            }
        }

        impl FromStr for ErrorCode {
            type Err = crate::ParseEnumError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok(ErrorCode::$variant),)+
                    _ => Err(crate::ParseEnumError {
                        type_name: "ErrorCode",
                        value: s.to_owned(),
                        allowed: &[$($code),+],
                    }),
                }
            }
        }
    };
}

error_codes! {
    /// The request is malformed (bad JSON, bad query parameter).
    BadRequest = "BAD_REQUEST", 400, "The request is malformed.";
    /// A proxy path that could leave the provider's API (`..`, encoded dots, slashes or
    /// backslashes, `//`, `@`, an absolute URL).
    InvalidProxyPath = "INVALID_PROXY_PATH", 400, "The proxy path is not allowed.";
    /// The body parsed but some fields are invalid; `details` lists them.
    ValidationFailed = "VALIDATION_FAILED", 422, "Some fields are invalid.";
    /// The pagination cursor is not one this API issued, or no longer valid.
    InvalidCursor = "INVALID_CURSOR", 400, "The cursor is invalid or expired.";
    /// No credentials were sent.
    Unauthenticated = "UNAUTHENTICATED", 401, "Authentication is required.";
    /// The API key (or secret) is unknown or revoked.
    InvalidApiKey = "INVALID_API_KEY", 401, "The API key is invalid.";
    /// The session token does not verify.
    InvalidSessionToken = "INVALID_SESSION_TOKEN", 401, "The session token is invalid.";
    /// The session token verified but has expired.
    SessionExpired = "SESSION_EXPIRED", 401, "The session has expired.";
    /// The caller is authenticated but may not do this.
    Forbidden = "FORBIDDEN", 403, "This action is not allowed.";
    /// The connection was not granted this operation (see the connection's `operations`).
    OperationNotAllowed = "OPERATION_NOT_ALLOWED", 403, "The connection is not allowed to perform this operation.";
    /// The connection's provider credential was rejected or revoked: the end user must
    /// authorize the connection again. 403, not 401: the caller's own API key or session is
    /// fine, and a 401 would make clients discard it. Retrying is useless until re-authorized.
    ConnectionUnauthorized = "CONNECTION_UNAUTHORIZED", 403, "The connection must be authorized again.";
    /// No route matches.
    NotFound = "NOT_FOUND", 404, "Not found.";
    /// The model name is not a unified model.
    ModelNotFound = "MODEL_NOT_FOUND", 404, "The model does not exist.";
    /// The resource does not exist at the provider.
    ResourceNotFound = "RESOURCE_NOT_FOUND", 404, "The resource does not exist.";
    /// No connection exists for this connector and owner.
    ConnectionNotFound = "CONNECTION_NOT_FOUND", 404, "The connection does not exist.";
    /// The connector id is unknown.
    ConnectorNotFound = "CONNECTOR_NOT_FOUND", 404, "The connector does not exist.";
    /// No webhook endpoint of yours has this id.
    WebhookEndpointNotFound = "WEBHOOK_ENDPOINT_NOT_FOUND", 404, "The webhook endpoint does not exist.";
    /// No webhook delivery of yours has this id.
    WebhookDeliveryNotFound = "WEBHOOK_DELIVERY_NOT_FOUND", 404, "The webhook delivery does not exist.";
    /// An incoming provider event's signature (or its ingress URL) is not valid.
    InvalidWebhookSignature = "INVALID_WEBHOOK_SIGNATURE", 401, "The event's signature is invalid.";
    /// The route exists but not with this HTTP method.
    MethodNotAllowed = "METHOD_NOT_ALLOWED", 405, "The method is not allowed on this route.";
    /// The request conflicts with the current state (duplicate, concurrent change).
    Conflict = "CONFLICT", 409, "The request conflicts with the current state.";
    /// The body is larger than the gateway accepts.
    PayloadTooLarge = "PAYLOAD_TOO_LARGE", 413, "The request body is too large.";
    /// The body is not `application/json`.
    UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE", 415, "The request body must be JSON.";
    /// The caller exceeded the gateway's own rate limit; see `Retry-After`.
    RateLimited = "RATE_LIMITED", 429, "Too many requests.";
    /// The provider rate-limited the connection; see `Retry-After` when known.
    UpstreamRateLimited = "UPSTREAM_RATE_LIMITED", 429, "The provider is rate limiting this connection.";
    /// Internal failure; details are logged, never returned.
    InternalError = "INTERNAL_ERROR", 500, "An internal error occurred.";
    /// The connector does not implement this operation for this model (e.g. deleting a call).
    /// 501: a property of the connector, not of the request's shape; clients and retry
    /// policies treat 501 as final, unlike 502-504.
    OperationNotSupported = "OPERATION_NOT_SUPPORTED", 501, "The connector does not support this operation.";
    /// The request took longer than the gateway allows (`request_timeout_secs`).
    RequestTimeout = "REQUEST_TIMEOUT", 504, "The request took longer than the gateway allows.";
    /// The provider answered with an unexpected error or an unreadable body.
    UpstreamError = "UPSTREAM_ERROR", 502, "The provider returned an error.";
    /// The provider could not be reached or is down.
    UpstreamUnavailable = "UPSTREAM_UNAVAILABLE", 503, "The provider is unavailable.";
    /// The provider did not answer in time.
    UpstreamTimeout = "UPSTREAM_TIMEOUT", 504, "The provider did not answer in time.";
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of every non-2xx answer: `{"error": "<CODE>", "message": "...", "details"?: [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// The stable code; Morph's client shows it as the error's code.
    pub error: ErrorCode,
    /// A human-readable explanation, safe to show to the API caller.
    pub message: String,
    /// Field-level problems, present only for validation failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub details: Option<Vec<FieldError>>,
}

impl ErrorBody {
    /// A body with an explicit message and no details.
    pub fn new(error: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error,
            message: message.into(),
            details: None,
        }
    }

    /// A body carrying the code's default message.
    pub fn from_code(error: ErrorCode) -> Self {
        Self::new(error, error.default_message())
    }

    /// Adds field-level details.
    #[must_use]
    pub fn with_details(mut self, details: Vec<FieldError>) -> Self {
        self.details = Some(details);
        self
    }

    /// The HTTP status for this body.
    pub fn http_status(&self) -> u16 {
        self.error.http_status()
    }
}

impl From<ValidationErrors> for ErrorBody {
    fn from(errors: ValidationErrors) -> Self {
        Self::new(ErrorCode::ValidationFailed, errors.to_string()).with_details(errors.into_vec())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn codes_are_unique_screaming_snake_and_map_to_error_statuses() {
        let mut seen = BTreeSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(
                s.chars().all(|c| c.is_ascii_uppercase() || c == '_') && !s.starts_with('_'),
                "{s} is not SCREAMING_SNAKE"
            );
            assert!(
                (400..600).contains(&code.http_status()),
                "{s} has status {}",
                code.http_status()
            );
            assert!(!code.default_message().is_empty());
            // Serde, Display and FromStr agree with the table.
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::json!(s));
            assert_eq!(code.to_string(), s);
            assert_eq!(s.parse::<ErrorCode>().unwrap(), *code);
        }
    }

    #[test]
    fn table_pins_every_published_status() {
        let expected = [
            ("BAD_REQUEST", 400),
            ("INVALID_PROXY_PATH", 400),
            ("VALIDATION_FAILED", 422),
            ("INVALID_CURSOR", 400),
            ("UNAUTHENTICATED", 401),
            ("INVALID_API_KEY", 401),
            ("INVALID_SESSION_TOKEN", 401),
            ("SESSION_EXPIRED", 401),
            ("FORBIDDEN", 403),
            ("OPERATION_NOT_ALLOWED", 403),
            ("CONNECTION_UNAUTHORIZED", 403),
            ("NOT_FOUND", 404),
            ("MODEL_NOT_FOUND", 404),
            ("RESOURCE_NOT_FOUND", 404),
            ("CONNECTION_NOT_FOUND", 404),
            ("CONNECTOR_NOT_FOUND", 404),
            ("WEBHOOK_ENDPOINT_NOT_FOUND", 404),
            ("WEBHOOK_DELIVERY_NOT_FOUND", 404),
            ("INVALID_WEBHOOK_SIGNATURE", 401),
            ("METHOD_NOT_ALLOWED", 405),
            ("CONFLICT", 409),
            ("PAYLOAD_TOO_LARGE", 413),
            ("UNSUPPORTED_MEDIA_TYPE", 415),
            ("RATE_LIMITED", 429),
            ("UPSTREAM_RATE_LIMITED", 429),
            ("INTERNAL_ERROR", 500),
            ("OPERATION_NOT_SUPPORTED", 501),
            ("UPSTREAM_ERROR", 502),
            ("UPSTREAM_UNAVAILABLE", 503),
            ("UPSTREAM_TIMEOUT", 504),
            ("REQUEST_TIMEOUT", 504),
        ];
        // A code added to the table without a pinned status fails here.
        assert_eq!(expected.len(), ErrorCode::ALL.len());
        let pinned: BTreeSet<&str> = expected.iter().map(|(code, _)| *code).collect();
        assert_eq!(pinned.len(), expected.len(), "a code is pinned twice");
        for (code, status) in expected {
            assert_eq!(
                code.parse::<ErrorCode>().unwrap().http_status(),
                status,
                "{code}"
            );
        }
        assert!("NOPE".parse::<ErrorCode>().is_err());
    }

    #[test]
    fn error_body_serialises_like_morph_and_omits_empty_details() {
        let body = ErrorBody::new(
            ErrorCode::ResourceNotFound,
            "genericContact 42 was not found",
        );
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"error": "RESOURCE_NOT_FOUND", "message": "genericContact 42 was not found"})
        );
        assert_eq!(body.http_status(), 404);
        let back: ErrorBody = serde_json::from_value(serde_json::to_value(&body).unwrap()).unwrap();
        assert_eq!(back, body);
    }
}
