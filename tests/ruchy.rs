//! Handlers written in Ruchy, end to end: `.ruchy` files transpiled at build time by
//! `ruchy-lambda-build` (the `ruchy` binary, through `RUCHY` or `PATH`), built into bootstraps,
//! and invoked on the local Lambda; and the errors a user meets, each with its message.
//!
//! These tests need the `ruchy` transpiler. Without it they print why and pass, except in CI
//! (`CI=true`), which installs it (`.ci/run`): there a missing transpiler fails them.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use ruchy_lambda_local::{Event, Outcome, RuntimeApiServer, ServerConfig};

const INSTALL: &str =
    "cargo install ruchy --version 4.2.1 --locked --no-default-features --features repl";

/// The tests of this file build in one shared target directory, one at a time: cargo builds of
/// crates of the same name side by side there would step on each other's outputs.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whether the transpiler is there; prints why a test is skipped when it is not (and fails in
/// CI, where it must be).
fn have_ruchy() -> bool {
    let found = ruchy_lambda_build::transpiler().is_ok();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the ruchy transpiler is not installed, and CI must run these tests: {INSTALL}"
        );
        println!("skipped: the ruchy transpiler is not installed ({INSTALL})");
    }
    found
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn cargo(dir: &Path, args: &[&str], target: &Path, env: &[(&str, &str)]) -> Output {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .current_dir(dir)
        .args(args)
        .arg("--target-dir")
        .arg(target)
        .env_remove("CARGO_TARGET_DIR")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run cargo")
}

/// `examples/ruchy/` built in release, once per test binary.
fn ruchy_example(name: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let dir = BUILT.get_or_init(|| {
        let target = support::e2e_target_dir().join("ruchy-examples");
        let manifest = workspace().join("examples/ruchy/Cargo.toml");
        let out = cargo(
            &workspace(),
            &[
                "build",
                "--release",
                "--manifest-path",
                manifest.to_str().unwrap(),
            ],
            &target,
            &[],
        );
        assert!(
            out.status.success(),
            "building the Ruchy examples failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        target.join("release")
    });
    dir.join(name)
}

fn invoke(bootstrap: &Path, events: &[&str]) -> Vec<Outcome> {
    let server = RuntimeApiServer::start(ServerConfig::default()).unwrap();
    let running = support::spawn(bootstrap, &server.runtime_api(), &[]);
    let outcomes = support::outcomes(&server, &running, events.iter().map(|e| Event::new(*e)));
    drop(running);
    outcomes
}

#[test]
fn the_ruchy_examples_answer_exactly() {
    let _serial = one_at_a_time();
    if !have_ruchy() {
        return;
    }
    assert_eq!(
        invoke(&ruchy_example("minimal"), &["{}"]),
        [Outcome::Response(
            br#"{"statusCode":200,"body":"ok"}"#.to_vec()
        )]
    );
    let replies = invoke(
        &ruchy_example("fibonacci"),
        &[r#"{"n":10}"#, "{}", r#"{"n":35}"#],
    );
    assert_eq!(
        replies,
        [
            Outcome::Response(br#"{"n":10,"fibonacci":55}"#.to_vec()),
            Outcome::Response(br#"{"n":35,"fibonacci":9227465}"#.to_vec()),
            Outcome::Response(br#"{"n":35,"fibonacci":9227465}"#.to_vec()),
        ]
    );
}

/// A crate of one `.ruchy` handler (`h.ruchy`) in a fresh directory, built in debug with a
/// target directory shared by the tests of this file.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(name: &str, ruchy: &str) -> Scratch {
        let dir = support::e2e_target_dir().join("ruchy-scratch").join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        let root = workspace();
        let manifest = format!(
            "[workspace]\n\n[package]\nname = \"h\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
             publish = false\n\n[dependencies]\nruchy-lambda = {{ path = {:?} }}\n\n\
             [build-dependencies]\nruchy-lambda-build = {{ path = {:?} }}\n",
            root.join("ruchy-lambda"),
            root.join("ruchy-lambda-build"),
        );
        std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
        std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        std::fs::write(
            dir.join("build.rs"),
            "fn main() {\n    ruchy_lambda_build::transpile_dir(\".\");\n}\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("src/main.rs"),
            "ruchy_lambda::include_ruchy!(\"h\");\n",
        )
        .unwrap();
        let scratch = Scratch { dir };
        scratch.write(ruchy);
        scratch
    }

    fn write(&self, ruchy: &str) {
        std::fs::write(self.dir.join("h.ruchy"), ruchy).unwrap();
    }

    fn build(&self, env: &[(&str, &str)]) -> Output {
        let target = support::e2e_target_dir().join("ruchy-scratch-target");
        cargo(&self.dir, &["build", "--quiet"], &target, env)
    }

    fn bootstrap(&self) -> PathBuf {
        support::e2e_target_dir()
            .join("ruchy-scratch-target")
            .join("debug")
            .join("h")
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const ECHO: &str = "pub fun lambda_handler(request_id: &str, body: &str) -> String {\n    \
                    format!(\"got {}\", body)\n}\n";

#[test]
fn editing_a_ruchy_file_rebuilds_it() {
    let _serial = one_at_a_time();
    if !have_ruchy() {
        return;
    }
    let scratch = Scratch::new("edit", ECHO);
    let out = scratch.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        invoke(&scratch.bootstrap(), &["x"]),
        [Outcome::Response(b"got x".to_vec())]
    );
    scratch.write(&ECHO.replace("got", "now"));
    let out = scratch.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        invoke(&scratch.bootstrap(), &["x"]),
        [Outcome::Response(b"now x".to_vec())]
    );
}

#[test]
fn a_transpile_error_names_the_file_and_says_what_the_transpiler_said() {
    let _serial = one_at_a_time();
    if !have_ruchy() {
        return;
    }
    let broken = "pub fun lambda_handler(request_id: &str, body: &str) -> String {\n    \
                  let x = 1\n";
    let scratch = Scratch::new("broken", broken);
    let out = scratch.build(&[]);
    assert!(!out.status.success());
    let stderr = stderr(&out);
    assert!(
        stderr.contains("h.ruchy: the Ruchy transpiler failed: Error: Failed to parse input"),
        "{stderr}"
    );
    assert!(!stderr.contains("Stack backtrace"), "{stderr}");
}

#[test]
fn a_missing_transpiler_names_the_install_command() {
    let _serial = one_at_a_time();
    let scratch = Scratch::new("missing", ECHO);
    let out = scratch.build(&[("RUCHY", "/nonexistent/ruchy")]);
    assert!(!out.status.success());
    let stderr = stderr(&out);
    assert!(
        stderr.contains(
            "the Ruchy transpiler was not found (RUCHY=/nonexistent/ruchy is not a file)"
        ) && stderr.contains(INSTALL),
        "{stderr}"
    );
}

#[test]
fn a_signature_the_attribute_rejects_gets_the_attributes_error() {
    let _serial = one_at_a_time();
    if !have_ruchy() {
        return;
    }
    let three = "pub fun lambda_handler(a: &str, b: &str, c: &str) -> String {\n    \
                 a.to_string()\n}\n";
    let scratch = Scratch::new("signature", three);
    let out = scratch.build(&[]);
    assert!(!out.status.success());
    let stderr = stderr(&out);
    // The attribute's own message, on the transpiled line (its Rust file is named).
    assert!(
        stderr.contains("error: a state parameter needs an `init` function that builds the state")
            && stderr.contains("out/ruchy/h.rs:4:"),
        "{stderr}"
    );
}
