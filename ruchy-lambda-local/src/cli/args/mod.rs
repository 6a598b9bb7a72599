//! The command line, on clap's derive: what each command accepts, its help texts, and the
//! conversion into [`Command`], the plain structs the commands run from.
//!
//! clap checks the syntax, the values (ranges, names, fronts) and the options that exclude each
//! other; [`parse`] then applies the rules that need several options at once (`--log-level` with
//! `--log-format json`, `--stage` with `--http apigw-v1`, `serve`'s per-function values…), with
//! errors in clap's form.
//!
//! The rooms:
//!
//! - this file: the parsed commands ([`Command`] and the structs it holds), [`parse`];
//! - [`cli`]: the program and its commands, as clap's derive declares them;
//! - [`function`]: the options that say which function and how it runs (`invoke`, `serve`);
//! - [`commands`]: each command's own options, and their conversion into [`Command`];
//! - [`values`]: the value parsers, and the `NAME:` prefix that gives a value to one function;
//! - [`help`]: the long help texts: what each command does, its examples.

mod cli;
mod commands;
mod function;
mod help;
mod values;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches};
use ruchy_lambda_local::front::Front;
use ruchy_lambda_local::{LogFormat, LogLevel, MAX_STREAMED_BYTES, StreamBandwidth};

use super::CliError;
use cli::{BIN, Cli, Sub};

pub use values::check_function_name;

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `invoke`
    Invoke(InvokeArgs),
    /// `serve`
    Serve(ServeArgs),
    /// `package`
    Package(PackageArgs),
    /// `new`
    New(NewArgs),
}

/// Where the bootstrap comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--example NAME [--package PKG]`: built with `cargo build --release --example NAME`.
    Example {
        /// The example's name.
        name: String,
        /// `-p PKG`, passed on to cargo.
        package: Option<String>,
    },
    /// `--bin PATH`: a bootstrap that is already built.
    Bin(PathBuf),
    /// `--ruchy FILE`: a handler written in Ruchy, built into a bootstrap of its own.
    Ruchy(PathBuf),
}

/// The function's configuration, as Lambda's console names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionArgs {
    /// `--timeout SECONDS`, default 3.
    pub timeout_seconds: u32,
    /// `--memory MB`, default 128.
    pub memory_mb: u32,
    /// `--env K=V`, in order.
    pub env: Vec<(String, String)>,
    /// `--name NAME` (or `serve --function`'s NAME); by default the example's or the file's name.
    pub name: Option<String>,
    /// `--concurrency N`: invocations one process takes at once, default 1.
    pub concurrency: usize,
    /// `--log-format text|json`, default text.
    pub log_format: LogFormat,
    /// `--log-level LEVEL` (with `--log-format json` only); default none, which is INFO.
    pub log_level: Option<LogLevel>,
    /// `--max-stream-bytes N`: the largest streamed reply, default 200 MiB.
    pub max_stream_bytes: u64,
    /// `--stream-bandwidth lambda|RATE[:BURST]`: the cap on streamed replies; default none.
    pub stream_bandwidth: Option<StreamBandwidth>,
    /// `--snap-start`: SnapStart for custom runtimes.
    pub snap_start: bool,
    /// `--restore-pause MS`: how long `/runtime/restore/next` is held, default 50.
    pub restore_pause_ms: u64,
    /// `--shutdown-budget MS`: SIGTERM → SIGKILL at shutdown, default 500.
    pub shutdown_budget_ms: u64,
    /// `--availability-zone-id ID`: what the metadata endpoint reports; default none, the
    /// region's first zone.
    pub availability_zone_id: Option<String>,
}

impl Default for FunctionArgs {
    fn default() -> Self {
        FunctionArgs {
            timeout_seconds: 3,
            memory_mb: 128,
            env: Vec::new(),
            name: None,
            concurrency: 1,
            log_format: LogFormat::Text,
            log_level: None,
            max_stream_bytes: MAX_STREAMED_BYTES,
            stream_bandwidth: None,
            snap_start: false,
            restore_pause_ms: 50,
            shutdown_budget_ms: 500,
            availability_zone_id: None,
        }
    }
}

/// Where an event comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventSource {
    /// Given on the command line.
    Inline(String),
    /// `--file PATH`
    File(PathBuf),
    /// `-`: standard input.
    Stdin,
}

/// `invoke`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeArgs {
    /// The bootstrap.
    pub source: Source,
    /// The function's configuration.
    pub function: FunctionArgs,
    /// The events, in order; none means one `{}`.
    pub events: Vec<EventSource>,
    /// `--json`: one JSON record per invocation on stdout.
    pub json: bool,
}

