//! HTTP/1.1 on the proxy's upstream connections, written for the one thing they do: the
//! request head is written straight into a buffer, the answer's head is parsed with
//! `httparse` into the `http` types the caller's answer is made of, and its body is
//! decoded as it was framed (a length, chunks, or up to the close).

use std::io;

use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode, Version};
use bytes::{Buf as _, Bytes, BytesMut};

/// The largest answer head accepted.
pub const MAX_HEAD: usize = 1024 * 1024;
/// The most header lines an answer may have.
const MAX_HEADERS: usize = 128;

/// How a request's body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body, and no `Content-Length` either (a GET with nothing to send).
    None,
    /// `Content-Length`.
    Length(u64),
    /// `Transfer-Encoding: chunked`: the length is not known up front.
    Chunked,
}

/// Writes a request head: the request line, the caller's headers but their framing ones,
/// then this request's framing.
pub fn encode_head(
    buf: &mut Vec<u8>,
    method: &Method,
    target: &str,
    headers: &HeaderMap,
    framing: Framing,
) {
    buf.extend_from_slice(method.as_str().as_bytes());
    buf.push(b' ');
    buf.extend_from_slice(target.as_bytes());
    buf.extend_from_slice(b" HTTP/1.1\r\n");
    for (name, value) in headers {
        if name == header::CONTENT_LENGTH || name == header::TRANSFER_ENCODING {
            continue;
        }
        buf.extend_from_slice(name.as_str().as_bytes());
        buf.extend_from_slice(b": ");
        buf.extend_from_slice(value.as_bytes());
        buf.extend_from_slice(b"\r\n");
    }
    match framing {
        Framing::None => {}
        Framing::Length(len) => {
            buf.extend_from_slice(b"content-length: ");
            buf.extend_from_slice(itoa(len, &mut [0; 20]));
            buf.extend_from_slice(b"\r\n");
        }
        Framing::Chunked => buf.extend_from_slice(b"transfer-encoding: chunked\r\n"),
    }
    buf.extend_from_slice(b"\r\n");
}

/// `n` in decimal, in `out`.
pub fn itoa(mut n: u64, out: &mut [u8; 20]) -> &[u8] {
    let mut at = out.len();
    loop {
        at -= 1;
        out[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &out[at..];
        }
    }
}

/// How an answer's body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
    /// None (HEAD, 204, 304).
    Empty,
    /// `Content-Length`.
    Length(u64),
    /// Chunked.
    Chunked,
    /// Up to the connection's close.
    Close,
}

/// An answer's head.
#[derive(Debug)]
pub struct Head {
    /// The status.
    pub status: StatusCode,
    /// HTTP/1.0 or 1.1.
    pub version: Version,
    /// Its headers, as sent (empty when they are passed through instead).
    pub headers: HeaderMap,
    /// Its end-to-end header lines, when they are passed through rather than parsed.
    pub pass_through: Option<PassThrough>,
    /// How its body is framed.
    pub body: BodyFraming,
    /// Whether the connection may carry another request after this answer.
    pub keep_alive: bool,
}

/// An upstream answer's end-to-end header lines exactly as sent (`Name: value\r\n` each),
/// carried in the response's extensions in place of its `HeaderMap`: a server that can
/// write them as they are (`serving::direct`) does, and every other one first appends them
/// to the response's headers ([`PassThrough::expand`]). Left out are the hop-by-hop lines
/// (which `proxy::headers` strips from a `HeaderMap` too), the framing ones (the body's
/// length frames the caller's answer) and `x-request-id` (the gateway sets its own).
///
/// Made only for the common answer ([`parse_head`]): one with a body framed by a length or
/// chunks, a status the proxy passes straight on (not 1xx, 429 or 5xx, whose headers
/// its retries read), and a `Connection` header naming no other header.
#[derive(Debug, Clone)]
pub struct PassThrough {
    /// The header lines.
    pub lines: Bytes,
    /// Whether one of them is `Date`.
    pub has_date: bool,
}

