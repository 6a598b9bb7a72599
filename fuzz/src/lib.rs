//! What the fuzz targets share: runtime-core's response reader fed from a byte slice in reads of
//! chosen sizes.

use std::io::{self, Read};
use std::ops::Range;

use ruchy_lambda_runtime_core::http::fuzzing;
use ruchy_lambda_runtime_core::http::{HttpError, Limits};

/// One response as [`read_response`] read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code of the final (non-interim) response.
    pub status: u16,
    /// Its status line and header section, as the client kept them.
    pub head: Vec<u8>,
    /// Name and value of each header field, as ranges into `head`.
    pub headers: Vec<(Range<usize>, Range<usize>)>,
    /// The decoded body.
    pub body: Vec<u8>,
    /// Input bytes the response took, interim responses included.
    pub consumed: usize,
    /// Bytes read past the response and kept for the next one.
    pub unread: Vec<u8>,
    /// Whether the client would close the connection after this response.
    pub close_after: bool,
}

/// `input`, handed out at most `reads[i % reads.len()]` bytes (at least 1) per read, then end
/// of stream. No `reads`: as much as the reader asks for.
struct Pieces<'a> {
    input: &'a [u8],
    reads: &'a [usize],
    count: usize,
    pos: usize,
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = buf.len().min(self.input.len() - self.pos);
        if !self.reads.is_empty() {
            n = n.min(self.reads[self.count % self.reads.len()].max(1));
        }
        self.count += 1;
        buf[..n].copy_from_slice(&self.input[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Reads one response from `input` the way the runtime's `HttpClient` reads it from a
/// connection whose reads return `reads` bytes at a time (see `Pieces`).
pub fn read_response(
    input: &[u8],
    reads: &[usize],
    limits: &Limits,
) -> Result<Response, HttpError> {
    let mut stream = Pieces {
        input,
        reads,
        count: 0,
        pos: 0,
    };
    let r = fuzzing::read_response(&mut stream, limits)?;
    Ok(Response {
        status: r.status,
        head: r.head,
        headers: r.headers,
        body: r.body,
        consumed: stream.pos - r.unread.len(),
        unread: r.unread,
        close_after: r.close_after,
    })
}
