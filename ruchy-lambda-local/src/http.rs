//! HTTP/1.1, server side: reading one request at a time from a keep-alive connection and
//! writing responses.
//!
//! Blocking and bounded: the request line and headers together may not exceed
//! [`Limits::max_head_bytes`], nor the header count [`Limits::max_headers`]. A body is kept in memory up
//! to [`Limits::body_keep`] bytes; a larger one is read and thrown away (so the connection stays
//! usable and the caller can answer `413`) up to [`Limits::body_discard`] bytes, past which reading
//! stops with [`HttpError::BodyTooLarge`] and the connection must be closed.
//!
//! Both `Content-Length` and `Transfer-Encoding: chunked` request bodies are understood; a
//! chunked body can also be read piece by piece as it arrives, with its trailers
//! ([`ChunkedReader`]), and a chunked response written ([`write_chunk`], [`write_last_chunk`]).

use std::fmt;
use std::io::{self, BufRead, Read, Write};

/// Default cap on the request line plus headers: 64 KiB.
pub const DEFAULT_MAX_HEAD_BYTES: usize = 64 * 1024;
/// Default cap on the number of header fields.
pub const DEFAULT_MAX_HEADERS: usize = 128;
/// Longest chunk-size line accepted in a chunked body.
const MAX_CHUNK_LINE: usize = 4096;

/// What one connection may make the server read and keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Request line plus header section, in bytes.
    pub max_head_bytes: usize,
    /// Number of header fields.
    pub max_headers: usize,
    /// A body up to this size is kept; a larger one is read and discarded.
    pub body_keep: usize,
    /// A body over this size is not read at all: the connection must be closed.
    pub body_discard: u64,
}

impl Limits {
    /// Limits for a server that keeps bodies up to `body_keep` bytes and discards bodies up to
    /// `body_keep + 32 MiB`.
    pub fn with_body(body_keep: usize) -> Self {
        Limits {
            max_head_bytes: DEFAULT_MAX_HEAD_BYTES,
            max_headers: DEFAULT_MAX_HEADERS,
            body_keep,
            body_discard: (body_keep as u64).saturating_add(32 * 1024 * 1024),
        }
    }
}

/// Why a request could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum HttpError {
    /// Reading from the connection failed.
    Io(io::Error),
    /// The connection closed in the middle of a request (more bytes were needed).
    UnexpectedEof,
    /// The request line and headers are larger than [`Limits::max_head_bytes`].
    HeadTooLarge,
    /// More header fields than [`Limits::max_headers`].
    TooManyHeaders,
    /// The request line is not `METHOD target HTTP/1.x`.
    InvalidRequestLine,
    /// The request is for a protocol version other than HTTP/1.0 or HTTP/1.1.
    UnsupportedVersion,
    /// A header line is not `name: value`, or uses obsolete line folding.
    InvalidHeader,
    /// `Content-Length` is not a number, or several disagree, or it comes with
    /// `Transfer-Encoding`.
    InvalidContentLength,
    /// A transfer coding other than `chunked` was asked for.
    UnsupportedTransferEncoding,
    /// A chunked body is malformed: a bad chunk-size line, or no CRLF after a chunk's data.
    InvalidChunk,
    /// The trailer section of a chunked body is larger than [`Limits::max_head_bytes`] or has more
    /// fields than [`Limits::max_headers`].
    TrailerTooLarge,
    /// A trailer field is malformed, or is one that may not be a trailer (`Content-Length`,
    /// `Transfer-Encoding`, `Trailer`).
    InvalidTrailer,
    /// The body is larger than [`Limits::body_discard`]; it was not read.
    BodyTooLarge,
}

