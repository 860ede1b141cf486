//! `stats` exports: calls counted per user and day, per day, or per group (office
//! line or call center) and day; voicemails and recordings counted per user and day.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{CallRow, CsvWriter, Ctx, Minutes};
use crate::stats::request::GroupBy;
use crate::world::Outcome;

const TALLY: &str = concat!(
    "total_calls,inbound_calls,outbound_calls,answered_calls,missed_calls,",
    "voicemails,recorded_calls,total_talk_duration,avg_talk_duration",
);

/// Call counts of one row of a `stats` export.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    total: u64,
    inbound: u64,
    outbound: u64,
    answered: u64,
    missed: u64,
    voicemails: u64,
    recorded: u64,
    talk_ms: f64,
}

impl Tally {
    fn add(&mut self, c: &CallRow) {
        self.total += 1;
        if c.direction == "inbound" {
            self.inbound += 1;
        } else {
            self.outbound += 1;
        }
        match c.outcome {
            Outcome::Answered => {
                self.answered += 1;
                self.talk_ms += c.duration.unwrap_or(0.0);
            }
            Outcome::Missed => self.missed += 1,
            Outcome::Voicemail => self.voicemails += 1,
        }
        self.recorded += u64::from(c.was_recorded);
    }

    fn write(&self, w: &mut CsvWriter) {
        let avg = if self.answered == 0 {
            0.0
        } else {
            self.talk_ms / self.answered as f64
        };
        w.plain(self.total)
            .plain(self.inbound)
            .plain(self.outbound)
            .plain(self.answered)
            .plain(self.missed)
            .plain(self.voicemails)
            .plain(self.recorded)
            .plain(Minutes(self.talk_ms))
            .plain(Minutes(avg));
        w.end_row();
    }
}

pub(super) fn call_stats(ctx: &Ctx<'_>, group_by: Option<GroupBy>) -> String {
    match group_by.unwrap_or(GroupBy::User) {
        GroupBy::Date => {
            // Every day of the window, so a quiet day shows as zeros.
            let mut rows: BTreeMap<NaiveDate, Tally> = ctx
                .days
                .iter()
                .map(|(d, _)| (*d, Tally::default()))
                .collect();
            for c in ctx.calls() {
                rows.entry(ctx.day(c.date_started)).or_default().add(c);
            }
            let mut w = CsvWriter::with_header(&format!("date,{TALLY}"));
            for (date, tally) in &rows {
                w.plain(date);
                tally.write(&mut w);
            }
            w.finish()
        }
        GroupBy::User => {
            let mut rows: BTreeMap<(NaiveDate, i64), (&CallRow, Tally)> = BTreeMap::new();
            for c in ctx.calls() {
                let key = (ctx.day(c.date_started), c.user_id);
                rows.entry(key).or_insert((c, Tally::default())).1.add(c);
            }
            let columns = "date,target_type,target_id,name,email,office_id";
            let mut w = CsvWriter::with_header(&format!("{columns},{TALLY}"));
            for ((date, _), (c, tally)) in &rows {
                w.plain(date)
                    .text(ctx.text(c.target.kind))
                    .text(ctx.text(c.target.id))
                    .text(ctx.text(c.target.name))
                    .text(ctx.text(c.target.email))
                    .plain(c.office_id);
                tally.write(&mut w);
            }
            w.finish()
        }
        GroupBy::Group => {
            // An office's main line, or the call center a call came in through.
            let mut rows: BTreeMap<(NaiveDate, &'static str, i64), Tally> = BTreeMap::new();
            for c in ctx.calls() {
                let group = match c.call_center_id {
                    Some(id) => ("callcenter", id),
                    None => ("office", c.office_id),
                };
                let key = (ctx.day(c.date_started), group.0, group.1);
                rows.entry(key).or_default().add(c);
            }
            let columns = "date,group_type,group_id,name";
            let mut w = CsvWriter::with_header(&format!("{columns},{TALLY}"));
            for ((date, kind, id), tally) in &rows {
                let name = match *kind {
                    "callcenter" => ctx.snapshot.center_name(Some(*id)),
                    _ => ctx.snapshot.office_name(*id),
                };
                w.plain(date).text(kind).plain(id).text(name);
                tally.write(&mut w);
            }
            w.finish()
        }
    }
}

/// Per user and day: how many of something the calls carry, and their minutes.
pub(super) fn per_user(
    ctx: &Ctx<'_>,
    what: &'static str,
    of: impl Fn(&CallRow) -> Option<(u64, f64)>,
) -> String {
    let mut rows: BTreeMap<(NaiveDate, i64), (&CallRow, u64, f64)> = BTreeMap::new();
    for c in ctx.calls() {
        if let Some((n, ms)) = of(c) {
            let row = rows
                .entry((ctx.day(c.date_started), c.user_id))
                .or_insert((c, 0, 0.0));
            row.1 += n;
            row.2 += ms;
        }
    }
    let columns = format!("date,target_type,target_id,name,email,{what},total_duration");
    let mut w = CsvWriter::with_header(&columns);
    for ((date, _), (c, n, ms)) in &rows {
        w.plain(date)
            .text(ctx.text(c.target.kind))
            .text(ctx.text(c.target.id))
            .text(ctx.text(c.target.name))
            .text(ctx.text(c.target.email))
            .plain(n)
            .plain(Minutes(*ms));
        w.end_row();
    }
    w.finish()
}
