//! The OAuth client against the sandbox's OAuth server: the authorization URL (PKCE S256,
//! scopes, state), the code exchange with the verifier, rotating refreshes, and the two
//! kinds of failure the gateway tells apart: a refused grant and an endpoint that is down.

use patchbay_core::{Connector, OAuthError, Secret};
use patchbay_dialpad::OAuthApp;

use crate::Env;

const REDIRECT: &str = "http://127.0.0.1:9/v1/oauth/callback";

fn with_app(env: &Env) -> patchbay_dialpad::DialpadConnector {
    env.connector_with(|_| {}).with_oauth(OAuthApp {
        client_id: env.info.oauth_client_id.clone(),
        client_secret: Secret::new(env.info.oauth_client_secret.clone()),
        redirect_uri: REDIRECT.parse().unwrap(),
    })
}

/// Follows `url` at the sandbox (which approves at once) and returns the code.
async fn approve(env: &Env, url: &str, state: &str) -> String {
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let back = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    assert!(back.as_str().starts_with(REDIRECT));
    let param = |name: &str| {
        back.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("state").as_deref(), Some(state));
    let _ = env;
    param("code").unwrap()
}

#[tokio::test]
async fn the_flow_exchanges_a_code_with_its_verifier_and_refreshes_rotate() {
    let env = Env::small().await;
    let connector = with_app(&env);
    let oauth = connector.oauth().expect("configured");
    let start = oauth.authorization_url(&["calls:list", "offline_access"], "st4te");
    let url = url::Url::parse(&start.url).unwrap();
    assert_eq!(url.path(), "/oauth2/authorize");
    let q: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    let get = |name: &str| q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    assert_eq!(get("code_challenge_method"), Some("S256"));
    assert_eq!(get("scope"), Some("calls:list offline_access"));
    assert_eq!(get("redirect_uri"), Some(REDIRECT));
    assert_eq!(get("client_id"), Some(env.info.oauth_client_id.as_str()));
    assert!(!start.url.contains(start.verifier.expose()));

    let code = approve(&env, &start.url, "st4te").await;
    // A wrong verifier is refused (and burns the code).
    let wrong = oauth
        .exchange_code(&code, &Secret::new("x".repeat(43)))
        .await
        .unwrap_err();
    assert!(wrong.is_invalid_grant(), "{wrong:?}");

    let start = oauth.authorization_url(&["offline_access"], "again");
    let code = approve(&env, &start.url, "again").await;
    let tokens = oauth.exchange_code(&code, &start.verifier).await.unwrap();
    assert!(tokens.expires_at.is_some());
    let first_refresh = tokens.refresh_token.clone().unwrap();
    let printed = format!("{tokens:?}");
    assert!(!printed.contains(tokens.access_token.expose()), "{printed}");

    let renewed = oauth.refresh(&first_refresh).await.unwrap();
    assert_ne!(renewed.access_token.expose(), tokens.access_token.expose());
    // Rotation: the used refresh token is dead, and that is a refusal, not an outage.
    let reused = oauth.refresh(&first_refresh).await.unwrap_err();
    assert!(
        reused.is_invalid_grant() && !reused.is_transient(),
        "{reused:?}"
    );
    assert!(!reused.to_string().contains(first_refresh.expose()));
}

#[tokio::test]
async fn a_token_endpoint_that_is_down_is_transient() {
    let env = Env::small().await;
    let connector = with_app(&env);
    let oauth = connector.oauth().unwrap();
    for kind in ["internal_error", "unavailable", "rate_limit"] {
        env.fault(serde_json::json!({"route": "POST /oauth2/token", "kind": kind, "next": 1}))
            .await;
        let err = oauth.refresh(&Secret::new("whatever")).await.unwrap_err();
        assert!(
            matches!(err, OAuthError::Transient { .. }),
            "{kind}: {err:?}"
        );
    }
    // Nothing listens there: transient too.
    let gone = env
        .connector_with(|c| c.base_url = "http://127.0.0.1:9/".parse().unwrap())
        .with_oauth(OAuthApp {
            client_id: "x".into(),
            client_secret: Secret::new("y"),
            redirect_uri: REDIRECT.parse().unwrap(),
        });
    let err = gone
        .oauth()
        .unwrap()
        .refresh(&Secret::new("whatever"))
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    // A connector without an app has no OAuth client.
    assert!(env.connector.oauth().is_none());
}
