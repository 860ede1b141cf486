//! Validation on write: a create or update body (the bare fields object) becomes a typed
//! per-model input (`ContactCreate`, `UserUpdate`...) or a list of field errors with stable
//! codes. Which fields exist comes from the model's field table; which of them can be
//! written, and which are required, from the [`SupportedFields`] the body is checked against
//! (the table itself, or the table narrowed by one connector's declared support).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::error_code::{ErrorBody, ErrorCode};
use crate::macros::{impl_parse_enum, string_enum};
use crate::model_id::ModelId;
use crate::models::call::{CallCreate, CallUpdate};
use crate::models::contact_input::{ContactCreate, ContactUpdate};
use crate::models::user::{UserCreate, UserUpdate};
use crate::models::workspace::{WorkspaceCreate, WorkspaceUpdate};
use crate::operation::{Operation, OperationKind};
use crate::reader::Reader;
use crate::support::SupportedFields;

pub use crate::patch::{AddressPatch, Patch};

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
        /// Longer than allowed: a text, or a list with more items than the connector takes.
        TooLong = "too_long",
        /// The field (or filter, or option) does not exist; the message names it.
        UnknownField = "unknown_field",
        /// The field exists but the model never lets this operation write it.
        ReadOnly = "read_only",
        /// The model lets this operation write the field (or apply the filter), but the
        /// connection's connector cannot; the message names the field and the connector.
        NotSupported = "not_supported",
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

impl WriteMode {
    /// The operation verb of this write.
    pub const fn kind(self) -> OperationKind {
        match self {
            WriteMode::Create => OperationKind::Create,
            WriteMode::Update => OperationKind::Update,
        }
    }
}

/// A validated create body, one variant per model that has fields a create can set.
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
}

impl CreateInput {
    /// The model being created.
    pub const fn model(&self) -> ModelId {
        match self {
            CreateInput::Contact(_) => ModelId::GenericContact,
            CreateInput::User(_) => ModelId::GenericUser,
            CreateInput::Workspace(_) => ModelId::GenericWorkspace,
            CreateInput::Call(_) => ModelId::TelephonyCall,
        }
    }
}

/// A validated update body, one variant per model that has fields an update can change.
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
    /// Changes to a call (ending it, labelling it).
    Call(CallUpdate),
}

impl UpdateInput {
    /// The model being updated.
    pub const fn model(&self) -> ModelId {
        match self {
            UpdateInput::Contact(_) => ModelId::GenericContact,
            UpdateInput::User(_) => ModelId::GenericUser,
            UpdateInput::Workspace(_) => ModelId::GenericWorkspace,
            UpdateInput::Call(_) => ModelId::TelephonyCall,
        }
    }
}

/// Why a write body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// Nothing can be written by this operation: the model has no field it may set
    /// (transcripts), or the connector does not implement it or
    /// declares no field it can set. Answered with `OPERATION_NOT_SUPPORTED`.
    #[error("`{operation}` is not supported{}", by_connector(.connector))]
    Unsupported {
        /// The refused operation.
        operation: Operation,
        /// The connector concerned; `None` when the model itself allows no such write.
        connector: Option<&'static str>,
    },
    /// The body is invalid; every problem is listed. Answered with `VALIDATION_FAILED`.
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
}

fn by_connector(connector: &Option<&'static str>) -> String {
    match connector {
        Some(id) => format!(" by the {id} connector"),
        None => ": the model has no field this operation can set".to_owned(),
    }
}

impl WriteError {
    /// The error code the gateway answers with.
    pub const fn code(&self) -> ErrorCode {
        match self {
            WriteError::Unsupported { .. } => ErrorCode::OperationNotSupported,
            WriteError::Invalid(_) => ErrorCode::ValidationFailed,
        }
    }

    /// The field errors, for an invalid body.
    pub fn validation(&self) -> Option<&ValidationErrors> {
        match self {
            WriteError::Invalid(errors) => Some(errors),
            WriteError::Unsupported { .. } => None,
        }
    }
}

impl From<WriteError> for ErrorBody {
    fn from(error: WriteError) -> Self {
        match error {
            WriteError::Invalid(errors) => errors.into(),
            unsupported => ErrorBody::new(unsupported.code(), unsupported.to_string()),
        }
    }
}

/// Parses the body of `POST /v1/resources/{model}` (the bare fields object) against
/// `fields`: `connector.fields(model)` for a connection, or [`SupportedFields::of_model`] for
/// the model's own rules.
pub fn parse_create(fields: SupportedFields<'_>, body: &Value) -> Result<CreateInput, WriteError> {
    let model = fields.model();
    if !fields.accepts(WriteMode::Create) {
        return Err(fields.unsupported(WriteMode::Create));
    }
    let reader = Reader::new(fields, WriteMode::Create, body)?;
    Ok(match model {
        ModelId::GenericContact => CreateInput::Contact(ContactCreate::read(reader)?),
        ModelId::GenericUser => CreateInput::User(UserCreate::read(reader)?),
        ModelId::GenericWorkspace => CreateInput::Workspace(WorkspaceCreate::read(reader)?),
        ModelId::TelephonyCall => CreateInput::Call(CallCreate::read(reader)?),
        // No writable field: `accepts` refused it above.
        ModelId::TelephonyCallTranscript => {
            return Err(fields.unsupported(WriteMode::Create));
        }
    })
}

/// Parses the body of `PATCH /v1/resources/{model}/{id}` (the fields to change) against
/// `fields` (see [`parse_create`]). `{}` is a valid, empty update.
pub fn parse_update(fields: SupportedFields<'_>, body: &Value) -> Result<UpdateInput, WriteError> {
    let model = fields.model();
    if !fields.accepts(WriteMode::Update) {
        return Err(fields.unsupported(WriteMode::Update));
    }
    let reader = Reader::new(fields, WriteMode::Update, body)?;
    Ok(match model {
        ModelId::GenericContact => UpdateInput::Contact(ContactUpdate::read(reader)?),
        ModelId::GenericUser => UpdateInput::User(UserUpdate::read(reader)?),
        ModelId::GenericWorkspace => UpdateInput::Workspace(WorkspaceUpdate::read(reader)?),
        ModelId::TelephonyCall => UpdateInput::Call(CallUpdate::read(reader)?),
        // No field writable after creation: `accepts` refused it above.
        ModelId::TelephonyCallTranscript => {
            return Err(fields.unsupported(WriteMode::Update));
        }
    })
}
