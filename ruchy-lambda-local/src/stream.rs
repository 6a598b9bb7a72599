//! Response streaming: what the Runtime API server records of a streamed `/response`, Lambda's
//! limits for it, and the pieces of the protocol around it.
//!
//! A runtime streams a reply by posting `POST /runtime/invocation/{id}/response` with
//! `Lambda-Runtime-Function-Response-Mode: streaming` and `Transfer-Encoding: chunked`,
//! declaring `Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body`,
//! and sending the body in chunks as it is produced. A function that fails after the first byte
//! ends the body with the trailers [`FUNCTION_ERROR_TYPE`](crate::headers::FUNCTION_ERROR_TYPE) and [`FUNCTION_ERROR_BODY`](crate::headers::FUNCTION_ERROR_BODY) (the error
//! JSON, base64-encoded).
//!
//! Lambda's limits ([response streaming](https://docs.aws.amazon.com/lambda/latest/dg/configuration-response-streaming.html)):
//! up to 200 MB ([`MAX_STREAMED_BYTES`]); the first 6 MB at full speed, the rest at most 2 MB/s
//! ([`StreamBandwidth::LAMBDA`]). Over the limit the invocation fails with
//! `Function.ResponseSizeTooLarge` (the caller has the bytes up to the limit, and the runtime gets
//! `413`); a runtime whose connection ends before the last chunk fails it with
//! `Runtime.TruncatedResponse` — the error types of Lambda's Runtime Interface Emulator.
//!
//! Behind a function URL in `RESPONSE_STREAM` mode a reply of content type
//! [`HTTP_INTEGRATION_CONTENT_TYPE`] starts with a JSON prelude (`statusCode`, `headers`,
//! `cookies`) and 8 NUL bytes before the body ([`HttpPrelude`]).

use crate::headers;
use std::time::{Duration, Instant};

use crate::error_report::ErrorReport;

/// The largest streamed reply Lambda passes on: 200 MiB.
pub const MAX_STREAMED_BYTES: u64 = 200 * 1024 * 1024;

/// The content type of a streamed HTTP reply for a function URL: prelude, 8 NULs, body.
pub const HTTP_INTEGRATION_CONTENT_TYPE: &str =
    "application/vnd.awslambda.http-integration-response";
/// The separator between the prelude and the body of an HTTP integration reply.
pub const PRELUDE_DELIMITER: [u8; 8] = [0; 8];

/// The error type of a streamed reply over the limit.
pub const ERROR_TOO_LARGE: &str = "Function.ResponseSizeTooLarge";
/// The error type of a streamed reply whose connection ended before the last chunk.
pub const ERROR_TRUNCATED: &str = "Runtime.TruncatedResponse";

/// The bandwidth cap on a streamed reply: the first `burst_bytes` at full speed, then at most
/// `bytes_per_second`. The server reproduces it by reading the runtime's request more slowly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamBandwidth {
    /// Bytes read at full speed before the cap applies.
    pub burst_bytes: u64,
    /// The cap after the burst, in bytes per second (0 counts as 1).
    pub bytes_per_second: u64,
}

impl StreamBandwidth {
    /// Lambda's: 6 MiB uncapped, then 2 MiB/s.
    pub const LAMBDA: StreamBandwidth = StreamBandwidth {
        burst_bytes: 6 * 1024 * 1024,
        bytes_per_second: 2 * 1024 * 1024,
    };

