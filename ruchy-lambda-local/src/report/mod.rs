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

use std::time::SystemTime;

use crate::logging::LogFormat;

// Layout: `lines` writes the Text format's lines, `json` the JSON format's system records,
// `billing` the billed figures, `lifecycle` the lines about init and restore, and `invocation`
// the report of one invocation from all of these.
mod billing;
mod invocation;
mod json;
mod lifecycle;
mod lines;
#[cfg(test)]
mod tests;

pub use crate::identity::{HANDLER, VERSION};
pub use billing::{billed_duration_ms, billed_restore_duration_ms, kb_to_mb};
pub use invocation::InvocationReport;
pub use json::start_record;
pub use lifecycle::{Lifecycle, PhaseEnd, RUNTIME_VERSION, runtime_version_arn};
pub use lines::{end_line, format_ms, format_seconds, report_line, start_line, timeout_message};

/// What Lambda logs when an invocation begins, in `format`: the `START` line, or the
/// `platform.start` record (see [`start_record`]) stamped now.
pub fn start_log(format: LogFormat, request_id: &str, function_arn: &str) -> String {
    match format {
        LogFormat::Text => start_line(request_id),
        LogFormat::Json => start_record(request_id, function_arn, SystemTime::now()),
    }
}
