//! What Lambda prints around each invocation (`START`, `END`, `REPORT`, `Task timed out`) and
//! how it bills, for a [`crate::Function`] invocation.
//!
//! # The JSON log format
//!
//! With [`LogFormat::Json`] Lambda writes its own (system) records as JSON, one object per line,
//! in the shape of the Telemetry API's events (`time`, `type`, `record`); at the default system
//! log level (`INFO`) a function's log has, for each invocation:
//!
//! ```text
//! {"time":"2026-11-27T17:00:00.123Z","type":"platform.start","record":{"requestId":"…","functionArn":"arn:aws:lambda:us-east-1:012345678912:function:orders","version":"$LATEST"}}
//! {"time":"2026-11-27T17:00:00.126Z","type":"platform.report","record":{"requestId":"…","metrics":{"durationMs":2.584,"billedDurationMs":12,"memorySizeMB":128,"maxMemoryUsedMB":14,"initDurationMs":8.45},"status":"success"}}
//! ```
//!
//! in place of `START`, and of `END` and `REPORT`. `initDurationMs` is there on a cold start
//! only; `status` is `success`, `error` (the function reported an error), `timeout` or `failure`
//! (the runtime crashed, exited or failed to initialize), with `errorType` after it for `error`
//! and `failure`. Durations have three decimals, as CloudWatch shows them. There is no record for
//! `END` (Lambda has none in this format), nor for the `Task timed out` and `Runtime exited`
//! lines: the report's `status` and `errorType` say it.
//!
//! # Lifecycle lines
//!
//! Around init and SnapStart's restore Lambda writes further lines ([`Lifecycle`]), before the
//! first `START` of an execution environment:
//!
//! ```text
//! INIT_START Runtime Version: provided:al2023.local→Runtime Version ARN: arn:aws:lambda:us-east-1::runtime:local
//! EXTENSION→Name: my-extension→State: Ready→Events: [INVOKE, SHUTDOWN]
//! INIT_REPORT Init Duration: 123.45 ms
//! RESTORE_START Runtime Version: provided:al2023.local→Runtime Version ARN: arn:aws:lambda:us-east-1::runtime:local
//! RESTORE_REPORT Restore Duration: 51.25 ms
//! ```
//!
//! (→ stands for a TAB.)
//!
//! `INIT_START` when init begins, as the runtime process is started: on every cold start, on
//! demand and under SnapStart alike (the runtime version is this local Lambda's, where Lambda
//! names a release such as `provided:al2023.v109` and its ARN). One `EXTENSION` line per
//! registered extension, in registration order, when init ends;
//! `INIT_REPORT` (SnapStart only: on-demand init is reported on the first `REPORT`) when init
//! ends at `/runtime/restore/next`, with `Phase: init`, `Status: error` and `Error Type: …` when it
//! fails; `RESTORE_START` when the snapshot is restored and `RESTORE_REPORT` at the runtime's
//! first `/invocation/next` (or with `Status: error` and `Error Type: …` at
//! `/runtime/restore/error`). The first `REPORT` after a restore has no `Init Duration` but ends
//! with `Restore Duration: … ms` and `Billed Restore Duration: … ms`. In the JSON log format they
//! are the records `platform.initStart`, `platform.extension`, `platform.initReport`,
//! `platform.restoreStart` and `platform.restoreReport`, and `platform.report` carries
//! `restoreDurationMs` and `billedRestoreDurationMs`:
//!
//! ```text
//! {"time":"2026-11-27T17:00:00.100Z","type":"platform.initStart","record":{"initializationType":"on-demand","phase":"init","runtimeVersion":"provided:al2023.local","runtimeVersionArn":"arn:aws:lambda:us-east-1::runtime:local","functionName":"orders","functionVersion":"$LATEST"}}
//! ```

use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::extension_event::ExtensionEvent;
use crate::ids;
use crate::invocation::Outcome;
use crate::logging::LogFormat;
use crate::stream::StreamRecord;

pub use crate::identity::{HANDLER, VERSION};

/// The billed duration in whole milliseconds: the duration rounded up to the next millisecond,
/// with the init duration added first on a cold start (`provided.*` runtimes bill init), and at
/// least 1 ms.
pub fn billed_duration_ms(duration: Duration, init_duration: Option<Duration>) -> u64 {
    let total = duration + init_duration.unwrap_or_default();
    let nanos = total.as_nanos();
    let ms = nanos.div_ceil(1_000_000);
    u64::try_from(ms).unwrap_or(u64::MAX).max(1)
}

