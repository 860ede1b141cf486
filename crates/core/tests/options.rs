//! List and retrieve options as a caller sends them: filters, `fields`, `expand`, `limit`,
//! and the cursor that carries a connector's paging state between pages.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use patchbay_core::*;
use serde_json::json;

fn model(model: ModelId) -> SupportedFields<'static> {
    SupportedFields::of_model(model)
}

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
    assert_eq!(
        keys(ModelId::GenericContact),
        ["email", "phone", "visibility", "owner"]
    );
    assert_eq!(keys(ModelId::GenericUser), ["email", "status"]);
    assert_eq!(keys(ModelId::GenericWorkspace), ["status"]);
    assert_eq!(
        keys(ModelId::TelephonyCall),
        ["startedAfter", "startedBefore", "user", "workspace"]
    );
    assert_eq!(
        keys(ModelId::TelephonyCallTranscript),
        ["call", "startedAfter", "startedBefore"]
    );
}

#[test]
fn every_declared_filter_key_parses() {
    let sample = |key: &str| match key {
        "email" => "ada@example.com",
        "phone" => "+14155550100",
        "status" => "active",
        "startedAfter" | "startedBefore" => "2024-05-01T00:00:00Z",
        "visibility" => "private",
        "owner" | "user" | "workspace" | "call" => "id1",
        other => panic!("no sample for filter {other}"),
    };
    for model in ModelId::ALL.iter().copied() {
        for key in filter_keys(model) {
            let filters =
                Filters::parse(SupportedFields::of_model(model), [(key, sample(key))]).unwrap();
            assert_eq!(filters.keys(), [key], "{model} {key}");
        }
    }
}

#[test]
fn call_filters_are_typed() {
    let filters = Filters::parse(
        model(ModelId::TelephonyCall),
        [
            ("startedAfter", "2024-05-01T00:00:00+02:00"),
            ("startedBefore", "2024-05-02T00:00:00Z"),
            ("user", "u1"),
            ("workspace", "o1"),
        ],
    )
    .unwrap();
    assert_eq!(
        filters.started_after,
        Some(Utc.with_ymd_and_hms(2024, 4, 30, 22, 0, 0).unwrap())
    );
    assert_eq!(filters.user.as_deref(), Some("u1"));
    assert_eq!(filters.workspace.as_deref(), Some("o1"));
    assert!(!filters.is_empty());
    assert!(
        Filters::parse(model(ModelId::TelephonyCall), [])
            .unwrap()
            .is_empty()
    );
}

