//! A blocking HTTP/1.1 client for one origin, with one persistent connection.
//!
//! The connection is opened on the first request, kept alive between requests, and reopened
//! once, transparently, when an idle connection turns out to be closed by the peer. Requests carry
//! `Content-Length`; responses may use `Content-Length`, chunked transfer coding, or (rarely)
//! end-of-connection framing. Everything read from the network is capped: header section size,
//! header count and body size.

mod os_error;
mod parse;

pub use parse::{Head, HttpError, Limits, parse_head};

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::ops::Range;

use parse::{Framing, closes_after, framing, parse_chunk_size, parse_head_from};

use crate::text::{eq_ignore_case, push_digits};

/// The `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("ruchy-lambda/", env!("CARGO_PKG_VERSION"));

/// Bodies up to this size are copied behind the header section and sent with one `write`.
const COALESCE_BODY_BYTES: usize = 16 * 1024;
/// How much the read buffer grows by when it is full.
const READ_CHUNK: usize = 16 * 1024;
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
            .find(|(n, _)| eq_ignore_case(&head[n.clone()], name.as_bytes()))
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
struct Conn<S = TcpStream> {
    stream: S,
    /// Read buffer; `buf[start..end]` holds unread bytes. It only grows (zeroed once).
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// The peer asked to close after the last response, or framed it by closing.
    close_after: bool,
}

impl<S: Read> Conn<S> {
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
                Err(e) if os_error::is_interrupted(&e) => continue,
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
    /// The parsed status line and header offsets of the last response, reused.
    head: Head,
    /// Decoded body of the last chunked or close-framed response, reused.
    decoded: Vec<u8>,
    /// Where the body of the last response is, for [`take_body`](Self::take_body).
    last_body: Option<BodyAt>,
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
            head: Head {
                headers: Vec::with_capacity(16),
                ..Head::default()
            },
            decoded: Vec::new(),
            last_body: None,
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

    /// Closes the kept connection, if any: the next request opens a new one.
    pub fn disconnect(&mut self) {
        self.conn = None;
    }

    /// The body of the last response, moved out of the client. A body larger than one read
    /// (16 KiB) framed by `Content-Length`, with nothing read past it, is the connection's read
    /// buffer itself: the body is moved to its front and no second buffer of its size is
    /// allocated. A smaller one is copied, which costs less than taking the buffer away from
    /// the connection. Give a taken buffer back with [`recycle`](Self::recycle), so that the
    /// next response is read into it. Empty after a request whose response had no body, or
    /// whose body was already taken.
    pub fn take_body(&mut self) -> Vec<u8> {
        let Some(body) = self.last_body.take() else {
            return Vec::new();
        };
        match (body, &mut self.conn) {
            (BodyAt::Buffer(from, to), Some(conn))
                if to - from > READ_CHUNK && conn.start == to && conn.end == to =>
            {
                let mut buf = std::mem::take(&mut conn.buf);
                conn.start = 0;
                conn.end = 0;
                buf.copy_within(from..to, 0);
                buf.truncate(to - from);
                buf
            }
            (BodyAt::Buffer(from, to), Some(conn)) => conn.buf[from..to].to_vec(),
            (BodyAt::Buffer(..), None) => Vec::new(),
            // A chunked or close-framed body (Lambda frames events by length).
            (BodyAt::Decoded, _) => std::mem::take(&mut self.decoded),
        }
    }

