//! The lifecycle section: what SnapStart's hooks and a shutdown hook cost. `minimal` with and
//! without hooks that do nothing, on ruchy-lambda (`benches/ours/`: `minimal`,
//! `minimal-shutdown`, `minimal-snap-hooks`) and on the peer (`benches/peer/`: its `minimal`,
//! `minimal-shutdown` with lambda_runtime's `graceful-shutdown` feature, `minimal-snap-hooks`
//! with a `SnapStartResource`), beside the floor's `minimal`.
//!
//! Each bootstrap runs under the local Lambda (its own Runtime API server, output discarded).
//! In each round, every bootstrap without SnapStart hooks is started once on demand (init: spawn
//! → first `/next`), then stopped as Lambda ends an execution environment (`SIGTERM` to those
//! that registered an extension, `SIGKILL` at once to the others): stop → reaped, and how it
//! ended. Then every bootstrap that asks for `/restore/next` (not the floor's, and not the
//! shutdown ones) is started under SnapStart: init = spawn → `/restore/next`, restore = its
//! release → the first `/next` (Lambda's Restore Duration). The bootstraps of a phase go in
//! rotating order; every reply is checked byte for byte.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use ruchy_lambda_local::{Lifecycle as Line, Output, PhaseEnd, Shutdown};

use crate::figures::Target;
use crate::measure::{Subject, function_config, rotation};
use crate::report::{median_p5_p95, number, targets_table};
use crate::stats::Summary;
use crate::subjects::{Config, Handler, Runtime};

/// How much of the section a run takes.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Cold starts per bootstrap, on demand and under SnapStart each.
    pub spawns: usize,
    /// How long `/restore/next` is held before it is released (the snapshot being taken).
    pub restore_pause: Duration,
}

impl Plan {
    /// `spawns`: the run's cold starts per bootstrap (a smoke run's are few already).
    pub fn new(spawns: usize) -> Plan {
        Plan {
            spawns,
            restore_pause: Duration::from_millis(10),
        }
    }
}

/// The hooks of a bootstrap: its binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hooks {
    /// `minimal`.
    None,
    /// `minimal-shutdown`.
    Shutdown,
    /// `minimal-snap-hooks`: before-snapshot and after-restore.
    Snap,
}

impl Hooks {
    pub const ALL: [Hooks; 3] = [Hooks::None, Hooks::Shutdown, Hooks::Snap];

    pub fn binary(self) -> &'static str {
        match self {
            Hooks::None => "minimal",
            Hooks::Shutdown => "minimal-shutdown",
            Hooks::Snap => "minimal-snap-hooks",
        }
    }

    /// Started on demand (init and stop).
    fn on_demand(self) -> bool {
        self != Hooks::Snap
    }

    /// Started under SnapStart (`runtime` asks for `/restore/next`).
    fn snap_start(self, runtime: Runtime) -> bool {
        self != Hooks::Shutdown && runtime != Runtime::Floor
    }
}

/// How a process stopped by [`Subject::stop`] ended.
#[derive(Debug, Clone, Copy)]
pub struct Stop {
    /// `Function::stop()` → the process reaped.
    pub duration: Duration,
    pub sigterm: bool,
    /// `SIGKILL` sent: at once (no extension), or at the deadline after `SIGTERM`.
    pub killed: bool,
    /// Exit status 0.
    pub exit_zero: bool,
}

impl From<&Shutdown> for Stop {
    fn from(s: &Shutdown) -> Stop {
        Stop {
            duration: s.duration,
            sigterm: s.sigterm,
            killed: s.killed,
            exit_zero: s.exit.is_some_and(|e| e.success()),
        }
    }
}