/// `serve`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeArgs {
    /// The functions served, at least one: one per `--function NAME=SOURCE`, in order, or the one
    /// of `--example`/`--bin`/`--ruchy` (and `--name`).
    pub functions: Vec<ServedFunction>,
    /// `--host`, default `127.0.0.1`.
    pub host: String,
    /// `--port`, default 8080; 0 picks a free one.
    pub port: u16,
    /// `--http [NAME:]FRONT`: an HTTP front (API Gateway, load balancer, function URL) for the
    /// function at this index of [`functions`](Self::functions), instead of its Invoke endpoint.
    pub http: Option<(usize, Front)>,
    /// `--stage NAME` (with `--http apigw-v1`), default `prod`.
    pub stage: Option<String>,
    /// `--multi-value-headers` (with `--http alb`).
    pub multi_value_headers: bool,
    /// `--skip-time`: the waits and step retry delays of durable executions pass at once.
    pub skip_time: bool,
}

/// One function of `serve`, its per-function values resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedFunction {
    /// `--function`'s NAME, or `--name`. `None` for an unnamed `--example`/`--bin`/`--ruchy`:
    /// the name is then the bootstrap's, known once it is built (`source::function_config`).
    /// The same as `function.name`.
    pub name: Option<String>,
    /// The bootstrap.
    pub source: Source,
    /// Its configuration: the unprefixed values, overridden by the ones prefixed with its name.
    pub function: FunctionArgs,
    /// `--instances N`: up to N processes, each started on demand, requests beyond them
    /// throttled; `None`: one process, requests queue.
    pub instances: Option<usize>,
    /// Given with `--function`: served under its name only, not under the Invoke API's aliases
    /// `function` and `_`.
    pub named: bool,
    /// `--durable`: a durable function (Lambda's `DurableConfig`): an invocation starts a durable
    /// execution. `None`: an ordinary function.
    pub durable: Option<DurableArgs>,
}

/// A durable function's `DurableConfig`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurableArgs {
    /// `--execution-timeout SECONDS`: how long an execution may run in all, 1 to 31,622,400
    /// (366 days); default 86,400.
    pub execution_timeout_seconds: u32,
    /// `--retention-days DAYS`: how long an ended execution is kept, 1 to 90; default 14.
    pub retention_days: u32,
}

impl Default for DurableArgs {
    fn default() -> Self {
        DurableArgs {
            execution_timeout_seconds: 86_400,
            retention_days: 14,
        }
    }
}

/// `package`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageArgs {
    /// The bootstrap.
    pub source: Source,
    /// `--target TRIPLE`, passed on to cargo.
    pub target: Option<String>,
    /// `--name NAME`: the folder under `target/lambda`.
    pub name: Option<String>,
    /// `--output-dir DIR`, instead of `target/lambda`.
    pub output_dir: Option<PathBuf>,
}

/// `new`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewArgs {
    /// The crate's folder; its last component is the crate's name.
    pub path: PathBuf,
    /// `--http`: an HTTP function (the `http` feature) instead of a JSON one.
    pub http: bool,
    /// Where `ruchy-lambda` comes from.
    pub dependency: Dependency,
}

/// Where the new crate takes `ruchy-lambda` from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dependency {
    /// The checkout this command was built from (the default).
    Checkout,
    /// `--path DIR`: a checkout of the repository, or its `ruchy-lambda` crate.
    Path(PathBuf),
    /// `--git URL [--rev REV | --branch NAME | --tag NAME]`.
    Git {
        /// The repository.
        url: String,
        /// `rev`, `branch` or `tag`, and its value.
        reference: Option<(GitRef, String)>,
    },
}

/// Which of cargo's git keys names the commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitRef {
    /// `--rev`
    Rev,
    /// `--branch`
    Branch,
    /// `--tag`
    Tag,
}

impl GitRef {
    /// The key in `Cargo.toml`, as the option is named.
    pub fn key(self) -> &'static str {
        match self {
            GitRef::Rev => "rev",
            GitRef::Branch => "branch",
            GitRef::Tag => "tag",
        }
    }
}

/// Parses the arguments after the program name. `--help`, `help [COMMAND]` and `--version` come
/// back as a [`CliError::Clap`] whose exit status is 0 and whose text goes to stdout.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, CliError> {
    let args = std::iter::once(OsString::from(BIN)).chain(args);
    let matches = Cli::command()
        .try_get_matches_from(args)
        .map_err(CliError::Clap)?;
    let cli = Cli::from_arg_matches(&matches).map_err(CliError::Clap)?;
    let (name, sub) = matches.subcommand().unwrap_or(("", &matches));
    let error = |message: String| usage(name, message);
    match cli.command {
        Sub::Invoke(a) => a.resolve(sub).map(Command::Invoke).map_err(error),
        Sub::Serve(a) => a.resolve().map(Command::Serve).map_err(error),
        Sub::Package(a) => a.resolve().map(Command::Package).map_err(error),
        Sub::New(a) => Ok(Command::New(a.resolve())),
    }
}

/// A rule that clap does not check, broken: an error in clap's form, with the usage of
/// `command`, exit status 2.
fn usage(command: &str, message: String) -> CliError {
    let mut cli = Cli::command();
    cli.build();
    match cli.find_subcommand_mut(command) {
        Some(sub) => CliError::Clap(sub.error(ErrorKind::ArgumentConflict, message)),
        None => CliError::Clap(cli.error(ErrorKind::ArgumentConflict, message)),
    }
}

#[cfg(test)]
mod tests;
