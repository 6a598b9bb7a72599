//! Reading responses off a connection: one TCP connection and its read buffer, the status line
//! and headers, and the body however it is framed (length, chunks, or the end of the stream).

use std::io::{self, Read};
use std::net::TcpStream;
use std::ops::Range;

use super::READ_CHUNK;
use super::os_error;
use super::parse::{
    Framing, Head, HttpError, Limits, closes_after, framing, parse_chunk_size, parse_head_from,
};

/// Longest chunk-size line (with its extensions) read before its LF.
pub(super) const CHUNK_SIZE_LINE_BYTES: usize = 1024;

/// Where the body of the last response lives.
#[derive(Debug, Clone, Copy)]
pub(super) enum BodyAt {
    Buffer(usize, usize),
    Decoded,
}

/// One TCP connection and the bytes read from it that are not consumed yet.
#[derive(Debug)]
pub(super) struct Conn<S = TcpStream> {
    pub(super) stream: S,
    /// Read buffer; `buf[start..end]` holds unread bytes. It only grows (zeroed once).
    pub(super) buf: Vec<u8>,
    pub(super) start: usize,
    pub(super) end: usize,
    /// The peer asked to close after the last response, or framed it by closing.
    pub(super) close_after: bool,
}

impl<S: Read> Conn<S> {
    /// Reads more bytes after `end`, growing the buffer when full. Returns 0 at end of stream.
    pub(super) fn fill(&mut self) -> io::Result<usize> {
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
                Err(e) if os_error::is_interrupted(&e) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads into `out`, straight from the stream (nothing may be buffered). Returns 0 at end of
    /// stream.
    pub(super) fn read_unbuffered(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.stream.read(out) {
                Err(e) if os_error::is_interrupted(&e) => continue,
                other => return other,
            }
        }
    }
}

/// What the last response was, without borrowing the connection.
#[derive(Debug)]
pub(super) struct Meta {
    pub(super) status: u16,
    pub(super) head_len: usize,
    pub(super) body: BodyAt,
}

/// Reads one response from `conn`; on return `conn.start` points past it.
pub(super) fn read_response<S: Read>(
    conn: &mut Conn<S>,
    limits: &Limits,
    head: &mut Head,
    decoded: &mut Vec<u8>,
) -> Result<Meta, HttpError> {
    read_head(conn, limits, head)?;
    let framing = framing(&conn.buf, head, limits)?;
    conn.close_after = closes_after(&conn.buf, head);
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

/// Reads the status line and header section of the final response (interim ones are dropped)
/// into `head`; on return they are the first `head.len` bytes of `conn.buf`, and what was read
/// past them follows up to `conn.end`.
pub(super) fn read_head<S: Read>(
    conn: &mut Conn<S>,
    limits: &Limits,
    head: &mut Head,
) -> Result<(), HttpError> {
    debug_assert_eq!(conn.start, 0);
    let mut scanned = 0;
    let mut interim_bytes = 0;
    loop {
        if parse_head_from(&conn.buf[..conn.end], limits, &mut scanned, head)? {
            if head.status >= 200 || head.status == 101 {
                return Ok(());
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
    }
}

/// Decodes a chunked body that starts at `body_start` into `decoded`. The raw chunk bytes are
/// read into the buffer behind the header section, which is reused as they are consumed.
fn read_chunked<S: Read>(
    conn: &mut Conn<S>,
    body_start: usize,
    limits: &Limits,
    decoded: &mut Vec<u8>,
) -> Result<(), HttpError> {
    decoded.clear();
    let mut pos = body_start;
    // Reads at least one more byte, reusing the area behind the header section once consumed.
    let more = |conn: &mut Conn<S>, pos: &mut usize| -> Result<(), HttpError> {
        if *pos == conn.end {
            *pos = body_start;
            conn.end = body_start;
        }
        if conn.fill()? == 0 {
            return Err(HttpError::ClosedEarly { received: conn.end });
        }
        Ok(())
    };
    let line = |conn: &mut Conn<S>, pos: &mut usize, cap| chunk_line(conn, pos, body_start, cap);
    loop {
        let size_line = line(conn, &mut pos, CHUNK_SIZE_LINE_BYTES)?;
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
    skip_trailers(conn, &mut pos, body_start, limits)?;
    conn.start = pos;
    Ok(())
}

/// The next line of a chunked body at `pos` (without its ending) as a range into `conn.buf`,
/// reading as needed; `pos` moves past it. While the line is incomplete, it is moved down to
/// `base` (what is before it is consumed) to make room. A line of more than `cap` bytes before
/// its LF is refused, whether or not it arrived in one read.
pub(super) fn chunk_line<S: Read>(
    conn: &mut Conn<S>,
    pos: &mut usize,
    base: usize,
    cap: usize,
) -> Result<Range<usize>, HttpError> {
    loop {
        if let Some(nl) = conn.buf[*pos..conn.end].iter().position(|&b| b == b'\n') {
            if nl > cap {
                return Err(HttpError::InvalidChunk);
            }
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
        if *pos > base {
            // Keep the partial line, drop what is consumed before it.
            conn.buf.copy_within(*pos..conn.end, base);
            conn.end -= *pos - base;
            *pos = base;
        }
        if conn.fill()? == 0 {
            return Err(HttpError::ClosedEarly { received: conn.end });
        }
    }
}

/// Reads past the trailer fields of a chunked body and the empty line that ends it, at `pos`
/// (lines as [`chunk_line`] reads them). Trailers count against the header cap.
pub(super) fn skip_trailers<S: Read>(
    conn: &mut Conn<S>,
    pos: &mut usize,
    base: usize,
    limits: &Limits,
) -> Result<(), HttpError> {
    let mut trailer_bytes = 0;
    loop {
        let trailer = chunk_line(conn, pos, base, limits.max_head_bytes)?;
        if trailer.is_empty() {
            return Ok(());
        }
        trailer_bytes += trailer.len();
        if trailer_bytes > limits.max_head_bytes {
            return Err(HttpError::HeadTooLarge {
                limit: limits.max_head_bytes,
            });
        }
    }
}
