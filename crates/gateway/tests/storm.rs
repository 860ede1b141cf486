//! The refresh storm across instances: three `patchbay serve` processes on one PostgreSQL
//! database, behind one public URL, one sandbox. A connection authorized through one of
//! them has its token expired at Dialpad, then 1,000 concurrent calls spread over the three
//! all succeed, and the sandbox saw exactly one refresh grant. PostgreSQL only (the test
//! skips on SQLite, whose single process is covered by `tokens.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::db;
use futures_util::future::join_all;
use patchbay_dialpad_sandbox::Sandbox;
use patchbay_gateway::store::Store;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The public URL all three instances answer for (as behind a load balancer).
const PUBLIC_URL: &str = "http://patchbay.invalid";

struct Instance {
    child: Child,
    url: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn serve(database: &str, sandbox: &str, client_id: &str, client_secret: &str) -> Instance {
    let mut child = Command::new(env!("CARGO_BIN_EXE_patchbay"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--public-url",
            PUBLIC_URL,
        ])
        .args(["--database", database, "--dialpad-base-url", sandbox])
        // The sandbox here enforces no rate limit, so neither does the gateway's limiter
        // (it would queue the storm at Dialpad's 20 requests/s and refuse most of it).
        .arg("--no-rate-limiter")
        .env("PATCHBAY_ENCRYPTION_KEY", db::test_keyring_spec())
        .env("PATCHBAY_DIALPAD_CLIENT_ID", client_id)
        .env("PATCHBAY_DIALPAD_CLIENT_SECRET", client_secret)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let line = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|l| l.starts_with("{\"ready\":true"));
    let Some(line) = line else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("serve gave no ready line");
    };
    let ready: Value = serde_json::from_str(&line).unwrap();
    Instance {
        child,
        url: ready["url"].as_str().unwrap().to_owned(),
    }
}

#[tokio::test]
async fn refresh_storm_over_three_processes_makes_one_token_call() {
    if !db::testing_postgres() {
        eprintln!(
            "skipped: the three-process storm needs PostgreSQL \
             (PATCHBAY_TEST_DATABASE_URL=postgres://…; tests/run sets it in its second pass)"
        );
        return;
    }
    let sandbox = Sandbox::start_local(common::sandbox_config(20))
        .await
        .unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let app: Value = http
        .post(format!("{}/_sandbox/apps", sandbox.url()))
        .json(&json!({"redirect_uris": [format!("{PUBLIC_URL}/v1/oauth/callback")]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (client_id, client_secret) = (
        app["client_id"].as_str().unwrap(),
        app["client_secret"].as_str().unwrap(),
    );

    let database = db::test_database_url().await;
    let store = Store::open(&database, db::test_keyring()).await.unwrap();
    store.migrate().await.unwrap();
    let (tenant, key) = store.create_tenant("Storm SaaS").await.unwrap();
    let _ = tenant;
    let sk = key.secret.expose().to_owned();
    let instances: Vec<Instance> = (0..3)
        .map(|_| serve(&database, &sandbox.url(), client_id, client_secret))
        .collect();

    // Authorize through the first instance; Dialpad's redirect lands on the second.
    let first = &instances[0].url;
    let call = |base: &str, method: reqwest::Method, path: &str| {
        http.request(method, format!("{base}{path}"))
            .bearer_auth(&sk)
            .header("x-connector-id", "dialpad")
            .header("x-owner-id", "storm")
    };
    let ok = |r: reqwest::Response| {
        assert!(r.status().is_success(), "{}", r.status());
        r
    };
    ok(call(first, reqwest::Method::PATCH, "/v1/settings")
        .json(&json!({"redirectUrls": ["http://127.0.0.1:9/done"]}))
        .send()
        .await
        .unwrap());
    ok(call(
        first,
        reqwest::Method::POST,
        "/v1/connections/dialpad/storm",
    )
    .json(&json!({}))
    .send()
    .await
    .unwrap());
    let auth: Value = ok(call(
        first,
        reqwest::Method::POST,
        "/v1/connections/dialpad/storm/authorization?mode=direct&redirectUrl=http%3A%2F%2F127.0.0.1%3A9%2Fdone",
    )
    .send()
    .await
    .unwrap())
    .json()
    .await
    .unwrap();
    let approved = http
        .get(auth["authorizationUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), StatusCode::FOUND);
    let callback = approved.headers()["location"].to_str().unwrap().to_owned();
    let callback = callback.replacen(PUBLIC_URL, &instances[1].url, 1);
    let landed = http.get(&callback).send().await.unwrap();
    assert_eq!(landed.status(), StatusCode::SEE_OTHER);
    assert!(
        landed.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("status=authorized")
    );

    // Every instance has read the connection and its token (warm caches).
    let contacts = "/v1/resources/genericContact?limit=2";
    for instance in &instances {
        ok(call(&instance.url, reqwest::Method::GET, contacts)
            .send()
            .await
            .unwrap());
    }
    http.post(format!("{}/_sandbox/tokens/expire", sandbox.url()))
        .send()
        .await
        .unwrap();

    let urls: Arc<Vec<String>> = Arc::new(instances.iter().map(|i| i.url.clone()).collect());
    let calls = (0..1000).map(|i| {
        let (http, urls, sk) = (http.clone(), urls.clone(), sk.clone());
        async move {
            http.get(format!("{}{contacts}", urls[i % urls.len()]))
                .bearer_auth(&sk)
                .header("x-connector-id", "dialpad")
                .header("x-owner-id", "storm")
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }
    });
    let statuses = join_all(calls).await;
    let failed: Vec<u16> = statuses.iter().copied().filter(|s| *s != 200).collect();
    assert!(
        failed.is_empty(),
        "{} of 1000 failed: {failed:?}",
        failed.len()
    );

    let counters: Value = http
        .get(format!("{}/_sandbox/counters", sandbox.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counters["token_grants"]["refresh_token"], 1, "{counters:#}");
    assert_eq!(counters["token_grants"]["authorization_code"], 1);
    // Every instance met the expired token (so each went through the lock), yet one refresh.
    let rejected = counters["requests"]["GET /api/v2/contacts"]["401"]
        .as_u64()
        .unwrap_or(0);
    assert!(rejected >= 3, "{counters:#}");
    eprintln!("storm: 1000 calls over 3 instances, {rejected} rejected tokens, 1 refresh grant");
    drop(instances);
    store.close().await;
    db::drop_test_database(&database).await;
}
