//! The event loop: `next` → handler → `response` or `error`, forever.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::api::{ApiError, Posted, RuntimeApiClient};
use crate::context::{Config, Invocation};
use crate::diagnostic::Diagnostic;
use crate::endpoint::{Endpoint, EndpointError};
use crate::logs::{self, Level};
use crate::stream::{Ended, ResponseStream};
use crate::trace_env::TraceIdVar;

/// The error type reported when a reply is larger than the Runtime API accepts.
pub const RESPONSE_TOO_LARGE: &str = "Function.ResponseSizeTooLarge";
/// The error type reported for an invocation whose headers are malformed.
pub const MALFORMED_INVOCATION: &str = "Runtime.MalformedInvocation";

/// How often, and how patiently, failed Runtime API requests are retried.
///
/// Delays double from `first_delay` up to `max_delay`; there is never a busy loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Consecutive failures of `/next` after which the runtime gives up (and the process exits
    /// non-zero, so Lambda restarts the sandbox).
    pub next_attempts: u32,
    /// Attempts to post one response or error report when the connection fails.
    pub post_attempts: u32,
    /// The delay after the first failure.
    pub first_delay: Duration,
    /// The longest delay between two attempts.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 8 attempts at `/next` (about 1.3 s of waiting in all), 3 at a post, 10 ms doubling to 1 s.
    fn default() -> Self {
        RetryPolicy {
            next_attempts: 8,
            post_attempts: 3,
            first_delay: Duration::from_millis(10),
            max_delay: Duration::from_secs(1),
        }
    }
}

