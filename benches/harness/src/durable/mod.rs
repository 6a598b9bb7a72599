//! The durable functions section: what replaying an execution costs. The same function on
//! ruchy-lambda's durable SDK (`benches/ours/`'s `durable-replay`, the `durable` feature) and on
//! AWS's Python SDK (`benches/durable/replay.py`, aws-durable-execution-sdk-python under AWS's
//! runtime interface client `awslambdaric`): `{"steps": 1000}` runs 1,000 steps, waits 1 s and
//! returns their sum. The invocation after the wait replays the 1,000 steps from their saved
//! results, then finds the wait over and returns.
//!
//! Both run on the same backend, AWS's own local one (`dex-local-runner` of
//! aws-durable-execution-sdk-python-testing, `--skip-time`), each function behind its own
//! `ruchy-lambda-local serve` (the Invoke endpoint the backend calls, and whose REPORT lines
//! give each invocation's duration and the process's peak memory). The Python packages come
//! from the venv `.ci/durable-venv` makes (`RUCHY_LAMBDA_DURABLE_VENV`, else its default path).
//!
//! In each round, one execution per function, in rotating order; an execution's last
//! invocation is its replay (its first runs and checkpoints the steps).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

mod stack;

use stack::Stack;

use crate::builds::Builder;
use crate::measure::rotation;
use crate::report::number;
use crate::stats::Summary;
use crate::subjects::Config;

/// The steps of each execution.
pub const STEPS: u64 = 1000;

/// How to get the Python side.
pub const INSTALL: &str = "run `bash .ci/durable-venv` (it makes the venv at \
                           ~/.cache/ruchy-lambda/durable-venv, or at RUCHY_LAMBDA_DURABLE_VENV)";

/// The plan: executions per function.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub rounds: usize,
}

impl Plan {
    pub fn full() -> Self {
        Plan { rounds: 7 }
    }

    pub fn smoke() -> Self {
        Plan { rounds: 1 }
    }
}

/// One function's figures.
#[derive(Debug, Clone)]
pub struct Measured {
    /// `ruchy-lambda` or `Python SDK`.
    pub label: &'static str,
    /// The first invocation of each execution (the steps run and checkpointed), ms.
    pub first_ms: Vec<f64>,
    /// The replay invocation of each execution, ms.
    pub replay_ms: Vec<f64>,
    /// The process's peak memory after each execution, MB (the REPORT line's Max Memory Used).
    pub rss_mb: Vec<f64>,
    /// Invocations per execution.
    pub invocations: Vec<usize>,
}

/// The section's figures.
#[derive(Debug, Clone)]
pub enum Durable {
    Measured {
        config: Config,
        plan: Plan,
        /// The Python packages' versions.
        versions: Vec<(String, String)>,
        measured: Vec<Measured>,
        /// The stripped sizes of the `durable` and `dynamodb` examples.
        example_sizes: [u64; 2],
    },
    /// No venv: not measured.
    Skipped,
}

/// The Python venv, when it has what the section needs.
pub fn venv() -> Option<PathBuf> {
    let venv = match std::env::var_os("RUCHY_LAMBDA_DURABLE_VENV") {
        Some(path) => PathBuf::from(path),
        None => {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
            cache.join("ruchy-lambda").join("durable-venv")
        }
    };
    venv.join("bin")
        .join("dex-local-runner")
        .is_file()
        .then_some(venv)
}

/// What the section runs: the Rust bootstrap and the local Lambda's command; and the stripped
/// sizes of the `durable` and `dynamodb` examples (both on the blocking AWS client: the
/// difference is what the durable SDK adds).
#[derive(Debug, Clone)]
pub struct Built {
    pub bootstrap: PathBuf,
    pub serve: PathBuf,
    pub durable_example: u64,
    pub dynamodb_example: u64,
}

