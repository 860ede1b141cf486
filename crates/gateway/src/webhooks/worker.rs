//! The delivery worker of one instance: a claimer that leases due deliveries (leaving out
//! endpoints at their concurrency cap), one task per delivery that signs and POSTs it, and
//! a writer that records outcomes in batches (one transaction for many attempts).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rand::Rng as _;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use serde_json::json;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::Webhooks;
use super::endpoints::{ENDPOINT_DISABLED, aad};
use super::outbox::{Claimed, NewEvent, Outcome};
use super::sign;
use crate::health::Heartbeat;
use crate::store::{Store, now_ms, random_id};

/// Bytes of a response body kept with an attempt.
const BODY_KEPT: usize = 1024;
/// Outcomes written in one transaction, at most.
const WRITE_BATCH: usize = 512;

/// The running worker of one instance.
#[derive(Debug)]
pub struct Worker {
    /// Claims due deliveries and starts one task per delivery.
    pub claimer: JoinHandle<()>,
    /// Records outcomes; ends once the claimer has stopped and every delivery it started
    /// has been recorded (see [`Webhooks::begin_shutdown`]).
    pub writer: JoinHandle<()>,
}

/// Starts the claimer and the writer, the claimer beating `heartbeat` each round. To stop:
/// [`Webhooks::begin_shutdown`], then wait for the writer (or abort both: claims come back
/// after their lease, or at once with `Store::release_instance_claims`).
pub fn spawn(store: Store, webhooks: Webhooks, heartbeat: Heartbeat) -> Worker {
    let (tx, rx) = mpsc::unbounded_channel::<Outcome>();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let writer = tokio::spawn(write_loop(
        store.clone(),
        webhooks.clone(),
        rx,
        in_flight.clone(),
    ));
    let claimer = tokio::spawn(claim_loop(store, webhooks, tx, in_flight, heartbeat));
    Worker { claimer, writer }
}

async fn claim_loop(
    store: Store,
    webhooks: Webhooks,
    tx: mpsc::UnboundedSender<Outcome>,
    in_flight: Arc<AtomicUsize>,
    heartbeat: Heartbeat,
) {
    let config = webhooks.config().clone();
    let mut round: u64 = 0;
    loop {
        heartbeat.beat();
        if webhooks.stopping() {
            // Dropping `tx` lets the writer end once the deliveries in flight are recorded.
            return;
        }
        let free = config
            .max_in_flight
            .saturating_sub(in_flight.load(Ordering::Acquire));
        if free == 0 {
            tokio::select! {
                () = webhooks.woken() => {}
                () = tokio::time::sleep(Duration::from_millis(20)) => {}
            }
            continue;
        }
        round = round.wrapping_add(1);
        let owner = format!("{}:{round}", webhooks.instance());
        let lease_until = now_ms().saturating_add(millis(config.lease));
        let skip = webhooks.saturated();
        let claimed = match store
            .claim_deliveries(
                &owner,
                lease_until,
                i64::try_from(free).unwrap_or(256),
                i64::try_from(config.per_endpoint_concurrency).unwrap_or(16),
                &skip,
            )
            .await
        {
            Ok(claimed) => claimed,
            Err(err) => {
                tracing::warn!(error = %err, "cannot claim webhook deliveries");
                tokio::time::sleep(config.tick).await;
                continue;
            }
        };
        if claimed.is_empty() {
            tokio::select! {
                () = webhooks.woken() => {}
                () = tokio::time::sleep(config.tick) => {}
            }
            continue;
        }
        let mut release = Vec::new();
        for delivery in claimed {
            let Ok(permit) = webhooks.cap(&delivery.endpoint_id).try_acquire_owned() else {
                release.push(delivery.id);
                continue;
            };
            in_flight.fetch_add(1, Ordering::AcqRel);
            let (webhooks, store, tx, owner) =
                (webhooks.clone(), store.clone(), tx.clone(), owner.clone());
            tokio::spawn(async move {
                let outcome = deliver(&store, &webhooks, &delivery, owner).await;
                drop(permit);
                let _ = tx.send(outcome);
            });
        }
        if !release.is_empty() {
            // Over the endpoint's cap: give them back at once for whoever has room.
            if let Err(err) = store.release_deliveries(&owner, &release).await {
                tracing::warn!(error = %err, "cannot release webhook deliveries");
            }
        }
    }
}

async fn write_loop(
    store: Store,
    webhooks: Webhooks,
    mut rx: mpsc::UnboundedReceiver<Outcome>,
    in_flight: Arc<AtomicUsize>,
) {
    let disable_after = millis(webhooks.config().disable_after);
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < WRITE_BATCH {
            match rx.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let mut tries = 0;
        loop {
            match store
                .record_outcomes(&batch, now_ms().saturating_sub(disable_after))
                .await
            {
                Ok(disabled) => {
                    // Counted once written, so the outbox gauges never lag the counters.
                    record_metrics(&webhooks, &batch);
                    for (tenant, endpoint) in disabled {
                        endpoint_disabled(&store, &webhooks, &tenant, &endpoint).await;
                    }
                    break;
                }
                Err(err) if tries < 5 => {
                    tries += 1;
                    tracing::warn!(error = %err, "cannot record webhook attempts; retrying");
                    tokio::time::sleep(Duration::from_millis(200 * tries)).await;
                }
                Err(err) => {
                    // The leases run out and the deliveries are sent again: at least once.
                    tracing::error!(error = %err, "dropped webhook attempt records");
                    break;
                }
            }
        }
        in_flight.fetch_sub(batch.len(), Ordering::AcqRel);
        webhooks.wake();
    }
}

