//! `ruchy-lambda-bench`: builds ruchy-lambda's examples, a std-only floor and the official
//! `lambda_runtime` peer with the same profiles, runs them side by side on the local Lambda, and
//! writes the figures (`BENCHMARKS.md`, `benches/ratios.svg`, `benches/results.tsv`).
//!
//! Run it through `benches/run`; `benches/run --smoke` is the quick end-to-end check.

#![forbid(unsafe_code)]

mod aws_client;
mod batch;
mod builds;
mod chart;
mod concurrency;
mod durable;
mod endpoint;
mod figures;
mod how_built;
mod http;
mod lifecycle;
mod logs;
mod machine;
mod measure;
mod report;
mod ruchy;
mod sdk;
mod stats;
mod streaming;
mod subjects;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use builds::{Builder, Built};
use concurrency::{Plan, Point};
use figures::{ConfigResults, Figures};
use machine::Machine;
use measure::{Subject, rotation};
use report::{Run, Settings};
use subjects::{Config, Handler, Profile, Runtime, Workload};

const USAGE: &str = "\
usage: ruchy-lambda-bench [--smoke] [--out DIR] [--target-root DIR] [--repo DIR]
                          [--spawns N] [--warm N]
                          [--concurrency-only | --logs-only | --streaming-only | --http-only
                           | --ruchy-only | --lifecycle-only | --batch-only | --sdk-only
                           | --aws-only | --durable-only]
                          [--invoked-as COMMAND]

  --smoke            quick end-to-end check: dev profile, ruchy-lambda and the floor only
                     (the peer is not built), a few invocations, no AWS SDK section
                     (unless with --sdk-only) and no blocking AWS client section (unless
                     with --aws-only); writes to a temporary directory unless
                     --out is given
  --out DIR          write BENCHMARKS.md, ratios.svg and results.tsv into DIR (default: the
                     repository: BENCHMARKS.md, benches/ratios.svg, benches/results.tsv)
  --target-root DIR  cargo target directories for the bootstraps (default: target/bench)
  --repo DIR         the repository root (default: where this harness was built from)
  --spawns N         cold starts per bootstrap (default 30)
  --warm N           warm echo invocations per runtime and configuration (default 20000)
  --concurrency-only only the concurrency section, in the shipping configuration (opt-level z,
                     dynamic; the dev profile with --smoke): no cold starts, warm runs or other
                     configurations; writes to a temporary directory unless --out is given
  --logs-only        only the logs section, in the same configuration, likewise
  --streaming-only   only the streaming section, in the same configuration, likewise
  --http-only        only the HTTP functions section, in the same configuration, likewise
  --ruchy-only       only the Ruchy handlers section, in the same configuration, likewise
                     (skipped, and said so, without the `ruchy` transpiler)
  --lifecycle-only   only the lifecycle section (SnapStart and shutdown hooks), likewise
  --batch-only       only the borrowed events section (an SQS batch, borrowed vs owned),
                     likewise
  --sdk-only         only the AWS SDK section (async handlers on the AWS SDK for Rust against
                     moto's server: MOTO_SERVER, or moto_server on PATH), likewise
  --aws-only         only the blocking AWS client section (ruchy-lambda's `aws` client vs the
                     AWS SDK, against the harness's own HTTPS DynamoDB endpoint), likewise
  --durable-only     only the durable functions section (replaying 1,000 steps, ruchy-lambda's
                     durable SDK vs AWS's Python SDK on AWS's local backend; needs the venv of
                     `.ci/durable-venv`), likewise
  --invoked-as CMD   the command line to print in BENCHMARKS.md
";

struct Options {
    smoke: bool,
    out: Option<PathBuf>,
    target_root: Option<PathBuf>,
    repo: PathBuf,
    spawns: Option<usize>,
    warm: Option<usize>,
    /// Only this section (`--concurrency-only`, `--logs-only`, `--streaming-only`,
    /// `--http-only`, `--ruchy-only`, `--lifecycle-only`, `--batch-only`, `--sdk-only`,
    /// `--aws-only`, `--durable-only`).
    only: Option<Section>,
    invoked_as: Option<String>,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        smoke: false,
        out: None,
        target_root: None,
        repo: Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."),
        spawns: None,
        warm: None,
        only: None,
        invoked_as: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--smoke" => options.smoke = true,
            "--out" => options.out = Some(value()?.into()),
            "--target-root" => options.target_root = Some(value()?.into()),
            "--repo" => options.repo = value()?.into(),
            "--spawns" => options.spawns = Some(count(&value()?)?),
            "--warm" => options.warm = Some(count(&value()?)?),
            "--concurrency-only" => options.only = Some(Section::Concurrency),
            "--logs-only" => options.only = Some(Section::Logs),
            "--streaming-only" => options.only = Some(Section::Streaming),
            "--http-only" => options.only = Some(Section::Http),
            "--ruchy-only" => options.only = Some(Section::Ruchy),
            "--lifecycle-only" => options.only = Some(Section::Lifecycle),
            "--batch-only" => options.only = Some(Section::Batch),
            "--sdk-only" => options.only = Some(Section::Sdk),
            "--aws-only" => options.only = Some(Section::AwsClient),
            "--durable-only" => options.only = Some(Section::Durable),
            "--invoked-as" => options.invoked_as = Some(value()?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(options)
}

/// A section that can be run alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Concurrency,
    Logs,
    Streaming,
    Http,
    Ruchy,
    Lifecycle,
    Batch,
    Sdk,
    AwsClient,
    Durable,
}

impl Section {
    fn name(self) -> &'static str {
        match self {
            Section::Concurrency => "concurrency",
            Section::Logs => "logs",
            Section::Streaming => "streaming",
            Section::Http => "http",
            Section::Ruchy => "ruchy",
            Section::Lifecycle => "lifecycle",
            Section::Batch => "batch",
            Section::Sdk => "sdk",
            Section::AwsClient => "aws",
            Section::Durable => "durable",
        }
    }
}

fn count(text: &str) -> Result<usize, String> {
    match text.parse() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("`{text}` is not a positive count")),
    }
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("ruchy-lambda-bench: {message}");
            }
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ruchy-lambda-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: Options) -> Result<(), String> {
    let started = Instant::now();
    let repo = options
        .repo
        .canonicalize()
        .map_err(|e| format!("repository {}: {e}", options.repo.display()))?;
    let mut settings = if options.smoke {
        Settings::smoke()
    } else {
        Settings::full()
    };
    settings.spawns = options.spawns.unwrap_or(settings.spawns);
    if let Some(warm) = options.warm {
        settings.warm = warm;
        settings.block = settings.block.min(warm);
    }
    let (mut configs, mut runtimes) = if options.smoke {
        (Config::smoke(), vec![Runtime::Floor, Runtime::Ours])
    } else {
        (Config::full(), Runtime::ALL.to_vec())
    };
    if options.only.is_some() {
        configs.truncate(1);
    }
    if options.only == Some(Section::Ruchy) {
        // The Ruchy handlers are compared with ruchy-lambda's and the floor's only.
        runtimes.retain(|&r| r != Runtime::Peer);
    }
    let runs = |section: Section| options.only.is_none_or(|only| only == section);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let machine = Machine::read(&cargo);
    let target_root = options
        .target_root
        .unwrap_or_else(|| repo.join("target").join("bench"));
    let builder = Builder {
        repo: repo.clone(),
        target_root: target_root.clone(),
        cargo,
        host: machine::host_triple(),
    };

    // Build everything first, one cargo at a time; ruchy-lambda's extra bootstraps and the
    // examples with other features first, as they share its target directory (see
    // `build_examples_with`). The logs, streaming, HTTP, lifecycle and borrowed events sections
    // are measured in one configuration.
    let shipping = shipping_index(&configs);
    let extra = if [
        Section::Logs,
        Section::Streaming,
        Section::Http,
        Section::Lifecycle,
        Section::Batch,
    ]
    .into_iter()
    .any(runs)
    {
        Some(builder.build_ours_extra(configs[shipping])?)
    } else {
        None
    };
    // The AWS SDK section's bootstraps, before the Ruchy handlers (their `minimal` lands where
    // `benches/ours/`'s does; these are copied away). Without moto's server the section is
    // skipped (an error when it runs alone); a smoke run leaves it out, as the SDK takes
    // minutes to build.
    let sdk_runs = runs(Section::Sdk) && !(options.smoke && options.only.is_none());
    let sdk_build = if sdk_runs {
        match sdk::moto_program() {
            Some(moto) => Some((
                moto,
                builder.build_sdk(configs[shipping], runtimes.contains(&Runtime::Peer))?,
            )),
            None if options.only == Some(Section::Sdk) => {
                return Err(format!("no moto server: {}", sdk::INSTALL));
            }
            None => {
                eprintln!(
                    "sdk: no moto server (MOTO_SERVER or `moto_server` on PATH): the AWS SDK \
                     section is skipped; {}",
                    sdk::INSTALL
                );
                None
            }
        }
    } else {
        None
    };
    // The blocking AWS client section's bootstraps, likewise before the Ruchy handlers and
    // before ruchy-lambda's examples (its `minimal` builds are copied away); a smoke run leaves
    // it out, as the SDK takes minutes to build.
    let aws_build = if runs(Section::AwsClient) && !(options.smoke && options.only.is_none()) {
        Some(builder.build_aws_client(configs[shipping], runtimes.contains(&Runtime::Peer))?)
    } else {
        None
    };
    // The durable functions section: its bootstrap and the local Lambda's command, when the
    // venv with AWS's durable packages is there (skipped otherwise; an error when it runs
    // alone). A smoke run leaves it out.
    let durable_build = if runs(Section::Durable) && !(options.smoke && options.only.is_none()) {
        match durable::venv() {
            Some(venv) => Some((venv, builder.build_durable(configs[shipping])?)),
            None if options.only == Some(Section::Durable) => {
                return Err(format!("no durable venv: {}", durable::INSTALL));
            }
            None => {
                eprintln!(
                    "durable: no venv with AWS's durable packages: the section is skipped; {}",
                    durable::INSTALL
                );
                None
            }
        }
    } else {
        None
    };
    let ruchy_build = if runs(Section::Ruchy) {
        match ruchy::transpiler() {
            Some(version) => Some((version, builder.build_ruchy(configs[shipping])?)),
            None => {
                eprintln!(
                    "ruchy: no transpiler (RUCHY or `ruchy` on PATH): the Ruchy handlers \
                     section is skipped; install it with `{}`",
                    ruchy::INSTALL
                );
                None
            }
        }
    } else {
        None
    };
    let logs_builds = if runs(Section::Logs) {
        let logs_plan = if options.smoke {
            logs::Plan::smoke()
        } else {
            logs::Plan::full()
        };
        let mut sizes = Vec::new();
        for &features in &logs_plan.features {
            let [minimal, logging] =
                builder.build_examples_with(configs[shipping], features.tag(), features.args())?;
            sizes.push(logs::FeatureSizes {
                features,
                minimal: file_size(&minimal)?,
                logging: file_size(&logging)?,
            });
        }
        Some((logs_plan, sizes))
    } else {
        None
    };

    let peer_alone = |section: Section, binary: &str, feature: &str| {
        if runs(section) && runtimes.contains(&Runtime::Peer) {
            builder
                .build_peer_alone(configs[shipping], binary, feature)
                .map(Some)
        } else {
            Ok(None)
        }
    };
    let peer_shutdown = peer_alone(Section::Lifecycle, "minimal-shutdown", "graceful-shutdown")?;
    let peer_batch = peer_alone(Section::Batch, batch::Bootstrap::Peer.binary(), "sqs")?;

    let mut binaries: Vec<[Option<Built>; 3]> = Vec::new();
    for &config in &configs {
        let mut per_runtime = [None, None, None];
        for &runtime in &runtimes {
            per_runtime[runtime.index()] = Some(builder.build(config, runtime)?);
        }
        binaries.push(per_runtime);
    }
    let zip = builds::zip_available();
    let mut results: Vec<ConfigResults> = configs
        .iter()
        .map(|&config| ConfigResults {
            config,
            figures: [None, None, None],
        })
        .collect();
    for (c, result) in results.iter_mut().enumerate() {
        for &runtime in &runtimes {
            let Some(paths) = &binaries[c][runtime.index()] else {
                continue;
            };
            let mut figures = Figures::default();
            for handler in Handler::ALL {
                let path = &paths.handlers[handler.index()];
                figures.size[handler.index()] = std::fs::metadata(path)
                    .map_err(|e| format!("{}: {e}", path.display()))?
                    .len();
                let scratch = target_root.join("zip").join(format!(
                    "{}-{}-{}",
                    result.config.tag(),
                    runtime.tag(),
                    handler.name()
                ));
                figures.zip[handler.index()] = builds::zip_size(path, &scratch)?;
            }
            result.figures[runtime.index()] = Some(figures);
        }
    }

    let load_before_measuring = machine::load_average();
    let cpu_before = machine::CpuTimes::now();
    if options.only.is_none() {
        measure_cold_starts(&mut results, &binaries, &runtimes, &settings)?;
        for (c, result) in results.iter_mut().enumerate() {
            measure_warm(result, &binaries[c], &runtimes, &settings)?;
        }
    }
    let plan = if options.smoke {
        Plan::smoke()
    } else {
        Plan::full()
    };
    let concurrency = if runs(Section::Concurrency) {
        measure_concurrency(&configs, &binaries, &runtimes, plan)?
    } else {
        None
    };
    let logs = match (logs_builds, &extra) {
        (Some((plan, sizes)), Some(extra)) => Some(measure_logs(
            configs[shipping],
            &binaries[shipping],
            extra,
            plan,
            sizes,
        )?),
        _ => None,
    };
    let streaming = match &extra {
        Some(extra) if runs(Section::Streaming) => {
            let plan = if options.smoke {
                streaming::Plan::smoke()
            } else {
                streaming::Plan::full()
            };
            let mut bootstraps = Vec::new();
            for runtime in Runtime::ALL {
                let dir = match runtime {
                    Runtime::Ours => Some(extra.clone()),
                    other => binaries[shipping][other.index()]
                        .as_ref()
                        .map(|b| b.dir.clone()),
                };
                if let Some(dir) = dir {
                    bootstraps.push((runtime, dir.join("stream64")));
                }
            }
            let started = Instant::now();
            let measured = streaming::measure(&bootstraps, &plan)?;
            eprintln!(
                "streaming: measured in {:.0} s",
                started.elapsed().as_secs_f64()
            );
            Some(streaming::Streaming {
                config: configs[shipping],
                plan,
                measured,
            })
        }
        _ => None,
    };
    let http = match &extra {
        Some(extra) if runs(Section::Http) => Some(measure_http(
            configs[shipping],
            &binaries[shipping],
            extra,
            if options.smoke {
                http::Plan::smoke(settings.spawns)
            } else {
                http::Plan::full(settings.spawns)
            },
        )?),
        _ => None,
    };
    let ruchy = if runs(Section::Ruchy) {
        Some(match ruchy_build {
            Some((version, dir)) => measure_ruchy(
                configs[shipping],
                &binaries[shipping],
                version,
                &dir,
                if options.smoke {
                    ruchy::Plan::smoke(settings.spawns)
                } else {
                    ruchy::Plan::full(settings.spawns)
                },
            )?,
            None => ruchy::Ruchy::Skipped,
        })
    } else {
        None
    };
    let lifecycle = match &extra {
        Some(extra) if runs(Section::Lifecycle) => Some(measure_lifecycle(
            configs[shipping],
            &binaries[shipping],
            extra,
            peer_shutdown.as_deref(),
            lifecycle::Plan::new(settings.spawns),
            &repo,
        )?),
        _ => None,
    };
    let batch = match &extra {
        Some(extra) if runs(Section::Batch) => Some(measure_batch(
            configs[shipping],
            &binaries[shipping],
            extra,
            peer_batch.as_deref(),
            batch::Plan::new(settings.warm),
            &repo,
        )?),
        _ => None,
    };
    let sdk = if sdk_runs {
        Some(match &sdk_build {
            Some((moto, built)) => measure_sdk(configs[shipping], moto, built, &settings, &repo)?,
            None => sdk::Sdk::Skipped,
        })
    } else {
        None
    };
    let aws_client = match &aws_build {
        Some(built) => Some(measure_aws_client(
            configs[shipping],
            built,
            &settings,
            &repo,
            &target_root,
        )?),
        None => None,
    };
    let durable = if runs(Section::Durable) && !(options.smoke && options.only.is_none()) {
        Some(match &durable_build {
            Some((venv, built)) => {
                let started = Instant::now();
                let plan = if options.smoke {
                    durable::Plan::smoke()
                } else {
                    durable::Plan::full()
                };
                let measured = durable::measure(venv, built, &repo, plan)?;
                eprintln!(
                    "durable: measured in {:.0} s",
                    started.elapsed().as_secs_f64()
                );
                durable::Durable::Measured {
                    config: configs[shipping],
                    plan,
                    versions: durable::versions(venv),
                    measured,
                    example_sizes: [built.durable_example, built.dynamodb_example],
                }
            }
            None => durable::Durable::Skipped,
        })
    } else {
        None
    };
    let others_busy = cpu_before
        .zip(machine::CpuTimes::now())
        .and_then(|(before, after)| after.others_since(before));

    let (markdown_path, svg_path, tsv_path) = match &options.out {
        Some(dir) => (
            dir.join("BENCHMARKS.md"),
            dir.join("ratios.svg"),
            dir.join("results.tsv"),
        ),
        None if options.smoke || options.only.is_some() => {
            let dir = std::env::temp_dir().join(match options.only {
                _ if options.smoke => "ruchy-lambda-bench-smoke".to_owned(),
                Some(only) => format!("ruchy-lambda-bench-{}", only.name()),
                None => unreachable!("a full run writes into the repository"),
            });
            (
                dir.join("BENCHMARKS.md"),
                dir.join("ratios.svg"),
                dir.join("results.tsv"),
            )
        }
        None => (
            repo.join("BENCHMARKS.md"),
            repo.join("benches").join("ratios.svg"),
            repo.join("benches").join("results.tsv"),
        ),
    };
    let svg_link = relative_link(&markdown_path, &svg_path);
    let run = Run {
        machine,
        command: options
            .invoked_as
            .unwrap_or_else(|| std::env::args().collect::<Vec<_>>().join(" ")),
        smoke: options.smoke,
        settings,
        results,
        concurrency,
        logs,
        streaming,
        http,
        ruchy,
        lifecycle,
        batch,
        sdk,
        aws_client,
        durable,
        load_before_measuring,
        load_at_end: machine::load_average(),
        others_busy,
        zip,
        elapsed: started.elapsed(),
        svg_link,
    };
    for (path, text) in [
        (&markdown_path, report::markdown(&run)),
        (&svg_path, chart::svg(&run.results)),
        (&tsv_path, report::tsv(&run)),
    ] {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    print!("{}", report::summary(&run));
    Ok(())
}

/// Cold starts, spawn by spawn: in each round every configuration, handler and runtime is started
/// once, the runtimes in a rotating order.
fn measure_cold_starts(
    results: &mut [ConfigResults],
    binaries: &[[Option<Built>; 3]],
    runtimes: &[Runtime],
    settings: &Settings,
) -> Result<(), String> {
    let mut subjects: Vec<(usize, Runtime, Handler, Subject)> = Vec::new();
    for (c, per_runtime) in binaries.iter().enumerate() {
        for handler in Handler::ALL {
            for &runtime in runtimes {
                if let Some(paths) = &per_runtime[runtime.index()] {
                    let name = subject_name(results[c].config, runtime, handler);
                    let subject = Subject::new(&paths.handlers[handler.index()], name, handler)?;
                    subjects.push((c, runtime, handler, subject));
                }
            }
        }
    }
    eprintln!(
        "cold starts: {} rounds of {} bootstraps",
        settings.spawns,
        subjects.len()
    );
    let group = runtimes.len();
    for round in 0..settings.spawns {
        for start in (0..subjects.len()).step_by(group) {
            for offset in rotation(group, round) {
                let (c, runtime, handler, subject) = &mut subjects[start + offset];
                let (init, rss) = subject.cold_start()?;
                let h = handler.index();
                let figures = results[*c].figures[runtime.index()]
                    .as_mut()
                    .ok_or("cold start of a runtime that was not built")?;
                figures.init[h].push(init);
                figures.cold_rss_kb[h].push(rss);
            }
        }
    }
    Ok(())
}

/// Warm `echo` invocations in blocks, the runtimes taking turns; then throughput rounds, the peak
/// RSS, and `fibonacci` invocations in blocks.
fn measure_warm(
    result: &mut ConfigResults,
    binaries: &[Option<Built>; 3],
    runtimes: &[Runtime],
    settings: &Settings,
) -> Result<(), String> {
    let config = result.config;
    let start = |handler: Handler| -> Result<Vec<(Runtime, Subject)>, String> {
        let mut subjects = Vec::new();
        for &runtime in runtimes {
            if let Some(paths) = &binaries[runtime.index()] {
                let name = subject_name(config, runtime, handler);
                let mut subject = Subject::new(&paths.handlers[handler.index()], name, handler)?;
                subject.start_warm()?;
                subjects.push((runtime, subject));
            }
        }
        Ok(subjects)
    };
    eprintln!("warm runs: {}", config.label());

    let mut echo = start(Handler::Echo)?;
    let mut samples: Vec<Vec<Duration>> = vec![Vec::with_capacity(settings.warm); echo.len()];
    let mut discard = Vec::new();
    for (_, subject) in &mut echo {
        subject.invoke_warm(settings.warmup, &mut discard)?;
    }
    let blocks = settings.warm.div_ceil(settings.block);
    for block in 0..blocks {
        let size = settings.block.min(settings.warm - block * settings.block);
        for i in rotation(echo.len(), block) {
            echo[i].1.invoke_warm(size, &mut samples[i])?;
        }
    }
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); echo.len()];
    for round in 0..settings.rounds {
        for i in rotation(echo.len(), round) {
            rates[i].push(echo[i].1.throughput(settings.batch)?);
        }
    }
    for (i, (runtime, subject)) in echo.iter_mut().enumerate() {
        let rss = subject.peak_rss()?;
        subject.stop();
        if let Some(f) = result.figures[runtime.index()].as_mut() {
            f.warm = std::mem::take(&mut samples[i]);
            f.throughput = std::mem::take(&mut rates[i]);
            f.warm_rss_kb = Some(rss);
        }
    }
    drop(echo);

    let mut fib = start(Handler::Fibonacci)?;
    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); fib.len()];
    for (_, subject) in &mut fib {
        subject.invoke_warm(settings.warmup.min(20), &mut discard)?;
    }
    let blocks = settings.fib.div_ceil(settings.fib_block);
    for block in 0..blocks {
        let size = settings
            .fib_block
            .min(settings.fib - block * settings.fib_block);
        for i in rotation(fib.len(), block) {
            fib[i].1.invoke_warm(size, &mut samples[i])?;
        }
    }
    for (i, (runtime, subject)) in fib.iter_mut().enumerate() {
        subject.stop();
        if let Some(f) = result.figures[runtime.index()].as_mut() {
            f.fib = std::mem::take(&mut samples[i]);
        }
    }
    Ok(())
}

