//! Prometheus metrics, served at `/metrics` in the text exposition format: the gateway's
//! own requests (by route template, so cardinality stays bounded), calls to providers,
//! token refreshes, webhook deliveries and the outbox, and the rate limiter. Labels never
//! carry a tenant, connection or secret.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::MatchedPath;
use axum::http::Method;
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// A request to the gateway, by route template and answer. The labels borrow what the
/// request already holds (a static method name, the router's shared route template), so
/// counting a request allocates nothing once its label set exists.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    /// `GET`, `POST`, …
    pub method: Cow<'static, str>,
    /// The matched route (`/v1/resources/{model}`), or `unmatched`.
    pub route: Route,
    /// The status code.
    pub status: u16,
}

/// A route template as a label: the router's own (shared, cloned without allocating), or
/// any other text.
#[derive(Clone, Debug)]
pub enum Route {
    /// The template axum matched.
    Matched(MatchedPath),
    /// Anything else (`unmatched`, or a template given as text).
    Text(Cow<'static, str>),
}

impl Route {
    fn as_str(&self) -> &str {
        match self {
            Self::Matched(path) => path.as_str(),
            Self::Text(text) => text,
        }
    }
}

impl PartialEq for Route {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Route {}

impl std::hash::Hash for Route {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl EncodeLabelValue for Route {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> Result<(), fmt::Error> {
        EncodeLabelValue::encode(&self.as_str(), encoder)
    }
}

/// A method's name, static for the standard ones.
fn method_label(method: &Method) -> Cow<'static, str> {
    const STANDARD: [&str; 9] = [
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT",
    ];
    let name = method.as_str();
    STANDARD.iter().find(|known| **known == name).map_or_else(
        || Cow::Owned(name.to_owned()),
        |known| Cow::Borrowed(*known),
    )
}

/// A call to a provider, by operation and answer.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct UpstreamLabels {
    /// `dialpad`.
    pub connector: String,
    /// `GET /api/v2/contacts`-like, the path's variable parts replaced by `{id}`.
    pub operation: String,
    /// The status code, or `error` when no answer came (timeout, reset).
    pub status: String,
}

/// How something ended.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// `success`, `failed`, `retry`, `rejected`, …
    pub outcome: String,
}

