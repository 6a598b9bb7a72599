//! Building the bootstraps: every runtime with the same profile, one target directory per runtime
//! and opt-level (dynamic builds land in `release/`, static ones in `<triple>/release/`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::subjects::{Config, Handler, Profile, Runtime, Workload};

/// The bootstraps of one runtime in one configuration.
#[derive(Debug, Clone)]
pub struct Built {
    /// By [`Handler::index`].
    pub handlers: [PathBuf; 3],
    /// The concurrency figures' bootstraps, by [`Workload::index`].
    pub workloads: [PathBuf; 2],
    /// Where they are, with the runtime's other bootstraps (`log10` of the floor and the peer,
    /// `http` of ruchy-lambda and the peer, ruchy-lambda's `batch`, the peer's
    /// `minimal-snap-hooks`).
    pub dir: PathBuf,
}

/// Where and with what to build.
#[derive(Debug, Clone)]
pub struct Builder {
    /// The repository root (the main workspace).
    pub repo: PathBuf,
    /// Each build gets `<target_root>/<runtime>-<opt-level>`.
    pub target_root: PathBuf,
    /// The `cargo` to run.
    pub cargo: String,
    /// The host triple, for static builds (`--target`).
    pub host: Option<String>,
}

impl Builder {
    /// Builds the three handlers of `runtime` with `config`, and the concurrency figures'
    /// bootstraps; returns their paths.
    pub fn build(&self, config: Config, runtime: Runtime) -> Result<Built, String> {
        let target_dir = self.target_dir(runtime, config);
        let (mut command, mut out_dir) = self.cargo(config, &target_dir)?;
        match runtime {
            Runtime::Ours => {
                command.args(["-p", "ruchy-lambda-examples"]);
                for handler in Handler::ALL {
                    command.args(["--example", handler.name()]);
                }
                command.args(["--example", Workload::Sleep.binary(runtime)]);
                // The HTTP functions section's bootstrap (beside the peer's `http`), and the
                // borrowed events section's (beside `batch-owned` and the peer's `batch`).
                command.args(["--example", "http", "--example", "batch"]);
            }
            Runtime::Floor => {
                command
                    .arg("--manifest-path")
                    .arg(manifest(&self.repo, "floor"));
                command.arg("--bins");
            }
            Runtime::Peer => {
                command
                    .arg("--manifest-path")
                    .arg(manifest(&self.repo, "peer"));
                command.args(["--bins", "--locked"]);
            }
        }
        if runtime == Runtime::Ours {
            out_dir.push("examples");
        }
        let what = format!("{} ({})", runtime.name(), config.label());
        eprintln!("building {what} in {}", out_dir.display());
        self.run(command, &what)?;
        let built = Built {
            handlers: Handler::ALL.map(|h| out_dir.join(h.name())),
            workloads: Workload::ALL.map(|w| out_dir.join(w.binary(runtime))),
            dir: out_dir,
        };
        for path in built.handlers.iter().chain(&built.workloads) {
            if !path.is_file() {
                return Err(format!("the build did not produce {}", path.display()));
            }
        }
        Ok(built)
    }

    /// Builds ruchy-lambda's extra bootstraps (`benches/ours/`: `log10`, `nolog`, `stream64`,
    /// `http-aws-events`, `minimal`, `minimal-shutdown`, `minimal-snap-hooks`, `batch-owned`,
    /// and `log10-tracing` with the `tracing` feature) with `config`; returns their directory.
    pub fn build_ours_extra(&self, config: Config) -> Result<PathBuf, String> {
        let target_dir = self.ours_target_dir(config);
        let manifest = manifest(&self.repo, "ours");
        let what = format!("ruchy-lambda's extra bootstraps ({})", config.label());
        // Two builds in one target directory: the second builds only the binary that needs the
        // feature, so that it does not overwrite the others with `tracing` linked in.
        let (mut command, out_dir) = self.cargo(config, &target_dir)?;
        command
            .arg("--manifest-path")
            .arg(&manifest)
            .args(["--bins", "--locked"]);
        eprintln!("building {what} in {}", out_dir.display());
        self.run(command, &what)?;
        let (mut command, _) = self.cargo(config, &target_dir)?;
        command.arg("--manifest-path").arg(&manifest).args([
            "--bin",
            "log10-tracing",
            "--features",
            "tracing",
            "--locked",
        ]);
        self.run(command, &what)?;
        Ok(out_dir)
    }

