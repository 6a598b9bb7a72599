//! Ending a runtime process as Lambda ends an execution environment: `SHUTDOWN` to the
//! extensions, `SIGTERM`, `SIGKILL` at the deadline ([`Shutdown`]).

use std::process::ExitStatus;
use std::time::{Duration, Instant, SystemTime};

use crate::sandbox::{self, Sandbox};
use crate::server::ShutdownReason;

use super::{Function, FunctionError};

// For the links in the docs.
#[cfg(doc)]
use super::FunctionConfig;

/// How long a shutdown waits for the extensions that are polling to be handed `SHUTDOWN`
/// before it sends `SIGTERM` (at most the budget).
const SHUTDOWN_HANDOFF: Duration = Duration::from_millis(100);

/// How a runtime process was ended ([`Function::shut_down`], [`Function::shutdowns`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shutdown {
    /// Why: the `shutdownReason` of the `SHUTDOWN` event.
    pub reason: ShutdownReason,
    /// Extensions registered in the sandbox then.
    pub extensions: usize,
    /// Extensions the `SHUTDOWN` event was queued for (those registered for it).
    pub shutdown_events: usize,
    /// Whether `SIGTERM` was sent (only with an extension registered).
    pub sigterm: bool,
    /// Whether `SIGKILL` was sent: at once with no extension registered, or at the deadline
    /// when the process outlived `SIGTERM` by [`FunctionConfig::shutdown_budget`].
    pub killed: bool,
    /// The process had already exited by itself: nothing was sent.
    pub already_exited: bool,
    /// How the process ended.
    pub exit: Option<ExitStatus>,
    /// [`Shutdown::exit`] in Lambda's words ([`sandbox::describe_exit`]): `signal: terminated`,
    /// `signal: killed`, `exit status 0`.
    pub exit_description: Option<String>,
    /// From the start of the shutdown to the process reaped.
    pub duration: Duration,
}

impl Shutdown {
    /// Whether the process outlived `SIGTERM` and was killed at the deadline.
    pub fn killed_at_deadline(&self) -> bool {
        self.sigterm && self.killed
    }
}

impl Function {
    /// Stops the runtime, if running, as Lambda ends an execution environment (see
    /// [`Function::shut_down`], with [`ShutdownReason::Spindown`]); the next invocation starts
    /// a fresh one (a cold start). `None` when no runtime was running.
    pub fn stop(&mut self) -> Option<Shutdown> {
        self.shut_down(ShutdownReason::Spindown)
    }

    /// Ends the runtime, if running, as Lambda ends an execution environment: with an extension
    /// registered, the `SHUTDOWN` event (`reason`, a deadline [`FunctionConfig::shutdown_budget`]
    /// away) to the extensions registered for it, then `SIGTERM` to the process, then `SIGKILL`
    /// if it has not exited by the deadline; with none, `SIGKILL` at once (as Lambda, which
    /// spends no time on a graceful shutdown then). The rest of the runtime's output is passed
    /// on before this returns. `None` when no runtime was running.
    pub fn shut_down(&mut self, reason: ShutdownReason) -> Option<Shutdown> {
        let mut sandbox = self.sandbox.take()?;
        let shutdown = self.terminate(&mut sandbox, reason);
        self.discard(sandbox);
        Some(shutdown)
    }

    /// Every shutdown of a runtime process so far, in order: by [`Function::stop`] and
    /// [`Function::shut_down`], after a timeout (reason `timeout`) and after an init or restore
    /// failure that left the process running (reason `failure`).
    pub fn shutdowns(&self) -> &[Shutdown] {
        &self.shutdowns
    }

    /// Stops the runtime and starts a fresh one (init begins at once).
    pub fn restart(&mut self) -> Result<(), FunctionError> {
        self.stop();
        self.sandbox = Some(self.spawn()?);
        Ok(())
    }

    /// Ends the runtime process as Lambda ends an execution environment. With an extension
    /// registered: the `SHUTDOWN` event (`reason`, deadline [`FunctionConfig::shutdown_budget`]
    /// from now) to those registered for it, `SIGTERM` to the process once they have it (or
    /// the budget is over), and `SIGKILL` if the process has not exited by the deadline. With
    /// none: `SIGKILL` at once. The process is reaped; the sandbox is not reset.
    pub(super) fn terminate(&mut self, sandbox: &mut Sandbox, reason: ShutdownReason) -> Shutdown {
        let started = Instant::now();
        let extensions = self.server.extensions().len();
        let mut shutdown = Shutdown {
            reason,
            extensions,
            shutdown_events: 0,
            sigterm: false,
            killed: false,
            already_exited: false,
            exit: None,
            exit_description: None,
            duration: Duration::ZERO,
        };
        if sandbox.try_exit().is_some() {
            shutdown.already_exited = true;
        } else if extensions == 0 {
            // As Lambda: no compute time spent on a graceful shutdown with no extension.
            shutdown.killed = true;
            sandbox.kill();
        } else {
            let budget = self.config.shutdown_budget;
            let deadline = started + budget;
            shutdown.shutdown_events = self
                .server
                .deliver_shutdown(reason, SystemTime::now() + budget);
            if shutdown.shutdown_events > 0 {
                // Let the extensions that are polling have it before the signal arrives.
                self.server
                    .wait_shutdown_delivered(budget.min(SHUTDOWN_HANDOFF));
            }
            shutdown.sigterm = sandbox.terminate();
            let left = deadline.saturating_duration_since(Instant::now());
            if sandbox.wait_exit(left).is_none() {
                shutdown.killed = true;
                sandbox.kill();
            }
        }
        shutdown.exit = sandbox.try_exit();
        shutdown.exit_description = shutdown.exit.map(sandbox::describe_exit);
        shutdown.duration = started.elapsed();
        self.shutdowns.push(shutdown.clone());
        shutdown
    }
}
