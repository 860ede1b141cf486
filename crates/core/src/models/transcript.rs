//! `telephonyCallTranscript`: what was said on a call, split into timed segments, with the
//! speakers and notable moments. Read-only: transcripts are produced by the provider.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::fields::{FieldFormat, FieldSpec, FieldType};
use crate::link::Link;
use crate::macros::{impl_parse_enum, string_enum};
use crate::model_id::ModelId;

string_enum! {
    /// Which side of the call a speaker is on.
    pub enum SpeakerOrigin {
        /// A user of the account.
        Internal = "internal",
        /// The external party.
        External = "external",
        /// Not known.
        Unknown = "unknown",
    }
}

impl_parse_enum!(SpeakerOrigin);

/// The fields of a `telephonyCallTranscript` resource.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptFields {
    /// The `telephonyCall` transcribed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub call: Option<Link>,
    /// Seconds from the first line to the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub duration: Option<u64>,
    /// What was said, in order. Empty when the transcript has no speech yet.
    #[serde(default)]
    // Not `required`: a `fields=` selection may leave it out.
    #[schema(required = false)]
    pub segments: Vec<Segment>,
    /// Everyone who spoke.
    #[serde(default)]
    // Not `required`: a `fields=` selection may leave it out.
    #[schema(required = false)]
    pub speakers: Vec<Speaker>,
    /// Notable moments detected by the provider (action items, questions...).
    #[serde(default)]
    // Not `required`: a `fields=` selection may leave it out.
    #[schema(required = false)]
    pub moments: Vec<Moment>,
}

/// One utterance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Segment {
    /// Seconds from the first line of the transcript.
    pub start: f64,
    /// Seconds from the first line of the transcript.
    pub end: f64,
    /// The words.
    pub text: String,
    /// The `Speaker.id` who said it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub speaker_id: Option<String>,
}

/// Someone who spoke.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Speaker {
    /// Stable within this transcript; what `Segment.speakerId` refers to.
    pub id: String,
    /// Which side of the call.
    pub origin: SpeakerOrigin,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    /// The speaker's number, as the provider gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub phone: Option<String>,
    /// The `genericUser`, for internal speakers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub user: Option<Link>,
    /// The `genericContact`, for external speakers matched to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub contact: Option<Link>,
}

/// A notable moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Moment {
    /// The provider's kind of moment (e.g. `action_item`, `question`).
    #[serde(rename = "type")]
    pub moment_type: String,
    /// A human label or the moment's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub label: Option<String>,
    /// Seconds from the first line of the transcript.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub at: Option<f64>,
}

/// The `telephonyCallTranscript` field table.
pub static FIELDS: &[FieldSpec] = &[
    FieldSpec::new(
        "call",
        "Call",
        FieldType::Reference,
        "The call transcribed.",
    )
    .reference(ModelId::TelephonyCall)
    // A transcript list needs its calls: one call, or the calls started in a window.
    .filters(&["call", "startedAfter", "startedBefore"]),
    FieldSpec::new(
        "duration",
        "Duration",
        FieldType::Number,
        "Seconds from the first line to the last.",
    )
    .format(FieldFormat::Seconds),
    FieldSpec::new(
        "segments",
        "Segments",
        FieldType::ListObject,
        "What was said: `{start, end, text, speakerId}`, times in seconds from the first line.",
    ),
    FieldSpec::new(
        "speakers",
        "Speakers",
        FieldType::ListObject,
        "Who spoke: `{id, origin, name, phone, user, contact}`.",
    ),
    FieldSpec::new(
        "moments",
        "Moments",
        FieldType::ListObject,
        "Notable moments: `{type, label, at}`.",
    ),
];