impl HttpError {
    /// The status code to answer with, or `None` when the connection is gone and nothing can be
    /// answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Io(_) | HttpError::UnexpectedEof => None,
            HttpError::HeadTooLarge | HttpError::TooManyHeaders => Some(431),
            HttpError::UnsupportedVersion => Some(505),
            HttpError::UnsupportedTransferEncoding => Some(501),
            HttpError::BodyTooLarge => Some(413),
            HttpError::InvalidRequestLine
            | HttpError::InvalidHeader
            | HttpError::InvalidContentLength
            | HttpError::InvalidChunk
            | HttpError::TrailerTooLarge
            | HttpError::InvalidTrailer => Some(400),
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Io(e) => write!(f, "connection error: {e}"),
            HttpError::UnexpectedEof => f.write_str("connection closed in the middle of a request"),
            HttpError::HeadTooLarge => f.write_str("request header section too large"),
            HttpError::TooManyHeaders => f.write_str("too many request header fields"),
            HttpError::InvalidRequestLine => f.write_str("malformed request line"),
            HttpError::UnsupportedVersion => f.write_str("unsupported HTTP version"),
            HttpError::InvalidHeader => f.write_str("malformed header field"),
            HttpError::InvalidContentLength => f.write_str("invalid Content-Length"),
            HttpError::UnsupportedTransferEncoding => f.write_str("unsupported Transfer-Encoding"),
            HttpError::InvalidChunk => f.write_str("malformed chunked body"),
            HttpError::TrailerTooLarge => f.write_str("trailer section too large"),
            HttpError::InvalidTrailer => f.write_str("malformed or forbidden trailer field"),
            HttpError::BodyTooLarge => f.write_str("request body too large"),
        }
    }
}

impl std::error::Error for HttpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HttpError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for HttpError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            HttpError::UnexpectedEof
        } else {
            HttpError::Io(e)
        }
    }
}

/// How the body of a request is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length: n` (a request without either header has length 0).
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// The request line and headers of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The request target: the path and query, e.g. `/2018-06-01/runtime/invocation/next`.
    pub target: String,
    /// `true` for HTTP/1.1, `false` for HTTP/1.0.
    pub http11: bool,
    /// Header fields in the order received; names as sent.
    pub headers: Vec<(String, String)>,
    /// How the body is delimited.
    pub framing: Framing,
}

impl RequestHead {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path part of the target, without the query string.
    pub fn path(&self) -> &str {
        match self.target.find('?') {
            Some(i) => &self.target[..i],
            None => &self.target,
        }
    }

    /// Whether the connection may serve another request after this one: HTTP/1.1 unless
    /// `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`.
    pub fn keep_alive(&self) -> bool {
        let has = |token: &str| {
            self.headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case("connection"))
                .flat_map(|(_, v)| v.split(','))
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        };
        if self.http11 {
            !has("close")
        } else {
            has("keep-alive")
        }
    }

    /// Whether the client waits for `100 Continue` before sending the body.
    pub fn expects_continue(&self) -> bool {
        self.http11
            && self
                .header("expect")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"))
            && self.framing != Framing::Length(0)
    }
}

/// A request body as read under [`Limits`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// The whole body.
    Complete(Vec<u8>),
    /// A body over [`Limits::body_keep`]: read and discarded; `len` is its size.
    Oversize {
        /// Size of the discarded body in bytes.
        len: u64,
    },
}

/// Reads one request line and header section.
///
/// Returns `Ok(None)` when the connection is closed cleanly before the first byte of a request
/// (the end of a keep-alive connection). Empty lines before the request line are skipped.
pub fn read_head<R: BufRead>(
    reader: &mut R,
    limits: &Limits,
) -> Result<Option<RequestHead>, HttpError> {
    let mut budget = limits.max_head_bytes;
    let mut line = Vec::new();
    // Request line, skipping leading empty lines (RFC 9112 §2.2).
    loop {
        match read_line(reader, &mut line, &mut budget, HttpError::HeadTooLarge)? {
            None if budget == limits.max_head_bytes => return Ok(None),
            None => return Err(HttpError::UnexpectedEof),
            Some(()) if line.is_empty() => continue,
            Some(()) => break,
        }
    }
    let (method, target, http11) = parse_request_line(&line)?;

    let mut headers = Vec::new();
    loop {
        match read_line(reader, &mut line, &mut budget, HttpError::HeadTooLarge)? {
            None => return Err(HttpError::UnexpectedEof),
            Some(()) if line.is_empty() => break,
            Some(()) => {
                if headers.len() == limits.max_headers {
                    return Err(HttpError::TooManyHeaders);
                }
                headers.push(parse_header(&line)?);
            }
        }
    }
    let framing = framing(&headers, http11)?;
    Ok(Some(RequestHead {
        method,
        target,
        http11,
        headers,
        framing,
    }))
}

