//! `genericContact` <-> Dialpad contact. Emails and phones come primary first (Dialpad's
//! `primary_email`/`primary_phone`, then the lists); `visibility` is Dialpad's `type`
//! (`local` is `private`); `owner` is `owner_id`, for local contacts only.

use patchbay_core::{
    AddressPatch, ContactCreate, ContactFields, ContactUpdate, ContactVisibility, Email, Link,
    ModelId, Patch, PhoneNumber, Resource, WarningCode,
};

use super::{Warnings, emails, phones, required_id, text};
use crate::types::common::ContactType;
use crate::types::contacts::{ContactProto, CreateContactMessage, UpdateContactMessage};
use crate::types::wire::Nullable;

const MODEL: ModelId = ModelId::GenericContact;

/// The unified contact for a Dialpad contact. Dialpad keeps no creation or change date on
/// contacts, so both timestamps are `null`.
pub(crate) fn to_resource(proto: &ContactProto) -> Result<Resource, patchbay_core::ConnectorError> {
    let id = required_id(proto.id.clone(), MODEL)?;
    let mut warnings = Warnings::default();
    let emails = emails(
        proto
            .primary_email
            .iter()
            .chain(&proto.emails)
            .map(String::as_str),
        "emails",
        &mut warnings,
    );
    let phones = phones(
        proto
            .primary_phone
            .iter()
            .chain(&proto.phones)
            .map(String::as_str),
        "phones",
        &mut warnings,
    );
    let visibility = match &proto.r#type {
        Some(ContactType::Shared) => Some(ContactVisibility::Shared),
        Some(ContactType::Local) => Some(ContactVisibility::Private),
        Some(ContactType::Other(other)) => {
            warnings.push(
                "visibility",
                WarningCode::UnknownValue,
                format!("Dialpad's contact type {other:?} has no unified visibility"),
            );
            None
        }
        None => None,
    };
    // A shared contact's `owner_id` names the company or office, not a user.
    let owner = (visibility == Some(ContactVisibility::Private))
        .then(|| text(proto.owner_id.as_deref()))
        .flatten()
        .map(|owner| Link::to(ModelId::GenericUser, owner));
    let fields = ContactFields {
        first_name: text(proto.first_name.as_deref()),
        last_name: text(proto.last_name.as_deref()),
        email: emails.first().cloned(),
        emails,
        phone: phones.first().cloned(),
        phones,
        company_name: text(proto.company_name.as_deref()),
        job_title: text(proto.job_title.as_deref()),
        urls: proto
            .urls
            .iter()
            .filter(|u| !u.trim().is_empty())
            .cloned()
            .collect(),
        extension: text(proto.extension.as_deref()),
        visibility,
        owner,
    };
    let mut resource = Resource::new(id, fields);
    resource.warnings = warnings.into_vec();
    Ok(resource)
}

/// The `POST /api/v2/contacts` body. A private contact is a local contact of its owner.
pub(crate) fn create_body(input: &ContactCreate) -> CreateContactMessage {
    CreateContactMessage {
        first_name: Some(input.first_name.as_str().to_owned()),
        last_name: Some(input.last_name.as_str().to_owned()),
        emails: input.emails.iter().map(|e| e.as_str().to_owned()).collect(),
        phones: input.phones.iter().map(|p| p.as_str().to_owned()).collect(),
        company_name: input.company_name.as_ref().map(|n| n.as_str().to_owned()),
        job_title: input.job_title.as_ref().map(|n| n.as_str().to_owned()),
        urls: input.urls.clone(),
        extension: input.extension.clone(),
        owner_id: input.scope.owner().map(str::to_owned),
        trunk_group: None,
    }
}

/// Whether the update changes the primary address of a list without replacing it, so the
/// stored list must be read first (Dialpad replaces whole lists).
pub(crate) fn needs_current(input: &ContactUpdate) -> bool {
    partial(&input.emails) || partial(&input.phones)
}

fn partial<T>(patch: &AddressPatch<T>) -> bool {
    matches!(
        patch,
        AddressPatch::SetPrimary(_) | AddressPatch::RemovePrimary
    )
}

