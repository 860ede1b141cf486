//! OAuth 2.0 token exchange (`POST /oauth2/token`): the authorization-code and refresh-token
//! grant bodies, and the token response. Tokens, codes and secrets are [`SecretString`]s, so
//! they never appear in `Debug` output.

use serde::{Deserialize, Serialize};

use super::wire::{SecretString, opt_i64_as_number};

/// A `POST /oauth2/token` body, told apart by `grant_type`. Real clients send it form-encoded,
/// the spec says JSON; the type reads either through serde. An unsupported `grant_type` is an
/// error, which is what a token endpoint must answer anyway.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "grant_type", rename_all = "snake_case")]
pub enum TokenRequestBody {
    /// `grant_type=authorization_code`.
    AuthorizationCode(AuthorizationCodeGrantBody),
    /// `grant_type=refresh_token`.
    RefreshToken(RefreshTokenGrantBody),
}

/// `frontend.schemas.oauth.AuthorizationCodeGrantBodySchema` without `grant_type`, which is
/// the tag of [`TokenRequestBody`]. Client credentials may come here or in HTTP Basic auth.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthorizationCodeGrantBody {
    /// The OAuth app's client id, unless sent with HTTP Basic auth.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The OAuth app's client secret, unless sent with HTTP Basic auth.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<SecretString>,
    /// The code from the authorization redirect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<SecretString>,
    /// The PKCE verifier for the initial `code_challenge`, if one was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_verifier: Option<SecretString>,
}

/// `frontend.schemas.oauth.RefreshTokenGrantBodySchema` without `grant_type`, which is the tag
/// of [`TokenRequestBody`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RefreshTokenGrantBody {
    /// The OAuth app's client id, unless sent with HTTP Basic auth.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The OAuth app's client secret, unless sent with HTTP Basic auth.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<SecretString>,
    /// The current refresh token, traded in for a new pair (Dialpad rotates it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<SecretString>,
}

/// `frontend.schemas.oauth.AuthorizeTokenResponseBodySchema`: the token endpoint's answer.
/// Not a proto, so `expires_in` is a plain JSON number (a string is accepted too).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthorizeTokenResponseBodySchema {
    /// The access token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<SecretString>,
    /// The token type (`bearer`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Seconds until the access token expires.
    #[serde(with = "opt_i64_as_number", skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
    /// The refresh token for the next exchange; replaces the previous one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<SecretString>,
    /// The OpenID Connect id token, if requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<SecretString>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn token_request_is_told_apart_by_grant_type() {
        let code: TokenRequestBody = serde_json::from_value(json!({
            "grant_type": "authorization_code", "code": "abc", "code_verifier": "v", "client_id": "app"
        }))
        .unwrap();
        let TokenRequestBody::AuthorizationCode(body) = &code else {
            panic!("expected an authorization-code grant: {code:?}");
        };
        assert_eq!(body.code.as_ref().map(SecretString::expose), Some("abc"));
        assert_eq!(
            body.code_verifier.as_ref().map(SecretString::expose),
            Some("v")
        );
        assert_eq!(body.client_id.as_deref(), Some("app"));

        let refresh: TokenRequestBody = serde_json::from_value(json!({
            "grant_type": "refresh_token", "refresh_token": "r1"
        }))
        .unwrap();
        assert_eq!(
            serde_json::to_value(&refresh).unwrap(),
            json!({"grant_type": "refresh_token", "refresh_token": "r1"})
        );
        let printed = format!("{code:?} {refresh:?}");
        for secret in ["abc", "\"v\"", "r1"] {
            assert!(!printed.contains(secret), "{printed}");
        }
        let unsupported = json!({"grant_type": "client_credentials"});
        assert!(serde_json::from_value::<TokenRequestBody>(unsupported).is_err());
    }

    #[test]
    fn token_response_writes_expires_in_as_a_number_and_hides_tokens() {
        let token: AuthorizeTokenResponseBodySchema = serde_json::from_value(json!({
            "access_token": "at-secret", "token_type": "bearer", "expires_in": "3600",
            "refresh_token": "rt-secret", "id_token": "id-secret"
        }))
        .unwrap();
        assert_eq!(token.expires_in, Some(3600));
        assert_eq!(
            serde_json::to_value(&token).unwrap()["expires_in"],
            json!(3600)
        );
        assert_eq!(
            token.refresh_token.as_ref().map(SecretString::expose),
            Some("rt-secret")
        );
        let printed = format!("{token:?}");
        for secret in ["at-secret", "rt-secret", "id-secret"] {
            assert!(!printed.contains(secret), "{printed}");
        }
        assert!(printed.contains("bearer"), "{printed}");
    }
}
