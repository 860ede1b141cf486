//! Small value types parsed once at the edge: `Email`, `PhoneNumber` (E.164) and `Name`.
//! Holding one of these proves the string was checked, so connectors and the gateway never
//! re-validate; on the wire each is a plain JSON string.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};
use utoipa::ToSchema;

/// Longest accepted email address, in bytes (RFC 5321 path limit).
const EMAIL_MAX_LEN: usize = 254;
/// Longest accepted local part (before `@`), in bytes.
const EMAIL_LOCAL_MAX_LEN: usize = 64;

/// An email address: one `@`, a non-empty local part, and a domain of at least two labels;
/// Unicode allowed (`idn-email`), as providers store it.
///
/// Deliberately simpler than RFC 5322 (no quoted local parts, no IP literals): it accepts
/// what providers store and rejects obvious typos. The domain is lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, ToSchema)]
#[serde(try_from = "String")]
#[schema(value_type = String, format = "idn-email", examples("ada@example.com"))]
pub struct Email(String);

/// Why a string is not an [`Email`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("expected an email address such as `ada@example.com`")]
pub struct EmailError;

impl Email {
    /// Parses an address, trimming surrounding whitespace.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim();
        if s.len() > EMAIL_MAX_LEN {
            return Err(EmailError);
        }
        let (local, domain) = s.split_once('@').ok_or(EmailError)?;
        if !valid_local_part(local) || !valid_domain(domain) {
            return Err(EmailError);
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

fn valid_local_part(local: &str) -> bool {
    const FORBIDDEN: &[char] = &['@', '"', '(', ')', ',', ':', ';', '<', '>', '[', ']', '\\'];
    !local.is_empty()
        && local.len() <= EMAIL_LOCAL_MAX_LEN
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !FORBIDDEN.contains(&c))
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    // A numeric top-level label means an IP address or a typo, never a mailbox domain.
    let tld_ok = labels
        .last()
        .is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_digit()));
    labels.len() >= 2 && labels.iter().all(label_ok) && tld_ok
}

/// A phone number in E.164: `+`, then 2 to 15 digits, the first not `0`.
///
/// No spaces or punctuation are accepted: the unified API speaks E.164 only, so a value
/// that round-trips through it is always dialable as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, ToSchema)]
#[serde(try_from = "String")]
#[schema(value_type = String, format = "e164", examples("+14155550100"), pattern = r"^\+[1-9][0-9]{1,14}$")]
pub struct PhoneNumber(String);

/// Why a string is not a [`PhoneNumber`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "expected an E.164 phone number: `+` then 2 to 15 digits, the first not 0 (e.g. `+14155550100`)"
)]
pub struct PhoneNumberError;

impl PhoneNumber {
    /// Parses an E.164 number, trimming surrounding whitespace.
    pub fn parse(input: &str) -> Result<Self, PhoneNumberError> {
        let s = input.trim();
        let digits = s.strip_prefix('+').ok_or(PhoneNumberError)?;
        let valid = (2..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if valid {
            Ok(Self(s.to_owned()))
        } else {
            Err(PhoneNumberError)
        }
    }

    /// The number as a string slice, `+` included.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A short human text (a first name, a company name, a job title): 1 to 250 characters
/// after trimming, counted in Unicode scalar values rather than bytes, with no control
/// characters (a line break or NUL in a name breaks CSV exports, logs and provider UIs).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, ToSchema)]
#[serde(try_from = "String")]
#[schema(value_type = String, examples("Ada"))]
pub struct Name(String);

/// Why a string is not a [`Name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Empty or only whitespace.
    #[error("must not be empty")]
    TooShort,
    /// Longer than [`Name::MAX_CHARS`].
    #[error("must be at most {} characters", Name::MAX_CHARS)]
    TooLong,
    /// Holds a control character (line break, tab, NUL...) after trimming.
    #[error("must not contain control characters such as line breaks or tabs")]
    ControlCharacter,
}

impl Name {
    /// Most characters a name may hold.
    pub const MAX_CHARS: usize = 250;

