//! The proxy's connections to a provider: HTTP/1.1, kept alive and pooled per upstream
//! and event loop, and driven by the task of the call that uses them.
//!
//! A general-purpose client gives every connection a task and a channel for the calls it
//! carries, and builds its requests from the `http` types field by field. Here the call's
//! own task writes the request head straight into the socket (`h1`), reads the answer's
//! head, and the response body reads the socket itself as the caller's side takes it, so
//! a call runs start to finish in the task that serves the caller's connection, as nginx
//! runs it in one event loop. Once the body is read to its end the connection goes back
//! to its pool; a body dropped half-read takes its connection with it (the rest of the
//! answer would otherwise be read as the next one's).

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, header};
use bytes::{Bytes, BytesMut};
use http_body::{Body as _, Frame, SizeHint};
use parking_lot::Mutex;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::h1::{self, Decoded, Decoder, Framing};

/// Connection settings.
#[derive(Debug, Clone, Copy)]
pub struct UpstreamSettings {
    /// How long a TCP connect (and TLS handshake) may take.
    pub connect_timeout: Duration,
    /// An idle connection older than this is closed rather than reused.
    pub idle_timeout: Duration,
    /// Idle connections kept per upstream and event loop; more are closed as they come
    /// back.
    pub max_idle: usize,
}

impl Default for UpstreamSettings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            // Under the keep-alive timeouts of common servers and load balancers (60 s+).
            idle_timeout: Duration::from_secs(30),
            max_idle: 1024,
        }
    }
}

