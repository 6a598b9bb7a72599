//! A function: a bootstrap executable run the way Lambda runs it, one invocation at a time, or
//! up to [`FunctionConfig::concurrency`] at once as on Lambda Managed Instances.
//!
//! Like Lambda (and its Runtime Interface Emulator), the supervisor spawns the bootstrap with the
//! Lambda environment and `AWS_LAMBDA_RUNTIME_API` pointing at a [`RuntimeApiServer`], measures
//! init (spawn → first `/next`), each invocation (event handed out → answer received) and peak
//! memory (`VmHWM`), and starts a fresh runtime (a cold start) after a crash. With a concurrency
//! of 1 it stops a runtime that runs past its timeout (the next invocation is a cold start); with
//! more, a timeout settles only that invocation and the runtime runs on, as Managed Instances do.
//!
//! # Output with concurrent invocations
//!
//! With one invocation at a time, everything the runtime writes between hand-out and answer is
//! passed on between that invocation's `START` and `END` lines (a marker goes down the output
//! pipes after each answer and is waited for). With several in flight, a line cannot be told
//! apart by invocation: `START` is reported when an invocation is handed out, lines are passed
//! on as they come, and `END`/`REPORT` when it is answered — after every line the runtime wrote
//! before that answer, so a handler's own output is never printed after its `END`.
//!
//! Layout, by phase: `config` and `error` say how a function is run and why it could not be;
//! `environment` spawns a runtime process with the Lambda environment; `init` waits for its init
//! (and `restore` for SnapStart's restore phase); `invoke` runs invocations one at a time and
//! `poll` several at once; `shutdown` ends the process as Lambda ends an execution environment.
//! The process handle ([`Sandbox`]) is passed from phase to phase.

mod config;
mod environment;
mod error;
mod init;
mod invoke;
mod poll;
mod restore;
mod shutdown;

pub use config::{DEFAULT_RESTORE_PAUSE, DEFAULT_SHUTDOWN_BUDGET, FunctionConfig};
pub use error::FunctionError;
pub use poll::Progress;
use poll::Submitted;
pub use shutdown::Shutdown;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use crate::error_report::ErrorReport;
use crate::logging;
use crate::report::{self, InvocationReport, Lifecycle};
use crate::sandbox::{Output, Sandbox};
use crate::server::{RuntimeApiServer, ServerConfig};

/// How often the supervisor checks on the runtime process while it waits (for an exit, a
/// timeout, a memory sample). Answers from the runtime wake it at once.
const POLL: Duration = Duration::from_millis(5);

/// How long the supervisor waits, after an answer, for the runtime's output written before it to
/// be passed on (so that it is printed between `START` and `END`).
const OUTPUT_FLUSH: Duration = Duration::from_millis(500);

/// How many fresh runtimes one invocation may go through when each exits before asking for it.
const MAX_IDLE_EXITS: u32 = 3;

/// What a cold start reports: init on demand, restore under SnapStart.
#[derive(Debug, Clone, Copy, Default)]
struct Cold {
    init: Option<Duration>,
    restore: Option<Duration>,
}

/// A bootstrap run as a Lambda function, with its own Runtime API server.
///
/// ```no_run
/// use ruchy_lambda_local::{Function, FunctionConfig};
///
/// let mut function = Function::start("target/release/bootstrap", FunctionConfig::default())?;
/// let report = function.invoke(r#"{"id":7,"qty":2}"#)?;
/// println!("{}", report.start_line());
/// println!("{}", String::from_utf8_lossy(&report.payload()));
/// println!("{}", report.end_line());
/// println!("{}", report.report_line());
/// # Ok::<(), ruchy_lambda_local::FunctionError>(())
/// ```
///
/// Dropping it shuts the runtime process down (if running) as [`Function::stop`] does, reaps
/// it, and stops the server.
#[derive(Debug)]
pub struct Function {
    // Declared first so it is dropped (killed) before the server closes its connections.
    sandbox: Option<Sandbox>,
    server: RuntimeApiServer,
    path: PathBuf,
    task_root: PathBuf,
    config: FunctionConfig,
    /// [`FunctionConfig::output`] behind the log level filter of the JSON format.
    output: Output,
    sandboxes_started: u64,
    /// Invocations submitted with [`Function::submit`] and not yet reported, in order.
    submitted: Vec<Submitted>,
    /// Progress that [`Function::invoke_all_with`] saw for invocations it did not submit.
    backlog: VecDeque<Progress>,
    /// When an invocation was last handed out or settled: queued invocations time out only
    /// when nothing moved for a whole timeout.
    last_progress: Instant,
    /// Runtimes in a row that exited with nothing handed out (see [`MAX_IDLE_EXITS`]).
    idle_exits: u32,
    /// Every lifecycle line written.
    lifecycle: Vec<Lifecycle>,
    /// Every shutdown of a runtime process.
    shutdowns: Vec<Shutdown>,
}

