//! Event type strings, subscription patterns and the delivered envelope.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use patchbay_core::*;
use serde_json::json;

#[test]
fn event_types_parse_display_and_serialise_as_strings() {
    let created: EventType = "telephonyCall::created".parse().unwrap();
    assert_eq!(
        created,
        EventType::Resource {
            model: ModelId::TelephonyCall,
            action: ResourceAction::Created
        }
    );
    assert_eq!(created.to_string(), "telephonyCall::created");
    let unauthorized: EventType = "connection::unauthorized".parse().unwrap();
    assert_eq!(
        unauthorized,
        EventType::Connection(ConnectionAction::Unauthorized)
    );
    assert_eq!(
        serde_json::to_value(unauthorized).unwrap(),
        json!("connection::unauthorized")
    );
    assert_eq!(EventType::all().count(), 5 * 3 + 3);
    for event in EventType::all() {
        assert_eq!(event.to_string().parse::<EventType>().unwrap(), event);
    }
}

#[test]
fn bad_event_types_say_why() {
    assert!(matches!(
        "telephonyCall".parse::<EventType>(),
        Err(ParseEventError::Malformed(_))
    ));
    assert!(matches!(
        "crmDeal::created".parse::<EventType>(),
        Err(ParseEventError::UnknownModel(_))
    ));
    let err = "connection::created".parse::<EventType>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown action `created` for connection; expected one of: authorized, unauthorized, deleted"
    );
    assert!("genericContact::authorized".parse::<EventType>().is_err());
    assert!("genericContact::*".parse::<EventType>().is_err());
    assert!(serde_json::from_value::<EventType>(json!("nope")).is_err());
}

#[test]
fn filters_match_exact_types_whole_sources_or_everything() {
    let call_created: EventType = "telephonyCall::created".parse().unwrap();
    let contact_updated: EventType = "genericContact::updated".parse().unwrap();
    let connection_deleted: EventType = "connection::deleted".parse().unwrap();

    let exact: EventFilter = "telephonyCall::created".parse().unwrap();
    assert!(exact.matches(&call_created));
    assert!(!exact.matches(&"telephonyCall::updated".parse().unwrap()));

    let contacts: EventFilter = "genericContact::*".parse().unwrap();
    assert_eq!(
        contacts,
        EventFilter::Source(EventSource::Model(ModelId::GenericContact))
    );
    assert!(contacts.matches(&contact_updated));
    assert!(!contacts.matches(&call_created));
    assert!(!contacts.matches(&connection_deleted));

    let connections: EventFilter = "connection::*".parse().unwrap();
    assert!(connections.matches(&connection_deleted) && !connections.matches(&call_created));

    let all: EventFilter = "*".parse().unwrap();
    assert!(EventType::all().all(|e| all.matches(&e)));

    for s in [
        "*",
        "genericContact::*",
        "connection::*",
        "telephonyCall::deleted",
    ] {
        let filter: EventFilter = s.parse().unwrap();
        assert_eq!(filter.to_string(), s);
        assert_eq!(serde_json::to_value(filter).unwrap(), json!(s));
        assert_eq!(
            serde_json::from_value::<EventFilter>(json!(s)).unwrap(),
            filter
        );
    }
    for bad in [
        "",
        "**",
        "crmDeal::*",
        "genericContact::created::x",
        "*::created",
    ] {
        assert!(bad.parse::<EventFilter>().is_err(), "{bad:?}");
    }
}

#[test]
fn resource_event_envelope_json() {
    let ts = Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap();
    let call = Resource::new(
        "call1",
        CallFields {
            status: Some(CallStatus::Completed),
            ..CallFields::default()
        },
    );
    let event = Event::resource(
        "evt_1",
        ts,
        "dialpad",
        "owner-42",
        ResourceAction::Created,
        call,
    );
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json["id"], "evt_1");
    assert_eq!(json["type"], "telephonyCall::created");
    assert_eq!(json["timestamp"], "2024-05-01T10:00:00Z");
    assert_eq!(json["connectorId"], "dialpad");
    assert_eq!(json["ownerId"], "owner-42");
    assert_eq!(json["data"]["object"], "resource");
    assert_eq!(json["data"]["fields"]["status"], "completed");
    assert_eq!(serde_json::from_value::<Event>(json).unwrap(), event);

    let deleted = Event::resource(
        "evt_2",
        ts,
        "dialpad",
        "owner-42",
        ResourceAction::Deleted,
        ResourceRef::new(ModelId::GenericContact, "c1"),
    );
    let json = serde_json::to_value(&deleted).unwrap();
    assert_eq!(json["type"], "genericContact::deleted");
    assert_eq!(
        json["data"],
        json!({"object": "resourceRef", "model": "genericContact", "id": "c1"})
    );
    assert_eq!(serde_json::from_value::<Event>(json).unwrap(), deleted);
}

