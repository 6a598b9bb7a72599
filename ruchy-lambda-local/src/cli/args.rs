//! The command line: what each command accepts, parsed into [`Command`], and the help texts.

use std::ffi::OsString;
use std::path::PathBuf;

use lexopt::{Arg, Parser, ValueExt};
use ruchy_lambda_local::front::Front;
use ruchy_lambda_local::{LogFormat, LogLevel, MAX_STREAMED_BYTES, StreamBandwidth};

use super::CliError;

/// Lambda's timeout range, in seconds.
const TIMEOUT_SECONDS: std::ops::RangeInclusive<u32> = 1..=900;
/// Lambda's memory size range, in MB.
const MEMORY_MB: std::ops::RangeInclusive<u32> = 128..=10_240;
/// Longest function name Lambda accepts.
const MAX_NAME: usize = 64;
/// `--concurrency` and `--instances`: invocations per process, and processes.
const CONCURRENCY: std::ops::RangeInclusive<usize> = 1..=1024;
/// `--restore-pause`, in ms.
const RESTORE_PAUSE_MS: std::ops::RangeInclusive<u64> = 0..=60_000;
/// `--shutdown-budget`, in ms: Lambda's whole shutdown phase is capped at 2,000 ms.
const SHUTDOWN_BUDGET_MS: std::ops::RangeInclusive<u64> = 0..=2_000;

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
    /// `--help`, `help [COMMAND]`, `COMMAND --help`: the help of a command, or the overview.
    Help(Option<Topic>),
    /// `--version`
    Version,
}

/// A command, for its help text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    /// `invoke`
    Invoke,
    /// `serve`
    Serve,
    /// `package`
    Package,
    /// `new`
    New,
}

impl Topic {
    fn name(self) -> &'static str {
        match self {
            Topic::Invoke => "invoke",
            Topic::Serve => "serve",
            Topic::Package => "package",
            Topic::New => "new",
        }
    }
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
    /// `--name NAME`; by default the example's or the file's name.
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
    /// The functions, in the order given.
    pub functions: Vec<ServedFunction>,
    /// `--host`, default `127.0.0.1`.
    pub host: String,
    /// `--port`, default 8080; 0 picks a free one.
    pub port: u16,
    /// `--http [NAME:]FRONT`: an HTTP front (API Gateway, load balancer, function URL) before
    /// the function named, instead of the Invoke endpoint.
    pub http: Option<(String, Front)>,
    /// `--stage NAME` (with `--http apigw-v1`), default `prod`.
    pub stage: Option<String>,
    /// `--multi-value-headers` (with `--http alb`).
    pub multi_value_headers: bool,
}

/// One function of `serve`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedFunction {
    /// Its name: `--function`'s NAME; else `--name`, or empty when the name comes from the
    /// bootstrap (the example's or the file's name).
    pub name: String,
    /// The bootstrap.
    pub source: Source,
    /// Its configuration.
    pub function: FunctionArgs,
    /// `--instances N`: up to N processes, each started on demand, requests beyond them
    /// throttled; `None`: one process, requests queue.
    pub instances: Option<usize>,
    /// Given with `--function`: the Invoke API does not answer to `function` and `_` for it.
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

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, CliError> {
    let mut parser = Parser::from_args(args);
    let command = match parser.next().map_err(|e| usage(None, e))? {
        Some(Arg::Short('h') | Arg::Long("help")) => return Ok(Command::Help(None)),
        Some(Arg::Short('V') | Arg::Long("version")) => return Ok(Command::Version),
        Some(Arg::Value(value)) => value.string().map_err(|e| usage(None, e))?,
        Some(arg) => return Err(usage(None, arg.unexpected())),
        None => {
            return Err(CliError::Usage(
                "no command given: use `invoke`, `serve`, `package` or `new` (see `ruchy-lambda-local --help`)"
                    .to_owned(),
            ));
        }
    };
    let topic = match command.as_str() {
        "invoke" => Topic::Invoke,
        "serve" => Topic::Serve,
        "package" => Topic::Package,
        "new" => Topic::New,
        "help" => return parse_help(&mut parser),
        other => {
            return Err(CliError::Usage(format!(
                "unknown command `{other}`: use `invoke`, `serve`, `package` or `new` (see `ruchy-lambda-local --help`)"
            )));
        }
    };
    let parsed = if topic == Topic::New {
        parse_new(&mut parser)
    } else {
        parse_command(topic, &mut parser)
    };
    parsed.map_err(|e| match e {
        CliError::Usage(message) => CliError::Usage(format!(
            "{message} (see `ruchy-lambda-local {} --help`)",
            topic.name()
        )),
        other => other,
    })
}

fn parse_help(parser: &mut Parser) -> Result<Command, CliError> {
    let topic = match parser.next().map_err(|e| usage(None, e))? {
        None => None,
        Some(Arg::Value(v)) => match v.to_str() {
            Some("invoke") => Some(Topic::Invoke),
            Some("serve") => Some(Topic::Serve),
            Some("package") => Some(Topic::Package),
            Some("new") => Some(Topic::New),
            _ => {
                return Err(CliError::Usage(format!(
                    "no help for `{}`: use `invoke`, `serve`, `package` or `new`",
                    v.to_string_lossy()
                )));
            }
        },
        Some(arg) => return Err(usage(None, arg.unexpected())),
    };
    Ok(Command::Help(topic))
}

