//! Time zones without a tz database: which names the Stats API accepts, and the UTC
//! offset the sandbox uses when it cuts a window into local days. Known zones carry
//! their standard offset and daylight-saving rule; any other well-formed tz name is
//! accepted and treated as UTC.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Daylight-saving rule of a zone the sandbox knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Dst {
    None,
    /// Second Sunday of March 02:00 local to first Sunday of November 02:00 local.
    Us,
    /// Last Sunday of March 01:00 UTC to last Sunday of October 01:00 UTC.
    Eu,
    /// First Sunday of October 02:00 standard to first Sunday of April 03:00 daylight.
    Au,
}

/// Zones with a known offset: name, standard offset in minutes east of UTC, rule.
const ZONES: &[(&str, i32, Dst)] = &[
    ("UTC", 0, Dst::None),
    ("GMT", 0, Dst::None),
    ("Etc/UTC", 0, Dst::None),
    ("Etc/GMT", 0, Dst::None),
    ("US/Pacific", -480, Dst::Us),
    ("US/Mountain", -420, Dst::Us),
    ("US/Arizona", -420, Dst::None),
    ("US/Central", -360, Dst::Us),
    ("US/Eastern", -300, Dst::Us),
    ("US/Alaska", -540, Dst::Us),
    ("US/Hawaii", -600, Dst::None),
    ("Canada/Pacific", -480, Dst::Us),
    ("Canada/Mountain", -420, Dst::Us),
    ("Canada/Central", -360, Dst::Us),
    ("Canada/Eastern", -300, Dst::Us),
    ("Canada/Atlantic", -240, Dst::Us),
    ("America/Los_Angeles", -480, Dst::Us),
    ("America/Vancouver", -480, Dst::Us),
    ("America/Denver", -420, Dst::Us),
    ("America/Edmonton", -420, Dst::Us),
    ("America/Phoenix", -420, Dst::None),
    ("America/Chicago", -360, Dst::Us),
    ("America/Winnipeg", -360, Dst::Us),
    ("America/New_York", -300, Dst::Us),
    ("America/Detroit", -300, Dst::Us),
    ("America/Toronto", -300, Dst::Us),
    ("America/Halifax", -240, Dst::Us),
    ("America/Anchorage", -540, Dst::Us),
    ("America/Mexico_City", -360, Dst::None),
    ("America/Bogota", -300, Dst::None),
    ("America/Lima", -300, Dst::None),
    ("America/Sao_Paulo", -180, Dst::None),
    ("America/Argentina/Buenos_Aires", -180, Dst::None),
    ("Pacific/Honolulu", -600, Dst::None),
    ("Europe/London", 0, Dst::Eu),
    ("Europe/Dublin", 0, Dst::Eu),
    ("Europe/Lisbon", 0, Dst::Eu),
    ("Europe/Paris", 60, Dst::Eu),
    ("Europe/Berlin", 60, Dst::Eu),
    ("Europe/Madrid", 60, Dst::Eu),
    ("Europe/Rome", 60, Dst::Eu),
    ("Europe/Amsterdam", 60, Dst::Eu),
    ("Europe/Brussels", 60, Dst::Eu),
    ("Europe/Zurich", 60, Dst::Eu),
    ("Europe/Stockholm", 60, Dst::Eu),
    ("Europe/Oslo", 60, Dst::Eu),
    ("Europe/Copenhagen", 60, Dst::Eu),
    ("Europe/Warsaw", 60, Dst::Eu),
    ("Europe/Prague", 60, Dst::Eu),
    ("Europe/Vienna", 60, Dst::Eu),
    ("Europe/Athens", 120, Dst::Eu),
    ("Europe/Helsinki", 120, Dst::Eu),
    ("Europe/Kiev", 120, Dst::Eu),
    ("Europe/Kyiv", 120, Dst::Eu),
    ("Europe/Istanbul", 180, Dst::None),
    ("Europe/Moscow", 180, Dst::None),
    ("Africa/Lagos", 60, Dst::None),
    ("Africa/Johannesburg", 120, Dst::None),
    ("Africa/Nairobi", 180, Dst::None),
    ("Asia/Dubai", 240, Dst::None),
    ("Asia/Karachi", 300, Dst::None),
    ("Asia/Kolkata", 330, Dst::None),
    ("Asia/Calcutta", 330, Dst::None),
    ("Asia/Bangkok", 420, Dst::None),
    ("Asia/Jakarta", 420, Dst::None),
    ("Asia/Ho_Chi_Minh", 420, Dst::None),
    ("Asia/Singapore", 480, Dst::None),
    ("Asia/Hong_Kong", 480, Dst::None),
    ("Asia/Shanghai", 480, Dst::None),
    ("Asia/Taipei", 480, Dst::None),
    ("Asia/Manila", 480, Dst::None),
    ("Asia/Tokyo", 540, Dst::None),
    ("Asia/Seoul", 540, Dst::None),
    ("Australia/Perth", 480, Dst::None),
    ("Australia/Brisbane", 600, Dst::None),
    ("Australia/Adelaide", 570, Dst::Au),
    ("Australia/Sydney", 600, Dst::Au),
    ("Australia/Melbourne", 600, Dst::Au),
    ("Australia/Hobart", 600, Dst::Au),
];

