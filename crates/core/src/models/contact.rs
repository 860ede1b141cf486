//! `genericContact`: a person in a company-wide (`shared`) or personal (`private`) address
//! book. Read fields, field table, and the create/update inputs.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::fields::{FieldFormat, FieldSpec, FieldType};
use crate::link::Link;
use crate::macros::{impl_parse_enum, string_enum};
use crate::model_id::ModelId;
use crate::reader::{self, Reader, missing};
use crate::validate::{Patch, ValidationErrors, WriteMode};
use crate::values::{Email, Name, PhoneNumber};

const MODEL: ModelId = ModelId::GenericContact;

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
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The primary email address (also listed in `emails`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    /// Every email address, primary first.
    #[serde(default)]
    pub emails: Vec<Email>,
    /// The primary phone number, E.164 (also listed in `phones`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<PhoneNumber>,
    /// Every phone number, E.164, primary first.
    #[serde(default)]
    pub phones: Vec<PhoneNumber>,
    /// The contact's company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// The contact's job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// Web pages (profiles, company site).
    #[serde(default)]
    pub urls: Vec<String>,
    /// Phone extension to dial after the number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// Company-wide or personal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<ContactVisibility>,
    /// The `genericUser` owning a private contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    .required(),
    FieldSpec::new(
        "lastName",
        "Last name",
        FieldType::Text,
        "Family name, 1 to 250 characters.",
    )
    .read_write()
    .required(),
    FieldSpec::new(
        "email",
        "Email",
        FieldType::Text,
        "The primary email address.",
    )
    .format(FieldFormat::Email)
    .read_write()
    .filters(&["email"]),
    FieldSpec::new(
        "emails",
        "Emails",
        FieldType::ListText,
        "Every email address, primary first.",
    )
    .format(FieldFormat::Email)
    .read_write(),
    FieldSpec::new(
        "phone",
        "Phone",
        FieldType::Text,
        "The primary phone number, E.164.",
    )
    .format(FieldFormat::Phone)
    .read_write()
    .filters(&["phone"]),
    FieldSpec::new(
        "phones",
        "Phones",
        FieldType::ListText,
        "Every phone number, E.164, primary first.",
    )
    .format(FieldFormat::Phone)
    .read_write(),
    FieldSpec::new(
        "companyName",
        "Company",
        FieldType::Text,
        "The contact's company.",
    )
    .read_write(),
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
        "`shared` (company directory) or `private` (its owner only). Set on create only.",
    )
    .options(ContactVisibility::VALUES)
    .create_only(),
    FieldSpec::new(
        "owner",
        "Owner",
        FieldType::Reference,
        "The user owning a private contact. Set on create only.",
    )
    .reference(ModelId::GenericUser)
    .create_only(),
];

fn visibility(v: &Value) -> Result<ContactVisibility, reader::Problem> {
    reader::select(v, ContactVisibility::from_wire, ContactVisibility::VALUES)
}

fn owner(v: &Value) -> Result<String, reader::Problem> {
    reader::reference(v, ModelId::GenericUser)
}

/// A validated `genericContact` create body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactCreate {
    /// Required.
    pub first_name: Name,
    /// Required.
    pub last_name: Name,
    /// The primary email; connectors list it first among `emails`.
    pub email: Option<Email>,
    /// Email addresses.
    pub emails: Vec<Email>,
    /// The primary phone; connectors list it first among `phones`.
    pub phone: Option<PhoneNumber>,
    /// Phone numbers.
    pub phones: Vec<PhoneNumber>,
    /// Company name.
    pub company_name: Option<Name>,
    /// Job title.
    pub job_title: Option<Name>,
    /// Web pages.
    pub urls: Vec<String>,
    /// Phone extension (digits).
    pub extension: Option<String>,
    /// Visibility; the connector's default when `None`.
    pub visibility: Option<ContactVisibility>,
    /// Owning user id.
    pub owner: Option<String>,
}

impl ContactCreate {
    /// Parses a create body.
    pub fn parse(body: &Value) -> Result<Self, ValidationErrors> {
        let mut r = Reader::new(MODEL, WriteMode::Create, body)?;
        let first_name = r.optional("firstName", reader::name);
        let last_name = r.optional("lastName", reader::name);
        let email = r.optional("email", reader::email);
        let emails = r.list("emails", reader::email).unwrap_or_default();
        let phone = r.optional("phone", reader::phone);
        let phones = r.list("phones", reader::phone).unwrap_or_default();
        let company_name = r.optional("companyName", reader::name);
        let job_title = r.optional("jobTitle", reader::name);
        let urls = r.list("urls", reader::url).unwrap_or_default();
        let extension = r.optional("extension", reader::extension);
        let visibility = r.optional("visibility", visibility);
        let owner = r.optional("owner", owner);
        r.finish()?;
        let first_name = first_name.ok_or_else(|| missing(MODEL, "firstName"))?;
        let last_name = last_name.ok_or_else(|| missing(MODEL, "lastName"))?;
        Ok(Self {
            first_name,
            last_name,
            email,
            emails,
            phone,
            phones,
            company_name,
            job_title,
            urls,
            extension,
            visibility,
            owner,
        })
    }
}

/// A validated `genericContact` update body. `None`/`Unchanged` fields were absent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactUpdate {
    /// New given name (cannot be cleared).
    pub first_name: Option<Name>,
    /// New family name (cannot be cleared).
    pub last_name: Option<Name>,
    /// New primary email, or cleared.
    pub email: Patch<Email>,
    /// Replacement list of emails (`null` or `[]` clears).
    pub emails: Option<Vec<Email>>,
    /// New primary phone, or cleared.
    pub phone: Patch<PhoneNumber>,
    /// Replacement list of phones (`null` or `[]` clears).
    pub phones: Option<Vec<PhoneNumber>>,
    /// New company name, or cleared.
    pub company_name: Patch<Name>,
    /// New job title, or cleared.
    pub job_title: Patch<Name>,
    /// Replacement list of URLs (`null` or `[]` clears).
    pub urls: Option<Vec<String>>,
    /// New extension, or cleared.
    pub extension: Patch<String>,
}

impl ContactUpdate {
    /// Parses an update body.
    pub fn parse(body: &Value) -> Result<Self, ValidationErrors> {
        let mut r = Reader::new(MODEL, WriteMode::Update, body)?;
        let update = Self {
            first_name: r.set("firstName", reader::name),
            last_name: r.set("lastName", reader::name),
            email: r.patch("email", reader::email),
            emails: r.list("emails", reader::email),
            phone: r.patch("phone", reader::phone),
            phones: r.list("phones", reader::phone),
            company_name: r.patch("companyName", reader::name),
            job_title: r.patch("jobTitle", reader::name),
            urls: r.list("urls", reader::url),
            extension: r.patch("extension", reader::extension),
        };
        r.finish()?;
        Ok(update)
    }

    /// Whether the update changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
