//! The load side of `bench/fanout.sh`: makes a connection and an endpoint on a running
//! gateway, pointed at a receiver served here, finds the Dialpad hook the gateway made in
//! the sandbox, then POSTs signed Dialpad contact events to the gateway's ingress, as Dialpad
//! would. Measures (1) throughput: events per second from the first POST until the receiver
//! has answered 2xx to every one; (2) latency at a steady rate: from each POST until the
//! receiver got that event, p50 and p99.
//!
//! Usage: fanout_bench GATEWAY_URL SECRET_KEY SANDBOX_URL SANDBOX_API_KEY [EVENTS] [RATE] [SECONDS]

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use futures_util::StreamExt as _;
use patchbay_dialpad::webhooks::sign_hs256;
use serde_json::{Value, json};

#[derive(Default)]
struct Seen {
    ids: HashSet<String>,
    latencies_us: Vec<u64>,
}

struct Shared {
    start: Instant,
    seen: Mutex<Seen>,
}

async fn receive(State(shared): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    let now = shared.start.elapsed().as_micros() as u64;
    let event: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut seen = shared.seen.lock().unwrap();
    if seen
        .ids
        .insert(event["id"].as_str().unwrap_or("").to_owned())
        && let Some(sent) = event["data"]["fields"]["lastName"]
            .as_str()
            .and_then(|s| s.strip_prefix("t"))
            .and_then(|s| s.parse::<u64>().ok())
    {
        seen.latencies_us.push(now.saturating_sub(sent));
    }
    StatusCode::NO_CONTENT
}

fn claims(n: u64, sent_us: u64) -> Value {
    json!({
        "event": "updated",
        "contact_type": "shared",
        "contact": {"id": (1_000_000 + n).to_string(), "first_name": "Bench", "last_name": format!("t{sent_us}"), "type": "shared"},
        "event_timestamp": (1_700_000_000_000_u64 + n).to_string(),
    })
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().collect();
    let (gateway, sk, sandbox, sandbox_key) = (&args[1], &args[2], &args[3], &args[4]);
    let events: u64 = args.get(5).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let rate: u64 = args.get(6).and_then(|s| s.parse().ok()).unwrap_or(500);
    let seconds: u64 = args.get(7).and_then(|s| s.parse().ok()).unwrap_or(20);

    let shared = Arc::new(Shared {
        start: Instant::now(),
        seen: Mutex::new(Seen::default()),
    });
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    let status = http
        .post(format!("{gateway}/v1/connections/dialpad/bench"))
        .bearer_auth(sk)
        .json(&json!({"credentials": {"type": "apiKey", "apiKey": sandbox_key}}))
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success(), "connection: {status}");
    let status = http
        .post(format!("{gateway}/v1/webhooks/endpoints"))
        .bearer_auth(sk)
        .json(&json!({"url": receiver, "events": ["genericContact::*"]}))
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success(), "endpoint: {status}");
    let (path, secret) = loop {
        let hooks: Value = http
            .get(format!("{sandbox}/api/v2/webhooks"))
            .bearer_auth(sandbox_key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(hook) = hooks["items"].as_array().and_then(|a| a.first()) {
            let url = hook["hook_url"].as_str().unwrap();
            break (
                url[url.find("/v1/ingress").unwrap()..].to_owned(),
                hook["signature"]["secret"].as_str().unwrap().to_owned(),
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let url = format!("{gateway}{path}");

    // 1. Throughput.
    let started = Instant::now();
    futures_util::stream::iter(0..events)
        .map(|n| {
            let (http, url) = (http.clone(), url.clone());
            let body = sign_hs256(&claims(n, 0), secret.as_bytes());
            async move {
                let status = http.post(url).body(body).send().await.unwrap().status();
                assert_eq!(status, StatusCode::OK);
            }
        })
        .buffer_unordered(64)
        .collect::<Vec<_>>()
        .await;
    let ingested = started.elapsed();
    while (shared.seen.lock().unwrap().ids.len() as u64) < events {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "deliveries stalled"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let total = started.elapsed();
    println!(
        "throughput: {events} events, ingress {:.0} ev/s, ingress->receiver 2xx {:.0} ev/s ({:.2} s)",
        events as f64 / ingested.as_secs_f64(),
        events as f64 / total.as_secs_f64(),
        total.as_secs_f64()
    );

    // 2. Latency at a steady rate.
    shared.seen.lock().unwrap().latencies_us.clear();
    let before = shared.seen.lock().unwrap().ids.len() as u64;
    let steady = rate * seconds;
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::with_capacity(steady as usize);
    for i in 0..steady {
        ticker.tick().await;
        let (http, url) = (http.clone(), url.clone());
        let sent = shared.start.elapsed().as_micros() as u64;
        let body = sign_hs256(&claims(events + i, sent), secret.as_bytes());
        tasks.push(tokio::spawn(async move {
            let status = http.post(url).body(body).send().await.unwrap().status();
            assert_eq!(status, StatusCode::OK);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while (shared.seen.lock().unwrap().ids.len() as u64) < before + steady {
        assert!(Instant::now() < deadline, "steady deliveries stalled");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut lat = shared.seen.lock().unwrap().latencies_us.clone();
    lat.sort_unstable();
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p) as usize] as f64 / 1000.0;
    println!(
        "steady {rate} ev/s for {seconds} s: {} events, latency ingress->receiver p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        lat.len(),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
}
