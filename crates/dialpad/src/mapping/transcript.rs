//! `telephonyCallTranscript` <- Dialpad transcript. Its id is the call's. Lines of type
//! `transcript` become `segments` (seconds from the earliest line), their speakers are
//! de-duplicated by user, contact or name, and every other line is a `moment`. A transcript
//! without speech is an empty transcript, not an error.

use chrono::NaiveDateTime;
use patchbay_core::{
    ConnectorError, Link, ModelId, Moment, Resource, Segment, Speaker, SpeakerOrigin,
    TranscriptFields,
};

use super::{required_id, text};
use crate::types::transcripts::{TranscriptLineProto, TranscriptLineType, TranscriptProto};

const MODEL: ModelId = ModelId::TelephonyCallTranscript;

/// The unified transcript of a call. `call_id` names it when Dialpad's answer does not.
pub(crate) fn to_resource(
    proto: &TranscriptProto,
    call_id: &str,
) -> Result<Resource, ConnectorError> {
    let id = required_id(
        proto
            .call_id
            .map(|id| id.to_string())
            .or_else(|| Some(call_id.to_owned())),
        MODEL,
    )?;
    let times: Vec<NaiveDateTime> = proto
        .lines
        .iter()
        .filter_map(|l| l.time.map(|t| t.naive()))
        .collect();
    let origin = times.iter().min().copied();
    let last = times.iter().max().copied();
    let at = |line: &TranscriptLineProto| -> Option<f64> {
        let (time, origin) = (line.time?.naive(), origin?);
        let ms = (time - origin).num_milliseconds();
        Some(ms as f64 / 1000.0)
    };

    let mut spoken: Vec<(&TranscriptLineProto, f64)> = Vec::new();
    let mut moments = Vec::new();
    for line in &proto.lines {
        if line.r#type == Some(TranscriptLineType::Transcript) {
            let start = at(line)
                .or_else(|| spoken.last().map(|(_, s)| *s))
                .unwrap_or(0.0);
            spoken.push((line, start));
        } else {
            moments.push(Moment {
                moment_type: line
                    .r#type
                    .as_ref()
                    .map_or_else(|| "unknown".to_owned(), |t| t.as_str().to_owned()),
                label: text(line.content.as_deref()),
                at: at(line),
            });
        }
    }
    // Dialpad does not promise the lines in time order; segments are.
    spoken.sort_by(|a, b| a.1.total_cmp(&b.1));
    moments.sort_by(|a, b| a.at.unwrap_or(0.0).total_cmp(&b.at.unwrap_or(0.0)));
    let end_of_all = match (origin, last) {
        (Some(origin), Some(last)) => Some((last - origin).num_milliseconds() as f64 / 1000.0),
        _ => None,
    };

    let mut speakers: Vec<Speaker> = Vec::new();
    let mut segments = Vec::with_capacity(spoken.len());
    for (i, (line, start)) in spoken.iter().enumerate() {
        let next = spoken.get(i + 1).map(|(_, s)| *s).or(end_of_all);
        let speaker = speaker(line);
        let speaker_id = speaker.as_ref().map(|s| s.id.clone());
        if let Some(speaker) = speaker
            && !speakers.iter().any(|s| s.id == speaker.id)
        {
            speakers.push(speaker);
        }
        segments.push(Segment {
            start: *start,
            end: next.filter(|n| *n >= *start).unwrap_or(*start),
            text: line.content.clone().unwrap_or_default(),
            speaker_id,
        });
    }

    let fields = TranscriptFields {
        call: Some(Link::to(ModelId::TelephonyCall, id.as_str())),
        duration: end_of_all.map(|secs| secs.round() as u64),
        segments,
        speakers,
        moments,
    };
    Ok(Resource::new(id, fields))
}

/// Who said a line: a user (internal), a contact (external), or only a name.
fn speaker(line: &TranscriptLineProto) -> Option<Speaker> {
    let name = text(line.name.as_deref());
    let phone = name
        .as_deref()
        .filter(|n| looks_like_number(n))
        .map(str::to_owned);
    if let Some(user) = line.user_id {
        return Some(Speaker {
            id: format!("user:{user}"),
            origin: SpeakerOrigin::Internal,
            name,
            phone: None,
            user: Some(Link::to(ModelId::GenericUser, user.to_string())),
            contact: None,
        });
    }
    if let Some(contact) = text(line.contact_id.as_deref()) {
        return Some(Speaker {
            id: format!("contact:{contact}"),
            origin: SpeakerOrigin::External,
            name,
            phone,
            user: None,
            contact: Some(Link::to(ModelId::GenericContact, contact)),
        });
    }
    let name = name?;
    Some(Speaker {
        id: format!("name:{name}"),
        origin: SpeakerOrigin::Unknown,
        phone,
        name: Some(name),
        user: None,
        contact: None,
    })
}