/// The concurrency figures, in the shipping configuration (opt-level z, dynamic) or, without it,
/// the first one: in each round every workload, N and runtime once, the runtimes in rotating
/// order.
fn measure_concurrency(
    configs: &[Config],
    binaries: &[[Option<Built>; 3]],
    runtimes: &[Runtime],
    plan: Plan,
) -> Result<Option<report::Concurrency>, String> {
    if configs.is_empty() {
        return Ok(None);
    }
    let c = shipping_index(configs);
    let config = configs[c];
    eprintln!(
        "concurrency: {} rounds, N = {:?} ({})",
        plan.rounds,
        plan.levels,
        config.label()
    );
    let started = Instant::now();
    let mut points: Vec<Point> = Vec::new();
    for workload in Workload::ALL {
        for &n in &plan.levels {
            for &runtime in runtimes {
                if binaries[c][runtime.index()].is_some() {
                    points.push(Point {
                        runtime,
                        workload,
                        n,
                        rounds: Vec::new(),
                    });
                }
            }
        }
    }
    let group = runtimes.len().max(1);
    for round in 0..plan.rounds {
        for (g, start) in (0..points.len()).step_by(group).enumerate() {
            let size = group.min(points.len() - start);
            for offset in rotation(size, round + g) {
                let point = &mut points[start + offset];
                let Some(built) = &binaries[c][point.runtime.index()] else {
                    continue;
                };
                let path = &built.workloads[point.workload.index()];
                let name = format!(
                    "{} `{}`",
                    point.runtime.name(),
                    point.workload.binary(point.runtime)
                );
                let measured = concurrency::measure(path, &name, point.workload, point.n, &plan)?;
                point.rounds.push(measured);
            }
        }
    }
    eprintln!(
        "concurrency: measured in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(Some(report::Concurrency {
        config,
        plan,
        points,
    }))
}

