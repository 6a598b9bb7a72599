//! A streamed response: the handler writes, and the bytes go to Lambda as they are written.
//!
//! Lambda streams a reply when the runtime posts `/response` with
//! `Lambda-Runtime-Function-Response-Mode: streaming` and `Transfer-Encoding: chunked`. The
//! request starts with the first byte (so an error before it still goes to `/error`); each
//! [`flush`](Write::flush), and every [`BUFFER`] bytes, sends a chunk. An error after the first
//! byte ends the body with the HTTP/1.1 trailers `Lambda-Runtime-Function-Error-Type` and
//! `Lambda-Runtime-Function-Error-Body` (the error report, base64), declared up front.
//!
//! For a Function URL (or API Gateway) the stream can be an HTTP response:
//! [`ResponseStream::http_response`] sets the status, headers and cookies, sent first as a JSON
//! prelude chunk, then a chunk of 8 NUL bytes, then the body, with the content type
//! `application/vnd.awslambda.http-integration-response`.

use std::fmt;
use std::io::{self, Write};

use crate::api::{ApiError, Posted, RuntimeApiClient};
use crate::diagnostic::{Diagnostic, write_json_string};

/// Bytes a stream keeps before it sends them as a chunk ([`Write::flush`] sends sooner). Writes
/// of this size or more go out as they are, without a copy.
pub const BUFFER: usize = 8 * 1024;

/// Lambda's content type for a streamed HTTP response: a JSON prelude, 8 NUL bytes, the body.
pub const HTTP_INTEGRATION_CONTENT_TYPE: &str =
    "application/vnd.awslambda.http-integration-response";

/// The content type of a plain streamed response.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// The delimiter between the prelude and the body of a streamed HTTP response.
const PRELUDE_DELIMITER: [u8; 8] = [0; 8];

/// The body of one invocation's streamed response: an [`io::Write`].
///
/// Bytes are sent as they are written, in chunks: a chunk goes out on every `flush()`, when
/// [`BUFFER`] bytes are waiting, and at the end. A write fails (and every later one) once Lambda
/// has closed the connection, e.g. when the caller went away or the reply passed 200 MB.
pub struct ResponseStream<'a> {
    api: &'a mut RuntimeApiClient,
    request_id: &'a str,
    invocation_id: Option<&'a str>,
    buf: Vec<u8>,
    /// The HTTP prelude, sent before the first body byte.
    prelude: Option<Vec<u8>>,
    started: bool,
    /// Why the stream can no longer be written, once it cannot.
    broken: Option<String>,
    sent: u64,
}

impl fmt::Debug for ResponseStream<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseStream")
            .field("request_id", &self.request_id)
            .field("started", &self.started)
            .field("sent", &self.sent)
            .field("buffered", &self.buf.len())
            .finish_non_exhaustive()
    }
}

/// How a stream ended, for the event loop to log.
#[derive(Debug)]
pub enum Ended {
    /// The stream never started and the error was reported to `/error`.
    Unstarted(Diagnostic),
    /// The stream was sent; Lambda answered.
    Sent(Result<Posted, ApiError>),
}

impl<'a> ResponseStream<'a> {
    /// A stream answering `request_id` (echoing `invocation_id`), nothing sent yet.
    pub fn new(
        api: &'a mut RuntimeApiClient,
        request_id: &'a str,
        invocation_id: Option<&'a str>,
    ) -> Self {
        ResponseStream {
            api,
            request_id,
            invocation_id,
            buf: Vec::new(),
            prelude: None,
            started: false,
            broken: None,
            sent: 0,
        }
    }

