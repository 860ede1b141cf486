//! `genericContact` writes. Two rules sit on top of the field table: `email`/`emails` (and
//! `phone`/`phones`) end as one list, primary first, without duplicates; and `owner` goes
//! with `"visibility": "private"` only, which needs it (a private contact belongs to one
//! user; without a visibility a contact is `shared`, on every connector).

use serde_json::Value;

use crate::formats::{self, Problem};
use crate::model_id::ModelId;
use crate::models::contact::ContactVisibility;
use crate::patch::primary_first;
use crate::reader::{Reader, missing};
use crate::validate::{AddressPatch, FieldError, Patch, ValidationCode, ValidationErrors};
use crate::values::{Email, Name, PhoneNumber};

const MODEL: ModelId = ModelId::GenericContact;

fn visibility(v: &Value) -> Result<ContactVisibility, Problem> {
    formats::select(v, ContactVisibility::from_wire, ContactVisibility::VALUES)
}

fn owner(v: &Value) -> Result<String, Problem> {
    formats::reference(v, ModelId::GenericUser)
}

/// Who sees a new contact: `visibility` and `owner` of a create body, checked together.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ContactScope {
    /// `"visibility": "shared"`, or no visibility: the company directory.
    #[default]
    Shared,
    /// `"visibility": "private"` with `owner`: only that user sees it.
    Private {
        /// The owning user's id.
        owner: String,
    },
}

impl ContactScope {
    /// The visibility.
    pub const fn visibility(&self) -> ContactVisibility {
        match self {
            ContactScope::Shared => ContactVisibility::Shared,
            ContactScope::Private { .. } => ContactVisibility::Private,
        }
    }

    /// The owner's id, for a private contact.
    pub fn owner(&self) -> Option<&str> {
        match self {
            ContactScope::Shared => None,
            ContactScope::Private { owner } => Some(owner),
        }
    }
}

/// A validated `genericContact` create body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactCreate {
    /// Required.
    pub first_name: Name,
    /// Required.
    pub last_name: Name,
    /// Every email address: `email` first when given, then `emails`, without duplicates.
    pub emails: Vec<Email>,
    /// Every phone number: `phone` first when given, then `phones`, without duplicates.
    pub phones: Vec<PhoneNumber>,
    /// Company name.
    pub company_name: Option<Name>,
    /// Job title.
    pub job_title: Option<Name>,
    /// Web pages.
    pub urls: Vec<String>,
    /// Phone extension (digits).
    pub extension: Option<String>,
    /// Who sees it.
    pub scope: ContactScope,
}

impl ContactCreate {
    /// The primary email (the first of `emails`).
    pub fn primary_email(&self) -> Option<&Email> {
        self.emails.first()
    }

    /// The primary phone (the first of `phones`).
    pub fn primary_phone(&self) -> Option<&PhoneNumber> {
        self.phones.first()
    }

    pub(crate) fn read(mut r: Reader<'_>) -> Result<Self, ValidationErrors> {
        let first_name = r.optional("firstName", formats::name);
        let last_name = r.optional("lastName", formats::name);
        let email = r.optional("email", formats::email);
        let emails = r.list("emails", formats::email).unwrap_or_default();
        let phone = r.optional("phone", formats::phone);
        let phones = r.list("phones", formats::phone).unwrap_or_default();
        let company_name = r.optional("companyName", formats::name);
        let job_title = r.optional("jobTitle", formats::name);
        let urls = r.list("urls", formats::url).unwrap_or_default();
        let extension = r.optional("extension", formats::extension);
        let visibility = r.optional("visibility", visibility);
        let owner = r.optional("owner", owner);
        let scope = scope(&mut r, visibility, owner);
        r.finish()?;
        Ok(Self {
            first_name: first_name.ok_or_else(|| missing(MODEL, "firstName"))?,
            last_name: last_name.ok_or_else(|| missing(MODEL, "lastName"))?,
            emails: primary_first(email, emails),
            phones: primary_first(phone, phones),
            company_name,
            job_title,
            urls,
            extension,
            scope,
        })
    }
}

/// Checks `visibility` and `owner` together; errors go on `owner`.
fn scope(
    r: &mut Reader<'_>,
    visibility: Option<ContactVisibility>,
    owner: Option<String>,
) -> ContactScope {
    match (visibility, owner) {
        (Some(ContactVisibility::Private), Some(owner)) => ContactScope::Private { owner },
        (Some(ContactVisibility::Private), None) => {
            if !r.has_error("owner") {
                r.error(FieldError::new(
                    "owner",
                    ValidationCode::Required,
                    "`owner` is required when `visibility` is `private`: a private contact \
                     belongs to one user",
                ));
            }
            ContactScope::Shared
        }
        (_, Some(_)) => {
            if !r.has_error("visibility") {
                r.error(FieldError::new(
                    "owner",
                    ValidationCode::InvalidValue,
                    "`owner` can only be set on a private contact; add \
                     `\"visibility\": \"private\"`",
                ));
            }
            ContactScope::Shared
        }
        (_, None) => ContactScope::Shared,
    }
}

/// A validated `genericContact` update body. `None`/`Unchanged` fields were absent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactUpdate {
    /// New given name (cannot be cleared).
    pub first_name: Option<Name>,
    /// New family name (cannot be cleared).
    pub last_name: Option<Name>,
    /// The change to the emails, from `email` and `emails` (see [`AddressPatch`]).
    pub emails: AddressPatch<Email>,
    /// The change to the phones, from `phone` and `phones` (see [`AddressPatch`]).
    pub phones: AddressPatch<PhoneNumber>,
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
    pub(crate) fn read(mut r: Reader<'_>) -> Result<Self, ValidationErrors> {
        let email = r.patch("email", formats::email);
        let emails = r.list("emails", formats::email);
        let phone = r.patch("phone", formats::phone);
        let phones = r.list("phones", formats::phone);
        let update = Self {
            first_name: r.set("firstName", formats::name),
            last_name: r.set("lastName", formats::name),
            emails: address_patch(&mut r, ("email", "emails"), email, emails),
            phones: address_patch(&mut r, ("phone", "phones"), phone, phones),
            company_name: r.patch("companyName", formats::name),
            job_title: r.patch("jobTitle", formats::name),
            urls: r.list("urls", formats::url),
            extension: r.patch("extension", formats::extension),
        };
        r.finish()?;
        Ok(update)
    }

    /// Whether the update changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Combines the primary key's patch and the list key's value (see [`AddressPatch`]).
fn address_patch<T: PartialEq>(
    r: &mut Reader<'_>,
    (primary_key, list_key): (&str, &str),
    primary: Patch<T>,
    list: Option<Vec<T>>,
) -> AddressPatch<T> {
    match (primary, list) {
        (Patch::Unchanged, None) => AddressPatch::Unchanged,
        (Patch::Set(primary), None) => AddressPatch::SetPrimary(primary),
        (Patch::Clear, None) => AddressPatch::RemovePrimary,
        (Patch::Unchanged, Some(list)) => AddressPatch::Replace(primary_first(None, list)),
        (Patch::Set(primary), Some(list)) => {
            AddressPatch::Replace(primary_first(Some(primary), list))
        }
        (Patch::Clear, Some(list)) if list.is_empty() => AddressPatch::Replace(list),
        (Patch::Clear, Some(_)) => {
            r.error(FieldError::new(
                primary_key,
                ValidationCode::InvalidValue,
                format!(
                    "`{primary_key}` cannot be null while `{list_key}` lists items: the first \
                     of `{list_key}` becomes the primary; omit `{primary_key}`"
                ),
            ));
            AddressPatch::Unchanged
        }
    }
}