/// `new PATH [--http] [--path DIR | --git URL [--rev REV | --branch NAME | --tag NAME]]`.
fn parse_new(parser: &mut Parser) -> Result<Command, CliError> {
    let mut path: Option<PathBuf> = None;
    let mut http = false;
    let mut local: Option<PathBuf> = None;
    let mut git: Option<String> = None;
    let mut reference: Option<(GitRef, String)> = None;
    while let Some(arg) = parser.next().map_err(|e| usage(None, e))? {
        match arg {
            Arg::Short('h') | Arg::Long("help") => return Ok(Command::Help(Some(Topic::New))),
            Arg::Long("http") => http = true,
            Arg::Long("path") => {
                let dir = PathBuf::from(value(parser, "--path")?);
                set_once(&mut local, dir, "--path")?;
            }
            Arg::Long("git") => {
                let url = string_value(parser, "--git")?;
                set_once(&mut git, url, "--git")?;
            }
            Arg::Long(option @ ("rev" | "branch" | "tag")) => {
                let kind = match option {
                    "rev" => GitRef::Rev,
                    "branch" => GitRef::Branch,
                    _ => GitRef::Tag,
                };
                let flag = format!("--{option}");
                let value = string_value(parser, &flag)?;
                if reference.is_some() {
                    return Err(CliError::Usage(
                        "give one of `--rev`, `--branch` or `--tag`, not several".to_owned(),
                    ));
                }
                reference = Some((kind, value));
            }
            Arg::Value(v) => {
                if path.is_some() {
                    return Err(CliError::Usage(format!(
                        "unexpected argument `{}`: `new` takes one NAME",
                        v.to_string_lossy()
                    )));
                }
                path = Some(PathBuf::from(v));
            }
            other => {
                let name = match other {
                    Arg::Short(c) => format!("-{c}"),
                    Arg::Long(l) => format!("--{l}"),
                    Arg::Value(_) => String::new(),
                };
                return Err(CliError::Usage(format!(
                    "unknown option `{name}` for `new`"
                )));
            }
        }
    }
    let Some(path) = path else {
        return Err(CliError::Usage(
            "which crate? give its NAME (or a path whose last part is the name)".to_owned(),
        ));
    };
    let dependency = match (local, git, reference) {
        (Some(_), Some(_), _) => {
            return Err(CliError::Usage(
                "give either `--path DIR` or `--git URL`, not both".to_owned(),
            ));
        }
        (_, None, Some((kind, _))) => {
            return Err(CliError::Usage(format!(
                "`--{}` goes with `--git URL`",
                kind.key()
            )));
        }
        (Some(dir), None, None) => Dependency::Path(dir),
        (None, Some(url), reference) => Dependency::Git { url, reference },
        (None, None, None) => Dependency::Checkout,
    };
    Ok(Command::New(NewArgs {
        path,
        http,
        dependency,
    }))
}

/// Everything a command may be given; each command then takes what applies to it.
#[derive(Default)]
struct Raw {
    example: Option<String>,
    package: Option<String>,
    bin: Option<PathBuf>,
    ruchy: Option<PathBuf>,
    function: FunctionArgs,
    events: Vec<EventSource>,
    json: bool,
    host: Option<String>,
    port: Option<u16>,
    instances: Option<usize>,
    http: Option<Front>,
    stage: Option<String>,
    multi_value_headers: bool,
    target: Option<String>,
    output_dir: Option<PathBuf>,
    restore_pause_given: bool,
}