fn record_metrics(webhooks: &Webhooks, batch: &[Outcome]) {
    let Some(metrics) = webhooks.metrics() else {
        return;
    };
    for outcome in batch {
        let label = match (outcome.success, outcome.next_attempt_at) {
            (true, _) => "success",
            (false, Some(_)) => "retry",
            (false, None) => "failed",
        };
        let age = outcome.success.then(|| {
            Duration::from_millis(
                u64::try_from(now_ms().saturating_sub(outcome.ingested_at)).unwrap_or(0),
            )
        });
        metrics.delivery(label, age);
    }
}

/// Records `endpoint::disabled` for the tenant's other endpoints that want it.
async fn endpoint_disabled(store: &Store, webhooks: &Webhooks, tenant: &str, endpoint: &str) {
    tracing::warn!(
        endpoint,
        "webhook endpoint disabled after failing for too long"
    );
    let id = random_id("evt_");
    let envelope = json!({
        "id": id,
        "type": ENDPOINT_DISABLED,
        "model": "endpoint",
        "trigger": "delivery",
        "connection": null,
        "occurredAt": chrono::Utc::now(),
        "data": {"endpointId": endpoint, "reason": "failing"},
    });
    let event = NewEvent {
        id,
        tenant_id: tenant.to_owned(),
        connection_id: None,
        connection: None,
        event_type: ENDPOINT_DISABLED.to_owned(),
        type_if_seen: None,
        first_seen: None,
        dedupe_key: None,
        envelope,
        only_endpoint: None,
    };
    if let Err(err) = store.store_events(&[event]).await {
        tracing::warn!(error = %err, "cannot record endpoint::disabled");
    }
    webhooks.wake();
}

/// One attempt of `delivery`, as an outcome to record.
async fn deliver(store: &Store, webhooks: &Webhooks, delivery: &Claimed, owner: String) -> Outcome {
    let config = webhooks.config();
    let attempted_at = now_ms();
    let started = Instant::now();
    let mut outcome = Outcome {
        delivery_id: delivery.id.clone(),
        endpoint_id: delivery.endpoint_id.clone(),
        tenant_id: delivery.tenant_id.clone(),
        lease_owner: owner,
        attempted_at,
        ingested_at: delivery.created_at,
        response_code: None,
        latency_ms: 0,
        response_body: None,
        error: None,
        success: false,
        next_attempt_at: None,
    };
    let mut retry_after = None;
    match send(store, webhooks, delivery).await {
        Ok((status, headers, body)) => {
            outcome.response_code = Some(i64::from(status.as_u16()));
            outcome.response_body = Some(body);
            outcome.success = status.is_success();
            if matches!(
                status,
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
            ) {
                retry_after = headers
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
            }
        }
        Err(error) => outcome.error = Some(error),
    }
    outcome.latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    if !outcome.success {
        let failed_attempts = usize::try_from(delivery.attempts).unwrap_or(0) + 1;
        outcome.next_attempt_at = config.retry_schedule.get(failed_attempts - 1).map(|wait| {
            let factor = 1.0 + rand::thread_rng().gen_range(-config.jitter..=config.jitter);
            let wait = wait.mul_f64(factor.max(0.0));
            let wait = retry_after.map_or(wait, |floor| wait.max(floor));
            now_ms().saturating_add(millis(wait))
        });
    }
    outcome
}

/// Signs and POSTs; answers the status, headers and the start of the body, or why no
/// answer came.
async fn send(
    store: &Store,
    webhooks: &Webhooks,
    delivery: &Claimed,
) -> Result<(StatusCode, HeaderMap, String), String> {
    let url = url::Url::parse(&delivery.url).map_err(|e| format!("invalid URL: {e}"))?;
    super::ssrf::check_url(&url, webhooks.config().private_addresses)?;
    let keyring = store.keyring().map_err(|e| e.to_string())?;
    let mut keys = Vec::with_capacity(2);
    let open = |blob: &[u8], column: &str| -> Result<Vec<u8>, String> {
        let plain = keyring
            .decrypt(blob, &aad(column, &delivery.endpoint_id))
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8(plain).map_err(|_| "the secret is not text".to_owned())?;
        sign::secret_key(&text).ok_or_else(|| "the secret is not a whsec_ secret".to_owned())
    };
    keys.push(open(&delivery.secret, "secret")?);
    if let (Some(blob), Some(until)) = (&delivery.previous_secret, delivery.previous_until)
        && until > now_ms()
    {
        keys.push(open(blob, "previous_secret")?);
    }
    let timestamp = chrono::Utc::now().timestamp();
    let body = delivery.payload.as_bytes();
    let signature = sign::header(&keys, &delivery.event_id, timestamp, body);
    let response = webhooks
        .http()
        .post(url)
        .header(CONTENT_TYPE, "application/json")
        .header("webhook-id", &delivery.event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(delivery.payload.clone())
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let status = response.status();
    let headers = response.headers().clone();
    let mut kept = Vec::new();
    let mut response = response;
    while kept.len() < BODY_KEPT {
        match response.chunk().await {
            Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    kept.truncate(BODY_KEPT);
    Ok((status, headers, String::from_utf8_lossy(&kept).into_owned()))
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".into()
    } else if error.is_connect() {
        let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
        let mut text = "connection failed".to_owned();
        while let Some(s) = source {
            text = format!("connection failed: {s}");
            source = s.source();
        }
        text
    } else {
        "the request failed".into()
    }
}

pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