impl PassThrough {
    /// Moves `response`'s pass-through lines, if any, into its headers.
    pub fn expand<B>(response: &mut axum::http::Response<B>) {
        let Some(pass) = response.extensions_mut().remove::<PassThrough>() else {
            return;
        };
        let headers = response.headers_mut();
        headers.reserve(pass.lines.len() / 16);
        for line in pass.lines.split(|b| *b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let Some(colon) = line.iter().position(|b| *b == b':') else {
                continue;
            };
            // Both were checked by `httparse`; the `http` types check them again.
            let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(&line[..colon]),
                HeaderValue::from_maybe_shared(
                    pass.lines.slice_ref(line[colon + 1..].trim_ascii()),
                ),
            ) else {
                continue;
            };
            headers.append(name, value);
        }
    }
}

/// Whether `name` is hop-by-hop (as `proxy::headers` sees it), framing, or the request id.
fn not_passed_through(name: &[u8]) -> bool {
    super::headers::is_hop_by_hop_name(name)
        || name.eq_ignore_ascii_case(b"content-length")
        || name.eq_ignore_ascii_case(b"x-request-id")
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("malformed answer: {what}"),
    )
}

/// Parses an answer head at the front of `buf`, taking it off: `None` while incomplete.
/// Interim answers (1xx) are parsed like the others; the caller skips them.
pub fn parse_head(buf: &mut BytesMut, method: &Method) -> io::Result<Option<Head>> {
    parse(buf, method, false)
}

/// [`parse_head`] for an answer the proxy hands on: a common answer's headers are kept as
/// their lines ([`PassThrough`]) rather than parsed into a `HeaderMap`.
pub fn parse_answer(buf: &mut BytesMut, method: &Method) -> io::Result<Option<Head>> {
    parse(buf, method, true)
}