fn parse_command(topic: Topic, parser: &mut Parser) -> Result<Command, CliError> {
    let mut raw = Raw::default();
    let invoke = topic == Topic::Invoke;
    let runs = topic != Topic::Package;
    let mut stdin_seen = false;
    while let Some(arg) = parser.next().map_err(|e| usage(None, e))? {
        match arg {
            Arg::Short('h') | Arg::Long("help") => return Ok(Command::Help(Some(topic))),
            Arg::Long("example") => {
                let name = string_value(parser, "--example")?;
                set_once(&mut raw.example, name, "--example")?;
            }
            Arg::Short('p') | Arg::Long("package") => {
                let package = string_value(parser, "--package")?;
                set_once(&mut raw.package, package, "--package")?;
            }
            Arg::Long("bin") => {
                let path = PathBuf::from(value(parser, "--bin")?);
                set_once(&mut raw.bin, path, "--bin")?;
            }
            Arg::Long("ruchy") => {
                let path = PathBuf::from(value(parser, "--ruchy")?);
                set_once(&mut raw.ruchy, path, "--ruchy")?;
            }
            Arg::Long("name") => {
                let name = string_value(parser, "--name")?;
                check_function_name(&name)?;
                set_once(&mut raw.function.name, name, "--name")?;
            }
            Arg::Long("timeout") if runs => {
                raw.function.timeout_seconds = number_value(parser, "--timeout", TIMEOUT_SECONDS)?;
            }
            Arg::Long("memory") if runs => {
                raw.function.memory_mb = number_value(parser, "--memory", MEMORY_MB)?;
            }
            Arg::Long("concurrency") if runs => {
                raw.function.concurrency = number_value(parser, "--concurrency", CONCURRENCY)?;
            }
            Arg::Long("log-format") if runs => {
                let format = string_value(parser, "--log-format")?;
                raw.function.log_format = format.parse().map_err(|_| {
                    CliError::Usage(format!(
                        "`--log-format` must be `text` or `json`, not `{format}`"
                    ))
                })?;
            }
            Arg::Long("log-level") if runs => {
                let level = string_value(parser, "--log-level")?;
                let level = level.parse().map_err(|_| {
                    CliError::Usage(format!(
                        "`--log-level` must be one of trace, debug, info, warn, error, fatal, not `{level}`"
                    ))
                })?;
                raw.function.log_level = Some(level);
            }
            Arg::Long("max-stream-bytes") if runs => {
                raw.function.max_stream_bytes =
                    number_value(parser, "--max-stream-bytes", 1..=MAX_STREAMED_BYTES)?;
            }
            Arg::Long("stream-bandwidth") if runs => {
                let value = string_value(parser, "--stream-bandwidth")?;
                raw.function.stream_bandwidth = Some(stream_bandwidth(&value)?);
            }
            Arg::Long("snap-start") if runs => raw.function.snap_start = true,
            Arg::Long("restore-pause") if runs => {
                raw.function.restore_pause_ms =
                    number_value(parser, "--restore-pause", RESTORE_PAUSE_MS)?;
                raw.restore_pause_given = true;
            }
            Arg::Long("shutdown-budget") if runs => {
                raw.function.shutdown_budget_ms =
                    number_value(parser, "--shutdown-budget", SHUTDOWN_BUDGET_MS)?;
            }
            Arg::Long("instances") if topic == Topic::Serve => {
                raw.instances = Some(number_value(parser, "--instances", CONCURRENCY)?);
            }
            Arg::Long("http") if topic == Topic::Serve => {
                let name = string_value(parser, "--http")?;
                let front = Front::from_name(&name).ok_or_else(|| {
                    CliError::Usage(format!(
                        "`--http` must be one of apigw-v2, apigw-v1, alb, url, not `{name}`"
                    ))
                })?;
                set_once(&mut raw.http, front, "--http")?;
            }
            Arg::Long("stage") if topic == Topic::Serve => {
                let stage = string_value(parser, "--stage")?;
                if !stage
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    return Err(CliError::Usage(format!(
                        "`--stage` takes letters, digits, `-` and `_`, not `{stage}`"
                    )));
                }
                set_once(&mut raw.stage, stage, "--stage")?;
            }
            Arg::Long("multi-value-headers") if topic == Topic::Serve => {
                raw.multi_value_headers = true;
            }
            Arg::Long("env") if runs => {
                let pair = string_value(parser, "--env")?;
                raw.function.env.push(env_pair(&pair)?);
            }
            Arg::Long("file") if invoke => {
                let path = PathBuf::from(value(parser, "--file")?);
                raw.events.push(EventSource::File(path));
            }
            Arg::Long("json") if invoke => raw.json = true,
            Arg::Value(v) if invoke => {
                if v == "-" {
                    if stdin_seen {
                        return Err(CliError::Usage(
                            "`-` (an event from standard input) may be given once".to_owned(),
                        ));
                    }
                    stdin_seen = true;
                    raw.events.push(EventSource::Stdin);
                } else {
                    let event = v.string().map_err(|_| {
                        CliError::Usage("an event given as an argument must be UTF-8".to_owned())
                    })?;
                    raw.events.push(EventSource::Inline(event));
                }
            }
            Arg::Long("host") if topic == Topic::Serve => {
                let host = string_value(parser, "--host")?;
                set_once(&mut raw.host, host, "--host")?;
            }
            Arg::Long("port") if topic == Topic::Serve => {
                raw.port = Some(number_value(parser, "--port", 0..=u16::MAX)?);
            }
            Arg::Long("target") if topic == Topic::Package => {
                let target = string_value(parser, "--target")?;
                set_once(&mut raw.target, target, "--target")?;
            }
            Arg::Long("output-dir") if topic == Topic::Package => {
                let dir = PathBuf::from(value(parser, "--output-dir")?);
                set_once(&mut raw.output_dir, dir, "--output-dir")?;
            }
            Arg::Value(v) => {
                return Err(CliError::Usage(format!(
                    "unexpected argument `{}`: `{}` takes no positional arguments",
                    v.to_string_lossy(),
                    topic.name()
                )));
            }
            other => {
                let name = match other {
                    Arg::Short(c) => format!("-{c}"),
                    Arg::Long(l) => format!("--{l}"),
                    Arg::Value(_) => String::new(),
                };
                return Err(CliError::Usage(format!(
                    "unknown option `{name}` for `{}`",
                    topic.name()
                )));
            }
        }
    }
    let source = source(&mut raw)?;
    if raw.function.log_level.is_some() && raw.function.log_format != LogFormat::Json {
        return Err(CliError::Usage(
            "`--log-level` needs `--log-format json`: Lambda filters by level in the JSON log \
             format only"
                .to_owned(),
        ));
    }
    if raw.restore_pause_given && !raw.function.snap_start {
        return Err(CliError::Usage(
            "`--restore-pause` goes with `--snap-start` (it is how long the restore is held)"
                .to_owned(),
        ));
    }
    if raw.instances.is_some() && raw.function.concurrency > 1 {
        return Err(CliError::Usage(
            "give either `--instances N` (N processes, one invocation each) or `--concurrency N` \
             (one process, N invocations at once), not both"
                .to_owned(),
        ));
    }
    if raw.stage.is_some() && raw.http != Some(Front::ApiGatewayV1) {
        return Err(CliError::Usage(
            "`--stage` goes with `--http apigw-v1` (a REST API's stage)".to_owned(),
        ));
    }
    if raw.multi_value_headers && raw.http != Some(Front::Alb) {
        return Err(CliError::Usage(
            "`--multi-value-headers` goes with `--http alb` (a target group's setting)".to_owned(),
        ));
    }
    Ok(match topic {
        Topic::Invoke => Command::Invoke(InvokeArgs {
            source,
            function: raw.function,
            events: raw.events,
            json: raw.json,
        }),
        Topic::Serve => Command::Serve(ServeArgs {
            functions: vec![ServedFunction {
                name: raw.function.name.clone().unwrap_or_default(),
                source,
                function: raw.function,
                instances: raw.instances,
                named: false,
            }],
            host: raw.host.unwrap_or_else(|| "127.0.0.1".to_owned()),
            port: raw.port.unwrap_or(8080),
            http: raw.http.map(|front| (String::new(), front)),
            stage: raw.stage,
            multi_value_headers: raw.multi_value_headers,
        }),
        Topic::Package => Command::Package(PackageArgs {
            source,
            target: raw.target,
            name: raw.function.name,
            output_dir: raw.output_dir,
        }),
        // `new` has a parser of its own (`parse_new`): never parsed here.
        Topic::New => {
            return Err(CliError::Usage(
                "`new` takes a NAME, not the options of a function".to_owned(),
            ));
        }
    })
}

