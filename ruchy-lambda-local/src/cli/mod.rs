//! The `ruchy-lambda-local` command: `invoke`, `serve` and `package`, on top of the library's
//! [`ruchy_lambda_local::Function`], and `new`, which writes a new function's crate.

mod args;
mod cargo;
mod invoke;
mod log;
mod new;
mod package;
mod ruchy;
mod serve;
mod source;
mod zip;

use std::ffi::OsString;
use std::fmt;
use std::io::Write;
use std::process::ExitCode;

use args::Command;

/// Why the command stopped. Each is printed as one line, `error: …`.
#[derive(Debug)]
pub enum CliError {
    /// Bad input: options, event files, events, an unknown example. Exit status 2.
    Usage(String),
    /// Something failed while building or running. Exit status 1.
    Failed(String),
    /// Every invocation ran, and at least one failed (already reported). Exit status 1.
    FunctionFailed,
}

impl CliError {
    fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Failed(_) | CliError::FunctionFailed => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(message) | CliError::Failed(message) => f.write_str(message),
            CliError::FunctionFailed => f.write_str("an invocation failed"),
        }
    }
}

impl std::error::Error for CliError {}

/// Runs the command line `args` (without the program name) and gives the exit status.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let result = args::parse(args).and_then(|command| match command {
        Command::Help(topic) => {
            print_stdout(args::help(topic));
            Ok(())
        }
        Command::Version => {
            print_stdout(concat!(
                "ruchy-lambda-local ",
                env!("CARGO_PKG_VERSION"),
                "\n"
            ));
            Ok(())
        }
        Command::Invoke(a) => invoke::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Package(a) => package::run(a),
        Command::New(a) => new::run(a),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::FunctionFailed) => ExitCode::from(1),
        Err(e) => {
            log::line(&format!("error: {e}"));
            ExitCode::from(e.exit_code())
        }
    }
}

fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
