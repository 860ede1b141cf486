//! PKCE (RFC 7636): the challenge sent to `/oauth2/authorize` and the verifier that
//! must answer it at `/oauth2/token`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    S256,
    Plain,
}

impl Method {
    pub(super) fn parse(raw: Option<&str>) -> Option<Self> {
        match raw {
            None | Some("plain") => Some(Self::Plain),
            Some("S256") => Some(Self::S256),
            Some(_) => None,
        }
    }

    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::S256 => "S256",
            Self::Plain => "plain",
        }
    }
}

/// A challenge or a verifier: 43 to 128 characters of the unreserved set.
pub(super) fn well_formed(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Whether `verifier` answers `challenge`; compared in constant time.
pub(super) fn verify(method: Method, challenge: &str, verifier: &str) -> bool {
    let expected = match method {
        Method::S256 => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
        Method::Plain => verifier.to_owned(),
    };
    expected.as_bytes().ct_eq(challenge.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(verify(Method::S256, challenge, verifier));
        assert!(!verify(Method::S256, challenge, "x"));
        assert!(verify(Method::Plain, verifier, verifier));
        assert!(well_formed(verifier));
        assert!(!well_formed("short"));
        assert!(!well_formed(&format!("{verifier}+")));
    }
}
