//! Validation on write: a create or update body (the bare fields object) becomes a typed
//! per-model input (`ContactCreate`, `UserUpdate`...) or a list of field errors with stable
//! codes. Which fields exist, are writable or required comes from the field tables.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::macros::{impl_parse_enum, string_enum};
use crate::model_id::ModelId;
use crate::models::call::CallCreate;
use crate::models::contact::{ContactCreate, ContactUpdate};
use crate::models::user::{UserCreate, UserUpdate};
use crate::models::workspace::{WorkspaceCreate, WorkspaceUpdate};
use crate::reader::Reader;

string_enum! {
    /// The stable code of a field-level problem.
    pub enum ValidationCode {
        /// The JSON type is wrong (a number where a string is expected, a non-object body).
        InvalidType = "invalid_type",
        /// Not an email address.
        InvalidEmail = "invalid_email",
        /// Not an E.164 phone number.
        InvalidPhone = "invalid_phone",
        /// Not one of the allowed values; the message lists them.
        InvalidEnum = "invalid_enum",
        /// Not an absolute `http(s)` URL.
        InvalidUrl = "invalid_url",
        /// Not an ISO 8601 timestamp.
        InvalidDatetime = "invalid_datetime",
        /// Not a reference to a resource of the expected model.
        InvalidReference = "invalid_reference",
        /// Well-typed but outside the accepted format (time zone, country, extension, limit).
        InvalidValue = "invalid_value",
        /// A range whose start is after its end.
        InvalidRange = "invalid_range",
        /// Shorter than allowed (empty names).
        TooShort = "too_short",
        /// Longer than allowed.
        TooLong = "too_long",
        /// The field (or filter, or option) does not exist; the message names it.
        UnknownField = "unknown_field",
        /// The field exists but cannot be written by this operation.
        ReadOnly = "read_only",
        /// The field must be set (or must not be cleared).
        Required = "required",
    }
}

impl_parse_enum!(ValidationCode);

/// One field-level problem: `{"field", "code", "message"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    /// The field key, with `[index]` for list items (`emails[1]`).
    pub field: String,
    /// The stable code.
    pub code: ValidationCode,
    /// A human explanation naming the field.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, code: ValidationCode, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// A non-empty list of field errors: the `Err` of every parse in this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationErrors(Vec<FieldError>);

impl ValidationErrors {
    /// Wraps a list; `None` when it is empty, so an `Err` always names a field.
    pub fn from_vec(errors: Vec<FieldError>) -> Option<Self> {
        (!errors.is_empty()).then_some(Self(errors))
    }

    /// A single error.
    pub fn single(error: FieldError) -> Self {
        Self(vec![error])
    }

    /// The errors, in field order.
    pub fn as_slice(&self) -> &[FieldError] {
        &self.0
    }

    /// The errors as a vector.
    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    /// The first error whose field is `field`.
    pub fn get(&self, field: &str) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == field)
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [only] => f.write_str(&only.message),
            all => {
                write!(f, "{} fields are invalid: ", all.len())?;
                for (i, e) in all.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    f.write_str(&e.message)?;
                }
                Ok(())
            }
        }
    }
}

impl IntoIterator for ValidationErrors {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Whether a body creates a resource or updates one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WriteMode {
    /// `POST /v1/resources/{model}`: required fields must be present; `null` means "not set".
    Create,
    /// `PATCH /v1/resources/{model}/{id}`: absent means "unchanged", `null` means "clear".
    Update,
}

/// An update to an optional field: absent, explicitly cleared with `null`, or set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Patch<T> {
    /// The key was absent: leave the value alone.
    #[default]
    Unchanged,
    /// The key was `null`: remove the value.
    Clear,
    /// The key had a value.
    Set(T),
}

impl<T> Patch<T> {
    /// Whether the key was absent.
    pub const fn is_unchanged(&self) -> bool {
        matches!(self, Patch::Unchanged)
    }

    /// `None` when unchanged, `Some(None)` when cleared, `Some(Some(v))` when set.
    pub fn into_option(self) -> Option<Option<T>> {
        match self {
            Patch::Unchanged => None,
            Patch::Clear => Some(None),
            Patch::Set(v) => Some(Some(v)),
        }
    }