#[test]
fn bad_filters_are_reported_per_key() {
    let errors = Filters::parse(
        model(ModelId::GenericContact),
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
    let errors = Filters::parse(model(ModelId::GenericUser), [("status", "retired")]).unwrap_err();
    assert_eq!(
        codes(&errors),
        vec![("filters.status", ValidationCode::InvalidEnum)]
    );
    let errors = Filters::parse(
        model(ModelId::TelephonyCall),
        [("startedAfter", "yesterday")],
    )
    .unwrap_err();
    assert_eq!(
        codes(&errors),
        vec![("filters.startedAfter", ValidationCode::InvalidDatetime)]
    );
    let errors = Filters::parse(
        model(ModelId::TelephonyCall),
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
    let errors = Filters::parse(model(ModelId::GenericWorkspace), [("name", "HQ")]).unwrap_err();
    assert!(errors.as_slice()[0].message.contains("filters: status"));
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
    assert_eq!(Limit::default().get(), 50);
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
    let fields = model(ModelId::TelephonyCall).unified();
    let status = fields.iter().find(|f| f.key == "status").unwrap();
    assert_eq!(
        serde_json::to_value(status).unwrap(),
        json!({
            "key": "status",
            "name": "Status",
            "description": "Where the call is in its life. An update may set `completed` to end a live call (a connector may take only some values).",
            "type": "select",
            "isCustom": false,
            "isRequired": false,
            "isValueReadOnly": false,
            "writableOn": ["update"],
            "options": [
                {"value": "planned", "label": "Planned"},
                {"value": "inProgress", "label": "In progress"},
                {"value": "completed", "label": "Completed"},
                {"value": "missed", "label": "Missed"},
                {"value": "voicemail", "label": "Voicemail"}
            ],
            "filterKeys": [],
            "isSortable": false
        })
    );
    let started = fields.iter().find(|f| f.key == "startedAt").unwrap();
    assert_eq!(started.filter_keys, ["startedAfter", "startedBefore"]);
    assert!(started.is_sortable);
    let users = serde_json::to_value(fields.iter().find(|f| f.key == "users").unwrap()).unwrap();
    assert_eq!(users["type"], "list.reference");
    assert_eq!(users["referenceModel"], "genericUser");
    assert_eq!(users["isRequired"], true);
    assert_eq!(users["writableOn"], json!(["create"]));

    let first_name = serde_json::to_value(&model(ModelId::GenericContact).unified()[0]).unwrap();
    assert_eq!(first_name["key"], "firstName");
    assert_eq!(first_name["isRequired"], true);
    assert_eq!(first_name["isValueReadOnly"], false);
    assert_eq!(first_name["writableOn"], json!(["create", "update"]));
    assert!(first_name.get("options").is_none());
    // Every model's table serves as many descriptors as it has fields.
    for m in ModelId::ALL.iter().copied() {
        assert_eq!(model(m).unified().len(), field_specs(m).len());
    }
    // Transcripts cannot be written: nothing is required, even `segments`.
    assert!(
        model(ModelId::TelephonyCallTranscript)
            .unified()
            .iter()
            .all(|f| f.is_value_read_only && !f.is_required)
    );
}

/// One resource per model with every field set, as a connector would return it.
fn full_resources() -> Vec<Resource> {
    let user = Link::to(ModelId::GenericUser, "u1");
    vec![
        Resource::new(
            "c1",
            ContactFields {
                first_name: Some("Ada".into()),
                email: Some(Email::parse("ada@example.com").unwrap()),
                emails: vec![Email::parse("ada@example.com").unwrap()],
                owner: Some(user.clone()),
                ..ContactFields::default()
            },
        ),
        Resource::new(
            "u1",
            UserFields {
                first_name: Some("Grace".into()),
                ..UserFields::default()
            },
        ),
        Resource::new(
            "w1",
            WorkspaceFields {
                country: Some("FR".into()),
                ..WorkspaceFields::new("Paris office")
            },
        ),
        Resource::new(
            "call1",
            CallFields {
                duration: Some(3),
                users: vec![user],
                ..CallFields::default()
            },
        ),
        Resource::new(
            "t1",
            TranscriptFields {
                duration: Some(3),
                ..TranscriptFields::default()
            },
        ),
    ]
}

#[test]
fn a_projection_on_any_single_field_still_reads_back_as_a_resource() {
    for resource in full_resources() {
        let m = resource.model();
        for spec in field_specs(m) {
            let selection = FieldSelection::parse(m, [spec.key]).unwrap();
            let mut json = serde_json::to_value(&resource).unwrap();
            selection.project(json["fields"].as_object_mut().unwrap());
            let back = serde_json::from_value::<Resource>(json.clone());
            assert!(back.is_ok(), "{m} fields={}: {json}", spec.key);
        }
    }
}

#[test]
fn a_workspace_projection_keeps_its_required_name() {
    let resource = &full_resources()[2];
    let selection = FieldSelection::parse(ModelId::GenericWorkspace, ["country"]).unwrap();
    assert_eq!(selection.keys(), ["country"]);
    let mut json = serde_json::to_value(resource).unwrap();
    selection.project(json["fields"].as_object_mut().unwrap());
    assert_eq!(
        json["fields"],
        json!({"name": "Paris office", "country": "FR"})
    );
}

#[test]
fn cursors_are_opaque_and_bound_to_what_selects_and_orders_the_list() {
    let contacts = ModelId::GenericContact;
    let base = ListOptions::default();
    let fp = base.fingerprint(contacts);
    let cursor = Cursor::new(Some("provider/page=2&x".into()), 7, fp);
    let encoded = cursor.encode();
    assert!(
        encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{encoded} is not URL-safe"
    );
    let back = Cursor::decode(&encoded, fp).unwrap();
    assert_eq!(back, cursor);
    assert_eq!(
        (back.provider_cursor(), back.offset()),
        (Some("provider/page=2&x"), 7)
    );

    let filtered = ListOptions {
        filters: Filters::parse(model(contacts), [("email", "ada@example.com")]).unwrap(),
        ..ListOptions::default()
    };
    let sorted = ListOptions {
        sort: Some(Sort::parse(model(contacts), "-lastName").unwrap()),
        ..ListOptions::default()
    };
    let searched = ListOptions {
        q: SearchQuery::parse(model(contacts), "ada").unwrap(),
        ..ListOptions::default()
    };
    for other in [&filtered, &sorted, &searched] {
        assert_ne!(other.fingerprint(contacts), fp);
        assert_eq!(
            Cursor::decode(&encoded, other.fingerprint(contacts)),
            Err(CursorError::OptionsChanged)
        );
    }
    // Page size, projection and expansion may change between pages.
    let reshaped = ListOptions {
        limit: Some(Limit::new(5).unwrap()),
        fields: Some(FieldSelection::parse(contacts, ["email"]).unwrap()),
        include_raw: true,
        cursor: Some(cursor.clone()),
        ..ListOptions::default()
    };
    assert_eq!(reshaped.fingerprint(contacts), fp);
    assert_eq!(reshaped.position(contacts), cursor);
    assert_eq!(base.position(contacts), Cursor::start(fp));

    for bad in ["", "!!!", "e30", "bm9wZQ"] {
        assert_eq!(
            Cursor::decode(bad, fp),
            Err(CursorError::Malformed),
            "{bad:?}"
        );
    }
}

#[test]
fn cut_serves_a_provider_page_in_slices_then_moves_to_the_next_page() {
    let fp = ListOptions::default().fingerprint(ModelId::TelephonyCall);
    let two = Limit::new(2).unwrap();
    let start = Cursor::start(fp);
    let (page, next) = start.cut(vec![1, 2, 3, 4, 5], two, Some("p2".into()));
    assert_eq!(page, [1, 2]);
    let next = next.unwrap();
    assert_eq!((next.provider_cursor(), next.offset()), (None, 2));
    let (page, next) = next.cut(vec![1, 2, 3, 4, 5], two, Some("p2".into()));
    assert_eq!(page, [3, 4]);
    let (page, next) = next
        .unwrap()
        .cut(vec![1, 2, 3, 4, 5], two, Some("p2".into()));
    assert_eq!(page, [5]);
    let next = next.unwrap();
    assert_eq!((next.provider_cursor(), next.offset()), (Some("p2"), 0));
    let (page, next) = next.cut(vec![6], two, None);
    assert_eq!((page, next), (vec![6], None));
    // A provider page that shrank since: nothing left of it, move on.
    let (page, next) = Cursor::new(None, 9, fp).cut(vec![1, 2], two, None);
    assert!(page.is_empty() && next.is_none());
}
