//! `fanout`: Dialpad events from the gateway's ingress to a local receiver's 2xx, on SQLite
//! and on PostgreSQL: (1) throughput, events per second from the first signed POST until
//! the receiver has answered every event; (2) latency at a steady rate (500 events/s by
//! default), from each POST to the receiver seeing that event, p50 and p99.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use futures_util::StreamExt as _;
use patchbay_dialpad::webhooks::sign_hs256;
use serde_json::{Value, json};

use crate::Common;
use crate::harness::{self, Error, Options, Setup};
use crate::load::percentile;
use crate::report::{Table, ms};

#[derive(Default)]
struct Seen {
    ids: HashSet<String>,
    latencies: Vec<Duration>,
}

struct Shared {
    start: Instant,
    seen: Mutex<Seen>,
}

impl Shared {
    fn distinct(&self) -> usize {
        self.seen.lock().map_or(0, |s| s.ids.len())
    }
}

async fn receive(State(shared): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    let now = shared.start.elapsed();
    let event: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Ok(mut seen) = shared.seen.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR;
    };
    let sent = event["data"]["fields"]["lastName"]
        .as_str()
        .and_then(|s| s.strip_prefix('t'))
        .and_then(|s| s.parse::<u64>().ok());
    if seen
        .ids
        .insert(event["id"].as_str().unwrap_or("").to_owned())
        && let Some(sent) = sent.filter(|s| *s > 0)
    {
        seen.latencies
            .push(now.saturating_sub(Duration::from_micros(sent)));
    }
    StatusCode::NO_CONTENT
}

/// A Dialpad contact event, as Dialpad signs and sends it; `sent` (µs since the start)
/// rides in the last name so the receiver can time it.
fn event(n: u64, sent: u64) -> Value {
    json!({
        "event": "updated",
        "contact_type": "shared",
        "contact": {"id": (1_000_000 + n).to_string(), "first_name": "Bench", "last_name": format!("t{sent}"), "type": "shared"},
        "event_timestamp": (1_700_000_000_000_u64 + n).to_string(),
    })
}

struct Measured {
    ingress_rps: f64,
    end_to_end_rps: f64,
    steady: usize,
    p50: Duration,
    p99: Duration,
}

pub async fn run(common: &Common) -> Result<String, Error> {
    let mut table = Table::new(&[
        "database",
        "events",
        "ingress ev/s",
        "ingress → receiver 2xx ev/s",
        &format!("steady {} ev/s: events", common.rate),
        "p50 ms",
        "p99 ms",
    ]);
    let mut backends = vec![("SQLite".to_owned(), None)];
    match harness::fresh_postgres(&common.postgres).await {
        Ok(url) => backends.push(("PostgreSQL".to_owned(), Some(url))),
        Err(e) => eprintln!("patchbay-bench: PostgreSQL skipped ({e})"),
    }
    for (name, database_url) in backends {
        let m = measure(common, database_url).await?;
        table.row(vec![
            name,
            common.events.to_string(),
            format!("{:.0}", m.ingress_rps),
            format!("{:.0}", m.end_to_end_rps),
            m.steady.to_string(),
            ms(m.p50),
            ms(m.p99),
        ]);
    }
    Ok(format!(
        "### fanout\n\nSigned Dialpad contact events POSTed to the ingress (64 at a time), one \
         endpoint on a local receiver; durable commits (SQLite WAL, PostgreSQL):\n\n{}",
        table.render()
    ))
}

async fn measure(common: &Common, database_url: Option<String>) -> Result<Measured, Error> {
    let setup = harness::start_with(
        &Options {
            size: 5,
            database_url,
            rate_limits: false,
        },
        |_| {},
    )
    .await?;
    let shared = Arc::new(Shared {
        start: Instant::now(),
        seen: Mutex::new(Seen::default()),
    });
    let app = Router::new()
        .fallback(axum::routing::post(receive))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let receiver = format!("http://{}/hook", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let http = crate::load::client(256);
    http.post(format!("{}/v1/webhooks/endpoints", setup.gateway.url()))
        .bearer_auth(&setup.secret_key)
        .json(&json!({"url": receiver, "events": ["genericContact::*"]}))
        .send()
        .await?
        .error_for_status()?;
    let (url, secret) = ingress(&setup, &http).await?;

    // 1. Throughput.
    let events = common.events;
    let started = Instant::now();
    let statuses: Vec<bool> = futures_util::stream::iter(0..events)
        .map(|n| {
            let request = http
                .post(&url)
                .body(sign_hs256(&event(n, 0), secret.as_bytes()))
                .send();
            async move { request.await.is_ok_and(|r| r.status().is_success()) }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    if statuses.iter().any(|ok| !ok) {
        return Err("the ingress refused an event".into());
    }
    let ingested = started.elapsed();
    wait_for(&shared, usize::try_from(events)?, Duration::from_secs(600)).await?;
    let total = started.elapsed();

    // 2. Latency at a steady rate.
    if let Ok(mut seen) = shared.seen.lock() {
        seen.latencies.clear();
    }
    let before = shared.distinct();
    let steady = common.rate * common.steady_secs;
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / common.rate.max(1)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::new();
    for i in 0..steady {
        ticker.tick().await;
        let sent = u64::try_from(shared.start.elapsed().as_micros())?.max(1);
        let request = http
            .post(&url)
            .body(sign_hs256(&event(events + i, sent), secret.as_bytes()))
            .send();
        tasks.push(tokio::spawn(async move {
            request.await.is_ok_and(|r| r.status().is_success())
        }));
    }
    for task in tasks {
        if !task.await.unwrap_or(false) {
            return Err("the ingress refused an event".into());
        }
    }
    wait_for(
        &shared,
        before + usize::try_from(steady)?,
        Duration::from_secs(120),
    )
    .await?;
    let mut latencies = shared
        .seen
        .lock()
        .map(|s| s.latencies.clone())
        .unwrap_or_default();
    latencies.sort_unstable();
    server.abort();
    setup.stop().await;
    Ok(Measured {
        ingress_rps: events as f64 / ingested.as_secs_f64(),
        end_to_end_rps: events as f64 / total.as_secs_f64(),
        steady: latencies.len(),
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
    })
}

/// The ingress URL and secret of the Dialpad webhook the gateway made in the sandbox.
async fn ingress(setup: &Setup, http: &reqwest::Client) -> Result<(String, String), Error> {
    for _ in 0..200 {
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
                .map(|i| &url[i..])
                .ok_or("odd hook URL")?;
            let secret = hook["signature"]["secret"]
                .as_str()
                .ok_or("no hook secret")?;
            return Ok((format!("{}{path}", setup.gateway.url()), secret.to_owned()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err("the gateway made no Dialpad webhook".into())
}

async fn wait_for(shared: &Shared, n: usize, within: Duration) -> Result<(), Error> {
    let deadline = Instant::now() + within;
    while shared.distinct() < n {
        if Instant::now() > deadline {
            return Err(format!("deliveries stalled at {} of {n}", shared.distinct()).into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}
