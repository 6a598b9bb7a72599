//! Helpers shared by the end-to-end test files: the example bootstraps (built once per test
//! binary), running a bootstrap as a child process with its stderr captured, and reading a
//! process's memory figures.
//!
//! Use it from a test file with `mod support;`. Not every test file uses every helper.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The fixture written directly on runtime-core (`fixtures/core_bootstrap.rs`).
pub const CORE_BOOTSTRAP: &str = env!("CARGO_BIN_EXE_core-bootstrap");

/// The target directory this test binary was built in (`…/target` or `$CARGO_TARGET_DIR`).
fn outer_target_dir() -> PathBuf {
    // `CORE_BOOTSTRAP` is `<target>/<profile>/core-bootstrap`.
    let exe = Path::new(CORE_BOOTSTRAP);
    exe.parent()
        .and_then(Path::parent)
        .map_or_else(|| PathBuf::from("target"), Path::to_path_buf)
}

/// Where the nested `cargo build` of the examples puts its output: its own target directory, so
/// that it never waits on the lock of the build running these tests.
pub fn e2e_target_dir() -> PathBuf {
    outer_target_dir().join("e2e")
}

/// The release build of example `name` (`minimal`, `fibonacci`, `echo`, …).
///
/// The first call in a test binary runs
/// `cargo build --release -p ruchy-lambda-examples --examples --target-dir <target>/e2e`; later
/// calls reuse it. A failed build fails the calling test with cargo's output.
pub fn example(name: &str) -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let dir = BUILT.get_or_init(build_examples).as_ref();
    match dir {
        Ok(dir) => {
            let path = dir.join(name);
            assert!(path.exists(), "no example bootstrap at {}", path.display());
            path
        }
        Err(message) => panic!("building the examples failed:\n{message}"),
    }
}

fn build_examples() -> Result<PathBuf, String> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("no workspace root")?
        .to_path_buf();
    let target = e2e_target_dir();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(&workspace)
        .args([
            "build",
            "--release",
            "-p",
            "ruchy-lambda-examples",
            "--examples",
        ])
        .arg("--target-dir")
        .arg(&target)
        .env_remove("CARGO_TARGET_DIR")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Ok(target.join("release").join("examples"))
}

/// A bootstrap running as a child process, its stderr collected as it is written.
pub struct Running {
    child: Child,
    stderr: Arc<Mutex<String>>,
    reader: Option<JoinHandle<()>>,
}

/// Starts `bootstrap` with `AWS_LAMBDA_RUNTIME_API=runtime_api` and `env`, stdout discarded.
pub fn spawn(bootstrap: impl AsRef<Path>, runtime_api: &str, env: &[(&str, &str)]) -> Running {
    let mut child = Command::new(bootstrap.as_ref())
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
        .env("AWS_LAMBDA_FUNCTION_NAME", "reliability")
        .env_remove("_X_AMZN_TRACE_ID")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bootstrap.as_ref().display()));
    let stderr = Arc::new(Mutex::new(String::new()));
    let mut pipe = child.stderr.take().expect("stderr is piped");
    let sink = Arc::clone(&stderr);
    let reader = thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                return;
            }
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            sink.lock().unwrap().push_str(&text);
        }
    });
    Running {
        child,
        stderr,
        reader: Some(reader),
    }
}

impl Running {
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the process wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// The exit code if the process has exited (`None` inside when killed by a signal); then
    /// all of its stderr has been read too (the reader has seen the pipe close), so that
    /// [`Running::stderr`] has its last lines.
    pub fn try_exit(&mut self) -> Option<Option<i32>> {
        let code = self.child.try_wait().unwrap().map(|s| s.code())?;
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        Some(code)
    }

    /// Waits up to `limit` for the process to exit by itself; kills it after that. Returns the
    /// exit code (`None` when it had to be killed or died by a signal) and all of stderr.
    pub fn wait(mut self, limit: Duration) -> (Option<i32>, String) {
        let started = Instant::now();
        let code = loop {
            if let Some(code) = self.try_exit() {
                break code;
            }
            if started.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break None;
            }
            thread::sleep(Duration::from_millis(5));
        };
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        (code, self.stderr())
    }

    /// Kills the process and returns its stderr.
    pub fn kill(mut self) -> String {
        let _ = self.child.kill();
        self.wait(Duration::from_secs(10)).1
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `VmHWM` or `VmRSS`-style field of `/proc/<pid>/status`, in kB.
pub fn proc_status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Polls `check` every 5 ms until it returns `Some` or `limit` passes.
pub fn wait_until<T>(limit: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let started = Instant::now();
    loop {
        if let Some(found) = check() {
            return Some(found);
        }
        if started.elapsed() > limit {
            return None;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// `(name, value)` pairs as `FunctionConfig::env` takes them.
pub fn env_vars(env: &[(&str, &str)]) -> Vec<(String, String)> {
    env.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A reply parsed as JSON; any other outcome fails the test.
pub fn reply_json(outcome: &ruchy_lambda_local::Outcome) -> serde_json::Value {
    match outcome {
        ruchy_lambda_local::Outcome::Response(body) => {
            serde_json::from_slice(body).expect("the reply is JSON")
        }
        other => panic!("expected a reply, got {other:?}"),
    }
}

/// Queues each event on `server` in turn and waits for its answer (30 s at most; the
/// bootstrap's stderr goes into the failure): the outcomes, in order.
pub fn outcomes(
    server: &ruchy_lambda_local::RuntimeApiServer,
    running: &Running,
    events: impl IntoIterator<Item = ruchy_lambda_local::Event>,
) -> Vec<ruchy_lambda_local::Outcome> {
    events
        .into_iter()
        .map(|event| {
            let id = server.enqueue(event);
            server
                .wait_for(&id, Duration::from_secs(30))
                .unwrap_or_else(|| panic!("no answer: {}", running.stderr()))
                .outcome
        })
        .collect()
}