/// What was measured of one bootstrap.
#[derive(Debug, Clone)]
pub struct Measured {
    pub runtime: Runtime,
    pub hooks: Hooks,
    /// The stripped binary, bytes.
    pub size: u64,
    /// On demand: spawn → first `/next`, one per cold start.
    pub init: Vec<Duration>,
    /// The stop after each on-demand cold start.
    pub stops: Vec<Stop>,
    /// SnapStart: spawn → `/restore/next`.
    pub snap_init: Vec<Duration>,
    /// SnapStart: `/restore/next` released → first `/next`.
    pub restore: Vec<Duration>,
}

/// The lifecycle figures of a run.
#[derive(Debug, Clone)]
pub struct Lifecycle {
    /// The configuration they were measured in.
    pub config: Config,
    pub plan: Plan,
    /// The `shutdown_budget` of the local Lambda: `SIGTERM` → `SIGKILL`.
    pub shutdown_budget: Duration,
    /// lambda_runtime's version in `benches/peer/Cargo.lock`, when the peer was built.
    pub peer_version: Option<String>,
    pub measured: Vec<Measured>,
}

/// Measures the bootstraps: `(runtime, hooks, path)`.
pub fn measure(
    bootstraps: &[(Runtime, Hooks, PathBuf)],
    plan: &Plan,
) -> Result<Vec<Measured>, String> {
    let mut measured = Vec::with_capacity(bootstraps.len());
    let mut on_demand: Vec<(usize, Subject)> = Vec::new();
    let mut snap: Vec<(usize, Subject)> = Vec::new();
    for (i, (runtime, hooks, path)) in bootstraps.iter().enumerate() {
        let name = format!("{} `{}`", runtime.name(), hooks.binary());
        measured.push(Measured {
            runtime: *runtime,
            hooks: *hooks,
            size: std::fs::metadata(path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .len(),
            init: Vec::with_capacity(plan.spawns),
            stops: Vec::with_capacity(plan.spawns),
            snap_init: Vec::with_capacity(plan.spawns),
            restore: Vec::with_capacity(plan.spawns),
        });
        if hooks.on_demand() {
            on_demand.push((i, Subject::new(path, name.clone(), Handler::Minimal)?));
        }
        if hooks.snap_start(*runtime) {
            let config = ruchy_lambda_local::FunctionConfig {
                snap_start: true,
                restore_pause: plan.restore_pause,
                ..function_config(Vec::new(), Output::Null)
            };
            let name = format!("{name} (SnapStart)");
            snap.push((
                i,
                Subject::with_config(path, name, Handler::Minimal, config)?,
            ));
        }
    }
    eprintln!(
        "lifecycle: {} rounds of {} on-demand and {} SnapStart cold starts",
        plan.spawns,
        on_demand.len(),
        snap.len()
    );
    for round in 0..plan.spawns {
        for k in rotation(on_demand.len(), round) {
            let (i, subject) = &mut on_demand[k];
            let report = subject.cold_invocation()?;
            let init = report
                .init_duration
                .ok_or_else(|| format!("{}: a cold start without init duration", subject.name))?;
            let stop = subject
                .stop()
                .ok_or_else(|| format!("{}: no process left to stop", subject.name))?;
            measured[*i].init.push(init);
            measured[*i].stops.push(Stop::from(&stop));
        }
        for k in rotation(snap.len(), round) {
            let (i, subject) = &mut snap[k];
            let report = subject.cold_invocation()?;
            let restore = report.restore_duration.ok_or_else(|| {
                format!(
                    "{}: no restore phase (the runtime never asked for /restore/next)",
                    subject.name
                )
            })?;
            let init = snap_init(subject)?;
            subject.stop();
            measured[*i].snap_init.push(init);
            measured[*i].restore.push(restore);
        }
    }
    for (_, mut subject) in on_demand.into_iter().chain(snap) {
        subject.stop();
    }
    Ok(measured)
}

/// The init of the last SnapStart cold start: its `INIT_REPORT` (spawn → `/restore/next`).
fn snap_init(subject: &Subject) -> Result<Duration, String> {
    match subject
        .function()
        .lifecycle()
        .iter()
        .rev()
        .find_map(|line| match line {
            Line::InitReport { duration, end } => Some((*duration, end)),
            _ => None,
        }) {
        Some((duration, PhaseEnd::Success)) => Ok(duration),
        Some((_, end)) => Err(format!("{}: init ended with {end:?}", subject.name)),
        None => Err(format!("{}: no INIT_REPORT", subject.name)),
    }
}

/// The figures of one bootstrap, in ms; `None` when not measured.
struct Figures {
    init: Option<Summary>,
    stop: Option<Summary>,
    snap_init: Option<Summary>,
    restore: Option<Summary>,
}

impl Measured {
    fn figures(&self) -> Figures {
        let stops: Vec<Duration> = self.stops.iter().map(|s| s.duration).collect();
        Figures {
            init: Summary::of_millis(&self.init),
            stop: Summary::of_millis(&stops),
            snap_init: Summary::of_millis(&self.snap_init),
            restore: Summary::of_millis(&self.restore),
        }
    }

    fn label(&self) -> String {
        format!("{} `{}`", self.runtime.name(), self.hooks.binary())
    }

    /// Stops that sent `SIGKILL` after `SIGTERM`: the process outlived the deadline.
    fn killed_at_deadline(&self) -> usize {
        self.stops.iter().filter(|s| s.sigterm && s.killed).count()
    }
}

impl Lifecycle {
    fn find(&self, runtime: Runtime, hooks: Hooks) -> Option<&Measured> {
        self.measured
            .iter()
            .find(|m| m.runtime == runtime && m.hooks == hooks)
    }

    /// `m`'s figure over the same runtime's `minimal`'s, through `pick`.
    fn over_minimal(&self, m: &Measured, pick: fn(&Figures) -> Option<Summary>) -> String {
        let base = self.find(m.runtime, Hooks::None).map(Measured::figures);
        ratio(pick(&m.figures()), base.as_ref().and_then(pick))
    }

    /// ruchy-lambda's figure over the peer's bootstrap with the same hooks, through `pick`; "—"
    /// on the other runtimes' rows.
    fn over_peer(&self, m: &Measured, pick: fn(&Figures) -> Option<Summary>) -> String {
        if m.runtime != Runtime::Ours {
            return "—".to_owned();
        }
        let peer = self.find(Runtime::Peer, m.hooks).map(Measured::figures);
        ratio(pick(&m.figures()), peer.as_ref().and_then(pick))
    }

    /// The targets, checked against this run's figures.
    pub fn targets(&self) -> Vec<Target> {
        let ours = self.find(Runtime::Ours, Hooks::Shutdown);
        let graceful = ours.map(|m| {
            let clean = m
                .stops
                .iter()
                .filter(|s| s.sigterm && !s.killed && s.exit_zero)
                .count();
            (m.stops.len(), clean, m.killed_at_deadline())
        });
        vec![Target {
            what: "`minimal-shutdown`: every stop ends in exit status 0 before the deadline"
                .to_owned(),
            found: graceful.map_or_else(
                || "not measured".to_owned(),
                |(stops, clean, killed)| format!("{clean} of {stops} (kills: {killed})"),
            ),
            pass: graceful.map(|(stops, clean, killed)| stops > 0 && clean == stops && killed == 0),
        }]
    }
}

/// `a.median / b.median` as a cell.
fn ratio(a: Option<Summary>, b: Option<Summary>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b.median > 0.0 => format!("{:.2}×", a.median / b.median),
        _ => "—".to_owned(),
    }
}

