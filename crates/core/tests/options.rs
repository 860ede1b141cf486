//! List and retrieve options as a caller sends them: filters, `fields`, `expand`, `limit`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use patchbay_core::*;
use serde_json::json;

fn codes(errors: &ValidationErrors) -> Vec<(&str, ValidationCode)> {
    errors
        .as_slice()
        .iter()
        .map(|e| (e.field.as_str(), e.code))
        .collect()
}

#[test]
fn filterable_keys_per_model_come_from_the_field_tables() {
    let keys = |m| filter_keys(m).collect::<Vec<_>>();
    assert_eq!(keys(ModelId::GenericContact), ["email", "phone"]);
    assert_eq!(keys(ModelId::GenericUser), ["email", "status"]);
    assert_eq!(keys(ModelId::GenericWorkspace), Vec::<&str>::new());
    assert_eq!(
        keys(ModelId::TelephonyCall),
        ["startedAfter", "startedBefore", "users"]
    );
    assert_eq!(keys(ModelId::TelephonyCallTranscript), ["call"]);
}

#[test]
fn every_declared_filter_key_parses() {
    let sample = |key: &str| match key {
        "email" => "ada@example.com",
        "phone" => "+14155550100",
        "status" => "active",
        "startedAfter" | "startedBefore" => "2024-05-01T00:00:00Z",
        "users" | "call" => "id1",
        other => panic!("no sample for filter {other}"),
    };
    for model in ModelId::ALL.iter().copied() {
        for key in filter_keys(model) {
            let filters = Filters::parse(model, [(key, sample(key))]).unwrap();
            assert_eq!(filters.keys(), [key], "{model} {key}");
        }
    }
}

#[test]
fn call_filters_are_typed() {
    let filters = Filters::parse(
        ModelId::TelephonyCall,
        [
            ("startedAfter", "2024-05-01T00:00:00+02:00"),
            ("startedBefore", "2024-05-02T00:00:00Z"),
            ("users", "u1"),
        ],
    )
    .unwrap();
    assert_eq!(
        filters.started_after,
        Some(Utc.with_ymd_and_hms(2024, 4, 30, 22, 0, 0).unwrap())
    );
    assert_eq!(filters.users.as_deref(), Some("u1"));
    assert!(!filters.is_empty());
    assert!(
        Filters::parse(ModelId::TelephonyCall, [])
            .unwrap()
            .is_empty()
    );
}

#[test]
fn bad_filters_are_reported_per_key() {
    let errors = Filters::parse(
        ModelId::GenericContact,
        [("email", "nope"), ("status", "active"), ("phone", "555")],
    )
    .unwrap_err();
    assert_eq!(
        codes(&errors),
        vec![
            ("filters.email", ValidationCode::InvalidEmail),
            ("filters.status", ValidationCode::UnknownField),
            ("filters.phone", ValidationCode::InvalidPhone),
        ]
    );
    assert!(
        errors
            .get("filters.status")
            .unwrap()
            .message
            .contains("filters: email, phone")
    );
    let errors = Filters::parse(ModelId::GenericUser, [("status", "retired")]).unwrap_err();
    assert_eq!(
        codes(&errors),
        vec![("filters.status", ValidationCode::InvalidEnum)]
    );
    let errors =
        Filters::parse(ModelId::TelephonyCall, [("startedAfter", "yesterday")]).unwrap_err();
    assert_eq!(
        codes(&errors),
        vec![("filters.startedAfter", ValidationCode::InvalidDatetime)]
    );
    let errors = Filters::parse(
        ModelId::TelephonyCall,
        [
            ("startedAfter", "2024-05-02T00:00:00Z"),
            ("startedBefore", "2024-05-01T00:00:00Z"),
        ],
    )
    .unwrap_err();
    assert_eq!(
        codes(&errors),
        vec![("filters.startedBefore", ValidationCode::InvalidRange)]
    );
    let errors = Filters::parse(ModelId::GenericWorkspace, [("name", "HQ")]).unwrap_err();
    assert!(errors.as_slice()[0].message.contains("filters: none"));
}

