//! Encryption at rest: a keyring of named 32-byte keys (`PATCHBAY_ENCRYPTION_KEY`) and
//! XChaCha20-Poly1305 blobs that name the key they were sealed under, so keys can be
//! rotated. Decryption never falls back: an unknown key or a failed tag is a typed error.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore as _;
use rand::rngs::OsRng;
use sha2::Sha256;

/// The first byte of every blob: the format version.
const BLOB_VERSION: u8 = 1;
/// XChaCha20 nonces are 24 bytes: random nonces never repeat in practice.
const NONCE_LEN: usize = 24;
/// Poly1305 tag length.
const TAG_LEN: usize = 16;
/// Key ids are short names (`k1`, `2025-06`): at most this many bytes.
const MAX_KEY_ID_LEN: usize = 64;

/// A keyring: the first key is active (encrypts), every key decrypts. `Debug` prints the key
/// ids only. Cheap to clone.
#[derive(Clone)]
pub struct Keyring {
    keys: Arc<[NamedKey]>,
}

struct NamedKey {
    id: String,
    cipher: XChaCha20Poly1305,
    /// The key itself, for [`Keyring::derive_key`]. Never printed.
    material: [u8; 32],
}

/// Why a keyring could not be parsed, or a blob could not be sealed or opened. Messages name
/// the problem and the key id, never key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The keyring specification has no entries.
    #[error("the encryption keyring is empty; expected `id:base64key[,id:base64key...]`")]
    EmptyKeyring,
    /// One entry of the specification is malformed.
    #[error("encryption keyring entry {position} is malformed: {problem}")]
    MalformedEntry {
        /// 1-based position of the entry.
        position: usize,
        /// What is wrong (never the key).
        problem: String,
    },
    /// Two entries share an id.
    #[error("encryption key id `{0}` appears twice in the keyring; key ids must be unique")]
    DuplicateKeyId(String),
    /// A blob was sealed under a key the keyring does not hold.
    #[error(
        "data was encrypted under key `{key_id}`, which is not in the keyring \
         (PATCHBAY_ENCRYPTION_KEY); add that key back after the active one to read it"
    )]
    UnknownKey {
        /// The key id the blob names.
        key_id: String,
    },
    /// The tag did not verify: wrong key material for that id, altered data, or data
    /// moved to another row.
    #[error(
        "decryption under key `{key_id}` failed: the key material for `{key_id}` is wrong, \
         or the data was altered or copied from elsewhere"
    )]
    Decrypt {
        /// The key id the blob names.
        key_id: String,
    },
    /// The blob is truncated or of an unknown format version.
    #[error("encrypted data is malformed ({0})")]
    MalformedBlob(&'static str),
    /// The plaintext is too large to seal.
    #[error("encryption failed: the value is too large")]
    Encrypt,
    /// Encryption was needed but no keyring is configured.
    #[error(
        "no encryption key is configured; set PATCHBAY_ENCRYPTION_KEY \
         (`patchbay encryption generate-key` prints one)"
    )]
    NoKeyring,
}

