//! A tenant's custom fields: values read from the provider's object at a JSON pointer and
//! shown in `fields` next to the standard ones, and, where declared writable, written back
//! into the provider's request body at a pointer. Declarations are checked here (type,
//! options, pointers, no shadowing of a standard field).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use moka::future::Cache;
use patchbay_core::{
    FieldError, FieldOption, FieldType, ModelId, OperationKind, ProviderValues, UnifiedField,
    ValidationCode, ValidationErrors, WriteMode, field_spec, is_writable_pointer,
};
use serde_json::{Map, Value};

use crate::store::{ConnectionId, CustomField, CustomFieldDef, Store, StoreError, TenantId};

/// The types a custom field may have.
pub const CUSTOM_TYPES: &[FieldType] = &[
    FieldType::Text,
    FieldType::Number,
    FieldType::Datetime,
    FieldType::Boolean,
    FieldType::Select,
    FieldType::ListSelect,
];

/// Longest custom key.
const MAX_KEY: usize = 64;

/// Checks a declaration: key syntax and no shadowing, a known type, options exactly for
/// select types, pointers that are JSON pointers, and a write pointer iff writable.
pub fn validate(def: &CustomFieldDef) -> Result<FieldType, ValidationErrors> {
    let mut errors = Vec::new();
    let mut err = |field: &str, code, message: String| {
        errors.push(FieldError::new(field, code, message));
    };
    let key_ok = def
        .key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && def
            .key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && def.key.len() <= MAX_KEY;
    if !key_ok {
        err(
            "key",
            ValidationCode::InvalidValue,
            format!(
                "`key` must start with a letter and hold only letters, digits and `_` (at most {MAX_KEY})"
            ),
        );
    } else if field_spec(def.model, &def.key).is_some() {
        err(
            "key",
            ValidationCode::InvalidValue,
            format!(
                "`{}` is a standard field of {}; a custom field may not shadow it",
                def.key, def.model
            ),
        );
    }
    if def.name.trim().is_empty() {
        err(
            "name",
            ValidationCode::Required,
            "`name` must not be empty".into(),
        );
    }
    let field_type = FieldType::from_wire(&def.field_type).filter(|t| CUSTOM_TYPES.contains(t));
    let wire: Vec<&str> = CUSTOM_TYPES.iter().map(|t| t.as_str()).collect();
    match field_type {
        None => err(
            "type",
            ValidationCode::InvalidEnum,
            format!("`type` must be one of: {}", wire.join(", ")),
        ),
        Some(FieldType::Select | FieldType::ListSelect) if def.options.is_empty() => err(
            "options",
            ValidationCode::Required,
            "a select field needs `options`".into(),
        ),
        Some(FieldType::Select | FieldType::ListSelect) => {}
        Some(_) if !def.options.is_empty() => err(
            "options",
            ValidationCode::InvalidValue,
            "only select fields take `options`".into(),
        ),
        Some(_) => {}
    }
    if !is_writable_pointer(&def.read_pointer) {
        err(
            "readPointer",
            ValidationCode::InvalidValue,
            "`readPointer` must be a JSON pointer into the provider object, e.g. `/custom/crm_id`"
                .into(),
        );
    }
    let writable = def.writable_on_create || def.writable_on_update;
    match (&def.write_pointer, writable) {
        (Some(p), _) if !is_writable_pointer(p) => err(
            "writePointer",
            ValidationCode::InvalidValue,
            "`writePointer` must be a JSON pointer into the provider's request body".into(),
        ),
        (None, true) => err(
            "writePointer",
            ValidationCode::Required,
            "a field writable on create or update needs `writePointer`".into(),
        ),
        (Some(_), false) => err(
            "writePointer",
            ValidationCode::InvalidValue,
            "`writePointer` is set but the field is writable on neither create nor update".into(),
        ),
        _ => {}
    }
    match ValidationErrors::from_vec(errors) {
        Some(errors) => Err(errors),
        None => Ok(field_type.unwrap_or(FieldType::Text)),
    }
}

/// The custom fields in effect for one model on one connection.
#[derive(Debug, Clone, Default)]
pub struct CustomFields(Vec<(CustomField, FieldType)>);

impl CustomFields {
    fn new(fields: Vec<CustomField>) -> Self {
        Self(
            fields
                .into_iter()
                .filter_map(|f| {
                    let t = FieldType::from_wire(&f.def.field_type)?;
                    Some((f, t))
                })
                .collect(),
        )
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `key` is one of them.
    pub fn contains(&self, key: &str) -> bool {
        self.0.iter().any(|(f, _)| f.def.key == key)
    }

    /// Their keys.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(f, _)| f.def.key.as_str())
    }

