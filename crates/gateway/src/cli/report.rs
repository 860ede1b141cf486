//! `patchbay report stats`: starts (or finds, inside Dialpad's cache window) a stats job as
//! the API does; with `--wait` polls it on the same schedule as the server's poller, with
//! a spinner, and writes the CSV to `--output` (or stdout). Without `--wait` it prints the
//! job as JSON, for a running gateway's poller to finish.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use patchbay_dialpad::reports::StatsRequest;

use super::CliError;
use super::export::Offline;
use super::migrate::print_stdout;
use crate::export::progress::Progress;
use crate::reports::stats::{self, JobView};
use crate::reports::{ReportsConfig, poller};
use crate::store::JobStatus;

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: ReportCommand,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Run a Dialpad stats export (see `POST /v1/reports/dialpad/stats` for the rules).
    Stats(Box<StatsArgs>),
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub target: Offline,
    /// `records` or `stats`.
    #[arg(long)]
    pub export_type: String,
    /// `calls`, `csat`, `dispositions`, `onduty`, `recordings`, `screenshare`, `texts`,
    /// `voicemails`.
    #[arg(long)]
    pub stat_type: String,
    /// Today so far.
    #[arg(long)]
    pub today: bool,
    /// One day (`YYYY-MM-DD`).
    #[arg(long)]
    pub date: Option<NaiveDate>,
    /// One day, counted back (1 = yesterday).
    #[arg(long)]
    pub days_ago: Option<i64>,
    /// First day of a range.
    #[arg(long)]
    pub from: Option<NaiveDate>,
    /// Last day of a range.
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// Most recent day of a range in days back.
    #[arg(long)]
    pub days_ago_start: Option<i64>,
    /// Oldest day of a range in days back.
    #[arg(long)]
    pub days_ago_end: Option<i64>,
    #[arg(long)]
    pub office_id: Option<i64>,
    #[arg(long)]
    pub target_type: Option<String>,
    #[arg(long)]
    pub target_id: Option<i64>,
    /// An IANA time zone (default UTC).
    #[arg(long)]
    pub timezone: Option<String>,
    #[arg(long)]
    pub group_by: Option<String>,
    /// Wait for the CSV and write it.
    #[arg(long)]
    pub wait: bool,
    /// Where the CSV goes (stdout when left out).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Give up waiting after this many seconds.
    #[arg(long, default_value_t = 1800)]
    pub timeout_secs: u64,
    /// The first status read, in ms after the request (Dialpad asks for 15 s).
    #[arg(long, default_value_t = 15_000, hide = true)]
    pub first_poll_ms: u64,
    /// The least time between two status reads, in ms (up to twice that, with jitter).
    #[arg(long, default_value_t = 5_000, hide = true)]
    pub poll_interval_ms: u64,
}

pub async fn run(args: ReportArgs) -> Result<(), CliError> {
    match args.command {
        ReportCommand::Stats(args) => stats_command(*args).await,
    }
}

fn request(args: &StatsArgs) -> StatsRequest {
    StatsRequest {
        export_type: Some(args.export_type.clone()),
        stat_type: Some(args.stat_type.clone()),
        today: args.today.then_some(true),
        date: args.date,
        days_ago: args.days_ago,
        from: args.from,
        to: args.to,
        days_ago_start: args.days_ago_start,
        days_ago_end: args.days_ago_end,
        office_id: args.office_id.map(Into::into),
        target_type: args.target_type.clone(),
        target_id: args.target_id.map(Into::into),
        timezone: args.timezone.clone(),
        group_by: args.group_by.clone(),
    }
}

async fn stats_command(args: StatsArgs) -> Result<(), CliError> {
    let interval = Duration::from_millis(args.poll_interval_ms);
    let config = ReportsConfig {
        first_poll: Duration::from_millis(args.first_poll_ms),
        poll_interval: (interval, interval * 2),
        tick: (interval / 4).clamp(Duration::from_millis(10), Duration::from_secs(1)),
        ..ReportsConfig::default()
    };
    let (state, tenant, selector) = args.target.open(config).await?;
    let fail = |e: crate::http::error::ApiError| CliError::Report(e.to_string());
    let (mut job, reused) = stats::create(&state, &tenant, &selector, &request(&args))
        .await
        .map_err(fail)?;
    if !args.wait {
        let view = JobView::of(&job, Some(reused)).map_err(fail)?;
        let text = serde_json::to_string(&view).map_err(std::io::Error::other)?;
        return print_stdout(&format!("{text}\n"));
    }
    let deadline = Instant::now() + Duration::from_secs(args.timeout_secs);
    let mut progress = Progress::new("stats job", false);
    loop {
        match job.status()? {
            JobStatus::Complete => break,
            JobStatus::Failed => {
                let reason = job.failure.unwrap_or_default();
                return Err(CliError::Report(format!("the stats job failed: {reason}")));
            }
            JobStatus::Expired => {
                return Err(CliError::Report(
                    "the stats job expired before it was read".into(),
                ));
            }
            status @ (JobStatus::Pending | JobStatus::Processing) => {
                if Instant::now() > deadline {
                    return Err(CliError::Report(format!(
                        "gave up after {} s; the job {} is still {status}",
                        args.timeout_secs, job.id
                    )));
                }
                progress.spin(status.as_str());
                tokio::time::sleep(state.reports.config.tick).await;
                poller::run_due(&state.store, &state.reports, &state.proxy.limiter).await?;
                job = state
                    .store
                    .report_job(&tenant, &job.id)
                    .await?
                    .ok_or_else(|| CliError::Report("the stats job vanished".into()))?;
            }
        }
    }
    let csv = stats::read_csv(&state, &job.id).await.map_err(fail)?;
    match &args.output {
        Some(path) => std::fs::write(path, &csv)?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&csv)?;
            out.flush()?;
        }
    }
    progress.finish(&format!(
        "stats job {} complete: {} bytes of CSV",
        job.id,
        csv.len()
    ));
    state.store.close().await;
    Ok(())
}
