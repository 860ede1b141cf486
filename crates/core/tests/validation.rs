//! What a caller gets back for create and update bodies: typed inputs for good ones, and for
//! bad ones every field error at once with stable codes and messages naming the field.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use patchbay_core::*;
use serde_json::{Value, json};

/// Parses a create body against the model's own rules; field errors only.
fn parse_create(model: ModelId, body: &Value) -> Result<CreateInput, ValidationErrors> {
    patchbay_core::parse_create(SupportedFields::of_model(model), body).map_err(invalid)
}

/// Parses an update body against the model's own rules; field errors only.
fn parse_update(model: ModelId, body: &Value) -> Result<UpdateInput, ValidationErrors> {
    patchbay_core::parse_update(SupportedFields::of_model(model), body).map_err(invalid)
}

fn invalid(error: WriteError) -> ValidationErrors {
    match error {
        WriteError::Invalid(errors) => errors,
        other => panic!("expected field errors, got {other}"),
    }
}

fn codes(errors: &ValidationErrors) -> Vec<(&str, ValidationCode)> {
    errors
        .as_slice()
        .iter()
        .map(|e| (e.field.as_str(), e.code))
        .collect()
}

#[test]
fn a_valid_contact_create_becomes_typed_input() {
    let body = json!({
        "firstName": "  Ada ",
        "lastName": "Lovelace",
        "email": "ada@Example.com",
        "phones": ["+14155550100", "+33612345678"],
        "urls": ["https://ada.example.com"],
        "visibility": "private",
        "owner": {"id": "u1"},
        "companyName": null
    });
    let CreateInput::Contact(c) = parse_create(ModelId::GenericContact, &body).unwrap() else {
        panic!("wrong variant")
    };
    assert_eq!(c.first_name.as_str(), "Ada");
    assert_eq!(c.primary_email().unwrap().as_str(), "ada@example.com");
    assert_eq!(c.phones.len(), 2);
    assert_eq!(c.scope, ContactScope::Private { owner: "u1".into() });
    assert_eq!(c.scope.visibility(), ContactVisibility::Private);
    assert_eq!(c.company_name, None);
}

#[test]
fn bad_contact_create_lists_every_problem_with_stable_codes() {
    let body = json!({
        "firstName": "x".repeat(251),
        "email": "ada@",
        "phone": "+1 415 555 0100",
        "phones": ["+14155550100", "0612345678"],
        "visibility": "public",
        "nickname": "Ada",
        "extension": 12
    });
    let errors = parse_create(ModelId::GenericContact, &body).unwrap_err();
    assert_eq!(
        codes(&errors),
        vec![
            ("email", ValidationCode::InvalidEmail),
            ("extension", ValidationCode::InvalidType),
            ("firstName", ValidationCode::TooLong),
            ("lastName", ValidationCode::Required),
            ("nickname", ValidationCode::UnknownField),
            ("phone", ValidationCode::InvalidPhone),
            ("phones[1]", ValidationCode::InvalidPhone),
            ("visibility", ValidationCode::InvalidEnum),
        ]
    );
    assert!(
        errors
            .get("nickname")
            .unwrap()
            .message
            .contains("`nickname`")
    );
    assert!(
        errors
            .get("visibility")
            .unwrap()
            .message
            .contains("shared, private")
    );
    assert!(errors.get("phone").unwrap().message.contains("E.164"));
    assert!(errors.get("firstName").unwrap().message.contains("250"));
    // The wire answer a caller sees.
    let body = ErrorBody::from(errors);
    let json = serde_json::to_value(&body).unwrap();
    assert_eq!(json["error"], "VALIDATION_FAILED");
    assert_eq!(body.http_status(), 422);
    assert_eq!(json["details"][4]["field"], "nickname");
    assert_eq!(json["details"][4]["code"], "unknown_field");
    assert_eq!(json["details"][4]["message"], errors_message_for_nickname());
    assert!(
        json["message"]
            .as_str()
            .unwrap()
            .starts_with("8 fields are invalid")
    );
}

fn errors_message_for_nickname() -> String {
    let errors = parse_create(
        ModelId::GenericContact,
        &json!({"firstName": "A", "lastName": "B", "nickname": 1}),
    )
    .unwrap_err();
    errors.as_slice()[0].message.clone()
}

