//! `telephonyCall` <-> Dialpad call. Times are the epoch-millisecond `date_*` fields,
//! `duration` whole seconds from milliseconds, `status` is read from the state and what the
//! call carries (see [`status`]), `recordingUrl` prefers the call recording, then the
//! voicemail, then the admin recording. Placing a call rings one user's devices.

use patchbay_core::{
    CallCreate, CallDirection, CallFields, CallStatus, ConnectorError, Link, ModelId, Resource,
    WarningCode,
};

use super::{Warnings, reference_id, required_id, text};
use crate::types::call_actions::RingCallMessage;
use crate::types::calls::{
    CallDirection as DialpadDirection, CallPartyType, CallProto, CallState, RecordingType,
};

const MODEL: ModelId = ModelId::TelephonyCall;

/// The unified call for a Dialpad call; `has_transcript` says whether Dialpad holds a
/// transcript of it (the `transcript` reference is set only then).
pub(crate) fn to_resource(
    proto: &CallProto,
    has_transcript: bool,
) -> Result<Resource, ConnectorError> {
    let id = required_id(proto.call_id.map(|id| id.to_string()), MODEL)?;
    let mut warnings = Warnings::default();
    let direction = match &proto.direction {
        Some(DialpadDirection::Inbound) => Some(CallDirection::Inbound),
        Some(DialpadDirection::Outbound) => Some(CallDirection::Outbound),
        Some(DialpadDirection::Other(other)) => {
            warnings.push(
                "direction",
                WarningCode::UnknownValue,
                format!("Dialpad's call direction {other:?} is neither inbound nor outbound"),
            );
            None
        }
        None => None,
    };
    let time = |ms: Option<crate::types::EpochMillis>| ms.and_then(|ms| ms.to_datetime());
    let users = proto
        .target
        .iter()
        .filter(|t| t.r#type == Some(CallPartyType::User))
        .filter_map(|t| text(t.id.as_deref()))
        .map(|id| Link::to(ModelId::GenericUser, id))
        .collect();
    let contacts = proto
        .contact
        .iter()
        .filter(|c| matches!(c.r#type, Some(CallPartyType::Local | CallPartyType::Shared)))
        .filter_map(|c| text(c.id.as_deref()))
        .map(|id| Link::to(ModelId::GenericContact, id))
        .collect();
    let fields = CallFields {
        direction,
        status: status(proto, &mut warnings),
        started_at: time(proto.date_started),
        answered_at: time(proto.date_connected),
        ended_at: time(proto.date_ended),
        duration: proto
            .duration
            .map(|ms| ms.millis() / 1000.0)
            .filter(|secs| secs.is_finite() && *secs >= 0.0)
            .map(|secs| secs.round() as u64),
        recording_url: recording_url(proto),
        users,
        contacts,
        external_number: text(proto.external_number.as_deref()),
        internal_number: text(proto.internal_number.as_deref()),
        transcript: has_transcript.then(|| Link::to(ModelId::TelephonyCallTranscript, id.as_str())),
        labels: proto.labels.clone(),
    };
    let mut resource = Resource::new(id, fields)
        .with_timestamps(time(proto.date_started), time(proto.event_timestamp));
    resource.warnings = warnings.into_vec();
    Ok(resource)
}

/// Where the call is in its life: `voicemail` when it went to voicemail (the state says so,
/// or a voicemail was recorded); `missed` when it ended unanswered; `completed` when it
/// ended after being connected; `inProgress` while live. A state this version does not
/// know is read from the dates, or left out with a warning while the call has not ended.
pub(crate) fn status(proto: &CallProto, warnings: &mut Warnings) -> Option<CallStatus> {
    let voicemail = matches!(
        proto.state,
        Some(CallState::Voicemail | CallState::VoicemailUploaded)
    ) || proto.voicemail_link.is_some()
        || proto.voicemail_share_link.is_some()
        || proto
            .recording_details
            .iter()
            .any(|r| r.recording_type == Some(RecordingType::Voicemail));
    if voicemail {
        return Some(CallStatus::Voicemail);
    }
    let concluded = || {
        if proto.date_connected.is_some() {
            CallStatus::Completed
        } else {
            CallStatus::Missed
        }
    };
    let Some(state) = &proto.state else {
        return proto.date_ended.map(|_| concluded());
    };
    match state {
        CallState::Missed | CallState::Blocked => Some(CallStatus::Missed),
        _ if proto.date_ended.is_some() => Some(concluded()),
        CallState::Preanswer
        | CallState::Calling
        | CallState::Ringing
        | CallState::Connected
        | CallState::Hold
        | CallState::Queued
        | CallState::Merged
        | CallState::Parked
        | CallState::Eavesdrop
        | CallState::Barge
        | CallState::Monitor
        | CallState::Takeover
        | CallState::Admin => Some(CallStatus::InProgress),
        CallState::Hangup
        | CallState::Recording
        | CallState::AdminRecording
        | CallState::Transcription
        | CallState::CallTranscription
        | CallState::Postcall
        | CallState::RecapSummary
        | CallState::RecapOutcome
        | CallState::RecapPurposes
        | CallState::RecapActionItems
        | CallState::Csat
        | CallState::Pcsat
        | CallState::Dispositions
        | CallState::AiPlaybook
        // Voicemail states were answered above.
        | CallState::Voicemail
        | CallState::VoicemailUploaded => Some(concluded()),
        CallState::All | CallState::Other(_) => {
            warnings.push(
                "status",
                WarningCode::UnknownValue,
                format!("Dialpad's call state {:?} has no unified status", state.as_str()),
            );
            None
        }
    }
}

/// The call recording, else the voicemail, else the admin recording: each from the
/// recording details first, then the share links.
pub(crate) fn recording_url(proto: &CallProto) -> Option<String> {
    let detail = |kind: RecordingType| {
        proto
            .recording_details
            .iter()
            .filter(|r| r.recording_type.as_ref() == Some(&kind))
            .find_map(|r| text(r.url.as_deref()))
    };
    let first = |links: &[String]| links.iter().find_map(|l| text(Some(l)));
    detail(RecordingType::CallRecording)
        .or_else(|| first(&proto.call_recording_share_links))
        .or_else(|| detail(RecordingType::Voicemail))
        .or_else(|| text(proto.voicemail_link.as_deref()))
        .or_else(|| text(proto.voicemail_share_link.as_deref()))
        .or_else(|| detail(RecordingType::AdminCallRecording))
        .or_else(|| first(&proto.admin_call_recording_share_links))
}

/// The `POST /api/v2/call` body: ring the (one) user's devices and dial the number.
pub(crate) fn ring_body(input: &CallCreate) -> Result<RingCallMessage, ConnectorError> {
    let user = input.users.first().ok_or_else(|| {
        super::invalid(
            "users",
            patchbay_core::ValidationCode::Required,
            "`users` must name the user whose devices ring".into(),
        )
    })?;
    Ok(RingCallMessage {
        user_id: Some(reference_id(user, "users", ModelId::GenericUser)?),
        phone_number: Some(input.external_number.as_str().to_owned()),
        outbound_caller_id: input
            .internal_number
            .as_ref()
            .map(|n| n.as_str().to_owned()),
        ..RingCallMessage::default()
    })
}

/// A call Dialpad accepted but does not report yet: what was asked for, `planned`.
pub(crate) fn planned(call_id: &str, input: &CallCreate) -> Resource {
    let fields = CallFields {
        direction: Some(CallDirection::Outbound),
        status: Some(CallStatus::Planned),
        users: input
            .users
            .iter()
            .map(|u| Link::to(ModelId::GenericUser, u.as_str()))
            .collect(),
        external_number: Some(input.external_number.as_str().to_owned()),
        internal_number: input
            .internal_number
            .as_ref()
            .map(|n| n.as_str().to_owned()),
        ..CallFields::default()
    };
    Resource::new(call_id, fields)
}

/// Whether a call has ended after being connected, the only calls Dialpad transcribes.
pub(crate) fn may_have_transcript(resource: &Resource) -> bool {
    resource
        .fields
        .as_call()
        .is_some_and(|c| c.status == Some(CallStatus::Completed))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use patchbay_core::{CreateInput, SupportedFields, parse_create};
    use serde_json::{Value, json};

    use super::*;

    fn proto(value: Value) -> CallProto {
        serde_json::from_value(value).unwrap()
    }

    fn status_of(value: Value) -> Option<CallStatus> {
        status(&proto(value), &mut Warnings::default())
    }

    /// Dialpad's own example of `GET /api/v2/call/{id}`.
    fn example() -> Value {
        json!({
            "call_id": "1002",
            "contact": {"email": "", "id": "1001", "name": "(415) 555-7777",
                "phone": "+14155557777", "type": "local"},
            "date_connected": "1356998400000", "date_rang": "1356998400000",
            "date_started": "1356998400000", "direction": "inbound",
            "entry_point_call_id": "1000",
            "event_timestamp": "1356998401500", "external_number": "+14155557777",
            "group_id": "Office:124", "internal_number": "+14155551001",
            "is_transferred": false, "proxy_target": {}, "state": "connected",
            "target": {"email": "bot@fuzz-ball.com", "id": "2", "name": "Bot",
                "phone": "+14155551001", "type": "user"},
            "was_recorded": false
        })
    }

    #[test]
    fn dialpads_example_call_maps_to_a_live_inbound_call() {
        let resource = to_resource(&proto(example()), false).unwrap();
        assert_eq!(resource.id, "1002");
        assert_eq!(
            serde_json::to_value(&resource.fields).unwrap(),
            json!({
                "direction": "inbound", "status": "inProgress",
                "startedAt": "2013-01-01T00:00:00Z", "answeredAt": "2013-01-01T00:00:00Z",
                "users": [{"object": "resourceRef", "model": "genericUser", "id": "2"}],
                "contacts": [{"object": "resourceRef", "model": "genericContact", "id": "1001"}],
                "externalNumber": "+14155557777", "internalNumber": "+14155551001",
                "labels": []
            })
        );
        assert_eq!(
            resource.created_at.map(|d| d.to_rfc3339()).as_deref(),
            Some("2013-01-01T00:00:00+00:00")
        );
        assert_eq!(
            resource.updated_at.map(|d| d.timestamp_millis()),
            Some(1_356_998_401_500)
        );
    }

    #[test]
    fn a_concluded_call_has_times_a_rounded_duration_and_its_transcript() {
        let mut call = example();
        call["state"] = json!("hangup");
        call["date_ended"] = json!("1356998461000");
        call["duration"] = json!(61499.6);
        call["labels"] = json!(["sales"]);
        call["contact"] = json!({"id": "", "type": "unknown", "name": "+1415", "phone": "+1415"});
        let resource = to_resource(&proto(call), true).unwrap();
        let fields = resource.fields.as_call().unwrap();
        assert_eq!(fields.status, Some(CallStatus::Completed));
        assert_eq!(fields.duration, Some(61));
        assert_eq!(
            fields.ended_at.map(|d| d.to_rfc3339()).as_deref(),
            Some("2013-01-01T00:01:01+00:00")
        );
        assert!(fields.contacts.is_empty());
        assert_eq!(fields.labels, ["sales"]);
        assert_eq!(fields.transcript.as_ref().map(|t| t.id()), Some("1002"));
        assert!(may_have_transcript(&resource));
    }

    #[test]
    fn status_follows_what_the_call_went_through() {
        let ended = |state: &str, connected: bool| {
            let mut call = json!({"call_id": "1", "state": state, "date_ended": "2"});
            if connected {
                call["date_connected"] = json!("1");
            }
            call
        };
        assert_eq!(
            status_of(ended("hangup", true)),
            Some(CallStatus::Completed)
        );
        assert_eq!(status_of(ended("hangup", false)), Some(CallStatus::Missed));
        assert_eq!(status_of(ended("missed", false)), Some(CallStatus::Missed));
        assert_eq!(
            status_of(ended("recording", true)),
            Some(CallStatus::Completed)
        );
        assert_eq!(
            status_of(ended("voicemail", false)),
            Some(CallStatus::Voicemail)
        );
        assert_eq!(
            status_of(json!({"state": "voicemail"})),
            Some(CallStatus::Voicemail)
        );
        let mut left_message = ended("hangup", false);
        left_message["voicemail_share_link"] = json!("https://x/vm");
        assert_eq!(status_of(left_message), Some(CallStatus::Voicemail));
        for live in [
            "calling",
            "ringing",
            "connected",
            "hold",
            "queued",
            "preanswer",
        ] {
            assert_eq!(
                status_of(json!({"state": live})),
                Some(CallStatus::InProgress),
                "{live}"
            );
        }
        // An unknown state: from the dates once ended, else left out with a warning.
        assert_eq!(
            status_of(ended("teleported", true)),
            Some(CallStatus::Completed)
        );
        let mut warnings = Warnings::default();
        assert_eq!(
            status(&proto(json!({"state": "teleported"})), &mut warnings),
            None
        );
        assert_eq!(warnings.into_vec()[0].code, WarningCode::UnknownValue);
        assert_eq!(status_of(json!({})), None);
    }

    #[test]
    fn recording_url_prefers_the_call_recording_then_voicemail_then_admin() {
        let detail = |kind: &str, url: &str| json!({"recording_type": kind, "url": url});
        let mut call = json!({
            "recording_details": [detail("admincallrecording", "https://x/admin"),
                detail("voicemail", "https://x/vm"), detail("callrecording", "https://x/call")],
        });
        assert_eq!(
            recording_url(&proto(call.clone())).as_deref(),
            Some("https://x/call")
        );
        call["recording_details"].as_array_mut().unwrap().pop();
        call["call_recording_share_links"] = json!(["https://x/share"]);
        assert_eq!(
            recording_url(&proto(call.clone())).as_deref(),
            Some("https://x/share")
        );
        call["call_recording_share_links"] = json!([]);
        assert_eq!(
            recording_url(&proto(call.clone())).as_deref(),
            Some("https://x/vm")
        );
        call["recording_details"].as_array_mut().unwrap().pop();
        assert_eq!(
            recording_url(&proto(call.clone())).as_deref(),
            Some("https://x/admin")
        );
        assert_eq!(
            recording_url(&proto(json!({"voicemail_link": "https://x/l"}))).as_deref(),
            Some("https://x/l")
        );
        assert_eq!(recording_url(&proto(json!({}))), None);
    }

    #[test]
    fn placing_a_call_rings_one_user_and_reads_back_planned() {
        let Ok(CreateInput::Call(input)) = parse_create(
            SupportedFields::of_model(MODEL),
            &json!({"externalNumber": "+14155550100", "users": ["42"],
                "internalNumber": "+14155551000"}),
        ) else {
            panic!()
        };
        assert_eq!(
            serde_json::to_value(ring_body(&input).unwrap()).unwrap(),
            json!({"user_id": "42", "phone_number": "+14155550100",
                "outbound_caller_id": "+14155551000"})
        );
        let planned = planned("9", &input);
        assert_eq!(
            serde_json::to_value(&planned.fields).unwrap(),
            json!({"direction": "outbound", "status": "planned",
                "users": [{"object": "resourceRef", "model": "genericUser", "id": "42"}],
                "contacts": [], "labels": [], "externalNumber": "+14155550100",
                "internalNumber": "+14155551000"})
        );
        assert_eq!((planned.created_at, planned.updated_at), (None, None));
    }
}
