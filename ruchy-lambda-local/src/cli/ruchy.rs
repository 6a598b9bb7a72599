//! `--ruchy FILE`: a handler written in Ruchy, built into a bootstrap of its own.
//!
//! The file gets a small crate under `target/ruchy-lambda/` of the checkout this command was
//! built from: a `Cargo.toml` that depends on `ruchy-lambda` and `ruchy-lambda-build` by path
//! (and has its own `[workspace]` and the release profile of the examples), a `build.rs` that
//! transpiles the file with `ruchy_lambda_build::transpile_file`, and a `src/main.rs` that
//! includes the result. The crate is kept and reused: cargo rebuilds only what changed, and the
//! build script asks to be rerun when the file changes.

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
    let checkout = checkout()?;
    let scratch = write_crate(&checkout, &file, &stem)?;
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
    command.arg(checkout.join("target").join("ruchy-lambda").join("target"));
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

/// The checkout this command was built from, which has `ruchy-lambda` and `ruchy-lambda-build`.
fn checkout() -> Result<PathBuf, CliError> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.parent().unwrap_or(manifest);
    let has = |name: &str| root.join(name).join("Cargo.toml").is_file();
    if has("ruchy-lambda") && has("ruchy-lambda-build") {
        return Ok(root.to_path_buf());
    }
    Err(CliError::Failed(format!(
        "`--ruchy` builds against the ruchy-lambda checkout this command was built from ({}), \
         which has no ruchy-lambda and ruchy-lambda-build crates any more",
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
fn write_crate(checkout: &Path, file: &Path, stem: &str) -> Result<Crate, CliError> {
    let hash = fnv1a(file.as_os_str().as_encoded_bytes());
    let bin = format!("{stem}-{:08x}", hash & 0xffff_ffff);
    let dir = checkout.join("target").join("ruchy-lambda").join(&bin);
    let toml_path = |p: &Path| toml_string(&p.to_string_lossy());
    let manifest = format!(
        "# Written by ruchy-lambda-local for {file}: a handler written in Ruchy, as a bootstrap.\n\
         [workspace]\n\n\
         [package]\n\
         name = \"ruchy-handler-{bin}\"\n\
         version = \"0.0.0\"\n\
         edition = \"2024\"\n\
         publish = false\n\
         build = \"build.rs\"\n\n\
         [dependencies]\n\
         ruchy-lambda = {{ path = {lambda} }}\n\n\
         [build-dependencies]\n\
         ruchy-lambda-build = {{ path = {build} }}\n\n\
         [[bin]]\n\
         name = \"{bin}\"\n\
         path = \"src/main.rs\"\n\n\
         [profile.release]\n\
         opt-level = \"z\"\n\
         lto = \"fat\"\n\
         codegen-units = 1\n\
         strip = true\n",
        file = file.display(),
        lambda = toml_path(&checkout.join("ruchy-lambda")),
        build = toml_path(&checkout.join("ruchy-lambda-build")),
    );
    let build_rs = format!(
        "fn main() {{\n    ruchy_lambda_build::transpile_file({});\n}}\n",
        rust_string(&file.to_string_lossy())
    );
    let main_rs = format!("ruchy_lambda::include_ruchy!({});\n", rust_string(stem));
    write_if_changed(&dir.join("Cargo.toml"), manifest.as_bytes())?;
    write_if_changed(&dir.join("build.rs"), build_rs.as_bytes())?;
    write_if_changed(&dir.join("src").join("main.rs"), main_rs.as_bytes())?;
    // The checkout's versions of every dependency, so the build needs nothing new.
    let lock = dir.join("Cargo.lock");
    if !lock.exists() {
        if let Ok(bytes) = std::fs::read(checkout.join("Cargo.lock")) {
            write_if_changed(&lock, &bytes)?;
        }
    }
    Ok(Crate { dir, bin })
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

    #[test]
    fn a_missing_file_is_refused_before_building() {
        match check_file(Path::new("/nonexistent/handler.ruchy")) {
            Err(CliError::Usage(m)) => assert!(m.contains("no such file"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
