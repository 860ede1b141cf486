//! Dialpad objects to unified resources and unified inputs to Dialpad bodies, one module per
//! model. Pure functions: no I/O, so every rule is unit-tested here; what Dialpad sends that
//! does not fit (a bad email, an unknown state) becomes a `ResourceWarning`, never a failure.

pub(crate) mod call;
pub(crate) mod contact;
pub(crate) mod transcript;
pub(crate) mod user;
pub(crate) mod workspace;

use patchbay_core::{
    ConnectorError, Email, FieldError, ModelId, PhoneNumber, ResourceWarning, ValidationCode,
    ValidationErrors, WarningCode,
};

use crate::types::Int64;

/// Warnings collected while mapping one Dialpad object.
#[derive(Debug, Default)]
pub(crate) struct Warnings(Vec<ResourceWarning>);

impl Warnings {
    pub(crate) fn push(&mut self, field: &str, code: WarningCode, message: impl Into<String>) {
        self.0.push(ResourceWarning::new(field, code, message));
    }

    pub(crate) fn into_vec(self) -> Vec<ResourceWarning> {
        self.0
    }
}

/// A string Dialpad sent, `None` when absent or blank (Dialpad writes `""` for "none").
pub(crate) fn text(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Parses Dialpad's addresses, primary first, without duplicates; an unparseable one is left
/// out with a warning on `field`.
pub(crate) fn emails<'a>(
    values: impl IntoIterator<Item = &'a str>,
    field: &str,
    warnings: &mut Warnings,
) -> Vec<Email> {
    let mut out: Vec<Email> = Vec::new();
    for raw in values.into_iter().filter(|v| !v.trim().is_empty()) {
        match Email::parse(raw) {
            Ok(email) if !out.contains(&email) => out.push(email),
            Ok(_) => {}
            Err(_) => warnings.push(
                field,
                WarningCode::InvalidValue,
                format!("Dialpad's address {raw:?} is not a valid email address and was left out"),
            ),
        }
    }
    out
}

/// Parses Dialpad's numbers (E.164), primary first, without duplicates; a number that is not
/// E.164 is left out with a warning on `field`.
pub(crate) fn phones<'a>(
    values: impl IntoIterator<Item = &'a str>,
    field: &str,
    warnings: &mut Warnings,
) -> Vec<PhoneNumber> {
    let mut out: Vec<PhoneNumber> = Vec::new();
    for raw in values.into_iter().filter(|v| !v.trim().is_empty()) {
        match PhoneNumber::parse(raw) {
            Ok(phone) if !out.contains(&phone) => out.push(phone),
            Ok(_) => {}
            Err(_) => warnings.push(
                field,
                WarningCode::InvalidValue,
                format!("Dialpad's number {raw:?} is not E.164 and was left out"),
            ),
        }
    }
    out
}

/// A Dialpad int64 id (users, offices, calls) from a unified id; `None` when it cannot be
/// one, so the caller answers "not found" without asking Dialpad.
pub(crate) fn int64_id(id: &str) -> Option<i64> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse::<i64>().ok().filter(|n| *n > 0)
}

/// The id of a referenced resource written on create or update, as Dialpad's int64; a
/// validation error on `field` when it cannot be one.
pub(crate) fn reference_id(id: &str, field: &str, model: ModelId) -> Result<Int64, ConnectorError> {
    int64_id(id).map(Int64).ok_or_else(|| {
        invalid(
            field,
            ValidationCode::InvalidReference,
            format!("`{field}`: `{id}` is not the id of a Dialpad {model}"),
        )
    })
}

/// A single-field validation error.
pub(crate) fn invalid(field: &str, code: ValidationCode, message: String) -> ConnectorError {
    ConnectorError::Validation(ValidationErrors::single(FieldError::new(
        field, code, message,
    )))
}

/// The id of a resource Dialpad answered with, or an error if it has none.
pub(crate) fn required_id(id: Option<String>, model: ModelId) -> Result<String, ConnectorError> {
    id.filter(|id| !id.is_empty())
        .ok_or_else(|| ConnectorError::InvalidResponse {
            message: format!("Dialpad sent a {model} without an id"),
            source: None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_deduplicated_and_bad_values_become_warnings() {
        let mut warnings = Warnings::default();
        let parsed = emails(
            ["ada@Example.com", "ada@example.com", "nope", "", "b@x.io"],
            "emails",
            &mut warnings,
        );
        let shown: Vec<&str> = parsed.iter().map(Email::as_str).collect();
        assert_eq!(shown, ["ada@example.com", "b@x.io"]);
        let numbers = phones(["+14155550100", "555-0100"], "phones", &mut warnings);
        assert_eq!(numbers.len(), 1);
        let warnings = warnings.into_vec();
        assert_eq!(warnings.len(), 2);
        assert_eq!(warnings[0].field, "emails");
        assert_eq!(warnings[1].code, WarningCode::InvalidValue);
    }

    #[test]
    fn int64_ids_are_positive_decimal_numbers() {
        assert_eq!(int64_id("5835806903417907"), Some(5_835_806_903_417_907));
        for bad in ["", "me", "-1", "0", "12a", "99999999999999999999", " 1"] {
            assert_eq!(int64_id(bad), None, "{bad:?}");
        }
        assert_eq!(text(Some("  ")), None);
        assert_eq!(text(Some(" a ")).as_deref(), Some("a"));
    }
}
