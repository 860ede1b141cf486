//! `telephonyCall`: one phone call, planned, live or finished. Read fields, field table,
//! the create input (placing a call) and the update input (ending a call, labelling it).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::fields::{FieldFormat, FieldSpec, FieldType};
use crate::formats::{self, Problem};
use crate::link::Link;
use crate::macros::{impl_parse_enum, string_enum};
use crate::model_id::ModelId;
use crate::reader::{Reader, missing};
use crate::validate::ValidationErrors;
use crate::values::{Name, PhoneNumber};

const MODEL: ModelId = ModelId::TelephonyCall;

string_enum! {
    /// Which side placed the call.
    pub enum CallDirection {
        /// The external party called in.
        Inbound = "inbound",
        /// A user called out.
        Outbound = "outbound",
    }
}

string_enum! {
    /// Where a call is in its life.
    pub enum CallStatus {
        /// Scheduled or being set up, not ringing yet.
        Planned = "planned",
        /// Ringing or connected.
        InProgress = "inProgress",
        /// Answered and ended.
        Completed = "completed",
        /// Ended without being answered (and without a voicemail).
        Missed = "missed",
        /// Sent to voicemail (a message may have been left).
        Voicemail = "voicemail",
    }
}

impl_parse_enum!(CallDirection, CallStatus);

/// The fields of a `telephonyCall` resource.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallFields {
    /// Inbound or outbound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub direction: Option<CallDirection>,
    /// Where the call is in its life.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub status: Option<CallStatus>,
    /// When it started ringing (ISO 8601 UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub started_at: Option<DateTime<Utc>>,
    /// When it was answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub answered_at: Option<DateTime<Utc>>,
    /// When it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub ended_at: Option<DateTime<Utc>>,
    /// Length in whole seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub duration: Option<u64>,
    /// Where the recording can be fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub recording_url: Option<String>,
    /// The `genericUser`s on the call.
    #[serde(default)]
    // Not `required`: a `fields=` selection may leave it out.
    #[schema(required = false)]
    pub users: Vec<Link>,
    /// The `genericContact`s matching the external party.
    #[serde(default)]
    // Not `required`: a `fields=` selection may leave it out.
    #[schema(required = false)]
    pub contacts: Vec<Link>,
    /// The external party's number: E.164 when known, else as the provider gives it
    /// (withheld numbers, short codes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub external_number: Option<String>,
    /// The account's number used, same format rules as `externalNumber`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub internal_number: Option<String>,
    /// The `telephonyCallTranscript`, when one exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub transcript: Option<Link>,
    /// Tags set on the call (dispositions, labels).
    #[serde(default)]
    // Not `required`: a `fields=` selection may leave it out.
    #[schema(required = false)]
    pub labels: Vec<String>,
}

/// The `telephonyCall` field table.
pub static FIELDS: &[FieldSpec] = &[
    FieldSpec::new(
        "direction",
        "Direction",
        FieldType::Select,
        "Inbound or outbound.",
    )
    .options(CallDirection::VALUES),
    FieldSpec::new(
        "status",
        "Status",
        FieldType::Select,
        "Where the call is in its life. An update may set `completed` to end a live call \
         (a connector may take only some values).",
    )
    .options(CallStatus::VALUES)
    .update_only(),
    FieldSpec::new(
        "startedAt",
        "Started at",
        FieldType::Datetime,
        "When the call started ringing.",
    )
    .filters(&["startedAfter", "startedBefore"])
    .sortable(),
    FieldSpec::new(
        "answeredAt",
        "Answered at",
        FieldType::Datetime,
        "When the call was answered.",
    ),
    FieldSpec::new(
        "endedAt",
        "Ended at",
        FieldType::Datetime,
        "When the call ended.",
    ),
    FieldSpec::new(
        "duration",
        "Duration",
        FieldType::Number,
        "Length of the call in whole seconds.",
    )
    .format(FieldFormat::Seconds)
    .sortable(),
    FieldSpec::new(
        "recordingUrl",
        "Recording URL",
        FieldType::Text,
        "Where the recording can be fetched.",
    )
    .format(FieldFormat::Url),
    FieldSpec::new(
        "users",
        "Users",
        FieldType::ListReference,
        "The users on the call. To place a call: the users whose devices ring first (a \
         connector may take only one; see `maxItems`).",
    )
    .reference(ModelId::GenericUser)
    .required()
    // `user` selects a user's calls; `workspace` the calls of a workspace's users.
    .filters(&["user", "workspace"]),
    FieldSpec::new(
        "contacts",
        "Contacts",
        FieldType::ListReference,
        "The contacts matching the external party.",
    )
    .reference(ModelId::GenericContact),
    FieldSpec::new(
        "externalNumber",
        "External number",
        FieldType::Text,
        "The external party's number. To place a call: the E.164 number to dial.",
    )
    .format(FieldFormat::PhoneLike)
    .required(),
    FieldSpec::new(
        "internalNumber",
        "Internal number",
        FieldType::Text,
        "The account's number used. To place a call: the E.164 caller id to show (optional).",
    )
    .format(FieldFormat::PhoneLike)
    .create_only(),
    FieldSpec::new(
        "transcript",
        "Transcript",
        FieldType::Reference,
        "The call's transcript, when one exists.",
    )
    .reference(ModelId::TelephonyCallTranscript),
    FieldSpec::new(
        "labels",
        "Labels",
        FieldType::ListText,
        "Tags set on the call. An update replaces the whole list (`null` or `[]` clears it).",
    )
    .update_only(),
];

fn status(v: &Value) -> Result<CallStatus, Problem> {
    formats::select(v, CallStatus::from_wire, CallStatus::VALUES)
}

fn user(v: &Value) -> Result<String, Problem> {
    formats::reference(v, ModelId::GenericUser)
}

/// A validated `telephonyCall` create body: place an outbound call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallCreate {
    /// Required: the E.164 number to dial.
    pub external_number: PhoneNumber,
    /// Required, non-empty: ids of the users whose devices ring first; never more than the
    /// connector's `maxItems` for `users` (validation refused the body).
    pub users: Vec<String>,
    /// The caller id to present; the user's default when `None`.
    pub internal_number: Option<PhoneNumber>,
}

impl CallCreate {
    pub(crate) fn read(mut r: Reader<'_>) -> Result<Self, ValidationErrors> {
        let external_number = r.optional("externalNumber", formats::phone);
        let users = r.list("users", user);
        let internal_number = r.optional("internalNumber", formats::phone);
        r.finish()?;
        Ok(Self {
            external_number: external_number.ok_or_else(|| missing(MODEL, "externalNumber"))?,
            users: users
                .filter(|u| !u.is_empty())
                .ok_or_else(|| missing(MODEL, "users"))?,
            internal_number,
        })
    }
}

/// A validated `telephonyCall` update body. `None` fields were absent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallUpdate {
    /// The status to move the call to (`completed` ends a live call); cannot be null.
    pub status: Option<CallStatus>,
    /// The replacement list of labels (`null` or `[]` clears it).
    pub labels: Option<Vec<Name>>,
}

impl CallUpdate {
    pub(crate) fn read(mut r: Reader<'_>) -> Result<Self, ValidationErrors> {
        let update = Self {
            status: r.set("status", status),
            labels: r.list("labels", formats::name),
        };
        r.finish()?;
        Ok(update)
    }

    /// Whether the update changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
