//! A blocking HTTP/1.1 client for one origin, with one persistent connection.
//!
//! The connection is opened on the first request, kept alive between requests, and reopened
//! once, transparently, when an idle connection turns out to be closed by the peer. Requests carry
//! `Content-Length`; responses may use `Content-Length`, chunked transfer coding, or (rarely)
//! end-of-connection framing. Everything read from the network is capped: header section size,
//! header count and body size.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::ops::Range;

/// The `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("ruchy-lambda/", env!("CARGO_PKG_VERSION"));

/// Bodies up to this size are copied behind the header section and sent with one `write`.
const COALESCE_BODY_BYTES: usize = 16 * 1024;
/// How much the read buffer grows by when it is full.
const READ_CHUNK: usize = 16 * 1024;

/// Caps on what one response may make the client read and keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest status line plus header section, in bytes (chunked trailers count too).
    pub max_head_bytes: usize,
    /// Largest number of header fields.
    pub max_headers: usize,
    /// Largest decoded body, in bytes.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    /// 64 KiB of headers, 128 header fields, 16 MiB of body: Lambda's events are at most 6 MB.
    fn default() -> Self {
        Limits {
            max_head_bytes: 64 * 1024,
            max_headers: 128,
            max_body_bytes: 16 * 1024 * 1024,
        }
    }
}

/// Everything that can go wrong on one request.
#[derive(Debug)]
#[non_exhaustive]
pub enum HttpError {
    /// The address could not be resolved or connected to.
    Connect {
        /// The `host:port` that was tried.
        addr: String,
        /// What the operating system said.
        source: io::Error,
    },
    /// Reading or writing the connection failed.
    Io(io::Error),
    /// The peer closed the connection before a complete response arrived.
    ClosedEarly {
        /// How many bytes of the response had arrived.
        received: usize,
    },
    /// The status line is not `HTTP/1.x NNN reason`.
    InvalidStatusLine,
    /// A header line is not `name: value` with a token name and visible value.
    InvalidHeader,
    /// The status line and headers exceed [`Limits::max_head_bytes`].
    HeadTooLarge {
        /// The cap that was hit.
        limit: usize,
    },
    /// More header fields than [`Limits::max_headers`].
    TooManyHeaders {
        /// The cap that was hit.
        limit: usize,
    },
    /// `Content-Length` is not a decimal number, or two of them disagree.
    InvalidContentLength,
    /// Both `Content-Length` and `Transfer-Encoding` are present (a smuggling vector).
    ConflictingFraming,
    /// A `Transfer-Encoding` other than `chunked`.
    UnsupportedTransferEncoding,
    /// A chunk-size line or chunk terminator is malformed, or the size overflows.
    InvalidChunk,
    /// The body exceeds [`Limits::max_body_bytes`].
    BodyTooLarge {
        /// The cap that was hit.
        limit: usize,
    },
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Connect { addr, source } => write!(f, "cannot connect to {addr}: {source}"),
            HttpError::Io(e) => write!(f, "connection failed: {e}"),
            HttpError::ClosedEarly { received } => write!(
                f,
                "connection closed before a complete response ({received} bytes received)"
            ),
            HttpError::InvalidStatusLine => f.write_str("invalid HTTP status line"),
            HttpError::InvalidHeader => f.write_str("invalid HTTP header line"),
            HttpError::HeadTooLarge { limit } => {
                write!(f, "response header section exceeds {limit} bytes")
            }
            HttpError::TooManyHeaders { limit } => {
                write!(f, "response has more than {limit} header fields")
            }
            HttpError::InvalidContentLength => f.write_str("invalid Content-Length"),
            HttpError::ConflictingFraming => {
                f.write_str("response has both Content-Length and Transfer-Encoding")
            }
            HttpError::UnsupportedTransferEncoding => {
                f.write_str("unsupported Transfer-Encoding (only chunked is accepted)")
            }
            HttpError::InvalidChunk => f.write_str("invalid chunked body"),
            HttpError::BodyTooLarge { limit } => write!(f, "response body exceeds {limit} bytes"),
        }
    }
}

