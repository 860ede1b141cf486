//! Request bodies and list queries against Dialpad's spec: each body type names exactly its
//! schema's properties, a body with every property set survives the trip through the type,
//! update bodies can send `null`, and list queries send only the spec's parameters.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;
mod fields;
mod queries;
mod sample;

use std::collections::BTreeSet;

use patchbay_dialpad::types::call_actions::{
    AddCallLabelsMessage, InitiateCallMessage, RingCallMessage,
};
use patchbay_dialpad::types::call_centers::{
    AddCallCenterOperatorMessage, RemoveCallCenterOperatorMessage,
};
use patchbay_dialpad::types::contacts::{
    CreateContactMessage, CreateContactMessageWithUid, UpdateContactMessage,
};
use patchbay_dialpad::types::oauth::{
    AuthorizationCodeGrantBody, RefreshTokenGrantBody, TokenRequestBody,
};
use patchbay_dialpad::types::offices::{CreateOfficeMessage, E911Message, OfficeUpdateMessage};
use patchbay_dialpad::types::plan::{BillingContactMessage, BillingPointOfContactMessage};
use patchbay_dialpad::types::stats::ProcessStatsMessage;
use patchbay_dialpad::types::subscriptions::{
    CreateAgentStatusEventSubscription, CreateCallEventSubscription,
    CreateChangeLogEventSubscription, CreateContactEventSubscription,
    UpdateAgentStatusEventSubscription, UpdateCallEventSubscription,
    UpdateChangeLogEventSubscription, UpdateContactEventSubscription,
};
use patchbay_dialpad::types::users::{CreateUserMessage, PresenceStatus, UpdateUserMessage};
use patchbay_dialpad::types::webhooks::{CreateWebhook, UpdateWebhook};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use common::{first_difference, normalise, property_names, schema_named};

/// A request body type and the spec schema it models.
#[derive(Clone, Copy)]
struct Body {
    schema: &'static str,
    /// The wire names the type reads (`deserialize_struct`'s field list).
    fields: fn() -> BTreeSet<String>,
    /// Reads a JSON body into the type and writes it back.
    reserialise: fn(&Value) -> Result<Value, String>,
    /// What the type's default value writes.
    default: fn() -> Value,
    /// Whether this is an update (PATCH) body, whose nullable scalars must be able to send `null`.
    update: bool,
    /// Names the type reads besides the spec's (aliases for older clients).
    aliases: &'static [&'static str],
    /// Names the spec has that the type leaves to a wrapper (the enum tag of a grant body).
    tag: Option<&'static str>,
    /// Fields written even when empty, because the empty value is meaningful.
    always: &'static [&'static str],
}

const fn body<T: DeserializeOwned + Serialize + Default>(schema: &'static str) -> Body {
    Body {
        schema,
        fields: fields::names::<T>,
        reserialise: reserialise::<T>,
        default: || serde_json::to_value(T::default()).expect("default serialises"),
        update: false,
        aliases: &[],
        tag: None,
        always: &[],
    }
}

const fn update<T: DeserializeOwned + Serialize + Default>(schema: &'static str) -> Body {
    Body {
        update: true,
        ..body::<T>(schema)
    }
}

/// A subscription body, which reads `webhook_id` as `endpoint_id`.
const fn subscription(body: Body) -> Body {
    Body {
        aliases: &["webhook_id"],
        ..body
    }
}

/// An OAuth grant body: the struct without `grant_type`, read and written through the enum.
const fn grant<T: DeserializeOwned + Serialize + Default>(schema: &'static str) -> Body {
    Body {
        reserialise: reserialise::<TokenRequestBody>,
        tag: Some("grant_type"),
        ..body::<T>(schema)
    }
}

fn reserialise<T: DeserializeOwned + Serialize>(value: &Value) -> Result<Value, String> {
    let typed: T =
        serde_json::from_value(value.clone()).map_err(|err| format!("deserialise: {err}"))?;
    serde_json::to_value(&typed).map_err(|err| format!("serialise: {err}"))
}

