//! `ruchy-lambda-local new`: the crate it writes builds with cargo, passes its own unit tests and
//! answers on the local Lambda; bad names and occupied folders are refused.
//!
//! The crates are built in the target directory the other end-to-end tests share
//! ([`cli::nested_target_dir`]), so their dependencies are compiled once.

#[path = "support/cli.rs"]
mod cli;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use cli::{DEADLINE, Run, command, run_with, scratch_dir};

/// A build of a new crate with fat LTO, its dependencies too on a first run.
const BUILD_DEADLINE: Duration = Duration::from_secs(600);

/// `ruchy-lambda-local ARGS` in `dir`.
fn run_in(dir: &Path, args: &[&str]) -> Run {
    let mut command = command(args);
    command.current_dir(dir);
    run_with(command, b"", DEADLINE)
}

/// `cargo ARGS` in `dir`, in the shared target directory: offline first (the dependencies are
/// those of the workspace, already on this machine), then online if cargo needs the registry.
fn cargo(dir: &Path, args: &[&str]) -> Output {
    let run = |offline: bool| {
        let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        command
            .current_dir(dir)
            .args(args)
            .env("CARGO_TARGET_DIR", cli::nested_target_dir())
            .env_remove("RUSTFLAGS");
        if offline {
            command.arg("--offline");
        }
        command.output().expect("run cargo")
    };
    let output = run(true);
    if output.status.success() {
        return output;
    }
    run(false)
}

