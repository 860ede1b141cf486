//! The JSON a caller sees for each model's resource: camelCase keys, `object` tags,
//! `createdAt`/`updatedAt` always present (null when unknown), lists always present,
//! `rawResource` only when asked for; and that what we emit reads back unchanged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeZone, Utc};
use patchbay_core::*;
use serde_json::{Value, json};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn round_trips(resource: &Resource) {
    let json = serde_json::to_value(resource).unwrap();
    let back: Resource = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(&back, resource);
    assert_eq!(serde_json::to_value(&back).unwrap(), json);
}

fn contact() -> ContactFields {
    ContactFields {
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        email: Some(Email::parse("ada@example.com").unwrap()),
        emails: vec![Email::parse("ada@example.com").unwrap()],
        phone: Some(PhoneNumber::parse("+14155550100").unwrap()),
        phones: vec![PhoneNumber::parse("+14155550100").unwrap()],
        company_name: Some("Analytical Engines".into()),
        visibility: Some(ContactVisibility::Private),
        owner: Some(Link::to(ModelId::GenericUser, "u1")),
        ..ContactFields::default()
    }
}

#[test]
fn contact_resource_json_with_unknown_timestamps_serialises_them_as_null() {
    let resource = Resource::new("c1", contact());
    assert_eq!(
        serde_json::to_value(&resource).unwrap(),
        json!({
            "object": "resource",
            "model": "genericContact",
            "id": "c1",
            "fields": {
                "firstName": "Ada",
                "lastName": "Lovelace",
                "email": "ada@example.com",
                "emails": ["ada@example.com"],
                "phone": "+14155550100",
                "phones": ["+14155550100"],
                "companyName": "Analytical Engines",
                "urls": [],
                "visibility": "private",
                "owner": {"object": "resourceRef", "model": "genericUser", "id": "u1"}
            },
            "createdAt": null,
            "updatedAt": null,
            "warnings": []
        })
    );
    round_trips(&resource);
}

#[test]
fn known_timestamps_are_iso_8601_utc_and_raw_resource_rides_along_when_set() {
    let created = Utc.with_ymd_and_hms(2024, 5, 1, 9, 30, 0).unwrap();
    let resource = Resource::new("c1", ContactFields::default())
        .with_timestamps(Some(created), None)
        .with_raw_resource(json!({"id": 1, "first_name": "Ada"}))
        .with_warning(ResourceWarning::new(
            "phone",
            WarningCode::InvalidValue,
            "`555` is not E.164",
        ));
    let json = serde_json::to_value(&resource).unwrap();
    assert_eq!(json["createdAt"], "2024-05-01T09:30:00Z");
    assert_eq!(json["updatedAt"], Value::Null);
    assert_eq!(json["rawResource"], json!({"id": 1, "first_name": "Ada"}));
    assert_eq!(
        json["warnings"],
        json!([{"field": "phone", "code": "invalid_value", "message": "`555` is not E.164"}])
    );
    // Empty optional fields are omitted; lists are always there.
    assert_eq!(
        json["fields"],
        json!({"emails": [], "phones": [], "urls": []})
    );
    round_trips(&resource);
}

#[test]
fn raw_resource_is_omitted_when_not_asked_for() {
    let json = serde_json::to_value(Resource::new("c1", ContactFields::default())).unwrap();
    let object = json.as_object().unwrap();
    assert!(!object.contains_key("rawResource"));
    assert!(object.contains_key("createdAt") && object.contains_key("updatedAt"));
}

#[test]
fn user_resource_json() {
    let user = UserFields {
        first_name: Some("Grace".into()),
        email: Some(Email::parse("grace@example.com").unwrap()),
        status: Some(UserStatus::Suspended),
        is_admin: Some(true),
        timezone: Some("America/New_York".into()),
        workspace: Some(Link::to(ModelId::GenericWorkspace, "w1")),
        ..UserFields::default()
    };
    let resource = Resource::new("u1", user).with_timestamps(
        Some(at("2024-01-02T03:04:05Z")),
        Some(at("2024-02-03T04:05:06.789Z")),
    );
    assert_eq!(
        serde_json::to_value(&resource).unwrap(),
        json!({
            "object": "resource",
            "model": "genericUser",
            "id": "u1",
            "fields": {
                "firstName": "Grace",
                "email": "grace@example.com",
                "emails": [],
                "phones": [],
                "status": "suspended",
                "isAdmin": true,
                "timezone": "America/New_York",
                "workspace": {"object": "resourceRef", "model": "genericWorkspace", "id": "w1"}
            },
            "createdAt": "2024-01-02T03:04:05Z",
            "updatedAt": "2024-02-03T04:05:06.789Z",
            "warnings": []
        })
    );
    round_trips(&resource);
}