/// A duration in milliseconds with two decimals, as on the `REPORT` line: `2.58`.
pub fn format_ms(d: Duration) -> String {
    // Hundredths of a millisecond, rounded to nearest.
    let hundredths = (d.as_nanos() + 5_000) / 10_000;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// A duration in seconds with two decimals, as in `Task timed out after 3.00 seconds`.
pub fn format_seconds(d: Duration) -> String {
    let hundredths = (d.as_nanos() + 5_000_000) / 10_000_000;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// Memory in whole MB (MiB), rounded up, from kilobytes (kiB) as `/proc` reports them.
pub fn kb_to_mb(kb: u64) -> u64 {
    kb.div_ceil(1024)
}

/// `START RequestId: <id> Version: $LATEST`
pub fn start_line(request_id: &str) -> String {
    format!("START RequestId: {request_id} Version: {VERSION}")
}

/// `END RequestId: <id>`
pub fn end_line(request_id: &str) -> String {
    format!("END RequestId: {request_id}")
}

/// `<id> Task timed out after 3.00 seconds`
pub fn timeout_message(request_id: &str, timeout: Duration) -> String {
    format!(
        "{request_id} Task timed out after {} seconds",
        format_seconds(timeout)
    )
}

/// The `REPORT` line: fields after `RequestId:` separated by TABs, with a trailing TAB;
/// `Init Duration` only on a cold start.
pub fn report_line(
    request_id: &str,
    duration: Duration,
    memory_size_mb: u32,
    max_memory_used_mb: u64,
    init_duration: Option<Duration>,
) -> String {
    let mut line = format!(
        "REPORT RequestId: {request_id}\tDuration: {} ms\tBilled Duration: {} ms\tMemory Size: {memory_size_mb} MB\tMax Memory Used: {max_memory_used_mb} MB\t",
        format_ms(duration),
        billed_duration_ms(duration, init_duration),
    );
    if let Some(init) = init_duration {
        line.push_str(&format!("Init Duration: {} ms\t", format_ms(init)));
    }
    line
}

/// The runtime version this local Lambda names on `INIT_START` and `RESTORE_START`.
pub const RUNTIME_VERSION: &str = "provided:al2023.local";

/// The runtime version ARN named on `INIT_START` and `RESTORE_START`, in `region`.
pub fn runtime_version_arn(region: &str) -> String {
    format!("arn:aws:lambda:{region}::runtime:local")
}

/// The billed restore duration in whole milliseconds: the restore duration rounded up (on
/// Lambda it is the runtime's part of the restore, its after-restore hooks; in this local
/// Lambda the two are the same span, `/restore/next` released → first `/invocation/next`).
pub fn billed_restore_duration_ms(restore: Duration) -> u64 {
    u64::try_from(restore.as_nanos().div_ceil(1_000_000)).unwrap_or(u64::MAX)
}

/// How a phase of the lifecycle (init, restore) ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhaseEnd {
    /// It ended well.
    Success,
    /// It failed with this error type (`Runtime.ExitError`, or what the runtime posted).
    Error(String),
    /// It ran past its time limit.
    Timeout,
}

impl PhaseEnd {
    /// `success`, `error` or `timeout`, as the JSON records say it.
    pub fn status(&self) -> &'static str {
        match self {
            PhaseEnd::Success => "success",
            PhaseEnd::Error(_) => "error",
            PhaseEnd::Timeout => "timeout",
        }
    }

    fn error_type(&self) -> Option<&str> {
        match self {
            PhaseEnd::Error(t) => Some(t),
            _ => None,
        }
    }

    /// `\tStatus: error\tError Type: T`, `\tStatus: timeout`, or nothing.
    fn fields(&self) -> String {
        match self {
            PhaseEnd::Success => String::new(),
            PhaseEnd::Error(t) => format!("\tStatus: error\tError Type: {t}"),
            PhaseEnd::Timeout => "\tStatus: timeout".to_owned(),
        }
    }
}

