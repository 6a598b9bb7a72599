//! Bad input: one `error: …` line, exit status 2 (or 1 for a failure to run), never a hang.

#[path = "support/cli.rs"]
mod cli;

use cli::{BOOTSTRAP, run};

/// Runs `args`, expecting exit status `code` and a single stderr line `error: …` containing
/// `expected`, and nothing on stdout.
fn fails(args: &[&str], code: i32, expected: &str) {
    let r = run(args);
    assert_eq!(r.code(), Some(code), "{args:?}: {r:?}");
    let lines = r.stderr_lines();
    assert_eq!(lines.len(), 1, "{args:?}: one line: {}", r.stderr);
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains(expected),
        "{args:?}: {}",
        r.stderr
    );
    assert_eq!(r.stdout, "", "{args:?}");
}

#[test]
fn usage_errors() {
    fails(&[], 2, "no command given");
    fails(
        &["invoke", "--bin", BOOTSTRAP, "--frobnicate"],
        2,
        "unknown option `--frobnicate` for `invoke`",
    );
    fails(&["invoke", "--bin"], 2, "`--bin` needs a value");
    fails(
        &["invoke", "--bin", BOOTSTRAP, "--timeout", "0"],
        2,
        "`--timeout` must be a whole number from 1 to 900",
    );
    fails(&["serve", "--bin", BOOTSTRAP, "--port", "x"], 2, "`--port`");
    fails(&["package"], 2, "which function?");
    fails(
        &["invoke", "--bin", "/nonexistent/bootstrap"],
        2,
        "no such file",
    );
    fails(&["invoke", "--bin", "Cargo.toml"], 2, "not executable");
    fails(
        &[
            "invoke",
            "--bin",
            BOOTSTRAP,
            "--file",
            "/nonexistent/event.json",
        ],
        2,
        "cannot read event file /nonexistent/event.json",
    );
    fails(
        &["invoke", "--bin", BOOTSTRAP, "--json", "{}", "{not json"],
        2,
        "event 2 is not valid JSON",
    );
}

#[test]
fn invalid_json_is_rejected_before_anything_runs() {
    // A bootstrap that would fail if started: nothing may be invoked.
    let r = run(&[
        "invoke",
        "--bin",
        BOOTSTRAP,
        "--json",
        "--env",
        "FIXTURE_INIT=exit",
        "nope",
    ]);
    assert_eq!(r.code(), Some(2), "{r:?}");
    assert!(!r.stderr.contains("START"), "{}", r.stderr);
}

#[test]
fn unknown_example_names_the_available_ones() {
    // Run from the workspace; cargo fails on the unknown example without building anything.
    let workspace = cli::workspace();
    let mut command = cli::command(&["invoke", "--example", "no_such_example"]);
    command
        .current_dir(workspace)
        .env("CARGO_TARGET_DIR", cli::nested_target_dir());
    let r = cli::run_with(command, b"", std::time::Duration::from_secs(300));
    assert_eq!(r.code(), Some(2), "{r:?}");
    let last = r.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: no example named `no_such_example`; available: "),
        "{}",
        r.stderr
    );
    assert!(last.contains("minimal"), "{last}");
    assert!(
        r.stderr
            .starts_with("building example no_such_example (release)…\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn help_and_version() {
    for args in [
        &["--help"][..],
        &["invoke", "--help"],
        &["serve", "-h"],
        &["help", "package"],
    ] {
        let r = run(args);
        assert_eq!(r.code(), Some(0), "{args:?}");
        assert!(
            r.stdout.contains("Usage: ruchy-lambda-local"),
            "{args:?}: {}",
            r.stdout
        );
    }
    let r = run(&["--version"]);
    assert_eq!(
        r.stdout,
        concat!("ruchy-lambda-local ", env!("CARGO_PKG_VERSION"), "\n")
    );
}
