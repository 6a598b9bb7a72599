//! A blocking HTTP/1.1 client for one origin, with one persistent connection.
//!
//! The connection is opened on the first request (or by [`HttpClient::connect_now`]), kept alive
//! between requests, and reopened once, transparently, when an idle connection turns out to be
//! closed by the peer. Requests carry `Content-Length`; responses may use `Content-Length`,
//! chunked transfer coding, or (rarely) end-of-connection framing. Everything read from the
//! network is capped: header section size, header count and body size.
//!
//! The transport is pluggable: [`HttpClient::new`] talks plain TCP ([`Tcp`]), and
//! [`HttpClient::with_connector`] any byte stream a [`Connect`] opens (TLS over TCP, say). A
//! response's body is read whole by [`HttpClient::request`], or streamed:
//! [`HttpClient::request_streaming`] returns once the header section is in, and
//! [`HttpClient::read_body`] reads the body as it arrives, however large it is.

mod chunked;
mod os_error;
mod parse;
mod read;
mod streaming;

/// Entry points for the fuzz targets in `fuzz/`: not part of the API, no stability promise.
/// Compiled only under cargo-fuzz (which sets `--cfg fuzzing`): even unused, a public entry point
/// into the reader changes how the runtime's own code is optimised.
#[allow(unexpected_cfgs)]
#[doc(hidden)]
pub mod fuzzing;

pub use parse::{Head, HttpError, Limits, parse_head};

use std::fmt;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::ops::Range;

use read::{BodyAt, Conn, Meta, read_head, read_response};
use streaming::Streamed;

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

/// Opens the byte stream a client talks over (TCP by default; TLS over TCP elsewhere).
pub trait Connect {
    /// The stream requests are written to and responses read from.
    type Stream: Read + Write;

    /// Opens a stream to `addr`: what the client was made for (`host:port`).
    fn connect(&mut self, addr: &str) -> io::Result<Self::Stream>;

    /// Whether `stream`, kept open since the last response, is idle: not closed by the peer,
    /// with nothing from it waiting to be read. Asked, without blocking, before a request whose
    /// body is sent in chunks ([`HttpClient::start_chunked`]): such a request cannot be sent
    /// again once its body has started, so it goes out on a fresh connection unless the kept one
    /// is known to be idle. The default answer is that it is not known.
    fn is_idle(&self, stream: &Self::Stream) -> bool {
        let _ = stream;
        false
    }
}

/// Plain TCP with `TCP_NODELAY`: what [`HttpClient::new`] uses.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tcp;

impl Connect for Tcp {
    type Stream = TcpStream;

    /// Tries every address `addr` resolves to in turn; the error is the last one's (or that it
    /// resolved to none).
    fn connect(&mut self, addr: &str) -> io::Result<TcpStream> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    fn is_idle(&self, stream: &TcpStream) -> bool {
        chunked::is_idle(stream)
    }
}

/// A blocking HTTP/1.1 client bound to one `host:port`, over the streams `C` opens.
pub struct HttpClient<C: Connect = Tcp> {
    /// What is connected to (`host:port`, `[v6]:port`).
    addr: String,
    /// The `Host` header value.
    host: String,
    limits: Limits,
    connector: C,
    conn: Option<Conn<C::Stream>>,
    /// Request bytes, reused.
    out: Vec<u8>,
    /// The parsed status line and header offsets of the last response, reused.
    head: Head,
    /// Decoded body of the last chunked or close-framed response, reused.
    decoded: Vec<u8>,
    /// Where the body of the last response is, for [`take_body`](Self::take_body).
    last_body: Option<BodyAt>,
    /// What is left to read of the body of the last response `request_streaming` returned.
    streamed: Option<Streamed>,
    connects: u64,
}

impl<C: Connect> fmt::Debug for HttpClient<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("addr", &self.addr)
            .field("host", &self.host)
            .field("limits", &self.limits)
            .field("connected", &self.conn.is_some())
            .field("connections_opened", &self.connects)
            .finish_non_exhaustive()
    }
}