/// Why a call could not be sent or answered.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// No TCP connection (refused, unreachable, DNS).
    #[error("cannot connect to {host}: {source}")]
    Connect {
        /// `host:port`.
        host: String,
        /// The cause.
        source: io::Error,
    },
    /// The connect or TLS handshake took longer than the connect timeout.
    #[error("connecting to {host} timed out")]
    ConnectTimeout {
        /// `host:port`.
        host: String,
    },
    /// The TLS handshake failed.
    #[error("TLS with {host} failed: {source}")]
    Tls {
        /// `host:port`.
        host: String,
        /// The cause.
        source: io::Error,
    },
    /// The exchange failed (connection reset or closed, a malformed answer).
    #[error("the exchange failed: {0}")]
    Exchange(#[source] io::Error),
    /// The request body failed while it was being sent (its caller went away, or it went
    /// over the limit).
    #[error("the request body failed: {0}")]
    Body(#[source] axum::Error),
}

/// Where one connector's calls go: its origin, the `Host` they present, the base path
/// every call's path is appended to, and its idle connections.
pub struct Upstream {
    https: bool,
    host: Host,
    port: u16,
    authority: HeaderValue,
    prefix: String,
    settings: UpstreamSettings,
    tls: Option<TlsConnector>,
    /// Idle connections, one pool per event loop (see [`crate::serving::event_loop`]): a
    /// connection goes back to the pool of the loop that opened it, and a call takes one
    /// from its own loop's pool, so its socket's events are handled by the thread that
    /// runs the call.
    idle: Box<[Mutex<Vec<Idle>>]>,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream")
            .field("https", &self.https)
            .field("authority", &self.authority)
            .field("prefix", &self.prefix)
            .field("idle", &self.idle_connections())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
enum Host {
    Name(String),
    Ip(std::net::IpAddr),
}

/// The base URL cannot be an upstream.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not an http(s) URL with a host")]
pub struct BadBase(pub String);

impl Upstream {
    /// The upstream at `base` (`http://` or `https://`, any path prefix). `tls` is needed
    /// for `https://` bases; without it their calls fail.
    pub fn new(
        base: &url::Url,
        tls: Option<Arc<rustls::ClientConfig>>,
        settings: UpstreamSettings,
    ) -> Result<Self, BadBase> {
        let bad = || BadBase(base.as_str().to_owned());
        let https = match base.scheme() {
            "https" => true,
            "http" => false,
            _ => return Err(bad()),
        };
        let host = match base.host().ok_or_else(bad)? {
            url::Host::Domain(name) => Host::Name(name.to_owned()),
            url::Host::Ipv4(ip) => Host::Ip(ip.into()),
            url::Host::Ipv6(ip) => Host::Ip(ip.into()),
        };
        let port = base.port_or_known_default().ok_or_else(bad)?;
        // `host[:port]` as the URL writes it (brackets around IPv6, default port omitted).
        let authority = match base.port() {
            Some(port) => format!("{}:{port}", base.host_str().unwrap_or_default()),
            None => base.host_str().unwrap_or_default().to_owned(),
        };
        let authority = HeaderValue::from_str(&authority).map_err(|_| bad())?;
        Ok(Self {
            https,
            host,
            port,
            authority,
            prefix: base.path().trim_end_matches('/').to_owned(),
            settings,
            tls: tls.map(TlsConnector::from),
            // Event loops are numbered from 1 (the HTTP workers, one per core by default)
            // after 0 (every other thread); more workers than this share pools.
            idle: (0..=std::thread::available_parallelism().map_or(1, usize::from))
                .map(|_| Mutex::new(Vec::new()))
                .collect(),
        })
    }

    /// The `Host` header calls present.
    pub fn authority(&self) -> &HeaderValue {
        &self.authority
    }

    /// The base path (no trailing slash) that every call's path follows.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Idle connections held now.
    pub fn idle_connections(&self) -> usize {
        self.idle.iter().map(|pool| pool.lock().len()).sum()
    }

    /// The pool of the calling thread's event loop.
    fn pool(&self) -> usize {
        crate::serving::event_loop() % self.idle.len()
    }

    fn host_port(&self) -> String {
        match &self.host {
            Host::Name(name) => format!("{name}:{}", self.port),
            Host::Ip(ip) => std::net::SocketAddr::new(*ip, self.port).to_string(),
        }
    }

    /// Sends `request` (an origin-form URI, a `Host` header) on an idle connection, or a
    /// new one, and returns the answer once its head has arrived; its body reads on.
    /// An idle connection the upstream has closed is noticed before it is used.
    pub async fn send(
        self: &Arc<Self>,
        request: Request<Body>,
    ) -> Result<Response<Streamed>, SendError> {
        let mut conn = loop {
            match self.checkout() {
                Some(mut conn) => {
                    if conn.still_open() {
                        break conn;
                    }
                }
                None => break self.connect().await?,
            }
        };
        let (parts, mut body) = request.into_parts();
        let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let framing = framing(&parts, &body);
        conn.write.clear();
        h1::encode_head(
            &mut conn.write,
            &parts.method,
            target,
            &parts.headers,
            framing,
        );
        // A body that is all there (the usual case) goes out with the head, in one write.
        let mut sent: u64 = 0;
        while !body.is_end_stream() {
            let Some(frame) = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await else {
                break;
            };
            let Ok(data) = frame.map_err(SendError::Body)?.into_data() else {
                continue; // Trailers are not sent.
            };
            if data.is_empty() {
                continue;
            }
            sent += data.len() as u64;
            if let Framing::Length(len) = framing
                && sent > len
            {
                return Err(SendError::Exchange(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "the request body is longer than its Content-Length",
                )));
            }
            if framing == Framing::Chunked {
                h1::chunk_size_line(&mut conn.write, data.len());
                conn.write.extend_from_slice(&data);
                conn.write.extend_from_slice(b"\r\n");
            } else {
                conn.write.extend_from_slice(&data);
            }
            if conn.write.len() >= WRITE_CHUNK {
                conn.flush_write().await?;
            }
        }
        if let Framing::Length(len) = framing
            && sent < len
        {
            return Err(SendError::Exchange(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the request body ended before its Content-Length",
            )));
        }
        if framing == Framing::Chunked {
            conn.write.extend_from_slice(b"0\r\n\r\n");
        }
        conn.flush_write().await?;
        let head = loop {
            if let Some(head) =
                h1::parse_answer(&mut conn.read, &parts.method).map_err(SendError::Exchange)?
            {
                // Interim answers (100 Continue, 103 Early Hints) are not the answer.
                if head.status.is_informational() {
                    continue;
                }
                break head;
            }
            if conn.fill().await? == 0 {
                return Err(SendError::Exchange(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the connection closed before an answer",
                )));
            }
        };
        conn.reusable = head.keep_alive;
        let mut response = Response::new(Streamed {
            decoder: Decoder::new(head.body),
            conn: Some(conn),
            upstream: Arc::clone(self),
        });
        *response.status_mut() = head.status;
        *response.version_mut() = head.version;
        *response.headers_mut() = head.headers;
        if let Some(pass) = head.pass_through {
            response.extensions_mut().insert(pass);
        }
        Ok(response)
    }

    /// The most recently used idle connection that is young enough.
    fn checkout(&self) -> Option<Box<Conn>> {
        let mut idle = self.idle[self.pool()].lock();
        let idle_timeout = self.settings.idle_timeout;
        // Newest last: if the newest is too old, every one is.
        match idle.pop() {
            Some(found) if found.since.elapsed() < idle_timeout => Some(found.conn),
            Some(_) => {
                idle.clear();
                None
            }
            None => None,
        }
    }

    fn checkin(&self, conn: Box<Conn>) {
        if !conn.reusable {
            return;
        }
        let now = Instant::now();
        let mut idle = self.idle[conn.pool].lock();
        // The oldest are first: drop those past the idle timeout while here.
        let stale = idle
            .iter()
            .take_while(|i| now.duration_since(i.since) >= self.settings.idle_timeout)
            .count();
        if stale > 0 {
            idle.drain(..stale);
        }
        if idle.len() < self.settings.max_idle {
            idle.push(Idle { conn, since: now });
        }
    }

    async fn connect(&self) -> Result<Box<Conn>, SendError> {
        let timeout = self.settings.connect_timeout;
        let host = || self.host_port();
        let connect = async {
            let tcp = match &self.host {
                Host::Name(name) => TcpStream::connect((name.as_str(), self.port)).await,
                Host::Ip(ip) => TcpStream::connect((*ip, self.port)).await,
            }
            .map_err(|source| SendError::Connect {
                host: host(),
                source,
            })?;
            // Small requests and answers go out at once rather than waiting on Nagle.
            let _ = tcp.set_nodelay(true);
            let stream = if self.https {
                let tls = self.tls.as_ref().ok_or_else(|| SendError::Tls {
                    host: host(),
                    source: io::Error::other("TLS is not set up"),
                })?;
                let name = match &self.host {
                    Host::Name(name) => rustls::pki_types::ServerName::try_from(name.clone())
                        .map_err(|e| SendError::Tls {
                            host: host(),
                            source: io::Error::new(io::ErrorKind::InvalidInput, e),
                        })?,
                    Host::Ip(ip) => rustls::pki_types::ServerName::IpAddress((*ip).into()),
                };
                let tls = tls
                    .connect(name, tcp)
                    .await
                    .map_err(|source| SendError::Tls {
                        host: host(),
                        source,
                    })?;
                Stream::Tls(Box::new(tls))
            } else {
                Stream::Plain(tcp)
            };
            Ok(Box::new(Conn {
                io: stream,
                read: BytesMut::with_capacity(READ_CHUNK),
                write: Vec::with_capacity(1024),
                reusable: true,
                pool: self.pool(),
            }))
        };
        tokio::time::timeout(timeout, connect)
            .await
            .map_err(|_| SendError::ConnectTimeout { host: host() })?
    }
}

