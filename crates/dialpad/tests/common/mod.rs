//! What the integration tests share: Dialpad's spec (`openapi.json`) and embedded examples
//! (`examples.json`) from `shared/dialpad` (or `PATCHBAY_DIALPAD_SPEC_DIR`), the schemas this
//! crate's types model, and JSON helpers that compare payloads the way Dialpad means them.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{Map, Value};

/// The spec versions `examples.json` carries examples for.
pub const VERSIONS: [&str; 2] = ["sdk_2025_06", "kesslerio_2026_02"];

fn spec_dir() -> PathBuf {
    std::env::var_os("PATCHBAY_DIALPAD_SPEC_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/dialpad"),
        PathBuf::from,
    )
}

fn load(file: &str) -> Value {
    let path = spec_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("{} is not JSON: {err}", path.display()))
}

pub fn examples() -> &'static Value {
    static EXAMPLES: OnceLock<Value> = OnceLock::new();
    EXAMPLES.get_or_init(|| load("examples.json"))
}

pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| load("openapi.json"))
}

/// The `"METHOD /path"` keys `version` has examples for.
pub fn example_keys(version: &str) -> impl Iterator<Item = &'static String> {
    examples()[version]
        .as_object()
        .expect("a version is an object of examples")
        .keys()
}

/// The `response_200` example of `key` in `version`, if it has one.
pub fn example(version: &str, key: &str) -> Option<&'static Value> {
    examples()
        .get(version)?
        .get(key)?
        .pointer("/response_200/json_example/value")
}

/// The operation object of `"METHOD /path"` in the spec.
pub fn operation(key: &str) -> Option<&'static Value> {
    let (method, path) = key.split_once(' ')?;
    spec().get("paths")?.get(path)?.get(method.to_lowercase())
}

/// The schema name (`protos.user.UserProto`) of `key`'s 200 JSON response.
pub fn response_schema(key: &str) -> Option<&'static str> {
    operation(key)?
        .pointer("/responses/200/content/application~1json/schema/$ref")?
        .as_str()?
        .strip_prefix("#/components/schemas/")
}

pub fn schema_named(name: &str) -> &'static Value {
    spec()
        .pointer("/components/schemas")
        .and_then(|schemas| schemas.get(name))
        .unwrap_or_else(|| panic!("no schema {name} in openapi.json"))
}

/// The property names a schema declares.
pub fn property_names(name: &str) -> BTreeSet<String> {
    schema_named(name)["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{name} has no properties"))
        .keys()
        .cloned()
        .collect()
}

/// The spec schemas this crate models, read from the type docs, which by convention open
/// with the schema name (`` /// `protos.user.UserProto`: ... ``).
pub fn modelled_schemas() -> &'static BTreeSet<String> {
    static MODELLED: OnceLock<BTreeSet<String>> = OnceLock::new();
    MODELLED.get_or_init(|| {
        let mut names = BTreeSet::new();
        collect_doc_schemas(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut names,
        );
        names
    })
}

fn collect_doc_schemas(dir: &Path, names: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect_doc_schemas(&path, names);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let text = std::fs::read_to_string(&path).expect("source is readable");
            names.extend(text.lines().filter_map(|line| {
                let rest = line.strip_prefix("/// `")?;
                let name = &rest[..rest.find('`')?];
                (name.starts_with("protos.") || name.starts_with("frontend."))
                    .then(|| name.to_owned())
            }));
        }
    }
}

/// `value` limited to the keys its spec schema declares, recursively through `$ref`s, arrays
/// and `anyOf`/`oneOf`; free-form objects are kept whole.
pub fn restrict(value: &Value, schema: &Value) -> Value {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.trim_start_matches("#/components/schemas/");
        return restrict(value, schema_named(name));
    }
    if let Some(alternatives) = schema.get("anyOf").or_else(|| schema.get("oneOf")) {
        let usable = alternatives
            .as_array()
            .into_iter()
            .flatten()
            .find(|alt| alt.get("type").and_then(Value::as_str) != Some("null"));
        return usable.map_or_else(|| value.clone(), |alt| restrict(value, alt));
    }
    match (value, schema.get("properties"), schema.get("items")) {
        (Value::Object(object), Some(Value::Object(properties)), _) => Value::Object(
            object
                .iter()
                .filter_map(|(key, v)| Some((key.clone(), restrict(v, properties.get(key)?))))
                .collect(),
        ),
        (Value::Array(items), _, Some(item_schema)) => Value::Array(
            items
                .iter()
                .map(|item| restrict(item, item_schema))
                .collect(),
        ),
        _ => value.clone(),
    }
}

/// Dialpad omits what is null or empty and writes int64s as strings or numbers: drop nulls and
/// empty lists, and write every integer as its decimal string, so equal data compares equal.
pub fn normalise(value: &Value) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .filter(|(_, v)| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
                .map(|(k, v)| (k.clone(), normalise(v)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalise).collect()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Value::String(n.to_string()),
        other => other.clone(),
    }
}

/// The first place where `before` and `after` differ, as `pointer: before became after`.
pub fn first_difference(before: &Value, after: &Value, at: &str) -> Option<String> {
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|key| {
                let path = format!("{at}/{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => first_difference(x, y, &path),
                    (x, y) => Some(format!("{path}: {x:?} became {y:?}")),
                }
            })
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, &format!("{at}/{i}"))),
        _ if before == after => None,
        _ => Some(format!("{at}: {before} became {after}")),
    }
}
