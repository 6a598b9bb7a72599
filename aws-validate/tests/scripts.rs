//! deploy/deploy.sh and deploy/teardown.sh against a stand-in `aws` (and `cargo`) first on
//! `PATH`: the stand-ins record each call, so these tests check which AWS CLI calls the scripts
//! make, in which order, for each state of the account. No network, no AWS.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ruchy_lambda_aws_validate::suite::{self, Config};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// A scratch directory with the stand-ins in `bin/` and the call log.
struct Fake {
    dir: PathBuf,
    env: Vec<(String, String)>,
}

impl Fake {
    fn new(name: &str) -> Fake {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("aws-validate")
            .join(name);
        let _ = std::fs::remove_dir_all(&dir);
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        for tool in ["aws", "cargo"] {
            use std::os::unix::fs::PermissionsExt as _;
            let source = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fake-bin")
                .join(tool);
            std::fs::copy(&source, bin.join(tool)).unwrap();
            std::fs::set_permissions(bin.join(tool), std::fs::Permissions::from_mode(0o755))
                .unwrap();
        }
        let env = vec![
            (
                "FAKE_AWS_LOG".to_owned(),
                dir.join("calls.log").to_string_lossy().into_owned(),
            ),
            (
                "RUCHY_LAMBDA_ZIP_DIR".to_owned(),
                dir.join("lambda").to_string_lossy().into_owned(),
            ),
            ("RUCHY_LAMBDA_RETRY_SLEEP".to_owned(), "0".to_owned()),
        ];
        Fake { dir, env }
    }

    /// A placeholder zip to pass to `--zip`.
    fn zip(&self) -> String {
        let zip = self.dir.join("bootstrap.zip");
        std::fs::write(&zip, "placeholder").unwrap();
        zip.to_string_lossy().into_owned()
    }

