//! The bootstrap a command runs: built from an example or a Ruchy handler, or a file given with
//! `--bin`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ruchy_lambda_local::FunctionConfig;

use super::args::{self, FunctionArgs, Source};
use super::{CliError, cargo, log, ruchy};

/// A bootstrap ready to run, and the name the function gets unless `--name` is given.
#[derive(Debug)]
pub struct Bootstrap {
    /// The executable.
    pub path: PathBuf,
    /// The example's name, or the file's name.
    pub default_name: String,
}

/// Builds the example or the Ruchy handler (in release, for `target` when given), or checks the
/// `--bin` file.
pub fn resolve(source: &Source, target: Option<&str>) -> Result<Bootstrap, CliError> {
    match source {
        Source::Example { name, package } => {
            let path = cargo::build_example(name, package.as_deref(), target)?;
            Ok(Bootstrap {
                path,
                default_name: name.clone(),
            })
        }
        Source::Ruchy(file) => {
            let (path, default_name) = ruchy::build(file, target)?;
            Ok(Bootstrap { path, default_name })
        }
        Source::Bin(path) => {
            check_executable(path)?;
            let default_name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "bootstrap".to_owned());
            Ok(Bootstrap {
                path: path.clone(),
                default_name,
            })
        }
    }
}

/// A `--bin` path must be an existing, executable file.
fn check_executable(path: &Path) -> Result<(), CliError> {
    let shown = path.display();
    let metadata = std::fs::metadata(path).map_err(|e| {
        CliError::Usage(match e.kind() {
            std::io::ErrorKind::NotFound => format!("`--bin {shown}`: no such file"),
            _ => format!("`--bin {shown}`: {e}"),
        })
    })?;
    if !metadata.is_file() {
        return Err(CliError::Usage(format!("`--bin {shown}`: not a file")));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if metadata.permissions().mode() & 0o111 == 0 {
            return Err(CliError::Usage(format!(
                "`--bin {shown}`: not executable (try `chmod +x {shown}`)"
            )));
        }
    }
    Ok(())
}

/// The library's function configuration from the command line: Lambda's defaults, the function's
/// output passed on to stderr.
pub fn function_config(args: &FunctionArgs, bootstrap: &Bootstrap) -> FunctionConfig {
    let name = args.name.clone().unwrap_or_else(|| {
        if args::check_function_name(&bootstrap.default_name).is_ok() {
            bootstrap.default_name.clone()
        } else {
            "function".to_owned()
        }
    });
    let (region, mut env) = aws_environment(&args.env, |key| std::env::var(key).ok());
    env.extend(args.env.iter().cloned());
    FunctionConfig {
        name,
        memory_mb: args.memory_mb,
        timeout: Duration::from_secs(u64::from(args.timeout_seconds)),
        region,
        env,
        concurrency: args.concurrency,
        log_format: args.log_format,
        log_level: args.log_level,
        max_streamed_bytes: args.max_stream_bytes,
        stream_bandwidth: args.stream_bandwidth,
        snap_start: args.snap_start,
        restore_pause: Duration::from_millis(args.restore_pause_ms),
        shutdown_budget: Duration::from_millis(args.shutdown_budget_ms),
        availability_zone_id: args.availability_zone_id.clone(),
        output: log::function_output(),
        // EXTENSION, INIT_REPORT, RESTORE_START, RESTORE_REPORT: to stderr, as they happen.
        platform_log: log::function_output(),
        ..FunctionConfig::default()
    }
}

/// The variable that points an AWS SDK's Lambda client at another endpoint: `serve` sets it to
/// its own address.
pub const LAMBDA_ENDPOINT_VARIABLE: &str = "AWS_ENDPOINT_URL_LAMBDA";

/// The credentials every function gets unless the user's are set: AWS's documentation example
/// keys, which sign requests to a local endpoint and are refused by AWS.
const PLACEHOLDER_CREDENTIALS: [(&str, &str); 2] = [
    ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
    (
        "AWS_SECRET_ACCESS_KEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
];

/// The region and the credential variables a function gets, as `sam local` gives them, before
/// its `--env` pairs (`user_env`, which override them): `var` reads this process's environment.
///
/// - Credentials: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` as they
///   are set here, when the first two are; otherwise [`PLACEHOLDER_CREDENTIALS`] (and no session
///   token), so that a function can always sign a request to a local endpoint. Nothing else is
///   resolved: a profile, SSO or a credentials file is not read, so keys reach a function only
///   through these variables.
/// - The region: `AWS_REGION` from `--env`, else `AWS_REGION` or `AWS_DEFAULT_REGION` here, else
///   `us-east-1`; the function gets it as `AWS_REGION` and `AWS_DEFAULT_REGION`.
pub fn aws_environment(
    user_env: &[(String, String)],
    var: impl Fn(&str) -> Option<String>,
) -> (String, Vec<(String, String)>) {
    let set = |key: &str| var(key).filter(|v| !v.is_empty());
    let region = user_env
        .iter()
        .rev()
        .find(|(k, _)| k == "AWS_REGION")
        .map(|(_, v)| v.clone())
        .or_else(|| set("AWS_REGION"))
        .or_else(|| set("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|| "us-east-1".to_owned());
    let mut env = Vec::new();
    match (set("AWS_ACCESS_KEY_ID"), set("AWS_SECRET_ACCESS_KEY")) {
        (Some(key), Some(secret)) => {
            env.push(("AWS_ACCESS_KEY_ID".to_owned(), key));
            env.push(("AWS_SECRET_ACCESS_KEY".to_owned(), secret));
            if let Some(token) = set("AWS_SESSION_TOKEN") {
                env.push(("AWS_SESSION_TOKEN".to_owned(), token));
            }
        }
        _ => {
            for (key, value) in PLACEHOLDER_CREDENTIALS {
                env.push((key.to_owned(), value.to_owned()));
            }
        }
    }
    (region, env)
}

#[cfg(test)]
mod aws_tests {
    use super::*;

    fn pairs(env: &[(&str, &str)]) -> Vec<(String, String)> {
        env.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_users_credentials_pass_when_set() {
        let shell = pairs(&[
            ("AWS_ACCESS_KEY_ID", "AKIAREAL"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "token"),
            ("AWS_DEFAULT_REGION", "eu-west-3"),
        ]);
        let var = |k: &str| shell.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let (region, env) = aws_environment(&[], var);
        assert_eq!(region, "eu-west-3");
        assert_eq!(
            env,
            pairs(&[
                ("AWS_ACCESS_KEY_ID", "AKIAREAL"),
                ("AWS_SECRET_ACCESS_KEY", "secret"),
                ("AWS_SESSION_TOKEN", "token"),
            ])
        );
    }

    #[test]
    fn placeholders_otherwise_and_the_region_from_env_first() {
        // A key without its secret is not a credential: placeholders, with no session token.
        let var = |k: &str| (k == "AWS_ACCESS_KEY_ID").then(|| "AKIAHALF".to_owned());
        let (region, env) = aws_environment(&[], var);
        assert_eq!(region, "us-east-1");
        assert_eq!(
            env[0],
            ("AWS_ACCESS_KEY_ID".into(), "AKIAIOSFODNN7EXAMPLE".into())
        );
        assert_eq!(env.len(), 2);
        let user = pairs(&[("AWS_REGION", "ap-south-1")]);
        let shell = |k: &str| (k == "AWS_REGION").then(|| "eu-north-1".to_owned());
        assert_eq!(aws_environment(&user, shell).0, "ap-south-1");
        assert_eq!(aws_environment(&[], shell).0, "eu-north-1");
    }
}