/// Dialpad names an unknown party by its formatted number (`(415) 555-6666`).
fn looks_like_number(name: &str) -> bool {
    let digits = name.chars().filter(char::is_ascii_digit).count();
    digits >= 3
        && name
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '(' | ')' | '-' | ' ' | '.'))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::{Value, json};

    use super::*;

    fn map(value: Value) -> Resource {
        to_resource(&serde_json::from_value(value).unwrap(), "1001").unwrap()
    }

    /// Dialpad's own example of `GET /api/v2/transcripts/{call_id}`.
    fn example() -> Value {
        json!({
            "call_id": "1001",
            "lines": [
                {"contact_id": "ag5kZXZ", "content": "hi", "name": "(415) 555-6666",
                    "time": "2018-05-08T21:33:19.300000", "type": "transcript"},
                {"content": "hello [expletive]", "name": "Bot",
                    "time": "2018-05-08T21:33:15.300000", "type": "transcript", "user_id": "2"},
                {"content": "not_white_listed_moment", "name": "Bot",
                    "time": "2018-05-08T21:33:16.300000", "type": "moment", "user_id": "2"},
                {"content": "price_inquiry", "name": "Bot",
                    "time": "2018-05-08T21:33:17.300000", "type": "moment", "user_id": "2"}
            ]
        })
    }

    #[test]
    fn dialpads_example_maps_to_timed_segments_speakers_and_moments() {
        let resource = map(example());
        assert_eq!(resource.id, "1001");
        assert_eq!((resource.created_at, resource.updated_at), (None, None));
        assert_eq!(
            serde_json::to_value(&resource.fields).unwrap(),
            json!({
                "call": {"object": "resourceRef", "model": "telephonyCall", "id": "1001"},
                "duration": 4,
                "segments": [
                    {"start": 0.0, "end": 4.0, "text": "hello [expletive]", "speakerId": "user:2"},
                    {"start": 4.0, "end": 4.0, "text": "hi", "speakerId": "contact:ag5kZXZ"}
                ],
                "speakers": [
                    {"id": "user:2", "origin": "internal", "name": "Bot",
                        "user": {"object": "resourceRef", "model": "genericUser", "id": "2"}},
                    {"id": "contact:ag5kZXZ", "origin": "external", "name": "(415) 555-6666",
                        "phone": "(415) 555-6666",
                        "contact": {"object": "resourceRef", "model": "genericContact", "id": "ag5kZXZ"}}
                ],
                "moments": [
                    {"type": "moment", "label": "not_white_listed_moment", "at": 1.0},
                    {"type": "moment", "label": "price_inquiry", "at": 2.0}
                ]
            })
        );
    }

    #[test]
    fn speakers_are_deduplicated_and_named_only_speakers_are_unknown() {
        let line = |name: &str, time: &str, user: Option<&str>| {
            let mut l = json!({"type": "transcript", "content": "x", "name": name, "time": time});
            if let Some(u) = user {
                l["user_id"] = json!(u);
            }
            l
        };
        let resource = map(json!({"lines": [
            line("Ada", "2024-01-01T00:00:00", Some("7")),
            line("Visitor", "2024-01-01T00:00:02.500000", None),
            line("Ada", "2024-01-01T00:00:05", Some("7")),
        ]}));
        let fields = resource.fields.as_transcript().unwrap();
        let ids: Vec<&str> = fields.speakers.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["user:7", "name:Visitor"]);
        assert_eq!(fields.speakers[1].origin, SpeakerOrigin::Unknown);
        assert_eq!(fields.speakers[1].phone, None);
        let times: Vec<(f64, f64)> = fields.segments.iter().map(|s| (s.start, s.end)).collect();
        assert_eq!(times, [(0.0, 2.5), (2.5, 5.0), (5.0, 5.0)]);
        assert_eq!(resource.id, "1001", "named by the call asked for");
    }

    #[test]
    fn a_transcript_without_speech_is_empty_not_an_error() {
        let moments_only = map(json!({"call_id": "5", "lines": [
            {"type": "moment", "content": "scheduling", "time": "2024-01-01T00:00:00"}
        ]}));
        let fields = moments_only.fields.as_transcript().unwrap();
        assert!(fields.segments.is_empty() && fields.speakers.is_empty());
        assert_eq!(fields.moments.len(), 1);
        assert_eq!(fields.duration, Some(0));

        let empty = map(json!({"call_id": "5"}));
        let fields = empty.fields.as_transcript().unwrap();
        assert!(fields.segments.is_empty() && fields.moments.is_empty());
        assert_eq!(fields.duration, None);
        assert_eq!(empty.id, "5");
    }
}
