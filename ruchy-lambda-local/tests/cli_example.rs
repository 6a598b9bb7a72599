//! `ruchy-lambda-local invoke --example minimal`, end to end: a real release build of the
//! `minimal` example with cargo, then one invocation.

#[path = "support/cli.rs"]
mod cli;

use std::time::Duration;

/// What `minimal` answers to any event.
const MINIMAL_REPLY: &str = r#"{"statusCode":200,"body":"ok"}"#;

#[test]
fn invoke_builds_and_runs_the_minimal_example() {
    let source = cli::workspace().join("examples/minimal.rs");
    match std::fs::read_to_string(&source) {
        Ok(text) if text.contains(MINIMAL_REPLY) => {}
        _ => {
            println!(
                "skipped: {} does not answer {MINIMAL_REPLY}",
                source.display()
            );
            return;
        }
    }
    // Its own target directory: the cargo running this test may hold the build lock of its own.
    let mut command = cli::command(&["invoke", "--example", "minimal", "{}"]);
    command
        .current_dir(cli::workspace())
        .env("CARGO_TARGET_DIR", cli::nested_target_dir());
    let r = cli::run_with(command, b"", Duration::from_secs(900));
    assert_eq!(r.code(), Some(0), "{}", r.stderr);
    assert_eq!(r.stdout, format!("{MINIMAL_REPLY}\n"));
    assert!(
        r.stderr
            .starts_with("building example minimal (release)…\n"),
        "{}",
        r.stderr
    );
    let reports = r.log("REPORT RequestId: ");
    assert_eq!(reports.len(), 1, "{}", r.stderr);
    assert!(reports[0].contains("\tInit Duration: "), "{}", reports[0]);
}
