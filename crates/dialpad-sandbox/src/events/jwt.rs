//! Compact HS256 JWTs, the form Dialpad gives an event when its webhook has a secret.
//! The claims are exactly the event payload: no `iat`/`exp` is added, so a decoded
//! JWT equals the plain-JSON body a secretless webhook gets.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

const HEADER: &[u8] = br#"{"alg":"HS256","typ":"JWT"}"#;

/// Signs `claims` with `secret`: `base64url(header).base64url(claims).base64url(mac)`.
pub fn sign(claims: &Value, secret: &str) -> String {
    sign_bytes(&serde_json::to_vec(claims).unwrap_or_default(), secret)
}

fn sign_bytes(claims: &[u8], secret: &str) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(HEADER),
        URL_SAFE_NO_PAD.encode(claims)
    );
    // HMAC takes keys of any length, so this never fails; an empty tag would only
    // make the receiver reject the event.
    let tag = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
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
    use super::*;

    #[test]
    fn matches_the_jwt_io_reference_token() {
        // The well-known jwt.io HS256 example.
        let token = sign_bytes(
            br#"{"sub":"1234567890","name":"John Doe","iat":1516239022}"#,
            "your-256-bit-secret",
        );
        assert_eq!(
            token,
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.\
             eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.\
             SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
        );
    }
}
