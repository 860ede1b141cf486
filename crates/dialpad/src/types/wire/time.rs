//! Times on Dialpad's wire besides epoch milliseconds: naive UTC ISO date-times (user, office
//! and transcript dates) written exactly as Dialpad's Python backend writes them, and
//! millisecond durations that arrive as numbers or strings.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use serde::de::{self, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A duration in milliseconds, a double on Dialpad's side (`duration`, `total_duration`).
/// Read from a number or a numeric string; written as a JSON number.
#[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
pub struct DurationMs(pub f64);

impl DurationMs {
    /// The raw milliseconds.
    pub const fn millis(self) -> f64 {
        self.0
    }

    /// As a [`Duration`]; `None` when negative or not finite.
    pub fn to_duration(self) -> Option<Duration> {
        Duration::try_from_secs_f64(self.0 / 1000.0).ok()
    }
}

/// A naive UTC date-time as Dialpad's user and office fields carry it (`"2021-06-20T19:18:00"`,
/// `"2018-05-08T21:33:19.300000"`). Written the way Python's `isoformat()` writes it (no
/// fraction when whole seconds, else six digits), so Dialpad's strings round-trip unchanged.
/// Also reads a space separator and RFC 3339 strings with an offset (converted to UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NaiveUtcDateTime(pub NaiveDateTime);

impl NaiveUtcDateTime {
    /// The naive value, understood as UTC.
    pub const fn naive(self) -> NaiveDateTime {
        self.0
    }

    /// The value as an aware UTC date-time.
    pub fn to_utc(self) -> DateTime<Utc> {
        self.0.and_utc()
    }
}

impl From<f64> for DurationMs {
    fn from(value: f64) -> Self {
        Self(value)
    }
}

impl Serialize for DurationMs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.0)
    }
}

impl<'de> Deserialize<'de> for DurationMs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DurationVisitor).map(Self)
    }
}

struct DurationVisitor;

impl Visitor<'_> for DurationVisitor {
    type Value = f64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("milliseconds as a JSON number or numeric string")
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        match v.parse::<f64>() {
            Ok(ms) if ms.is_finite() => Ok(ms),
            _ => Err(E::invalid_value(Unexpected::Str(v), &self)),
        }
    }
}

impl From<NaiveDateTime> for NaiveUtcDateTime {
    fn from(value: NaiveDateTime) -> Self {
        Self(value)
    }
}

impl From<DateTime<Utc>> for NaiveUtcDateTime {
    fn from(value: DateTime<Utc>) -> Self {
        Self(value.naive_utc())
    }
}

impl fmt::Display for NaiveUtcDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Python's isoformat(): microseconds only when non-zero, always six digits.
        if self.0.nanosecond() / 1_000 == 0 {
            write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%S"))
        } else {
            write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%S%.6f"))
        }
    }
}

impl FromStr for NaiveUtcDateTime {
    type Err = chrono::ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
            .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f"))
            .or_else(|first| {
                DateTime::parse_from_rfc3339(s)
                    .map(|at| at.naive_utc())
                    .map_err(|_| first)
            })
            .map(Self)
    }
}

impl Serialize for NaiveUtcDateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for NaiveUtcDateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = NaiveUtcDateTime;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a naive UTC ISO 8601 date-time string")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                v.parse()
                    .map_err(|_| E::invalid_value(Unexpected::Str(v), &self))
            }
        }
        deserializer.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn duration_reads_number_or_string_and_writes_number() {
        let a: DurationMs = serde_json::from_value(json!(1500.5)).unwrap();
        let b: DurationMs = serde_json::from_value(json!("1500.5")).unwrap();
        let c: DurationMs = serde_json::from_value(json!(2000)).unwrap();
        assert_eq!(a, b);
        assert_eq!(c.millis(), 2000.0);
        assert_eq!(serde_json::to_value(a).unwrap(), json!(1500.5));
        assert_eq!(c.to_duration(), Some(Duration::from_secs(2)));
        assert!(serde_json::from_value::<DurationMs>(json!("long")).is_err());
        assert!(serde_json::from_value::<DurationMs>(json!("NaN")).is_err());
    }

    #[test]
    fn naive_dates_round_trip_dialpads_format() {
        for text in ["2021-06-20T19:18:00", "2018-05-08T21:33:19.300000"] {
            let parsed: NaiveUtcDateTime = serde_json::from_value(json!(text)).unwrap();
            assert_eq!(serde_json::to_value(parsed).unwrap(), json!(text));
        }
        let millis: NaiveUtcDateTime = "2018-05-08T21:33:19.3".parse().unwrap();
        assert_eq!(millis.to_string(), "2018-05-08T21:33:19.300000");
        let spaced: NaiveUtcDateTime = "2021-06-20 19:18:00".parse().unwrap();
        assert_eq!(spaced.to_string(), "2021-06-20T19:18:00");
        let offset: NaiveUtcDateTime = "2021-06-20T21:18:00+02:00".parse().unwrap();
        assert_eq!(offset.to_string(), "2021-06-20T19:18:00");
        assert_eq!(offset.to_utc().to_rfc3339(), "2021-06-20T19:18:00+00:00");
        assert!(serde_json::from_value::<NaiveUtcDateTime>(json!("20/06/2021")).is_err());
    }
}
