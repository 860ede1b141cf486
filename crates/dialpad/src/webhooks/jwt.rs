//! Verifying the HS256 JWTs Dialpad signs events with. Only `HS256` is accepted (a token
//! naming `none` or any other algorithm is refused before its signature is looked at), the
//! tag is compared in constant time, and the token's size is bounded before any decoding.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

/// Largest token accepted (Dialpad's call events are a few kilobytes).
pub const MAX_JWT_BYTES: usize = 256 * 1024;

/// Why a token was refused. Deliberately coarse: the sender learns nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Larger than [`MAX_JWT_BYTES`].
    #[error("the token is too large")]
    TooLarge,
    /// Not three base64url parts, or a part that does not decode.
    #[error("the token is malformed")]
    Malformed,
    /// The header names another algorithm than HS256 (or none).
    #[error("the token's algorithm is not HS256")]
    Algorithm,
    /// The signature does not match the secret.
    #[error("the token's signature does not match")]
    Signature,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

/// Verifies `token` (`header.claims.signature`) with `secret` and answers its claims.
pub fn verify_hs256(token: &[u8], secret: &[u8]) -> Result<Value, JwtError> {
    if token.len() > MAX_JWT_BYTES {
        return Err(JwtError::TooLarge);
    }
    let token = std::str::from_utf8(token)
        .map_err(|_| JwtError::Malformed)?
        .trim();
    let mut parts = token.split('.');
    let (Some(header), Some(claims), Some(tag), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| JwtError::Malformed)
    };
    let parsed: Header =
        serde_json::from_slice(&decode(header)?).map_err(|_| JwtError::Malformed)?;
    if parsed.alg != "HS256" {
        return Err(JwtError::Algorithm);
    }
    let tag = decode(tag)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| JwtError::Signature)?;
    mac.update(header.as_bytes());
    mac.update(b".");
    mac.update(claims.as_bytes());
    let expected = mac.finalize().into_bytes();
    if !bool::from(expected.as_slice().ct_eq(&tag)) {
        return Err(JwtError::Signature);
    }
    serde_json::from_slice(&decode(claims)?).map_err(|_| JwtError::Malformed)
}

/// Signs `claims` the way Dialpad does (for tests and benchmarks that stand in for it).
pub fn sign_hs256(claims: &Value, secret: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default())
    );
    let tag = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(input.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    };
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn accepts_its_own_and_the_reference_token() {
        let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.\
             eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.\
             SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
        let claims = verify_hs256(token.as_bytes(), b"your-256-bit-secret").unwrap();
        assert_eq!(claims["name"], "John Doe");
        let signed = sign_hs256(&json!({"a": 1}), b"s");
        assert_eq!(
            verify_hs256(signed.as_bytes(), b"s").unwrap(),
            json!({"a": 1})
        );
        assert_eq!(
            verify_hs256(signed.as_bytes(), b"t"),
            Err(JwtError::Signature)
        );
    }

    #[test]
    fn refuses_other_algorithms_and_junk() {
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(br#"{"a":1}"#)
        );
        assert_eq!(
            verify_hs256(none.as_bytes(), b"s"),
            Err(JwtError::Algorithm)
        );
        let hs512 = format!(
            "{}.{}.AAAA",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"HS512"}"#),
            URL_SAFE_NO_PAD.encode(br#"{"a":1}"#)
        );
        assert_eq!(
            verify_hs256(hs512.as_bytes(), b"s"),
            Err(JwtError::Algorithm)
        );
        assert_eq!(verify_hs256(b"a.b", b"s"), Err(JwtError::Malformed));
        assert_eq!(verify_hs256(b"{\"a\":1}", b"s"), Err(JwtError::Malformed));
        let big = vec![b'a'; MAX_JWT_BYTES + 1];
        assert_eq!(verify_hs256(&big, b"s"), Err(JwtError::TooLarge));
    }
}
