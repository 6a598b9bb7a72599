//! `--ruchy FILE`: a handler written in Ruchy, built into a bootstrap of its own.
//!
//! The file gets a small crate under `target/ruchy-lambda/` of the checkout this command was
//! built from: a `Cargo.toml` that depends on `ruchy-lambda` and `ruchy-lambda-build` by path
//! (and has its own `[workspace]` and the release profile of the examples), a `build.rs` that
//! transpiles the file with `ruchy_lambda_build::transpile_file`, and a `src/main.rs` that
//! includes the result. A command not built in a checkout (installed from crates.io) writes the
//! crate under `ruchy-lambda/` of the current cargo workspace's target directory (or of
//! `target/`), depending on the crates.io versions of both that are this command's version. The
//! crate is kept and reused: cargo rebuilds only what changed, and the build script asks to be
//! rerun when the file changes.

use std::path::{Path, PathBuf};

use super::{CliError, cargo, log};

/// A Ruchy handler's crate, ready to build.
#[derive(Debug)]
struct Crate {
    /// Its folder.
    dir: PathBuf,
    /// Its binary's name.
    bin: String,
}

/// Builds `file` into a bootstrap in release (for `target` when given) and gives the
/// executable's path and the file's stem (the function's default name).
pub fn build(file: &Path, target: Option<&str>) -> Result<(PathBuf, String), CliError> {
    let file = check_file(file)?;
    let stem = stem(&file)?;
    let origin = origin()?;
    let scratch = write_crate(&origin, &file, &stem)?;
    match target {
        Some(t) => log::line(&format!("building {stem}.ruchy (release, {t})…")),
        None => log::line(&format!("building {stem}.ruchy (release)…")),
    }
    let mut command = cargo::cargo();
    command.current_dir(&scratch.dir).args([
        "build",
        "--release",
        "--bin",
        &scratch.bin,
        "--target-dir",
    ]);
    command.arg(origin.scratch().join("target"));
    if let Some(t) = target {
        command.args(["--target", t]);
    }
    let bin = scratch.bin.clone();
    match cargo::build(command, |m| cargo::executable_of(m, "bin", &bin))? {
        (true, Some(executable)) => Ok((executable, stem)),
        (true, None) => Err(CliError::Failed(format!(
            "cargo built {} but reported no executable for it",
            file.display()
        ))),
        (false, _) => Err(CliError::Failed(format!(
            "building {} failed",
            file.display()
        ))),
    }
}

/// `file` must exist and be a file; gives its absolute path.
fn check_file(file: &Path) -> Result<PathBuf, CliError> {
    let shown = file.display();
    let metadata = std::fs::metadata(file).map_err(|e| {
        CliError::Usage(match e.kind() {
            std::io::ErrorKind::NotFound => format!("`--ruchy {shown}`: no such file"),
            _ => format!("`--ruchy {shown}`: {e}"),
        })
    })?;
    if !metadata.is_file() {
        return Err(CliError::Usage(format!("`--ruchy {shown}`: not a file")));
    }
    std::path::absolute(file)
        .map_err(|e| CliError::Usage(format!("`--ruchy {shown}`: {e}")))
        .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
}

/// The file's name without `.ruchy`: letters, digits, `-` and `_`, since it names the
/// transpiled file and the function.
fn stem(file: &Path) -> Result<String, CliError> {
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_owned();
    let valid = !stem.is_empty()
        && stem
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return Err(CliError::Usage(format!(
            "`--ruchy {}`: the file's name must be letters, digits, `-` or `_` before `.ruchy`",
            file.display()
        )));
    }
    Ok(stem)
}

/// Where the crate of a Ruchy handler takes `ruchy-lambda` and `ruchy-lambda-build` from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Origin {
    /// The checkout this command was built in: path dependencies, and its `Cargo.lock`.
    Checkout(PathBuf),
    /// crates.io, at this command's version; the crates go under this target directory.
    Published(PathBuf),
}

impl Origin {
    /// The folder of the crates and of their target directory (`target`).
    fn scratch(&self) -> PathBuf {
        match self {
            Origin::Checkout(root) => root.join("target").join("ruchy-lambda"),
            Origin::Published(target) => target.join("ruchy-lambda"),
        }
    }

    /// The dependency lines, `[dependencies]` then `[build-dependencies]`.
    fn dependencies(&self) -> (String, String) {
        let line = |name: &str| match self {
            Origin::Checkout(root) => format!(
                "{name} = {{ path = {} }}",
                toml_string(&root.join(name).to_string_lossy())
            ),
            Origin::Published(_) => format!("{name} = \"{}\"", env!("CARGO_PKG_VERSION")),
        };
        (line("ruchy-lambda"), line("ruchy-lambda-build"))
    }
}

/// The checkout this command was built in, which must have `ruchy-lambda-build` too; else
/// crates.io, with the crates in the current cargo workspace's target directory (`target`
/// outside one).
fn origin() -> Result<Origin, CliError> {
    let Some(root) = super::new::built_in_checkout() else {
        let target = cargo::target_directory().unwrap_or_else(|| PathBuf::from("target"));
        let target = std::path::absolute(&target)
            .map_err(|e| CliError::Failed(format!("`--ruchy`: no target directory ({e})")))?;
        return Ok(Origin::Published(target));
    };
    if root.join("ruchy-lambda-build").join("Cargo.toml").is_file() {
        return Ok(Origin::Checkout(root));
    }
    Err(CliError::Failed(format!(
        "`--ruchy` builds against the ruchy-lambda checkout this command was built from ({}), \
         which has no ruchy-lambda-build crate any more",
        root.display()
    )))
}

