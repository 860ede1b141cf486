//! Exports checked record by record: `patchbay export` (a child process) through 20% faults
//! on Dialpad's calls route, resumed as a user would when it gives up; and an export
//! killed with SIGKILL at random points and resumed each time.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use super::{Args, Outcome, Rng, poll};
use crate::Common;
use crate::harness::{self, Error, OWNER, Options, Setup};

const CALLS_ROUTE: &str = "GET /api/v2/call";

/// Attempts before an export through faults is declared stuck.
const MAX_RUNS: u32 = 30;

pub async fn through_faults(common: &Common, args: &Args) -> Result<Outcome, Error> {
    let setup = start(common, args.export_calls).await?;
    let result = faulty_export(&setup, args).await;
    setup.stop().await;
    result
}

async fn faulty_export(setup: &Setup, args: &Args) -> Result<Outcome, Error> {
    let expected = dialpad_call_ids(setup).await?;
    let each = args.fault_rate / 5.0;
    for rule in [
        json!({"kind": "rate_limit", "retry_after": 1}),
        json!({"kind": "internal_error"}),
        json!({"kind": "unavailable"}),
        json!({"kind": "reset"}),
        json!({"kind": "latency", "latency_ms": 300}),
    ] {
        let mut rule = rule;
        rule["route"] = json!(CALLS_ROUTE);
        rule["probability"] = json!(each);
        setup.control(Method::POST, "/faults", rule).await?;
    }
    setup
        .control(Method::DELETE, "/counters", Value::Null)
        .await?;
    let output = setup.dir.join("faulty.ndjson");
    let started = Instant::now();
    let mut runs = 0;
    let mut resumes = 0;
    loop {
        runs += 1;
        if runs > MAX_RUNS {
            return Err(format!("the export still failed after {MAX_RUNS} runs").into());
        }
        // A user resumes when there is something to resume, and starts over otherwise.
        let resume = state_path(&output).exists();
        resumes += u32::from(resume);
        let status = export(setup, &output, resume).spawn()?.wait().await?;
        if status.success() {
            break;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let counters = setup.control(Method::GET, "/counters", Value::Null).await?;
    let statuses = &counters["requests"][CALLS_ROUTE];
    let count = |s: &str| statuses[s].as_u64().unwrap_or(0);
    let faults = format!(
        "{} page requests: 429×{}, 500×{}, 503×{}, reset×{}, +{}% slowed 300 ms",
        statuses
            .as_object()
            .map_or(0, |m| m.values().filter_map(Value::as_u64).sum::<u64>()),
        count("429"),
        count("500"),
        count("503"),
        count("0"),
        (each * 100.0).round()
    );
    let mut outcome = check(
        "export through faults",
        &output,
        &expected,
        faults,
        format!("{runs} runs ({resumes} with --resume)"),
    )?;
    outcome.secs = secs;
    Ok(outcome)
}

pub async fn killed_and_resumed(
    common: &Common,
    args: &Args,
    rng: &mut Rng,
) -> Result<Outcome, Error> {
    let setup = start(common, args.crash_calls).await?;
    let result = killed_export(&setup, args, rng).await;
    setup.stop().await;
    result
}

async fn killed_export(setup: &Setup, args: &Args, rng: &mut Rng) -> Result<Outcome, Error> {
    let expected = dialpad_call_ids(setup).await?;
    // Slow pages so that a kill can land anywhere in the export.
    setup
        .control(
            Method::POST,
            "/faults",
            json!({"route": CALLS_ROUTE, "kind": "latency", "latency_ms": 30}),
        )
        .await?;
    let output = setup.dir.join("killed.ndjson");
    let state = state_path(&output);
    let total = expected.len() as u64;
    let started = Instant::now();
    let mut kills = Vec::new();
    let mut resume = false;
    let mut finished = false;
    for _ in 0..args.kills {
        let done = saved_records(&state).unwrap_or(0);
        let target = done + 1 + rng.below(total.saturating_sub(done) * 2 / 3);
        let mut child = export(setup, &output, resume).spawn()?;
        resume = true;
        let reached = poll(Duration::from_secs(300), "the kill point", || {
            if saved_records(&state).is_some_and(|n| n >= target) {
                return Some(true);
            }
            match child.try_wait() {
                Ok(Some(_)) | Err(_) => Some(false),
                Ok(None) => None,
            }
        })
        .await?;
        if !reached {
            // The export ended before the kill point: nothing left to kill or resume.
            finished = child.wait().await?.success();
            break;
        }
        child.start_kill()?;
        child.wait().await?;
        kills.push(saved_records(&state).unwrap_or(0));
    }
    if !finished {
        let out = export(setup, &output, resume && state.exists())
            .stderr(std::process::Stdio::piped())
            .output()
            .await?;
        if !out.status.success() {
            return Err(format!(
                "the final resumed export failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )
            .into());
        }
    }
    let mut outcome = check(
        "export killed (SIGKILL) and resumed",
        &output,
        &expected,
        format!(
            "kill -9 at records {}",
            kills
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!("{} resumes", kills.len()),
    )?;
    outcome.secs = started.elapsed().as_secs_f64();
    Ok(outcome)
}

async fn start(common: &Common, calls: u32) -> Result<Setup, Error> {
    harness::start_with(
        &Options {
            size: calls,
            database_url: common.database.clone(),
            rate_limits: false,
        },
        |_| {},
    )
    .await
}

fn export(setup: &Setup, output: &Path, resume: bool) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(
        std::env::current_exe().unwrap_or_else(|_| PathBuf::from("patchbay-bench")),
    );
    cmd.args(["patchbay", "export", "--connection"])
        .arg(format!("dialpad/{OWNER}"))
        .args(["--tenant", &setup.tenant_id])
        .args(["--model", "telephonyCall", "--format", "ndjson", "--output"])
        .arg(output)
        .arg("--database")
        .arg(&setup.database_url)
        .env("PATCHBAY_ENCRYPTION_KEY", &setup.keyring)
        .env("PATCHBAY_DIALPAD_BASE_URL", setup.sandbox.url())
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    if resume {
        cmd.arg("--resume");
    }
    cmd
}

fn state_path(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".export-state");
    PathBuf::from(name)
}

fn saved_records(state: &Path) -> Option<u64> {
    let saved: Value = serde_json::from_slice(&std::fs::read(state).ok()?).ok()?;
    saved["records"].as_u64()
}

/// Every call id the sandbox lists, read from Dialpad's API before any fault.
async fn dialpad_call_ids(setup: &Setup) -> Result<HashSet<String>, Error> {
    let http = reqwest::Client::new();
    let mut ids = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{}/api/v2/call", setup.sandbox.url());
        if let Some(c) = &cursor {
            url.push_str("?cursor=");
            url.push_str(c);
        }
        let page: Value = http
            .get(url)
            .headers(setup.dialpad_headers())
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        for item in page["items"].as_array().into_iter().flatten() {
            if let Some(id) = item["call_id"].as_str() {
                ids.insert(id.to_owned());
            }
        }
        match page["cursor"].as_str() {
            Some(c) if !c.is_empty() => cursor = Some(c.to_owned()),
            _ => return Ok(ids),
        }
    }
}

/// Reads the NDJSON output and counts it against `expected`.
fn check(
    campaign: &'static str,
    output: &Path,
    expected: &HashSet<String>,
    faults: String,
    recoveries: String,
) -> Result<Outcome, Error> {
    let text = std::fs::read_to_string(output)?;
    let mut seen = HashSet::new();
    let mut received = 0;
    for line in text.lines() {
        received += 1;
        let record: Value = serde_json::from_str(line)
            .map_err(|e| format!("{campaign}: line {received} is not JSON ({e})"))?;
        if let Some(id) = record["id"].as_str() {
            seen.insert(id.to_owned());
        }
    }
    Ok(Outcome {
        campaign,
        expected: expected.len(),
        received,
        distinct: seen.len(),
        missing: expected.difference(&seen).count(),
        unexpected: seen.difference(expected).count(),
        exactly_once: true,
        faults,
        recoveries,
        secs: 0.0,
    })
}
