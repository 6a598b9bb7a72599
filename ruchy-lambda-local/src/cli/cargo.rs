//! Building an example with cargo, and asking cargo about the workspace.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::{CliError, log};

/// The cargo to run: the one running us (`CARGO`, set by `cargo run`), else `cargo` on `PATH`.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo")))
}

/// Builds `--example name` in release (for `target` when given) and gives the executable's path,
/// as cargo reports it. Cargo's progress and diagnostics go to stderr.
pub fn build_example(
    name: &str,
    package: Option<&str>,
    target: Option<&str>,
) -> Result<PathBuf, CliError> {
    match target {
        Some(t) => log::line(&format!("building example {name} (release, {t})…")),
        None => log::line(&format!("building example {name} (release)…")),
    }
    let mut command = cargo();
    command.args(["build", "--release", "--example", name]);
    if let Some(p) = package {
        command.args(["--package", p]);
    }
    if let Some(t) = target {
        command.args(["--target", t]);
    }
    match build(command, |message| example_executable(message, name))? {
        (true, Some(executable)) => Ok(executable),
        (true, None) => Err(CliError::Failed(format!(
            "cargo built example `{name}` but reported no executable for it"
        ))),
        (false, _) => Err(build_failure(name, package)),
    }
}

/// Runs `command` (a `cargo build`), with cargo's progress and diagnostics on stderr, and gives
/// whether it succeeded and the last path `executable` found in its JSON messages.
pub fn build(
    mut command: Command,
    executable: impl Fn(&[u8]) -> Option<PathBuf>,
) -> Result<(bool, Option<PathBuf>), CliError> {
    command
        .arg("--message-format=json-render-diagnostics")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = command
        .spawn()
        .map_err(|e| CliError::Failed(format!("cannot run cargo: {e}")))?;
    let mut found = None;
    if let Some(stdout) = child.stdout.take() {
        let mut reader = BufReader::new(stdout);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            if let Some(path) = executable(&line) {
                found = Some(path);
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| CliError::Failed(format!("cannot run cargo: {e}")))?;
    Ok((status.success(), found))
}

/// The executable of example `name`, if `message` (one line of cargo's JSON output) is the
/// `compiler-artifact` message for it.
fn example_executable(message: &[u8], name: &str) -> Option<PathBuf> {
    executable_of(message, "example", name)
}

/// The executable of the target `name` of this kind (`bin`, `example`), if `message` (one line
/// of cargo's JSON output) is the `compiler-artifact` message for it.
pub fn executable_of(message: &[u8], kind: &str, name: &str) -> Option<PathBuf> {
    let message: serde_json::Value = serde_json::from_slice(message).ok()?;
    if message["reason"] != "compiler-artifact" || message["target"]["name"] != name {
        return None;
    }
    let kinds = message["target"]["kind"].as_array()?;
    if !kinds.iter().any(|k| k == kind) {
        return None;
    }
    message["executable"].as_str().map(PathBuf::from)
}

/// Why the build failed: an unknown example (a usage error, with the examples there are), or a
/// failed build.
fn build_failure(name: &str, package: Option<&str>) -> CliError {
    if let Some(examples) = examples(package) {
        if !examples.iter().any(|e| e == name) {
            let available = if examples.is_empty() {
                "there are none".to_owned()
            } else {
                format!("available: {}", examples.join(", "))
            };
            return CliError::Usage(format!("no example named `{name}`; {available}"));
        }
    }
    CliError::Failed(format!("building example `{name}` failed"))
}

fn metadata() -> Option<serde_json::Value> {
    let output = cargo()
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    serde_json::from_slice(&output.stdout).ok()
}

/// The examples of the workspace (of `package` only, when given), sorted.
fn examples(package: Option<&str>) -> Option<Vec<String>> {
    let metadata = metadata()?;
    let mut names: Vec<String> = metadata["packages"]
        .as_array()?
        .iter()
        .filter(|p| package.is_none_or(|name| p["name"] == name))
        .filter_map(|p| p["targets"].as_array())
        .flatten()
        .filter(|t| {
            t["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "example"))
        })
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names.dedup();
    Some(names)
}

/// Cargo's target directory for the workspace in the current directory, if there is one.
pub fn target_directory() -> Option<PathBuf> {
    metadata()?["target_directory"].as_str().map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_example_artifact() {
        let artifact = br#"{"reason":"compiler-artifact","target":{"kind":["example"],"crate_types":["bin"],"name":"minimal"},"executable":"/t/release/examples/minimal","fresh":true}"#;
        assert_eq!(
            example_executable(artifact, "minimal"),
            Some(PathBuf::from("/t/release/examples/minimal"))
        );
        assert_eq!(example_executable(artifact, "other"), None);
        let lib = br#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"minimal"},"executable":null}"#;
        assert_eq!(example_executable(lib, "minimal"), None);
        let bin = br#"{"reason":"compiler-artifact","target":{"kind":["bin"],"name":"minimal"},"executable":"/t/minimal"}"#;
        assert_eq!(example_executable(bin, "minimal"), None);
        assert_eq!(example_executable(b"not json", "minimal"), None);
        let done = br#"{"reason":"build-finished","success":true}"#;
        assert_eq!(example_executable(done, "minimal"), None);
    }
}
