//! The machinery behind write validation: a `Reader` walks a JSON body against a model's
//! field table (unknown, read-only, required and cleared fields are reported up front), then
//! hands each writable value to a small typed parser. Errors accumulate instead of stopping
//! at the first, so a caller sees every bad field at once.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::fields::{FieldSpec, field_specs};
use crate::model_id::ModelId;
use crate::validate::{FieldError, Patch, ValidationCode, ValidationErrors, WriteMode};
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

    fn at(self, field: &str) -> FieldError {
        FieldError::new(field, self.code, format!("`{field}`: {}", self.message))
    }
}

/// Parses one JSON value into a typed value.
pub(crate) type ParseFn<T> = fn(&Value) -> Result<T, Problem>;

/// Walks one write body for one model.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    model: ModelId,
    mode: WriteMode,
    /// Known, writable keys not yet taken by the model's parser.
    pending: BTreeMap<&'a str, &'a Value>,
    errors: Vec<FieldError>,
}

impl<'a> Reader<'a> {
    /// Checks the body's keys against the field table. Fails at once only when the body is
    /// not a JSON object; every other problem is collected and reported by `finish`.
    pub(crate) fn new(
        model: ModelId,
        mode: WriteMode,
        body: &'a Value,
    ) -> Result<Self, ValidationErrors> {
        let Value::Object(object) = body else {
            return Err(ValidationErrors::single(FieldError::new(
                "body",
                ValidationCode::InvalidType,
                format!("the body must be a JSON object of {model} fields"),
            )));
        };
        let mut reader = Self {
            model,
            mode,
            pending: BTreeMap::new(),
            errors: Vec::new(),
        };
        reader.check_keys(object);
        Ok(reader)
    }

    fn check_keys(&mut self, object: &'a Map<String, Value>) {
        let specs = field_specs(self.model);
        for (key, value) in object {
            let Some(spec) = specs.iter().find(|s| s.key == key.as_str()) else {
                let known: Vec<&str> = specs.iter().map(|s| s.key).collect();
                self.errors.push(FieldError::new(
                    key.as_str(),
                    ValidationCode::UnknownField,
                    format!(
                        "`{key}` is not a field of {}; fields: {}",
                        self.model,
                        known.join(", ")
                    ),
                ));
                continue;
            };
            if !spec.access.writable(self.mode) {
                let why = match self.mode {
                    WriteMode::Update if spec.access.writable(WriteMode::Create) => {
                        "can only be set when creating"
                    }
                    _ => "is read-only",
                };
                self.errors.push(FieldError::new(
                    key.as_str(),
                    ValidationCode::ReadOnly,
                    format!("`{key}` {why}"),
                ));
                continue;
            }
            if spec.required_on_create && is_empty(value) {
                self.errors.push(required(spec, self.mode));
                continue;
            }
            self.pending.insert(key.as_str(), value);
        }
        if self.mode == WriteMode::Create {
            for spec in specs.iter().filter(|s| s.required_on_create) {
                if !object.contains_key(spec.key) {
                    self.errors.push(required(spec, self.mode));
                }
            }
        }
    }

    fn take(&mut self, key: &str) -> Option<&'a Value> {
        debug_assert!(
            field_specs(self.model).iter().any(|s| s.key == key),
            "{}.{key} is read but missing from the field table",
            self.model
        );
        self.pending.remove(key)
    }

    fn parse_value<T>(&mut self, key: &str, value: &Value, parse: ParseFn<T>) -> Option<T> {
        parse(value).map_err(|p| self.errors.push(p.at(key))).ok()
    }

    /// A field that is optional on create: absent or `null` is `None`.
    pub(crate) fn optional<T>(&mut self, key: &str, parse: ParseFn<T>) -> Option<T> {
        match self.take(key)? {
            Value::Null => None,
            value => self.parse_value(key, value, parse),
        }
    }

    /// An update to a field that may be cleared: absent, `null`, or a value.
    pub(crate) fn patch<T>(&mut self, key: &str, parse: ParseFn<T>) -> Patch<T> {
        match self.take(key) {
            None => Patch::Unchanged,
            Some(Value::Null) => Patch::Clear,
            Some(value) => self
                .parse_value(key, value, parse)
                .map_or(Patch::Unchanged, Patch::Set),
        }
    }

    /// An update to a field that cannot be cleared (flags, selects): `null` is an error.
    pub(crate) fn set<T>(&mut self, key: &str, parse: ParseFn<T>) -> Option<T> {
        match self.take(key)? {
            Value::Null => {
                self.errors.push(FieldError::new(
                    key,
                    ValidationCode::InvalidType,
                    format!("`{key}` cannot be null; omit it to leave it unchanged"),
                ));
                None
            }
            value => self.parse_value(key, value, parse),
        }
    }

    /// A list field. `None` when absent (or `null` on create); `null` on update clears it,
    /// like `[]`. Item errors are reported as `key[index]`.
    pub(crate) fn list<T>(&mut self, key: &str, parse: ParseFn<T>) -> Option<Vec<T>> {
        match self.take(key)? {
            Value::Null => (self.mode == WriteMode::Update).then(Vec::new),
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    if let Some(v) = self.parse_value(&format!("{key}[{i}]"), item, parse) {
                        out.push(v);
                    }
                }
                Some(out)
            }
            _ => {
                self.errors
                    .push(Problem::new(ValidationCode::InvalidType, "expected a list").at(key));
                None
            }
        }
    }

    /// Reports every collected error, sorted by field for a stable answer.
    pub(crate) fn finish(mut self) -> Result<(), ValidationErrors> {
        // A writable key the model's parser never read would otherwise be dropped silently.
        for key in std::mem::take(&mut self.pending).into_keys() {
            self.errors.push(FieldError::new(
                key,
                ValidationCode::UnknownField,
                format!("`{key}` cannot be written on {}", self.model),
            ));
        }
        self.errors.sort_by(|a, b| a.field.cmp(&b.field));
        ValidationErrors::from_vec(self.errors).map_or(Ok(()), Err)
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

fn required(spec: &FieldSpec, mode: WriteMode) -> FieldError {
    let message = match mode {
        WriteMode::Create => format!("`{}` is required", spec.key),
        WriteMode::Update => format!("`{}` is required and cannot be cleared", spec.key),
    };
    FieldError::new(spec.key, ValidationCode::Required, message)
}

/// A missing required value that the reader already reported; used where the type system
/// needs a value the table guarantees.
pub(crate) fn missing(model: ModelId, key: &str) -> ValidationErrors {
    ValidationErrors::single(FieldError::new(
        key,
        ValidationCode::Required,
        format!("`{key}` is required to create a {model}"),
    ))
}

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
