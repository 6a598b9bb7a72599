//! The command line, on clap's derive: what each command accepts, its help texts, and the
//! conversion into [`Command`], the plain structs the commands run from.
//!
//! clap checks the syntax, the values (ranges, names, fronts) and the options that exclude each
//! other; [`parse`] then applies the rules that need several options at once (`--log-level` with
//! `--log-format json`, `--stage` with `--http apigw-v1`, `serve`'s per-function values…), with
//! errors in clap's form.

use std::ffi::OsString;
use std::fmt::Display;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::str::FromStr;

use clap::error::ErrorKind;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use ruchy_lambda_local::front::Front;
use ruchy_lambda_local::{LogFormat, LogLevel, MAX_STREAMED_BYTES, StreamBandwidth};

use super::CliError;

/// Lambda's timeout range, in seconds.
const TIMEOUT_SECONDS: RangeInclusive<u32> = 1..=900;
/// Lambda's memory size range, in MB.
const MEMORY_MB: RangeInclusive<u32> = 128..=10_240;
/// Longest function name Lambda accepts.
const MAX_NAME: usize = 64;
/// `--concurrency` and `--instances`: invocations per process, and processes.
const CONCURRENCY: RangeInclusive<usize> = 1..=1024;
/// `--restore-pause`, in ms.
const RESTORE_PAUSE_MS: RangeInclusive<u64> = 0..=60_000;
/// `--shutdown-budget`, in ms: Lambda's whole shutdown phase is capped at 2,000 ms.
const SHUTDOWN_BUDGET_MS: RangeInclusive<u64> = 0..=2_000;
/// The program's name, in usage lines.
const BIN: &str = "ruchy-lambda-local";

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

/// A value given for every function, or with a `NAME:` prefix for one (`serve --function`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Scoped<T> {
    /// The prefix: the function it is for.
    function: Option<String>,
    value: T,
}

/// `NAME:VALUE` as the prefix and the value, when the part before the first `:` is a function
/// name; else no prefix. (A function name has no `:`, nor does a number or a front.)
fn scoped<T>(
    given: &str,
    value: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Scoped<T>, String> {
    match given.split_once(':') {
        Some((name, rest)) => {
            check_function_name(name).map_err(|e| e.to_string())?;
            Ok(Scoped {
                function: Some(name.to_owned()),
                value: value(rest)?,
            })
        }
        None => Ok(Scoped {
            function: None,
            value: value(given)?,
        }),
    }
}

/// The value for the function `name`: the last one prefixed with its name, else the last one
/// without a prefix, else `default`.
fn pick<T: Clone>(values: &[Scoped<T>], name: Option<&str>, default: T) -> T {
    given(values, name).unwrap_or(default)
}

/// The value for the function `name`, as [`pick`], if one was given.
fn given<T: Clone>(values: &[Scoped<T>], name: Option<&str>) -> Option<T> {
    let own = values
        .iter()
        .rev()
        .find(|v| v.function.is_some() && v.function.as_deref() == name);
    own.or_else(|| values.iter().rev().find(|v| v.function.is_none()))
        .map(|v| v.value.clone())
}

fn number<T>(given: &str, range: &RangeInclusive<T>) -> Result<T, String>
where
    T: FromStr + PartialOrd + Display,
{
    given
        .parse()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            format!(
                "must be a whole number from {} to {}, not `{given}`",
                range.start(),
                range.end()
            )
        })
}

fn timeout(given: &str) -> Result<Scoped<u32>, String> {
    scoped(given, |v| number(v, &TIMEOUT_SECONDS))
}

fn memory(given: &str) -> Result<Scoped<u32>, String> {
    scoped(given, |v| number(v, &MEMORY_MB))
}

fn processes(given: &str) -> Result<Scoped<usize>, String> {
    scoped(given, |v| number(v, &CONCURRENCY))
}

fn log_format(given: &str) -> Result<Scoped<LogFormat>, String> {
    scoped(given, |v| {
        v.parse()
            .map_err(|_| format!("must be `text` or `json`, not `{v}`"))
    })
}

fn log_level(given: &str) -> Result<Scoped<LogLevel>, String> {
    scoped(given, |v| {
        v.parse().map_err(|_| {
            format!("must be one of trace, debug, info, warn, error, fatal, not `{v}`")
        })
    })
}

/// `KEY=VALUE` or `NAME:KEY=VALUE`: a prefix only when its `:` comes before the first `=`, so
/// that a value may hold `:`.
fn env(given: &str) -> Result<Scoped<(String, String)>, String> {
    let pair = |pair: &str| match pair.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("takes `KEY=VALUE`, not `{pair}`")),
    };
    match (given.find(':'), given.find('=')) {
        (Some(colon), Some(equals)) if equals < colon => Ok(Scoped {
            function: None,
            value: pair(given)?,
        }),
        _ => scoped(given, pair),
    }
}

fn front(given: &str) -> Result<Scoped<Front>, String> {
    scoped(given, |v| {
        Front::from_name(v)
            .ok_or_else(|| format!("must be one of apigw-v2, apigw-v1, alb, url, not `{v}`"))
    })
}

/// `lambda` (6 MiB, then 2 MiB/s), `RATE` (bytes per second after Lambda's 6 MiB) or
/// `RATE:BURST` (bytes per second after BURST bytes).
fn stream_bandwidth(value: &str) -> Result<StreamBandwidth, String> {
    if value.eq_ignore_ascii_case("lambda") {
        return Ok(StreamBandwidth::LAMBDA);
    }
    let bad = || {
        format!("takes `lambda`, `RATE` or `RATE:BURST` (bytes per second, bytes), not `{value}`")
    };
    let (rate, burst) = match value.split_once(':') {
        Some((rate, burst)) => (rate, Some(burst)),
        None => (value, None),
    };
    let rate: u64 = rate.parse().ok().filter(|&r| r > 0).ok_or_else(bad)?;
    let burst = match burst {
        Some(b) => b.parse().map_err(|_| bad())?,
        None => StreamBandwidth::LAMBDA.burst_bytes,
    };
    Ok(StreamBandwidth {
        burst_bytes: burst,
        bytes_per_second: rate,
    })
}

fn function_name(given: &str) -> Result<String, String> {
    check_function_name(given).map_err(|e| e.to_string())?;
    Ok(given.to_owned())
}

fn non_empty(given: &str) -> Result<String, String> {
    if given.is_empty() {
        return Err("needs a non-empty value".to_owned());
    }
    Ok(given.to_owned())
}

fn stage(given: &str) -> Result<String, String> {
    if given.is_empty()
        || !given
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(format!("takes letters, digits, `-` and `_`, not `{given}`"));
    }
    Ok(given.to_owned())
}

/// `--function NAME=SOURCE`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FunctionSpec {
    name: String,
    source: Source,
}

fn function_spec(given: &str) -> Result<FunctionSpec, String> {
    let Some((name, source)) = given.split_once('=') else {
        return Err(format!(
            "takes `NAME=example:NAME`, `NAME=bin:PATH` or `NAME=ruchy:FILE`, not `{given}`"
        ));
    };
    check_function_name(name).map_err(|e| e.to_string())?;
    let source = match source.split_once(':') {
        Some(("example", example)) if !example.is_empty() => Source::Example {
            name: example.to_owned(),
            package: None,
        },
        Some(("bin", path)) if !path.is_empty() => Source::Bin(path.into()),
        Some(("ruchy", file)) if !file.is_empty() => Source::Ruchy(file.into()),
        _ => {
            return Err(format!(
                "the source of `{name}` must be `example:NAME`, `bin:PATH` or `ruchy:FILE`, \
                 not `{source}`"
            ));
        }
    };
    Ok(FunctionSpec {
        name: name.to_owned(),
        source,
    })
}

/// Lambda's rule for function names: 1 to 64 of `A-Z a-z 0-9 - _`.
pub fn check_function_name(name: &str) -> Result<(), CliError> {
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(CliError::Usage(format!(
            "invalid function name `{name}`: use 1 to {MAX_NAME} letters, digits, `-` or `_`"
        )))
    }
}

/// `ruchy-lambda-local`
#[derive(Debug, Parser)]
#[command(
    name = BIN,
    version,
    about = ABOUT,
    after_help = AFTER_HELP,
    subcommand_required = true,
    arg_required_else_help = false,
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Sub,
}

/// The help of a command: its summary, its usage, what it does, its options, its examples.
const TEMPLATE: &str = "\
{about-with-newline}
{usage-heading} {usage}

{before-help}{all-args}{after-help}";

