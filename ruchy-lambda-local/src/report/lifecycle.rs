//! Lambda's lines about the execution environment's lifecycle ([`Lifecycle`]: `INIT_START`,
//! `EXTENSION`, `INIT_REPORT`, `RESTORE_START`, `RESTORE_REPORT`) and their JSON records.

use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::extension_event::ExtensionEvent;
use crate::identity::VERSION;
use crate::logging::LogFormat;

use super::json::{json_ms, system_record};
use super::lines::format_ms;

/// The runtime version this local Lambda names on `INIT_START` and `RESTORE_START`.
pub const RUNTIME_VERSION: &str = "provided:al2023.local";

/// The runtime version ARN named on `INIT_START` and `RESTORE_START`, in `region`.
pub fn runtime_version_arn(region: &str) -> String {
    format!("arn:aws:lambda:{region}::runtime:local")
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
/// [module](crate::report#lifecycle-lines) docs).
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
