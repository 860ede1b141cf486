//! Accepting and serving HTTP connections.
//!
//! One task accepts connections on the shared runtime, and each connection is served, for
//! its whole life, by one of a set of HTTP workers: threads running a single-threaded
//! tokio runtime each, one per core by default (`--http-workers`). A request's tasks then
//! never move between cores, as they do on a work-stealing runtime, where the connection,
//! its upstream connection and their buffers follow whichever worker polled the event
//! that woke them. This is nginx's model (worker processes) and Pingora's "no steal"
//! runtime; measured on the raw proxy, it cuts the CPU time of a call by about a fifth
//! (`bench/proxy.sh` prints both). A new connection goes to the worker serving the fewest.
//!
//! The workers belong to the process and are started on first use, so every gateway of a
//! process (the tests start many) shares them; database and HTTP client connections
//! opened from them stay usable from any runtime. `HttpWorkers::Shared` serves on the
//! runtime that calls `serve` instead, as `axum::serve` does.

use std::convert::Infallible;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Handle;
use tokio::sync::watch;

pub use self::direct::{Accepts, bounds_this_call};

mod direct;

/// How long a request's head (its request line and headers) may take to arrive, counted
/// from when the connection is ready for one: a caller that trickles its headers, or keeps
/// a connection idle between requests for longer, is disconnected. The request timeout
/// (`--request-timeout-secs`) only starts once the head is in. hyper arms a timer for it
/// on every request: about 2% of a proxied call's CPU time, measured.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Which threads serve HTTP connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpWorkers {
    /// The runtime that runs `serve` (tokio's work-stealing one in the binary).
    Shared,
    /// This many single-threaded workers, each serving its connections start to end.
    Dedicated(usize),
}

impl HttpWorkers {
    /// `--http-workers N`: `0` is [`HttpWorkers::Shared`].
    #[must_use]
    pub fn from_count(count: usize) -> Self {
        if count == 0 {
            Self::Shared
        } else {
            Self::Dedicated(count)
        }
    }

    /// One worker per core the process may use.
    #[must_use]
    pub fn per_core() -> Self {
        Self::Dedicated(std::thread::available_parallelism().map_or(1, usize::from))
    }
}

impl Default for HttpWorkers {
    fn default() -> Self {
        Self::per_core()
    }
}

/// One HTTP worker: its runtime and how many connections it is serving.
#[derive(Clone)]
struct Worker {
    handle: Handle,
    live: Arc<AtomicUsize>,
}

