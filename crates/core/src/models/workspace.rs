//! `genericWorkspace`: an office, team or sub-account grouping users and numbers. Read
//! fields, field table, and the create/update inputs.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::fields::{FieldFormat, FieldSpec, FieldType};
use crate::formats;
use crate::macros::{impl_parse_enum, string_enum};
use crate::model_id::ModelId;
use crate::reader::{Reader, missing};
use crate::validate::{Patch, ValidationErrors};
use crate::values::{Name, PhoneNumber};

const MODEL: ModelId = ModelId::GenericWorkspace;

string_enum! {
    /// The state of a workspace.
    pub enum WorkspaceStatus {
        /// In service.
        Active = "active",
        /// Temporarily disabled.
        Suspended = "suspended",
        /// Being set up.
        Pending = "pending",
        /// Removed.
        Deleted = "deleted",
        /// Its subscription was cancelled.
        Cancelled = "cancelled",
    }
}

impl_parse_enum!(WorkspaceStatus);

/// The fields of a `genericWorkspace` resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceFields {
    /// The workspace's name (always present unless a `fields=` selection leaves it out).
    #[schema(required = false)]
    pub name: String,
    /// IANA time zone name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub timezone: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub country: Option<String>,
    /// The workspace's main numbers, E.164.
    #[serde(default)]
    // Not `required`: a `fields=` selection may leave it out.
    #[schema(required = false)]
    pub phone_numbers: Vec<PhoneNumber>,
    /// Workspace state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub status: Option<WorkspaceStatus>,
    /// Whether this is the account's main workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub is_primary: Option<bool>,
}

impl WorkspaceFields {
    /// Fields with only the required name set.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            timezone: None,
            country: None,
            phone_numbers: Vec::new(),
            status: None,
            is_primary: None,
        }
    }
}

/// The `genericWorkspace` field table.
pub static FIELDS: &[FieldSpec] = &[
    FieldSpec::new(
        "name",
        "Name",
        FieldType::Text,
        "The workspace's name, 1 to 250 characters.",
    )
    .read_write()
    .required()
    .sortable()
    .always_present(),
    FieldSpec::new(
        "timezone",
        "Time zone",
        FieldType::Text,
        "IANA time zone name, e.g. `Europe/Paris`.",
    )
    .format(FieldFormat::Timezone)
    .read_write(),
    FieldSpec::new(
        "country",
        "Country",
        FieldType::Text,
        "ISO 3166-1 alpha-2 country code, e.g. `FR`.",
    )
    .format(FieldFormat::Country)
    .read_write(),
    FieldSpec::new(
        "phoneNumbers",
        "Phone numbers",
        FieldType::ListText,
        "The workspace's main numbers, E.164.",
    )
    .format(FieldFormat::Phone),
    FieldSpec::new("status", "Status", FieldType::Select, "Workspace state.")
        .options(WorkspaceStatus::VALUES)
        .filters(&["status"]),
    FieldSpec::new(
        "isPrimary",
        "Is primary",
        FieldType::Boolean,
        "Whether this is the account's main workspace.",
    ),
];

/// A validated `genericWorkspace` create body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceCreate {
    /// Required.
    pub name: Name,
    /// IANA time zone name.
    pub timezone: Option<String>,
    /// ISO country code, upper case.
    pub country: Option<String>,
}

impl WorkspaceCreate {
    pub(crate) fn read(mut r: Reader<'_>) -> Result<Self, ValidationErrors> {
        let name = r.optional("name", formats::name);
        let timezone = r.optional("timezone", formats::timezone);
        let country = r.optional("country", formats::country);
        r.finish()?;
        Ok(Self {
            name: name.ok_or_else(|| missing(MODEL, "name"))?,
            timezone,
            country,
        })
    }
}

/// A validated `genericWorkspace` update body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WorkspaceUpdate {
    /// New name (cannot be cleared).
    pub name: Option<Name>,
    /// New time zone, or cleared.
    pub timezone: Patch<String>,
    /// New country, or cleared.
    pub country: Patch<String>,
}

impl WorkspaceUpdate {
    pub(crate) fn read(mut r: Reader<'_>) -> Result<Self, ValidationErrors> {
        let update = Self {
            name: r.set("name", formats::name),
            timezone: r.patch("timezone", formats::timezone),
            country: r.patch("country", formats::country),
        };
        r.finish()?;
        Ok(update)
    }

    /// Whether the update changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