#[test]
fn field_selection_keeps_known_keys_and_projects_json() {
    let selection = FieldSelection::parse(
        ModelId::GenericContact,
        split_csv("firstName, email,,firstName"),
    )
    .unwrap();
    assert_eq!(selection.keys(), ["firstName", "email"]);
    let resource = Resource::new(
        "c1",
        ContactFields {
            first_name: Some("Ada".into()),
            last_name: Some("L".into()),
            ..ContactFields::default()
        },
    );
    let mut json = serde_json::to_value(&resource).unwrap();
    selection.project(json["fields"].as_object_mut().unwrap());
    assert_eq!(json["fields"], json!({"firstName": "Ada"}));

    let errors =
        FieldSelection::parse(ModelId::GenericContact, ["firstName", "nickname"]).unwrap_err();
    assert_eq!(
        codes(&errors),
        vec![("fields", ValidationCode::UnknownField)]
    );
    assert!(errors.as_slice()[0].message.contains("`nickname`"));
}

#[test]
fn expand_accepts_reference_fields_only() {
    let expand = Expand::parse(ModelId::TelephonyCall, split_csv("users,transcript")).unwrap();
    assert!(
        expand.contains("users") && expand.contains("transcript") && !expand.contains("contacts")
    );
    let errors = Expand::parse(ModelId::TelephonyCall, ["duration", "bogus"]).unwrap_err();
    assert_eq!(
        codes(&errors),
        vec![
            ("expand", ValidationCode::InvalidValue),
            ("expand", ValidationCode::UnknownField)
        ]
    );
    assert!(
        errors.as_slice()[0]
            .message
            .contains("expandable: users, contacts, transcript")
    );
}

#[test]
fn limit_is_bounded() {
    assert_eq!(Limit::parse("50").unwrap().get(), 50);
    assert_eq!(Limit::default().get(), 25);
    for bad in ["0", "101", "-1", "ten", ""] {
        let errors = Limit::parse(bad).unwrap_err();
        assert_eq!(
            codes(&errors),
            vec![("limit", ValidationCode::InvalidValue)],
            "{bad}"
        );
    }
}

#[test]
fn unified_fields_json_matches_morphs_shape() {
    let fields = unified_fields(ModelId::TelephonyCall);
    let status = fields.iter().find(|f| f.key == "status").unwrap();
    assert_eq!(
        serde_json::to_value(status).unwrap(),
        json!({
            "key": "status",
            "name": "Status",
            "description": "Where the call is in its life.",
            "type": "select",
            "isCustom": false,
            "isRequired": false,
            "isValueReadOnly": true,
            "options": [
                {"value": "planned", "label": "Planned"},
                {"value": "inProgress", "label": "In progress"},
                {"value": "completed", "label": "Completed"},
                {"value": "missed", "label": "Missed"},
                {"value": "voicemail", "label": "Voicemail"}
            ],
            "filterKeys": []
        })
    );
    let started = fields.iter().find(|f| f.key == "startedAt").unwrap();
    assert_eq!(started.filter_keys, ["startedAfter", "startedBefore"]);
    let users = serde_json::to_value(fields.iter().find(|f| f.key == "users").unwrap()).unwrap();
    assert_eq!(users["type"], "list.reference");
    assert_eq!(users["referenceModel"], "genericUser");
    assert_eq!(users["isRequired"], true);

    let first_name = serde_json::to_value(&unified_fields(ModelId::GenericContact)[0]).unwrap();
    assert_eq!(first_name["key"], "firstName");
    assert_eq!(first_name["isRequired"], true);
    assert_eq!(first_name["isValueReadOnly"], false);
    assert!(first_name.get("options").is_none());
    // Every model's table serves as many descriptors as it has fields.
    for model in ModelId::ALL.iter().copied() {
        assert_eq!(unified_fields(model).len(), field_specs(model).len());
    }
}
