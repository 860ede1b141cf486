//! Errors: `DialpadError` (the connector could not be built) and `UpstreamError` (one
//! request to Dialpad failed), which becomes the `ConnectorError` the gateway answers with.
//! Dialpad's message is kept for 4xx answers (the caller's own input); no error ever holds a
//! credential, and transport errors are stripped of their URL.

use std::time::Duration;

use patchbay_core::{ConnectorError, FieldError, ModelId, ValidationCode, ValidationErrors};

/// Why a connector could not be built.
#[derive(Debug, thiserror::Error)]
pub enum DialpadError {
    /// The base URL cannot carry API paths (not `http(s)`, or not a base).
    #[error("the Dialpad base URL {0} is not an http(s) base URL")]
    BaseUrl(String),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

/// One request to Dialpad failed, after any retries.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UpstreamError {
    /// Dialpad answered with an error status.
    #[error("Dialpad answered {status}: {message}")]
    Status {
        status: u16,
        /// Dialpad's message (from its error envelope), or the status's reason phrase.
        message: String,
        /// `Retry-After`, for 429 and 503 answers that carry one.
        retry_after: Option<Duration>,
    },
    /// No answer within the request timeout.
    #[error("Dialpad did not answer in time")]
    Timeout(#[source] reqwest::Error),
    /// The connection failed or was dropped.
    #[error("Dialpad could not be reached")]
    Transport(#[source] reqwest::Error),
    /// The answer was not what the spec describes.
    #[error("Dialpad's answer could not be read: {0}")]
    Decode(#[source] serde_json::Error),
    /// The request's query could not be written (a bug: query types are flat).
    #[error("the request to Dialpad could not be written: {0}")]
    Encode(#[source] serde_urlencoded::ser::Error),
}

impl UpstreamError {
    /// The HTTP status Dialpad answered with, if it answered.
    pub(crate) fn status(&self) -> Option<u16> {
        match self {
            UpstreamError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether an idempotent request may be sent again.
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            UpstreamError::Status { status, .. } => *status == 429 || *status >= 500,
            UpstreamError::Timeout(_) | UpstreamError::Transport(_) => true,
            UpstreamError::Decode(_) | UpstreamError::Encode(_) => false,
        }
    }

    /// How long Dialpad asked to wait, if it did.
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        match self {
            UpstreamError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The unified error for a request about `model` (and resource `id`, if one).
    pub(crate) fn into_connector(self, model: ModelId, id: Option<&str>) -> ConnectorError {
        match self {
            UpstreamError::Status {
                status,
                message,
                retry_after,
            } => match status {
                404 => match id {
                    Some(id) => ConnectorError::NotFound {
                        model,
                        id: id.to_owned(),
                    },
                    None => ConnectorError::Upstream { status, message },
                },
                400 | 405 | 413 | 422 => ConnectorError::BadRequest {
                    message: format!("Dialpad refused the request: {message}"),
                },
                401 => ConnectorError::CredentialRejected { message },
                403 => ConnectorError::Forbidden { message },
                409 => ConnectorError::Conflict { message },
                429 => ConnectorError::RateLimited { retry_after },
                503 => ConnectorError::Unavailable {
                    message,
                    source: None,
                },
                504 => ConnectorError::Timeout,
                _ => ConnectorError::Upstream { status, message },
            },
            UpstreamError::Timeout(_) => ConnectorError::Timeout,
            UpstreamError::Transport(source) => ConnectorError::Unavailable {
                message: "Dialpad could not be reached".into(),
                source: Some(Box::new(source)),
            },
            UpstreamError::Decode(source) => ConnectorError::InvalidResponse {
                message: "Dialpad's answer does not match its API reference".into(),
                source: Some(Box::new(source)),
            },
            UpstreamError::Encode(source) => ConnectorError::InvalidResponse {
                message: "the request to Dialpad could not be written".into(),
                source: Some(Box::new(source)),
            },
        }
    }

    /// The unified error of a report request (no model): a 404 is `Upstream { status: 404 }`
    /// with `not_found()` as its message, which the gateway answers as a 404.
    pub(crate) fn into_report(self, not_found: impl FnOnce() -> String) -> ConnectorError {
        match self {
            UpstreamError::Status { status: 404, .. } => ConnectorError::Upstream {
                status: 404,
                message: not_found(),
            },
            other => other.into_connector(ModelId::GenericWorkspace, None),
        }
    }

    /// As [`UpstreamError::into_connector`], for a write: a 400 or 422 whose message names
    /// one of the Dialpad fields in `fields` (`(dialpad_name, unified_key)`) is a validation
    /// error on that unified field.
    pub(crate) fn into_write_error(
        self,
        model: ModelId,
        id: Option<&str>,
        fields: &[(&str, &str)],
    ) -> ConnectorError {
        if let UpstreamError::Status {
            status: 400 | 422,
            message,
            ..
        } = &self
            && let Some(key) = attribute(message, fields)
        {
            return ConnectorError::Validation(ValidationErrors::single(FieldError::new(
                key,
                ValidationCode::InvalidValue,
                format!("`{key}`: Dialpad refused it: {message}"),
            )));
        }
        self.into_connector(model, id)
    }
}

/// The unified key of the first Dialpad field named (as a whole word) in `message`.
fn attribute<'a>(message: &str, fields: &[(&str, &'a str)]) -> Option<&'a str> {
    let lower = message.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    fields
        .iter()
        .find(|(dialpad, _)| words.contains(dialpad))
        .map(|(_, key)| *key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, message: &str) -> UpstreamError {
        UpstreamError::Status {
            status,
            message: message.into(),
            retry_after: Some(Duration::from_secs(3)),
        }
    }

    #[test]
    fn statuses_map_to_unified_errors() {
        let model = ModelId::GenericContact;
        type Check = fn(&ConnectorError) -> bool;
        let cases: Vec<(u16, Check)> = vec![
            (
                404,
                |e| matches!(e, ConnectorError::NotFound { id, .. } if id == "c1"),
            ),
            (
                400,
                |e| matches!(e, ConnectorError::BadRequest { message } if message.contains("nope")),
            ),
            (401, |e| {
                matches!(e, ConnectorError::CredentialRejected { .. })
            }),
            (403, |e| matches!(e, ConnectorError::Forbidden { .. })),
            (
                409,
                |e| matches!(e, ConnectorError::Conflict { message } if message == "nope"),
            ),
            (
                429,
                |e| matches!(e, ConnectorError::RateLimited { retry_after: Some(d) } if d.as_secs() == 3),
            ),
            (500, |e| {
                matches!(e, ConnectorError::Upstream { status: 500, .. })
            }),
            (503, |e| matches!(e, ConnectorError::Unavailable { .. })),
            (504, |e| matches!(e, ConnectorError::Timeout)),
        ];
        for (code, check) in cases {
            let err = status(code, "nope").into_connector(model, Some("c1"));
            assert!(check(&err), "{code}: {err:?}");
        }
        assert!(matches!(
            status(404, "x").into_connector(model, None),
            ConnectorError::Upstream { status: 404, .. }
        ));
        assert!(status(429, "").is_transient() && status(502, "").is_transient());
        assert!(!status(400, "").is_transient() && !status(409, "").is_transient());
    }

    #[test]
    fn write_errors_naming_a_field_are_validation_errors() {
        let fields = [("office_id", "workspace"), ("email", "email")];
        let err = status(400, "office_id names no office of this company").into_write_error(
            ModelId::GenericUser,
            None,
            &fields,
        );
        let ConnectorError::Validation(errors) = err else {
            panic!("{err:?}")
        };
        assert_eq!(errors.as_slice()[0].field, "workspace");
        assert!(errors.as_slice()[0].message.contains("names no office"));
        // A word inside another does not count.
        let err =
            status(400, "emails_json broken").into_write_error(ModelId::GenericUser, None, &fields);
        assert!(matches!(err, ConnectorError::BadRequest { .. }));
        let err = status(409, "email exists").into_write_error(ModelId::GenericUser, None, &fields);
        assert!(matches!(err, ConnectorError::Conflict { .. }));
    }
}
