//! The validation run on AWS Lambda: deploy with `deploy/deploy.sh`, force cold starts, invoke,
//! check the replies, collect the `REPORT` lines, tear down.
//!
//! Everything goes through the AWS CLI and the deploy scripts, so the run can be rehearsed
//! offline with stand-ins for `aws` and `cargo` first on `PATH` ([`Config::path_prefix`]); the
//! crate's tests do that. Only a run against the real CLI with real credentials measures anything.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::invoke::InvokeOutput;
use crate::table::{self, Sample};

/// An example deployed and checked by the suite.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// The example's name (`cargo build --example NAME`).
    pub name: &'static str,
    /// The event sent to it.
    pub payload: &'static str,
    /// Checks its reply; `Err` says what is wrong.
    pub check: fn(&str) -> Result<(), String>,
}

/// The examples the suite deploys: `minimal` must answer `{"statusCode":200,"body":"ok"}`,
/// `fibonacci` with `{"n":35}` a reply containing `9227465`.
pub const EXAMPLES: [Example; 2] = [
    Example {
        name: "minimal",
        payload: "{}",
        check: check_minimal,
    },
    Example {
        name: "fibonacci",
        payload: r#"{"n":35}"#,
        check: check_fibonacci,
    },
];

fn check_minimal(reply: &str) -> Result<(), String> {
    let expected = serde_json::json!({"statusCode": 200, "body": "ok"});
    match serde_json::from_str::<serde_json::Value>(reply) {
        Ok(value) if value == expected => Ok(()),
        _ => Err(format!("expected {expected}, got {reply}")),
    }
}

fn check_fibonacci(reply: &str) -> Result<(), String> {
    if reply.contains("9227465") {
        Ok(())
    } else {
        Err(format!(
            "expected a reply containing 9227465 (fibonacci of 35), got {reply}"
        ))
    }
}

/// What to run, and where.
#[derive(Debug, Clone)]
pub struct Config {
    /// The repository root (holds `deploy/`).
    pub repo_root: PathBuf,
    /// Architectures to deploy: `x86_64`, `arm64`.
    pub architectures: Vec<String>,
    /// Memory sizes to measure, in MB.
    pub memory_sizes: Vec<u32>,
    /// Cold starts forced per function and memory size.
    pub cold_starts: usize,
    /// Warm invocations per function and memory size, after the cold ones.
    pub warm_invocations: usize,
    /// AWS region; `None` uses the CLI's configured one.
    pub region: Option<String>,
    /// Function name prefix passed to the deploy scripts.
    pub function_prefix: String,
    /// Execution role passed to the deploy scripts.
    pub role_name: String,
    /// Whether to delete the role on tear-down (only for a role the suite owns).
    pub delete_role: bool,
    /// Leave the functions deployed at the end.
    pub keep: bool,
    /// Where reply files go.
    pub work_dir: PathBuf,
    /// A directory put first on `PATH` for every command (stand-ins for offline rehearsals).
    pub path_prefix: Option<PathBuf>,
    /// More environment variables for every command.
    pub env: Vec<(String, String)>,
}

/// The default execution role of the suite, deleted on tear-down.
pub const DEFAULT_ROLE: &str = "ruchy-lambda-validate";

