//! Invocations several at a time (Lambda Managed Instances): [`Function::submit`] queues them,
//! [`Function::poll`] supervises them (hand-out, timeouts, a crashed runtime) and reports their
//! [`Progress`]; [`Function::invoke_all`] drives a batch to its end.

use std::time::{Duration, Instant};

use crate::error_report::ErrorReport;
use crate::ids;
use crate::invocation::{Event, Outcome};
use crate::report::InvocationReport;
use crate::sandbox;
use crate::server::ShutdownReason;

use super::init::Init;
use super::{Cold, Function, FunctionError, MAX_IDLE_EXITS, OUTPUT_FLUSH, POLL, exit_error};

// For the links in the docs.
#[cfg(doc)]
use super::FunctionConfig;

/// An invocation submitted to a [`Function`], until it is reported.
#[derive(Debug)]
pub(super) struct Submitted {
    request_id: String,
    submitted_at: Instant,
    started: bool,
}

/// What [`Function::poll`] saw happen to a submitted invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// The invocation was handed out to the runtime (where Lambda logs `START`); its request id.
    Started(String),
    /// The invocation is settled: its report (where Lambda logs `END` and `REPORT`).
    Finished(Box<InvocationReport>),
}

impl Function {
    /// Invokes the function with every event, up to [`FunctionConfig::concurrency`] in flight at
    /// once, and returns one report per event, in the order given. With a concurrency of 1 this
    /// is [`Function::invoke`] on each event in turn.
    pub fn invoke_all(
        &mut self,
        events: Vec<Event>,
    ) -> Result<Vec<InvocationReport>, FunctionError> {
        self.invoke_all_with(events, |_| {}, |_| {})
    }

    /// [`Function::invoke_all`], calling `on_start` with the request id when an invocation is
    /// handed out to the runtime (with a concurrency of 1: when it begins, as in
    /// [`Function::invoke_with`]) and `on_finish` with each report as soon as it is settled.
    pub fn invoke_all_with(
        &mut self,
        events: Vec<Event>,
        mut on_start: impl FnMut(&str),
        mut on_finish: impl FnMut(&InvocationReport),
    ) -> Result<Vec<InvocationReport>, FunctionError> {
        if self.config.concurrency <= 1 {
            let mut reports = Vec::with_capacity(events.len());
            for event in events {
                let report = self.invoke_with(event, &mut on_start)?;
                on_finish(&report);
                reports.push(report);
            }
            return Ok(reports);
        }
        self.run_concurrent(events, &mut on_start, &mut on_finish)
    }

    /// Submits `events` and polls until each is reported.
    pub(super) fn run_concurrent(
        &mut self,
        events: Vec<Event>,
        on_start: &mut dyn FnMut(&str),
        on_finish: &mut dyn FnMut(&InvocationReport),
    ) -> Result<Vec<InvocationReport>, FunctionError> {
        let ids: Vec<String> = events.into_iter().map(|e| self.submit(e)).collect();
        let mut reports: Vec<Option<InvocationReport>> = vec![None; ids.len()];
        let mut left = ids.len();
        let mut others = Vec::new();
        let index = |id: &str| ids.iter().position(|i| i == id);
        while left > 0 {
            for progress in self.poll(POLL)? {
                match &progress {
                    Progress::Started(id) if index(id).is_some() => on_start(id),
                    Progress::Finished(report) => match index(&report.request_id) {
                        Some(i) => {
                            on_finish(report);
                            reports[i] = Some((**report).clone());
                            left -= 1;
                        }
                        None => others.push(progress),
                    },
                    Progress::Started(_) => others.push(progress),
                }
            }
        }
        self.backlog.extend(others);
        Ok(reports.into_iter().flatten().collect())
    }

    /// Queues an invocation without waiting for it; returns its request id. Its progress comes
    /// from [`Function::poll`]: up to [`FunctionConfig::concurrency`] submitted invocations run
    /// at once, the rest wait for a free worker (and time out only if nothing moves for a whole
    /// timeout).
    pub fn submit(&mut self, event: impl Into<Event>) -> String {
        let request_id = ids::request_id();
        if self.submitted.is_empty() {
            self.last_progress = Instant::now();
        }
        self.server.enqueue_as(request_id.clone(), event.into());
        self.submitted.push(Submitted {
            request_id: request_id.clone(),
            submitted_at: Instant::now(),
            started: false,
        });
        request_id
    }

    /// Invocations submitted with [`Function::submit`] and not yet reported by
    /// [`Function::poll`].
    pub fn outstanding(&self) -> usize {
        self.submitted.len()
    }

