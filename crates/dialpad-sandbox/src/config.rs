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
    /// Lifetime of OAuth access tokens.
    pub token_ttl: Duration,
    /// Time between two states of a simulated call.
    pub call_step: Duration,
    /// How long a stats request stays `processing`.
    pub stats_processing: Duration,
    /// Timeout of one webhook delivery attempt.
    pub delivery_timeout: Duration,
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
        }
    }
}
