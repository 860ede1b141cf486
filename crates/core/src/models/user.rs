//! `genericUser`: a member of the provider account (an agent, an admin). Read fields,
//! field table, and the create/update inputs.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::fields::{FieldFormat, FieldSpec, FieldType};
use crate::formats::{self, Problem};
use crate::link::Link;
use crate::macros::{impl_parse_enum, string_enum};
use crate::model_id::ModelId;
use crate::reader::{Reader, missing};
use crate::validate::{Patch, ValidationErrors};
use crate::values::{Email, Name, PhoneNumber};

const MODEL: ModelId = ModelId::GenericUser;

string_enum! {
    /// The state of a user's account.
    pub enum UserStatus {
        /// Can sign in and take calls.
        Active = "active",
        /// Temporarily disabled by an admin.
        Suspended = "suspended",
        /// Invited, not yet activated.
        Pending = "pending",
        /// Removed from the account.
        Deleted = "deleted",
        /// The user's licence was cancelled.
        Cancelled = "cancelled",
    }
}

impl_parse_enum!(UserStatus);

/// The fields of a `genericUser` resource.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserFields {
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub last_name: Option<String>,
    /// The primary (sign-in) email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub email: Option<Email>,
    /// Every email address, primary first.
    #[serde(default)]
    // Not `required`: a `fields=` selection may leave it out.
    #[schema(required = false)]
    pub emails: Vec<Email>,
    /// The user's direct numbers, E.164.
    #[serde(default)]
    // Not `required`: a `fields=` selection may leave it out.
    #[schema(required = false)]
    pub phones: Vec<PhoneNumber>,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub job_title: Option<String>,
    /// Account state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub status: Option<UserStatus>,
    /// Whether the user administers the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub is_admin: Option<bool>,
    /// IANA time zone name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub timezone: Option<String>,
    /// BCP 47 language tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub language: Option<String>,
    /// Internal extension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub extension: Option<String>,
    /// The `genericWorkspace` the user belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub workspace: Option<Link>,
}

/// The `genericUser` field table.
pub static FIELDS: &[FieldSpec] = &[
    FieldSpec::new(
        "firstName",
        "First name",
        FieldType::Text,
        "Given name, 1 to 250 characters.",
    )
    .read_write()
    .sortable(),
    FieldSpec::new(
        "lastName",
        "Last name",
        FieldType::Text,
        "Family name, 1 to 250 characters.",
    )
    .read_write()
    .sortable(),
    FieldSpec::new(
        "email",
        "Email",
        FieldType::Text,
        "The primary (sign-in) email address. Set on create only.",
    )
    .format(FieldFormat::Email)
    .required()
    .filters(&["email"]),
    FieldSpec::new(
        "emails",
        "Emails",
        FieldType::ListText,
        "Every email address, primary first.",
    )
    .format(FieldFormat::Email),
    FieldSpec::new(
        "phones",
        "Phones",
        FieldType::ListText,
        "The user's direct numbers, E.164.",
    )
    .format(FieldFormat::Phone),
    FieldSpec::new("jobTitle", "Job title", FieldType::Text, "Job title.").read_write(),
    FieldSpec::new("status", "Status", FieldType::Select, "Account state.")
        .options(UserStatus::VALUES)
        .filters(&["status"]),
    FieldSpec::new(
        "isAdmin",
        "Is admin",
        FieldType::Boolean,
        "Whether the user administers the account.",
    )
    .read_write(),
    FieldSpec::new(
        "timezone",
        "Time zone",
        FieldType::Text,
        "IANA time zone name, e.g. `Europe/Paris`.",
    )
    .format(FieldFormat::Timezone)
    .read_write(),
    FieldSpec::new(
        "language",
        "Language",
        FieldType::Text,
        "BCP 47 language tag, e.g. `en` or `fr-CA`.",
    )
    .format(FieldFormat::Language)
    .read_write(),
    FieldSpec::new(
        "extension",
        "Extension",
        FieldType::Text,
        "Internal extension (digits).",
    )
    .read_write(),
    FieldSpec::new(
        "workspace",
        "Workspace",
        FieldType::Reference,
        "The workspace the user belongs to: the connector's default when absent on create \
         (some connectors require it); an update moves the user (it cannot be cleared).",
    )
    .reference(ModelId::GenericWorkspace)
    .read_write(),
];

fn workspace(v: &Value) -> Result<String, Problem> {
    formats::reference(v, ModelId::GenericWorkspace)
}

/// A validated `genericUser` create body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCreate {
    /// Required: the sign-in address.
    pub email: Email,
    /// Given name.
    pub first_name: Option<Name>,
    /// Family name.
    pub last_name: Option<Name>,
    /// Job title.
    pub job_title: Option<Name>,
    /// Admin flag.
    pub is_admin: Option<bool>,
    /// IANA time zone name.
    pub timezone: Option<String>,
    /// BCP 47 language tag.
    pub language: Option<String>,
    /// Internal extension (digits).
    pub extension: Option<String>,
    /// Workspace id; the connector's default when `None` (never `None` when the connector
    /// declares it required: validation refused the body).
    pub workspace: Option<String>,
}

impl UserCreate {
    pub(crate) fn read(mut r: Reader<'_>) -> Result<Self, ValidationErrors> {
        let email = r.optional("email", formats::email);
        let first_name = r.optional("firstName", formats::name);
        let last_name = r.optional("lastName", formats::name);
        let job_title = r.optional("jobTitle", formats::name);
        let is_admin = r.optional("isAdmin", formats::boolean);
        let timezone = r.optional("timezone", formats::timezone);
        let language = r.optional("language", formats::language);
        let extension = r.optional("extension", formats::extension);
        let workspace = r.optional("workspace", workspace);
        r.finish()?;
        Ok(Self {
            email: email.ok_or_else(|| missing(MODEL, "email"))?,
            first_name,
            last_name,
            job_title,
            is_admin,
            timezone,
            language,
            extension,
            workspace,
        })
    }
}

/// A validated `genericUser` update body. `None`/`Unchanged` fields were absent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserUpdate {
    /// New given name, or cleared.
    pub first_name: Patch<Name>,
    /// New family name, or cleared.
    pub last_name: Patch<Name>,
    /// New job title, or cleared.
    pub job_title: Patch<Name>,
    /// New admin flag (cannot be null).
    pub is_admin: Option<bool>,
    /// New time zone, or cleared (back to the workspace's).
    pub timezone: Patch<String>,
    /// New language, or cleared (back to the workspace's).
    pub language: Patch<String>,
    /// New extension, or cleared.
    pub extension: Patch<String>,
    /// The workspace id to move the user to (cannot be null).
    pub workspace: Option<String>,
}

impl UserUpdate {
    pub(crate) fn read(mut r: Reader<'_>) -> Result<Self, ValidationErrors> {
        let update = Self {
            first_name: r.patch("firstName", formats::name),
            last_name: r.patch("lastName", formats::name),
            job_title: r.patch("jobTitle", formats::name),
            is_admin: r.set("isAdmin", formats::boolean),
            timezone: r.patch("timezone", formats::timezone),
            language: r.patch("language", formats::language),
            extension: r.patch("extension", formats::extension),
            workspace: r.set("workspace", workspace),
        };
        r.finish()?;
        Ok(update)
    }

    /// Whether the update changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