/// Reads the body announced by `head`, within `limits`.
pub fn read_body<R: BufRead>(
    reader: &mut R,
    head: &RequestHead,
    limits: &Limits,
) -> Result<Body, HttpError> {
    match head.framing {
        Framing::Length(len) => {
            if len > limits.body_discard {
                return Err(HttpError::BodyTooLarge);
            }
            if len > limits.body_keep as u64 {
                let copied = io::copy(&mut reader.by_ref().take(len), &mut io::sink())?;
                if copied != len {
                    return Err(HttpError::UnexpectedEof);
                }
                return Ok(Body::Oversize { len });
            }
            // `len` is at most `body_keep`, which fits in memory by construction.
            let mut body = vec![0; len as usize];
            reader.read_exact(&mut body)?;
            Ok(Body::Complete(body))
        }
        Framing::Chunked => read_chunked(reader, limits),
    }
}

fn read_chunked<R: BufRead>(reader: &mut R, limits: &Limits) -> Result<Body, HttpError> {
    let mut chunked = ChunkedReader::new();
    let mut body = Vec::new();
    let mut sink = Vec::new();
    loop {
        let keeping = chunked.total() <= limits.body_keep as u64;
        let buf = if keeping { &mut body } else { &mut sink };
        match chunked.read(reader, buf, 64 * 1024, limits)? {
            ChunkRead::Data(_) => {
                if chunked.total() > limits.body_discard {
                    return Err(HttpError::BodyTooLarge);
                }
                if chunked.total() > limits.body_keep as u64 {
                    body = Vec::new();
                    sink.clear();
                }
            }
            ChunkRead::End => break,
        }
    }
    let total = chunked.total();
    if total > limits.body_keep as u64 {
        Ok(Body::Oversize { len: total })
    } else {
        Ok(Body::Complete(body))
    }
}

/// What one [`ChunkedReader::read`] got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkRead {
    /// This many bytes of body data (at least 1) were appended to the buffer.
    Data(usize),
    /// The last chunk and the trailer section were read: the body is complete.
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    /// Before a chunk-size line.
    Size,
    /// Inside a chunk's data, with this many bytes left (0: the CRLF after it is next).
    Data(u64),
    /// The body and its trailers have been read.
    Done,
}

/// Reads a `Transfer-Encoding: chunked` body piece by piece, as it arrives, strictly (RFC 9112
/// §7.1):
///
/// - a chunk-size line is `1*HEXDIG`, optionally followed by whitespace and `;` extensions
///   (ignored); no leading whitespace, sign or `0x`; at most 4096 bytes; a size that does not fit
///   in 64 bits is refused;
/// - each chunk's data is followed by exactly CRLF (or a bare LF);
/// - the trailer section is bounded by [`Limits::max_head_bytes`] and [`Limits::max_headers`], its
///   fields are parsed like header fields, and the framing fields `Content-Length`,
///   `Transfer-Encoding` and `Trailer` are refused in it.
///
/// Every violation is an [`HttpError`] whose [`HttpError::status`] is 400.
#[derive(Debug, Clone)]
pub struct ChunkedReader {
    state: ChunkState,
    total: u64,
    chunks: u64,
    trailers: Vec<(String, String)>,
}

impl Default for ChunkedReader {
    fn default() -> Self {
        ChunkedReader::new()
    }
}

impl ChunkedReader {
    /// A reader positioned at the start of a chunked body.
    pub fn new() -> Self {
        ChunkedReader {
            state: ChunkState::Size,
            total: 0,
            chunks: 0,
            trailers: Vec::new(),
        }
    }

