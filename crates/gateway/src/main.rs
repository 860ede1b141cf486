//! `patchbay`: the Patchbay gateway binary; every subcommand lives in [`patchbay_gateway::cli`].

use std::process::ExitCode;

use clap::Parser;
use patchbay_gateway::cli;

#[tokio::main]
async fn main() -> ExitCode {
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
