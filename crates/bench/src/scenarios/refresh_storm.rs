//! `refresh-storm`: many concurrent requests on a connection whose access token Dialpad
//! has just expired. Every request must succeed, and Dialpad must see exactly one
//! refresh-token grant per storm.

use std::time::Instant;

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::json;

use crate::Common;
use crate::harness::{self, Error, Options, Setup};
use crate::report::{Table, ms};

const OWNER: &str = "storm";

pub async fn run(common: &Common) -> Result<String, Error> {
    let setup = harness::start_with(
        &Options {
            size: 50,
            database_url: common.database.clone(),
            rate_limits: false,
        },
        |_| {},
    )
    .await?;
    connect_oauth(&setup).await?;
    let gw = setup.gateway.url();
    let client = crate::load::client(common.storm);
    let url = format!("{gw}/v1/resources/genericContact?limit=5");
    let mut headers = setup.gateway_headers();
    headers.insert(
        "x-owner-id",
        reqwest::header::HeaderValue::from_static(OWNER),
    );
    client
        .get(&url)
        .headers(headers.clone())
        .send()
        .await?
        .error_for_status()?;
    let mut table = Table::new(&[
        "storm",
        "concurrent requests",
        "answered 200",
        "refresh grants at Dialpad",
        "401s from Dialpad",
        "wall time ms",
    ]);
    for round in 1..=3 {
        let before = counters(&setup).await?;
        setup
            .control(Method::POST, "/tokens/expire", json!({}))
            .await?;
        let started = Instant::now();
        let answers = join_all((0..common.storm).map(|_| {
            let request = client.get(&url).headers(headers.clone()).send();
            async move { request.await.map(|r| r.status().as_u16()).unwrap_or(0) }
        }))
        .await;
        let elapsed = started.elapsed();
        let after = counters(&setup).await?;
        let ok = answers.iter().filter(|s| **s == 200).count();
        table.row(vec![
            round.to_string(),
            common.storm.to_string(),
            ok.to_string(),
            (after.0 - before.0).to_string(),
            (after.1 - before.1).to_string(),
            ms(elapsed),
        ]);
    }
    setup.stop().await;
    Ok(format!(
        "### refresh-storm\n\nEach storm: the sandbox expires the access token, then \
         {} requests arrive at once (target: every one answered 200, one grant).\n\n{}",
        common.storm,
        table.render()
    ))
}

/// (refresh-token grants, 401 answers on the contacts route) so far.
async fn counters(setup: &Setup) -> Result<(u64, u64), Error> {
    let c = setup.control(Method::GET, "/counters", json!(null)).await?;
    let grants = c["token_grants"]["refresh_token"].as_u64().unwrap_or(0);
    let rejected = c["requests"]["GET /api/v2/contacts"]["401"]
        .as_u64()
        .unwrap_or(0);
    Ok((grants, rejected))
}

/// Tokens from the sandbox's default app, imported as the `storm` connection.
async fn connect_oauth(setup: &Setup) -> Result<(), Error> {
    let info = setup.sandbox.info();
    let redirect = "http://127.0.0.1:9/cb";
    let mut url = url::Url::parse(&format!("{}/oauth2/authorize", setup.sandbox.url()))?;
    url.query_pairs_mut()
        .append_pair("client_id", &info.oauth_client_id)
        .append_pair("redirect_uri", redirect)
        .append_pair("response_type", "code")
        .append_pair("scope", "offline_access")
        .append_pair("state", "bench");
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let back = raw.get(url).send().await?;
    let location = back
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or("the sandbox did not redirect with a code")?;
    let code = url::Url::parse(location)?
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .ok_or("no code in the redirect")?;
    let tokens: serde_json::Value = raw
        .post(format!("{}/oauth2/token", setup.sandbox.url()))
        .basic_auth(&info.oauth_client_id, Some(&info.oauth_client_secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect),
        ])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    raw.post(format!(
        "{}/v1/connections/dialpad/{OWNER}",
        setup.gateway.url()
    ))
    .bearer_auth(&setup.secret_key)
    .json(&json!({"credentials": {
        "type": "oauth",
        "accessToken": tokens["access_token"],
        "refreshToken": tokens["refresh_token"],
    }}))
    .send()
    .await?
    .error_for_status()?;
    Ok(())
}
