//! `patchbay`: the Patchbay gateway binary. Subcommands run the gateway's parts;
//! this release ships the Dialpad sandbox.

mod cli;

use std::process::ExitCode;

use clap::Parser;

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
