//! The raw proxy: any Dialpad endpoint through the gateway, with the connection's
//! credential injected. This module holds what the route (`http::proxy`) is built from:
//! path checks, header rules, the request body, retries, the rate limiter shared with
//! unified calls, and the long-lived upstream client.

pub mod body;
pub mod headers;
pub mod limiter;
pub mod path;
pub mod retry;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

pub use limiter::Limiter;
pub use retry::RetryPolicy;

/// The proxy's settings.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// Largest request body forwarded, in bytes (`--proxy-max-body-bytes`).
    pub max_body_bytes: u64,
    /// Request bodies up to this size are read first and kept, so a call can be sent again
    /// after a refresh or a retry; larger ones stream and are sent once.
    pub replay_bytes: usize,
    /// Whether the per-connection limiter runs (`--no-rate-limiter` turns it off).
    pub limiter: bool,
    /// The longest a call queues in the limiter; beyond it the caller gets 429 at once.
    pub max_queue_wait: Duration,
    /// Retries of 429s, 5xx and connection failures.
    pub retry: RetryPolicy,
    /// How long the upstream may take to start answering.
    pub response_timeout: Duration,
    /// Base URL of each connector's API, by connector id (no trailing slash).
    pub upstreams: BTreeMap<String, String>,
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

/// The HTTP client of every proxied call: pooled, `TCP_NODELAY`, HTTPS through rustls with
/// the platform's roots, no redirects followed (a 3xx goes back to the caller as sent).
pub type UpstreamClient = Client<HttpsConnector<HttpConnector>, Body>;

/// The proxy's shared parts. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Proxy {
    /// Settings.
    pub config: Arc<ProxyConfig>,
    /// The upstream client (`None` when TLS could not be set up; calls then answer 503).
    pub client: Option<UpstreamClient>,
    /// The limiter shared with unified calls.
    pub limiter: Limiter,
}

impl Proxy {
    /// The proxy over `config`, with a fresh client and limiter (recording into `metrics`).
    pub fn new(config: ProxyConfig, metrics: crate::metrics::Metrics) -> Self {
        let client = match client() {
            Ok(client) => Some(client),
            Err(e) => {
                tracing::error!(error = %e, "cannot set up TLS for the proxy; proxied calls will fail");
                None
            }
        };
        Self {
            limiter: Limiter::new(config.limiter, config.max_queue_wait).with_metrics(metrics),
            config: Arc::new(config),
            client,
        }
    }
}

fn client() -> Result<UpstreamClient, rustls::Error> {
    use rustls_platform_verifier::BuilderVerifierExt as _;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_platform_verifier()?
        .with_no_client_auth();
    let mut http = HttpConnector::new();
    http.set_nodelay(true);
    http.enforce_http(false);
    http.set_connect_timeout(Some(Duration::from_secs(10)));
    http.set_keepalive(Some(Duration::from_secs(60)));
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(1024)
        .build(https))
}
