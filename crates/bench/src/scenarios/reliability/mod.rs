//! `reliability`: campaigns whose numbers are checked, not eyeballed. An export and a
//! fan-out through injected faults, then the same with `kill -9` at random points; each
//! ends by counting every id, and any loss (or a duplicate where exactly-once is owed)
//! fails the run.

mod crash;
mod export;
mod fanout;
mod receiver;

use std::time::Duration;

use crate::Common;
use crate::harness::Error;
use crate::report::Table;

/// Sizes and knobs of the campaigns.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Calls in the sandbox for the export through faults.
    #[arg(long, default_value_t = 20_000)]
    pub export_calls: u32,
    /// Events of the fan-out through a faulty receiver.
    #[arg(long, default_value_t = 10_000)]
    pub fault_events: usize,
    /// Share of requests hit by a fault (sandbox calls route, and the receiver).
    #[arg(long, default_value_t = 0.2)]
    pub fault_rate: f64,
    /// `kill -9`s per crash campaign.
    #[arg(long, default_value_t = 3)]
    pub kills: u32,
    /// Calls in the sandbox for the export killed and resumed.
    #[arg(long, default_value_t = 5_000)]
    pub crash_calls: u32,
    /// Events of the fan-out whose gateway is killed.
    #[arg(long, default_value_t = 3_000)]
    pub crash_events: usize,
    /// Seed of the random choices (faults at the receiver, kill points); printed.
    #[arg(long)]
    pub seed: Option<u64>,
}

/// One campaign's checked result.
#[derive(Debug)]
pub struct Outcome {
    pub campaign: &'static str,
    pub expected: usize,
    /// Records written or 2xx deliveries accepted, duplicates included.
    pub received: u64,
    pub distinct: usize,
    /// Expected ids never seen.
    pub missing: usize,
    /// Ids seen that were not expected.
    pub unexpected: usize,
    /// Whether a duplicate is a failure (exports) or allowed (at-least-once delivery).
    pub exactly_once: bool,
    pub faults: String,
    /// Runs, restarts or resumes it took.
    pub recoveries: String,
    pub secs: f64,
}

impl Outcome {
    fn duplicates(&self) -> u64 {
        self.received.saturating_sub(self.distinct as u64)
    }

    /// What is wrong, if anything.
    fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.missing > 0 {
            out.push(format!("{}: {} ids lost", self.campaign, self.missing));
        }
        if self.unexpected > 0 {
            out.push(format!(
                "{}: {} unknown ids",
                self.campaign, self.unexpected
            ));
        }
        if self.exactly_once && self.duplicates() > 0 {
            out.push(format!(
                "{}: {} duplicate records",
                self.campaign,
                self.duplicates()
            ));
        }
        out
    }
}

pub async fn run(common: &Common, args: &Args) -> Result<String, Error> {
    let seed = args.seed.unwrap_or_else(|| {
        chrono::Utc::now()
            .timestamp_nanos_opt()
            .unwrap_or_default()
            .unsigned_abs()
    });
    let mut rng = Rng::new(seed);
    let mut outcomes = Vec::new();
    let mut problems = Vec::new();
    for part in 0..4 {
        let outcome = match part {
            0 => export::through_faults(common, args).await,
            1 => fanout::through_faults(common, args, rng.next()).await,
            2 => export::killed_and_resumed(common, args, &mut rng).await,
            _ => crash::fan_out_killed(common, args, &mut rng).await,
        };
        match outcome {
            Ok(o) => {
                problems.extend(o.problems());
                outcomes.push(o);
            }
            Err(e) => problems.push(format!("campaign {part} could not run: {e}")),
        }
    }
    let mut table = Table::new(&[
        "campaign",
        "expected ids",
        "received",
        "distinct",
        "missing",
        "duplicates",
        "faults",
        "recoveries",
        "seconds",
        "verdict",
    ]);
    for o in &outcomes {
        let ok = o.problems().is_empty();
        table.row(vec![
            o.campaign.to_owned(),
            o.expected.to_string(),
            o.received.to_string(),
            o.distinct.to_string(),
            o.missing.to_string(),
            o.duplicates().to_string(),
            o.faults.clone(),
            o.recoveries.clone(),
            format!("{:.1}", o.secs),
            if ok { "ok" } else { "FAILED" }.to_owned(),
        ]);
    }
    let text = format!(
        "### reliability\n\nSeed {seed}; fault rate {:.0}%; database {}. Exports must hold \
         every call exactly once; fan-outs every event at least once (duplicates counted):\n\n{}",
        args.fault_rate * 100.0,
        if common.database.is_some() {
            "PostgreSQL"
        } else {
            "SQLite file"
        },
        table.render()
    );
    if problems.is_empty() {
        Ok(text)
    } else {
        eprintln!("{text}");
        Err(problems.join("; ").into())
    }
}

/// xorshift64*: reproducible from the printed seed, and no dependency for it.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1_u64 << 53) as f64) < p
    }
}

/// Polls `check` every 20 ms until it answers `Some`, or fails after `within` (with
/// `what` in the message).
pub async fn poll<T>(
    within: Duration,
    what: &str,
    mut check: impl FnMut() -> Option<T>,
) -> Result<T, Error> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(v) = check() {
            return Ok(v);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("timed out after {within:?} waiting for {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
