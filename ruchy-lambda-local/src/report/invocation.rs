//! The report of one invocation ([`InvocationReport`]): what the caller receives, the billed
//! figures, and what Lambda logs when it ends, as lines or as the `platform.report` record.

use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::ids;
use crate::invocation::Outcome;
use crate::logging::LogFormat;
use crate::stream::StreamRecord;

use super::billing::{billed_duration_ms, billed_restore_duration_ms, kb_to_mb};
use super::json::{json_ms, system_record};
use super::lines::{end_line, format_ms, report_line, start_line, timeout_message};

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

    /// The `platform.report` record of the JSON log format (see the [module](crate::report) docs),
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
