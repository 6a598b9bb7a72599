//! The `REPORT` line Lambda writes to CloudWatch after each invocation.
//!
//! ```text
//! REPORT RequestId: <id>␉Duration: 2.58 ms␉Billed Duration: 12 ms␉Memory Size: 128 MB␉Max Memory Used: 14 MB␉Init Duration: 8.45 ms␉
//! ```
//!
//! Fields after `RequestId:` are separated by TAB characters; a trailing TAB is common.
//! `Init Duration` is present only on the first invocation of a new sandbox (a cold start).
//! Fields this crate does not use (`Status`, `Error Type`, `Restore Duration`, ...) are skipped.

use std::fmt;
use std::str::FromStr;

const PREFIX: &str = "REPORT RequestId: ";

/// One parsed `REPORT` line.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The invocation's request id.
    pub request_id: String,
    /// `Duration`: time spent in the handler, in milliseconds.
    pub duration_ms: f64,
    /// `Billed Duration`, in whole milliseconds.
    pub billed_duration_ms: u64,
    /// `Memory Size`: the function's configured memory, in MB.
    pub memory_size_mb: u32,
    /// `Max Memory Used`: the sandbox's peak memory, in MB.
    pub max_memory_used_mb: u32,
    /// `Init Duration`, in milliseconds: present on a cold start only.
    pub init_duration_ms: Option<f64>,
}

impl Report {
    /// Whether this invocation started a new sandbox (the line has `Init Duration`).
    pub fn is_cold(&self) -> bool {
        self.init_duration_ms.is_some()
    }
}

/// Why a line is not a well-formed `REPORT` line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReportError {
    /// The line does not start with `REPORT RequestId: `.
    NotAReport,
    /// The request id is empty.
    EmptyRequestId,
    /// A TAB-separated field has no `Name: value` shape.
    MalformedField(String),
    /// A required field is absent.
    MissingField(&'static str),
    /// A field appears twice.
    DuplicateField(&'static str),
    /// A field's value is not a number with the expected unit.
    InvalidValue {
        /// The field's name.
        field: &'static str,
        /// The value as written.
        value: String,
        /// The unit the value should carry (`ms` or `MB`).
        unit: &'static str,
    },
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::NotAReport => {
                write!(f, "not a REPORT line: it does not start with `{PREFIX}`")
            }
            ReportError::EmptyRequestId => f.write_str("REPORT line has an empty request id"),
            ReportError::MalformedField(field) => {
                write!(
                    f,
                    "REPORT line has a field without the `Name: value` shape: `{field}`"
                )
            }
            ReportError::MissingField(name) => write!(f, "REPORT line has no `{name}` field"),
            ReportError::DuplicateField(name) => write!(f, "REPORT line has `{name}` twice"),
            ReportError::InvalidValue { field, value, unit } => write!(
                f,
                "REPORT line's `{field}` is `{value}`: expected a non-negative number followed by ` {unit}`"
            ),
        }
    }
}

impl std::error::Error for ReportError {}

impl FromStr for Report {
    type Err = ReportError;

    /// Parses one `REPORT` line (a trailing `\r`, `\n` or TAB is allowed).
    fn from_str(line: &str) -> Result<Report, ReportError> {
        let rest = line.strip_prefix(PREFIX).ok_or(ReportError::NotAReport)?;
        let rest = rest.trim_end_matches(['\r', '\n']);
        let mut fields = rest.split('\t');
        let request_id = fields.next().unwrap_or_default().trim();
        if request_id.is_empty() {
            return Err(ReportError::EmptyRequestId);
        }
        if request_id.contains(char::is_whitespace) {
            // Fields separated by spaces instead of TABs end up glued to the id.
            return Err(ReportError::MalformedField(request_id.to_owned()));
        }

        let mut duration = None;
        let mut billed = None;
        let mut memory_size = None;
        let mut max_memory = None;
        let mut init = None;
        for field in fields.filter(|f| !f.trim().is_empty()) {
            let (name, value) = field
                .split_once(": ")
                .ok_or_else(|| ReportError::MalformedField(field.to_owned()))?;
            match name.trim() {
                "Duration" => set(&mut duration, "Duration", millis("Duration", value)?)?,
                "Billed Duration" => set(&mut billed, "Billed Duration", whole_millis(value)?)?,
                "Memory Size" => set(
                    &mut memory_size,
                    "Memory Size",
                    megabytes("Memory Size", value)?,
                )?,
                "Max Memory Used" => set(
                    &mut max_memory,
                    "Max Memory Used",
                    megabytes("Max Memory Used", value)?,
                )?,
                "Init Duration" => {
                    set(&mut init, "Init Duration", millis("Init Duration", value)?)?
                }
                _ => {}
            }
        }
        Ok(Report {
            request_id: request_id.to_owned(),
            duration_ms: duration.ok_or(ReportError::MissingField("Duration"))?,
            billed_duration_ms: billed.ok_or(ReportError::MissingField("Billed Duration"))?,
            memory_size_mb: memory_size.ok_or(ReportError::MissingField("Memory Size"))?,
            max_memory_used_mb: max_memory.ok_or(ReportError::MissingField("Max Memory Used"))?,
            init_duration_ms: init,
        })
    }
}

fn set<T>(slot: &mut Option<T>, name: &'static str, value: T) -> Result<(), ReportError> {
    if slot.replace(value).is_some() {
        return Err(ReportError::DuplicateField(name));
    }
    Ok(())
}

/// The number before ` unit`, as written.
fn number<'a>(
    field: &'static str,
    value: &'a str,
    unit: &'static str,
) -> Result<&'a str, ReportError> {
    let invalid = || ReportError::InvalidValue {
        field,
        value: value.trim().to_owned(),
        unit,
    };
    let number = value
        .trim()
        .strip_suffix(unit)
        .and_then(|n| n.strip_suffix(' '))
        .ok_or_else(invalid)?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(invalid());
    }
    Ok(number)
}

fn millis(field: &'static str, value: &str) -> Result<f64, ReportError> {
    let n = number(field, value, "ms")?;
    n.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| ReportError::InvalidValue {
            field,
            value: value.trim().to_owned(),
            unit: "ms",
        })
}

fn whole_millis(value: &str) -> Result<u64, ReportError> {
    let field = "Billed Duration";
    number(field, value, "ms")?
        .parse()
        .map_err(|_| ReportError::InvalidValue {
            field,
            value: value.trim().to_owned(),
            unit: "ms",
        })
}

fn megabytes(field: &'static str, value: &str) -> Result<u32, ReportError> {
    number(field, value, "MB")?
        .parse()
        .map_err(|_| ReportError::InvalidValue {
            field,
            value: value.trim().to_owned(),
            unit: "MB",
        })
}