    /// Parses a name, trimming surrounding whitespace.
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let s = input.trim();
        match s.chars().count() {
            0 => Err(NameError::TooShort),
            n if n > Self::MAX_CHARS => Err(NameError::TooLong),
            _ if s.chars().any(char::is_control) => Err(NameError::ControlCharacter),
            _ => Ok(Self(s.to_owned())),
        }
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Shared impls: plain-string serialisation, `Display`, `AsRef<str>`, `TryFrom<String>`.
macro_rules! string_value {
    ($($ty:ident => $err:ty),+ $(,)?) => {
        $(
            impl Serialize for $ty {
                fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    serializer.serialize_str(&self.0)
                }
            }

            impl fmt::Display for $ty {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str(&self.0)
                }
            }

            impl AsRef<str> for $ty {
                fn as_ref(&self) -> &str {
                    &self.0
                }
            }

            impl TryFrom<String> for $ty {
                type Error = $err;

                fn try_from(value: String) -> Result<Self, Self::Error> {
                    Self::parse(&value)
                }
            }

            impl TryFrom<&str> for $ty {
                type Error = $err;

                fn try_from(value: &str) -> Result<Self, Self::Error> {
                    Self::parse(value)
                }
            }

            impl From<$ty> for String {
                fn from(value: $ty) -> Self {
                    value.0
                }
            }
        )+
    };
}

string_value!(Email => EmailError, PhoneNumber => PhoneNumberError, Name => NameError);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn email_accepts_common_addresses_and_lowercases_the_domain() {
        assert_eq!(
            Email::parse("ada@example.com").unwrap().as_str(),
            "ada@example.com"
        );
        assert_eq!(
            Email::parse("  Ada.Lovelace+calls@Mail.Example.CO.uk ")
                .unwrap()
                .as_str(),
            "Ada.Lovelace+calls@mail.example.co.uk"
        );
        assert!(Email::parse("jörg@bücher.de").is_ok());
    }

    #[test]
    fn email_rejects_typos() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "a da@example.com",
            "ada@exa mple.com",
            ".ada@example.com",
            "ada.@example.com",
            "a..da@example.com",
            "ada@-example.com",
            "ada@example..com",
            "ada@10.0.0.1",
            "ada@example.com@x.io",
        ] {
            assert_eq!(
                Email::parse(bad),
                Err(EmailError),
                "{bad:?} should be rejected"
            );
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert!(Email::parse(&long_local).is_err());
    }

    #[test]
    fn phone_number_is_strict_e164() {
        for good in ["+14155550100", "+33612345678", "+12", "+123456789012345"] {
            assert_eq!(PhoneNumber::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "+",
            "+1",
            "14155550100",
            "+0155550100",
            "+1 415 555 0100",
            "+1-415-555-0100",
            "+1234567890123456",
            "+1415555010a",
            "++14155550100",
            "tel:+14155550100",
        ] {
            assert_eq!(
                PhoneNumber::parse(bad),
                Err(PhoneNumberError),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn name_counts_characters_not_bytes() {
        assert_eq!(Name::parse("  Ada ").unwrap().as_str(), "Ada");
        assert_eq!(Name::parse("   "), Err(NameError::TooShort));
        // 250 two-byte characters are 500 bytes but still a valid name.
        assert!(Name::parse(&"é".repeat(250)).is_ok());
        assert_eq!(Name::parse(&"é".repeat(251)), Err(NameError::TooLong));
    }

    #[test]
    fn name_rejects_control_characters_inside_but_trims_them_around() {
        for bad in [
            "Ada\nLovelace",
            "Ada\tL",
            "Ada\u{0}",
            "A\u{7f}da",
            "Ada\u{85}L",
        ] {
            assert_eq!(
                Name::parse(bad),
                Err(NameError::ControlCharacter),
                "{bad:?}"
            );
        }
        assert_eq!(Name::parse("\n Ada \t").unwrap().as_str(), "Ada");
        assert!(serde_json::from_str::<Name>("\"Ada\\u0000\"").is_err());
    }

    #[test]
    fn values_serialise_as_plain_strings_and_deserialise_through_parse() {
        let email = Email::parse("ada@example.com").unwrap();
        assert_eq!(
            serde_json::to_string(&email).unwrap(),
            "\"ada@example.com\""
        );
        let back: Email = serde_json::from_str("\"ada@example.com\"").unwrap();
        assert_eq!(back, email);
        assert!(serde_json::from_str::<PhoneNumber>("\"555-0100\"").is_err());
        assert!(serde_json::from_str::<Name>("\"\"").is_err());
    }
}
