//! HTTP/1.1 served directly, for the requests the gateway serves most: the proxy's calls.
//!
//! hyper's server turns every request into a dispatch through its generic connection state
//! machine, and every answer through its generic encoder; on a proxied small GET that was
//! over a third of the gateway's instructions, more than the forwarding itself. Here a
//! connection's requests are read with `httparse` into the `http` types the service takes,
//! the service is called, and its answer's head is written straight into a buffer, sent with
//! the body's first bytes in one write.
//!
//! Only what the proxy's callers send is served here: HTTP/1.1 requests whose target the
//! caller accepts, with a body framed by `Content-Length` or chunks. Anything else (another
//! path, HTTP/1.0 or 2, `Expect`, `Upgrade`, a head that is malformed or over
//! [`MAX_HEAD`]) is handed, with the connection and what has been read from it, to hyper,
//! which then serves the rest of the connection: its answers (400, 431, 100 Continue, ...)
//! stay hyper's.

use std::future::{Future, poll_fn};
use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use http_body::Body as _;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::watch;
use tokio::time::Instant;

use super::{CallBound, HttpService, LINGER_MAX_BYTES, LINGER_MAX_TIME};
use crate::proxy::h1::{self, BodyFraming, Decoded, Decoder, HeadCopy, PassThrough};

/// Which request targets are served here (the raw target: path and query).
pub type Accepts = fn(&str) -> bool;

/// The largest request head served here; a larger one goes to hyper, which allows more.
pub const MAX_HEAD: usize = 64 * 1024;
/// The most header lines a request served here may have (hyper's default limit).
const MAX_HEADERS: usize = 100;
/// How much is read at a time.
const READ_CHUNK: usize = 8 * 1024;
/// Body bytes smaller than this are copied into the write buffer, to go out with what
/// precedes them in one write; larger ones are written from where they are.
const COPY_BELOW: usize = 4 * 1024;
/// The write buffer is sent once it holds this much.
const FLUSH_AT: usize = 64 * 1024;

/// How serving a connection here ended.
pub enum Outcome {
    /// The connection is closed.
    Closed,
    /// A request not served here: hyper serves the connection from here on, starting with
    /// what was read of it.
    HandOff(TcpStream, BytesMut),
}

/// Serves `tcp`'s requests with `service` for as long as they are accepted here. Waiting
/// for a head is bounded by `header_read_timeout`; once `stopping` resolves, the
/// connection is closed when idle, and after the answer under way otherwise (`stop` tells).
pub async fn serve<S: HttpService>(
    tcp: TcpStream,
    mut service: S,
    accepts: Accepts,
    header_read_timeout: Duration,
    bound: Option<&CallBound>,
    mut stopping: Pin<&mut impl Future<Output = ()>>,
    stop: &watch::Sender<()>,
) -> Outcome {
    let (read, write) = tcp.into_split();
    let mut reader = Some(Reader {
        io: read,
        buf: BytesMut::with_capacity(READ_CHUNK),
    });
    let mut writer = Writer {
        io: write,
        out: Vec::with_capacity(READ_CHUNK),
    };
    // One timer for the connection, moved only when it fires early: arming one for every
    // head costs more than the rest of reading it.
    let mut deadline: Option<Pin<Box<tokio::time::Sleep>>> = None;
    // The same for the calls' bound: a call's deadline is never before the last one's.
    let mut call_deadline: Option<Pin<Box<tokio::time::Sleep>>> = None;
    loop {
        let Some(mut current) = reader.take() else {
            return Outcome::Closed;
        };
        let mut waiting: Option<Instant> = None;
        let head = loop {
            if !current.buf.is_empty() {
                match parse(&mut current.buf, accepts) {
                    Parsed::Partial => {}
                    Parsed::Other => {
                        if stop.is_closed() {
                            return Outcome::Closed;
                        }
                        return match current.io.reunite(writer.io) {
                            Ok(tcp) => Outcome::HandOff(tcp, current.buf),
                            Err(_) => Outcome::Closed,
                        };
                    }
                    Parsed::Request(head) => break head,
                }
            }
            let since = *waiting.get_or_insert_with(Instant::now);
            let due = since + header_read_timeout;
            let timer = deadline.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(due)));
            tokio::select! {
                biased;
                read = poll_fn(|cx| current.poll_fill(cx)) => match read {
                    Ok(n) if n > 0 => {}
                    _ => return Outcome::Closed,
                },
                () = stopping.as_mut(), if is_blank(&current.buf) => return Outcome::Closed,
                () = timer.as_mut() => {
                    if Instant::now() >= due {
                        return Outcome::Closed;
                    }
                    timer.as_mut().reset(due);
                }
            }
        };
        let head_request = head.method == Method::HEAD;
        let close = head.close;
        let (body, back) = if head.framing == BodyFraming::Empty {
            reader = Some(current);
            (Body::empty(), None)
        } else {
            let back = Arc::new(Mutex::new(None));
            let incoming = Incoming {
                reader: Some(current),
                decoder: Decoder::new(head.framing),
                back: back.clone(),
            };
            (Body::new(incoming), Some(back))
        };
        let mut request = Request::new(body);
        *request.method_mut() = head.method;
        *request.uri_mut() = head.uri;
        *request.headers_mut() = head.headers;
        #[cfg(test)]
        tests::SERVED.set(tests::SERVED.get() + 1);
        let Ok(()) = poll_fn(|cx| service.poll_ready(cx)).await;
        let response = match bound {
            None => {
                let Ok(response) = service.call(request).await;
                response
            }
            Some(bound) => {
                let method = request.method().clone();
                let due = Instant::now() + bound.limit;
                BOUNDING.set(true);
                let call = service.call(request);
                BOUNDING.set(false);
                let timer =
                    call_deadline.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(due)));
                match within(call, timer.as_mut(), due).await {
                    Some(Ok(response)) => response,
                    None => (bound.expired)(&method),
                }
            }
        };
        let close = close || stop.is_closed();
        // The request's body, back from the service once dropped, is read out if it was
        // left unread (as hyper's server does), so that the next request can be read, and
        // even before a close: closing with unread data resets the connection, and a
        // caller still sending would not read its answer. Dropped already, it is read out
        // while the answer is written, or a caller sending all of a large request before
        // reading would wait on the answer as the answer waits on it.
        let taken = |back: &Arc<Mutex<Option<(Reader, Decoder)>>>| {
            back.lock().unwrap_or_else(PoisonError::into_inner).take()
        };
        let keep_alive = match back.as_ref().map(taken) {
            Some(Some((mut current, decoder))) => {
                let answered = writer.respond(response, head_request, close);
                let (keep_alive, drained) = tokio::join!(answered, read_out(&mut current, decoder));
                if !drained {
                    return Outcome::Closed;
                }
                reader = Some(current);
                keep_alive
            }
            _ => {
                let keep_alive = writer.respond(response, head_request, close).await;
                if let Some(back) = &back {
                    let Some((mut current, decoder)) = taken(back) else {
                        // Still held somewhere: the connection cannot go on.
                        return Outcome::Closed;
                    };
                    if !read_out(&mut current, decoder).await {
                        return Outcome::Closed;
                    }
                    reader = Some(current);
                }
                keep_alive
            }
        };
        if !keep_alive {
            let _ = writer.io.shutdown().await;
            return Outcome::Closed;
        }
    }
}

