//! A streamed reply passed on to the HTTP client as it arrives.

use std::net::TcpStream;

use ruchy_lambda_local::stream::{self, HttpPrelude};
use ruchy_lambda_local::{InvocationReport, Outcome, StreamProgress, headers, http, report};

/// The longest prelude of an HTTP integration reply waited for before the 8 NULs.
const MAX_PRELUDE: usize = 1024 * 1024;

/// Passes a streamed reply on to the HTTP client as it arrives: a chunked response, its head
/// written with the first bytes (after the prelude, for an HTTP integration reply), the error in
/// trailers.
pub(super) struct Relay<'a> {
    /// The client's connection; none for an asynchronous invocation, which has no client.
    writer: Option<&'a mut TcpStream>,
    /// Whether streamed replies are passed on as they arrive (else they are kept whole).
    enabled: bool,
    /// The response head has been written.
    pub(super) started: bool,
    /// The client's connection failed: it is closed after the invocation.
    pub(super) broken: bool,
    /// An HTTP integration reply's bytes until its prelude is complete.
    pending: Vec<u8>,
}

impl<'a> Relay<'a> {
    pub(super) fn new(writer: &'a mut TcpStream, enabled: bool) -> Self {
        Relay {
            writer: Some(writer),
            enabled,
            started: false,
            broken: false,
            pending: Vec::new(),
        }
    }

    /// For an invocation no client waits for: nothing is passed on.
    pub(super) fn detached() -> Relay<'static> {
        Relay {
            writer: None,
            enabled: false,
            started: false,
            broken: false,
            pending: Vec::new(),
        }
    }

    /// The client's connection.
    fn writer(&mut self) -> std::io::Result<&mut TcpStream> {
        self.writer
            .as_deref_mut()
            .ok_or_else(|| std::io::Error::other("no client to pass the reply on to"))
    }

    pub(super) fn pass_on(&mut self, progress: StreamProgress<'_>) {
        if self.broken || !self.enabled {
            return;
        }
        let http_integration = progress.content_type.is_some_and(|ct| {
            ct.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case(stream::HTTP_INTEGRATION_CONTENT_TYPE)
            })
        });
        let written = if self.started {
            self.writer()
                .and_then(|w| http::write_chunk(w, progress.bytes))
        } else if http_integration {
            self.pending.extend_from_slice(progress.bytes);
            let Some((json, body)) = HttpPrelude::split(&self.pending) else {
                if self.pending.len() > MAX_PRELUDE {
                    self.broken = true;
                }
                return;
            };
            let Some(prelude) = HttpPrelude::parse(json) else {
                self.broken = true;
                return;
            };
            let body = body.to_vec();
            let mut headers = prelude.headers.clone();
            headers.extend(
                prelude
                    .cookies
                    .iter()
                    .map(|c| ("Set-Cookie".to_owned(), c.clone())),
            );
            self.start(progress.request_id, prelude.status_code, &headers)
                .and_then(|()| http::write_chunk(self.writer()?, &body))
        } else {
            let content_type = progress
                .content_type
                .unwrap_or("application/octet-stream")
                .to_owned();
            self.start(
                progress.request_id,
                200,
                &[("Content-Type".to_owned(), content_type)],
            )
            .and_then(|()| http::write_chunk(self.writer()?, progress.bytes))
        };
        if written.is_err() {
            self.broken = true;
        }
    }

    /// Writes the head of the chunked response.
    fn start(
        &mut self,
        request_id: &str,
        status: u16,
        headers: &[(String, String)],
    ) -> std::io::Result<()> {
        self.started = true;
        let mut head = format!("HTTP/1.1 {status} {}\r\n", http::reason(status));
        for (name, value) in headers {
            if name.eq_ignore_ascii_case("content-length")
                || name.eq_ignore_ascii_case("transfer-encoding")
            {
                continue;
            }
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!(
            "X-Amzn-RequestId: {request_id}\r\nX-Amz-Executed-Version: {}\r\n\
             Transfer-Encoding: chunked\r\nTrailer: {}, {}, X-Amz-Function-Error\r\n\r\n",
            report::VERSION,
            headers::FUNCTION_ERROR_TYPE,
            headers::FUNCTION_ERROR_BODY,
        ));
        std::io::Write::write_all(self.writer()?, head.as_bytes())
    }

    /// Ends a streamed response that was started: the last chunk, with the error in trailers
    /// when the function failed.
    pub(super) fn finish(&mut self, report: &InvocationReport) {
        if !self.started || self.broken {
            return;
        }
        let result = if report.is_success() {
            self.writer().and_then(|w| http::write_last_chunk(w, &[]))
        } else {
            let kind = match &report.outcome {
                Outcome::Error(e) | Outcome::Failed(e) => e.kind().to_owned(),
                Outcome::TimedOut => "Sandbox.Timedout".to_owned(),
                _ => "Runtime.Unknown".to_owned(),
            };
            let body = stream::base64_encode(&report.payload());
            self.writer().and_then(|w| {
                http::write_last_chunk(
                    w,
                    &[
                        (headers::FUNCTION_ERROR_TYPE, &kind),
                        (headers::FUNCTION_ERROR_BODY, &body),
                        ("X-Amz-Function-Error", "Unhandled"),
                    ],
                )
            })
        };
        if result.is_err() {
            self.broken = true;
        }
    }
}
