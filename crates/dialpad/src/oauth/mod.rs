//! Dialpad's OAuth 2.0 client, with the `oauth2` crate: the authorization URL
//! (`/oauth2/authorize`, PKCE S256), the code exchange and the refresh grant
//! (`/oauth2/token`, client credentials in HTTP Basic). A refused grant (`invalid_grant`)
//! is told apart from a token endpoint that is down; no token ever reaches an error.

mod transport;

use async_trait::async_trait;
use chrono::Utc;
use oauth2::basic::{BasicClient, BasicErrorResponse, BasicTokenResponse};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    TokenResponse as _, TokenUrl,
};
use patchbay_core::{AuthorizationStart, OAuthClient, OAuthError, Secret, TokenSet};
use url::Url;

use self::transport::{TokenHttp, TokenHttpError};
use crate::client::Client;

/// The gateway's OAuth app at Dialpad, and where Dialpad sends the user back.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    /// The app's client id.
    pub client_id: String,
    /// The app's client secret (`Debug` prints `***`).
    pub client_secret: Secret,
    /// The callback URL registered with the app (the gateway's `/v1/oauth/callback`).
    pub redirect_uri: Url,
}

type Configured =
    BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// Dialpad's OAuth client for one app.
#[derive(Clone)]
pub struct DialpadOAuth {
    client: Configured,
    http: TokenHttp,
}

impl std::fmt::Debug for DialpadOAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DialpadOAuth")
            .field("client_id", &self.client.client_id().as_str())
            .field("token_url", &self.client.token_uri().as_str())
            .finish_non_exhaustive()
    }
}

impl DialpadOAuth {
    /// A client for `app` against the Dialpad `api` talks to (its `/oauth2/...` endpoints),
    /// sending token requests with the same HTTP client (which follows no redirects).
    pub(crate) fn new(api: &Client, app: OAuthApp) -> Self {
        let client = BasicClient::new(ClientId::new(app.client_id))
            .set_client_secret(ClientSecret::new(app.client_secret.expose().to_owned()))
            .set_auth_uri(AuthUrl::from_url(api.url(&["oauth2", "authorize"])))
            .set_token_uri(TokenUrl::from_url(api.url(&["oauth2", "token"])))
            .set_redirect_uri(RedirectUrl::from_url(app.redirect_uri));
        Self {
            client,
            http: TokenHttp(api.http().clone()),
        }
    }
}

#[async_trait]
impl OAuthClient for DialpadOAuth {
    fn authorization_url(&self, scopes: &[&str], state: &str) -> AuthorizationStart {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let state = state.to_owned();
        let (url, _) = self
            .client
            .authorize_url(move || CsrfToken::new(state))
            .add_scopes(scopes.iter().map(|s| Scope::new((*s).to_owned())))
            .set_pkce_challenge(challenge)
            .url();
        AuthorizationStart {
            url: url.into(),
            verifier: Secret::new(verifier.into_secret()),
        }
    }

    async fn exchange_code(&self, code: &str, verifier: &Secret) -> Result<TokenSet, OAuthError> {
        let answer = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.expose().to_owned()))
            .request_async(&self.http)
            .await;
        answer.map(|a| token_set(&a)).map_err(oauth_error)
    }

    async fn refresh(&self, refresh_token: &Secret) -> Result<TokenSet, OAuthError> {
        let token = RefreshToken::new(refresh_token.expose().to_owned());
        let answer = self
            .client
            .exchange_refresh_token(&token)
            .request_async(&self.http)
            .await;
        answer.map(|a| token_set(&a)).map_err(oauth_error)
    }
}

fn token_set(answer: &BasicTokenResponse) -> TokenSet {
    let expires_at = answer
        .expires_in()
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .and_then(|d| Utc::now().checked_add_signed(d));
    TokenSet {
        access_token: Secret::new(answer.access_token().secret().as_str()),
        refresh_token: answer
            .refresh_token()
            .map(|t| Secret::new(t.secret().as_str())),
        expires_at,
        scopes: answer
            .scopes()
            .map(|scopes| scopes.iter().map(|s| s.as_str().to_owned()).collect()),
    }
}

/// The typed error; bodies (which may carry tokens) are dropped, only sizes and codes kept.
fn oauth_error(error: RequestTokenError<TokenHttpError, BasicErrorResponse>) -> OAuthError {
    match error {
        RequestTokenError::ServerResponse(response) => OAuthError::Refused {
            error: response.error().as_ref().to_owned(),
            description: response.error_description().cloned(),
        },
        RequestTokenError::Request(TokenHttpError::Build) => OAuthError::Protocol {
            message: "the token request could not be built".into(),
        },
        RequestTokenError::Request(transient) => OAuthError::Transient {
            message: transient.to_string(),
        },
        RequestTokenError::Parse(error, body) => OAuthError::Protocol {
            message: format!(
                "{} bytes that do not read as a token response (at `{}`)",
                body.len(),
                error.path()
            ),
        },
        RequestTokenError::Other(message) => OAuthError::Protocol {
            // The crate's own words (empty body, bad content type): no payload in them.
            message,
        },
    }
}
