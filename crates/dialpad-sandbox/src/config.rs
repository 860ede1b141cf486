//! How a sandbox is shaped: its seed, its size, its page sizes, and its clocks.
//! Everything has a default that makes a small, deterministic Dialpad.

use std::time::Duration;

/// Configuration of one sandbox instance.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Seed for the deterministic data set: the same seed and size give the same data.
    pub seed: u64,
    /// The one size knob: concluded calls per company. Contacts follow it one to one,
    /// users, offices and call centers grow slowly with it. 5 gives a handful of
    /// records; 100_000 gives 100,000 calls and 100,000 contacts.
    pub size: u32,
    /// How many companies to seed (each with its own admin API key).
    pub companies: u32,
    /// Default page size of list endpoints.
    pub page_size: usize,
    /// Page size of `GET /api/v2/call`.
    pub call_page_size: usize,
    /// Whether Dialpad's rate limits are enforced.
    pub rate_limits: bool,
    /// Lifetime of OAuth access tokens (at most [`Self::MAX_TOKEN_TTL`]).
    pub token_ttl: Duration,
    /// Time between two states of a simulated call (at most [`Self::MAX_CALL_STEP`]).
    pub call_step: Duration,
    /// How long a stats request stays `processing` (at most
    /// [`Self::MAX_STATS_PROCESSING`]).
    pub stats_processing: Duration,
    /// Timeout of one webhook delivery attempt (at most
    /// [`Self::MAX_DELIVERY_TIMEOUT`]).
    pub delivery_timeout: Duration,
    /// Events waiting for delivery per webhook; more are dropped and counted as failed.
    pub delivery_queue: usize,
}

impl SandboxConfig {
    /// Longest access-token lifetime: ten years, far beyond any test, and small
    /// enough that no clock arithmetic on it overflows.
    pub const MAX_TOKEN_TTL: Duration = Duration::from_secs(10 * 365 * 24 * 3600);
    /// Longest call step: an hour.
    pub const MAX_CALL_STEP: Duration = Duration::from_secs(3600);
    /// Longest time a stats request stays `processing`: a day.
    pub const MAX_STATS_PROCESSING: Duration = Duration::from_secs(24 * 3600);
    /// Longest timeout of one delivery attempt: a minute.
    pub const MAX_DELIVERY_TIMEOUT: Duration = Duration::from_secs(60);

    /// This configuration with every duration cut to its maximum and at least one
    /// slot per delivery queue, so that no setting can wrap when it is stored in
    /// milliseconds.
    pub fn clamped(mut self) -> Self {
        self.token_ttl = self.token_ttl.min(Self::MAX_TOKEN_TTL);
        self.call_step = self.call_step.min(Self::MAX_CALL_STEP);
        self.stats_processing = self.stats_processing.min(Self::MAX_STATS_PROCESSING);
        self.delivery_timeout = self.delivery_timeout.min(Self::MAX_DELIVERY_TIMEOUT);
        self.delivery_queue = self.delivery_queue.max(1);
        self
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            size: 200,
            companies: 2,
            page_size: 100,
            call_page_size: 25,
            rate_limits: true,
            token_ttl: Duration::from_secs(3600),
            call_step: Duration::from_millis(200),
            stats_processing: Duration::from_secs(2),
            delivery_timeout: Duration::from_secs(5),
            delivery_queue: 10_000,
        }
    }
}
