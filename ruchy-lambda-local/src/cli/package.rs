//! `package`: the bootstrap, checked for Lambda's `provided.al2023` runtime, zipped as
//! `target/lambda/NAME[-arm64]/bootstrap.zip`.

use std::io::Write;
use std::path::{Path, PathBuf};

use ruchy_lambda_local::elf::{self, ElfError, Machine, VersionNeed};

use super::args::{self, PackageArgs, Source};
use super::{CliError, cargo, source, zip};

/// The glibc of Lambda's `provided.al2023` image.
const AL2023_GLIBC: (u32, u32, u32) = (2, 34, 0);
/// Lambda's limit on a function's unzipped deployment package: 250 MB.
const MAX_UNZIPPED: usize = 250 * 1024 * 1024;
/// Lambda's limit on a zip uploaded directly (larger ones go through S3): 50 MB.
const MAX_DIRECT_UPLOAD: usize = 50 * 1024 * 1024;
/// Where zips go unless `--output-dir` says otherwise.
const ZIP_DIR_ENV: &str = "RUCHY_LAMBDA_ZIP_DIR";

/// The instruction set of a bootstrap, as Lambda names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Architecture {
    X86_64,
    Arm64,
}

/// What the checks found out about a bootstrap.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// An ELF executable for this architecture, needing at most this glibc (none: static).
    Elf(Architecture, Option<(u32, u32, u32)>),
    /// A script (`#!`): Lambda runs it with its interpreter; nothing to check.
    Script,
}

/// Builds (or takes) the bootstrap, checks it, and writes the zip.
pub fn run(args: PackageArgs) -> Result<(), CliError> {
    let name = match &args.name {
        Some(name) => name.clone(),
        None => default_name(&args.source)?,
    };
    let bootstrap = source::resolve(&args.source, args.target.as_deref())?;
    let shown = bootstrap.path.display().to_string();
    let binary = std::fs::read(&bootstrap.path)
        .map_err(|e| CliError::Failed(format!("cannot read {shown}: {e}")))?;
    if binary.len() > MAX_UNZIPPED {
        return Err(CliError::Failed(format!(
            "{shown} is {} bytes; Lambda accepts at most {MAX_UNZIPPED} (250 MB) unzipped",
            binary.len()
        )));
    }
    let kind = check(&binary).map_err(|why| CliError::Failed(format!("{shown}: {why}")))?;
    let folder = match kind {
        Kind::Elf(Architecture::Arm64, _) => format!("{name}-arm64"),
        Kind::Elf(Architecture::X86_64, _) | Kind::Script => name,
    };
    let dir = output_dir(args.output_dir)?.join(folder);
    let zip = zip::single_file("bootstrap", &binary, 0o755)
        .map_err(|e| CliError::Failed(format!("cannot zip {shown}: {e}")))?;
    let path = dir.join("bootstrap.zip");
    write_atomically(&dir, &path, &zip)?;

    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "bootstrap      {:>10} bytes ({})  {}",
        binary.len(),
        human(binary.len()),
        describe(&kind)
    );
    let _ = writeln!(
        out,
        "bootstrap.zip  {:>10} bytes ({})  {}",
        zip.len(),
        human(zip.len()),
        path.display()
    );
    if zip.len() > MAX_DIRECT_UPLOAD {
        super::log::line(
            "warning: the zip is over 50 MB: upload it to S3 and deploy it from there",
        );
    }
    Ok(())
}

