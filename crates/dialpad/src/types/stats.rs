//! Stats exports (`/api/v2/stats`): the request that starts an export, the request id it
//! returns, and the status polled until a CSV download URL appears.

use serde::{Deserialize, Serialize};

use super::common::TargetType;
use super::open_enum::open_enum;
use super::wire::Int64;

/// `protos.stats.ProcessStatsMessage`: the `POST /api/v2/stats` body. `days_ago_start` and
/// `days_ago_end` count back from today; `is_today` replaces them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProcessStatsMessage {
    /// Whether or not the statistics should be for trainees of the coach group `target_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coaching_group: Option<bool>,
    /// Whether or not the statistics should be for trainees of the coach team `target_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coaching_team: Option<bool>,
    /// End of the date range to get statistics for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_ago_end: Option<Int64>,
    /// Start of the date range to get statistics for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_ago_start: Option<Int64>,
    /// Aggregated statistics (`stats`) or one row per record (`records`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export_type: Option<ExportType>,
    /// How call stats are grouped; only for `stat_type` `calls`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_by: Option<GroupBy>,
    /// Whether or not the statistics are for the current day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_today: Option<bool>,
    /// ID of the office to get statistics for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_id: Option<Int64>,
    /// The type of statistics to be returned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stat_type: Option<StatType>,
    /// The target's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_id: Option<Int64>,
    /// Target's type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_type: Option<TargetType>,
    /// Timezone using a tz database name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

/// `protos.stats.ProcessingProto`: the answer to `POST /api/v2/stats`; poll `request_id`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProcessingProto {
    /// A boolean indicating whether this request has already begun processing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub already_started: Option<bool>,
    /// The processing request ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// `protos.stats.StatsProto`: a stats request's progress; `download_url` (a CSV) once complete.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StatsProto {
    /// The URL of the resulting stats file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_url: Option<String>,
    /// The file format of the resulting stats file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_type: Option<String>,
    /// The current status of the processing request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StatsStatus>,
}

open_enum! {
    /// Aggregated statistics or individual records.
    pub enum ExportType {
        Records => "records",
        Stats => "stats",
    }
}

open_enum! {
    /// What a stats export covers.
    pub enum StatType {
        Calls => "calls",
        Csat => "csat",
        Dispositions => "dispositions",
        Onduty => "onduty",
        Recordings => "recordings",
        Screenshare => "screenshare",
        Texts => "texts",
        Voicemails => "voicemails",
    }
}

open_enum! {
    /// How call stats are grouped.
    pub enum GroupBy {
        Date => "date",
        Group => "group",
        User => "user",
    }
}

open_enum! {
    /// The progress of a stats export.
    pub enum StatsStatus {
        Complete => "complete",
        Failed => "failed",
        Processing => "processing",
    }
}