/// Bytes read from the socket at a time (at least).
const READ_CHUNK: usize = 16 * 1024;
/// A streaming request body is written out whenever this much is waiting.
const WRITE_CHUNK: usize = 64 * 1024;

/// How a request's body is framed: its exact length when known (a body read whole), else
/// the caller's `Content-Length` (a streaming one), else chunks. A GET, HEAD, DELETE,
/// OPTIONS or TRACE with nothing to send says nothing about a body, as a client would.
fn framing(parts: &axum::http::request::Parts, body: &Body) -> Framing {
    use axum::http::Method;
    let bodiless = matches!(
        parts.method,
        Method::GET | Method::HEAD | Method::DELETE | Method::OPTIONS | Method::TRACE
    );
    match body.size_hint().exact() {
        Some(0) if bodiless => Framing::None,
        Some(len) => Framing::Length(len),
        None => parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok())
            .map_or(Framing::Chunked, Framing::Length),
    }
}

fn no_context() -> Context<'static> {
    Context::from_waker(std::task::Waker::noop())
}

struct Idle {
    conn: Box<Conn>,
    since: Instant,
}

/// One HTTP/1 connection: its socket and buffers. Boxed wherever it is held: a call moves
/// it from its pool to its answer's body and back.
struct Conn {
    io: Stream,
    /// Read from the socket and not yet taken.
    read: BytesMut,
    /// The request being written.
    write: Vec<u8>,
    /// The connection may carry another request once the current answer is read.
    reusable: bool,
    /// The pool of the event loop its socket is registered with.
    pool: usize,
}

