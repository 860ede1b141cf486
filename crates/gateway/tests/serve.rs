//! `patchbay serve --sandbox`, run as a newcomer runs it: the ready line, the printed curl
//! commands' calls answering, a second start reusing the database with fresh keys, and a
//! clean exit on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/served.rs"]
mod served;

use serde_json::Value;
use served::{serve, stop, tempdir};

#[tokio::test]
async fn serve_sandbox_prints_keys_and_commands_that_work() {
    let dir = tempdir();
    let served = serve(&dir);
    let url = served.ready["url"].as_str().unwrap().to_owned();
    let sk = served.ready["secretKey"].as_str().unwrap().to_owned();
    assert!(sk.starts_with("sk_"));
    assert!(
        served.ready["publishableKey"]
            .as_str()
            .unwrap()
            .starts_with("pk_")
    );
    assert_eq!(served.ready["connection"]["ownerId"], "demo");
    assert!(served.printed.contains(&sk));
    assert_eq!(served.printed.matches("curl -s").count(), 3);

    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let get = |path: &str| {
        http.get(format!("{url}{path}"))
            .bearer_auth(&sk)
            .header("x-connector-id", "dialpad")
            .header("x-owner-id", "demo")
            .send()
    };
    let contacts: Value = get("/v1/resources/genericContact?limit=5")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(contacts["data"].as_array().unwrap().len(), 5);
    let created = http
        .post(format!("{url}/v1/resources/genericContact"))
        .bearer_auth(&sk)
        .header("x-connector-id", "dialpad")
        .header("x-owner-id", "demo")
        .json(&serde_json::json!({"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let calls = get("/v1/resources/telephonyCall?limit=5").await.unwrap();
    assert_eq!(calls.status(), 200);
    stop(served);

    // A second start reuses the database and the development key, with a new secret key;
    // the old one no longer works.
    let again = serve(&dir);
    let url = again.ready["url"].as_str().unwrap().to_owned();
    let new_sk = again.ready["secretKey"].as_str().unwrap().to_owned();
    assert_ne!(new_sk, sk);
    let old = http
        .get(format!("{url}/v1/connections"))
        .bearer_auth(&sk)
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 401);
    let listed: Value = http
        .get(format!("{url}/v1/connections"))
        .bearer_auth(&new_sk)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"][0]["status"], "authorized");
    stop(again);
}