    /// As `GET /v1/models/{model}/fields` lists them.
    pub fn unified(&self) -> Vec<UnifiedField> {
        self.0.iter().map(|(f, t)| unified_field(f, *t)).collect()
    }

    /// Adds the selected custom values, read from the provider object `raw`, to `fields`.
    pub fn read_into(
        &self,
        raw: Option<&Value>,
        selected: &dyn Fn(&str) -> bool,
        fields: &mut Map<String, Value>,
    ) {
        for (f, t) in &self.0 {
            if !selected(&f.def.key) {
                continue;
            }
            let value = raw
                .and_then(|raw| raw.pointer(&f.def.read_pointer))
                .map_or(Value::Null, |v| coerce(*t, v));
            fields.insert(f.def.key.clone(), value);
        }
    }

    /// Removes the custom keys from a write body and turns them into provider values;
    /// a key not writable by this write, or a value of the wrong type, is a field error.
    pub fn take_writes(
        &self,
        body: &mut Map<String, Value>,
        mode: WriteMode,
    ) -> (ProviderValues, Vec<FieldError>) {
        let mut values = ProviderValues::new();
        let mut errors = Vec::new();
        for (f, t) in &self.0 {
            let Some(value) = body.remove(&f.def.key) else {
                continue;
            };
            let key = f.def.key.as_str();
            let writable = match mode {
                WriteMode::Create => f.def.writable_on_create,
                WriteMode::Update => f.def.writable_on_update,
            };
            let Some(pointer) = f.def.write_pointer.as_deref().filter(|_| writable) else {
                errors.push(FieldError::new(
                    key,
                    ValidationCode::ReadOnly,
                    format!("custom field `{key}` cannot be set by a {}", mode.kind()),
                ));
                continue;
            };
            match check_value(*t, &f.def.options, &value, mode) {
                Ok(()) => values.push(pointer, value),
                Err(message) => errors.push(FieldError::new(
                    key,
                    ValidationCode::InvalidType,
                    format!("custom field `{key}`: {message}"),
                )),
            }
        }
        (values, errors)
    }
}

fn unified_field(f: &CustomField, t: FieldType) -> UnifiedField {
    let mut writable_on = Vec::new();
    if f.def.writable_on_create {
        writable_on.push(OperationKind::Create);
    }
    if f.def.writable_on_update {
        writable_on.push(OperationKind::Update);
    }
    UnifiedField {
        key: f.def.key.clone(),
        name: f.def.name.clone(),
        description: f.def.description.clone().unwrap_or_default(),
        field_type: t,
        format: None,
        is_custom: true,
        is_required: false,
        is_value_read_only: writable_on.is_empty(),
        writable_on,
        options: (!f.def.options.is_empty()).then(|| {
            f.def
                .options
                .iter()
                .map(|o| FieldOption {
                    value: o.clone(),
                    label: o.clone(),
                })
                .collect()
        }),
        reference_model: None,
        filter_keys: Vec::new(),
        is_sortable: false,
        max_items: None,
    }
}

/// A provider value shown as the custom field's type; `null` when it cannot be.
fn coerce(t: FieldType, v: &Value) -> Value {
    match (t, v) {
        (_, Value::Null) => Value::Null,
        (FieldType::Text | FieldType::Select, Value::String(_)) => v.clone(),
        (FieldType::Text | FieldType::Select, Value::Number(n)) => Value::String(n.to_string()),
        (FieldType::Text, Value::Bool(b)) => Value::String(b.to_string()),
        (FieldType::Number, Value::Number(_)) => v.clone(),
        (FieldType::Number, Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
            .unwrap_or(Value::Null),
        (FieldType::Boolean, Value::Bool(_)) => v.clone(),
        (FieldType::Boolean, Value::String(s)) => match s.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::Null,
        },
        (FieldType::Datetime, Value::String(s)) => DateTime::parse_from_rfc3339(s)
            .map(|d| iso(d.with_timezone(&Utc)))
            .unwrap_or_else(|_| {
                // Dialpad sends epoch milliseconds as strings.
                s.parse::<i64>().ok().map_or(Value::Null, epoch_ms)
            }),
        (FieldType::Datetime, Value::Number(n)) => n.as_i64().map_or(Value::Null, epoch_ms),
        (FieldType::ListSelect, Value::Array(items)) => Value::Array(
            items
                .iter()
                .filter_map(|i| match i {
                    Value::String(_) => Some(i.clone()),
                    Value::Number(n) => Some(Value::String(n.to_string())),
                    _ => None,
                })
                .collect(),
        ),
        (FieldType::ListSelect, Value::String(_)) => Value::Array(vec![v.clone()]),
        _ => Value::Null,
    }
}

