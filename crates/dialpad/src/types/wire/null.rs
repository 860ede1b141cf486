//! JSON `null` on Dialpad's wire. Update bodies need three states per field (leave as is,
//! clear, set), which `Option` cannot express; responses send `null` for lists Dialpad
//! considers empty, which `#[serde(default)]` alone does not accept.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A field of an update (PATCH) body: [`Absent`](Self::Absent) leaves the stored value as it
/// is, [`Null`](Self::Null) clears it, [`Value`](Self::Value) replaces it.
///
/// Pair it with `#[serde(default, skip_serializing_if = "Nullable::is_absent")]` so that an
/// absent field is not written at all and a missing key reads as `Absent`; `Null` is written
/// and read as JSON `null`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Nullable<T> {
    /// Not sent: Dialpad keeps the current value.
    #[default]
    Absent,
    /// Sent as `null`: Dialpad clears the value.
    Null,
    /// Sent as the value.
    Value(T),
}

impl<T> Nullable<T> {
    /// Whether the field is left out of the body (the `skip_serializing_if` predicate).
    pub const fn is_absent(&self) -> bool {
        matches!(self, Self::Absent)
    }

    /// Whether the field clears the stored value.
    pub const fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// The new value, if one is set.
    pub const fn value(&self) -> Option<&T> {
        match self {
            Self::Value(value) => Some(value),
            Self::Absent | Self::Null => None,
        }
    }

    /// The new value, if one is set, by value.
    pub fn into_value(self) -> Option<T> {
        match self {
            Self::Value(value) => Some(value),
            Self::Absent | Self::Null => None,
        }
    }

    /// Applies `f` to a set value, keeping `Absent` and `Null`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Nullable<U> {
        match self {
            Self::Absent => Nullable::Absent,
            Self::Null => Nullable::Null,
            Self::Value(value) => Nullable::Value(f(value)),
        }
    }
}

impl<T> From<T> for Nullable<T> {
    fn from(value: T) -> Self {
        Self::Value(value)
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    /// `Absent` should have been skipped; if it is not, it is written as `null` too, since JSON
    /// has no way to write "nothing" in a value position.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Value(value) => serializer.serialize_some(value),
            Self::Absent | Self::Null => serializer.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    /// Only called when the key is present (a missing key takes the `Absent` default).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(deserializer).map(|value| value.map_or(Self::Null, Self::Value))
    }
}

/// `#[serde(deserialize_with = "null_as_empty")]` for a `Vec` field: reads JSON `null` as an
/// empty list. The spec types nearly every array `["array", "null"]`, and one `null` list must
/// not fail a whole payload. Pair it with `default` for a missing key.
pub fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<Vec<T>>::deserialize(deserializer).map(Option::unwrap_or_default)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(default)]
    struct Patch {
        #[serde(skip_serializing_if = "Nullable::is_absent")]
        name: Nullable<String>,
        #[serde(deserialize_with = "null_as_empty")]
        #[serde(skip_serializing_if = "Vec::is_empty")]
        tags: Vec<String>,
    }

    #[test]
    fn nullable_writes_nothing_null_or_the_value() {
        let absent = Patch::default();
        let cleared = Patch {
            name: Nullable::Null,
            ..Patch::default()
        };
        let set = Patch {
            name: "Ada".to_owned().into(),
            ..Patch::default()
        };
        assert_eq!(serde_json::to_value(&absent).unwrap(), json!({}));
        assert_eq!(
            serde_json::to_value(&cleared).unwrap(),
            json!({"name": null})
        );
        assert_eq!(serde_json::to_value(&set).unwrap(), json!({"name": "Ada"}));
    }

    #[test]
    fn nullable_reads_missing_null_and_value_apart() {
        let read = |body| serde_json::from_value::<Patch>(body).unwrap().name;
        assert_eq!(read(json!({})), Nullable::Absent);
        assert_eq!(read(json!({"name": null})), Nullable::Null);
        assert_eq!(
            read(json!({"name": "Ada"})),
            Nullable::Value("Ada".to_owned())
        );
        assert_eq!(
            read(json!({"name": "Ada"})).value().map(String::as_str),
            Some("Ada")
        );
    }

    #[test]
    fn null_list_reads_as_empty_and_other_lists_as_they_are() {
        let read = |body| serde_json::from_value::<Patch>(body).unwrap().tags;
        assert!(read(json!({"tags": null})).is_empty());
        assert!(read(json!({})).is_empty());
        assert_eq!(read(json!({"tags": ["a"]})), vec!["a".to_owned()]);
        assert!(serde_json::from_value::<Patch>(json!({"tags": "a"})).is_err());
    }
}
