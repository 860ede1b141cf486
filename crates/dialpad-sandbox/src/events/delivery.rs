//! Delivery: one bounded, ordered queue per webhook whose worker POSTs each event
//! (an HS256 JWT when the webhook has a secret, plain JSON otherwise) and retries a
//! failure once. Workers belong to the generation they were born in and stop when a
//! reset or shutdown ends it, so no event outlives the data it describes.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use axum::http::header::CONTENT_TYPE;
use parking_lot::Mutex;
use serde_json::Value;
use tokio::runtime::Handle;
use tokio::sync::mpsc::{self, Receiver, Sender, error::TrySendError};

use super::jwt;
use crate::state::{AppState, Generation};

/// Wait before the one retry of a failed delivery.
pub const RETRY_DELAY: Duration = Duration::from_millis(500);

/// A worker with nothing to do for this long retires (the next event starts another).
const IDLE: Duration = Duration::from_secs(10);

/// The delivery queues, one per webhook, so that a webhook gets its events in the
/// order they happened while a slow receiver holds up no one else.
#[derive(Debug)]
pub struct Dispatcher {
    /// Events waiting per webhook before new ones are dropped.
    capacity: usize,
    queues: Mutex<HashMap<i64, Queue>>,
}

#[derive(Debug)]
struct Queue {
    tx: Sender<Job>,
    /// Whether this queue's overflow has been logged (once per queue).
    overflow_logged: bool,
}

#[derive(Debug)]
struct Job {
    company_id: i64,
    webhook_id: i64,
    payload: Arc<Value>,
}

impl Dispatcher {
    /// Queues that hold up to `capacity` pending events each (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            queues: Mutex::new(HashMap::new()),
        }
    }

    /// Forgets every queue. Their workers stop on their own: whoever clears also
    /// ends their generation.
    pub(crate) fn clear(&self) {
        self.queues.lock().clear();
    }
}

/// Hands the event to each webhook's worker, starting one where there is none (or
/// the last one retired). Called under the world lock, which a reset also takes, so
/// a new worker is born in the generation of the data the event came from.
pub(super) fn enqueue(
    state: &AppState,
    company_id: i64,
    webhooks: BTreeSet<i64>,
    payload: &Arc<Value>,
) {
    // Outside a runtime, or after shutdown, there is nowhere to deliver from: drop
    // the event, never panic.
    let Ok(runtime) = Handle::try_current() else {
        return;
    };
    if state.is_closed() {
        return;
    }
    let dispatcher = &state.deliveries;
    let mut queues = dispatcher.queues.lock();
    for webhook_id in webhooks {
        let job = Job {
            company_id,
            webhook_id,
            payload: payload.clone(),
        };
        let job = match queues.get_mut(&webhook_id) {
            Some(queue) => match queue.tx.try_send(job) {
                Ok(()) => continue,
                Err(TrySendError::Full(_)) => {
                    state.counters.event_failed();
                    if !queue.overflow_logged {
                        queue.overflow_logged = true;
                        tracing::warn!(
                            webhook_id,
                            capacity = dispatcher.capacity,
                            "webhook delivery queue is full: dropping new events"
                        );
                    }
                    continue;
                }
                Err(TrySendError::Closed(job)) => job,
            },
            None => job,
        };
        let (tx, rx) = mpsc::channel(dispatcher.capacity);
        if tx.try_send(job).is_err() {
            continue;
        }
        queues.insert(
            webhook_id,
            Queue {
                tx: tx.clone(),
                overflow_logged: false,
            },
        );
        let generation = state.generation();
        runtime.spawn(worker(state.clone(), webhook_id, generation, tx, rx));
    }
}

async fn worker(
    state: AppState,
    webhook_id: i64,
    generation: Generation,
    tx: Sender<Job>,
    mut rx: Receiver<Job>,
) {
    loop {
        let next = tokio::select! {
            () = generation.ended() => return,
            next = tokio::time::timeout(IDLE, rx.recv()) => next,
        };
        match next {
            Ok(Some(job)) => {
                tokio::select! {
                    () = generation.ended() => return,
                    () = deliver(&state, &generation, &job) => {}
                }
            }
            Ok(None) => return,
            Err(_) if retire(&state, webhook_id, &tx, &rx) => return,
            Err(_) => {}
        }
    }
}

/// Unregisters an idle worker's queue, unless a job arrived meanwhile.
fn retire(state: &AppState, webhook_id: i64, tx: &Sender<Job>, rx: &Receiver<Job>) -> bool {
    let mut queues = state.deliveries.queues.lock();
    if !rx.is_empty() {
        return false;
    }
    if queues
        .get(&webhook_id)
        .is_some_and(|current| current.tx.same_channel(tx))
    {
        queues.remove(&webhook_id);
    }
    true
}

/// The webhook's current URL and secret: a deleted webhook gets nothing more, an
/// edited one gets the rest of its queue at its new URL, and after a reset nothing
/// goes to the new data's webhook that happens to have the same id.
fn target(
    state: &AppState,
    generation: &Generation,
    job: &Job,
) -> Option<(String, Option<String>)> {
    let world = state.world.read();
    if !generation.is_current() {
        return None;
    }
    let webhook = world
        .company(job.company_id)?
        .webhooks
        .get(&job.webhook_id)?;
    Some((webhook.hook_url.clone(), webhook.secret.clone()))
}

async fn deliver(state: &AppState, generation: &Generation, job: &Job) {
    for attempt in 0..2 {
        if attempt > 0 {
            state.counters.event_retried();
            tokio::time::sleep(RETRY_DELAY).await;
        }
        let Some((url, secret)) = target(state, generation, job) else {
            return;
        };
        let (body, content_type) = match &secret {
            Some(secret) => (
                jwt::sign(&job.payload, secret).into_bytes(),
                "application/jwt",
            ),
            None => (
                serde_json::to_vec(&*job.payload).unwrap_or_default(),
                "application/json",
            ),
        };
        let sent = state
            .http
            .post(&url)
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => {
                state.counters.event_delivered();
                return;
            }
            Ok(response) => tracing::debug!(
                webhook_id = job.webhook_id,
                status = response.status().as_u16(),
                attempt,
                "webhook answered an error"
            ),
            // The URL may carry a token in its query: log the webhook's id instead.
            Err(error) => tracing::debug!(
                webhook_id = job.webhook_id,
                error = %error.without_url(),
                attempt,
                "webhook unreachable"
            ),
        }
    }
    tracing::warn!(
        webhook_id = job.webhook_id,
        "event delivery failed after a retry"
    );
    state.counters.event_failed();
}
