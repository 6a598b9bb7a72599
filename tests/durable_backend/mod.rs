//! AWS's local durable backend (`dex-local-runner`, PyPI
//! `aws-durable-execution-sdk-python-testing`) in front of `ruchy-lambda-local serve`, for the
//! durable SDK's end-to-end tests: the backend invokes the functions `serve` runs, the functions
//! checkpoint to it (`AWS_ENDPOINT_URL_LAMBDA`), and a test starts executions, answers callbacks
//! and reads results and histories through its API, with ruchy-lambda-aws's Lambda client.
//!
//! `dex-local-runner` comes from the venv `.ci/durable-venv` makes (or reuses):
//! `$RUCHY_LAMBDA_DURABLE_VENV`, else `~/.cache/ruchy-lambda/durable-venv`. Without it a test
//! fails when `CI` is set, and is skipped with a message otherwise.
//!
//! The `ruchy-lambda-local` binary is built once per test binary, by a nested
//! `cargo build -p ruchy-lambda-local` in `<target>/e2e` (see `tests/support`).

#![allow(dead_code)]

use std::fs::File;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ruchy_lambda_aws::lambda::{Lambda, encode_label};
use ruchy_lambda_aws::{Client, Credentials};
use serde_json::{Value, json};

/// The durable fixture (`fixtures/durable_sdk.rs`), as this test binary's profile built it.
pub const FIXTURE: &str = env!("CARGO_BIN_EXE_durable-sdk");
/// A plain (not durable) function, for chained invokes (`fixtures/core_bootstrap.rs`).
pub const PLAIN: &str = env!("CARGO_BIN_EXE_core-bootstrap");

const ACCESS_KEY: &str = "AKIDEXAMPLE";
const SECRET_KEY: &str = "durable-secret";
const REGION: &str = "us-west-2";

/// How long a process gets to start, and an execution to end: long enough for a loaded machine.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// The target directory this test binary was built in.
fn outer_target_dir() -> PathBuf {
    Path::new(FIXTURE)
        .parent()
        .and_then(Path::parent)
        .map_or_else(|| PathBuf::from("target"), Path::to_path_buf)
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests package is in the workspace")
        .to_path_buf()
}

/// Runs `cargo build` with `args` in `<target>/e2e`, its own target directory (the build
/// running these tests holds the lock of the outer one).
fn nested_build(args: &[&str]) -> Result<PathBuf, String> {
    let target = outer_target_dir().join("e2e");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(workspace())
        .arg("build")
        .args(args)
        .arg("--target-dir")
        .arg(&target)
        .env_remove("CARGO_TARGET_DIR")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Ok(target)
}

/// The `ruchy-lambda-local` binary (built once per test binary).
pub fn local_lambda() -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BUILT.get_or_init(|| {
        nested_build(&["-p", "ruchy-lambda-local", "--bin", "ruchy-lambda-local"])
            .map(|t| t.join("debug").join("ruchy-lambda-local"))
    }) {
        Ok(path) => path.clone(),
        Err(message) => panic!("building ruchy-lambda-local failed:\n{message}"),
    }
}

/// The durable fixture built in the workspace's `release-abort` profile (`panic = "abort"`),
/// once per test binary.
pub fn fixture_panic_abort() -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BUILT.get_or_init(|| {
        nested_build(&[
            "-p",
            "ruchy-lambda-tests",
            "--bin",
            "durable-sdk",
            "--profile",
            "release-abort",
        ])
        .map(|t| t.join("release-abort").join("durable-sdk"))
    }) {
        Ok(path) => path.clone(),
        Err(message) => panic!("building the durable fixture in release-abort failed:\n{message}"),
    }
}

/// `dex-local-runner` of the durable venv; `None` (with a message) when it is not installed and
/// `CI` is not set; a failure when `CI` is set.
pub fn dex_local_runner() -> Option<PathBuf> {
    let venv = std::env::var_os("RUCHY_LAMBDA_DURABLE_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .unwrap_or_default();
            cache.join("ruchy-lambda/durable-venv")
        });
    let program = venv.join("bin/dex-local-runner");
    if program.is_file() {
        return Some(program);
    }
    let message = format!(
        "dex-local-runner is not installed at {}: run `bash .ci/durable-venv` once (it makes the \
         venv), or set RUCHY_LAMBDA_DURABLE_VENV to a venv that has \
         aws-durable-execution-sdk-python-testing==1.4.0",
        program.display()
    );
    assert!(std::env::var_os("CI").is_none(), "{message}");
    eprintln!("skipped: {message}");
    None
}

