//! Dialpad contacts (`/api/v2/contacts`): the contact object, its list page, and the create,
//! create-by-uid (PUT) and update bodies. Contact ids are opaque strings.

use serde::{Deserialize, Serialize};

use super::common::{Collection, ContactType};
use super::wire::{Nullable, null_as_empty};

/// `protos.contact.ContactCollection`: a page of contacts.
pub type ContactCollection = Collection<ContactProto>;

/// `protos.contact.ContactProto`: a contact. Its `id` is an opaque string, not an int64.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactProto {
    /// The name of the company that this contact is employed by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// The formatted name that will be displayed for this contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The email addresses associated with this contact.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
    /// The contact's extension number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// The given name of the contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// The ID of the contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The job title of this contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// The family name of the contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The ID of the entity that owns this contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// The phone numbers associated with this contact.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<String>,
    /// The email address to display in a context where only one email can be shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_email: Option<String>,
    /// The primary phone number to be used when calling this contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_phone: Option<String>,
    /// Deprecated by Dialpad.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trunk_group: Option<String>,
    /// Either shared or local.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<ContactType>,
    /// A list of websites associated with or belonging to this contact.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
}

/// `protos.contact.CreateContactMessage`: the `POST /api/v2/contacts` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateContactMessage {
    /// The contact's company name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// The contact's emails.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
    /// The contact's extension number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// The contact's first name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// The contact's job title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// The contact's last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The id of the user who will own this contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// The contact's phone numbers.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<String>,
    /// Deprecated by Dialpad.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trunk_group: Option<String>,
    /// A list of websites associated with or belonging to this contact.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
}

/// `protos.contact.CreateContactMessageWithUid`: the `PUT /api/v2/contacts` body (create or
/// update by caller-chosen `uid`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateContactMessageWithUid {
    /// The contact's company name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// The contact's emails.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
    /// The contact's extension number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// The contact's first name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// The contact's job title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// The contact's last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The contact's phone numbers.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<String>,
    /// Deprecated by Dialpad.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trunk_group: Option<String>,
    /// The unique id to be included as part of the contact's generated id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// A list of websites associated with or belonging to this contact.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
}

/// `protos.contact.UpdateContactMessage`: the PATCH body. Each scalar is [`Nullable`]: absent
/// leaves it, `Null` clears it. A list left `None` is kept; `Some(vec![])` empties it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateContactMessage {
    /// The contact's company name.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub company_name: Nullable<String>,
    /// The contact's emails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<String>>,
    /// The contact's extension number.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub extension: Nullable<String>,
    /// The contact's first name.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub first_name: Nullable<String>,
    /// The contact's job title.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub job_title: Nullable<String>,
    /// The contact's last name.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub last_name: Nullable<String>,
    /// The contact's phone numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phones: Option<Vec<String>>,
    /// Deprecated by Dialpad.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub trunk_group: Nullable<String>,
    /// A list of websites associated with or belonging to this contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urls: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    // Neither spec version has a contact example, so this stands in for the golden test.
    #[test]
    fn contact_keeps_its_opaque_id_and_round_trips() {
        let body = json!({
            "company_name": "Fuzz Ball", "display_name": "Ada Lovelace",
            "emails": ["ada@fuzz-ball.com"], "extension": "101", "first_name": "Ada",
            "id": "shared_ag5kZXZ-dWJlci12b2ljZXIOCxIHQ29udGFjdBjoBww", "job_title": "Engineer",
            "last_name": "Lovelace", "owner_id": "5835806903417907", "phones": ["+14155550100"],
            "primary_email": "ada@fuzz-ball.com", "primary_phone": "+14155550100",
            "type": "shared", "urls": ["https://fuzz-ball.com"]
        });
        let contact: ContactProto = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(contact.r#type, Some(ContactType::Shared));
        assert_eq!(
            contact.id.as_deref(),
            Some("shared_ag5kZXZ-dWJlci12b2ljZXIOCxIHQ29udGFjdBjoBww")
        );
        assert_eq!(serde_json::to_value(&contact).unwrap(), body);

        let page: ContactCollection =
            serde_json::from_value(json!({"items": [{"id": "c1", "type": "company"}]})).unwrap();
        assert_eq!(
            page.items[0].r#type,
            Some(ContactType::Other("company".to_owned()))
        );
    }

    #[test]
    fn update_sends_set_fields_and_nulls_and_leaves_out_the_rest() {
        let update = UpdateContactMessage {
            first_name: Nullable::Value("Ada".to_owned()),
            job_title: Nullable::Null,
            urls: Some(Vec::new()),
            ..UpdateContactMessage::default()
        };
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({"first_name": "Ada", "job_title": null, "urls": []})
        );
        let read: UpdateContactMessage =
            serde_json::from_value(json!({"company_name": null, "last_name": "L"})).unwrap();
        assert!(read.company_name.is_null());
        assert_eq!(read.last_name, Nullable::Value("L".to_owned()));
        assert!(read.first_name.is_absent());
    }
}
