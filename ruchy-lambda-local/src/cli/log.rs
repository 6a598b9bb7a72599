//! What goes to stderr: the lines CloudWatch would show, and the function's own output.

use std::io::Write;

use ruchy_lambda_local::{InvocationReport, Output, report};

/// Writes one line to stderr. A closed stderr is not an error worth stopping for.
pub fn line(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
    let _ = err.flush();
}

/// The function's stdout and stderr, passed on to stderr line by line, as its log.
pub fn function_output() -> Output {
    Output::lines(|l| line(&l.text))
}

/// `START RequestId: … Version: $LATEST`, when an invocation begins.
pub fn start(request_id: &str) {
    line(&report::start_line(request_id));
}

/// What follows the function's output: Lambda's own lines about a failure (`Task timed out`,
/// `Runtime exited with error`), `END` and `REPORT`.
pub fn finish(report: &InvocationReport) {
    let mut text = String::new();
    for platform in report.platform_lines() {
        text.push_str(&platform);
        text.push('\n');
    }
    text.push_str(&report.end_line());
    text.push('\n');
    text.push_str(&report.report_line());
    line(&text);
}
