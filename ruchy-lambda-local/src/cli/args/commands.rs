//! Each command's own options, and their conversion into the structs the commands run from,
//! with the rules that need several options at once.

use std::path::PathBuf;

use clap::{ArgMatches, Args};
use ruchy_lambda_local::front::Front;

use super::function::{FunctionCli, SourceCli, WHICH_FUNCTION, check_prefixes};
use super::values::{
    FunctionSpec, Scoped, durable, execution_timeout, front, function_name, function_spec, given,
    non_empty, processes, retention_days, stage,
};
use super::{
    Dependency, DurableArgs, EventSource, GitRef, InvokeArgs, NewArgs, PackageArgs, ServeArgs,
    ServedFunction, Source,
};

/// `invoke`
#[derive(Debug, Args)]
pub(super) struct InvokeCli {
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
    pub(super) fn resolve(self, matches: &ArgMatches) -> Result<InvokeArgs, String> {
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
pub(super) struct ServeCli {
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
    /// A durable function (Lambda's DurableConfig): an invocation starts a durable execution,
    /// driven through Lambda's durable execution API on this port (see "Durable functions"
    /// above). Alone with one function; NAME for one of several (may be repeated)
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "NAME",
        num_args = 0..=1,
        default_missing_value = "",
        value_parser = durable,
        help_heading = "Durable functions"
    )]
    durable: Vec<String>,
    /// With `--durable`: how long an execution may run in all, 1 to 31622400 (366 days),
    /// DurableConfig's ExecutionTimeout [default: 86400]
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "SECONDS",
        value_parser = execution_timeout,
        help_heading = "Durable functions"
    )]
    execution_timeout: Vec<Scoped<u32>>,
    /// With `--durable`: how many days an ended execution is kept, 1 to 90,
    /// DurableConfig's RetentionPeriodInDays [default: 14]
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "DAYS",
        value_parser = retention_days,
        help_heading = "Durable functions"
    )]
    retention_days: Vec<Scoped<u32>>,
    /// With `--durable`: waits, step retry delays and the pause before a failed invocation is
    /// tried again pass at once (callback timeouts do not)
    #[arg(
        verbatim_doc_comment,
        long,
        overrides_with = "skip_time",
        help_heading = "Durable functions"
    )]
    skip_time: bool,
    #[command(flatten)]
    function: FunctionCli,
}

impl ServeCli {
    pub(super) fn resolve(self) -> Result<ServeArgs, String> {
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
        let durable_prefixes = self
            .execution_timeout
            .iter()
            .filter_map(|v| Some(("--execution-timeout", v.function.as_deref()?)))
            .chain(
                self.retention_days
                    .iter()
                    .filter_map(|v| Some(("--retention-days", v.function.as_deref()?))),
            )
            .chain(
                self.durable
                    .iter()
                    .filter(|n| !n.is_empty() && named)
                    .map(|n| ("--durable", n.as_str())),
            );
        check_prefixes(
            self.function
                .prefixes()
                .into_iter()
                .chain(instance_prefixes)
                .chain(http_prefix)
                .chain(durable_prefixes),
            &names,
        )?;
        let durable_names = durable_indices(&self.durable, &specs)?;
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
            let is_durable = durable_names.contains(&functions.len());
            let shown = name
                .as_deref()
                .map(|n| format!(" `{n}`"))
                .unwrap_or_default();
            let execution_timeout = given(&self.execution_timeout, name.as_deref());
            let retention = given(&self.retention_days, name.as_deref());
            let own = |values: &[Scoped<u32>]| {
                values
                    .iter()
                    .any(|v| v.function.is_some() && v.function == name)
            };
            if !is_durable && (own(&self.execution_timeout) || own(&self.retention_days)) {
                return Err(format!(
                    "`--execution-timeout` and `--retention-days` go with `--durable` (the \
                     function{shown} is not durable)"
                ));
            }
            let durable = is_durable.then(|| {
                let defaults = DurableArgs::default();
                DurableArgs {
                    execution_timeout_seconds: execution_timeout
                        .unwrap_or(defaults.execution_timeout_seconds),
                    retention_days: retention.unwrap_or(defaults.retention_days),
                }
            });
            if durable.is_some() && http.is_some_and(|(index, _)| index == functions.len()) {
                return Err(format!(
                    "the durable function{shown} is invoked through the Invoke API, not behind \
                     `--http`"
                ));
            }
            functions.push(ServedFunction {
                name,
                source,
                function,
                instances,
                named,
                durable,
            });
        }
        if durable_names.is_empty() {
            if self.skip_time {
                return Err(
                    "`--skip-time` goes with `--durable` (it speeds durable executions up)"
                        .to_owned(),
                );
            }
            if !self.execution_timeout.is_empty() || !self.retention_days.is_empty() {
                return Err(
                    "`--execution-timeout` and `--retention-days` go with `--durable`".to_owned(),
                );
            }
        }
        Ok(ServeArgs {
            functions,
            host: self.host.unwrap_or_else(|| "127.0.0.1".to_owned()),
            port: self.port.unwrap_or(8080),
            http,
            stage: self.stage,
            multi_value_headers: self.multi_value_headers,
            skip_time: self.skip_time,
        })
    }
}

/// The indices in `specs` of the functions `--durable` (`given`) makes durable.
fn durable_indices(
    given: &[String],
    specs: &[(Option<String>, Source)],
) -> Result<Vec<usize>, String> {
    let mut indices = Vec::new();
    for name in given {
        let index = if name.is_empty() {
            if specs.len() != 1 {
                return Err(
                    "`--durable` alone goes with one function; with several, name it: \
                     `--durable NAME`"
                        .to_owned(),
                );
            }
            0
        } else {
            match specs.iter().position(|(n, _)| n.as_deref() == Some(name)) {
                Some(index) => index,
                None if specs.len() == 1 && specs[0].0.is_none() => {
                    return Err(format!(
                        "`--durable {name}`: the function has no name yet (it is the \
                         bootstrap's); give `--durable` alone, or name it with `--name`"
                    ));
                }
                None => {
                    return Err(format!("`--durable {name}`: no function is named `{name}`"));
                }
            }
        };
        if !indices.contains(&index) {
            indices.push(index);
        }
    }
    Ok(indices)
}

/// `package`
#[derive(Debug, Args)]
pub(super) struct PackageCli {
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
    pub(super) fn resolve(self) -> Result<PackageArgs, String> {
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
pub(super) struct NewCli {
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
    pub(super) fn resolve(self) -> NewArgs {
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
