//! The contact rules on top of the field table: `email`/`emails` and `phone`/`phones` become
//! one list each (primary first, no duplicates), `owner` goes with `visibility: private`
//! only, and names refuse control characters.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use patchbay_core::*;
use serde_json::{Value, json};

fn contact() -> SupportedFields<'static> {
    SupportedFields::of_model(ModelId::GenericContact)
}

fn create(body: Value) -> Result<ContactCreate, WriteError> {
    match parse_create(contact(), &with_names(body))? {
        CreateInput::Contact(c) => Ok(c),
        other => panic!("wrong variant {other:?}"),
    }
}

fn update(body: &Value) -> Result<ContactUpdate, WriteError> {
    match parse_update(contact(), body)? {
        UpdateInput::Contact(c) => Ok(c),
        other => panic!("wrong variant {other:?}"),
    }
}

fn with_names(mut body: Value) -> Value {
    body["firstName"] = json!("Ada");
    body["lastName"] = json!("Lovelace");
    body
}

fn emails(list: &[&str]) -> Vec<Email> {
    list.iter().map(|e| Email::parse(e).unwrap()).collect()
}

fn phones(list: &[&str]) -> Vec<PhoneNumber> {
    list.iter()
        .map(|p| PhoneNumber::parse(p).unwrap())
        .collect()
}

/// The wire error body a caller sees.
fn answer(err: WriteError) -> Value {
    serde_json::to_value(ErrorBody::from(err)).unwrap()
}

#[test]
fn create_merges_primary_and_list_primary_first_without_duplicates() {
    let c = create(json!({
        "email": "ada@Example.com",
        "emails": ["grace@example.com", "ada@example.com", "grace@example.com"],
        "phone": "+33612345678",
        "phones": ["+14155550100", "+33612345678"]
    }))
    .unwrap();
    assert_eq!(c.emails, emails(&["ada@example.com", "grace@example.com"]));
    assert_eq!(c.primary_email(), Some(&emails(&["ada@example.com"])[0]));
    assert_eq!(c.phones, phones(&["+33612345678", "+14155550100"]));
    assert_eq!(c.primary_phone().unwrap().as_str(), "+33612345678");

    // Only the list: its first item is the primary.
    let c = create(json!({"emails": ["b@example.com", "a@example.com"]})).unwrap();
    assert_eq!(c.primary_email().unwrap().as_str(), "b@example.com");
    // Only the primary: a list of one.
    let c = create(json!({"phone": "+14155550100"})).unwrap();
    assert_eq!(c.phones, phones(&["+14155550100"]));
    // Neither: empty lists.
    let c = create(json!({})).unwrap();
    assert!(c.emails.is_empty() && c.phones.is_empty());
}

#[test]
fn update_email_alone_makes_it_primary_and_keeps_the_others() {
    let u = update(&json!({"email": "grace@example.com"})).unwrap();
    assert_eq!(
        u.emails,
        AddressPatch::SetPrimary(emails(&["grace@example.com"])[0].clone())
    );
    let stored = emails(&["ada@example.com", "grace@example.com", "x@example.com"]);
    assert_eq!(
        u.emails.apply(stored.clone()),
        emails(&["grace@example.com", "ada@example.com", "x@example.com"])
    );

    // `null` removes the primary; the next one takes its place.
    let u = update(&json!({"email": null})).unwrap();
    assert_eq!(u.emails, AddressPatch::RemovePrimary);
    assert_eq!(
        u.emails.apply(stored.clone()),
        emails(&["grace@example.com", "x@example.com"])
    );

    // The list replaces everything, with `email` put first.
    let u =
        update(&json!({"email": "x@example.com", "emails": ["ada@example.com", "x@example.com"]}))
            .unwrap();
    assert_eq!(
        u.emails.apply(stored.clone()),
        emails(&["x@example.com", "ada@example.com"])
    );
    // `null` and `[]` clear the list.
    for cleared in [
        json!({"emails": null}),
        json!({"emails": []}),
        json!({"email": null, "emails": []}),
    ] {
        let u = update(&cleared).unwrap();
        assert_eq!(u.emails, AddressPatch::Replace(vec![]), "{cleared}");
        assert!(u.emails.apply(stored.clone()).is_empty());
    }
    // Absent: unchanged.
    let u = update(&json!({"jobTitle": "CTO"})).unwrap();
    assert!(u.emails.is_unchanged() && u.phones.is_unchanged());
    assert_eq!(u.emails.apply(stored.clone()), stored);
}

#[test]
fn update_phone_follows_the_same_rules() {
    let u = update(&json!({"phone": "+14155550100", "phones": ["+33612345678", "+14155550100"]}))
        .unwrap();
    assert_eq!(
        u.phones,
        AddressPatch::Replace(phones(&["+14155550100", "+33612345678"]))
    );
}

#[test]
fn clearing_the_primary_while_listing_items_is_refused() {
    let err = update(&json!({"email": null, "emails": ["ada@example.com"]})).unwrap_err();
    let body = answer(err);
    assert_eq!(body["error"], "VALIDATION_FAILED");
    assert_eq!(
        body["details"],
        json!([{"field": "email", "code": "invalid_value",
            "message": "`email` cannot be null while `emails` lists items: the first of `emails` becomes the primary; omit `email`"}])
    );
}

#[test]
fn owner_goes_with_private_visibility_only() {
    let c = create(json!({"visibility": "private", "owner": "u1"})).unwrap();
    assert_eq!(c.scope.owner(), Some("u1"));
    assert_eq!(c.scope.visibility(), ContactVisibility::Private);
    // No visibility means shared, on every connector.
    let c = create(json!({})).unwrap();
    assert_eq!(c.scope, ContactScope::Shared);
    let c = create(json!({"visibility": "shared"})).unwrap();
    assert_eq!(c.scope, ContactScope::Shared);

    for body in [
        json!({"owner": "u1"}),
        json!({"visibility": "shared", "owner": "u1"}),
    ] {
        let body = answer(create(body).unwrap_err());
        assert_eq!(
            body["details"],
            json!([{"field": "owner", "code": "invalid_value",
                "message": "`owner` can only be set on a private contact; add `\"visibility\": \"private\"`"}])
        );
    }
    let body = answer(create(json!({"visibility": "private"})).unwrap_err());
    assert_eq!(
        body["details"],
        json!([{"field": "owner", "code": "required",
            "message": "`owner` is required when `visibility` is `private`: a private contact belongs to one user"}])
    );
    // A bad owner reference is reported once, as such.
    let body = answer(create(json!({"visibility": "private", "owner": 7})).unwrap_err());
    assert_eq!(body["details"].as_array().unwrap().len(), 1);
    assert_eq!(body["details"][0]["code"], "invalid_reference");
}

#[test]
fn names_with_control_characters_are_refused() {
    let err = create(json!({"companyName": "Acme\nEvil: header"})).unwrap_err();
    let body = answer(err);
    assert_eq!(body["details"][0]["field"], "companyName");
    assert_eq!(body["details"][0]["code"], "invalid_value");
    assert_eq!(
        body["details"][0]["message"],
        "`companyName`: must not contain control characters such as line breaks or tabs"
    );
}
