//! A representative subset of AWS's durable execution conformance suite, a few requirements of
//! each family, run end to end: the Rust functions of this crate behind `ruchy-lambda-local
//! serve`, executions driven by the local Lambda's durable backend (`serve --durable
//! --skip-time`), each requirement checked by the suite's own validator (history event by event,
//! and result) through `tests/durable-conformance/conformance`. Fails when any of them does not
//! pass.
//!
//! `DURABLE_CONFORMANCE_BACKEND=dex` runs the same subset on AWS's `dex-local-runner` instead
//! (in real time: its `--skip-time` can leave an execution waiting for good); so does a
//! `ruchy-lambda-local` without `serve --durable`, saying so.
//!
//! `DURABLE_CONFORMANCE_LOCAL` names a `ruchy-lambda-local` to use instead of the one this test
//! builds.
//!
//! Needs Python 3.11+ with `venv` and pip's access to PyPI: the driver makes its venv
//! (`.ci/durable-venv`) on first use.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Per family, requirements whose features both the SDK and the local backend have (see
/// CONFORMANCE.md for the whole suite):
/// - step: a result, a name, an object, a caught failure replayed, retries exhausted, a fallback;
/// - wait: one, two in a row;
/// - child context: basic, a failure caught, nested, replayed after a wait;
/// - callback: answered, failed, a failure caught and then a wait;
/// - invoke: an echo target, a failing target caught;
/// - wait for condition: met at once, a failing check caught;
/// - wait for callback: answered, failed, a failure caught;
/// - parallel and map: basic, fail fast, a tolerated failure, a branch or item suspended.
const SUBSET: &[&[&str]] = &[
    &["1-1", "1-2", "1-4", "1-10", "1-12", "1-20"],
    &["2-1", "2-3"],
    &["3-1", "3-5", "3-6", "3-9"],
    &["4-1", "4-6", "4-13"],
    &["5-1", "5-6"],
    &["6-2", "6-8"],
    &["7-1", "7-4", "7-6"],
    &["8-1", "8-6", "8-9", "8-14"],
    &["9-1", "9-5", "9-8", "9-15"],
];

/// What dex-local-runner 1.4.0 records unlike Lambda, failing these on it whatever the function.
const DEX_GAPS: &[(&str, &str)] = &[
    ("5-1", "no ExecutedVersion in ChainedInvokeStartedDetails"),
    ("5-6", "no ExecutedVersion in ChainedInvokeStartedDetails"),
];

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The local Lambda's command, built in a target directory of its own (its features are not
/// this test's), next to this build's.
fn local_lambda(bootstrap: &Path) -> PathBuf {
    let target = bootstrap
        .parent()
        .and_then(Path::parent)
        .expect("the bootstrap is in <target>/<profile>/")
        .join("conformance");
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "--locked",
            "-p",
            "ruchy-lambda-local",
            "--target-dir",
        ])
        .arg(&target)
        .current_dir(crate_dir())
        .status()
        .expect("run cargo");
    assert!(status.success(), "cargo build -p ruchy-lambda-local failed");
    target.join("debug").join("ruchy-lambda-local")
}

/// Whether `local`'s `serve` has the durable backend.
fn serves_durable(local: &Path) -> bool {
    let help = Command::new(local)
        .args(["serve", "--help"])
        .output()
        .expect("run ruchy-lambda-local serve --help");
    String::from_utf8_lossy(&help.stdout).contains("--durable")
}

#[test]
fn representative_requirements_pass() {
    let bootstrap = PathBuf::from(env!("CARGO_BIN_EXE_durable-conformance"));
    let local = match std::env::var_os("DURABLE_CONFORMANCE_LOCAL") {
        Some(path) => PathBuf::from(path),
        None => local_lambda(&bootstrap),
    };
    let backend = match std::env::var("DURABLE_CONFORMANCE_BACKEND") {
        Ok(backend) => backend,
        Err(_) if serves_durable(&local) => "ours".to_owned(),
        Err(_) => {
            eprintln!(
                "this ruchy-lambda-local has no `serve --durable`: the subset runs on dex-local-runner"
            );
            "dex".to_owned()
        }
    };
    let time: &[&str] = if backend == "ours" {
        &["--skip-time"]
    } else {
        &[]
    };
    let work =
        std::env::temp_dir().join(format!("durable-conformance-subset-{}", std::process::id()));
    let results = work.join("results.json");
    let subset: Vec<&str> = SUBSET
        .iter()
        .flat_map(|family| family.iter().copied())
        .filter(|id| {
            let gap = DEX_GAPS.iter().find(|(gap, _)| gap == id);
            if let (Some((_, why)), "dex") = (gap, backend.as_str()) {
                eprintln!("{id} is not run on dex-local-runner: {why}");
                return false;
            }
            true
        })
        .collect();
    let status = Command::new(crate_dir().join("conformance"))
        .args(["--functions", "rust", "--backend", &backend, "--jobs", "4"])
        .args(time)
        .arg("--local")
        .arg(&local)
        .arg("--bootstrap")
        .arg(&bootstrap)
        .arg("--work")
        .arg(&work)
        .arg("--results")
        .arg(&results)
        .arg("--ids")
        .args(&subset)
        .arg("--expect-pass")
        .args(&subset)
        .status()
        .expect("run tests/durable-conformance/conformance");
    assert!(
        status.success(),
        "requirements of the subset did not pass (each one's reason is above; logs, histories \
         and results in {})",
        work.display()
    );
    let _ = std::fs::remove_dir_all(&work);
}
