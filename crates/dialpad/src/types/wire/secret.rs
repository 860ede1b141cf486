//! Secrets that must travel on Dialpad's wire (OAuth tokens, client secrets, codes, webhook
//! signing secrets) but must never reach a log line: written and read as plain JSON strings,
//! printed by `Debug` as `***`, and read only through an explicit [`SecretString::expose`].

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret string. Deliberately has no `Display` and no `PartialEq` (compare the exposed
/// values where a comparison is really wanted), so it cannot be formatted or matched by
/// accident; `Debug` prints `***`.
#[derive(Clone)]
pub struct SecretString(Box<str>);

impl SecretString {
    /// Wraps `secret`.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into().into_boxed_str())
    }

    /// The secret itself, for putting on the wire or checking a signature.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for SecretString {
    fn from(secret: String) -> Self {
        Self::new(secret)
    }
}

impl From<&str> for SecretString {
    fn from(secret: &str) -> Self {
        Self::new(secret)
    }
}

impl Serialize for SecretString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn secret_goes_on_the_wire_verbatim_but_debug_hides_it() {
        let secret: SecretString = serde_json::from_value(json!("puppy")).unwrap();
        assert_eq!(secret.expose(), "puppy");
        assert_eq!(serde_json::to_value(&secret).unwrap(), json!("puppy"));
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(format!("{:?}", Some(secret)), "Some(***)");
        assert!(serde_json::from_value::<SecretString>(json!(42)).is_err());
    }
}
