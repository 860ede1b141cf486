//! Integers on Dialpad's wire: int64 ids and counts and epoch-millisecond timestamps, which
//! Dialpad writes as JSON strings and clients may send as numbers; opaque ids of either form;
//! and a `serde(with)` helper for plain-number fields outside the protos.

use std::fmt;
use std::num::ParseIntError;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::de::{self, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An int64 (id, count, seconds...) as Dialpad's protos carry it: serialised as a JSON string
/// (`"5835806903417907"`), read from a string or a number. Strings that are not decimal
/// integers are rejected, so a bad id fails where it enters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Int64(pub i64);

impl Int64 {
    /// The plain integer.
    pub const fn get(self) -> i64 {
        self.0
    }
}

/// An instant in epoch milliseconds (call `date_*` fields, `event_timestamp`, change-log
/// `date`): same wire form as [`Int64`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EpochMillis(pub i64);

impl EpochMillis {
    /// The raw milliseconds since the Unix epoch.
    pub const fn millis(self) -> i64 {
        self.0
    }

    /// The instant as a UTC date-time; `None` if out of chrono's range.
    pub fn to_datetime(self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_millis(self.0)
    }

    /// The instant of `at`, truncated to the millisecond.
    pub fn from_datetime(at: DateTime<Utc>) -> Self {
        Self(at.timestamp_millis())
    }
}

/// An id whose kind the documentation leaves open (change-log targets and actors): read from a
/// JSON string or integer, written as a string.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpaqueId(pub String);

impl OpaqueId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! int64_like {
    ($ty:ident, $what:literal) => {
        impl From<i64> for $ty {
            fn from(value: i64) -> Self {
                Self(value)
            }
        }

        impl From<$ty> for i64 {
            fn from(value: $ty) -> Self {
                value.0
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $ty {
            type Err = ParseIntError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(I64Visitor($what)).map(Self)
            }
        }
    };
}

int64_like!(Int64, "an int64 as a JSON string or number");
int64_like!(EpochMillis, "epoch milliseconds as a JSON string or number");

/// Reads an int64 from a decimal string, an integer, or an integral float.
struct I64Visitor(&'static str);

impl Visitor<'_> for I64Visitor {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        // `i64::MAX as f64` rounds up to 2^63, hence the strict upper bound.
        if v.is_finite() && v.fract() == 0.0 && v >= i64::MIN as f64 && v < i64::MAX as f64 {
            Ok(v as i64)
        } else {
            Err(E::invalid_value(Unexpected::Float(v), &self))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        v.parse()
            .map_err(|_| E::invalid_value(Unexpected::Str(v), &self))
    }
}

impl From<String> for OpaqueId {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl fmt::Display for OpaqueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for OpaqueId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for OpaqueId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = OpaqueId;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id as a JSON string or integer")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(OpaqueId(v.to_string()))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(OpaqueId(v.to_string()))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(OpaqueId(v.to_owned()))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// `#[serde(with = ...)]` for an `Option<i64>` that standard (non-proto) JSON carries as a
/// number (OAuth `expires_in`, error `code`): read from a number or a string like [`Int64`],
/// written as a JSON number. Pair it with `default`.
pub mod opt_i64_as_number {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Int64;

    /// Writes `Some(n)` as the number `n`, `None` as `null`.
    pub fn serialize<S: Serializer>(value: &Option<i64>, serializer: S) -> Result<S::Ok, S::Error> {
        value.serialize(serializer)
    }

    /// Reads a number, a numeric string or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<i64>, D::Error> {
        Option::<Int64>::deserialize(deserializer).map(|v| v.map(Int64::get))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn int64_reads_string_and_number_and_writes_string() {
        let from_str: Int64 = serde_json::from_value(json!("5835806903417907")).unwrap();
        let from_num: Int64 = serde_json::from_value(json!(5835806903417907_i64)).unwrap();
        assert_eq!(from_str, Int64(5835806903417907));
        assert_eq!(from_num, from_str);
        assert_eq!(
            serde_json::to_value(from_num).unwrap(),
            json!("5835806903417907")
        );
        let negative: Int64 = serde_json::from_value(json!("-12")).unwrap();
        assert_eq!(negative.get(), -12);
    }

    #[test]
    fn int64_rejects_garbage_with_a_clear_error() {
        for bad in [
            json!("abc"),
            json!(""),
            json!("12a"),
            json!(" 12"),
            json!(1.5),
            json!(true),
        ] {
            let err = serde_json::from_value::<Int64>(bad.clone())
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("expected an int64 as a JSON string or number"),
                "{bad}: {err}"
            );
        }
        let err = serde_json::from_value::<Int64>(json!("abc"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"abc\""), "{err}");
        assert!(serde_json::from_value::<Int64>(json!(u64::MAX)).is_err());
        assert!(serde_json::from_value::<Int64>(json!("9223372036854775808")).is_err());
    }

    #[test]
    fn int64_keeps_full_precision_beyond_f64() {
        // 2^53 + 1 is not representable as f64; the string form must keep it.
        let id: Int64 = serde_json::from_value(json!("9007199254740993")).unwrap();
        assert_eq!(id.to_string(), "9007199254740993");
    }

    #[test]
    fn optional_int64_accepts_null_and_absence() {
        #[derive(Deserialize)]
        struct Holder {
            #[serde(default)]
            id: Option<Int64>,
        }
        let null: Holder = serde_json::from_value(json!({ "id": null })).unwrap();
        let absent: Holder = serde_json::from_value(json!({})).unwrap();
        assert_eq!(null.id, None);
        assert_eq!(absent.id, None);
    }

    #[test]
    fn epoch_millis_converts_to_datetime_and_back() {
        let at: EpochMillis = serde_json::from_value(json!("1356998400000")).unwrap();
        let dt = at.to_datetime().unwrap();
        assert_eq!(dt.to_rfc3339(), "2013-01-01T00:00:00+00:00");
        assert_eq!(EpochMillis::from_datetime(dt), at);
        assert_eq!(serde_json::to_value(at).unwrap(), json!("1356998400000"));
        let numeric: EpochMillis = serde_json::from_value(json!(1356998400000_i64)).unwrap();
        assert_eq!(numeric, at);
        assert!(serde_json::from_value::<EpochMillis>(json!("yesterday")).is_err());
    }

    #[test]
    fn opaque_id_reads_string_or_integer() {
        let a: OpaqueId = serde_json::from_value(json!(42)).unwrap();
        let b: OpaqueId = serde_json::from_value(json!("ag5kZXZ")).unwrap();
        assert_eq!(a.as_str(), "42");
        assert_eq!(serde_json::to_value(&a).unwrap(), json!("42"));
        assert_eq!(b.to_string(), "ag5kZXZ");
    }

    #[test]
    fn opt_i64_as_number_reads_both_and_writes_number() {
        #[derive(Serialize, Deserialize)]
        struct Holder {
            #[serde(default, with = "opt_i64_as_number")]
            n: Option<i64>,
        }
        let s: Holder = serde_json::from_value(json!({ "n": "3600" })).unwrap();
        let n: Holder = serde_json::from_value(json!({ "n": 3600 })).unwrap();
        let absent: Holder = serde_json::from_value(json!({})).unwrap();
        assert_eq!(s.n, Some(3600));
        assert_eq!(n.n, Some(3600));
        assert_eq!(absent.n, None);
        assert_eq!(serde_json::to_value(&s).unwrap(), json!({ "n": 3600 }));
    }
}
