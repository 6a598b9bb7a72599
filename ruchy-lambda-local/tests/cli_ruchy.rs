//! `ruchy-lambda-local invoke --ruchy` and `package --ruchy`, end to end: a handler written in
//! Ruchy, transpiled and built in release with cargo, then invoked or zipped.
//!
//! They need the `ruchy` transpiler (`RUCHY`, else `ruchy` on `PATH`). Without it they say they
//! are skipped and pass, except when `CI=true`, where a missing transpiler fails them.

#[path = "support/cli.rs"]
mod cli;

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The command that installs the transpiler.
const INSTALL: &str =
    "cargo install ruchy --version 4.2.1 --locked --no-default-features --features repl";
/// A release build with fat LTO, from nothing.
const BUILD_DEADLINE: Duration = Duration::from_secs(900);

/// Whether the transpiler is there; when it is not, says so (or fails, on CI).
fn transpiler_installed() -> bool {
    let found = match std::env::var_os("RUCHY").filter(|r| !r.is_empty()) {
        Some(path) => Path::new(&path).is_file(),
        None => std::env::var_os("PATH").is_some_and(|paths| {
            std::env::split_paths(&paths).any(|dir| dir.join("ruchy").is_file())
        }),
    };
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the ruchy transpiler is not installed: on CI it must be ({INSTALL})"
        );
        println!("skipped: the ruchy transpiler is not installed ({INSTALL})");
    }
    found
}

/// `examples/ruchy/fibonacci.ruchy`, copied to a fresh folder.
fn fibonacci_copy(test: &str) -> PathBuf {
    let dir = cli::scratch_dir(test);
    let file = dir.join("fibonacci.ruchy");
    std::fs::copy(
        cli::workspace().join("examples/ruchy/fibonacci.ruchy"),
        &file,
    )
    .unwrap();
    file
}

fn run(args: &[&str]) -> cli::Run {
    cli::run_with(cli::command(args), b"", BUILD_DEADLINE)
}

#[test]
fn invoke_builds_the_handler_and_rebuilds_it_when_edited() {
    if !transpiler_installed() {
        return;
    }
    let file = fibonacci_copy("ruchy-invoke");
    let path = file.to_str().unwrap();
    let r = run(&["invoke", "--ruchy", path, r#"{"n":10}"#]);
    assert_eq!(r.code(), Some(0), "{}", r.stderr);
    assert_eq!(r.stdout, "{\"n\":10,\"fibonacci\":55}\n");
    assert!(
        r.stderr
            .starts_with("building fibonacci.ruchy (release)…\n"),
        "{}",
        r.stderr
    );
    assert_eq!(r.log("REPORT RequestId: ").len(), 1, "{}", r.stderr);

    let source = std::fs::read_to_string(&file).unwrap();
    let edited = source.replace(r#"\"fibonacci\""#, r#"\"fib\""#);
    assert_ne!(source, edited, "the reply's key is in the file");
    std::fs::write(&file, edited).unwrap();
    let r = run(&["invoke", "--ruchy", path, r#"{"n":10}"#, r#"{"n":20}"#]);
    assert_eq!(r.code(), Some(0), "{}", r.stderr);
    assert_eq!(r.stdout, "{\"n\":10,\"fib\":55}\n{\"n\":20,\"fib\":6765}\n");
}

#[test]
fn a_transpile_error_fails_with_the_transpiler_message() {
    if !transpiler_installed() {
        return;
    }
    let dir = cli::scratch_dir("ruchy-broken");
    let file = dir.join("broken.ruchy");
    std::fs::write(
        &file,
        "pub fun lambda_handler(request_id: &str, body: &str) -> String {\n    let x =\n}\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let r = run(&["invoke", "--ruchy", path, "{}"]);
    assert_eq!(r.code(), Some(1), "{}", r.stderr);
    assert_eq!(r.stdout, "");
    let expected = format!("{path}: the Ruchy transpiler failed");
    assert!(r.stderr.contains(&expected), "{}", r.stderr);
    assert!(
        r.stderr
            .ends_with(&format!("error: building {path} failed\n")),
        "{}",
        r.stderr
    );
}

#[test]
fn no_transpiler_names_the_install_command() {
    let file = fibonacci_copy("ruchy-none");
    let mut command = cli::command(&["invoke", "--ruchy", file.to_str().unwrap(), "{}"]);
    command.env("RUCHY", "/nonexistent");
    let r = cli::run_with(command, b"", BUILD_DEADLINE);
    assert_eq!(r.code(), Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("RUCHY=/nonexistent"), "{}", r.stderr);
    assert!(r.stderr.contains(INSTALL), "{}", r.stderr);
}

#[test]
fn a_missing_file_is_refused_before_building() {
    let r = cli::run(&["invoke", "--ruchy", "/nonexistent/handler.ruchy"]);
    assert_eq!(r.code(), Some(2), "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "error: `--ruchy /nonexistent/handler.ruchy`: no such file\n"
    );
}

#[test]
fn package_zips_the_built_handler() {
    if !transpiler_installed() {
        return;
    }
    let file = fibonacci_copy("ruchy-package");
    let out = cli::scratch_dir("ruchy-package-out");
    let r = run(&[
        "package",
        "--ruchy",
        file.to_str().unwrap(),
        "--output-dir",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code(), Some(0), "{}", r.stderr);
    // Read back with the zip crate, a reader that is not ours.
    let zip = std::fs::read(out.join("fibonacci/bootstrap.zip")).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a zip");
    assert_eq!(archive.len(), 1, "one entry");
    let mut entry = archive.by_index(0).unwrap();
    assert_eq!(entry.name(), "bootstrap");
    assert_eq!(entry.unix_mode(), Some(0o100_755));
    let mut content = Vec::new();
    // Checks the CRC-32 once all is read.
    std::io::Read::read_to_end(&mut entry, &mut content).unwrap();
    assert_eq!(content.len() as u64, entry.size());
    assert!(!content.is_empty(), "a bootstrap of some size");
    assert_eq!(crc32fast::hash(&content), entry.crc32());
    assert!(r.stdout.contains("bootstrap.zip"), "{}", r.stdout);
}
