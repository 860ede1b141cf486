//! `POST /api/v2/stats` bodies parsed into a normalised query: the enums, the date
//! range (`is_today` or `days_ago_start`..`days_ago_end`), the scope (company, office
//! or target), the time zone and the grouping. Two bodies that mean the same thing
//! parse to equal queries, which is what the request cache keys on.

use axum::http::StatusCode;
use chrono::{Days, NaiveDate};
use serde::Deserialize;

use super::tz::Zone;
use crate::api::required;
use crate::error::{ApiError, ApiResult};
use crate::ids::de_opt_i64;
use crate::world::Company;

/// The longest `days_ago` range the sandbox accepts (Dialpad documents none).
pub const MAX_SPAN_DAYS: i64 = 90;
/// The furthest back a `days_ago` range may reach (Dialpad documents no bound): ten
/// years, far beyond any seeded data, and far from the limits of the calendar.
pub const MAX_DAYS_AGO: i64 = 3650;

/// `protos.stats.ProcessStatsMessage`.
#[derive(Debug, Default, Deserialize)]
pub struct ProcessStatsMessage {
    pub export_type: Option<String>,
    pub stat_type: Option<String>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub days_ago_start: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub days_ago_end: Option<i64>,
    pub is_today: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub office_id: Option<i64>,
    pub target_type: Option<String>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub target_id: Option<i64>,
    pub timezone: Option<String>,
    pub group_by: Option<String>,
    pub coaching_group: Option<bool>,
    pub coaching_team: Option<bool>,
}

macro_rules! string_enum {
    ($name:ident, $field:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            fn parse(raw: &str) -> ApiResult<Self> {
                match raw {
                    $($text => Ok(Self::$variant),)+
                    other => Err(ApiError::bad_request(format!(
                        "invalid {} {other:?}: expected one of {}",
                        $field,
                        Self::ALL.join(", ")
                    ))),
                }
            }
        }
    };
}

string_enum!(ExportType, "export_type" { Records => "records", Stats => "stats" });
string_enum!(StatType, "stat_type" {
    Calls => "calls", Csat => "csat", Dispositions => "dispositions", Onduty => "onduty",
    Recordings => "recordings", Screenshare => "screenshare", Texts => "texts",
    Voicemails => "voicemails",
});
string_enum!(TargetType, "target_type" {
    Callcenter => "callcenter", Coachinggroup => "coachinggroup", Coachingteam => "coachingteam",
    Department => "department", Office => "office", Room => "room", Staffgroup => "staffgroup",
    Unknown => "unknown", User => "user",
});
string_enum!(GroupBy, "group_by" { Date => "date", Group => "group", User => "user" });

/// Which days a request covers, relative to the day it is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Range {
    Today,
    /// `start` is the most recent day (0 = today), `end` the oldest.
    DaysAgo {
        start: i64,
        end: i64,
    },
}

/// Whose data a request covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Company,
    Office(i64),
    Target(TargetType, i64),
}

impl Scope {
    /// The office a request is for, which `group_by: group` needs.
    fn office(self) -> Option<i64> {
        match self {
            Self::Office(id) | Self::Target(TargetType::Office, id) => Some(id),
            _ => None,
        }
    }
}

/// A normalised, validated stats request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatsQuery {
    pub export: ExportType,
    pub stat: StatType,
    pub range: Range,
    pub scope: Scope,
    pub zone: Zone,
    /// Only for `stats` exports of `calls` (defaults to `user`); otherwise ignored.
    pub group_by: Option<GroupBy>,
    pub coaching_group: bool,
    pub coaching_team: bool,
}

/// The instants a request covers, fixed when it is made: `[from_ms, to_ms)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from_ms: i64,
    pub to_ms: i64,
    /// The requester's local date when the request was made.
    pub today: NaiveDate,
}

/// An office, user or call center id: positive, like every int64 id Dialpad issues.
fn positive_id(value: Option<i64>, field: &str) -> ApiResult<Option<i64>> {
    match value {
        Some(id) if id <= 0 => Err(ApiError::bad_request(format!(
            "invalid {field} {id}: ids are positive"
        ))),
        other => Ok(other),
    }
}

