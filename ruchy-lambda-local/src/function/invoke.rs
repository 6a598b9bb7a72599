//! Invocations one at a time: [`Function::invoke`] and its variants hand one event out, wait for
//! its outcome (stopping the runtime at the timeout), and pass a streamed reply on as it arrives.

use std::time::{Duration, Instant};

use crate::error_report::ErrorReport;
use crate::ids;
use crate::invocation::{Event, Outcome};
use crate::report::InvocationReport;
use crate::sandbox::{self, Sandbox};
use crate::server::ShutdownReason;
use crate::stream::StreamProgress;

use super::init::Init;
use super::{Function, FunctionError, MAX_IDLE_EXITS, OUTPUT_FLUSH, POLL, exit_error};

// For the links in the docs.
#[cfg(doc)]
use super::FunctionConfig;

/// How waiting for an invocation's outcome ended.
enum Wait {
    /// The outcome is settled; the runtime's exit description if it exited holding the invocation.
    Settled(Option<String>),
    /// The runtime exited (as described) before the invocation was handed out.
    ExitedIdle(String),
}

impl Function {
    /// Invokes the function with `event` and waits for the outcome (at most the timeout past
    /// init). Starts a new runtime first if none is running.
    ///
    /// With a [`FunctionConfig::concurrency`] above 1 this is [`Function::invoke_all`] with one
    /// event.
    pub fn invoke(&mut self, event: impl Into<Event>) -> Result<InvocationReport, FunctionError> {
        self.invoke_with(event, |_| {})
    }

    /// [`Function::invoke`], calling `on_start` with the request id when the invocation begins,
    /// before the event is queued for the runtime: where Lambda logs the `START` line. Output the
    /// runtime writes for this invocation comes after it.
    pub fn invoke_with(
        &mut self,
        event: impl Into<Event>,
        on_start: impl FnOnce(&str),
    ) -> Result<InvocationReport, FunctionError> {
        self.invoke_streaming(event, on_start, |_| {})
    }