#[derive(Debug, Subcommand)]
enum Sub {
    /// Invoke a function with events and print the replies, as `aws lambda invoke` does
    #[command(
        long_about = "Invoke a function once per event, like `aws lambda invoke`, on a local Lambda.",
        override_usage = "ruchy-lambda-local invoke (--example NAME | --bin PATH | --ruchy FILE) \
                          [OPTIONS] [EVENT]...",
        help_template = TEMPLATE,
        next_line_help = true,
        before_help = INVOKE_NOTES,
        after_help = INVOKE_EXAMPLES
    )]
    Invoke(InvokeCli),
    /// Serve functions behind Lambda's Invoke API, or behind an HTTP front with `--http`
    #[command(
        long_about = "Run a function and expose Lambda's Invoke API, as the Runtime Interface \
                      Emulator does, for curl,\n`aws lambda invoke --endpoint-url`, the AWS SDKs \
                      and `cargo lambda invoke`.",
        override_usage = "ruchy-lambda-local serve (--example NAME | --bin PATH | --ruchy FILE) \
                          [OPTIONS]\n       ruchy-lambda-local serve --function NAME=SOURCE... \
                          [OPTIONS]",
        help_template = TEMPLATE,
        next_line_help = true,
        before_help = SERVE_NOTES,
        after_help = SERVE_EXAMPLES
    )]
    Serve(ServeCli),
    /// Build a bootstrap in release and zip it as bootstrap.zip for provided.al2023
    #[command(
        long_about = "Build a bootstrap in release and zip it for Lambda's provided.al2023 \
                      runtime: one entry,\n`bootstrap`, mode 0755, at the root of the zip.",
        override_usage = "ruchy-lambda-local package ((--example NAME | --ruchy FILE) \
                          [--target TRIPLE] | --bin PATH)\n                                  [OPTIONS]",
        help_template = TEMPLATE,
        next_line_help = true,
        before_help = PACKAGE_NOTES
    )]
    Package(PackageCli),
    /// Write a new function's crate, ready for `cargo build --release`
    #[command(
        long_about = "Write a new function's crate, ready to build, test and invoke on this \
                      local Lambda.",
        override_usage = concat!(
            "ruchy-lambda-local new NAME [--http] [--path DIR | --git URL [--rev REV | --branch NAME |\n",
            "                                                                    --tag NAME]]"
        ),
        help_template = TEMPLATE,
        next_line_help = true,
        before_help = NEW_NOTES,
        after_help = NEW_EXAMPLES
    )]
    New(NewCli),
}

/// Where the bootstrap comes from: `invoke`, `serve` and `package`.
#[derive(Debug, Args)]
struct SourceCli {
    /// Build this example with `cargo build --release --example NAME`
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "NAME",
        value_parser = non_empty,
        conflicts_with_all = ["bin", "ruchy"],
        help_heading = "Function"
    )]
    example: Option<String>,
    /// The package that has the example (passed to cargo)
    #[arg(
        verbatim_doc_comment,
        short = 'p',
        long,
        value_name = "PKG",
        value_parser = non_empty,
        help_heading = "Function"
    )]
    package: Option<String>,
    /// Take this built bootstrap instead
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "PATH",
        conflicts_with = "ruchy",
        help_heading = "Function"
    )]
    bin: Option<PathBuf>,
    /// Build this handler written in Ruchy (a .ruchy file) into a bootstrap of its own (see
    /// "Ruchy handlers" above)
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "FILE",
        help_heading = "Function"
    )]
    ruchy: Option<PathBuf>,
}

impl SourceCli {
    /// The one source given; `None` when none is (clap refuses several).
    fn source(self) -> Result<Option<Source>, String> {
        if self.example.is_none() && self.package.is_some() {
            return Err("`--package` goes with `--example`, not `--bin` or `--ruchy`".to_owned());
        }
        Ok(match (self.example, self.bin, self.ruchy) {
            (Some(name), _, _) => Some(Source::Example {
                name,
                package: self.package,
            }),
            (_, Some(path), _) => Some(Source::Bin(path)),
            (_, _, Some(file)) => Some(Source::Ruchy(file)),
            (None, None, None) => None,
        })
    }
}

const WHICH_FUNCTION: &str = "which function? give `--example NAME` (built with cargo), `--bin \
                              PATH` (a built bootstrap) or `--ruchy FILE` (a handler written in \
                              Ruchy)";

/// What a running function is given: `invoke` and `serve`. The values that are a [`Scoped`] may
/// be given for one function with a `NAME:` prefix (see [`FunctionCli::resolve`]).
#[derive(Debug, Args)]
struct FunctionCli {
    /// Function timeout, 1 to 900 [default: 3]
    #[arg(verbatim_doc_comment, long, value_name = "SECONDS", value_parser = timeout)]
    timeout: Vec<Scoped<u32>>,
    /// Memory size, 128 to 10240 (reported, not enforced) [default: 128]
    #[arg(verbatim_doc_comment, long, value_name = "MB", value_parser = memory)]
    memory: Vec<Scoped<u32>>,
    /// Set an environment variable for the function (may be repeated)
    #[arg(verbatim_doc_comment, long, value_name = "KEY=VALUE", value_parser = env)]
    env: Vec<Scoped<(String, String)>>,
    /// Invocations one process takes at once, 1 to 1024, as on Lambda Managed Instances:
    /// `invoke` sends the events in parallel, `serve` throttles requests beyond N [default: 1,
    /// requests queue]
    #[arg(verbatim_doc_comment, long, value_name = "N", value_parser = processes)]
    concurrency: Vec<Scoped<usize>>,
    /// `text` or `json` (AWS_LAMBDA_LOG_FORMAT) [default: text]. With json, START and REPORT
    /// are written as Lambda's JSON records (platform.start, platform.report), and the
    /// function's lines are filtered by level
    #[arg(verbatim_doc_comment, long, value_name = "FORMAT", value_parser = log_format)]
    log_format: Vec<Scoped<LogFormat>>,
    /// With `--log-format json`: the application log level (AWS_LAMBDA_LOG_LEVEL), one of
    /// trace, debug, info, warn, error, fatal [default: info]. A line below it is dropped; a
    /// line that is not a JSON object with a "level" counts as info
    #[arg(verbatim_doc_comment, long, value_name = "LEVEL", value_parser = log_level)]
    log_level: Vec<Scoped<LogLevel>>,
    /// The largest streamed reply, 1 to 209715200 [default: 209715200, Lambda's 200 MB]. Past
    /// it the invocation fails with Function.ResponseSizeTooLarge
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "N",
        value_parser = clap::value_parser!(u64).range(1..=MAX_STREAMED_BYTES),
        overrides_with = "max_stream_bytes"
    )]
    max_stream_bytes: Option<u64>,
    /// Cap streamed replies as Lambda does: `lambda` is 6 MB at full speed, then 2 MB/s; RATE
    /// is bytes per second after BURST bytes (default 6291456). The Runtime API reads the reply
    /// more slowly [default: no cap]
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "lambda|RATE[:BURST]",
        value_parser = stream_bandwidth,
        overrides_with = "stream_bandwidth"
    )]
    stream_bandwidth: Option<StreamBandwidth>,
    /// SnapStart for custom runtimes: the function gets
    /// AWS_LAMBDA_INITIALIZATION_TYPE=snap-start; init ends at /runtime/restore/next
    /// (INIT_REPORT), which is held, then answered (RESTORE_START); the restore ends at the
    /// first /invocation/next (RESTORE_REPORT), before the first START. Its REPORT has Restore
    /// Duration and Billed Restore Duration (the same span here) instead of Init Duration. An
    /// error posted to /runtime/restore/error fails that invocation and stops the process
    #[arg(verbatim_doc_comment, long, overrides_with = "snap_start")]
    snap_start: bool,
    /// With `--snap-start`: how long /runtime/restore/next is held, standing for the snapshot
    /// being taken and restored, 0 to 60000 [default: 50]
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "MS",
        value_parser = clap::value_parser!(u64).range(RESTORE_PAUSE_MS),
        overrides_with = "restore_pause"
    )]
    restore_pause: Option<u64>,
    /// When the process is stopped with an extension registered (Extensions API): SHUTDOWN to
    /// the extensions registered for it, SIGTERM, then SIGKILL after MS, 0 to 2000 [default:
    /// 500]. With none, SIGKILL at once
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "MS",
        value_parser = clap::value_parser!(u64).range(SHUTDOWN_BUDGET_MS),
        overrides_with = "shutdown_budget"
    )]
    shutdown_budget: Option<u64>,
}

