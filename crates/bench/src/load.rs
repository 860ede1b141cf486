//! The load driver: `connections` closed-loop clients, each sending its next request as
//! soon as the previous answer's body is read, for a fixed time after a warm-up; every
//! latency is kept, so percentiles are exact.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;

/// What one run measured.
#[derive(Debug, Clone)]
pub struct Stats {
    /// Answers with the expected status, per second.
    pub rps: f64,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Answers with another status, or transport errors.
    pub errors: u64,
    /// Response bytes read per second.
    pub bytes_per_sec: f64,
}

/// A load run: `GET url` with `headers` from `connections` clients.
#[derive(Debug, Clone)]
pub struct Load {
    /// The URL.
    pub url: String,
    /// Headers of every request.
    pub headers: HeaderMap,
    /// Concurrent clients (each with its own connection).
    pub connections: usize,
    /// How long to measure.
    pub duration: Duration,
    /// Unmeasured time first (connections, caches).
    pub warmup: Duration,
}

/// One long-lived client per load run, with as many idle connections as clients.
pub fn client(connections: usize) -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default()
}

impl Load {
    /// Runs the load and measures it.
    pub async fn run(&self) -> Stats {
        let client = client(self.connections);
        let load = Arc::new(self.clone());
        let start = Instant::now();
        let measure_from = start + self.warmup;
        let end = measure_from + self.duration;
        let tasks: Vec<_> = (0..self.connections)
            .map(|_| {
                let client = client.clone();
                let load = load.clone();
                tokio::spawn(async move {
                    let mut latencies = Vec::with_capacity(64 * 1024);
                    let (mut errors, mut bytes) = (0u64, 0u64);
                    loop {
                        let sent = Instant::now();
                        if sent >= end {
                            break;
                        }
                        let answer = client
                            .get(&load.url)
                            .headers(load.headers.clone())
                            .send()
                            .await;
                        let outcome = match answer {
                            Ok(r) if r.status().is_success() => {
                                r.bytes().await.map(|b| b.len() as u64).ok()
                            }
                            Ok(_) | Err(_) => None,
                        };
                        let done = Instant::now();
                        if sent < measure_from {
                            continue;
                        }
                        match outcome {
                            Some(n) => {
                                latencies.push(done - sent);
                                bytes += n;
                            }
                            None => errors += 1,
                        }
                    }
                    (latencies, errors, bytes)
                })
            })
            .collect();
        let mut all = Vec::new();
        let (mut errors, mut bytes) = (0, 0);
        for task in tasks {
            if let Ok((latencies, e, b)) = task.await {
                all.extend(latencies);
                errors += e;
                bytes += b;
            }
        }
        all.sort_unstable();
        let secs = self.duration.as_secs_f64();
        Stats {
            rps: all.len() as f64 / secs,
            p50: percentile(&all, 0.50),
            p99: percentile(&all, 0.99),
            errors,
            bytes_per_sec: bytes as f64 / secs,
        }
    }
}

/// The `q` quantile of sorted `values` (zero when empty).
pub fn percentile(values: &[Duration], q: f64) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((values.len() as f64 - 1.0) * q).round() as usize;
    values[rank.min(values.len() - 1)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_ranked_value() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 0.5), Duration::from_millis(51));
        assert_eq!(percentile(&v, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }
}
