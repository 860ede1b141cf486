//! `telephonyCallTranscript`: listed by call or by a window of calls (Dialpad has no list
//! of transcripts), retrieved by call id, and empty when nothing was said.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use patchbay_core::{ConnectorError, ModelId, SpeakerOrigin};
use serde_json::{Value, json};

use crate::{Env, eventually, fields, ids, options};

const MODEL: ModelId = ModelId::TelephonyCallTranscript;

fn id_of(call: &Value) -> String {
    call["call_id"].as_str().unwrap().to_owned()
}

fn iso(ms: &Value) -> String {
    let ms: i64 = ms.as_str().unwrap().parse().unwrap();
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The ids of the calls Dialpad holds a transcript of, newest first.
async fn transcribed(env: &Env, calls: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    for call in calls {
        let id = id_of(call);
        if env.retrieve(MODEL, &id).await.is_ok() {
            out.push(id);
        }
    }
    out
}

#[tokio::test]
async fn a_transcript_list_needs_a_call_or_a_window() {
    let env = Env::small().await;
    let err = env.list(MODEL, &options(MODEL, &[], 10)).await.unwrap_err();
    let ConnectorError::BadRequest { message } = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains("no list of transcripts"), "{message}");
    assert_eq!(err.code().http_status(), 400);
    let err = env
        .list(
            MODEL,
            &options(
                MODEL,
                &[("call", "1"), ("startedAfter", "2024-01-01T00:00:00Z")],
                10,
            ),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::BadRequest { .. }));
}

#[tokio::test]
async fn a_transcript_is_listed_by_its_call_and_retrieved() {
    let env = Env::small().await;
    let calls = env.dialpad_all("/api/v2/call").await;
    let with = transcribed(&env, &calls).await;
    let id = with.first().expect("the seed has transcripts").clone();

    let page = env
        .list(MODEL, &options(MODEL, &[("call", &id)], 10))
        .await
        .unwrap();
    assert_eq!((ids(&page.data), page.next), (vec![id.clone()], None));
    let transcript = env.retrieve_raw(MODEL, &id).await;
    assert_eq!(transcript.fields, page.data[0].fields);
    assert_eq!(
        transcript.raw_resource.unwrap(),
        env.dialpad(&format!("/api/v2/transcripts/{id}")).await
    );
    assert_eq!((transcript.created_at, transcript.updated_at), (None, None));
    let t = transcript.fields.as_transcript().unwrap();
    assert_eq!(t.call.as_ref().map(|c| c.id()), Some(id.as_str()));
    assert!(!t.segments.is_empty() && !t.moments.is_empty());
    assert_eq!(t.segments[0].start, 0.0);
    assert!(t.segments.windows(2).all(|w| w[0].start <= w[1].start));
    assert!(
        t.speakers
            .iter()
            .any(|s| s.origin == SpeakerOrigin::Internal && s.user.is_some())
    );
    for segment in &t.segments {
        let speaker = segment.speaker_id.as_deref().unwrap();
        assert!(t.speakers.iter().any(|s| s.id == speaker), "{speaker}");
    }

    let missed = calls.iter().find(|c| c["state"] == "missed").unwrap();
    let page = env
        .list(MODEL, &options(MODEL, &[("call", &id_of(missed))], 10))
        .await
        .unwrap();
    assert!(page.data.is_empty() && page.next.is_none());
    let err = env.retrieve(MODEL, &id_of(missed)).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::NotFound { model: MODEL, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_window_lists_the_transcripts_of_the_calls_in_it() {
    let env = Env::small().await;
    let calls = env.dialpad_all("/api/v2/call").await;
    let newest = &calls[0]["date_started"];
    let oldest = &calls[calls.len() - 1]["date_started"];
    let listed = env
        .list_all(
            MODEL,
            &[
                ("startedAfter", &iso(oldest)),
                ("startedBefore", &iso(newest)),
            ],
            2,
        )
        .await;
    // Every call but the newest (`startedBefore` is exclusive), newest first.
    let expected = transcribed(&env, &calls[1..]).await;
    assert!(expected.len() >= 2, "{expected:?}");
    assert_eq!(ids(&listed), expected);
    assert!(
        listed
            .iter()
            .all(|t| !t.fields.as_transcript().unwrap().segments.is_empty())
    );
    let since_newest = env
        .list_all(MODEL, &[("startedAfter", &iso(newest))], 2)
        .await;
    assert_eq!(ids(&since_newest), transcribed(&env, &calls[..1]).await);
}

#[tokio::test]
async fn a_call_connected_too_briefly_for_words_has_an_empty_transcript() {
    let env = Env::small().await;
    let user = env.plain_user().await;
    let (status, simulated) = env
        .control(
            reqwest::Method::POST,
            "/calls",
            json!({"user_id": user["id"], "direction": "outbound", "outcome": "answered",
                "talk_ms": 10, "transcript": true}),
        )
        .await;
    assert_eq!(status, 201, "{simulated}");
    let call_id = simulated["call_id"].as_str().unwrap().to_owned();
    let transcript = eventually(Duration::from_secs(10), "the call ends", || async {
        env.retrieve(MODEL, &call_id).await.ok()
    })
    .await;
    assert_eq!(
        fields(&transcript),
        json!({
            "call": {"object": "resourceRef", "model": "telephonyCall", "id": call_id},
            "segments": [], "speakers": [], "moments": []
        })
    );
    let call = env
        .retrieve(ModelId::TelephonyCall, &call_id)
        .await
        .unwrap();
    assert_eq!(fields(&call)["transcript"]["id"], call_id.as_str());
}