impl Keyring {
    /// Parses `id:base64(32 bytes)[,id:base64(32 bytes)...]`; the first entry is active.
    /// Whitespace around entries is ignored; base64 may be standard or URL-safe, padded or not.
    pub fn parse(spec: &str) -> Result<Keyring, CryptoError> {
        let spec = spec.trim();
        if spec.is_empty() {
            return Err(CryptoError::EmptyKeyring);
        }
        let mut keys: Vec<NamedKey> = Vec::new();
        for (index, entry) in spec.split(',').enumerate() {
            let position = index + 1;
            let malformed = |problem: String| CryptoError::MalformedEntry { position, problem };
            let entry = entry.trim();
            if entry.is_empty() {
                return Err(malformed("the entry is empty".into()));
            }
            let (id, key) = entry.split_once(':').ok_or_else(|| {
                malformed("expected `id:base64key` (no `:` separator found)".into())
            })?;
            let id = id.trim();
            check_key_id(id).map_err(malformed)?;
            let bytes = decode_key(key.trim())
                .ok_or_else(|| malformed(format!("the key of `{id}` is not valid base64")))?;
            if bytes.len() != 32 {
                return Err(malformed(format!(
                    "the key of `{id}` is {} bytes; expected 32",
                    bytes.len()
                )));
            }
            if keys.iter().any(|k| k.id == id) {
                return Err(CryptoError::DuplicateKeyId(id.to_owned()));
            }
            let material: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| malformed(format!("the key of `{id}` has the wrong length")))?;
            keys.push(NamedKey {
                id: id.to_owned(),
                cipher: XChaCha20Poly1305::new(&material.into()),
                material,
            });
        }
        Ok(Keyring { keys: keys.into() })
    }

    /// A fresh keyring entry `id:base64key` with 32 bytes from the OS's randomness.
    pub fn generate(id: &str) -> String {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        format!("{id}:{}", STANDARD.encode(key))
    }

    /// The id of the active (encrypting) key.
    pub fn active_id(&self) -> &str {
        // `parse` refuses an empty keyring, so there is always a first key.
        self.keys.first().map_or("", |k| k.id.as_str())
    }

    /// Every key id, active first.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| k.id.as_str())
    }

    /// A 32-byte key for another purpose (`context` names it, e.g. `b"patchbay/cursors/v1"`),
    /// derived from the active key with HMAC-SHA256: stable while the active key is, and
    /// changed by a rotation (values sealed with the old derived key stop verifying).
    pub fn derive_key(&self, context: &[u8]) -> [u8; 32] {
        // HMAC zero-pads a short key to the hash's block size; doing it here gives the same
        // MAC through the infallible fixed-size constructor.
        let mut block = [0u8; 64];
        if let Some(key) = self.keys.first() {
            block[..32].copy_from_slice(&key.material);
        }
        let mut mac = <Hmac<Sha256> as KeyInit>::new(&block.into());
        mac.update(context);
        mac.finalize().into_bytes().into()
    }

    /// Seals `plaintext` under the active key with a random nonce. `aad` binds the blob to
    /// its place (row and column): opening it with other `aad` fails.
    pub fn encrypt(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let key = self.keys.first().ok_or(CryptoError::EmptyKeyring)?;
        let mut blob = header(&key.id);
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let full_aad = [blob.as_slice(), aad].concat();
        let sealed = key
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &full_aad,
                },
            )
            .map_err(|_| CryptoError::Encrypt)?;
        blob.reserve(NONCE_LEN + sealed.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&sealed);
        Ok(blob)
    }

    /// Opens a blob made by [`Keyring::encrypt`] with the key it names and the same `aad`.
    pub fn decrypt(&self, blob: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let parsed = ParsedBlob::parse(blob)?;
        let key = self
            .keys
            .iter()
            .find(|k| k.id == parsed.key_id)
            .ok_or_else(|| CryptoError::UnknownKey {
                key_id: parsed.key_id.to_owned(),
            })?;
        let full_aad = [parsed.header, aad].concat();
        key.cipher
            .decrypt(
                XNonce::from_slice(parsed.nonce),
                Payload {
                    msg: parsed.sealed,
                    aad: &full_aad,
                },
            )
            .map_err(|_| CryptoError::Decrypt {
                key_id: parsed.key_id.to_owned(),
            })
    }

    /// Whether `blob` is sealed under the active key (rotation skips those).
    pub fn is_active(&self, blob: &[u8]) -> Result<bool, CryptoError> {
        Ok(blob_key_id(blob)? == self.active_id())
    }
}

/// The key id a blob names, without opening it.
pub fn blob_key_id(blob: &[u8]) -> Result<&str, CryptoError> {
    ParsedBlob::parse(blob).map(|p| p.key_id)
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("active", &self.active_id())
            .field("key_ids", &self.key_ids().collect::<Vec<_>>())
            .finish()
    }
}

/// Key ids: 1-64 characters of `A-Z a-z 0-9 _ - .` (they are stored in every blob).
fn check_key_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("the key id (before `:`) is empty".into());
    }
    if id.len() > MAX_KEY_ID_LEN {
        return Err(format!(
            "the key id is longer than {MAX_KEY_ID_LEN} characters"
        ));
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        return Err("the key id may only contain letters, digits, `_`, `-` and `.`".into());
    }
    Ok(())
}

