//! `patchbay healthcheck`: asks a running gateway's `/readyz` (or any URL) and exits 0
//! when it answers 2xx, 1 otherwise. For container health checks, where the runtime image
//! has no curl.

use std::time::Duration;

use super::CliError;

#[derive(Debug, clap::Args)]
pub struct HealthcheckArgs {
    /// What to ask.
    #[arg(
        long,
        env = "PATCHBAY_HEALTHCHECK_URL",
        default_value = "http://127.0.0.1:8080/readyz"
    )]
    pub url: url::Url,
    /// How long to wait for the answer, in seconds.
    #[arg(long, default_value_t = 5)]
    pub timeout_secs: u64,
}

pub async fn run(args: HealthcheckArgs) -> Result<(), CliError> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(args.timeout_secs.max(1)))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| CliError::Serve(e.to_string()))?;
    let answer = http
        .get(args.url.clone())
        .send()
        .await
        .map_err(|e| CliError::Unhealthy(format!("{}: {}", args.url, e.without_url())))?;
    if answer.status().is_success() {
        Ok(())
    } else {
        Err(CliError::Unhealthy(format!(
            "{} answered {}",
            args.url,
            answer.status()
        )))
    }
}
