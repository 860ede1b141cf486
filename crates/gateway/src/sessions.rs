//! Session tokens: short-lived, signed capabilities for one connection and some of its
//! operations, for an end user's browser (`x-session-token`, the Connect page). Compact:
//! `pbs1.<base64url(JSON claims)>.<base64url(HMAC-SHA256)>`, operations as a bitmask, signed
//! with a key distinct from the encryption key (`PATCHBAY_SESSION_KEY`, else derived from the
//! keyring), verified in constant time, stateless (no database read to check one).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use patchbay_core::Operation;
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::store::{ConnectionId, TenantId};

/// The format tag, first part of every token.
const PREFIX: &str = "pbs1";
/// Default lifetime of a session, in seconds (30 minutes).
pub const DEFAULT_TTL_SECS: u32 = 30 * 60;
/// Longest lifetime of a session, in seconds (24 hours).
pub const MAX_TTL_SECS: u32 = 24 * 60 * 60;
/// The context [`crate::crypto::Keyring::derive_key`] derives the session key under.
pub const DERIVATION_CONTEXT: &[u8] = b"patchbay/sessions/v1";

/// The HMAC-SHA256 key of session tokens. `Debug` prints `***`.
#[derive(Clone)]
pub struct SessionKey([u8; 32]);

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(***)")
    }
}

impl Default for SessionKey {
    /// A random key: sessions signed with it die with the process.
    fn default() -> Self {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        Self(key)
    }
}

/// `PATCHBAY_SESSION_KEY` is not 32 bytes of base64.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("PATCHBAY_SESSION_KEY must be 32 bytes, base64-encoded (`openssl rand -base64 32`)")]
pub struct InvalidSessionKey;

impl SessionKey {
    /// A key from raw bytes (a derived key).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Parses base64 (standard or URL-safe, padded or not) of exactly 32 bytes.
    pub fn parse(text: &str) -> Result<Self, InvalidSessionKey> {
        let text = text.trim();
        let bytes = STANDARD
            .decode(text)
            .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
            .map_err(|_| InvalidSessionKey)?;
        bytes.try_into().map(Self).map_err(|_| InvalidSessionKey)
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC zero-pads a short key to the hash's block size; padding here gives the same
        // MAC through the infallible fixed-size constructor.
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&self.0);
        <Hmac<Sha256> as KeyInit>::new(&block.into())
    }
}

/// What a session token grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The tenant.
    #[serde(rename = "t")]
    pub tenant_id: TenantId,
    /// The one connection.
    #[serde(rename = "c")]
    pub connection_id: ConnectionId,
    /// Its connector.
    #[serde(rename = "k")]
    pub connector_id: String,
    /// Its owner.
    #[serde(rename = "o")]
    pub owner_id: String,
    /// The operations granted (a bitmask over the operation table on the wire).
    #[serde(rename = "g", with = "operation_mask")]
    pub operations: Vec<Operation>,
    /// Expiry, epoch seconds.
    #[serde(rename = "exp")]
    pub expires_at: i64,
    /// A random nonce: two sessions never share a token.
    #[serde(rename = "n")]
    pub nonce: String,
}

impl SessionClaims {
    /// When the session ends.
    pub fn expires(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.expires_at, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}

/// Operations as a bitmask over [`Operation::all`] (model-major), tagged with a digest of
/// that table: a token made when the table was different does not verify as another grant.
mod operation_mask {
    use std::sync::OnceLock;

    use patchbay_core::Operation;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use sha2::{Digest as _, Sha256};

    #[derive(Serialize, Deserialize)]
    struct Wire {
        /// The table's digest.
        t: u32,
        /// Bit `i`: the `i`-th operation of the table.
        m: u64,
    }

    fn table_tag() -> u32 {
        static TAG: OnceLock<u32> = OnceLock::new();
        *TAG.get_or_init(|| {
            let mut hash = Sha256::new();
            for op in Operation::all() {
                hash.update(op.to_string().as_bytes());
                hash.update([0]);
            }
            let digest = hash.finalize();
            u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
        })
    }