/// The `PATCH /api/v2/contacts/{id}` body; `current` is the stored contact when
/// [`needs_current`] says so. Stored values that do not parse are kept as they are.
pub(crate) fn update_body(
    input: &ContactUpdate,
    current: Option<&ContactProto>,
) -> UpdateContactMessage {
    let stored_emails = current
        .map(|c| stored(c.primary_email.as_deref(), &c.emails))
        .unwrap_or_default();
    let stored_phones = current
        .map(|c| stored(c.primary_phone.as_deref(), &c.phones))
        .unwrap_or_default();
    UpdateContactMessage {
        first_name: set(input.first_name.as_ref().map(|n| n.as_str().to_owned())),
        last_name: set(input.last_name.as_ref().map(|n| n.as_str().to_owned())),
        emails: list_patch(&input.emails, stored_emails, |raw, e: &Email| {
            Email::parse(raw).is_ok_and(|parsed| parsed == *e)
        }),
        phones: list_patch(&input.phones, stored_phones, |raw, p: &PhoneNumber| {
            PhoneNumber::parse(raw).is_ok_and(|parsed| parsed == *p)
        }),
        company_name: nullable(&input.company_name),
        job_title: nullable(&input.job_title),
        urls: input.urls.clone(),
        extension: nullable(&input.extension),
        trunk_group: Nullable::Absent,
    }
}

/// A stored list, primary first, without duplicates.
fn stored(primary: Option<&str>, list: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in primary.into_iter().chain(list.iter().map(String::as_str)) {
        if !item.trim().is_empty() && !out.iter().any(|o| o == item) {
            out.push(item.to_owned());
        }
    }
    out
}

/// The list to send for an address patch (`None`: leave Dialpad's list alone).
fn list_patch<T: AsRef<str>>(
    patch: &AddressPatch<T>,
    stored: Vec<String>,
    same: impl Fn(&str, &T) -> bool,
) -> Option<Vec<String>> {
    match patch {
        AddressPatch::Unchanged => None,
        AddressPatch::Replace(list) => Some(list.iter().map(|v| v.as_ref().to_owned()).collect()),
        AddressPatch::SetPrimary(primary) => {
            let mut out = vec![primary.as_ref().to_owned()];
            out.extend(stored.into_iter().filter(|raw| !same(raw, primary)));
            Some(out)
        }
        AddressPatch::RemovePrimary => Some(stored.into_iter().skip(1).collect()),
    }
}

fn set(value: Option<String>) -> Nullable<String> {
    value.map_or(Nullable::Absent, Nullable::Value)
}