impl std::error::Error for HttpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HttpError::Connect { source, .. } => Some(source),
            HttpError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for HttpError {
    fn from(e: io::Error) -> Self {
        HttpError::Io(e)
    }
}

impl HttpError {
    /// True when the request may simply be sent again on a fresh connection: the failure is the
    /// kind an idle keep-alive connection shows after the peer closed it, and no byte of a
    /// response had arrived.
    fn is_stale_connection(&self) -> bool {
        match self {
            HttpError::ClosedEarly { received } => *received == 0,
            HttpError::Io(e) => matches!(
                e.kind(),
                io::ErrorKind::BrokenPipe
                    | io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::UnexpectedEof
            ),
            _ => false,
        }
    }
}

/// The parsed status line and header section, as offsets into the raw bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The status code.
    pub status: u16,
    /// `true` for `HTTP/1.0`.
    pub http10: bool,
    /// Name and value of each header field, as ranges into the buffer that was parsed.
    pub headers: Vec<(Range<usize>, Range<usize>)>,
    /// Bytes taken by the status line, the headers and the blank line.
    pub len: usize,
}

/// Parses a status line and header section from the start of `buf`.
///
/// Returns `Ok(None)` when `buf` holds no complete header section yet (read more), an error when
/// what is there can never become a valid one. Lines may end in CRLF or a bare LF.
pub fn parse_head(buf: &[u8], limits: &Limits) -> Result<Option<Head>, HttpError> {
    parse_head_from(buf, limits, &mut 0)
}

/// [`parse_head`] for a buffer that grows between calls: `scanned` is where the search for the
/// blank line resumes (the start of the first line not known to be complete), so a header
/// section that arrives a byte at a time is scanned once, not once per byte.
fn parse_head_from(
    buf: &[u8],
    limits: &Limits,
    scanned: &mut usize,
) -> Result<Option<Head>, HttpError> {
    let Some(len) = find_head_end(buf, scanned) else {
        if buf.len() > limits.max_head_bytes {
            return Err(HttpError::HeadTooLarge {
                limit: limits.max_head_bytes,
            });
        }
        // A status line must be recognisable early: reject garbage without waiting for more.
        check_status_prefix(buf)?;
        return Ok(None);
    };
    if len > limits.max_head_bytes {
        return Err(HttpError::HeadTooLarge {
            limit: limits.max_head_bytes,
        });
    }
    let mut lines = Lines {
        buf,
        pos: 0,
        end: len,
    };
    let status_line = lines.next().ok_or(HttpError::InvalidStatusLine)?;
    let (status, http10) = parse_status_line(&buf[status_line])?;
    let mut headers = Vec::new();
    for line in lines {
        if line.is_empty() {
            break;
        }
        if headers.len() == limits.max_headers {
            return Err(HttpError::TooManyHeaders {
                limit: limits.max_headers,
            });
        }
        headers.push(parse_header_line(buf, line)?);
    }
    Ok(Some(Head {
        status,
        http10,
        headers,
        len,
    }))
}

/// Finds the end of the header section: the index just past the first empty line. The search
/// starts at `from`, a line start, and leaves it at the start of the last incomplete line.
fn find_head_end(buf: &[u8], from: &mut usize) -> Option<usize> {
    let mut i = (*from).min(buf.len());
    while let Some(nl) = buf[i..].iter().position(|&b| b == b'\n') {
        let at = i + nl;
        // The line ending here is empty if it is "\n" or "\r\n" right after a previous "\n".
        let line_start = i;
        let line = &buf[line_start..at];
        if line.is_empty() || line == b"\r" {
            // An empty first line is not a header section terminator: it is a bad status line.
            return Some(at + 1);
        }
        i = at + 1;
    }
    *from = i;
    None
}

