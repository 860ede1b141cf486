//! A stats export as a BI user asks for it ([`StatsRequest`]: camelCase, dates or days back,
//! an IANA time zone) checked and turned into Dialpad's `POST /api/v2/stats` body. Specific
//! dates become `days_ago_start`/`days_ago_end` counted in the request's time zone; the
//! combinations Dialpad cannot serve are refused with a message saying why.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::types::Int64;
use crate::types::common::TargetType;
use crate::types::stats::{ExportType, GroupBy, ProcessStatsMessage, StatType};

/// The longest range Dialpad is asked for, in days (the sandbox's documented bound).
pub const MAX_SPAN_DAYS: i64 = 90;
/// The furthest back a range may reach, in days.
pub const MAX_DAYS_AGO: i64 = 3650;

/// A stats export: what (`exportType`, `statType`), when (exactly one of `today`, `date`,
/// `daysAgo`, `from`+`to`, `daysAgoStart`+`daysAgoEnd`), whose (`officeId`, or
/// `targetType`+`targetId`), and how (`timezone`, `groupBy`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatsRequest {
    /// `records` (one row per call, voicemail...) or `stats` (aggregated).
    #[schema(value_type = String, example = "records")]
    pub export_type: Option<String>,
    /// `calls`, `csat`, `dispositions`, `onduty`, `recordings`, `screenshare`, `texts` or
    /// `voicemails`.
    #[schema(value_type = String, example = "calls")]
    pub stat_type: Option<String>,
    /// Today so far.
    pub today: Option<bool>,
    /// One specific day (`YYYY-MM-DD`, in `timezone`).
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<NaiveDate>,
    /// One day, counted back from today (1 = yesterday).
    pub days_ago: Option<i64>,
    /// First day of a range of specific days (inclusive).
    #[schema(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    /// Last day of a range of specific days (inclusive, before today).
    #[schema(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
    /// A range in days back: the most recent day (1 = yesterday), as Dialpad's
    /// `days_ago_start`.
    pub days_ago_start: Option<i64>,
    /// A range in days back: the oldest day, as Dialpad's `days_ago_end`.
    pub days_ago_end: Option<i64>,
    /// Only this office.
    #[schema(value_type = Option<String>)]
    pub office_id: Option<Int64>,
    /// The kind of `targetId` (`user`, `callcenter`, `office`, `department`...).
    #[schema(value_type = Option<String>)]
    pub target_type: Option<String>,
    /// Only this user, call center, office...
    #[schema(value_type = Option<String>)]
    pub target_id: Option<Int64>,
    /// An IANA time zone (`America/New_York`); days are counted in it. Default `UTC`.
    pub timezone: Option<String>,
    /// For `stats` of `calls`: `user` (default), `date` or `group`.
    #[schema(value_type = Option<String>)]
    pub group_by: Option<String>,
}

/// Why a stats request cannot be sent: a message for the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StatsRequestError(pub String);

fn refuse<T>(message: impl Into<String>) -> Result<T, StatsRequestError> {
    Err(StatsRequestError(message.into()))
}

/// How long Dialpad serves an identical request from its cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheWindow {
    /// `is_today`: 30 minutes.
    Today,
    /// A `days_ago` range: 3 hours.
    DaysAgo,
}

/// A checked request: Dialpad's body, and the local day it was computed on (the same body
/// on another day means other days).
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedStats {
    /// The `POST /api/v2/stats` body.
    pub message: ProcessStatsMessage,
    /// Today in the request's time zone, when it was prepared.
    pub local_today: NaiveDate,
    /// Dialpad's cache window for it.
    pub window: CacheWindow,
}

enum Dates {
    Today,
    DaysAgo { start: i64, end: i64 },
}