    pub(super) fn serialize<S: Serializer>(ops: &[Operation], s: S) -> Result<S::Ok, S::Error> {
        let mut mask = 0u64;
        for (i, op) in Operation::all().enumerate().take(64) {
            if ops.contains(&op) {
                mask |= 1 << i;
            }
        }
        Wire {
            t: table_tag(),
            m: mask,
        }
        .serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Operation>, D::Error> {
        let wire = Wire::deserialize(d)?;
        if wire.t != table_tag() {
            return Err(D::Error::custom("the operation table changed"));
        }
        Ok(Operation::all()
            .enumerate()
            .take(64)
            .filter(|(i, _)| wire.m & (1 << i) != 0)
            .map(|(_, op)| op)
            .collect())
    }
}

/// A nonce for [`SessionClaims::nonce`].
pub fn nonce() -> String {
    let mut bytes = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Why a session token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// Not a token, altered, or signed with another key.
    #[error("the session token is invalid")]
    Invalid,
    /// Genuine, but past its expiry.
    #[error("the session has expired")]
    Expired,
}

/// Signs `claims` into a token.
pub fn issue(key: &SessionKey, claims: &SessionClaims) -> String {
    // Claims are plain data: serialising them cannot fail.
    let json = serde_json::to_vec(claims).unwrap_or_default();
    let signed = format!("{PREFIX}.{}", URL_SAFE_NO_PAD.encode(json));
    let mut mac = key.mac();
    mac.update(signed.as_bytes());
    let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signed}.{tag}")
}

/// Checks `token`'s signature (in constant time) and then its expiry against `now`.
pub fn verify(
    key: &SessionKey,
    token: &str,
    now: DateTime<Utc>,
) -> Result<SessionClaims, SessionError> {
    let (signed, tag) = token.rsplit_once('.').ok_or(SessionError::Invalid)?;
    let payload = signed
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.strip_prefix('.'))
        .ok_or(SessionError::Invalid)?;
    let tag = URL_SAFE_NO_PAD
        .decode(tag)
        .map_err(|_| SessionError::Invalid)?;
    let mut mac = key.mac();
    mac.update(signed.as_bytes());
    mac.verify_slice(&tag).map_err(|_| SessionError::Invalid)?;
    let json = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| SessionError::Invalid)?;
    let claims: SessionClaims = serde_json::from_slice(&json).map_err(|_| SessionError::Invalid)?;
    if claims.expires_at <= now.timestamp() {
        return Err(SessionError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn claims(expires_at: i64) -> SessionClaims {
        SessionClaims {
            tenant_id: TenantId::generate(),
            connection_id: ConnectionId::generate(),
            connector_id: "dialpad".into(),
            owner_id: "acme".into(),
            operations: vec!["genericContact::list".parse().unwrap()],
            expires_at,
            nonce: nonce(),
        }
    }

    #[test]
    fn tokens_verify_expire_and_refuse_tampering_or_another_key() {
        let key = SessionKey::default();
        let now = Utc::now();
        let c = claims(now.timestamp() + 60);
        let token = issue(&key, &c);
        assert!(token.starts_with("pbs1."));
        assert_eq!(verify(&key, &token, now).unwrap(), c);
        assert_eq!(
            verify(&key, &token, now + chrono::Duration::seconds(61)),
            Err(SessionError::Expired)
        );
        assert_eq!(
            verify(&SessionKey::default(), &token, now),
            Err(SessionError::Invalid)
        );
        // Flip one character of the payload: the signature no longer matches.
        let mut bytes = token.into_bytes();
        bytes[8] = if bytes[8] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert_eq!(verify(&key, &tampered, now), Err(SessionError::Invalid));
        for junk in ["", "pbs1", "pbs1..", "x.y.z", "pbs1.e30.AAAA"] {
            assert_eq!(
                verify(&key, junk, now),
                Err(SessionError::Invalid),
                "{junk}"
            );
        }
        // An expired token whose signature is wrong is invalid, not expired.
        let old = issue(&SessionKey::default(), &claims(now.timestamp() - 10));
        assert_eq!(verify(&key, &old, now), Err(SessionError::Invalid));
    }

    #[test]
    fn every_operation_survives_the_mask_and_tokens_stay_short() {
        let key = SessionKey::default();
        let mut c = claims(Utc::now().timestamp() + 60);
        c.operations = Operation::all().collect();
        let token = issue(&key, &c);
        assert_eq!(verify(&key, &token, Utc::now()).unwrap(), c);
        assert!(token.len() < 300, "{} characters", token.len());
    }

    #[test]
    fn keys_parse_from_base64_and_hide_in_debug() {
        let text = STANDARD.encode([9u8; 32]);
        let key = SessionKey::parse(&text).unwrap();
        assert_eq!(format!("{key:?}"), "SessionKey(***)");
        assert_eq!(
            SessionKey::parse(&URL_SAFE_NO_PAD.encode([9u8; 32]))
                .unwrap()
                .0,
            key.0
        );
        assert!(SessionKey::parse("c2hvcnQ=").is_err());
        assert!(SessionKey::parse("not base64!").is_err());
    }
}
