//! Reports over Dialpad: stats jobs (made, deduplicated and stored by [`stats`], driven to
//! completion by the [`poller`]) and the call-center structure flattened to rows
//! ([`callcenters`]). Timing is configurable and the clock injectable, so tests run fast.
//!
//! Who may run a report: the tenant's own connection, authorized, to `dialpad`, granted
//! the unified operation that reads the same data (see [`Grant`]).

pub mod callcenters;
pub mod poller;
pub mod stats;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use patchbay_core::{ErrorCode, ModelId, Operation, OperationKind};
use patchbay_dialpad::DialpadConnector;

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::store::TenantId;
use crate::unified::target::{Selector, Target, resolve};

/// What time it is, for job windows and poll schedules.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now.
    fn now(&self) -> DateTime<Utc>;

    /// Now in epoch milliseconds.
    fn now_ms(&self) -> i64 {
        self.now().timestamp_millis()
    }
}

/// The system clock, optionally moved forward (tests move it past a cache window).
#[derive(Debug, Default)]
pub struct SystemClock {
    offset_ms: AtomicI64,
}

impl SystemClock {
    /// Moves this clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }
}

/// Timing of stats jobs.
#[derive(Debug, Clone)]
pub struct ReportsConfig {
    /// The first status read comes no sooner than this after the POST (Dialpad: 15 s).
    pub first_poll: Duration,
    /// Later reads come a random time in this range after the previous one (5-10 s).
    pub poll_interval: (Duration, Duration),
    /// Identical `today` requests share a job this long (Dialpad's cache: 30 minutes).
    pub today_window: Duration,
    /// Identical days-back requests share a job this long (Dialpad's cache: 3 hours).
    pub days_ago_window: Duration,
    /// How long a poller holds a claimed job before another may take it over.
    pub lease: Duration,
    /// How often the poller looks for due jobs.
    pub tick: Duration,
    /// The clock.
    pub clock: Arc<dyn Clock>,
}

impl Default for ReportsConfig {
    fn default() -> Self {
        Self {
            first_poll: Duration::from_secs(15),
            poll_interval: (Duration::from_secs(5), Duration::from_secs(10)),
            today_window: Duration::from_secs(30 * 60),
            days_ago_window: Duration::from_secs(3 * 3600),
            lease: Duration::from_secs(120),
            tick: Duration::from_secs(1),
            clock: Arc::new(SystemClock::default()),
        }
    }
}

/// The reports side of the gateway: the Dialpad connector's report calls and the timing.
#[derive(Debug, Clone)]
pub struct Reports {
    /// Dialpad's reporting endpoints.
    pub dialpad: DialpadConnector,
    /// Timing and clock.
    pub config: ReportsConfig,
    /// This instance's name as a lease owner.
    pub instance: String,
}

impl Reports {
    /// Reports over `dialpad` with `config`.
    pub fn new(dialpad: DialpadConnector, config: ReportsConfig) -> Self {
        Self {
            dialpad,
            config,
            instance: crate::store::random_id("poller_"),
        }
    }

    /// Now, in epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.config.clock.now_ms()
    }
}

/// What a report needs the connection to have been granted: the unified operation that
/// reads the same data, so a report never shows what the connection could not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// Stats are computed from calls: `telephonyCall::list`.
    Stats,
    /// Offices and call centers are workspaces: `genericWorkspace::list`.
    Workspaces,
    /// Operators are users: `genericUser::list`.
    Users,
}

impl Grant {
    fn operation(self) -> Operation {
        let model = match self {
            Grant::Stats => ModelId::TelephonyCall,
            Grant::Workspaces => ModelId::GenericWorkspace,
            Grant::Users => ModelId::GenericUser,
        };
        Operation::new(model, OperationKind::List)
    }
}

/// The tenant's connection chosen by `selector`, checked for a report: a `dialpad`
/// connection, owned by the tenant, authorized, granted `grant`'s operation.
pub async fn resolve_report(
    state: &AppState,
    tenant: &TenantId,
    selector: &Selector,
    grant: Grant,
) -> ApiResult<Target> {
    if selector.connector_id != "dialpad" {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            format!(
                "Dialpad reports run on a `dialpad` connection, not `{}`",
                selector.connector_id
            ),
        ));
    }
    resolve(state, tenant, selector, grant.operation()).await
}
