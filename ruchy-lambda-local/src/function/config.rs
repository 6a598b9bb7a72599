//! How a [`Function`](super::Function) is run: [`FunctionConfig`] and its defaults.

use std::time::Duration;

use crate::logging::{LogFormat, LogLevel};
use crate::sandbox::Output;
use crate::server::MAX_RESPONSE_BYTES;
use crate::stream::{MAX_STREAMED_BYTES, StreamBandwidth};

// For the links in the docs.
#[cfg(doc)]
use {
    super::Function,
    crate::invocation::Outcome,
    crate::logging,
    crate::report::{InvocationReport, Lifecycle},
    crate::sandbox::Stream,
    crate::server::ServerConfig,
};

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
    /// What the metadata endpoint (`AWS_LAMBDA_METADATA_API`) reports as `AvailabilityZoneID`;
    /// default `None`: the region's first zone, e.g. `use1-az1` (see
    /// [`ServerConfig::availability_zone_id`]).
    pub availability_zone_id: Option<String>,
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
            availability_zone_id: None,
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
