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

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::{Duration, Instant, SystemTime};

use crate::error_report::ErrorReport;
use crate::identity;
use crate::ids;
use crate::invocation::{Event, Outcome};
use crate::logging::{self, LogFormat, LogLevel};
use crate::report::{self, InvocationReport, Lifecycle, PhaseEnd};
use crate::sandbox::{self, Output, OutputLine, Sandbox, Stream};
use crate::server::{MAX_RESPONSE_BYTES, RuntimeApiServer, ServerConfig, ShutdownReason};
use crate::stream::{MAX_STREAMED_BYTES, StreamBandwidth, StreamProgress};

/// How often the supervisor checks on the runtime process while it waits (for an exit, a
/// timeout, a memory sample). Answers from the runtime wake it at once.
const POLL: Duration = Duration::from_millis(5);

/// How long the supervisor waits, after an answer, for the runtime's output written before it to
/// be passed on (so that it is printed between `START` and `END`).
const OUTPUT_FLUSH: Duration = Duration::from_millis(500);

/// How many fresh runtimes one invocation may go through when each exits before asking for it.
const MAX_IDLE_EXITS: u32 = 3;

/// How long a shutdown waits for the extensions that are polling to be handed `SHUTDOWN`
/// before it sends `SIGTERM` (at most the budget).
const SHUTDOWN_HANDOFF: Duration = Duration::from_millis(100);

/// How [`FunctionConfig::restore_pause`] defaults: the snapshot being taken and restored.
pub const DEFAULT_RESTORE_PAUSE: Duration = Duration::from_millis(50);

/// How [`FunctionConfig::shutdown_budget`] defaults: what Lambda gives the runtime when only
/// internal extensions are registered (300 ms with external ones; the whole shutdown phase is
/// capped at 2,000 ms).
pub const DEFAULT_SHUTDOWN_BUDGET: Duration = Duration::from_millis(500);

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
    /// Invocations one runtime takes at once; default 1 (0 counts as 1). With N > 1, as on
    /// Lambda Managed Instances, the runtime gets `AWS_LAMBDA_MAX_CONCURRENCY=N`, the Runtime API
    /// hands out up to N events at once ([`ServerConfig::max_concurrency`]), and a timeout does
    /// not stop the runtime: the invocation is settled as [`Outcome::TimedOut`] and its late
    /// answer gets `410 Gone`.
    pub concurrency: usize,
    /// The log format; default [`LogFormat::Text`]. The runtime gets `AWS_LAMBDA_LOG_FORMAT`
    /// (`Text` or `JSON`) either way, as Lambda always sets it. With [`LogFormat::Json`] the
    /// runtime also gets `AWS_LAMBDA_LOG_LEVEL`, and every line it writes to stdout or stderr
    /// goes through CloudWatch's level filter ([`logging::keeps`]) before it reaches
    /// [`FunctionConfig::output`] ([`Output::Inherit`] then becomes lines written to this
    /// process's stdout and stderr).
    pub log_format: LogFormat,
    /// The application log level, for [`LogFormat::Json`]: `AWS_LAMBDA_LOG_LEVEL` and the
    /// level below which the runtime's lines are dropped; default `None`, which is
    /// [`LogLevel::Info`] as on Lambda. Lambda takes a level only with the JSON format: with
    /// [`LogFormat::Text`] it is not used.
    pub log_level: Option<LogLevel>,
    /// Largest streamed reply; default 200 MiB (see [`ServerConfig::max_streamed_bytes`]).
    pub max_streamed_bytes: u64,
    /// The bandwidth cap on streamed replies; default `None` (see
    /// [`ServerConfig::stream_bandwidth`]).
    pub stream_bandwidth: Option<StreamBandwidth>,
    /// SnapStart (for custom runtimes); default `false`. The runtime gets
    /// `AWS_LAMBDA_INITIALIZATION_TYPE=snap-start` and the Runtime API serves
    /// `/runtime/restore/next` and `/runtime/restore/error`. Init begins as on demand
    /// (`INIT_START`; the JSON record's `initializationType` is `snap-start`) and ends at
    /// `/restore/next` (`INIT_REPORT`); it is held for [`FunctionConfig::restore_pause`], then
    /// released (`RESTORE_START`), and the restore phase ends at the first `/invocation/next`
    /// (`RESTORE_REPORT`), or at `/restore/error`, which fails the invocation that caused the
    /// cold start with that error and stops the process. The first report after a restore has
    /// [`InvocationReport::restore_duration`] and no init duration.
    pub snap_start: bool,
    /// How long `/runtime/restore/next` is held before it is answered: it stands for the
    /// snapshot being taken and restored later; default 50 ms.
    pub restore_pause: Duration,
    /// How long the runtime gets between `SIGTERM` and `SIGKILL` when it is shut down with an
    /// extension registered (see [`Function::shut_down`]); also the `deadlineMs` of the
    /// `SHUTDOWN` event. Default 500 ms, Lambda's figure when only internal extensions are
    /// registered.
    pub shutdown_budget: Duration,
    /// Where Lambda's own lifecycle lines go ([`Lifecycle`]: `INIT_START`, `EXTENSION`,
    /// `INIT_REPORT`, `RESTORE_START`, `RESTORE_REPORT`, or their JSON records in
    /// [`LogFormat::Json`]), as they happen, before the `START` of the invocation that caused the
    /// cold start (`INIT_START` as each runtime process is started, before its output); default
    /// [`Output::Null`]. [`Output::Inherit`] writes them to this process's stderr, and
    /// [`Output::Lines`] passes each to its sink (as [`Stream::Stderr`]). Either way they are
    /// kept ([`Function::lifecycle`]).
    pub platform_log: Output,
    /// Start each runtime process in a process group of its own; default `false`, where it
    /// shares this process's group. A signal sent to this process's group (Ctrl-C in a
    /// terminal) then reaches only this process, which decides how the runtime ends (`serve`
    /// runs [`Function::stop`] on SIGINT and SIGTERM). Either way, a runtime whose supervisor is
    /// killed without stopping it (SIGKILL) is not killed with it: it runs on until it next
    /// fails to reach the Runtime API (ruchy-lambda's runtime then exits, after its retries).
    pub own_process_group: bool,
}

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