/// A unified patch as Dialpad's three-state field.
pub(crate) fn nullable<T: AsRef<str>>(patch: &Patch<T>) -> Nullable<String> {
    match patch {
        Patch::Unchanged => Nullable::Absent,
        Patch::Clear => Nullable::Null,
        Patch::Set(value) => Nullable::Value(value.as_ref().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use patchbay_core::{CreateInput, SupportedFields, UpdateInput, parse_create, parse_update};
    use serde_json::{Value, json};

    use super::*;

    fn proto(value: Value) -> ContactProto {
        serde_json::from_value(value).unwrap()
    }

    fn fields(resource: &Resource) -> Value {
        serde_json::to_value(&resource.fields).unwrap()
    }

    fn create(body: &Value) -> ContactCreate {
        match parse_create(SupportedFields::of_model(MODEL), body).unwrap() {
            CreateInput::Contact(c) => c,
            other => panic!("{other:?}"),
        }
    }

    fn update(body: &Value) -> ContactUpdate {
        match parse_update(SupportedFields::of_model(MODEL), body).unwrap() {
            UpdateInput::Contact(c) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_shared_contact_maps_both_ways_with_the_primary_first() {
        let resource = to_resource(&proto(json!({
            "id": "shared_1", "type": "shared", "owner_id": "124",
            "first_name": "Ada", "last_name": "Lovelace", "company_name": "Fuzz Ball",
            "job_title": "Engineer", "extension": "101", "urls": ["https://fuzz-ball.com"],
            "emails": ["a@x.io", "ada@fuzz-ball.com"], "primary_email": "ada@fuzz-ball.com",
            "phones": ["+14155550101", "+14155550100"], "primary_phone": "+14155550100"
        })))
        .unwrap();
        assert_eq!(resource.id, "shared_1");
        assert_eq!((resource.created_at, resource.updated_at), (None, None));
        assert_eq!(
            fields(&resource),
            json!({
                "firstName": "Ada", "lastName": "Lovelace", "companyName": "Fuzz Ball",
                "jobTitle": "Engineer", "extension": "101", "urls": ["https://fuzz-ball.com"],
                "email": "ada@fuzz-ball.com", "emails": ["ada@fuzz-ball.com", "a@x.io"],
                "phone": "+14155550100", "phones": ["+14155550100", "+14155550101"],
                "visibility": "shared"
            })
        );
        assert!(resource.warnings.is_empty());
    }

    #[test]
    fn a_local_contact_is_private_and_owned() {
        let resource = to_resource(&proto(json!({
            "id": "local_1", "type": "local", "owner_id": "77", "first_name": "A",
            "last_name": "B", "emails": ["not an email"], "phones": ["(415) 555-0100"]
        })))
        .unwrap();
        let fields = fields(&resource);
        assert_eq!(fields["visibility"], "private");
        assert_eq!(
            fields["owner"],
            json!({"object": "resourceRef", "model": "genericUser", "id": "77"})
        );
        assert_eq!(
            (fields["emails"].clone(), fields["phones"].clone()),
            (json!([]), json!([]))
        );
        let warned: Vec<&str> = resource.warnings.iter().map(|w| w.field.as_str()).collect();
        assert_eq!(warned, ["emails", "phones"]);
        let unknown = to_resource(&proto(json!({"id": "x", "type": "company"}))).unwrap();
        assert_eq!(unknown.warnings[0].code, WarningCode::UnknownValue);
        assert!(to_resource(&proto(json!({"first_name": "no id"}))).is_err());
    }

    #[test]
    fn create_sends_every_field_and_the_owner_of_a_private_contact() {
        let body = create_body(&create(&json!({
            "firstName": "Ada", "lastName": "Lovelace", "email": "ada@x.io",
            "emails": ["b@x.io"], "phone": "+14155550100", "companyName": "Fuzz",
            "jobTitle": "Eng", "urls": ["https://x.io"], "extension": "12",
            "visibility": "private", "owner": "77"
        })));
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({
                "first_name": "Ada", "last_name": "Lovelace", "emails": ["ada@x.io", "b@x.io"],
                "phones": ["+14155550100"], "company_name": "Fuzz", "job_title": "Eng",
                "urls": ["https://x.io"], "extension": "12", "owner_id": "77"
            })
        );
        let shared = create_body(&create(&json!({"firstName": "A", "lastName": "B"})));
        assert_eq!(shared.owner_id, None);
    }

    #[test]
    fn update_sends_changes_nulls_and_whole_lists() {
        let input = update(&json!({
            "firstName": "Ada", "companyName": null, "extension": "7", "emails": [],
            "phones": ["+14155550100"], "urls": null
        }));
        assert!(!needs_current(&input));
        assert_eq!(
            serde_json::to_value(update_body(&input, None)).unwrap(),
            json!({
                "first_name": "Ada", "company_name": null, "extension": "7", "emails": [],
                "phones": ["+14155550100"], "urls": []
            })
        );
    }

    #[test]
    fn a_new_primary_is_merged_into_the_stored_list() {
        let stored = proto(json!({
            "id": "c", "emails": ["a@x.io", "b@X.IO", "bad"], "primary_email": "a@x.io",
            "phones": ["+14155550100", "+14155550101"]
        }));
        let input = update(&json!({"email": "b@x.io", "phone": null}));
        assert!(needs_current(&input));
        let body = serde_json::to_value(update_body(&input, Some(&stored))).unwrap();
        assert_eq!(
            body,
            json!({"emails": ["b@x.io", "a@x.io", "bad"], "phones": ["+14155550101"]})
        );
    }
}
