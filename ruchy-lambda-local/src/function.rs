//! A function: a bootstrap executable run the way Lambda runs it, one invocation at a time.
//!
//! Like Lambda (and its Runtime Interface Emulator), the supervisor spawns the bootstrap with the
//! Lambda environment and `AWS_LAMBDA_RUNTIME_API` pointing at a [`RuntimeApiServer`], measures
//! init (spawn → first `/next`), each invocation (event handed out → answer received) and peak
//! memory (`VmHWM`), stops a runtime that runs past its timeout, and starts a fresh one (a cold
//! start) after a timeout or a crash.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use crate::ids;
use crate::invocation::{ErrorReport, Event, Outcome};
use crate::report::{self, InvocationReport};
use crate::sandbox::{self, Output, Sandbox};
use crate::server::{MAX_RESPONSE_BYTES, RuntimeApiServer, ServerConfig};

/// How often the supervisor checks on the runtime process while it waits (for an exit, a
/// timeout, a memory sample). Answers from the runtime wake it at once.
const POLL: Duration = Duration::from_millis(5);

/// How long the supervisor waits, after an answer, for the runtime's output written before it to
/// be passed on (so that it is printed between `START` and `END`).
const OUTPUT_FLUSH: Duration = Duration::from_millis(500);

/// How many fresh runtimes one invocation may go through when each exits before asking for it.
const MAX_IDLE_EXITS: u32 = 3;

