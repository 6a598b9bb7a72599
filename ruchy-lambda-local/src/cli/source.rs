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
    FunctionConfig {
        name,
        memory_mb: args.memory_mb,
        timeout: Duration::from_secs(u64::from(args.timeout_seconds)),
        env: args.env.clone(),
        concurrency: args.concurrency,
        log_format: args.log_format,
        log_level: args.log_level,
        max_streamed_bytes: args.max_stream_bytes,
        stream_bandwidth: args.stream_bandwidth,
        snap_start: args.snap_start,
        restore_pause: Duration::from_millis(args.restore_pause_ms),
        shutdown_budget: Duration::from_millis(args.shutdown_budget_ms),
        output: log::function_output(),
        // EXTENSION, INIT_REPORT, RESTORE_START, RESTORE_REPORT: to stderr, as they happen.
        platform_log: log::function_output(),
        ..FunctionConfig::default()
    }
}