/// A 64-bit FNV-1a hash: a short, stable name for the file's folder.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Writes (or refreshes) the crate of `file`: `target/ruchy-lambda/<stem>-<hash of the path>/`.
fn write_crate(origin: &Origin, file: &Path, stem: &str) -> Result<Crate, CliError> {
    let hash = fnv1a(file.as_os_str().as_encoded_bytes());
    let bin = format!("{stem}-{:08x}", hash & 0xffff_ffff);
    let dir = origin.scratch().join(&bin);
    let build_rs = format!(
        "fn main() {{\n    ruchy_lambda_build::transpile_file({});\n}}\n",
        rust_string(&file.to_string_lossy())
    );
    let main_rs = format!("ruchy_lambda::include_ruchy!({});\n", rust_string(stem));
    write_if_changed(
        &dir.join("Cargo.toml"),
        manifest(origin, file, &bin).as_bytes(),
    )?;
    write_if_changed(&dir.join("build.rs"), build_rs.as_bytes())?;
    write_if_changed(&dir.join("src").join("main.rs"), main_rs.as_bytes())?;
    // The checkout's versions of every dependency, so the build needs nothing new.
    let lock = dir.join("Cargo.lock");
    if let Origin::Checkout(root) = origin {
        if !lock.exists() {
            if let Ok(bytes) = std::fs::read(root.join("Cargo.lock")) {
                write_if_changed(&lock, &bytes)?;
            }
        }
    }
    Ok(Crate { dir, bin })
}

/// The `Cargo.toml` of the crate of `file`, whose binary is `bin`.
fn manifest(origin: &Origin, file: &Path, bin: &str) -> String {
    let (lambda, build) = origin.dependencies();
    format!(
        "# Written by ruchy-lambda-local for {file}: a handler written in Ruchy, as a bootstrap.\n\
         [workspace]\n\n\
         [package]\n\
         name = \"ruchy-handler-{bin}\"\n\
         version = \"0.0.0\"\n\
         edition = \"2024\"\n\
         publish = false\n\
         build = \"build.rs\"\n\n\
         [dependencies]\n\
         {lambda}\n\n\
         [build-dependencies]\n\
         {build}\n\n\
         [[bin]]\n\
         name = \"{bin}\"\n\
         path = \"src/main.rs\"\n\n\
         [profile.release]\n\
         opt-level = \"z\"\n\
         lto = \"fat\"\n\
         codegen-units = 1\n\
         strip = true\n",
        file = file.display(),
    )
}

/// Writes `bytes` to `path` (creating its folder) unless it holds them already: an unchanged
/// file keeps its time, and cargo has nothing to rebuild.
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    let failed =
        |e: std::io::Error| CliError::Failed(format!("cannot write {}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    std::fs::write(path, bytes).map_err(failed)
}

/// `s` as a TOML basic string.
fn toml_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// `s` as a Rust string literal.
fn rust_string(s: &str) -> String {
    format!("{s:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_name_functions() {
        assert_eq!(stem(Path::new("/x/fibonacci.ruchy")).unwrap(), "fibonacci");
        assert_eq!(stem(Path::new("a_b-2.ruchy")).unwrap(), "a_b-2");
        assert!(stem(Path::new("/x/a b.ruchy")).is_err());
        assert!(stem(Path::new("/x/é.ruchy")).is_err());
    }

    #[test]
    fn literals_are_quoted() {
        assert_eq!(rust_string(r#"/a "b"\c"#), r#""/a \"b\"\\c""#);
        assert_eq!(toml_string(r#"/a "b"\c"#), r#""/a \"b\"\\c""#);
        assert_ne!(fnv1a(b"/a/f.ruchy"), fnv1a(b"/b/f.ruchy"));
    }

    /// In a checkout, path dependencies and its target directory; else crates.io's crates of
    /// this command's version.
    #[test]
    fn the_crate_depends_on_the_checkout_or_on_crates_io() {
        let checkout = Origin::Checkout(PathBuf::from("/src/rl"));
        assert_eq!(
            origin().unwrap(),
            Origin::Checkout(super::super::new::built_in_checkout().unwrap())
        );
        assert_eq!(checkout.scratch(), Path::new("/src/rl/target/ruchy-lambda"));
        let written = manifest(&checkout, Path::new("/h/f.ruchy"), "f-0");
        assert!(
            written.contains(
                "[dependencies]\nruchy-lambda = { path = \"/src/rl/ruchy-lambda\" }\n\n\
                 [build-dependencies]\nruchy-lambda-build = { path = \"/src/rl/ruchy-lambda-build\" }\n"
            ),
            "{written}"
        );

        let published = Origin::Published(PathBuf::from("/work/target"));
        assert_eq!(published.scratch(), Path::new("/work/target/ruchy-lambda"));
        let version = env!("CARGO_PKG_VERSION");
        let written = manifest(&published, Path::new("/h/f.ruchy"), "f-0");
        assert!(
            written.contains(&format!(
                "[dependencies]\nruchy-lambda = \"{version}\"\n\n\
                 [build-dependencies]\nruchy-lambda-build = \"{version}\"\n"
            )),
            "{written}"
        );
        assert!(written.contains("[workspace]\n") && written.contains("name = \"f-0\""));
    }

    #[test]
    fn a_missing_file_is_refused_before_building() {
        match check_file(Path::new("/nonexistent/handler.ruchy")) {
            Err(CliError::Usage(m)) => assert!(m.contains("no such file"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