    /// Reads the next piece of body data, at most `max` bytes (at least 1), appending it to
    /// `buf`; or, at the last chunk, the trailer section. Blocks until some data (or the end)
    /// arrives. After [`ChunkRead::End`] every call returns `End` again. A chunk that would take
    /// the body past [`Limits::body_discard`] is refused ([`HttpError::BodyTooLarge`]) before
    /// its data is read.
    pub fn read<R: BufRead>(
        &mut self,
        reader: &mut R,
        buf: &mut Vec<u8>,
        max: usize,
        limits: &Limits,
    ) -> Result<ChunkRead, HttpError> {
        let mut line = Vec::new();
        loop {
            match self.state {
                ChunkState::Done => return Ok(ChunkRead::End),
                ChunkState::Size => {
                    let mut budget = MAX_CHUNK_LINE;
                    if read_line(reader, &mut line, &mut budget, HttpError::InvalidChunk)?.is_none()
                    {
                        return Err(HttpError::UnexpectedEof);
                    }
                    let size = parse_chunk_size(&line)?;
                    if size == 0 {
                        self.trailers = read_trailers(reader, limits)?;
                        self.state = ChunkState::Done;
                        return Ok(ChunkRead::End);
                    }
                    if self.total.saturating_add(size) > limits.body_discard {
                        return Err(HttpError::BodyTooLarge);
                    }
                    self.chunks += 1;
                    self.state = ChunkState::Data(size);
                }
                ChunkState::Data(0) => {
                    let mut budget = 2;
                    match read_line(reader, &mut line, &mut budget, HttpError::InvalidChunk)? {
                        Some(()) if line.is_empty() => self.state = ChunkState::Size,
                        Some(()) => return Err(HttpError::InvalidChunk),
                        None => return Err(HttpError::UnexpectedEof),
                    }
                }
                ChunkState::Data(left) => {
                    let want = left.min(max.max(1) as u64) as usize;
                    let available = reader.fill_buf()?;
                    if available.is_empty() {
                        return Err(HttpError::UnexpectedEof);
                    }
                    let n = want.min(available.len());
                    buf.extend_from_slice(&available[..n]);
                    reader.consume(n);
                    self.total += n as u64;
                    self.state = ChunkState::Data(left - n as u64);
                    return Ok(ChunkRead::Data(n));
                }
            }
        }
    }

    /// Body bytes read so far.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Chunks begun so far (the last, empty chunk not counted).
    pub fn chunks(&self) -> u64 {
        self.chunks
    }

    /// The trailer fields, in the order received, once [`ChunkRead::End`] was returned.
    pub fn trailers(&self) -> &[(String, String)] {
        &self.trailers
    }

    /// Whether the whole body, trailers included, has been read.
    pub fn is_done(&self) -> bool {
        self.state == ChunkState::Done
    }
}

/// The trailer section after the last chunk: header fields up to the empty line.
fn read_trailers<R: BufRead>(
    reader: &mut R,
    limits: &Limits,
) -> Result<Vec<(String, String)>, HttpError> {
    let mut trailers = Vec::new();
    let mut budget = limits.max_head_bytes;
    let mut line = Vec::new();
    loop {
        match read_line(reader, &mut line, &mut budget, HttpError::TrailerTooLarge)? {
            None => return Err(HttpError::UnexpectedEof),
            Some(()) if line.is_empty() => return Ok(trailers),
            Some(()) => {
                if trailers.len() == limits.max_headers {
                    return Err(HttpError::TrailerTooLarge);
                }
                let (name, value) = parse_header(&line).map_err(|_| HttpError::InvalidTrailer)?;
                let framing = ["content-length", "transfer-encoding", "trailer"];
                if framing.iter().any(|f| name.eq_ignore_ascii_case(f)) {
                    return Err(HttpError::InvalidTrailer);
                }
                trailers.push((name, value));
            }
        }
    }
}

/// Reads one line ending in LF (CRLF or a bare LF) into `line`, without the line ending, taking
/// at most `budget` bytes. `Ok(None)` at end of input with nothing read.
fn read_line<R: BufRead>(
    reader: &mut R,
    line: &mut Vec<u8>,
    budget: &mut usize,
    too_long: HttpError,
) -> Result<Option<()>, HttpError> {
    line.clear();
    let n = reader
        .by_ref()
        .take(*budget as u64)
        .read_until(b'\n', line)?;
    if n == 0 {
        return if *budget == 0 {
            Err(too_long)
        } else {
            Ok(None)
        };
    }
    *budget -= n;
    if line.last() != Some(&b'\n') {
        return if *budget == 0 {
            Err(too_long)
        } else {
            Err(HttpError::UnexpectedEof)
        };
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(()))
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn parse_request_line(line: &[u8]) -> Result<(String, String, bool), HttpError> {
    let text = std::str::from_utf8(line).map_err(|_| HttpError::InvalidRequestLine)?;
    let mut parts = text.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HttpError::InvalidRequestLine);
    };
    if method.is_empty() || !method.bytes().all(is_tchar) {
        return Err(HttpError::InvalidRequestLine);
    }
    if target.is_empty() || !target.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(HttpError::InvalidRequestLine);
    }
    let target = origin_form(target).ok_or(HttpError::InvalidRequestLine)?;
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        v if v.starts_with("HTTP/") => return Err(HttpError::UnsupportedVersion),
        _ => return Err(HttpError::InvalidRequestLine),
    };
    Ok((method.to_owned(), target, http11))
}