/// A line Lambda writes about the execution environment's lifecycle (see the
/// [module](self#lifecycle-lines) docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lifecycle {
    /// `INIT_START Runtime Version: …\tRuntime Version ARN: …`: init begins, as the runtime
    /// process is started (every cold start).
    InitStart {
        /// SnapStart's init (`snap-start`), rather than an on-demand one (`on-demand`).
        snap_start: bool,
        /// The function's name, in the JSON record.
        function_name: String,
        /// The region in the runtime version ARN.
        region: String,
    },
    /// `EXTENSION\tName: …\tState: Ready\tEvents: [INVOKE, SHUTDOWN]`: a registered extension,
    /// when init ends.
    Extension {
        /// Its name.
        name: String,
        /// Whether it had asked for an event (`Ready`), or only registered (`Registered`).
        ready: bool,
        /// The events it registered for, in its order.
        events: Vec<ExtensionEvent>,
    },
    /// `INIT_REPORT Init Duration: … ms`: the end of init (SnapStart).
    InitReport {
        /// Spawn → `/runtime/restore/next` (or the failure).
        duration: Duration,
        /// How it ended.
        end: PhaseEnd,
    },
    /// `RESTORE_START Runtime Version: …\tRuntime Version ARN: …`: the snapshot is restored.
    RestoreStart {
        /// The region in the runtime version ARN.
        region: String,
    },
    /// `RESTORE_REPORT Restore Duration: … ms`: the end of the restore phase.
    RestoreReport {
        /// `/runtime/restore/next` released → the first `/invocation/next` (or the failure).
        duration: Duration,
        /// How it ended.
        end: PhaseEnd,
    },
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlatformInitStart<'a> {
    initialization_type: &'a str,
    phase: &'a str,
    runtime_version: &'a str,
    runtime_version_arn: &'a str,
    function_name: &'a str,
    function_version: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlatformInitReport<'a> {
    initialization_type: &'a str,
    phase: &'a str,
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_type: Option<&'a str>,
    metrics: PhaseMetrics,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlatformRestoreReport<'a> {
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_type: Option<&'a str>,
    metrics: PhaseMetrics,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhaseMetrics {
    duration_ms: f64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlatformRestoreStart<'a> {
    runtime_version: &'a str,
    runtime_version_arn: &'a str,
}

#[derive(Serialize)]
struct PlatformExtension<'a> {
    name: &'a str,
    state: &'a str,
    events: Vec<&'a str>,
}

impl Lifecycle {
    /// The line, as in the Text log format.
    pub fn line(&self) -> String {
        match self {
            Lifecycle::InitStart { region, .. } => format!(
                "INIT_START Runtime Version: {RUNTIME_VERSION}\tRuntime Version ARN: {}",
                runtime_version_arn(region)
            ),
            Lifecycle::Extension {
                name,
                ready,
                events,
            } => {
                let events: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
                format!(
                    "EXTENSION\tName: {name}\tState: {}\tEvents: [{}]",
                    extension_state(*ready),
                    events.join(", ")
                )
            }
            Lifecycle::InitReport { duration, end } => {
                let phase = if *end == PhaseEnd::Success {
                    ""
                } else {
                    "\tPhase: init"
                };
                format!(
                    "INIT_REPORT Init Duration: {} ms{phase}{}",
                    format_ms(*duration),
                    end.fields()
                )
            }
            Lifecycle::RestoreStart { region } => format!(
                "RESTORE_START Runtime Version: {RUNTIME_VERSION}\tRuntime Version ARN: {}",
                runtime_version_arn(region)
            ),
            Lifecycle::RestoreReport { duration, end } => format!(
                "RESTORE_REPORT Restore Duration: {} ms{}",
                format_ms(*duration),
                end.fields()
            ),
        }
    }

    /// The record of the JSON log format, stamped `at`: `platform.initStart`,
    /// `platform.extension`, `platform.initReport`, `platform.restoreStart` or
    /// `platform.restoreReport`.
    pub fn record(&self, at: SystemTime) -> String {
        match self {
            Lifecycle::InitStart {
                snap_start,
                function_name,
                region,
            } => system_record(
                at,
                "platform.initStart",
                PlatformInitStart {
                    initialization_type: initialization_type(*snap_start),
                    phase: "init",
                    runtime_version: RUNTIME_VERSION,
                    runtime_version_arn: &runtime_version_arn(region),
                    function_name,
                    function_version: VERSION,
                },
            ),
            Lifecycle::Extension {
                name,
                ready,
                events,
            } => system_record(
                at,
                "platform.extension",
                PlatformExtension {
                    name,
                    state: extension_state(*ready),
                    events: events.iter().map(|e| e.as_str()).collect(),
                },
            ),
            Lifecycle::InitReport { duration, end } => system_record(
                at,
                "platform.initReport",
                PlatformInitReport {
                    initialization_type: initialization_type(true),
                    phase: "init",
                    status: end.status(),
                    error_type: end.error_type(),
                    metrics: PhaseMetrics {
                        duration_ms: json_ms(*duration),
                    },
                },
            ),
            Lifecycle::RestoreStart { region } => system_record(
                at,
                "platform.restoreStart",
                PlatformRestoreStart {
                    runtime_version: RUNTIME_VERSION,
                    runtime_version_arn: &runtime_version_arn(region),
                },
            ),
            Lifecycle::RestoreReport { duration, end } => system_record(
                at,
                "platform.restoreReport",
                PlatformRestoreReport {
                    status: end.status(),
                    error_type: end.error_type(),
                    metrics: PhaseMetrics {
                        duration_ms: json_ms(*duration),
                    },
                },
            ),
        }
    }