    /// Builds the `minimal` and `logging` examples with `features` (cargo's arguments) with
    /// `config`, and copies them to a directory of their own; returns their paths. The build
    /// shares the target directory of [`Builder::build`] for ruchy-lambda (and its compiled
    /// dependencies), and overwrites its examples: call it before that.
    pub fn build_examples_with(
        &self,
        config: Config,
        tag: &str,
        features: &[&str],
    ) -> Result<[PathBuf; 2], String> {
        let target_dir = self.ours_target_dir(config);
        let (mut command, out_dir) = self.cargo(config, &target_dir)?;
        command
            .args(["-p", "ruchy-lambda-examples"])
            .args(["--example", "minimal", "--example", "logging"])
            .args(features);
        let what = format!("ruchy-lambda `minimal` and `logging` ({tag})");
        eprintln!("building {what}");
        self.run(command, &what)?;
        let keep = out_dir.join("by-features").join(tag);
        std::fs::create_dir_all(&keep).map_err(|e| format!("{}: {e}", keep.display()))?;
        let copy = |name: &str| -> Result<PathBuf, String> {
            let from = out_dir.join("examples").join(name);
            let to = keep.join(name);
            std::fs::copy(&from, &to).map_err(|e| format!("{}: {e}", from.display()))?;
            Ok(to)
        };
        Ok([copy("minimal")?, copy("logging")?])
    }

    /// Builds `examples/ruchy/` (the handlers written in Ruchy, transpiled by its build script)
    /// with `config`; returns the directory its `minimal` and `fibonacci` land in. It shares
    /// ruchy-lambda's target directory (no binary of the same name lands in the same place).
    pub fn build_ruchy(&self, config: Config) -> Result<PathBuf, String> {
        // A target directory of its own: the Ruchy crate's `minimal` must not land on (and
        // replace) `benches/ours`' `minimal`, which the lifecycle section measures.
        let target_dir = self.target_root.join(format!("ruchy-opt-{}", opt(config)));
        let (mut command, out_dir) = self.cargo(config, &target_dir)?;
        command
            .arg("--manifest-path")
            .arg(self.repo.join("examples").join("ruchy").join("Cargo.toml"))
            .args(["--bins", "--locked"]);
        let what = format!("the Ruchy handlers ({})", config.label());
        eprintln!("building {what} in {}", out_dir.display());
        self.run(command, &what)?;
        for name in ["minimal", "fibonacci"] {
            let path = out_dir.join(name);
            if !path.is_file() {
                return Err(format!("the build did not produce {}", path.display()));
            }
        }
        Ok(out_dir)
    }

    /// Builds the peer's `binary` with its `feature` (`minimal-shutdown` with lambda_runtime's
    /// `graceful-shutdown`, `batch` with `sqs`, aws_lambda_events' SQS types) with `config`;
    /// returns its path. A build of its own in the peer's target directory, so that the feature
    /// is not compiled into the peer's other binaries (the peer's `--bins` build, without the
    /// feature, leaves this one alone).
    pub fn build_peer_alone(
        &self,
        config: Config,
        binary: &str,
        feature: &str,
    ) -> Result<PathBuf, String> {
        let target_dir = self.target_dir(Runtime::Peer, config);
        let (mut command, out_dir) = self.cargo(config, &target_dir)?;
        command
            .arg("--manifest-path")
            .arg(manifest(&self.repo, "peer"))
            .args(["--bin", binary, "--features", feature, "--locked"]);
        let what = format!(
            "lambda_runtime `{binary}` with `{feature}` ({})",
            config.label()
        );
        eprintln!("building {what} in {}", out_dir.display());
        self.run(command, &what)?;
        let path = out_dir.join(binary);
        if !path.is_file() {
            return Err(format!("the build did not produce {}", path.display()));
        }
        Ok(path)
    }

    /// ruchy-lambda's target directory: the examples, the extra bootstraps (another workspace,
    /// the same dependencies) and the examples with other features share it.
    pub(crate) fn ours_target_dir(&self, config: Config) -> PathBuf {
        self.target_dir(Runtime::Ours, config)
    }

