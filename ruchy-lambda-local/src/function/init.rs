//! The init sequence of a new runtime process: waiting for its first `/next` (and for the
//! extensions), reporting init errors, exits and timeouts, and Lambda's lifecycle lines about it.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::error_report::ErrorReport;
use crate::report::{InvocationReport, Lifecycle, PhaseEnd};
use crate::sandbox::{self, Output, OutputLine, Sandbox, Stream};
use crate::server::ShutdownReason;

use super::{Cold, Function, FunctionError, POLL, exit_error};

/// How init (and SnapStart's restore) of a new sandbox ended.
pub(super) enum Init {
    Ready,
    Failed {
        error: ErrorReport,
        exit: Option<String>,
        cold: Cold,
    },
    TimedOut(Cold),
}

impl Function {
    /// The report of an invocation whose cold start failed (init or restore), the sandbox
    /// discarded.
    pub(super) fn init_failed(
        &mut self,
        init: Init,
        request_id: &str,
        mut sandbox: Sandbox,
    ) -> Result<InvocationReport, FunctionError> {
        let (cold, exit, timeout) = match init {
            Init::Ready => (Cold::default(), None, self.config.timeout),
            Init::Failed { error, exit, cold } => {
                self.server.mark_failed(request_id, error);
                (cold, exit, self.config.timeout)
            }
            Init::TimedOut(cold) => {
                self.server.mark_timed_out(request_id);
                (cold, None, self.config.init_timeout)
            }
        };
        let mut report = self.report(request_id, &mut sandbox, Duration::ZERO, cold, exit)?;
        report.timeout = timeout;
        self.discard(sandbox);
        Ok(report)
    }

    /// What the first report of an initialized sandbox says of its cold start: the init
    /// duration, or under SnapStart the restore duration (the init happened when the snapshot
    /// was taken, and is not reported there).
    pub(super) fn cold_durations(&self, sandbox: &Sandbox) -> Cold {
        if self.config.snap_start {
            Cold {
                init: None,
                restore: sandbox.restore_duration,
            }
        } else {
            Cold {
                init: sandbox.init_duration,
                restore: None,
            }
        }
    }

    /// Writes a lifecycle line to [`FunctionConfig::platform_log`] and keeps it.
    pub(super) fn emit(&mut self, event: Lifecycle) {
        let text = event.log(self.config.log_format);
        match &self.config.platform_log {
            Output::Null => {}
            Output::Inherit => {
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "{text}");
                let _ = err.flush();
            }
            Output::Lines(sink) => sink(OutputLine {
                stream: Stream::Stderr,
                text,
            }),
        }
        self.lifecycle.push(event);
    }

    /// The end of init: one `EXTENSION` line per registered extension, and under SnapStart the
    /// `INIT_REPORT` line.
    fn end_init(&mut self, duration: Duration, end: PhaseEnd) {
        for extension in self.server.extensions() {
            self.emit(Lifecycle::Extension {
                name: extension.name,
                ready: extension.ready,
                events: extension.events,
            });
        }
        if self.config.snap_start {
            self.emit(Lifecycle::InitReport { duration, end });
        }
    }

    /// Waits for the end of init (the first `/next`, or `/restore/next` under SnapStart, then
    /// the restore phase), reporting it.
    pub(super) fn wait_init(&mut self, sandbox: &mut Sandbox, request_id: &str) -> Init {
        let deadline = sandbox.spawned_at + self.config.init_timeout;
        loop {
            let exited = sandbox.try_exit();
            // Checked after the exit, so that a runtime that asked for an event and then exited is
            // seen as initialized (the invocation then fails, or moves to a fresh runtime).
            if let Some(first_next) = self.server.first_next_at() {
                // Under SnapStart, a runtime that never asked for /restore/next: no restore.
                let ready = self.extensions_ready(first_next, deadline);
                let init = ready.saturating_duration_since(sandbox.spawned_at);
                self.end_init(init, PhaseEnd::Success);
                sandbox.init_duration = Some(init);
                return Init::Ready;
            }
            if let Some(at) = self.server.restore_next_at() {
                let ready = self.extensions_ready(at, deadline);
                let init = ready.saturating_duration_since(sandbox.spawned_at);
                self.end_init(init, PhaseEnd::Success);
                return self.restore(sandbox, request_id, init);
            }
            let elapsed = sandbox.spawned_at.elapsed();
            let failed = |error, exit| Init::Failed {
                error,
                exit,
                cold: Cold {
                    init: Some(elapsed),
                    restore: None,
                },
            };
            if let Some(error) = self.server.init_error() {
                self.end_init(elapsed, PhaseEnd::Error(error.kind().to_owned()));
                // Lambda stops a runtime that reported an init error; let it exit by itself first.
                let status = sandbox.wait_exit(Duration::from_millis(500)).or_else(|| {
                    self.terminate(sandbox, ShutdownReason::Failure);
                    sandbox.try_exit()
                });
                return failed(error, status.map(sandbox::describe_exit));
            }
            if let Some(status) = exited {
                let description = sandbox::describe_exit(status);
                self.end_init(elapsed, PhaseEnd::Error("Runtime.ExitError".to_owned()));
                return failed(exit_error(request_id, &description), Some(description));
            }
            let now = Instant::now();
            if now >= deadline {
                self.end_init(self.config.init_timeout, PhaseEnd::Timeout);
                self.terminate(sandbox, ShutdownReason::Timeout);
                return Init::TimedOut(Cold {
                    init: Some(self.config.init_timeout),
                    restore: None,
                });
            }
            self.server.wait_change((deadline - now).min(POLL));
            sandbox.sample_peak_rss();
        }
    }

    /// As on Lambda, init ends when the runtime and every registered extension have asked for
    /// their next event: waits (until `deadline`) for the extensions, and gives when init ended.
    fn extensions_ready(&self, runtime_ready: Instant, deadline: Instant) -> Instant {
        let left = deadline.saturating_duration_since(Instant::now());
        if self.server.extensions().iter().all(|e| e.ready) {
            return runtime_ready;
        }
        self.server.wait_extensions_ready(left);
        Instant::now().max(runtime_ready)
    }
}