fn epoch_ms(ms: i64) -> Value {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map_or(Value::Null, iso)
}

fn iso(d: DateTime<Utc>) -> Value {
    Value::String(d.to_rfc3339_opts(SecondsFormat::Millis, true))
}

fn check_value(t: FieldType, options: &[String], v: &Value, mode: WriteMode) -> Result<(), String> {
    let in_options = |s: &str| options.is_empty() || options.iter().any(|o| o == s);
    match (t, v) {
        (_, Value::Null) if mode == WriteMode::Update => Ok(()),
        (_, Value::Null) => Err("`null` only clears a value on update".into()),
        (FieldType::Text, Value::String(_))
        | (FieldType::Number, Value::Number(_))
        | (FieldType::Boolean, Value::Bool(_)) => Ok(()),
        (FieldType::Datetime, Value::String(s)) if DateTime::parse_from_rfc3339(s).is_ok() => {
            Ok(())
        }
        (FieldType::Select, Value::String(s)) if in_options(s) => Ok(()),
        (FieldType::ListSelect, Value::Array(items))
            if items.iter().all(|i| i.as_str().is_some_and(in_options)) =>
        {
            Ok(())
        }
        (FieldType::Select | FieldType::ListSelect, _) => {
            Err(format!("expected one of: {}", options.join(", ")))
        }
        (FieldType::Datetime, _) => Err("expected an ISO 8601 timestamp with a zone".into()),
        _ => Err(format!("expected a {} value", t.as_str())),
    }
}

/// How long a tenant's custom-field declarations are trusted without a database read.
pub const CUSTOM_FIELD_CACHE_TTL: Duration = Duration::from_secs(10);

/// Cached declarations per (tenant, model, connection).
#[derive(Clone)]
pub struct CustomFieldCache {
    store: Store,
    cache: Cache<(String, ModelId, String), Arc<CustomFields>>,
}

impl std::fmt::Debug for CustomFieldCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomFieldCache").finish_non_exhaustive()
    }
}

impl CustomFieldCache {
    /// A cache over `store`.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            cache: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(CUSTOM_FIELD_CACHE_TTL)
                .build(),
        }
    }

    /// The custom fields of `model` in effect on `connection` (tenant-wide ones when `None`).
    pub async fn get(
        &self,
        tenant: &TenantId,
        model: ModelId,
        connection: Option<&ConnectionId>,
    ) -> Result<Arc<CustomFields>, Arc<StoreError>> {
        let key = (
            tenant.to_string(),
            model,
            connection.map(ToString::to_string).unwrap_or_default(),
        );
        let store = &self.store;
        self.cache
            .try_get_with(key, async move {
                store
                    .custom_fields(tenant, model, connection)
                    .await
                    .map(|f| Arc::new(CustomFields::new(f)))
            })
            .await
    }

    /// Forgets every cached declaration (after any change to one).
    pub fn invalidate_all(&self) {
        self.cache.invalidate_all();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    #[test]
    fn provider_values_are_shown_in_the_declared_type() {
        assert_eq!(coerce(FieldType::Number, &json!("42")), json!(42.0));
        assert_eq!(coerce(FieldType::Text, &json!(42)), json!("42"));
        assert_eq!(
            coerce(FieldType::Datetime, &json!("1700000000000")),
            json!("2023-11-14T22:13:20.000Z")
        );
        assert_eq!(coerce(FieldType::Boolean, &json!("yes")), Value::Null);
        assert_eq!(coerce(FieldType::ListSelect, &json!("a")), json!(["a"]));
    }

    #[test]
    fn written_values_must_match_the_type() {
        let opts = vec!["gold".to_owned(), "silver".to_owned()];
        assert!(check_value(FieldType::Select, &opts, &json!("gold"), WriteMode::Create).is_ok());
        assert!(
            check_value(
                FieldType::Select,
                &opts,
                &json!("bronze"),
                WriteMode::Create
            )
            .is_err()
        );
        assert!(check_value(FieldType::Number, &[], &json!("1"), WriteMode::Create).is_err());
        assert!(check_value(FieldType::Text, &[], &Value::Null, WriteMode::Update).is_ok());
        assert!(check_value(FieldType::Text, &[], &Value::Null, WriteMode::Create).is_err());
    }
}
