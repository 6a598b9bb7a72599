//! Handlers written in [Ruchy]: each `.ruchy` file becomes its own bootstrap, transpiled at build
//! time, never committed, never swapped.
//!
//! In the crate's `build.rs`, `fn main` calls:
//!
//! ```no_run
//! ruchy_lambda_build::transpile_dir("src/ruchy");
//! ```
//!
//! and in each binary (`src/bin/minimal.rs` for `src/ruchy/minimal.ruchy`):
//!
//! ```ignore
//! ruchy_lambda::include_ruchy!("minimal");
//! ```
//!
//! The `ruchy` transpiler turns a handler into
//! `pub fn lambda_handler(request_id: &str, body: &str) -> String` followed by an empty
//! `fn main() {}`; this crate runs it on every `.ruchy` file, drops that `main`, puts
//! `#[ruchy_lambda::handler]` on `lambda_handler`, and writes the result to
//! `$OUT_DIR/ruchy/<name>.rs`, where `include_ruchy!` finds it. Cargo reruns the build when a
//! `.ruchy` file, the directory or `RUCHY` changes.
//!
//! The transpiler is the program `RUCHY` names, else `ruchy` on `PATH`. What can go wrong is
//! said plainly, with the `.ruchy` file: no transpiler (with the command that installs it), a
//! transpile error or panic (with the transpiler's own message), Rust that does not parse (with
//! the line, and the line of Rust), no `lambda_handler`. A handler whose signature the
//! attribute does not accept gets the attribute's own error.
//!
//! [Ruchy]: https://crates.io/crates/ruchy

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The command that installs the transpiler this crate is tested with.
pub const INSTALL: &str =
    "cargo install ruchy --version 4.2.1 --locked --no-default-features --features repl";

/// The variable that names the transpiler.
pub const RUCHY_VAR: &str = "RUCHY";

/// Why a `.ruchy` file could not become Rust.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// No transpiler: neither `RUCHY` nor `ruchy` on `PATH`.
    NoTranspiler {
        /// What was tried.
        tried: String,
    },
    /// The transpiler failed (or panicked) on `file`.
    Transpile {
        /// The `.ruchy` file.
        file: PathBuf,
        /// What the transpiler said.
        message: String,
    },
    /// The transpiler wrote something that is not Rust.
    NotRust {
        /// The `.ruchy` file.
        file: PathBuf,
        /// syn's message.
        message: String,
        /// The line of the transpiled Rust, 1-based, and its text.
        line: Option<(usize, String)>,
    },
    /// The transpiled file has no `lambda_handler` function.
    NoHandler {
        /// The `.ruchy` file.
        file: PathBuf,
    },
    /// Reading or writing a file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoTranspiler { tried } => write!(
                f,
                "the Ruchy transpiler was not found ({tried}): install it with `{INSTALL}`, \
                 or set {RUCHY_VAR} to its path"
            ),
            Error::Transpile { file, message } => write!(
                f,
                "{}: the Ruchy transpiler failed: {message}",
                file.display()
            ),
            Error::NotRust {
                file,
                message,
                line,
            } => {
                write!(
                    f,
                    "{}: the Ruchy transpiler wrote Rust that does not parse: {message}",
                    file.display()
                )?;
                if let Some((number, text)) = line {
                    write!(f, "\n  transpiled line {number}: {}", text.trim())?;
                }
                Ok(())
            }
            Error::NoHandler { file } => write!(
                f,
                "{}: no handler: write `pub fun lambda_handler(request_id: &str, body: &str) \
                 -> String` in it",
                file.display()
            ),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for Error {}

/// Transpiles every `.ruchy` file in `dir` (relative to the crate) into `$OUT_DIR/ruchy/`, for
/// `build.rs`: on any failure, prints every problem and fails the build.
pub fn transpile_dir(dir: impl AsRef<Path>) {
    let dir = dir.as_ref();
    println!("cargo:rerun-if-changed={}", dir.display());
    println!("cargo:rerun-if-env-changed={RUCHY_VAR}");
    let out = out_dir();
    let files = match ruchy_files(dir) {
        Ok(files) => files,
        Err(e) => fail(&[e]),
    };
    let errors: Vec<Error> = files
        .iter()
        .filter_map(|file| {
            println!("cargo:rerun-if-changed={}", file.display());
            transpile_to(file, &out).err()
        })
        .collect();
    if !errors.is_empty() {
        fail(&errors);
    }
}

/// Transpiles one `.ruchy` file into `$OUT_DIR/ruchy/`, for `build.rs`: fails the build with
/// the problem.
pub fn transpile_file(file: impl AsRef<Path>) {
    let file = file.as_ref();
    println!("cargo:rerun-if-changed={}", file.display());
    println!("cargo:rerun-if-env-changed={RUCHY_VAR}");
    if let Err(e) = transpile_to(file, &out_dir()) {
        fail(&[e]);
    }
}

fn out_dir() -> PathBuf {
    std::env::var_os("OUT_DIR")
        .map(|dir| PathBuf::from(dir).join("ruchy"))
        .unwrap_or_else(|| {
            eprintln!("error: ruchy_lambda_build runs in a build script (OUT_DIR is not set)");
            std::process::exit(1)
        })
}

fn fail(errors: &[Error]) -> ! {
    for error in errors {
        // One `cargo:warning` line per line, so cargo shows all of it.
        for line in error.to_string().lines() {
            println!("cargo:warning={line}");
        }
        eprintln!("error: {error}");
    }
    std::process::exit(1)
}