thread_local! {
    static EVENT_LOOP: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Which event loop the calling thread runs: a number of its own on each HTTP worker, and
/// `0` on every other thread (the shared runtime's threads share one reactor).
///
/// A socket is registered with the reactor of the thread that opened it. Used from a task
/// on another worker, every readiness event it raises crosses threads (a wake through an
/// eventfd, the other loop woken to pass it on), so pools of sockets are kept per loop.
pub fn event_loop() -> usize {
    EVENT_LOOP.with(std::cell::Cell::get)
}

/// A worker: a thread running a single-threaded runtime for as long as the process lives.
fn start_worker(index: usize) -> std::io::Result<Worker> {
    static NEXT_LOOP: AtomicUsize = AtomicUsize::new(1);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let handle = runtime.handle().clone();
    let event_loop = NEXT_LOOP.fetch_add(1, Ordering::Relaxed);
    std::thread::Builder::new()
        .name(format!("patchbay-http-{index}"))
        // Runs the connections spawned onto it.
        .spawn(move || {
            EVENT_LOOP.with(|current| current.set(event_loop));
            runtime.block_on(std::future::pending::<()>());
        })?;
    Ok(Worker {
        handle,
        live: Arc::default(),
    })
}

/// A worker of its own (not one of the process's), for tests elsewhere in the crate that
/// need another event loop: its runtime's handle.
#[cfg(test)]
#[allow(clippy::expect_used)]
pub(crate) fn private_worker() -> Handle {
    start_worker(99).expect("a worker thread").handle
}

/// The process's HTTP workers, started as they are first needed.
fn workers(count: usize) -> std::io::Result<Vec<Worker>> {
    static WORKERS: OnceLock<Mutex<Vec<Worker>>> = OnceLock::new();
    let mut workers = WORKERS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    while workers.len() < count {
        let worker = start_worker(workers.len())?;
        workers.push(worker);
    }
    Ok(workers[..count].to_vec())
}

/// Counts a connection against its worker until dropped.
struct Live(Arc<AtomicUsize>);

impl Live {
    fn new(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Self(count.clone())
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What [`serve`] serves: the gateway's routes, or anything shaped like them.
pub trait HttpService:
    tower::Service<Request, Response = Response, Error = Infallible, Future: Send + 'static>
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> HttpService for S where
    S: tower::Service<Request, Response = Response, Error = Infallible, Future: Send + 'static>
        + Clone
        + Send
        + Sync
        + 'static
{
}

/// Serves `service` on every connection `listener` accepts until `shutdown` resolves, then
/// lets the connections finish what they are serving (each is told to close once idle) and
/// returns when the last has closed.
///
/// Requests whose target `direct` accepts are served by [`direct`]'s HTTP/1.1 rather than
/// hyper's, as long as a connection carries only those.
/// `bound`, if given, bounds the time the service takes to answer those requests: the
/// service then need not (`direct::bounds_this_call`).
pub async fn serve<S: HttpService>(
    listener: TcpListener,
    service: S,
    workers: HttpWorkers,
    direct: Option<Accepts>,
    bound: Option<CallBound>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let workers = match workers {
        HttpWorkers::Shared => Vec::new(),
        HttpWorkers::Dedicated(count) => self::workers(count)?,
    };
    let options = Options {
        header_read_timeout: HEADER_READ_TIMEOUT,
        direct,
        bound,
    };
    serve_on(listener, service, workers, options, shutdown).await
}

/// How connections are served.
#[derive(Clone)]
struct Options {
    /// See [`HEADER_READ_TIMEOUT`].
    header_read_timeout: Duration,
    /// Which requests [`direct`] serves, if any.
    direct: Option<Accepts>,
    /// How long the service may take to answer one of those.
    bound: Option<CallBound>,
}

/// The longest the service may take to answer a request [`direct`] serves, and the answer
/// given when it takes longer (`expired`, called with the request's method; it is where
/// the call is logged and counted). One timer per connection keeps it, moved only when it
/// fires early, rather than one per call.
#[derive(Clone)]
pub struct CallBound {
    /// The limit.
    pub limit: Duration,
    /// The answer past it.
    pub expired: Arc<dyn Fn(&axum::http::Method) -> Response + Send + Sync>,
}

impl std::fmt::Debug for CallBound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallBound")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

/// [`serve`] on `workers` (none: on the calling runtime).
async fn serve_on<S: HttpService>(
    listener: TcpListener,
    service: S,
    workers: Vec<Worker>,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Dropped when shutdown begins: every connection then closes once idle.
    let (stop_tx, stop_rx) = watch::channel(());
    tokio::spawn(async move {
        shutdown.await;
        drop(stop_rx);
    });
    // Each connection holds a receiver; the sender learns when the last has gone.
    let (closed_tx, closed_rx) = watch::channel(());
    loop {
        let tcp = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = stop_tx.closed() => break,
        };
        // Answers are written as headers then body; without TCP_NODELAY a small answer can
        // wait on the client's delayed ACK (Nagle).
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY on an accepted connection");
        }
        let connection = Connection {
            service: service.clone(),
            stop: stop_tx.clone(),
            closed: closed_rx.clone(),
            options: options.clone(),
        };
        let Some(worker) = workers
            .iter()
            .min_by_key(|w| w.live.load(Ordering::Relaxed))
        else {
            tokio::spawn(connection.serve(tcp));
            continue;
        };
        // Moved to the worker's runtime: taken off this one's poller, put on the worker's.
        let tcp = match tcp.into_std() {
            Ok(tcp) => tcp,
            Err(e) => {
                tracing::debug!(error = %e, "cannot hand an accepted connection to a worker");
                continue;
            }
        };
        let live = Live::new(&worker.live);
        worker.handle.spawn(async move {
            let _live = live;
            match TcpStream::from_std(tcp) {
                Ok(tcp) => connection.serve(tcp).await,
                Err(e) => tracing::debug!(error = %e, "cannot serve an accepted connection"),
            }
        });
    }
    drop(listener);
    drop(closed_rx);
    closed_tx.closed().await;
    Ok(())
}

/// What serving one connection needs.
struct Connection<S> {
    service: S,
    /// Closed when shutdown begins.
    stop: watch::Sender<()>,
    /// Held while the connection is open.
    closed: watch::Receiver<()>,
    options: Options,
}

impl<S: HttpService> Connection<S> {
    async fn serve(self, tcp: TcpStream) {
        let mut stopping = std::pin::pin!(self.stop.closed());
        let timeout = self.options.header_read_timeout;
        let (tcp, read) = match self.options.direct {
            Some(accepts) => {
                let service = self.service.clone();
                let stopping = stopping.as_mut();
                let bound = self.options.bound.as_ref();
                let served =
                    direct::serve(tcp, service, accepts, timeout, bound, stopping, &self.stop);
                match served.await {
                    direct::Outcome::Closed => return,
                    direct::Outcome::HandOff(tcp, read) => (tcp, read),
                }
            }
            None => (tcp, bytes::BytesMut::new()),
        };
        // hyper writes headers from the map alone: a proxied answer's pass-through lines
        // (`proxy::h1::PassThrough`) are moved into it first.
        let service = TowerToHyperService::new(tower::ServiceExt::map_response(
            tower::ServiceExt::map_request(self.service, |request: hyper::Request<Incoming>| {
                request.map(|body| Body::new(Lingering::new(body)))
            }),
            |mut response: Response| {
                crate::proxy::h1::PassThrough::expand(&mut response);
                response
            },
        ));
        let mut builder = Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(timeout);
        let io = TokioIo::new(direct::Prefixed::new(read, tcp));
        let connection = builder.serve_connection_with_upgrades(io, service);
        let mut connection = std::pin::pin!(connection);
        let mut told = false;
        loop {
            tokio::select! {
                biased;
                served = connection.as_mut() => {
                    if let Err(e) = served {
                        tracing::trace!(error = %e, "connection ended with an error");
                    }
                    break;
                }
                () = stopping.as_mut(), if !told => {
                    told = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
        drop(self.closed);
    }
}

/// A request body that, dropped before its end (an answer such as 413 or 401 sent without
/// reading it), is read to its end and thrown away in the background, within bounds, as
/// nginx's lingering close does. Closing a connection with unread data resets it: a caller
/// still sending would see a broken pipe rather than the answer.
struct Lingering {
    body: Option<Incoming>,
    ended: bool,
}

/// The most a dropped body is still read for, in bytes and in time.
const LINGER_MAX_BYTES: u64 = 64 * 1024 * 1024;
const LINGER_MAX_TIME: Duration = Duration::from_secs(10);

impl Lingering {
    fn new(body: Incoming) -> Self {
        Self {
            body: Some(body),
            ended: false,
        }
    }
}

impl http_body::Body for Lingering {
    type Data = bytes::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let Some(body) = self.body.as_mut() else {
            return std::task::Poll::Ready(None);
        };
        let frame = std::pin::Pin::new(body).poll_frame(cx);
        if matches!(frame, std::task::Poll::Ready(None | Some(Err(_)))) {
            self.ended = true;
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.ended
            || self
                .body
                .as_ref()
                .is_none_or(http_body::Body::is_end_stream)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.as_ref().map_or_else(
            || http_body::SizeHint::with_exact(0),
            http_body::Body::size_hint,
        )
    }
}

impl Drop for Lingering {
    fn drop(&mut self) {
        use http_body::Body as _;
        let Some(body) = self.body.take() else {
            return;
        };
        if self.ended || body.is_end_stream() || body.size_hint().lower() > LINGER_MAX_BYTES {
            return;
        }
        let Ok(runtime) = Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            use http_body_util::BodyExt as _;
            let mut body = body;
            let mut read = 0u64;
            let _ = tokio::time::timeout(LINGER_MAX_TIME, async {
                while read <= LINGER_MAX_BYTES {
                    match body.frame().await {
                        Some(Ok(frame)) => {
                            read += frame.data_ref().map_or(0, |d| d.len() as u64);
                        }
                        _ => break,
                    }
                }
            })
            .await;
        });
    }
}

/// An accept that failed: a connection reset before it was accepted is nothing; anything
/// else (out of file descriptors, say) is logged and waited out, as `axum::serve` does.
async fn accept_failed(error: std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %error, "cannot accept a connection; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::time::Duration;

    use tokio::sync::{Notify, oneshot};

    use super::*;

    /// Answers with the name of the thread that served the request, after `delay`.
    fn thread_name(
        delay: Duration,
        arrived: Arc<Notify>,
    ) -> impl tower::Service<
        Request,
        Response = Response,
        Error = Infallible,
        Future: Send + 'static,
    > + Clone
    + Send
    + Sync
    + 'static {
        tower::service_fn(move |_: Request| {
            let arrived = arrived.clone();
            async move {
                arrived.notify_one();
                let name = std::thread::current().name().unwrap_or("").to_owned();
                tokio::time::sleep(delay).await;
                Ok::<_, Infallible>(Response::new(Body::from(name)))
            }
        })
    }

    /// A server under test: its address, its stop switch, its task, and a signal each
    /// time a request arrives.
    type Started = (
        SocketAddr,
        oneshot::Sender<()>,
        tokio::task::JoinHandle<std::io::Result<()>>,
        Arc<Notify>,
    );

    /// Every request served by `direct`, as long as it can serve it.
    fn everything(_: &str) -> bool {
        true
    }

    /// With hyper alone, and with `direct` in front.
    const BOTH: [Option<Accepts>; 2] = [None, Some(everything)];

    async fn start(workers: HttpWorkers, delay: Duration, direct: Option<Accepts>) -> Started {
        let options = Options {
            header_read_timeout: HEADER_READ_TIMEOUT,
            direct,
            bound: None,
        };
        start_with(workers, delay, options).await
    }

    async fn start_with(workers: HttpWorkers, delay: Duration, options: Options) -> Started {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let arrived = Arc::new(Notify::new());
        // Workers of the test's own, so other tests' connections do not count.
        let workers = match workers {
            HttpWorkers::Shared => Vec::new(),
            HttpWorkers::Dedicated(count) => (0..count).map(|i| start_worker(i).unwrap()).collect(),
        };
        let served = tokio::spawn(serve_on(
            listener,
            thread_name(delay, arrived.clone()),
            workers,
            options,
            async move {
                let _ = stopped.await;
            },
        ));
        (addr, stop, served, arrived)
    }

    /// A client that keeps one connection per instance.
    fn client() -> reqwest::Client {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()
            .unwrap()
    }

    async fn served_by(client: &reqwest::Client, addr: SocketAddr) -> String {
        let answer = client.get(format!("http://{addr}/")).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        answer.text().await.unwrap()
    }

    #[tokio::test]
    async fn each_connection_is_served_by_one_worker_and_new_ones_go_to_the_least_busy() {
        for direct in BOTH {
            each_connection_on_one_worker(direct).await;
        }
    }

    async fn each_connection_on_one_worker(direct: Option<Accepts>) {
        let (addr, stop, served, _) =
            start(HttpWorkers::Dedicated(2), Duration::ZERO, direct).await;
        let (first, second) = (client(), client());
        let a = served_by(&first, addr).await;
        let b = served_by(&second, addr).await;
        assert!(a.starts_with("patchbay-http-"), "{a}");
        assert!(b.starts_with("patchbay-http-"), "{b}");
        // Both connections are open: the second went to the other worker.
        assert_ne!(a, b);
        // A connection stays on its worker.
        for _ in 0..5 {
            assert_eq!(served_by(&first, addr).await, a);
            assert_eq!(served_by(&second, addr).await, b);
        }
        drop((first, second));
        stop.send(()).unwrap();
        served.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn shared_serves_on_the_runtime_that_calls_serve() {
        for direct in BOTH {
            let (addr, stop, served, _) = start(HttpWorkers::Shared, Duration::ZERO, direct).await;
            let name = served_by(&client(), addr).await;
            assert!(!name.starts_with("patchbay-http-"), "{name}");
            stop.send(()).unwrap();
            served.await.unwrap().unwrap();
        }
    }

    #[tokio::test]
    async fn shutdown_finishes_requests_in_flight_then_stops_accepting() {
        for (workers, direct) in [HttpWorkers::Dedicated(1), HttpWorkers::Shared]
            .into_iter()
            .flat_map(|w| BOTH.map(|d| (w, d)))
        {
            let delay = Duration::from_millis(300);
            let (addr, stop, served, arrived) = start(workers, delay, direct).await;
            let client = client();
            let in_flight = tokio::spawn({
                let client = client.clone();
                async move { served_by(&client, addr).await }
            });
            arrived.notified().await;
            stop.send(()).unwrap();
            // The request under way is answered in full, then the server stops.
            assert!(!in_flight.await.unwrap().is_empty(), "{workers:?}");
            tokio::time::timeout(Duration::from_secs(5), served)
                .await
                .expect("serve returns once its connections have closed")
                .unwrap()
                .unwrap();
            // The listener is closed: a new connection is refused.
            assert!(
                tokio::net::TcpStream::connect(addr).await.is_err(),
                "{workers:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_head_that_does_not_arrive_in_time_closes_the_connection() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        for (workers, direct) in [HttpWorkers::Dedicated(1), HttpWorkers::Shared]
            .into_iter()
            .flat_map(|w| BOTH.map(|d| (w, d)))
        {
            let options = Options {
                header_read_timeout: Duration::from_millis(500),
                direct,
                bound: None,
            };
            let (addr, stop, served, _) = start_with(workers, Duration::ZERO, options).await;
            // Half a head, then nothing: disconnected after the 500 ms allowed.
            let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
            slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
                .await
                .unwrap();
            let mut answer = Vec::new();
            let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut answer))
                .await
                .expect("the connection is closed");
            assert!(
                read.is_err() || answer.is_empty() || answer.starts_with(b"HTTP/1.1 408"),
                "{workers:?}"
            );
            // A connection kept idle after its request: closed the same way.
            let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
            idle.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                .await
                .unwrap();
            let mut answer = Vec::new();
            tokio::time::timeout(Duration::from_secs(5), idle.read_to_end(&mut answer))
                .await
                .expect("the idle connection is closed")
                .unwrap();
            assert!(answer.starts_with(b"HTTP/1.1 200"), "{workers:?}");
            // A caller within the time is served.
            assert!(!served_by(&client(), addr).await.is_empty());
            stop.send(()).unwrap();
            served.await.unwrap().unwrap();
        }
    }
}