thread_local! {
    /// Set while a bounded call is made (`service.call`), for the service to see.
    static BOUNDING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the call being made (in `Service::call`) is bounded by this server's
/// [`CallBound`]: the service's future then need not bound itself.
pub fn bounds_this_call() -> bool {
    BOUNDING.get()
}

/// `call`'s output, or `None` once `due` has passed. `timer` (the connection's, at or
/// before `due`) is polled on the call's first poll, which registers it with the
/// connection's task, and again only once it has fired: then it is moved to `due` if that
/// is still ahead. A call's polls cost no timer work besides.
async fn within<F: Future>(
    call: F,
    mut timer: Pin<&mut tokio::time::Sleep>,
    due: Instant,
) -> Option<F::Output> {
    let mut call = std::pin::pin!(call);
    let mut registered = false;
    poll_fn(|cx| {
        if let Poll::Ready(output) = call.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        if !registered || timer.is_elapsed() {
            registered = true;
            while timer.as_mut().poll(cx).is_ready() {
                if Instant::now() >= due {
                    return Poll::Ready(None);
                }
                timer.as_mut().reset(due);
            }
        }
        Poll::Pending
    })
    .await
}

/// Whether nothing but the empty lines a caller may send between requests has been read.
fn is_blank(read: &[u8]) -> bool {
    read.iter().all(|b| matches!(b, b'\r' | b'\n'))
}

/// Reads the rest of a request body that was not read, within the bounds a dropped body is
/// read out in (see `Lingering`): whether the connection can go on.
async fn read_out(reader: &mut Reader, mut decoder: Decoder) -> bool {
    if decoder.is_done() {
        return true;
    }
    if decoder.remaining().is_some_and(|n| n > LINGER_MAX_BYTES) {
        return false;
    }
    let drained = async {
        let mut read = 0u64;
        loop {
            match decoder.decode(&mut reader.buf) {
                Ok(Decoded::End) => return true,
                Ok(Decoded::Data(data)) => {
                    read += data.len() as u64;
                    if read > LINGER_MAX_BYTES {
                        return false;
                    }
                }
                Ok(Decoded::More) => match poll_fn(|cx| reader.poll_fill(cx)).await {
                    Ok(n) if n > 0 => {}
                    _ => return false,
                },
                Err(_) => return false,
            }
        }
    };
    tokio::time::timeout(LINGER_MAX_TIME, drained)
        .await
        .unwrap_or(false)
}

/// A request head served here.
struct Head {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    framing: BodyFraming,
    /// `Connection: close`.
    close: bool,
}

// Returned once per request and taken apart at once: boxing the head would cost an
// allocation for nothing.
#[allow(clippy::large_enum_variant)]
enum Parsed {
    /// Not all there yet.
    Partial,
    /// Not for this module.
    Other,
    Request(Head),
}

/// Parses the request head at the front of `buf`, taking it off when it is served here.
fn parse(buf: &mut BytesMut, accepts: Accepts) -> Parsed {
    let mut slots = [const { MaybeUninit::uninit() }; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut []);
    let len = match httparse::ParserConfig::default().parse_request_with_uninit_headers(
        &mut request,
        buf,
        &mut slots,
    ) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if buf.len() <= MAX_HEAD => return Parsed::Partial,
        _ => return Parsed::Other,
    };
    if request.version != Some(1) {
        return Parsed::Other;
    }
    let (Some(method), Some(target)) = (request.method, request.path) else {
        return Parsed::Other;
    };
    if !accepts(target) {
        return Parsed::Other;
    }
    // CONNECT turns the connection into a tunnel: hyper's.
    let Ok(method) = Method::from_bytes(method.as_bytes()) else {
        return Parsed::Other;
    };
    if method == Method::CONNECT {
        return Parsed::Other;
    }
    // The head, copied once (a few hundred bytes), is what the target and the header
    // values are made of; the read buffer stays whole for the next read.
    let copy = HeadCopy::new(buf, len);
    let Ok(uri) = Uri::from_maybe_shared(copy.share(target.as_bytes())) else {
        return Parsed::Other;
    };
    // Room for the request id the gateway adds.
    let mut headers = HeaderMap::with_capacity(request.headers.len() + 1);
    let mut length: Option<u64> = None;
    let mut chunked = false;
    let mut close = false;
    for h in request.headers.iter() {
        let Ok(name) = HeaderName::from_bytes(h.name.as_bytes()) else {
            return Parsed::Other;
        };
        let Ok(value) = HeaderValue::from_maybe_shared(copy.share(h.value)) else {
            return Parsed::Other;
        };
        if name == header::CONTENT_LENGTH {
            // One length, once: anything else is hyper's to refuse.
            let Some(n) = crate::proxy::h1::content_length(value.as_bytes()) else {
                return Parsed::Other;
            };
            if length.replace(n).is_some() {
                return Parsed::Other;
            }
        } else if name == header::TRANSFER_ENCODING {
            // `chunked` alone, once.
            if chunked
                || !value
                    .as_bytes()
                    .trim_ascii()
                    .eq_ignore_ascii_case(b"chunked")
            {
                return Parsed::Other;
            }
            chunked = true;
        } else if name == header::CONNECTION {
            for token in value.as_bytes().split(|b| *b == b',') {
                let token = token.trim_ascii();
                if token.eq_ignore_ascii_case(b"close") {
                    close = true;
                } else if token.eq_ignore_ascii_case(b"upgrade") {
                    return Parsed::Other;
                }
            }
        } else if name == header::EXPECT || name == header::UPGRADE {
            return Parsed::Other;
        }
        headers.append(name, value);
    }
    let framing = match (chunked, length) {
        (true, Some(_)) => return Parsed::Other,
        (true, None) => BodyFraming::Chunked,
        (false, None | Some(0)) => BodyFraming::Empty,
        (false, Some(n)) => BodyFraming::Length(n),
    };
    bytes::Buf::advance(buf, len);
    Parsed::Request(Head {
        method,
        uri,
        headers,
        framing,
        close,
    })
}