impl Conn {
    /// Whether an idle connection is still usable: nothing to read (an idle connection
    /// with bytes waiting, or at its end, was closed or is out of step).
    fn still_open(&mut self) -> bool {
        if !self.read.is_empty() {
            return false;
        }
        matches!(self.poll_fill(&mut no_context()), Poll::Pending)
    }

    /// Reads what the socket has into `read`: the byte count, 0 at its end.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        h1::poll_fill(&mut self.io, &mut self.read, READ_CHUNK, cx)
    }

    async fn fill(&mut self) -> Result<usize, SendError> {
        poll_fn(|cx| self.poll_fill(cx))
            .await
            .map_err(SendError::Exchange)
    }

    async fn flush_write(&mut self) -> Result<(), SendError> {
        self.io
            .write_all(&self.write)
            .await
            .map_err(SendError::Exchange)?;
        self.write.clear();
        if matches!(self.io, Stream::Tls(_)) {
            self.io.flush().await.map_err(SendError::Exchange)?;
        }
        Ok(())
    }
}

/// An answer's body, read from its connection as it is taken; the connection goes back to
/// its pool once the body has been read to the end.
pub struct Streamed {
    decoder: Decoder,
    conn: Option<Box<Conn>>,
    upstream: Arc<Upstream>,
}

impl Streamed {
    fn recycle(&mut self) {
        if let Some(conn) = self.conn.take()
            && conn.reusable
            && conn.read.is_empty()
        {
            self.upstream.checkin(conn);
        }
    }
}

impl std::fmt::Debug for Streamed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Streamed")
            .field("decoder", &self.decoder)
            .finish_non_exhaustive()
    }
}

impl http_body::Body for Streamed {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = &mut *self;
        loop {
            let Some(conn) = this.conn.as_mut() else {
                return Poll::Ready(None);
            };
            match this.decoder.decode(&mut conn.read) {
                Ok(Decoded::Data(data)) => {
                    if this.decoder.is_done() {
                        this.recycle();
                    }
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                Ok(Decoded::End) => {
                    this.recycle();
                    return Poll::Ready(None);
                }
                Ok(Decoded::More) => {}
                Err(e) => {
                    this.conn = None;
                    return Poll::Ready(Some(Err(e)));
                }
            }
            match conn.poll_fill(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(0)) => {
                    this.conn = None;
                    // A body framed by the close ends there; any other is cut short.
                    if this.decoder.ends_at_close() {
                        this.decoder.finish();
                        return Poll::Ready(None);
                    }
                    return Poll::Ready(Some(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the connection closed before the end of the answer",
                    ))));
                }
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(e)) => {
                    this.conn = None;
                    return Poll::Ready(Some(Err(e)));
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.decoder.is_done()
    }

    fn size_hint(&self) -> SizeHint {
        self.decoder
            .remaining()
            .map_or_else(SizeHint::default, SizeHint::with_exact)
    }
}

impl Drop for Streamed {
    fn drop(&mut self) {
        // A server stops polling a body that says it has ended (an empty one, or one whose
        // declared length has all been read): its connection is still good.
        if self.decoder.is_done() {
            self.recycle();
        }
    }
}

