//! The CSV a completed request downloads, generated from the company's data when it
//! is downloaded, over the window fixed when the request was made. Times are UTC
//! ISO-8601; the `date` column is the local day in the request's time zone;
//! durations are minutes with two decimals. Stat types the sandbox has no data for
//! (csat, dispositions, onduty, screenshare, texts) download as a header alone.
//!
//! [`Snapshot::take`] copies what an export reads while the world is locked, and
//! [`render`] writes the CSV with no lock held: rendering 100k rows takes long
//! enough that a writer waiting behind it would park every new reader of the sandbox.

mod aggregate;
mod snapshot;

use std::fmt;

use chrono::{Datelike, NaiveDate, Timelike};

pub use snapshot::Snapshot;
use snapshot::{CallRow, Text};

use super::csv::CsvWriter;
use super::request::{ExportType, StatType, StatsQuery, Window};
use crate::world::Outcome;

const CALL_RECORDS: &str = concat!(
    "date_started,date,call_id,direction,category,target_type,target_id,",
    "name,email,external_number,internal_number,contact_id,contact_name,",
    "contact_type,date_connected,date_ended,ringing_duration,talk_duration,",
    "voicemail_duration,total_duration,was_recorded,voicemail_link,labels,",
    "office_id,office_name,call_center_id,call_center_name",
);
const VOICEMAIL_RECORDS: &str = concat!(
    "date_started,date,call_id,target_type,target_id,name,email,",
    "external_number,internal_number,contact_name,voicemail_duration,",
    "voicemail_link,office_id,call_center_id",
);
const RECORDING_RECORDS: &str = concat!(
    "date_started,date,call_id,recording_id,recording_type,target_type,",
    "target_id,name,email,external_number,recording_start,",
    "recording_duration,recording_url,office_id,call_center_id",
);

/// The CSV of `query` over `window`, from what `snapshot` copied.
pub fn render(snapshot: &Snapshot, query: &StatsQuery, window: &Window) -> String {
    let ctx = Ctx {
        snapshot,
        days: query.zone.days(window.from_ms, window.to_ms),
    };
    match (query.stat, query.export) {
        (StatType::Calls, ExportType::Records) => call_records(&ctx),
        (StatType::Calls, ExportType::Stats) => aggregate::call_stats(&ctx, query.group_by),
        (StatType::Voicemails, ExportType::Records) => voicemail_records(&ctx),
        (StatType::Recordings, ExportType::Records) => recording_records(&ctx),
        (StatType::Voicemails, ExportType::Stats) => aggregate::per_user(&ctx, "voicemails", |c| {
            (c.outcome == Outcome::Voicemail).then(|| (1, c.duration.unwrap_or(0.0)))
        }),
        (StatType::Recordings, ExportType::Stats) => aggregate::per_user(&ctx, "recordings", |c| {
            let (n, ms) = snapshot
                .recordings(c)
                .iter()
                .fold((0, 0.0), |(n, ms), r| (n + 1, ms + r.duration as f64));
            (n > 0).then_some((n, ms))
        }),
        (stat, export) => CsvWriter::with_header(empty_header(stat, export)).finish(),
    }
}

/// Columns of the exports the sandbox has no data for.
fn empty_header(stat: StatType, export: ExportType) -> &'static str {
    use ExportType::{Records, Stats};
    match (stat, export) {
        (StatType::Csat, _) => concat!(
            "date_started,date,call_id,target_type,target_id,name,external_number,",
            "survey_name,question,score,comment",
        ),
        (StatType::Dispositions, _) => concat!(
            "date_started,date,call_id,target_type,target_id,name,external_number,",
            "disposition,notes",
        ),
        (StatType::Onduty, Records) => {
            "date,target_type,target_id,name,email,status,date_started,date_ended,duration"
        }
        (StatType::Onduty, Stats) => concat!(
            "date,target_type,target_id,name,email,on_duty_duration,off_duty_duration,",
            "occupancy",
        ),
        (StatType::Texts, Records) => concat!(
            "date_sent,date,message_id,direction,target_type,target_id,name,from_phone,",
            "to_phone,message_status",
        ),
        (StatType::Texts, Stats) => {
            "date,target_type,target_id,name,email,texts_sent,texts_received"
        }
        (StatType::Screenshare, Records) => {
            "date_started,date,session_id,target_type,target_id,name,email,duration"
        }
        (StatType::Screenshare, Stats) => {
            "date,target_type,target_id,name,email,sessions,total_duration"
        }
        // Rendered from data; never reached.
        (StatType::Calls | StatType::Voicemails | StatType::Recordings, _) => "",
    }
}

struct Ctx<'a> {
    snapshot: &'a Snapshot,
    /// Local days of the window with the UTC instant each starts.
    days: Vec<(NaiveDate, i64)>,
}