    /// The target directory of `runtime`'s builds with `config`'s opt-level.
    fn target_dir(&self, runtime: Runtime, config: Config) -> PathBuf {
        self.target_root
            .join(format!("{}-opt-{}", runtime.tag(), opt(config)))
    }

    /// `cargo build` into `target_dir` with `config`'s profile (the same for all three runtimes,
    /// whatever each workspace's Cargo.toml says); the directory the binaries land in.
    pub(crate) fn cargo(
        &self,
        config: Config,
        target_dir: &Path,
    ) -> Result<(Command, PathBuf), String> {
        let mut command = Command::new(&self.cargo);
        command
            .arg("build")
            .arg("--target-dir")
            .arg(target_dir)
            .current_dir(&self.repo);
        if let Profile::Release { opt_level } = config.profile {
            command.arg("--release");
            command
                .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", opt_level)
                .env("CARGO_PROFILE_RELEASE_LTO", "fat")
                .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
                .env("CARGO_PROFILE_RELEASE_PANIC", "abort")
                .env("CARGO_PROFILE_RELEASE_STRIP", "true")
                .env("CARGO_PROFILE_RELEASE_DEBUG", "false");
        }
        command.env_remove("CARGO_ENCODED_RUSTFLAGS");
        let mut out_dir = target_dir.to_path_buf();
        if config.crt_static {
            let host = self
                .host
                .as_deref()
                .ok_or("static builds need the host triple (rustc -vV)")?;
            command.args(["--target", host]);
            command.env("RUSTFLAGS", "-C target-feature=+crt-static");
            out_dir.push(host);
        } else {
            command.env_remove("RUSTFLAGS");
        }
        out_dir.push(match config.profile {
            Profile::Dev => "debug",
            Profile::Release { .. } => "release",
        });
        Ok((command, out_dir))
    }

    pub(crate) fn run(&self, mut command: Command, what: &str) -> Result<(), String> {
        let status = command
            .status()
            .map_err(|e| format!("cannot run {}: {e}", self.cargo))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("building {what} failed: {status}"))
        }
    }
}

/// The version of package `name` that `benches/<workspace>/Cargo.lock` pins (the first entry of
/// that name).
pub fn locked_version(repo: &Path, workspace: &str, name: &str) -> Option<String> {
    let lock =
        std::fs::read_to_string(repo.join("benches").join(workspace).join("Cargo.lock")).ok()?;
    let entry = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    lines.find(|line| line.trim() == entry)?;
    let version = lines.next()?.trim().strip_prefix("version = \"")?;
    Some(version.strip_suffix('"')?.to_owned())
}

/// The opt-level part of a target directory's name.
fn opt(config: Config) -> &'static str {
    match config.profile {
        Profile::Dev => "dev",
        Profile::Release { opt_level } => opt_level,
    }
}

fn manifest(repo: &Path, name: &str) -> PathBuf {
    repo.join("benches").join(name).join("Cargo.toml")
}

/// The size of `bootstrap`, zipped as Lambda wants it (`bootstrap` at the root, mode 0755) by the
/// system `zip` at its best compression; `Ok(None)` when there is no `zip`.
pub fn zip_size(binary: &Path, scratch: &Path) -> Result<Option<u64>, String> {
    if !zip_available() {
        return Ok(None);
    }
    let failed = |what: &str, e: &dyn std::fmt::Display| format!("zip size: {what}: {e}");
    std::fs::create_dir_all(scratch).map_err(|e| failed("create dir", &e))?;
    let bootstrap = scratch.join("bootstrap");
    let zip = scratch.join("function.zip");
    let _ = std::fs::remove_file(&zip);
    std::fs::copy(binary, &bootstrap).map_err(|e| failed("copy", &e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bootstrap, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| failed("chmod", &e))?;
    }
    let status = Command::new("zip")
        .args(["-q", "-X", "-9", "function.zip", "bootstrap"])
        .current_dir(scratch)
        .status()
        .map_err(|e| failed("run zip", &e))?;
    if !status.success() {
        return Err(format!("zip size: zip failed: {status}"));
    }
    let size = std::fs::metadata(&zip)
        .map_err(|e| failed("read", &e))?
        .len();
    Ok(Some(size))
}

pub fn zip_available() -> bool {
    Command::new("zip")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success())
}