/// What a cold start reports: init on demand, restore under SnapStart.
#[derive(Debug, Clone, Copy, Default)]
struct Cold {
    init: Option<Duration>,
    restore: Option<Duration>,
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
            concurrency: 1,
            log_format: LogFormat::Text,
            log_level: None,
            max_streamed_bytes: MAX_STREAMED_BYTES,
            stream_bandwidth: None,
            snap_start: false,
            restore_pause: DEFAULT_RESTORE_PAUSE,
            shutdown_budget: DEFAULT_SHUTDOWN_BUDGET,
            platform_log: Output::Null,
            own_process_group: false,
        }
    }
}

impl FunctionConfig {
    /// The application log level that applies: [`FunctionConfig::log_level`], or
    /// [`LogLevel::Info`].
    pub fn effective_log_level(&self) -> LogLevel {
        self.log_level.unwrap_or_default()
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

/// An invocation submitted to a [`Function`], until it is reported.
#[derive(Debug)]
struct Submitted {
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

/// How waiting for an invocation's outcome ended.
enum Wait {
    /// The outcome is settled; the runtime's exit description if it exited holding the invocation.
    Settled(Option<String>),
    /// The runtime exited (as described) before the invocation was handed out.
    ExitedIdle(String),
}

/// How init (and SnapStart's restore) of a new sandbox ended.
enum Init {
    Ready,
    Failed {
        error: ErrorReport,
        exit: Option<String>,
        cold: Cold,
    },
    TimedOut(Cold),
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

    /// The report of an invocation whose cold start failed (init or restore), the sandbox
    /// discarded.
    fn init_failed(
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
    fn cold_durations(&self, sandbox: &Sandbox) -> Cold {
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
    fn run_concurrent(
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

    /// Every lifecycle line written so far ([`FunctionConfig::platform_log`]), in order.
    pub fn lifecycle(&self) -> &[Lifecycle] {
        &self.lifecycle
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
            ("AWS_LAMBDA_FUNCTION_VERSION", identity::VERSION.to_owned()),
            (
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{}", c.name),
            ),
            (
                "AWS_LAMBDA_LOG_STREAM_NAME",
                ids::log_stream_name(identity::VERSION),
            ),
            (
                "AWS_LAMBDA_INITIALIZATION_TYPE",
                if c.snap_start {
                    "snap-start"
                } else {
                    "on-demand"
                }
                .to_owned(),
            ),
            ("_HANDLER", identity::HANDLER.to_owned()),
            ("LAMBDA_TASK_ROOT", self.task_root.display().to_string()),
            ("AWS_REGION", c.region.clone()),
            ("AWS_DEFAULT_REGION", c.region.clone()),
            ("TZ", ":UTC".to_owned()),
        ];
        let mut env: Vec<(String, String)> =
            pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        if c.concurrency > 1 {
            env.push((
                "AWS_LAMBDA_MAX_CONCURRENCY".to_owned(),
                c.concurrency.to_string(),
            ));
        }
        env.push((
            "AWS_LAMBDA_LOG_FORMAT".to_owned(),
            c.log_format.as_str().to_owned(),
        ));
        if c.log_format == LogFormat::Json {
            env.push((
                "AWS_LAMBDA_LOG_LEVEL".to_owned(),
                c.effective_log_level().as_str().to_owned(),
            ));
        }
        env
    }

    fn spawn(&mut self) -> Result<Sandbox, FunctionError> {
        self.server.reset_sandbox();
        let mut env = self.lambda_environment();
        env.extend(self.config.env.iter().cloned());
        // Init begins: written before the process starts, so that it precedes all its output.
        self.emit(Lifecycle::InitStart {
            snap_start: self.config.snap_start,
            function_name: self.config.name.clone(),
            region: self.config.region.clone(),
        });
        let sandbox = Sandbox::spawn(
            &self.path,
            &self.task_root,
            &env,
            self.config.clear_env,
            self.config.own_process_group,
            &self.output,
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
        // Dropping it kills the process (if it still runs) and passes on the rest of its output.
        drop(sandbox);
        self.server.reset_sandbox();
    }

    /// Writes a lifecycle line to [`FunctionConfig::platform_log`] and keeps it.
    fn emit(&mut self, event: Lifecycle) {
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
    fn wait_init(&mut self, sandbox: &mut Sandbox, request_id: &str) -> Init {
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

    /// SnapStart's restore: holds `/restore/next` for [`FunctionConfig::restore_pause`] (the
    /// snapshot being taken, and restored later), releases it (`RESTORE_START`), and waits for
    /// the first `/next` or a `/restore/error` (`RESTORE_REPORT`).
    fn restore(&mut self, sandbox: &mut Sandbox, request_id: &str, init: Duration) -> Init {
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

    /// Ends the runtime process as Lambda ends an execution environment. With an extension
    /// registered: the `SHUTDOWN` event (`reason`, deadline [`FunctionConfig::shutdown_budget`]
    /// from now) to those registered for it, `SIGTERM` to the process once they have it (or
    /// the budget is over), and `SIGKILL` if the process has not exited by the deadline. With
    /// none: `SIGKILL` at once. The process is reaped; the sandbox is not reset.
    fn terminate(&mut self, sandbox: &mut Sandbox, reason: ShutdownReason) -> Shutdown {
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