    /// The line or the record (stamped now), in `format`.
    pub fn log(&self, format: LogFormat) -> String {
        match format {
            LogFormat::Text => self.line(),
            LogFormat::Json => self.record(SystemTime::now()),
        }
    }
}

fn extension_state(ready: bool) -> &'static str {
    if ready { "Ready" } else { "Registered" }
}

/// `initializationType` of the init records: `snap-start` or `on-demand`, as in the runtime's
/// `AWS_LAMBDA_INITIALIZATION_TYPE`.
fn initialization_type(snap_start: bool) -> &'static str {
    if snap_start {
        "snap-start"
    } else {
        "on-demand"
    }
}

/// A duration in milliseconds with three decimals, as in the JSON records: `2.584`.
fn json_ms(d: Duration) -> f64 {
    let micros = (d.as_nanos() + 500) / 1_000;
    micros as f64 / 1_000.0
}

/// A system record of the JSON log format: `{"time":…,"type":…,"record":…}`.
#[derive(Serialize)]
struct SystemRecord<'a, R> {
    time: String,
    #[serde(rename = "type")]
    kind: &'a str,
    record: R,
}

fn system_record(at: SystemTime, kind: &str, record: impl Serialize) -> String {
    let record = SystemRecord {
        time: ids::utc_timestamp(at),
        kind,
        record,
    };
    serde_json::to_string(&record).unwrap_or_default()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlatformStart<'a> {
    request_id: &'a str,
    function_arn: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlatformReport<'a> {
    request_id: &'a str,
    metrics: ReportMetrics,
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_type: Option<&'a str>,
}

#[derive(Serialize)]
struct ReportMetrics {
    #[serde(rename = "durationMs")]
    duration_ms: f64,
    #[serde(rename = "billedDurationMs")]
    billed_duration_ms: u64,
    #[serde(rename = "memorySizeMB")]
    memory_size_mb: u32,
    #[serde(rename = "maxMemoryUsedMB")]
    max_memory_used_mb: u64,
    #[serde(rename = "initDurationMs", skip_serializing_if = "Option::is_none")]
    init_duration_ms: Option<f64>,
    #[serde(rename = "restoreDurationMs", skip_serializing_if = "Option::is_none")]
    restore_duration_ms: Option<f64>,
    #[serde(
        rename = "billedRestoreDurationMs",
        skip_serializing_if = "Option::is_none"
    )]
    billed_restore_duration_ms: Option<u64>,
}

/// The `platform.start` record of the JSON log format, at `at`:
/// `{"time":…,"type":"platform.start","record":{"requestId":…,"functionArn":…,"version":"$LATEST"}}`.
pub fn start_record(request_id: &str, function_arn: &str, at: SystemTime) -> String {
    let record = PlatformStart {
        request_id,
        function_arn,
        version: VERSION,
    };
    system_record(at, "platform.start", record)
}

/// What Lambda logs when an invocation begins, in `format`: the `START` line, or the
/// `platform.start` record (see [`start_record`]) stamped now.
pub fn start_log(format: LogFormat, request_id: &str, function_arn: &str) -> String {
    match format {
        LogFormat::Text => start_line(request_id),
        LogFormat::Json => start_record(request_id, function_arn, SystemTime::now()),
    }
}

/// One invocation of a [`crate::Function`], as Lambda would report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvocationReport {
    /// The request id.
    pub request_id: String,
    /// What became of the invocation.
    pub outcome: Outcome,
    /// Event handed out to the runtime → its answer received; the timeout when it timed out.
    pub duration: Duration,
    /// Spawn → first `/next`, on the first invocation of a new sandbox (a cold start) only;
    /// never under SnapStart (init happened before, when the snapshot was taken).
    pub init_duration: Option<Duration>,
    /// SnapStart: `/runtime/restore/next` released → the runtime's first `/invocation/next`, on
    /// the first invocation of a restored sandbox only.
    pub restore_duration: Option<Duration>,
    /// The configured memory size, in MB.
    pub memory_size_mb: u32,
    /// The runtime's peak resident set size (`VmHWM`) so far, in kB, if it could be read.
    pub max_memory_used_kb: Option<u64>,
    /// The timeout that applied.
    pub timeout: Duration,
    /// How the runtime exited, when it did during this invocation: `exit status 1`,
    /// `signal: killed`.
    pub exit: Option<String>,
    /// Wall-clock time the outcome was settled.
    pub finished_at: SystemTime,
    /// What the server saw of a streamed reply (`None` for a buffered one). The `REPORT` line is
    /// the same for both; `duration` ends at the last chunk.
    pub stream: Option<StreamRecord>,
}

