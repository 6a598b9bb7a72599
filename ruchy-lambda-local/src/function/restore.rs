//! SnapStart's restore phase: `/runtime/restore/next` held for the snapshot, released, and
//! waited on until the runtime's first `/next` or its `/restore/error`.

use std::time::{Duration, Instant};

use crate::report::{Lifecycle, PhaseEnd};
use crate::sandbox::{self, Sandbox};
use crate::server::ShutdownReason;

use super::init::Init;
use super::{Cold, Function, POLL, exit_error};

impl Function {
    /// SnapStart's restore: holds `/restore/next` for [`FunctionConfig::restore_pause`] (the
    /// snapshot being taken, and restored later), releases it (`RESTORE_START`), and waits for
    /// the first `/next` or a `/restore/error` (`RESTORE_REPORT`).
    pub(super) fn restore(
        &mut self,
        sandbox: &mut Sandbox,
        request_id: &str,
        init: Duration,
    ) -> Init {
        let failed = |error, exit, restore| Init::Failed {
            error,
            exit,
            cold: Cold {
                init: None,
                restore: Some(restore),
            },
        };
        if let Some(status) = sandbox.wait_exit(self.config.restore_pause) {
            // Gone before its snapshot could be restored: an init failure.
            let description = sandbox::describe_exit(status);
            return Init::Failed {
                error: exit_error(request_id, &description),
                exit: Some(description),
                cold: Cold {
                    init: Some(init),
                    restore: None,
                },
            };
        }
        self.emit(Lifecycle::RestoreStart {
            region: self.config.region.clone(),
        });
        self.server.release_restore();
        let released = self
            .server
            .restore_released_at()
            .unwrap_or_else(Instant::now);
        let deadline = released + self.config.init_timeout;
        loop {
            let exited = sandbox.try_exit();
            if let Some(first_next) = self.server.first_next_at() {
                let restore = first_next.saturating_duration_since(released);
                self.emit(Lifecycle::RestoreReport {
                    duration: restore,
                    end: PhaseEnd::Success,
                });
                sandbox.init_duration = Some(init);
                sandbox.restore_duration = Some(restore);
                return Init::Ready;
            }
            if let Some((error, at)) = self.server.restore_error() {
                let restore = at.saturating_duration_since(released);
                self.emit(Lifecycle::RestoreReport {
                    duration: restore,
                    end: PhaseEnd::Error(error.kind().to_owned()),
                });
                // The runtime exits after posting it; Lambda stops it if it does not.
                let status = sandbox.wait_exit(Duration::from_millis(500)).or_else(|| {
                    self.terminate(sandbox, ShutdownReason::Failure);
                    sandbox.try_exit()
                });
                return failed(error, status.map(sandbox::describe_exit), restore);
            }
            if let Some(status) = exited {
                let restore = released.elapsed();
                let description = sandbox::describe_exit(status);
                self.emit(Lifecycle::RestoreReport {
                    duration: restore,
                    end: PhaseEnd::Error("Runtime.ExitError".to_owned()),
                });
                return failed(
                    exit_error(request_id, &description),
                    Some(description),
                    restore,
                );
            }
            let now = Instant::now();
            if now >= deadline {
                self.emit(Lifecycle::RestoreReport {
                    duration: self.config.init_timeout,
                    end: PhaseEnd::Timeout,
                });
                self.terminate(sandbox, ShutdownReason::Timeout);
                return Init::TimedOut(Cold {
                    init: None,
                    restore: Some(self.config.init_timeout),
                });
            }
            self.server.wait_change((deadline - now).min(POLL));
            sandbox.sample_peak_rss();
        }
    }
}
