#[cfg(fuzzing)]
use super::read::{BodyAt, Conn, read_response as read};
#[cfg(fuzzing)]
use super::{Head, HttpError, Limits};
#[cfg(fuzzing)]
use std::io::Read;
#[cfg(fuzzing)]
use std::ops::Range;

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
pub fn read_response<R: Read>(stream: &mut R, limits: &Limits) -> Result<FuzzResponse, HttpError> {
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
        BodyAt::Buffer(from, to) => conn.buf[from..to].to_vec(),
        BodyAt::Decoded => decoded,
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