impl StatsRequest {
    /// Checks the request as of `now` and builds Dialpad's body.
    pub fn prepare(&self, now: DateTime<Utc>) -> Result<PreparedStats, StatsRequestError> {
        let export = match self.export_type.as_deref() {
            Some("records") => ExportType::Records,
            Some("stats") => ExportType::Stats,
            Some(other) => {
                return refuse(format!("exportType `{other}` is not `records` or `stats`"));
            }
            None => return refuse("exportType is required: `records` or `stats`"),
        };
        let stat = self.stat_type()?;
        let zone = self.zone()?;
        let local_today = now.with_timezone(&zone).date_naive();
        let dates = self.dates(local_today)?;
        let target = self.target()?;
        if self.office_id.is_some() && target.is_some() {
            return refuse(
                "give officeId or targetType and targetId, not both: Dialpad ignores the office \
                 when a target is given",
            );
        }
        if let Some(Int64(id)) = self.office_id
            && id <= 0
        {
            return refuse(format!("officeId {id} is not a Dialpad id"));
        }
        if matches!(stat, StatType::Csat | StatType::Dispositions) {
            if target.is_none() {
                return refuse(format!(
                    "statType `{stat}` needs a target: give targetType and targetId"
                ));
            }
            if export == ExportType::Stats {
                return refuse(format!(
                    "statType `{stat}` exists only as exportType `records`, not `stats`"
                ));
            }
        }
        let group_by = self.group_by(&stat, &export, target.as_ref())?;
        let (is_today, days_ago_start, days_ago_end, window) = match dates {
            Dates::Today => (Some(true), None, None, CacheWindow::Today),
            Dates::DaysAgo { start, end } => (
                None,
                Some(Int64(start)),
                Some(Int64(end)),
                CacheWindow::DaysAgo,
            ),
        };
        let (target_type, target_id) = target.map_or((None, None), |(t, id)| (Some(t), Some(id)));
        Ok(PreparedStats {
            message: ProcessStatsMessage {
                export_type: Some(export),
                stat_type: Some(stat),
                is_today,
                days_ago_start,
                days_ago_end,
                office_id: self.office_id,
                target_type,
                target_id,
                timezone: Some(zone.name().to_owned()),
                group_by,
                ..ProcessStatsMessage::default()
            },
            local_today,
            window,
        })
    }

    fn stat_type(&self) -> Result<StatType, StatsRequestError> {
        const KNOWN: &str =
            "calls, csat, dispositions, onduty, recordings, screenshare, texts, voicemails";
        let Some(raw) = self.stat_type.as_deref() else {
            return refuse(format!("statType is required: one of {KNOWN}"));
        };
        match StatType::from(raw) {
            StatType::Other(other) => refuse(format!("statType `{other}` is not one of {KNOWN}")),
            known => Ok(known),
        }
    }

    fn zone(&self) -> Result<Tz, StatsRequestError> {
        match self.timezone.as_deref().map(str::trim) {
            None | Some("") => Ok(Tz::UTC),
            Some(name) => name.parse::<Tz>().or_else(|_| {
                refuse(format!(
                    "timezone `{name}` is not an IANA time zone name such as `America/New_York` \
                     or `UTC`"
                ))
            }),
        }
    }

    fn target(&self) -> Result<Option<(TargetType, Int64)>, StatsRequestError> {
        let kind = self
            .target_type
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        match (kind, self.target_id) {
            (None, None) => Ok(None),
            (Some(kind), Some(Int64(id))) => {
                if id <= 0 {
                    return refuse(format!("targetId {id} is not a Dialpad id"));
                }
                const KNOWN: &str = "callcenter, coachinggroup, coachingteam, department, \
                                     office, room, staffgroup, user";
                let kind = match TargetType::from(kind) {
                    TargetType::Other(_)
                    | TargetType::CallRouter
                    | TargetType::Channel
                    | TargetType::Contact
                    | TargetType::ContactGroup
                    | TargetType::Unknown => {
                        return refuse(format!("targetType `{kind}` is not one of {KNOWN}"));
                    }
                    known => known,
                };
                Ok(Some((kind, Int64(id))))
            }
            _ => refuse("targetType and targetId go together: give both or neither"),
        }
    }

    fn group_by(
        &self,
        stat: &StatType,
        export: &ExportType,
        target: Option<&(TargetType, Int64)>,
    ) -> Result<Option<GroupBy>, StatsRequestError> {
        let Some(raw) = self.group_by.as_deref() else {
            return Ok(None);
        };
        if *stat != StatType::Calls || *export != ExportType::Stats {
            return refuse(format!(
                "groupBy applies only to exportType `stats` of statType `calls` (this is \
                 `{export}` of `{stat}`)"
            ));
        }
        let group_by = match GroupBy::from(raw) {
            GroupBy::Other(other) => {
                return refuse(format!(
                    "groupBy `{other}` is not `user`, `date` or `group`"
                ));
            }
            known => known,
        };
        let office = self.office_id.is_some() || matches!(target, Some((TargetType::Office, _)));
        if group_by == GroupBy::Group && !office {
            return refuse("groupBy `group` breaks down one office: give officeId");
        }
        Ok(Some(group_by))
    }

