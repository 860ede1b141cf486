//! Call transcripts (`/api/v2/transcripts/{call_id}`): the transcript with its lines and
//! moments, and the link to read it in Dialpad.

use serde::{Deserialize, Serialize};

use super::open_enum::open_enum;
use super::wire::{Int64, NaiveUtcDateTime, null_as_empty};

/// `protos.transcript.TranscriptProto`: a call's transcript, line by line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TranscriptProto {
    /// The call's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_id: Option<Int64>,
    /// An array of individual lines of the transcript.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<TranscriptLineProto>,
}

/// `protos.transcript.TranscriptLineProto`: one line; the speaker is a user (`user_id`) or a
/// contact (`contact_id`, opaque).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TranscriptLineProto {
    /// The ID of the contact who was speaking.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    /// The transcribed text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// The name of the call participant who was speaking.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The time at which the line was spoken (naive UTC, with microseconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<NaiveUtcDateTime>,
    /// What the line is: spoken text or a detected moment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<TranscriptLineType>,
    /// The ID of the user who was speaking.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Int64>,
}

/// `protos.transcript.TranscriptUrlProto`: where the transcript can be read in Dialpad.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TranscriptUrlProto {
    /// The call's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_id: Option<Int64>,
    /// The url with which the call transcript can be accessed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

open_enum! {
    /// The kind of a transcript line.
    pub enum TranscriptLineType {
        AiQuestion => "ai_question",
        CustomMoment => "custom_moment",
        Moment => "moment",
        RealTimeMoment => "real_time_moment",
        Transcript => "transcript",
    }
}