    /// Borrows the set value.
    pub const fn as_ref(&self) -> Patch<&T> {
        match self {
            Patch::Unchanged => Patch::Unchanged,
            Patch::Clear => Patch::Clear,
            Patch::Set(v) => Patch::Set(v),
        }
    }

    /// Maps the set value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Patch::Unchanged => Patch::Unchanged,
            Patch::Clear => Patch::Clear,
            Patch::Set(v) => Patch::Set(f(v)),
        }
    }
}

/// A validated create body, one variant per model.
#[derive(Debug, Clone, PartialEq)]
// Built once per request and moved into the connector: boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum CreateInput {
    /// A new contact.
    Contact(ContactCreate),
    /// A new user.
    User(UserCreate),
    /// A new workspace.
    Workspace(WorkspaceCreate),
    /// A call to place.
    Call(CallCreate),
    /// Transcripts have no writable fields; only `{}` parses.
    Transcript,
}

impl CreateInput {
    /// The model being created.
    pub const fn model(&self) -> ModelId {
        match self {
            CreateInput::Contact(_) => ModelId::GenericContact,
            CreateInput::User(_) => ModelId::GenericUser,
            CreateInput::Workspace(_) => ModelId::GenericWorkspace,
            CreateInput::Call(_) => ModelId::TelephonyCall,
            CreateInput::Transcript => ModelId::TelephonyCallTranscript,
        }
    }
}

/// A validated update body, one variant per model.
#[derive(Debug, Clone, PartialEq)]
// See `CreateInput`.
#[allow(clippy::large_enum_variant)]
pub enum UpdateInput {
    /// Changes to a contact.
    Contact(ContactUpdate),
    /// Changes to a user.
    User(UserUpdate),
    /// Changes to a workspace.
    Workspace(WorkspaceUpdate),
    /// Calls have no fields writable after creation; only `{}` parses.
    Call,
    /// Transcripts have no writable fields; only `{}` parses.
    Transcript,
}

impl UpdateInput {
    /// The model being updated.
    pub const fn model(&self) -> ModelId {
        match self {
            UpdateInput::Contact(_) => ModelId::GenericContact,
            UpdateInput::User(_) => ModelId::GenericUser,
            UpdateInput::Workspace(_) => ModelId::GenericWorkspace,
            UpdateInput::Call => ModelId::TelephonyCall,
            UpdateInput::Transcript => ModelId::TelephonyCallTranscript,
        }
    }
}

/// Parses the body of `POST /v1/resources/{model}` (the bare fields object).
pub fn parse_create(model: ModelId, body: &Value) -> Result<CreateInput, ValidationErrors> {
    Ok(match model {
        ModelId::GenericContact => CreateInput::Contact(ContactCreate::parse(body)?),
        ModelId::GenericUser => CreateInput::User(UserCreate::parse(body)?),
        ModelId::GenericWorkspace => CreateInput::Workspace(WorkspaceCreate::parse(body)?),
        ModelId::TelephonyCall => CreateInput::Call(CallCreate::parse(body)?),
        ModelId::TelephonyCallTranscript => {
            Reader::new(model, WriteMode::Create, body)?.finish()?;
            CreateInput::Transcript
        }
    })
}

/// Parses the body of `PATCH /v1/resources/{model}/{id}` (the fields to change).
pub fn parse_update(model: ModelId, body: &Value) -> Result<UpdateInput, ValidationErrors> {
    Ok(match model {
        ModelId::GenericContact => UpdateInput::Contact(ContactUpdate::parse(body)?),
        ModelId::GenericUser => UpdateInput::User(UserUpdate::parse(body)?),
        ModelId::GenericWorkspace => UpdateInput::Workspace(WorkspaceUpdate::parse(body)?),
        ModelId::TelephonyCall => {
            Reader::new(model, WriteMode::Update, body)?.finish()?;
            UpdateInput::Call
        }
        ModelId::TelephonyCallTranscript => {
            Reader::new(model, WriteMode::Update, body)?.finish()?;
            UpdateInput::Transcript
        }
    })
}