/// A loopback port that was free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A directory of its own under the system's temporary directory, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "ruchy-lambda-durable-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a temporary directory");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// How a backend is started.
pub struct Setup<'a> {
    /// The durable functions (each a name the fixture knows), served from `bootstrap`.
    pub functions: &'a [&'a str],
    /// The durable bootstrap.
    pub bootstrap: PathBuf,
    /// Functions served from other bootstraps: (name, path).
    pub others: Vec<(&'a str, PathBuf)>,
    /// dex's `--function-configs`: the functions a durable function may invoke.
    pub function_configs: Option<Value>,
    /// dex's `--skip-time`: timers fire at once (its clock jumps ahead).
    pub skip_time: bool,
}

impl<'a> Setup<'a> {
    /// `functions`, from the fixture, with `--skip-time`.
    pub fn new(functions: &'a [&'a str]) -> Self {
        Setup {
            functions,
            bootstrap: PathBuf::from(FIXTURE),
            others: Vec::new(),
            function_configs: None,
            skip_time: true,
        }
    }
}

/// dex-local-runner and `serve`, running; both stopped when dropped.
pub struct Backend {
    dex: Child,
    serve: Child,
    dir: TempDir,
    lambda: Lambda,
    /// `http://127.0.0.1:PORT` of dex.
    pub endpoint: String,
}

