//! The OpenAPI schemas the gateway will publish: every public wire type registers, the
//! recursive resource/link pair does not loop, `Resource` is one envelope per model picked
//! by `model`, and the schema says what the JSON does (lists always there, omitted fields
//! never null, timestamps always there and nullable).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use patchbay_core::*;
use serde_json::{Value, json};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(components(schemas(
    Resource,
    ResourceRef,
    Link,
    Page,
    ErrorBody,
    ErrorCode,
    FieldError,
    UnifiedField,
    Operation,
    EventType,
    EventFilter,
    Event,
    ContactFields,
    UserFields,
    WorkspaceFields,
    CallFields,
    TranscriptFields,
    ConnectorSetting,
    ModelId
)))]
struct Doc;

fn schemas() -> Value {
    let doc = serde_json::to_value(Doc::openapi()).unwrap();
    doc["components"]["schemas"].clone()
}

/// The strings of an array (none when absent: a schema without `required`).
fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

/// Whether a property schema admits `null`.
fn nullable(property: &Value) -> bool {
    let null_type = match &property["type"] {
        Value::String(t) => t == "null",
        Value::Array(types) => types.iter().any(|t| t == "null"),
        _ => false,
    };
    let null_branch = ["oneOf", "anyOf"].iter().any(|k| {
        property[*k]
            .as_array()
            .is_some_and(|items| items.iter().any(nullable))
    });
    null_type || null_branch
}

#[test]
fn schemas_register_without_infinite_recursion() {
    let schemas = schemas();
    for name in [
        "Resource",
        "ContactResource",
        "UserResource",
        "WorkspaceResource",
        "CallResource",
        "TranscriptResource",
        "ResourceRef",
        "Link",
        "ContactFields",
        "ErrorCode",
        "Event",
    ] {
        assert!(schemas.get(name).is_some(), "missing schema {name}");
    }
    // The ambiguous untagged union of all-optional objects is gone.
    assert!(schemas.get("ResourceFields").is_none());
    assert_eq!(
        schemas["ResourceRef"]["properties"]["object"]["enum"],
        json!(["resourceRef"])
    );
    let operation_values = schemas["Operation"]["enum"].as_array().unwrap();
    assert_eq!(operation_values.len(), 25);
    let codes = schemas["ErrorCode"]["enum"].as_array().unwrap();
    assert_eq!(codes.len(), ErrorCode::ALL.len());
    assert_eq!(
        schemas["ContactFields"]["properties"]["emails"]["items"]["$ref"],
        "#/components/schemas/Email"
    );
    // Dialpad holds internationalised addresses (`tim.corbató@…`), which the parser accepts.
    assert_eq!(schemas["Email"]["format"], "idn-email");
    assert_eq!(schemas["PhoneNumber"]["type"], "string");
}

