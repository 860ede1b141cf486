//! Typed list filters. The `filters` list option arrives as string pairs (`email=...`,
//! `startedAfter=...`); each key must be one the model's field table declares filterable
//! and the connector applies, and each value is parsed into its type here, so connectors
//! read typed values only and never meet a filter they cannot apply.

use chrono::{DateTime, Utc};

use crate::fields::field_specs;
use crate::formats::resource_id;
use crate::model_id::ModelId;
use crate::models::{ContactVisibility, UserStatus, WorkspaceStatus};
use crate::support::SupportedFields;
use crate::validate::{FieldError, ValidationCode, ValidationErrors};
use crate::values::{Email, PhoneNumber};

/// The parsed `filters` of a list call. Only the filters of the listed model that the
/// connector applies can be set; see [`SupportedFields::filter_keys`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filters {
    /// `email` (contacts, users): resources having this address.
    pub email: Option<Email>,
    /// `phone` (contacts): contacts having this number.
    pub phone: Option<PhoneNumber>,
    /// `status` (users): users in this state.
    pub status: Option<UserStatus>,
    /// `status` (workspaces): workspaces in this state.
    pub workspace_status: Option<WorkspaceStatus>,
    /// `owner` (contacts): the private contacts of this user id.
    pub owner: Option<String>,
    /// `visibility` (contacts): shared (company) or private (a user's own) contacts.
    pub visibility: Option<ContactVisibility>,
    /// `startedAfter` (calls, transcripts): calls started at or after this instant.
    pub started_after: Option<DateTime<Utc>>,
    /// `startedBefore` (calls, transcripts): calls started before this instant.
    pub started_before: Option<DateTime<Utc>>,
    /// `user` (calls): calls involving this user id.
    pub user: Option<String>,
    /// `workspace` (calls): calls of this workspace (office) id.
    pub workspace: Option<String>,
    /// `call` (transcripts): the transcript of this call id.
    pub call: Option<String>,
}

/// The filter keys a model declares, from its field table (a connector may apply fewer).
pub fn filter_keys(model: ModelId) -> impl Iterator<Item = &'static str> {
    field_specs(model)
        .iter()
        .flat_map(|spec| spec.filter_keys.iter().copied())
}