/// First components of tz database names (plus the legacy country links).
const AREAS: &[&str] = &[
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Brazil",
    "Canada",
    "Chile",
    "Etc",
    "Europe",
    "Indian",
    "Mexico",
    "Pacific",
    "US",
];

/// The sandbox-only zone whose requests end `failed` (documented in the module).
pub const FAILING_ZONE: &str = "Sandbox/Fail";

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

/// A validated time zone: its name as Dialpad would echo it, and how to offset it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Zone {
    name: String,
    std_minutes: i32,
    dst: Dst,
}

impl Zone {
    pub fn utc() -> Self {
        Self {
            name: "UTC".into(),
            std_minutes: 0,
            dst: Dst::None,
        }
    }

    /// Accepts `UTC`/`GMT`, `Etc/GMT±N`, the zones above and any `Area/Location[/Sub]`
    /// name with a tz database area; names match case-insensitively, like pytz.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if let Some(&(name, std_minutes, dst)) = ZONES
            .iter()
            .find(|(name, ..)| name.eq_ignore_ascii_case(raw))
        {
            return Some(Self {
                name: name.into(),
                std_minutes,
                dst,
            });
        }
        if raw.eq_ignore_ascii_case(FAILING_ZONE) {
            return Some(Self {
                name: FAILING_ZONE.into(),
                ..Self::utc()
            });
        }
        if let Some(zone) = Self::etc_gmt(raw) {
            return Some(zone);
        }
        let mut parts = raw.split('/');
        let area = parts.next()?;
        let rest: Vec<&str> = parts.collect();
        let well_formed = AREAS.iter().any(|a| a.eq_ignore_ascii_case(area))
            && (1..=2).contains(&rest.len())
            && rest.iter().all(|p| {
                p.starts_with(|c: char| c.is_ascii_alphabetic())
                    && p.len() <= 30
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
            });
        well_formed.then(|| Self {
            name: raw.into(),
            ..Self::utc()
        })
    }

    /// `Etc/GMT+5` is five hours *behind* UTC (POSIX sign convention).
    fn etc_gmt(raw: &str) -> Option<Self> {
        let lower = raw.to_ascii_lowercase();
        let tail = lower.strip_prefix("etc/gmt")?;
        let (sign, digits) = match tail.split_at_checked(1)? {
            ("+", d) => (-1, d),
            ("-", d) => (1, d),
            _ => return None,
        };
        let hours: i32 = digits.parse().ok().filter(|h| (0..=14).contains(h))?;
        Some(Self {
            name: format!("Etc/GMT{}{hours}", if sign < 0 { '+' } else { '-' }),
            std_minutes: sign * hours * 60,
            dst: Dst::None,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn is_failing(&self) -> bool {
        self.name == FAILING_ZONE
    }

    /// Minutes east of UTC at the instant `utc_ms`.
    pub fn offset_minutes(&self, utc_ms: i64) -> i32 {
        let std = self.std_minutes;
        let Some(year) = chrono::DateTime::from_timestamp_millis(utc_ms).map(|t| t.year()) else {
            return std;
        };
        let at = |date: Option<NaiveDate>, utc_minutes_of_day: i64| {
            date.map(|d| day_start_ms(d) + utc_minutes_of_day * MINUTE_MS)
        };
        let std_ms = i64::from(std);
        let (start, end) = match self.dst {
            Dst::None => return std,
            Dst::Us => (
                at(nth_sunday(year, 3, 2), 120 - std_ms),
                at(nth_sunday(year, 11, 1), 60 - std_ms),
            ),
            Dst::Eu => (at(last_sunday(year, 3), 60), at(last_sunday(year, 10), 60)),
            Dst::Au => {
                // Southern hemisphere: daylight time spans the turn of the year.
                let ends = at(nth_sunday(year, 4, 1), 120 - std_ms);
                let starts = at(nth_sunday(year, 10, 1), 120 - std_ms);
                return match (ends, starts) {
                    (Some(e), Some(s)) if utc_ms < e || utc_ms >= s => std + 60,
                    _ => std,
                };
            }
        };
        match (start, end) {
            (Some(s), Some(e)) if utc_ms >= s && utc_ms < e => std + 60,
            _ => std,
        }
    }

    /// The local calendar date at `utc_ms`.
    pub fn local_date(&self, utc_ms: i64) -> NaiveDate {
        let local = utc_ms + i64::from(self.offset_minutes(utc_ms)) * MINUTE_MS;
        chrono::DateTime::from_timestamp_millis(local)
            .map(|t| t.date_naive())
            .unwrap_or_default()
    }

    /// The UTC instant of local midnight starting `date` (no rule here moves midnight).
    pub fn midnight_ms(&self, date: NaiveDate) -> i64 {
        let naive = day_start_ms(date);
        let guess = naive - i64::from(self.std_minutes) * MINUTE_MS;
        naive - i64::from(self.offset_minutes(guess)) * MINUTE_MS
    }

    /// Local days overlapping `[from_ms, to_ms)`, each with the UTC instant it starts.
    pub fn days(&self, from_ms: i64, to_ms: i64) -> Vec<(NaiveDate, i64)> {
        let mut days = Vec::new();
        if from_ms >= to_ms {
            return days;
        }
        let mut date = self.local_date(from_ms);
        loop {
            let start = self.midnight_ms(date);
            if start >= to_ms {
                return days;
            }
            days.push((date, start));
            match date.checked_add_days(Days::new(1)) {
                Some(next) => date = next,
                None => return days,
            }
        }
    }
}

fn day_start_ms(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce() - 719_163) * DAY_MS
}

fn nth_sunday(year: i32, month: u32, n: u8) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Sun, n)
}

fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    nth_sunday(year, month, 5).or_else(|| nth_sunday(year, month, 4))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn ms(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn us_pacific_switches_to_daylight_time_on_the_second_sunday_of_march() {
        let la = Zone::parse("us/pacific").unwrap();
        assert_eq!(la.name(), "US/Pacific");
        assert_eq!(la.offset_minutes(ms("2025-01-15T12:00:00Z")), -480);
        assert_eq!(la.offset_minutes(ms("2025-03-09T09:59:59Z")), -480);
        assert_eq!(la.offset_minutes(ms("2025-03-09T10:00:00Z")), -420);
        assert_eq!(la.offset_minutes(ms("2025-11-02T08:59:59Z")), -420);
        assert_eq!(la.offset_minutes(ms("2025-11-02T09:00:00Z")), -480);
        let d = NaiveDate::from_ymd_opt(2025, 7, 4).unwrap();
        assert_eq!(la.midnight_ms(d), ms("2025-07-04T07:00:00Z"));
        assert_eq!(
            la.local_date(ms("2025-07-04T06:59:59Z")),
            d.pred_opt().unwrap()
        );
    }

    #[test]
    fn london_and_sydney_follow_their_own_rules() {
        let london = Zone::parse("Europe/London").unwrap();
        assert_eq!(london.offset_minutes(ms("2025-03-30T00:59:59Z")), 0);
        assert_eq!(london.offset_minutes(ms("2025-03-30T01:00:00Z")), 60);
        assert_eq!(london.offset_minutes(ms("2025-10-26T01:00:00Z")), 0);
        let sydney = Zone::parse("Australia/Sydney").unwrap();
        assert_eq!(sydney.offset_minutes(ms("2025-01-15T00:00:00Z")), 660);
        assert_eq!(sydney.offset_minutes(ms("2025-07-15T00:00:00Z")), 600);
    }

    #[test]
    fn accepts_tz_shaped_names_and_refuses_others() {
        for ok in [
            "UTC",
            "Etc/GMT+5",
            "America/Indiana/Indianapolis",
            "Asia/Kathmandu",
        ] {
            assert!(Zone::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "",
            "PST",
            "Mars/Olympus",
            "America/",
            "America/New York",
            "+05:00",
        ] {
            assert!(Zone::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(Zone::parse("Etc/GMT+5").unwrap().offset_minutes(0), -300);
        assert_eq!(Zone::parse("Asia/Kathmandu").unwrap().offset_minutes(0), 0);
    }

    #[test]
    fn days_cover_a_window_with_a_dst_change() {
        let ny = Zone::parse("America/New_York").unwrap();
        let days = ny.days(ms("2025-03-08T05:00:00Z"), ms("2025-03-10T04:00:00Z"));
        let starts: Vec<i64> = days.iter().map(|d| d.1).collect();
        assert_eq!(
            starts,
            vec![ms("2025-03-08T05:00:00Z"), ms("2025-03-09T05:00:00Z")]
        );
    }
}
