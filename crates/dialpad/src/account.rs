//! Credentials as a whole: checking one works and which Dialpad account it opens
//! (`GET /api/v2/company`, `GET /api/v2/users/me`), and revoking an OAuth token
//! (`POST /oauth2/deauthorize`). API keys cannot be revoked through the API.

use patchbay_core::{AccountInfo, ConnectorError, Credential, CredentialKind, ModelId};
use reqwest::Method;

use crate::client::{Client, read};
use crate::error::UpstreamError;
use crate::resources::Api;
use crate::types::company::CompanyProto;
use crate::types::users::UserProto;

/// Non-secret facts about the Dialpad account a credential opens: the company id and name,
/// and the user id when the credential is a user's (OAuth tokens, user API keys).
pub type DialpadAccount = AccountInfo;

/// Checks `credential` against Dialpad. The company is read when the credential may (a
/// company admin's); the user when it is a user's. A credential Dialpad refuses is
/// `CredentialRejected`; one that can read neither is `Forbidden`.
pub(crate) async fn verify(
    client: &Client,
    credential: &Credential,
) -> Result<DialpadAccount, ConnectorError> {
    let api = Api::new(client, credential);
    let company = optional::<CompanyProto>(api.get(&["company"]).await)?;
    let me = optional::<UserProto>(api.get(&["users", "me"]).await)?;
    if company.is_none() && me.is_none() {
        return Err(ConnectorError::Forbidden {
            message: "the credential is accepted but can read neither its company nor its user"
                .into(),
        });
    }
    let company_id = company
        .as_ref()
        .and_then(|c| c.id)
        .or_else(|| me.as_ref().and_then(|u| u.company_id));
    Ok(AccountInfo {
        account_id: company_id.map(|id| id.to_string()),
        account_name: company.and_then(|c| c.name),
        user_id: me.and_then(|u| u.id).map(|id| id.to_string()),
    })
}

/// An answer that may be refused for lack of rights (403), or for not applying to this
/// kind of credential (400, 404: `me` of a company key); a refused credential (401) fails.
fn optional<T: serde::de::DeserializeOwned>(
    answer: Result<serde_json::Value, UpstreamError>,
) -> Result<Option<T>, ConnectorError> {
    match answer {
        Ok(raw) => read(&raw)
            .map(Some)
            .map_err(|e| e.into_connector(ModelId::GenericUser, None)),
        Err(e) if matches!(e.status(), Some(400 | 403 | 404)) => Ok(None),
        Err(e) => Err(e.into_connector(ModelId::GenericUser, None)),
    }
}

/// Revokes an OAuth token at Dialpad (every token of its authorization). A token Dialpad
/// no longer accepts is as good as revoked; an API key is left alone.
pub(crate) async fn revoke(client: &Client, credential: &Credential) -> Result<(), ConnectorError> {
    if credential.kind() == CredentialKind::ApiKey {
        return Ok(());
    }
    match client
        .request(Method::POST, &["oauth2", "deauthorize"], credential)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if e.status() == Some(401) => Ok(()),
        Err(e) => Err(e.into_connector(ModelId::GenericUser, None)),
    }
}
