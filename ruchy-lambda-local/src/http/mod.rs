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
use std::io::{self, BufRead, Read};

// Layout: `request` reads a request's head and body, `chunked` reads a chunked body, and
// `response` writes responses; the limits, the error and the line reader they share are here.
mod chunked;
mod request;
mod response;
#[cfg(test)]
mod tests;

pub use chunked::{ChunkRead, ChunkedReader};
pub use request::{Body, Framing, RequestHead, read_body, read_head};
pub use response::{
    json_unless_typed, reason, write_chunk, write_continue, write_last_chunk, write_response,
};

/// Default cap on the request line plus headers: 64 KiB.
pub const DEFAULT_MAX_HEAD_BYTES: usize = 64 * 1024;

/// Default cap on the number of header fields.
pub const DEFAULT_MAX_HEADERS: usize = 128;

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