fn source(raw: &mut Raw) -> Result<Source, CliError> {
    let given = [
        raw.example.is_some(),
        raw.bin.is_some(),
        raw.ruchy.is_some(),
    ];
    if given.iter().filter(|&&g| g).count() > 1 {
        return Err(CliError::Usage(
            "give one of `--example NAME`, `--bin PATH` or `--ruchy FILE`, not several".to_owned(),
        ));
    }
    if raw.example.is_none() && raw.package.is_some() {
        return Err(CliError::Usage(
            "`--package` goes with `--example`, not `--bin` or `--ruchy`".to_owned(),
        ));
    }
    if let Some(name) = raw.example.take() {
        return Ok(Source::Example {
            name,
            package: raw.package.take(),
        });
    }
    if let Some(path) = raw.ruchy.take() {
        return Ok(Source::Ruchy(path));
    }
    if let Some(path) = raw.bin.take() {
        if raw.target.is_some() {
            return Err(CliError::Usage(
                "`--target` goes with `--example` or `--ruchy` (the bootstrap is built for it), \
                 not `--bin`"
                    .to_owned(),
            ));
        }
        return Ok(Source::Bin(path));
    }
    Err(CliError::Usage(
        "which function? give `--example NAME` (built with cargo), `--bin PATH` (a built \
         bootstrap) or `--ruchy FILE` (a handler written in Ruchy)"
            .to_owned(),
    ))
}

fn set_once<T>(slot: &mut Option<T>, value: T, option: &str) -> Result<(), CliError> {
    if slot.is_some() {
        return Err(CliError::Usage(format!("`{option}` given twice")));
    }
    *slot = Some(value);
    Ok(())
}

fn value(parser: &mut Parser, option: &str) -> Result<OsString, CliError> {
    parser.value().map_err(|e| usage(Some(option), e))
}

fn string_value(parser: &mut Parser, option: &str) -> Result<String, CliError> {
    let v = value(parser, option)?;
    let s = v
        .into_string()
        .map_err(|_| CliError::Usage(format!("the value of `{option}` must be UTF-8")))?;
    if s.is_empty() {
        return Err(CliError::Usage(format!(
            "`{option}` needs a non-empty value"
        )));
    }
    Ok(s)
}

fn number_value<T>(
    parser: &mut Parser,
    option: &str,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, CliError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let s = string_value(parser, option)?;
    let bad = || {
        CliError::Usage(format!(
            "`{option}` must be a whole number from {} to {}, not `{s}`",
            range.start(),
            range.end()
        ))
    };
    let n: T = s.parse().map_err(|_| bad())?;
    if !range.contains(&n) {
        return Err(bad());
    }
    Ok(n)
}