/// Rejects a partial buffer whose first bytes cannot start `HTTP/1.`.
fn check_status_prefix(buf: &[u8]) -> Result<(), HttpError> {
    const PREFIX: &[u8] = b"HTTP/1.";
    let n = buf.len().min(PREFIX.len());
    if buf[..n] != PREFIX[..n] {
        return Err(HttpError::InvalidStatusLine);
    }
    Ok(())
}

struct Lines<'a> {
    buf: &'a [u8],
    pos: usize,
    end: usize,
}

impl Iterator for Lines<'_> {
    type Item = Range<usize>;

    /// The next line, without its line ending.
    fn next(&mut self) -> Option<Range<usize>> {
        if self.pos >= self.end {
            return None;
        }
        let rest = &self.buf[self.pos..self.end];
        let nl = rest.iter().position(|&b| b == b'\n')?;
        let mut stop = self.pos + nl;
        if stop > self.pos && self.buf[stop - 1] == b'\r' {
            stop -= 1;
        }
        let line = self.pos..stop;
        self.pos += nl + 1;
        Some(line)
    }
}

fn parse_status_line(line: &[u8]) -> Result<(u16, bool), HttpError> {
    let rest = line
        .strip_prefix(b"HTTP/1.")
        .ok_or(HttpError::InvalidStatusLine)?;
    let (http10, rest) = match rest {
        [b'0', rest @ ..] => (true, rest),
        [b'1', rest @ ..] => (false, rest),
        _ => return Err(HttpError::InvalidStatusLine),
    };
    match rest {
        [b' ', d0, d1, d2, tail @ ..]
            if d0.is_ascii_digit()
                && d1.is_ascii_digit()
                && d2.is_ascii_digit()
                && (tail.is_empty() || tail[0] == b' ')
                && tail.iter().all(|&b| b == b'\t' || !b.is_ascii_control()) =>
        {
            let status =
                u16::from(d0 - b'0') * 100 + u16::from(d1 - b'0') * 10 + u16::from(d2 - b'0');
            if status < 100 {
                return Err(HttpError::InvalidStatusLine);
            }
            Ok((status, http10))
        }
        _ => Err(HttpError::InvalidStatusLine),
    }
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn parse_header_line(
    buf: &[u8],
    line: Range<usize>,
) -> Result<(Range<usize>, Range<usize>), HttpError> {
    let bytes = &buf[line.clone()];
    let colon = bytes
        .iter()
        .position(|&b| b == b':')
        .ok_or(HttpError::InvalidHeader)?;
    let name = &bytes[..colon];
    if name.is_empty() || !name.iter().all(|&b| is_token_byte(b)) {
        return Err(HttpError::InvalidHeader);
    }
    let mut start = colon + 1;
    let mut end = bytes.len();
    while start < end && matches!(bytes[start], b' ' | b'\t') {
        start += 1;
    }
    while end > start && matches!(bytes[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    if bytes[start..end]
        .iter()
        .any(|&b| b != b'\t' && (b.is_ascii_control()))
    {
        return Err(HttpError::InvalidHeader);
    }
    Ok((
        line.start..line.start + colon,
        line.start + start..line.start + end,
    ))
}

/// How the body of a response is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Empty,
    Length(usize),
    Chunked,
    UntilClose,
}

fn framing(buf: &[u8], head: &Head, limits: &Limits) -> Result<Framing, HttpError> {
    if head.status < 200 || head.status == 204 || head.status == 304 {
        return Ok(Framing::Empty);
    }
    let mut length: Option<usize> = None;
    let mut transfer_encoding = false;
    for (name, value) in &head.headers {
        let name = &buf[name.clone()];
        let value = &buf[value.clone()];
        if name.eq_ignore_ascii_case(b"content-length") {
            let n = parse_content_length(value)?;
            if length.is_some_and(|l| l != n) {
                return Err(HttpError::InvalidContentLength);
            }
            length = Some(n);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            transfer_encoding = true;
            // Only `chunked` is ours to undo; any other coding (gzip, ...) is refused.
            if !value
                .split(|&b| b == b',')
                .all(|c| trim(c).eq_ignore_ascii_case(b"chunked"))
            {
                return Err(HttpError::UnsupportedTransferEncoding);
            }
        }
    }
    match (transfer_encoding, length) {
        (true, Some(_)) => Err(HttpError::ConflictingFraming),
        (true, None) => Ok(Framing::Chunked),
        (false, Some(n)) if n > limits.max_body_bytes => Err(HttpError::BodyTooLarge {
            limit: limits.max_body_bytes,
        }),
        (false, Some(n)) => Ok(Framing::Length(n)),
        (false, None) => Ok(Framing::UntilClose),
    }
}

fn trim(mut b: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = b {
        b = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = b {
        b = rest;
    }
    b
}

fn parse_content_length(value: &[u8]) -> Result<usize, HttpError> {
    if value.is_empty() || value.len() > 19 || !value.iter().all(u8::is_ascii_digit) {
        return Err(HttpError::InvalidContentLength);
    }
    value.iter().try_fold(0usize, |n, &d| {
        n.checked_mul(10)
            .and_then(|n| n.checked_add(usize::from(d - b'0')))
            .ok_or(HttpError::InvalidContentLength)
    })
}

/// Parses a chunk-size line (without its line ending): hex digits, optional `;extensions`.
fn parse_chunk_size(line: &[u8]) -> Result<usize, HttpError> {
    let digits_end = line
        .iter()
        .position(|&b| !b.is_ascii_hexdigit())
        .unwrap_or(line.len());
    let (digits, rest) = line.split_at(digits_end);
    let rest = trim(rest);
    if digits.is_empty() || !(rest.is_empty() || rest[0] == b';') {
        return Err(HttpError::InvalidChunk);
    }
    digits.iter().try_fold(0usize, |n, &d| {
        let v = (d as char).to_digit(16).ok_or(HttpError::InvalidChunk)? as usize;
        n.checked_mul(16)
            .and_then(|n| n.checked_add(v))
            .ok_or(HttpError::InvalidChunk)
    })
}

/// One response, borrowed from the client until the next request.
#[derive(Debug)]
pub struct Response<'a> {
    /// The status code.
    pub status: u16,
    head: &'a [u8],
    headers: &'a [(Range<usize>, Range<usize>)],
    /// The decoded body.
    pub body: &'a [u8],
}

impl<'a> Response<'a> {
    /// The value of the first header field with this name (ASCII case-insensitive), if it is
    /// valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&'a str> {
        let head: &'a [u8] = self.head;
        self.headers
            .iter()
            .find(|(n, _)| head[n.clone()].eq_ignore_ascii_case(name.as_bytes()))
            .and_then(|(_, v)| std::str::from_utf8(&head[v.clone()]).ok())
    }

    /// All header fields as `(name, value)` byte slices, in the order received.
    pub fn headers(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + '_ {
        let head: &'a [u8] = self.head;
        self.headers
            .iter()
            .map(move |(n, v)| (&head[n.clone()], &head[v.clone()]))
    }
}

/// Where the body of the last response lives.
#[derive(Debug, Clone, Copy)]
enum BodyAt {
    Buffer(usize, usize),
    Decoded,
}

/// One TCP connection and the bytes read from it that are not consumed yet.
#[derive(Debug)]
struct Conn {
    stream: TcpStream,
    /// Read buffer; `buf[start..end]` holds unread bytes. It only grows (zeroed once).
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// The peer asked to close after the last response, or framed it by closing.
    close_after: bool,
}

impl Conn {
    /// Reads more bytes after `end`, growing the buffer when full. Returns 0 at end of stream.
    fn fill(&mut self) -> io::Result<usize> {
        if self.end == self.buf.len() {
            let grow = self.buf.len().max(READ_CHUNK);
            self.buf.resize(self.buf.len() + grow, 0);
        }
        loop {
            match self.stream.read(&mut self.buf[self.end..]) {
                Ok(n) => {
                    self.end += n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

/// What the last response was, without borrowing the connection.
#[derive(Debug)]
struct Meta {
    status: u16,
    head_len: usize,
    body: BodyAt,
}

/// A blocking HTTP/1.1 client bound to one `host:port`.
#[derive(Debug)]
pub struct HttpClient {
    /// What is connected to (`host:port`, `[v6]:port`).
    addr: String,
    /// The `Host` header value.
    host: String,
    limits: Limits,
    conn: Option<Conn>,
    /// Request bytes, reused.
    out: Vec<u8>,
    /// Parsed header offsets of the last response, reused.
    headers: Vec<(Range<usize>, Range<usize>)>,
    /// Decoded body of the last chunked or close-framed response, reused.
    decoded: Vec<u8>,
    connects: u64,
}

impl HttpClient {
    /// A client for `addr` (`host:port`, `[v6]:port`). Nothing touches the network until the
    /// first request.
    pub fn new(addr: impl Into<String>) -> Self {
        let addr = addr.into();
        HttpClient {
            host: addr.clone(),
            addr,
            limits: Limits::default(),
            conn: None,
            out: Vec::with_capacity(512),
            headers: Vec::with_capacity(16),
            decoded: Vec::new(),
            connects: 0,
        }
    }

    /// Replaces the caps on responses.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// How many TCP connections this client has opened.
    pub fn connections_opened(&self) -> u64 {
        self.connects
    }

    /// Sends one request and reads its response. `headers` are written as given, after `Host`
    /// and `User-Agent`; `Content-Length` is added when there is a body or the method is not
    /// `GET`. An idle connection that the peer closed is reopened once and the request resent.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response<'_>, HttpError> {
        self.encode_request(method, path, headers, body);
        let reused = match &mut self.conn {
            // Reuse a kept-alive connection only when nothing is left unread: this client does
            // not pipeline, so bytes past the last response mean the peer is out of step, and a
            // fresh connection is the only way to be sure which answer belongs to which request.
            Some(conn) if !conn.close_after && conn.start == conn.end => {
                conn.start = 0;
                conn.end = 0;
                true
            }
            _ => {
                self.conn = None;
                false
            }
        };
        let meta = match self.exchange(body) {
            Err(e) if reused && e.is_stale_connection() => {
                self.conn = None;
                self.exchange(body)
            }
            other => other,
        };
        let meta = match meta {
            Ok(meta) => meta,
            Err(e) => {
                // The connection is in an unknown state: never reuse it.
                self.conn = None;
                return Err(e);
            }
        };
        let conn = self
            .conn
            .as_ref()
            .ok_or(HttpError::ClosedEarly { received: 0 })?;
        let head = &conn.buf[..conn.end];
        let body = match meta.body {
            BodyAt::Buffer(from, to) => &head[from..to],
            BodyAt::Decoded => &self.decoded[..],
        };
        Ok(Response {
            status: meta.status,
            head: &head[..meta.head_len],
            headers: &self.headers,
            body,
        })
    }

    fn encode_request(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) {
        let out = &mut self.out;
        out.clear();
        for part in [method, " ", path, " HTTP/1.1\r\nHost: ", &self.host] {
            out.extend_from_slice(part.as_bytes());
        }
        out.extend_from_slice(b"\r\nUser-Agent: ");
        out.extend_from_slice(USER_AGENT.as_bytes());
        out.extend_from_slice(b"\r\n");
        for (name, value) in headers {
            for part in [name, ": ", value, "\r\n"] {
                out.extend_from_slice(part.as_bytes());
            }
        }
        if !body.is_empty() || method != "GET" {
            out.extend_from_slice(b"Content-Length: ");
            out.extend_from_slice(body.len().to_string().as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        if body.len() <= COALESCE_BODY_BYTES {
            out.extend_from_slice(body);
        }
    }

    fn connect(&mut self) -> Result<&mut Conn, HttpError> {
        if self.conn.is_none() {
            let connect_err = |source| HttpError::Connect {
                addr: self.addr.clone(),
                source,
            };
            let mut last = None;
            let mut stream = None;
            for sock in self.addr.to_socket_addrs().map_err(connect_err)? {
                match TcpStream::connect(sock) {
                    Ok(s) => {
                        stream = Some(s);
                        break;
                    }
                    Err(e) => last = Some(e),
                }
            }
            let stream = stream.ok_or_else(|| {
                connect_err(last.unwrap_or_else(|| {
                    io::Error::new(io::ErrorKind::NotFound, "address resolved to nothing")
                }))
            })?;
            stream.set_nodelay(true).map_err(connect_err)?;
            self.connects += 1;
            self.conn = Some(Conn {
                stream,
                buf: Vec::new(),
                start: 0,
                end: 0,
                close_after: false,
            });
        }
        self.conn
            .as_mut()
            .ok_or(HttpError::ClosedEarly { received: 0 })
    }

    /// Writes the encoded request and reads one whole response.
    fn exchange(&mut self, body: &[u8]) -> Result<Meta, HttpError> {
        let coalesced = body.len() <= COALESCE_BODY_BYTES;
        let out = std::mem::take(&mut self.out);
        let written = (|| {
            let conn = self.connect()?;
            conn.stream.write_all(&out)?;
            if !coalesced {
                conn.stream.write_all(body)?;
            }
            Ok::<(), HttpError>(())
        })();
        self.out = out;
        written?;
        let limits = self.limits;
        let conn = self
            .conn
            .as_mut()
            .ok_or(HttpError::ClosedEarly { received: 0 })?;
        read_response(conn, &limits, &mut self.headers, &mut self.decoded)
    }
}

/// Reads one response from `conn`; on return `conn.start` points past it.
fn read_response(
    conn: &mut Conn,
    limits: &Limits,
    headers: &mut Vec<(Range<usize>, Range<usize>)>,
    decoded: &mut Vec<u8>,
) -> Result<Meta, HttpError> {
    debug_assert_eq!(conn.start, 0);
    let mut scanned = 0;
    let mut interim_bytes = 0;
    let head = loop {
        if let Some(head) = parse_head_from(&conn.buf[..conn.end], limits, &mut scanned)? {
            if head.status >= 200 || head.status == 101 {
                break head;
            }
            // An interim response (`100 Continue`, `103 Early Hints`): not the answer. Drop it
            // and read on, counting it against the header cap.
            interim_bytes += head.len;
            if interim_bytes > limits.max_head_bytes {
                return Err(HttpError::HeadTooLarge {
                    limit: limits.max_head_bytes,
                });
            }
            conn.buf.copy_within(head.len..conn.end, 0);
            conn.end -= head.len;
            scanned = 0;
            continue;
        }
        if conn.fill()? == 0 {
            return Err(HttpError::ClosedEarly { received: conn.end });
        }
    };
    let framing = framing(&conn.buf, &head, limits)?;
    let connection_close = head.headers.iter().any(|(n, v)| {
        conn.buf[n.clone()].eq_ignore_ascii_case(b"connection")
            && conn.buf[v.clone()]
                .split(|&b| b == b',')
                .any(|t| trim(t).eq_ignore_ascii_case(b"close"))
    });
    let keep_alive_10 = head.headers.iter().any(|(n, v)| {
        conn.buf[n.clone()].eq_ignore_ascii_case(b"connection")
            && trim(&conn.buf[v.clone()]).eq_ignore_ascii_case(b"keep-alive")
    });
    conn.close_after = connection_close || (head.http10 && !keep_alive_10);
    headers.clear();
    headers.extend(head.headers.iter().cloned());
    let body = match framing {
        Framing::Empty => {
            conn.start = head.len;
            BodyAt::Buffer(head.len, head.len)
        }
        Framing::Length(n) => {
            let want = head.len + n;
            if conn.buf.len() < want {
                conn.buf.resize(want, 0);
            }
            while conn.end < want {
                if conn.fill()? == 0 {
                    return Err(HttpError::ClosedEarly { received: conn.end });
                }
            }
            conn.start = want;
            BodyAt::Buffer(head.len, want)
        }
        Framing::Chunked => {
            read_chunked(conn, head.len, limits, decoded)?;
            BodyAt::Decoded
        }
        Framing::UntilClose => {
            decoded.clear();
            decoded.extend_from_slice(&conn.buf[head.len..conn.end]);
            conn.end = head.len;
            loop {
                if decoded.len() > limits.max_body_bytes {
                    return Err(HttpError::BodyTooLarge {
                        limit: limits.max_body_bytes,
                    });
                }
                if conn.fill()? == 0 {
                    break;
                }
                decoded.extend_from_slice(&conn.buf[head.len..conn.end]);
                conn.end = head.len;
            }
            conn.start = head.len;
            conn.close_after = true;
            BodyAt::Decoded
        }
    };
    Ok(Meta {
        status: head.status,
        head_len: head.len,
        body,
    })
}

/// Decodes a chunked body that starts at `body_start` into `decoded`. The raw chunk bytes are
/// read into the buffer behind the header section, which is reused as they are consumed.
fn read_chunked(
    conn: &mut Conn,
    body_start: usize,
    limits: &Limits,
    decoded: &mut Vec<u8>,
) -> Result<(), HttpError> {
    decoded.clear();
    let mut pos = body_start;
    // Reads at least one more byte, reusing the area behind the header section once consumed.
    let more = |conn: &mut Conn, pos: &mut usize| -> Result<(), HttpError> {
        if *pos == conn.end {
            *pos = body_start;
            conn.end = body_start;
        }
        if conn.fill()? == 0 {
            return Err(HttpError::ClosedEarly { received: conn.end });
        }
        Ok(())
    };
    // Returns the next line (without its ending) as a range, reading as needed.
    let line = |conn: &mut Conn, pos: &mut usize, cap: usize| -> Result<Range<usize>, HttpError> {
        loop {
            if let Some(nl) = conn.buf[*pos..conn.end].iter().position(|&b| b == b'\n') {
                let mut stop = *pos + nl;
                if stop > *pos && conn.buf[stop - 1] == b'\r' {
                    stop -= 1;
                }
                let range = *pos..stop;
                *pos += nl + 1;
                return Ok(range);
            }
            if conn.end - *pos > cap {
                return Err(HttpError::InvalidChunk);
            }
            if *pos > body_start {
                // Keep the partial line, drop what is consumed before it.
                conn.buf.copy_within(*pos..conn.end, body_start);
                conn.end -= *pos - body_start;
                *pos = body_start;
            }
            if conn.fill()? == 0 {
                return Err(HttpError::ClosedEarly { received: conn.end });
            }
        }
    };
    loop {
        let size_line = line(conn, &mut pos, 1024)?;
        let size = parse_chunk_size(&conn.buf[size_line])?;
        if size == 0 {
            break;
        }
        if size > limits.max_body_bytes - decoded.len() {
            return Err(HttpError::BodyTooLarge {
                limit: limits.max_body_bytes,
            });
        }
        let mut remaining = size;
        while remaining > 0 {
            if pos == conn.end {
                more(conn, &mut pos)?;
            }
            let n = remaining.min(conn.end - pos);
            decoded.extend_from_slice(&conn.buf[pos..pos + n]);
            pos += n;
            remaining -= n;
        }
        if !line(conn, &mut pos, 2)?.is_empty() {
            return Err(HttpError::InvalidChunk);
        }
    }
    // Trailer fields, then the final empty line.
    let mut trailer_bytes = 0;
    loop {
        let trailer = line(conn, &mut pos, limits.max_head_bytes)?;
        if trailer.is_empty() {
            break;
        }
        trailer_bytes += trailer.len();
        if trailer_bytes > limits.max_head_bytes {
            return Err(HttpError::HeadTooLarge {
                limit: limits.max_head_bytes,
            });
        }
    }
    conn.start = pos;
    Ok(())
}

#[cfg(test)]
mod tests;