/// The logs figures, in `config`: ruchy-lambda's extra bootstraps in `extra`, the floor's and
/// the peer's (`log10`, `minimal`) with their other bootstraps.
fn measure_logs(
    config: Config,
    binaries: &[Option<Built>; 3],
    extra: &Path,
    plan: logs::Plan,
    sizes: Vec<logs::FeatureSizes>,
) -> Result<logs::Logs, String> {
    let mut benches = Vec::new();
    let mut minimal_sizes = Vec::new();
    for bench in logs::BENCHES {
        let dir = match bench.runtime {
            Runtime::Ours => extra.to_path_buf(),
            other => match &binaries[other.index()] {
                Some(built) => built.dir.clone(),
                None => continue,
            },
        };
        benches.push((bench, dir.join(bench.binary)));
    }
    for runtime in [Runtime::Floor, Runtime::Peer] {
        if let Some(built) = &binaries[runtime.index()] {
            minimal_sizes.push((
                runtime,
                file_size(&built.handlers[Handler::Minimal.index()])?,
            ));
        }
    }
    let started = Instant::now();
    let measured = logs::measure(&benches, &plan)?;
    eprintln!("logs: measured in {:.0} s", started.elapsed().as_secs_f64());
    Ok(logs::Logs {
        config,
        plan,
        sizes,
        minimal_sizes,
        measured,
    })
}

