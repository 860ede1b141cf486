//! Bodies generated from a spec schema: one with every property set to a plausible value
//! (first enum value, one-item arrays, nested objects filled in), and one with every
//! nullable non-list property set to `null`.

use serde_json::{Map, Value, json};

use crate::common::schema_named;

/// A value for `schema` with every property, at every depth, set.
pub fn full(schema: &Value) -> Value {
    if let Some(name) = reference(schema) {
        return full(schema_named(name));
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        return Value::Object(
            properties
                .iter()
                .map(|(key, property)| (key.clone(), full(property)))
                .collect(),
        );
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|values| values.iter().find(|v| !v.is_null()))
    {
        return first.clone();
    }
    let types = types(schema);
    let has = |ty: &str| types.contains(&ty);
    if has("array") {
        json!([full(&schema["items"])])
    } else if has("string") && schema.get("format").and_then(Value::as_str) == Some("date-time") {
        json!("2013-01-01T00:00:00")
    } else if has("string") {
        json!("sample")
    } else if has("integer") {
        json!(7)
    } else if has("number") {
        json!(1.5)
    } else if has("boolean") {
        json!(true)
    } else if has("object") {
        json!({})
    } else {
        panic!("no sample for schema {schema}")
    }
}

/// The properties of `schema` that may be `null` and are not lists, each set to `null`.
pub fn nulled_scalars(schema: &Value) -> Map<String, Value> {
    schema["properties"]
        .as_object()
        .expect("an object schema")
        .iter()
        .filter(|(_, property)| {
            let types = types(property);
            types.contains(&"null") && !types.contains(&"array")
        })
        .map(|(key, _)| (key.clone(), Value::Null))
        .collect()
}

fn reference(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)?
        .strip_prefix("#/components/schemas/")
}

/// The JSON types a schema admits (`"type": "string"` or `"type": ["null", "string"]`).
fn types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(ty)) => vec![ty.as_str()],
        Some(Value::Array(types)) => types.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}
