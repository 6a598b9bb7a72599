//! The floor: the Lambda runtime loop with nothing else, std only.
//!
//! One keep-alive connection to `$AWS_LAMBDA_RUNTIME_API`; forever: `GET /next`, take the request
//! id and the body, run the handler, `POST /response` (or `/error`) with a `Content-Length`, read
//! the `202`. Responses must carry a `Content-Length` (the Runtime API's do). Any failure ends the
//! process with exit status 1, as a runtime that cannot talk to Lambda should.

#![forbid(unsafe_code)]

use std::io::{self, Read, Write};
use std::net::TcpStream;

/// What a handler answers: the reply body, or an error (`errorType`, `errorMessage`).
pub type Outcome = Result<(), (&'static str, String)>;

/// A handler writes its reply for `event` into `reply` (which is empty on entry).
pub type Handler = fn(event: &[u8], reply: &mut Vec<u8>) -> Outcome;

const PREFIX: &str = "/2018-06-01/runtime/invocation/";
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 6 * 1024 * 1024 + 1024;

/// Runs the loop until the connection fails; then exits with status 1.
pub fn run(handler: Handler) -> ! {
    let error = match serve(handler) {
        Ok(never) => match never {},
        Err(e) => e,
    };
    eprintln!("bootstrap: {error}");
    std::process::exit(1)
}

enum Never {}

fn serve(handler: Handler) -> io::Result<Never> {
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
    let mut request_id = String::new();
    let mut event = Vec::new();
    let mut reply = Vec::new();
    let mut request = Vec::new();
    loop {
        conn.stream.write_all(next.as_bytes())?;
        let status = conn.read_response(Some(&mut request_id), &mut event)?;
        if status != 200 {
            return Err(invalid("/next did not answer 200"));
        }
        reply.clear();
        let path = match handler(&event, &mut reply) {
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
            "POST {PREFIX}{request_id}/{path} HTTP/1.1\r\nHost: {api}\r\nContent-Length: {}\r\n\r\n",
            reply.len()
        )?;
        request.extend_from_slice(&reply);
        conn.stream.write_all(&request)?;
        conn.read_response(None, &mut event)?;
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
    /// `Lambda-Runtime-Aws-Request-Id` header (validated) in `request_id`.
    fn read_response(
        &mut self,
        mut request_id: Option<&mut String>,
        body: &mut Vec<u8>,
    ) -> io::Result<u16> {
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
                && let Some(id) = request_id.as_deref_mut()
            {
                if !is_valid_request_id(value) {
                    return Err(invalid("invalid request id"));
                }
                id.clear();
                id.push_str(value);
                found_id = true;
            }
        }
        if request_id.is_some() && !found_id {
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
