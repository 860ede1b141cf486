//! The columns of Dialpad's stats CSVs whose meaning is known, with the JSON type a row
//! value gets: counts are integers, durations (minutes) numbers, flags booleans. Ids stay
//! strings (16-digit int64 ids do not fit a JSON number exactly), as does anything unknown.

use serde::Serialize;
use serde_json::Value;

/// The JSON type of a stats column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum ColumnType {
    /// A whole number (a count).
    Integer,
    /// A decimal number (minutes, a ratio).
    Number,
    /// `true` or `false`.
    Boolean,
    /// An ISO 8601 instant (UTC).
    Datetime,
    /// A local day, `YYYY-MM-DD`.
    Date,
    /// Text, ids included.
    String,
}

const INTEGERS: &[&str] = &[
    "total_calls",
    "inbound_calls",
    "outbound_calls",
    "answered_calls",
    "missed_calls",
    "voicemails",
    "recorded_calls",
    "recordings",
    "texts_sent",
    "texts_received",
    "sessions",
    "score",
];

const DATETIMES: &[&str] = &[
    "date_started",
    "date_connected",
    "date_ended",
    "date_sent",
    "recording_start",
];

const BOOLEANS: &[&str] = &["was_recorded"];

/// The type of column `name` (by its header).
pub fn column_type(name: &str) -> ColumnType {
    if name == "date" {
        ColumnType::Date
    } else if DATETIMES.contains(&name) {
        ColumnType::Datetime
    } else if INTEGERS.contains(&name) {
        ColumnType::Integer
    } else if BOOLEANS.contains(&name) {
        ColumnType::Boolean
    } else if name.ends_with("_duration") || name == "occupancy" {
        ColumnType::Number
    } else {
        ColumnType::String
    }
}

/// A CSV cell as JSON: empty is `null`; a value that does not read as its column's type
/// stays a string rather than being lost.
pub fn typed_value(kind: ColumnType, cell: &str) -> Value {
    if cell.is_empty() {
        return Value::Null;
    }
    let parsed = match kind {
        ColumnType::Integer => cell.parse::<i64>().ok().map(Value::from),
        ColumnType::Number => cell
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        ColumnType::Boolean => match cell {
            "true" | "True" | "TRUE" | "1" => Some(Value::Bool(true)),
            "false" | "False" | "FALSE" | "0" => Some(Value::Bool(false)),
            _ => None,
        },
        ColumnType::Datetime | ColumnType::Date | ColumnType::String => None,
    };
    parsed.unwrap_or_else(|| Value::String(cell.to_owned()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn known_columns_are_typed_and_the_rest_are_strings() {
        assert_eq!(column_type("talk_duration"), ColumnType::Number);
        assert_eq!(column_type("total_calls"), ColumnType::Integer);
        assert_eq!(column_type("call_id"), ColumnType::String);
        assert_eq!(typed_value(ColumnType::Number, "1.50"), json!(1.5));
        assert_eq!(typed_value(ColumnType::Integer, "7"), json!(7));
        assert_eq!(typed_value(ColumnType::Boolean, "true"), json!(true));
        assert_eq!(typed_value(ColumnType::Integer, "n/a"), json!("n/a"));
        assert_eq!(typed_value(ColumnType::String, ""), Value::Null);
    }
}
