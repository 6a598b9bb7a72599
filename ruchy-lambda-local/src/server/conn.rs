//! Connections: the accept loop, one thread per connection reading requests one after another
//! (kept alive), the fault hooks around each request, and answering requests that cannot be read.
//! A streamed `/response` is read by `streamed_response`.

use std::io::{self, BufRead, BufReader, Read};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::error_report::ErrorReport;
use crate::faults::{self, Preempted};
use crate::http::{self, HttpError, RequestHead};

use super::reply::Reply;
use super::streamed_response::{serve_stream, streamed_response};
use super::{RawRequest, Shared, lock};

/// A buffered reader that can keep a copy of every byte consumed from it: the raw bytes of a
/// request, for [`super::ServerConfig::capture_raw_requests`].
pub(super) struct Capture<R> {
    inner: R,
    raw: Option<Vec<u8>>,
}

impl<R: BufRead> Capture<R> {
    fn new(inner: R) -> Self {
        Capture { inner, raw: None }
    }

    /// Starts a fresh copy (when `on`), dropping the previous one.
    fn start(&mut self, on: bool) {
        self.raw = on.then(Vec::new);
    }

    fn take(&mut self) -> Option<Vec<u8>> {
        self.raw.take()
    }
}

impl<R: BufRead> Read for Capture<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Capture<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        if n > 0 {
            if let Some(raw) = &mut self.raw {
                // Consuming n bytes means n bytes are buffered: this does no I/O.
                if let Ok(buffered) = self.inner.fill_buf() {
                    raw.extend_from_slice(&buffered[..n.min(buffered.len())]);
                }
            }
        }
        self.inner.consume(n);
    }
}

pub(super) type ConnReader = Capture<BufReader<TcpStream>>;

pub(super) fn accept_loop(shared: &Arc<Shared>, listener: &TcpListener) {
    loop {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(_) if lock(&shared.state).shutdown => return,
            Err(_) => {
                // Out of descriptors or similar: back off instead of spinning.
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let mut st = lock(&shared.state);
        if st.shutdown {
            return;
        }
        st.connections_accepted += 1;
        let conn = st.connections_accepted;
        let generation = st.generation;
        match stream.try_clone() {
            Ok(handle) => {
                st.open.insert(conn, (generation, handle));
            }
            Err(_) => continue,
        }
        drop(st);
        let conn_shared = Arc::clone(shared);
        let spawned = thread::Builder::new()
            .name(format!("runtime-api-conn-{conn}"))
            .spawn(move || serve_connection(&conn_shared, stream, conn, generation));
        match spawned {
            Ok(handle) => {
                let mut threads = shared.threads.lock().unwrap_or_else(|p| p.into_inner());
                threads.retain(|t| !t.is_finished());
                threads.push(handle);
            }
            Err(_) => {
                if let Some((_, s)) = lock(&shared.state).open.remove(&conn) {
                    let _ = s.shutdown(Shutdown::Both);
                }
            }
        }
    }
}

fn serve_connection(shared: &Shared, stream: TcpStream, conn: u64, generation: u64) {
    let _ = stream.set_nodelay(true);
    if let Ok(read_half) = stream.try_clone() {
        let mut reader = Capture::new(BufReader::with_capacity(64 * 1024, read_half));
        serve_requests(shared, &mut reader, &stream, conn, generation);
    }
    let _ = stream.shutdown(Shutdown::Both);
    lock(&shared.state).open.remove(&conn);
}

/// Keeps the raw bytes of the request just read, when capturing.
fn keep_raw(shared: &Shared, reader: &mut ConnReader, conn: u64, head: Option<&RequestHead>) {
    if let Some(bytes) = reader.take() {
        lock(&shared.state).raw.push(RawRequest {
            connection: conn,
            target: head.map(|h| h.target.clone()).unwrap_or_default(),
            bytes,
        });
    }
}

fn serve_requests(
    shared: &Shared,
    reader: &mut ConnReader,
    stream: &TcpStream,
    conn: u64,
    generation: u64,
) {
    let mut writer = stream;
    loop {
        reader.start(shared.config.capture_raw_requests);
        let head = match http::read_head(reader, &shared.limits) {
            Ok(Some(head)) => head,
            Ok(None) => return,
            Err(e) => {
                keep_raw(shared, reader, conn, None);
                return reject(shared, &mut writer, conn, None, &e);
            }
        };
        let received_at = Instant::now();
        if head.expects_continue() && http::write_continue(&mut writer).is_err() {
            return;
        }
        if let Some(id) = streamed_response(shared, &head) {
            let keep = serve_stream(
                shared,
                reader,
                &mut writer,
                (conn, generation),
                &head,
                &id,
                received_at,
            );
            keep_raw(shared, reader, conn, Some(&head));
            if keep {
                continue;
            }
            return;
        }
        let body = http::read_body(reader, &head, &shared.limits);
        keep_raw(shared, reader, conn, Some(&head));
        let body = match body {
            Ok(body) => body,
            Err(e) => return reject(shared, &mut writer, conn, Some(&head), &e),
        };
        let keep_alive = head.keep_alive();
        let fault = (shared.config.faults.as_ref()).and_then(|plan| plan.take(head.path()));
        if let Some(fault) = &fault {
            if let Preempted::Yes { status, keep_open } =
                faults::before_handling(fault, &mut writer, keep_alive)
            {
                lock(&shared.state).log_request(conn, Some(&head), status, received_at);
                if keep_open {
                    continue;
                }
                return;
            }
        }
        let reply = shared.handle(conn, generation, &head, body, received_at, stream);
        let Reply::Send {
            status,
            headers,
            body,
            handed_out,
        } = reply
        else {
            return;
        };
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let written = match &fault {
            None => http::write_response(
                &mut writer,
                status,
                http::json_unless_typed(&headers),
                &headers,
                &body,
                !keep_alive,
            )
            .map(|()| keep_alive),
            Some(fault) => {
                faults::write_response(fault, &mut writer, status, &headers, &body, !keep_alive)
            }
        };
        match written {
            Ok(true) => {}
            Ok(false) => return,
            Err(_) => {
                if let Some(id) = handed_out {
                    shared.requeue(&id);
                }
                return;
            }
        }
    }
}

/// Answers a request that could not be read (when the connection still can be written to),
/// logs it, and lets the caller close the connection.
fn reject(
    shared: &Shared,
    writer: &mut &TcpStream,
    conn: u64,
    head: Option<&RequestHead>,
    error: &HttpError,
) {
    let Some(status) = error.status() else {
        return;
    };
    lock(&shared.state).log_request(conn, head, Some(status), Instant::now());
    let error_type = if status == 413 {
        "RequestEntityTooLarge"
    } else {
        "InvalidRequest"
    };
    let body = ErrorReport::lambda(Some(error_type), &error.to_string()).body;
    let _ = http::write_response(writer, status, Some("application/json"), &[], &body, true);
}

/// Whether the peer has closed `stream` (checked without blocking, before handing it an event).
pub(super) fn peer_closed(stream: &TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return false;
    }
    let closed = match stream.peek(&mut [0u8; 1]) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != io::ErrorKind::WouldBlock,
    };
    let _ = stream.set_nonblocking(false);
    closed
}

/// The address to connect to in order to reach a listener bound to `addr`.
pub(super) fn wake_addr(addr: SocketAddr) -> SocketAddr {
    let mut to = addr;
    if addr.ip().is_unspecified() {
        to.set_ip(match addr {
            SocketAddr::V4(_) => [127, 0, 0, 1].into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    to
}