    fn with(mut self, key: &str, value: &str) -> Fake {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    fn path(&self) -> String {
        format!(
            "{}:{}",
            self.dir.join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }

    fn run(&self, script: &str, args: &[&str]) -> Output {
        let output = Command::new("bash")
            .arg(repo().join("deploy").join(script))
            .args(args)
            .env("PATH", self.path())
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap();
        eprintln!(
            "--- {script} {args:?}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// Each recorded call as `service operation` (`cargo` for cargo), options left out.
    fn calls(&self) -> Vec<String> {
        self.raw_calls()
            .iter()
            .map(|line| {
                let words: Vec<&str> = line.split(' ').collect();
                if words[0] == "cargo" {
                    return "cargo".to_owned();
                }
                let mut i = 0;
                while words.get(i).is_some_and(|w| w.starts_with("--")) {
                    i += 2;
                }
                format!("{} {}", words[i], words[i + 1])
            })
            .collect()
    }

    fn raw_calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("calls.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn clear_log(&self) {
        let _ = std::fs::remove_file(self.dir.join("calls.log"));
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn first_deploy_creates_the_role_and_the_function_then_a_second_one_updates() {
    let fake = Fake::new("first-deploy");
    let out = fake.run("deploy.sh", &["minimal"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "arn:aws:lambda:us-east-1:123456789012:function:ruchy-lambda-minimal-x86_64\n"
    );
    assert_eq!(
        fake.calls(),
        [
            "cargo",
            "iam get-role",
            "iam create-role",
            "iam wait",
            "iam attach-role-policy",
            "lambda get-function",
            "lambda create-function",
            "lambda wait",
        ]
    );
    let raw = fake.raw_calls();
    assert_eq!(
        raw[0],
        "cargo run -p ruchy-lambda-local --release -- package --example minimal"
    );
    assert!(
        raw[2].contains(r#""Principal":{"Service":"lambda.amazonaws.com"}"#),
        "{}",
        raw[2]
    );
    assert!(raw[3].contains("role-exists"));
    assert!(raw[4].contains("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"));
    let create = &raw[6];
    for expected in [
        "--function-name ruchy-lambda-minimal-x86_64",
        "--runtime provided.al2023",
        "--handler bootstrap",
        "--architectures x86_64",
        "--memory-size 128",
        "--role arn:aws:iam::123456789012:role/ruchy-lambda-execution",
        "/lambda/minimal/bootstrap.zip",
    ] {
        assert!(
            create.contains(expected),
            "{expected} missing from {create}"
        );
    }
    assert!(raw[7].contains("function-active"));

    // Same account state, second run: everything exists now.
    fake.clear_log();
    let out = fake.run("deploy.sh", &["--skip-build", "minimal"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        fake.calls(),
        [
            "iam get-role",
            "iam attach-role-policy",
            "lambda get-function",
            "lambda update-function-code",
            "lambda wait",
            "lambda update-function-configuration",
            "lambda wait",
        ]
    );
    assert!(fake.raw_calls()[4].contains("function-updated"));
}

#[test]
fn arm64_update_uses_the_arm64_zip_the_region_and_the_memory() {
    let fake = Fake::new("arm64-update")
        .with("FAKE_AWS_ROLE_EXISTS", "1")
        .with(
            "FAKE_AWS_FUNCTIONS",
            "ruchy-lambda-minimal-arm64 ruchy-lambda-fibonacci-arm64",
        );
    let out = fake.run(
        "deploy.sh",
        &[
            "--arch",
            "arm64",
            "--memory",
            "256",
            "--region",
            "eu-west-1",
            "minimal",
            "fibonacci",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 2);
    assert!(stdout(&out).contains("function:ruchy-lambda-fibonacci-arm64"));
    let raw = fake.raw_calls();
    assert_eq!(
        raw[0],
        "cargo run -p ruchy-lambda-local --release -- package --example minimal --target aarch64-unknown-linux-gnu"
    );
    assert!(raw[1].ends_with("--example fibonacci --target aarch64-unknown-linux-gnu"));
    for call in raw.iter().filter(|c| !c.starts_with("cargo")) {
        assert!(call.starts_with("--region eu-west-1 "), "{call}");
    }
    let code = raw
        .iter()
        .find(|c| c.contains("update-function-code"))
        .unwrap();
    assert!(
        code.contains("/lambda/minimal-arm64/bootstrap.zip"),
        "{code}"
    );
    assert!(code.contains("--architectures arm64"), "{code}");
    let config = raw
        .iter()
        .find(|c| c.contains("update-function-configuration"))
        .unwrap();
    assert!(config.contains("--memory-size 256"), "{config}");
    assert!(
        !fake
            .calls()
            .iter()
            .any(|c| c == "iam create-role" || c == "lambda create-function")
    );
    // The arm64 zip went to its own folder, not over the x86_64 one.
    assert!(
        fake.dir
            .join("lambda/minimal-arm64/bootstrap.zip")
            .is_file()
    );
    assert!(!fake.dir.join("lambda/minimal/bootstrap.zip").exists());
}

#[test]
fn create_function_is_retried_while_a_new_role_propagates() {
    let fake = Fake::new("propagation").with("FAKE_AWS_ASSUME_FAILURES", "2");
    let out = fake.run(
        "deploy.sh",
        &["--skip-build", "--zip", &fake.zip(), "minimal"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let creates = fake
        .calls()
        .iter()
        .filter(|c| *c == "lambda create-function")
        .count();
    assert_eq!(creates, 3);
    assert!(stderr(&out).contains("not usable by Lambda yet"));
}

#[test]
fn an_unexpected_aws_error_stops_the_deploy() {
    let fake = Fake::new("access-denied").with("FAKE_AWS_GET_ROLE_ERROR", "AccessDenied");
    let out = fake.run(
        "deploy.sh",
        &["--skip-build", "--zip", &fake.zip(), "minimal"],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("AccessDenied"), "{}", stderr(&out));
    assert_eq!(fake.calls(), ["iam get-role"]);
}

#[test]
fn dry_run_prints_commands_and_runs_none() {
    let fake = Fake::new("dry-run");
    let out = fake.run("deploy.sh", &["--dry-run", "--arch", "arm64", "fibonacci"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(fake.raw_calls().is_empty(), "{:?}", fake.raw_calls());
    let printed = stdout(&out);
    for expected in [
        "+ cargo run -p ruchy-lambda-local --release -- package --example fibonacci --target aarch64-unknown-linux-gnu",
        "+ aws iam get-role --role-name ruchy-lambda-execution",
        "+ aws iam create-role --role-name ruchy-lambda-execution",
        "+ aws lambda create-function --function-name ruchy-lambda-fibonacci-arm64",
        "arn:aws:lambda:<region>:123456789012:function:ruchy-lambda-fibonacci-arm64",
    ] {
        assert!(printed.contains(expected), "{expected}\nnot in\n{printed}");
    }
    let out = fake.run("teardown.sh", &["--dry-run", "--role"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("+ aws iam delete-role --role-name ruchy-lambda-execution"));
    assert!(fake.raw_calls().is_empty());
}

#[test]
fn teardown_deletes_what_exists_and_is_idempotent() {
    let fake = Fake::new("teardown")
        .with("FAKE_AWS_ROLE_EXISTS", "0")
        .with("FAKE_AWS_FUNCTIONS", "");
    let out = fake.run(
        "deploy.sh",
        &["--skip-build", "--zip", &fake.zip(), "minimal"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    fake.clear_log();

    let out = fake.run("teardown.sh", &["--role", "--logs", "minimal"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        fake.calls(),
        [
            "lambda delete-function",
            "logs delete-log-group",
            "lambda delete-function",
            "logs delete-log-group",
            "iam list-attached-role-policies",
            "iam detach-role-policy",
            "iam delete-role",
        ]
    );
    let err = stderr(&out);
    assert!(
        err.contains("deleted function ruchy-lambda-minimal-x86_64"),
        "{err}"
    );
    assert!(
        err.contains("function ruchy-lambda-minimal-arm64 is already gone"),
        "{err}"
    );
    assert!(err.contains("deleted role ruchy-lambda-execution"), "{err}");

    // Again: nothing left, still success.
    let out = fake.run("teardown.sh", &["--role", "minimal"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("role ruchy-lambda-execution is already gone"));
}

#[test]
fn bad_arguments_are_refused_with_a_message() {
    let fake = Fake::new("arguments");
    for (args, message) in [
        (
            &["--arch", "sparc", "minimal"][..],
            "--arch must be x86_64 or arm64",
        ),
        (
            &["--memory", "64", "minimal"][..],
            "--memory must be a whole number of MB from 128 to 10240",
        ),
        (&["--timeout", "901", "minimal"][..], "--timeout must be"),
        (&[][..], "name at least one example"),
        (
            &["--zip", "/dev/null", "a", "b"][..],
            "--zip deploys one example only",
        ),
        (&["--frobnicate"][..], "unknown option: --frobnicate"),
        (&["../etc"][..], "example names are letters"),
    ] {
        let out = fake.run("deploy.sh", args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
    assert!(fake.raw_calls().is_empty());
    for script in ["deploy.sh", "teardown.sh"] {
        let out = fake.run(script, &["--help"]);
        assert!(out.status.success());
        assert!(
            stdout(&out).starts_with("Usage: deploy/"),
            "{}",
            stdout(&out)
        );
    }
}

/// The whole suite against the stand-ins: checks the plumbing (deploy, cold starts, invoke,
/// LogResult, REPORT, table, tear-down), not AWS. The stand-in's figures are made up and stay in
/// a scratch folder.
#[test]
fn suite_rehearsal_with_the_stand_ins() {
    let fake = Fake::new("suite");
    let config = Config {
        repo_root: repo(),
        architectures: vec!["x86_64".into(), "arm64".into()],
        memory_sizes: vec![128],
        cold_starts: 2,
        warm_invocations: 3,
        region: Some("us-east-1".into()),
        function_prefix: "ruchy-lambda-validate".into(),
        role_name: suite::DEFAULT_ROLE.into(),
        delete_role: true,
        keep: false,
        work_dir: fake.dir.join("work"),
        path_prefix: Some(fake.dir.join("bin")),
        env: fake.env.clone(),
    };
    let outcome = suite::run(&config);
    assert_eq!(outcome.failures, Vec::<String>::new());
    assert!(outcome.torn_down);
    assert_eq!(outcome.forced_cold_starts, 2 * 2 * 2);
    assert_eq!(outcome.samples.len(), 2 * 2 * 5);
    assert_eq!(
        outcome
            .samples
            .iter()
            .filter(|s| s.report.is_cold())
            .count(),
        8
    );

    let calls = fake.raw_calls();
    let invokes: Vec<&String> = calls
        .iter()
        .filter(|c| c.contains("lambda invoke"))
        .collect();
    assert_eq!(invokes.len(), 20);
    assert!(
        invokes
            .iter()
            .all(|c| c.contains("--log-type Tail --cli-binary-format raw-in-base64-out"))
    );
    assert!(invokes.iter().any(|c| c.contains(r#"--payload {"n":35}"#)));
    let updates = calls
        .iter()
        .filter(|c| c.contains("update-function-configuration --function-name"))
        .count();
    assert_eq!(updates, 8);
    assert!(
        calls
            .iter()
            .any(|c| c.contains("iam delete-role --role-name ruchy-lambda-validate"))
    );

    let report = suite::markdown_report(&config, &outcome);
    assert!(
        report.contains("| minimal | x86_64 | 128 | 2 |"),
        "{report}"
    );
    assert!(
        report.contains("| fibonacci | arm64 | 128 | 2 |"),
        "{report}"
    );
    assert!(
        report.contains("Cold starts forced: 8; invocations whose REPORT had Init Duration: 8.")
    );
}

#[test]
fn suite_reports_a_wrong_reply() {
    // A stand-in whose fibonacci answers the wrong number.
    let fake = Fake::new("suite-wrong-reply");
    let aws = fake.dir.join("bin/aws");
    let script = std::fs::read_to_string(&aws)
        .unwrap()
        .replace("9227465", "5702887");
    std::fs::write(&aws, script).unwrap();
    let config = Config {
        repo_root: repo(),
        architectures: vec!["x86_64".into()],
        memory_sizes: vec![128],
        cold_starts: 1,
        warm_invocations: 1,
        region: None,
        function_prefix: "ruchy-lambda-validate".into(),
        role_name: suite::DEFAULT_ROLE.into(),
        delete_role: true,
        keep: true,
        work_dir: fake.dir.join("work"),
        path_prefix: Some(fake.dir.join("bin")),
        env: fake.env.clone(),
    };
    let outcome = suite::run(&config);
    assert!(!outcome.torn_down);
    assert_eq!(outcome.failures.len(), 2, "{:?}", outcome.failures);
    assert!(
        outcome
            .failures
            .iter()
            .all(|f| f.contains("fibonacci x86_64 128 MB: expected a reply containing 9227465"))
    );
    assert!(
        !fake
            .raw_calls()
            .iter()
            .any(|c| c.contains("delete-function"))
    );
}