/// The `.ruchy` files of `dir`, sorted.
pub fn ruchy_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "ruchy"))
        .collect();
    files.sort();
    Ok(files)
}

/// Transpiles `file` into `out_dir/<stem>.rs`; returns that path.
pub fn transpile_to(file: &Path, out_dir: &Path) -> Result<PathBuf, Error> {
    let rust = transpile(file)?;
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    std::fs::create_dir_all(out_dir).map_err(io(out_dir))?;
    let target = out_dir.join(format!("{stem}.rs"));
    std::fs::write(&target, rust).map_err(io(&target))?;
    Ok(target)
}

/// The Rust of a `.ruchy` handler, ready to be included: the transpiler's output without its
/// `fn main`, `lambda_handler` under `#[::ruchy_lambda::handler]`.
pub fn transpile(file: &Path) -> Result<String, Error> {
    let transpiler = transpiler()?;
    let output = Command::new(&transpiler)
        .arg("transpile")
        .arg(file)
        // The transpiler's errors are what the user needs, not its stack.
        .env("RUST_BACKTRACE", "0")
        .env_remove("RUST_LIB_BACKTRACE")
        .output()
        .map_err(|source| Error::Io {
            path: transpiler.clone(),
            source,
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && l != &"Stack backtrace:")
            .take_while(|l| !l.starts_with("0:"))
            .collect::<Vec<_>>()
            .join(" ");
        let message = if message.is_empty() {
            format!("it exited with {}", output.status)
        } else {
            message
        };
        return Err(Error::Transpile {
            file: file.to_path_buf(),
            message,
        });
    }
    let rust = String::from_utf8_lossy(&output.stdout).into_owned();
    prepare(file, &rust)
}

/// Checks the transpiled `rust`, drops its `fn main`, and puts the attribute on the handler.
/// The transpiler's lines are kept as they are, so that a message of rustc's points at a line
/// one can read.
pub fn prepare(file: &Path, rust: &str) -> Result<String, Error> {
    use syn::spanned::Spanned;
    let parsed = syn::parse_file(rust).map_err(|e| {
        let start = e.span().start();
        let line = rust
            .lines()
            .nth(start.line.saturating_sub(1))
            .map(|text| (start.line, text.to_owned()));
        Error::NotRust {
            file: file.to_path_buf(),
            message: e.to_string(),
            line,
        }
    })?;
    // Lines are 1-based: the lines of `fn main`, and the first line of the handler.
    let mut drop = Vec::new();
    let mut handler = None;
    for item in &parsed.items {
        if let syn::Item::Fn(function) = item {
            let span = function.span();
            if function.sig.ident == "main" {
                drop.push(span.start().line..=span.end().line);
            } else if function.sig.ident == "lambda_handler" {
                handler = Some(span.start().line);
            }
        }
    }
    let Some(handler) = handler else {
        return Err(Error::NoHandler {
            file: file.to_path_buf(),
        });
    };
    let mut out = format!(
        "// Transpiled from {} at build time by ruchy-lambda-build; not to be edited.\n",
        file.display()
    );
    for (index, line) in rust.lines().enumerate() {
        let number = index + 1;
        if drop.iter().any(|lines| lines.contains(&number)) {
            continue;
        }
        if number == handler {
            // The transpiler names every parameter whether the handler reads it or not.
            out.push_str("#[::ruchy_lambda::handler]\n");
            out.push_str("#[allow(unused_variables, unused_mut, unused_parens, unused_braces)]\n");
        }
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

/// The transpiler: `RUCHY`, else `ruchy` on `PATH`.
pub fn transpiler() -> Result<PathBuf, Error> {
    if let Some(path) = std::env::var_os(RUCHY_VAR).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(Error::NoTranspiler {
                tried: format!("{RUCHY_VAR}={} is not a file", path.display()),
            })
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("ruchy"))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| Error::NoTranspiler {
            tried: format!("{RUCHY_VAR} is not set and there is no `ruchy` on PATH"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRANSPILED: &str = "pub fn lambda_handler(request_id: &str, body: &str) -> String {\n    \
                              format!(\"{} {}\", request_id, body)\n}\nfn main() {}\n";

    #[test]
    fn main_goes_and_the_attribute_comes() {
        let rust = prepare(Path::new("h.ruchy"), TRANSPILED).unwrap();
        assert!(rust.starts_with("// Transpiled from h.ruchy"));
        assert!(
            rust.contains("#[::ruchy_lambda::handler]\n#[allow(unused_variables, unused_mut, unused_parens, unused_braces)]\npub fn lambda_handler"),
            "{rust}"
        );
        assert!(!rust.contains("fn main"), "{rust}");
    }

    #[test]
    fn rust_that_does_not_parse_is_named_with_its_line() {
        let bad = "pub fn lambda_handler(body: &str) -> String {\n    let x = ;\n}\n";
        let error = prepare(Path::new("bad.ruchy"), bad).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("bad.ruchy: the Ruchy transpiler wrote Rust that does not parse")
                && message.contains("transpiled line 2: let x = ;"),
            "{message}"
        );
    }

    #[test]
    fn no_handler_is_said_so() {
        let error = prepare(Path::new("x.ruchy"), "fn helper() {}\nfn main() {}\n").unwrap_err();
        assert!(matches!(error, Error::NoHandler { .. }));
        assert!(error.to_string().contains("pub fun lambda_handler"));
    }

    #[test]
    fn a_missing_transpiler_names_the_install_command() {
        let message = Error::NoTranspiler { tried: "x".into() }.to_string();
        assert!(message.contains(INSTALL), "{message}");
    }
}