impl Function {
    /// Starts a Runtime API server and the bootstrap at `path` (init begins at once).
    pub fn start(
        path: impl AsRef<Path>,
        config: FunctionConfig,
    ) -> Result<Function, FunctionError> {
        let path = path.as_ref();
        let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let task_root = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let server = RuntimeApiServer::start(ServerConfig {
            max_concurrency: config.concurrency.max(1),
            path_prefix: config.path_prefix.clone(),
            function_name: config.name.clone(),
            region: config.region.clone(),
            timeout: config.timeout,
            max_response_bytes: config.max_response_bytes,
            max_streamed_bytes: config.max_streamed_bytes,
            stream_bandwidth: config.stream_bandwidth,
            snap_start: config.snap_start,
            availability_zone_id: config.availability_zone_id.clone(),
            ..ServerConfig::default()
        })
        .map_err(FunctionError::Bind)?;
        let output = logging::filtered(
            &config.output,
            config.log_format,
            config.effective_log_level(),
        );
        let mut function = Function {
            sandbox: None,
            server,
            path,
            task_root,
            config,
            output,
            sandboxes_started: 0,
            submitted: Vec::new(),
            backlog: VecDeque::new(),
            last_progress: Instant::now(),
            idle_exits: 0,
            lifecycle: Vec::new(),
            shutdowns: Vec::new(),
        };
        function.sandbox = Some(function.spawn()?);
        Ok(function)
    }

    /// The Runtime API server the runtime talks to (its records and request log).
    pub fn server(&self) -> &RuntimeApiServer {
        &self.server
    }

    /// The configuration.
    pub fn config(&self) -> &FunctionConfig {
        &self.config
    }

    /// The function's ARN, as the runtime gets it in `Lambda-Runtime-Invoked-Function-Arn` and
    /// as the `platform.start` record of the JSON log format carries it.
    pub fn function_arn(&self) -> String {
        self.server.config().function_arn()
    }

    /// What Lambda logs when an invocation begins, in the function's log format: the `START`
    /// line, or the `platform.start` record (see [`report::start_log`]).
    pub fn start_log(&self, request_id: &str) -> String {
        report::start_log(self.config.log_format, request_id, &self.function_arn())
    }

    /// The runtime's process id, while one is running.
    pub fn pid(&self) -> Option<u32> {
        self.sandbox.as_ref().map(Sandbox::pid)
    }

    /// How many runtime processes have been started (1 + restarts).
    pub fn sandboxes_started(&self) -> u64 {
        self.sandboxes_started
    }

    /// Every lifecycle line written so far ([`FunctionConfig::platform_log`]), in order.
    pub fn lifecycle(&self) -> &[Lifecycle] {
        &self.lifecycle
    }

    fn report(
        &self,
        request_id: &str,
        sandbox: &mut Sandbox,
        duration: Duration,
        cold: Cold,
        exit: Option<String>,
    ) -> Result<InvocationReport, FunctionError> {
        let Some(record) = self.server.record(request_id) else {
            return Err(FunctionError::RecordMissing {
                request_id: request_id.to_owned(),
            });
        };
        Ok(InvocationReport {
            request_id: request_id.to_owned(),
            outcome: record.outcome,
            duration,
            init_duration: cold.init,
            restore_duration: cold.restore,
            memory_size_mb: self.config.memory_mb,
            max_memory_used_kb: sandbox.sample_peak_rss(),
            timeout: self.config.timeout,
            exit,
            finished_at: SystemTime::now(),
            stream: record.stream,
        })
    }
}

impl Drop for Function {
    /// Shuts the runtime down as [`Function::stop`] does (`SHUTDOWN` with `spindown` to the
    /// extensions, `SIGTERM`, `SIGKILL` at the deadline), then stops the server.
    fn drop(&mut self) {
        self.stop();
    }
}

/// The error Lambda reports when the runtime exits during an invocation:
/// `Runtime.ExitError`, `RequestId: <id> Error: Runtime exited with error: exit status 1`.
pub fn exit_error(request_id: &str, exit: &str) -> ErrorReport {
    ErrorReport::lambda(
        Some("Runtime.ExitError"),
        &format!("RequestId: {request_id} Error: Runtime exited with error: {exit}"),
    )
}
