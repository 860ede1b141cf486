//! `telephonyCall`: Dialpad's concluded calls (filters, statuses, recordings, transcripts),
//! placing a call, reading back one Dialpad has not reported yet, labelling and hanging up.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use patchbay_core::Connector as _;
use patchbay_core::{
    CallStatus, ConnectorError, CreateInput, Credential, ModelId, ProviderValues, Resource,
    UpdateInput, parse_create, parse_update,
};
use patchbay_dialpad::DESCRIPTOR;
use serde_json::{Value, json};

use crate::{Env, eventually, fields, ids, options};

const MODEL: ModelId = ModelId::TelephonyCall;

fn create_input(body: &Value) -> CreateInput {
    parse_create(DESCRIPTOR.fields(MODEL), body).unwrap()
}

fn update_input(body: &Value) -> UpdateInput {
    parse_update(DESCRIPTOR.fields(MODEL), body).unwrap()
}

fn id_of(call: &Value) -> String {
    call["call_id"].as_str().unwrap().to_owned()
}

fn started(call: &Value) -> i64 {
    call["date_started"].as_str().unwrap().parse().unwrap()
}

fn iso(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn status(resource: &Resource) -> Option<CallStatus> {
    resource.fields.as_call().unwrap().status
}

#[tokio::test]
async fn calls_are_listed_newest_first_across_dialpads_pages() {
    let env = Env::small().await;
    let dialpad = env.dialpad_all("/api/v2/call").await;
    assert!(dialpad.len() > 25, "more than one Dialpad page");
    let listed = env.list_all(MODEL, &[], 10).await;
    assert_eq!(ids(&listed), dialpad.iter().map(id_of).collect::<Vec<_>>());
    let starts: Vec<_> = listed
        .iter()
        .map(|c| c.fields.as_call().unwrap().started_at.unwrap())
        .collect();
    assert!(starts.windows(2).all(|w| w[0] >= w[1]), "newest first");
    for (call, raw) in listed.iter().zip(&dialpad) {
        let f = call.fields.as_call().unwrap();
        let expected = match raw["state"].as_str().unwrap() {
            "hangup" => CallStatus::Completed,
            "missed" => CallStatus::Missed,
            "voicemail" => CallStatus::Voicemail,
            other => panic!("unexpected state {other}"),
        };
        assert_eq!(f.status, Some(expected), "{}", call.id);
        assert_eq!(f.users.len(), 1);
        assert_eq!(call.created_at, f.started_at);
        assert!(call.updated_at.is_some());
        if expected == CallStatus::Missed {
            assert_eq!((f.duration, f.answered_at), (None, None));
        }
        let contact = raw["contact"]["id"].as_str().filter(|id| !id.is_empty());
        assert_eq!(f.contacts.first().map(|c| c.id()), contact, "{}", call.id);
        let ms = raw["duration"].as_f64();
        assert_eq!(f.duration, ms.map(|ms| (ms / 1000.0).round() as u64));
    }
    let answered = listed
        .iter()
        .filter(|c| status(c) == Some(CallStatus::Completed));
    assert!(answered.clone().count() > 0);
    assert!(listed.iter().any(|c| fields(c).get("transcript").is_some()));
}

#[tokio::test]
async fn calls_filter_by_start_window_user_and_workspace() {
    let env = Env::small().await;
    let dialpad = env.dialpad_all("/api/v2/call").await;
    let (before, after) = (started(&dialpad[5]), started(&dialpad[20]));
    let window = env
        .list_all(
            MODEL,
            &[
                ("startedAfter", &iso(after)),
                ("startedBefore", &iso(before)),
            ],
            4,
        )
        .await;
    let expected: Vec<String> = dialpad
        .iter()
        .filter(|c| started(c) >= after && started(c) < before)
        .map(id_of)
        .collect();
    assert!(expected.len() >= 10);
    assert_eq!(
        ids(&window),
        expected,
        "startedAfter is inclusive, startedBefore is not"
    );

    let user = dialpad[0]["target"]["id"].as_str().unwrap();
    let theirs = env.list_all(MODEL, &[("user", user)], 5).await;
    let expected = env
        .dialpad_all(&format!("/api/v2/call?target_type=user&target_id={user}"))
        .await;
    assert!(!theirs.is_empty());
    assert_eq!(ids(&theirs), expected.iter().map(id_of).collect::<Vec<_>>());
    assert!(theirs.iter().all(|c| fields(c)["users"][0]["id"] == user));

    let office = env.dialpad(&format!("/api/v2/users/{user}")).await["office_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let in_office = env.list_all(MODEL, &[("workspace", &office)], 50).await;
    let expected = env
        .dialpad_all(&format!(
            "/api/v2/call?target_type=office&target_id={office}"
        ))
        .await;
    assert!(!in_office.is_empty());
    assert_eq!(
        ids(&in_office),
        expected.iter().map(id_of).collect::<Vec<_>>()
    );

    let err = env
        .list(
            MODEL,
            &options(MODEL, &[("user", user), ("workspace", &office)], 5),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectorError::BadRequest { message } if message.contains("one target")),
        "{err:?}"
    );
    let none = env.list_all(MODEL, &[("user", "someone")], 5).await;
    assert!(none.is_empty());
}

#[tokio::test]
async fn a_call_reads_back_with_its_recording_transcript_and_raw_object() {
    let env = Env::small().await;
    let dialpad = env.dialpad_all("/api/v2/call").await;
    let recorded = dialpad
        .iter()
        .find(|c| c["state"] == "hangup" && c["was_recorded"] == true)
        .expect("a recorded call");
    let call = env.retrieve_raw(MODEL, &id_of(recorded)).await;
    assert_eq!(call.raw_resource.as_ref().unwrap(), recorded);
    let f = call.fields.as_call().unwrap();
    assert_eq!(f.status, Some(CallStatus::Completed));
    assert_eq!(
        f.recording_url.as_deref(),
        recorded["recording_details"][0]["url"].as_str()
    );
    assert_eq!(
        f.external_number.as_deref(),
        recorded["external_number"].as_str()
    );

    let voicemail = dialpad
        .iter()
        .find(|c| c["state"] == "voicemail")
        .expect("a voicemail");
    let call = env.retrieve(MODEL, &id_of(voicemail)).await.unwrap();
    assert_eq!(status(&call), Some(CallStatus::Voicemail));
    assert_eq!(
        call.fields.as_call().unwrap().recording_url.as_deref(),
        voicemail["voicemail_share_link"].as_str()
    );

    let missed = dialpad
        .iter()
        .find(|c| c["state"] == "missed")
        .expect("a missed call");
    let call = env.retrieve(MODEL, &id_of(missed)).await.unwrap();
    assert_eq!(status(&call), Some(CallStatus::Missed));
    assert!(fields(&call).get("transcript").is_none());

    // The transcript is linked exactly when Dialpad holds one.
    let mut linked = 0;
    for raw in dialpad.iter().filter(|c| c["state"] == "hangup").take(12) {
        let id = id_of(raw);
        let call = env.retrieve(MODEL, &id).await.unwrap();
        let transcript = env.retrieve(ModelId::TelephonyCallTranscript, &id).await;
        let link = fields(&call).get("transcript").cloned();
        assert_eq!(link.is_some(), transcript.is_ok(), "{id}");
        if let Some(link) = link {
            assert_eq!(
                link,
                json!({"object": "resourceRef", "model": "telephonyCallTranscript", "id": id})
            );
            linked += 1;
        }
    }
    assert!(linked > 0, "some seeded calls have transcripts");

    let err = env.retrieve(MODEL, "1234567890123456").await.unwrap_err();
    assert!(matches!(err, ConnectorError::NotFound { .. }));
}

#[tokio::test]
async fn placing_a_call_rings_the_user_then_an_update_labels_and_ends_it() {
    let env = Env::small().await;
    let user = env.plain_user().await;
    let user_id = user["id"].as_str().unwrap();
    let ctx = env.ctx();
    let mut extra = ProviderValues::new();
    extra.push("/custom_data", json!("crm:42"));
    let placed = env
        .connector
        .create(
            &ctx,
            create_input(&json!({
                "externalNumber": "+14155550142", "users": [user_id],
                "internalNumber": "+14155550100"
            })),
            &extra,
        )
        .await
        .unwrap();
    let f = placed.fields.as_call().unwrap();
    assert_eq!(f.status, Some(CallStatus::InProgress));
    assert_eq!(fields(&placed)["direction"], "outbound");
    assert_eq!(f.users[0].id(), user_id);
    assert_eq!(f.external_number.as_deref(), Some("+14155550142"));
    assert_eq!(f.internal_number.as_deref(), Some("+14155550100"));
    let raw = env
        .retrieve_raw(MODEL, &placed.id)
        .await
        .raw_resource
        .unwrap();
    assert_eq!(raw["custom_data"], "crm:42");

    let labelled = env
        .connector
        .update(
            &ctx,
            &placed.id,
            update_input(&json!({"labels": ["sales", "vip"]})),
            &ProviderValues::new(),
        )
        .await
        .unwrap();
    assert_eq!(labelled.fields.as_call().unwrap().labels, ["sales", "vip"]);

    let ended = env
        .connector
        .update(
            &ctx,
            &placed.id,
            update_input(&json!({"status": "completed"})),
            &ProviderValues::new(),
        )
        .await
        .unwrap();
    let f = ended.fields.as_call().unwrap();
    assert!(
        matches!(f.status, Some(CallStatus::Completed | CallStatus::Missed)),
        "{:?}",
        f.status
    );
    assert!(f.ended_at.is_some());
    assert_eq!(f.labels, ["sales", "vip"]);

    let err = env
        .connector
        .update(
            &ctx,
            &placed.id,
            update_input(&json!({"status": "completed"})),
            &ProviderValues::new(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Conflict { .. }), "{err:?}");
    let cleared = env
        .connector
        .update(
            &ctx,
            &placed.id,
            update_input(&json!({"labels": null})),
            &ProviderValues::new(),
        )
        .await
        .unwrap();
    assert!(cleared.fields.as_call().unwrap().labels.is_empty());

    let err = env
        .connector
        .update(
            &ctx,
            &placed.id,
            update_input(&json!({"status": "missed"})),
            &ProviderValues::new(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Validation(e) if e.as_slice()[0].field == "status"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_call_dialpad_has_not_reported_yet_reads_back_planned() {
    let env = Env::small().await;
    let user = env.plain_user().await;
    let user_id = user["id"].as_str().unwrap();
    env.fault(json!({"route": "GET /api/v2/call/{id}", "kind": "not_found", "next": 1}))
        .await;
    let placed = env
        .connector
        .create(
            &env.ctx(),
            create_input(&json!({"externalNumber": "+14155550143", "users": [user_id]})),
            &ProviderValues::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        fields(&placed),
        json!({
            "direction": "outbound", "status": "planned", "externalNumber": "+14155550143",
            "users": [{"object": "resourceRef", "model": "genericUser", "id": user_id}],
            "contacts": [], "labels": []
        })
    );
    assert_eq!((placed.created_at, placed.updated_at), (None, None));
    assert!(placed.warnings.is_empty());
    // Once Dialpad reports it, the same id reads as the live call.
    let live = eventually(Duration::from_secs(5), "the call is reported", || async {
        env.retrieve(MODEL, &placed.id)
            .await
            .ok()
            .filter(|c| status(c) == Some(CallStatus::InProgress))
    })
    .await;
    assert_eq!(live.fields.as_call().unwrap().users[0].id(), user_id);

    // Read back refused for longer than the retry budget: still planned, with a warning.
    env.fault(json!({"route": "GET /api/v2/call/{id}", "kind": "unavailable"}))
        .await;
    let placed = env
        .connector
        .create(
            &env.ctx(),
            create_input(&json!({"externalNumber": "+14155550144", "users": [user_id]})),
            &ProviderValues::new(),
        )
        .await
        .unwrap();
    assert_eq!(status(&placed), Some(CallStatus::Planned));
    assert_eq!(placed.warnings[0].field, "status");
}

#[tokio::test]
async fn placing_a_call_for_someone_dialpad_does_not_know_names_the_field() {
    let env = Env::small().await;
    let err = env
        .connector
        .create(
            &env.ctx(),
            create_input(&json!({"externalNumber": "+14155550145", "users": ["1234567890123456"]})),
            &ProviderValues::new(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Validation(e) if e.as_slice()[0].field == "users"),
        "{err:?}"
    );
    let suspended = env
        .dialpad_all("/api/v2/users?state=suspended")
        .await
        .remove(0);
    let err = env
        .connector
        .create(
            &env.ctx(),
            create_input(&json!({"externalNumber": "+14155550145", "users": [suspended["id"]]})),
            &ProviderValues::new(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Validation(e) if e.as_slice()[0].field == "users"),
        "{err:?}"
    );
    assert_eq!(env.served("GET /api/v2/call/{id}").await, 0);
}

#[tokio::test]
async fn listing_calls_needs_a_company_admin_and_the_calls_list_scope() {
    let env = Env::small().await;
    let plain = env.plain_user().await;
    let key = env.key_for(plain["id"].as_str().unwrap()).await;
    let err = env
        .connector
        .list(
            &env.ctx_as(Credential::api_key(key)),
            MODEL,
            &options(MODEL, &[], 5),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Forbidden { message } if message.contains("company admin")),
        "{err:?}"
    );

    let without = env.oauth_token("offline_access").await;
    let err = env
        .connector
        .list(
            &env.ctx_as(Credential::bearer(without)),
            MODEL,
            &options(MODEL, &[], 5),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Forbidden { message } if message.contains("calls:list")),
        "{err:?}"
    );

    let scopes = DESCRIPTOR.scopes_for([patchbay_core::Operation::new(
        MODEL,
        patchbay_core::OperationKind::List,
    )]);
    let with = env.oauth_token(&scopes.join(" ")).await;
    let page = env
        .connector
        .list(
            &env.ctx_as(Credential::bearer(with)),
            MODEL,
            &options(MODEL, &[], 5),
        )
        .await
        .unwrap();
    assert_eq!(page.data.len(), 5);
}