/// `lambda` (6 MiB, then 2 MiB/s), `RATE` (bytes per second after Lambda's 6 MiB) or
/// `RATE:BURST` (bytes per second after BURST bytes).
fn stream_bandwidth(value: &str) -> Result<StreamBandwidth, CliError> {
    if value.eq_ignore_ascii_case("lambda") {
        return Ok(StreamBandwidth::LAMBDA);
    }
    let bad = || {
        CliError::Usage(format!(
            "`--stream-bandwidth` takes `lambda`, `RATE` or `RATE:BURST` (bytes per second, \
             bytes), not `{value}`"
        ))
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

fn env_pair(pair: &str) -> Result<(String, String), CliError> {
    match pair.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(CliError::Usage(format!(
            "`--env` takes `KEY=VALUE`, not `{pair}`"
        ))),
    }
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

/// A lexer error as a usage error, in the words of this command line.
fn usage(option: Option<&str>, error: lexopt::Error) -> CliError {
    let message = match error {
        lexopt::Error::MissingValue { option: o } => {
            let o = o.as_deref().or(option).unwrap_or("an option");
            format!("`{o}` needs a value")
        }
        lexopt::Error::UnexpectedOption(o) => format!("unknown option `{o}`"),
        lexopt::Error::UnexpectedArgument(a) => {
            format!("unexpected argument `{}`", a.to_string_lossy())
        }
        lexopt::Error::UnexpectedValue { option, .. } => format!("`{option}` takes no value"),
        lexopt::Error::NonUnicodeValue(v) => {
            format!("argument `{}` is not valid UTF-8", v.to_string_lossy())
        }
        other => other.to_string(),
    };
    CliError::Usage(message)
}

/// The overview: `ruchy-lambda-local --help`.
pub const HELP: &str = "\
ruchy-lambda-local: a local AWS Lambda for bootstraps built with ruchy-lambda (or any
provided.al2023 runtime). It serves the Lambda Runtime API on loopback, runs your bootstrap the
way Lambda does, and prints what CloudWatch would show.

Usage: ruchy-lambda-local <COMMAND> [OPTIONS]

Commands:
  invoke    Build an example or a Ruchy handler (or take a built bootstrap), invoke it with
            events, print the replies
  serve     Run a function behind Lambda's Invoke endpoint, for curl and AWS SDKs, or behind
            an HTTP front (API Gateway, load balancer, function URL) with `--http`
  package   Build an example (or a Ruchy handler) in release and zip it as bootstrap.zip for
            provided.al2023
  new       Write a new function's crate: Cargo.toml, a handler with its unit test, an event
            file and a README, ready for `cargo build --release`
  help      Show the help of a command

Options:
  -h, --help       Show this help
  -V, --version    Show the version

Examples:
  ruchy-lambda-local invoke --example fibonacci '{\"n\":35}'
  ruchy-lambda-local serve --example fibonacci --port 8080
  ruchy-lambda-local serve --example http --http apigw-v2
  ruchy-lambda-local package --example minimal --target aarch64-unknown-linux-gnu
  ruchy-lambda-local invoke --ruchy handler.ruchy '{}'
  ruchy-lambda-local new my-function --http

Exit status: 0 on success, 1 when a function failed or something went wrong running it,
2 for bad input (options, event files, events).
";

/// `invoke --help`
pub const INVOKE_HELP: &str = "\
Invoke a function once per event, like `aws lambda invoke`, on a local Lambda.

Usage: ruchy-lambda-local invoke (--example NAME | --bin PATH | --ruchy FILE) [OPTIONS] [EVENT...]

Each invocation prints on stderr what CloudWatch would show (START, the function's own output,
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
the order of the events. A timeout then fails only that invocation: the process is not stopped.

Ruchy handlers: `--ruchy FILE` transpiles FILE with the `ruchy` transpiler (the program RUCHY
names, else `ruchy` on PATH) in a crate of its own under target/ruchy-lambda/ of the checkout
this command was built from, and builds it in release with `cargo build --release`. The crate is
kept: the next run only rebuilds what changed, and editing FILE rebuilds it. A transpile error
fails the build with the transpiler's message; with no transpiler, the message names the
command that installs it.

Function:
      --example NAME     Build this example with `cargo build --release --example NAME`
  -p, --package PKG      The package that has the example (passed to cargo)
      --bin PATH         Run this built bootstrap instead
      --ruchy FILE       Build this handler written in Ruchy (a .ruchy file) into a bootstrap
                         of its own, then run it (see \"Ruchy handlers\" above)

Events:
  EVENT                  An event, as text (JSON for most handlers); use `--` before an event
                         that starts with `-`
  -                      Read one event from standard input
      --file PATH        Read one event from a file (may be repeated)

Options:
      --timeout SECONDS  Function timeout, 1 to 900 [default: 3]
      --memory MB        Memory size, 128 to 10240 (reported, not enforced) [default: 128]
      --env KEY=VALUE    Set an environment variable for the function (may be repeated)
      --name NAME        Function name (AWS_LAMBDA_FUNCTION_NAME) [default: the example's or
                         the file's name]
      --concurrency N    Invocations the process takes at once, 1 to 1024, as on Lambda
                         Managed Instances; the events are sent in parallel [default: 1]
      --log-format FORMAT
                         `text` or `json` (AWS_LAMBDA_LOG_FORMAT) [default: text]. With json,
                         START and REPORT are written as Lambda's JSON records (platform.start,
                         platform.report), and the function's lines are filtered by level
      --log-level LEVEL  With `--log-format json`: the application log level
                         (AWS_LAMBDA_LOG_LEVEL), one of trace, debug, info, warn, error, fatal
                         [default: info]. A line below it is dropped; a line that is not a JSON
                         object with a \"level\" counts as info
      --max-stream-bytes N
                         The largest streamed reply, 1 to 209715200 [default: 209715200, Lambda's
                         200 MB]. Past it the invocation fails with Function.ResponseSizeTooLarge
      --stream-bandwidth lambda|RATE[:BURST]
                         Cap streamed replies as Lambda does: `lambda` is 6 MB at full speed,
                         then 2 MB/s; RATE is bytes per second after BURST bytes (default
                         6291456). The Runtime API reads the reply more slowly [default: no cap]
      --snap-start       SnapStart for custom runtimes: the function gets
                         AWS_LAMBDA_INITIALIZATION_TYPE=snap-start; init ends at
                         /runtime/restore/next (INIT_REPORT), which is held, then answered
                         (RESTORE_START); the restore ends at the first /invocation/next
                         (RESTORE_REPORT), before the first START. Its REPORT has Restore
                         Duration and Billed Restore Duration (the same span here) instead of
                         Init Duration. An error posted to /runtime/restore/error fails that
                         invocation and stops the process
      --restore-pause MS With `--snap-start`: how long /runtime/restore/next is held, standing
                         for the snapshot being taken and restored, 0 to 60000 [default: 50]
      --shutdown-budget MS
                         When the process is stopped with an extension registered (Extensions
                         API): SHUTDOWN to the extensions registered for it, SIGTERM, then
                         SIGKILL after MS, 0 to 2000 [default: 500]. With none, SIGKILL at once
      --json             Print one JSON record per invocation on stdout (request_id, status,
                         reply, error, duration_ms, billed_ms, init_ms, max_memory_mb,
                         memory_size_mb); every event must then be valid JSON
  -h, --help             Show this help

Examples:
  ruchy-lambda-local invoke --example fibonacci '{\"n\":35}' '{\"n\":10}'
  echo '{\"n\":20}' | ruchy-lambda-local invoke --example fibonacci -
  ruchy-lambda-local invoke --bin target/release/examples/minimal --json --file event.json
  ruchy-lambda-local invoke --example sleep --concurrency 4 '{\"ms\":200}' '{\"ms\":200}'
  ruchy-lambda-local invoke --example minimal --log-format json --log-level warn '{}'
  ruchy-lambda-local invoke --ruchy examples/ruchy/fibonacci.ruchy '{\"n\":10}'
";

/// `serve --help`
pub const SERVE_HELP: &str = "\
Run a function and expose Lambda's Invoke API, as the Runtime Interface Emulator does, for curl,
`aws lambda invoke --endpoint-url`, the AWS SDKs and `cargo lambda invoke`:

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
answer once the reply is complete.

Usage: ruchy-lambda-local serve (--example NAME | --bin PATH | --ruchy FILE) [OPTIONS]

Ruchy handlers: `--ruchy FILE` transpiles FILE with the `ruchy` transpiler (the program RUCHY
names, else `ruchy` on PATH) in a crate of its own under target/ruchy-lambda/ of the checkout
this command was built from, and builds it in release with `cargo build --release`. The crate is
kept: the next run only rebuilds what changed, and editing FILE rebuilds it. A transpile error
fails the build with the transpiler's message; with no transpiler, the message names the
command that installs it.

Function:
      --example NAME     Build this example with `cargo build --release --example NAME`
  -p, --package PKG      The package that has the example (passed to cargo)
      --bin PATH         Run this built bootstrap instead
      --ruchy FILE       Build this handler written in Ruchy (a .ruchy file) into a bootstrap
                         of its own, then run it (see \"Ruchy handlers\" above)

Options:
      --host HOST        Address to listen on [default: 127.0.0.1]
      --port PORT        Port to listen on; 0 picks a free one [default: 8080]
      --http FRONT       Serve as an HTTP front: apigw-v2, apigw-v1, alb or url (see above)
                         [default: none, the Invoke endpoint]
      --stage NAME       With `--http apigw-v1`: the REST API's stage [default: prod]
      --multi-value-headers
                         With `--http alb`: the target group's multi-value headers are on
      --timeout SECONDS  Function timeout, 1 to 900 [default: 3]
      --memory MB        Memory size, 128 to 10240 (reported, not enforced) [default: 128]
      --env KEY=VALUE    Set an environment variable for the function (may be repeated)
      --name NAME        Function name; the endpoint also answers under it
                         [default: the example's or the file's name]
      --instances N      Up to N processes, 1 to 1024, started on demand; throttle beyond
      --concurrency N    One process taking up to N invocations at once, 1 to 1024; throttle
                         beyond [default: 1, requests queue]
      --log-format FORMAT
                         `text` or `json` (AWS_LAMBDA_LOG_FORMAT) [default: text]. With json,
                         START and REPORT are written as Lambda's JSON records (platform.start,
                         platform.report), and the function's lines are filtered by level
      --log-level LEVEL  With `--log-format json`: the application log level
                         (AWS_LAMBDA_LOG_LEVEL), one of trace, debug, info, warn, error, fatal
                         [default: info]. A line below it is dropped; a line that is not a JSON
                         object with a \"level\" counts as info
      --max-stream-bytes N
                         The largest streamed reply, 1 to 209715200 [default: 209715200, Lambda's
                         200 MB]. Past it the invocation fails with Function.ResponseSizeTooLarge
      --stream-bandwidth lambda|RATE[:BURST]
                         Cap streamed replies as Lambda does: `lambda` is 6 MB at full speed,
                         then 2 MB/s; RATE is bytes per second after BURST bytes (default
                         6291456). The Runtime API reads the reply more slowly [default: no cap]
      --snap-start       SnapStart for custom runtimes: the function gets
                         AWS_LAMBDA_INITIALIZATION_TYPE=snap-start; init ends at
                         /runtime/restore/next (INIT_REPORT), which is held, then answered
                         (RESTORE_START); the restore ends at the first /invocation/next
                         (RESTORE_REPORT), before the first START. Its REPORT has Restore
                         Duration and Billed Restore Duration (the same span here) instead of
                         Init Duration. An error posted to /runtime/restore/error fails that
                         invocation and stops the process
      --restore-pause MS With `--snap-start`: how long /runtime/restore/next is held, standing
                         for the snapshot being taken and restored, 0 to 60000 [default: 50]
      --shutdown-budget MS
                         When the process is stopped with an extension registered (Extensions
                         API): SHUTDOWN to the extensions registered for it, SIGTERM, then
                         SIGKILL after MS, 0 to 2000 [default: 500]. With none, SIGKILL at once
  -h, --help             Show this help
";

/// `package --help`
pub const PACKAGE_HELP: &str = "\
Build a bootstrap in release and zip it for Lambda's provided.al2023 runtime: one entry,
`bootstrap`, mode 0755, at the root of the zip.

Usage: ruchy-lambda-local package ((--example NAME | --ruchy FILE) [--target TRIPLE] | --bin PATH)
                                  [OPTIONS]

The zip is written to target/lambda/NAME/bootstrap.zip (the cargo target directory), or to
target/lambda/NAME-arm64/bootstrap.zip for an arm64 (aarch64) bootstrap. A bootstrap that needs
a glibc newer than 2.34 (the one provided.al2023 has) is refused: build it on an older system
or for a musl target.

Ruchy handlers: `--ruchy FILE` transpiles FILE with the `ruchy` transpiler (the program RUCHY
names, else `ruchy` on PATH) in a crate of its own under target/ruchy-lambda/ of the checkout
this command was built from, and builds it in release with `cargo build --release`. The crate is
kept: the next run only rebuilds what changed, and editing FILE rebuilds it. A transpile error
fails the build with the transpiler's message; with no transpiler, the message names the
command that installs it.

Function:
      --example NAME     Build this example with `cargo build --release --example NAME`
  -p, --package PKG      The package that has the example (passed to cargo)
      --target TRIPLE    Build for this target, e.g. aarch64-unknown-linux-gnu (passed to cargo)
      --bin PATH         Zip this built bootstrap instead
      --ruchy FILE       Build this handler written in Ruchy (a .ruchy file) into a bootstrap
                         of its own, then zip it (see \"Ruchy handlers\" above)

Options:
      --name NAME        The folder name under target/lambda [default: the example's or the
                         file's name]
      --output-dir DIR   Write NAME/bootstrap.zip under DIR instead of target/lambda
                         [env: RUCHY_LAMBDA_ZIP_DIR]
  -h, --help             Show this help
";

/// `new --help`
pub const NEW_HELP: &str = "\
Write a new function's crate, ready to build, test and invoke on this local Lambda.

Usage: ruchy-lambda-local new NAME [--http] [--path DIR | --git URL [--rev REV | --branch NAME |
                                                                   --tag NAME]]

NAME is the crate's folder; its last part names the crate, its binary and the function. It
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
  ruchy-lambda-local invoke --bin target/release/NAME --file events/example.json

Where ruchy-lambda comes from:
  (default)             A path dependency on the checkout this command was built from
      --path DIR        A path dependency on another checkout (DIR, or its ruchy-lambda folder)
      --git URL         A git dependency on this repository URL instead
      --rev REV, --branch NAME, --tag NAME
                        With --git: the commit to take (one of them) [default: the default
                        branch]

Options:
      --http            An HTTP function (API Gateway, load balancer, function URL)
  -h, --help            Show this help

Examples:
  ruchy-lambda-local new orders
  ruchy-lambda-local new api --http --git https://github.com/ruchy-lambda/ruchy-lambda --tag v0.1.0
";

/// The help text of a command, or the overview.
pub fn help(topic: Option<Topic>) -> &'static str {
    match topic {
        None => HELP,
        Some(Topic::Invoke) => INVOKE_HELP,
        Some(Topic::Serve) => SERVE_HELP,
        Some(Topic::Package) => PACKAGE_HELP,
        Some(Topic::New) => NEW_HELP,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> Result<Command, CliError> {
        parse(args.iter().map(OsString::from))
    }

    fn usage_message(args: &[&str]) -> String {
        match parse_str(args) {
            Err(CliError::Usage(m)) => m,
            other => panic!("expected a usage error for {args:?}, got {other:?}"),
        }
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
                    env: vec![("A".into(), "1=2".into())],
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
    }

    #[test]
    fn serve_and_package_defaults() {
        assert_eq!(
            parse_str(&["serve", "--bin", "b"]).unwrap(),
            Command::Serve(ServeArgs {
                functions: vec![ServedFunction {
                    name: String::new(),
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
            })
        );
        match parse_str(&["serve", "--bin", "b", "--instances", "4"]).unwrap() {
            Command::Serve(a) => assert_eq!(
                (
                    a.functions[0].instances,
                    a.functions[0].function.concurrency
                ),
                (Some(4), 1)
            ),
            other => panic!("{other:?}"),
        }
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
        match parse_str(&["serve", "--bin", "b", "--log-format", "json"]).unwrap() {
            Command::Serve(a) => {
                assert_eq!(
                    (
                        a.functions[0].function.log_format,
                        a.functions[0].function.log_level
                    ),
                    (LogFormat::Json, None)
                )
            }
            other => panic!("{other:?}"),
        }
        match parse_str(&["invoke", "--bin", "b", "--log-format=text"]).unwrap() {
            Command::Invoke(a) => assert_eq!(a.function.log_format, LogFormat::Text),
            other => panic!("{other:?}"),
        }
        for level in ["trace", "DEBUG", "Info", "warn", "error", "fatal"] {
            let args = [
                "serve",
                "--bin",
                "b",
                "--log-format",
                "json",
                "--log-level",
                level,
            ];
            match parse_str(&args).unwrap() {
                Command::Serve(a) => {
                    assert_eq!(a.functions[0].function.log_level, level.parse().ok())
                }
                other => panic!("{other:?}"),
            }
        }
        let cases: [(&[&str], &str); 5] = [
            (
                &["invoke", "--bin", "b", "--log-format", "yaml"],
                "`--log-format` must be `text` or `json`, not `yaml`",
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
                "`--log-level` must be one of trace, debug, info, warn, error, fatal, not `warning`",
            ),
            (
                &["invoke", "--bin", "b", "--log-level", "warn"],
                "`--log-level` needs `--log-format json`",
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
                "`--log-level` needs `--log-format json`",
            ),
            (
                &["package", "--bin", "b", "--log-format", "json"],
                "unknown option `--log-format` for `package`",
            ),
        ];
        for (args, message) in cases {
            let got = usage_message(args);
            assert!(got.starts_with(message), "{args:?}: {got}");
        }
        assert!(usage_message(&["invoke", "--bin", "b", "--log-level"]).contains("needs a value"));
        for help in [INVOKE_HELP, SERVE_HELP] {
            assert!(help.contains("--log-format FORMAT") && help.contains("--log-level LEVEL"));
        }
    }

    #[test]
    fn help_and_version() {
        assert_eq!(parse_str(&["--help"]).unwrap(), Command::Help(None));
        assert_eq!(parse_str(&["-V"]).unwrap(), Command::Version);
        assert_eq!(
            parse_str(&["help", "serve"]).unwrap(),
            Command::Help(Some(Topic::Serve))
        );
        assert_eq!(
            parse_str(&["package", "--bogus", "-h"]).ok(),
            None,
            "an unknown option is reported even with --help after it"
        );
        assert_eq!(
            parse_str(&["invoke", "-h"]).unwrap(),
            Command::Help(Some(Topic::Invoke))
        );
    }

    #[test]
    fn bad_input_is_a_usage_error() {
        let cases: &[(&[&str], &str)] = &[
            (&[], "no command given"),
            (&["deploy"], "unknown command `deploy`"),
            (&["invoke", "--bin"], "`--bin` needs a value"),
            (
                &["invoke", "--bin", "b", "--frobnicate"],
                "unknown option `--frobnicate`",
            ),
            (
                &["invoke", "--bin", "b", "--port", "1"],
                "unknown option `--port`",
            ),
            (&["serve", "--bin", "b", "{}"], "unexpected argument `{}`"),
            (
                &["package", "--bin", "b", "--timeout", "3"],
                "unknown option `--timeout`",
            ),
            (&["invoke"], "which function?"),
            (&["invoke", "--bin", "b", "--example", "e"], "not several"),
            (
                &["invoke", "--ruchy", "f.ruchy", "--bin", "b"],
                "not several",
            ),
            (
                &["invoke", "--ruchy", "f.ruchy", "-p", "x"],
                "`--package` goes with",
            ),
            (
                &["invoke", "--bin", "b", "--timeout", "0"],
                "from 1 to 900, not `0`",
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
                "from 128 to 10240",
            ),
            (
                &["invoke", "--bin", "b", "--env", "NOEQUALS"],
                "`KEY=VALUE`",
            ),
            (
                &["invoke", "--bin", "b", "--name", "a/b"],
                "invalid function name",
            ),
            (&["invoke", "--bin", "b", "-", "-"], "may be given once"),
            (
                &["invoke", "--bin", "b", "--json=yes"],
                "`--json` takes no value",
            ),
            (
                &["serve", "--bin", "b", "--port", "70000"],
                "from 0 to 65535",
            ),
            (
                &["package", "--bin", "b", "--target", "x"],
                "`--target` goes with `--example`",
            ),
            (
                &["invoke", "--example", "a", "--example", "b"],
                "given twice",
            ),
            (
                &["invoke", "--bin", "b", "--concurrency", "0"],
                "`--concurrency` must be a whole number from 1 to 1024, not `0`",
            ),
            (
                &["serve", "--bin", "b", "--concurrency", "1025"],
                "from 1 to 1024",
            ),
            (
                &["serve", "--bin", "b", "--instances", "0"],
                "`--instances` must be a whole number from 1 to 1024",
            ),
            (
                &["invoke", "--bin", "b", "--instances", "2"],
                "unknown option `--instances`",
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
                message.contains(expected),
                "{args:?}: `{message}` should contain `{expected}`"
            );
        }
        assert!(
            usage_message(&["invoke", "--bogus"])
                .ends_with("(see `ruchy-lambda-local invoke --help`)")
        );
    }

    #[test]
    fn http_fronts() {
        match parse_str(&["serve", "--bin", "b", "--http", "apigw-v1", "--stage", "v2"]).unwrap() {
            Command::Serve(a) => {
                assert_eq!(a.http.map(|h| h.1), Some(Front::ApiGatewayV1));
                assert_eq!(a.stage.as_deref(), Some("v2"));
                assert!(!a.multi_value_headers);
            }
            other => panic!("{other:?}"),
        }
        match parse_str(&["serve", "--bin", "b", "--http=alb", "--multi-value-headers"]).unwrap() {
            Command::Serve(a) => {
                assert!(a.http.as_ref().map(|h| h.1) == Some(Front::Alb) && a.multi_value_headers)
            }
            other => panic!("{other:?}"),
        }
        for (args, message) in [
            (
                &["serve", "--bin", "b", "--http", "rest"][..],
                "`--http` must be one of apigw-v2, apigw-v1, alb, url, not `rest`",
            ),
            (
                &["serve", "--bin", "b", "--http", "url", "--stage", "x"],
                "`--stage` goes with `--http apigw-v1`",
            ),
            (
                &["serve", "--bin", "b", "--multi-value-headers"],
                "`--multi-value-headers` goes with `--http alb`",
            ),
            (
                &[
                    "serve", "--bin", "b", "--http", "apigw-v1", "--stage", "a/b",
                ],
                "`--stage` takes letters",
            ),
            (
                &["invoke", "--bin", "b", "--http", "url"],
                "unknown option `--http`",
            ),
        ] {
            let got = usage_message(args);
            assert!(got.starts_with(message), "{args:?}: {got}");
        }
        assert!(SERVE_HELP.contains("--http FRONT") && SERVE_HELP.contains("--stage NAME"));
    }

    #[test]
    fn stream_options() {
        match parse_str(&[
            "serve",
            "--bin",
            "b",
            "--max-stream-bytes",
            "1000",
            "--stream-bandwidth",
            "500:100",
        ])
        .unwrap()
        {
            Command::Serve(a) => {
                assert_eq!(a.functions[0].function.max_stream_bytes, 1000);
                assert_eq!(
                    a.functions[0].function.stream_bandwidth,
                    Some(StreamBandwidth {
                        burst_bytes: 100,
                        bytes_per_second: 500
                    })
                );
            }
            other => panic!("{other:?}"),
        }
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
                .contains("from 1 to 209715200")
        );
        for help in [INVOKE_HELP, SERVE_HELP] {
            assert!(help.contains("--max-stream-bytes N") && help.contains("--stream-bandwidth"));
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
                Command::Serve(a) => a.functions[0].function.clone(),
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
                "`--restore-pause` goes with `--snap-start`",
            ),
            (
                &["invoke", "--bin", "b", "--shutdown-budget", "2001"],
                "`--shutdown-budget` must be a whole number from 0 to 2000, not `2001`",
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
                "`--restore-pause` must be a whole number from 0 to 60000",
            ),
            (
                &["package", "--bin", "b", "--snap-start"],
                "unknown option `--snap-start` for `package`",
            ),
            (
                &["invoke", "--bin", "b", "--snap-start=yes"],
                "`--snap-start` takes no value",
            ),
        ] {
            let got = usage_message(args);
            assert!(got.starts_with(message), "{args:?}: {got}");
        }
        for help in [INVOKE_HELP, SERVE_HELP] {
            assert!(
                help.contains("--snap-start")
                    && help.contains("--restore-pause MS")
                    && help.contains("--shutdown-budget MS")
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
        assert_eq!(
            parse_str(&["new", "--help"]).unwrap(),
            Command::Help(Some(Topic::New))
        );
        assert_eq!(
            parse_str(&["help", "new"]).unwrap(),
            Command::Help(Some(Topic::New))
        );
        for (args, message) in [
            (&["new"][..], "which crate?"),
            (
                &["new", "a", "b"],
                "unexpected argument `b`: `new` takes one NAME",
            ),
            (&["new", "a", "--path", "p", "--git", "u"], "give either"),
            (
                &["new", "a", "--tag", "v1"],
                "`--tag` goes with `--git URL`",
            ),
            (
                &["new", "a", "--git", "u", "--rev", "1", "--tag", "v1"],
                "give one of",
            ),
            (
                &["new", "a", "--bin", "b"],
                "unknown option `--bin` for `new`",
            ),
            (&["new", "a", "--git"], "`--git` needs a value"),
        ] {
            let got = usage_message(args);
            assert!(
                got.starts_with(message) && got.ends_with("(see `ruchy-lambda-local new --help`)"),
                "{args:?}: {got}"
            );
        }
        assert!(HELP.contains("  new ") && NEW_HELP.contains("--git URL"));
    }

    #[test]
    fn function_names() {
        assert!(check_function_name("my-function_2").is_ok());
        assert!(check_function_name(&"a".repeat(64)).is_ok());
        for bad in ["", "a b", "../x", "é", &"a".repeat(65)] {
            assert!(check_function_name(bad).is_err(), "{bad:?}");
        }
    }
}