/// A connection's read side and what has been read from it.
struct Reader {
    io: OwnedReadHalf,
    buf: BytesMut,
}

impl Reader {
    /// Reads what the socket has into `buf`: the byte count, 0 at its end.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        h1::poll_fill(&mut self.io, &mut self.buf, READ_CHUNK, cx)
    }
}

/// A request's body, read from the connection as the service asks for it. Dropped, it
/// gives the connection's read side back.
struct Incoming {
    reader: Option<Reader>,
    decoder: Decoder,
    back: Arc<Mutex<Option<(Reader, Decoder)>>>,
}

impl http_body::Body for Incoming {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        let Some(reader) = this.reader.as_mut() else {
            return Poll::Ready(None);
        };
        loop {
            match this.decoder.decode(&mut reader.buf) {
                Ok(Decoded::Data(data)) => {
                    return Poll::Ready(Some(Ok(http_body::Frame::data(data))));
                }
                Ok(Decoded::End) => return Poll::Ready(None),
                Ok(Decoded::More) => match std::task::ready!(reader.poll_fill(cx)) {
                    Ok(0) => {
                        return Poll::Ready(Some(Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the connection closed before the request's body ended",
                        ))));
                    }
                    Ok(_) => {}
                    Err(e) => return Poll::Ready(Some(Err(e))),
                },
                Err(e) => return Poll::Ready(Some(Err(e))),
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.decoder.is_done()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.decoder.remaining().map_or_else(
            http_body::SizeHint::default,
            http_body::SizeHint::with_exact,
        )
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        if let Some(reader) = self.reader.take() {
            let decoder = std::mem::replace(&mut self.decoder, Decoder::new(BodyFraming::Empty));
            *self.back.lock().unwrap_or_else(PoisonError::into_inner) = Some((reader, decoder));
        }
    }
}

/// How an answer's body is framed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// It has none (HEAD, 204, 304): the headers go as they are.
    Bodiless,
    Length(u64),
    Chunked,
}

/// A connection's write side and its buffer.
struct Writer {
    io: OwnedWriteHalf,
    out: Vec<u8>,
}

impl Writer {
    /// Writes `response`: whether the connection can carry another request.
    async fn respond(&mut self, response: Response, head_request: bool, mut close: bool) -> bool {
        let (parts, mut body) = response.into_parts();
        let status = parts.status;
        let framing = if head_request
            || status.is_informational()
            || status == StatusCode::NO_CONTENT
            || status == StatusCode::NOT_MODIFIED
        {
            Framing::Bodiless
        } else if let Some(n) = body.size_hint().exact() {
            Framing::Length(n)
        } else if let Some(n) = declared_length(&parts.headers) {
            Framing::Length(n)
        } else {
            Framing::Chunked
        };
        close |= parts
            .headers
            .get_all(header::CONNECTION)
            .iter()
            .any(|v| has_token(v, b"close"));
        // A HEAD's answer tells the length a GET's body would have, when it is known.
        let length = match framing {
            Framing::Bodiless
                if head_request && !parts.headers.contains_key(header::CONTENT_LENGTH) =>
            {
                body.size_hint().exact().filter(|n| *n > 0)
            }
            _ => None,
        };
        encode_head(
            &mut self.out,
            status,
            &parts.headers,
            parts.extensions.get::<PassThrough>(),
            framing,
            length,
            close,
        );
        if framing == Framing::Bodiless {
            return self.flush().await.is_ok() && !close;
        }
        match self.body(&mut body, framing).await {
            Ok(complete) => complete && !close,
            Err(e) => {
                tracing::trace!(error = %e, "cannot write an answer");
                false
            }
        }
    }