/// `/path?query` as is; `http://authority/path?query` reduced to `/path?query`.
fn origin_form(target: &str) -> Option<String> {
    if target.starts_with('/') {
        return Some(target.to_owned());
    }
    let lower = target
        .get(..8)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let rest = if lower.starts_with("http://") {
        &target[7..]
    } else if lower.starts_with("https://") {
        &target[8..]
    } else {
        return None;
    };
    match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('/') => Some(rest[i..].to_owned()),
        Some(i) => Some(format!("/{}", &rest[i..])),
        None => Some("/".to_owned()),
    }
}

fn parse_header(line: &[u8]) -> Result<(String, String), HttpError> {
    // A line starting with whitespace is obsolete line folding (RFC 9112 §5.2): rejected.
    let colon = line
        .iter()
        .position(|&b| b == b':')
        .ok_or(HttpError::InvalidHeader)?;
    let name = &line[..colon];
    if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
        return Err(HttpError::InvalidHeader);
    }
    let value = line[colon + 1..].trim_ascii();
    if value.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0) {
        return Err(HttpError::InvalidHeader);
    }
    let name = String::from_utf8_lossy(name).into_owned();
    let value = String::from_utf8_lossy(value).into_owned();
    Ok((name, value))
}

fn framing(headers: &[(String, String)], http11: bool) -> Result<Framing, HttpError> {
    let mut length: Option<u64> = None;
    let mut codings: Vec<String> = Vec::new();
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("content-length") {
            for part in value.split(',') {
                let part = part.trim();
                if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(HttpError::InvalidContentLength);
                }
                let n: u64 = part.parse().map_err(|_| HttpError::InvalidContentLength)?;
                if length.is_some_and(|l| l != n) {
                    return Err(HttpError::InvalidContentLength);
                }
                length = Some(n);
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            codings.extend(
                value
                    .split(',')
                    .map(|c| c.trim().to_ascii_lowercase())
                    .filter(|c| !c.is_empty()),
            );
        }
    }
    if codings.is_empty() {
        return Ok(Framing::Length(length.unwrap_or(0)));
    }
    // Both framings at once is how requests get smuggled: refuse (RFC 9112 §6.3).
    if length.is_some() || !http11 {
        return Err(HttpError::InvalidContentLength);
    }
    if codings.len() == 1 && codings[0] == "chunked" {
        Ok(Framing::Chunked)
    } else {
        Err(HttpError::UnsupportedTransferEncoding)
    }
}

fn parse_chunk_size(line: &[u8]) -> Result<u64, HttpError> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 {
        return Err(HttpError::InvalidChunk);
    }
    let rest = &line[digits..];
    // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ): ignored, but it must start
    // with `;` and hold no control characters.
    let ext = rest.trim_ascii_start();
    if !rest.is_empty() && !ext.starts_with(b";") {
        return Err(HttpError::InvalidChunk);
    }
    if ext.iter().any(|&b| b != b'\t' && (b < 0x20 || b == 0x7f)) {
        return Err(HttpError::InvalidChunk);
    }
    let mut n: u64 = 0;
    for &b in &line[..digits] {
        let digit = (b as char).to_digit(16).ok_or(HttpError::InvalidChunk)?;
        n = n
            .checked_mul(16)
            .and_then(|n| n.checked_add(u64::from(digit)))
            .ok_or(HttpError::InvalidChunk)?;
    }
    Ok(n)
}

/// The reason phrase for the status codes this crate sends.
pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        410 => "Gone",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// Writes `HTTP/1.1 100 Continue`.
pub fn write_continue<W: Write>(writer: &mut W) -> io::Result<()> {
    writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    writer.flush()
}