    /// Makes the stream an HTTP response for a Function URL or API Gateway: `status`, then
    /// `headers` and `cookies` (`Set-Cookie` values), sent as Lambda's JSON prelude before the
    /// first byte of the body. Fails once a byte of the body has been sent.
    pub fn http_response(
        &mut self,
        status: u16,
        headers: &[(&str, &str)],
        cookies: &[&str],
    ) -> io::Result<()> {
        if self.started || !self.buf.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the HTTP status and headers go before the first byte of the body",
            ));
        }
        let mut prelude = Vec::with_capacity(64);
        prelude.extend_from_slice(b"{\"statusCode\":");
        prelude.extend_from_slice(status.to_string().as_bytes());
        prelude.extend_from_slice(b",\"headers\":{");
        for (i, (name, value)) in headers.iter().enumerate() {
            if i > 0 {
                prelude.push(b',');
            }
            write_json_string(&mut prelude, name);
            prelude.push(b':');
            write_json_string(&mut prelude, value);
        }
        prelude.extend_from_slice(b"},\"cookies\":[");
        for (i, cookie) in cookies.iter().enumerate() {
            if i > 0 {
                prelude.push(b',');
            }
            write_json_string(&mut prelude, cookie);
        }
        prelude.extend_from_slice(b"]}");
        self.prelude = Some(prelude);
        Ok(())
    }

    /// Whether a byte has gone to Lambda (after which an error can only be a trailer).
    pub fn started(&self) -> bool {
        self.started
    }

    /// Body bytes sent to Lambda so far (the HTTP prelude not counted).
    pub fn bytes_sent(&self) -> u64 {
        self.sent
    }

    fn broken(&self) -> Option<io::Error> {
        self.broken
            .as_ref()
            .map(|why| io::Error::new(io::ErrorKind::BrokenPipe, why.clone()))
    }

    /// Posts the request head (and the HTTP prelude) on the first byte.
    fn start(&mut self) -> Result<(), ApiError> {
        if self.started {
            return Ok(());
        }
        let content_type = if self.prelude.is_some() {
            HTTP_INTEGRATION_CONTENT_TYPE
        } else {
            OCTET_STREAM
        };
        self.api
            .start_stream(self.request_id, self.invocation_id, content_type)?;
        self.started = true;
        if let Some(prelude) = self.prelude.take() {
            // Two chunks: what clients such as `cargo lambda watch` read as the prelude, then
            // the delimiter.
            self.api.stream(&prelude)?;
            self.api.stream(&PRELUDE_DELIMITER)?;
        }
        Ok(())
    }

    /// Sends `bytes` as one chunk, starting the stream first.
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        if let Some(e) = self.broken() {
            return Err(e);
        }
        let sent = self.start().and_then(|()| self.api.stream(bytes));
        match sent {
            Ok(()) => {
                self.sent += bytes.len() as u64;
                Ok(())
            }
            Err(e) => {
                let why = format!("the response stream to Lambda is closed: {e}");
                self.broken = Some(why);
                Err(self
                    .broken()
                    .unwrap_or_else(|| io::ErrorKind::BrokenPipe.into()))
            }
        }
    }

    /// Sends what is buffered (or only the HTTP prelude, when that is all there is).
    fn send_buffer(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            if self.prelude.is_some() && !self.started {
                return self.send(&[]);
            }
            return Ok(());
        }
        let buf = std::mem::take(&mut self.buf);
        let sent = self.send(&buf);
        self.buf = buf;
        self.buf.clear();
        sent
    }

    /// Ends the stream after the handler returned `result`: the rest of the body and the end of
    /// the stream, with the error trailers on `Err` once a byte was sent; before any byte, `Err`
    /// is not sent here (the caller reports it to `/error`) and `Ok` sends an empty stream.
    pub fn finish(mut self, result: Result<(), Diagnostic>) -> Ended {
        match result {
            Err(diagnostic) if !self.started => Ended::Unstarted(diagnostic),
            result => {
                let flushed = if self.broken.is_some() {
                    Err(ApiError::Http(crate::http::HttpError::ClosedEarly {
                        received: 0,
                    }))
                } else {
                    let rest = std::mem::take(&mut self.buf);
                    self.start().and_then(|()| self.api.stream(&rest))
                };
                match flushed {
                    Ok(()) => Ended::Sent(self.api.finish_stream(result.err().as_ref())),
                    Err(e) => Ended::Sent(Err(e)),
                }
            }
        }
    }
}

impl Write for ResponseStream<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if let Some(e) = self.broken() {
            return Err(e);
        }
        if self.buf.len() + bytes.len() <= BUFFER {
            if self.buf.capacity() == 0 {
                self.buf.reserve_exact(BUFFER);
            }
            self.buf.extend_from_slice(bytes);
            return Ok(bytes.len());
        }
        self.send_buffer()?;
        if bytes.len() >= BUFFER {
            self.send(bytes)?;
        } else {
            self.buf.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    /// Sends what is buffered as a chunk now (starting the stream if it has not started).
    fn flush(&mut self) -> io::Result<()> {
        self.send_buffer()
    }
}
