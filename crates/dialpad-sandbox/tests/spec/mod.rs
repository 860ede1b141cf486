//! Dialpad's own OpenAPI document as a test oracle: response schemas by operation,
//! compiled into JSON Schema validators that resolve `$ref`s within the document.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use serde_json::{Map, Value, json};

/// Folder of Dialpad's reference files (`openapi.json`, `examples.json`).
pub fn spec_dir() -> PathBuf {
    match std::env::var_os("PATCHBAY_DIALPAD_SPEC_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/dialpad"
        )),
    }
}

pub fn load(name: &str) -> Value {
    let path = spec_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The OpenAPI document, made strict for conformance checks:
/// - int64 fields must be decimal strings, as Dialpad serialises them (proto3 JSON
///   mapping, and every example in the spec);
/// - objects with declared properties admit no others, so a misspelt or invented
///   field fails.
pub struct Spec {
    pub doc: Value,
}

impl Spec {
    pub fn load() -> Self {
        let mut doc = load("openapi.json");
        if let Some(schemas) = doc.pointer_mut("/components/schemas") {
            tighten(schemas);
        }
        Self { doc }
    }

    pub fn operation(&self, method: &str, template: &str) -> &Value {
        self.doc
            .pointer(&format!(
                "/paths/{}/{}",
                template.replace('~', "~0").replace('/', "~1"),
                method.to_lowercase()
            ))
            .unwrap_or_else(|| panic!("{method} {template} is not in Dialpad's spec"))
    }

    /// The `$ref` of the 200 JSON response of an operation, if it has one.
    pub fn response_ref(&self, method: &str, template: &str) -> Option<String> {
        self.operation(method, template)
            .pointer("/responses/200/content/application~1json/schema/$ref")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    /// A validator for `#/components/schemas/<name>` (or a full `$ref`).
    pub fn validator(&self, reference: &str) -> jsonschema::Validator {
        let reference = if reference.starts_with('#') {
            reference.to_owned()
        } else {
            format!("#/components/schemas/{reference}")
        };
        let mut root = Map::new();
        root.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        root.insert("components".into(), self.doc["components"].clone());
        root.insert("$ref".into(), json!(reference));
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&Value::Object(root))
            .unwrap_or_else(|e| panic!("schema {reference} does not compile: {e}"))
    }

    /// Validates `instance`; returns every error as text.
    pub fn check(&self, reference: &str, instance: &Value) -> Vec<String> {
        let validator = self.validator(reference);
        validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }

    /// The per-operation rate limit stated in an operation's description.
    pub fn rate_limit(&self, method: &str, template: &str) -> Option<(u32, &'static str)> {
        let desc = self.operation(method, template)["description"].as_str()?;
        let at = desc.find("Rate limit: ")?;
        let rest = &desc[at + "Rate limit: ".len()..];
        let mut words = rest.split_whitespace();
        let count = words.next()?.parse().ok()?;
        words.next(); // "per"
        let unit = words.next()?.trim_end_matches('.');
        let unit = match unit {
            "minute" => "minute",
            "hour" => "hour",
            "second" => "second",
            "day" => "day",
            _ => return None,
        };
        Some((count, unit))
    }
}

fn tighten(node: &mut Value) {
    match node {
        Value::Object(map) => {
            let is_int64 = map.get("format").and_then(Value::as_str) == Some("int64");
            if is_int64 && let Some(Value::Array(types)) = map.get_mut("type") {
                for t in types.iter_mut() {
                    if t == "integer" {
                        *t = json!("string");
                    }
                }
                map.insert("pattern".into(), json!("^-?[0-9]+$"));
            } else if is_int64 && map.get("type") == Some(&json!("integer")) {
                map.insert("type".into(), json!("string"));
                map.insert("pattern".into(), json!("^-?[0-9]+$"));
            }
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), json!(false));
            }
            for v in map.values_mut() {
                tighten(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(tighten),
        _ => {}
    }
}
