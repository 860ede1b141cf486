//! `Debug` of the OAuth server's bookkeeping never shows a secret.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use super::Params;
use super::store::{Exchange, Grants, Issued};

#[test]
fn params_debug_hides_secrets_and_shows_the_rest() {
    let params = Params::from_form(
        b"grant_type=refresh_token&refresh_token=dprt_live&client_id=app&client_secret=s3cret&code=dpcode_x&code_verifier=v",
    );
    let shown = format!("{params:?}");
    for secret in ["dprt_live", "s3cret", "dpcode_x", "=v"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(
        shown.contains("refresh_token") && shown.contains("\"app\""),
        "{shown}"
    );
}

#[test]
fn issued_and_exchange_debug_hide_tokens_codes_and_verifiers() {
    let issued = Issued {
        access_token: "dpat_live".into(),
        refresh_token: "dprt_live".into(),
        company_id: 1,
        user_id: 2,
    };
    let exchange = Exchange {
        code: "dpcode_live",
        client_id: "app",
        redirect_uri: None,
        verifier: Some("verifier_live"),
    };
    let shown = format!("{issued:?} {exchange:?}");
    for secret in ["dpat_live", "dprt_live", "dpcode_live", "verifier_live"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}

#[test]
fn grants_debug_shows_counts_not_the_tokens_it_is_keyed_by() {
    let mut auth = crate::auth::AuthStore::default();
    auth.apps.insert(
        "app".into(),
        crate::auth::OAuthApp {
            client_id: "app".into(),
            client_secret: "s".into(),
            name: "n".into(),
            redirect_uris: Vec::new(),
            consent: false,
        },
    );
    let now = Instant::now();
    let approval = super::store::Approval {
        client_id: "app".into(),
        company_id: 1,
        user_id: 2,
        redirect_uri: "http://127.0.0.1/cb".into(),
        redirect: url::Url::parse("http://127.0.0.1/cb").unwrap(),
        scopes: Vec::new().into(),
        challenge: None,
        state: None,
    };
    let code = super::store::issue_code(&mut auth, &approval, now);
    let exchange = Exchange {
        code: &code,
        client_id: "app",
        redirect_uri: None,
        verifier: None,
    };
    let issued =
        super::store::redeem_code(&mut auth, exchange, Duration::from_secs(60), now).unwrap();
    let grants: &Grants = &auth.oauth;
    let shown = format!("{grants:?}");
    for secret in [&code, &issued.access_token, &issued.refresh_token] {
        assert!(!shown.contains(secret.as_str()), "a secret in {shown}");
    }
}
