//! Parsing of HTTP/1.1 responses, with no I/O: the status line and header section, how the
//! body is framed, chunk sizes. The client ([`super::HttpClient`]) feeds it the bytes it read.

use std::fmt;
use std::io;
use std::ops::Range;

use crate::text::eq_ignore_case;

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
    pub(super) fn is_stale_connection(&self) -> bool {
        match self {
            HttpError::ClosedEarly { received } => *received == 0,
            HttpError::Io(e) => super::os_error::is_connection_lost(e),
            _ => false,
        }
    }
}

/// The parsed status line and header section, as offsets into the raw bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
    let mut head = Head::default();
    Ok(parse_head_from(buf, limits, &mut 0, &mut head)?.then_some(head))
}

/// [`parse_head`] for a buffer that grows between calls, into `head`, whose header list is
/// reused from response to response: `Ok(true)` when `head` holds a complete header section
/// (anything else leaves it unspecified). `scanned` is where the search for the blank line
/// resumes (the start of the first line not known to be complete), so a header section that
/// arrives a byte at a time is scanned once, not once per byte.
pub(super) fn parse_head_from(
    buf: &[u8],
    limits: &Limits,
    scanned: &mut usize,
    head: &mut Head,
) -> Result<bool, HttpError> {
    let Some(len) = find_head_end(buf, scanned) else {
        if buf.len() > limits.max_head_bytes {
            return Err(HttpError::HeadTooLarge {
                limit: limits.max_head_bytes,
            });
        }
        // A status line must be recognisable early: reject garbage without waiting for more.
        check_status_prefix(buf)?;
        return Ok(false);
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
    (head.status, head.http10) = parse_status_line(&buf[status_line])?;
    head.len = len;
    let headers = &mut head.headers;
    headers.clear();
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
    Ok(true)
}

/// Finds the end of the header section: the index just past the first empty line. The search
/// starts at `from`, a line start, and leaves it at the start of the last incomplete line.
pub(super) fn find_head_end(buf: &[u8], from: &mut usize) -> Option<usize> {
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
pub(super) enum Framing {
    Empty,
    Length(usize),
    Chunked,
    UntilClose,
}

pub(super) fn framing(buf: &[u8], head: &Head, limits: &Limits) -> Result<Framing, HttpError> {
    if head.status < 200 || head.status == 204 || head.status == 304 {
        return Ok(Framing::Empty);
    }
    let mut length: Option<usize> = None;
    let mut transfer_encoding = false;
    for (name, value) in &head.headers {
        let name = &buf[name.clone()];
        let value = &buf[value.clone()];
        if eq_ignore_case(name, b"content-length") {
            let n = parse_content_length(value)?;
            if length.is_some_and(|l| l != n) {
                return Err(HttpError::InvalidContentLength);
            }
            length = Some(n);
        } else if eq_ignore_case(name, b"transfer-encoding") {
            transfer_encoding = true;
            // Only `chunked` is ours to undo; any other coding (gzip, ...) is refused.
            if !value
                .split(|&b| b == b',')
                .all(|c| eq_ignore_case(trim(c), b"chunked"))
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

/// Whether the peer closes the connection after this response: a `close` token in a
/// `Connection` header, or HTTP/1.0 without `Connection: keep-alive`.
pub(super) fn closes_after(buf: &[u8], head: &Head) -> bool {
    let (mut close, mut keep_alive) = (false, false);
    for (name, value) in &head.headers {
        if eq_ignore_case(&buf[name.clone()], b"connection") {
            let value = &buf[value.clone()];
            close |= value
                .split(|&b| b == b',')
                .any(|t| eq_ignore_case(trim(t), b"close"));
            keep_alive |= eq_ignore_case(trim(value), b"keep-alive");
        }
    }
    close || (head.http10 && !keep_alive)
}

pub(super) fn trim(mut b: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = b {
        b = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = b {
        b = rest;
    }
    b
}

pub(super) fn parse_content_length(value: &[u8]) -> Result<usize, HttpError> {
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
pub(super) fn parse_chunk_size(line: &[u8]) -> Result<usize, HttpError> {
    let digits_end = line
        .iter()
        .position(|&b| !b.is_ascii_hexdigit())
        .unwrap_or(line.len());
    let (digits, rest) = line.split_at(digits_end);
    let rest = trim(rest);
    if digits.is_empty() || !(rest.is_empty() || rest[0] == b';') {
        return Err(HttpError::InvalidChunk);
    }
    let mut size: usize = 0;
    for &d in digits {
        // `d` is a hex digit: 0-9, then a-f in either case (bit 5 set makes it lower case).
        let value = match d {
            b'0'..=b'9' => d - b'0',
            _ => (d | 0x20) - b'a' + 10,
        };
        if size >> (usize::BITS - 4) != 0 {
            return Err(HttpError::InvalidChunk);
        }
        size = size << 4 | usize::from(value);
    }
    Ok(size)
}

#[cfg(test)]
mod tests;
