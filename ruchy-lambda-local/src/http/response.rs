//! Writing responses: a whole one ([`write_response`]), `100 Continue`, and a chunked body
//! ([`write_chunk`], [`write_last_chunk`]).

use std::io::{self, Write};

/// The reason phrase for the status codes this crate sends.
pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        410 => "Gone",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// The `Content-Type` to write before `headers`: `application/json`, unless `headers` name one
/// of their own.
pub fn json_unless_typed(headers: &[(&str, &str)]) -> Option<&'static str> {
    let typed = headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("Content-Type"));
    (!typed).then_some("application/json")
}

/// Writes `HTTP/1.1 100 Continue`.
pub fn write_continue<W: Write>(writer: &mut W) -> io::Result<()> {
    writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    writer.flush()
}

/// Writes one complete response with a `Content-Length` body.
///
/// `headers` are written as given, after `Content-Type` (when `content_type` is `Some`) and
/// before `Content-Length`; `close` adds `Connection: close`.
pub fn write_response<W: Write>(
    writer: &mut W,
    status: u16,
    content_type: Option<&str>,
    headers: &[(&str, &str)],
    body: &[u8],
    close: bool,
) -> io::Result<()> {
    let mut head = Vec::with_capacity(256);
    write!(head, "HTTP/1.1 {status} {}\r\n", reason(status))?;
    if let Some(ct) = content_type {
        write!(head, "Content-Type: {ct}\r\n")?;
    }
    for (name, value) in headers {
        write!(head, "{name}: {value}\r\n")?;
    }
    write!(head, "Content-Length: {}\r\n", body.len())?;
    if close {
        head.extend_from_slice(b"Connection: close\r\n");
    }
    head.extend_from_slice(b"\r\n");
    // One write for small responses: fewer segments on a TCP_NODELAY socket.
    if body.len() <= 16 * 1024 {
        head.extend_from_slice(body);
        writer.write_all(&head)?;
    } else {
        writer.write_all(&head)?;
        writer.write_all(body)?;
    }
    writer.flush()
}

/// Writes one chunk of a `Transfer-Encoding: chunked` response (nothing for empty data: an empty
/// chunk would end the body) and flushes.
pub fn write_chunk<W: Write>(writer: &mut W, data: &[u8]) -> io::Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    let mut frame = Vec::with_capacity(data.len() + 16);
    write!(frame, "{:x}\r\n", data.len())?;
    frame.extend_from_slice(data);
    frame.extend_from_slice(b"\r\n");
    writer.write_all(&frame)?;
    writer.flush()
}

/// Ends a chunked body: the last chunk, `trailers`, and the empty line; flushes.
pub fn write_last_chunk<W: Write>(writer: &mut W, trailers: &[(&str, &str)]) -> io::Result<()> {
    let mut end = b"0\r\n".to_vec();
    for (name, value) in trailers {
        write!(end, "{name}: {value}\r\n")?;
    }
    end.extend_from_slice(b"\r\n");
    writer.write_all(&end)?;
    writer.flush()
}