/// The HTTP functions figures, in `config`: the `http` bootstraps of ruchy-lambda and the peer
/// (their size, init and warm latency), the sizes of the floor's `minimal` and of
/// `http-aws-events` (among ruchy-lambda's extra bootstraps, in `extra`).
fn measure_http(
    config: Config,
    binaries: &[Option<Built>; 3],
    extra: &Path,
    plan: http::Plan,
) -> Result<http::Http, String> {
    let mut bootstraps = Vec::new();
    for runtime in [Runtime::Ours, Runtime::Peer] {
        if let Some(built) = &binaries[runtime.index()] {
            bootstraps.push((runtime, built.dir.join("http")));
        }
    }
    let floor_minimal = match &binaries[Runtime::Floor.index()] {
        Some(built) => Some(file_size(&built.handlers[Handler::Minimal.index()])?),
        None => None,
    };
    let aws_events = file_size(&extra.join("http-aws-events"))?;
    let started = Instant::now();
    let measured = http::measure(&bootstraps, &plan)?;
    eprintln!("http: measured in {:.0} s", started.elapsed().as_secs_f64());
    Ok(http::Http {
        config,
        plan,
        measured,
        floor_minimal,
        aws_events,
    })
}

/// The Ruchy handlers figures, in `config`: `minimal` and `fibonacci` from `examples/ruchy/`
/// (in `dir`), ruchy-lambda's examples and the floor's.
fn measure_ruchy(
    config: Config,
    binaries: &[Option<Built>; 3],
    version: String,
    dir: &Path,
    plan: ruchy::Plan,
) -> Result<ruchy::Ruchy, String> {
    let mut bootstraps = Vec::new();
    for handler in ruchy::HANDLERS {
        bootstraps.push((ruchy::Source::Ruchy, handler, dir.join(handler.name())));
        for (source, runtime) in [
            (ruchy::Source::Rust, Runtime::Ours),
            (ruchy::Source::Floor, Runtime::Floor),
        ] {
            if let Some(built) = &binaries[runtime.index()] {
                bootstraps.push((source, handler, built.handlers[handler.index()].clone()));
            }
        }
    }
    let started = Instant::now();
    let measured = ruchy::measure(&bootstraps, &plan)?;
    eprintln!(
        "ruchy: measured in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(ruchy::Ruchy::Measured {
        config,
        plan,
        version,
        measured,
    })
}

