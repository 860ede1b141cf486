//! The `sort` and `q` list options of Morph's wire format, typed. `sort` names one field the
//! model declares sortable (`lastName`, `-lastName` or `lastName:desc`); `q` is free text.
//! A malformed value is a validation error on the option; a well-formed one the connector
//! cannot apply is a `BAD_REQUEST` naming the option, never silently ignored.

use crate::error_code::{ErrorBody, ErrorCode};
use crate::support::SupportedFields;
use crate::validate::{FieldError, ValidationCode, ValidationErrors};

/// Why a list option was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionError {
    /// The value is malformed or names an unknown field: `VALIDATION_FAILED`, with details
    /// on the option (`sort`, `q`).
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// The value is valid for the model but the connector cannot apply it: `BAD_REQUEST`.
    #[error("{message}")]
    Unsupported {
        /// The option (`sort`, `q`).
        option: &'static str,
        /// What the caller should change, naming the option.
        message: String,
    },
}

impl OptionError {
    /// The error code the gateway answers with.
    pub const fn code(&self) -> ErrorCode {
        match self {
            OptionError::Invalid(_) => ErrorCode::ValidationFailed,
            OptionError::Unsupported { .. } => ErrorCode::BadRequest,
        }
    }
}

impl From<OptionError> for ErrorBody {
    fn from(error: OptionError) -> Self {
        match error {
            OptionError::Invalid(errors) => errors.into(),
            unsupported => ErrorBody::new(unsupported.code(), unsupported.to_string()),
        }
    }
}

fn invalid(option: &str, code: ValidationCode, message: String) -> OptionError {
    OptionError::Invalid(ValidationErrors::single(FieldError::new(
        option, code, message,
    )))
}

fn list(keys: &[&str]) -> String {
    if keys.is_empty() {
        "none".to_owned()
    } else {
        keys.join(", ")
    }
}

/// The order of a sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortDirection {
    /// Smallest first (`lastName`, `lastName:asc`).
    #[default]
    Ascending,
    /// Largest first (`-lastName`, `lastName:desc`).
    Descending,
}

/// The `sort` option: one sortable field and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sort {
    /// The field key, from the model's table.
    pub key: &'static str,
    /// The order.
    pub direction: SortDirection,
}

impl Sort {
    /// Parses `field`, `-field`, `field:asc` or `field:desc` against `fields`.
    pub fn parse(fields: SupportedFields<'_>, input: &str) -> Result<Self, OptionError> {
        let s = input.trim();
        let model = fields.model();
        let (key, direction) = if let Some(key) = s.strip_prefix('-') {
            (key, SortDirection::Descending)
        } else if let Some((key, dir)) = s.split_once(':') {
            match dir {
                "asc" => (key, SortDirection::Ascending),
                "desc" => (key, SortDirection::Descending),
                _ => {
                    return Err(invalid(
                        "sort",
                        ValidationCode::InvalidValue,
                        format!("`sort` direction `{dir}` is not `asc` or `desc`"),
                    ));
                }
            }
        } else {
            (s, SortDirection::Ascending)
        };
        if key.is_empty() || key.contains(',') {
            return Err(invalid(
                "sort",
                ValidationCode::InvalidValue,
                "`sort` takes one field: `field`, `-field`, `field:asc` or `field:desc`".into(),
            ));
        }
        let model_keys = SupportedFields::of_model(model).sort_keys();
        let Some(spec) = fields.spec(key) else {
            return Err(invalid(
                "sort",
                ValidationCode::UnknownField,
                format!("`{key}` is not a field of {model}"),
            ));
        };
        if !spec.sortable {
            return Err(invalid(
                "sort",
                ValidationCode::InvalidValue,
                format!(
                    "{model} cannot be sorted by `{key}`; sortable: {}",
                    list(&model_keys)
                ),
            ));
        }
        if !fields.supports_sort(spec) {
            return Err(OptionError::Unsupported {
                option: "sort",
                message: format!(
                    "`sort` by `{key}` is not supported by {} for {model}; it sorts by: {}",
                    fields.refuser(),
                    list(&fields.sort_keys())
                ),
            });
        }
        Ok(Self {
            key: spec.key,
            direction,
        })
    }
}

/// The `q` option: free text the provider searches for in its own way (names, numbers...).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchQuery(String);

impl SearchQuery {
    /// Most characters a search may hold.
    pub const MAX_CHARS: usize = 200;

    /// Parses `q`; a blank value is no search (`Ok(None)`), as forms send `q=` when empty.
    pub fn parse(fields: SupportedFields<'_>, input: &str) -> Result<Option<Self>, OptionError> {
        let s = input.trim();
        if s.is_empty() {
            return Ok(None);
        }
        if !fields.supports_search() {
            return Err(OptionError::Unsupported {
                option: "q",
                message: format!(
                    "`q` (free-text search) is not supported by {} for {}",
                    fields.refuser(),
                    fields.model()
                ),
            });
        }
        if s.chars().count() > Self::MAX_CHARS {
            return Err(invalid(
                "q",
                ValidationCode::TooLong,
                format!("`q` must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(invalid(
                "q",
                ValidationCode::InvalidValue,
                "`q` must not contain control characters".into(),
            ));
        }
        Ok(Some(Self(s.to_owned())))
    }

    /// The text, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
