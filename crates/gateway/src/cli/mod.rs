//! The command line: global options, the subcommand list, and dispatch.

mod config;
mod encryption;
mod export;
mod healthcheck;
mod keys;
pub mod layers;
mod migrate;
mod receiver;
mod report;
mod sandbox;
mod serve;
mod tenants;

use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use tracing_subscriber::EnvFilter;

/// Patchbay: one unified API over your customers' Dialpad accounts.
#[derive(Debug, Parser)]
#[command(name = "patchbay", version, about, propagate_version = true)]
pub struct Cli {
    /// The configuration file (TOML; keys are the PATCHBAY_* variables' names without the
    /// prefix, lower-cased). Default: patchbay.toml in the working directory, if present.
    #[arg(long, global = true, env = layers::CONFIG_VAR)]
    pub config: Option<PathBuf>,
    /// Which logs to write: a tracing filter such as `info` or `patchbay_gateway=debug,info`
    /// (RUST_LOG, when set, wins).
    #[arg(long, global = true, default_value = "info", env = "PATCHBAY_LOG")]
    pub log: String,
    /// Log format on stderr: human-readable text, or one JSON object per line.
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
    Serve(Box<serve::ServeArgs>),
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
    /// Check and print the effective configuration (secrets redacted).
    Config(config::ConfigArgs),
    /// A local webhook endpoint for trying webhooks: prints each delivery (and whether its
    /// signature verifies with --secret) as one JSON line.
    WebhookReceiver(receiver::ReceiverArgs),
    /// Exit 0 when a running gateway is ready (GET /readyz answers 2xx); for containers.
    Healthcheck(healthcheck::HealthcheckArgs),
}

/// The command line, parsed over the configuration file (see [`layers`]).
#[derive(Debug)]
pub struct Invocation {
    /// What was asked.
    pub cli: Cli,
    /// The raw parse, with where each value came from.
    pub layered: layers::Layered,
}

/// Parses the process's arguments over the configuration file. A file problem is an
/// error; a command-line problem exits the way clap does (usage, code 2).
pub fn parse() -> Result<Invocation, layers::LayerError> {
    parse_from(std::env::args_os().collect())
}

/// [`parse`] over `args` (the first is the program name), for programs that embed the
/// command line (the benchmark harness runs `patchbay export` in a child this way).
pub fn parse_from(args: Vec<std::ffi::OsString>) -> Result<Invocation, layers::LayerError> {
    let layered = match layers::parse(Cli::command(), args, std::env::var_os(layers::CONFIG_VAR))? {
        Ok(layered) => layered,
        Err(e) => e.exit(),
    };
    let mut matches = layered.matches.clone();
    match Cli::from_arg_matches_mut(&mut matches) {
        Ok(cli) => Ok(Invocation { cli, layered }),
        Err(e) => e.exit(),
    }
}

/// Logs go to stderr (stdout carries machine-readable output such as the ready line).
/// `RUST_LOG` filters when set, else `filter` (`--log`, `PATCHBAY_LOG`, `log` in the file).
pub fn init_tracing(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    match format {
        LogFormat::Text if ansi => builder.init(),
        // Not a terminal: fields as `name=value` with no styling at all. The default
        // formatter runs even unstyled text through its styling code, for every field of
        // every request's span (a measurable share of a proxied call).
        LogFormat::Text => builder.fmt_fields(plain_fields()).init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Fields as the default formatter writes them without colours: `message` bare, the
/// others `name=value`, space-separated, `log.*` (the log crate's metadata) left out.
fn plain_fields() -> impl for<'w> tracing_subscriber::fmt::FormatFields<'w> + Send + Sync + 'static
{
    use tracing_subscriber::field::MakeExt as _;
    tracing_subscriber::fmt::format::debug_fn(|writer, field, value| {
        let name = field.name();
        if name == "message" {
            write!(writer, "{value:?}")
        } else if name.starts_with("log.") {
            Ok(())
        } else {
            write!(writer, "{name}={value:?}")
        }
    })
    .delimited(" ")
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
    /// A health check failed (the message says what answered what).
    #[error("not healthy: {0}")]
    Unhealthy(String),
    /// The configuration is invalid (the message names each setting and its fix).
    #[error("invalid configuration:\n{0}")]
    Invalid(String),
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

pub async fn run(invocation: Invocation) -> Result<(), CliError> {
    let Invocation { cli, layered } = invocation;
    match cli.command {
        Command::Config(args) => config::run(&args, &layered),
        Command::Healthcheck(args) => healthcheck::run(args).await,
        Command::WebhookReceiver(args) => receiver::run(args).await,
        Command::Serve(args) => serve::run(*args).await,
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