/// Writes one complete response with a `Content-Length` body.
///
/// `headers` are written as given, after `Content-Type` (when `content_type` is `Some`) and
/// before `Content-Length`; `close` adds `Connection: close`.
pub fn write_response<W: Write>(
    writer: &mut W,
    status: u16,
    content_type: Option<&str>,
    headers: &[(&str, &str)],
    body: &[u8],
    close: bool,
) -> io::Result<()> {
    let mut head = Vec::with_capacity(256);
    write!(head, "HTTP/1.1 {status} {}\r\n", reason(status))?;
    if let Some(ct) = content_type {
        write!(head, "Content-Type: {ct}\r\n")?;
    }
    for (name, value) in headers {
        write!(head, "{name}: {value}\r\n")?;
    }
    write!(head, "Content-Length: {}\r\n", body.len())?;
    if close {
        head.extend_from_slice(b"Connection: close\r\n");
    }
    head.extend_from_slice(b"\r\n");
    // One write for small responses: fewer segments on a TCP_NODELAY socket.
    if body.len() <= 16 * 1024 {
        head.extend_from_slice(body);
        writer.write_all(&head)?;
    } else {
        writer.write_all(&head)?;
        writer.write_all(body)?;
    }
    writer.flush()
}

/// Writes one chunk of a `Transfer-Encoding: chunked` response (nothing for empty data: an empty
/// chunk would end the body) and flushes.
pub fn write_chunk<W: Write>(writer: &mut W, data: &[u8]) -> io::Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    let mut frame = Vec::with_capacity(data.len() + 16);
    write!(frame, "{:x}\r\n", data.len())?;
    frame.extend_from_slice(data);
    frame.extend_from_slice(b"\r\n");
    writer.write_all(&frame)?;
    writer.flush()
}

