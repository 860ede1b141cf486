//! Golden examples: every `response_200` example Dialpad's spec embeds (`examples.json`, both
//! spec versions) whose schema a crate type models must be in the table, deserialise, keep
//! its ids, survive a round trip, and still deserialise with any of its lists set to `null`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;
mod table;
mod typed;

use std::collections::BTreeSet;

use serde_json::Value;

use common::{
    VERSIONS, example, example_keys, first_difference, modelled_schemas, normalise,
    response_schema, restrict, schema_named,
};
use table::{Golden, TABLE};

fn entry(key: &str) -> Option<&'static Golden> {
    TABLE.iter().find(|entry| entry.key == key)
}

/// The `(version, example)` pairs of `key`.
fn examples_for(key: &str) -> Vec<(&'static str, &'static Value)> {
    VERSIONS
        .iter()
        .filter_map(|version| Some((*version, example(version, key)?)))
        .collect()
}

#[test]
fn every_example_of_a_modelled_schema_is_in_the_table() {
    let mut uncovered = Vec::new();
    for version in VERSIONS {
        for key in example_keys(version) {
            let Some(schema) = response_schema(key) else {
                continue;
            };
            if modelled_schemas().contains(schema) && entry(key).is_none() {
                uncovered.push(format!("{version}: {key} ({schema})"));
            }
        }
    }
    assert!(
        uncovered.is_empty(),
        "examples of modelled schemas missing from the table: {uncovered:#?}"
    );
}

#[test]
fn the_modelled_schemas_exist_in_the_spec() {
    let modelled = modelled_schemas();
    assert!(modelled.len() > 50, "doc scan found only {modelled:?}");
    for name in modelled {
        schema_named(name);
    }
}

