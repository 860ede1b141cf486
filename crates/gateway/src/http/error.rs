//! The one error type of the HTTP layer. Client errors carry their code and message to the
//! caller; internal failures are logged with their cause and answered with a generic 500,
//! so no database or provider detail leaks into a response.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use patchbay_core::{
    ConnectorError, CursorError, ErrorBody, ErrorCode, OptionError, ValidationErrors, WriteError,
};

use crate::store::StoreError;
use crate::tokens::TokenError;

/// An error answered as `{"error", "message", "details"?}` with the code's status.
#[derive(Debug)]
pub struct ApiError {
    body: ErrorBody,
    retry_after: Option<Duration>,
    /// The cause, logged (never sent) for 5xx answers.
    cause: Option<String>,
}

impl ApiError {
    /// An error with an explicit message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::from_body(ErrorBody::new(code, message))
    }

    /// An error with the code's default message.
    pub fn code(code: ErrorCode) -> Self {
        Self::from_body(ErrorBody::from_code(code))
    }

    /// An error from a prepared body.
    pub fn from_body(body: ErrorBody) -> Self {
        Self {
            body,
            retry_after: None,
            cause: None,
        }
    }

    /// An internal failure: logged with `cause`, answered with a generic 500.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self {
            body: ErrorBody::from_code(ErrorCode::InternalError),
            retry_after: None,
            cause: Some(cause.to_string()),
        }
    }

    /// Adds a `Retry-After` header.
    #[must_use]
    pub fn with_retry_after(mut self, after: Option<Duration>) -> Self {
        self.retry_after = after;
        self
    }

    /// The error code.
    pub fn error_code(&self) -> ErrorCode {
        self.body.error
    }

    /// The caller-facing body.
    pub fn body(&self) -> &ErrorBody {
        &self.body
    }

    /// The `Retry-After` this answer carries, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.body.error, self.body.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.body.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            match &self.cause {
                Some(cause) => tracing::error!(code = %self.body.error, %cause, "request failed"),
                None => {
                    tracing::warn!(code = %self.body.error, message = %self.body.message, "request failed");
                }
            }
        }
        let mut response = (status, axum::Json(&self.body)).into_response();
        if let Some(after) = self.retry_after {
            // Whole seconds, rounded up, at least 1.
            let secs = after.as_secs() + u64::from(after.subsec_nanos() > 0);
            if let Ok(value) = HeaderValue::from_str(&secs.max(1).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        Self::from_body(errors.into())
    }
}

impl From<WriteError> for ApiError {
    fn from(error: WriteError) -> Self {
        Self::from_body(error.into())
    }
}

impl From<OptionError> for ApiError {
    fn from(error: OptionError) -> Self {
        Self::from_body(error.into())
    }
}

impl From<CursorError> for ApiError {
    fn from(error: CursorError) -> Self {
        Self::from_body(error.into())
    }
}

impl From<ConnectorError> for ApiError {
    fn from(error: ConnectorError) -> Self {
        let retry_after = match &error {
            ConnectorError::RateLimited { retry_after } => {
                Some(retry_after.unwrap_or(Duration::from_secs(1)))
            }
            _ => None,
        };
        let body = error.to_error_body();
        let cause = (body.http_status() >= 500).then(|| {
            // The provider's text stays in our logs, with its source chain.
            let mut cause = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(s) = source {
                cause.push_str(": ");
                cause.push_str(&s.to_string());
                source = s.source();
            }
            cause
        });
        Self {
            body,
            retry_after,
            cause,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::code(ErrorCode::NotFound),
            StoreError::Conflict { what } => Self::new(ErrorCode::Conflict, what),
            other => Self::internal(DisplayChain(&other)),
        }
    }
}

impl From<TokenError> for ApiError {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::Unauthorized { reason } => Self::new(
                ErrorCode::ConnectionUnauthorized,
                format!("{reason}; authorize the connection again"),
            ),
            TokenError::Unavailable => Self::new(
                ErrorCode::UpstreamUnavailable,
                "the provider's token endpoint is unavailable; try again shortly",
            ),
            TokenError::Upstream(cause) => Self {
                body: ErrorBody::from_code(ErrorCode::UpstreamError),
                retry_after: None,
                cause: Some(cause),
            },
            TokenError::Internal(cause) => Self::internal(cause),
        }
    }
}

/// `error` with its sources, `: `-separated, for logs.
pub fn chain(error: &dyn std::error::Error) -> String {
    DisplayChain(error).to_string()
}

/// Displays an error with its sources, for logs.
struct DisplayChain<'a>(&'a dyn std::error::Error);

impl std::fmt::Display for DisplayChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(s) = source {
            write!(f, ": {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

/// The result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
