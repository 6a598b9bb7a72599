//! [`ScriptedServer`]: a plain HTTP/1.1 server on loopback that answers requests in order from
//! a script, broken answers included, and records what it was sent.

use std::collections::VecDeque;
use std::io::{BufReader, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::http;
use super::http::Recorded;

/// One step of a [`ScriptedServer`]'s script: what it does with the next request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A whole answer; `Content-Length` is added unless `headers` has one.
    Full {
        /// The status code.
        status: u16,
        /// Header fields, in order.
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// An answer that declares the whole body's `Content-Length` but sends only its first
    /// `send_bytes` bytes (head and those bytes in one write, with `TCP_NODELAY`), then resets
    /// the connection: on Linux with `SO_LINGER` 0, so the client reads those bytes and then gets
    /// a TCP RST (`ECONNRESET`); elsewhere the connection is shut down, so the client reads an
    /// early end of stream.
    ResetAfter {
        /// The status code.
        status: u16,
        /// Header fields, in order.
        headers: Vec<(String, String)>,
        /// The whole body, of which only the first `send_bytes` bytes are sent.
        body: Vec<u8>,
        /// How many bytes of `body` to send.
        send_bytes: usize,
    },
    /// Closes the connection (an orderly FIN) without answering.
    Close,
}

impl Reply {
    /// A [`Reply::Full`] with a JSON body and `Content-Type: application/json`.
    pub fn json(status: u16, body: &serde_json::Value) -> Reply {
        Reply::Full {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }
}

#[derive(Default)]
struct State {
    script: VecDeque<Reply>,
    requests: Vec<Recorded>,
    connections: usize,
}

/// A running scripted server; stopped when dropped. After the script ends, every request is
/// answered 500 with a body saying so.
pub struct ScriptedServer {
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    address: SocketAddr,
    thread: Option<JoinHandle<()>>,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.address);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl ScriptedServer {
    /// Starts the server with `script`.
    pub fn start(script: Vec<Reply>) -> ScriptedServer {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a loopback port");
        let address = listener.local_addr().expect("the listener's address");
        let state = Arc::new(Mutex::new(State {
            script: script.into(),
            ..State::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    state.lock().unwrap().connections += 1;
                    let state = Arc::clone(&state);
                    std::thread::spawn(move || serve(stream, &state));
                }
            })
        };
        ScriptedServer {
            state,
            stop,
            address,
            thread: Some(thread),
            endpoint: format!("http://{address}"),
        }
    }

    /// The requests read so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.state.lock().unwrap().connections
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(120)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Ok(Some(request)) = http::read_request(&mut reader) {
        let close = request
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let reply = {
            let mut state = state.lock().unwrap();
            state.requests.push(request);
            state.script.pop_front()
        };
        let sent = match reply {
            Some(Reply::Full {
                status,
                headers,
                body,
            }) => http::write_response(&mut writer, status, &headers, &body),
            Some(Reply::ResetAfter {
                status,
                headers,
                body,
                send_bytes,
            }) => {
                // One write, sent at once (no Nagle delay): a close with a linger time of 0
                // throws away whatever is still unsent.
                let mut bytes = http::response_head(status, &headers, body.len());
                bytes.extend_from_slice(&body[..send_bytes.min(body.len())]);
                let _ = writer.set_nodelay(true);
                let _ = writer.write_all(&bytes);
                // Both handles must go for the socket to close.
                drop(reader);
                reset(writer);
                return;
            }
            Some(Reply::Close) => {
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            None => {
                let headers = [("Content-Type".to_string(), "text/plain".to_string())];
                let body = b"the scripted server's script has ended";
                http::write_response(&mut writer, 500, &headers, body)
            }
        };
        if sent.is_err() || close {
            return;
        }
    }
}

/// Ends the connection with a TCP RST where `SO_LINGER` can be set, else with a shutdown.
#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
fn reset(stream: TcpStream) {
    use std::os::fd::AsRawFd;
    use std::os::raw::{c_int, c_void};

    #[repr(C)]
    struct Linger {
        l_onoff: c_int,
        l_linger: c_int,
    }
    // Linux's values (asm-generic/socket.h) on these architectures.
    const SOL_SOCKET: c_int = 1;
    const SO_LINGER: c_int = 13;
    unsafe extern "C" {
        fn setsockopt(
            socket: c_int,
            level: c_int,
            name: c_int,
            value: *const c_void,
            length: u32,
        ) -> c_int;
    }
    let linger = Linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: the descriptor is the open socket `stream` owns until the end of this function;
    // `value` points at a live `struct linger` and `length` is its size.
    let result = unsafe {
        setsockopt(
            stream.as_raw_fd(),
            SOL_SOCKET,
            SO_LINGER,
            (&raw const linger).cast(),
            size_of::<Linger>() as u32,
        )
    };
    assert_eq!(
        result,
        0,
        "setsockopt(SO_LINGER): {}",
        std::io::Error::last_os_error()
    );
    // Closing a socket whose linger time is 0 sends RST instead of FIN.
    drop(stream);
}

/// Ends the connection with a TCP RST where `SO_LINGER` can be set, else with a shutdown.
#[cfg(not(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
)))]
fn reset(stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Both);
}
