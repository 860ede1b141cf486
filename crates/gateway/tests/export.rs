//! `patchbay export` (the built binary) against the sandbox: every call exactly once
//! through 429s and a provider outage longer than the connector's own retries, and an
//! export killed halfway then resumed ending with the same file as an uninterrupted one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{World, db, sandbox_config};
use reqwest::Method;
use serde_json::{Value, json};

const CALLS: u32 = 2500;

fn export_command(world: &World, output: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_patchbay"));
    cmd.args([
        "export",
        "--connection",
        "dialpad/acme",
        "--model",
        "telephonyCall",
        "--tenant",
        &world.tenant.id,
        "--output",
    ])
    .arg(output)
    .args(extra)
    .env("PATCHBAY_DATABASE_URL", &world.database_url)
    .env("PATCHBAY_ENCRYPTION_KEY", db::test_keyring_spec())
    .env("PATCHBAY_DIALPAD_BASE_URL", world.sandbox.url())
    .env("RUST_LOG", "warn")
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    cmd
}

async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

#[track_caller]
fn succeeded(out: &Output) {
    assert!(
        out.status.success(),
        "export failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every call id the sandbox lists, read straight from Dialpad's API.
async fn dialpad_call_ids(world: &World) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v2/call?cursor={c}"),
            None => "/api/v2/call".to_owned(),
        };
        let page = world.dialpad(Method::GET, &path, None).await;
        for item in page["items"].as_array().unwrap() {
            ids.push(item["call_id"].as_str().unwrap().to_owned());
        }
        match page["cursor"].as_str() {
            Some(c) if !c.is_empty() => cursor = Some(c.to_owned()),
            _ => return ids,
        }
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "patchbay-export-{name}-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_is_exported_exactly_once_through_429s_and_an_outage() {
    let world = World::start(CALLS).await;
    let expected = dialpad_call_ids(&world).await;
    // 429s the connector rides out, then an outage longer than its own retries.
    world
        .control(
            Method::POST,
            "/_sandbox/faults",
            json!({"route": "GET /api/v2/call", "kind": "rate_limit", "next": 3, "retry_after": 0}),
        )
        .await;
    world
        .control(
            Method::POST,
            "/_sandbox/faults",
            json!({"route": "GET /api/v2/call", "kind": "internal_error", "next": 6}),
        )
        .await;
    let dir = temp_dir("once");
    let output = dir.join("calls.ndjson");
    let out = run(export_command(&world, &output, &[])).await;
    succeeded(&out);
    let text = std::fs::read_to_string(&output).unwrap();
    let mut seen = HashSet::new();
    for line in text.lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        assert_eq!(record["model"], "telephonyCall");
        assert!(
            seen.insert(record["id"].as_str().unwrap().to_owned()),
            "duplicate {line}"
        );
    }
    assert_eq!(seen.len(), expected.len());
    assert_eq!(seen, expected.into_iter().collect::<HashSet<_>>());
    // Plain progress lines on a non-terminal, and no state left behind.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("exported {} records", seen.len())),
        "{stderr}"
    );
    assert!(!dir.join("calls.ndjson.export-state").exists());

    // CSV: a header, then one record per call.
    let csv = dir.join("calls.csv");
    succeeded(&run(export_command(&world, &csv, &["--format", "csv"])).await);
    let records = patchbay_gateway::csv::parse(&std::fs::read(&csv).unwrap());
    assert_eq!(&records[0][..3], ["id", "createdAt", "updatedAt"]);
    assert_eq!(records.len(), seen.len() + 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A child process killed and reaped when dropped, on every path.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_killed_halfway_and_resumed_matches_an_uninterrupted_one() {
    let world = World::start_with(sandbox_config(CALLS)).await;
    let dir = temp_dir("resume");
    let whole = dir.join("whole.ndjson");
    succeeded(&run(export_command(&world, &whole, &[])).await);

    // Slow Dialpad down so the export can be caught halfway.
    world
        .control(
            Method::POST,
            "/_sandbox/faults",
            json!({"route": "GET /api/v2/call", "kind": "latency", "latency_ms": 40}),
        )
        .await;
    let resumed = dir.join("resumed.ndjson");
    let state = dir.join("resumed.ndjson.export-state");
    let child = Reaped(export_command(&world, &resumed, &[]).spawn().unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    let interrupted_at = loop {
        let records = std::fs::read(&state)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|s| s["records"].as_u64())
            .unwrap_or(0);
        if records >= u64::from(CALLS) / 3 {
            drop(child);
            break records;
        }
        assert!(
            Instant::now() < deadline,
            "the export never got a third of the way"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let saved: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(saved["done"], false, "killed before the end: {saved}");
    assert!(interrupted_at < u64::from(CALLS));
    // A partial page past the saved offset is what a kill can leave; resume cuts it.
    let mut partial = std::fs::OpenOptions::new()
        .append(true)
        .open(&resumed)
        .unwrap();
    std::io::Write::write_all(&mut partial, b"{\"half a rec").unwrap();
    drop(partial);

    world
        .control(Method::DELETE, "/_sandbox/faults", Value::Null)
        .await;
    succeeded(&run(export_command(&world, &resumed, &["--resume"])).await);
    assert_eq!(
        std::fs::read(&resumed).unwrap(),
        std::fs::read(&whole).unwrap()
    );
    assert!(!state.exists());
    // Nothing left to resume.
    let again = run(export_command(&world, &resumed, &["--resume"])).await;
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing to resume"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_stats_waits_for_the_job_and_writes_its_csv() {
    let world = World::start_with(patchbay_dialpad_sandbox::SandboxConfig {
        stats_processing: Duration::from_millis(300),
        ..sandbox_config(100)
    })
    .await;
    let dir = temp_dir("report");
    let output = dir.join("week.csv");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_patchbay"));
    cmd.args([
        "report",
        "stats",
        "--connection",
        "dialpad/acme",
        "--export-type",
        "records",
        "--stat-type",
        "calls",
        "--days-ago-start",
        "1",
        "--days-ago-end",
        "7",
        "--wait",
        "--first-poll-ms",
        "200",
        "--poll-interval-ms",
        "100",
        "--output",
    ])
    .arg(&output)
    .env("PATCHBAY_DATABASE_URL", &world.database_url)
    .env("PATCHBAY_ENCRYPTION_KEY", db::test_keyring_spec())
    .env("PATCHBAY_DIALPAD_BASE_URL", world.sandbox.url())
    .env("RUST_LOG", "warn")
    .stdin(Stdio::null());
    let out = run(cmd).await;
    succeeded(&out);
    let csv = std::fs::read_to_string(&output).unwrap();
    assert!(csv.starts_with("date_started,date,call_id"), "{csv}");
    // The job is the API's: the same request through the API reuses it.
    let again = world
        .acme()
        .post(
            "/v1/reports/dialpad/stats",
            json!({"exportType": "records", "statType": "calls", "daysAgoStart": 1, "daysAgoEnd": 7}),
        )
        .await
        .ok(200);
    assert_eq!(again["reused"], true);
    assert_eq!(again["status"], "complete");
    std::fs::remove_dir_all(&dir).unwrap();
}
