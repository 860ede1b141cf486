//! The wire names a serde struct reads, taken from the type itself: a deserializer that
//! records the field list serde's derive hands to `deserialize_struct`, then stops.

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, DeserializeOwned, Visitor};
use serde::forward_to_deserialize_any;

/// The field names (aliases included) `T`'s derived `Deserialize` accepts.
pub fn names<T: DeserializeOwned>() -> BTreeSet<String> {
    let mut recorder = Recorder(None);
    let _ = T::deserialize(&mut recorder);
    let fields = recorder
        .0
        .unwrap_or_else(|| panic!("{} is not a struct", std::any::type_name::<T>()));
    fields.iter().map(|name| (*name).to_owned()).collect()
}

struct Recorder(Option<&'static [&'static str]>);

#[derive(Debug)]
struct Stop;

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field names recorded")
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Self
    }
}

impl<'de> de::Deserializer<'de> for &mut Recorder {
    type Error = Stop;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Stop> {
        self.0 = Some(fields);
        Err(Stop)
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}
