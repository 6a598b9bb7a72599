//! A response whose body is read as it arrives, as much at a time as the caller asks for: for
//! bodies of any size (S3 objects), and for `HEAD`, whose response has none.

use std::io::Read;

use super::parse::{Framing, Limits, closes_after, framing, parse_chunk_size};
use super::read::{CHUNK_SIZE_LINE_BYTES, Conn, chunk_line, skip_trailers};
use super::{Connect, HttpClient, HttpError, Response};

/// What is left of a streamed body, and on which connection.
#[derive(Debug, Clone, Copy)]
pub(super) struct Streamed {
    left: Left,
    /// The connection it arrives on, by number: another request after it opens a new one.
    connection: u64,
    /// Bytes of the response received so far.
    received: usize,
    /// Whether the peer closes the connection after the response.
    close_after: bool,
}

/// How much of the body is still to come.
#[derive(Debug, Clone, Copy)]
enum Left {
    /// This many bytes (never 0).
    Length(usize),
    /// Chunks: `left` bytes of the current one, and whether the line that ends a chunk's data
    /// comes before the next chunk-size line.
    Chunked { left: usize, after_data: bool },
    /// Everything up to the end of the stream.
    UntilClose,
}

impl<C: Connect> HttpClient<C> {
    /// Sends a request like [`request`](Self::request), but reads only the status line and the
    /// header section: the returned response's `body` is empty. Read the body with
    /// [`read_body`](Self::read_body) until it returns 0. For `HEAD` requests (and 1xx, 204 and
    /// 304 statuses) there is no body: the first `read_body` returns 0.
    ///
    /// The body may be larger than [`Limits::max_body_bytes`] (it is never held whole); the
    /// header section and chunk-size lines are capped as for `request`. Until the body is read
    /// to its end, the next request on this client opens a new connection. An idle connection
    /// that the peer closed is reopened once and the request resent, as for `request`.
    pub fn request_streaming(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response<'_>, HttpError> {
        self.streamed = None;
        self.last_body = None;
        self.encode_request(method, path, headers, body);
        let reused = self.reuse_connection();
        let started = match self.exchange_head(body) {
            Err(e) if reused && e.is_stale_connection() => {
                self.conn = None;
                self.exchange_head(body)
            }
            other => other,
        };
        let started = started.and_then(|()| self.start_body(method == "HEAD"));
        if let Err(e) = started {
            // The connection is in an unknown state: never reuse it.
            self.conn = None;
            return Err(e);
        }
        let conn = self
            .conn
            .as_ref()
            .ok_or(HttpError::ClosedEarly { received: 0 })?;
        Ok(Response {
            status: self.head.status,
            head: &conn.buf[..self.head.len],
            headers: &self.head.headers,
            body: &[],
        })
    }

    /// The next bytes of the body of the response [`request_streaming`](Self::request_streaming)
    /// returned, into `out`: framed by `Content-Length`, chunked (decoded as it arrives,
    /// trailers skipped) or by the end of the connection. `Ok(0)` at its end (or when `out` is
    /// empty), after which the connection may carry the next request. A body cut short (the
    /// peer closed early, or another request was made before its end) is an error.
    pub fn read_body(&mut self, out: &mut [u8]) -> Result<usize, HttpError> {
        let Some(mut streamed) = self.streamed.take() else {
            return Ok(0);
        };
        if out.is_empty() {
            self.streamed = Some(streamed);
            return Ok(0);
        }
        let conn = match &mut self.conn {
            Some(conn) if self.connects == streamed.connection => conn,
            _ => {
                return Err(HttpError::ClosedEarly {
                    received: streamed.received,
                });
            }
        };
        match streamed.read(conn, out, &self.limits) {
            Ok((n, ended)) => {
                streamed.received += n;
                if ended {
                    conn.close_after = streamed.close_after;
                } else {
                    self.streamed = Some(streamed);
                }
                Ok(n)
            }
            Err(e) => {
                self.conn = None;
                Err(e)
            }
        }
    }