fn cell(s: Option<Summary>) -> String {
    s.map_or_else(|| "—".to_owned(), |s| median_p5_p95(&s))
}

/// The "Lifecycle" section of `BENCHMARKS.md`.
pub fn markdown(md: &mut String, l: &Lifecycle) {
    let p = &l.plan;
    let budget = l.shutdown_budget.as_millis();
    let _ = writeln!(md, "## Lifecycle: SnapStart and shutdown\n");
    let _ = writeln!(
        md,
        "`minimal` (`{{}}` → `{{\"statusCode\":200,\"body\":\"ok\"}}`) with and without lifecycle \
         hooks that do nothing, {}: on ruchy-lambda (`benches/ours/`, one crate so that they \
         differ only by their hooks: `minimal`; `minimal-shutdown`, `#[handler(shutdown = f)]`; \
         `minimal-snap-hooks`, `#[handler(before_snapshot = f, after_restore = g)]`), on \
         lambda_runtime (`benches/peer/`: its `minimal`; `minimal-shutdown`, \
         `spawn_graceful_shutdown_handler`; `minimal-snap-hooks`, a `SnapStartResource` with the \
         trait's no-op hooks registered on `Runtime`, as `lambda_runtime::run` builds it \
         otherwise), and the floor's `minimal` (std only: no extension, no `/restore/next`).\n",
        l.config.label()
    );
    match &l.peer_version {
        Some(version) => {
            let _ = writeln!(
                md,
                "The peer, lambda_runtime {version} (`benches/peer/Cargo.lock`), can do both. \
                 Shutdown: its `graceful-shutdown` feature's `spawn_graceful_shutdown_handler` \
                 registers a no-op internal extension (`lambda-extension`) and spawns a tokio \
                 task that waits for `SIGTERM` or `SIGINT`, runs the hook and exits 0; the \
                 feature adds tokio's signal driver, so `minimal-shutdown` is built alone with it \
                 and the peer's other binaries without. SnapStart: `Runtime::run` asks for \
                 `/restore/next` under `AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`, with \
                 resources registered or not.\n"
            );
        }
        None => {
            let _ = writeln!(
                md,
                "The peer was not built in this run: its rows are missing.\n"
            );
        }
    }
    let _ = writeln!(
        md,
        "- **size**: the stripped binary; what the hooks add over the same runtime's `minimal`.\n\
         - **init, on demand**: spawn → first `/next` (with an extension registered, until it \
         too has asked for its next event: Lambda's end of init), {} cold starts of each \
         bootstrap, a fresh process each, the bootstraps in rotating order; median (p5–p95).\n\
         - **SnapStart** (`AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`): **init** = spawn → \
         `/restore/next` (Lambda's `INIT_REPORT`); the request is held {} ms (the snapshot), \
         then answered: **restore** = that answer → the first `/invocation/next` (Lambda's \
         Restore Duration, after-restore hook included). {} cold starts of each, in the same \
         rounds as the on-demand ones, rotating; median (p5–p95).\n\
         - **shutdown**: after each on-demand cold start, the local Lambda ends the process as \
         Lambda ends an execution environment: with an extension registered, `SIGTERM`, then \
         `SIGKILL` at the {budget} ms deadline; with none, `SIGKILL` at once. **stop**: from \
         then until the process is reaped; how each stop ended is counted. The local Lambda \
         sends `SIGTERM` by running `kill` (a process of its own) and looks for the exit every \
         2 ms, the same for both runtimes: a stop after `SIGTERM` measures that path more \
         than the hook, and shows that the process ended by itself well within the budget; \
         the `SIGKILL` rows are for reference.\n",
        p.spawns,
        p.restore_pause.as_millis(),
        p.spawns,
    );

    let _ = writeln!(md, "### Size\n");
    let _ = writeln!(
        md,
        "| bootstrap | stripped size (kB) | added to its `minimal` (kB) | ÷ its `minimal` | ÷ floor `minimal` |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|");
    let floor = l.find(Runtime::Floor, Hooks::None).map(|m| m.size);
    for m in rows(l, |_| true) {
        let base = l.find(m.runtime, Hooks::None).map(|b| b.size);
        let (added, over) = match base {
            Some(b) if m.hooks != Hooks::None => (
                format!("{:+.1}", (m.size as f64 - b as f64) / 1000.0),
                format!("{:.3}×", m.size as f64 / b as f64),
            ),
            _ => ("—".to_owned(), "—".to_owned()),
        };
        let over_floor = floor.map_or_else(
            || "—".to_owned(),
            |f| format!("{:.2}×", m.size as f64 / f as f64),
        );
        let _ = writeln!(
            md,
            "| {} | {} | {added} | {over} | {over_floor} |",
            m.label(),
            number(m.size as f64 / 1000.0)
        );
    }
    let _ = writeln!(md);

    let _ = writeln!(md, "### Init, on demand\n");
    let _ = writeln!(
        md,
        "| bootstrap | init (ms, median (p5–p95)) | ÷ its `minimal` | ÷ floor `minimal` |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|");
    let floor_init = l
        .find(Runtime::Floor, Hooks::None)
        .and_then(|m| m.figures().init);
    for m in rows(l, |m| m.hooks.on_demand()) {
        let f = m.figures();
        let own = if m.hooks == Hooks::None {
            "—".to_owned()
        } else {
            l.over_minimal(m, |f| f.init)
        };
        let _ = writeln!(
            md,
            "| {} | {} | {own} | {} |",
            m.label(),
            cell(f.init),
            ratio(f.init, floor_init)
        );
    }
    let _ = writeln!(md);

    let _ = writeln!(md, "### SnapStart\n");
    let _ = writeln!(
        md,
        "| bootstrap | init → `/restore/next` (ms, median (p5–p95)) | ÷ its `minimal` | restore (ms, median (p5–p95)) | ÷ its `minimal` | restore: ruchy-lambda ÷ lambda_runtime |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|");
    for m in rows(l, |m| m.hooks.snap_start(m.runtime)) {
        let f = m.figures();
        let (init_own, restore_own) = if m.hooks == Hooks::None {
            ("—".to_owned(), "—".to_owned())
        } else {
            (
                l.over_minimal(m, |f| f.snap_init),
                l.over_minimal(m, |f| f.restore),
            )
        };
        let over_peer = l.over_peer(m, |f| f.restore);
        let _ = writeln!(
            md,
            "| {} | {} | {init_own} | {} | {restore_own} | {over_peer} |",
            m.label(),
            cell(f.snap_init),
            cell(f.restore),
        );
    }
    let _ = writeln!(md);

    let _ = writeln!(md, "### Shutdown\n");
    let _ = writeln!(
        md,
        "| bootstrap | stops | `SIGTERM` sent | exit status 0 | killed (at the deadline) | stop → reaped (ms, median (p5–p95)) | ruchy-lambda ÷ lambda_runtime |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|---:|");
    for m in rows(l, |m| m.hooks.on_demand()) {
        let f = m.figures();
        let count = |pick: fn(&Stop) -> bool| m.stops.iter().filter(|s| pick(s)).count();
        let over_peer = l.over_peer(m, |f| f.stop);
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} ({}) | {} | {over_peer} |",
            m.label(),
            m.stops.len(),
            count(|s| s.sigterm),
            count(|s| s.exit_zero),
            count(|s| s.killed),
            m.killed_at_deadline(),
            cell(f.stop),
        );
    }
    let _ = writeln!(md);
    targets_table(md, "Lifecycle", l.targets());
}

