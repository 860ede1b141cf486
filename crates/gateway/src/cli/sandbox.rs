//! `patchbay dialpad-sandbox`: runs the Dialpad sandbox standalone and prints its
//! ready line (URL, an admin API key, an OAuth app) on stdout.

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;
use patchbay_dialpad_sandbox::{Sandbox, SandboxConfig};

use super::{CliError, shutdown_signal};

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(
        long,
        default_value = "127.0.0.1:8089",
        env = "PATCHBAY_SANDBOX_LISTEN"
    )]
    pub listen: SocketAddr,
    /// Seed of the deterministic data set.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Concluded calls per company (contacts follow one to one; users, offices and
    /// call centers grow slowly): 5 is a handful, 100000 a large account.
    #[arg(long, default_value_t = 200)]
    pub size: u32,
    /// Number of companies (each gets an admin API key).
    #[arg(long, default_value_t = 2)]
    pub companies: u32,
    /// Page size of list endpoints.
    #[arg(long, default_value_t = 100)]
    pub page_size: usize,
    /// Page size of `GET /api/v2/call`.
    #[arg(long, default_value_t = 25)]
    pub call_page_size: usize,
    /// Turn Dialpad's rate limits off (they are on by default, as at Dialpad).
    #[arg(long)]
    pub no_rate_limits: bool,
    /// Lifetime of OAuth access tokens, in seconds.
    #[arg(long, default_value_t = 3600)]
    pub token_ttl_secs: u64,
    /// Time between two states of a simulated call, in milliseconds.
    #[arg(long, default_value_t = 200)]
    pub call_step_ms: u64,
    /// How long a stats request stays `processing`, in milliseconds.
    #[arg(long, default_value_t = 2000)]
    pub stats_processing_ms: u64,
}

impl SandboxArgs {
    fn config(&self) -> SandboxConfig {
        SandboxConfig {
            seed: self.seed,
            size: self.size,
            companies: self.companies.max(1),
            page_size: self.page_size.max(1),
            call_page_size: self.call_page_size.max(1),
            rate_limits: !self.no_rate_limits,
            token_ttl: Duration::from_secs(self.token_ttl_secs),
            call_step: Duration::from_millis(self.call_step_ms),
            stats_processing: Duration::from_millis(self.stats_processing_ms),
            ..SandboxConfig::default()
        }
    }
}

pub async fn run(args: SandboxArgs) -> Result<(), CliError> {
    let sandbox = Sandbox::start(args.config(), args.listen)
        .await
        .map_err(|source| CliError::Listen {
            addr: args.listen,
            source,
        })?;
    let line = serde_json::to_string(&sandbox.info()).map_err(std::io::Error::other)?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    tracing::info!(url = %sandbox.url(), size = args.size, "dialpad sandbox ready");
    shutdown_signal().await;
    tracing::info!("shutting down");
    sandbox.shutdown().await?;
    Ok(())
}