/// The lifecycle figures, in `config`: ruchy-lambda's `minimal`, `minimal-shutdown` and
/// `minimal-snap-hooks` (in `extra`), the floor's `minimal`, and the peer's `minimal`,
/// `minimal-snap-hooks` and `minimal-shutdown` (`peer_shutdown`, built alone) when it was built.
fn measure_lifecycle(
    config: Config,
    binaries: &[Option<Built>; 3],
    extra: &Path,
    peer_shutdown: Option<&Path>,
    plan: lifecycle::Plan,
    repo: &Path,
) -> Result<lifecycle::Lifecycle, String> {
    use lifecycle::Hooks;
    let mut bootstraps = Vec::new();
    if let Some(built) = &binaries[Runtime::Floor.index()] {
        let minimal = built.handlers[Handler::Minimal.index()].clone();
        bootstraps.push((Runtime::Floor, Hooks::None, minimal));
    }
    for hooks in Hooks::ALL {
        bootstraps.push((Runtime::Ours, hooks, extra.join(hooks.binary())));
    }
    let peer = binaries[Runtime::Peer.index()].as_ref().zip(peer_shutdown);
    if let Some((built, shutdown)) = peer {
        for hooks in Hooks::ALL {
            let path = match hooks {
                Hooks::None => built.handlers[Handler::Minimal.index()].clone(),
                Hooks::Shutdown => shutdown.to_path_buf(),
                Hooks::Snap => built.dir.join(hooks.binary()),
            };
            bootstraps.push((Runtime::Peer, hooks, path));
        }
    }
    let started = Instant::now();
    let measured = lifecycle::measure(&bootstraps, &plan)?;
    eprintln!(
        "lifecycle: measured in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(lifecycle::Lifecycle {
        config,
        plan,
        shutdown_budget: ruchy_lambda_local::FunctionConfig::default().shutdown_budget,
        peer_version: peer.and_then(|_| builds::locked_version(repo, "peer", "lambda_runtime")),
        measured,
    })
}