#[test]
fn unknown_fields_are_named_and_the_known_ones_listed() {
    assert!(
        errors_message_for_nickname().starts_with(
            "`nickname` is not a field of genericContact; fields: firstName, lastName"
        )
    );
}

#[test]
fn names_are_counted_in_characters() {
    let ok = json!({"firstName": "é".repeat(250), "lastName": "L"});
    assert!(parse_create(ModelId::GenericContact, &ok).is_ok());
    let too_short = json!({"firstName": "  ", "lastName": "L"});
    let errors = parse_create(ModelId::GenericContact, &too_short).unwrap_err();
    assert_eq!(
        codes(&errors),
        vec![("firstName", ValidationCode::TooShort)]
    );
}

#[test]
fn read_only_and_create_only_fields_are_refused_on_writes() {
    let errors = parse_create(
        ModelId::GenericUser,
        &json!({"email": "a@b.co", "status": "active", "phones": []}),
    )
    .unwrap_err();
    assert_eq!(
        codes(&errors),
        vec![
            ("phones", ValidationCode::ReadOnly),
            ("status", ValidationCode::ReadOnly)
        ]
    );
    let errors = parse_update(ModelId::GenericUser, &json!({"email": "a@b.co"})).unwrap_err();
    assert_eq!(codes(&errors), vec![("email", ValidationCode::ReadOnly)]);
    assert!(
        errors.as_slice()[0]
            .message
            .contains("only be set when creating")
    );
    let errors =
        parse_update(ModelId::GenericContact, &json!({"visibility": "shared"})).unwrap_err();
    assert_eq!(
        codes(&errors),
        vec![("visibility", ValidationCode::ReadOnly)]
    );
}

#[test]
fn update_tells_absent_from_null_from_set() {
    let body = json!({"email": null, "phone": "+14155550100", "emails": null, "jobTitle": "CTO"});
    let UpdateInput::Contact(u) = parse_update(ModelId::GenericContact, &body).unwrap() else {
        panic!()
    };
    assert_eq!(u.emails, AddressPatch::Replace(vec![]));
    assert_eq!(
        u.phones,
        AddressPatch::SetPrimary(PhoneNumber::parse("+14155550100").unwrap())
    );
    assert_eq!(u.company_name, Patch::Unchanged);
    assert_eq!(u.first_name, None);
    assert_eq!(
        u.job_title.map(Name::into_string),
        Patch::Set("CTO".to_owned())
    );
    let UpdateInput::Contact(empty) = parse_update(ModelId::GenericContact, &json!({})).unwrap()
    else {
        panic!()
    };
    assert!(empty.is_empty());
}

#[test]
fn required_fields_cannot_be_cleared_and_flags_cannot_be_null() {
    let errors = parse_update(ModelId::GenericContact, &json!({"firstName": null})).unwrap_err();
    assert_eq!(
        codes(&errors),
        vec![("firstName", ValidationCode::Required)]
    );
    assert!(errors.as_slice()[0].message.contains("cannot be cleared"));
    let errors = parse_update(ModelId::GenericUser, &json!({"isAdmin": null})).unwrap_err();
    assert_eq!(
        codes(&errors),
        vec![("isAdmin", ValidationCode::InvalidType)]
    );
    let errors = parse_update(ModelId::GenericUser, &json!({"isAdmin": "yes"})).unwrap_err();
    assert_eq!(
        codes(&errors),
        vec![("isAdmin", ValidationCode::InvalidType)]
    );
}

#[test]
fn non_object_bodies_are_rejected() {
    for body in [json!([]), json!("x"), Value::Null] {
        let errors = parse_create(ModelId::GenericContact, &body).unwrap_err();
        assert_eq!(codes(&errors), vec![("body", ValidationCode::InvalidType)]);
    }
}

