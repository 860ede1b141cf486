//! `patchbay export`: every record of a model on one connection, streamed to a file (or
//! stdout) as NDJSON or CSV, with progress on stderr and `--resume` after an interruption.
//! It runs the gateway's own code against the database and Dialpad, no server needed;
//! [`Offline`] (shared with `patchbay report`) builds that state.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;
use patchbay_core::{Connector, ModelId};
use patchbay_dialpad::{DialpadConfig, DialpadConnector};

use super::CliError;
use super::migrate::open_migrated;
use crate::app::{AppConfig, AppState};
use crate::config::{DatabaseArgs, keyring_from_env};
use crate::export::progress::Progress;
use crate::export::{self, ExportOptions, Format};
use crate::registry::Connectors;
use crate::reports::{Reports, ReportsConfig};
use crate::store::TenantId;
use crate::unified::target::Selector;

/// The connection a command works on, and how to reach it.
#[derive(Debug, Args)]
pub struct Offline {
    /// The connection, `CONNECTOR/OWNER` (e.g. `dialpad/acme`).
    #[arg(long)]
    pub connection: String,
    /// The tenant owning the connection; may be left out when there is only one.
    #[arg(long)]
    pub tenant: Option<String>,
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Dialpad's base URL.
    #[arg(
        long,
        env = "PATCHBAY_DIALPAD_BASE_URL",
        default_value = "https://dialpad.com"
    )]
    pub dialpad_base_url: url::Url,
}

impl Offline {
    /// The gateway's state over the configured database (PATCHBAY_ENCRYPTION_KEY opens
    /// the credentials), the tenant and the connection.
    pub async fn open(
        &self,
        reports: ReportsConfig,
    ) -> Result<(AppState, TenantId, Selector), CliError> {
        let (connector_id, owner_id) = self.connection.split_once('/').ok_or_else(|| {
            CliError::NotFound(format!(
                "--connection `{}` is not CONNECTOR/OWNER, e.g. dialpad/acme",
                self.connection
            ))
        })?;
        let keyring = keyring_from_env()?;
        let cursor_key = keyring.derive_key(b"patchbay/cursors/v1");
        let store = open_migrated(&self.db, Some(keyring)).await?;
        let tenant = match &self.tenant {
            Some(id) => id
                .parse::<TenantId>()
                .map_err(|e| CliError::NotFound(e.to_string()))?,
            None => {
                let tenants = store.list_tenants().await?;
                match tenants.as_slice() {
                    [only] => only.id.clone(),
                    _ => {
                        return Err(CliError::NotFound(format!(
                            "there are {} tenants: choose one with --tenant (patchbay tenants list)",
                            tenants.len()
                        )));
                    }
                }
            }
        };
        let dialpad = DialpadConnector::new(DialpadConfig {
            base_url: self.dialpad_base_url.clone(),
            ..DialpadConfig::default()
        })
        .map_err(|e| CliError::Serve(e.to_string()))?;
        let reports = Reports::new(dialpad.clone(), reports);
        let webhooks = crate::webhooks::Webhooks::new(
            crate::webhooks::WebhooksConfig::default(),
            dialpad.clone(),
        )
        .map_err(|e| CliError::Serve(e.to_string()))?;
        let connectors =
            Connectors::new([std::sync::Arc::new(dialpad) as std::sync::Arc<dyn Connector>]);
        let state = AppState::new(
            store,
            connectors,
            reports,
            cursor_key,
            AppConfig::default(),
            webhooks,
        );
        let selector = Selector::new(connector_id, owner_id);
        Ok((state, tenant, selector))
    }
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub target: Offline,
    /// The unified model (`telephonyCall`, `genericContact`, ...).
    #[arg(long)]
    pub model: String,
    /// Only records from this day on (`YYYY-MM-DD`, UTC): calls and transcripts.
    #[arg(long)]
    pub since: Option<NaiveDate>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Ndjson)]
    pub format: Format,
    /// The output file (stdout when left out).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Continue an interrupted export to --output after its last completed page.
    #[arg(long)]
    pub resume: bool,
    /// No progress on stderr.
    #[arg(long)]
    pub quiet: bool,
}

pub async fn run(args: ExportArgs) -> Result<(), CliError> {
    let model = args
        .model
        .parse::<ModelId>()
        .map_err(|e| CliError::NotFound(e.to_string()))?;
    let (state, tenant, selector) = args.target.open(ReportsConfig::default()).await?;
    let options = ExportOptions {
        tenant,
        selector,
        model,
        since: args.since,
        format: args.format,
        output: args.output,
        resume: args.resume,
    };
    let mut progress = Progress::new("records", args.quiet);
    let result = export::run(&state, &options, &mut progress).await;
    state.store.close().await;
    result.map(drop).map_err(CliError::from)
}
