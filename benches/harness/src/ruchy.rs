//! The Ruchy handlers section: `examples/ruchy/`'s `minimal.ruchy` and `fibonacci.ruchy`,
//! transpiled by the `ruchy` transpiler into bootstraps on ruchy-lambda, beside ruchy-lambda's
//! `minimal` and `fibonacci` examples written in Rust and the floor's.
//!
//! Each bootstrap runs under the local Lambda (its own Runtime API server, output discarded).
//! Init: spawn → first `/next`, a fresh process per spawn, the three bootstraps of a handler in
//! rotating order. Warm: `{}` on `minimal`, `{"n":35}` on `fibonacci`, invoked one after the
//! other in blocks, the bootstraps taking turns; every reply is checked byte for byte.
//!
//! Without the transpiler the section is skipped, and says so.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::measure::{Subject, rotation};
use crate::report::number;
use crate::stats::Summary;
use crate::subjects::{Config, Handler};

/// The command that installs the transpiler the examples are written for.
pub const INSTALL: &str =
    "cargo install ruchy --version 4.2.1 --locked --no-default-features --features repl";

/// The handlers compared.
pub const HANDLERS: [Handler; 2] = [Handler::Minimal, Handler::Fibonacci];

/// Where a bootstrap comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `examples/ruchy/`: the handler written in Ruchy.
    Ruchy,
    /// ruchy-lambda's example written in Rust.
    Rust,
    /// The std-only floor.
    Floor,
}

impl Source {
    fn label(self) -> &'static str {
        match self {
            Source::Ruchy => "ruchy-lambda, Ruchy",
            Source::Rust => "ruchy-lambda, Rust",
            Source::Floor => "floor",
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Source::Ruchy => "ruchy",
            Source::Rust => "ours",
            Source::Floor => "floor",
        }
    }
}

/// The transpiler: the program `RUCHY` names, else `ruchy` on `PATH`, when it answers
/// `--version`; its version line.
pub fn transpiler() -> Option<String> {
    let program = std::env::var_os("RUCHY").unwrap_or_else(|| "ruchy".into());
    let output = Command::new(program).arg("--version").output().ok()?;
    if !output.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// How much of the section a run takes.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Cold starts per bootstrap.
    pub spawns: usize,
    /// Measured warm `minimal` invocations per bootstrap.
    pub warm: usize,
    /// Measured warm `fibonacci` invocations per bootstrap.
    pub fib: usize,
    /// Warm invocations in a row before the next bootstrap's turn.
    pub block: usize,
    /// Warm invocations before measuring (not counted).
    pub warmup: usize,
}

impl Plan {
    /// `spawns`: the run's cold starts per bootstrap.
    pub fn full(spawns: usize) -> Plan {
        Plan {
            spawns,
            warm: 5_000,
            fib: 5_000,
            block: 500,
            warmup: 200,
        }
    }

    pub fn smoke(spawns: usize) -> Plan {
        Plan {
            spawns,
            warm: 20,
            fib: 20,
            block: 10,
            warmup: 2,
        }
    }

    fn count(&self, handler: Handler) -> usize {
        if handler == Handler::Fibonacci {
            self.fib
        } else {
            self.warm
        }
    }
}

/// What was measured of one bootstrap.
#[derive(Debug, Clone)]
pub struct Measured {
    pub source: Source,
    pub handler: Handler,
    /// The binary, bytes.
    pub size: u64,
    /// Spawn → first `/next`, one per cold start.
    pub init: Vec<Duration>,
    /// Event handed out → reply received, warm.
    pub warm: Vec<Duration>,
}

/// The section of a run.
#[derive(Debug, Clone)]
pub enum Ruchy {
    /// No transpiler.
    Skipped,
    Measured {
        /// The configuration they were measured in.
        config: Config,
        plan: Plan,
        /// The transpiler's version line.
        version: String,
        /// By handler: the Ruchy bootstrap, ruchy-lambda's in Rust, the floor's.
        measured: Vec<Measured>,
    },
}

