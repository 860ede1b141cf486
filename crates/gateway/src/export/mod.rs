//! Bulk export: every record of a model on one connection, in the unified shape, page by
//! page through the same [`unified::list`] the API serves (so mapping, custom fields and
//! cursors are the API's), written as NDJSON or CSV. Memory holds one page at a time.
//! After each page the output is flushed and the resume point saved ([`state`]); a page
//! that fails with a 429 or a provider outage is tried again with backoff.

pub mod progress;
pub mod state;

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Seek as _, SeekFrom, Write};
use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;
use patchbay_core::{ErrorCode, ModelId, field_specs};
use serde_json::Value;

use self::progress::Progress;
use self::state::ExportState;
use crate::app::AppState;
use crate::http::error::ApiError;
use crate::store::TenantId;
use crate::unified::{self, RenderedPage, query::RawOptions, target::Selector};

/// Records asked per page (the unified API's largest page).
const PAGE: &str = "100";
/// Attempts at one page before giving up.
const PAGE_ATTEMPTS: u32 = 8;
/// The first wait after a failed page; doubled each time, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON resource per line.
    Ndjson,
    /// A header, then one record per resource: `id`, `createdAt`, `updatedAt`, then the
    /// model's fields (lists `;`-joined, objects as JSON).
    Csv,
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub tenant: TenantId,
    pub selector: Selector,
    pub model: ModelId,
    /// Only records from this day on (UTC), for models with a `startedAfter` filter.
    pub since: Option<NaiveDate>,
    pub format: Format,
    /// The output file; stdout when `None`.
    pub output: Option<PathBuf>,
    /// Continue an interrupted export to `output`.
    pub resume: bool,
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The output or its state could not be written.
    #[error("i/o error: {0}")]
    Io(#[from] io::Error),
    /// The gateway refused a page (after retries, for transient failures).
    #[error("{}: {}", .0.error_code(), .0.body().message)]
    Api(ApiError),
    /// The arguments do not make an export (the message says why).
    #[error("{0}")]
    Invalid(String),
}

/// Runs the export; answers how many records were written in all.
pub async fn run(
    state: &AppState,
    options: &ExportOptions,
    progress: &mut Progress,
) -> Result<u64, ExportError> {
    let filters = since_filter(options)?;
    let job = format!(
        "{}|{}/{}|{}|{:?}|{:?}",
        options.tenant,
        options.selector.connector_id,
        options.selector.owner_id,
        options.model,
        options.format,
        options.since
    );
    let (mut out, state_path, mut resume) = open(options, &job)?;
    let mut records = resume.records;
    while !resume.done {
        let raw = RawOptions {
            limit: Some(PAGE.to_owned()),
            cursor: resume.cursor.clone(),
            filters: filters.clone(),
            ..RawOptions::default()
        };
        let page = page_with_retry(state, options, raw).await?;
        let written = page.data.len() as u64;
        write_page(&mut out, options, page.data)?;
        out.flush()?;
        records += written;
        resume = ExportState {
            job: job.clone(),
            done: page.next.is_none(),
            cursor: page.next,
            offset: out.position()?,
            records,
        };
        if let Some(path) = &state_path {
            resume.save(path)?;
        }
        progress.count(records);
    }
    if let Some(path) = &state_path {
        // Done: nothing left to resume.
        std::fs::remove_file(path)?;
    }
    progress.finish(&format!(
        "exported {records} records ({:.0}/s)",
        progress.rate(records)
    ));
    Ok(records)
}

/// `--since` as the `startedAfter` filter, for models that have it.
fn since_filter(options: &ExportOptions) -> Result<Vec<(String, String)>, ExportError> {
    let Some(day) = options.since else {
        return Ok(Vec::new());
    };
    match options.model {
        ModelId::TelephonyCall | ModelId::TelephonyCallTranscript => Ok(vec![(
            "startedAfter".to_owned(),
            format!("{day}T00:00:00Z"),
        )]),
        other => Err(ExportError::Invalid(format!(
            "--since filters calls and transcripts by start time; {other} has no such filter"
        ))),
    }
}