    /// After the head of a response has been read: how its body is framed, and what is left
    /// to read of it. `no_body` says it has none whatever its header says (a `HEAD` request).
    fn start_body(&mut self, no_body: bool) -> Result<(), HttpError> {
        let conn = self
            .conn
            .as_mut()
            .ok_or(HttpError::ClosedEarly { received: 0 })?;
        let head = &self.head;
        // A streamed body is not held whole: only the header caps apply.
        let limits = Limits {
            max_body_bytes: usize::MAX,
            ..self.limits
        };
        // The framing headers of a response to `HEAD` describe the body a `GET` would have.
        let framing = if no_body {
            Framing::Empty
        } else {
            framing(&conn.buf, head, &limits)?
        };
        let close_after = closes_after(&conn.buf, head);
        conn.start = head.len;
        conn.close_after = close_after;
        let left = match framing {
            Framing::Empty | Framing::Length(0) => return Ok(()),
            Framing::Length(n) => Left::Length(n),
            Framing::Chunked => Left::Chunked {
                left: 0,
                after_data: false,
            },
            Framing::UntilClose => Left::UntilClose,
        };
        // Until the body has been read, the connection cannot carry another request.
        conn.close_after = true;
        self.streamed = Some(Streamed {
            left,
            connection: self.connects,
            received: head.len,
            close_after,
        });
        Ok(())
    }
}

impl Streamed {
    /// Reads the next bytes of the body into `out` (not empty): how many, and whether the body
    /// has ended with them.
    fn read<S: Read>(
        &mut self,
        conn: &mut Conn<S>,
        out: &mut [u8],
        limits: &Limits,
    ) -> Result<(usize, bool), HttpError> {
        let closed_early = HttpError::ClosedEarly {
            received: self.received,
        };
        match &mut self.left {
            Left::Length(left) => {
                let n = body_bytes(conn, out, *left)?;
                if n == 0 {
                    return Err(closed_early);
                }
                *left -= n;
                Ok((n, *left == 0))
            }
            Left::UntilClose => {
                let n = body_bytes(conn, out, usize::MAX)?;
                if n == 0 {
                    self.close_after = true;
                }
                Ok((n, n == 0))
            }
            Left::Chunked { left, after_data } => loop {
                if *left > 0 {
                    let n = body_bytes(conn, out, *left)?;
                    if n == 0 {
                        return Err(closed_early);
                    }
                    *left -= n;
                    return Ok((n, false));
                }
                // Lines are read from where the unread bytes start; a partial one is moved to
                // the front of the buffer (the response's head is no longer borrowed).
                let mut pos = conn.start;
                if *after_data && !chunk_line(conn, &mut pos, 0, 2)?.is_empty() {
                    return Err(HttpError::InvalidChunk);
                }
                *after_data = false;
                conn.start = pos;
                let size_line = chunk_line(conn, &mut pos, 0, CHUNK_SIZE_LINE_BYTES)?;
                let size = parse_chunk_size(&conn.buf[size_line])?;
                if size == 0 {
                    skip_trailers(conn, &mut pos, 0, limits)?;
                    conn.start = pos;
                    return Ok((0, true));
                }
                conn.start = pos;
                *left = size;
                *after_data = true;
            },
        }
    }
}

/// Up to `want` bytes of body into `out`: those already read into the connection's buffer
/// first, else straight from the stream. 0 only at the end of the stream.
fn body_bytes<S: Read>(
    conn: &mut Conn<S>,
    out: &mut [u8],
    want: usize,
) -> Result<usize, HttpError> {
    let n = out.len().min(want);
    if conn.start == conn.end {
        conn.start = 0;
        conn.end = 0;
        return Ok(conn.read_unbuffered(&mut out[..n])?);
    }
    let n = n.min(conn.end - conn.start);
    out[..n].copy_from_slice(&conn.buf[conn.start..conn.start + n]);
    conn.start += n;
    Ok(n)
}
