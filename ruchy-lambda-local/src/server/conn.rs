//! Connections: the accept loop, one thread per connection reading requests one after another
//! (kept alive), the fault hooks around each request, and answering requests that cannot be read.

use std::io::{self, BufReader};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::faults::{self, Preempted};
use crate::http::{self, HttpError, RequestHead};
use crate::invocation::ErrorReport;

use super::endpoints::Reply;
use super::{Shared, lock};

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
        let mut reader = BufReader::with_capacity(64 * 1024, read_half);
        serve_requests(shared, &mut reader, &stream, conn, generation);
    }
    let _ = stream.shutdown(Shutdown::Both);
    lock(&shared.state).open.remove(&conn);
}

fn serve_requests(
    shared: &Shared,
    reader: &mut BufReader<TcpStream>,
    stream: &TcpStream,
    conn: u64,
    generation: u64,
) {
    let mut writer = stream;
    loop {
        let head = match http::read_head(reader, &shared.limits) {
            Ok(Some(head)) => head,
            Ok(None) => return,
            Err(e) => return reject(shared, &mut writer, conn, None, &e),
        };
        let received_at = Instant::now();
        if head.expects_continue() && http::write_continue(&mut writer).is_err() {
            return;
        }
        let body = match http::read_body(reader, &head, &shared.limits) {
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
                Some("application/json"),
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