const BODIES: &[Body] = &[
    body::<CreateContactMessage>("protos.contact.CreateContactMessage"),
    body::<CreateContactMessageWithUid>("protos.contact.CreateContactMessageWithUid"),
    update::<UpdateContactMessage>("protos.contact.UpdateContactMessage"),
    body::<CreateUserMessage>("protos.user.CreateUserMessage"),
    update::<UpdateUserMessage>("protos.user.UpdateUserMessage"),
    update::<PresenceStatus>("protos.user.PresenceStatus"),
    body::<RingCallMessage>("protos.call.RingCallMessage"),
    body::<InitiateCallMessage>("protos.call.InitiateCallMessage"),
    // The labels replace the call's, so an empty list (remove all) is always sent.
    Body {
        always: &["labels"],
        ..body::<AddCallLabelsMessage>("protos.call.AddCallLabelsMessage")
    },
    body::<AddCallCenterOperatorMessage>("protos.group.AddCallCenterOperatorMessage"),
    body::<RemoveCallCenterOperatorMessage>("protos.group.RemoveCallCenterOperatorMessage"),
    body::<CreateWebhook>("protos.webhook.CreateWebhook"),
    update::<UpdateWebhook>("protos.webhook.UpdateWebhook"),
    subscription(body::<CreateCallEventSubscription>(
        "protos.call_event_subscription.CreateCallEventSubscription",
    )),
    subscription(update::<UpdateCallEventSubscription>(
        "protos.call_event_subscription.UpdateCallEventSubscription",
    )),
    subscription(body::<CreateContactEventSubscription>(
        "protos.contact_event_subscription.CreateContactEventSubscription",
    )),
    subscription(update::<UpdateContactEventSubscription>(
        "protos.contact_event_subscription.UpdateContactEventSubscription",
    )),
    subscription(body::<CreateChangeLogEventSubscription>(
        "protos.change_log_event_subscription.CreateChangeLogEventSubscription",
    )),
    subscription(update::<UpdateChangeLogEventSubscription>(
        "protos.change_log_event_subscription.UpdateChangeLogEventSubscription",
    )),
    subscription(body::<CreateAgentStatusEventSubscription>(
        "protos.agent_status_event_subscription.CreateAgentStatusEventSubscription",
    )),
    subscription(update::<UpdateAgentStatusEventSubscription>(
        "protos.agent_status_event_subscription.UpdateAgentStatusEventSubscription",
    )),
    body::<ProcessStatsMessage>("protos.stats.ProcessStatsMessage"),
    body::<CreateOfficeMessage>("protos.office.CreateOfficeMessage"),
    update::<OfficeUpdateMessage>("protos.office.OfficeUpdateMessage"),
    body::<E911Message>("protos.office.E911Message"),
    body::<BillingContactMessage>("protos.plan.BillingContactMessage"),
    body::<BillingPointOfContactMessage>("protos.plan.BillingPointOfContactMessage"),
    grant::<AuthorizationCodeGrantBody>("frontend.schemas.oauth.AuthorizationCodeGrantBodySchema"),
    grant::<RefreshTokenGrantBody>("frontend.schemas.oauth.RefreshTokenGrantBodySchema"),
];

#[test]
fn request_bodies_name_exactly_the_specs_properties() {
    let mut wrong = Vec::new();
    for body in BODIES {
        let mut ours = (body.fields)();
        for alias in body.aliases {
            assert!(ours.remove(*alias), "{}: no alias {alias}", body.schema);
        }
        ours.extend(body.tag.map(str::to_owned));
        let spec = property_names(body.schema);
        if ours != spec {
            let missing: Vec<_> = spec.difference(&ours).collect();
            let extra: Vec<_> = ours.difference(&spec).collect();
            wrong.push(format!(
                "{}: missing {missing:?}, extra {extra:?}",
                body.schema
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn a_body_with_every_property_set_sends_every_property() {
    let mut wrong = Vec::new();
    for body in BODIES {
        let full = sample::full(schema_named(body.schema));
        match (body.reserialise)(&full) {
            Err(err) => wrong.push(format!("{}: {err}", body.schema)),
            Ok(sent) => {
                let diff = first_difference(&normalise(&full), &normalise(&sent), "");
                wrong.extend(diff.map(|diff| format!("{}: {diff}", body.schema)));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn a_default_body_sends_nothing_but_its_always_written_fields() {
    for body in BODIES {
        let sent = (body.default)();
        let keys: Vec<&str> = sent
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, body.always, "{}: {sent}", body.schema);
    }
}

#[test]
fn update_bodies_send_null_for_every_nullable_scalar() {
    let mut wrong = Vec::new();
    for body in BODIES.iter().filter(|body| body.update) {
        let cleared = sample::nulled_scalars(schema_named(body.schema));
        assert!(!cleared.is_empty(), "{}: nothing to clear", body.schema);
        let sent = (body.reserialise)(&Value::Object(cleared.clone()));
        match sent {
            Err(err) => wrong.push(format!("{}: {err}", body.schema)),
            Ok(sent) if sent == Value::Object(cleared) => {}
            Ok(sent) => wrong.push(format!("{}: clearing sent {sent}", body.schema)),
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
