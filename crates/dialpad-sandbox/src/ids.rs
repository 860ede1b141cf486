//! Dialpad's id and timestamp conventions: int64 values travel as JSON strings,
//! call timestamps as epoch milliseconds (also strings), user and office dates as
//! naive UTC ISO strings. Requests may carry either strings or numbers.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// Serialises an int64 the way Dialpad does: as a decimal string.
pub fn ser_i64<S: Serializer>(value: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

/// Serialises an optional int64 as a decimal string (or omits it, with `skip_serializing_if`).
pub fn ser_opt_i64<S: Serializer>(value: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => s.collect_str(v),
        None => s.serialize_none(),
    }
}

/// Serialises a list of int64 as strings.
pub fn ser_vec_i64<S: Serializer>(values: &[i64], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(values.iter().map(i64::to_string))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum StrOrNum {
    Num(i64),
    Str(String),
}

/// Parses an int64 given as a JSON number or a decimal string.
pub fn de_opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<StrOrNum>::deserialize(d)? {
        None => Ok(None),
        Some(StrOrNum::Num(n)) => Ok(Some(n)),
        Some(StrOrNum::Str(s)) if s.is_empty() => Ok(None),
        Some(StrOrNum::Str(s)) => s
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("invalid int64 value {s:?}"))),
    }
}

/// A field of an update body that `null` clears: with `#[serde(default)]`, absent is
/// `None` (leave it), `null` is `Some(None)` (clear it), a value is `Some(Some(v))`.
pub fn de_nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Parses a path or query id.
pub fn parse_id(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|v| *v > 0)
}

/// Dialpad's naive UTC date format for users and offices.
pub fn naive_iso(t: DateTime<Utc>) -> String {
    t.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Transcript line times: naive UTC with microseconds.
pub fn naive_iso_micros(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// Now, as epoch milliseconds.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Parses a query-string boolean the way Dialpad's frontend does: `true`/`false` in
/// any case, and `1`/`0` (Python clients send `True`).
pub fn de_opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let Some(raw) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    match raw.to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "1" => Ok(Some(true)),
        "false" | "0" => Ok(Some(false)),
        _ => Err(serde::de::Error::custom(format!("invalid boolean {raw:?}"))),
    }
}
