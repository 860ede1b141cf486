//! The command line: global options, the subcommand list, and dispatch.

mod encryption;
mod export;
mod keys;
mod migrate;
mod report;
mod sandbox;
mod serve;
mod tenants;

use clap::{Parser, Subcommand, ValueEnum};
use tracing_subscriber::EnvFilter;

/// Patchbay: one unified API over your customers' Dialpad accounts.
#[derive(Debug, Parser)]
#[command(name = "patchbay", version, about, propagate_version = true)]
pub struct Cli {
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "PATCHBAY_LOG_FORMAT")]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
// Parsed once at startup: the size of `serve`'s arguments costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Run the gateway. With --sandbox: against an in-process Dialpad sandbox, with a demo
    /// tenant and connection, printing keys and curl commands to try.
    Serve(serve::ServeArgs),
    /// Run the Dialpad sandbox: a faithful local Dialpad API v2 (OAuth, API, events,
    /// rate limits, faults). Prints one JSON line starting with {"ready":true once it
    /// accepts connections.
    DialpadSandbox(sandbox::SandboxArgs),
    /// Apply pending database migrations and print what was applied.
    Migrate(migrate::MigrateArgs),
    /// Create and list tenants (our customers).
    Tenants(tenants::TenantsArgs),
    /// Create, list and revoke a tenant's secret keys.
    Keys(keys::KeysArgs),
    /// Generate encryption keys and re-encrypt stored secrets under the active key.
    Encryption(encryption::EncryptionArgs),
    /// Export every record of a model on one connection as NDJSON or CSV, with progress;
    /// `--resume` continues an interrupted export.
    Export(Box<export::ExportArgs>),
    /// Run a Dialpad report (a stats export) and write its CSV.
    Report(report::ReportArgs),
}

/// Logs go to stderr (stdout carries machine-readable output such as the ready line).
/// `RUST_LOG` filters; the default is `info`.
pub fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Errors a subcommand ends with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// A store failure; the message carries the cause, for the operator.
    #[error("{}", error_chain(.0))]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
    /// The gateway could not start (the message names the cause).
    #[error("{0}")]
    Serve(String),
    /// Something named on the command line does not exist (the message says how to find it).
    #[error("{0}")]
    NotFound(String),
    /// An export stopped (the message says why).
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    /// A report could not be made (the message says why).
    #[error("{0}")]
    Report(String),
}

/// `err` and its sources, `: `-separated (the store hides database details from HTTP
/// answers, but the operator at a terminal needs them).
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Serve(args) => serve::run(args).await,
        Command::DialpadSandbox(args) => sandbox::run(args).await,
        Command::Migrate(args) => migrate::run(args).await,
        Command::Tenants(args) => tenants::run(args).await,
        Command::Keys(args) => keys::run(args).await,
        Command::Encryption(args) => encryption::run(args).await,
        Command::Export(args) => export::run(*args).await,
        Command::Report(args) => report::run(args).await,
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
