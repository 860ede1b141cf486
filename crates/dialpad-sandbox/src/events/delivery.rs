//! Delivery: which subscriptions an event matches, the payload Dialpad sends for it,
//! and one ordered queue per webhook whose worker POSTs each event (an HS256 JWT when
//! the webhook has a secret, plain JSON otherwise) and retries a failure once.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use axum::http::header::CONTENT_TYPE;
use parking_lot::Mutex;
use serde_json::{Value, json};
use tokio::runtime::Handle;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use super::{Event, jwt};
use crate::ids::now_ms;
use crate::state::AppState;
use crate::world::{Call, Company, SubscriptionKind, World};

/// Wait before the one retry of a failed delivery.
pub const RETRY_DELAY: Duration = Duration::from_millis(500);

/// A worker with nothing to do for this long retires (the next event starts another).
const IDLE: Duration = Duration::from_secs(10);

/// The delivery queues, one per webhook, so that a webhook gets its events in the
/// order they happened while a slow receiver holds up no one else.
#[derive(Debug, Default)]
pub struct Dispatcher {
    queues: Mutex<HashMap<i64, UnboundedSender<Job>>>,
}

#[derive(Debug)]
struct Job {
    company_id: i64,
    webhook_id: i64,
    payload: Arc<Value>,
}

/// Queues `event` once for each webhook with an enabled subscription that matches it
/// (two matching subscriptions on one webhook still make one delivery). Callers that
/// hold the world lock pass it in, which keeps a call's events in transition order.
pub(crate) fn emit_in(world: &World, state: &AppState, company_id: i64, event: Event) {
    let Some(company) = world.company(company_id) else {
        return;
    };
    let hooks: BTreeSet<i64> = company
        .subscriptions
        .values()
        .filter(|s| s.enabled && matches(&s.kind, &event))
        .filter(|s| company.webhooks.contains_key(&s.webhook_id))
        .map(|s| s.webhook_id)
        .collect();
    if hooks.is_empty() {
        return;
    }
    // Outside a runtime there is nowhere to deliver from; drop the event, never panic.
    let Ok(runtime) = Handle::try_current() else {
        return;
    };
    let payload = Arc::new(payload(company, event));
    let mut queues = state.deliveries.queues.lock();
    for webhook_id in hooks {
        let job = Job {
            company_id,
            webhook_id,
            payload: payload.clone(),
        };
        enqueue(&mut queues, &runtime, state, job);
    }
}

fn matches(kind: &SubscriptionKind, event: &Event) -> bool {
    match (kind, event) {
        (
            SubscriptionKind::Call {
                call_states,
                group_calls_only,
                target_type,
                target_id,
            },
            Event::Call(call),
        ) => {
            let state_ok = call_states.is_empty()
                || call_states.iter().any(|s| s == "all" || *s == call.state);
            let target_ok = match (target_type.as_deref(), target_id) {
                (Some(t), Some(id)) => target_matches(call, t, *id),
                _ => true,
            };
            state_ok && target_ok && (!group_calls_only || call.call_center_id.is_some())
        }
        (SubscriptionKind::Contact { contact_type }, Event::Contact { contact, .. }) => {
            contact_type == contact.kind
        }
        (SubscriptionKind::ChangeLog, Event::ChangeLog(_)) => true,
        // No agent-status events are produced yet.
        _ => false,
    }
}

/// Whether a call is to or from the target (targets the sandbox has no model for
/// match nothing).
fn target_matches(call: &Call, target_type: &str, target_id: i64) -> bool {
    match target_type {
        "user" => call.user_id == target_id,
        "office" => call.office_id == target_id,
        "callcenter" => call.call_center_id == Some(target_id),
        _ => false,
    }
}

/// The JSON Dialpad sends for an event.
fn payload(company: &Company, event: Event) -> Value {
    match event {
        Event::Call(call) => serde_json::to_value(call).unwrap_or_default(),
        Event::Contact { event, contact } => json!({
            "event": event,
            "contact_type": contact.kind,
            "contact": contact,
            "event_timestamp": now_ms().to_string(),
        }),
        Event::ChangeLog(entry) => {
            let name = company
                .users
                .get(&entry.changed_by)
                .map(|u| u.display_name.clone())
                .unwrap_or_default();
            json!({
                "date": now_ms().to_string(),
                "action": entry.action,
                "note": entry.note,
                "additional_data": entry.additional_data,
                "target": {"type": entry.target_type, "id": entry.target_id.to_string()},
                "changed_by": {"name": name, "id": entry.changed_by.to_string(), "type": "user"},
            })
        }
    }
}

/// Hands `job` to its webhook's worker, starting one when there is none (or the last
/// one retired). Runs under the queue lock, which a retiring worker also takes.
fn enqueue(
    queues: &mut HashMap<i64, UnboundedSender<Job>>,
    runtime: &Handle,
    state: &AppState,
    job: Job,
) {
    let job = match queues.get(&job.webhook_id) {
        Some(tx) => match tx.send(job) {
            Ok(()) => return,
            Err(mpsc::error::SendError(job)) => job,
        },
        None => job,
    };
    let webhook_id = job.webhook_id;
    let (tx, rx) = mpsc::unbounded_channel();
    if tx.send(job).is_err() {
        return;
    }
    queues.insert(webhook_id, tx.clone());
    runtime.spawn(worker(state.clone(), webhook_id, tx, rx));
}

async fn worker(
    state: AppState,
    webhook_id: i64,
    tx: UnboundedSender<Job>,
    mut rx: UnboundedReceiver<Job>,
) {
    loop {
        match tokio::time::timeout(IDLE, rx.recv()).await {
            Ok(Some(job)) => deliver(&state, &job).await,
            Ok(None) => return,
            Err(_) if retire(&state, webhook_id, &tx, &rx) => return,
            Err(_) => {}
        }
    }
}

/// Unregisters an idle worker's queue, unless a job arrived meanwhile.
fn retire(
    state: &AppState,
    webhook_id: i64,
    tx: &UnboundedSender<Job>,
    rx: &UnboundedReceiver<Job>,
) -> bool {
    let mut queues = state.deliveries.queues.lock();
    if !rx.is_empty() {
        return false;
    }
    if queues
        .get(&webhook_id)
        .is_some_and(|current| current.same_channel(tx))
    {
        queues.remove(&webhook_id);
    }
    true
}

/// The webhook's current URL and secret: a deleted webhook gets nothing more, an
/// edited one gets the rest of its queue at its new URL.
fn target(state: &AppState, job: &Job) -> Option<(String, Option<String>)> {
    let world = state.world.read();
    let webhook = world
        .company(job.company_id)?
        .webhooks
        .get(&job.webhook_id)?;
    Some((webhook.hook_url.clone(), webhook.secret.clone()))
}

async fn deliver(state: &AppState, job: &Job) {
    for attempt in 0..2 {
        if attempt > 0 {
            state.counters.event_retried();
            tokio::time::sleep(RETRY_DELAY).await;
        }
        let Some((url, secret)) = target(state, job) else {
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
            Err(error) => tracing::debug!(
                webhook_id = job.webhook_id,
                %error,
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