/// Validates `days_ago_start`..`days_ago_end`. Every comparison stays within range:
/// after the sign and order checks `0 <= start <= end`, so `end - start` cannot
/// overflow, and nothing is added before the bounds are known.
fn days_ago(start: i64, end: i64) -> ApiResult<Range> {
    if start < 0 || end < 0 {
        return Err(ApiError::bad_request(
            "days_ago_start and days_ago_end must not be negative",
        ));
    }
    if start > end {
        return Err(ApiError::bad_request(format!(
            "days_ago_start ({start}) must not be greater than days_ago_end ({end}): \
             the range runs from days_ago_end days ago to days_ago_start days ago"
        )));
    }
    if end - start >= MAX_SPAN_DAYS {
        return Err(ApiError::bad_request(format!(
            "the range from days_ago_end ({end}) to days_ago_start ({start}) spans more \
             than {MAX_SPAN_DAYS} days"
        )));
    }
    if end > MAX_DAYS_AGO {
        return Err(ApiError::bad_request(format!(
            "days_ago_end ({end}) reaches back more than {MAX_DAYS_AGO} days"
        )));
    }
    Ok(Range::DaysAgo { start, end })
}

impl StatsQuery {
    /// Checks everything that needs no data, as Dialpad's request validation would.
    pub fn parse(msg: ProcessStatsMessage) -> ApiResult<Self> {
        let export = ExportType::parse(&required(msg.export_type, "export_type")?)?;
        let stat = StatType::parse(&required(msg.stat_type, "stat_type")?)?;
        let range = if msg.is_today == Some(true) {
            // Dialpad: "days_ago_start and days_ago_end are ignored if this is passed in".
            Range::Today
        } else {
            days_ago(
                msg.days_ago_start.unwrap_or(1),
                msg.days_ago_end.unwrap_or(30),
            )?
        };
        let office_id = positive_id(msg.office_id, "office_id")?;
        let target_id = positive_id(msg.target_id, "target_id")?;
        let target_type = msg
            .target_type
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let scope = match (target_type, target_id) {
            (Some(t), Some(id)) => Scope::Target(TargetType::parse(t)?, id),
            (None, None) => match office_id {
                Some(id) => Scope::Office(id),
                None => Scope::Company,
            },
            _ => {
                return Err(ApiError::bad_request(
                    "target_type and target_id must be given together",
                ));
            }
        };
        if matches!(stat, StatType::Csat | StatType::Dispositions) {
            if !matches!(scope, Scope::Target(..)) {
                return Err(ApiError::bad_request(format!(
                    "stat_type {} requires target_type and target_id",
                    stat.as_str()
                )));
            }
            if export != ExportType::Records {
                return Err(ApiError::bad_request(format!(
                    "stat_type {} only supports export_type records",
                    stat.as_str()
                )));
            }
        }
        let zone = match msg.timezone.as_deref().map(str::trim) {
            None | Some("") => Zone::utc(),
            Some(raw) => Zone::parse(raw).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "invalid timezone {raw:?}: expected a tz database name such as \
                     America/New_York or UTC"
                ))
            })?,
        };
        let group_by = msg.group_by.as_deref().map(GroupBy::parse).transpose()?;
        let group_by = (stat == StatType::Calls && export == ExportType::Stats)
            .then(|| group_by.unwrap_or(GroupBy::User));
        if group_by == Some(GroupBy::Group) && scope.office().is_none() {
            return Err(ApiError::bad_request(
                "group_by group breaks down an office: give office_id or target_type office",
            ));
        }
        Ok(Self {
            export,
            stat,
            range,
            scope,
            zone,
            group_by,
            coaching_group: msg.coaching_group.unwrap_or(false),
            coaching_team: msg.coaching_team.unwrap_or(false),
        })
    }

    /// Checks the office or target against the company's data; answers whether the
    /// request will end `failed` (a suspended user, or the sandbox's failing zone).
    pub fn check(&self, company: &Company) -> ApiResult<bool> {
        let missing = |what: String| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "notFound",
                format!("{what} not found"),
            )
        };
        let suspended = match self.scope {
            Scope::Company => false,
            Scope::Office(id) | Scope::Target(TargetType::Office, id) => {
                if !company.offices.contains_key(&id) {
                    return Err(missing(format!("office {id}")));
                }
                false
            }
            Scope::Target(TargetType::User, id) => match company.users.get(&id) {
                Some(user) => user.state == "suspended",
                None => return Err(missing(format!("user {id}"))),
            },
            Scope::Target(TargetType::Callcenter, id) => {
                if !company.call_centers.contains_key(&id) {
                    return Err(missing(format!("call center {id}")));
                }
                false
            }
            // The sandbox has no departments, rooms, staff or coaching groups.
            Scope::Target(kind, id) => return Err(missing(format!("{} {id}", kind.as_str()))),
        };
        Ok(suspended || self.zone.is_failing())
    }

    /// The instants covered when asked at `now_ms`. A `days_ago` range stops at the
    /// start of today: today's data comes only with `is_today`.
    pub fn window(&self, now_ms: i64) -> Window {
        let zone = self.zone;
        let today = zone.local_date(now_ms);
        let today_ms = zone.midnight_ms(today);
        let days_back = |n: i64| {
            today
                .checked_sub_days(Days::new(n.unsigned_abs()))
                .unwrap_or(NaiveDate::MIN)
        };
        let (from_ms, to_ms) = match self.range {
            Range::Today => (today_ms, now_ms + 1),
            Range::DaysAgo { start, end } => {
                let from = zone.midnight_ms(days_back(end));
                let to = match start {
                    0 => today_ms,
                    s => zone.midnight_ms(days_back(s - 1)).min(today_ms),
                };
                (from, to.max(from))
            }
        };
        Window {
            from_ms,
            to_ms,
            today,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn msg(export: &str, stat: &str) -> ProcessStatsMessage {
        ProcessStatsMessage {
            export_type: Some(export.into()),
            stat_type: Some(stat.into()),
            ..ProcessStatsMessage::default()
        }
    }

    #[test]
    fn defaults_cover_thirty_days_up_to_yesterday_in_utc() {
        let q = StatsQuery::parse(msg("records", "calls")).unwrap();
        assert_eq!(q.range, Range::DaysAgo { start: 1, end: 30 });
        let now = chrono::DateTime::parse_from_rfc3339("2025-06-15T13:00:00Z")
            .unwrap()
            .timestamp_millis();
        let w = q.window(now);
        let at = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .timestamp_millis()
        };
        assert_eq!(w.from_ms, at("2025-05-16T00:00:00Z"));
        assert_eq!(w.to_ms, at("2025-06-15T00:00:00Z"));
    }

    #[test]
    fn is_today_overrides_days_ago_and_group_by_only_applies_to_call_stats() {
        let mut m = msg("records", "voicemails");
        m.is_today = Some(true);
        m.days_ago_start = Some(9);
        m.days_ago_end = Some(3);
        m.group_by = Some("date".into());
        let q = StatsQuery::parse(m).unwrap();
        assert_eq!(q.range, Range::Today);
        assert_eq!(q.group_by, None);
        let q = StatsQuery::parse(msg("stats", "calls")).unwrap();
        assert_eq!(q.group_by, Some(GroupBy::User));
    }

    fn days(start: i64, end: i64) -> ApiResult<StatsQuery> {
        let mut m = msg("records", "calls");
        m.days_ago_start = Some(start);
        m.days_ago_end = Some(end);
        StatsQuery::parse(m)
    }

    fn message(result: ApiResult<StatsQuery>) -> String {
        result.expect_err("refused").message
    }

    #[test]
    fn extreme_days_ago_are_refused_without_overflowing() {
        assert!(message(days(0, i64::MAX)).contains("spans more than 90 days"));
        assert!(message(days(i64::MAX - 1, i64::MAX)).contains("reaches back more than"));
        assert!(message(days(i64::MAX, i64::MAX)).contains("reaches back more than"));
        assert!(message(days(i64::MIN, 0)).contains("must not be negative"));
        assert!(message(days(0, i64::MIN)).contains("must not be negative"));
        assert!(message(days(1, 91)).contains("spans more than 90 days"));
        // The furthest range accepted is 90 days that end MAX_DAYS_AGO days ago.
        let q = days(MAX_DAYS_AGO - 89, MAX_DAYS_AGO).unwrap();
        let w = q.window(crate::ids::now_ms());
        assert_eq!(q.zone.days(w.from_ms, w.to_ms).len(), 90);
        assert_eq!(w.to_ms - w.from_ms, 90 * 86_400_000);
    }

    #[test]
    fn ids_must_be_positive() {
        let mut m = msg("records", "calls");
        m.office_id = Some(-5);
        assert!(message(StatsQuery::parse(m)).contains("invalid office_id -5"));
        let mut m = msg("records", "calls");
        m.target_type = Some("user".into());
        m.target_id = Some(0);
        assert!(message(StatsQuery::parse(m)).contains("invalid target_id 0"));
    }
}
