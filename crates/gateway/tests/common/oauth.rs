//! OAuth helpers: walk the authorization flow step by step (the gateway's authorization
//! URL, the sandbox's approval, the gateway's callback) without a browser, get tokens
//! straight from the sandbox, and read its counters.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{TenantKeys, World};

/// An app page the tests pretend to own: allow-listed, never fetched.
pub const APP_REDIRECT: &str = "http://127.0.0.1:9/app/oauth/done";

/// The end of a walked flow.
#[derive(Debug)]
pub struct Landing {
    pub status: StatusCode,
    /// `Location` of a redirect.
    pub location: Option<String>,
    pub body: String,
}

impl Landing {
    /// The query parameters of the redirect's target.
    pub fn query(&self) -> Vec<(String, String)> {
        let location = self.location.as_deref().expect("a redirect");
        url::Url::parse(location)
            .unwrap()
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }
}

fn location(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get(reqwest::header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
}

impl World {
    /// Puts `urls` on `tenant`'s redirect allow-list.
    pub async fn allow_redirects(&self, tenant: &TenantKeys, urls: &[&str]) {
        self.as_tenant(tenant)
            .patch("/v1/settings", json!({"redirectUrls": urls}))
            .await
            .ok(200);
    }

    /// `POST …/authorization?mode=direct&redirectUrl=…` for `owner` of `tenant`, after
    /// creating the connection with `operations` (all when `None`) if needed.
    pub async fn authorization(
        &self,
        tenant: &TenantKeys,
        owner: &str,
        operations: Option<&[&str]>,
        redirect: &str,
    ) -> Value {
        let me = self.as_tenant(tenant);
        let body = match operations {
            Some(ops) => json!({"operations": ops}),
            None => json!({}),
        };
        let path = format!("/v1/connections/dialpad/{owner}");
        let answer = me.post(&path, body).await;
        assert!(answer.status.is_success(), "{:?}", answer.body);
        let redirect =
            url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>();
        me.post(
            &format!("{path}/authorization?mode=direct&redirectUrl={redirect}"),
            Value::Null,
        )
        .await
        .ok(200)
    }

    /// Follows an authorization URL at the sandbox (which approves at once): the callback
    /// URL it sends the browser to.
    pub async fn approve(&self, authorization_url: &str) -> String {
        let response = self.raw.get(authorization_url).send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::FOUND,
            "the sandbox did not redirect"
        );
        location(&response).unwrap()
    }

    /// Opens `url` (a callback) without following redirects.
    pub async fn open(&self, url: &str) -> Landing {
        let response = self.raw.get(url).send().await.unwrap();
        let status = response.status();
        let location = location(&response);
        let body = response.text().await.unwrap();
        Landing {
            status,
            location,
            body,
        }
    }

    /// Authorizes `owner` of the main tenant through the whole flow, redirecting to
    /// [`APP_REDIRECT`]; the connection is then `authorized` with OAuth tokens.
    pub async fn connect_oauth(&self, owner: &str, operations: Option<&[&str]>) {
        self.allow_redirects(&self.tenant, &[APP_REDIRECT]).await;
        let auth = self
            .authorization(&self.tenant, owner, operations, APP_REDIRECT)
            .await;
        let callback = self
            .approve(auth["authorizationUrl"].as_str().unwrap())
            .await;
        let landing = self.open(&callback).await;
        assert_eq!(landing.status, StatusCode::SEE_OTHER, "{}", landing.body);
        assert!(
            landing
                .query()
                .contains(&("status".into(), "authorized".into())),
            "{landing:?}"
        );
    }

    /// Tokens straight from the sandbox's default app (approved at once), with `scopes`.
    pub async fn sandbox_tokens(&self, scopes: &str) -> (String, String) {
        let info = self.sandbox.info();
        let redirect = "http://127.0.0.1:9/cb";
        let mut url = url::Url::parse(&format!("{}/oauth2/authorize", self.sandbox.url())).unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", &info.oauth_client_id)
            .append_pair("redirect_uri", redirect)
            .append_pair("response_type", "code")
            .append_pair("scope", scopes)
            .append_pair("state", "x");
        let back = self.approve(url.as_str()).await;
        let code = url::Url::parse(&back)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "code")
            .unwrap()
            .1
            .into_owned();
        let tokens: Value = self
            .http
            .post(format!("{}/oauth2/token", self.sandbox.url()))
            .basic_auth(&info.oauth_client_id, Some(&info.oauth_client_secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", redirect),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (
            tokens["access_token"].as_str().unwrap().to_owned(),
            tokens["refresh_token"].as_str().unwrap().to_owned(),
        )
    }

    /// Trades `refresh` at the sandbox (so the gateway's copy becomes a used token).
    pub async fn burn_refresh_token(&self, refresh: &str) {
        let info = self.sandbox.info();
        let status = self
            .http
            .post(format!("{}/oauth2/token", self.sandbox.url()))
            .basic_auth(&info.oauth_client_id, Some(&info.oauth_client_secret))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::OK);
    }

    /// The sandbox's counters.
    pub async fn counters(&self) -> Value {
        self.control(Method::GET, "/_sandbox/counters", Value::Null)
            .await
    }

    /// Successful token grants of `grant_type` so far.
    pub async fn grants(&self, grant_type: &str) -> u64 {
        self.counters().await["token_grants"][grant_type]
            .as_u64()
            .unwrap_or(0)
    }

    /// Requests the sandbox answered on `route` with `status`.
    pub async fn sandbox_requests(&self, route: &str, status: u16) -> u64 {
        self.counters().await["requests"][route][status.to_string()]
            .as_u64()
            .unwrap_or(0)
    }

    /// Expires every access token at the sandbox (the gateway still thinks them fresh).
    pub async fn expire_tokens(&self) {
        self.control(Method::POST, "/_sandbox/tokens/expire", json!({}))
            .await;
    }
}
