//! The lines Lambda writes around an invocation in the Text log format: `START`, `END`,
//! `REPORT`, `Task timed out`, and the figures on them.

use std::time::Duration;

use crate::identity::VERSION;

use super::billing::billed_duration_ms;

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