#[test]
fn table_entries_have_examples_unless_marked_optional() {
    let mut wrong = Vec::new();
    for entry in TABLE {
        let found = examples_for(entry.key).len();
        if entry.optional && found > 0 {
            wrong.push(format!("{}: optional, but has {found} examples", entry.key));
        }
        if !entry.optional && found == 0 {
            wrong.push(format!("{}: no example in either spec version", entry.key));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn listed_types_match_the_specs_response_schemas() {
    let mut wrong = Vec::new();
    for entry in TABLE {
        let declared = response_schema(entry.key);
        if declared != Some(entry.schema) {
            wrong.push(format!(
                "{}: spec says {declared:?}, table says {}",
                entry.key, entry.schema
            ));
        }
        let rust = rust_name((entry.type_name)());
        let spec = entry.schema.rsplit('.').next().unwrap_or_default();
        if rust != spec {
            wrong.push(format!("{}: type {rust} for schema {spec}", entry.key));
        }
    }
    assert!(wrong.is_empty(), "table and spec disagree: {wrong:#?}");
}

/// `UserProto` for `...::users::UserProto`; `UserCollection` for `Collection<...::UserProto>`.
fn rust_name(type_name: &str) -> String {
    let last = |path: &str| path.rsplit("::").next().unwrap_or_default().to_owned();
    match type_name
        .strip_suffix('>')
        .and_then(|rest| rest.split_once("::Collection<"))
    {
        Some((_, item)) => format!("{}Collection", last(item).trim_end_matches("Proto")),
        None => last(type_name),
    }
}

#[test]
fn golden_examples_deserialise_keep_ids_and_round_trip() {
    let mut failures = Vec::new();
    let mut checked = BTreeSet::new();
    for entry in TABLE {
        let schema = schema_named(entry.schema);
        for (version, example) in examples_for(entry.key) {
            checked.insert((version, entry.key));
            let context = format!("{version} {}", entry.key);
            match (entry.check)(example) {
                Err(err) => failures.push(format!("{context}: {err}")),
                Ok(checked) => {
                    failures.extend(id_mismatches(example, &checked.ids, &context));
                    let before = normalise(&restrict(example, schema));
                    let after = normalise(&restrict(&checked.reserialised, schema));
                    if let Some(diff) = first_difference(&before, &after, "") {
                        failures.push(format!("{context}: round trip changed {diff}"));
                    }
                }
            }
        }
    }
    // Each entry once per spec version that has an example of it, no more and no less.
    let expected: BTreeSet<(&str, &str)> = VERSIONS
        .iter()
        .flat_map(|version| TABLE.iter().map(move |entry| (*version, entry.key)))
        .filter(|(version, key)| example_keys(version).any(|k| k == key))
        .collect();
    assert_eq!(checked, expected, "examples checked vs examples present");
    for version in VERSIONS {
        let count = checked.iter().filter(|(v, _)| *v == version).count();
        assert!(count > 0, "no example of {version} checked");
    }
    assert!(
        failures.is_empty(),
        "golden failures:\n{}",
        failures.join("\n")
    );
}

/// Each typed id must equal the example's value at the same place (string or number form),
/// and a typed `None` means the example has none; at least one id must be present.
fn id_mismatches(example: &Value, ids: &typed::Ids, context: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (pointer, typed) in ids {
        let original = example
            .pointer(pointer)
            .filter(|v| !v.is_null())
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
        if original != *typed {
            out.push(format!(
                "{context}: id at {pointer} is {original:?} in the example, {typed:?} typed"
            ));
        }
    }
    if !ids.is_empty() && ids.iter().all(|(_, typed)| typed.is_none()) {
        out.push(format!("{context}: no id survived ({ids:?})"));
    }
    out
}

#[test]
fn null_lists_in_golden_examples_read_as_empty() {
    let mut failures = Vec::new();
    for entry in TABLE {
        for (version, example) in examples_for(entry.key) {
            let context = format!("{version} {}", entry.key);
            let reread = |value: &Value| (entry.check)(value).map(|c| normalise(&c.reserialised));
            if let Err(err) = reread(&with_every_list_null(example)) {
                failures.push(format!("{context}, every list null: {err}"));
            }
            for pointer in list_pointers(example, "") {
                let (mut nulled, mut emptied) = (example.clone(), example.clone());
                *nulled.pointer_mut(&pointer).expect("list") = Value::Null;
                *emptied.pointer_mut(&pointer).expect("list") = Value::Array(Vec::new());
                match (reread(&nulled), reread(&emptied)) {
                    (Ok(a), Ok(b)) if a == b => {}
                    (Ok(a), Ok(b)) => failures.push(format!(
                        "{context}: null at {pointer} read unlike []: {:?}",
                        first_difference(&b, &a, "")
                    )),
                    (Err(err), _) => failures.push(format!("{context}: null at {pointer}: {err}")),
                    (_, Err(err)) => failures.push(format!("{context}: [] at {pointer}: {err}")),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_list_the_spec_declares_may_be_null() {
    // Examples leave many lists out (a call's recordings, every contact list), so the spec's
    // own schema says which lists to null: at the top, and inside one item of each list.
    let mut failures = Vec::new();
    for entry in TABLE {
        let schema = schema_named(entry.schema);
        for nested in [false, true] {
            let body = null_lists(schema, nested, 0);
            if let Err(err) = (entry.check)(&body) {
                failures.push(format!("{} {body}: {err}", entry.key));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// An object of `schema` with each list property `null`, or with `nested`, each list of
/// objects holding one such object; object properties are filled the same way.
fn null_lists(schema: &Value, nested: bool, depth: usize) -> Value {
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => schema_named(reference.trim_start_matches("#/components/schemas/")),
        None => schema,
    };
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Value::Null;
    };
    let mut object = serde_json::Map::new();
    for (key, property) in properties {
        let is_list = property["type"] == "array"
            || property["type"]
                .as_array()
                .is_some_and(|t| t.contains(&"array".into()));
        let value = if is_list {
            let item = null_lists(&property["items"], nested, depth + 1);
            if nested && item.is_object() {
                Value::Array(vec![item])
            } else {
                Value::Null
            }
        } else if depth < 6 && property.get("$ref").is_some() {
            null_lists(property, nested, depth + 1)
        } else {
            continue;
        };
        if !value.as_object().is_some_and(serde_json::Map::is_empty) {
            object.insert(key.clone(), value);
        }
    }
    Value::Object(object)
}

/// `value` with every array, at any depth, replaced by `null`.
fn with_every_list_null(value: &Value) -> Value {
    match value {
        Value::Array(_) => Value::Null,
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(key, v)| (key.clone(), with_every_list_null(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// JSON pointers of every array in `value`, nested ones included.
fn list_pointers(value: &Value, at: &str) -> Vec<String> {
    let children: Vec<(String, &Value)> = match value {
        Value::Object(object) => object
            .iter()
            .map(|(key, v)| {
                (
                    format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")),
                    v,
                )
            })
            .collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("{at}/{i}"), v))
            .collect(),
        _ => Vec::new(),
    };
    let own = value.is_array() && !at.is_empty();
    own.then(|| at.to_owned())
        .into_iter()
        .chain(
            children
                .into_iter()
                .flat_map(|(path, v)| list_pointers(v, &path)),
        )
        .collect()
}
