//! The small typed parsers behind write validation and filters: names, emails, phones,
//! selects, URLs, extensions, time zones, languages, countries and references. Each turns
//! one JSON value into a typed value or a `Problem` the reader attaches to the field.

use serde_json::Value;

use crate::model_id::ModelId;
use crate::validate::{FieldError, ValidationCode};
use crate::values::{Email, Name, NameError, PhoneNumber};

/// A problem with one value, before it is attached to a field name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) code: ValidationCode,
    pub(crate) message: String,
}

impl Problem {
    pub(crate) fn new(code: ValidationCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn at(self, field: &str) -> FieldError {
        FieldError::new(field, self.code, format!("`{field}`: {}", self.message))
    }
}

/// Parses one JSON value into a typed value.
pub(crate) type ParseFn<T> = fn(&Value) -> Result<T, Problem>;

fn string(value: &Value) -> Result<&str, Problem> {
    value
        .as_str()
        .ok_or_else(|| Problem::new(ValidationCode::InvalidType, "expected a string"))
}

/// A `Name` (1 to 250 characters).
pub(crate) fn name(value: &Value) -> Result<Name, Problem> {
    Name::parse(string(value)?).map_err(|e| {
        let code = match e {
            NameError::TooShort => ValidationCode::TooShort,
            NameError::TooLong => ValidationCode::TooLong,
            NameError::ControlCharacter => ValidationCode::InvalidValue,
        };
        Problem::new(code, e.to_string())
    })
}

/// An `Email`.
pub(crate) fn email(value: &Value) -> Result<Email, Problem> {
    Email::parse(string(value)?)
        .map_err(|e| Problem::new(ValidationCode::InvalidEmail, e.to_string()))
}

/// An E.164 `PhoneNumber`.
pub(crate) fn phone(value: &Value) -> Result<PhoneNumber, Problem> {
    PhoneNumber::parse(string(value)?)
        .map_err(|e| Problem::new(ValidationCode::InvalidPhone, e.to_string()))
}

/// A JSON boolean.
pub(crate) fn boolean(value: &Value) -> Result<bool, Problem> {
    value
        .as_bool()
        .ok_or_else(|| Problem::new(ValidationCode::InvalidType, "expected true or false"))
}

/// One of a closed set of strings.
pub(crate) fn select<E>(
    value: &Value,
    from_wire: fn(&str) -> Option<E>,
    allowed: &[&str],
) -> Result<E, Problem> {
    let list = allowed.join(", ");
    let s = value.as_str().ok_or_else(|| {
        Problem::new(
            ValidationCode::InvalidType,
            format!("expected one of: {list}"),
        )
    })?;
    from_wire(s).ok_or_else(|| {
        Problem::new(
            ValidationCode::InvalidEnum,
            format!("`{s}` is not allowed; expected one of: {list}"),
        )
    })
}

/// An absolute `http(s)` URL of at most 2048 bytes, kept as written (trimmed).
pub(crate) fn url(value: &Value) -> Result<String, Problem> {
    let s = string(value)?.trim();
    let lower = s.to_ascii_lowercase();
    let host = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let ok = s.len() <= 2048
        && host.is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(s.to_owned())
    } else {
        Err(Problem::new(
            ValidationCode::InvalidUrl,
            "expected an absolute http or https URL",
        ))
    }
}

/// A phone extension: 1 to 15 digits.
pub(crate) fn extension(value: &Value) -> Result<String, Problem> {
    let s = string(value)?.trim();
    if (1..=15).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_owned())
    } else {
        Err(Problem::new(
            ValidationCode::InvalidValue,
            "expected an extension of 1 to 15 digits",
        ))
    }
}

/// An IANA time zone name by shape (`Europe/Paris`, `UTC`); the list itself is the
/// provider's to check, as it changes more often than this crate.
pub(crate) fn timezone(value: &Value) -> Result<String, Problem> {
    let s = string(value)?.trim();
    let ok = (1..=64).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '+' | '-'));
    if ok {
        Ok(s.to_owned())
    } else {
        Err(Problem::new(
            ValidationCode::InvalidValue,
            "expected an IANA time zone such as `Europe/Paris`",
        ))
    }
}