#[test]
fn workspace_resource_json_always_has_its_required_name() {
    let fields = WorkspaceFields {
        is_primary: Some(true),
        country: Some("FR".into()),
        ..WorkspaceFields::new("Paris office")
    };
    let resource = Resource::new("w1", fields);
    assert_eq!(
        serde_json::to_value(&resource).unwrap()["fields"],
        json!({"name": "Paris office", "country": "FR", "phoneNumbers": [], "isPrimary": true})
    );
    round_trips(&resource);
    let missing_name = json!({"object": "resource", "model": "genericWorkspace", "id": "w1", "fields": {},
        "createdAt": null, "updatedAt": null, "warnings": []});
    assert!(serde_json::from_value::<Resource>(missing_name).is_err());
}

#[test]
fn call_resource_json_uses_camel_case_statuses_and_whole_second_durations() {
    let call = CallFields {
        direction: Some(CallDirection::Inbound),
        status: Some(CallStatus::InProgress),
        started_at: Some(at("2024-05-01T10:00:00Z")),
        duration: Some(42),
        users: vec![Link::to(ModelId::GenericUser, "u1")],
        contacts: vec![Link::to(ModelId::GenericContact, "c1")],
        external_number: Some("anonymous".into()),
        transcript: Some(Link::to(ModelId::TelephonyCallTranscript, "t1")),
        labels: vec!["sales".into()],
        ..CallFields::default()
    };
    let resource = Resource::new("call1", call);
    assert_eq!(
        serde_json::to_value(&resource).unwrap()["fields"],
        json!({
            "direction": "inbound",
            "status": "inProgress",
            "startedAt": "2024-05-01T10:00:00Z",
            "duration": 42,
            "users": [{"object": "resourceRef", "model": "genericUser", "id": "u1"}],
            "contacts": [{"object": "resourceRef", "model": "genericContact", "id": "c1"}],
            "externalNumber": "anonymous",
            "transcript": {"object": "resourceRef", "model": "telephonyCallTranscript", "id": "t1"},
            "labels": ["sales"]
        })
    );
    round_trips(&resource);
    let voicemail = CallFields {
        status: Some(CallStatus::Voicemail),
        ..CallFields::default()
    };
    assert_eq!(
        serde_json::to_value(&voicemail).unwrap()["status"],
        "voicemail"
    );
}

#[test]
fn transcript_resource_json() {
    let transcript = TranscriptFields {
        call: Some(Link::to(ModelId::TelephonyCall, "call1")),
        duration: Some(12),
        segments: vec![Segment {
            start: 0.0,
            end: 2.5,
            text: "Hello".into(),
            speaker_id: Some("s1".into()),
        }],
        speakers: vec![Speaker {
            id: "s1".into(),
            origin: SpeakerOrigin::Internal,
            name: Some("Ada".into()),
            phone: None,
            user: Some(Link::to(ModelId::GenericUser, "u1")),
            contact: None,
        }],
        moments: vec![Moment {
            moment_type: "action_item".into(),
            label: Some("Send quote".into()),
            at: Some(2.0),
        }],
    };
    let resource = Resource::new("t1", transcript);
    assert_eq!(
        serde_json::to_value(&resource).unwrap()["fields"],
        json!({
            "call": {"object": "resourceRef", "model": "telephonyCall", "id": "call1"},
            "duration": 12,
            "segments": [{"start": 0.0, "end": 2.5, "text": "Hello", "speakerId": "s1"}],
            "speakers": [{"id": "s1", "origin": "internal", "name": "Ada",
                "user": {"object": "resourceRef", "model": "genericUser", "id": "u1"}}],
            "moments": [{"type": "action_item", "label": "Send quote", "at": 2.0}]
        })
    );
    round_trips(&resource);
    // A transcript without speech is valid and lists are empty, never missing.
    let empty = serde_json::to_value(Resource::new("t2", TranscriptFields::default())).unwrap();
    assert_eq!(
        empty["fields"],
        json!({"segments": [], "speakers": [], "moments": []})
    );
}