    fn dates(&self, today: NaiveDate) -> Result<Dates, StatsRequestError> {
        let mut given = Vec::new();
        if self.today.is_some() {
            given.push("today");
        }
        if self.date.is_some() {
            given.push("date");
        }
        if self.days_ago.is_some() {
            given.push("daysAgo");
        }
        if self.from.is_some() || self.to.is_some() {
            given.push("from/to");
        }
        if self.days_ago_start.is_some() || self.days_ago_end.is_some() {
            given.push("daysAgoStart/daysAgoEnd");
        }
        match given.as_slice() {
            [] => refuse(
                "choose the days: `today`, one `date` or `daysAgo`, or a range `from`+`to` or \
                 `daysAgoStart`+`daysAgoEnd`",
            ),
            [one] => self.one_selection(one, today),
            [first, second, ..] if *first == "today" => refuse(format!(
                "today cannot be mixed with {second}: Dialpad reports today on its own \
                 (today: true), and a range never includes today"
            )),
            [first, second, ..] => refuse(format!(
                "choose one way to give the days, not both {first} and {second}"
            )),
        }
    }

    fn one_selection(&self, which: &str, today: NaiveDate) -> Result<Dates, StatsRequestError> {
        match which {
            "today" if self.today == Some(true) => Ok(Dates::Today),
            "today" => refuse("today: false selects nothing; leave it out and give the days"),
            "date" => match self.date {
                Some(date) if date == today => Ok(Dates::Today),
                Some(date) => {
                    let back = days_back(date, today, "date")?;
                    range(back, back)
                }
                None => refuse("date is missing"),
            },
            "daysAgo" => match self.days_ago {
                Some(0) => Ok(Dates::Today),
                Some(n) => range(n, n),
                None => refuse("daysAgo is missing"),
            },
            "from/to" => match (self.from, self.to) {
                (Some(from), Some(to)) => {
                    if from > to {
                        return refuse(format!("from ({from}) is after to ({to})"));
                    }
                    if to >= today {
                        return refuse(format!(
                            "the range ends on {to}, which is not before today ({today}) in \
                             this time zone: a range never includes today; ask for today on \
                             its own (today: true)"
                        ));
                    }
                    range(days_back(to, today, "to")?, days_back(from, today, "from")?)
                }
                _ => refuse("a range of dates needs both from and to"),
            },
            _ => match (self.days_ago_start, self.days_ago_end) {
                (Some(start), Some(end)) => {
                    if start > end {
                        return refuse(format!(
                            "daysAgoStart ({start}) is the most recent day and must not be \
                             more than daysAgoEnd ({end}), the oldest"
                        ));
                    }
                    range(start, end)
                }
                _ => refuse("a range in days back needs both daysAgoStart and daysAgoEnd"),
            },
        }
    }
}

/// Days from `date` back to `today` (positive for past days).
fn days_back(date: NaiveDate, today: NaiveDate, field: &str) -> Result<i64, StatsRequestError> {
    let back = (today - date).num_days();
    if back < 0 {
        return refuse(format!(
            "{field} ({date}) is in the future (today is {today})"
        ));
    }
    Ok(back)
}