/// How a [`Function`] is run.
#[derive(Debug, Clone)]
pub struct FunctionConfig {
    /// `AWS_LAMBDA_FUNCTION_NAME`; default `test_function`.
    pub name: String,
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` in MB; default 128. Not enforced.
    pub memory_mb: u32,
    /// The function timeout; default 3 s.
    pub timeout: Duration,
    /// How long init (spawn → first `/next`) may take; default 10 s, as on Lambda.
    pub init_timeout: Duration,
    /// `AWS_REGION` and `AWS_DEFAULT_REGION`; default `us-east-1`.
    pub region: String,
    /// More environment variables for the runtime (they override the Lambda ones).
    pub env: Vec<(String, String)>,
    /// Start the runtime with only the Lambda environment and [`FunctionConfig::env`], instead
    /// of adding them to this process's environment; default `false`.
    pub clear_env: bool,
    /// What to do with the runtime's stdout and stderr; default [`Output::Inherit`].
    pub output: Output,
    /// Serve the Runtime API under this path prefix (see [`ServerConfig::path_prefix`]).
    pub path_prefix: String,
    /// Largest reply accepted; default 6 MB.
    pub max_response_bytes: usize,
}

impl Default for FunctionConfig {
    fn default() -> Self {
        FunctionConfig {
            name: "test_function".to_owned(),
            memory_mb: 128,
            timeout: Duration::from_secs(3),
            init_timeout: Duration::from_secs(10),
            region: "us-east-1".to_owned(),
            env: Vec::new(),
            clear_env: false,
            output: Output::Inherit,
            path_prefix: String::new(),
            max_response_bytes: MAX_RESPONSE_BYTES,
        }
    }
}

/// Why a [`Function`] could not be run. A function that fails is not an error here: its failure
/// is the [`Outcome`] of the invocation.
#[derive(Debug)]
#[non_exhaustive]
pub enum FunctionError {
    /// The Runtime API server could not listen.
    Bind(io::Error),
    /// The bootstrap could not be started.
    Spawn {
        /// The bootstrap.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The server no longer has a record of the invocation (its history was cleared while the
    /// invocation ran).
    RecordMissing {
        /// The request id.
        request_id: String,
    },
}

impl fmt::Display for FunctionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FunctionError::Bind(e) => write!(f, "cannot start the Runtime API server: {e}"),
            FunctionError::Spawn { path, source } => {
                write!(f, "cannot start bootstrap {}: {source}", path.display())
            }
            FunctionError::RecordMissing { request_id } => {
                write!(f, "no record of invocation {request_id}")
            }
        }
    }
}

impl std::error::Error for FunctionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FunctionError::Bind(e) | FunctionError::Spawn { source: e, .. } => Some(e),
            FunctionError::RecordMissing { .. } => None,
        }
    }
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
/// Dropping it kills the runtime process (if running), reaps it, and stops the server.
#[derive(Debug)]
pub struct Function {
    // Declared first so it is dropped (killed) before the server closes its connections.
    sandbox: Option<Sandbox>,
    server: RuntimeApiServer,
    path: PathBuf,
    task_root: PathBuf,
    config: FunctionConfig,
    sandboxes_started: u64,
}

/// How waiting for an invocation's outcome ended.
enum Wait {
    /// The outcome is settled; the runtime's exit description if it exited holding the invocation.
    Settled(Option<String>),
    /// The runtime exited (as described) before the invocation was handed out.
    ExitedIdle(String),
}

/// How init of a new sandbox ended.
enum Init {
    Ready,
    Failed(ErrorReport, Option<String>),
    TimedOut,
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
            path_prefix: config.path_prefix.clone(),
            function_name: config.name.clone(),
            region: config.region.clone(),
            timeout: config.timeout,
            max_response_bytes: config.max_response_bytes,
            ..ServerConfig::default()
        })
        .map_err(FunctionError::Bind)?;
        let mut function = Function {
            sandbox: None,
            server,
            path,
            task_root,
            config,
            sandboxes_started: 0,
        };
        function.sandbox = Some(function.spawn()?);
        Ok(function)
    }

    /// Invokes the function with `event` and waits for the outcome (at most the timeout past
    /// init). Starts a new runtime first if none is running.
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
        on_start(&request_id);
        self.server.enqueue_as(request_id.clone(), event.into());
        let mut init = None;
        let mut idle_exits = 0;
        let exit = loop {
            if sandbox.init_duration.is_none() {
                match self.wait_init(&mut sandbox, &request_id) {
                    Init::Ready => {}
                    Init::Failed(error, exit) => {
                        self.server.mark_failed(&request_id, error);
                        let init = sandbox.spawned_at.elapsed();
                        let report = self.report(
                            &request_id,
                            &mut sandbox,
                            Duration::ZERO,
                            Some(init),
                            exit,
                        )?;
                        self.discard(sandbox);
                        return Ok(report);
                    }
                    Init::TimedOut => {
                        sandbox.kill();
                        self.server.mark_timed_out(&request_id);
                        let init = Some(self.config.init_timeout);
                        let mut report =
                            self.report(&request_id, &mut sandbox, Duration::ZERO, init, None)?;
                        report.timeout = self.config.init_timeout;
                        self.discard(sandbox);
                        return Ok(report);
                    }
                }
            }
            if !sandbox.reported_init {
                sandbox.reported_init = true;
                init = sandbox.init_duration;
            }
            match self.wait_outcome(&mut sandbox, &request_id)? {
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
                            init,
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
        let Some(record) = self.server.record(&request_id) else {
            return Err(FunctionError::RecordMissing { request_id });
        };
        let duration = match record.outcome {
            Outcome::TimedOut => self.config.timeout,
            _ => record.duration().unwrap_or_default(),
        };
        sandbox.flush_output(OUTPUT_FLUSH);
        let report = self.report(&request_id, &mut sandbox, duration, init, exit)?;
        if sandbox.try_exit().is_some() {
            self.discard(sandbox);
        } else {
            self.sandbox = Some(sandbox);
        }
        Ok(report)
    }

    /// Waits for the outcome of an invocation on an initialized runtime, stopping the runtime at
    /// the timeout, and settling the invocation as failed if the runtime exits while it holds it.
    fn wait_outcome(&self, sandbox: &mut Sandbox, request_id: &str) -> Result<Wait, FunctionError> {
        let missing = || FunctionError::RecordMissing {
            request_id: request_id.to_owned(),
        };
        let waiting_since = Instant::now();
        loop {
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
                sandbox.kill();
                self.server.mark_timed_out(request_id);
                return Ok(Wait::Settled(None));
            }
            if !self
                .server
                .wait_finished(request_id, (deadline - now).min(POLL))
            {
                sandbox.sample_peak_rss();
            }
        }
    }

    /// The Runtime API server the runtime talks to (its records and request log).
    pub fn server(&self) -> &RuntimeApiServer {
        &self.server
    }

    /// The configuration.
    pub fn config(&self) -> &FunctionConfig {
        &self.config
    }

    /// The runtime's process id, while one is running.
    pub fn pid(&self) -> Option<u32> {
        self.sandbox.as_ref().map(Sandbox::pid)
    }

    /// How many runtime processes have been started (1 + restarts).
    pub fn sandboxes_started(&self) -> u64 {
        self.sandboxes_started
    }

    /// Stops the runtime, if running; the next invocation starts a fresh one (a cold start).
    pub fn stop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            self.discard(sandbox);
        }
    }

    /// Stops the runtime and starts a fresh one (init begins at once).
    pub fn restart(&mut self) -> Result<(), FunctionError> {
        self.stop();
        self.sandbox = Some(self.spawn()?);
        Ok(())
    }

    /// The Lambda environment given to the runtime (before [`FunctionConfig::env`]); the log
    /// stream name is fresh each time.
    pub fn lambda_environment(&self) -> Vec<(String, String)> {
        let c = &self.config;
        let pairs = [
            ("AWS_LAMBDA_RUNTIME_API", self.server.runtime_api()),
            ("AWS_LAMBDA_FUNCTION_NAME", c.name.clone()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", c.memory_mb.to_string()),
            ("AWS_LAMBDA_FUNCTION_VERSION", report::VERSION.to_owned()),
            (
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{}", c.name),
            ),
            (
                "AWS_LAMBDA_LOG_STREAM_NAME",
                ids::log_stream_name(report::VERSION),
            ),
            ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned()),
            ("_HANDLER", "bootstrap".to_owned()),
            ("LAMBDA_TASK_ROOT", self.task_root.display().to_string()),
            ("AWS_REGION", c.region.clone()),
            ("AWS_DEFAULT_REGION", c.region.clone()),
            ("TZ", ":UTC".to_owned()),
        ];
        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    fn spawn(&mut self) -> Result<Sandbox, FunctionError> {
        self.server.reset_sandbox();
        let mut env = self.lambda_environment();
        env.extend(self.config.env.iter().cloned());
        let sandbox = Sandbox::spawn(
            &self.path,
            &self.task_root,
            &env,
            self.config.clear_env,
            &self.config.output,
        )
        .map_err(|source| FunctionError::Spawn {
            path: self.path.clone(),
            source,
        })?;
        self.sandboxes_started += 1;
        Ok(sandbox)
    }

    /// Kills and reaps the process, and closes what is left of its connections.
    fn discard(&self, sandbox: Sandbox) {
        // Dropping it kills the process and passes on the rest of its output.
        drop(sandbox);
        self.server.reset_sandbox();
    }

    fn wait_init(&self, sandbox: &mut Sandbox, request_id: &str) -> Init {
        let deadline = sandbox.spawned_at + self.config.init_timeout;
        loop {
            let exited = sandbox.try_exit();
            // Checked after the exit, so that a runtime that asked for an event and then exited is
            // seen as initialized (the invocation then fails, or moves to a fresh runtime).
            if let Some(first_next) = self.server.first_next_at() {
                sandbox.init_duration =
                    Some(first_next.saturating_duration_since(sandbox.spawned_at));
                return Init::Ready;
            }
            if let Some(error) = self.server.init_error() {
                // Lambda stops a runtime that reported an init error; let it exit by itself first.
                let status = sandbox
                    .wait_exit(Duration::from_millis(500))
                    .or_else(|| sandbox.kill());
                return Init::Failed(error, status.map(sandbox::describe_exit));
            }
            if let Some(status) = exited {
                let description = sandbox::describe_exit(status);
                return Init::Failed(exit_error(request_id, &description), Some(description));
            }
            let now = Instant::now();
            if now >= deadline {
                return Init::TimedOut;
            }
            if self
                .server
                .wait_for_first_next((deadline - now).min(POLL))
                .is_none()
            {
                sandbox.sample_peak_rss();
            }
        }
    }

    fn report(
        &self,
        request_id: &str,
        sandbox: &mut Sandbox,
        duration: Duration,
        init_duration: Option<Duration>,
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
            init_duration,
            memory_size_mb: self.config.memory_mb,
            max_memory_used_kb: sandbox.sample_peak_rss(),
            timeout: self.config.timeout,
            exit,
            finished_at: SystemTime::now(),
        })
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