impl HttpClient<Tcp> {
    /// A client for `addr` (`host:port`, `[v6]:port`) over plain TCP. Nothing touches the
    /// network until the first request.
    pub fn new(addr: impl Into<String>) -> Self {
        let addr = addr.into();
        HttpClient {
            host: addr.clone(),
            addr,
            limits: Limits::default(),
            connector: Tcp,
            conn: None,
            out: Vec::with_capacity(512),
            head: Head {
                headers: Vec::with_capacity(16),
                ..Head::default()
            },
            decoded: Vec::new(),
            last_body: None,
            streamed: None,
            connects: 0,
        }
    }
}

impl<C: Connect> HttpClient<C> {
    /// A client for `addr` whose `Host` header is `host` (e.g. addr `s3.amazonaws.com:443`,
    /// host `s3.amazonaws.com`), over the streams `connector` opens. Nothing touches the network
    /// until the first request (or [`connect_now`](Self::connect_now)).
    pub fn with_connector(addr: impl Into<String>, host: impl Into<String>, connector: C) -> Self {
        HttpClient {
            addr: addr.into(),
            host: host.into(),
            limits: Limits::default(),
            connector,
            conn: None,
            out: Vec::with_capacity(512),
            head: Head {
                headers: Vec::with_capacity(16),
                ..Head::default()
            },
            decoded: Vec::new(),
            last_body: None,
            streamed: None,
            connects: 0,
        }
    }

    /// Replaces the caps on responses.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// How many connections this client has opened.
    pub fn connections_opened(&self) -> u64 {
        self.connects
    }

    /// Closes the kept connection, if any: the next request opens a new one.
    pub fn disconnect(&mut self) {
        self.conn = None;
    }

    /// Whether a connection is open (not known to be closed): the one the next request goes
    /// out on, unless the body of a streamed response is still being read.
    pub fn is_connected(&self) -> bool {
        self.conn
            .as_ref()
            .is_some_and(|conn| !conn.close_after || self.streamed.is_some())
    }

    /// Opens the connection now if none is open, to pay for connecting (and a handshake) before
    /// the first request. Does nothing when one is open already.
    pub fn connect_now(&mut self) -> Result<(), HttpError> {
        if !self.is_connected() {
            self.conn = None;
            self.connect()?;
        }
        Ok(())
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
    /// The response to `HEAD` has no body, whatever its `Content-Length` says.
    #[inline(always)]
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response<'_>, HttpError> {
        // Decided here, by the method alone, so that the reader of whole responses (all the
        // Runtime API needs) knows nothing of `HEAD`. Inlined, with the bytes compared one by
        // one, a literal method folds the test away: a bootstrap carries no code for it.
        if let [b'H', b'E', b'A', b'D'] = method.as_bytes() {
            return self.request_streaming(method, path, headers, body);
        }
        self.request_whole(method, path, headers, body)
    }

    /// [`request`](Self::request) for a response whose body is read whole.
    fn request_whole(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response<'_>, HttpError> {
        self.encode_request(method, path, headers, body);
        let reused = self.reuse_connection();
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

    /// Whether the kept connection, if any, can carry the next request; if not, it is closed.
    fn reuse_connection(&mut self) -> bool {
        match &mut self.conn {
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
        }
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

    fn connect(&mut self) -> Result<&mut Conn<C::Stream>, HttpError> {
        if self.conn.is_none() {
            let stream =
                self.connector
                    .connect(&self.addr)
                    .map_err(|source| HttpError::Connect {
                        addr: self.addr.clone(),
                        source,
                    })?;
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
        self.send(body)?;
        let limits = self.limits;
        let conn = self
            .conn
            .as_mut()
            .ok_or(HttpError::ClosedEarly { received: 0 })?;
        read_response(conn, &limits, &mut self.head, &mut self.decoded)
    }

    /// Writes the encoded request and reads the head of its response.
    fn exchange_head(&mut self, body: &[u8]) -> Result<(), HttpError> {
        self.send(body)?;
        let conn = self
            .conn
            .as_mut()
            .ok_or(HttpError::ClosedEarly { received: 0 })?;
        read_head(conn, &self.limits, &mut self.head)
    }

    /// Writes the encoded request (`out`) and its body unless it is in `out`, connecting first
    /// if need be.
    fn send(&mut self, body: &[u8]) -> Result<(), HttpError> {
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
        written
    }
}

#[cfg(test)]
mod tests;
