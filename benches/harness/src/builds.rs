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
        let opt = match config.profile {
            Profile::Dev => "dev",
            Profile::Release { opt_level } => opt_level,
        };
        let target_dir = self
            .target_root
            .join(format!("{}-opt-{opt}", runtime.tag()));
        let mut command = Command::new(&self.cargo);
        command
            .arg("build")
            .arg("--target-dir")
            .arg(&target_dir)
            .current_dir(&self.repo);
        match runtime {
            Runtime::Ours => {
                command.args(["-p", "ruchy-lambda-examples"]);
                for handler in Handler::ALL {
                    command.args(["--example", handler.name()]);
                }
                command.args(["--example", Workload::Sleep.binary(runtime)]);
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
        // The same profile for all three, whatever each workspace's Cargo.toml says.
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
        let mut out_dir = target_dir;
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
        if runtime == Runtime::Ours {
            out_dir.push("examples");
        }
        eprintln!(
            "building {} ({}) in {}",
            runtime.name(),
            config.label(),
            out_dir.display()
        );
        let status = command
            .status()
            .map_err(|e| format!("cannot run {}: {e}", self.cargo))?;
        if !status.success() {
            return Err(format!(
                "building {} ({}) failed: {status}",
                runtime.name(),
                config.label()
            ));
        }
        let built = Built {
            handlers: Handler::ALL.map(|h| out_dir.join(h.name())),
            workloads: Workload::ALL.map(|w| out_dir.join(w.binary(runtime))),
        };
        for path in built.handlers.iter().chain(&built.workloads) {
            if !path.is_file() {
                return Err(format!("the build did not produce {}", path.display()));
            }
        }
        Ok(built)
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