    /// Supervises the submitted invocations: starts (and initializes) a runtime when none is
    /// running, settles invocations that run past the timeout, fails those a crashed runtime
    /// held (`Runtime.ExitError`; the next poll starts a fresh runtime), and returns what
    /// happened, waiting up to `wait` when nothing did. Each invocation is reported
    /// [`Progress::Started`] (once) before [`Progress::Finished`] (once).
    pub fn poll(&mut self, wait: Duration) -> Result<Vec<Progress>, FunctionError> {
        let mut out: Vec<Progress> = self.backlog.drain(..).collect();
        if self.submitted.is_empty() {
            return Ok(out);
        }
        let mut sandbox = match self.sandbox.take() {
            Some(s) => s,
            None => match self.spawn() {
                Ok(s) => s,
                Err(e) => {
                    let error = ErrorReport::lambda(Some("Runtime.Unknown"), &e.to_string());
                    for entry in std::mem::take(&mut self.submitted) {
                        self.server.mark_failed(&entry.request_id, error.clone());
                    }
                    return Err(e);
                }
            },
        };
        if sandbox.init_duration.is_none() {
            let first = self.submitted[0].request_id.clone();
            let init = self.wait_init(&mut sandbox, &first);
            self.last_progress = Instant::now();
            if !matches!(init, Init::Ready) {
                let report = self.init_failed(init, &first, sandbox)?;
                self.settle_submitted(&first, report, &mut out);
                return Ok(out);
            }
        }
        let exited = sandbox.try_exit();
        sandbox.sample_peak_rss();
        let now = Instant::now();
        let timeout = self.config.timeout;
        let mut settled: Vec<(String, Option<String>)> = Vec::new();
        let mut started: Vec<String> = Vec::new();
        let mut kill = false;
        for entry in &mut self.submitted {
            let id = &entry.request_id;
            let (finished, handed_out_at) =
                self.server
                    .progress(id)
                    .ok_or_else(|| FunctionError::RecordMissing {
                        request_id: id.clone(),
                    })?;
            if handed_out_at.is_some() && !entry.started {
                // Reported below, after the invocations finished in this round: a worker that
                // answers takes its next event at once, and its END comes first.
                self.idle_exits = 0;
                self.last_progress = now;
                started.push(id.clone());
            }
            let timed_out = match handed_out_at {
                _ if finished => false,
                Some(at) => now >= at + timeout,
                None => {
                    exited.is_none() && now >= entry.submitted_at.max(self.last_progress) + timeout
                }
            };
            if timed_out {
                self.server.mark_timed_out(id);
                // One invocation at a time: Lambda stops the runtime. Several: it runs on.
                kill |= self.config.concurrency <= 1 && handed_out_at.is_some();
            }
            if finished || timed_out {
                settled.push((id.clone(), None));
            }
        }
        if let Some(status) = exited {
            let description = sandbox::describe_exit(status);
            let mut held = false;
            for entry in &self.submitted {
                let id = &entry.request_id;
                if settled.iter().any(|(s, _)| s == id) {
                    continue;
                }
                match self.server.progress(id) {
                    Some((true, _)) => settled.push((id.clone(), None)),
                    Some((false, Some(_))) => {
                        self.server.mark_failed(id, exit_error(id, &description));
                        settled.push((id.clone(), Some(description.clone())));
                        held = true;
                    }
                    _ => {}
                }
            }
            if !held && settled.is_empty() {
                // Exited with nothing handed out: the queued events go to a fresh runtime,
                // unless runtimes keep exiting that way.
                self.idle_exits += 1;
                if self.idle_exits >= MAX_IDLE_EXITS {
                    self.idle_exits = 0;
                    let first = self.submitted[0].request_id.clone();
                    self.server
                        .mark_failed(&first, exit_error(&first, &description));
                    settled.push((first, Some(description)));
                }
            }
        } else if kill {
            sandbox.sample_peak_rss();
            self.terminate(&mut sandbox, ShutdownReason::Timeout);
        }
        if !settled.is_empty() {
            sandbox.flush_output(OUTPUT_FLUSH);
            self.last_progress = Instant::now();
        }
        for (id, exit) in settled {
            let Some(record) = self.server.record(&id) else {
                return Err(FunctionError::RecordMissing { request_id: id });
            };
            let duration = match record.outcome {
                Outcome::TimedOut if record.handed_out_at.is_some() => timeout,
                _ => record.duration().unwrap_or_default(),
            };
            let cold = if sandbox.reported_init {
                Cold::default()
            } else {
                sandbox.reported_init = true;
                self.cold_durations(&sandbox)
            };
            let report = self.report(&id, &mut sandbox, duration, cold, exit)?;
            self.settle_submitted(&id, report, &mut out);
        }
        for id in started {
            if let Some(entry) = self.submitted.iter_mut().find(|e| e.request_id == id) {
                entry.started = true;
                out.push(Progress::Started(id));
            }
        }
        if exited.is_some() || kill {
            self.discard(sandbox);
        } else {
            self.sandbox = Some(sandbox);
        }
        if out.is_empty() {
            self.server.wait_change(wait.min(POLL));
        }
        Ok(out)
    }

    /// Reports a submitted invocation as finished (as started first, if it never was) and
    /// forgets it.
    fn settle_submitted(&mut self, id: &str, report: InvocationReport, out: &mut Vec<Progress>) {
        if let Some(i) = self.submitted.iter().position(|e| e.request_id == id) {
            let entry = self.submitted.remove(i);
            if !entry.started {
                out.push(Progress::Started(entry.request_id));
            }
        }
        out.push(Progress::Finished(Box::new(report)));
    }
}