fn decode_key(text: &str) -> Option<Vec<u8>> {
    [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
}

/// `[version][id length][id]`: the part of a blob that is authenticated but not secret.
fn header(key_id: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + key_id.len());
    out.push(BLOB_VERSION);
    // Key ids are at most 64 bytes (checked by `parse`), so the length fits a byte.
    out.push(u8::try_from(key_id.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(key_id.as_bytes());
    out
}

struct ParsedBlob<'a> {
    header: &'a [u8],
    key_id: &'a str,
    nonce: &'a [u8],
    sealed: &'a [u8],
}

impl<'a> ParsedBlob<'a> {
    fn parse(blob: &'a [u8]) -> Result<Self, CryptoError> {
        let (&version, rest) = blob
            .split_first()
            .ok_or(CryptoError::MalformedBlob("empty"))?;
        if version != BLOB_VERSION {
            return Err(CryptoError::MalformedBlob("unknown format version"));
        }
        let (&id_len, rest) = rest
            .split_first()
            .ok_or(CryptoError::MalformedBlob("truncated"))?;
        let id_len = usize::from(id_len);
        if rest.len() < id_len + NONCE_LEN + TAG_LEN {
            return Err(CryptoError::MalformedBlob("truncated"));
        }
        let (id, rest) = rest.split_at(id_len);
        let key_id =
            std::str::from_utf8(id).map_err(|_| CryptoError::MalformedBlob("bad key id"))?;
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        Ok(Self {
            header: &blob[..2 + id_len],
            key_id,
            nonce,
            sealed,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn entry(id: &str, byte: u8) -> String {
        format!("{id}:{}", STANDARD.encode([byte; 32]))
    }

    #[test]
    fn round_trip_under_the_active_key_and_any_key_decrypts() {
        let old = Keyring::parse(&entry("k1", 1)).unwrap();
        let blob = old.encrypt(b"hello", b"row-1").unwrap();
        assert_eq!(blob_key_id(&blob).unwrap(), "k1");
        assert_eq!(old.decrypt(&blob, b"row-1").unwrap(), b"hello");

        let both = Keyring::parse(&format!("{}, {}", entry("k2", 2), entry("k1", 1))).unwrap();
        assert_eq!(both.active_id(), "k2");
        assert_eq!(both.decrypt(&blob, b"row-1").unwrap(), b"hello");
        assert!(!both.is_active(&blob).unwrap());
        let fresh = both.encrypt(b"hello", b"row-1").unwrap();
        assert_eq!(blob_key_id(&fresh).unwrap(), "k2");
        assert_ne!(
            both.encrypt(b"hello", b"row-1").unwrap(),
            fresh,
            "random nonce"
        );
    }

    #[test]
    fn wrong_aad_wrong_key_and_unknown_key_are_loud() {
        let ring = Keyring::parse(&entry("k1", 1)).unwrap();
        let blob = ring.encrypt(b"secret", b"row-1").unwrap();
        assert_eq!(
            ring.decrypt(&blob, b"row-2"),
            Err(CryptoError::Decrypt {
                key_id: "k1".into()
            })
        );
        let impostor = Keyring::parse(&entry("k1", 9)).unwrap();
        assert!(matches!(
            impostor.decrypt(&blob, b"row-1"),
            Err(CryptoError::Decrypt { .. })
        ));
        let other = Keyring::parse(&entry("k9", 1)).unwrap();
        assert_eq!(
            other.decrypt(&blob, b"row-1"),
            Err(CryptoError::UnknownKey {
                key_id: "k1".into()
            })
        );
        let mut tampered = blob.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(ring.decrypt(&tampered, b"row-1").is_err());
        assert!(matches!(
            ring.decrypt(&blob[..10], b"row-1"),
            Err(CryptoError::MalformedBlob(_))
        ));
    }

    #[test]
    fn malformed_specs_name_the_problem_but_never_the_key() {
        let short = format!("k1:{}", STANDARD.encode([5u8; 16]));
        let err = Keyring::parse(&short).unwrap_err();
        assert!(err.to_string().contains("16 bytes; expected 32"), "{err}");
        assert!(!err.to_string().contains(&STANDARD.encode([5u8; 16])));
        assert!(matches!(
            Keyring::parse("  "),
            Err(CryptoError::EmptyKeyring)
        ));
        assert!(matches!(
            Keyring::parse("nocolon"),
            Err(CryptoError::MalformedEntry { position: 1, .. })
        ));
        let bad64 = Keyring::parse(&format!("{},k2:not*base64", entry("k1", 1))).unwrap_err();
        assert!(matches!(
            bad64,
            CryptoError::MalformedEntry { position: 2, .. }
        ));
        assert!(matches!(
            Keyring::parse(&format!("{},{}", entry("k1", 1), entry("k1", 2))),
            Err(CryptoError::DuplicateKeyId(_))
        ));
        assert!(Keyring::parse(&entry("bad id", 1)).is_err());
    }

    #[test]
    fn generated_entries_parse_and_debug_shows_ids_only() {
        let spec = Keyring::generate("k7");
        let ring = Keyring::parse(&spec).unwrap();
        assert_eq!(ring.active_id(), "k7");
        let debug = format!("{ring:?}");
        assert!(debug.contains("k7"));
        let key_part = spec.split_once(':').unwrap().1;
        assert!(!debug.contains(key_part));
        assert_ne!(Keyring::generate("k7"), spec);
    }

    #[test]
    fn derived_keys_depend_on_the_context_and_the_active_key() {
        let ring = Keyring::parse(&entry("k1", 1)).unwrap();
        let cursors = ring.derive_key(b"cursors");
        assert_eq!(cursors, ring.derive_key(b"cursors"));
        assert_ne!(cursors, ring.derive_key(b"sessions"));
        assert_ne!(cursors, [1u8; 32]);
        let other = Keyring::parse(&entry("k1", 2)).unwrap();
        assert_ne!(cursors, other.derive_key(b"cursors"));
    }
}