fn assert_success(what: &str, output: &Output) {
    assert!(
        output.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Writes the crate `name` into a fresh folder, builds it in release and runs its unit tests;
/// gives the folder and the built bootstrap.
fn new_built(name: &str, extra: &[&str]) -> (std::path::PathBuf, std::path::PathBuf) {
    let root = scratch_dir(&format!("new-{name}"));
    let mut args = vec!["new", name];
    args.extend_from_slice(extra);
    let created = run_in(&root, &args);
    assert_eq!(created.code(), Some(0), "{created:?}");
    for file in [
        "Cargo.toml",
        "src/main.rs",
        "events/example.json",
        "README.md",
        ".gitignore",
    ] {
        assert!(root.join(name).join(file).is_file(), "{file} missing");
        assert!(created.stdout.contains(file), "{}", created.stdout);
    }
    assert!(
        created.stdout.contains(&format!(
            "ruchy-lambda-local invoke --bin target/release/{name} --file events/example.json"
        )),
        "{}",
        created.stdout
    );

    let dir = root.join(name);
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    // The path dependency on this checkout, and the README's release profile.
    let crate_dir = cli::workspace().join("ruchy-lambda");
    assert!(
        manifest.contains(&format!("path = \"{}\"", crate_dir.display())),
        "{manifest}"
    );
    assert!(
        manifest.contains("[profile.release]\nopt-level = \"z\"")
            && manifest.contains("lto = \"fat\"\ncodegen-units = 1\nstrip = true\n"),
        "{manifest}"
    );
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    for step in [
        "cargo build --release",
        "cargo test",
        "invoke --bin",
        "package --bin",
    ] {
        assert!(readme.contains(step), "{step}: {readme}");
    }

    assert_success(
        "cargo build --release",
        &cargo(&dir, &["build", "--release"]),
    );
    // The unit tests, in release: the build's dependencies are reused.
    let tests = cargo(&dir, &["test", "--release"]);
    assert_success("cargo test --release", &tests);
    assert!(
        String::from_utf8_lossy(&tests.stdout).contains("test result: ok."),
        "{}",
        String::from_utf8_lossy(&tests.stdout)
    );
    let bootstrap = cli::nested_target_dir().join("release").join(name);
    assert!(bootstrap.is_file(), "{}", bootstrap.display());
    (dir, bootstrap)
}

#[test]
fn a_json_function_builds_tests_and_answers() {
    let (dir, bootstrap) = new_built("orders-fn", &[]);
    let bin = bootstrap.to_str().unwrap();
    let event = dir.join("events/example.json");
    let mut invoke = command(&["invoke", "--bin", bin, "--file", event.to_str().unwrap()]);
    invoke.current_dir(&dir);
    let run = run_with(invoke, b"", BUILD_DEADLINE);
    assert_eq!(run.code(), Some(0), "{run:?}");
    assert_eq!(run.stdout.trim_end(), r#"{"id":7,"total":6}"#);
    assert_eq!(run.log("START ").len(), 1, "{}", run.stderr);
    assert_eq!(
        run.log("order 7 (2 items), request ").len(),
        1,
        "{}",
        run.stderr
    );
    assert_eq!(run.log("REPORT ").len(), 1, "{}", run.stderr);

    // Its error, as Lambda returns it.
    let failed = cli::run(&["invoke", "--bin", bin, r#"{"id":1,"qty":0}"#]);
    assert_eq!(failed.code(), Some(1), "{failed:?}");
    assert_eq!(
        failed.stdout.trim_end(),
        r#"{"errorMessage":"order 1 is empty","errorType":"String","stackTrace":[]}"#
    );
}

#[test]
fn an_http_function_builds_tests_and_answers() {
    let (dir, bootstrap) = new_built("hello-api", &["--http"]);
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("features = [\"http\"]"), "{manifest}");
    let event = std::fs::read_to_string(dir.join("events/example.json")).unwrap();
    let event: serde_json::Value = serde_json::from_str(&event).unwrap();
    assert_eq!(
        (&event["version"], &event["rawPath"]),
        (&serde_json::json!("2.0"), &serde_json::json!("/hello"))
    );

    let run = cli::run(&[
        "invoke",
        "--bin",
        bootstrap.to_str().unwrap(),
        "--file",
        dir.join("events/example.json").to_str().unwrap(),
    ]);
    assert_eq!(run.code(), Some(0), "{run:?}");
    let reply: serde_json::Value = serde_json::from_str(run.stdout.trim_end()).unwrap();
    assert_eq!(reply["statusCode"], 200, "{reply}");
    assert_eq!(reply["body"], "hello Ada", "{reply}");
}

#[test]
fn occupied_folders_and_bad_names_are_refused() {
    let root = scratch_dir("new-refused");
    std::fs::create_dir_all(root.join("taken")).unwrap();
    std::fs::write(root.join("taken/notes.txt"), "mine").unwrap();
    std::fs::write(root.join("afile"), "").unwrap();
    for (args, message) in [
        (
            &["new", "taken"][..],
            "error: `taken` already exists and is not empty",
        ),
        (
            &["new", "afile"],
            "error: `afile` already exists and is not a folder",
        ),
        (
            &["new", "my.fn"],
            "error: invalid crate name `my.fn`: `.` is not allowed",
        ),
        (
            &["new", "9lives"],
            "error: invalid crate name `9lives`: it cannot start with a digit",
        ),
        (
            &["new", "sub/struct"],
            "error: invalid crate name `struct`: it is a Rust keyword",
        ),
        (
            &["new", "test"],
            "error: invalid crate name `test`: it conflicts with Rust's built-in test library",
        ),
    ] {
        let run = run_in(&root, args);
        assert_eq!(run.code(), Some(2), "{args:?}: {run:?}");
        assert!(run.stderr.starts_with(message), "{args:?}: {}", run.stderr);
    }
    // Nothing was written, and the file in the taken folder is as it was.
    assert_eq!(std::fs::read_dir(root.join("taken")).unwrap().count(), 1);
    assert!(!root.join("sub").exists());

    // An empty folder is fine; so is a path whose last part is the name.
    std::fs::create_dir_all(root.join("empty")).unwrap();
    assert_eq!(run_in(&root, &["new", "empty"]).code(), Some(0));
    let nested = run_in(&root, &["new", "a/b/deep_fn"]);
    assert_eq!(nested.code(), Some(0), "{nested:?}");
    let manifest = std::fs::read_to_string(root.join("a/b/deep_fn/Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"deep_fn\""), "{manifest}");
}

#[test]
fn git_and_path_dependencies() {
    let root = scratch_dir("new-deps");
    let run = run_in(
        &root,
        &[
            "new",
            "from-git",
            "--http",
            "--git",
            "https://github.com/ruchy-lambda/ruchy-lambda",
            "--rev",
            "0123abc",
        ],
    );
    assert_eq!(run.code(), Some(0), "{run:?}");
    let manifest = std::fs::read_to_string(root.join("from-git/Cargo.toml")).unwrap();
    assert!(
        manifest.contains(
            r#"ruchy-lambda = { git = "https://github.com/ruchy-lambda/ruchy-lambda", rev = "0123abc", features = ["http"] }"#
        ),
        "{manifest}"
    );
    let readme = std::fs::read_to_string(root.join("from-git/README.md")).unwrap();
    assert!(
        readme.contains("cargo install --locked --git https://github.com/ruchy-lambda/ruchy-lambda --rev 0123abc ruchy-lambda-local"),
        "{readme}"
    );

    // `--path` takes a checkout or its ruchy-lambda folder.
    let checkout = cli::workspace();
    for given in [checkout.clone(), checkout.join("ruchy-lambda")] {
        let name = if given == checkout { "p1" } else { "p2" };
        let run = run_in(&root, &["new", name, "--path", given.to_str().unwrap()]);
        assert_eq!(run.code(), Some(0), "{run:?}");
        let manifest = std::fs::read_to_string(root.join(name).join("Cargo.toml")).unwrap();
        let expected = std::fs::canonicalize(checkout.join("ruchy-lambda")).unwrap();
        assert!(
            manifest.contains(&format!(
                "ruchy-lambda = {{ path = \"{}\" }}",
                expected.display()
            )),
            "{manifest}"
        );
    }
    let wrong = run_in(&root, &["new", "p3", "--path", root.to_str().unwrap()]);
    assert_eq!(wrong.code(), Some(2), "{wrong:?}");
    assert!(
        wrong.stderr.contains("is the ruchy-lambda crate"),
        "{}",
        wrong.stderr
    );
}