thread_local! {
    /// The request histograms [`Metrics::http_request_template`] recorded into lately on
    /// this thread, by metrics set, method, template and status (the proxy's calls): found
    /// by a short scan rather than through the family's lock and a SipHash of the labels.
    /// Clones of a histogram share its counts.
    static TEMPLATES: std::cell::RefCell<Vec<Kept>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A kept histogram: metrics set, method, template, status, histogram.
type Kept = (u64, &'static str, &'static str, u16, Histogram);

/// The most histograms [`TEMPLATES`] keeps per thread (it starts over when full).
const TEMPLATES_KEPT: usize = 32;

/// The gateway's metrics (cheap to clone: shared).
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    /// This set's own number (see [`TEMPLATES`]).
    id: u64,
    registry: Registry,
    http: Family<HttpLabels, Histogram>,
    upstream: Family<UpstreamLabels, Histogram>,
    token_refreshes: Family<OutcomeLabels, Counter>,
    deliveries: Family<OutcomeLabels, Counter>,
    delivery_latency: Histogram,
    outbox_depth: Gauge,
    outbox_oldest_due: Gauge<f64, std::sync::atomic::AtomicU64>,
    limiter_waits: Histogram,
    limiter_rejections: Counter,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn latency_histogram() -> Histogram {
    // 0.5 ms to about 33 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 17))
}

impl Metrics {
    /// Every metric, registered and at zero.
    pub fn new() -> Self {
        let http = Family::<HttpLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let upstream = Family::<UpstreamLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let token_refreshes = Family::<OutcomeLabels, Counter>::default();
        let deliveries = Family::<OutcomeLabels, Counter>::default();
        let delivery_latency = latency_histogram();
        let outbox_depth = Gauge::default();
        let outbox_oldest_due = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        let limiter_waits = latency_histogram();
        let limiter_rejections = Counter::default();
        let mut registry = Registry::with_prefix("patchbay");
        registry.register(
            "http_request_duration_seconds",
            "Requests to the gateway, by route template, method and status, with latency",
            http.clone(),
        );
        registry.register(
            "upstream_request_duration_seconds",
            "Calls to providers, by connector, operation and status, with latency",
            upstream.clone(),
        );
        registry.register(
            "token_refreshes",
            "OAuth token refreshes, by outcome",
            token_refreshes.clone(),
        );
        registry.register(
            "webhook_deliveries",
            "Webhook delivery attempts, by outcome",
            deliveries.clone(),
        );
        registry.register(
            "webhook_delivery_duration_seconds",
            "Time from an event's ingestion to its successful delivery",
            delivery_latency.clone(),
        );
        registry.register(
            "webhook_outbox_depth",
            "Deliveries pending (due or scheduled for a retry)",
            outbox_depth.clone(),
        );
        registry.register(
            "webhook_outbox_oldest_due_seconds",
            "Age of the oldest delivery that is due and not yet sent",
            outbox_oldest_due.clone(),
        );
        registry.register(
            "limiter_wait_seconds",
            "Time requests queued in the per-company rate limiter",
            limiter_waits.clone(),
        );
        registry.register(
            "limiter_rejections",
            "Requests answered 429 by the rate limiter instead of queueing",
            limiter_rejections.clone(),
        );
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        Self(Arc::new(Inner {
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            registry,
            http,
            upstream,
            token_refreshes,
            deliveries,
            delivery_latency,
            outbox_depth,
            outbox_oldest_due,
            limiter_waits,
            limiter_rejections,
        }))
    }

    /// Records a request the gateway answered.
    pub fn http_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.record_http(
            &HttpLabels {
                method: Cow::Owned(method.to_owned()),
                route: Route::Text(Cow::Owned(route.to_owned())),
                status,
            },
            elapsed,
        );
    }

    /// Records a request the gateway answered, by the route axum matched (`None`:
    /// unmatched). Allocates nothing once the label set exists.
    pub fn http_request_matched(
        &self,
        method: &Method,
        route: Option<&MatchedPath>,
        status: u16,
        elapsed: Duration,
    ) {
        self.record_http(
            &HttpLabels {
                method: method_label(method),
                route: route.map_or(Route::Text(Cow::Borrowed("unmatched")), |path| {
                    Route::Matched(path.clone())
                }),
                status,
            },
            elapsed,
        );
    }

    /// Records a request served outside the router, under its route `template`.
    pub fn http_request_template(
        &self,
        method: &Method,
        template: &'static str,
        status: u16,
        elapsed: Duration,
    ) {
        let labels = HttpLabels {
            method: method_label(method),
            route: Route::Text(Cow::Borrowed(template)),
            status,
        };
        let Cow::Borrowed(method) = labels.method else {
            return self.record_http(&labels, elapsed);
        };
        let id = self.0.id;
        TEMPLATES.with_borrow_mut(|kept| {
            let found = kept
                .iter()
                .find(|k| k.0 == id && k.1 == method && k.2 == template && k.3 == status);
            if let Some((.., histogram)) = found {
                histogram.observe(elapsed.as_secs_f64());
                return;
            }
            let histogram = self.0.http.get_or_create(&labels).clone();
            histogram.observe(elapsed.as_secs_f64());
            if kept.len() >= TEMPLATES_KEPT {
                kept.clear();
            }
            kept.push((id, method, template, status, histogram));
        });
    }

    fn record_http(&self, labels: &HttpLabels, elapsed: Duration) {
        self.0
            .http
            .get_or_create(labels)
            .observe(elapsed.as_secs_f64());
    }

    /// Records a call to a provider (`status` `None`: no answer came).
    pub fn upstream_call(
        &self,
        connector: &str,
        operation: &str,
        status: Option<u16>,
        elapsed: Duration,
    ) {
        self.0
            .upstream
            .get_or_create(&UpstreamLabels {
                connector: connector.to_owned(),
                operation: operation.to_owned(),
                status: status.map_or_else(|| "error".to_owned(), |s| s.to_string()),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// An observer recording `connector`'s calls (see [`patchbay_dialpad::Observer`]).
    pub fn upstream_observer(&self, connector: &'static str) -> UpstreamObserver {
        UpstreamObserver {
            connector,
            metrics: self.clone(),
        }
    }

    /// Counts a token refresh by outcome.
    pub fn token_refresh(&self, outcome: &str) {
        self.0
            .token_refreshes
            .get_or_create(&OutcomeLabels {
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// Counts a delivery attempt by outcome; a success also records its end-to-end age.
    pub fn delivery(&self, outcome: &str, since_ingest: Option<Duration>) {
        self.0
            .deliveries
            .get_or_create(&OutcomeLabels {
                outcome: outcome.to_owned(),
            })
            .inc();
        if let Some(age) = since_ingest {
            self.0.delivery_latency.observe(age.as_secs_f64());
        }
    }

    /// Sets the outbox gauges (read from the database at scrape time).
    pub fn outbox(&self, depth: i64, oldest_due: Option<Duration>) {
        self.0.outbox_depth.set(depth);
        self.0
            .outbox_oldest_due
            .set(oldest_due.map_or(0.0, |d| d.as_secs_f64()));
    }

    /// Records a wait in the rate limiter, or a rejection (`None`).
    pub fn limiter(&self, waited: Option<Duration>) {
        match waited {
            Some(wait) => self.0.limiter_waits.observe(wait.as_secs_f64()),
            None => {
                self.0.limiter_rejections.inc();
            }
        }
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.0.registry);
        out
    }
}

/// Records one connector's calls to its provider.
#[derive(Debug, Clone)]
pub struct UpstreamObserver {
    connector: &'static str,
    metrics: Metrics,
}

impl patchbay_dialpad::Observer for UpstreamObserver {
    fn upstream_call(&self, operation: &str, status: Option<u16>, elapsed: Duration) {
        self.metrics
            .upstream_call(self.connector, operation, status, elapsed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_requests_are_rendered_with_their_labels() {
        let m = Metrics::new();
        m.http_request(
            "GET",
            "/v1/resources/{model}",
            200,
            Duration::from_millis(3),
        );
        m.token_refresh("success");
        let text = m.render();
        assert!(
            text.contains(
                "patchbay_http_request_duration_seconds_count{method=\"GET\",route=\"/v1/resources/{model}\",status=\"200\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains("patchbay_token_refreshes_total{outcome=\"success\"} 1"),
            "{text}"
        );
    }

    #[test]
    fn template_requests_count_in_their_own_set_whatever_this_thread_kept() {
        let (a, b) = (Metrics::new(), Metrics::new());
        let route = "/v1/proxy/{*path}";
        for _ in 0..3 {
            a.http_request_template(&Method::GET, route, 200, Duration::from_millis(1));
        }
        b.http_request_template(&Method::GET, route, 200, Duration::from_millis(1));
        a.http_request_template(&Method::GET, route, 404, Duration::from_millis(1));
        // More combinations than are kept: counting goes on through the family.
        for status in 0..40 {
            b.http_request_template(&Method::POST, route, 500 + status, Duration::ZERO);
        }
        a.http_request_template(&Method::GET, route, 200, Duration::from_millis(1));
        let count = |m: &Metrics, method: &str, status: u16| {
            let line = format!(
                "patchbay_http_request_duration_seconds_count{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} "
            );
            let text = m.render();
            text.lines()
                .find_map(|l| l.strip_prefix(line.as_str()))
                .map_or(0, |n| n.parse::<u64>().unwrap_or(0))
        };
        assert_eq!(count(&a, "GET", 200), 4);
        assert_eq!(count(&a, "GET", 404), 1);
        assert_eq!(count(&b, "GET", 200), 1);
        assert_eq!(count(&b, "POST", 539), 1);
        assert_eq!(count(&a, "POST", 539), 0);
    }
}
