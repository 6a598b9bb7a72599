//! The floor: the Lambda runtime loop with nothing else, std only.
//!
//! One keep-alive connection to `$AWS_LAMBDA_RUNTIME_API`; forever: `GET /next`, take the request
//! id and the body, run the handler, `POST /response` (or `/error`) with a `Content-Length`, read
//! the `202`. Responses must carry a `Content-Length` (the Runtime API's do). Any failure ends the
//! process with exit status 1, as a runtime that cannot talk to Lambda should.
//!
//! With `AWS_LAMBDA_MAX_CONCURRENCY` = N > 1 (Lambda Managed Instances), N threads run that loop,
//! each on its own connection.
//!
//! [`run_streaming`] is the same loop for a handler that streams its reply: `POST /response`
//! with `Lambda-Runtime-Function-Response-Mode: streaming` and `Transfer-Encoding: chunked`, each
//! write of the handler one chunk, sent at once.

#![deny(unsafe_code)]

use std::io::{self, IoSlice, Read, Write};
use std::net::TcpStream;

/// What a handler answers: the reply body, or an error (`errorType`, `errorMessage`).
pub type Outcome = Result<(), (&'static str, String)>;

/// A handler writes its reply for `event` into `reply` (which is empty on entry).
pub type Handler = fn(event: &[u8], reply: &mut Vec<u8>) -> Outcome;

/// A handler that also sees which invocation it runs.
pub type ContextHandler = fn(event: &[u8], invocation: &Invocation, reply: &mut Vec<u8>) -> Outcome;

/// The invocation a [`ContextHandler`] runs.
pub struct Invocation {
    /// `Lambda-Runtime-Aws-Request-Id`.
    pub request_id: String,
    /// `Lambda-Runtime-Trace-Id`, empty when absent.
    pub trace_id: String,
}

/// A streaming handler writes its reply for `event` into `out`, each write one chunk.
pub type StreamHandler = fn(event: &[u8], out: &mut Chunked<'_>) -> io::Result<()>;

const PREFIX: &str = "/2018-06-01/runtime/invocation/";
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 6 * 1024 * 1024 + 1024;

/// Runs the loop until the connection fails; then exits with status 1.
pub fn run(handler: Handler) -> ! {
    start(Plain(handler))
}

/// [`run`] for a handler that is told the request and trace ids.
pub fn run_with_context(handler: ContextHandler) -> ! {
    start(WithContext(handler))
}

/// [`run`] for a handler that streams its reply (one worker).
pub fn run_streaming(handler: StreamHandler) -> ! {
    fail(serve_streaming(handler))
}

/// The body of a streamed `/response`: each `write` is sent at once as one chunk (its size in
/// hex, the bytes, CRLF: one vectored write).
pub struct Chunked<'a> {
    stream: &'a mut TcpStream,
}

impl Write for Chunked<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        let mut head = [0u8; 18];
        let head_len = {
            let mut cursor = &mut head[..];
            write!(cursor, "{:x}\r\n", data.len())?;
            18 - cursor.len()
        };
        let mut slices = [
            IoSlice::new(&head[..head_len]),
            IoSlice::new(data),
            IoSlice::new(b"\r\n"),
        ];
        let mut left = &mut slices[..];
        while !left.is_empty() {
            let n = self.stream.write_vectored(left)?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            IoSlice::advance_slices(&mut left, n);
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn serve_streaming(handler: StreamHandler) -> io::Result<Never> {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API")
        .map_err(|_| invalid("AWS_LAMBDA_RUNTIME_API is not set"))?;
    let stream = TcpStream::connect(api.as_str())?;
    stream.set_nodelay(true)?;
    let mut conn = Connection {
        stream,
        buf: vec![0; 16 * 1024],
        start: 0,
        end: 0,
    };
    let next = format!("GET {PREFIX}next HTTP/1.1\r\nHost: {api}\r\n\r\n");
    let mut invocation = Invocation {
        request_id: String::new(),
        trace_id: String::new(),
    };
    let mut event = Vec::new();
    let mut head = Vec::new();
    loop {
        conn.stream.write_all(next.as_bytes())?;
        let status = conn.read_response::<Plain>(Some(&mut invocation), &mut event)?;
        if status != 200 {
            return Err(invalid("/next did not answer 200"));
        }
        head.clear();
        write!(
            head,
            "POST {PREFIX}{}/response HTTP/1.1\r\nHost: {api}\r\n\
             Lambda-Runtime-Function-Response-Mode: streaming\r\n\
             Transfer-Encoding: chunked\r\n\
             Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\r\n",
            invocation.request_id
        )?;
        conn.stream.write_all(&head)?;
        handler(
            &event,
            &mut Chunked {
                stream: &mut conn.stream,
            },
        )?;
        conn.stream.write_all(b"0\r\n\r\n")?;
        conn.read_response::<Plain>(None, &mut event)?;
    }
}

/// How the loop calls a handler; `TRACE` says whether to take the trace id from `/next`.
trait Handle: Copy + Send + 'static {
    const TRACE: bool;
    fn call(self, event: &[u8], invocation: &Invocation, reply: &mut Vec<u8>) -> Outcome;
}

#[derive(Clone, Copy)]
struct Plain(Handler);

impl Handle for Plain {
    const TRACE: bool = false;
    fn call(self, event: &[u8], _: &Invocation, reply: &mut Vec<u8>) -> Outcome {
        (self.0)(event, reply)
    }
}

#[derive(Clone, Copy)]
struct WithContext(ContextHandler);

impl Handle for WithContext {
    const TRACE: bool = true;
    fn call(self, event: &[u8], invocation: &Invocation, reply: &mut Vec<u8>) -> Outcome {
        (self.0)(event, invocation, reply)
    }
}

/// One loop, or N loops on N threads when `AWS_LAMBDA_MAX_CONCURRENCY` = N > 1; the first loop
/// to fail ends the process.
fn start<H: Handle>(handler: H) -> ! {
    let workers = std::env::var("AWS_LAMBDA_MAX_CONCURRENCY")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(1);
    for _ in 1..workers {
        spawn(Box::new(move || fail(serve(handler))));
    }
    fail(serve(handler))
}

/// Starts `work` on a thread of its own with one `pthread_create`: the smallest way std code
/// can start a thread (`std::thread::spawn` adds about 16 kB of handle, naming, stack-size and
/// join machinery that a loop which never joins does not need), as ruchy-lambda does too.
#[allow(unsafe_code)]
fn spawn(work: Box<dyn FnOnce() + Send>) {
    use std::ffi::{c_int, c_void};
    type Work = Box<dyn FnOnce() + Send>;
    // SAFETY: the POSIX signature of `pthread_create`; `pthread_t` is one machine word on Linux.
    unsafe extern "C" {
        fn pthread_create(
            thread: *mut usize,
            attr: *const c_void,
            start: extern "C" fn(*mut c_void) -> *mut c_void,
            arg: *mut c_void,
        ) -> c_int;
    }
    extern "C" fn start(arg: *mut c_void) -> *mut c_void {
        // SAFETY: `arg` is the box `spawn` handed to this thread alone, taken back once.
        let work = unsafe { Box::from_raw(arg.cast::<Work>()) };
        work();
        std::ptr::null_mut()
    }
    let arg = Box::into_raw(Box::new(work));
    let mut thread = 0usize;
    // SAFETY: a writable word for the id, default attributes, a matching start routine, and an
    // argument that stays valid until `start` takes it (or is freed below if no thread started).
    if unsafe { pthread_create(&mut thread, std::ptr::null(), start, arg.cast()) } != 0 {
        // SAFETY: no thread started, so `arg` was not handed over.
        drop(unsafe { Box::from_raw(arg) });
        fail(Err(io::Error::last_os_error()));
    }
}

fn fail(result: io::Result<Never>) -> ! {
    let error = match result {
        Ok(never) => match never {},
        Err(e) => e,
    };
    eprintln!("bootstrap: {error}");
    std::process::exit(1)
}

enum Never {}

fn serve<H: Handle>(handler: H) -> io::Result<Never> {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API")
        .map_err(|_| invalid("AWS_LAMBDA_RUNTIME_API is not set"))?;
    let stream = TcpStream::connect(api.as_str())?;
    stream.set_nodelay(true)?;
    let mut conn = Connection {
        stream,
        buf: vec![0; 16 * 1024],
        start: 0,
        end: 0,
    };
    let next = format!("GET {PREFIX}next HTTP/1.1\r\nHost: {api}\r\n\r\n");
    let mut invocation = Invocation {
        request_id: String::new(),
        trace_id: String::new(),
    };
    let mut event = Vec::new();
    let mut reply = Vec::new();
    let mut request = Vec::new();
    loop {
        conn.stream.write_all(next.as_bytes())?;
        let status = conn.read_response::<H>(Some(&mut invocation), &mut event)?;
        if status != 200 {
            return Err(invalid("/next did not answer 200"));
        }
        reply.clear();
        let path = match handler.call(&event, &invocation, &mut reply) {
            Ok(()) => "response",
            Err((error_type, message)) => {
                reply.clear();
                write_error_json(&mut reply, error_type, &message);
                "error"
            }
        };
        request.clear();
        write!(
            request,
            "POST {PREFIX}{}/{path} HTTP/1.1\r\nHost: {api}\r\nContent-Length: {}\r\n\r\n",
            invocation.request_id,
            reply.len()
        )?;
        request.extend_from_slice(&reply);
        conn.stream.write_all(&request)?;
        conn.read_response::<H>(None, &mut event)?;
    }
}

struct Connection {
    stream: TcpStream,
    /// Read buffer, zeroed once: `buf[start..end]` is read and not consumed yet.
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl Connection {
    /// Reads one response: returns its status, puts its body in `body` and, when asked, the
    /// `Lambda-Runtime-Aws-Request-Id` header (validated) in `invocation` (and the
    /// `Lambda-Runtime-Trace-Id` when `H::TRACE`).
    fn read_response<H: Handle>(
        &mut self,
        mut invocation: Option<&mut Invocation>,
        body: &mut Vec<u8>,
    ) -> io::Result<u16> {
        if H::TRACE
            && let Some(invocation) = invocation.as_deref_mut()
        {
            invocation.trace_id.clear();
        }
        let mut scanned = 0;
        let head_len = loop {
            if let Some(len) = head_end(&self.buf[self.start..self.end], scanned) {
                break len;
            }
            scanned = (self.end - self.start).saturating_sub(3);
            if self.end - self.start > MAX_HEAD {
                return Err(invalid("response head too large"));
            }
            self.fill()?;
        };
        let head = std::str::from_utf8(&self.buf[self.start..self.start + head_len])
            .map_err(|_| invalid("response head is not UTF-8"))?;
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|line| line.strip_prefix("HTTP/1.1 "))
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| invalid("bad status line"))?;
        let mut content_length = None;
        let mut found_id = false;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value.parse::<usize>().ok();
            } else if name.eq_ignore_ascii_case("lambda-runtime-aws-request-id")
                && let Some(invocation) = invocation.as_deref_mut()
            {
                if !is_valid_request_id(value) {
                    return Err(invalid("invalid request id"));
                }
                invocation.request_id.clear();
                invocation.request_id.push_str(value);
                found_id = true;
            } else if H::TRACE
                && name.eq_ignore_ascii_case("lambda-runtime-trace-id")
                && let Some(invocation) = invocation.as_deref_mut()
            {
                invocation.trace_id.clear();
                invocation.trace_id.push_str(value);
            }
        }
        if invocation.is_some() && !found_id {
            return Err(invalid("no request id"));
        }
        let length = content_length.ok_or_else(|| invalid("no Content-Length"))?;
        if length > MAX_BODY {
            return Err(invalid("body too large"));
        }
        while self.end - self.start < head_len + length {
            self.fill()?;
        }
        let body_start = self.start + head_len;
        body.clear();
        body.extend_from_slice(&self.buf[body_start..body_start + length]);
        self.start = body_start + length;
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
        Ok(status)
    }

    /// Reads more bytes into the buffer, moving what is left to its front first and growing it
    /// when it is full.
    fn fill(&mut self) -> io::Result<()> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, self.end - self.start);
        }
        if self.end == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let n = self.stream.read(&mut self.buf[self.end..])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.end += n;
        Ok(())
    }
}

/// The length of the head (through the blank line) at the start of `bytes`, scanning from `from`.
fn head_end(bytes: &[u8], from: usize) -> Option<usize> {
    (from.max(3)..bytes.len())
        .find(|&i| bytes[i] == b'\n' && bytes[i - 3..i] == *b"\r\n\r")
        .map(|i| i + 1)
}

fn is_valid_request_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 256
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// `{"errorMessage":…,"errorType":…,"stackTrace":[]}`; the message is escaped for JSON.
fn write_error_json(out: &mut Vec<u8>, error_type: &str, message: &str) {
    out.extend_from_slice(b"{\"errorMessage\":\"");
    for c in message.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let mut utf8 = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
        }
    }
    out.extend_from_slice(b"\",\"errorType\":\"");
    out.extend_from_slice(error_type.as_bytes());
    out.extend_from_slice(b"\",\"stackTrace\":[]}");
}

fn invalid(message: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}