/// A `days_ago` range, `start` the most recent day, `end` the oldest.
fn range(start: i64, end: i64) -> Result<Dates, StatsRequestError> {
    if start < 1 {
        return refuse(
            "a range in days back starts at 1 (yesterday): today is asked for on its own \
             (today: true)",
        );
    }
    if end - start >= MAX_SPAN_DAYS {
        return refuse(format!(
            "the range spans {} days; Dialpad exports at most {MAX_SPAN_DAYS} days at once",
            end - start + 1
        ));
    }
    if end > MAX_DAYS_AGO {
        return refuse(format!(
            "the range reaches back {end} days; at most {MAX_DAYS_AGO} days back"
        ));
    }
    Ok(Dates::DaysAgo { start, end })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn prepare(body: serde_json::Value, now: &str) -> Result<PreparedStats, StatsRequestError> {
        serde_json::from_value::<StatsRequest>(body)
            .unwrap()
            .prepare(at(now))
    }

    #[test]
    fn specific_dates_count_back_in_the_requests_time_zone() {
        // 03:00 UTC on the 15th is still the 14th in New York.
        let body = json!({"exportType": "records", "statType": "calls",
            "from": "2025-06-10", "to": "2025-06-12", "timezone": "America/New_York"});
        let p = prepare(body, "2025-06-15T03:00:00Z").unwrap();
        assert_eq!(p.message.days_ago_start, Some(Int64(2)));
        assert_eq!(p.message.days_ago_end, Some(Int64(4)));
        assert_eq!(p.window, CacheWindow::DaysAgo);
        let utc = json!({"exportType": "records", "statType": "calls",
            "from": "2025-06-10", "to": "2025-06-12"});
        let p = prepare(utc, "2025-06-15T03:00:00Z").unwrap();
        assert_eq!(p.message.days_ago_start, Some(Int64(3)));
        assert_eq!(p.message.timezone.as_deref(), Some("UTC"));
    }

    #[test]
    fn today_and_one_day() {
        let p = prepare(
            json!({"exportType": "stats", "statType": "calls", "today": true}),
            "2025-06-15T12:00:00Z",
        )
        .unwrap();
        assert_eq!(p.message.is_today, Some(true));
        assert_eq!(p.window, CacheWindow::Today);
        let p = prepare(
            json!({"exportType": "records", "statType": "calls", "date": "2025-06-15"}),
            "2025-06-15T12:00:00Z",
        )
        .unwrap();
        assert_eq!(p.message.is_today, Some(true));
        let p = prepare(
            json!({"exportType": "records", "statType": "calls", "daysAgo": 3}),
            "2025-06-15T12:00:00Z",
        )
        .unwrap();
        assert_eq!(
            (p.message.days_ago_start, p.message.days_ago_end),
            (Some(Int64(3)), Some(Int64(3)))
        );
    }

    #[test]
    fn impossible_combinations_say_why() {
        let cases = [
            (
                json!({"exportType": "records", "statType": "calls", "today": true, "from": "2025-06-01", "to": "2025-06-02"}),
                "today cannot be mixed",
            ),
            (
                json!({"exportType": "records", "statType": "csat", "daysAgo": 2}),
                "needs a target",
            ),
            (
                json!({"exportType": "stats", "statType": "dispositions", "daysAgo": 2, "targetType": "user", "targetId": "5"}),
                "only as exportType `records`",
            ),
            (
                json!({"exportType": "records", "statType": "calls", "daysAgo": 2, "timezone": "Mars/Olympus"}),
                "not an IANA time zone",
            ),
            (
                json!({"exportType": "records", "statType": "calls", "from": "2025-06-01", "to": "2025-06-15"}),
                "never includes today",
            ),
            (
                json!({"exportType": "records", "statType": "calls", "date": "2025-07-01"}),
                "in the future",
            ),
            (
                json!({"exportType": "records", "statType": "calls", "daysAgoStart": 5, "daysAgoEnd": 2}),
                "most recent day",
            ),
            (
                json!({"exportType": "records", "statType": "calls", "daysAgoStart": 1, "daysAgoEnd": 200}),
                "at most 90 days",
            ),
            (
                json!({"exportType": "records", "statType": "calls", "daysAgo": 2, "groupBy": "date"}),
                "groupBy applies only",
            ),
            (
                json!({"exportType": "stats", "statType": "calls", "daysAgo": 2, "groupBy": "group"}),
                "give officeId",
            ),
            (
                json!({"exportType": "records", "statType": "calls", "daysAgo": 2, "targetType": "user"}),
                "go together",
            ),
            (
                json!({"exportType": "records", "statType": "calls"}),
                "choose the days",
            ),
            (
                json!({"statType": "calls", "daysAgo": 1}),
                "exportType is required",
            ),
        ];
        for (body, expected) in cases {
            let err = prepare(body.clone(), "2025-06-15T12:00:00Z").unwrap_err();
            assert!(err.0.contains(expected), "{body}: {err}");
        }
    }
}