impl<'a> Ctx<'a> {
    /// The snapshot's calls (started in the window and in scope), oldest first.
    fn calls(&self) -> std::slice::Iter<'a, CallRow> {
        self.snapshot.calls.iter()
    }

    fn text(&self, t: Text) -> &'a str {
        self.snapshot.text(t)
    }

    /// The local day a call started on.
    fn day(&self, ms: i64) -> NaiveDate {
        let i = self.days.partition_point(|(_, start)| *start <= ms);
        self.days
            .get(i.saturating_sub(1))
            .map(|d| d.0)
            .unwrap_or_default()
    }
}

/// UTC ISO-8601 with milliseconds.
struct Iso(i64);

impl fmt::Display for Iso {
    // By hand: chrono's `format` re-parses its pattern for every one of 100k rows.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(t) = chrono::DateTime::from_timestamp_millis(self.0) else {
            return Ok(());
        };
        let (d, time) = (t.date_naive(), t.time());
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            d.year(),
            d.month(),
            d.day(),
            time.hour(),
            time.minute(),
            time.second(),
            self.0.rem_euclid(1000)
        )
    }
}

/// Milliseconds shown as minutes with two decimals.
struct Minutes(f64);

impl fmt::Display for Minutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0 / 60_000.0)
    }
}

fn category(call: &CallRow) -> &'static str {
    match call.outcome {
        Outcome::Answered => "answered",
        Outcome::Missed => "missed",
        Outcome::Voicemail => "voicemail",
    }
}

fn call_records(ctx: &Ctx<'_>) -> String {
    let mut w = CsvWriter::with_header(CALL_RECORDS);
    for c in ctx.calls() {
        let duration = c.duration.unwrap_or(0.0);
        let rang = c.date_rang.unwrap_or(c.date_started);
        let ended = c.date_ended.unwrap_or(rang);
        let (talk, voicemail) = match c.outcome {
            Outcome::Answered => (duration, 0.0),
            Outcome::Voicemail => (0.0, duration),
            Outcome::Missed => (0.0, 0.0),
        };
        w.plain(Iso(c.date_started))
            .plain(ctx.day(c.date_started))
            .plain(c.call_id)
            .text(c.direction)
            .text(category(c))
            .text(ctx.text(c.target.kind))
            .text(ctx.text(c.target.id))
            .text(ctx.text(c.target.name))
            .text(ctx.text(c.target.email))
            .text(ctx.text(c.external_number))
            .text(ctx.text(c.internal_number))
            .text(ctx.text(c.contact.id))
            .text(ctx.text(c.contact.name))
            .text(ctx.text(c.contact.kind))
            .opt(c.date_connected.map(Iso))
            .opt(c.date_ended.map(Iso))
            .plain(Minutes((ended - rang) as f64 - duration))
            .plain(Minutes(talk))
            .plain(Minutes(voicemail))
            .plain(Minutes(c.total_duration.unwrap_or(0.0)))
            .plain(c.was_recorded)
            .text(ctx.text(c.voicemail_link))
            .text(ctx.text(c.labels))
            .plain(c.office_id)
            .text(ctx.snapshot.office_name(c.office_id))
            .opt(c.call_center_id)
            .text(ctx.snapshot.center_name(c.call_center_id));
        w.end_row();
    }
    w.finish()
}

fn voicemail_records(ctx: &Ctx<'_>) -> String {
    let mut w = CsvWriter::with_header(VOICEMAIL_RECORDS);
    for c in ctx.calls().filter(|c| c.outcome == Outcome::Voicemail) {
        w.plain(Iso(c.date_started))
            .plain(ctx.day(c.date_started))
            .plain(c.call_id)
            .text(ctx.text(c.target.kind))
            .text(ctx.text(c.target.id))
            .text(ctx.text(c.target.name))
            .text(ctx.text(c.target.email))
            .text(ctx.text(c.external_number))
            .text(ctx.text(c.internal_number))
            .text(ctx.text(c.contact.name))
            .plain(Minutes(c.duration.unwrap_or(0.0)))
            .text(ctx.text(c.voicemail_link))
            .plain(c.office_id)
            .opt(c.call_center_id);
        w.end_row();
    }
    w.finish()
}

fn recording_records(ctx: &Ctx<'_>) -> String {
    let mut w = CsvWriter::with_header(RECORDING_RECORDS);
    for c in ctx.calls() {
        for r in ctx.snapshot.recordings(c) {
            w.plain(Iso(c.date_started))
                .plain(ctx.day(c.date_started))
                .plain(c.call_id)
                .text(ctx.text(r.id))
                .text(r.recording_type)
                .text(ctx.text(c.target.kind))
                .text(ctx.text(c.target.id))
                .text(ctx.text(c.target.name))
                .text(ctx.text(c.target.email))
                .text(ctx.text(c.external_number))
                .plain(Iso(r.start_time))
                .plain(Minutes(r.duration as f64))
                .text(ctx.text(r.url))
                .plain(c.office_id)
                .opt(c.call_center_id);
            w.end_row();
        }
    }
    w.finish()
}