/// A BCP 47 language tag by shape (`en`, `fr-CA`, `zh-Hant-TW`).
pub(crate) fn language(value: &Value) -> Result<String, Problem> {
    let s = string(value)?.trim();
    let mut subtags = s.split('-');
    let primary_ok = subtags
        .next()
        .is_some_and(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    let rest_ok =
        subtags.all(|t| (1..=8).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric()));
    if primary_ok && rest_ok && s.len() <= 35 {
        Ok(s.to_owned())
    } else {
        Err(Problem::new(
            ValidationCode::InvalidValue,
            "expected a language tag such as `en` or `fr-CA`",
        ))
    }
}

/// An ISO 3166-1 alpha-2 country code, upper-cased.
pub(crate) fn country(value: &Value) -> Result<String, Problem> {
    let s = string(value)?.trim();
    if s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(s.to_ascii_uppercase())
    } else {
        Err(Problem::new(
            ValidationCode::InvalidValue,
            "expected a two-letter ISO 3166-1 country code such as `FR`",
        ))
    }
}

/// The id in a reference to a `model` resource: either the id string itself or an object
/// with `id` (a `ResourceRef` or `Resource` of that model is accepted as is).
pub(crate) fn reference(value: &Value, model: ModelId) -> Result<String, Problem> {
    let bad = || {
        Problem::new(
            ValidationCode::InvalidReference,
            format!("expected a {model} id or {{\"id\": \"...\"}}"),
        )
    };
    let id = match value {
        Value::String(id) => id.as_str(),
        Value::Object(object) => {
            if let Some(other) = object.get("model")
                && other.as_str() != Some(model.as_str())
            {
                return Err(Problem::new(
                    ValidationCode::InvalidReference,
                    format!("must reference a {model}, not {other}"),
                ));
            }
            object.get("id").and_then(Value::as_str).ok_or_else(bad)?
        }
        _ => return Err(bad()),
    };
    resource_id(id).ok_or_else(bad)
}

/// A resource id as given by a caller: 1 to 255 characters, no control characters.
pub(crate) fn resource_id(id: &str) -> Option<String> {
    let ok = !id.is_empty() && id.chars().count() <= 255 && !id.chars().any(char::is_control);
    ok.then(|| id.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn reference_accepts_bare_ids_and_refs_of_the_right_model() {
        assert_eq!(reference(&json!("u1"), ModelId::GenericUser).unwrap(), "u1");
        assert_eq!(
            reference(&json!({"id": "u1"}), ModelId::GenericUser).unwrap(),
            "u1"
        );
        let r = json!({"object": "resourceRef", "model": "genericUser", "id": "u1"});
        assert_eq!(reference(&r, ModelId::GenericUser).unwrap(), "u1");
        let wrong = json!({"object": "resourceRef", "model": "genericContact", "id": "c1"});
        assert_eq!(
            reference(&wrong, ModelId::GenericUser).unwrap_err().code,
            ValidationCode::InvalidReference
        );
        assert!(reference(&json!(""), ModelId::GenericUser).is_err());
        assert!(reference(&json!(42), ModelId::GenericUser).is_err());
    }

    #[test]
    fn small_formats() {
        assert_eq!(country(&json!("fr")).unwrap(), "FR");
        assert!(country(&json!("FRA")).is_err());
        assert!(language(&json!("fr-CA")).is_ok());
        assert!(language(&json!("f")).is_err());
        assert!(timezone(&json!("America/Argentina/Buenos_Aires")).is_ok());
        assert!(timezone(&json!("Europe Paris")).is_err());
        assert!(url(&json!("https://example.com/a")).is_ok());
        assert!(url(&json!("ftp://example.com")).is_err());
        assert!(url(&json!("https://")).is_err());
        assert!(extension(&json!("0123")).is_ok());
        assert!(extension(&json!("12a")).is_err());
    }
}