#[test]
fn expanded_links_hold_the_full_resource_and_read_back_by_object_tag() {
    let owner = Resource::new(
        "u1",
        UserFields {
            first_name: Some("Grace".into()),
            ..UserFields::default()
        },
    );
    let fields = ContactFields {
        owner: Some(owner.clone().into()),
        ..ContactFields::default()
    };
    let resource = Resource::new("c1", fields);
    let json = serde_json::to_value(&resource).unwrap();
    assert_eq!(json["fields"]["owner"]["object"], "resource");
    assert_eq!(json["fields"]["owner"]["fields"]["firstName"], "Grace");
    let back: Resource = serde_json::from_value(json).unwrap();
    let link = back.fields.as_contact().unwrap().owner.as_ref().unwrap();
    assert!(matches!(link, Link::Expanded(r) if **r == owner));
    assert_eq!(link.to_ref(), ResourceRef::new(ModelId::GenericUser, "u1"));
}

#[test]
fn resource_ref_json_and_tag_checking() {
    let r = ResourceRef::new(ModelId::GenericContact, "c1");
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        json!({"object": "resourceRef", "model": "genericContact", "id": "c1"})
    );
    assert_eq!(Resource::new("c1", ContactFields::default()).to_ref(), r);
    // The `object` tag is checked both ways.
    assert!(
        serde_json::from_value::<ResourceRef>(
            json!({"object": "resource", "model": "genericContact", "id": "c1"})
        )
        .is_err()
    );
    assert!(
        serde_json::from_value::<ResourceRef>(json!({"model": "genericContact", "id": "c1"}))
            .is_err()
    );
    assert!(
        serde_json::from_value::<Link>(
            json!({"object": "thing", "model": "genericContact", "id": "c1"})
        )
        .is_err()
    );
    assert!(
        serde_json::from_value::<ResourceRef>(
            json!({"object": "resourceRef", "model": "crmDeal", "id": "c1"})
        )
        .is_err()
    );
}

#[test]
fn deserialising_checks_fields_against_the_model() {
    let bad_email = json!({"object": "resource", "model": "genericContact", "id": "c1",
        "fields": {"email": "not-an-email"}, "createdAt": null, "updatedAt": null, "warnings": []});
    assert!(serde_json::from_value::<Resource>(bad_email).is_err());
    let absent_timestamps =
        json!({"object": "resource", "model": "genericContact", "id": "c1", "fields": {}});
    let r: Resource = serde_json::from_value(absent_timestamps).unwrap();
    assert_eq!((r.created_at, r.updated_at), (None, None));
    assert_eq!(r.model(), ModelId::GenericContact);
}

#[test]
fn every_reference_field_in_the_tables_is_reachable_for_expansion() {
    let link = |m| Link::to(m, "x");
    let mut samples = vec![
        ResourceFields::from(ContactFields {
            owner: Some(link(ModelId::GenericUser)),
            ..ContactFields::default()
        }),
        ResourceFields::from(UserFields {
            workspace: Some(link(ModelId::GenericWorkspace)),
            ..UserFields::default()
        }),
        ResourceFields::from(WorkspaceFields::new("w")),
        ResourceFields::from(CallFields {
            users: vec![link(ModelId::GenericUser)],
            contacts: vec![link(ModelId::GenericContact)],
            transcript: Some(link(ModelId::TelephonyCallTranscript)),
            ..CallFields::default()
        }),
        ResourceFields::from(TranscriptFields {
            call: Some(link(ModelId::TelephonyCall)),
            ..TranscriptFields::default()
        }),
    ];
    for fields in &mut samples {
        let model = fields.model();
        for spec in field_specs(model) {
            let links = fields.links_mut(spec.key);
            match spec.reference {
                Some(target) => {
                    assert_eq!(links.len(), 1, "{model}.{} not reachable", spec.key);
                    assert_eq!(links[0].model(), target);
                }
                None => assert!(links.is_empty(), "{model}.{}", spec.key),
            }
        }
    }
}

#[test]
fn page_serialises_next_as_null_on_the_last_page() {
    let page = Page {
        data: vec![Resource::new("c1", ContactFields::default())],
        next: None,
    };
    let json = serde_json::to_value(&page).unwrap();
    assert_eq!(json["next"], Value::Null);
    assert_eq!(json["data"][0]["id"], "c1");
    let back: Page = serde_json::from_value(json).unwrap();
    assert_eq!(back, page);
}
