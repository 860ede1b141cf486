//! `genericContact`: a person in a company-wide (`shared`) or personal (`private`) address
//! book. Read fields and field table; the write inputs are in `contact_input`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::fields::{FieldFormat, FieldSpec, FieldType};
use crate::link::Link;
use crate::macros::{impl_parse_enum, string_enum};
use crate::model_id::ModelId;
use crate::values::{Email, PhoneNumber};

string_enum! {
    /// Who can see a contact.
    pub enum ContactVisibility {
        /// Everyone in the company's directory.
        Shared = "shared",
        /// Only its owner.
        Private = "private",
    }
}

impl_parse_enum!(ContactVisibility);

/// The fields of a `genericContact` resource.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactFields {
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub last_name: Option<String>,
    /// The primary email address (also listed in `emails`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub email: Option<Email>,
    /// Every email address, primary first.
    #[serde(default)]
    // Not `required`: a `fields=` selection may leave it out.
    #[schema(required = false)]
    pub emails: Vec<Email>,
    /// The primary phone number, E.164 (also listed in `phones`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub phone: Option<PhoneNumber>,
    /// Every phone number, E.164, primary first.
    #[serde(default)]
    // Not `required`: a `fields=` selection may leave it out.
    #[schema(required = false)]
    pub phones: Vec<PhoneNumber>,
    /// The contact's company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub company_name: Option<String>,
    /// The contact's job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub job_title: Option<String>,
    /// Web pages (profiles, company site).
    #[serde(default)]
    // Not `required`: a `fields=` selection may leave it out.
    #[schema(required = false)]
    pub urls: Vec<String>,
    /// Phone extension to dial after the number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub extension: Option<String>,
    /// Company-wide or personal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub visibility: Option<ContactVisibility>,
    /// The `genericUser` owning a private contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub owner: Option<Link>,
}

/// The `genericContact` field table.
pub static FIELDS: &[FieldSpec] = &[
    FieldSpec::new(
        "firstName",
        "First name",
        FieldType::Text,
        "Given name, 1 to 250 characters.",
    )
    .read_write()
    .required()
    .sortable(),
    FieldSpec::new(
        "lastName",
        "Last name",
        FieldType::Text,
        "Family name, 1 to 250 characters.",
    )
    .read_write()
    .required()
    .sortable(),
    FieldSpec::new(
        "email",
        "Email",
        FieldType::Text,
        "The primary email address, also first in `emails`. On create it is put first in \
         `emails`. On update, alone it becomes the primary and the other addresses stay; \
         `null` removes the primary (the next address becomes primary); with `emails` it is \
         put first in the new list.",
    )
    .format(FieldFormat::Email)
    .read_write()
    .filters(&["email"]),
    FieldSpec::new(
        "emails",
        "Emails",
        FieldType::ListText,
        "Every email address, primary first, without duplicates. On update it replaces \
         the whole list (`null` or `[]` clears it).",
    )
    .format(FieldFormat::Email)
    .read_write(),
    FieldSpec::new(
        "phone",
        "Phone",
        FieldType::Text,
        "The primary phone number, E.164, also first in `phones`; written like `email`.",
    )
    .format(FieldFormat::Phone)
    .read_write()
    .filters(&["phone"]),
    FieldSpec::new(
        "phones",
        "Phones",
        FieldType::ListText,
        "Every phone number, E.164, primary first, without duplicates; written like `emails`.",
    )
    .format(FieldFormat::Phone)
    .read_write(),
    FieldSpec::new(
        "companyName",
        "Company",
        FieldType::Text,
        "The contact's company.",
    )
    .read_write()
    .sortable(),
    FieldSpec::new(
        "jobTitle",
        "Job title",
        FieldType::Text,
        "The contact's job title.",
    )
    .read_write(),
    FieldSpec::new(
        "urls",
        "URLs",
        FieldType::ListText,
        "Web pages, absolute http(s) URLs.",
    )
    .format(FieldFormat::Url)
    .read_write(),
    FieldSpec::new(
        "extension",
        "Extension",
        FieldType::Text,
        "Digits to dial after the number.",
    )
    .read_write(),
    FieldSpec::new(
        "visibility",
        "Visibility",
        FieldType::Select,
        "`shared` (the company directory; the default) or `private` (its owner only; \
         needs `owner`). Set on create only.",
    )
    .options(ContactVisibility::VALUES)
    .create_only()
    .filters(&["visibility"]),
    FieldSpec::new(
        "owner",
        "Owner",
        FieldType::Reference,
        "The user owning a private contact: required with `\"visibility\": \"private\"`, \
         refused otherwise. Set on create only.",
    )
    .reference(ModelId::GenericUser)
    .create_only()
    .filters(&["owner"]),
];