impl Builder {
    /// `durable-replay` of `benches/ours/` (feature `durable`) in `config`, and the
    /// `ruchy-lambda-local` command (release).
    pub fn build_durable(&self, config: Config) -> Result<Built, String> {
        let target_dir = self.ours_target_dir(config);
        let manifest = self.repo.join("benches").join("ours").join("Cargo.toml");
        let (mut command, out_dir) = self.cargo(config, &target_dir)?;
        command.arg("--manifest-path").arg(&manifest).args([
            "--bin",
            "durable-replay",
            "--features",
            "durable",
            "--locked",
        ]);
        let what = format!("ruchy-lambda with `durable` ({})", config.label());
        eprintln!("building {what} in {}", out_dir.display());
        self.run(command, &what)?;
        let keep = out_dir.join("durable-section");
        std::fs::create_dir_all(&keep).map_err(|e| format!("{}: {e}", keep.display()))?;
        let bootstrap = keep.join("durable-replay");
        std::fs::copy(out_dir.join("durable-replay"), &bootstrap)
            .map_err(|e| format!("durable-replay: {e}"))?;
        let (mut command, out_dir) = self.cargo(config, &target_dir)?;
        command.args([
            "-p",
            "ruchy-lambda-examples",
            "--example",
            "durable",
            "--example",
            "dynamodb",
        ]);
        self.run(command, "ruchy-lambda durable, dynamodb")?;
        let mut sizes = [0; 2];
        for (size, name) in sizes.iter_mut().zip(["durable", "dynamodb"]) {
            let copy = keep.join(format!("example-{name}"));
            std::fs::copy(out_dir.join("examples").join(name), &copy)
                .map_err(|e| format!("example {name}: {e}"))?;
            *size = crate::file_size(&copy)?;
        }
        let local_dir = self.target_root.join("local");
        let mut command = Command::new(&self.cargo);
        command
            .args(["build", "--release", "--locked", "-p", "ruchy-lambda-local"])
            .args(["--bin", "ruchy-lambda-local", "--target-dir"])
            .arg(&local_dir)
            .current_dir(&self.repo);
        self.run(command, "the ruchy-lambda-local command")?;
        Ok(Built {
            bootstrap,
            serve: local_dir.join("release").join("ruchy-lambda-local"),
            durable_example: sizes[0],
            dynamodb_example: sizes[1],
        })
    }
}