fn parse(buf: &mut BytesMut, method: &Method, pass: bool) -> io::Result<Option<Head>> {
    // The header slots are not initialized first.
    let mut slots = [const { std::mem::MaybeUninit::uninit() }; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut []);
    let parsed = httparse::ParserConfig::default().parse_response_with_uninit_headers(
        &mut response,
        buf,
        &mut slots,
    );
    let len = match parsed {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => {
            return Err(invalid("the head is too large"));
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(invalid(&e.to_string())),
    };
    let code = response.code.ok_or_else(|| invalid("no status"))?;
    let status = StatusCode::from_u16(code).map_err(|_| invalid("the status"))?;
    let version = if response.version == Some(0) {
        Version::HTTP_10
    } else {
        Version::HTTP_11
    };
    // The framing and the connection's options, read from the lines as they are.
    let mut length: Option<u64> = None;
    let mut chunked = false;
    let mut encoded = false;
    let mut close = version == Version::HTTP_10;
    let mut names_others = false;
    for h in response.headers.iter() {
        let name = h.name.as_bytes();
        if name.eq_ignore_ascii_case(b"content-length") {
            for part in h.value.split(|b| *b == b',') {
                let n = content_length(part).ok_or_else(|| invalid("Content-Length"))?;
                if length.is_some_and(|l| l != n) {
                    return Err(invalid("conflicting Content-Length"));
                }
                length = Some(n);
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            encoded = true;
            chunked = h
                .value
                .rsplit(|b| *b == b',')
                .next()
                .is_some_and(|last| last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        } else if name.eq_ignore_ascii_case(b"connection") {
            for token in h.value.split(|b| *b == b',') {
                let token = token.trim_ascii();
                if token.eq_ignore_ascii_case(b"close") {
                    close = true;
                } else if token.eq_ignore_ascii_case(b"keep-alive") {
                    if version == Version::HTTP_10 {
                        close = false;
                    }
                } else if !token.is_empty() {
                    names_others = true;
                }
            }
        }
    }
    let body = if method == Method::HEAD
        || status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
    {
        BodyFraming::Empty
    } else if encoded {
        // Chunked last, or else the body runs to the close (RFC 9112 §6.3).
        if chunked {
            BodyFraming::Chunked
        } else {
            BodyFraming::Close
        }
    } else {
        match length {
            Some(0) => BodyFraming::Empty,
            Some(n) => BodyFraming::Length(n),
            None => BodyFraming::Close,
        }
    };
    let passed = pass
        && matches!(body, BodyFraming::Length(_) | BodyFraming::Chunked)
        && !names_others
        && status != StatusCode::TOO_MANY_REQUESTS
        && !status.is_server_error();
    let (headers, pass_through) = if passed {
        let mut lines = Vec::with_capacity(len);
        let mut has_date = false;
        for h in response.headers.iter() {
            let name = h.name.as_bytes();
            if not_passed_through(name) {
                continue;
            }
            has_date |= name.eq_ignore_ascii_case(b"date");
            lines.extend_from_slice(name);
            lines.extend_from_slice(b": ");
            lines.extend_from_slice(h.value);
            lines.extend_from_slice(b"\r\n");
        }
        let lines = Bytes::from(lines);
        (HeaderMap::new(), Some(PassThrough { lines, has_date }))
    } else {
        // Copied once (a few hundred bytes) for the header values to share; the read
        // buffer is left whole for the next read.
        let head = HeadCopy::new(buf, len);
        // Room for the request id the gateway adds to the caller's answer.
        let mut headers = HeaderMap::with_capacity(response.headers.len() + 1);
        for h in response.headers.iter() {
            let name =
                HeaderName::from_bytes(h.name.as_bytes()).map_err(|_| invalid("a header"))?;
            let value = HeaderValue::from_maybe_shared(head.share(h.value))
                .map_err(|_| invalid("a header value"))?;
            headers.append(name, value);
        }
        (headers, None)
    };
    buf.advance(len);
    Ok(Some(Head {
        status,
        version,
        headers,
        pass_through,
        keep_alive: !close && body != BodyFraming::Close,
        body,
    }))
}

/// What decoding found in the buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded {
    /// Body bytes.
    Data(Bytes),
    /// More must be read first.
    More,
    /// The body has ended.
    End,
}

/// Decodes an answer's body from the connection's read buffer.
#[derive(Debug)]
pub struct Decoder {
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// This many bytes remain (`Content-Length`).
    Length(u64),
    /// Up to the close.
    Close,
    /// A chunk-size line is next.
    Size,
    /// This many bytes of the current chunk remain.
    Chunk(u64),
    /// The CRLF after a chunk's data.
    ChunkEnd,
    /// Trailer lines, up to an empty one; this many bytes of them may still come.
    Trailers(usize),
    /// Done.
    Done,
    /// The body was malformed: nothing more is read from it (the connection is not
    /// reused, its framing being lost).
    Failed,
}

/// The longest chunk-size line (extensions included) or trailer line accepted: a line is
/// looked for from its start after every read, so its length bounds that work.
const MAX_LINE: usize = 4 * 1024;
/// The most trailer bytes a body may end with.
const MAX_TRAILERS: usize = 16 * 1024;

impl Decoder {
    /// A decoder for `framing`.
    pub fn new(framing: BodyFraming) -> Self {
        let state = match framing {
            BodyFraming::Empty | BodyFraming::Length(0) => State::Done,
            BodyFraming::Length(n) => State::Length(n),
            BodyFraming::Chunked => State::Size,
            BodyFraming::Close => State::Close,
        };
        Self { state }
    }

    /// Whether the body has ended.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Whether the body runs to the connection's close.
    pub fn ends_at_close(&self) -> bool {
        self.state == State::Close
    }

    /// Ends a body that ran to the close.
    pub fn finish(&mut self) {
        self.state = State::Done;
    }

    /// The bytes still to come, when known.
    pub fn remaining(&self) -> Option<u64> {
        match self.state {
            State::Length(n) => Some(n),
            State::Done => Some(0),
            _ => None,
        }
    }

    /// The next piece of the body in `buf`. After an error, every call fails.
    pub fn decode(&mut self, buf: &mut BytesMut) -> io::Result<Decoded> {
        let decoded = self.step(buf);
        if decoded.is_err() {
            self.state = State::Failed;
        }
        decoded
    }

    fn step(&mut self, buf: &mut BytesMut) -> io::Result<Decoded> {
        loop {
            match self.state {
                State::Failed => return Err(invalid("a body already found malformed")),
                State::Done => return Ok(Decoded::End),
                State::Length(n) | State::Chunk(n) => {
                    if buf.is_empty() {
                        return Ok(Decoded::More);
                    }
                    let take = usize::try_from(n).unwrap_or(usize::MAX).min(buf.len());
                    let data = take_data(buf, take);
                    let left = n - take as u64;
                    self.state = match self.state {
                        State::Length(_) if left == 0 => State::Done,
                        State::Length(_) => State::Length(left),
                        _ if left == 0 => State::ChunkEnd,
                        _ => State::Chunk(left),
                    };
                    return Ok(Decoded::Data(data));
                }
                State::Close => {
                    if buf.is_empty() {
                        return Ok(Decoded::More);
                    }
                    let all = buf.len();
                    return Ok(Decoded::Data(take_data(buf, all)));
                }
                State::Size => {
                    let Some(line) = line(buf)? else {
                        return Ok(Decoded::More);
                    };
                    let size = chunk_size(&line).ok_or_else(|| invalid("a chunk size"))?;
                    self.state = if size == 0 {
                        State::Trailers(MAX_TRAILERS)
                    } else {
                        State::Chunk(size)
                    };
                }
                State::ChunkEnd => {
                    if buf.len() < 2 {
                        return Ok(Decoded::More);
                    }
                    if &buf[..2] != b"\r\n" {
                        return Err(invalid("a chunk's end"));
                    }
                    buf.advance(2);
                    self.state = State::Size;
                }
                State::Trailers(left) => {
                    let Some(line) = line(buf)? else {
                        return Ok(Decoded::More);
                    };
                    self.state = if line.is_empty() {
                        State::Done
                    } else {
                        let left = left
                            .checked_sub(line.len() + 2)
                            .ok_or_else(|| invalid("the trailers are too large"))?;
                        State::Trailers(left)
                    };
                }
            }
        }
    }
}

/// Body bytes smaller than this are copied out of the read buffer, which then stays
/// whole for the next read; larger ones are split off it without a copy.
const COPY_BELOW: usize = 4096;

fn take_data(buf: &mut BytesMut, len: usize) -> Bytes {
    if len < COPY_BELOW {
        let data = Bytes::copy_from_slice(&buf[..len]);
        buf.advance(len);
        data
    } else {
        buf.split_to(len).freeze()
    }
}

/// The next CRLF-ended line, taken off `buf` (without its CRLF). A bare CR or LF in it is
/// refused: a peer ending lines differently would frame the body differently.
fn line(buf: &mut BytesMut) -> io::Result<Option<BytesMut>> {
    let window = &buf[..buf.len().min(MAX_LINE + 2)];
    match window.iter().position(|b| *b == b'\n') {
        Some(at) if at > 0 && window[at - 1] == b'\r' && !window[..at - 1].contains(&b'\r') => {
            let line = buf.split_to(at - 1);
            buf.advance(2);
            Ok(Some(line))
        }
        Some(_) => Err(invalid("a bare CR or LF in a line")),
        None if window.contains(&b'\r') && window.last() != Some(&b'\r') => {
            Err(invalid("a bare CR in a line"))
        }
        None if buf.len() > MAX_LINE => Err(invalid("a line is too long")),
        None => Ok(None),
    }
}

/// A chunk-size line's size: hex digits, then optional blanks, then optional extensions
/// after `;` (RFC 9112 §7.1); anything else is refused, as hyper does.
fn chunk_size(line: &[u8]) -> Option<u64> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 || digits > 16 {
        return None;
    }
    let rest = line[digits..].trim_ascii_start();
    if !(rest.is_empty() || rest[0] == b';') {
        return None;
    }
    line[..digits]
        .iter()
        .try_fold(0u64, |n, b| Some(n << 4 | u64::from(hex_value(*b)?)))
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// A `Content-Length` value: ASCII digits only (no sign, no blanks inside), as hyper reads it.
pub fn content_length(value: &[u8]) -> Option<u64> {
    let value = value.trim_ascii();
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    value.iter().try_fold(0u64, |n, b| {
        n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

/// Reads what `io` has into `buf`, first making room for `chunk` more bytes when less than
/// half of that is left: the byte count, 0 at its end.
pub fn poll_fill<R: tokio::io::AsyncRead + Unpin>(
    io: &mut R,
    buf: &mut BytesMut,
    chunk: usize,
    cx: &mut std::task::Context<'_>,
) -> std::task::Poll<io::Result<usize>> {
    use std::future::Future as _;
    if buf.capacity() - buf.len() < chunk / 2 {
        buf.reserve(chunk);
    }
    let read = tokio::io::AsyncReadExt::read_buf(io, buf);
    std::pin::pin!(read).poll(cx)
}

/// Writes a chunk's size line (`len` in hexadecimal, then CRLF).
pub fn chunk_size_line(out: &mut Vec<u8>, len: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut digits = [0u8; 16];
    let mut at = digits.len();
    let mut n = len;
    loop {
        at -= 1;
        digits[at] = HEX[n & 0xf];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
    out.extend_from_slice(b"\r\n");
}

/// A parsed head, copied once out of the read buffer it was parsed in (a few hundred
/// bytes): the parser's slices of that buffer become `Bytes` sharing the copy, and the
/// read buffer stays whole for the next read.
#[derive(Debug)]
pub struct HeadCopy {
    bytes: Bytes,
    start: usize,
}

impl HeadCopy {
    /// Copies the first `len` bytes of `buf`, the head.
    pub fn new(buf: &[u8], len: usize) -> Self {
        Self {
            bytes: Bytes::copy_from_slice(&buf[..len]),
            start: buf.as_ptr() as usize,
        }
    }

    /// `part`, a slice of the head in the buffer it was copied from, as a slice of the copy.
    pub fn share(&self, part: &[u8]) -> Bytes {
        let at = part.as_ptr() as usize - self.start;
        self.bytes.slice(at..at + part.len())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn head(text: &str, method: &Method) -> Head {
        let mut buf = BytesMut::from(text);
        parse_answer(&mut buf, method).unwrap().unwrap()
    }

    /// The headers a caller's answer made from `h` has, however they were carried.
    fn answer_headers(h: Head) -> HeaderMap {
        let mut response = axum::http::Response::new(());
        *response.headers_mut() = h.headers;
        if let Some(pass) = h.pass_through {
            response.extensions_mut().insert(pass);
        }
        PassThrough::expand(&mut response);
        assert!(response.extensions().get::<PassThrough>().is_none());
        response.headers().clone()
    }

    #[test]
    fn common_answers_keep_their_end_to_end_lines_as_sent() {
        let wire = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n\
                    Keep-Alive: timeout=5\r\nX-Request-Id: upstream\r\nTransfer-Encoding: chunked\r\n\
                    Set-Cookie: a=1\r\nset-cookie: b=2\r\nDate: Sat, 21 Nov 2026 15:00:00 GMT\r\n\
                    X-Odd:  spaced value \u{e9}\r\nTrailer: x\r\nUpgrade: h2c\r\n\r\n5\r\nhello";
        // Parsed whole, every line is in the map.
        let whole = parse_head(&mut BytesMut::from(wire), &Method::GET)
            .unwrap()
            .unwrap();
        assert!(whole.pass_through.is_none());
        assert_eq!(whole.headers.len(), 11);
        let mut buf = BytesMut::from(wire);
        let h = parse_answer(&mut buf, &Method::GET).unwrap().unwrap();
        assert_eq!(
            &buf[..],
            b"5\r\nhello",
            "the head is taken off, the body left"
        );
        assert_eq!((h.body, h.keep_alive), (BodyFraming::Chunked, true));
        assert!(h.headers.is_empty());
        let pass = h.pass_through.clone().unwrap();
        assert_eq!(
            std::str::from_utf8(&pass.lines).unwrap(),
            "Content-Type: application/json\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n\
             Date: Sat, 21 Nov 2026 15:00:00 GMT\r\nX-Odd: spaced value \u{e9}\r\n"
        );
        assert!(pass.has_date);
        let headers = answer_headers(h);
        assert_eq!(headers.len(), 5);
        assert_eq!(headers.get_all("set-cookie").iter().count(), 2);
        assert_eq!(
            headers["x-odd"].as_bytes(),
            "spaced value \u{e9}".as_bytes()
        );
        assert_eq!(headers["content-type"], "application/json");

        // Not the common answer: parsed into a map, for the proxy to read and strip.
        for (wire, method) in [
            // A `Connection` naming another header.
            (
                "HTTP/1.1 200 OK\r\nConnection: x-hop\r\nX-Hop: 1\r\nContent-Length: 1\r\n\r\n",
                Method::GET,
            ),
            // Statuses whose headers the retries read.
            (
                "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 1\r\n\r\n",
                Method::GET,
            ),
            (
                "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 1\r\n\r\n",
                Method::GET,
            ),
            // No body, or one running to the close.
            ("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", Method::HEAD),
            ("HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n", Method::DELETE),
            ("HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\n", Method::GET),
        ] {
            let h = head(wire, &method);
            assert!(h.pass_through.is_none(), "{wire}");
            assert!(!h.headers.is_empty(), "{wire}");
        }
    }

    fn body(framing: BodyFraming, wire: &[&[u8]]) -> (Vec<u8>, bool) {
        let mut decoder = Decoder::new(framing);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for piece in wire {
            buf.extend_from_slice(piece);
            loop {
                match decoder.decode(&mut buf).unwrap() {
                    Decoded::Data(d) => out.extend_from_slice(&d),
                    Decoded::More => break,
                    Decoded::End => return (out, true),
                }
            }
        }
        (out, decoder.is_done())
    }

    #[test]
    fn request_heads_carry_the_callers_headers_and_their_own_framing() {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("dialpad.com"));
        headers.insert("content-length", HeaderValue::from_static("999"));
        headers.append("accept", HeaderValue::from_static("a"));
        headers.append("accept", HeaderValue::from_static("b"));
        let mut buf = Vec::new();
        encode_head(
            &mut buf,
            &Method::POST,
            "/api/v2/sms?x=1&x=2",
            &headers,
            Framing::Length(12),
        );
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "POST /api/v2/sms?x=1&x=2 HTTP/1.1\r\nhost: dialpad.com\r\naccept: a\r\naccept: b\r\n\
             content-length: 12\r\n\r\n"
        );
        let mut buf = Vec::new();
        encode_head(
            &mut buf,
            &Method::PUT,
            "/x",
            &HeaderMap::new(),
            Framing::Chunked,
        );
        assert_eq!(
            buf,
            b"PUT /x HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n"
        );
        let mut buf = Vec::new();
        encode_head(
            &mut buf,
            &Method::GET,
            "/x",
            &HeaderMap::new(),
            Framing::None,
        );
        assert_eq!(buf, b"GET /x HTTP/1.1\r\n\r\n");
        assert_eq!(itoa(0, &mut [0; 20]), b"0");
        assert_eq!(itoa(u64::MAX, &mut [0; 20]), b"18446744073709551615");
    }

    #[test]
    fn answer_heads_give_status_headers_framing_and_keep_alive() {
        let h = head(
            "HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-A: 1\r\nx-a: 2\r\n\r\nhello",
            &Method::POST,
        );
        assert_eq!(h.status, StatusCode::CREATED);
        assert_eq!(h.body, BodyFraming::Length(5));
        assert!(h.keep_alive);
        assert_eq!(answer_headers(h).get_all("x-a").iter().count(), 2);
        let h = head(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 3\r\n\r\n",
            &Method::GET,
        );
        assert_eq!(h.body, BodyFraming::Chunked);
        let h = head(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            &Method::GET,
        );
        assert_eq!((h.body, h.keep_alive), (BodyFraming::Close, false));
        let h = head("HTTP/1.1 200 OK\r\n\r\n", &Method::GET);
        assert_eq!((h.body, h.keep_alive), (BodyFraming::Close, false));
        let h = head(
            "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n",
            &Method::HEAD,
        );
        assert_eq!(h.body, BodyFraming::Empty);
        let h = head("HTTP/1.1 204 No Content\r\n\r\n", &Method::DELETE);
        assert_eq!((h.body, h.keep_alive), (BodyFraming::Empty, true));
        let h = head("HTTP/1.1 100 Continue\r\n\r\n", &Method::POST);
        assert!(h.status.is_informational());
        let h = head(
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n",
            &Method::GET,
        );
        assert!(!h.keep_alive);
        let h = head("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", &Method::GET);
        assert!(!h.keep_alive);
        let h = head(
            "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n",
            &Method::GET,
        );
        assert!(h.keep_alive);

        let mut partial = BytesMut::from("HTTP/1.1 200 OK\r\nContent-Len");
        assert!(parse_head(&mut partial, &Method::GET).unwrap().is_none());
        for bad in [
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            "HTTP/1.1 abc OK\r\n\r\n",
            "NOT HTTP\r\n\r\n",
        ] {
            assert!(
                parse_head(&mut BytesMut::from(bad), &Method::GET).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn bodies_decode_by_length_chunks_and_close_however_they_arrive() {
        assert_eq!(
            body(BodyFraming::Length(5), &[b"he", b"llo", b"NEXT"]),
            (b"hello".to_vec(), true)
        );
        let wire = b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nx-trailer: 1\r\n\r\n";
        assert_eq!(
            body(BodyFraming::Chunked, &[wire]),
            (b"hello world".to_vec(), true)
        );
        // The same, one byte at a time.
        let bytes: Vec<&[u8]> = wire.chunks(1).collect();
        assert_eq!(
            body(BodyFraming::Chunked, &bytes),
            (b"hello world".to_vec(), true)
        );
        assert_eq!(
            body(BodyFraming::Chunked, &[b"A\r\n0123456789\r\n0\r\n\r\n"]),
            (b"0123456789".to_vec(), true)
        );
        assert_eq!(
            body(BodyFraming::Close, &[b"ab", b"cd"]),
            (b"abcd".to_vec(), false)
        );
        assert_eq!(body(BodyFraming::Empty, &[]), (Vec::new(), true));
        let mut bad = Decoder::new(BodyFraming::Chunked);
        assert!(bad.decode(&mut BytesMut::from("zz\r\n")).is_err());
        let mut bad = Decoder::new(BodyFraming::Chunked);
        let mut wire = BytesMut::from("1\r\naXX");
        assert_eq!(
            bad.decode(&mut wire).unwrap(),
            Decoded::Data(Bytes::from_static(b"a"))
        );
        assert!(bad.decode(&mut wire).is_err(), "no CRLF after the chunk");
    }

    #[test]
    fn chunk_sizes_lines_and_lengths_are_read_strictly() {
        // What a peer ending lines differently, or reading numbers loosely, would frame
        // otherwise is refused.
        for wire in [
            &b"+5\r\nhello\r\n0\r\n\r\n"[..],
            b" 5\r\nhello\r\n0\r\n\r\n",
            b"5x\r\nhello\r\n0\r\n\r\n",
            b"2;\nxx\r\n45\r\n0\r\n\r\n",
            b"2\rxx\r\n0\r\n\r\n",
            b"10000000000000000\r\n",
            b"0\r\nx-trailer: a\nb\r\n\r\n",
        ] {
            let mut decoder = Decoder::new(BodyFraming::Chunked);
            let mut buf = BytesMut::from(wire);
            let decoded = std::iter::from_fn(|| Some(decoder.decode(&mut buf)))
                .find(|d| !matches!(d, Ok(Decoded::Data(_))))
                .unwrap();
            assert!(decoded.is_err(), "{:?}", String::from_utf8_lossy(wire));
            // And stays refused: nothing after it is read as the body's end.
            assert!(decoder.decode(&mut BytesMut::from("0\r\n\r\n")).is_err());
        }
        // Blanks before extensions are allowed, and extensions of any content.
        assert_eq!(
            body(
                BodyFraming::Chunked,
                &[b"5 \t;a=\"b;c\"\r\nhello\r\n0\r\n\r\n"]
            ),
            (b"hello".to_vec(), true)
        );
        // A line longer than allowed, even before its end has come.
        let mut decoder = Decoder::new(BodyFraming::Chunked);
        let long = format!("5;{}", "x".repeat(MAX_LINE));
        assert!(decoder.decode(&mut BytesMut::from(long.as_str())).is_err());
        // Too many trailers.
        let mut decoder = Decoder::new(BodyFraming::Chunked);
        let trailers = "x-t: 1234567890\r\n".repeat(MAX_TRAILERS / 10);
        let wire = format!("0\r\n{trailers}\r\n");
        assert!(decoder.decode(&mut BytesMut::from(wire.as_str())).is_err());

        let mut line = Vec::new();
        for len in [0, 10, 0x1f3, usize::MAX] {
            chunk_size_line(&mut line, len);
        }
        assert_eq!(line, b"0\r\na\r\n1f3\r\nffffffffffffffff\r\n");

        assert_eq!(content_length(b"42"), Some(42));
        assert_eq!(content_length(b" 42 "), Some(42));
        for bad in [
            &b"+5"[..],
            b"-1",
            b"4 2",
            b"",
            b"0x10",
            b"99999999999999999999",
        ] {
            assert_eq!(
                content_length(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