impl FunctionCli {
    /// The `NAME:` prefixes given, with their option.
    fn prefixes(&self) -> Vec<(&'static str, &str)> {
        fn of<'a, T>(
            option: &'static str,
            values: &'a [Scoped<T>],
        ) -> Vec<(&'static str, &'a str)> {
            values
                .iter()
                .filter_map(|v| Some((option, v.function.as_deref()?)))
                .collect()
        }
        [
            of("--timeout", &self.timeout),
            of("--memory", &self.memory),
            of("--env", &self.env),
            of("--concurrency", &self.concurrency),
            of("--log-format", &self.log_format),
            of("--log-level", &self.log_level),
        ]
        .concat()
    }

    /// The configuration of the function `name` (`None`: unnamed), with the rules between
    /// options checked.
    fn resolve(&self, name: Option<&str>) -> Result<FunctionArgs, String> {
        let defaults = FunctionArgs::default();
        // Every function's pairs, then its own: a later one wins.
        let mut env: Vec<(String, String)> = Vec::new();
        for own in [false, true] {
            env.extend(
                self.env
                    .iter()
                    .filter(|v| match &v.function {
                        None => !own,
                        Some(f) => own && Some(f.as_str()) == name,
                    })
                    .map(|v| v.value.clone()),
            );
        }
        let log_format = pick(&self.log_format, name, defaults.log_format);
        let log_level = given(&self.log_level, name);
        let shown = name
            .map(|n| format!(" (function `{n}`)"))
            .unwrap_or_default();
        if log_level.is_some() && log_format != LogFormat::Json {
            return Err(format!(
                "`--log-level` needs `--log-format json`{shown}: Lambda filters by level in the \
                 JSON log format only"
            ));
        }
        if self.restore_pause.is_some() && !self.snap_start {
            return Err(
                "`--restore-pause` goes with `--snap-start` (it is how long the restore is held)"
                    .to_owned(),
            );
        }
        Ok(FunctionArgs {
            timeout_seconds: pick(&self.timeout, name, defaults.timeout_seconds),
            memory_mb: pick(&self.memory, name, defaults.memory_mb),
            env,
            name: name.map(str::to_owned),
            concurrency: pick(&self.concurrency, name, defaults.concurrency),
            log_format,
            log_level,
            max_stream_bytes: self.max_stream_bytes.unwrap_or(defaults.max_stream_bytes),
            stream_bandwidth: self.stream_bandwidth,
            snap_start: self.snap_start,
            restore_pause_ms: self.restore_pause.unwrap_or(defaults.restore_pause_ms),
            shutdown_budget_ms: self.shutdown_budget.unwrap_or(defaults.shutdown_budget_ms),
        })
    }
}

/// Each `NAME:` prefix in `prefixes` must name one of `names`.
fn check_prefixes<'a>(
    prefixes: impl IntoIterator<Item = (&'static str, &'a str)>,
    names: &[&str],
) -> Result<(), String> {
    for (option, prefix) in prefixes {
        if !names.contains(&prefix) {
            return Err(format!(
                "`{option} {prefix}:…`: no function is named `{prefix}` (a `NAME:` prefix names \
                 a function of `serve --function NAME=SOURCE`, or the one named with `--name`)"
            ));
        }
    }
    Ok(())
}

/// `invoke`
#[derive(Debug, Args)]
struct InvokeCli {
    #[command(flatten)]
    source: SourceCli,
    /// An event, as text (JSON for most handlers); `-` reads one from standard input. Use `--`
    /// before an event that starts with `-`
    #[arg(verbatim_doc_comment, value_name = "EVENT", help_heading = "Events")]
    events: Vec<String>,
    /// Read one event from a file (may be repeated)
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "PATH",
        help_heading = "Events"
    )]
    file: Vec<PathBuf>,
    /// Function name (AWS_LAMBDA_FUNCTION_NAME) [default: the example's or the file's name]
    #[arg(verbatim_doc_comment, long, value_name = "NAME", value_parser = function_name)]
    name: Option<String>,
    #[command(flatten)]
    function: FunctionCli,
    /// Print one JSON record per invocation on stdout (request_id, status, reply, error,
    /// duration_ms, billed_ms, init_ms, max_memory_mb, memory_size_mb); every event must then
    /// be valid JSON
    #[arg(verbatim_doc_comment, long, overrides_with = "json")]
    json: bool,
}

impl InvokeCli {
    /// `matches` places the events and the `--file`s in the order they were given.
    fn resolve(self, matches: &ArgMatches) -> Result<InvokeArgs, String> {
        let source = self.source.source()?.ok_or(WHICH_FUNCTION)?;
        let name = self.name.as_deref();
        check_prefixes(self.function.prefixes(), name.as_slice())?;
        let function = self.function.resolve(name)?;
        let indices = |id: &str| matches.indices_of(id).into_iter().flatten();
        let mut events: Vec<(usize, EventSource)> = Vec::new();
        for (event, index) in self.events.into_iter().zip(indices("events")) {
            let event = if event == "-" {
                if events.iter().any(|(_, e)| *e == EventSource::Stdin) {
                    return Err("`-` (an event from standard input) may be given once".to_owned());
                }
                EventSource::Stdin
            } else {
                EventSource::Inline(event)
            };
            events.push((index, event));
        }
        for (file, index) in self.file.into_iter().zip(indices("file")) {
            events.push((index, EventSource::File(file)));
        }
        events.sort_by_key(|(index, _)| *index);
        Ok(InvokeArgs {
            source,
            function,
            events: events.into_iter().map(|(_, e)| e).collect(),
            json: self.json,
        })
    }
}

/// `serve`
#[derive(Debug, Args)]
struct ServeCli {
    #[command(flatten)]
    source: SourceCli,
    /// Serve a function named NAME, from SOURCE: `example:NAME` (built as `--example` is;
    /// `--package` applies), `bin:PATH` or `ruchy:FILE`. May be repeated, instead of
    /// `--example`, `--bin`, `--ruchy` and `--name` (see "Several functions" above)
    #[arg(
        verbatim_doc_comment,
        long = "function",
        value_name = "NAME=SOURCE",
        value_parser = function_spec,
        conflicts_with_all = ["example", "bin", "ruchy", "name"],
        help_heading = "Function"
    )]
    functions: Vec<FunctionSpec>,
    /// Address to listen on [default: 127.0.0.1]
    #[arg(verbatim_doc_comment, long, value_name = "HOST", value_parser = non_empty)]
    host: Option<String>,
    /// Port to listen on; 0 picks a free one [default: 8080]
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "PORT",
        overrides_with = "port"
    )]
    port: Option<u16>,
    /// Serve as an HTTP front: apigw-v2, apigw-v1, alb or url (see above); with several
    /// functions, NAME:FRONT for one of them [default: none, the Invoke endpoint]
    #[arg(verbatim_doc_comment, long, value_name = "[NAME:]FRONT", value_parser = front)]
    http: Option<Scoped<Front>>,
    /// With `--http apigw-v1`: the REST API's stage [default: prod]
    #[arg(verbatim_doc_comment, long, value_name = "NAME", value_parser = stage)]
    stage: Option<String>,
    /// With `--http alb`: the target group's multi-value headers are on
    #[arg(verbatim_doc_comment, long, overrides_with = "multi_value_headers")]
    multi_value_headers: bool,
    /// Function name; the endpoint also answers under it [default: the example's or the file's
    /// name]
    #[arg(verbatim_doc_comment, long, value_name = "NAME", value_parser = function_name)]
    name: Option<String>,
    /// Up to N processes, 1 to 1024, started on demand; throttle beyond
    #[arg(verbatim_doc_comment, long, value_name = "N", value_parser = processes)]
    instances: Vec<Scoped<usize>>,
    #[command(flatten)]
    function: FunctionCli,
}

impl ServeCli {
    fn resolve(self) -> Result<ServeArgs, String> {
        let package = self.source.package.clone();
        let named = !self.functions.is_empty();
        let specs: Vec<(Option<String>, Source)> = if named {
            if package.is_some()
                && !self
                    .functions
                    .iter()
                    .any(|f| matches!(f.source, Source::Example { .. }))
            {
                return Err(
                    "`--package` goes with `--example` or `--function NAME=example:…`".to_owned(),
                );
            }
            let mut specs: Vec<(Option<String>, Source)> = Vec::new();
            for spec in self.functions {
                if specs.iter().any(|(n, _)| n.as_deref() == Some(&spec.name)) {
                    return Err(format!("`--function {}=…` given twice", spec.name));
                }
                let source = match spec.source {
                    Source::Example { name, .. } => Source::Example {
                        name,
                        package: package.clone(),
                    },
                    other => other,
                };
                specs.push((Some(spec.name), source));
            }
            specs
        } else {
            let source = self.source.source()?.ok_or_else(|| {
                format!("{WHICH_FUNCTION}, or `--function NAME=SOURCE` for each function")
            })?;
            vec![(self.name, source)]
        };
        let names: Vec<&str> = specs.iter().filter_map(|(n, _)| n.as_deref()).collect();
        let instance_prefixes = self
            .instances
            .iter()
            .filter_map(|v| Some(("--instances", v.function.as_deref()?)));
        let http_prefix = self
            .http
            .as_ref()
            .and_then(|h| Some(("--http", h.function.as_deref()?)));
        check_prefixes(
            self.function
                .prefixes()
                .into_iter()
                .chain(instance_prefixes)
                .chain(http_prefix),
            &names,
        )?;
        let http = match self.http {
            None => None,
            Some(Scoped {
                function: None,
                value,
            }) if specs.len() == 1 => Some((0, value)),
            Some(Scoped {
                function: None,
                value,
            }) => {
                return Err(format!(
                    "`--http {}` with several functions: say which one serves it, \
                     `--http NAME:{}`",
                    value.name(),
                    value.name()
                ));
            }
            Some(Scoped {
                function: Some(name),
                value,
            }) => {
                let index = specs
                    .iter()
                    .position(|(n, _)| n.as_deref() == Some(&name))
                    .unwrap_or_default();
                Some((index, value))
            }
        };
        let front = http.map(|(_, front)| front);
        if self.stage.is_some() && front != Some(Front::ApiGatewayV1) {
            return Err("`--stage` goes with `--http apigw-v1` (a REST API's stage)".to_owned());
        }
        if self.multi_value_headers && front != Some(Front::Alb) {
            return Err(
                "`--multi-value-headers` goes with `--http alb` (a target group's setting)"
                    .to_owned(),
            );
        }
        let mut functions = Vec::with_capacity(specs.len());
        for (name, source) in specs {
            let function = self.function.resolve(name.as_deref())?;
            let instances = given(&self.instances, name.as_deref());
            if instances.is_some() && function.concurrency > 1 {
                let shown = name
                    .as_deref()
                    .map(|n| format!(" for `{n}`"))
                    .unwrap_or_default();
                return Err(format!(
                    "give either `--instances N` (N processes, one invocation each) or \
                     `--concurrency N` (one process, N invocations at once){shown}, not both"
                ));
            }
            functions.push(ServedFunction {
                name,
                source,
                function,
                instances,
                named,
            });
        }
        Ok(ServeArgs {
            functions,
            host: self.host.unwrap_or_else(|| "127.0.0.1".to_owned()),
            port: self.port.unwrap_or(8080),
            http,
            stage: self.stage,
            multi_value_headers: self.multi_value_headers,
        })
    }
}