/// Ends a chunked body: the last chunk, `trailers`, and the empty line; flushes.
pub fn write_last_chunk<W: Write>(writer: &mut W, trailers: &[(&str, &str)]) -> io::Result<()> {
    let mut end = b"0\r\n".to_vec();
    for (name, value) in trailers {
        write!(end, "{name}: {value}\r\n")?;
    }
    end.extend_from_slice(b"\r\n");
    writer.write_all(&end)?;
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    fn limits() -> Limits {
        Limits {
            max_head_bytes: 256,
            max_headers: 4,
            body_keep: 10,
            body_discard: 20,
        }
    }

    fn parse(raw: &[u8]) -> Result<Option<(RequestHead, Body)>, HttpError> {
        let mut r = BufReader::new(raw);
        let Some(head) = read_head(&mut r, &limits())? else {
            return Ok(None);
        };
        let body = read_body(&mut r, &head, &limits())?;
        Ok(Some((head, body)))
    }

    #[test]
    fn reads_requests() {
        type Case = (&'static [u8], &'static str, &'static str, &'static [u8]);
        let cases: &[Case] = &[
            (b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n", "GET", "/a", b""),
            (b"\r\nGET /a?q=1 HTTP/1.0\r\n\r\n", "GET", "/a?q=1", b""),
            (b"POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", "POST", "/b", b"abc"),
            (b"POST /b HTTP/1.1\nContent-Length:3\n\nabc", "POST", "/b", b"abc"),
            (b"POST /b HTTP/1.1\r\ncontent-length: 3, 3\r\n\r\nabc", "POST", "/b", b"abc"),
            (
                b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n5\r\n01234\r\n0\r\nX-T: 1\r\n\r\n",
                "POST",
                "/c",
                b"abc01234",
            ),
            (b"GET http://h:1/d/e?x HTTP/1.1\r\n\r\n", "GET", "/d/e?x", b""),
        ];
        for (raw, method, target, body) in cases {
            let (head, got) = parse(raw).unwrap().unwrap();
            assert_eq!(head.method, *method, "{}", String::from_utf8_lossy(raw));
            assert_eq!(head.target, *target);
            assert_eq!(got, Body::Complete(body.to_vec()));
        }
    }

    #[test]
    fn rejects_malformed_requests() {
        let cases: &[(&[u8], u16)] = &[
            (b"GET /a\r\n\r\n", 400),
            (b"GET  /a HTTP/1.1\r\n\r\n", 400),
            (b"G(T /a HTTP/1.1\r\n\r\n", 400),
            (b"GET a HTTP/1.1\r\n\r\n", 400),
            (b"GET /a HTTP/2.0\r\n\r\n", 505),
            (b"GET /a FTP/1.1\r\n\r\n", 400),
            (b"GET /a HTTP/1.1\r\nNoColon\r\n\r\n", 400),
            (b"GET /a HTTP/1.1\r\nA: 1\r\n folded\r\n\r\n", 400),
            (b"GET /a HTTP/1.1\r\nBad Name: 1\r\n\r\n", 400),
            (b"POST /a HTTP/1.1\r\nContent-Length: x\r\n\r\n", 400),
            (b"POST /a HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
            (
                b"POST /a HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                400,
            ),
            (
                b"POST /a HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
                400,
            ),
            (b"POST /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
            (
                b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                400,
            ),
            (
                b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
                400,
            ),
            (
                b"GET /a HTTP/1.1\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\n\r\n",
                431,
            ),
            (b"POST /a HTTP/1.1\r\nContent-Length: 21\r\n\r\n", 413),
        ];
        for (raw, status) in cases {
            let err = parse(raw).unwrap_err();
            assert_eq!(
                err.status(),
                Some(*status),
                "{}: {err}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    #[test]
    fn caps_the_header_section() {
        let mut raw = b"GET /a HTTP/1.1\r\nX: ".to_vec();
        raw.extend(std::iter::repeat_n(b'a', 300));
        raw.extend_from_slice(b"\r\n\r\n");
        assert!(matches!(parse(&raw), Err(HttpError::HeadTooLarge)));
    }

    #[test]
    fn tells_truncation_from_a_clean_end() {
        assert!(parse(b"").unwrap().is_none());
        assert!(parse(b"\r\n").is_err());
        for raw in [
            &b"GET /a HTTP/1.1\r\nHost"[..],
            b"GET /a HTTP/1.1\r\n",
            b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nab",
            b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        ] {
            let err = parse(raw).unwrap_err();
            assert!(matches!(err, HttpError::UnexpectedEof), "{err}");
            assert_eq!(err.status(), None);
        }
    }

    #[test]
    fn discards_oversize_bodies_and_keeps_the_stream_in_step() {
        let raw =
            b"POST /a HTTP/1.1\r\nContent-Length: 15\r\n\r\n123456789012345GET /n HTTP/1.1\r\n\r\n";
        let mut r = BufReader::new(&raw[..]);
        let head = read_head(&mut r, &limits()).unwrap().unwrap();
        assert_eq!(
            read_body(&mut r, &head, &limits()).unwrap(),
            Body::Oversize { len: 15 }
        );
        let next = read_head(&mut r, &limits()).unwrap().unwrap();
        assert_eq!(next.target, "/n");

        let raw = b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\nGET /n HTTP/1.1\r\n\r\n";
        let mut r = BufReader::new(&raw[..]);
        let head = read_head(&mut r, &limits()).unwrap().unwrap();
        assert_eq!(
            read_body(&mut r, &head, &limits()).unwrap(),
            Body::Oversize { len: 16 }
        );
        assert_eq!(read_head(&mut r, &limits()).unwrap().unwrap().target, "/n");

        let raw = b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n15\r\n";
        let mut r = BufReader::new(&raw[..]);
        let head = read_head(&mut r, &limits()).unwrap().unwrap();
        assert!(matches!(
            read_body(&mut r, &head, &limits()),
            Err(HttpError::BodyTooLarge)
        ));
    }

    #[test]
    fn keep_alive_rules() {
        let head = |raw: &[u8]| {
            read_head(&mut BufReader::new(raw), &limits())
                .unwrap()
                .unwrap()
        };
        assert!(head(b"GET / HTTP/1.1\r\n\r\n").keep_alive());
        assert!(!head(b"GET / HTTP/1.1\r\nConnection: Close\r\n\r\n").keep_alive());
        assert!(!head(b"GET / HTTP/1.0\r\n\r\n").keep_alive());
        assert!(head(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive());
        assert!(
            head(b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n")
                .expects_continue()
        );
    }

    #[test]
    fn writes_responses() {
        let mut out = Vec::new();
        write_response(
            &mut out,
            202,
            Some("application/json"),
            &[("X-A", "1")],
            b"{}",
            true,
        )
        .unwrap();
        assert_eq!(
            out,
            b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nX-A: 1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
        );
    }
}