impl InvocationReport {
    /// The bytes of a streamed reply (all of them, or those before it failed); `None` when the
    /// reply was not streamed.
    pub fn streamed_body(&self) -> Option<&[u8]> {
        let stream = self.stream.as_ref()?;
        Some(match &self.outcome {
            Outcome::Response(body) => body,
            _ => &stream.body,
        })
    }

    /// Whether the function answered with a response.
    pub fn is_success(&self) -> bool {
        matches!(self.outcome, Outcome::Response(_))
    }

    /// `Unhandled` when the invocation failed, as `aws lambda invoke` shows in `FunctionError`.
    pub fn function_error(&self) -> Option<&'static str> {
        (!self.is_success()).then_some("Unhandled")
    }

    /// What the caller receives: the response, or the error JSON.
    pub fn payload(&self) -> Vec<u8> {
        match &self.outcome {
            Outcome::Response(body) => body.clone(),
            Outcome::Error(error) | Outcome::Failed(error) => error.body.clone(),
            Outcome::TimedOut => {
                let message = format!(
                    "{} {}",
                    ids::utc_timestamp(self.finished_at),
                    timeout_message(&self.request_id, self.timeout)
                );
                crate::ErrorReport::lambda(None, &message).body
            }
            Outcome::Abandoned => {
                let message = format!(
                    "RequestId: {} Error: Runtime asked for the next invocation without answering this one",
                    self.request_id
                );
                crate::ErrorReport::lambda(Some("Runtime.InvalidStateTransition"), &message).body
            }
            Outcome::Queued | Outcome::Pending => Vec::new(),
        }
    }

    /// Billed duration in ms (see [`billed_duration_ms`]); after a restore, the duration plus
    /// the billed restore duration, rounded up (as Lambda bills SnapStart).
    pub fn billed_duration_ms(&self) -> u64 {
        let restore = self
            .billed_restore_duration_ms()
            .map_or(Duration::ZERO, Duration::from_millis);
        billed_duration_ms(self.duration + restore, self.init_duration)
    }

    /// `Billed Restore Duration` in ms, after a restore (see [`billed_restore_duration_ms`]).
    pub fn billed_restore_duration_ms(&self) -> Option<u64> {
        self.restore_duration.map(billed_restore_duration_ms)
    }

    /// `Max Memory Used` in MB, rounded up from `VmHWM`; 0 when it could not be read.
    pub fn max_memory_used_mb(&self) -> u64 {
        self.max_memory_used_kb.map_or(0, kb_to_mb)
    }

    /// `START RequestId: <id> Version: $LATEST`
    pub fn start_line(&self) -> String {
        start_line(&self.request_id)
    }

    /// `END RequestId: <id>`
    pub fn end_line(&self) -> String {
        end_line(&self.request_id)
    }

    /// The `REPORT` line; after a restore it ends with `Restore Duration: … ms` and
    /// `Billed Restore Duration: … ms`.
    pub fn report_line(&self) -> String {
        let Some(restore) = self.restore_duration else {
            return report_line(
                &self.request_id,
                self.duration,
                self.memory_size_mb,
                self.max_memory_used_mb(),
                self.init_duration,
            );
        };
        format!(
            "REPORT RequestId: {}\tDuration: {} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB\tRestore Duration: {} ms\tBilled Restore Duration: {} ms\t",
            self.request_id,
            format_ms(self.duration),
            self.billed_duration_ms(),
            self.memory_size_mb,
            self.max_memory_used_mb(),
            format_ms(restore),
            billed_restore_duration_ms(restore),
        )
    }

    /// How the invocation ended, as Lambda's `platform.report` record says it: `success`,
    /// `error` (the function reported an error), `timeout`, or `failure` (the runtime crashed,
    /// exited, failed to initialize, or broke the protocol).
    pub fn status(&self) -> &'static str {
        match self.outcome {
            Outcome::Response(_) => "success",
            Outcome::Error(_) => "error",
            Outcome::TimedOut => "timeout",
            Outcome::Failed(_) | Outcome::Abandoned | Outcome::Queued | Outcome::Pending => {
                "failure"
            }
        }
    }

    /// The error type of an `error` or `failure` [`status`](InvocationReport::status):
    /// the function's (`MyError`), or Lambda's (`Runtime.ExitError`,
    /// `Runtime.InvalidStateTransition`).
    pub fn error_type(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Response(_) | Outcome::TimedOut => None,
            Outcome::Error(e) | Outcome::Failed(e) => Some(e.kind()),
            Outcome::Abandoned => Some("Runtime.InvalidStateTransition"),
            Outcome::Queued | Outcome::Pending => Some("Runtime.Unknown"),
        }
    }

    /// The `platform.report` record of the JSON log format (see the [module](self) docs),
    /// stamped with [`InvocationReport::finished_at`].
    pub fn report_record(&self) -> String {
        let record = PlatformReport {
            request_id: &self.request_id,
            metrics: ReportMetrics {
                duration_ms: json_ms(self.duration),
                billed_duration_ms: self.billed_duration_ms(),
                memory_size_mb: self.memory_size_mb,
                max_memory_used_mb: self.max_memory_used_mb(),
                init_duration_ms: self.init_duration.map(json_ms),
                restore_duration_ms: self.restore_duration.map(json_ms),
                billed_restore_duration_ms: self.billed_restore_duration_ms(),
            },
            status: self.status(),
            error_type: self.error_type(),
        };
        system_record(self.finished_at, "platform.report", record)
    }

    /// The records Lambda writes in the JSON log format when the invocation ends, after the
    /// function's output: the `platform.report` record.
    pub fn platform_records(&self) -> Vec<String> {
        vec![self.report_record()]
    }

    /// What Lambda logs when the invocation ends, after the function's output, in `format`:
    /// [`InvocationReport::platform_lines`], `END` and `REPORT` in the Text format;
    /// [`InvocationReport::platform_records`] in the JSON format.
    pub fn finish_log(&self, format: LogFormat) -> Vec<String> {
        match format {
            LogFormat::Text => {
                let mut lines = self.platform_lines();
                lines.push(self.end_line());
                lines.push(self.report_line());
                lines
            }
            LogFormat::Json => self.platform_records(),
        }
    }

    /// The lines Lambda logs between `START` and `END` about a failure it saw itself:
    /// `<timestamp> <id> Task timed out after 3.00 seconds`, or
    /// `RequestId: <id> Error: Runtime exited with error: exit status 1` then
    /// `Runtime.ExitError`.
    pub fn platform_lines(&self) -> Vec<String> {
        match &self.outcome {
            Outcome::TimedOut => vec![format!(
                "{} {}",
                ids::utc_timestamp(self.finished_at),
                timeout_message(&self.request_id, self.timeout)
            )],
            Outcome::Failed(error) => {
                let mut lines = Vec::new();
                if let Some(message) = &error.error_message {
                    lines.push(message.clone());
                }
                lines.push(error.kind().to_owned());
                lines
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(hundredths: u64) -> Duration {
        Duration::from_micros(hundredths * 10)
    }

    #[test]
    fn report_line_matches_lambda() {
        let line = report_line(
            "fe5a4a4a-d4a4-4d89-996b-64a9c91d6718",
            ms(258),
            128,
            14,
            Some(ms(845)),
        );
        assert_eq!(
            line,
            "REPORT RequestId: fe5a4a4a-d4a4-4d89-996b-64a9c91d6718\tDuration: 2.58 ms\tBilled Duration: 12 ms\tMemory Size: 128 MB\tMax Memory Used: 14 MB\tInit Duration: 8.45 ms\t"
        );
        let warm = report_line("r", ms(258), 256, 20, None);
        assert_eq!(
            warm,
            "REPORT RequestId: r\tDuration: 2.58 ms\tBilled Duration: 3 ms\tMemory Size: 256 MB\tMax Memory Used: 20 MB\t"
        );
    }

    #[test]
    fn billing_rounds_up() {
        let cases = [
            (Duration::ZERO, None, 1),
            (Duration::from_nanos(1), None, 1),
            (Duration::from_millis(1), None, 1),
            (Duration::from_nanos(1_000_001), None, 2),
            (ms(258), None, 3),
            (ms(258), Some(ms(845)), 12),
            (ms(100), Some(ms(200)), 3),
            (Duration::from_secs(3), None, 3000),
            (Duration::from_secs(3), Some(ms(1)), 3001),
        ];
        for (d, init, billed) in cases {
            assert_eq!(billed_duration_ms(d, init), billed, "{d:?} {init:?}");
        }
    }

    #[test]
    fn formats() {
        assert_eq!(format_ms(Duration::ZERO), "0.00");
        assert_eq!(format_ms(Duration::from_nanos(4_999)), "0.00");
        assert_eq!(format_ms(Duration::from_nanos(5_000)), "0.01");
        assert_eq!(format_ms(Duration::from_micros(1_234_567)), "1234.57");
        assert_eq!(format_seconds(Duration::from_secs(3)), "3.00");
        assert_eq!(format_seconds(Duration::from_millis(1500)), "1.50");
        assert_eq!(
            timeout_message("abc", Duration::from_secs(3)),
            "abc Task timed out after 3.00 seconds"
        );
        assert_eq!(start_line("abc"), "START RequestId: abc Version: $LATEST");
        assert_eq!(end_line("abc"), "END RequestId: abc");
        assert_eq!(
            (kb_to_mb(0), kb_to_mb(1), kb_to_mb(1024), kb_to_mb(1025)),
            (0, 1, 1, 2)
        );
    }

    fn report(outcome: Outcome, init: Option<Duration>) -> InvocationReport {
        InvocationReport {
            request_id: "fe5a4a4a-d4a4-4d89-996b-64a9c91d6718".into(),
            outcome,
            duration: Duration::from_micros(2_584),
            init_duration: init,
            restore_duration: None,
            memory_size_mb: 128,
            max_memory_used_kb: Some(14 * 1024),
            timeout: Duration::from_secs(3),
            exit: None,
            // 2026-11-27T17:00:00.123Z
            finished_at: SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_798_800_123),
            stream: None,
        }
    }

    #[test]
    fn json_records_match_lambda() {
        let cold = report(Outcome::Response(b"{}".to_vec()), Some(ms(845)));
        assert_eq!(
            cold.report_record(),
            r#"{"time":"2026-11-27T17:00:00.123Z","type":"platform.report","record":{"requestId":"fe5a4a4a-d4a4-4d89-996b-64a9c91d6718","metrics":{"durationMs":2.584,"billedDurationMs":12,"memorySizeMB":128,"maxMemoryUsedMB":14,"initDurationMs":8.45},"status":"success"}}"#
        );
        assert_eq!(cold.platform_records(), [cold.report_record()]);
        assert_eq!(cold.finish_log(LogFormat::Json), [cold.report_record()]);
        assert_eq!(
            cold.finish_log(LogFormat::Text),
            [cold.end_line(), cold.report_line()]
        );
        let warm = report(Outcome::Response(Vec::new()), None);
        assert!(
            warm.report_record()
                .contains(r#""maxMemoryUsedMB":14},"status":"success"}}"#),
            "{}",
            warm.report_record()
        );
        assert_eq!(
            start_record(
                "abc",
                "arn:aws:lambda:us-east-1:012345678912:function:f",
                cold.finished_at
            ),
            r#"{"time":"2026-11-27T17:00:00.123Z","type":"platform.start","record":{"requestId":"abc","functionArn":"arn:aws:lambda:us-east-1:012345678912:function:f","version":"$LATEST"}}"#
        );
        assert_eq!(start_log(LogFormat::Text, "abc", "arn"), start_line("abc"));
        let json: serde_json::Value =
            serde_json::from_str(&start_log(LogFormat::Json, "abc", "arn")).unwrap();
        assert_eq!(json["record"]["requestId"], "abc");
    }

    #[test]
    fn restored_reports_carry_the_restore_duration() {
        let mut r = report(Outcome::Response(Vec::new()), None);
        r.duration = Duration::from_micros(2_338_660);
        r.restore_duration = Some(Duration::from_micros(181_200));
        // As on Lambda: Billed Duration = Duration + Billed Restore Duration, rounded up.
        assert_eq!(
            r.report_line(),
            "REPORT RequestId: fe5a4a4a-d4a4-4d89-996b-64a9c91d6718\tDuration: 2338.66 ms\tBilled Duration: 2521 ms\tMemory Size: 128 MB\tMax Memory Used: 14 MB\tRestore Duration: 181.20 ms\tBilled Restore Duration: 182 ms\t"
        );
        let record: serde_json::Value = serde_json::from_str(&r.report_record()).unwrap();
        let metrics = &record["record"]["metrics"];
        assert_eq!(metrics["restoreDurationMs"], 181.2);
        assert_eq!(metrics["billedRestoreDurationMs"], 182);
        assert_eq!(metrics["billedDurationMs"], 2521);
        assert!(metrics.get("initDurationMs").is_none());
    }

    #[test]
    fn lifecycle_lines_match_lambda() {
        let ms = |hundredths: u64| Duration::from_micros(hundredths * 10);
        let cases = [
            (
                Lifecycle::InitStart {
                    snap_start: false,
                    function_name: "orders".into(),
                    region: "eu-west-1".into(),
                },
                "INIT_START Runtime Version: provided:al2023.local\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:local",
            ),
            (
                Lifecycle::InitReport {
                    duration: ms(12_345),
                    end: PhaseEnd::Success,
                },
                "INIT_REPORT Init Duration: 123.45 ms",
            ),
            (
                Lifecycle::InitReport {
                    duration: ms(188_255),
                    end: PhaseEnd::Error("Runtime.BeforeSnapshotError".into()),
                },
                "INIT_REPORT Init Duration: 1882.55 ms\tPhase: init\tStatus: error\tError Type: Runtime.BeforeSnapshotError",
            ),
            (
                Lifecycle::RestoreStart {
                    region: "eu-west-1".into(),
                },
                "RESTORE_START Runtime Version: provided:al2023.local\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:local",
            ),
            (
                Lifecycle::RestoreReport {
                    duration: ms(51_125),
                    end: PhaseEnd::Success,
                },
                "RESTORE_REPORT Restore Duration: 511.25 ms",
            ),
            (
                Lifecycle::RestoreReport {
                    duration: ms(123_604),
                    end: PhaseEnd::Error("Runtime.AfterRestoreError".into()),
                },
                "RESTORE_REPORT Restore Duration: 1236.04 ms\tStatus: error\tError Type: Runtime.AfterRestoreError",
            ),
            (
                Lifecycle::Extension {
                    name: "shutdown".into(),
                    ready: true,
                    events: vec![ExtensionEvent::Invoke, ExtensionEvent::Shutdown],
                },
                "EXTENSION\tName: shutdown\tState: Ready\tEvents: [INVOKE, SHUTDOWN]",
            ),
            (
                Lifecycle::Extension {
                    name: "quiet".into(),
                    ready: false,
                    events: Vec::new(),
                },
                "EXTENSION\tName: quiet\tState: Registered\tEvents: []",
            ),
        ];
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_798_800_123);
        for (event, line) in cases {
            assert_eq!(event.line(), line);
            assert_eq!(event.log(LogFormat::Text), line);
            let record: serde_json::Value = serde_json::from_str(&event.record(at)).unwrap();
            assert_eq!(record["time"], "2026-11-27T17:00:00.123Z");
            assert!(record["type"].as_str().unwrap().starts_with("platform."));
        }
        let failed = Lifecycle::RestoreReport {
            duration: ms(100),
            end: PhaseEnd::Error("Runtime.AfterRestoreError".into()),
        };
        assert_eq!(
            failed.record(at),
            r#"{"time":"2026-11-27T17:00:00.123Z","type":"platform.restoreReport","record":{"status":"error","errorType":"Runtime.AfterRestoreError","metrics":{"durationMs":1.0}}}"#
        );
        let init = Lifecycle::InitReport {
            duration: ms(12_345),
            end: PhaseEnd::Success,
        };
        assert_eq!(
            init.record(at),
            r#"{"time":"2026-11-27T17:00:00.123Z","type":"platform.initReport","record":{"initializationType":"snap-start","phase":"init","status":"success","metrics":{"durationMs":123.45}}}"#
        );
        // As CloudWatch shows it, and as the Telemetry API names the fields.
        let start = |snap_start| Lifecycle::InitStart {
            snap_start,
            function_name: "orders".into(),
            region: "us-east-1".into(),
        };
        assert_eq!(
            start(false).record(at),
            r#"{"time":"2026-11-27T17:00:00.123Z","type":"platform.initStart","record":{"initializationType":"on-demand","phase":"init","runtimeVersion":"provided:al2023.local","runtimeVersionArn":"arn:aws:lambda:us-east-1::runtime:local","functionName":"orders","functionVersion":"$LATEST"}}"#
        );
        let snap: serde_json::Value = serde_json::from_str(&start(true).record(at)).unwrap();
        assert_eq!(snap["record"]["initializationType"], "snap-start");
        assert_eq!(start(true).line(), start(false).line());
    }

    #[test]
    fn json_records_carry_the_status_and_error_type() {
        let error = crate::ErrorReport::lambda(Some("MyError"), "order 7 is empty");
        let exit = crate::ErrorReport::lambda(Some("Runtime.ExitError"), "exited");
        let cases = [
            (Outcome::Response(Vec::new()), "success", None),
            (Outcome::Error(error), "error", Some("MyError")),
            (Outcome::TimedOut, "timeout", None),
            (Outcome::Failed(exit), "failure", Some("Runtime.ExitError")),
            (
                Outcome::Abandoned,
                "failure",
                Some("Runtime.InvalidStateTransition"),
            ),
        ];
        for (outcome, status, error_type) in cases {
            let r = report(outcome, None);
            assert_eq!((r.status(), r.error_type()), (status, error_type));
            let record: serde_json::Value = serde_json::from_str(&r.report_record()).unwrap();
            assert_eq!(record["record"]["status"], status);
            assert_eq!(record["record"]["errorType"].as_str(), error_type);
            // Text: Lambda's own lines about the failure come before END.
            let text = r.finish_log(LogFormat::Text);
            assert_eq!(text[..text.len() - 2], r.platform_lines()[..]);
        }
    }
}