    /// When the `total`-th byte may be read at the earliest, the burst having ended at `burst_end`.
    pub fn release_at(&self, burst_end: Instant, total: u64) -> Instant {
        let over = total.saturating_sub(self.burst_bytes);
        let rate = self.bytes_per_second.max(1);
        let nanos = u128::from(over) * 1_000_000_000 / u128::from(rate);
        burst_end + Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

/// What the server saw of a streamed reply (`Lambda-Runtime-Function-Response-Mode: streaming`).
///
/// How it ends, in [`crate::InvocationRecord::outcome`]:
/// - completed without error trailers: [`crate::Outcome::Response`] with every byte; `body`
///   is then empty (the bytes moved);
/// - completed with [`FUNCTION_ERROR_TYPE`](crate::headers::FUNCTION_ERROR_TYPE): [`crate::Outcome::Error`], the error body decoded
///   from [`FUNCTION_ERROR_BODY`](crate::headers::FUNCTION_ERROR_BODY) and parsed like an `/error` body; the bytes streamed before it
///   stay in `body`;
/// - over the limit, or cut off: [`crate::Outcome::Failed`] with `Function.ResponseSizeTooLarge`
///   or `Runtime.TruncatedResponse`; the bytes received stay in `body`.
///
/// [`crate::InvocationRecord::streamed_body`] gives the bytes wherever they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamRecord {
    /// The `Content-Type` of the `/response` request, if sent.
    pub content_type: Option<String>,
    /// When the request's header section was read.
    pub started_at: Instant,
    /// When the first body byte arrived.
    pub first_byte_at: Option<Instant>,
    /// When the last body byte so far arrived.
    pub last_byte_at: Option<Instant>,
    /// When the stream ended (last chunk read, limit hit, or connection lost).
    pub ended_at: Option<Instant>,
    /// Body bytes received so far.
    pub bytes: u64,
    /// Chunks begun so far.
    pub chunks: u64,
    /// The bytes received, while streaming and when it did not complete (see above).
    pub body: Vec<u8>,
    /// The trailer fields of the last chunk, as received.
    pub trailers: Vec<(String, String)>,
    /// Bytes received after the uncapped burst of [`StreamBandwidth`] (0 without a cap).
    pub capped_bytes: u64,
    /// When the burst was used up, with a bandwidth cap.
    pub burst_ended_at: Option<Instant>,
    /// How many times the server held back reading to keep to the cap.
    pub throttle_waits: u64,
    /// How long the server held back reading in all.
    pub throttled_for: Duration,
}

impl StreamRecord {
    pub(crate) fn new(content_type: Option<String>, started_at: Instant) -> Self {
        StreamRecord {
            content_type,
            started_at,
            first_byte_at: None,
            last_byte_at: None,
            ended_at: None,
            bytes: 0,
            chunks: 0,
            body: Vec::new(),
            trailers: Vec::new(),
            capped_bytes: 0,
            burst_ended_at: None,
            throttle_waits: 0,
            throttled_for: Duration::ZERO,
        }
    }

    /// The value of trailer `name` (case-insensitive).
    pub fn trailer(&self, name: &str) -> Option<&str> {
        self.trailers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The error the trailers report, if [`FUNCTION_ERROR_TYPE`](crate::headers::FUNCTION_ERROR_TYPE) is there and not empty: the
    /// body from [`FUNCTION_ERROR_BODY`](crate::headers::FUNCTION_ERROR_BODY) base64-decoded (kept as sent when it is not base64).
    pub fn trailer_error(&self) -> Option<ErrorReport> {
        let error_type = self.trailer(headers::FUNCTION_ERROR_TYPE)?.trim();
        if error_type.is_empty() {
            return None;
        }
        let raw = self
            .trailer(headers::FUNCTION_ERROR_BODY)
            .unwrap_or_default()
            .trim();
        let body = base64_decode(raw).unwrap_or_else(|| raw.as_bytes().to_vec());
        Some(ErrorReport::parse(body, Some(error_type.to_owned())))
    }

    /// Whether the reply is a function URL's HTTP integration response.
    pub fn is_http_integration(&self) -> bool {
        self.content_type.as_deref().is_some_and(|ct| {
            ct.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case(HTTP_INTEGRATION_CONTENT_TYPE))
        })
    }
}

/// New bytes of a streamed reply, as a [`crate::Function`] passes them on while they arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamProgress<'a> {
    /// The invocation.
    pub request_id: &'a str,
    /// The `Content-Type` the runtime sent with its `/response`.
    pub content_type: Option<&'a str>,
    /// Where `bytes` start in the body.
    pub offset: u64,
    /// The new bytes.
    pub bytes: &'a [u8],
}

/// Bytes of a streamed reply read with [`crate::RuntimeApiServer::read_stream`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamRead {
    /// The bytes from the offset asked for to what has arrived.
    pub bytes: Vec<u8>,
    /// Whether the stream has ended (nothing more will arrive).
    pub ended: bool,
    /// The `Content-Type` the runtime sent.
    pub content_type: Option<String>,
}

