//! Secrets at rest and in logs: `patchbay serve --sandbox` with debug JSON logs, driven
//! through an API-key connection, an imported OAuth token, a unified call, a proxy call and
//! a webhook delivery; no known secret may appear in the captured logs nor in the bytes of
//! the SQLite database files (`.db`, `-wal`, `-shm`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[allow(dead_code)]
#[path = "common/served.rs"]
mod served;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::receiver::{Behaviour, Receiver};
use serde_json::{Value, json};

fn files_under(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path.display().to_string(), bytes));
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn known_secrets_never_reach_the_logs_or_the_database_in_clear() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = served::tempdir();
    let stderr_path = dir.join("serve.stderr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_patchbay"))
        .args(["serve", "--sandbox", "--listen", "127.0.0.1:0"])
        .current_dir(&dir)
        .env_remove("PATCHBAY_ENCRYPTION_KEY")
        .env_remove("PATCHBAY_DATABASE_URL")
        .env("RUST_LOG", "debug")
        .env("PATCHBAY_LOG", "debug")
        .env("PATCHBAY_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready: Value = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.starts_with("{\"ready\":true"))
        .map(|l| serde_json::from_str(&l).unwrap())
        .expect("a ready line");
    // Everything printed after the banner (which shows the demo key on purpose) is log.
    let later = Arc::new(Mutex::new(String::new()));
    let sink = later.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            sink.lock().unwrap().push_str(&line);
        }
    });
    let url = ready["url"].as_str().unwrap().to_owned();
    let sandbox = ready["sandboxUrl"].as_str().unwrap().to_owned();
    let sk = ready["secretKey"].as_str().unwrap().to_owned();
    let http = reqwest::Client::new();
    let info: Value = http
        .get(format!("{sandbox}/_sandbox/info"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let api_key = info["apiKey"].as_str().unwrap().to_owned();
    let nonce = rand::random::<u64>();
    let access = format!("pbtest-access-{nonce:x}");
    let refresh = format!("pbtest-refresh-{nonce:x}");

    let call = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let mut request = http
            .request(method, format!("{url}{path}"))
            .bearer_auth(&sk)
            .timeout(Duration::from_secs(30));
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let answer = request.send().await.unwrap();
            let status = answer.status().as_u16();
            (status, answer.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, _) = call(
        reqwest::Method::POST,
        "/v1/connections/dialpad/keyed",
        Some(json!({"credentials": {"type": "apiKey", "apiKey": api_key}})),
    )
    .await;
    assert_eq!(status, 201);
    // Imported tokens Dialpad does not know: stored, tried, refused; never printed.
    let (status, _) = call(
        reqwest::Method::POST,
        "/v1/connections/dialpad/imported",
        Some(json!({"credentials": {"type": "oauth", "accessToken": access, "refreshToken": refresh}})),
    )
    .await;
    assert!(status < 500, "{status}");
    let unified = http
        .get(format!("{url}/v1/resources/genericContact?limit=2"))
        .bearer_auth(&sk)
        .header("x-connector-id", "dialpad")
        .header("x-owner-id", "keyed")
        .send()
        .await
        .unwrap();
    assert_eq!(unified.status().as_u16(), 200);
    let _ = http
        .get(format!("{url}/v1/resources/genericContact?limit=2"))
        .bearer_auth(&sk)
        .header("x-connector-id", "dialpad")
        .header("x-owner-id", "imported")
        .send()
        .await
        .unwrap();
    let (status, _) = call(
        reqwest::Method::GET,
        "/v1/proxy/dialpad/keyed/api/v2/users",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let receiver = Receiver::start(Behaviour::Ok).await;
    let (status, endpoint) = call(
        reqwest::Method::POST,
        "/v1/webhooks/endpoints",
        Some(json!({"url": receiver.url, "events": ["*"]})),
    )
    .await;
    assert_eq!(status, 201, "{endpoint}");
    let whsec = endpoint["secret"].as_str().unwrap().to_owned();
    let id = endpoint["id"].as_str().unwrap();
    let (status, _) = call(
        reqwest::Method::POST,
        &format!("/v1/webhooks/endpoints/{id}/test"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 202);
    receiver.wait_distinct(1, Duration::from_secs(30)).await;

    let secrets = [
        ("Dialpad API key", api_key.clone()),
        ("OAuth access token", access.clone()),
        ("OAuth refresh token", refresh.clone()),
        ("tenant secret key", sk.clone()),
        ("webhook secret", whsec.clone()),
        (
            "webhook secret's key",
            whsec.trim_start_matches("whsec_").to_owned(),
        ),
    ];
    let check = |when: &str| {
        let mut leaks = Vec::new();
        let mut files = files_under(&dir);
        files.push((
            "stdout after the banner".into(),
            later.lock().unwrap().clone().into_bytes(),
        ));
        let mut db_files = 0;
        for (name, bytes) in &files {
            db_files += usize::from(name.contains(".db"));
            for (what, secret) in &secrets {
                if contains(bytes, secret) {
                    leaks.push(format!("{what} in {name}"));
                }
            }
        }
        assert!(
            db_files > 0,
            "no database file found {when}: {files:?}",
            files = files.iter().map(|f| &f.0).collect::<Vec<_>>()
        );
        assert!(leaks.is_empty(), "secrets in clear {when}: {leaks:#?}");
    };
    check("while serving");
    let logs = std::fs::read_to_string(&stderr_path).unwrap();
    assert!(
        logs.contains("DEBUG") || logs.contains("\"level\""),
        "debug logs were captured"
    );
    served::stop(served::Served {
        child,
        ready,
        printed: String::new(),
    });
    check("after shutdown");
    std::fs::remove_dir_all(&dir).unwrap();
}