impl Filters {
    /// Parses `(key, value)` pairs against the filters of `fields`. Every problem is
    /// reported, each on the field `filters.<key>`: `unknown_field` for a key the model does
    /// not declare, `not_supported` for one the connector cannot apply.
    pub fn parse<'a>(
        fields: SupportedFields<'_>,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ValidationErrors> {
        let mut filters = Filters::default();
        let mut seen: Vec<&str> = Vec::new();
        let mut errors = Vec::new();
        for (key, value) in pairs {
            let field = format!("filters.{key}");
            if seen.contains(&key) {
                errors.push(FieldError::new(
                    field,
                    ValidationCode::InvalidValue,
                    format!("filter `{key}` is given more than once"),
                ));
                continue;
            }
            seen.push(key);
            if let Err((code, message)) = filters.set(fields, key, value.trim()) {
                errors.push(FieldError::new(field, code, message));
            }
        }
        if let (Some(after), Some(before)) = (filters.started_after, filters.started_before)
            && after > before
        {
            errors.push(FieldError::new(
                "filters.startedBefore",
                ValidationCode::InvalidRange,
                "`startedBefore` must not be earlier than `startedAfter`",
            ));
        }
        ValidationErrors::from_vec(errors).map_or(Ok(filters), Err)
    }

    fn set(
        &mut self,
        fields: SupportedFields<'_>,
        key: &str,
        value: &str,
    ) -> Result<(), (ValidationCode, String)> {
        let model = fields.model();
        let usable = || {
            let keys = fields.filter_keys();
            if keys.is_empty() {
                "none".to_owned()
            } else {
                keys.join(", ")
            }
        };
        let unknown = || {
            (
                ValidationCode::UnknownField,
                format!("`{key}` is not a filter of {model}; filters: {}", usable()),
            )
        };
        if !filter_keys(model).any(|k| k == key) {
            return Err(unknown());
        }
        if !fields.supports_filter(key) {
            return Err((
                ValidationCode::NotSupported,
                format!(
                    "`{key}` is a filter of {model} that {} cannot apply; filters: {}",
                    fields.refuser(),
                    usable()
                ),
            ));
        }
        let id = |what: &str| {
            resource_id(value).ok_or((
                ValidationCode::InvalidValue,
                format!("`{key}` must be a {what} id"),
            ))
        };
        match (model, key) {
            (ModelId::GenericContact | ModelId::GenericUser, "email") => {
                self.email = Some(
                    Email::parse(value)
                        .map_err(|e| (ValidationCode::InvalidEmail, format!("`{key}`: {e}")))?,
                );
            }
            (ModelId::GenericContact, "phone") => {
                self.phone = Some(
                    PhoneNumber::parse(value)
                        .map_err(|e| (ValidationCode::InvalidPhone, format!("`{key}`: {e}")))?,
                );
            }
            (ModelId::GenericUser, "status") => {
                self.status = Some(UserStatus::from_wire(value).ok_or_else(|| {
                    (
                        ValidationCode::InvalidEnum,
                        format!(
                            "`{key}`: expected one of: {}",
                            UserStatus::VALUES.join(", ")
                        ),
                    )
                })?);
            }
            (ModelId::GenericWorkspace, "status") => {
                self.workspace_status =
                    Some(WorkspaceStatus::from_wire(value).ok_or_else(|| {
                        (
                            ValidationCode::InvalidEnum,
                            format!(
                                "`{key}`: expected one of: {}",
                                WorkspaceStatus::VALUES.join(", ")
                            ),
                        )
                    })?);
            }
            (ModelId::GenericContact, "owner") => self.owner = Some(id("genericUser")?),
            (ModelId::GenericContact, "visibility") => {
                self.visibility = Some(ContactVisibility::from_wire(value).ok_or_else(|| {
                    (
                        ValidationCode::InvalidEnum,
                        format!(
                            "`{key}`: expected one of: {}",
                            ContactVisibility::VALUES.join(", ")
                        ),
                    )
                })?);
            }
            (ModelId::TelephonyCall | ModelId::TelephonyCallTranscript, "startedAfter") => {
                self.started_after = Some(datetime(key, value)?);
            }
            (ModelId::TelephonyCall | ModelId::TelephonyCallTranscript, "startedBefore") => {
                self.started_before = Some(datetime(key, value)?);
            }
            (ModelId::TelephonyCall, "user") => self.user = Some(id("genericUser")?),
            (ModelId::TelephonyCall, "workspace") => {
                self.workspace = Some(id("genericWorkspace")?);
            }
            (ModelId::TelephonyCallTranscript, "call") => self.call = Some(id("telephonyCall")?),
            // Declared in a table but not typed here: refuse rather than ignore silently.
            _ => return Err(unknown()),
        }
        Ok(())
    }

    /// Whether no filter is set.
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    /// The keys of the filters that are set.
    pub fn keys(&self) -> Vec<&'static str> {
        let set = [
            ("email", self.email.is_some()),
            ("phone", self.phone.is_some()),
            (
                "status",
                self.status.is_some() || self.workspace_status.is_some(),
            ),
            ("owner", self.owner.is_some()),
            ("visibility", self.visibility.is_some()),
            ("startedAfter", self.started_after.is_some()),
            ("startedBefore", self.started_before.is_some()),
            ("user", self.user.is_some()),
            ("workspace", self.workspace.is_some()),
            ("call", self.call.is_some()),
        ];
        set.into_iter()
            .filter_map(|(k, on)| on.then_some(k))
            .collect()
    }
}

impl Filters {
    /// `(key, value)` of each filter set, values in their wire form; what a cursor's
    /// fingerprint digests.
    pub(crate) fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut push = |key, value: Option<String>| {
            if let Some(value) = value {
                out.push((key, value));
            }
        };
        push("email", self.email.as_ref().map(ToString::to_string));
        push("phone", self.phone.as_ref().map(ToString::to_string));
        push("status", self.status.map(|s| s.as_str().to_owned()));
        push(
            "status",
            self.workspace_status.map(|s| s.as_str().to_owned()),
        );
        push("owner", self.owner.clone());
        push("visibility", self.visibility.map(|v| v.as_str().to_owned()));
        push("startedAfter", self.started_after.map(|d| d.to_rfc3339()));
        push("startedBefore", self.started_before.map(|d| d.to_rfc3339()));
        push("user", self.user.clone());
        push("workspace", self.workspace.clone());
        push("call", self.call.clone());
        out
    }
}

fn datetime(key: &str, value: &str) -> Result<DateTime<Utc>, (ValidationCode, String)> {
    DateTime::parse_from_rfc3339(value)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| {
            (
                ValidationCode::InvalidDatetime,
                format!(
                    "`{key}` must be an ISO 8601 timestamp with a zone, e.g. `2024-05-01T00:00:00Z`"
                ),
            )
        })
}