/// A TCP connection, with TLS when the upstream is `https://`.
enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Plain(s) => s.is_write_vectored(),
            Self::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use http_body_util::BodyExt as _;
    use tokio::io::AsyncReadExt as _;
    use tokio::net::TcpListener;

    /// Answers each request on `socket` with `body`, the request line and its `Host`;
    /// closes after `close_after` answers.
    async fn answer<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
        mut socket: S,
        body: &str,
        close_after: Option<usize>,
    ) {
        let mut served = 0;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let Ok(n) = socket.read(&mut chunk).await else {
                return;
            };
            if n == 0 {
                return;
            }
            buf.extend_from_slice(&chunk[..n]);
            while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_string();
                buf.drain(..end + 4);
                let line = head.lines().next().unwrap_or_default().to_owned();
                let host = head
                    .lines()
                    .find_map(|l| l.strip_prefix("host: "))
                    .unwrap_or("-")
                    .to_owned();
                let text = format!("{body} {line} {host}");
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{text}",
                    text.len()
                );
                socket.write_all(answer.as_bytes()).await.unwrap();
                socket.flush().await.unwrap();
                served += 1;
                if close_after == Some(served) {
                    return;
                }
            }
        }
    }

    /// A server answering each request on a connection with a fixed body, counting the
    /// connections it accepted.
    async fn server(
        body: &'static str,
        close_after: Option<usize>,
    ) -> (url::Url, Arc<std::sync::atomic::AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url =
            url::Url::parse(&format!("http://{}/base/", listener.local_addr().unwrap())).unwrap();
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            loop {
                let (socket, _) = listener.accept().await.unwrap();
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::spawn(answer(socket, body, close_after));
            }
        });
        (url, accepted)
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/tls/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[tokio::test]
    async fn https_upstreams_are_reached_over_tls_with_their_name_verified() {
        use rustls::pki_types::pem::PemObject as _;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        // A self-signed certificate for `localhost`, made for this test only
        // (tests/fixtures/tls; its key protects nothing).
        let cert = CertificateDer::from_pem_slice(&fixture("localhost.crt")).unwrap();
        let key = PrivateKeyDer::from_pem_slice(&fixture("localhost.key")).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert.clone()], key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            loop {
                let (socket, _) = listener.accept().await.unwrap();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(socket).await {
                        let sni = tls.get_ref().1.server_name().unwrap_or("-").to_owned();
                        answer(tls, &format!("tls sni={sni}"), None).await;
                    }
                });
            }
        });
        let mut roots = rustls::RootCertStore::empty();
        roots.add(cert).unwrap();
        let client = Arc::new(
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth(),
        );

        let base = url::Url::parse(&format!("https://localhost:{port}/v2")).unwrap();
        let upstream = Arc::new(
            Upstream::new(&base, Some(client.clone()), UpstreamSettings::default()).unwrap(),
        );
        for _ in 0..2 {
            let answer = upstream.send(get(&upstream, "/users")).await.unwrap();
            assert_eq!(
                text(answer).await,
                format!("tls sni=localhost GET /v2/users HTTP/1.1 localhost:{port}")
            );
        }
        assert_eq!(upstream.idle_connections(), 1);

        // The certificate names `localhost`, not 127.0.0.1: refused, nothing answered.
        let other = url::Url::parse(&format!("https://127.0.0.1:{port}/v2")).unwrap();
        let wrong =
            Arc::new(Upstream::new(&other, Some(client), UpstreamSettings::default()).unwrap());
        let error = wrong.send(get(&wrong, "/users")).await.unwrap_err();
        assert!(matches!(error, SendError::Tls { .. }), "{error:?}");
    }

    #[tokio::test]
    async fn idle_connections_are_reused_on_the_event_loop_that_opened_them() {
        let (base, accepted) = server("ok", None).await;
        let upstream = Arc::new(Upstream::new(&base, None, UpstreamSettings::default()).unwrap());
        let pool_of = |worker: &tokio::runtime::Handle| {
            let upstream = upstream.clone();
            worker.spawn(async move { upstream.pool() })
        };
        let a = crate::serving::private_worker();
        let pool_a = pool_of(&a).await.unwrap();
        // Two event loops with pools of their own (more loops than pools share them).
        let b = loop {
            let b = crate::serving::private_worker();
            if pool_of(&b).await.unwrap() != pool_a {
                break b;
            }
        };
        let call = |worker: &tokio::runtime::Handle| {
            let upstream = upstream.clone();
            worker.spawn(
                async move { text(upstream.send(get(&upstream, "/x")).await.unwrap()).await },
            )
        };
        let accepted = || accepted.load(std::sync::atomic::Ordering::SeqCst);
        let authority = upstream.authority().to_str().unwrap().to_owned();
        assert_eq!(
            call(&a).await.unwrap(),
            format!("ok GET /base/x HTTP/1.1 {authority}")
        );
        call(&a).await.unwrap();
        assert_eq!(
            accepted(),
            1,
            "the second call on the same loop reuses the connection"
        );
        // The idle connection belongs to the other loop: a call here opens its own.
        call(&b).await.unwrap();
        assert_eq!(accepted(), 2);
        call(&b).await.unwrap();
        call(&a).await.unwrap();
        assert_eq!(accepted(), 2, "each loop reuses its own connection");
        assert_eq!(upstream.idle_connections(), 2);
    }

    fn get(upstream: &Upstream, path: &str) -> Request<Body> {
        Request::builder()
            .uri(format!("{}{path}", upstream.prefix()))
            .header("host", upstream.authority())
            .body(Body::empty())
            .unwrap()
    }

    async fn text(response: Response<Streamed>) -> String {
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn calls_reuse_one_connection_and_present_origin_form_and_host() {
        let (url, accepted) = server("hi", None).await;
        let upstream = Arc::new(Upstream::new(&url, None, UpstreamSettings::default()).unwrap());
        for i in 0..5 {
            let answer = upstream
                .send(get(&upstream, &format!("/x?i={i}")))
                .await
                .unwrap();
            assert_eq!(
                text(answer).await,
                format!("hi GET /base/x?i={i} HTTP/1.1 {}", url.authority())
            );
        }
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(upstream.idle_connections(), 1);
    }

    #[tokio::test]
    async fn a_connection_the_server_closed_is_replaced() {
        // The server closes each connection after one answer.
        let (url, accepted) = server("hi", Some(1)).await;
        let upstream = Arc::new(Upstream::new(&url, None, UpstreamSettings::default()).unwrap());
        for _ in 0..3 {
            let answer = upstream.send(get(&upstream, "/y")).await.unwrap();
            assert!(text(answer).await.starts_with("hi GET /base/y"));
            // Let the close arrive before the next call takes the connection.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_body_dropped_half_read_takes_its_connection_with_it() {
        let (url, accepted) = server("0123456789", None).await;
        let upstream = Arc::new(Upstream::new(&url, None, UpstreamSettings::default()).unwrap());
        let answer = upstream.send(get(&upstream, "/z")).await.unwrap();
        drop(answer);
        assert_eq!(upstream.idle_connections(), 0);
        let answer = upstream.send(get(&upstream, "/z")).await.unwrap();
        assert!(text(answer).await.starts_with("0123456789 GET /base/z"));
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 2);
        assert_eq!(upstream.idle_connections(), 1);
    }

    /// A server that reads each request whole (by its `Content-Length`, or chunks), records
    /// it, and answers with the next of `answers`, raw; it closes after the last.
    async fn scripted(
        answers: Vec<&'static str>,
    ) -> (
        url::Url,
        Arc<parking_lot::Mutex<Vec<String>>>,
        Arc<std::sync::atomic::AtomicUsize>,
    ) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        let seen = Arc::new(parking_lot::Mutex::new(Vec::new()));
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (log, count) = (seen.clone(), accepted.clone());
        tokio::spawn(async move {
            let mut answers = answers.into_iter();
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                'requests: loop {
                    // The head, then the body as framed.
                    let end = loop {
                        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break end + 4;
                        }
                        let n = socket.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            break 'requests;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                    let done = |b: &[u8]| {
                        if head.contains("transfer-encoding: chunked") {
                            b[end..].windows(5).any(|w| w == b"0\r\n\r\n")
                        } else {
                            let len = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length: "))
                                .map_or(0, |v| v.trim().parse::<usize>().unwrap());
                            b.len() >= end + len
                        }
                    };
                    while !done(&buf) {
                        let n = socket.read(&mut chunk).await.unwrap();
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    log.lock().push(String::from_utf8_lossy(&buf).to_string());
                    buf.clear();
                    let Some(answer) = answers.next() else { return };
                    socket.write_all(answer.as_bytes()).await.unwrap();
                    if answer.contains("Connection: close") || !answer.contains("\r\n\r\n") {
                        break;
                    }
                }
            }
        });
        (url, seen, accepted)
    }

    #[tokio::test]
    async fn bodies_go_up_framed_and_answers_come_back_by_length_chunks_or_close() {
        let (url, seen, accepted) = scripted(vec![
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
             5\r\nhello\r\n6;x=1\r\n world\r\n0\r\nx-trailer: 1\r\n\r\n",
            "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto the close",
            "HTTP/1.1 204 No Content\r\n\r\n",
        ])
        .await;
        let upstream = Arc::new(Upstream::new(&url, None, UpstreamSettings::default()).unwrap());
        let answer = upstream.send(get(&upstream, "/chunked")).await.unwrap();
        assert_eq!(answer.status(), 200);
        assert_eq!(text(answer).await, "hello world");

        // A streamed body of unknown length goes up in chunks.
        let parts = futures_util::stream::iter(["ab", "cd"].map(Ok::<_, io::Error>));
        let request = Request::builder()
            .method("POST")
            .uri("/stream")
            .header("host", upstream.authority())
            .body(Body::from_stream(parts))
            .unwrap();
        let answer = upstream.send(request).await.unwrap();
        assert_eq!(
            (answer.status().as_u16(), text(answer).await.as_str()),
            (201, "ok")
        );
        assert_eq!(
            accepted.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "kept alive"
        );

        // A body of known length goes up with its Content-Length.
        let request = Request::builder()
            .method("PUT")
            .uri("/known")
            .header("host", upstream.authority())
            .body(Body::from("xyz"))
            .unwrap();
        let answer = upstream.send(request).await.unwrap();
        assert_eq!(text(answer).await, "to the close");
        // That answer ran to the close: its connection is not kept.
        assert_eq!(upstream.idle_connections(), 0);
        let answer = upstream.send(get(&upstream, "/after")).await.unwrap();
        assert_eq!(answer.status(), 204);
        assert_eq!(text(answer).await, "");
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 2);

        let seen = seen.lock();
        assert!(
            seen[0].starts_with("GET /chunked HTTP/1.1\r\n"),
            "{}",
            seen[0]
        );
        assert!(
            !seen[0].contains("content-length"),
            "a GET says nothing of a body"
        );
        assert!(
            seen[1].starts_with("POST /stream HTTP/1.1\r\n")
                && seen[1].contains("transfer-encoding: chunked\r\n")
                && seen[1].ends_with("\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n"),
            "{}",
            seen[1]
        );
        assert!(
            seen[2].contains("content-length: 3\r\n") && seen[2].ends_with("\r\n\r\nxyz"),
            "{}",
            seen[2]
        );
    }

    #[tokio::test]
    async fn idle_connections_past_the_timeout_are_not_reused() {
        let (url, accepted) = server("hi", None).await;
        let settings = UpstreamSettings {
            idle_timeout: Duration::from_millis(50),
            ..UpstreamSettings::default()
        };
        let upstream = Arc::new(Upstream::new(&url, None, settings).unwrap());
        text(upstream.send(get(&upstream, "/a")).await.unwrap()).await;
        tokio::time::sleep(Duration::from_millis(80)).await;
        text(upstream.send(get(&upstream, "/a")).await.unwrap()).await;
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_connect_error() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = url::Url::parse(&format!("http://127.0.0.1:{port}")).unwrap();
        let upstream = Arc::new(Upstream::new(&url, None, UpstreamSettings::default()).unwrap());
        let error = upstream.send(get(&upstream, "/")).await.unwrap_err();
        assert!(matches!(error, SendError::Connect { .. }), "{error:?}");
    }

    #[test]
    fn bases_give_authority_and_prefix() {
        let u = |s: &str| url::Url::parse(s).unwrap();
        let a =
            Upstream::new(&u("https://dialpad.com"), None, UpstreamSettings::default()).unwrap();
        assert_eq!(a.authority(), "dialpad.com");
        assert_eq!(a.prefix(), "");
        let b = Upstream::new(
            &u("http://[::1]:8080/v/"),
            None,
            UpstreamSettings::default(),
        )
        .unwrap();
        assert_eq!(b.authority(), "[::1]:8080");
        assert_eq!(b.prefix(), "/v");
        assert!(Upstream::new(&u("ftp://x"), None, UpstreamSettings::default()).is_err());
    }
}
