//! What goes to stderr: the lines CloudWatch would show, and the function's own output.

use std::io::Write;

use ruchy_lambda_local::{Function, InvocationReport, LogFormat, Output, report};

/// Writes one line to stderr. A closed stderr is not an error worth stopping for.
pub fn line(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
    let _ = err.flush();
}

/// The function's stdout and stderr, passed on to stderr line by line, as its log. (In the JSON
/// log format the library filters them by level first.)
pub fn function_output() -> Output {
    Output::lines(|l| line(&l.text))
}

/// Lambda's own lines about a function's invocations, in its log format.
#[derive(Debug, Clone)]
pub struct Platform {
    format: LogFormat,
    function_arn: String,
}

impl Platform {
    /// For `function`'s log format and ARN.
    pub fn of(function: &Function) -> Platform {
        Platform {
            format: function.config().log_format,
            function_arn: function.function_arn(),
        }
    }

    /// `START RequestId: … Version: $LATEST`, or the `platform.start` record, when an
    /// invocation begins.
    pub fn start(&self, request_id: &str) {
        line(&report::start_log(
            self.format,
            request_id,
            &self.function_arn,
        ));
    }

    /// What follows the function's output: Lambda's own lines about a failure (`Task timed out`,
    /// `Runtime exited with error`), `END` and `REPORT`; or the `platform.report` record.
    pub fn finish(&self, report: &InvocationReport) {
        line(&report.finish_log(self.format).join("\n"));
    }
}
