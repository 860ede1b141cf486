//! Typed, prefixed ids (`ten_…`, `conn_…`) and the random material of ids and API keys.
//! Ids are a prefix plus 22 base62 characters (131 bits); secret keys carry 32 random
//! bytes, publishable keys 18, both base64url.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::distributions::Alphanumeric;
use rand::rngs::OsRng;
use rand::{Rng as _, RngCore as _};

/// Random characters after an id's prefix.
const ID_RANDOM_LEN: usize = 22;
/// Longest id accepted from outside (ours are shorter; leaves room for other schemes).
const MAX_ID_LEN: usize = 64;

/// A string that is not a valid id of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {kind} id (expected `{prefix}` followed by letters and digits)")]
pub struct InvalidId {
    /// What kind of id was expected.
    pub kind: &'static str,
    /// The expected prefix.
    pub prefix: &'static str,
    /// The rejected input (ids are not secret).
    pub value: String,
}

macro_rules! prefixed_id {
    ($(#[$meta:meta])* $name:ident, $kind:literal, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The prefix every such id starts with.
            pub const PREFIX: &'static str = $prefix;

            /// A fresh random id.
            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, random_base62(ID_RANDOM_LEN)))
            }

            /// Wraps an id read from the database (already valid).
            pub(crate) fn from_db(id: String) -> Self {
                Self(id)
            }

            /// Parses an id that came from outside.
            pub fn new(value: impl Into<String>) -> Result<Self, InvalidId> {
                let value = value.into();
                let rest = value.strip_prefix($prefix).unwrap_or("");
                if rest.is_empty()
                    || value.len() > MAX_ID_LEN
                    || !rest.bytes().all(|b| b.is_ascii_alphanumeric())
                {
                    return Err(InvalidId { kind: $kind, prefix: $prefix, value });
                }
                Ok(Self(value))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

prefixed_id!(
    /// A tenant (one of our customers): `ten_…`.
    TenantId, "tenant", "ten_"
);
prefixed_id!(
    /// A connection (tenant, connector, owner): `conn_…`.
    ConnectionId, "connection", "conn_"
);

/// `prefix` plus 22 random base62 characters, for ids of other rows (`key_…`, `cf_…`).
pub(crate) fn random_id(prefix: &str) -> String {
    format!("{prefix}{}", random_base62(ID_RANDOM_LEN))
}

/// A fresh secret key: `sk_` + base64url of 32 random bytes.
pub(crate) fn new_secret_key() -> String {
    format!("sk_{}", random_base64url::<32>())
}

/// A fresh publishable key: `pk_` + base64url of 18 random bytes.
pub(crate) fn new_publishable_key() -> String {
    format!("pk_{}", random_base64url::<18>())
}

fn random_base62(len: usize) -> String {
    OsRng
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

pub(crate) fn random_base64url<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn ids_parse_at_the_edge() {
        let id = TenantId::generate();
        assert!(id.as_str().starts_with("ten_"));
        assert_eq!(id.as_str().len(), 4 + 22);
        assert_eq!(id.as_str().parse::<TenantId>().unwrap(), id);
        assert!("ten_".parse::<TenantId>().is_err());
        assert!("conn_abc".parse::<TenantId>().is_err());
        assert!("ten_a/b".parse::<TenantId>().is_err());
        let err = "x".parse::<ConnectionId>().unwrap_err().to_string();
        assert!(err.contains("connection id"), "{err}");
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<TenantId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<TenantId>("\"nope\"").is_err());
    }

    #[test]
    fn keys_have_their_prefix_and_length() {
        let sk = new_secret_key();
        assert!(sk.starts_with("sk_") && sk.len() == 3 + 43, "{sk}");
        let pk = new_publishable_key();
        assert!(pk.starts_with("pk_") && pk.len() == 3 + 24, "{pk}");
        assert_ne!(new_secret_key(), sk);
    }
}