#[test]
fn user_workspace_and_call_inputs() {
    let CreateInput::User(u) = parse_create(ModelId::GenericUser, &json!({
        "email": "grace@example.com", "isAdmin": true, "timezone": "Europe/Paris", "language": "fr-CA",
        "workspace": "w1", "extension": "101"
    })).unwrap() else { panic!() };
    assert_eq!(u.email.as_str(), "grace@example.com");
    assert_eq!(
        (u.is_admin, u.workspace.as_deref()),
        (Some(true), Some("w1"))
    );

    let errors = parse_create(
        ModelId::GenericUser,
        &json!({"workspace": {"model": "genericContact", "id": "c1"}}),
    )
    .unwrap_err();
    assert_eq!(
        codes(&errors),
        vec![
            ("email", ValidationCode::Required),
            ("workspace", ValidationCode::InvalidReference)
        ]
    );

    let CreateInput::Workspace(w) = parse_create(
        ModelId::GenericWorkspace,
        &json!({"name": "HQ", "country": "fr"}),
    )
    .unwrap() else {
        panic!()
    };
    assert_eq!((w.name.as_str(), w.country.as_deref()), ("HQ", Some("FR")));
    let errors = parse_create(ModelId::GenericWorkspace, &json!({"isPrimary": true})).unwrap_err();
    assert_eq!(
        codes(&errors),
        vec![
            ("isPrimary", ValidationCode::ReadOnly),
            ("name", ValidationCode::Required)
        ]
    );

    let CreateInput::Call(c) = parse_create(
        ModelId::TelephonyCall,
        &json!({
            "externalNumber": "+14155550100", "users": ["u1"]
        }),
    )
    .unwrap() else {
        panic!()
    };
    assert_eq!(
        (c.external_number.as_str(), c.users.as_slice()),
        ("+14155550100", &["u1".to_owned()][..])
    );
    let errors = parse_create(
        ModelId::TelephonyCall,
        &json!({"externalNumber": "911", "users": [], "status": "planned"}),
    )
    .unwrap_err();
    assert_eq!(
        codes(&errors),
        vec![
            ("externalNumber", ValidationCode::InvalidPhone),
            ("status", ValidationCode::ReadOnly),
            ("users", ValidationCode::Required)
        ]
    );
}

#[test]
fn writes_on_models_with_nothing_writable_are_unsupported_operations() {
    let cases = [
        (
            ModelId::TelephonyCallTranscript,
            WriteMode::Create,
            "telephonyCallTranscript::create",
        ),
        (
            ModelId::TelephonyCallTranscript,
            WriteMode::Update,
            "telephonyCallTranscript::update",
        ),
    ];
    for (model, mode, operation) in cases {
        let fields = SupportedFields::of_model(model);
        // Even `{}` is refused: there is nothing such a write could do.
        let err = match mode {
            WriteMode::Create => patchbay_core::parse_create(fields, &json!({})).map(|_| ()),
            WriteMode::Update => patchbay_core::parse_update(fields, &json!({})).map(|_| ()),
        }
        .unwrap_err();
        assert!(
            matches!(&err, WriteError::Unsupported { operation: op, connector: None } if op.to_string() == operation),
            "{err:?}"
        );
        assert_eq!(
            (err.code(), err.code().http_status()),
            (ErrorCode::OperationNotSupported, 501)
        );
        let body = serde_json::to_value(ErrorBody::from(err)).unwrap();
        assert_eq!(
            body,
            json!({"error": "OPERATION_NOT_SUPPORTED",
                "message": format!("`{operation}` is not supported: the model has no field this operation can set")})
        );
    }
}

/// A valid sample value for each writable field, by key; keeps tables and parsers in step.
fn sample(model: ModelId, key: &str) -> Value {
    match key {
        "firstName" | "lastName" | "companyName" | "jobTitle" | "name" => json!("Ada"),
        "email" => json!("ada@example.com"),
        "emails" => json!(["ada@example.com"]),
        "phone" | "externalNumber" | "internalNumber" => json!("+14155550100"),
        "phones" => json!(["+14155550100"]),
        "urls" => json!(["https://example.com"]),
        "extension" => json!("101"),
        "visibility" => json!("private"),
        "owner" => json!("u1"),
        "isAdmin" => json!(false),
        "timezone" => json!("Europe/Paris"),
        "language" => json!("en"),
        "country" => json!("FR"),
        "workspace" => json!("w1"),
        "users" => json!(["u1"]),
        "status" => json!("completed"),
        "labels" => json!(["sales"]),
        other => panic!("no sample for writable field {model}.{other}; add one"),
    }
}

