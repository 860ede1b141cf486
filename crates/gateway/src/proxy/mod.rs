//! The raw proxy: any Dialpad endpoint through the gateway, with the connection's
//! credential injected. This module holds what the route (`http::proxy`) is built from:
//! path checks, header rules, the request body, retries, the rate limiter shared with
//! unified calls, and the pooled upstream connections.

pub mod body;
pub mod h1;
pub mod headers;
pub mod limiter;
pub mod memo;
pub mod path;
pub mod retry;
pub mod upstream;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub use limiter::Limiter;
pub use retry::RetryPolicy;
pub use upstream::{Upstream, UpstreamSettings};

/// The proxy's settings.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// Largest request body forwarded, in bytes (`--proxy-max-body-bytes`).
    pub max_body_bytes: u64,
    /// Request bodies up to this size are read first and kept, so a call can be sent again
    /// after a refresh or a retry; larger ones stream and are sent once.
    pub replay_bytes: usize,
    /// Whether the per-company limiter runs (`--no-rate-limiter` turns it off).
    pub limiter: bool,
    /// The longest a call queues in the limiter; beyond it the caller gets 429 at once.
    pub max_queue_wait: Duration,
    /// Retries of 429s, 5xx and connection failures.
    pub retry: RetryPolicy,
    /// How long the upstream may take to start answering.
    pub response_timeout: Duration,
    /// Base URL of each connector's API, by connector id (no trailing slash).
    pub upstreams: BTreeMap<String, String>,
    /// Connect timeout and idle connection pooling.
    pub connections: UpstreamSettings,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 32 * 1024 * 1024,
            replay_bytes: 256 * 1024,
            limiter: true,
            max_queue_wait: Duration::from_secs(2),
            retry: RetryPolicy::default(),
            response_timeout: Duration::from_secs(60),
            upstreams: BTreeMap::new(),
            connections: UpstreamSettings::default(),
        }
    }
}

impl ProxyConfig {
    /// Routes `connector_id` to `base` (its path kept, trailing slash dropped).
    #[must_use]
    pub fn with_upstream(mut self, connector_id: &str, base: &url::Url) -> Self {
        let base = base.as_str().trim_end_matches('/').to_owned();
        self.upstreams.insert(connector_id.to_owned(), base);
        self
    }
}

/// The proxy's shared parts. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Proxy {
    /// Settings.
    pub config: Arc<ProxyConfig>,
    /// Where each connector's calls go, by connector id.
    pub upstreams: Arc<BTreeMap<String, Arc<Upstream>>>,
    /// The limiter shared with unified calls.
    pub limiter: Limiter,
    /// What recent calls resolved to, per thread.
    pub memo: memo::Memo,
}

impl Proxy {
    /// The proxy over `config`, with fresh upstream pools and limiter (recording into
    /// `metrics`).
    pub fn new(config: ProxyConfig, metrics: crate::metrics::Metrics) -> Self {
        let tls = match tls() {
            Ok(tls) => Some(tls),
            Err(e) => {
                tracing::error!(error = %e, "cannot set up TLS for the proxy; proxied calls to https upstreams will fail");
                None
            }
        };
        let upstreams = config
            .upstreams
            .iter()
            .filter_map(|(connector, base)| {
                let upstream = url::Url::parse(base)
                    .map_err(|_| upstream::BadBase(base.clone()))
                    .and_then(|url| Upstream::new(&url, tls.clone(), config.connections));
                match upstream {
                    Ok(upstream) => Some((connector.clone(), Arc::new(upstream))),
                    Err(e) => {
                        tracing::error!(connector = %connector, error = %e, "no raw proxy for this connector");
                        None
                    }
                }
            })
            .collect();
        Self {
            limiter: Limiter::new(config.limiter, config.max_queue_wait).with_metrics(metrics),
            config: Arc::new(config),
            upstreams: Arc::new(upstreams),
            memo: memo::Memo::default(),
        }
    }
}

/// TLS for `https://` upstreams: rustls with the platform's roots.
fn tls() -> Result<Arc<rustls::ClientConfig>, rustls::Error> {
    use rustls_platform_verifier::BuilderVerifierExt as _;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_platform_verifier()?
        .with_no_client_auth();
    Ok(Arc::new(tls))
}