/// `package`
#[derive(Debug, Args)]
struct PackageCli {
    #[command(flatten)]
    source: SourceCli,
    /// Build for this target, e.g. aarch64-unknown-linux-gnu (passed to cargo)
    #[arg(verbatim_doc_comment, long, value_name = "TRIPLE", value_parser = non_empty, help_heading = "Function")]
    target: Option<String>,
    /// The folder name under target/lambda [default: the example's or the file's name]
    #[arg(verbatim_doc_comment, long, value_name = "NAME", value_parser = function_name)]
    name: Option<String>,
    /// Write NAME/bootstrap.zip under DIR instead of target/lambda [env: RUCHY_LAMBDA_ZIP_DIR]
    #[arg(verbatim_doc_comment, long, value_name = "DIR")]
    output_dir: Option<PathBuf>,
}

impl PackageCli {
    fn resolve(self) -> Result<PackageArgs, String> {
        let source = self.source.source()?.ok_or(WHICH_FUNCTION)?;
        if matches!(source, Source::Bin(_)) && self.target.is_some() {
            return Err(
                "`--target` goes with `--example` or `--ruchy` (the bootstrap is built for it), \
                 not `--bin`"
                    .to_owned(),
            );
        }
        Ok(PackageArgs {
            source,
            target: self.target,
            name: self.name,
            output_dir: self.output_dir,
        })
    }
}

/// `new`
#[derive(Debug, Args)]
struct NewCli {
    /// The crate's folder; its last part is the crate's name (see above)
    #[arg(verbatim_doc_comment, value_name = "NAME")]
    name: PathBuf,
    /// An HTTP function (API Gateway, load balancer, function URL)
    #[arg(verbatim_doc_comment, long, overrides_with = "http")]
    http: bool,
    /// A path dependency on another checkout (DIR, or its ruchy-lambda folder) [default: the
    /// checkout this command was built in, by path; an installed command: ruchy-lambda of its
    /// own version from crates.io]
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "DIR",
        conflicts_with = "git",
        help_heading = "Where ruchy-lambda comes from"
    )]
    path: Option<PathBuf>,
    /// A git dependency on this repository URL instead
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "URL",
        value_parser = non_empty,
        help_heading = "Where ruchy-lambda comes from"
    )]
    git: Option<String>,
    /// With --git: the commit to take [default: the default branch]
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "REV",
        value_parser = non_empty,
        requires = "git",
        conflicts_with_all = ["branch", "tag"],
        help_heading = "Where ruchy-lambda comes from"
    )]
    rev: Option<String>,
    /// With --git: the branch to take
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "NAME",
        value_parser = non_empty,
        requires = "git",
        conflicts_with = "tag",
        help_heading = "Where ruchy-lambda comes from"
    )]
    branch: Option<String>,
    /// With --git: the tag to take
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "NAME",
        value_parser = non_empty,
        requires = "git",
        help_heading = "Where ruchy-lambda comes from"
    )]
    tag: Option<String>,
}

impl NewCli {
    fn resolve(self) -> NewArgs {
        let reference = [
            (GitRef::Rev, self.rev),
            (GitRef::Branch, self.branch),
            (GitRef::Tag, self.tag),
        ]
        .into_iter()
        .find_map(|(kind, value)| Some((kind, value?)));
        let dependency = match (self.path, self.git) {
            (_, Some(url)) => Dependency::Git { url, reference },
            (Some(dir), None) => Dependency::Path(dir),
            (None, None) => Dependency::Checkout,
        };
        NewArgs {
            path: self.name,
            http: self.http,
            dependency,
        }
    }
}

/// `ruchy-lambda-local --help`: before the commands.
const ABOUT: &str = "\
ruchy-lambda-local: a local AWS Lambda for bootstraps built with ruchy-lambda (or any
provided.al2023 runtime). It serves the Lambda Runtime API on loopback, runs your bootstrap the
way Lambda does, and prints what CloudWatch would show.";

/// `ruchy-lambda-local --help`: after the options.
const AFTER_HELP: &str = "\
Examples:
  ruchy-lambda-local invoke --example fibonacci '{\"n\":35}'
  ruchy-lambda-local serve --example fibonacci --port 8080
  ruchy-lambda-local serve --example http --http apigw-v2
  ruchy-lambda-local package --example minimal --target aarch64-unknown-linux-gnu
  ruchy-lambda-local invoke --ruchy handler.ruchy '{}'
  ruchy-lambda-local new my-function --http

Exit status: 0 on success, 1 when a function failed or something went wrong running it,
2 for bad input (options, event files, events).";

/// `--ruchy`, in the help of `invoke`, `serve` and `package`.
macro_rules! ruchy_handlers {
    () => {
        "Ruchy handlers: `--ruchy FILE` transpiles FILE with the `ruchy` transpiler (the program RUCHY
names, else `ruchy` on PATH) in a crate of its own under target/ruchy-lambda/ of the checkout
this command was built from, and builds it in release with `cargo build --release`. The crate is
kept: the next run only rebuilds what changed, and editing FILE rebuilds it. A transpile error
fails the build with the transpiler's message; with no transpiler, the message names the
command that installs it."
    };
}

/// `invoke --help`: what it does.
const INVOKE_NOTES: &str = concat!(
    "Each invocation prints on stderr what CloudWatch would show (START, the function's own output,
timeout and exit errors, END, REPORT with Init Duration on cold starts), then the reply on
stdout, one line per invocation. A failed invocation prints the error as Lambda returns it to the
caller ({\"errorType\":...,\"errorMessage\":...}) and makes the exit status 1. Several events
are sent to the same warm process, in order; with none, the event is {}.

A streamed reply (Lambda-Runtime-Function-Response-Mode: streaming) is printed on stdout as its
chunks arrive, then a newline; a function that fails mid-stream (error trailers) prints its error
on the next line, like any failed invocation. Duration on the REPORT line ends at the last chunk.

With `--concurrency N` (N > 1) the process runs as on Lambda Managed Instances: it gets
AWS_LAMBDA_MAX_CONCURRENCY=N and the events are sent in parallel, up to N at once. START is
printed when an invocation is handed out, the function's lines as they come (they cannot be
told apart by invocation), END and REPORT when it is answered; the replies are still printed in
the order of the events. A timeout then fails only that invocation: the process is not stopped.",
    "\n\n",
    ruchy_handlers!()
);

/// `invoke --help`: examples.
const INVOKE_EXAMPLES: &str = "\
Examples:
  ruchy-lambda-local invoke --example fibonacci '{\"n\":35}' '{\"n\":10}'
  echo '{\"n\":20}' | ruchy-lambda-local invoke --example fibonacci -
  ruchy-lambda-local invoke --bin target/release/examples/minimal --json --file event.json
  ruchy-lambda-local invoke --example sleep --concurrency 4 '{\"ms\":200}' '{\"ms\":200}'
  ruchy-lambda-local invoke --example minimal --log-format json --log-level warn '{}'
  ruchy-lambda-local invoke --ruchy examples/ruchy/fibonacci.ruchy '{\"n\":10}'";