impl Config {
    /// The configuration from the environment:
    /// `RUCHY_LAMBDA_AWS_COLD_STARTS` (10), `RUCHY_LAMBDA_AWS_WARM_INVOCATIONS` (10),
    /// `RUCHY_LAMBDA_AWS_ARCHS` (`x86_64,arm64`), `RUCHY_LAMBDA_AWS_MEMORY` (`128`, a list),
    /// `RUCHY_LAMBDA_AWS_REGION` (else `AWS_REGION`, `AWS_DEFAULT_REGION`, the CLI's),
    /// `RUCHY_LAMBDA_AWS_PREFIX` (`ruchy-lambda-validate`), `RUCHY_LAMBDA_AWS_ROLE`
    /// ([`DEFAULT_ROLE`], deleted at the end; a role named here is kept), `RUCHY_LAMBDA_AWS_KEEP=1`.
    pub fn from_env(repo_root: &Path, work_dir: &Path) -> Result<Config, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let count = |name: &str, default: usize| -> Result<usize, String> {
            var(name).map_or(Ok(default), |v| {
                v.trim()
                    .parse()
                    .map_err(|_| format!("{name} must be a whole number, not `{v}`"))
            })
        };
        let list = |name: &str, default: &str| -> Vec<String> {
            var(name)
                .unwrap_or_else(|| default.to_owned())
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let architectures = list("RUCHY_LAMBDA_AWS_ARCHS", "x86_64,arm64");
        if let Some(bad) = architectures
            .iter()
            .find(|a| *a != "x86_64" && *a != "arm64")
        {
            return Err(format!(
                "RUCHY_LAMBDA_AWS_ARCHS: `{bad}` is neither x86_64 nor arm64"
            ));
        }
        let memory_sizes = list("RUCHY_LAMBDA_AWS_MEMORY", "128")
            .iter()
            .map(|m| match m.parse::<u32>() {
                Ok(mb) if (128..=10240).contains(&mb) => Ok(mb),
                _ => Err(format!(
                    "RUCHY_LAMBDA_AWS_MEMORY: `{m}` is not a memory size from 128 to 10240"
                )),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let role = var("RUCHY_LAMBDA_AWS_ROLE");
        Ok(Config {
            repo_root: repo_root.to_owned(),
            architectures,
            memory_sizes,
            cold_starts: count("RUCHY_LAMBDA_AWS_COLD_STARTS", 10)?,
            warm_invocations: count("RUCHY_LAMBDA_AWS_WARM_INVOCATIONS", 10)?,
            region: var("RUCHY_LAMBDA_AWS_REGION")
                .or_else(|| var("AWS_REGION"))
                .or_else(|| var("AWS_DEFAULT_REGION")),
            function_prefix: var("RUCHY_LAMBDA_AWS_PREFIX")
                .unwrap_or_else(|| "ruchy-lambda-validate".into()),
            delete_role: role.is_none(),
            role_name: role.unwrap_or_else(|| DEFAULT_ROLE.into()),
            keep: var("RUCHY_LAMBDA_AWS_KEEP").as_deref() == Some("1"),
            work_dir: work_dir.to_owned(),
            path_prefix: None,
            env: Vec::new(),
        })
    }

    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        if let Some(prefix) = &self.path_prefix {
            let mut paths = vec![prefix.clone()];
            paths.extend(std::env::split_paths(
                &std::env::var_os("PATH").unwrap_or_default(),
            ));
            if let Ok(path) = std::env::join_paths(paths) {
                command.env("PATH", path);
            }
        }
        command.current_dir(&self.repo_root).env("AWS_PAGER", "");
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// `aws` in the path prefix if it is there, else `aws` from `PATH`.
    fn aws_program(&self) -> PathBuf {
        self.path_prefix
            .as_ref()
            .map(|p| p.join("aws"))
            .filter(|p| p.exists())
            .unwrap_or_else(|| PathBuf::from("aws"))
    }

    /// `aws [--region R] ARGS...`.
    fn aws(&self, args: &[&str]) -> Command {
        let mut command = self.command(self.aws_program());
        if let Some(region) = &self.region {
            command.args(["--region", region]);
        }
        command.args(args);
        command
    }

    fn script(&self, name: &str) -> Command {
        let mut command = self.command("bash");
        command.arg(self.repo_root.join("deploy").join(name));
        if let Some(region) = &self.region {
            command.args(["--region", region]);
        }
        command.args(["--function-prefix", &self.function_prefix]);
        command
    }
}

/// What a run produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// One sample per invocation whose reply and `REPORT` line were read.
    pub samples: Vec<Sample>,
    /// Cold starts the suite forced (configuration updates followed by an invocation).
    pub forced_cold_starts: usize,
    /// Everything that went wrong; empty when the run passed.
    pub failures: Vec<String>,
    /// Whether the functions were torn down at the end.
    pub torn_down: bool,
}

/// Runs the suite: deploy, cold starts, warm invocations, tear-down. Progress goes to stderr.
pub fn run(config: &Config) -> Outcome {
    let mut outcome = Outcome::default();
    let mut version = config.command(config.aws_program());
    version.arg("--version");
    let cli_v2 = match output(version) {
        Ok(out) => String::from_utf8_lossy(&out.stdout).starts_with("aws-cli/2"),
        Err(e) => {
            outcome
                .failures
                .push(format!("the AWS CLI does not run: {e}"));
            return outcome;
        }
    };
    if let Err(e) = std::fs::create_dir_all(&config.work_dir) {
        outcome
            .failures
            .push(format!("cannot create {}: {e}", config.work_dir.display()));
        return outcome;
    }
    for architecture in &config.architectures {
        for (i, &memory) in config.memory_sizes.iter().enumerate() {
            let mut deploy = config.script("deploy.sh");
            deploy.args(["--arch", architecture, "--memory", &memory.to_string()]);
            deploy.args(["--role-name", &config.role_name]);
            if i > 0 {
                deploy.arg("--skip-build");
            }
            deploy.args(EXAMPLES.iter().map(|e| e.name));
            eprintln!("aws-validate: deploying {architecture}, {memory} MB");
            let arns: Vec<String> = match output(deploy) {
                Ok(out) => String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .filter(|l| l.starts_with("arn:"))
                    .map(str::to_owned)
                    .collect(),
                Err(e) => {
                    outcome
                        .failures
                        .push(format!("deploying {architecture} {memory} MB: {e}"));
                    continue;
                }
            };
            if arns.len() != EXAMPLES.len() {
                outcome.failures.push(format!(
                    "deploy.sh printed {} ARNs for {} examples: {arns:?}",
                    arns.len(),
                    EXAMPLES.len()
                ));
                continue;
            }
            for (example, arn) in EXAMPLES.iter().zip(&arns) {
                measure(
                    config,
                    cli_v2,
                    example,
                    architecture,
                    memory,
                    arn,
                    &mut outcome,
                );
            }
        }
    }
    if config.keep {
        eprintln!("aws-validate: RUCHY_LAMBDA_AWS_KEEP=1: leaving the functions deployed");
    } else {
        let mut teardown = config.script("teardown.sh");
        teardown.arg("--logs");
        if config.delete_role {
            teardown.args(["--role", "--role-name", &config.role_name]);
        }
        teardown.args(EXAMPLES.iter().map(|e| e.name));
        match output(teardown) {
            Ok(_) => outcome.torn_down = true,
            Err(e) => outcome.failures.push(format!("tearing down: {e}")),
        }
    }
    outcome
}

/// Forced cold starts, then warm invocations, of one function.
fn measure(
    config: &Config,
    cli_v2: bool,
    example: &Example,
    architecture: &str,
    memory: u32,
    arn: &str,
    outcome: &mut Outcome,
) {
    let label = format!("{} {architecture} {memory} MB", example.name);
    for round in 0..config.cold_starts {
        // A new configuration makes Lambda start new sandboxes: the next invocation is cold.
        let nonce = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let variables = format!("Variables={{RUCHY_LAMBDA_COLD_START={round}-{nonce}}}");
        let update = config.aws(&[
            "lambda",
            "update-function-configuration",
            "--function-name",
            arn,
            "--environment",
            &variables,
            "--query",
            "FunctionArn",
            "--output",
            "text",
        ]);
        let wait = config.aws(&["lambda", "wait", "function-updated", "--function-name", arn]);
        if let Err(e) = output(update).and_then(|_| output(wait)) {
            outcome
                .failures
                .push(format!("{label}: forcing a cold start: {e}"));
            return;
        }
        outcome.forced_cold_starts += 1;
        invoke_once(config, cli_v2, example, architecture, arn, &label, outcome);
    }
    for _ in 0..config.warm_invocations {
        invoke_once(config, cli_v2, example, architecture, arn, &label, outcome);
    }
}

fn invoke_once(
    config: &Config,
    cli_v2: bool,
    example: &Example,
    architecture: &str,
    arn: &str,
    label: &str,
    outcome: &mut Outcome,
) {
    let reply_file = config
        .work_dir
        .join(format!("reply-{}-{architecture}.json", example.name));
    let _ = std::fs::remove_file(&reply_file);
    let reply_path = reply_file.to_string_lossy().into_owned();
    let mut args = vec![
        "lambda",
        "invoke",
        "--function-name",
        arn,
        "--log-type",
        "Tail",
    ];
    if cli_v2 {
        args.extend(["--cli-binary-format", "raw-in-base64-out"]);
    }
    args.extend([
        "--payload",
        example.payload,
        "--output",
        "json",
        &reply_path,
    ]);
    let result = output(config.aws(&args)).and_then(|out| {
        let invoked = InvokeOutput::from_json(&String::from_utf8_lossy(&out.stdout))
            .map_err(|e| e.to_string())?;
        let reply =
            std::fs::read_to_string(&reply_file).map_err(|e| format!("reading the reply: {e}"))?;
        if invoked.status_code != 200 {
            return Err(format!(
                "StatusCode {} (reply {reply})",
                invoked.status_code
            ));
        }
        if let Some(error) = &invoked.function_error {
            return Err(format!("FunctionError {error}: {reply}"));
        }
        (example.check)(reply.trim())?;
        invoked.tail().map_err(|e| e.to_string())
    });
    match result {
        Ok(tail) => outcome.samples.push(Sample {
            example: example.name.to_owned(),
            architecture: architecture.to_owned(),
            report: tail.report,
        }),
        Err(e) => outcome.failures.push(format!("{label}: {e}")),
    }
}

/// Runs a command; `Err` carries its exit status and standard error.
fn output(mut command: Command) -> Result<Output, String> {
    let shown = format!("{command:?}");
    let out = command.output().map_err(|e| format!("{shown}: {e}"))?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(format!(
            "{shown} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The report: how it was measured, the table, the cold starts forced and observed, failures.
pub fn markdown_report(config: &Config, outcome: &Outcome) -> String {
    let rows = table::summarize(&outcome.samples);
    let observed: usize = rows.iter().map(|r| r.cold_count()).sum();
    let mut out = String::from("# ruchy-lambda on AWS Lambda\n\n");
    let _ = writeln!(
        out,
        "Run on {} (UTC) in region {}, runtime provided.al2023. Per function and memory size: {} \
         forced cold starts (a new environment variable value each time), then {} warm invocations. \
         Every figure is read from the functions' REPORT lines.\n",
        utc_now(),
        config
            .region
            .as_deref()
            .unwrap_or("(the AWS CLI's default)"),
        config.cold_starts,
        config.warm_invocations,
    );
    let _ = writeln!(
        out,
        "Command: `RUCHY_LAMBDA_AWS_TESTS=1 cargo test -p ruchy-lambda-aws-validate --test aws`\n"
    );
    out.push_str(&table::markdown(&rows));
    let _ = writeln!(
        out,
        "\nCold starts forced: {}; invocations whose REPORT had Init Duration: {observed}.",
        outcome.forced_cold_starts
    );
    if outcome.failures.is_empty() {
        out.push_str("\nEvery reply was as expected.\n");
    } else {
        out.push_str("\nFailures:\n\n");
        for failure in &outcome.failures {
            let _ = writeln!(out, "- {}", failure.replace('\n', " "));
        }
    }
    out
}

/// The current time as `YYYY-MM-DD HH:MM` (UTC).
fn utc_now() -> String {
    // `2026-11-27T10:00:00.123Z` → `2026-11-27 10:00`
    let stamp = ruchy_lambda_local::utc_timestamp(SystemTime::now());
    stamp.get(..16).unwrap_or(&stamp).replacen('T', " ", 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn replies_are_checked() {
        assert!(super::check_minimal(r#"{"body":"ok","statusCode":200}"#).is_ok());
        assert!(super::check_minimal(r#"{"statusCode":500,"body":"ok"}"#).is_err());
        assert!(super::check_minimal("ok").is_err());
        assert!(super::check_fibonacci(r#"{"n":35,"value":9227465}"#).is_ok());
        assert!(super::check_fibonacci("5702887").is_err());
    }

    #[test]
    fn date_format() {
        let now = super::utc_now();
        assert_eq!(now.len(), 16, "{now}");
        assert!(now.starts_with("20"), "{now}");
    }
}
