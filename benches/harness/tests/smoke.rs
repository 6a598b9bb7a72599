//! The smoke run end to end: the harness builds ruchy-lambda's examples and the floor (dev
//! profile, no peer), runs every measurement a few times on the local Lambda (the concurrency
//! figures at N = 1 and 2, the logs section with two feature choices, 1 MiB streams, the HTTP
//! functions section without its peer, the Ruchy handlers section when the `ruchy` transpiler is
//! there and its skip line when it is not, the lifecycle section and the borrowed events section
//! without their peer), and writes every figure. Nothing here judges a figure: only that each one was produced, that N = 2 really
//! had 2 invocations in flight at once, that the records were written in the JSON format, and
//! (in the harness) that every stream and every batch reply came through byte for byte.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A hang guard, not a performance bound: a smoke run takes seconds once its bootstraps are built.
const GIVE_UP_AFTER: Duration = Duration::from_secs(600);

const FIGURES: [&str; 15] = [
    "size-minimal",
    "size-echo",
    "size-fibonacci",
    "zip-minimal",
    "zip-echo",
    "zip-fibonacci",
    "init-minimal",
    "init-echo",
    "init-fibonacci",
    "rss-cold",
    "warm-median",
    "warm-p99",
    "throughput",
    "rss-warm",
    "fib",
];