#[test]
fn every_writable_field_in_the_tables_is_accepted_and_nothing_else() {
    for model in ModelId::ALL.iter().copied() {
        for mode in [WriteMode::Create, WriteMode::Update] {
            if !SupportedFields::of_model(model).accepts(mode) {
                continue; // See writes_on_models_with_nothing_writable_are_unsupported_operations.
            }
            let mut body = serde_json::Map::new();
            for spec in field_specs(model) {
                if spec.access.writable(mode) {
                    body.insert(spec.key.to_owned(), sample(model, spec.key));
                }
            }
            let body = Value::Object(body);
            let result = match mode {
                WriteMode::Create => parse_create(model, &body).map(|_| ()),
                WriteMode::Update => parse_update(model, &body).map(|_| ()),
            };
            assert!(result.is_ok(), "{model} {mode:?}: {result:?}");
            // And each read-only field is refused by name.
            for spec in field_specs(model)
                .iter()
                .filter(|s| !s.access.writable(mode))
            {
                let mut with = body.clone();
                with[spec.key] = json!(null);
                let errors = match mode {
                    WriteMode::Create => parse_create(model, &with).map(|_| ()),
                    WriteMode::Update => parse_update(model, &with).map(|_| ()),
                }
                .unwrap_err();
                assert_eq!(
                    codes(&errors),
                    vec![(spec.key, ValidationCode::ReadOnly)],
                    "{model}.{}",
                    spec.key
                );
            }
        }
    }
}

#[test]
fn required_fields_come_from_the_table() {
    for model in ModelId::ALL.iter().copied() {
        let required: Vec<&str> = field_specs(model)
            .iter()
            .filter(|s| s.required_on_create)
            .map(|s| s.key)
            .collect();
        if !SupportedFields::of_model(model).accepts(WriteMode::Create) {
            continue;
        }
        let result = parse_create(model, &json!({}));
        if required.is_empty() {
            assert!(result.is_ok(), "{model}");
        } else {
            let errors = result.unwrap_err();
            let mut fields: Vec<&str> =
                errors.as_slice().iter().map(|e| e.field.as_str()).collect();
            fields.sort_unstable();
            let mut expected = required.clone();
            expected.sort_unstable();
            assert_eq!(fields, expected, "{model}");
            assert!(
                errors
                    .as_slice()
                    .iter()
                    .all(|e| e.code == ValidationCode::Required)
            );
        }
    }
}

#[test]
fn a_call_update_ends_or_labels_a_call_and_a_user_update_moves_the_user() {
    let UpdateInput::Call(update) = parse_update(
        ModelId::TelephonyCall,
        &json!({"status": "completed", "labels": ["sales", " vip "]}),
    )
    .unwrap() else {
        panic!()
    };
    assert_eq!(update.status, Some(CallStatus::Completed));
    let labels: Vec<&str> = update.labels.iter().flatten().map(Name::as_str).collect();
    assert_eq!(labels, ["sales", "vip"]);
    let UpdateInput::Call(cleared) =
        parse_update(ModelId::TelephonyCall, &json!({"labels": null})).unwrap()
    else {
        panic!()
    };
    assert_eq!(cleared.labels, Some(vec![]));
    assert!(
        parse_update(ModelId::TelephonyCall, &json!({}))
            .is_ok_and(|u| matches!(u, UpdateInput::Call(c) if c.is_empty()))
    );
    let errors = parse_update(
        ModelId::TelephonyCall,
        &json!({"status": null, "labels": [""], "users": ["u1"]}),
    )
    .unwrap_err();
    assert_eq!(
        codes(&errors),
        vec![
            ("labels[0]", ValidationCode::TooShort),
            ("status", ValidationCode::InvalidType),
            ("users", ValidationCode::ReadOnly)
        ]
    );
    let errors = parse_create(
        ModelId::TelephonyCall,
        &json!({"externalNumber": "+14155550100", "users": ["u1"], "labels": ["x"]}),
    )
    .unwrap_err();
    assert_eq!(codes(&errors), vec![("labels", ValidationCode::ReadOnly)]);
    assert!(
        errors.as_slice()[0]
            .message
            .contains("only be changed by an update")
    );

    let UpdateInput::User(moved) =
        parse_update(ModelId::GenericUser, &json!({"workspace": "w2"})).unwrap()
    else {
        panic!()
    };
    assert_eq!(moved.workspace.as_deref(), Some("w2"));
    let errors = parse_update(ModelId::GenericUser, &json!({"workspace": null})).unwrap_err();
    assert_eq!(
        codes(&errors),
        vec![("workspace", ValidationCode::InvalidType)]
    );
}