/// The borrowed events figures, in `config`: ruchy-lambda's `batch` example, `batch-owned` (in
/// `extra`), and the peer's `batch` (`peer_batch`, built alone) when it was built.
fn measure_batch(
    config: Config,
    binaries: &[Option<Built>; 3],
    extra: &Path,
    peer_batch: Option<&Path>,
    plan: batch::Plan,
    repo: &Path,
) -> Result<batch::Batch, String> {
    use batch::Bootstrap;
    let mut bootstraps = Vec::new();
    if let Some(built) = &binaries[Runtime::Ours.index()] {
        bootstraps.push((
            Bootstrap::Borrowed,
            built.dir.join(Bootstrap::Borrowed.binary()),
        ));
    }
    bootstraps.push((Bootstrap::Owned, extra.join(Bootstrap::Owned.binary())));
    if let Some(path) = peer_batch {
        bootstraps.push((Bootstrap::Peer, path.to_path_buf()));
    }
    let started = Instant::now();
    let (measured, events) = batch::measure(&bootstraps, &plan)?;
    eprintln!(
        "batch: measured in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let locked = |name: &str| builds::locked_version(repo, "peer", name);
    Ok(batch::Batch {
        config,
        plan,
        events,
        peer_versions: peer_batch
            .and_then(|_| locked("lambda_runtime").zip(locked("aws_lambda_events"))),
        measured,
    })
}

/// The AWS SDK figures, in `config`: the bootstraps `built`, against moto's server (`moto`).
fn measure_sdk(
    config: Config,
    moto: &Path,
    built: &sdk::Built,
    settings: &Settings,
    repo: &Path,
) -> Result<sdk::Sdk, String> {
    let plan = sdk::Plan::new(settings.spawns, settings.warm);
    let started = Instant::now();
    let (measured, moto) = sdk::measure(moto, built, &plan)?;
    eprintln!("sdk: measured in {:.0} s", started.elapsed().as_secs_f64());
    let peer = built
        .bootstraps
        .iter()
        .any(|(b, _)| *b == sdk::Bootstrap::Peer);
    Ok(sdk::Sdk::Measured {
        config,
        plan,
        sdk_versions: ["aws-config", "aws-sdk-dynamodb", "tokio"]
            .map(|name| builds::locked_version(repo, "ours", name)),
        peer_version: peer
            .then(|| builds::locked_version(repo, "peer", "lambda_runtime"))
            .flatten(),
        moto,
        measured,
    })
}

/// The blocking AWS client figures, in `config`: the bootstraps `built`, against the harness's
/// own DynamoDB endpoint (its CA written under `target_root`).
fn measure_aws_client(
    config: Config,
    built: &aws_client::Built,
    settings: &Settings,
    repo: &Path,
    target_root: &Path,
) -> Result<aws_client::AwsClient, String> {
    let plan = sdk::Plan::new(settings.spawns, settings.warm);
    let started = Instant::now();
    let (measured, endpoint) = aws_client::measure(built, &plan, target_root)?;
    eprintln!("aws: measured in {:.0} s", started.elapsed().as_secs_f64());
    let peer = built
        .bootstraps
        .iter()
        .any(|(b, _)| *b == aws_client::Bootstrap::PeerSdk);
    Ok(aws_client::AwsClient {
        config,
        plan,
        versions: ["aws-config", "aws-sdk-dynamodb", "rustls"]
            .map(|name| builds::locked_version(repo, "ours", name)),
        peer_version: peer
            .then(|| builds::locked_version(repo, "peer", "lambda_runtime"))
            .flatten(),
        endpoint,
        sizes: built.sizes,
        measured,
    })
}

/// The shipping configuration (opt-level z, dynamic), or else the first one; `configs` is not
/// empty.
fn shipping_index(configs: &[Config]) -> usize {
    let shipping = |c: &Config| c.profile == Profile::Release { opt_level: "z" } && !c.crt_static;
    configs.iter().position(shipping).unwrap_or(0)
}

fn file_size(path: &Path) -> Result<u64, String> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn subject_name(config: Config, runtime: Runtime, handler: Handler) -> String {
    format!(
        "{} `{}` ({})",
        runtime.name(),
        handler.name(),
        config.label()
    )
}

/// `to` relative to the directory of `from` when it is below it, else `to` in full.
fn relative_link(from: &Path, to: &Path) -> String {
    from.parent()
        .and_then(|dir| to.strip_prefix(dir).ok())
        .unwrap_or(to)
        .display()
        .to_string()
}