    /// Takes back a buffer [`take_body`](Self::take_body) gave out: it becomes the idle
    /// connection's read buffer when it is the larger one (its old contents are overwritten as
    /// the next response arrives).
    pub fn recycle(&mut self, buf: Vec<u8>) {
        if let Some(conn) = &mut self.conn
            && conn.start == conn.end
            && buf.len() > conn.buf.len()
        {
            conn.start = 0;
            conn.end = 0;
            conn.buf = buf;
        }
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
                self.last_body = None;
                return Err(e);
            }
        };
        self.last_body = Some(meta.body);
        self.response(meta)
    }

    /// The response `meta` describes, borrowed from the connection's buffer.
    fn response(&self, meta: Meta) -> Result<Response<'_>, HttpError> {
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
            headers: &self.head.headers,
            body,
        })
    }

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
            Some(conn) => !conn.close_after && conn.start == conn.end && is_idle(&conn.stream),
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

    fn encode_request(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) {
        let length = (!body.is_empty() || method != "GET").then_some(body.len());
        self.encode_head(method, path, headers, length);
        if body.len() <= COALESCE_BODY_BYTES {
            self.out.extend_from_slice(body);
        }
    }

    /// The request line and headers into `out`: `Content-Length: length`, or chunked transfer
    /// coding when `length` is `None` and the method is not `GET`.
    fn encode_head(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        length: Option<usize>,
    ) {
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
        match length {
            Some(length) => {
                out.extend_from_slice(b"Content-Length: ");
                push_digits(out, length as u64, 1);
                out.extend_from_slice(b"\r\n");
            }
            None if method != "GET" => out.extend_from_slice(b"Transfer-Encoding: chunked\r\n"),
            None => {}
        }
        out.extend_from_slice(b"\r\n");
    }

    fn connect(&mut self) -> Result<&mut Conn, HttpError> {
        if self.conn.is_none() {
            let connect_err = |source| HttpError::Connect {
                addr: self.addr.clone(),
                source,
            };
            // Every address the name resolves to is tried in turn; the error is the last one's
            // (or that it resolved to none).
            let stream = TcpStream::connect(self.addr.as_str()).map_err(connect_err)?;
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
        read_response(conn, &limits, &mut self.head, &mut self.decoded)
    }
}

/// Whether `stream` is idle: open, with nothing from the peer waiting to be read (no end of
/// stream, no stray bytes). Checked without blocking.
fn is_idle(stream: &TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return false;
    }
    let idle = matches!(
        stream.peek(&mut [0u8; 1]),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock
    );
    stream.set_nonblocking(false).is_ok() && idle
}

/// Reads one response from `conn`; on return `conn.start` points past it.
fn read_response<S: Read>(
    conn: &mut Conn<S>,
    limits: &Limits,
    head: &mut Head,
    decoded: &mut Vec<u8>,
) -> Result<Meta, HttpError> {
    debug_assert_eq!(conn.start, 0);
    let mut scanned = 0;
    let mut interim_bytes = 0;
    loop {
        if parse_head_from(&conn.buf[..conn.end], limits, &mut scanned, head)? {
            if head.status >= 200 || head.status == 101 {
                break;
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
    // Returns the next line (without its ending) as a range, reading as needed. A line of more
    // than `cap` bytes before its LF is refused, whether or not it arrived in one read.
    let line = |conn: &mut Conn<S>, pos: &mut usize, cap| -> Result<Range<usize>, HttpError> {
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

/// Entry points for the fuzz targets in `fuzz/`: not part of the API, no stability promise.
/// Compiled only under cargo-fuzz (which sets `--cfg fuzzing`): even unused, a public entry point
/// into the reader changes how the runtime's own code is optimised.
#[allow(unexpected_cfgs)]
#[doc(hidden)]
pub mod fuzzing {
    #[cfg(fuzzing)]
    use super::{Conn, Head, HttpError, Limits, Range, Read, read_response as read};

    /// One response as [`read_response`] read it.
    #[cfg(fuzzing)]
    pub struct FuzzResponse {
        /// The status code of the final (non-interim) response.
        pub status: u16,
        /// Its status line and header section, as the client kept them.
        pub head: Vec<u8>,
        /// Name and value of each header field, as ranges into `head`.
        pub headers: Vec<(Range<usize>, Range<usize>)>,
        /// The decoded body.
        pub body: Vec<u8>,
        /// Bytes read from `stream` past the response and kept for the next one.
        pub unread: Vec<u8>,
        /// Whether the client would close the connection after this response.
        pub close_after: bool,
    }

    /// Reads one response from `stream` the way [`super::HttpClient`] reads it from a
    /// connection (end of stream is the peer closing).
    #[cfg(fuzzing)]
    pub fn read_response<R: Read>(
        stream: &mut R,
        limits: &Limits,
    ) -> Result<FuzzResponse, HttpError> {
        let mut conn = Conn {
            stream,
            buf: Vec::new(),
            start: 0,
            end: 0,
            close_after: false,
        };
        let mut head = Head::default();
        let mut decoded = Vec::new();
        let meta = read(&mut conn, limits, &mut head, &mut decoded)?;
        let body = match meta.body {
            super::BodyAt::Buffer(from, to) => conn.buf[from..to].to_vec(),
            super::BodyAt::Decoded => decoded,
        };
        Ok(FuzzResponse {
            status: meta.status,
            head: conn.buf[..meta.head_len].to_vec(),
            headers: head.headers,
            body,
            unread: conn.buf[conn.start..conn.end].to_vec(),
            close_after: conn.close_after,
        })
    }
}

#[cfg(test)]
mod tests;