#[test]
fn resource_is_a_one_of_discriminated_by_model() {
    let schemas = schemas();
    let resource = &schemas["Resource"];
    assert!(
        resource["description"]
            .as_str()
            .unwrap()
            .starts_with("A resource of any model")
    );
    assert_eq!(resource["discriminator"]["propertyName"], "model");
    let mapping = resource["discriminator"]["mapping"].as_object().unwrap();
    assert_eq!(mapping.len(), ModelId::ALL.len());
    let one_of: Vec<&str> = resource["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["$ref"].as_str().unwrap())
        .collect();
    for model in ModelId::ALL {
        let target = mapping[model.as_str()].as_str().unwrap();
        assert!(one_of.contains(&target), "{model} -> {target}");
        let name = target.trim_start_matches("#/components/schemas/");
        let envelope = &schemas[name];
        // `model` is exactly this model, so the discriminator and the schema agree.
        assert_eq!(
            envelope["properties"]["model"]["enum"],
            json!([model.as_str()]),
            "{name}"
        );
        assert_eq!(
            envelope["properties"]["object"]["enum"],
            json!(["resource"])
        );
        let fields_ref = envelope["properties"]["fields"]["$ref"].as_str().unwrap();
        let fields_name = fields_ref.trim_start_matches("#/components/schemas/");
        assert!(
            schemas[fields_name]["description"]
                .as_str()
                .unwrap()
                .contains(model.as_str()),
            "{name}.fields is {fields_name}"
        );
        assert_eq!(
            strings(&envelope["required"]),
            [
                "object",
                "model",
                "id",
                "fields",
                "createdAt",
                "updatedAt",
                "warnings"
            ],
            "{name}"
        );
        for timestamp in ["createdAt", "updatedAt"] {
            let property = &envelope["properties"][timestamp];
            assert!(nullable(property), "{name}.{timestamp} must be nullable");
            assert_eq!(property["format"], "date-time");
        }
        assert!(!nullable(&envelope["properties"]["rawResource"]));
        assert_eq!(envelope["properties"]["rawResource"]["type"], "object");
    }
}

#[test]
fn lists_are_required_and_omitted_fields_are_not_nullable() {
    // A resource's fields may be projected (`?fields=`), so no key of the five `*Fields`
    // objects is required; what is absent is omitted, never null.
    let projected = [
        "ContactFields",
        "UserFields",
        "WorkspaceFields",
        "CallFields",
        "TranscriptFields",
    ];
    let schemas = schemas();
    for name in [
        "ContactFields",
        "UserFields",
        "WorkspaceFields",
        "CallFields",
        "TranscriptFields",
        "Segment",
        "Speaker",
        "Moment",
        "UnifiedField",
        "ErrorBody",
        "ConnectionEventData",
    ] {
        let schema = &schemas[name];
        let required = schema["required"]
            .as_array()
            .map(|r| strings(&Value::Array(r.clone())).join(","))
            .unwrap_or_default();
        let required: Vec<&str> = required.split(',').filter(|s| !s.is_empty()).collect();
        // `UnifiedField.options` and `ErrorBody.details` are lists present only when they apply.
        let optional_lists = ["options", "details"];
        for (key, property) in schema["properties"].as_object().unwrap() {
            if property["type"] == "array"
                && !optional_lists.contains(&key.as_str())
                && !projected.contains(&name)
            {
                assert!(
                    required.contains(&key.as_str()),
                    "{name}.{key} is always serialised: it must be required"
                );
            }
            if !required.contains(&key.as_str()) {
                assert!(
                    !nullable(property),
                    "{name}.{key} is omitted when absent, never null: {property}"
                );
            }
        }
    }
    for name in projected {
        assert!(
            strings(&schemas[name]["required"]).is_empty(),
            "{name}: a projection may leave out any field"
        );
    }
    let unified = strings(&schemas["UnifiedField"]["required"]);
    for key in ["writableOn", "filterKeys", "isSortable"] {
        assert!(unified.contains(&key), "UnifiedField.{key}");
    }
}

#[test]
fn the_json_of_every_model_matches_its_envelope_schema() {
    let schemas = schemas();
    let samples = [
        Resource::new("c1", ContactFields::default()),
        Resource::new("u1", UserFields::default()),
        Resource::new("w1", WorkspaceFields::new("HQ")),
        Resource::new("call1", CallFields::default()),
        Resource::new("t1", TranscriptFields::default()),
    ];
    for resource in samples {
        let json = serde_json::to_value(&resource).unwrap();
        let target = schemas["Resource"]["discriminator"]["mapping"]
            [json["model"].as_str().unwrap()]
        .as_str()
        .unwrap()
        .trim_start_matches("#/components/schemas/")
        .to_owned();
        let envelope = &schemas[target.as_str()];
        for key in strings(&envelope["required"]) {
            assert!(
                json.get(key).is_some(),
                "{target}: {key} missing from {json}"
            );
        }
        let fields_name = envelope["properties"]["fields"]["$ref"]
            .as_str()
            .unwrap()
            .trim_start_matches("#/components/schemas/");
        for key in strings(&schemas[fields_name]["required"]) {
            assert!(json["fields"].get(key).is_some(), "{fields_name}.{key}");
        }
        for key in json["fields"].as_object().unwrap().keys() {
            assert!(
                schemas[fields_name]["properties"].get(key).is_some(),
                "{fields_name} lacks {key}"
            );
        }
    }
}
