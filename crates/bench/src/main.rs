//! `patchbay-bench`: reproducible figures. Each scenario starts the Dialpad sandbox and
//! the gateway itself, drives load with its own client, and prints a Markdown table of
//! figures and ratios against a baseline measured in the same run (paste it into
//! docs/PERFORMANCE.md). `cargo run --release -p patchbay-bench -- <scenario>`.

// A report on stdout and failures on stderr are this program's whole interface.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod harness;
mod load;
mod report;
mod scenarios;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "patchbay-bench", about)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    scenario: Scenario,
}

/// Settings every scenario shares.
#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// Seconds each load run is measured.
    #[arg(long, global = true, default_value = "5", value_parser = parse_secs)]
    duration: Duration,
    /// Seconds of unmeasured warm-up before each load run.
    #[arg(long, global = true, default_value = "1", value_parser = parse_secs)]
    warmup: Duration,
    /// Concurrent connections of the load client.
    #[arg(long, global = true, default_value_t = 64)]
    connections: usize,
    /// The gateway's database (`postgres://…`); a temporary SQLite file when unset.
    #[arg(long, global = true)]
    database: Option<String>,
    /// Concurrent requests of each refresh storm.
    #[arg(long, global = true, default_value_t = 500)]
    storm: usize,
    /// Calls of the large account in `export` (the small one has a tenth).
    #[arg(long, global = true, default_value_t = 100_000)]
    calls: u32,
    /// Events of the throughput run of `fanout`.
    #[arg(long, global = true, default_value_t = 10_000)]
    events: u64,
    /// Events per second of the steady run of `fanout`.
    #[arg(long, global = true, default_value_t = 500)]
    rate: u64,
    /// Seconds of the steady run of `fanout`.
    #[arg(long, global = true, default_value_t = 20)]
    steady_secs: u64,
    /// A PostgreSQL server (`fanout` makes a fresh database there; skipped if unreachable).
    #[arg(
        long,
        global = true,
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres: String,
}

fn parse_secs(s: &str) -> Result<Duration, String> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("`{s}` is not a number of seconds"))
}

#[derive(Debug, Clone, Subcommand)]
enum Scenario {
    /// Unified list and retrieve against the same Dialpad calls made directly.
    Resources,
    /// Concurrent requests on an expired token: every one answered, one grant.
    RefreshStorm,
    /// `patchbay export` of 100,000 calls: records/s and peak memory.
    Export,
    /// The raw proxy against direct calls and nginx: small and 1 MB responses.
    Proxy,
    /// Ingress to delivery: events/s and latency at a steady rate, SQLite and PostgreSQL.
    Fanout,
    /// Checked reliability campaigns: an export and a fan-out through 20% faults, then
    /// with `kill -9` at random points; fails on any lost (or duplicated) record.
    Reliability(scenarios::reliability::Args),
    /// Every performance scenario, one after the other.
    All,
}

/// `patchbay-bench patchbay ARGS…` runs the `patchbay` command line itself (the export
/// scenario's child process), so the harness needs no other binary.
fn embedded_patchbay() -> Option<ExitCode> {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_none_or(|a| a != "patchbay") {
        return None;
    }
    args.remove(0);
    let runtime = tokio::runtime::Runtime::new().ok()?;
    Some(runtime.block_on(async move {
        let Ok(invocation) = patchbay_gateway::cli::parse_from(args) else {
            return ExitCode::from(2);
        };
        patchbay_gateway::cli::init_tracing(invocation.cli.log_format, &invocation.cli.log);
        match patchbay_gateway::cli::run(invocation).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::FAILURE,
        }
    }))
}

fn main() -> ExitCode {
    let _ = rustls::crypto::ring::default_provider().install_default();
    if let Some(code) = embedded_patchbay() {
        return code;
    }
    let cli = Cli::parse();
    let Ok(runtime) = tokio::runtime::Runtime::new() else {
        return ExitCode::FAILURE;
    };
    runtime.block_on(async move {
        let scenarios = match cli.scenario {
            Scenario::All => vec![
                Scenario::Resources,
                Scenario::Proxy,
                Scenario::Fanout,
                Scenario::RefreshStorm,
                Scenario::Export,
            ],
            one => vec![one],
        };
        let mut out = format!(
            "## patchbay-bench ({} cores, {} s per run, {} connections)\n\n",
            std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            cli.common.duration.as_secs_f64(),
            cli.common.connections
        );
        for scenario in scenarios {
            let section = match scenario {
                Scenario::Resources => scenarios::resources::run(&cli.common).await,
                Scenario::RefreshStorm => scenarios::refresh_storm::run(&cli.common).await,
                Scenario::Export => scenarios::export::run(&cli.common).await,
                Scenario::Proxy => scenarios::proxy::run(&cli.common).await,
                Scenario::Fanout => scenarios::fanout::run(&cli.common).await,
                Scenario::Reliability(ref args) => {
                    scenarios::reliability::run(&cli.common, args).await
                }
                Scenario::All => Ok(String::new()),
            };
            match section {
                Ok(text) => {
                    out.push_str(&text);
                    out.push('\n');
                }
                Err(e) => {
                    eprintln!("patchbay-bench: {scenario:?} failed: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        print!("{out}");
        ExitCode::SUCCESS
    })
}
