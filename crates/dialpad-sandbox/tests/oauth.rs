//! The sandbox's OAuth 2.0 server, driven over HTTP as a client and a browser would:
//! authorization code flow with PKCE, consent, token exchange, refresh rotation,
//! revocation and expiry.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::TestSandbox;
use hmac::{Hmac, Mac as _};
use patchbay_dialpad_sandbox::SandboxConfig;
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use url::Url;

/// RFC 7636 appendix B's verifier.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const REDIRECT: &str = "http://127.0.0.1:8765/callback";

async fn sandbox() -> TestSandbox {
    TestSandbox::start(SandboxConfig {
        rate_limits: false,
        ..SandboxConfig::default()
    })
    .await
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The seeded app's authorization request with PKCE S256, `extra` overriding.
fn default_params(sb: &TestSandbox) -> Vec<(String, String)> {
    vec![
        ("client_id".into(), sb.info.oauth_client_id.clone()),
        ("redirect_uri".into(), REDIRECT.into()),
        ("response_type".into(), "code".into()),
        ("state".into(), "st-123".into()),
        ("scope".into(), "calls:list offline_access".into()),
        ("code_challenge".into(), challenge(VERIFIER)),
        ("code_challenge_method".into(), "S256".into()),
    ]
}

fn with(mut params: Vec<(String, String)>, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    for (name, value) in extra {
        params.retain(|(n, _)| n != name);
        if !value.is_empty() {
            params.push(((*name).into(), (*value).into()));
        }
    }
    params
}

async fn get_authorize(sb: &TestSandbox, params: &[(String, String)]) -> reqwest::Response {
    let mut url = Url::parse(&sb.url("/oauth2/authorize")).unwrap();
    url.query_pairs_mut().extend_pairs(params);
    sb.http.get(url).send().await.unwrap()
}

/// The redirect target and its query parameters.
fn location(resp: &reqwest::Response) -> (Url, HashMap<String, String>) {
    assert!(
        resp.status().is_redirection(),
        "expected a redirect, got {}",
        resp.status()
    );
    let to = Url::parse(resp.headers()[LOCATION].to_str().unwrap()).unwrap();
    let params = to.query_pairs().into_owned().collect();
    (to, params)
}

/// Runs the authorization step with `extra` parameters and answers the code.
async fn code(sb: &TestSandbox, extra: &[(&str, &str)]) -> String {
    let resp = get_authorize(sb, &with(default_params(sb), extra)).await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    let (_, params) = location(&resp);
    assert_eq!(params["state"], "st-123");
    params["code"].clone()
}

/// Posts a form to `/oauth2/token` with the seeded app's credentials in the body.
async fn token(sb: &TestSandbox, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut body: Vec<(&str, &str)> = vec![
        ("client_id", sb.info.oauth_client_id.as_str()),
        ("client_secret", sb.info.oauth_client_secret.as_str()),
    ];
    body.extend_from_slice(form);
    let resp = sb
        .http
        .post(sb.url("/oauth2/token"))
        .form(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

async fn exchange(sb: &TestSandbox, code: &str) -> (StatusCode, Value) {
    token(
        sb,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await
}

async fn refresh(sb: &TestSandbox, refresh_token: &str) -> (StatusCode, Value) {
    token(
        sb,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

/// A full code flow for the default user; answers the token response.
async fn tokens(sb: &TestSandbox) -> Value {
    let code = code(sb, &[]).await;
    let (status, body) = exchange(sb, &code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn me(sb: &TestSandbox, access_token: &str) -> (StatusCode, Value) {
    let resp = sb
        .http
        .get(sb.url("/api/v2/users/me"))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn str_of<'a>(body: &'a Value, field: &str) -> &'a str {
    body[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {body}"))
}

async fn register_app(sb: &TestSandbox, body: Value) -> Value {
    let resp = sb
        .http
        .post(sb.url("/_sandbox/apps"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn code_flow_with_pkce_s256_issues_a_token_for_the_authorizing_user() {
    let sb = sandbox().await;
    let code = code(&sb, &[]).await;
    let resp = sb
        .http
        .post(sb.url("/oauth2/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("client_id", sb.info.oauth_client_id.as_str()),
            ("client_secret", sb.info.oauth_client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[CACHE_CONTROL], "no-store");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(!str_of(&body, "refresh_token").is_empty());

    let admin = &sb.info.companies[0];
    let (status, user) = me(&sb, str_of(&body, "access_token")).await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(user["id"], admin.admin_user_id.as_str());
    assert_eq!(user["company_id"], admin.company_id.as_str());

    // The id_token is an HS256 JWT signed with the client secret.
    let id_token = str_of(&body, "id_token");
    let parts: Vec<&str> = id_token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let mut mac = Hmac::<Sha256>::new_from_slice(sb.info.oauth_client_secret.as_bytes()).unwrap();
    mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
    mac.verify_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap())
        .expect("id_token signature");
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["sub"], admin.admin_user_id.as_str());
    assert_eq!(claims["aud"], sb.info.oauth_client_id.as_str());
    assert_eq!(claims["company_id"], admin.company_id.as_str());
    assert_eq!(claims["iss"], sb.info.url.as_str());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
}

#[tokio::test]
async fn sandbox_user_id_chooses_who_authorizes() {
    let sb = sandbox().await;
    let second = &sb.info.companies[1];
    let resp = sb
        .http
        .get(sb.url("/api/v2/users?state=active"))
        .bearer_auth(&second.api_key)
        .send()
        .await
        .unwrap();
    let users: Value = resp.json().await.unwrap();
    let user = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] != second.admin_user_id.as_str())
        .expect("a second active user");
    let user_id = str_of(user, "id");

    let code = code(&sb, &[("sandbox_user_id", user_id)]).await;
    let (status, body) = exchange(&sb, &code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, me) = me(&sb, str_of(&body, "access_token")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["id"], user_id);
    assert_eq!(me["company_id"], second.company_id.as_str());

    // sandbox_company_id alone picks that company's admin.
    let code = self::code(&sb, &[("sandbox_company_id", &second.company_id)]).await;
    let (_, body) = exchange(&sb, &code).await;
    let (_, me) = self::me(&sb, str_of(&body, "access_token")).await;
    assert_eq!(me["id"], second.admin_user_id.as_str());
}

#[tokio::test]
async fn redirect_keeps_the_uris_own_query_parameters() {
    let sb = sandbox().await;
    let redirect = "http://localhost:4000/cb?tenant=a%20b&x=1";
    let resp = get_authorize(
        &sb,
        &with(
            default_params(&sb),
            &[("redirect_uri", redirect), ("state", "s p&a=ce")],
        ),
    )
    .await;
    let (to, params) = location(&resp);
    assert!(to.as_str().starts_with(redirect), "{to}");
    assert_eq!(params["tenant"], "a b");
    assert_eq!(params["x"], "1");
    assert_eq!(params["state"], "s p&a=ce");
    assert!(params.contains_key("code"));

    let resp = get_authorize(
        &sb,
        &with(default_params(&sb), &[("redirect_uri", "http://[::1]/cb")]),
    )
    .await;
    assert!(location(&resp).1.contains_key("code"));
}

#[tokio::test]
async fn wrong_verifier_fails_and_burns_the_code() {
    let sb = sandbox().await;
    let code = code(&sb, &[]).await;
    let wrong = "A".repeat(43);
    let (status, body) = token(
        &sb,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", &wrong),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert!(body["error_description"].is_string());

    let (status, body) = exchange(&sb, &code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");

    // Without a verifier the exchange fails too.
    let code = self::code(&sb, &[]).await;
    let (status, body) = token(
        &sb,
        &[("grant_type", "authorization_code"), ("code", &code)],
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_grant"))
    );
}

#[tokio::test]
async fn reused_code_fails_and_revokes_the_tokens_issued_from_it() {
    let sb = sandbox().await;
    let code = code(&sb, &[]).await;
    let (status, first) = exchange(&sb, &code).await;
    assert_eq!(status, StatusCode::OK);
    // Tokens obtained since by refreshing belong to the same authorization.
    let (status, refreshed) = refresh(&sb, str_of(&first, "refresh_token")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        me(&sb, str_of(&refreshed, "access_token")).await.0,
        StatusCode::OK
    );

    let (status, body) = exchange(&sb, &code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(
        me(&sb, str_of(&first, "access_token")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        me(&sb, str_of(&refreshed, "access_token")).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = refresh(&sb, str_of(&refreshed, "refresh_token")).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_grant"))
    );
}

#[tokio::test]
async fn unaccepted_client_or_redirect_uri_gets_an_error_page_and_no_redirect() {
    let sb = sandbox().await;
    let app = register_app(&sb, json!({"redirect_uris": ["https://app.example/cb"]})).await;
    let client_id = str_of(&app, "client_id");
    let cases: Vec<Vec<(String, String)>> = vec![
        // Not the registered URI (nor a prefix match of it).
        with(
            default_params(&sb),
            &[
                ("client_id", client_id),
                ("redirect_uri", "https://evil.example/cb"),
            ],
        ),
        with(
            default_params(&sb),
            &[
                ("client_id", client_id),
                ("redirect_uri", "https://app.example/cb/more"),
            ],
        ),
        // The default app takes loopback URIs only.
        with(
            default_params(&sb),
            &[("redirect_uri", "http://evil.example/cb")],
        ),
        with(
            default_params(&sb),
            &[("redirect_uri", "https://127.0.0.1/cb")],
        ),
        // Unknown or missing client.
        with(default_params(&sb), &[("client_id", "dpclient_nope")]),
        with(default_params(&sb), &[("client_id", "")]),
        with(default_params(&sb), &[("redirect_uri", "")]),
    ];
    for params in cases {
        let resp = get_authorize(&sb, &params).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{params:?}");
        assert!(resp.headers().get(LOCATION).is_none(), "{params:?}");
        let ct = resp.headers()[CONTENT_TYPE].to_str().unwrap().to_owned();
        assert!(ct.starts_with("text/html"), "{ct}");
        let page = resp.text().await.unwrap();
        assert!(!page.contains("evil.example"), "{page}");
    }

    // The registered URI itself works.
    let resp = get_authorize(
        &sb,
        &with(
            default_params(&sb),
            &[
                ("client_id", client_id),
                ("redirect_uri", "https://app.example/cb"),
            ],
        ),
    )
    .await;
    let (to, params) = location(&resp);
    assert_eq!(to.host_str(), Some("app.example"));
    assert!(params.contains_key("code"));
}

#[tokio::test]
async fn request_errors_redirect_back_with_rfc_error_codes() {
    let sb = sandbox().await;
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("scope", "calls:list no_such_scope")], "invalid_scope"),
        (&[("response_type", "token")], "unsupported_response_type"),
        (&[("code_challenge", "too-short")], "invalid_request"),
        (&[("code_challenge_method", "S512")], "invalid_request"),
        (&[("code_challenge", "")], "invalid_request"),
        (&[("sandbox_user_id", "12345")], "invalid_request"),
    ];
    for (extra, error) in cases {
        let resp = get_authorize(&sb, &with(default_params(&sb), extra)).await;
        assert_eq!(resp.status(), StatusCode::FOUND, "{extra:?}");
        let (to, params) = location(&resp);
        assert!(to.as_str().starts_with(REDIRECT), "{to}");
        assert_eq!(params["error"], *error, "{extra:?}");
        assert_eq!(params["state"], "st-123");
        assert!(!params.contains_key("code"));
    }
}

#[tokio::test]
async fn refresh_rotates_and_the_used_refresh_token_stops_working() {
    let sb = sandbox().await;
    let first = tokens(&sb).await;
    let old_refresh = str_of(&first, "refresh_token");
    let (status, second) = refresh(&sb, old_refresh).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_ne!(second["access_token"], first["access_token"]);
    assert_eq!(
        me(&sb, str_of(&second, "access_token")).await.0,
        StatusCode::OK
    );

    let (status, body) = refresh(&sb, old_refresh).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");

    let (status, third) = refresh(&sb, str_of(&second, "refresh_token")).await;
    assert_eq!(status, StatusCode::OK, "{third}");
    assert_eq!(
        me(&sb, str_of(&third, "access_token")).await.0,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refresh_with_one_token_has_exactly_one_winner() {
    let sb = sandbox().await;
    let first = tokens(&sb).await;
    let old = str_of(&first, "refresh_token");
    let answers = futures_util::future::join_all((0..10).map(|_| refresh(&sb, old))).await;
    let winners: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::OK)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(winners.len(), 1, "{answers:?}");
    for (status, body) in answers.iter().filter(|(s, _)| *s != StatusCode::OK) {
        assert_eq!(*status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"], "invalid_grant");
    }
    assert_eq!(
        me(&sb, str_of(winners[0], "access_token")).await.0,
        StatusCode::OK
    );
    let (status, _) = refresh(&sb, str_of(winners[0], "refresh_token")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn basic_auth_and_json_bodies_are_accepted() {
    let sb = sandbox().await;
    let (id, secret) = (&sb.info.oauth_client_id, &sb.info.oauth_client_secret);
    let code = code(&sb, &[]).await;
    let resp = sb
        .http
        .post(sb.url("/oauth2/token"))
        .basic_auth(id, Some(secret))
        .json(&json!({
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": VERIFIER,
            "redirect_uri": REDIRECT,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();

    let resp = sb
        .http
        .post(sb.url("/oauth2/token"))
        .basic_auth(id, Some(secret))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", str_of(&body, "refresh_token")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        me(&sb, str_of(&body, "access_token")).await.0,
        StatusCode::OK
    );

    // Header and body naming different clients.
    let resp = sb
        .http
        .post(sb.url("/oauth2/token"))
        .basic_auth(id, Some(secret))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", str_of(&body, "refresh_token")),
            ("client_id", "dpclient_other"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers().get(WWW_AUTHENTICATE).is_some());
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );

    // A wrong secret.
    let resp = sb
        .http
        .post(sb.url("/oauth2/token"))
        .basic_auth(id, Some("dpsecret_wrong"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );

    // Neither form nor JSON.
    let resp = sb
        .http
        .post(sb.url("/oauth2/token"))
        .basic_auth(id, Some(secret))
        .header(CONTENT_TYPE, "text/plain")
        .body("grant_type=refresh_token")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );

    // An unknown grant type.
    let (status, body) = token(&sb, &[("grant_type", "password")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "unsupported_grant_type");
}

/// GETs the consent page and answers its HTML and the pending request id.
async fn consent_page(sb: &TestSandbox, params: &[(String, String)]) -> (String, String) {
    let resp = get_authorize(sb, params).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers().get(LOCATION).is_none());
    let page = resp.text().await.unwrap();
    let marker = "name=\"request_id\" value=\"";
    let start = page.find(marker).expect("request id in the page") + marker.len();
    let id = page[start..].split('"').next().unwrap().to_owned();
    (page, id)
}

async fn decide(sb: &TestSandbox, request_id: &str, decision: &str) -> reqwest::Response {
    sb.http
        .post(sb.url("/oauth2/authorize/decision"))
        .form(&[("request_id", request_id), ("decision", decision)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn consent_page_allow_gives_a_code_and_deny_gives_access_denied() {
    let sb = sandbox().await;
    let app = register_app(
        &sb,
        json!({
            "name": "<script>alert(1)</script> & Co",
            "redirect_uris": ["https://app.example/cb?v=1"],
            "consent": true,
        }),
    )
    .await;
    let params = with(
        default_params(&sb),
        &[
            ("client_id", str_of(&app, "client_id")),
            ("redirect_uri", "https://app.example/cb?v=1"),
        ],
    );

    let (page, request_id) = consent_page(&sb, &params).await;
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"),
        "{page}"
    );
    assert!(!page.contains("<script>"));
    assert!(page.contains("calls:list"));
    assert!(page.contains("Allow") && page.contains("Deny"));
    let (_, admin) = me(&sb, sb.key()).await;
    assert!(page.contains(str_of(&admin, "display_name")), "{page}");

    let resp = decide(&sb, &request_id, "allow").await;
    let (to, query) = location(&resp);
    assert_eq!(to.host_str(), Some("app.example"));
    assert_eq!(query["v"], "1");
    assert_eq!(query["state"], "st-123");
    let resp = sb
        .http
        .post(sb.url("/oauth2/token"))
        .basic_auth(
            str_of(&app, "client_id"),
            Some(str_of(&app, "client_secret")),
        )
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", query["code"].as_str()),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    // A request id answers once.
    let resp = decide(&sb, &request_id, "allow").await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.headers().get(LOCATION).is_none());

    let (_, request_id) = consent_page(&sb, &params).await;
    let resp = decide(&sb, &request_id, "deny").await;
    let (_, query) = location(&resp);
    assert_eq!(query["error"], "access_denied");
    assert_eq!(query["state"], "st-123");
    assert!(!query.contains_key("code"));

    // prompt=consent asks even for an app that needs no consent.
    let (_, request_id) =
        consent_page(&sb, &with(default_params(&sb), &[("prompt", "consent")])).await;
    let (_, query) = location(&decide(&sb, &request_id, "allow").await);
    let (status, _) = exchange(&sb, &query["code"]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn deauthorize_revokes_the_token_and_its_refresh_token() {
    let sb = sandbox().await;
    let body = tokens(&sb).await;
    let access = str_of(&body, "access_token");
    let revoke = || {
        sb.http
            .post(sb.url("/oauth2/deauthorize"))
            .bearer_auth(access)
            .send()
    };
    assert_eq!(revoke().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(me(&sb, access).await.0, StatusCode::UNAUTHORIZED);
    let (status, err) = refresh(&sb, str_of(&body, "refresh_token")).await;
    assert_eq!(
        (status, &err["error"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_grant"))
    );

    let resp = revoke().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let err: Value = resp.json().await.unwrap();
    assert_eq!(err["error"]["code"], 401);
}

#[tokio::test]
async fn expired_tokens_are_refused_and_refresh_still_works() {
    let sb = sandbox().await;
    let body = tokens(&sb).await;
    let resp = sb
        .http
        .post(sb.url("/_sandbox/tokens/expire"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        me(&sb, str_of(&body, "access_token")).await.0,
        StatusCode::UNAUTHORIZED
    );

    let (status, fresh) = refresh(&sb, str_of(&body, "refresh_token")).await;
    assert_eq!(status, StatusCode::OK, "{fresh}");
    assert_eq!(
        me(&sb, str_of(&fresh, "access_token")).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_zero_token_ttl_issues_tokens_that_are_already_expired() {
    let sb = sandbox().await;
    let resp = sb
        .http
        .patch(sb.url("/_sandbox/settings"))
        .json(&json!({"token_ttl_secs": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body = tokens(&sb).await;
    assert_eq!(body["expires_in"], 0);
    assert_eq!(
        me(&sb, str_of(&body, "access_token")).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn counters_show_successful_grants_by_type() {
    let sb = sandbox().await;
    let body = tokens(&sb).await;
    let (status, _) = refresh(&sb, str_of(&body, "refresh_token")).await;
    assert_eq!(status, StatusCode::OK);
    // Failures are not grants.
    let (status, _) = refresh(&sb, str_of(&body, "refresh_token")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let counters: Value = sb
        .http
        .get(sb.url("/_sandbox/counters"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counters["token_grants"]["authorization_code"], 1);
    assert_eq!(counters["token_grants"]["refresh_token"], 1);
}
