//! What Lambda prints around each invocation (`START`, `END`, `REPORT`, `Task timed out`) and
//! how it bills, for a [`crate::Function`] invocation.

use std::time::{Duration, SystemTime};

use crate::ids;
use crate::invocation::Outcome;

/// The function version this local Lambda runs: always `$LATEST`.
pub const VERSION: &str = "$LATEST";

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

/// One invocation of a [`crate::Function`], as Lambda would report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvocationReport {
    /// The request id.
    pub request_id: String,
    /// What became of the invocation.
    pub outcome: Outcome,
    /// Event handed out to the runtime → its answer received; the timeout when it timed out.
    pub duration: Duration,
    /// Spawn → first `/next`, on the first invocation of a new sandbox (a cold start) only.
    pub init_duration: Option<Duration>,
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
}

impl InvocationReport {
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

    /// Billed duration in ms (see [`billed_duration_ms`]).
    pub fn billed_duration_ms(&self) -> u64 {
        billed_duration_ms(self.duration, self.init_duration)
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

    /// The `REPORT` line.
    pub fn report_line(&self) -> String {
        report_line(
            &self.request_id,
            self.duration,
            self.memory_size_mb,
            self.max_memory_used_mb(),
            self.init_duration,
        )
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
}
