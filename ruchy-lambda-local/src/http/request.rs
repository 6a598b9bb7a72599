//! Reading a request: the request line and headers ([`read_head`], [`RequestHead`]), and the
//! body they announce ([`read_body`], [`Body`]).

use std::io::{self, BufRead, Read};

use super::chunked::read_chunked;
use super::{HttpError, Limits, read_line};

/// How the body of a request is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length: n` (a request without either header has length 0).
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// The request line and headers of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The request target: the path and query, e.g. `/2018-06-01/runtime/invocation/next`.
    pub target: String,
    /// `true` for HTTP/1.1, `false` for HTTP/1.0.
    pub http11: bool,
    /// Header fields in the order received; names as sent.
    pub headers: Vec<(String, String)>,
    /// How the body is delimited.
    pub framing: Framing,
}

impl RequestHead {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path part of the target, without the query string.
    pub fn path(&self) -> &str {
        match self.target.find('?') {
            Some(i) => &self.target[..i],
            None => &self.target,
        }
    }

    /// Whether the connection may serve another request after this one: HTTP/1.1 unless
    /// `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`.
    pub fn keep_alive(&self) -> bool {
        let has = |token: &str| {
            self.headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case("connection"))
                .flat_map(|(_, v)| v.split(','))
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        };
        if self.http11 {
            !has("close")
        } else {
            has("keep-alive")
        }
    }

    /// Whether the client waits for `100 Continue` before sending the body.
    pub fn expects_continue(&self) -> bool {
        self.http11
            && self
                .header("expect")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"))
            && self.framing != Framing::Length(0)
    }
}

/// A request body as read under [`Limits`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// The whole body.
    Complete(Vec<u8>),
    /// A body over [`Limits::body_keep`]: read and discarded; `len` is its size.
    Oversize {
        /// Size of the discarded body in bytes.
        len: u64,
    },
}

/// Reads one request line and header section.
///
/// Returns `Ok(None)` when the connection is closed cleanly before the first byte of a request
/// (the end of a keep-alive connection). Empty lines before the request line are skipped.
pub fn read_head<R: BufRead>(
    reader: &mut R,
    limits: &Limits,
) -> Result<Option<RequestHead>, HttpError> {
    let mut budget = limits.max_head_bytes;
    let mut line = Vec::new();
    // Request line, skipping leading empty lines (RFC 9112 §2.2).
    loop {
        match read_line(reader, &mut line, &mut budget, HttpError::HeadTooLarge)? {
            None if budget == limits.max_head_bytes => return Ok(None),
            None => return Err(HttpError::UnexpectedEof),
            Some(()) if line.is_empty() => continue,
            Some(()) => break,
        }
    }
    let (method, target, http11) = parse_request_line(&line)?;

    let mut headers = Vec::new();
    loop {
        match read_line(reader, &mut line, &mut budget, HttpError::HeadTooLarge)? {
            None => return Err(HttpError::UnexpectedEof),
            Some(()) if line.is_empty() => break,
            Some(()) => {
                if headers.len() == limits.max_headers {
                    return Err(HttpError::TooManyHeaders);
                }
                headers.push(parse_header(&line)?);
            }
        }
    }
    let framing = framing(&headers, http11)?;
    Ok(Some(RequestHead {
        method,
        target,
        http11,
        headers,
        framing,
    }))
}

/// Reads the body announced by `head`, within `limits`.
pub fn read_body<R: BufRead>(
    reader: &mut R,
    head: &RequestHead,
    limits: &Limits,
) -> Result<Body, HttpError> {
    match head.framing {
        Framing::Length(len) => {
            if len > limits.body_discard {
                return Err(HttpError::BodyTooLarge);
            }
            if len > limits.body_keep as u64 {
                let copied = io::copy(&mut reader.by_ref().take(len), &mut io::sink())?;
                if copied != len {
                    return Err(HttpError::UnexpectedEof);
                }
                return Ok(Body::Oversize { len });
            }
            // `len` is at most `body_keep`, which fits in memory by construction.
            let mut body = vec![0; len as usize];
            reader.read_exact(&mut body)?;
            Ok(Body::Complete(body))
        }
        Framing::Chunked => read_chunked(reader, limits),
    }
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn parse_request_line(line: &[u8]) -> Result<(String, String, bool), HttpError> {
    let text = std::str::from_utf8(line).map_err(|_| HttpError::InvalidRequestLine)?;
    let mut parts = text.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HttpError::InvalidRequestLine);
    };
    if method.is_empty() || !method.bytes().all(is_tchar) {
        return Err(HttpError::InvalidRequestLine);
    }
    if target.is_empty() || !target.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(HttpError::InvalidRequestLine);
    }
    let target = origin_form(target).ok_or(HttpError::InvalidRequestLine)?;
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        v if v.starts_with("HTTP/") => return Err(HttpError::UnsupportedVersion),
        _ => return Err(HttpError::InvalidRequestLine),
    };
    Ok((method.to_owned(), target, http11))
}

/// `/path?query` as is; `http://authority/path?query` reduced to `/path?query`.
fn origin_form(target: &str) -> Option<String> {
    if target.starts_with('/') {
        return Some(target.to_owned());
    }
    let lower = target
        .get(..8)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let rest = if lower.starts_with("http://") {
        &target[7..]
    } else if lower.starts_with("https://") {
        &target[8..]
    } else {
        return None;
    };
    match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('/') => Some(rest[i..].to_owned()),
        Some(i) => Some(format!("/{}", &rest[i..])),
        None => Some("/".to_owned()),
    }
}

pub(super) fn parse_header(line: &[u8]) -> Result<(String, String), HttpError> {
    // A line starting with whitespace is obsolete line folding (RFC 9112 §5.2): rejected.
    let colon = line
        .iter()
        .position(|&b| b == b':')
        .ok_or(HttpError::InvalidHeader)?;
    let name = &line[..colon];
    if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
        return Err(HttpError::InvalidHeader);
    }
    let value = line[colon + 1..].trim_ascii();
    if value.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0) {
        return Err(HttpError::InvalidHeader);
    }
    let name = String::from_utf8_lossy(name).into_owned();
    let value = String::from_utf8_lossy(value).into_owned();
    Ok((name, value))
}

fn framing(headers: &[(String, String)], http11: bool) -> Result<Framing, HttpError> {
    let mut length: Option<u64> = None;
    let mut codings: Vec<String> = Vec::new();
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("content-length") {
            for part in value.split(',') {
                let part = part.trim();
                if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(HttpError::InvalidContentLength);
                }
                let n: u64 = part.parse().map_err(|_| HttpError::InvalidContentLength)?;
                if length.is_some_and(|l| l != n) {
                    return Err(HttpError::InvalidContentLength);
                }
                length = Some(n);
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            codings.extend(
                value
                    .split(',')
                    .map(|c| c.trim().to_ascii_lowercase())
                    .filter(|c| !c.is_empty()),
            );
        }
    }
    if codings.is_empty() {
        return Ok(Framing::Length(length.unwrap_or(0)));
    }
    // Both framings at once is how requests get smuggled: refuse (RFC 9112 §6.3).
    if length.is_some() || !http11 {
        return Err(HttpError::InvalidContentLength);
    }
    if codings.len() == 1 && codings[0] == "chunked" {
        Ok(Framing::Chunked)
    } else {
        Err(HttpError::UnsupportedTransferEncoding)
    }
}