/// Measures the bootstraps: `(source, handler, path)`.
pub fn measure(
    bootstraps: &[(Source, Handler, PathBuf)],
    plan: &Plan,
) -> Result<Vec<Measured>, String> {
    let mut measured = Vec::with_capacity(bootstraps.len());
    for handler in HANDLERS {
        let mut subjects = Vec::new();
        for (source, h, path) in bootstraps.iter().filter(|b| b.1 == handler) {
            let name = format!("{} `{}`", source.label(), h.name());
            let subject = Subject::new(path, name, *h)?;
            let size = std::fs::metadata(path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .len();
            subjects.push((
                subject,
                Measured {
                    source: *source,
                    handler: *h,
                    size,
                    init: Vec::with_capacity(plan.spawns),
                    warm: Vec::with_capacity(plan.count(*h)),
                },
            ));
        }
        eprintln!(
            "ruchy: `{}`: {} cold starts and {} warm invocations of {} bootstraps",
            handler.name(),
            plan.spawns,
            plan.count(handler),
            subjects.len()
        );
        for round in 0..plan.spawns {
            for i in rotation(subjects.len(), round) {
                let (subject, m) = &mut subjects[i];
                let (init, _rss) = subject.cold_start()?;
                m.init.push(init);
            }
        }
        let mut discard = Vec::new();
        for (subject, _) in &mut subjects {
            subject.start_warm()?;
            subject.invoke_warm(plan.warmup, &mut discard)?;
        }
        let count = plan.count(handler);
        let blocks = count.div_ceil(plan.block);
        for block in 0..blocks {
            let size = plan.block.min(count - block * plan.block);
            for i in rotation(subjects.len(), block) {
                let (subject, m) = &mut subjects[i];
                subject.invoke_warm(size, &mut m.warm)?;
            }
        }
        for (mut subject, m) in subjects {
            subject.stop();
            measured.push(m);
        }
    }
    Ok(measured)
}

/// The figures of one bootstrap.
struct Figures {
    /// ms.
    init: Summary,
    /// µs.
    warm: Summary,
}

impl Measured {
    fn figures(&self) -> Option<Figures> {
        let init: Vec<f64> = self.init.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        Some(Figures {
            init: Summary::of(&init)?,
            warm: Summary::of_micros(&self.warm)?,
        })
    }
}

/// The "Ruchy handlers" section of `BENCHMARKS.md`.
pub fn markdown(md: &mut String, r: &Ruchy) {
    let _ = writeln!(md, "## Ruchy handlers\n");
    let Ruchy::Measured {
        config,
        plan: p,
        version,
        measured,
    } = r
    else {
        let _ = writeln!(
            md,
            "Skipped: no `ruchy` transpiler (neither `RUCHY` nor `ruchy` on `PATH`); install it \
             with `{INSTALL}`.\n"
        );
        return;
    };
    let _ = writeln!(
        md,
        "Handlers written in Ruchy, {}: `examples/ruchy/`'s `minimal.ruchy` and \
         `fibonacci.ruchy`, transpiled at build time by `{version}` (through \
         `ruchy-lambda-build`) into bootstraps on ruchy-lambda, beside ruchy-lambda's `minimal` \
         and `fibonacci` examples written in Rust and the floor's (std only). All built with the \
         same profile.\n",
        config.label()
    );
    let _ = writeln!(
        md,
        "The events: `{{}}` on `minimal`, `{{\"n\":35}}` on `fibonacci`; every reply checked byte \
         for byte. **Init**: spawn → first `/next`, median of {} cold starts, the three \
         bootstraps of a handler in rotating order. **Warm**: event handed out → reply \
         received, {} invocations (`fibonacci`: {}) one after the other in blocks of {} (after \
         {} unmeasured), the bootstraps taking turns; median and p99.\n",
        p.spawns, p.warm, p.fib, p.block, p.warmup
    );
    let _ = writeln!(
        md,
        "| handler | bootstrap | stripped size (kB) | ÷ Rust | init (ms) | warm median (µs) | \
         warm p99 (µs) |"
    );
    let _ = writeln!(md, "|---|---|---:|---:|---:|---:|---:|");
    for handler in HANDLERS {
        let rust = measured
            .iter()
            .find(|m| m.handler == handler && m.source == Source::Rust)
            .map(|m| m.size);
        for m in measured.iter().filter(|m| m.handler == handler) {
            let ratio = rust.map_or_else(
                || "—".to_owned(),
                |b| format!("{:.2}×", m.size as f64 / b as f64),
            );
            let rest = m.figures().map_or_else(
                || "— | — | —".to_owned(),
                |f| {
                    format!(
                        "{} | {} | {}",
                        number(f.init.median),
                        number(f.warm.median),
                        number(f.warm.p99)
                    )
                },
            );
            let _ = writeln!(
                md,
                "| `{}` | {} | {} | {ratio} | {rest} |",
                handler.name(),
                m.source.label(),
                number(m.size as f64 / 1000.0),
            );
        }
    }
    let _ = writeln!(md);
}

/// The Ruchy rows of the result file.
pub fn tsv(out: &mut String, r: &Ruchy) {
    let Ruchy::Measured {
        config, measured, ..
    } = r
    else {
        return;
    };
    let config = config.tag();
    for m in measured {
        let runtime = m.source.tag();
        let handler = m.handler.name();
        let kb = m.size as f64 / 1000.0;
        let _ = writeln!(
            out,
            "{config}\truchy-size-{handler}\tkB\t{runtime}\t{kb}\t{kb}\t{kb}\t1\texact"
        );
        let Some(f) = m.figures() else {
            continue;
        };
        let rows = [
            ("init", "ms", f.init, f.init.min, f.init.max, "min-max"),
            ("warm-median", "µs", f.warm, f.warm.p5, f.warm.p95, "p5-p95"),
        ];
        for (key, unit, x, low, high, spread) in rows {
            let _ = writeln!(
                out,
                "{config}\truchy-{key}-{handler}\t{unit}\t{runtime}\t{}\t{low}\t{high}\t{}\t{spread}",
                x.median, x.count
            );
        }
        let p99 = f.warm.p99;
        let _ = writeln!(
            out,
            "{config}\truchy-warm-p99-{handler}\tµs\t{runtime}\t{p99}\t{p99}\t{p99}\t{}\tsingle",
            f.warm.count
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_skipped_section_says_how_to_install_the_transpiler() {
        let mut md = String::new();
        markdown(&mut md, &Ruchy::Skipped);
        assert!(md.starts_with("## Ruchy handlers\n"));
        assert!(md.contains("Skipped"));
        assert!(md.contains(INSTALL));
        let mut tsv_out = String::new();
        tsv(&mut tsv_out, &Ruchy::Skipped);
        assert!(tsv_out.is_empty());
    }
}
