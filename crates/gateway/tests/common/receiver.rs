//! A local webhook receiver: an axum server on port 0 that records every delivery (its
//! Standard Webhooks headers and body), verifies nothing itself, and can be told to fail
//! every other request, answer slowly, or answer a fixed status.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;
use std::sync::Mutex;

/// One delivery as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: Vec<u8>,
    pub json: Value,
}

/// How the receiver answers.
#[derive(Debug, Clone, Copy)]
pub enum Behaviour {
    /// 204 to everything.
    Ok,
    /// 500 to the first request of each `webhook-id`, 200 to the next: half the
    /// requests fail, and every delivery fails once.
    FailHalf,
    /// Always this status.
    Status(u16),
}

#[derive(Debug)]
struct Inner {
    behaviour: Mutex<Behaviour>,
    delay: Mutex<Duration>,
    got: Mutex<Vec<Received>>,
    ids: Mutex<HashSet<String>>,
    failed_once: Mutex<HashSet<String>>,
    requests: AtomicU64,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

/// A running receiver.
#[derive(Debug, Clone)]
pub struct Receiver {
    pub url: String,
    inner: Arc<Inner>,
}

impl Receiver {
    pub async fn start(behaviour: Behaviour) -> Receiver {
        let inner = Arc::new(Inner {
            behaviour: Mutex::new(behaviour),
            delay: Mutex::new(Duration::ZERO),
            got: Mutex::new(Vec::new()),
            ids: Mutex::new(HashSet::new()),
            failed_once: Mutex::new(HashSet::new()),
            requests: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, inner }
    }

    pub fn set_behaviour(&self, behaviour: Behaviour) {
        *self.inner.behaviour.lock().unwrap() = behaviour;
    }

    pub fn set_delay(&self, delay: Duration) {
        *self.inner.delay.lock().unwrap() = delay;
    }

    /// Every successful delivery, in arrival order.
    pub fn all(&self) -> Vec<Received> {
        self.inner.got.lock().unwrap().clone()
    }

    /// Distinct `webhook-id`s answered with a 2xx.
    pub fn distinct(&self) -> usize {
        self.inner.ids.lock().unwrap().len()
    }

    pub fn requests(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    pub fn max_in_flight(&self) -> usize {
        self.inner.max_in_flight.load(Ordering::Relaxed)
    }

    /// Waits until `check` holds of the received deliveries (fails after `within`).
    pub async fn wait_for(
        &self,
        within: Duration,
        what: &str,
        check: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.all();
            if check(&got) {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; got {} deliveries: {:#?}",
                got.len(),
                got.iter()
                    .map(|r| r.json["type"].clone())
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits for `n` distinct ids.
    pub async fn wait_distinct(&self, n: usize, within: Duration) {
        let deadline = Instant::now() + within;
        while self.distinct() < n {
            assert!(
                Instant::now() < deadline,
                "timed out: {} of {n} distinct webhook ids",
                self.distinct()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn receive(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    inner.requests.fetch_add(1, Ordering::Relaxed);
    let now = inner.in_flight.fetch_add(1, Ordering::AcqRel) + 1;
    inner.max_in_flight.fetch_max(now, Ordering::AcqRel);
    let delay = *inner.delay.lock().unwrap();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    inner.in_flight.fetch_sub(1, Ordering::AcqRel);
    let status = match *inner.behaviour.lock().unwrap() {
        Behaviour::Ok => StatusCode::NO_CONTENT,
        Behaviour::FailHalf => {
            let id = headers
                .get("webhook-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            if inner.failed_once.lock().unwrap().insert(id) {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::OK
            }
        }
        Behaviour::Status(s) => StatusCode::from_u16(s).unwrap(),
    };
    if status.is_success() {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let received = Received {
            id: header("webhook-id"),
            timestamp: header("webhook-timestamp"),
            signature: header("webhook-signature"),
            json: serde_json::from_slice(&body).unwrap_or(Value::Null),
            body: body.to_vec(),
        };
        inner.ids.lock().unwrap().insert(received.id.clone());
        inner.got.lock().unwrap().push(received);
    }
    status
}
