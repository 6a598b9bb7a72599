//! A request whose body is sent as it is produced (`Transfer-Encoding: chunked`), for streamed
//! responses.

use std::io::{self, Write};
use std::net::TcpStream;

use super::read::read_response;
use super::{COALESCE_BODY_BYTES, Connect, HttpClient, HttpError, Response};

impl<C: Connect> HttpClient<C> {
    /// Starts a request whose body follows in chunks (`Transfer-Encoding: chunked`), sent as it
    /// is produced with [`send_chunk`](Self::send_chunk) and ended with
    /// [`finish_chunked`](Self::finish_chunked). `headers` are written as given (a `Trailer`
    /// header among them declares the trailers `finish_chunked` sends).
    ///
    /// A kept-alive connection is reused only when it is idle (the peer has not closed it, and
    /// sent nothing more);
    /// if writing the request head on it fails, the head is sent again once on a fresh one (no
    /// byte of the body has gone out yet).
    pub fn start_chunked(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<(), HttpError> {
        self.encode_head(method, path, headers, None);
        let reusable = match &self.conn {
            Some(conn) => {
                !conn.close_after && conn.start == conn.end && self.connector.is_idle(&conn.stream)
            }
            None => false,
        };
        match &mut self.conn {
            Some(conn) if reusable => {
                conn.start = 0;
                conn.end = 0;
            }
            _ => self.conn = None,
        }
        let out = std::mem::take(&mut self.out);
        let mut written = self.write_on_connection(&out);
        if reusable && written.as_ref().is_err_and(HttpError::is_stale_connection) {
            self.conn = None;
            written = self.write_on_connection(&out);
        }
        self.out = out;
        written
    }

    /// Sends one chunk of the body started with [`start_chunked`](Self::start_chunked); an
    /// empty `data` sends nothing (an empty chunk would end the body).
    pub fn send_chunk(&mut self, data: &[u8]) -> Result<(), HttpError> {
        if data.is_empty() {
            return Ok(());
        }
        let mut out = std::mem::take(&mut self.out);
        out.clear();
        out.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
        let coalesced = data.len() <= COALESCE_BODY_BYTES;
        if coalesced {
            out.extend_from_slice(data);
            out.extend_from_slice(b"\r\n");
        }
        let written = (|| {
            let conn = self
                .conn
                .as_mut()
                .ok_or(HttpError::ClosedEarly { received: 0 })?;
            conn.stream.write_all(&out)?;
            if !coalesced {
                conn.stream.write_all(data)?;
                conn.stream.write_all(b"\r\n")?;
            }
            Ok::<(), HttpError>(())
        })();
        self.out = out;
        if written.is_err() {
            self.conn = None;
        }
        written
    }

    /// Ends the chunked body with the last chunk and `trailers`, and reads the response.
    pub fn finish_chunked(&mut self, trailers: &[(&str, &str)]) -> Result<Response<'_>, HttpError> {
        let mut out = std::mem::take(&mut self.out);
        out.clear();
        out.extend_from_slice(b"0\r\n");
        for (name, value) in trailers {
            for part in [name, ": ", value, "\r\n"] {
                out.extend_from_slice(part.as_bytes());
            }
        }
        out.extend_from_slice(b"\r\n");
        let written = match self.conn.as_mut() {
            Some(conn) => conn.stream.write_all(&out).map_err(HttpError::from),
            None => Err(HttpError::ClosedEarly { received: 0 }),
        };
        self.out = out;
        let meta = written.and_then(|()| {
            let limits = self.limits;
            let conn = self
                .conn
                .as_mut()
                .ok_or(HttpError::ClosedEarly { received: 0 })?;
            read_response(conn, &limits, &mut self.head, &mut self.decoded)
        });
        let meta = match meta {
            Ok(meta) => meta,
            Err(e) => {
                self.conn = None;
                return Err(e);
            }
        };
        self.response(meta)
    }

    /// Connects if need be and writes `bytes`; a failure leaves no connection behind.
    fn write_on_connection(&mut self, bytes: &[u8]) -> Result<(), HttpError> {
        let written = self
            .connect()
            .and_then(|conn| conn.stream.write_all(bytes).map_err(HttpError::from));
        if written.is_err() {
            self.conn = None;
        }
        written
    }
}

/// Whether `stream` is idle: open, with nothing from the peer waiting to be read (no end of
/// stream, no stray bytes). Checked without blocking.
pub(super) fn is_idle(stream: &TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return false;
    }
    let idle = matches!(
        stream.peek(&mut [0u8; 1]),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock
    );
    stream.set_nonblocking(false).is_ok() && idle
}
