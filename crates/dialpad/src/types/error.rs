//! Dialpad's error body, Google Cloud Endpoints style:
//! `{"error": {"code": 400, "errors": [{"domain", "message", "reason"}], "message"}}`.
//! Used to read Dialpad's failures and by the sandbox to answer like Dialpad.

use serde::{Deserialize, Serialize};

use super::wire::{null_as_empty, opt_i64_as_number};

/// The whole error body. `error` is required, so a body that is not an error envelope fails
/// to parse instead of yielding an empty error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    /// The error itself.
    pub error: DialpadErrorBody,
}

/// The `error` object: HTTP status, details and a message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DialpadErrorBody {
    /// The HTTP status code, as a JSON number.
    #[serde(with = "opt_i64_as_number", skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    /// The individual errors; Dialpad sends one.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorDetail>,
    /// A human-readable message (e.g. `bad_request`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// One entry of `errors`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ErrorDetail {
    /// The error domain (`global`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// A human-readable message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// A machine-readable reason (`badRequest`, `notFound`, `rateLimitExceeded`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl ErrorEnvelope {
    /// The envelope Dialpad sends for `status`: one error in the `global` domain whose message
    /// repeats the top-level one.
    pub fn new(status: u16, reason: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            error: DialpadErrorBody {
                code: Some(i64::from(status)),
                errors: vec![ErrorDetail {
                    domain: Some("global".to_owned()),
                    message: Some(message.clone()),
                    reason: Some(reason.into()),
                }],
                message: Some(message),
            },
        }
    }

    /// The HTTP status in `code`, if present and valid.
    pub fn status(&self) -> Option<u16> {
        self.error.code.and_then(|code| u16::try_from(code).ok())
    }

    /// The first error's `reason`.
    pub fn reason(&self) -> Option<&str> {
        self.error.errors.iter().find_map(|e| e.reason.as_deref())
    }

    /// The top-level message, else the first error's.
    pub fn message(&self) -> Option<&str> {
        self.error
            .message
            .as_deref()
            .or_else(|| self.error.errors.iter().find_map(|e| e.message.as_deref()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn reads_dialpads_error_envelope() {
        let body = json!({"error": {"code": 400, "errors": [{
            "domain": "global", "message": "call 1001 does not have callai", "reason": "badRequest"
        }], "message": "call 1001 does not have callai"}});
        let envelope: ErrorEnvelope = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(envelope.status(), Some(400));
        assert_eq!(envelope.reason(), Some("badRequest"));
        assert_eq!(envelope.message(), Some("call 1001 does not have callai"));
        assert_eq!(serde_json::to_value(&envelope).unwrap(), body);
    }

    #[test]
    fn new_builds_the_shape_dialpad_sends() {
        let envelope = ErrorEnvelope::new(429, "rateLimitExceeded", "rate_limit_exceeded");
        assert_eq!(
            serde_json::to_value(&envelope).unwrap(),
            json!({"error": {"code": 429, "errors": [{
                "domain": "global", "message": "rate_limit_exceeded", "reason": "rateLimitExceeded"
            }], "message": "rate_limit_exceeded"}})
        );
    }

    #[test]
    fn tolerates_string_codes_and_missing_details_but_not_other_bodies() {
        let sparse: ErrorEnvelope =
            serde_json::from_value(json!({"error": {"code": "404", "message": "not_found"}}))
                .unwrap();
        assert_eq!(sparse.status(), Some(404));
        assert_eq!(sparse.reason(), None);
        assert_eq!(sparse.message(), Some("not_found"));
        assert!(serde_json::from_value::<ErrorEnvelope>(json!({"id": "1"})).is_err());
    }
}
