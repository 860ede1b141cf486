//! The machinery behind write validation: a `Reader` walks a JSON body against a model's
//! fields as a connector supports them (unknown, read-only, unsupported, required, cleared
//! and over-long fields are reported up front), then hands each writable value to a small
//! typed parser. Errors accumulate instead of stopping at the first, so a caller sees every
//! bad field at once.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::fields::FieldSpec;
use crate::formats::ParseFn;
use crate::model_id::ModelId;
use crate::support::SupportedFields;
use crate::validate::{FieldError, Patch, ValidationCode, ValidationErrors, WriteMode};

/// Walks one write body for one model.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    fields: SupportedFields<'a>,
    mode: WriteMode,
    /// Known, writable keys not yet taken by the model's parser.
    pending: BTreeMap<&'a str, &'a Value>,
    errors: Vec<FieldError>,
}

impl<'a> Reader<'a> {
    /// Checks the body's keys against `fields`. Fails at once only when the body is not a
    /// JSON object; every other problem is collected and reported by `finish`.
    pub(crate) fn new(
        fields: SupportedFields<'a>,
        mode: WriteMode,
        body: &'a Value,
    ) -> Result<Self, ValidationErrors> {
        let Value::Object(object) = body else {
            return Err(ValidationErrors::single(FieldError::new(
                "body",
                ValidationCode::InvalidType,
                format!(
                    "the body must be a JSON object of {} fields",
                    fields.model()
                ),
            )));
        };
        let mut reader = Self {
            fields,
            mode,
            pending: BTreeMap::new(),
            errors: Vec::new(),
        };
        reader.check_keys(object);
        Ok(reader)
    }

    fn check_keys(&mut self, object: &'a Map<String, Value>) {
        let fields = self.fields;
        for (key, value) in object {
            let Some(spec) = fields.spec(key) else {
                let known: Vec<&str> = fields.specs().iter().map(|s| s.key).collect();
                self.errors.push(FieldError::new(
                    key.as_str(),
                    ValidationCode::UnknownField,
                    format!(
                        "`{key}` is not a field of {}; fields: {}",
                        fields.model(),
                        known.join(", ")
                    ),
                ));
                continue;
            };
            if let Some(refusal) = fields.refusal(spec, self.mode) {
                self.errors.push(refusal);
                continue;
            }
            let required_here = match self.mode {
                WriteMode::Create => fields.is_required(spec),
                WriteMode::Update => fields.must_hold(spec),
            };
            if required_here && is_empty(value) {
                self.errors.push(required(spec, self.mode));
                continue;
            }
            if let (Some(max), Value::Array(items)) = (fields.max_items(spec), value)
                && items.len() > max as usize
            {
                let by = fields.connector_id().unwrap_or("this");
                self.errors.push(FieldError::new(
                    key.as_str(),
                    ValidationCode::TooLong,
                    format!(
                        "`{key}` takes at most {max} item{} with the {by} connector",
                        if max == 1 { "" } else { "s" }
                    ),
                ));
                continue;
            }
            self.pending.insert(key.as_str(), value);
        }
        if self.mode == WriteMode::Create {
            for spec in fields.specs().iter().filter(|s| fields.is_required(s)) {
                if !object.contains_key(spec.key) {
                    self.errors.push(required(spec, self.mode));
                }
            }
        }
    }

    fn take(&mut self, key: &str) -> Option<&'a Value> {
        debug_assert!(
            self.fields.spec(key).is_some(),
            "{}.{key} is read but missing from the field table",
            self.fields.model()
        );
        self.pending.remove(key)
    }

    fn parse_value<T>(&mut self, key: &str, value: &Value, parse: ParseFn<T>) -> Option<T> {
        parse(value).map_err(|p| self.errors.push(p.at(key))).ok()
    }

    /// Adds an error found by the model's own rules (fields that depend on each other).
    pub(crate) fn error(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// Whether an error was already reported on `field`.
    pub(crate) fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
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
                self.error(FieldError::new(
                    key,
                    ValidationCode::InvalidType,
                    format!("`{key}`: expected a list"),
                ));
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
                format!("`{key}` cannot be written on {}", self.fields.model()),
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