/// The measured bootstraps that `keep`, in table order: floor, ruchy-lambda, lambda_runtime;
/// `minimal` first.
fn rows(l: &Lifecycle, keep: fn(&Measured) -> bool) -> impl Iterator<Item = &Measured> {
    Runtime::ALL.into_iter().flat_map(move |runtime| {
        Hooks::ALL
            .into_iter()
            .filter_map(move |hooks| l.find(runtime, hooks))
            .filter(move |m| keep(m))
    })
}

/// The lifecycle rows of the result file.
pub fn tsv(out: &mut String, l: &Lifecycle) {
    let config = l.config.tag();
    for m in &l.measured {
        let runtime = m.runtime.tag();
        let binary = m.hooks.binary();
        let exact = |out: &mut String, key: &str, unit: &str, v: f64| {
            let _ = writeln!(
                out,
                "{config}\tlifecycle-{key}-{binary}\t{unit}\t{runtime}\t{v}\t{v}\t{v}\t1\texact"
            );
        };
        exact(out, "size", "kB", m.size as f64 / 1000.0);
        let f = m.figures();
        let rows = [
            ("init", f.init),
            ("snap-init", f.snap_init),
            ("restore", f.restore),
            ("stop", f.stop),
        ];
        for (key, summary) in rows {
            let Some(s) = summary else {
                continue;
            };
            let _ = writeln!(
                out,
                "{config}\tlifecycle-{key}-{binary}\tms\t{runtime}\t{}\t{}\t{}\t{}\tp5-p95",
                s.median, s.p5, s.p95, s.count
            );
        }
        if !m.stops.is_empty() {
            let count = |pick: fn(&Stop) -> bool| m.stops.iter().filter(|s| pick(s)).count();
            exact(out, "stop-sigterm", "stops", count(|s| s.sigterm) as f64);
            exact(out, "stop-exit0", "stops", count(|s| s.exit_zero) as f64);
            exact(out, "stop-killed", "stops", count(|s| s.killed) as f64);
            exact(
                out,
                "stop-killed-at-deadline",
                "stops",
                m.killed_at_deadline() as f64,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subjects::Profile;

    fn stop(ms: u64, sigterm: bool, killed: bool, exit_zero: bool) -> Stop {
        Stop {
            duration: Duration::from_millis(ms),
            sigterm,
            killed,
            exit_zero,
        }
    }

    fn measured(runtime: Runtime, hooks: Hooks, size: u64, stops: Vec<Stop>) -> Measured {
        Measured {
            runtime,
            hooks,
            size,
            init: vec![Duration::from_millis(2); 3],
            stops,
            snap_init: Vec::new(),
            restore: Vec::new(),
        }
    }

    fn section(shutdown_stops: Vec<Stop>) -> Lifecycle {
        Lifecycle {
            config: Config {
                profile: Profile::Dev,
                crt_static: false,
            },
            plan: Plan::new(3),
            shutdown_budget: Duration::from_millis(500),
            peer_version: None,
            measured: vec![
                measured(
                    Runtime::Ours,
                    Hooks::None,
                    300_000,
                    vec![stop(1, false, true, false)],
                ),
                measured(Runtime::Ours, Hooks::Shutdown, 301_500, shutdown_stops),
            ],
        }
    }

    #[test]
    fn a_kill_at_the_deadline_misses_the_target() {
        let clean = section(vec![stop(2, true, false, true); 3]);
        assert_eq!(clean.targets()[0].pass, Some(true));
        assert_eq!(clean.targets()[0].found, "3 of 3 (kills: 0)");
        let killed = section(vec![
            stop(2, true, false, true),
            stop(500, true, true, false),
        ]);
        assert_eq!(killed.targets()[0].pass, Some(false));
        assert_eq!(killed.targets()[0].found, "1 of 2 (kills: 1)");
    }

    #[test]
    fn the_section_shows_what_the_hook_adds() {
        let mut md = String::new();
        markdown(&mut md, &section(vec![stop(2, true, false, true)]));
        assert!(md.contains("| ruchy-lambda `minimal-shutdown` | 302 | +1.5 | 1.005× | — |"));
        assert!(md.contains("The peer was not built"));
        let mut out = String::new();
        tsv(&mut out, &section(vec![stop(2, true, false, true)]));
        assert!(
            out.contains(
                "dev\tlifecycle-stop-killed-at-deadline-minimal-shutdown\tstops\tours\t0\t"
            )
        );
    }
}
