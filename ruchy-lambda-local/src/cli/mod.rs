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
    /// From the command line's parser: a usage error (exit status 2, on stderr, with the usage
    /// and a hint), or the text of `--help` or `--version` (exit status 0, on stdout).
    Clap(clap::Error),
}

impl CliError {
    fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Failed(_) | CliError::FunctionFailed => 1,
            CliError::Clap(e) => u8::try_from(e.exit_code()).unwrap_or(2),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(message) | CliError::Failed(message) => f.write_str(message),
            CliError::FunctionFailed => f.write_str("an invocation failed"),
            CliError::Clap(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CliError {}

/// Runs the command line `args` (without the program name) and gives the exit status.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let result = args::parse(args).and_then(|command| match command {
        Command::Invoke(a) => invoke::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Package(a) => package::run(a),
        Command::New(a) => new::run(a),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::FunctionFailed) => ExitCode::from(1),
        Err(CliError::Clap(e)) => {
            // Help and version to stdout, errors to stderr.
            let _ = e.print();
            ExitCode::from(CliError::Clap(e).exit_code())
        }
        Err(e) => {
            log::line(&format!("error: {e}"));
            ExitCode::from(e.exit_code())
        }
    }
}