    /// Writes the body: whether it was written whole (a body that fails, or runs shorter
    /// or longer than its length, leaves the connection unusable).
    async fn body(&mut self, body: &mut Body, framing: Framing) -> io::Result<bool> {
        use http_body_util::BodyExt as _;
        let mut left = match framing {
            Framing::Length(n) => n,
            _ => u64::MAX,
        };
        loop {
            // Polled once as it is; when it has nothing yet, what is written so far goes
            // out before waiting.
            let frame = match poll_fn(|cx| Poll::Ready(Pin::new(&mut *body).poll_frame(cx))).await {
                Poll::Ready(frame) => frame,
                Poll::Pending => {
                    self.flush().await?;
                    body.frame().await
                }
            };
            let data = match frame {
                None => break,
                Some(Err(e)) => {
                    tracing::debug!(error = %e, "an answer's body failed");
                    self.flush().await?;
                    return Ok(false);
                }
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) if !data.is_empty() => data,
                    // Trailers are not sent (the caller did not ask for them with `TE`).
                    _ => continue,
                },
            };
            if framing == Framing::Chunked {
                h1::chunk_size_line(&mut self.out, data.len());
                self.data(&data).await?;
                self.out.extend_from_slice(b"\r\n");
            } else {
                let len = data.len() as u64;
                if len > left {
                    let fits = usize::try_from(left).unwrap_or(usize::MAX);
                    self.data(&data[..fits]).await?;
                    self.flush().await?;
                    return Ok(false);
                }
                left -= len;
                self.data(&data).await?;
            }
            if self.out.len() >= FLUSH_AT {
                self.flush().await?;
            }
        }
        if framing == Framing::Chunked {
            self.out.extend_from_slice(b"0\r\n\r\n");
        }
        self.flush().await?;
        Ok(framing == Framing::Chunked || left == 0)
    }

    /// Body bytes: small ones copied behind what is buffered, large ones written with it.
    async fn data(&mut self, data: &[u8]) -> io::Result<()> {
        if data.len() < COPY_BELOW {
            self.out.extend_from_slice(data);
            return Ok(());
        }
        let (mut first, mut second) = (&self.out[..], data);
        while !first.is_empty() || !second.is_empty() {
            let n = if first.is_empty() {
                self.io.write(second).await?
            } else {
                let slices = [IoSlice::new(first), IoSlice::new(second)];
                self.io.write_vectored(&slices).await?
            };
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            let from_first = n.min(first.len());
            first = &first[from_first..];
            second = &second[n - from_first..];
        }
        self.out.clear();
        Ok(())
    }

    async fn flush(&mut self) -> io::Result<()> {
        if !self.out.is_empty() {
            self.io.write_all(&self.out).await?;
            self.out.clear();
        }
        Ok(())
    }
}

/// A `Content-Length` the service set itself, for a body of no known size.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    let mut values = headers.get_all(header::CONTENT_LENGTH).iter();
    let first = values.next()?;
    if values.next().is_some() {
        return None;
    }
    first.to_str().ok()?.trim().parse().ok()
}

fn has_token(value: &HeaderValue, token: &[u8]) -> bool {
    value
        .as_bytes()
        .split(|b| *b == b',')
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(token))
}