/// The output, positioned where the next page goes, with its state file and resume point.
fn open(
    options: &ExportOptions,
    job: &str,
) -> Result<(Output, Option<PathBuf>, ExportState), ExportError> {
    let fresh = ExportState {
        job: job.to_owned(),
        cursor: None,
        offset: 0,
        records: 0,
        done: false,
    };
    let Some(path) = &options.output else {
        if options.resume {
            return Err(ExportError::Invalid("--resume needs --output".into()));
        }
        let mut out = Output::Stdout(BufWriter::new(io::stdout()), 0);
        write_header(&mut out, options)?;
        return Ok((out, None, fresh));
    };
    let state_path = state::path_for(path);
    if options.resume {
        let saved = ExportState::load(&state_path)?.ok_or_else(|| {
            ExportError::Invalid(format!(
                "nothing to resume: {} does not exist (the export finished, or never started)",
                state_path.display()
            ))
        })?;
        if saved.job != job {
            return Err(ExportError::Invalid(
                "the interrupted export was of another tenant, connection, model, format or \
                 --since; resume it with the same arguments"
                    .into(),
            ));
        }
        let mut file = OpenOptions::new().write(true).open(path)?;
        // Whatever was written after the last completed page goes.
        file.set_len(saved.offset)?;
        file.seek(SeekFrom::End(0))?;
        return Ok((Output::File(BufWriter::new(file)), Some(state_path), saved));
    }
    let file = File::create(path)?;
    let mut out = Output::File(BufWriter::new(file));
    write_header(&mut out, options)?;
    out.flush()?;
    let fresh = ExportState {
        offset: out.position()?,
        ..fresh
    };
    fresh.save(&state_path)?;
    Ok((out, Some(state_path), fresh))
}

/// One page, tried again after 429s and provider failures (the connector has already
/// retried each request; this rides out longer outages).
async fn page_with_retry(
    state: &AppState,
    options: &ExportOptions,
    raw: RawOptions,
) -> Result<RenderedPage, ExportError> {
    let mut wait = FIRST_BACKOFF;
    for attempt in 1..=PAGE_ATTEMPTS {
        match unified::list(
            state,
            &options.tenant,
            &options.selector,
            options.model,
            raw.clone(),
        )
        .await
        {
            Ok(page) => return Ok(page),
            Err(error) if attempt < PAGE_ATTEMPTS && transient(&error) => {
                let pause = error.retry_after().map_or(wait, |asked| asked.max(wait));
                tracing::warn!(attempt, wait_ms = pause.as_millis() as u64, error = %error, "a page failed; trying it again");
                tokio::time::sleep(pause).await;
                wait = (wait * 2).min(MAX_BACKOFF);
            }
            Err(error) => return Err(ExportError::Api(error)),
        }
    }
    Err(ExportError::Invalid("no attempt was made".into()))
}

fn transient(error: &ApiError) -> bool {
    matches!(
        error.error_code(),
        ErrorCode::UpstreamRateLimited
            | ErrorCode::UpstreamUnavailable
            | ErrorCode::UpstreamTimeout
            | ErrorCode::UpstreamError
    )
}

fn columns(model: ModelId) -> impl Iterator<Item = &'static str> {
    ["id", "createdAt", "updatedAt"]
        .into_iter()
        .chain(field_specs(model).iter().map(|f| f.key))
}

fn write_header(out: &mut Output, options: &ExportOptions) -> io::Result<()> {
    match options.format {
        Format::Ndjson => Ok(()),
        Format::Csv => crate::csv::write_record(out, columns(options.model)),
    }
}

fn write_page(
    out: &mut Output,
    options: &ExportOptions,
    data: Vec<unified::Rendered>,
) -> Result<(), ExportError> {
    for item in data {
        match options.format {
            Format::Ndjson => {
                serde_json::to_writer(&mut *out, &item).map_err(io::Error::other)?;
                out.write_all(b"\n")?;
            }
            Format::Csv => {
                let value = serde_json::to_value(&item).map_err(io::Error::other)?;
                let cells = columns(options.model).map(|key| {
                    let v = match key {
                        "id" | "createdAt" | "updatedAt" => value.get(key),
                        field => value.get("fields").and_then(|f| f.get(field)),
                    };
                    v.map_or_else(String::new, cell)
                });
                crate::csv::write_record(out, cells)?;
            }
        }
    }
    Ok(())
}

/// A value as a CSV cell: scalars as text, lists of scalars `;`-joined, anything else JSON.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(|v| !v.is_object() && !v.is_array()) => {
            items.iter().map(cell).collect::<Vec<_>>().join(";")
        }
        other => other.to_string(),
    }
}

/// Where records go, and how far the output reaches.
enum Output {
    File(BufWriter<File>),
    Stdout(BufWriter<io::Stdout>, u64),
}

impl Output {
    /// Bytes written so far (flushed first).
    fn position(&mut self) -> io::Result<u64> {
        match self {
            Output::File(w) => {
                w.flush()?;
                w.get_mut().stream_position()
            }
            Output::Stdout(_, n) => Ok(*n),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::File(w) => w.write(buf),
            Output::Stdout(w, n) => {
                let written = w.write(buf)?;
                *n += written as u64;
                Ok(written)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::File(w) => w.flush(),
            Output::Stdout(w, _) => w.flush(),
        }
    }
}
