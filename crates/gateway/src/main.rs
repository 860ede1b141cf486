//! `patchbay`: the Patchbay gateway binary; every subcommand lives in [`patchbay_gateway::cli`].

use std::process::ExitCode;

use clap::Parser;
use patchbay_gateway::cli;

/// mimalloc: the request path allocates many small JSON strings and maps, which glibc's
/// allocator serves markedly slower under concurrency (measured by bench/resources.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // reqwest and sqlx use rustls with ring; pick it once for the process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args = cli::Cli::parse();
    cli::init_tracing(args.log_format);
    match cli::run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "patchbay failed");
            ExitCode::FAILURE
        }
    }
}