/// Writes the status line and headers: an upstream answer's lines passed through as they
/// are, then the service's headers, but for their framing ones, which are written from
/// `framing` (or, for a HEAD, `head_length`); a `Date` if neither has one; `Connection:
/// close` when the connection closes after this answer.
fn encode_head(
    out: &mut Vec<u8>,
    status: StatusCode,
    headers: &HeaderMap,
    pass: Option<&PassThrough>,
    framing: Framing,
    head_length: Option<u64>,
    close: bool,
) {
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(status.canonical_reason().unwrap_or("").as_bytes());
    out.extend_from_slice(b"\r\n");
    if let Some(pass) = pass {
        out.extend_from_slice(&pass.lines);
    }
    let mut closing = false;
    for (name, value) in headers {
        if framing != Framing::Bodiless
            && (name == header::CONTENT_LENGTH || name == header::TRANSFER_ENCODING)
        {
            continue;
        }
        if name == header::CONNECTION {
            closing |= has_token(value, b"close");
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    match framing {
        Framing::Bodiless => {
            if let Some(n) = head_length {
                out.extend_from_slice(b"content-length: ");
                out.extend_from_slice(crate::proxy::h1::itoa(n, &mut [0; 20]));
                out.extend_from_slice(b"\r\n");
            }
        }
        Framing::Length(n) => {
            out.extend_from_slice(b"content-length: ");
            out.extend_from_slice(crate::proxy::h1::itoa(n, &mut [0; 20]));
            out.extend_from_slice(b"\r\n");
        }
        Framing::Chunked => out.extend_from_slice(b"transfer-encoding: chunked\r\n"),
    }
    if !pass.is_some_and(|p| p.has_date) && !headers.contains_key(header::DATE) {
        out.extend_from_slice(b"date: ");
        http_date(|date| out.extend_from_slice(date));
        out.extend_from_slice(b"\r\n");
    }
    if close && !closing {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

thread_local! {
    /// The current second, written as an HTTP date, made once a second per thread.
    static DATE: std::cell::RefCell<(u64, String)> = const { std::cell::RefCell::new((0, String::new())) };
}

/// Calls `write` with the current time as an HTTP date (`Sat, 21 Nov 2026 15:00:00 GMT`).
fn http_date(write: impl FnOnce(&[u8])) {
    let now = SystemTime::now();
    let second = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    DATE.with_borrow_mut(|(at, text)| {
        if *at != second || text.is_empty() {
            *at = second;
            *text = httpdate::fmt_http_date(now);
        }
        write(text.as_bytes());
    });
}

/// What hyper reads of a handed-off connection: what was read of it here, then the rest.
pub struct Prefixed {
    prefix: BytesMut,
    io: TcpStream,
}

impl Prefixed {
    pub fn new(prefix: BytesMut, io: TcpStream) -> Self {
        Self { prefix, io }
    }
}

impl AsyncRead for Prefixed {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.prefix.is_empty() {
            return Pin::new(&mut this.io).poll_read(cx, buf);
        }
        let n = this.prefix.len().min(buf.remaining());
        buf.put_slice(&this.prefix.split_to(n));
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Prefixed {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::convert::Infallible;
    use std::net::SocketAddr;

    use http_body_util::BodyExt as _;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::sync::oneshot;

    use super::super::{Options, serve_on};
    use super::*;
    use crate::proxy::h1::{self, Head as Answer};

    thread_local! {
        /// Requests served here on this thread: a test's connections are served on its own
        /// thread (a current-thread runtime, the shared workers).
        pub static SERVED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    /// What `/d/big` answers, without reading the request's body: more than the socket
    /// buffers of both directions hold.
    const BIG: usize = 8 * 1024 * 1024;

    /// `/d/…` is served here, the rest by hyper.
    fn under_d(target: &str) -> bool {
        target.starts_with("/d/")
    }

    /// `/d/echo` (or any other path): the method, target and body read whole;
    /// `/d/ignore`: answered without reading the body; `/d/stream`: an answer of no known
    /// length; `/d/empty`: 204; `/d/fail`: an answer whose body fails after a piece.
    async fn app(request: Request) -> Result<Response, Infallible> {
        let (parts, body) = request.into_parts();
        let answer = match parts.uri.path() {
            "/d/ignore" => Response::new(Body::from("ignored")),
            "/d/big" => Response::new(Body::from(vec![b'a'; BIG])),
            "/d/stream" => {
                let pieces = ["a".to_owned(), "b".repeat(10_000), "c".to_owned()];
                let stream =
                    futures_util::stream::iter(pieces.map(|p| Ok::<_, Infallible>(Bytes::from(p))));
                Response::new(Body::from_stream(stream))
            }
            "/d/pass" | "/pass" => {
                // A proxied answer: the upstream's lines passed through, beside a header
                // of the service's own.
                let mut answer = Response::new(Body::from("passed"));
                answer.extensions_mut().insert(h1::PassThrough {
                    lines: Bytes::from_static(
                        b"X-Upstream: 1\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n\
                          Date: Sat, 21 Nov 2026 15:00:00 GMT\r\n",
                    ),
                    has_date: true,
                });
                answer
                    .headers_mut()
                    .insert("x-request-id", HeaderValue::from_static("ours"));
                answer
            }
            "/d/sleep" => {
                let ms = parts.uri.query().and_then(|q| q.parse().ok()).unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Response::new(Body::from("slept"))
            }
            "/d/empty" => {
                let mut answer = Response::new(Body::empty());
                *answer.status_mut() = StatusCode::NO_CONTENT;
                answer
            }
            "/d/fail" => {
                let stream = futures_util::stream::iter([
                    Ok(Bytes::from("partial")),
                    Err(io::Error::other("the upstream went away")),
                ]);
                Response::new(Body::from_stream(stream))
            }
            _ => {
                let body = body.collect().await.map(|b| b.to_bytes());
                let text = match body {
                    Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                    Err(e) => format!("<{e}>"),
                };
                Response::new(Body::from(format!("{} {} {text}", parts.method, parts.uri)))
            }
        };
        Ok(answer)
    }

    type Served = tokio::task::JoinHandle<io::Result<()>>;

    async fn start() -> (SocketAddr, oneshot::Sender<()>) {
        let (addr, stop, _) = start_served().await;
        (addr, stop)
    }

    async fn start_served() -> (SocketAddr, oneshot::Sender<()>, Served) {
        start_bounded(None).await
    }

    async fn start_bounded(bound: Option<CallBound>) -> (SocketAddr, oneshot::Sender<()>, Served) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let options = Options {
            header_read_timeout: Duration::from_secs(5),
            direct: Some(under_d),
            bound,
        };
        let served = tokio::spawn(serve_on(
            listener,
            tower::service_fn(app),
            Vec::new(),
            options,
            async move {
                let _ = stopped.await;
            },
        ));
        (addr, stop, served)
    }

    /// A caller writing raw bytes and reading answers one by one.
    struct Raw {
        read: OwnedReadHalf,
        write: Option<OwnedWriteHalf>,
        buf: BytesMut,
    }

    impl Raw {
        async fn connect(addr: SocketAddr) -> Self {
            let (read, write) = TcpStream::connect(addr).await.unwrap().into_split();
            Self {
                read,
                write: Some(write),
                buf: BytesMut::new(),
            }
        }

        async fn send(&mut self, bytes: &[u8]) {
            let write = self.write.as_mut().unwrap();
            write.write_all(bytes).await.unwrap();
        }

        async fn fill(&mut self) -> usize {
            tokio::time::timeout(Duration::from_secs(5), self.read.read_buf(&mut self.buf))
                .await
                .expect("an answer in time")
                .unwrap()
        }

        /// The next answer to a request with `method`: its head and its whole body.
        async fn answer(&mut self, method: &Method) -> (Answer, String) {
            let head = loop {
                if let Some(head) = h1::parse_head(&mut self.buf, method).unwrap() {
                    if !head.status.is_informational() {
                        break head;
                    }
                    continue;
                }
                assert!(self.fill().await > 0, "closed before an answer");
            };
            let mut decoder = Decoder::new(head.body);
            let mut body = Vec::new();
            loop {
                match decoder.decode(&mut self.buf).unwrap() {
                    Decoded::Data(data) => body.extend_from_slice(&data),
                    Decoded::End => break,
                    Decoded::More => {
                        if self.fill().await == 0 {
                            assert!(decoder.ends_at_close(), "closed within a body");
                            break;
                        }
                    }
                }
            }
            (head, String::from_utf8(body).unwrap())
        }

        /// Whether the server closes the connection (after any bytes still to come).
        async fn closed(&mut self) -> bool {
            let mut rest = Vec::new();
            matches!(
                tokio::time::timeout(Duration::from_secs(5), self.read.read_to_end(&mut rest))
                    .await,
                Ok(Ok(_) | Err(_))
            )
        }
    }

    #[tokio::test]
    async fn pipelined_requests_and_bodies_framed_either_way_are_served_in_order() {
        let (addr, _stop) = start().await;
        let mut raw = Raw::connect(addr).await;
        raw.send(
            b"GET /d/echo?a=1&a=2&b=%2F HTTP/1.1\r\nhost: x\r\n\r\n\
              POST /d/echo HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello\
              PUT /d/echo HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n\
              3;ext=1\r\nhel\r\n2\r\nlo\r\n0\r\ntrailer: t\r\n\r\n\
              HEAD /d/echo HTTP/1.1\r\nhost: x\r\n\r\n",
        )
        .await;
        let (head, body) = raw.answer(&Method::GET).await;
        assert_eq!(head.status, 200);
        assert_eq!(body, "GET /d/echo?a=1&a=2&b=%2F ");
        assert_eq!(head.headers["content-length"], "26");
        assert!(head.headers.contains_key("date"));
        assert!(head.keep_alive);
        assert_eq!(raw.answer(&Method::POST).await.1, "POST /d/echo hello");
        assert_eq!(raw.answer(&Method::PUT).await.1, "PUT /d/echo hello");
        let (head, body) = raw.answer(&Method::HEAD).await;
        assert_eq!((head.status.as_u16(), body.as_str()), (200, ""));
        assert_eq!(head.headers["content-length"], "13");
        // All four here, none by hyper.
        assert_eq!(SERVED.get(), 4);
    }

    #[tokio::test]
    async fn passed_through_lines_are_written_as_they_are_here_and_by_hyper() {
        let (addr, _stop) = start().await;
        let mut raw = Raw::connect(addr).await;
        // Here, then (after the hand-off) by hyper.
        raw.send(b"GET /d/pass HTTP/1.1\r\nhost: x\r\n\r\nGET /pass HTTP/1.1\r\nhost: x\r\n\r\n")
            .await;
        for served_here in [true, false] {
            let (head, body) = raw.answer(&Method::GET).await;
            assert_eq!((head.status.as_u16(), body.as_str()), (200, "passed"));
            let h = &head.headers;
            assert_eq!(h["x-upstream"], "1", "{h:?}");
            let cookies: Vec<_> = h.get_all("set-cookie").iter().collect();
            assert_eq!(cookies, ["a=1", "b=2"]);
            // The upstream's date, and no second one.
            let dates: Vec<_> = h.get_all("date").iter().collect();
            assert_eq!(dates, ["Sat, 21 Nov 2026 15:00:00 GMT"]);
            assert_eq!(h["x-request-id"], "ours");
            assert_eq!(h["content-length"], "6");
            assert_eq!(h.len(), 6, "{h:?} (served here: {served_here})");
        }
        assert_eq!(SERVED.get(), 1);
    }

    #[tokio::test]
    async fn calls_past_the_bound_are_answered_by_it_and_the_connection_goes_on() {
        let bound = CallBound {
            limit: Duration::from_millis(300),
            expired: Arc::new(|method| {
                let mut answer = Response::new(Body::from(format!("expired {method}")));
                *answer.status_mut() = StatusCode::GATEWAY_TIMEOUT;
                answer
            }),
        };
        let (addr, _stop, _) = start_bounded(Some(bound)).await;
        let mut raw = Raw::connect(addr).await;
        let mut call = async |target: &str| {
            let started = std::time::Instant::now();
            raw.send(format!("GET {target} HTTP/1.1\r\nhost: x\r\n\r\n").as_bytes())
                .await;
            let (head, body) = raw.answer(&Method::GET).await;
            (head.status.as_u16(), body, started.elapsed())
        };
        // The first call sets the connection's timer; a later call still under its own
        // bound outlives that timer (which fires early and is moved).
        assert_eq!(call("/d/echo").await.0, 200);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (status, body, _) = call("/d/sleep?200").await;
        assert_eq!((status, body.as_str()), (200, "slept"));
        // Past the bound: its answer, at the bound, not before.
        let (status, body, took) = call("/d/sleep?5000").await;
        assert_eq!((status, body.as_str()), (504, "expired GET"));
        assert!(took >= Duration::from_millis(290), "{took:?}");
        assert!(took < Duration::from_secs(3), "{took:?}");
        // Again after the timer has fired and sat idle: a whole bound again.
        tokio::time::sleep(Duration::from_millis(400)).await;
        let (status, _, took) = call("/d/sleep?5000").await;
        assert_eq!(status, 504);
        assert!(took >= Duration::from_millis(290), "{took:?}");
        assert_eq!(call("/d/sleep?10").await.1, "slept");
        assert_eq!(SERVED.get(), 5);
    }

    #[tokio::test]
    async fn answers_of_no_known_length_go_in_chunks_and_a_204_has_no_framing() {
        let (addr, _stop) = start().await;
        let mut raw = Raw::connect(addr).await;
        raw.send(b"GET /d/stream HTTP/1.1\r\nhost: x\r\n\r\n").await;
        let (head, body) = raw.answer(&Method::GET).await;
        assert_eq!(head.headers["transfer-encoding"], "chunked");
        assert!(!head.headers.contains_key("content-length"));
        assert_eq!(body, format!("a{}c", "b".repeat(10_000)));
        raw.send(b"DELETE /d/empty HTTP/1.1\r\nhost: x\r\n\r\n")
            .await;
        let (head, body) = raw.answer(&Method::DELETE).await;
        assert_eq!((head.status.as_u16(), body.as_str()), (204, ""));
        assert!(!head.headers.contains_key("content-length"));
        assert!(!head.headers.contains_key("transfer-encoding"));
        raw.send(b"GET /d/echo HTTP/1.1\r\nhost: x\r\n\r\n").await;
        assert_eq!(raw.answer(&Method::GET).await.1, "GET /d/echo ");
        assert_eq!(SERVED.get(), 3);
    }

    #[tokio::test]
    async fn a_body_left_unread_is_read_out_and_the_connection_goes_on() {
        let (addr, _stop) = start().await;
        let mut raw = Raw::connect(addr).await;
        // 300 KB the service never reads: more than the socket buffers hold, so the
        // caller is still sending when the answer comes.
        let big = vec![b'x'; 300_000];
        let mut request = format!(
            "POST /d/ignore HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n",
            big.len()
        )
        .into_bytes();
        request.extend_from_slice(&big);
        request.extend_from_slice(
            b"POST /d/ignore HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n\
              5\r\nhello\r\n0\r\n\r\n\
              GET /d/echo HTTP/1.1\r\nhost: x\r\n\r\n",
        );
        let mut write = raw.write.take().unwrap();
        let sending = tokio::spawn(async move {
            write.write_all(&request).await.unwrap();
            write
        });
        let mut bodies = Vec::new();
        for method in [Method::POST, Method::POST, Method::GET] {
            bodies.push(raw.answer(&method).await.1);
        }
        assert_eq!(bodies, ["ignored", "ignored", "GET /d/echo "]);
        drop(sending.await.unwrap());
        assert_eq!(SERVED.get(), 3);
    }

    #[tokio::test]
    async fn what_is_not_served_here_goes_to_hyper_on_the_same_connection() {
        let (addr, _stop) = start().await;
        let mut raw = Raw::connect(addr).await;
        raw.send(b"GET /d/echo HTTP/1.1\r\nhost: x\r\n\r\n").await;
        assert_eq!(raw.answer(&Method::GET).await.1, "GET /d/echo ");
        assert_eq!(SERVED.get(), 1);
        // Another path, with a body partly read ahead: hyper takes over.
        raw.send(b"POST /other HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\n\r\nab")
            .await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        raw.send(b"cd").await;
        assert_eq!(raw.answer(&Method::POST).await.1, "POST /other abcd");
        raw.send(b"GET /d/echo HTTP/1.1\r\nhost: x\r\n\r\n").await;
        assert_eq!(raw.answer(&Method::GET).await.1, "GET /d/echo ");
        assert_eq!(SERVED.get(), 1, "hyper serves the rest of the connection");

        // `Expect: 100-continue`: hyper's interim answer, then the answer.
        let mut raw = Raw::connect(addr).await;
        raw.send(
            b"POST /d/echo HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: 2\r\n\r\n",
        )
        .await;
        raw.fill().await;
        assert!(raw.buf.starts_with(b"HTTP/1.1 100 Continue\r\n"));
        raw.send(b"hi").await;
        assert_eq!(raw.answer(&Method::POST).await.1, "POST /d/echo hi");

        // HTTP/1.0, and a malformed head: hyper's answers.
        let mut raw = Raw::connect(addr).await;
        raw.send(b"GET /d/echo HTTP/1.0\r\n\r\n").await;
        let (head, body) = raw.answer(&Method::GET).await;
        assert_eq!((head.status.as_u16(), body.as_str()), (200, "GET /d/echo "));
        let mut raw = Raw::connect(addr).await;
        raw.send(b"GET /d/echo HTTP/1.1\r\nno colon\r\n\r\n").await;
        assert_eq!(raw.answer(&Method::GET).await.0.status, 400);
        // Two lengths that disagree: refused by hyper.
        let mut raw = Raw::connect(addr).await;
        raw.send(b"POST /d/echo HTTP/1.1\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab")
            .await;
        assert_eq!(raw.answer(&Method::POST).await.0.status, 400);
        // A length beside chunks: read as chunks by hyper (RFC 9112 §6.3), and the
        // connection closed after.
        let mut raw = Raw::connect(addr).await;
        raw.send(
            b"POST /d/echo HTTP/1.1\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n\
              2\r\nab\r\n0\r\n\r\n",
        )
        .await;
        let (head, body) = raw.answer(&Method::POST).await;
        assert_eq!(
            (head.status.as_u16(), body.as_str()),
            (200, "POST /d/echo ab")
        );
        assert!(!head.keep_alive);
        assert!(raw.closed().await);
        assert_eq!(SERVED.get(), 1);
    }

    #[tokio::test]
    async fn connection_close_is_honoured_and_a_failed_body_closes_the_connection() {
        let (addr, _stop) = start().await;
        let mut raw = Raw::connect(addr).await;
        raw.send(b"GET /d/echo HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await;
        let (head, body) = raw.answer(&Method::GET).await;
        assert_eq!(body, "GET /d/echo ");
        assert_eq!(head.headers["connection"], "close");
        assert!(raw.closed().await);

        // A body that fails after its first piece: the piece, then the close, without the
        // last chunk (the caller sees the answer cut short).
        let mut raw = Raw::connect(addr).await;
        raw.send(b"GET /d/fail HTTP/1.1\r\nhost: x\r\n\r\n").await;
        let mut all = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), raw.read.read_to_end(&mut all))
            .await
            .expect("closed")
            .unwrap();
        let all = String::from_utf8(all).unwrap();
        assert!(all.contains("transfer-encoding: chunked"), "{all}");
        assert!(all.ends_with("7\r\npartial\r\n"), "{all}");
        assert_eq!(SERVED.get(), 2);
    }

    #[tokio::test]
    async fn a_malformed_body_is_never_read_past() {
        let (addr, _stop) = start().await;
        // A chunk-size line with a bare LF (a peer ending lines at LF reads one chunk
        // hiding the GET), then a size that is not hex: each answered (the service sees
        // the error), then the connection closed, the GET after it never served.
        for body in [&b"2;\nxx\r\n45\r\n0\r\n\r\n"[..], b"zz\r\n0\r\n\r\n"] {
            let served = SERVED.get();
            let mut raw = Raw::connect(addr).await;
            let mut request =
                b"POST /d/echo HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
            request.extend_from_slice(body);
            request.extend_from_slice(b"GET /d/echo?smuggled HTTP/1.1\r\nhost: x\r\n\r\n");
            raw.send(&request).await;
            let (_, text) = raw.answer(&Method::POST).await;
            assert!(text.starts_with("POST /d/echo <"), "{text}");
            assert!(raw.closed().await);
            assert!(raw.buf.is_empty(), "{:?}", raw.buf);
            assert_eq!(SERVED.get(), served + 1);
        }
        // A signed length: hyper's to refuse.
        let mut raw = Raw::connect(addr).await;
        raw.send(b"POST /d/echo HTTP/1.1\r\nhost: x\r\ncontent-length: +2\r\n\r\nab")
            .await;
        assert_eq!(raw.answer(&Method::POST).await.0.status, 400);
        assert_eq!(SERVED.get(), 2);
    }

    #[tokio::test]
    async fn a_large_request_left_unread_is_read_out_while_a_large_answer_is_written() {
        let (addr, _stop) = start().await;
        let mut raw = Raw::connect(addr).await;
        let mut request =
            format!("POST /d/big HTTP/1.1\r\nhost: x\r\ncontent-length: {BIG}\r\n\r\n")
                .into_bytes();
        request.extend(std::iter::repeat_n(b'x', BIG));
        request.extend_from_slice(b"GET /d/echo HTTP/1.1\r\nhost: x\r\n\r\n");
        // The caller writes all of it before reading anything.
        let mut write = raw.write.take().unwrap();
        tokio::time::timeout(Duration::from_secs(20), write.write_all(&request))
            .await
            .expect("the request is read while the answer is written")
            .unwrap();
        let (head, body) = raw.answer(&Method::POST).await;
        assert_eq!((head.status.as_u16(), body.len()), (200, BIG));
        assert_eq!(raw.answer(&Method::GET).await.1, "GET /d/echo ");
        assert_eq!(SERVED.get(), 2);
    }

    #[tokio::test]
    async fn at_shutdown_an_idle_connection_is_closed() {
        let (addr, stop, served) = start_served().await;
        let mut raw = Raw::connect(addr).await;
        raw.send(b"GET /d/echo HTTP/1.1\r\nhost: x\r\n\r\n").await;
        assert_eq!(raw.answer(&Method::GET).await.1, "GET /d/echo ");
        // An empty line between requests is still idle.
        raw.send(b"\r\n").await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        stop.send(()).unwrap();
        assert!(raw.closed().await);
        tokio::time::timeout(Duration::from_secs(2), served)
            .await
            .expect("serve returns once the connection is closed")
            .unwrap()
            .unwrap();
    }
}