    /// [`Function::invoke_with`], calling `on_stream` with the bytes of a streamed reply as they
    /// arrive (in order, each byte once), before the report. The report's duration ends at the
    /// last chunk; [`InvocationReport::stream`] has what the server saw of the stream.
    ///
    /// With a [`FunctionConfig::concurrency`] above 1, `on_stream` gets the whole reply at once,
    /// after it ended.
    pub fn invoke_streaming(
        &mut self,
        event: impl Into<Event>,
        on_start: impl FnOnce(&str),
        mut on_stream: impl FnMut(StreamProgress<'_>),
    ) -> Result<InvocationReport, FunctionError> {
        if self.config.concurrency > 1 {
            let report = self.invoke_concurrent_one(event.into(), on_start)?;
            if let (Some(stream), Some(body)) = (&report.stream, report.streamed_body()) {
                on_stream(StreamProgress {
                    request_id: &report.request_id,
                    content_type: stream.content_type.as_deref(),
                    offset: 0,
                    bytes: body,
                });
            }
            return Ok(report);
        }
        self.invoke_one(event.into(), on_start, &mut on_stream)
    }

    fn invoke_concurrent_one(
        &mut self,
        event: Event,
        on_start: impl FnOnce(&str),
    ) -> Result<InvocationReport, FunctionError> {
        {
            let mut on_start = Some(on_start);
            let mut start = |id: &str| {
                if let Some(f) = on_start.take() {
                    f(id);
                }
            };
            let mut reports = self.run_concurrent(vec![event], &mut start, &mut |_| {})?;
            reports.pop().ok_or_else(|| FunctionError::RecordMissing {
                request_id: String::new(),
            })
        }
    }

    fn invoke_one(
        &mut self,
        event: Event,
        on_start: impl FnOnce(&str),
        on_stream: &mut dyn FnMut(StreamProgress<'_>),
    ) -> Result<InvocationReport, FunctionError> {
        let mut sandbox = match self.sandbox.take() {
            Some(mut s) => {
                if s.init_duration.is_some() && s.try_exit().is_some() {
                    // A runtime that exited while idle is replaced: this invocation is a cold start.
                    self.discard(s);
                    self.spawn()?
                } else {
                    s
                }
            }
            None => self.spawn()?,
        };
        let request_id = ids::request_id();
        // A cold start: init (and SnapStart's restore) ends before the invocation begins, as on
        // Lambda, so that its lines come before START.
        if sandbox.init_duration.is_none() {
            let init = self.wait_init(&mut sandbox, &request_id);
            if !matches!(init, Init::Ready) {
                on_start(&request_id);
                self.server.enqueue_as(request_id.clone(), event);
                return self.init_failed(init, &request_id, sandbox);
            }
        }
        on_start(&request_id);
        self.server.enqueue_as(request_id.clone(), event);
        let mut streamed = 0;
        let mut cold = None;
        let mut idle_exits = 0;
        let exit = loop {
            if sandbox.init_duration.is_none() {
                let init = self.wait_init(&mut sandbox, &request_id);
                if !matches!(init, Init::Ready) {
                    return self.init_failed(init, &request_id, sandbox);
                }
            }
            if !sandbox.reported_init {
                sandbox.reported_init = true;
                cold = Some(self.cold_durations(&sandbox));
            }
            match self.wait_outcome(&mut sandbox, &request_id, on_stream, &mut streamed)? {
                Wait::Settled(exit) => break exit,
                Wait::ExitedIdle(description) => {
                    // The runtime exited before asking for this event: it goes to a fresh one,
                    // unless runtimes keep exiting that way.
                    idle_exits += 1;
                    if idle_exits == MAX_IDLE_EXITS {
                        let error = exit_error(&request_id, &description);
                        self.server.mark_failed(&request_id, error);
                        let report = self.report(
                            &request_id,
                            &mut sandbox,
                            Duration::ZERO,
                            cold.unwrap_or_default(),
                            Some(description),
                        )?;
                        self.discard(sandbox);
                        return Ok(report);
                    }
                    self.discard(sandbox);
                    sandbox = match self.spawn() {
                        Ok(s) => s,
                        Err(e) => {
                            let error =
                                ErrorReport::lambda(Some("Runtime.Unknown"), &e.to_string());
                            self.server.mark_failed(&request_id, error);
                            return Err(e);
                        }
                    };
                }
            }
        };
        self.pass_on_stream(&request_id, on_stream, &mut streamed);
        let Some(record) = self.server.record(&request_id) else {
            return Err(FunctionError::RecordMissing { request_id });
        };
        let duration = match record.outcome {
            Outcome::TimedOut => self.config.timeout,
            _ => record.duration().unwrap_or_default(),
        };
        sandbox.flush_output(OUTPUT_FLUSH);
        let report = self.report(
            &request_id,
            &mut sandbox,
            duration,
            cold.unwrap_or_default(),
            exit,
        )?;
        if sandbox.try_exit().is_some() {
            self.discard(sandbox);
        } else {
            self.sandbox = Some(sandbox);
        }
        Ok(report)
    }

    /// Waits for the outcome of an invocation on an initialized runtime, stopping the runtime at
    /// the timeout, and settling the invocation as failed if the runtime exits while it holds it.
    fn wait_outcome(
        &mut self,
        sandbox: &mut Sandbox,
        request_id: &str,
        on_stream: &mut dyn FnMut(StreamProgress<'_>),
        streamed: &mut u64,
    ) -> Result<Wait, FunctionError> {
        let missing = || FunctionError::RecordMissing {
            request_id: request_id.to_owned(),
        };
        let waiting_since = Instant::now();
        loop {
            self.pass_on_stream(request_id, on_stream, streamed);
            let (finished, handed_out_at) = self.server.progress(request_id).ok_or_else(missing)?;
            if finished {
                return Ok(Wait::Settled(None));
            }
            if let Some(status) = sandbox.try_exit() {
                let (finished, handed_out_at) =
                    self.server.progress(request_id).ok_or_else(missing)?;
                if finished {
                    return Ok(Wait::Settled(None));
                }
                let description = sandbox::describe_exit(status);
                if handed_out_at.is_none() {
                    return Ok(Wait::ExitedIdle(description));
                }
                self.server
                    .mark_failed(request_id, exit_error(request_id, &description));
                return Ok(Wait::Settled(Some(description)));
            }
            let deadline = handed_out_at.unwrap_or(waiting_since) + self.config.timeout;
            let now = Instant::now();
            if now >= deadline {
                sandbox.sample_peak_rss();
                self.server.mark_timed_out(request_id);
                self.terminate(sandbox, ShutdownReason::Timeout);
                return Ok(Wait::Settled(None));
            }
            self.server
                .wait_progress(request_id, *streamed, (deadline - now).min(POLL));
            sandbox.sample_peak_rss();
        }
    }

    /// Passes the bytes of `request_id`'s streamed reply past `streamed` to `on_stream`.
    fn pass_on_stream(
        &self,
        request_id: &str,
        on_stream: &mut dyn FnMut(StreamProgress<'_>),
        streamed: &mut u64,
    ) {
        let Some(read) = self.server.read_stream(request_id, *streamed) else {
            return;
        };
        if read.bytes.is_empty() {
            return;
        }
        on_stream(StreamProgress {
            request_id,
            content_type: read.content_type.as_deref(),
            offset: *streamed,
            bytes: &read.bytes,
        });
        *streamed += read.bytes.len() as u64;
    }
}
