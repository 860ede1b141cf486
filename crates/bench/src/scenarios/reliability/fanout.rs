//! Fan-out through a faulty receiver: Dialpad-signed contact events POSTed to the
//! gateway's ingress, delivered to a receiver that fails a share of attempts, with a
//! shortened retry schedule. Every event must arrive; duplicates are counted.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use patchbay_dialpad::webhooks::sign_hs256;
use serde_json::{Value, json};

use super::receiver::{Behaviour, Receiver};
use super::{Args, Outcome, poll};
use crate::Common;
use crate::harness::{self, Error, Options, Setup};

/// Retries, in ms: enough of them that 20% failures cannot exhaust a delivery by chance
/// (0.2^15), short enough for a run of minutes.
pub const RETRY_SCHEDULE_MS: &[u64] = &[
    50, 100, 200, 300, 400, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500,
];

pub async fn through_faults(common: &Common, args: &Args, seed: u64) -> Result<Outcome, Error> {
    let setup = harness::start_with(
        &Options {
            size: 10,
            database_url: common.database.clone(),
            rate_limits: false,
        },
        |options| {
            options.webhooks.retry_schedule = RETRY_SCHEDULE_MS
                .iter()
                .map(|ms| Duration::from_millis(*ms))
                .collect();
        },
    )
    .await?;
    let result = faulty_fan_out(&setup, args, seed).await;
    setup.stop().await;
    result
}

async fn faulty_fan_out(setup: &Setup, args: &Args, seed: u64) -> Result<Outcome, Error> {
    let receiver = Receiver::start(
        Behaviour {
            fault_rate: args.fault_rate,
            delay: Duration::ZERO,
        },
        seed,
    )
    .await?;
    let hook = subscribe(&setup.gateway.url(), setup, &receiver.url).await?;
    let started = Instant::now();
    let resent = ingest(&setup.gateway.url(), &hook, args.fault_events).await?;
    wait_for_all(&receiver, args.fault_events).await?;
    let secs = started.elapsed().as_secs_f64();
    let (distinct, received) = receiver.delivered();
    let c = receiver.counts();
    Ok(Outcome {
        campaign: "fan-out through receiver faults",
        expected: args.fault_events,
        received,
        distinct,
        missing: args.fault_events.saturating_sub(distinct),
        unexpected: distinct.saturating_sub(args.fault_events),
        exactly_once: false,
        faults: format!(
            "{} attempts: 429×{}, 503×{}, slow×{}, dropped×{}",
            c.requests.load(Ordering::Relaxed),
            c.rate_limited.load(Ordering::Relaxed),
            c.unavailable.load(Ordering::Relaxed),
            c.slow.load(Ordering::Relaxed),
            c.dropped.load(Ordering::Relaxed),
        ),
        recoveries: format!("{resent} ingress POSTs resent"),
        secs,
    })
}

/// Where Dialpad would post events, and the secret it signs them with.
#[derive(Debug, Clone)]
pub struct Hook {
    pub path: String,
    pub secret: String,
}

/// Makes a connection and an endpoint through `gateway`, and reads back the hook the
/// gateway registered in the sandbox.
pub async fn subscribe(gateway: &str, setup: &Setup, receiver: &str) -> Result<Hook, Error> {
    let http = reqwest::Client::new();
    http.post(format!("{gateway}/v1/connections/dialpad/fanout"))
        .bearer_auth(&setup.secret_key)
        .json(&json!({"credentials": {"type": "apiKey", "apiKey": setup.dialpad_key}}))
        .send()
        .await?
        .error_for_status()?;
    http.post(format!("{gateway}/v1/webhooks/endpoints"))
        .bearer_auth(&setup.secret_key)
        .json(&json!({"url": receiver, "events": ["genericContact::*"]}))
        .send()
        .await?
        .error_for_status()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let hooks: Value = http
            .get(format!("{}/api/v2/webhooks", setup.sandbox.url()))
            .headers(setup.dialpad_headers())
            .send()
            .await?
            .json()
            .await?;
        if let Some(hook) = hooks["items"].as_array().and_then(|a| a.first()) {
            let url = hook["hook_url"].as_str().unwrap_or_default();
            let path = url
                .find("/v1/ingress")
                .map(|at| url[at..].to_owned())
                .ok_or("the hook has no ingress URL")?;
            let secret = hook["signature"]["secret"]
                .as_str()
                .ok_or("the hook has no secret")?
                .to_owned();
            return Ok(Hook { path, secret });
        }
        if Instant::now() > deadline {
            return Err("the gateway never registered its hook in the sandbox".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// POSTs `n` signed events, 64 at a time, each until it is answered 200 (as Dialpad
/// retries); answers how many POSTs had to be resent.
pub async fn ingest(gateway: &str, hook: &Hook, n: usize) -> Result<u64, Error> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(128)
        .timeout(Duration::from_secs(30))
        .build()?;
    let url = format!("{gateway}{}", hook.path);
    let resent: Vec<Result<u64, Error>> = futures_util::stream::iter(0..n)
        .map(|i| {
            let claims = json!({
                "event": "updated",
                "contact_type": "shared",
                "contact": {"id": (1_000_000 + i).to_string(), "first_name": "R", "last_name": i.to_string(), "type": "shared"},
                "event_timestamp": (1_700_000_000_000_u64 + i as u64).to_string(),
            });
            let body = sign_hs256(&claims, hook.secret.as_bytes());
            let (http, url) = (http.clone(), url.clone());
            async move {
                for attempt in 0..10 {
                    match http.post(&url).body(body.clone()).send().await {
                        Ok(a) if a.status().as_u16() == 200 => return Ok(attempt),
                        _ => tokio::time::sleep(Duration::from_millis(100)).await,
                    }
                }
                Err(format!("event {i} was refused ten times at the ingress").into())
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    resent
        .into_iter()
        .try_fold(0, |sum, r| r.map(|attempts| sum + attempts))
}

/// Waits until `n` distinct ids arrived; fails when none arrives for a minute.
pub async fn wait_for_all(receiver: &Receiver, n: usize) -> Result<(), Error> {
    let mut last = (0, Instant::now());
    poll(Duration::from_secs(3600), "every event", || {
        let (distinct, _) = receiver.delivered();
        if distinct >= n {
            return Some(Ok(()));
        }
        if distinct > last.0 {
            last = (distinct, Instant::now());
        } else if last.1.elapsed() > Duration::from_secs(60) {
            return Some(Err(format!(
                "deliveries stalled at {distinct} of {n} distinct ids"
            )));
        }
        None
    })
    .await?
    .map_err(Into::into)
}
