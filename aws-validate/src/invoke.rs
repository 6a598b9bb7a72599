//! The output of `aws lambda invoke --log-type Tail`.
//!
//! ```json
//! {"StatusCode": 200, "FunctionError": "Unhandled", "ExecutedVersion": "$LATEST", "LogResult": "U1RBUlQg..."}
//! ```
//!
//! `LogResult` is the base64 of the last 4 KB of the invocation's log, which ends with the
//! `REPORT` line ([`Report`]). The function's reply itself goes to the outfile named on the
//! command line, not into this JSON.

use std::fmt;

use base64::Engine as _;
use serde::Deserialize;

use crate::report::{Report, ReportError};

/// What `aws lambda invoke` prints on standard output.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InvokeOutput {
    /// The HTTP status of the Invoke call: 200 for a synchronous invocation that ran.
    pub status_code: u16,
    /// `Unhandled` when the function reported an error, crashed or timed out.
    #[serde(default)]
    pub function_error: Option<String>,
    /// The version that ran, e.g. `$LATEST`.
    #[serde(default)]
    pub executed_version: Option<String>,
    /// Base64 of the last 4 KB of the log; present with `--log-type Tail`.
    #[serde(default)]
    pub log_result: Option<String>,
}

/// What the tail of an invocation's log says.
#[derive(Debug, Clone, PartialEq)]
pub struct LogTail {
    /// The invocation's `REPORT` line, parsed.
    pub report: Report,
    /// `Some(seconds)` when the log has `Task timed out after <seconds> seconds`.
    pub timed_out_after_s: Option<f64>,
}

/// Why an invoke output or its log could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum InvokeError {
    /// The output is not the JSON `aws lambda invoke` prints.
    Json(serde_json::Error),
    /// The output has no `LogResult` (was `--log-type Tail` passed?).
    NoLogResult,
    /// `LogResult` is not valid base64.
    Base64(base64::DecodeError),
    /// The decoded log has no line starting with `REPORT RequestId: `.
    NoReport,
    /// The `REPORT` line is malformed.
    Report(ReportError),
}

impl fmt::Display for InvokeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvokeError::Json(e) => write!(f, "invoke output is not the expected JSON: {e}"),
            InvokeError::NoLogResult => {
                f.write_str("invoke output has no `LogResult`: pass `--log-type Tail`")
            }
            InvokeError::Base64(e) => write!(f, "`LogResult` is not valid base64: {e}"),
            InvokeError::NoReport => f.write_str("the log tail has no `REPORT RequestId:` line"),
            InvokeError::Report(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for InvokeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            InvokeError::Json(e) => Some(e),
            InvokeError::Base64(e) => Some(e),
            InvokeError::Report(e) => Some(e),
            InvokeError::NoLogResult | InvokeError::NoReport => None,
        }
    }
}

impl From<ReportError> for InvokeError {
    fn from(e: ReportError) -> InvokeError {
        InvokeError::Report(e)
    }
}

impl InvokeOutput {
    /// Parses what `aws lambda invoke` printed.
    pub fn from_json(json: &str) -> Result<InvokeOutput, InvokeError> {
        serde_json::from_str(json).map_err(InvokeError::Json)
    }

    /// The decoded log tail. The 4 KB cut may split a UTF-8 character at the start: such bytes
    /// become U+FFFD.
    pub fn log(&self) -> Result<String, InvokeError> {
        let encoded = self.log_result.as_deref().ok_or(InvokeError::NoLogResult)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(InvokeError::Base64)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The decoded log tail, parsed: its `REPORT` line and whether it timed out.
    pub fn tail(&self) -> Result<LogTail, InvokeError> {
        parse_log_tail(&self.log()?)
    }
}

/// Finds the last `REPORT` line of a log (lines after it, such as `XRAY TraceId: ...`, are
/// ignored) and a `Task timed out after N seconds` line, if any.
pub fn parse_log_tail(log: &str) -> Result<LogTail, InvokeError> {
    let line = log
        .lines()
        .rev()
        .map(|l| l.trim_end_matches('\r'))
        .find(|l| l.starts_with("REPORT RequestId:"))
        .ok_or(InvokeError::NoReport)?;
    Ok(LogTail {
        report: line.parse()?,
        timed_out_after_s: log.lines().find_map(timed_out_after),
    })
}

/// `Some(seconds)` for a line containing `Task timed out after <seconds> seconds`.
fn timed_out_after(line: &str) -> Option<f64> {
    const MARK: &str = "Task timed out after ";
    let rest = &line[line.find(MARK)? + MARK.len()..];
    rest.strip_suffix(" seconds")
        .or_else(|| rest.split_once(" seconds").map(|(n, _)| n))?
        .trim()
        .parse()
        .ok()
}