/// The prelude of an HTTP integration reply: what a function URL makes the status line and
/// headers of its response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpPrelude {
    /// `statusCode`; 200 when absent.
    pub status_code: u16,
    /// `headers`: name and value (numbers and booleans as text), in the JSON's order.
    pub headers: Vec<(String, String)>,
    /// `cookies`: each becomes a `Set-Cookie` header.
    pub cookies: Vec<String>,
}

impl HttpPrelude {
    /// Parses the JSON before the delimiter. `None` when it is not a JSON object, or
    /// `statusCode` is not a number from 100 to 599.
    pub fn parse(json: &[u8]) -> Option<HttpPrelude> {
        let serde_json::Value::Object(map) = serde_json::from_slice(json).ok()? else {
            return None;
        };
        let status_code = match map.get("statusCode") {
            None | Some(serde_json::Value::Null) => 200,
            Some(v) => u16::try_from(v.as_u64()?)
                .ok()
                .filter(|s| (100..=599).contains(s))?,
        };
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(_) | serde_json::Value::Bool(_) => Some(v.to_string()),
            _ => None,
        };
        let mut headers = Vec::new();
        if let Some(serde_json::Value::Object(h)) = map.get("headers") {
            for (name, value) in h {
                if let Some(value) = text(value) {
                    headers.push((name.clone(), value));
                }
            }
        }
        let cookies = match map.get("cookies") {
            Some(serde_json::Value::Array(c)) => c.iter().filter_map(text).collect(),
            _ => Vec::new(),
        };
        Some(HttpPrelude {
            status_code,
            headers,
            cookies,
        })
    }

    /// Splits an HTTP integration reply at the first [`PRELUDE_DELIMITER`]: the prelude's JSON
    /// and the body's first bytes; `None` while the delimiter has not arrived.
    pub fn split(reply: &[u8]) -> Option<(&[u8], &[u8])> {
        let at = reply
            .windows(PRELUDE_DELIMITER.len())
            .position(|w| w == PRELUDE_DELIMITER)?;
        Some((&reply[..at], &reply[at + PRELUDE_DELIMITER.len()..]))
    }
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (RFC 4648 §4).
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for group in data.chunks(3) {
        let b = [
            group[0],
            group.get(1).copied().unwrap_or(0),
            group.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= group.len() {
                out.push(BASE64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 (padding optional); `None` when it is not base64.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in text.bytes() {
        let v = BASE64.iter().position(|&b| b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // A lone sixth of a byte left over is not valid base64.
    (bits < 6).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for (plain, encoded) in [
            (&b""[..], ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"\xff\x00\xfe", "/wD+"),
        ] {
            assert_eq!(base64_encode(plain), encoded);
            assert_eq!(base64_decode(encoded).unwrap(), plain);
        }
        assert_eq!(base64_decode("Zm9vYg").unwrap(), b"foob");
        assert_eq!(base64_decode("Z"), None);
        assert_eq!(base64_decode("a b"), None);
    }

    #[test]
    fn preludes() {
        let reply = b"{\"statusCode\":201,\"headers\":{\"X-A\":\"1\",\"X-N\":2},\"cookies\":[\"a=1\",\"b=2\"]}\0\0\0\0\0\0\0\0body";
        let (json, body) = HttpPrelude::split(reply).unwrap();
        assert_eq!(body, b"body");
        let p = HttpPrelude::parse(json).unwrap();
        assert_eq!(p.status_code, 201);
        assert_eq!(
            p.headers,
            [("X-A".into(), "1".into()), ("X-N".into(), "2".into())]
        );
        assert_eq!(p.cookies, ["a=1", "b=2"]);
        assert_eq!(HttpPrelude::parse(b"{}").unwrap().status_code, 200);
        assert_eq!(HttpPrelude::parse(br#"{"statusCode":99}"#), None);
        assert_eq!(HttpPrelude::parse(b"[]"), None);
        assert_eq!(HttpPrelude::split(b"{}\0\0\0"), None);
    }

    #[test]
    fn bandwidth() {
        let b = StreamBandwidth {
            burst_bytes: 100,
            bytes_per_second: 50,
        };
        let t = Instant::now();
        assert_eq!(b.release_at(t, 100), t);
        assert_eq!(b.release_at(t, 150), t + Duration::from_secs(1));
    }
}
