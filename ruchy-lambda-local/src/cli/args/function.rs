//! The options that say which function: its bootstrap (`invoke`, `serve`, `package`), and its
//! configuration as it runs (`invoke`, `serve`).

use std::path::PathBuf;

use clap::Args;
use ruchy_lambda_local::{LogFormat, LogLevel, MAX_STREAMED_BYTES, StreamBandwidth};

use super::values::{
    RESTORE_PAUSE_MS, SHUTDOWN_BUDGET_MS, Scoped, availability_zone_id, env, given, log_format,
    log_level, memory, non_empty, pick, processes, stream_bandwidth, timeout,
};
use super::{FunctionArgs, Source};

/// Where the bootstrap comes from: `invoke`, `serve` and `package`.
#[derive(Debug, Args)]
pub(super) struct SourceCli {
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
    pub(super) package: Option<String>,
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
    pub(super) fn source(self) -> Result<Option<Source>, String> {
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

pub(super) const WHICH_FUNCTION: &str = "which function? give `--example NAME` (built with cargo), `--bin \
                              PATH` (a built bootstrap) or `--ruchy FILE` (a handler written in \
                              Ruchy)";

/// What a running function is given: `invoke` and `serve`. The values that are a [`Scoped`] may
/// be given for one function with a `NAME:` prefix (see [`FunctionCli::resolve`]).
#[derive(Debug, Args)]
pub(super) struct FunctionCli {
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
    /// What the metadata endpoint (AWS_LAMBDA_METADATA_API, with AWS_LAMBDA_METADATA_TOKEN)
    /// reports as AvailabilityZoneID [default: the region's first zone, e.g. use1-az1]
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "ID",
        value_parser = availability_zone_id
    )]
    availability_zone_id: Vec<Scoped<String>>,
}

impl FunctionCli {
    /// The `NAME:` prefixes given, with their option.
    pub(super) fn prefixes(&self) -> Vec<(&'static str, &str)> {
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
            of("--availability-zone-id", &self.availability_zone_id),
        ]
        .concat()
    }

    /// The configuration of the function `name` (`None`: unnamed), with the rules between
    /// options checked.
    pub(super) fn resolve(&self, name: Option<&str>) -> Result<FunctionArgs, String> {
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
            availability_zone_id: given(&self.availability_zone_id, name),
        })
    }
}

/// Each `NAME:` prefix in `prefixes` must name one of `names`.
pub(super) fn check_prefixes<'a>(
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
