//! Credentials: verifying an API key or OAuth token (which company and user it opens),
//! and revoking OAuth tokens at Dialpad.

use patchbay_core::{Connector, ConnectorError, Credential, ModelId};

use crate::{Env, options};

#[tokio::test]
async fn verifying_an_admin_api_key_names_the_company_and_its_user() {
    let env = Env::small().await;
    let company = env.dialpad("/api/v2/company").await;
    let account = env
        .connector
        .verify(&Credential::api_key(env.info.api_key.clone()))
        .await
        .unwrap();
    assert_eq!(
        account.account_id.as_deref(),
        Some(env.info.company_id.as_str())
    );
    assert_eq!(account.account_name.as_deref(), company["name"].as_str());
    assert_eq!(
        account.user_id.as_deref(),
        Some(env.info.companies[0].admin_user_id.as_str())
    );
    // The same through the trait the gateway holds.
    let dynamic: &dyn Connector = &env.connector;
    let again = dynamic
        .verify(&Credential::api_key(env.info.api_key.clone()))
        .await
        .unwrap();
    assert_eq!(again, account);
}

#[tokio::test]
async fn verifying_a_plain_users_key_or_token_says_what_it_can() {
    let env = Env::small().await;
    let plain = env.plain_user().await;
    let key = env.key_for(plain["id"].as_str().unwrap()).await;
    let account = env
        .connector
        .verify(&Credential::api_key(key))
        .await
        .unwrap();
    // Not a company admin: the company's name is not readable, its id is.
    assert_eq!(
        account.account_id.as_deref(),
        Some(env.info.company_id.as_str())
    );
    assert_eq!(account.account_name, None);
    assert_eq!(account.user_id.as_deref(), plain["id"].as_str());

    let token = env.oauth_token("offline_access").await;
    let account = env
        .connector
        .verify(&Credential::bearer(token))
        .await
        .unwrap();
    assert_eq!(
        account.account_id.as_deref(),
        Some(env.info.company_id.as_str())
    );
    assert!(account.account_name.is_some());
}

#[tokio::test]
async fn a_credential_dialpad_refuses_does_not_verify() {
    let env = Env::small().await;
    for credential in [
        Credential::api_key("dpsbx_nope"),
        Credential::bearer("nope"),
    ] {
        let err = env.connector.verify(&credential).await.unwrap_err();
        assert!(
            matches!(err, ConnectorError::CredentialRejected { .. }),
            "{err:?}"
        );
    }
    // A key whose user was suspended stops working.
    let suspended = env.dialpad_all("/api/v2/users?state=suspended").await;
    let key = env.key_for(suspended[0]["id"].as_str().unwrap()).await;
    let err = env
        .connector
        .verify(&Credential::api_key(key))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::CredentialRejected { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn revoking_an_oauth_token_ends_it_and_api_keys_are_left_alone() {
    let env = Env::small().await;
    let token = Credential::bearer(env.oauth_token("offline_access").await);
    let users = options(ModelId::GenericUser, &[], 5);
    let ctx = env.ctx_as(token.clone());
    env.connector
        .list(&ctx, ModelId::GenericUser, &users)
        .await
        .unwrap();
    env.connector.revoke(&token).await.unwrap();
    let err = env
        .connector
        .list(&ctx, ModelId::GenericUser, &users)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::CredentialRejected { .. }),
        "{err:?}"
    );
    // Revoking again is a no-op: it is already revoked.
    env.connector.revoke(&token).await.unwrap();
    assert_eq!(env.served("POST /oauth2/deauthorize").await, 2);

    let key = Credential::api_key(env.info.api_key.clone());
    env.connector.revoke(&key).await.unwrap();
    env.connector
        .list(&env.ctx(), ModelId::GenericUser, &users)
        .await
        .unwrap();
    assert_eq!(
        env.served("POST /oauth2/deauthorize").await,
        2,
        "no call for a key"
    );
}
