//! `patchbay`: the Patchbay gateway binary; every subcommand lives in [`patchbay_gateway::cli`].

use std::process::ExitCode;

use patchbay_gateway::cli;

/// mimalloc: the request path allocates many small JSON strings and maps, which glibc's
/// allocator serves markedly slower under concurrency (measured by bench/resources.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // reqwest and sqlx use rustls with ring; pick it once for the process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let invocation = match cli::parse() {
        Ok(invocation) => invocation,
        Err(err) => {
            // Logging is not set up yet: the file may be what configures it.
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {err}");
            }
            return ExitCode::from(2);
        }
    };
    cli::init_tracing(invocation.cli.log_format, &invocation.cli.log);
    match cli::run(invocation).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "patchbay failed");
            ExitCode::FAILURE
        }
    }
}
