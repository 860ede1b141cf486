//! A webhook receiver that misbehaves on purpose: a bare HTTP/1.1 server on tokio (so it
//! can drop a connection mid-request, which a framework would not let it do) that answers
//! a share of requests with 429 + `Retry-After`, 503, a slow answer, or no answer at all,
//! and counts every `webhook-id` it accepted.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use super::Rng;

/// What the receiver does to requests.
#[derive(Debug, Clone, Copy)]
pub struct Behaviour {
    /// Share of requests hit by a fault, spread evenly over the four kinds.
    pub fault_rate: f64,
    /// Wait before every answer (to stretch a fan-out so a kill lands inside it).
    pub delay: Duration,
}

/// Counts of what happened.
#[derive(Debug, Default)]
pub struct Counts {
    pub requests: AtomicU64,
    pub rate_limited: AtomicU64,
    pub unavailable: AtomicU64,
    pub slow: AtomicU64,
    pub dropped: AtomicU64,
}

#[derive(Debug)]
struct Inner {
    behaviour: Mutex<Behaviour>,
    /// `webhook-id` -> times answered 2xx.
    accepted: Mutex<HashMap<String, u32>>,
    counts: Counts,
    rng: Mutex<Rng>,
}

/// A running receiver.
#[derive(Debug, Clone)]
pub struct Receiver {
    pub url: String,
    inner: Arc<Inner>,
}

impl Receiver {
    pub async fn start(behaviour: Behaviour, seed: u64) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/hook", listener.local_addr()?);
        let inner = Arc::new(Inner {
            behaviour: Mutex::new(behaviour),
            accepted: Mutex::new(HashMap::new()),
            counts: Counts::default(),
            rng: Mutex::new(Rng::new(seed)),
        });
        let serving = inner.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(connection(stream, serving.clone()));
            }
        });
        Ok(Self { url, inner })
    }

    pub fn set_behaviour(&self, behaviour: Behaviour) {
        if let Ok(mut b) = self.inner.behaviour.lock() {
            *b = behaviour;
        }
    }

    /// Distinct ids accepted, and 2xx answers in all.
    pub fn delivered(&self) -> (usize, u64) {
        self.inner.accepted.lock().map_or((0, 0), |a| {
            (a.len(), a.values().map(|n| u64::from(*n)).sum())
        })
    }

    pub fn counts(&self) -> &Counts {
        &self.inner.counts
    }
}

enum Answer {
    Ok,
    RateLimited(u64),
    Unavailable,
    Slow(Duration),
    Drop,
}

async fn connection(mut stream: TcpStream, inner: Arc<Inner>) {
    let mut buf = Vec::with_capacity(4096);
    loop {
        let Some((id, used)) = read_request(&mut stream, &mut buf).await else {
            return;
        };
        buf.drain(..used);
        let behaviour = inner.behaviour.lock().map(|b| *b).ok();
        let Some(behaviour) = behaviour else { return };
        inner.counts.requests.fetch_add(1, Ordering::Relaxed);
        let answer = inner.rng.lock().map_or(Answer::Ok, |mut rng| {
            if !rng.chance(behaviour.fault_rate) {
                return Answer::Ok;
            }
            match rng.below(4) {
                0 => Answer::RateLimited(rng.below(2)),
                1 => Answer::Unavailable,
                2 => Answer::Slow(Duration::from_millis(200 + rng.below(1300))),
                _ => Answer::Drop,
            }
        });
        if !behaviour.delay.is_zero() {
            tokio::time::sleep(behaviour.delay).await;
        }
        let head = match answer {
            Answer::Drop => {
                inner.counts.dropped.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Answer::RateLimited(secs) => {
                inner.counts.rate_limited.fetch_add(1, Ordering::Relaxed);
                format!(
                    "HTTP/1.1 429 Too Many Requests\r\nretry-after: {secs}\r\ncontent-length: 0\r\n\r\n"
                )
            }
            Answer::Unavailable => {
                inner.counts.unavailable.fetch_add(1, Ordering::Relaxed);
                "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n".to_owned()
            }
            Answer::Slow(wait) => {
                inner.counts.slow.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(wait).await;
                accept(&inner, id)
            }
            Answer::Ok => accept(&inner, id),
        };
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn accept(inner: &Inner, id: String) -> String {
    if let Ok(mut accepted) = inner.accepted.lock() {
        *accepted.entry(id).or_default() += 1;
    }
    "HTTP/1.1 204 No Content\r\n\r\n".to_owned()
}

/// Reads one request (head and body) into `buf`; answers its `webhook-id` and the bytes
/// it took, or `None` when the peer closed or sent something unreadable.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(String, usize)> {
    let mut chunk = [0_u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let mut length = 0;
            let mut id = String::new();
            for line in head.lines().skip(1) {
                let Some((name, value)) = line.split_once(':') else {
                    continue;
                };
                match name.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().ok()?,
                    "webhook-id" => value.trim().clone_into(&mut id),
                    _ => {}
                }
            }
            let total = end + 4 + length;
            while buf.len() < total {
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some((id, total));
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}