impl RetryPolicy {
    /// The delay after the `failures`-th consecutive failure (1-based).
    pub fn delay(&self, failures: u32) -> Duration {
        let factor = 1u32
            .checked_shl(failures.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.first_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// A Lambda runtime: a Runtime API client and the loop that feeds a handler.
///
/// One `Runtime` is one worker: one connection, one invocation at a time. Several run side by
/// side on their own threads when Lambda allows concurrent invocations (see [`crate::workers`]).
#[derive(Debug)]
pub struct Runtime {
    api: RuntimeApiClient,
    retry: RetryPolicy,
    trace_env: bool,
}

impl Runtime {
    /// A runtime for the Runtime API in `AWS_LAMBDA_RUNTIME_API`, with the function
    /// configuration from the environment. Nothing touches the network yet.
    pub fn from_env() -> Result<Runtime, EndpointError> {
        Ok(Runtime::new(Endpoint::from_env()?, Config::from_env()))
    }

    /// A runtime for `endpoint`, whose invocations carry `config`.
    pub fn new(endpoint: Endpoint, config: Config) -> Runtime {
        Runtime::with_shared_config(endpoint, Arc::new(config))
    }

    /// A runtime for `endpoint` whose invocations carry `config`, shared with other workers.
    pub fn with_shared_config(endpoint: Endpoint, config: Arc<Config>) -> Runtime {
        Runtime {
            api: RuntimeApiClient::new(endpoint, config),
            retry: RetryPolicy::default(),
            trace_env: true,
        }
    }

    /// Whether the loop sets `_X_AMZN_TRACE_ID` to each invocation's trace id while the handler
    /// runs (the default). A process-wide variable is right only while one invocation runs at a
    /// time: workers running side by side turn it off, and the trace id is on the
    /// [`Context`](crate::Context) only.
    pub fn with_trace_id_env(mut self, on: bool) -> Runtime {
        self.trace_env = on;
        self
    }

    /// Replaces the retry policy.
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Runtime {
        self.retry = retry;
        self
    }

    /// The Runtime API client, for direct use.
    pub fn api(&mut self) -> &mut RuntimeApiClient {
        &mut self.api
    }

    /// The function configuration.
    pub fn config(&self) -> &Arc<Config> {
        self.api.config()
    }

    /// Reports that the function could not start (`/runtime/init/error`). The caller should
    /// exit non-zero afterwards.
    pub fn report_init_error(&mut self, diagnostic: &Diagnostic) -> Result<Posted, ApiError> {
        self.post(&mut |api| api.report_init_error(diagnostic))
    }

    /// Reports that the function could not resume after a SnapStart restore
    /// (`/runtime/restore/error`). The caller should exit non-zero afterwards.
    pub fn report_restore_error(&mut self, diagnostic: &Diagnostic) -> Result<Posted, ApiError> {
        self.post(&mut |api| api.report_restore_error(diagnostic))
    }

    /// Runs the loop until the Runtime API stays unreachable, and returns why.
    ///
    /// `handler` gets each invocation and a cleared buffer for the reply; `Ok` posts the buffer
    /// as the response, `Err` posts the diagnostic as the invocation's error. A panic (in a
    /// build that unwinds) is reported with error type `Panic` and the loop goes on.
    pub fn run<H>(&mut self, mut handler: H) -> ApiError
    where
        H: FnMut(&Invocation, &mut Vec<u8>) -> Result<(), Diagnostic>,
    {
        let mut reply = Vec::with_capacity(1024);
        let mut trace_id = TraceIdVar::new();
        loop {
            let invocation = match self.next() {
                Ok(invocation) => invocation,
                Err(fatal) => return fatal,
            };
            self.begin(&invocation, &mut trace_id);
            reply.clear();
            let result = panic::catch_unwind(AssertUnwindSafe(|| handler(&invocation, &mut reply)))
                .unwrap_or_else(|payload| Err(Diagnostic::from_panic(&*payload)));
            let context = &invocation.context;
            self.answer(
                &context.request_id,
                context.invocation_id.as_deref(),
                result,
                &reply,
            );
            logs::set_request_id(None);
            self.api.recycle(invocation.body);
        }
    }

    /// Runs the loop with a handler that streams its response, until the Runtime API stays
    /// unreachable, and returns why.
    ///
    /// `handler` gets each invocation and a [`ResponseStream`] to write the body to, sent as it
    /// is written. `Err` (or a panic) before the first byte went out is posted to `/error`;
    /// after it, it ends the stream with the error trailers.
    pub fn run_streaming<H>(&mut self, mut handler: H) -> ApiError
    where
        H: FnMut(&Invocation, &mut ResponseStream<'_>) -> Result<(), Diagnostic>,
    {
        let mut trace_id = TraceIdVar::new();
        loop {
            let invocation = match self.next() {
                Ok(invocation) => invocation,
                Err(fatal) => return fatal,
            };
            self.begin(&invocation, &mut trace_id);
            let context = &invocation.context;
            let request_id = context.request_id.as_str();
            let invocation_id = context.invocation_id.as_deref();
            let mut stream = ResponseStream::new(&mut self.api, request_id, invocation_id);
            let result =
                panic::catch_unwind(AssertUnwindSafe(|| handler(&invocation, &mut stream)))
                    .unwrap_or_else(|payload| Err(Diagnostic::from_panic(&*payload)));
            match stream.finish(result) {
                Ended::Unstarted(diagnostic) => {
                    let posted = self
                        .post(&mut |api| api.report_error(request_id, invocation_id, &diagnostic));
                    log_posted(Some(request_id), "error", posted);
                }
                Ended::Sent(posted) => log_posted(Some(request_id), "streamed response", posted),
            }
            logs::set_request_id(None);
            self.api.recycle(invocation.body);
        }
    }

    /// The next invocation, after retrying `/next` as the policy says and answering malformed
    /// invocations with an error; `Err` when the Runtime API stayed unreachable.
    fn next(&mut self) -> Result<Invocation, ApiError> {
        let mut failures = 0;
        loop {
            match self.api.next_invocation() {
                Ok(invocation) => return Ok(invocation),
                Err(ApiError::MalformedInvocation { request_id, reason }) => {
                    failures = 0;
                    log(
                        Level::Error,
                        format_args!("invocation {request_id} is malformed: {reason}"),
                    );
                    let diagnostic = Diagnostic::new(MALFORMED_INVOCATION, reason);
                    let posted =
                        self.post(&mut |api| api.report_error(&request_id, None, &diagnostic));
                    log_posted(Some(&request_id), "error", posted);
                }
                Err(e) => {
                    failures += 1;
                    if failures >= self.retry.next_attempts {
                        return Err(e);
                    }
                    let delay = self.retry.delay(failures);
                    log(
                        Level::Warn,
                        format_args!(
                            "{e} (attempt {failures} of {}, retrying in {} ms)",
                            self.retry.next_attempts,
                            delay.as_millis() as u64
                        ),
                    );
                    thread::sleep(delay);
                }
            }
        }
    }

    /// What the process knows of the invocation while its handler runs: the trace id variable
    /// (with one worker) and the request id of this thread's log records.
    fn begin(&self, invocation: &Invocation, trace_id: &mut TraceIdVar) {
        if self.trace_env {
            trace_id.set(invocation.context.xray_trace_id.as_deref());
        }
        logs::set_request_id(Some(&invocation.context.request_id));
    }

    /// Posts the outcome of one invocation, turning a 413 into an error report.
    fn answer(
        &mut self,
        request_id: &str,
        invocation_id: Option<&str>,
        result: Result<(), Diagnostic>,
        reply: &[u8],
    ) {
        let diagnostic = match result {
            Ok(()) => match self.post(&mut |api| api.respond(request_id, invocation_id, reply)) {
                Ok(Posted::TooLarge) => Diagnostic::new(
                    RESPONSE_TOO_LARGE,
                    format!(
                        "Response payload size ({} bytes) exceeded maximum allowed payload size.",
                        reply.len()
                    ),
                ),
                posted => return log_posted(Some(request_id), "response", posted),
            },
            Err(diagnostic) => diagnostic,
        };
        let posted = self.post(&mut |api| api.report_error(request_id, invocation_id, &diagnostic));
        log_posted(Some(request_id), "error", posted);
    }

    /// Runs one post, retrying when the connection fails (never on an HTTP answer). `send` is a
    /// trait object so that the retry loop is compiled once, not once per endpoint.
    fn post(
        &mut self,
        send: &mut dyn FnMut(&mut RuntimeApiClient) -> Result<Posted, ApiError>,
    ) -> Result<Posted, ApiError> {
        let mut attempt = 1;
        loop {
            match send(&mut self.api) {
                Err(ApiError::Http(e)) if attempt < self.retry.post_attempts => {
                    log(Level::Warn, format_args!("post failed: {e}; retrying"));
                    thread::sleep(self.retry.delay(attempt));
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

/// Logs a post that did not end in `202 Accepted`; silent on the happy path. `what` was posted
/// for the invocation `request_id` (`None`: the init or restore error, whose refusal is an error
/// rather than a warning, since the process then exits).
pub(crate) fn log_posted(request_id: Option<&str>, what: &str, posted: Result<Posted, ApiError>) {
    let (of, id, refused) = match request_id {
        Some(id) => (" for invocation ", id, Level::Warn),
        None => ("", "", Level::Error),
    };
    match posted {
        Ok(Posted::Accepted) => {}
        Ok(Posted::TooLarge) => log(
            Level::Error,
            format_args!("the {what}{of}{id} was rejected as too large (413)"),
        ),
        // The status as a `usize`: the one integer type the runtime's messages format.
        Ok(Posted::Rejected { status, message }) => log(
            refused,
            format_args!(
                "the {what}{of}{id} was rejected with status {}: {message}",
                usize::from(status)
            ),
        ),
        Err(e) => log(
            Level::Error,
            format_args!("the {what}{of}{id} could not be posted: {e}"),
        ),
    }
}

/// The runtime's own log lines: records in the function's log format, on stderr, which Lambda
/// sends to CloudWatch.
pub(crate) fn log(level: Level, message: std::fmt::Arguments<'_>) {
    logs::write(level, message, None);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy::default();
        let ms: Vec<u128> = (1..=9).map(|n| p.delay(n).as_millis()).collect();
        assert_eq!(ms, [10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        assert_eq!(p.delay(200), Duration::from_secs(1));
        assert_eq!(p.delay(0), Duration::from_millis(10));
    }
}
