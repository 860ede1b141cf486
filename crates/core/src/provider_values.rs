//! Values a tenant's custom fields write straight into the provider's request body, each at
//! a JSON pointer (`/custom/crm_id`). The gateway builds them from the custom-field
//! declarations; a connector applies them to the body it is about to send.

use serde_json::{Map, Value};

/// Why a provider value could not be placed in a request body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot write at `{pointer}`: {reason}")]
pub struct ProviderValueError {
    /// The pointer that failed.
    pub pointer: String,
    /// Why.
    pub reason: &'static str,
}

/// Provider-body values by JSON pointer, applied in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProviderValues(Vec<(String, Value)>);

impl ProviderValues {
    /// No values.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `value` at `pointer` (RFC 6901, e.g. `/custom/crm_id`).
    pub fn push(&mut self, pointer: impl Into<String>, value: Value) {
        self.0.push((pointer.into(), value));
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The values, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(p, v)| (p.as_str(), v))
    }

    /// Writes every value into `body`, creating intermediate objects. A pointer that goes
    /// through a non-object (an array or a scalar) is refused rather than clobbering it.
    pub fn apply_to(&self, body: &mut Value) -> Result<(), ProviderValueError> {
        for (pointer, value) in &self.0 {
            set_pointer(body, pointer, value.clone())?;
        }
        Ok(())
    }
}

/// Whether `pointer` is a JSON pointer a custom field may write to: non-empty, starting
/// with `/`, with no empty or array-index segment.
pub fn is_writable_pointer(pointer: &str) -> bool {
    pointer.starts_with('/')
        && pointer.len() > 1
        && segments(pointer).all(|s| !s.is_empty() && !s.chars().all(|c| c.is_ascii_digit()))
}

fn segments(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
}

fn set_pointer(body: &mut Value, pointer: &str, value: Value) -> Result<(), ProviderValueError> {
    let fail = |reason| ProviderValueError {
        pointer: pointer.to_owned(),
        reason,
    };
    if !is_writable_pointer(pointer) {
        return Err(fail("not a writable JSON pointer"));
    }
    let keys: Vec<String> = segments(pointer).collect();
    let Some((last, parents)) = keys.split_last() else {
        return Err(fail("empty pointer"));
    };
    let mut node = body;
    for key in parents {
        let Value::Object(map) = node else {
            return Err(fail("a parent is not an object"));
        };
        node = map
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    match node {
        Value::Object(map) => {
            map.insert(last.clone(), value);
            Ok(())
        }
        _ => Err(fail("a parent is not an object")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    #[test]
    fn writes_nested_values_and_refuses_to_clobber_scalars() {
        let mut values = ProviderValues::new();
        values.push("/custom/crm~1id", json!("C-1"));
        values.push("/first_name", json!("Ada"));
        let mut body = json!({"first_name": "x", "phones": ["+1"]});
        values.apply_to(&mut body).unwrap();
        assert_eq!(
            body,
            json!({"first_name": "Ada", "phones": ["+1"], "custom": {"crm/id": "C-1"}})
        );

        let mut bad = ProviderValues::new();
        bad.push("/first_name/x", json!(1));
        assert!(bad.apply_to(&mut body).is_err());
        assert!(!is_writable_pointer("/phones/0"));
        assert!(!is_writable_pointer(""));
        assert!(!is_writable_pointer("//a"));
    }
}
