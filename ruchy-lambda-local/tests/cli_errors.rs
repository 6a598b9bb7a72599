//! Bad input: one `error: …` line saying why, exit status 2 (or 1 for a failure to run), never a
//! hang. A mistake on the command line is reported by clap: the `error: …` line, then the usage
//! and a hint.

#[path = "support/cli.rs"]
mod cli;

use cli::{BOOTSTRAP, run};

/// Runs `args`, expecting exit status `code`, nothing on stdout, and on stderr one error: a first
/// line `error: …` containing `expected`, and after it (for a mistake on the command line) only
/// the usage and a hint.
fn fails(args: &[&str], code: i32, expected: &str) {
    let r = run(args);
    assert_eq!(r.code(), Some(code), "{args:?}: {r:?}");
    let lines = r.stderr_lines();
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains(expected),
        "{args:?}: {}",
        r.stderr
    );
    assert!(
        lines[1..].iter().all(|l| !l.starts_with("error")),
        "{args:?}: one error: {}",
        r.stderr
    );
    assert_eq!(r.stdout, "", "{args:?}");
}

/// Runs `args`, expecting a mistake on the command line: exit status 2 and clap's report, whose
/// first line names the cause.
fn refused(args: &[&str], expected: &str) {
    fails(args, 2, expected);
    let r = run(args);
    assert!(
        r.stderr.contains("\nUsage: ruchy-lambda-local") || r.stderr.contains("try '--help'"),
        "{args:?}: {}",
        r.stderr
    );
}

#[test]
fn usage_errors() {
    refused(&[], "requires a subcommand");
    refused(
        &["invoke", "--bin", BOOTSTRAP, "--frobnicate"],
        "unexpected argument '--frobnicate'",
    );
    refused(
        &["invoke", "--bin", BOOTSTRAP, "--timout", "3"],
        "unexpected argument '--timout'",
    );
    refused(
        &["invoke", "--bin"],
        "a value is required for '--bin <PATH>'",
    );
    refused(
        &["invoke", "--bin", BOOTSTRAP, "--timeout", "0"],
        "'--timeout <SECONDS>': must be a whole number from 1 to 900",
    );
    refused(
        &["serve", "--bin", BOOTSTRAP, "--port", "x"],
        "'--port <PORT>'",
    );
    refused(&["package"], "which function?");
    refused(
        &["serve", "--bin", BOOTSTRAP, "--log-level", "warn"],
        "`--log-level` needs `--log-format json`",
    );
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
fn a_mistyped_option_gets_a_suggestion() {
    let r = run(&["serve", "--bin", BOOTSTRAP, "--concurency", "2"]);
    assert_eq!(r.code(), Some(2), "{r:?}");
    assert!(
        r.stderr
            .contains("a similar argument exists: '--concurrency'"),
        "{}",
        r.stderr
    );
}

#[test]
fn several_functions_need_a_named_front_and_known_prefixes() {
    let a = format!("a=bin:{BOOTSTRAP}");
    let b = format!("b=bin:{BOOTSTRAP}");
    fails(
        &["serve", "--function", &a, "--function", &b, "--http", "url"],
        2,
        "`--http url` with several functions: say which one serves it",
    );
    let r = run(&[
        "serve",
        "--function",
        &a,
        "--function",
        &b,
        "--timeout",
        "c:5",
    ]);
    assert_eq!(r.code(), Some(2), "{}", r.stderr);
    assert!(
        r.stderr.lines().next().is_some_and(|l| l.contains("`c`")),
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
        assert_eq!(r.stderr, "", "{args:?}");
    }
    let r = run(&["--version"]);
    assert_eq!(
        r.stdout,
        concat!("ruchy-lambda-local ", env!("CARGO_PKG_VERSION"), "\n")
    );
}