/// The example's name, the Ruchy file's without `.ruchy`, or the `--bin` file's, which must
/// then be a valid function name.
fn default_name(source: &Source) -> Result<String, CliError> {
    let name = match source {
        Source::Example { name, .. } => name.clone(),
        Source::Ruchy(path) => path
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        Source::Bin(path) => path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    args::check_function_name(&name).map_err(|_| {
        CliError::Usage(format!(
            "cannot name the package after `{name}`: give `--name NAME` (letters, digits, `-`, `_`)"
        ))
    })?;
    Ok(name)
}

/// `--output-dir`, else `$RUCHY_LAMBDA_ZIP_DIR`, else `lambda` in cargo's target directory (or
/// `target/lambda` outside a cargo workspace).
fn output_dir(option: Option<PathBuf>) -> Result<PathBuf, CliError> {
    if let Some(dir) = option {
        return Ok(dir);
    }
    if let Some(dir) = std::env::var_os(ZIP_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let target = cargo::target_directory().unwrap_or_else(|| PathBuf::from("target"));
    Ok(target.join("lambda"))
}

/// Writes the zip next to its final path, then renames it there: a reader never sees half a zip.
fn write_atomically(dir: &Path, path: &Path, zip: &[u8]) -> Result<(), CliError> {
    let failed =
        |e: std::io::Error| CliError::Failed(format!("cannot write {}: {e}", path.display()));
    std::fs::create_dir_all(dir).map_err(failed)?;
    let partial = dir.join(format!(".bootstrap.zip.{}", std::process::id()));
    let written = std::fs::write(&partial, zip).and_then(|()| std::fs::rename(&partial, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(failed(e));
    }
    Ok(())
}

/// Whether Lambda's `provided.al2023` can run this file: a script, or a 64-bit little-endian
/// ELF executable for x86_64 or arm64 that needs no glibc newer than 2.34.
fn check(binary: &[u8]) -> Result<Kind, String> {
    if binary.starts_with(b"#!") {
        return Ok(Kind::Script);
    }
    let needs = match elf::required_versions(binary) {
        Ok(needs) => needs,
        Err(ElfError::NotElf) => {
            return Err("not an ELF executable nor a `#!` script: Lambda cannot run it".to_owned());
        }
        Err(e) => return Err(e.to_string()),
    };
    let architecture = match elf::machine(binary).map_err(|e| e.to_string())? {
        Machine::X86_64 => Architecture::X86_64,
        Machine::Aarch64 => Architecture::Arm64,
        Machine::Other(other) => {
            return Err(format!(
                "built for ELF machine {other}; Lambda runs x86_64 and arm64 (aarch64) only"
            ));
        }
    };
    let glibc = glibc_within_al2023(&needs)?;
    Ok(Kind::Elf(architecture, glibc))
}

/// The newest glibc the file needs, if it is not newer than AL2023's 2.34; an error that says
/// what to do otherwise.
fn glibc_within_al2023(needs: &[VersionNeed]) -> Result<Option<(u32, u32, u32)>, String> {
    let newest = elf::max_glibc_version(needs);
    match newest {
        Some(version) if version > AL2023_GLIBC => Err(format!(
            "needs GLIBC_{} but provided.al2023 has glibc 2.34: Lambda would fail to start it \
             (`version 'GLIBC_{}' not found`); build it against glibc 2.34 or older, or for a \
             musl target such as x86_64-unknown-linux-musl",
            version_name(version),
            version_name(version)
        )),
        _ => Ok(newest),
    }
}

fn version_name((major, minor, patch): (u32, u32, u32)) -> String {
    if patch == 0 {
        format!("{major}.{minor}")
    } else {
        format!("{major}.{minor}.{patch}")
    }
}

fn describe(kind: &Kind) -> String {
    match kind {
        Kind::Script => "script".to_owned(),
        Kind::Elf(architecture, glibc) => {
            let arch = match architecture {
                Architecture::X86_64 => "x86_64",
                Architecture::Arm64 => "arm64",
            };
            match glibc {
                Some(v) => format!(
                    "{arch}, needs glibc {} (provided.al2023: 2.34)",
                    version_name(*v)
                ),
                None => format!("{arch}, no glibc version needed"),
            }
        }
    }
}

/// A size in KiB or MiB with one decimal.
fn human(bytes: usize) -> String {
    // Sizes are at most 250 MB here: exact in an f64.
    let kib = bytes as f64 / 1024.0;
    if kib < 1024.0 {
        format!("{kib:.1} KiB")
    } else {
        format!("{:.1} MiB", kib / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needs(versions: &[&str]) -> Vec<VersionNeed> {
        vec![VersionNeed {
            library: "libc.so.6".into(),
            versions: versions.iter().map(|v| (*v).to_owned()).collect(),
        }]
    }

    #[test]
    fn glibc_threshold() {
        assert_eq!(glibc_within_al2023(&[]), Ok(None));
        assert_eq!(
            glibc_within_al2023(&needs(&["GLIBC_2.2.5", "GLIBC_2.34", "GLIBC_PRIVATE"])),
            Ok(Some((2, 34, 0)))
        );
        assert_eq!(
            glibc_within_al2023(&needs(&["GLIBC_2.17", "GLIBC_2.28"])),
            Ok(Some((2, 28, 0)))
        );
        for too_new in ["GLIBC_2.35", "GLIBC_2.34.1", "GLIBC_2.39", "GLIBC_3.0"] {
            let err = glibc_within_al2023(&needs(&["GLIBC_2.2.5", too_new])).unwrap_err();
            assert!(err.contains(&format!("needs {too_new}")), "{err}");
        }
    }

    #[test]
    fn this_test_binary_is_a_linux_executable() {
        let binary = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        match check(&binary) {
            Ok(Kind::Elf(..)) => {}
            // Built on a system with a glibc newer than 2.34: the check says so.
            Err(why) => assert!(why.contains("provided.al2023 has glibc 2.34"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn other_files() {
        assert_eq!(check(b"#!/bin/sh\necho\n"), Ok(Kind::Script));
        assert!(
            check(b"MZ\x90\x00")
                .unwrap_err()
                .contains("not an ELF executable")
        );
        let mut elf32 = vec![0; 64];
        elf32[..5].copy_from_slice(b"\x7fELF\x01");
        assert!(check(&elf32).unwrap_err().contains("64-bit"));
    }

    #[test]
    fn sizes() {
        assert_eq!(human(512), "0.5 KiB");
        assert_eq!(human(3 * 1024 * 1024 / 2), "1.5 MiB");
        assert_eq!(version_name((2, 34, 0)), "2.34");
        assert_eq!(version_name((2, 2, 5)), "2.2.5");
    }
}
