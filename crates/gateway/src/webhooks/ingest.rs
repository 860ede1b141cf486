//! From a verified Dialpad event to unified events in the outbox. The hook a token names is
//! looked up (cached briefly), the event read in unified terms, change-log targets and new
//! transcripts read from Dialpad (so `data` is the current resource), and everything stored
//! in one transaction with its deliveries, deduplicated per connection: a Dialpad retry
//! (same claims) or a repeated call transition (same call and state) is stored once.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use patchbay_core::{
    ConnectionContext, ModelId, Resource, ResourceAction, ResourceRef, RetrieveOptions,
};
use patchbay_dialpad::webhooks::{DialpadEvent, read_event};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::outbox::NewEvent;
use crate::app::AppState;
use crate::store::{ConnectionId, ConnectionStatus, StoreError, random_id};

/// How long reading a change-log target or transcript may take before `data` is a reference.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// The connection a Dialpad hook token belongs to, and the secret its JWTs are signed with.
#[derive(Debug, Clone)]
pub struct HookAuth {
    pub connection_id: String,
    pub tenant_id: String,
    pub connector_id: String,
    pub owner_id: String,
    pub secret: Arc<Vec<u8>>,
}

/// SHA-256 of a token, as stored.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The unified envelope.
pub fn envelope(
    id: &str,
    event_type: &str,
    model: &str,
    trigger: &str,
    connection: Option<(&str, &str)>,
    occurred_at: DateTime<Utc>,
    data: Value,
) -> Value {
    let mut envelope = json!({
        "id": id,
        "type": event_type,
        "model": model,
        "trigger": trigger,
        "connection": connection.map(|(c, o)| json!({"connectorId": c, "ownerId": o})),
        "occurredAt": occurred_at,
    });
    envelope["data"] = data;
    envelope
}

fn digest(claims: &Value) -> String {
    let bytes = serde_json::to_vec(claims).unwrap_or_default();
    let hash = Sha256::digest(&bytes);
    hash.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Turns the verified `claims` of one Dialpad event into unified events and stores them
/// with their deliveries; answers how many were new.
pub async fn ingest(
    state: &AppState,
    hook: &HookAuth,
    claims: &Value,
) -> Result<usize, StoreError> {
    let events = unified(state, hook, claims).await;
    if events.is_empty() {
        return Ok(0);
    }
    state.webhooks.commit(&state.store, events).await
}

async fn unified(state: &AppState, hook: &HookAuth, claims: &Value) -> Vec<NewEvent> {
    let now = Utc::now();
    let base = |event_type: String, model: ModelId, data: Value, dedupe: String| {
        let id = random_id("evt_");
        NewEvent {
            envelope: envelope(
                &id,
                &event_type,
                model.as_str(),
                "dialpad",
                Some((&hook.connector_id, &hook.owner_id)),
                now,
                data,
            ),
            id,
            tenant_id: hook.tenant_id.clone(),
            connection_id: Some(hook.connection_id.clone()),
            connection: Some((hook.connector_id.clone(), hook.owner_id.clone())),
            event_type,
            type_if_seen: None,
            first_seen: None,
            dedupe_key: Some(dedupe),
            only_endpoint: None,
        }
    };
    match read_event(claims) {
        DialpadEvent::Call {
            call_id,
            state: call_state,
            resource,
            transcript_ready,
        } => {
            let model = ModelId::TelephonyCall;
            let mut call = base(
                format!("{model}::created"),
                model,
                to_value(&resource),
                format!("call:{call_id}:{call_state}"),
            );
            call.type_if_seen = Some(format!("{model}::updated"));
            call.first_seen = Some(format!("call:{call_id}"));
            let mut events = vec![call];
            if transcript_ready {
                let model = ModelId::TelephonyCallTranscript;
                let data = read_current(state, hook, model, &call_id).await;
                events.push(base(
                    format!("{model}::created"),
                    model,
                    data,
                    format!("transcript:{call_id}"),
                ));
            }
            events
        }
        DialpadEvent::Contact { action, resource } => {
            let model = ModelId::GenericContact;
            vec![base(
                format!("{model}::{action}"),
                model,
                to_value(&resource),
                format!("contact:{}", digest(claims)),
            )]
        }
        DialpadEvent::ChangeLog { model, action, id } => {
            let data = if action == ResourceAction::Deleted {
                to_value(&ResourceRef::new(model, id.clone()))
            } else {
                read_current(state, hook, model, &id).await
            };
            vec![base(
                format!("{model}::{action}"),
                model,
                data,
                format!("changelog:{}", digest(claims)),
            )]
        }
        DialpadEvent::Ignored => Vec::new(),
    }
}

fn to_value<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The resource as it is now at Dialpad, or a reference to it when it cannot be read.
async fn read_current(state: &AppState, hook: &HookAuth, model: ModelId, id: &str) -> Value {
    let reference = || to_value(&ResourceRef::new(model, id));
    let Ok(connection_id) = ConnectionId::new(hook.connection_id.clone()) else {
        return reference();
    };
    let Ok(Some(connection)) = state.store.connection_by_id(&connection_id).await else {
        return reference();
    };
    if connection.status != ConnectionStatus::Authorized {
        return reference();
    }
    let Ok(held) = state.tokens.current(&connection).await else {
        return reference();
    };
    let Some(connector) = state.connectors.get(&connection.connector_id) else {
        return reference();
    };
    let ctx = ConnectionContext::new(
        connection.connector_id.as_str(),
        connection.owner_id.as_str(),
        held.credential(),
    );
    let options = RetrieveOptions::default();
    let read = connector.retrieve(&ctx, model, id, &options);
    match tokio::time::timeout(READ_TIMEOUT, read).await {
        Ok(Ok(resource)) => resource_value(&resource),
        _ => reference(),
    }
}

fn resource_value(resource: &Resource) -> Value {
    to_value(resource)
}