#[test]
fn connection_event_envelope_json() {
    let ts = Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap();
    let data = ConnectionEventData {
        operations: vec![],
        reason: Some("refresh token revoked".into()),
    };
    let event = Event::connection(
        "evt_3",
        ts,
        "dialpad",
        "owner-42",
        ConnectionAction::Unauthorized,
        data,
    );
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json["type"], "connection::unauthorized");
    assert_eq!(
        json["data"],
        json!({"operations": [], "reason": "refresh token revoked"})
    );
    assert_eq!(serde_json::from_value::<Event>(json).unwrap(), event);
}

#[test]
fn a_malformed_resource_payload_is_not_mistaken_for_connection_data() {
    let json = json!({
        "id": "evt_4", "type": "genericContact::created", "timestamp": "2024-05-01T10:00:00Z",
        "connectorId": "dialpad", "ownerId": "o",
        "data": {"object": "resource", "model": "genericContact", "id": "c1", "fields": {"email": "bad"}}
    });
    assert!(serde_json::from_value::<Event>(json).is_err());
}

#[test]
fn event_accessors_read_what_the_constructor_was_given() {
    let ts = Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap();
    let event = Event::resource(
        "evt_5",
        ts,
        "dialpad",
        "owner-42",
        ResourceAction::Updated,
        ResourceRef::new(ModelId::GenericUser, "u1"),
    );
    assert_eq!(event.id(), "evt_5");
    assert_eq!(event.timestamp(), ts);
    assert_eq!(
        (event.connector_id(), event.owner_id()),
        ("dialpad", "owner-42")
    );
    assert_eq!(event.event_type().to_string(), "genericUser::updated");
    assert_eq!(event.data().model(), Some(ModelId::GenericUser));
    assert!(matches!(event.into_data(), EventData::Ref(r) if r.id == "u1"));
}

#[test]
fn type_and_data_must_agree() {
    let ts = Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap();
    let contact_created: EventType = "genericContact::created".parse().unwrap();
    let call = EventData::from(Resource::new("call1", CallFields::default()));
    let err = Event::new("e", ts, "dialpad", "o", contact_created, call).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a `genericContact::created` event cannot carry a telephonyCall resource"
    );
    let connection = EventData::Connection(ConnectionEventData::default());
    assert!(Event::new("e", ts, "dialpad", "o", contact_created, connection.clone()).is_err());
    let unauthorized: EventType = "connection::unauthorized".parse().unwrap();
    let contact = EventData::Ref(ResourceRef::new(ModelId::GenericContact, "c1"));
    let err = Event::new("e", ts, "dialpad", "o", unauthorized, contact.clone()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a `connection::unauthorized` event cannot carry a genericContact resource"
    );
    assert!(Event::new("e", ts, "dialpad", "o", contact_created, contact).is_ok());
    assert!(Event::new("e", ts, "dialpad", "o", unauthorized, connection).is_ok());

    // The same check applies to JSON read back.
    let mismatched = json!({
        "id": "evt_6", "type": "genericContact::deleted", "timestamp": "2024-05-01T10:00:00Z",
        "connectorId": "dialpad", "ownerId": "o",
        "data": {"object": "resourceRef", "model": "telephonyCall", "id": "call1"}
    });
    let err = serde_json::from_value::<Event>(mismatched).unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot carry a telephonyCall resource"),
        "{err}"
    );
    let connection_with_ref = json!({
        "id": "evt_7", "type": "connection::deleted", "timestamp": "2024-05-01T10:00:00Z",
        "connectorId": "dialpad", "ownerId": "o",
        "data": {"object": "resourceRef", "model": "genericContact", "id": "c1"}
    });
    assert!(serde_json::from_value::<Event>(connection_with_ref).is_err());
}
