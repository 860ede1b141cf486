//! The list cursor: an opaque string carrying a connector's paging state (the provider's
//! cursor for the page to fetch, how many items of that provider page were already returned,
//! and a fingerprint of what selects and orders the items). It lets a connector cut provider
//! pages to the caller's `limit`, and turns a cursor replayed with other filters into
//! `INVALID_CURSOR` instead of a silently wrong page.
//!
//! The encoding is URL-safe base64 (no padding) of a small JSON object. It is not signed: a
//! caller who edits one only pages through its own connection's data differently.

use serde::{Deserialize, Serialize};

use crate::error_code::{ErrorBody, ErrorCode};
use crate::model_id::ModelId;
use crate::query::{Limit, ListOptions};

/// A stable digest of what a list selects and in which order (model, filters, `sort`, `q`);
/// not of `limit`, `fields` or `expand`, which may change from page to page. FNV-1a, so every
/// gateway instance and build computes the same value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(u64);

impl Fingerprint {
    /// The fingerprint of listing `model` with `options`.
    pub fn of(model: ModelId, options: &ListOptions) -> Self {
        let sort = options.sort.map(|s| format!("{}:{:?}", s.key, s.direction));
        let q = options.q.as_ref().map(|q| q.as_str().to_owned());
        // JSON keeps the parts unambiguous whatever characters the values hold.
        let canonical = serde_json::json!([model, options.filters.pairs(), sort, q]).to_string();
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in canonical.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        Self(hash)
    }
}

/// Why a cursor string was refused; the gateway answers `INVALID_CURSOR` (400) for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    /// Not a cursor this API issued (bad encoding, unknown version).
    #[error("the cursor is not one this API issued")]
    Malformed,
    /// Issued for another model, other filters, `sort` or `q`.
    #[error("the cursor was issued for other list options; start again without it")]
    OptionsChanged,
}

impl CursorError {
    /// The error code the gateway answers with.
    pub const fn code(&self) -> ErrorCode {
        ErrorCode::InvalidCursor
    }
}

impl From<CursorError> for ErrorBody {
    fn from(error: CursorError) -> Self {
        ErrorBody::new(error.code(), error.to_string())
    }
}

/// Where the next page of a list starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    provider: Option<String>,
    offset: u32,
    fingerprint: Fingerprint,
}

/// The encoded shape; short keys keep query strings short.
#[derive(Serialize, Deserialize)]
struct Wire {
    v: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p: Option<String>,
    #[serde(default)]
    o: u32,
    f: String,
}

const VERSION: u8 = 1;

impl Cursor {
    /// The first page: no provider cursor, nothing skipped.
    pub const fn start(fingerprint: Fingerprint) -> Self {
        Self::new(None, 0, fingerprint)
    }

    /// Resume at provider page `provider` (`None`: the provider's first page), skipping its
    /// first `offset` items.
    pub const fn new(provider: Option<String>, offset: u32, fingerprint: Fingerprint) -> Self {
        Self {
            provider,
            offset,
            fingerprint,
        }
    }

    /// The provider's cursor of the page to fetch; `None` for its first page.
    pub fn provider_cursor(&self) -> Option<&str> {
        self.provider.as_deref()
    }

    /// How many items of that provider page were already returned.
    pub const fn offset(&self) -> u32 {
        self.offset
    }

    /// Cuts one provider page (fetched at this cursor) to `limit` items, and says where the
    /// next page starts: later in the same provider page, at `provider_next`, or nowhere.
    /// The page may hold fewer than `limit` items; only a `None` cursor means the end.
    pub fn cut<T>(
        &self,
        items: Vec<T>,
        limit: Limit,
        provider_next: Option<String>,
    ) -> (Vec<T>, Option<Cursor>) {
        let len = items.len();
        let start = (self.offset as usize).min(len);
        let end = start.saturating_add(limit.get() as usize).min(len);
        let page: Vec<T> = items.into_iter().skip(start).take(end - start).collect();
        let next = if end < len {
            u32::try_from(end)
                .ok()
                .map(|offset| Cursor::new(self.provider.clone(), offset, self.fingerprint))
        } else {
            provider_next.map(|p| Cursor::new(Some(p), 0, self.fingerprint))
        };
        (page, next)
    }

    /// The opaque string for `Page.next`.
    pub fn encode(&self) -> String {
        let wire = Wire {
            v: VERSION,
            p: self.provider.clone(),
            o: self.offset,
            f: format!("{:016x}", self.fingerprint.0),
        };
        // Serialising a struct of strings and integers cannot fail.
        let json = serde_json::to_vec(&wire).unwrap_or_default();
        base64url::encode(&json)
    }

    /// Reads a cursor string from a caller and checks it was issued for the same list.
    pub fn decode(input: &str, expected: Fingerprint) -> Result<Self, CursorError> {
        let bytes = base64url::decode(input.trim()).ok_or(CursorError::Malformed)?;
        let wire: Wire = serde_json::from_slice(&bytes).map_err(|_| CursorError::Malformed)?;
        if wire.v != VERSION {
            return Err(CursorError::Malformed);
        }
        let fingerprint = u64::from_str_radix(&wire.f, 16).map_err(|_| CursorError::Malformed)?;
        if Fingerprint(fingerprint) != expected {
            return Err(CursorError::OptionsChanged);
        }
        Ok(Self::new(wire.p, wire.o, expected))
    }
}

/// URL-safe base64 without padding (RFC 4648 section 5), enough for cursors.
mod base64url {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    pub(super) fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            }
        }
        out
    }

    pub(super) fn decode(input: &str) -> Option<Vec<u8>> {
        if input.len() % 4 == 1 {
            return None;
        }
        let mut out = Vec::with_capacity(input.len() * 3 / 4);
        for chunk in input.as_bytes().chunks(4) {
            let mut n = 0u32;
            for (i, c) in chunk.iter().enumerate() {
                let v = ALPHABET.iter().position(|a| a == c)?;
                n |= (v as u32) << (18 - 6 * i);
            }
            for i in 0..chunk.len() - 1 {
                out.push((n >> (16 - 8 * i)) as u8);
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn base64url_round_trips_every_length() {
        let data: Vec<u8> = (0..=255).collect();
        for len in 0..40 {
            let encoded = base64url::encode(&data[..len]);
            assert!(
                encoded
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
            assert_eq!(base64url::decode(&encoded).unwrap(), &data[..len], "{len}");
        }
        assert_eq!(base64url::encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url::encode(b"\xfb\xff"), "-_8");
        assert_eq!(base64url::decode("-_8").unwrap(), b"\xfb\xff");
        assert!(base64url::decode("a").is_none());
        assert!(base64url::decode("ab=c").is_none());
    }
}
