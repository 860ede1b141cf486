//! The OpenAPI schemas the gateway will publish: every public wire type registers, the
//! recursive resource/link pair does not loop, and the schema says what the JSON does.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use patchbay_core::*;
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

#[test]
fn schemas_register_without_infinite_recursion() {
    let doc = serde_json::to_value(Doc::openapi()).unwrap();
    let schemas = &doc["components"]["schemas"];
    for name in [
        "Resource",
        "ResourceRef",
        "Link",
        "ResourceFields",
        "ContactFields",
        "ErrorCode",
        "Event",
    ] {
        assert!(schemas.get(name).is_some(), "missing schema {name}");
    }
    let resource = &schemas["Resource"];
    let required: Vec<&str> = resource["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for key in [
        "object",
        "model",
        "id",
        "fields",
        "createdAt",
        "updatedAt",
        "warnings",
    ] {
        assert!(
            required.contains(&key),
            "Resource.{key} should be required: {required:?}"
        );
    }
    assert!(!required.contains(&"rawResource"));
    assert_eq!(
        resource["properties"]["object"]["enum"],
        serde_json::json!(["resource"])
    );
    assert_eq!(
        schemas["ResourceRef"]["properties"]["object"]["enum"],
        serde_json::json!(["resourceRef"])
    );
    let operation_values = schemas["Operation"]["enum"].as_array().unwrap();
    assert_eq!(operation_values.len(), 25);
    let codes = schemas["ErrorCode"]["enum"].as_array().unwrap();
    assert_eq!(codes.len(), ErrorCode::ALL.len());
    assert_eq!(
        schemas["ContactFields"]["properties"]["emails"]["items"]["$ref"],
        "#/components/schemas/Email"
    );
    assert_eq!(schemas["Email"]["format"], "email");
    assert_eq!(schemas["PhoneNumber"]["type"], "string");
    assert!(
        resource["description"]
            .as_str()
            .unwrap()
            .starts_with("A resource of any model")
    );
}