impl Backend {
    /// Starts dex and `serve` with `setup`'s functions and waits until both answer; `None` when
    /// dex is not installed (see [`dex_local_runner`]).
    pub fn start(setup: Setup<'_>) -> Option<Backend> {
        let dex_program = dex_local_runner()?;
        let local = local_lambda();
        let dir = TempDir::new();
        let (dex_port, serve_port) = (free_port(), free_port());
        let endpoint = format!("http://127.0.0.1:{dex_port}");
        let serve_endpoint = format!("http://127.0.0.1:{serve_port}");

        let mut dex_cmd = Command::new(&dex_program);
        dex_cmd
            .args(["start-server", "--host", "127.0.0.1", "--port"])
            .arg(dex_port.to_string())
            .arg("--lambda-endpoint")
            .arg(&serve_endpoint)
            .arg("--local-runner-endpoint")
            .arg(&endpoint)
            .arg(if setup.skip_time {
                "--skip-time"
            } else {
                "--no-skip-time"
            });
        if let Some(configs) = &setup.function_configs {
            dex_cmd.arg("--function-configs").arg(configs.to_string());
        }
        let dex = dex_cmd
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("AWS_DEFAULT_REGION", REGION)
            .stdin(Stdio::null())
            .stdout(log_file(&dir, "dex.log"))
            .stderr(log_file(&dir, "dex.log"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", dex_program.display()));

        let log = dir.path().join("functions.log");
        let mut serve_cmd = Command::new(&local);
        serve_cmd
            .args(["serve", "--host", "127.0.0.1", "--port"])
            .arg(serve_port.to_string())
            .args(["--timeout", "60"]);
        for name in setup.functions {
            serve_cmd
                .arg("--function")
                .arg(format!("{name}=bin:{}", setup.bootstrap.display()));
        }
        for (name, path) in &setup.others {
            serve_cmd
                .arg("--function")
                .arg(format!("{name}=bin:{}", path.display()));
        }
        for (key, value) in [
            ("AWS_ENDPOINT_URL_LAMBDA", endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
            ("AWS_REGION", REGION),
            ("DURABLE_SDK_LOG", log.to_str().expect("a UTF-8 path")),
        ] {
            serve_cmd.arg("--env").arg(format!("{key}={value}"));
        }
        let serve = serve_cmd
            .stdin(Stdio::null())
            .stdout(log_file(&dir, "serve.log"))
            .stderr(log_file(&dir, "serve.log"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", local.display()));

        let lambda = Client::builder()
            .region(REGION)
            .credentials(Credentials::new(ACCESS_KEY, SECRET_KEY))
            .endpoint_url(&endpoint)
            .build()
            .expect("a client")
            .lambda();
        let mut backend = Backend {
            dex,
            serve,
            dir,
            lambda,
            endpoint,
        };
        let started = Instant::now();
        loop {
            let dex_up = backend
                .lambda
                .call_json::<Value>("GET", "/health", &[], None)
                .is_ok();
            let serve_up = TcpStream::connect(("127.0.0.1", serve_port)).is_ok();
            if dex_up && serve_up {
                return Some(backend);
            }
            if let Ok(Some(status)) = backend.dex.try_wait() {
                panic!("dex-local-runner ended ({status}):\n{}", backend.logs());
            }
            if let Ok(Some(status)) = backend.serve.try_wait() {
                panic!("serve ended ({status}):\n{}", backend.logs());
            }
            assert!(
                started.elapsed() < DEADLINE,
                "dex or serve did not answer within {DEADLINE:?}:\n{}",
                backend.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// dex's and serve's output so far, for failure messages.
    pub fn logs(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.dir.path().join(name));
        format!(
            "--- dex-local-runner\n{}\n--- serve\n{}",
            read("dex.log").unwrap_or_default(),
            read("serve.log").unwrap_or_default()
        )
    }

    /// The lines the functions wrote to their log (`DURABLE_SDK_LOG`) so far.
    pub fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("functions.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Empties the functions' log (between executions of one test).
    pub fn clear_lines(&self) {
        let _ = std::fs::remove_file(self.dir.path().join("functions.log"));
    }

    /// Starts an execution of `function` with `input` (dex's `POST /start-durable-execution`):
    /// its ARN.
    pub fn start_execution(&self, function: &str, input: &Value) -> String {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!("{function}-{}", NEXT.fetch_add(1, Ordering::SeqCst));
        let body = json!({
            "AccountId": "123456789012",
            "FunctionName": function,
            "FunctionQualifier": "$LATEST",
            "ExecutionName": name,
            "ExecutionTimeoutSeconds": 300,
            "ExecutionRetentionPeriodDays": 1,
            "Input": input.to_string(),
        });
        let started: Value = self
            .lambda
            .call_json("POST", "/start-durable-execution", &[], Some(&body))
            .unwrap_or_else(|e| panic!("start {function}: {e}\n{}", self.logs()));
        started["ExecutionArn"]
            .as_str()
            .unwrap_or_else(|| panic!("no ExecutionArn in {started}"))
            .to_owned()
    }

    /// `GetDurableExecution`.
    pub fn execution(&self, arn: &str) -> Value {
        let path = format!("/2025-12-01/durable-executions/{}", encode_label(arn));
        self.lambda
            .call_json("GET", &path, &[], None)
            .unwrap_or_else(|e| panic!("GetDurableExecution: {e}\n{}", self.logs()))
    }

    /// Waits until the execution has ended (any status but RUNNING): its description.
    pub fn finished(&self, arn: &str) -> Value {
        let started = Instant::now();
        loop {
            let execution = self.execution(arn);
            if execution["Status"] != "RUNNING" {
                return execution;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "the execution {arn} did not end within {DEADLINE:?}: {execution}\n{:#?}\n{}",
                self.history(arn),
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Starts an execution and waits for its end: (its description, its history).
    pub fn run(&self, function: &str, input: &Value) -> (Value, Vec<Value>) {
        let arn = self.start_execution(function, input);
        let execution = self.finished(&arn);
        (execution, self.history(&arn))
    }

    /// `GetDurableExecutionHistory`, every page, with the execution's data (results, inputs):
    /// the events, in the order dex records them.
    pub fn history(&self, arn: &str) -> Vec<Value> {
        let path = format!(
            "/2025-12-01/durable-executions/{}/history",
            encode_label(arn)
        );
        let mut events = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let mut query = vec![("IncludeExecutionData", "true"), ("MaxItems", "1000")];
            if let Some(marker) = &marker {
                query.push(("Marker", marker));
            }
            let page: Value = self
                .lambda
                .call_json("GET", &path, &query, None)
                .unwrap_or_else(|e| panic!("GetDurableExecutionHistory: {e}\n{}", self.logs()));
            events.extend(page["Events"].as_array().cloned().unwrap_or_default());
            match page["NextMarker"].as_str() {
                Some(next) if !next.is_empty() && marker.as_deref() != Some(next) => {
                    marker = Some(next.to_owned());
                }
                _ => return events,
            }
        }
    }

    /// Waits until the history has an event of `event_type`: that event.
    pub fn event(&self, arn: &str, event_type: &str) -> Value {
        self.nth_event(arn, event_type, 1)
    }

    /// Waits until the history has `n` events of `event_type`: the `n`th.
    pub fn nth_event(&self, arn: &str, event_type: &str, n: usize) -> Value {
        let started = Instant::now();
        loop {
            if let Some(event) = self
                .history(arn)
                .into_iter()
                .filter(|e| e["EventType"] == event_type)
                .nth(n - 1)
            {
                return event;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "no {n} {event_type} events within {DEADLINE:?}: {:#?}\n{}",
                self.history(arn),
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Waits until a line the functions wrote starts with `prefix`: that line.
    pub fn line(&self, prefix: &str) -> String {
        let started = Instant::now();
        loop {
            if let Some(line) = self.lines().into_iter().find(|l| l.starts_with(prefix)) {
                return line;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "no line starting with {prefix:?} within {DEADLINE:?}: {:?}\n{}",
                self.lines(),
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// `SendDurableExecutionCallbackSuccess` with `result` (its JSON text as the payload).
    pub fn callback_success(&self, callback_id: &str, result: &Value) {
        let path = format!(
            "/2025-12-01/durable-execution-callbacks/{}/succeed",
            encode_label(callback_id)
        );
        let _: Value = self
            .lambda
            .call_json("POST", &path, &[], Some(result))
            .unwrap_or_else(|e| panic!("SendDurableExecutionCallbackSuccess: {e}"));
    }

    /// `SendDurableExecutionCallbackFailure` with `error` (`ErrorType`, `ErrorMessage`, …).
    pub fn callback_failure(&self, callback_id: &str, error: &Value) {
        let path = format!(
            "/2025-12-01/durable-execution-callbacks/{}/fail",
            encode_label(callback_id)
        );
        let _: Value = self
            .lambda
            .call_json("POST", &path, &[], Some(error))
            .unwrap_or_else(|e| panic!("SendDurableExecutionCallbackFailure: {e}"));
    }
}

fn log_file(dir: &TempDir, name: &str) -> File {
    File::options()
        .create(true)
        .append(true)
        .open(dir.path().join(name))
        .expect("a log file")
}

impl Drop for Backend {
    fn drop(&mut self) {
        // `serve` ends its functions' processes on SIGTERM; killed, it would leave them to end
        // by themselves once its Runtime API is gone.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.serve.id().to_string())
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.serve.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.serve.kill();
        let _ = self.serve.wait();
        let _ = self.dex.kill();
        let _ = self.dex.wait();
    }
}

/// An event as `"EventType Name"` (`"EventType"` for the execution's own events and
/// `InvocationCompleted`), for comparing histories.
pub fn describe(event: &Value) -> String {
    let kind = event["EventType"].as_str().unwrap_or("?");
    match (event.get("SubType"), event["Name"].as_str()) {
        (Some(_), Some(name)) => format!("{kind} {name}"),
        _ => kind.to_owned(),
    }
}

/// Every event of `history` as [`describe`] writes it.
pub fn described(history: &[Value]) -> Vec<String> {
    history.iter().map(describe).collect()
}

/// The events of `history` that are not `InvocationCompleted`, described.
pub fn operations(history: &[Value]) -> Vec<String> {
    described(history)
        .into_iter()
        .filter(|e| e != "InvocationCompleted")
        .collect()
}

/// `items` as owned strings, to compare with [`described`] and the functions' lines.
pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The result of an execution that succeeded (its `Result`, JSON in a string), read as JSON.
pub fn succeeded(execution: &Value) -> Value {
    assert_eq!(execution["Status"], "SUCCEEDED", "{execution:#}");
    let text = execution["Result"]
        .as_str()
        .unwrap_or_else(|| panic!("no result: {execution:#}"));
    serde_json::from_str(text).unwrap_or_else(|e| panic!("the result is not JSON ({e}): {text}"))
}
