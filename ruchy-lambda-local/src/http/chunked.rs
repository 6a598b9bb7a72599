//! `Transfer-Encoding: chunked` request bodies: read whole ([`read_body`](super::read_body)) or
//! piece by piece as they arrive, with their trailers ([`ChunkedReader`]).

use std::io::BufRead;

use super::request::{Body, parse_header};
use super::{HttpError, Limits, read_line};

/// Longest chunk-size line accepted in a chunked body.
const MAX_CHUNK_LINE: usize = 4096;

pub(super) fn read_chunked<R: BufRead>(reader: &mut R, limits: &Limits) -> Result<Body, HttpError> {
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
