//! The validation suite on real AWS Lambda. Skipped (and says so) unless
//! `RUCHY_LAMBDA_AWS_TESTS=1` and AWS credentials are present; it never claims an AWS result it
//! did not get.
//!
//! ```text
//! RUCHY_LAMBDA_AWS_TESTS=1 cargo test -p ruchy-lambda-aws-validate --test aws
//! ```
//!
//! Deploys `minimal` and `fibonacci` for each architecture with `deploy/deploy.sh`, forces
//! `RUCHY_LAMBDA_AWS_COLD_STARTS` (10) cold starts and `RUCHY_LAMBDA_AWS_WARM_INVOCATIONS` (10)
//! warm invocations per function, checks every reply, writes `target/aws-validation.md`, prints
//! it, and tears down unless `RUCHY_LAMBDA_AWS_KEEP=1`. See `ruchy_lambda_aws_validate::suite`
//! for the other settings.

use std::path::Path;
use std::process::{Command, Stdio};

use ruchy_lambda_aws_validate::suite::{self, Config};

fn main() {
    if std::env::var("RUCHY_LAMBDA_AWS_TESTS").as_deref() != Ok("1") {
        println!("skipped: RUCHY_LAMBDA_AWS_TESTS is not 1 (no AWS run)");
        return;
    }
    if !credentials_present() {
        println!(
            "skipped: RUCHY_LAMBDA_AWS_TESTS is 1 but no AWS credentials were found \
             (AWS_ACCESS_KEY_ID, AWS_PROFILE, or `aws sts get-caller-identity`) (no AWS run)"
        );
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate is in the workspace");
    let target = root.join("target");
    let config = match Config::from_env(root, &target.join("aws-validation")) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("aws-validate: {e}");
            std::process::exit(2);
        }
    };
    let outcome = suite::run(&config);
    let report = suite::markdown_report(&config, &outcome);
    let path = target.join("aws-validation.md");
    if let Err(e) = std::fs::create_dir_all(&target).and_then(|()| std::fs::write(&path, &report)) {
        eprintln!("aws-validate: cannot write {}: {e}", path.display());
    }
    println!("{report}");
    println!("written to {}", path.display());
    if outcome.failures.is_empty() {
        println!("aws: 1 passed, 0 failed");
    } else {
        println!("aws: 0 passed, 1 failed");
        std::process::exit(1);
    }
}

/// Credentials in the environment, or a CLI that can identify the caller.
fn credentials_present() -> bool {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty());
    if set("AWS_ACCESS_KEY_ID") || set("AWS_PROFILE") {
        return true;
    }
    Command::new("aws")
        .args(["sts", "get-caller-identity"])
        .env("AWS_PAGER", "")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