#[test]
fn smoke_run_produces_every_figure() {
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-smoke");
    let out = work.join("out");
    let _ = std::fs::remove_dir_all(&out);
    let mut child = Command::new(env!("CARGO_BIN_EXE_ruchy-lambda-bench"))
        .arg("--smoke")
        .arg("--out")
        .arg(&out)
        .arg("--target-root")
        .arg(work.join("targets"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the harness");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the harness") {
            break status;
        }
        if started.elapsed() > GIVE_UP_AFTER {
            let _ = child.kill();
            panic!("the smoke run did not finish in {GIVE_UP_AFTER:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = child.wait_with_output().expect("harness output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(status.success(), "smoke run failed: {status}\n{stderr}");

    let tsv = std::fs::read_to_string(out.join("results.tsv")).expect("results.tsv");
    let zip = Command::new("zip").arg("-v").output().is_ok();
    for figure in FIGURES {
        if figure.starts_with("zip-") && !zip {
            continue;
        }
        for runtime in ["floor", "ours"] {
            let line = tsv
                .lines()
                .map(|l| l.split('\t').collect::<Vec<_>>())
                .find(|f| f[1] == figure && f[3] == runtime)
                .unwrap_or_else(|| panic!("no {figure} for {runtime} in\n{tsv}"));
            let median: f64 = line[4].parse().expect("a number");
            assert!(median > 0.0, "{figure} for {runtime}: {median}");
        }
    }
    for workload in ["sleep", "echo"] {
        for n in [1, 2] {
            for name in ["throughput", "p50", "p99", "rss", "init", "in-flight"] {
                let figure = format!("conc-{workload}-n{n}-{name}");
                for runtime in ["floor", "ours"] {
                    let line = tsv
                        .lines()
                        .map(|l| l.split('\t').collect::<Vec<_>>())
                        .find(|f| f[1] == figure && f[3] == runtime)
                        .unwrap_or_else(|| panic!("no {figure} for {runtime} in\n{tsv}"));
                    let median: f64 = line[4].parse().expect("a number");
                    assert!(median > 0.0, "{figure} for {runtime}: {median}");
                    if name == "in-flight" {
                        assert_eq!(median, f64::from(n), "{figure} for {runtime}");
                    }
                }
            }
        }
    }
    for (figure, runtime) in [
        ("logs-size-none-minimal", "ours"),
        ("logs-size-log-minimal", "ours"),
        ("logs-size-log-logging", "ours"),
        ("logs-size-minimal", "floor"),
        ("logs-warm-log10", "floor"),
        ("logs-warm-log10", "ours"),
        ("logs-warm-log10-tracing", "ours"),
        ("logs-warm-log10-warn", "ours"),
        ("logs-warm-nolog", "ours"),
        ("logs-warm-minimal", "floor"),
        ("stream-throughput", "floor"),
        ("stream-throughput", "ours"),
        ("stream-first-byte", "floor"),
        ("stream-first-byte", "ours"),
        ("stream-chunks", "ours"),
        ("stream-rss", "ours"),
        ("http-size", "ours"),
        ("http-init", "ours"),
        ("http-rss-cold", "ours"),
        ("http-warm-median", "ours"),
        ("http-warm-p99", "ours"),
        ("http-size-aws-events", "ours"),
        ("http-size-minimal", "floor"),
        ("lifecycle-size-minimal", "ours"),
        ("lifecycle-size-minimal-shutdown", "ours"),
        ("lifecycle-size-minimal-snap-hooks", "ours"),
        ("lifecycle-init-minimal", "floor"),
        ("lifecycle-init-minimal", "ours"),
        ("lifecycle-init-minimal-shutdown", "ours"),
        ("lifecycle-stop-minimal", "ours"),
        ("lifecycle-stop-minimal-shutdown", "ours"),
        ("lifecycle-snap-init-minimal", "ours"),
        ("lifecycle-snap-init-minimal-snap-hooks", "ours"),
        ("lifecycle-restore-minimal", "ours"),
        ("lifecycle-restore-minimal-snap-hooks", "ours"),
        ("lifecycle-stop-exit0-minimal-shutdown", "ours"),
        ("batch-size-batch", "ours"),
        ("batch-size-batch-owned", "ours"),
        ("batch-warm-256k-batch", "ours"),
        ("batch-warm-256k-batch-owned", "ours"),
        ("batch-warm-4m-batch", "ours"),
        ("batch-warm-4m-batch-owned", "ours"),
        ("batch-rss-256k-batch", "ours"),
        ("batch-rss-4m-batch-owned", "ours"),
    ] {
        let line = tsv
            .lines()
            .map(|l| l.split('\t').collect::<Vec<_>>())
            .find(|f| f[1] == figure && f[3] == runtime)
            .unwrap_or_else(|| panic!("no {figure} for {runtime} in\n{tsv}"));
        let median: f64 = line[4].parse().expect("a number");
        assert!(median > 0.0, "{figure} for {runtime}: {median}");
    }
    // The shutdown hook ran to exit status 0 every time, none killed at the deadline.
    assert!(
        tsv.lines().any(|l| l.starts_with(
            "dev\tlifecycle-stop-killed-at-deadline-minimal-shutdown\tstops\tours\t0\t"
        )),
        "a `minimal-shutdown` stop was killed at the deadline:\n{tsv}"
    );
    assert!(
        !tsv.lines().any(|l| l.contains("\tpeer\t")),
        "the smoke run must not build or run the peer"
    );

    let markdown = std::fs::read_to_string(out.join("BENCHMARKS.md")).expect("BENCHMARKS.md");
    for section in [
        "## Machine",
        "## Results: dev profile",
        "## Targets",
        "## Concurrency (Lambda Managed Instances)",
        "### `sleep`",
        "### `echo`",
        "### Concurrency targets",
        "## Logs",
        "### Size, by feature choice",
        "### Warm latency with ten records per invocation",
        "### Logs targets",
        "## Streaming",
        "### Streaming targets",
        "## HTTP functions",
        "### HTTP targets",
        "## Ruchy handlers",
        "## Lifecycle: SnapStart and shutdown",
        "### Lifecycle targets",
        "## Borrowed events",
        "### Borrowed events targets",
        "## How to rerun",
    ] {
        assert!(markdown.contains(section), "no `{section}` in\n{markdown}");
    }
    assert!(markdown.contains("| dev profile | warm median ≤ 1.3× floor |"));
    assert!(markdown.contains("| `sleep`, N = 2: 2 in flight at once | 2 | pass |"));
    assert!(
        markdown.contains("| `log10` at WARN (records rejected) ≤ 1.05× `nolog`, warm median |")
    );
    assert!(markdown.contains(r#""level":"INFO","requestId":"#));
    assert!(markdown.contains("| `stream64`: throughput ≥ 0.8× floor |"));
    assert!(markdown.contains("| `http` stripped size ≤ 1.6× floor `minimal` |"));
    assert!(markdown.contains("| ruchy-lambda `http` |"));
    assert!(markdown.contains(
        "| `minimal-shutdown`: every stop ends in exit status 0 before the deadline | 2 of 2 \
         (kills: 0) | pass |"
    ));
    assert!(markdown.contains("| `batch`, 4 MiB event: warm median borrowed ≤ 0.7× owned |"));
    if markdown.contains("Skipped: no `ruchy` transpiler") {
        assert!(markdown.contains("cargo install ruchy --version 4.2.1 --locked"));
        assert!(!tsv.contains("\truchy-"), "figures of a skipped section");
    } else {
        for handler in ["minimal", "fibonacci"] {
            for figure in ["size", "init", "warm-median", "warm-p99"] {
                let figure = format!("ruchy-{figure}-{handler}");
                for runtime in ["ruchy", "ours", "floor"] {
                    let line = tsv
                        .lines()
                        .map(|l| l.split('\t').collect::<Vec<_>>())
                        .find(|f| f[1] == figure && f[3] == runtime)
                        .unwrap_or_else(|| panic!("no {figure} for {runtime} in\n{tsv}"));
                    let median: f64 = line[4].parse().expect("a number");
                    assert!(median > 0.0, "{figure} for {runtime}: {median}");
                }
            }
        }
        assert!(markdown.contains("| `fibonacci` | ruchy-lambda, Ruchy |"));
    }
    let svg = std::fs::read_to_string(out.join("ratios.svg")).expect("ratios.svg");
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
}
