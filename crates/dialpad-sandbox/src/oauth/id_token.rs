//! The `id_token` of a token response: a compact JWT signed HS256 with the client
//! secret, so a client can check it without any key exchange.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac as _};
use serde_json::json;
use sha2::Sha256;

/// Who the token is about and for whom it is meant.
#[derive(Debug, Clone, Copy)]
pub(super) struct Claims<'a> {
    pub issuer: &'a str,
    pub user_id: i64,
    pub company_id: i64,
    pub client_id: &'a str,
    pub ttl_secs: u64,
}

pub(super) fn sign(
    claims: Claims<'_>,
    secret: &str,
) -> Result<String, hmac::digest::InvalidLength> {
    let iat = chrono::Utc::now().timestamp();
    let exp = iat.saturating_add(i64::try_from(claims.ttl_secs).unwrap_or(i64::MAX));
    let header = json!({"alg": "HS256", "typ": "JWT"});
    let payload = json!({
        "iss": claims.issuer,
        "sub": claims.user_id.to_string(),
        "aud": claims.client_id,
        "iat": iat,
        "exp": exp,
        "company_id": claims.company_id.to_string(),
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())?;
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    Ok(format!("{signing_input}.{signature}"))
}