/// `Duration: X ms` and `Max Memory Used: N MB` of a REPORT line.
fn report_figures(line: &str) -> Option<(f64, f64)> {
    let field = |name: &str| {
        line.split('\t')
            .find_map(|f| f.trim().strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
    };
    Some((field("Duration: ")?, field("Max Memory Used: ")?))
}

/// Measures both functions: `plan.rounds` executions each.
pub fn measure(
    venv: &Path,
    built: &Built,
    repo: &Path,
    plan: Plan,
) -> Result<Vec<Measured>, String> {
    let python_bootstrap = repo.join("benches").join("durable").join("bootstrap");
    let stacks = [
        Stack::start(
            "ruchy-lambda",
            venv,
            &built.serve,
            &["--bin".into(), built.bootstrap.display().to_string()],
        )?,
        Stack::start(
            "Python SDK",
            venv,
            &built.serve,
            &["--bin".into(), python_bootstrap.display().to_string()],
        )?,
    ];
    let mut measured: Vec<Measured> = stacks
        .iter()
        .map(|s| Measured {
            label: s.label,
            first_ms: Vec::new(),
            replay_ms: Vec::new(),
            rss_mb: Vec::new(),
            invocations: Vec::new(),
        })
        .collect();
    eprintln!(
        "durable: {} executions of {STEPS} steps on each of {} functions",
        plan.rounds,
        stacks.len()
    );
    for round in 0..plan.rounds {
        for i in rotation(stacks.len(), round) {
            let reports = stacks[i].execution(round)?;
            let figures: Vec<(f64, f64)> =
                reports.iter().filter_map(|l| report_figures(l)).collect();
            let (Some(first), Some(last)) = (figures.first(), figures.last()) else {
                return Err(format!(
                    "{}: unreadable REPORT lines {reports:?}",
                    stacks[i].label
                ));
            };
            let m = &mut measured[i];
            m.first_ms.push(first.0);
            m.replay_ms.push(last.0);
            m.rss_mb.push(last.1);
            m.invocations.push(figures.len());
        }
    }
    Ok(measured)
}

/// The versions of the Python packages in the venv.
pub fn versions(venv: &Path) -> Vec<(String, String)> {
    let names = [
        "aws-durable-execution-sdk-python",
        "aws-durable-execution-sdk-python-testing",
        "awslambdaric",
    ];
    names
        .iter()
        .map(|name| {
            let version = Command::new(venv.join("bin").join("python"))
                .args([
                    "-c",
                    &format!("import importlib.metadata as m; print(m.version('{name}'))"),
                ])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
                .unwrap_or_else(|| "?".to_owned());
            ((*name).to_owned(), version)
        })
        .collect()
}

fn median(samples: &[f64]) -> Option<f64> {
    Summary::of(samples).map(|s| s.median)
}

/// The section of BENCHMARKS.md.
pub fn markdown(md: &mut String, durable: &Durable) {
    let _ = writeln!(md, "## Durable functions: replaying an execution\n");
    let Durable::Measured {
        config,
        plan,
        versions,
        measured,
        example_sizes,
    } = durable
    else {
        let _ = writeln!(
            md,
            "Not measured in this run: no Python venv with AWS's durable packages ({INSTALL}).\n"
        );
        return;
    };
    let listed: Vec<String> = versions.iter().map(|(n, v)| format!("{n} {v}")).collect();
    let _ = writeln!(
        md,
        "The same function on ruchy-lambda's durable SDK (`benches/ours/`'s `durable-replay`, \
         the `durable` feature, {}) and on AWS's Python SDK (`benches/durable/replay.py` under \
         AWS's runtime interface client; {}): `{{\"steps\": {STEPS}}}` runs {STEPS} steps, waits \
         1 s and returns their sum. Both on the same backend, AWS's own local one \
         (`dex-local-runner --skip-time`), each behind its own `ruchy-lambda-local serve`, whose \
         REPORT lines give the figures. The first invocation runs the steps and checkpoints \
         each result; the last one, after the wait, replays the {STEPS} steps from their saved \
         results. {} executions each, in rotating order; medians. Peak memory is the process's \
         (`Max Memory Used` of the replay's REPORT line).\n",
        config.label(),
        listed.join(", "),
        plan.rounds,
    );
    let _ = writeln!(
        md,
        "| function | first invocation (steps run) | replay invocation | per replayed operation | peak memory | invocations |\n|---|---:|---:|---:|---:|---:|"
    );
    for m in measured {
        let (Some(first), Some(replay), Some(rss)) =
            (median(&m.first_ms), median(&m.replay_ms), median(&m.rss_mb))
        else {
            continue;
        };
        let invocations =
            median(&m.invocations.iter().map(|&n| n as f64).collect::<Vec<_>>()).unwrap_or(0.0);
        let _ = writeln!(
            md,
            "| {} | {} ms | {} ms | {} µs | {} MB | {invocations} |",
            m.label,
            number(first),
            number(replay),
            number(replay * 1000.0 / STEPS as f64),
            number(rss),
        );
    }
    let [durable_size, dynamodb_size] = *example_sizes;
    let _ = writeln!(
        md,
        "\nWhat the `durable` feature adds to a bootstrap: the `durable` example is {} kB \
         stripped, the `dynamodb` example (the same blocking AWS client, without durable \
         functions) {} kB: {} kB for the context, its operations, the checkpoint batching and \
         the BLAKE2b of operation ids (RustCrypto's `blake2`, on the `digest` that aws-sigv4's \
         SHA-256 already links). A function without the feature links none of it.\n",
        number(durable_size as f64 / 1000.0),
        number(dynamodb_size as f64 / 1000.0),
        number((durable_size as f64 - dynamodb_size as f64) / 1000.0),
    );
    if let [ours, python] = &measured[..] {
        if let (Some(a), Some(b), Some(ra), Some(rb)) = (
            median(&ours.replay_ms),
            median(&python.replay_ms),
            median(&ours.rss_mb),
            median(&python.rss_mb),
        ) {
            let _ = writeln!(
                md,
                "\nruchy-lambda ÷ Python SDK: replay time {:.2}×, peak memory {:.2}×.\n",
                a / b,
                ra / rb
            );
        }
    }
}

/// The section's lines of results.tsv.
pub fn tsv(out: &mut String, durable: &Durable) {
    let Durable::Measured {
        config, measured, ..
    } = durable
    else {
        return;
    };
    let config = config.tag();
    if let Durable::Measured { example_sizes, .. } = durable {
        for (name, bytes) in ["example-durable", "example-dynamodb"]
            .iter()
            .zip(example_sizes)
        {
            let kb = *bytes as f64 / 1000.0;
            let _ = writeln!(
                out,
                "{config}\tdurable-size-{name}\tkB\tours\t{kb}\t{kb}\t{kb}\t1\texact"
            );
        }
    }
    for m in measured {
        let runtime = if m.label == "ruchy-lambda" {
            "ours"
        } else {
            "python"
        };
        for (figure, unit, samples) in [
            ("durable-first-invocation", "ms", &m.first_ms),
            ("durable-replay-invocation", "ms", &m.replay_ms),
            ("durable-peak-memory", "MB", &m.rss_mb),
        ] {
            if let Some(s) = Summary::of(samples) {
                let _ = writeln!(
                    out,
                    "{config}\t{figure}\t{unit}\t{runtime}\t{}\t{}\t{}\t{}\tp5-p95",
                    s.median, s.p5, s.p95, s.count
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_lines_give_duration_and_memory() {
        let line = "REPORT RequestId: 1\tDuration: 3.35 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 31 MB\t";
        assert_eq!(report_figures(line), Some((3.35, 31.0)));
        assert_eq!(report_figures("REPORT RequestId: 1"), None);
    }
}
