//! Tamper-evident cursors: the core's opaque cursor plus an HMAC bound to the connection it
//! was issued for, so a forged, edited or borrowed cursor is a 400 `INVALID_CURSOR` before
//! any connector runs, and a cursor never pages through another connection's data.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use patchbay_core::CursorError;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of MAC kept: 128 bits is plenty against forgery and keeps cursors short.
const TAG_LEN: usize = 16;

/// Seals and opens cursors with a server key.
#[derive(Clone)]
pub struct CursorSeal {
    key: [u8; 32],
}

impl std::fmt::Debug for CursorSeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorSeal(***)")
    }
}

impl CursorSeal {
    /// A seal under `key` (every gateway instance must use the same one).
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    fn tag(&self, scope: &str, cursor: &str) -> [u8; 32] {
        // HMAC zero-pads keys to its 64-byte block, so this is HMAC under `key`, infallibly.
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&self.key);
        let mut mac = <HmacSha256 as hmac::digest::KeyInit>::new(&block.into());
        mac.update(scope.as_bytes());
        mac.update(&[0]);
        mac.update(cursor.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// `cursor` sealed for `scope` (a connection id).
    pub fn seal(&self, scope: &str, cursor: &str) -> String {
        let tag = self.tag(scope, cursor);
        format!("{cursor}.{}", URL_SAFE_NO_PAD.encode(&tag[..TAG_LEN]))
    }

    /// The inner cursor of `sealed`, if it was sealed by this key for `scope`.
    pub fn open<'a>(&self, scope: &str, sealed: &'a str) -> Result<&'a str, CursorError> {
        let (cursor, tag) = sealed
            .trim()
            .rsplit_once('.')
            .ok_or(CursorError::Malformed)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| CursorError::Malformed)?;
        let expected = self.tag(scope, cursor);
        let equal: bool =
            subtle::ConstantTimeEq::ct_eq(tag.as_slice(), &expected[..TAG_LEN]).into();
        if equal {
            Ok(cursor)
        } else {
            Err(CursorError::Malformed)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_cursor_opens_only_for_its_scope_and_unedited() {
        let seal = CursorSeal::new([7; 32]);
        let sealed = seal.seal("conn_a", "eyJ2IjoxfQ");
        assert_eq!(seal.open("conn_a", &sealed).unwrap(), "eyJ2IjoxfQ");
        assert!(seal.open("conn_b", &sealed).is_err());
        assert!(
            seal.open("conn_a", &sealed.replace("eyJ2", "eyJ3"))
                .is_err()
        );
        assert!(seal.open("conn_a", "garbage").is_err());
        assert!(CursorSeal::new([8; 32]).open("conn_a", &sealed).is_err());
    }
}