/// `serve --help`: what it does.
const SERVE_NOTES: &str = concat!(
    "Lambda's Invoke API, on --host and --port:

  POST /2015-03-31/functions/FUNCTION/invocations

  curl -d '{\"n\":35}' http://127.0.0.1:8080/2015-03-31/functions/function/invocations

FUNCTION is `function` (the Runtime Interface Emulator's name), `_` (what `cargo lambda invoke`
sends without a name) or the function's own name (`--name`), as a name or an ARN, unqualified or
qualified with $LATEST (also as `?Qualifier=`). Any other answers as Lambda does: status 404,
`X-Amzn-ErrorType: ResourceNotFoundException` and
{\"Type\":\"User\",\"Message\":\"Function not found: arn:aws:lambda:REGION:ACCOUNT:function:NAME\"}.

The reply comes back with status 200, `X-Amzn-RequestId` and `X-Amz-Executed-Version: $LATEST`;
a function error too, as the error JSON with the header `X-Amz-Function-Error: Unhandled`, as
Lambda's Invoke API does. The request's headers, as Lambda reads them:
  X-Amz-Invocation-Type  RequestResponse (the default): wait for the reply. Event: status 202
                         at once, empty body; the invocation runs in the background, its log
                         printed as any other (a throttled one is tried again until it runs; a
                         failed one is not retried, where Lambda retries it twice). DryRun:
                         status 204, nothing is invoked
  X-Amz-Log-Type         Tail: the reply has `X-Amz-Log-Result`, the last 4 KB of the
                         invocation's log (START, the function's lines, END and REPORT, in the
                         log format), base64-encoded; not for a reply streamed as it came (its
                         headers were sent first). None (the default): no log
Any other value of either is refused with status 400 and InvalidParameterValueException.

By default requests are queued and run one at a time on the same process; a crashed or
timed-out function is restarted (a cold start). START, the function's output, END and REPORT
lines go to stderr.

Stop with Ctrl-C (SIGINT) or SIGTERM: every process is ended as Lambda ends an execution
environment (reason spindown). With an extension registered (as a bootstrap with a shutdown
hook has), SHUTDOWN goes to the extensions registered for it, then SIGTERM, then SIGKILL after
`--shutdown-budget`; with none, SIGKILL at once. What the processes print meanwhile (a shutdown
hook's lines) is passed on, then the command exits 0. The processes run in a process group of
their own, so the terminal's Ctrl-C reaches only this command. Running invocations are not waited
for: a process busy with one gets 1 s to finish it, else it is killed (with `--concurrency`, it
is shut down at once and its invocations fail). A second Ctrl-C kills what is left and exits at
once. If this command is itself killed (SIGKILL), its processes are not: a ruchy-lambda runtime
exits once it can no longer reach the Runtime API.

A streamed reply is passed on as it arrives, as a function URL in RESPONSE_STREAM mode does:
status 200, `Transfer-Encoding: chunked`, the runtime's Content-Type. Once streaming has started
an error cannot be a header: a function that fails mid-stream ends the body with the trailers
`Lambda-Runtime-Function-Error-Type`, `Lambda-Runtime-Function-Error-Body` (the error JSON,
base64) and `X-Amz-Function-Error: Unhandled`. A reply of content type
application/vnd.awslambda.http-integration-response starts with a JSON prelude and 8 NUL bytes:
its `statusCode`, `headers` and `cookies` (as Set-Cookie) make the response's status and headers,
and what follows the NULs is the body. (With `--concurrency`, a streamed reply is sent whole,
once it ended.)

Scaling, as Lambda does it (choose one):
  --instances N     Classic Lambda: up to N processes, one invocation each. A process is
                    started (a cold start, with its own Init Duration) when a request finds
                    every running one busy; idle ones are reused first.
  --concurrency N   Lambda Managed Instances: one process with AWS_LAMBDA_MAX_CONCURRENCY=N
                    that takes up to N invocations at once. A timeout fails only that
                    invocation; the process runs on.
With either, a request that finds all N busy is throttled as Lambda throttles: status 429,
`X-Amzn-ErrorType: TooManyRequestsException` and the body
{\"errorType\":\"TooManyRequestsException\",\"errorMessage\":\"Rate Exceeded.\"}.

HTTP fronts: with `--http FRONT` every request (any method, any path) becomes the event that
front sends, and the function's reply becomes the HTTP response, as AWS does it:
  apigw-v2   API Gateway HTTP API, payload format 2.0 ($default route and stage)
  apigw-v1   API Gateway REST API, payload format 1.0, resource /{proxy+}, stage `--stage`
  alb        Application Load Balancer target group (`--multi-value-headers` to turn them on)
  url        Lambda function URL (payload 2.0); a reply streamed as
             application/vnd.awslambda.http-integration-response is passed on as it arrives

  curl -X POST 'http://127.0.0.1:8080/echo?x=1' --data-binary @photo.png

A body of a textual content type (text/*, JSON, XML, JavaScript) is passed as text, any other
as base64 with isBase64Encoded. The reply's statusCode, headers (and multiValueHeaders), cookies,
body and isBase64Encoded make the response; with payload 2.0 a reply that is JSON but not an
object with statusCode is sent as a 200 application/json body. A failed invocation, or a reply
the front does not accept, gets the front's error: 500 {\"message\":\"Internal Server Error\"}
(apigw-v2), 502 {\"message\": \"Internal server error\"} (apigw-v1), 502 Bad Gateway (alb),
502 Internal Server Error (url). A throttled request (see Scaling) gets 500 from API Gateway,
429 from a function URL and 503 from the load balancer. Only `url` streams: the other fronts
answer once the reply is complete.",
    "\n\n",
    "Several functions: `--function NAME=SOURCE`, repeated, serves each function under its NAME, from
SOURCE: `example:NAME` (built as `--example` is; `--package` applies), `bin:PATH` or
`ruchy:FILE`. It replaces `--example`, `--bin`, `--ruchy` and `--name`; a function given so is
invoked by its name only (not as `function` or `_`). `--env`, `--timeout`, `--memory`,
`--concurrency`, `--instances`, `--log-format` and `--log-level` apply to every function; a
value prefixed with `NAME:` applies to that one only, over the unprefixed one:
`--timeout orders:10`, `--instances orders:2`, `--env orders:KEY=VALUE` (after the unprefixed
pairs, so that its own win). A prefix must name a function of `--function` (or the one named with
`--name`). With several functions, `--http` serves one of them: `--http NAME:FRONT`.",
    "\n\n",
    ruchy_handlers!()
);

/// `serve --help`: examples.
const SERVE_EXAMPLES: &str = "\
Examples:
  ruchy-lambda-local serve --example fibonacci --port 8080
  ruchy-lambda-local serve --example http --http apigw-v1 --stage v1
  ruchy-lambda-local serve --bin target/release/bootstrap --instances 4 --timeout 10
  ruchy-lambda-local serve --function orders=example:orders --function auth=bin:./auth \\
      --timeout orders:10 --env LOG=debug --env auth:MODE=strict --http orders:apigw-v2";

/// `package --help`: what it does.
const PACKAGE_NOTES: &str = concat!(
    "The zip is written to target/lambda/NAME/bootstrap.zip (the cargo target directory), or to
target/lambda/NAME-arm64/bootstrap.zip for an arm64 (aarch64) bootstrap. A bootstrap that needs
a glibc newer than 2.34 (the one provided.al2023 has) is refused: build it on an older system
or for a musl target.",
    "\n\n",
    ruchy_handlers!()
);

/// `new --help`: what it does.
const NEW_NOTES: &str =
    "NAME is the crate's folder; its last part names the crate, its binary and the function. It
follows Cargo's rules for a package name, and Lambda's for a function name: ASCII letters,
digits, `-` and `_`, not starting with a digit, at most 64 characters, not a Rust keyword nor a
name Cargo reserves (test, std, core, build, deps, …). The folder must not exist, or be empty.

It gets:
  Cargo.toml            ruchy-lambda and serde, the release profile of ruchy-lambda's README
                        (opt-level \"z\", fat LTO, one codegen unit, stripped), and an empty
                        [workspace] so that it builds wherever it is
  src/main.rs           a typed JSON handler (an order in, a receipt out, an error for an empty
                        order) with its unit tests; with --http an HTTP function on
                        ruchy_lambda::http (GET /hello?name=Ada), with the `http` feature
  events/example.json   an event for it: {\"id\":7,\"qty\":2}, or with --http an API Gateway
                        HTTP API (payload 2.0) request for GET /hello?name=Ada
  README.md             how to build, test, invoke locally and package it
  .gitignore            /target

Then: cd NAME && cargo build --release && cargo test, and
  ruchy-lambda-local invoke --bin target/release/NAME --file events/example.json";

/// `new --help`: examples.
const NEW_EXAMPLES: &str = "\
Examples:
  ruchy-lambda-local new orders
  ruchy-lambda-local new api --http --git https://github.com/ruchy-lambda/ruchy-lambda --tag v0.1.0";

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> Result<Command, CliError> {
        parse(args.iter().map(OsString::from))
    }

    /// The usage error for `args`, as printed (exit status 2).
    fn usage_message(args: &[&str]) -> String {
        match parse_str(args) {
            Err(CliError::Clap(e)) if e.exit_code() == 2 => e.to_string(),
            other => panic!("expected a usage error for {args:?}, got {other:?}"),
        }
    }

    /// The text `--help`, `help COMMAND` or `--version` prints (exit status 0).
    fn printed(args: &[&str]) -> String {
        match parse_str(args) {
            Err(CliError::Clap(e)) if e.exit_code() == 0 => e.to_string(),
            other => panic!("expected help for {args:?}, got {other:?}"),
        }
    }

    fn serve(args: &[&str]) -> ServeArgs {
        let args: Vec<&str> = std::iter::once("serve")
            .chain(args.iter().copied())
            .collect();
        match parse_str(&args) {
            Ok(Command::Serve(a)) => a,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn invoke_with_everything() {
        let command = parse_str(&[
            "invoke",
            "--example",
            "fibonacci",
            "--timeout",
            "10",
            "--memory=256",
            "--env",
            "A=1=2",
            "--env",
            "URL=http://x:1",
            "--name",
            "fib",
            "--json",
            "--log-format",
            "JSON",
            "--log-level=Warn",
            r#"{"n":1}"#,
            "--file",
            "e.json",
            "-",
            "--",
            "-5",
        ])
        .unwrap();
        assert_eq!(
            command,
            Command::Invoke(InvokeArgs {
                source: Source::Example {
                    name: "fibonacci".into(),
                    package: None
                },
                function: FunctionArgs {
                    timeout_seconds: 10,
                    memory_mb: 256,
                    env: vec![
                        ("A".into(), "1=2".into()),
                        ("URL".into(), "http://x:1".into())
                    ],
                    name: Some("fib".into()),
                    concurrency: 1,
                    log_format: LogFormat::Json,
                    log_level: Some(LogLevel::Warn),
                    ..FunctionArgs::default()
                },
                events: vec![
                    EventSource::Inline(r#"{"n":1}"#.into()),
                    EventSource::File("e.json".into()),
                    EventSource::Stdin,
                    EventSource::Inline("-5".into()),
                ],
                json: true,
            })
        );
        // Events and files keep their order whichever comes first.
        match parse_str(&[
            "invoke", "--bin", "b", "--file", "a", "1", "--file", "b", "2",
        ]) {
            Ok(Command::Invoke(a)) => assert_eq!(
                a.events,
                [
                    EventSource::File("a".into()),
                    EventSource::Inline("1".into()),
                    EventSource::File("b".into()),
                    EventSource::Inline("2".into()),
                ]
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn serve_and_package_defaults() {
        assert_eq!(
            serve(&["--bin", "b"]),
            ServeArgs {
                functions: vec![ServedFunction {
                    name: None,
                    source: Source::Bin("b".into()),
                    function: FunctionArgs::default(),
                    instances: None,
                    named: false,
                }],
                host: "127.0.0.1".into(),
                port: 8080,
                http: None,
                stage: None,
                multi_value_headers: false,
            }
        );
        let a = serve(&[
            "--bin",
            "b",
            "--instances",
            "4",
            "--port",
            "1",
            "--port",
            "0",
        ]);
        let f = &a.functions[0];
        assert_eq!(
            (f.instances, f.function.concurrency, a.port),
            (Some(4), 1, 0)
        );
        match parse_str(&["invoke", "--bin", "b", "--concurrency", "8", "1", "2"]).unwrap() {
            Command::Invoke(a) => assert_eq!((a.function.concurrency, a.events.len()), (8, 2)),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse_str(&[
                "package",
                "--example",
                "minimal",
                "-p",
                "ex",
                "--target",
                "aarch64-unknown-linux-gnu"
            ])
            .unwrap(),
            Command::Package(PackageArgs {
                source: Source::Example {
                    name: "minimal".into(),
                    package: Some("ex".into())
                },
                target: Some("aarch64-unknown-linux-gnu".into()),
                name: None,
                output_dir: None,
            })
        );
    }

    #[test]
    fn log_format_and_level() {
        let f = &serve(&["--bin", "b", "--log-format", "json"]).functions[0].function;
        assert_eq!((f.log_format, f.log_level), (LogFormat::Json, None));
        match parse_str(&["invoke", "--bin", "b", "--log-format=text"]).unwrap() {
            Command::Invoke(a) => assert_eq!(a.function.log_format, LogFormat::Text),
            other => panic!("{other:?}"),
        }
        for level in ["trace", "DEBUG", "Info", "warn", "error", "fatal"] {
            let a = serve(&["--bin", "b", "--log-format", "json", "--log-level", level]);
            assert_eq!(a.functions[0].function.log_level, level.parse().ok());
        }
        let cases: [(&[&str], &str); 5] = [
            (
                &["invoke", "--bin", "b", "--log-format", "yaml"],
                "'--log-format <FORMAT>': must be `text` or `json`, not `yaml`",
            ),
            (
                &[
                    "serve",
                    "--bin",
                    "b",
                    "--log-format",
                    "json",
                    "--log-level",
                    "warning",
                ],
                "'--log-level <LEVEL>': must be one of trace, debug, info, warn, error, fatal, \
                 not `warning`",
            ),
            (
                &["invoke", "--bin", "b", "--log-level", "warn"],
                "error: `--log-level` needs `--log-format json`",
            ),
            (
                &[
                    "invoke",
                    "--bin",
                    "b",
                    "--log-format",
                    "text",
                    "--log-level",
                    "warn",
                ],
                "error: `--log-level` needs `--log-format json`",
            ),
            (
                &["package", "--bin", "b", "--log-format", "json"],
                "error: unexpected argument '--log-format' found",
            ),
        ];
        for (args, message) in cases {
            let got = usage_message(args);
            assert!(got.contains(message), "{args:?}: {got}");
        }
        assert!(
            usage_message(&["invoke", "--bin", "b", "--log-level"])
                .contains("a value is required for '--log-level <LEVEL>'")
        );
        for command in ["invoke", "serve"] {
            let help = printed(&[command, "--help"]);
            assert!(help.contains("--log-format <FORMAT>") && help.contains("--log-level <LEVEL>"));
        }
    }

    #[test]
    fn help_and_version() {
        let overview = printed(&["--help"]);
        assert!(overview.starts_with("ruchy-lambda-local: a local AWS Lambda"));
        for command in ["invoke", "serve", "package", "new", "help"] {
            assert!(overview.contains(&format!("\n  {command} ")), "{overview}");
        }
        assert!(overview.contains("Exit status: 0 on success"));
        assert_eq!(
            printed(&["-V"]),
            concat!("ruchy-lambda-local ", env!("CARGO_PKG_VERSION"), "\n")
        );
        for args in [
            &["help", "serve"][..],
            &["serve", "--help"],
            &["serve", "-h"],
        ] {
            let help = printed(args);
            assert!(
                help.contains("Usage: ruchy-lambda-local serve (--example NAME")
                    && help.contains("Several functions: `--function NAME=SOURCE`"),
                "{args:?}: {help}"
            );
        }
        // The long explanations stay: after the usage, before the options.
        let invoke = printed(&["invoke", "--help"]);
        let usage = invoke.find("Usage:").unwrap();
        let notes = invoke.find("Each invocation prints on stderr").unwrap();
        let options = invoke.find("--timeout <SECONDS>").unwrap();
        assert!(usage < notes && notes < options, "{invoke}");
        assert!(invoke.contains("Ruchy handlers:") && invoke.contains("Examples:"));
        assert!(printed(&["package", "-h"]).contains("target/lambda/NAME-arm64/bootstrap.zip"));
        // Laid out for 100 columns, in both the short and the long help.
        for command in ["invoke", "serve", "package", "new"] {
            for flag in ["-h", "--help"] {
                let help = printed(&[command, flag]);
                let long = help.lines().find(|l| l.chars().count() > 100);
                assert_eq!(long, None, "{command} {flag}");
            }
        }
        let overview = printed(&["-h"]);
        assert_eq!(overview.lines().find(|l| l.chars().count() > 100), None);
        assert!(
            usage_message(&["package", "--bogus", "-h"]).contains("'--bogus'"),
            "an unknown option is reported even with --help after it"
        );
    }

    #[test]
    fn bad_input_is_a_usage_error() {
        let cases: &[(&[&str], &str)] = &[
            (&[], "requires a subcommand"),
            (&["deploy"], "unrecognized subcommand 'deploy'"),
            (&["invok"], "a similar subcommand exists: 'invoke'"),
            (
                &["invoke", "--bin"],
                "a value is required for '--bin <PATH>'",
            ),
            (
                &["invoke", "--bin", "b", "--frobnicate"],
                "unexpected argument '--frobnicate'",
            ),
            (
                &["invoke", "--bin", "b", "--timout", "3"],
                "a similar argument exists: '--timeout'",
            ),
            (
                &["invoke", "--bin", "b", "--port", "1"],
                "unexpected argument '--port'",
            ),
            (&["serve", "--bin", "b", "{}"], "unexpected argument '{}'"),
            (
                &["package", "--bin", "b", "--timeout", "3"],
                "unexpected argument '--timeout'",
            ),
            (&["invoke"], "which function?"),
            (&["serve"], "which function?"),
            (
                &["invoke", "--bin", "b", "--example", "e"],
                "'--bin <PATH>' cannot be used with '--example <NAME>'",
            ),
            (
                &["invoke", "--ruchy", "f.ruchy", "--bin", "b"],
                "'--ruchy <FILE>' cannot be used with '--bin <PATH>'",
            ),
            (
                &["invoke", "--ruchy", "f.ruchy", "-p", "x"],
                "`--package` goes with",
            ),
            (
                &["invoke", "--bin", "b", "--timeout", "0"],
                "'--timeout <SECONDS>': must be a whole number from 1 to 900, not `0`",
            ),
            (
                &["invoke", "--bin", "b", "--timeout", "901"],
                "from 1 to 900",
            ),
            (
                &["invoke", "--bin", "b", "--timeout", "1.5"],
                "whole number",
            ),
            (
                &["invoke", "--bin", "b", "--memory", "64"],
                "'--memory <MB>': must be a whole number from 128 to 10240",
            ),
            (
                &["invoke", "--bin", "b", "--env", "NOEQUALS"],
                "'--env <KEY=VALUE>': takes `KEY=VALUE`, not `NOEQUALS`",
            ),
            (
                &["invoke", "--bin", "b", "--env", "=x"],
                "takes `KEY=VALUE`",
            ),
            (
                &["invoke", "--bin", "b", "--name", "a/b"],
                "'--name <NAME>': invalid function name `a/b`",
            ),
            (&["invoke", "--bin", "b", "-", "-"], "may be given once"),
            (
                &["invoke", "--bin", "b", "--json=yes"],
                "unexpected value 'yes' for '--json'",
            ),
            (
                &["invoke", "--example", ""],
                "'--example <NAME>': needs a non-empty value",
            ),
            (
                &["serve", "--bin", "b", "--port", "70000"],
                "'--port <PORT>': 70000 is not in 0..=65535",
            ),
            (
                &["package", "--bin", "b", "--target", "x"],
                "`--target` goes with `--example`",
            ),
            (
                &["invoke", "--example", "a", "--example", "b"],
                "'--example <NAME>' cannot be used multiple times",
            ),
            (
                &["invoke", "--bin", "b", "--concurrency", "0"],
                "'--concurrency <N>': must be a whole number from 1 to 1024, not `0`",
            ),
            (
                &["serve", "--bin", "b", "--concurrency", "1025"],
                "from 1 to 1024",
            ),
            (
                &["serve", "--bin", "b", "--instances", "0"],
                "'--instances <N>': must be a whole number from 1 to 1024",
            ),
            (
                &["invoke", "--bin", "b", "--instances", "2"],
                "unexpected argument '--instances'",
            ),
            (
                &[
                    "serve",
                    "--bin",
                    "b",
                    "--instances",
                    "2",
                    "--concurrency",
                    "2",
                ],
                "not both",
            ),
        ];
        for (args, expected) in cases {
            let message = usage_message(args);
            assert!(
                message.starts_with("error: ") && message.contains(expected),
                "{args:?}: `{message}` should contain `{expected}`"
            );
        }
        // A rule checked after clap's shows the command's usage, as clap's own errors do.
        assert!(
            usage_message(&["invoke", "--bin", "b", "-", "-"])
                .contains("Usage: ruchy-lambda-local invoke (--example NAME")
        );
    }

    #[test]
    fn http_fronts() {
        let a = serve(&["--bin", "b", "--http", "apigw-v1", "--stage", "v2"]);
        assert_eq!(a.http, Some((0, Front::ApiGatewayV1)));
        assert_eq!(a.stage.as_deref(), Some("v2"));
        assert!(!a.multi_value_headers);
        let a = serve(&["--bin", "b", "--http=alb", "--multi-value-headers"]);
        assert!(a.http == Some((0, Front::Alb)) && a.multi_value_headers);
        for (args, message) in [
            (
                &["serve", "--bin", "b", "--http", "rest"][..],
                "'--http <[NAME:]FRONT>': must be one of apigw-v2, apigw-v1, alb, url, not `rest`",
            ),
            (
                &["serve", "--bin", "b", "--http", "url", "--stage", "x"],
                "error: `--stage` goes with `--http apigw-v1`",
            ),
            (
                &["serve", "--bin", "b", "--multi-value-headers"],
                "error: `--multi-value-headers` goes with `--http alb`",
            ),
            (
                &[
                    "serve", "--bin", "b", "--http", "apigw-v1", "--stage", "a/b",
                ],
                "'--stage <NAME>': takes letters, digits, `-` and `_`, not `a/b`",
            ),
            (
                &["invoke", "--bin", "b", "--http", "url"],
                "unexpected argument '--http'",
            ),
            (
                &["serve", "--bin", "b", "--http", "url", "--http", "alb"],
                "'--http <[NAME:]FRONT>' cannot be used multiple times",
            ),
        ] {
            let got = usage_message(args);
            assert!(got.contains(message), "{args:?}: {got}");
        }
        let help = printed(&["serve", "--help"]);
        assert!(help.contains("--http <[NAME:]FRONT>") && help.contains("--stage <NAME>"));
    }

    #[test]
    fn stream_options() {
        let a = serve(&[
            "--bin",
            "b",
            "--max-stream-bytes",
            "1000",
            "--stream-bandwidth",
            "500:100",
        ]);
        let f = &a.functions[0].function;
        assert_eq!(f.max_stream_bytes, 1000);
        assert_eq!(
            f.stream_bandwidth,
            Some(StreamBandwidth {
                burst_bytes: 100,
                bytes_per_second: 500
            })
        );
        match parse_str(&["invoke", "--bin", "b", "--stream-bandwidth", "lambda"]).unwrap() {
            Command::Invoke(a) => {
                assert_eq!(a.function.stream_bandwidth, Some(StreamBandwidth::LAMBDA))
            }
            other => panic!("{other:?}"),
        }
        assert!(
            usage_message(&["invoke", "--bin", "b", "--stream-bandwidth", "fast"])
                .contains("`lambda`, `RATE` or `RATE:BURST`")
        );
        assert!(
            usage_message(&["invoke", "--bin", "b", "--max-stream-bytes", "0"])
                .contains("0 is not in 1..=209715200")
        );
        for command in ["invoke", "serve"] {
            let help = printed(&[command, "--help"]);
            assert!(help.contains("--max-stream-bytes <N>") && help.contains("--stream-bandwidth"));
        }
    }

    #[test]
    fn lifecycle_options() {
        for command in ["invoke", "serve"] {
            let args = [
                command,
                "--bin",
                "b",
                "--snap-start",
                "--restore-pause",
                "200",
                "--shutdown-budget=300",
            ];
            let function = match parse_str(&args).unwrap() {
                Command::Invoke(a) => a.function,
                Command::Serve(mut a) => a.functions.remove(0).function,
                other => panic!("{other:?}"),
            };
            assert_eq!(
                (
                    function.snap_start,
                    function.restore_pause_ms,
                    function.shutdown_budget_ms
                ),
                (true, 200, 300)
            );
        }
        let defaults = FunctionArgs::default();
        assert_eq!(
            (
                defaults.snap_start,
                defaults.restore_pause_ms,
                defaults.shutdown_budget_ms
            ),
            (false, 50, 500)
        );
        for (args, message) in [
            (
                &["invoke", "--bin", "b", "--restore-pause", "10"][..],
                "error: `--restore-pause` goes with `--snap-start`",
            ),
            (
                &["invoke", "--bin", "b", "--shutdown-budget", "2001"],
                "'--shutdown-budget <MS>': 2001 is not in 0..=2000",
            ),
            (
                &[
                    "serve",
                    "--bin",
                    "b",
                    "--snap-start",
                    "--restore-pause",
                    "x",
                ],
                "invalid value 'x' for '--restore-pause <MS>'",
            ),
            (
                &["invoke", "--bin", "b", "--restore-pause", "60001"],
                "60001 is not in 0..=60000",
            ),
            (
                &["package", "--bin", "b", "--snap-start"],
                "unexpected argument '--snap-start'",
            ),
            (
                &["invoke", "--bin", "b", "--snap-start=yes"],
                "unexpected value 'yes' for '--snap-start'",
            ),
        ] {
            let got = usage_message(args);
            assert!(got.contains(message), "{args:?}: {got}");
        }
        for command in ["invoke", "serve"] {
            let help = printed(&[command, "--help"]);
            assert!(
                help.contains("--snap-start")
                    && help.contains("--restore-pause <MS>")
                    && help.contains("--shutdown-budget <MS>")
            );
        }
    }

    #[test]
    fn new_crates() {
        assert_eq!(
            parse_str(&["new", "orders"]).unwrap(),
            Command::New(NewArgs {
                path: "orders".into(),
                http: false,
                dependency: Dependency::Checkout,
            })
        );
        assert_eq!(
            parse_str(&["new", "--http", "a/api", "--path", "../rl"]).unwrap(),
            Command::New(NewArgs {
                path: "a/api".into(),
                http: true,
                dependency: Dependency::Path("../rl".into()),
            })
        );
        assert_eq!(
            parse_str(&["new", "api", "--git", "https://x/r.git", "--branch=main"]).unwrap(),
            Command::New(NewArgs {
                path: "api".into(),
                http: false,
                dependency: Dependency::Git {
                    url: "https://x/r.git".into(),
                    reference: Some((GitRef::Branch, "main".into())),
                },
            })
        );
        assert!(printed(&["new", "--help"]).contains("--git <URL>"));
        assert!(printed(&["help", "new"]).contains("Usage: ruchy-lambda-local new NAME"));
        for (args, message) in [
            (
                &["new"][..],
                "the following required arguments were not provided:\n  <NAME>",
            ),
            (&["new", "a", "b"], "unexpected argument 'b'"),
            (
                &["new", "a", "--path", "p", "--git", "u"],
                "'--path <DIR>' cannot be used with '--git <URL>'",
            ),
            (
                &["new", "a", "--tag", "v1"],
                "the following required arguments were not provided:\n  --git <URL>",
            ),
            (
                &["new", "a", "--git", "u", "--rev", "1", "--tag", "v1"],
                "'--rev <REV>' cannot be used with '--tag <NAME>'",
            ),
            (&["new", "a", "--bin", "b"], "unexpected argument '--bin'"),
            (
                &["new", "a", "--git"],
                "a value is required for '--git <URL>'",
            ),
        ] {
            let got = usage_message(args);
            assert!(got.contains(message), "{args:?}: {got}");
        }
    }

    #[test]
    fn function_names() {
        assert!(check_function_name("my-function_2").is_ok());
        assert!(check_function_name(&"a".repeat(64)).is_ok());
        for bad in ["", "a b", "../x", "é", "a:b", &"a".repeat(65)] {
            assert!(check_function_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn several_functions() {
        let a = serve(&[
            "--function",
            "orders=example:orders",
            "-p",
            "shop",
            "--function",
            "auth=bin:./auth",
            "--function=report=ruchy:report.ruchy",
            "--timeout",
            "5",
            "--timeout",
            "orders:10",
            "--memory",
            "auth:256",
            "--env",
            "LOG=debug",
            "--env",
            "auth:MODE=strict",
            "--env",
            "auth:LOG=trace",
            "--env",
            "URL=http://x:1",
            "--concurrency",
            "report:4",
            "--instances",
            "orders:2",
            "--instances",
            "auth:3",
            "--log-format",
            "auth:json",
            "--log-level",
            "auth:warn",
            "--snap-start",
        ]);
        let names: Vec<_> = a.functions.iter().map(|f| f.name.as_deref()).collect();
        assert_eq!(names, [Some("orders"), Some("auth"), Some("report")]);
        assert!(
            a.functions
                .iter()
                .all(|f| f.named && f.function.name == f.name)
        );
        let [orders, auth, report] = &a.functions[..] else {
            panic!("{a:?}")
        };
        assert_eq!(
            orders.source,
            Source::Example {
                name: "orders".into(),
                package: Some("shop".into())
            }
        );
        assert_eq!(auth.source, Source::Bin("./auth".into()));
        assert_eq!(report.source, Source::Ruchy("report.ruchy".into()));
        let timeouts: Vec<_> = a
            .functions
            .iter()
            .map(|f| f.function.timeout_seconds)
            .collect();
        assert_eq!(timeouts, [10, 5, 5]);
        let memory: Vec<_> = a.functions.iter().map(|f| f.function.memory_mb).collect();
        assert_eq!(memory, [128, 256, 128]);
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        assert_eq!(
            orders.function.env,
            [pair("LOG", "debug"), pair("URL", "http://x:1")]
        );
        assert_eq!(
            auth.function.env,
            [
                pair("LOG", "debug"),
                pair("URL", "http://x:1"),
                pair("MODE", "strict"),
                pair("LOG", "trace")
            ]
        );
        assert_eq!((report.function.concurrency, report.instances), (4, None));
        assert_eq!(orders.function.concurrency, 1);
        assert_eq!(
            (orders.instances, auth.instances),
            (Some(2), Some(3)),
            "{a:?}"
        );
        assert_eq!(
            (auth.function.log_format, auth.function.log_level),
            (LogFormat::Json, Some(LogLevel::Warn))
        );
        assert_eq!(orders.function.log_format, LogFormat::Text);
        assert!(a.functions.iter().all(|f| f.function.snap_start));
        assert_eq!(a.http, None);
    }

    #[test]
    fn several_functions_and_http() {
        let two = ["--function", "a=bin:x", "--function", "b=bin:y"];
        let with = |more: &[&'static str]| -> Vec<&'static str> { [&two[..], more].concat() };
        assert_eq!(
            serve(&with(&["--http", "b:apigw-v1", "--stage", "v1"])).http,
            Some((1, Front::ApiGatewayV1))
        );
        assert_eq!(
            serve(&["--function", "a=bin:x", "--http", "url"]).http,
            Some((0, Front::FunctionUrl))
        );
        assert_eq!(
            serve(&["--function", "a=bin:x", "--http", "a:url"]).http,
            Some((0, Front::FunctionUrl))
        );
        // The single function of `--bin` answers to the name `--name` gives it.
        let a = serve(&[
            "--bin",
            "x",
            "--name",
            "fn",
            "--http",
            "fn:alb",
            "--timeout",
            "fn:9",
        ]);
        assert_eq!(a.http, Some((0, Front::Alb)));
        assert_eq!(a.functions[0].function.timeout_seconds, 9);
        assert!(!a.functions[0].named);
        let message = |more: &[&'static str]| {
            let args: Vec<&str> = ["serve"].iter().copied().chain(with(more)).collect();
            usage_message(&args)
        };
        assert!(message(&["--http", "url"]).contains(
            "`--http url` with several functions: say which one serves it, \
                 `--http NAME:url`"
        ));
        assert!(message(&["--http", "c:url"]).contains("`--http c:…`: no function is named `c`"));
        assert!(
            message(&["--http", "a:url", "--stage", "v1"])
                .contains("`--stage` goes with `--http apigw-v1`")
        );
    }

    #[test]
    fn several_functions_refused() {
        for (args, message) in [
            (
                &["serve", "--function", "a=bin:x", "--function", "a=bin:y"][..],
                "`--function a=…` given twice",
            ),
            (
                &["serve", "--function", "a=bin:x", "--bin", "y"],
                "'--function <NAME=SOURCE>' cannot be used with '--bin <PATH>'",
            ),
            (
                &["serve", "--function", "a=bin:x", "--example", "y"],
                "cannot be used with",
            ),
            (
                &["serve", "--function", "a=bin:x", "--ruchy", "y"],
                "cannot be used with",
            ),
            (
                &["serve", "--function", "a=bin:x", "--name", "y"],
                "'--function <NAME=SOURCE>' cannot be used with '--name <NAME>'",
            ),
            (
                &["serve", "--function", "a/b=bin:x"],
                "'--function <NAME=SOURCE>': invalid function name `a/b`",
            ),
            (
                &["serve", "--function", "bin:x"],
                "takes `NAME=example:NAME`, `NAME=bin:PATH` or `NAME=ruchy:FILE`, not `bin:x`",
            ),
            (
                &["serve", "--function", "a=lib:x"],
                "the source of `a` must be `example:NAME`, `bin:PATH` or `ruchy:FILE`, \
                 not `lib:x`",
            ),
            (&["serve", "--function", "a=example:"], "the source of `a`"),
            (
                &["serve", "--function", "a=bin:x", "-p", "pkg"],
                "`--package` goes with `--example` or `--function NAME=example:…`",
            ),
            (
                &["serve", "--function", "a=bin:x", "--timeout", "b:3"],
                "`--timeout b:…`: no function is named `b`",
            ),
            (
                &["serve", "--function", "a=bin:x", "--env", "b:K=V"],
                "`--env b:…`: no function is named `b`",
            ),
            (
                &["serve", "--function", "a=bin:x", "--instances", "b:2"],
                "`--instances b:…`: no function is named `b`",
            ),
            (
                &["serve", "--bin", "x", "--memory", "x:256"],
                "`--memory x:…`: no function is named `x`",
            ),
            (
                &[
                    "invoke",
                    "--bin",
                    "x",
                    "--name",
                    "f",
                    "--concurrency",
                    "g:2",
                ],
                "`--concurrency g:…`: no function is named `g`",
            ),
            (
                &["serve", "--function", "a=bin:x", "--timeout", "a:0"],
                "'--timeout <SECONDS>': must be a whole number from 1 to 900, not `0`",
            ),
            (
                &["serve", "--function", "a=bin:x", "--timeout", "a/b:3"],
                "invalid function name `a/b`",
            ),
            (
                &[
                    "serve",
                    "--function",
                    "a=bin:x",
                    "--function",
                    "b=bin:y",
                    "--instances",
                    "a:2",
                    "--concurrency",
                    "a:2",
                ],
                "(one process, N invocations at once) for `a`, not both",
            ),
            (
                &[
                    "serve",
                    "--function",
                    "a=bin:x",
                    "--function",
                    "b=bin:y",
                    "--log-format",
                    "a:json",
                    "--log-level",
                    "warn",
                ],
                "`--log-level` needs `--log-format json` (function `b`)",
            ),
        ] {
            let got = usage_message(args);
            assert!(got.contains(message), "{args:?}: {got}");
        }
        // Per function, the rules between options hold for each: these are fine.
        let a = serve(&[
            "--function",
            "a=bin:x",
            "--function",
            "b=bin:y",
            "--instances",
            "a:2",
            "--concurrency",
            "b:2",
        ]);
        let got: Vec<_> = a
            .functions
            .iter()
            .map(|f| (f.instances, f.function.concurrency))
            .collect();
        assert_eq!(got, [(Some(2), 1), (None, 2)]);
    }
}
