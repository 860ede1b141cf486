//! Time zones of the Stats API: IANA tz database names (chrono-tz), matched without
//! regard to case as pytz does, plus the sandbox's failing zone. Local days and their
//! midnights follow each zone's real rules, daylight-saving changes included.

use chrono::offset::MappedLocalTime;
use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone as _};
use chrono_tz::{GapInfo, TZ_VARIANTS, Tz};

/// The sandbox-only zone whose requests end `failed` (documented in the module).
pub const FAILING_ZONE: &str = "Sandbox/Fail";

/// A validated time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Zone {
    Tz(Tz),
    /// [`FAILING_ZONE`]: counts days in UTC, and the request ends `failed`.
    Failing,
}

impl Zone {
    pub fn utc() -> Self {
        Self::Tz(Tz::UTC)
    }

    /// A tz database name (any case, surrounding blanks ignored) or [`FAILING_ZONE`];
    /// `None` for anything else.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if raw.eq_ignore_ascii_case(FAILING_ZONE) {
            return Some(Self::Failing);
        }
        raw.parse::<Tz>()
            .ok()
            .or_else(|| {
                // chrono-tz matches exactly; its case-insensitive feature is off.
                TZ_VARIANTS
                    .iter()
                    .copied()
                    .find(|tz| tz.name().eq_ignore_ascii_case(raw))
            })
            .map(Self::Tz)
    }

    /// The canonical spelling of the name the request gave.
    pub fn name(self) -> &'static str {
        match self {
            Self::Tz(tz) => tz.name(),
            Self::Failing => FAILING_ZONE,
        }
    }

    pub fn is_failing(self) -> bool {
        self == Self::Failing
    }

    fn tz(self) -> Tz {
        match self {
            Self::Tz(tz) => tz,
            Self::Failing => Tz::UTC,
        }
    }

    /// The local calendar date at `utc_ms`.
    pub fn local_date(self, utc_ms: i64) -> NaiveDate {
        DateTime::from_timestamp_millis(utc_ms)
            .map(|t| t.with_timezone(&self.tz()).date_naive())
            .unwrap_or_default()
    }

    /// The UTC instant `date` starts: its local midnight; the first of two when the
    /// clocks fall back over midnight; the end of the gap when they spring forward
    /// over it (as in zones that change at 00:00).
    pub fn midnight_ms(self, date: NaiveDate) -> i64 {
        let tz = self.tz();
        let midnight = date.and_time(NaiveTime::MIN);
        match tz.from_local_datetime(&midnight) {
            MappedLocalTime::Single(t) | MappedLocalTime::Ambiguous(t, _) => t.timestamp_millis(),
            MappedLocalTime::None => GapInfo::new(&midnight, &tz)
                .and_then(|gap| gap.end)
                .map_or_else(
                    || midnight.and_utc().timestamp_millis(),
                    |t| t.timestamp_millis(),
                ),
        }
    }

    /// Local days overlapping `[from_ms, to_ms)`, each with the UTC instant it
    /// starts. A day the zone skipped entirely (Samoa, 30 December 2011) is left out.
    /// Callers bound the window (at most [`super::MAX_SPAN_DAYS`] days).
    pub fn days(self, from_ms: i64, to_ms: i64) -> Vec<(NaiveDate, i64)> {
        let mut days = Vec::new();
        if from_ms >= to_ms {
            return days;
        }
        let mut date = self.local_date(from_ms);
        let mut start = self.midnight_ms(date);
        while start < to_ms {
            let Some(next) = date.checked_add_days(Days::new(1)) else {
                days.push((date, start));
                break;
            };
            let next_start = self.midnight_ms(next);
            if next_start > start {
                days.push((date, start));
            }
            (date, start) = (next, next_start);
        }
        days
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn ms(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn names_resolve_case_insensitively_to_their_canonical_spelling() {
        for (raw, name) in [
            ("us/pacific", "US/Pacific"),
            (" America/New_York ", "America/New_York"),
            ("utc", "UTC"),
            ("Etc/GMT+5", "Etc/GMT+5"),
            (
                "america/indiana/indianapolis",
                "America/Indiana/Indianapolis",
            ),
            ("Asia/Kathmandu", "Asia/Kathmandu"),
            ("sandbox/fail", FAILING_ZONE),
        ] {
            assert_eq!(Zone::parse(raw).map(Zone::name), Some(name), "{raw}");
        }
        for bad in [
            "",
            "PST",
            "Mars/Olympus",
            "America/",
            "America/New York",
            "America/New_Yrok",
            "Europe/Londn",
            "+05:00",
        ] {
            assert_eq!(Zone::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn local_midnights_follow_daylight_saving_time() {
        let la = Zone::parse("US/Pacific").unwrap();
        assert_eq!(
            la.midnight_ms(date(2025, 1, 15)),
            ms("2025-01-15T08:00:00Z")
        );
        assert_eq!(la.midnight_ms(date(2025, 7, 4)), ms("2025-07-04T07:00:00Z"));
        assert_eq!(la.local_date(ms("2025-07-04T06:59:59Z")), date(2025, 7, 3));
        let sydney = Zone::parse("Australia/Sydney").unwrap();
        assert_eq!(
            sydney.midnight_ms(date(2025, 1, 15)),
            ms("2025-01-14T13:00:00Z")
        );
        assert_eq!(
            sydney.midnight_ms(date(2025, 7, 15)),
            ms("2025-07-14T14:00:00Z")
        );
        // Nepal's +05:45, which no hand-written table had.
        let kathmandu = Zone::parse("Asia/Kathmandu").unwrap();
        assert_eq!(
            kathmandu.midnight_ms(date(2025, 3, 1)),
            ms("2025-02-28T18:15:00Z")
        );
    }

    #[test]
    fn a_day_whose_midnight_the_clocks_skip_starts_when_they_jump() {
        // Chile springs forward at 24:00 on the first Saturday of September: 7 Sept
        // 2025 starts at 01:00 local (-03), 04:00 UTC.
        let santiago = Zone::parse("America/Santiago").unwrap();
        assert_eq!(
            santiago.midnight_ms(date(2025, 9, 7)),
            ms("2025-09-07T04:00:00Z")
        );
        let days = santiago.days(ms("2025-09-06T04:00:00Z"), ms("2025-09-08T03:00:00Z"));
        assert_eq!(
            days,
            vec![
                (date(2025, 9, 6), ms("2025-09-06T04:00:00Z")),
                (date(2025, 9, 7), ms("2025-09-07T04:00:00Z")),
            ]
        );
    }

    #[test]
    fn days_cover_a_window_with_a_dst_change_and_skip_a_skipped_day() {
        let ny = Zone::parse("America/New_York").unwrap();
        let days = ny.days(ms("2025-03-08T05:00:00Z"), ms("2025-03-10T04:00:00Z"));
        let starts: Vec<i64> = days.iter().map(|d| d.1).collect();
        assert_eq!(
            starts,
            vec![ms("2025-03-08T05:00:00Z"), ms("2025-03-09T05:00:00Z")]
        );
        let apia = Zone::parse("Pacific/Apia").unwrap();
        let days = apia.days(ms("2011-12-29T10:00:00Z"), ms("2012-01-01T10:00:00Z"));
        let dates: Vec<NaiveDate> = days.iter().map(|d| d.0).collect();
        assert_eq!(
            dates,
            vec![date(2011, 12, 29), date(2011, 12, 31), date(2012, 1, 1)]
        );
    }
}
