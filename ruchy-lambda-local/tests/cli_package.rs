//! `ruchy-lambda-local package --bin`: the zip, read back with the zip crate.

#[path = "support/cli.rs"]
mod cli;

use std::io::{Cursor, Read};
use std::path::Path;

use cli::{BOOTSTRAP, run};

/// One entry of a zip, as the zip crate reads it.
#[derive(Debug)]
struct Entry {
    name: String,
    /// The host that made it, from the central directory header the reader found (3: Unix).
    made_by: u8,
    /// The Unix mode, from the high 16 bits of the external attributes.
    mode: Option<u32>,
    method: zip::CompressionMethod,
    crc: u32,
    size: u64,
    /// The decompressed bytes; the reader checks them against the CRC-32.
    data: Vec<u8>,
}

/// The entries of a zip, read with the zip crate: an independent reader of what `package` wrote.
fn entries(zip: &[u8]) -> Vec<Entry> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).expect("a zip archive");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            file.read_to_end(&mut data)
                .expect("the entry inflates and its CRC-32 matches");
            Entry {
                name: file.name().to_owned(),
                made_by: zip[file.central_header_start() as usize + 5],
                mode: file.unix_mode(),
                method: file.compression(),
                crc: file.crc32(),
                size: file.size(),
                data,
            }
        })
        .collect()
}

fn package(dir: &Path, extra: &[&str]) -> cli::Run {
    let mut args = vec![
        "package",
        "--bin",
        BOOTSTRAP,
        "--output-dir",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn zips_the_bootstrap_executable_at_the_root() {
    let dir = cli::scratch_dir("package");
    let r = package(&dir, &["--name", "fixture"]);
    assert_eq!(r.code(), Some(0), "{r:?}");
    let path = dir.join("fixture/bootstrap.zip");
    let zip = std::fs::read(&path).unwrap();
    let binary = std::fs::read(BOOTSTRAP).unwrap();

    let entries = entries(&zip);
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(entry.name, "bootstrap");
    assert_eq!(entry.made_by, 3, "made by Unix");
    assert_eq!(entry.mode, Some(0o100_755));
    assert_eq!(entry.size as usize, binary.len());
    assert_eq!(entry.method, zip::CompressionMethod::Deflated);
    assert_eq!(entry.data, binary);
    assert_eq!(crc32fast::hash(&entry.data), entry.crc);

    // Both sizes are printed, and where the zip went.
    let lines = r.stdout_lines();
    assert!(
        lines[0].starts_with("bootstrap ")
            && lines[0].contains(&format!(" {} bytes", binary.len())),
        "{}",
        r.stdout
    );
    assert!(
        lines[1].starts_with("bootstrap.zip ")
            && lines[1].contains(&format!(" {} bytes", zip.len())),
        "{}",
        r.stdout
    );
    assert!(lines[1].ends_with(&path.display().to_string()));

    // The same binary gives the same zip.
    assert_eq!(package(&dir, &["--name", "fixture"]).code(), Some(0));
    assert_eq!(std::fs::read(&path).unwrap(), zip);
}

#[test]
fn names_the_folder_after_the_file_and_honours_the_zip_dir_variable() {
    let dir = cli::scratch_dir("package-env");
    let mut command = cli::command(&["package", "--bin", BOOTSTRAP]);
    command.env("RUCHY_LAMBDA_ZIP_DIR", &dir);
    let r = cli::run_with(command, b"", cli::DEADLINE);
    assert_eq!(r.code(), Some(0), "{r:?}");
    assert!(
        dir.join("ruchy-lambda-local-test-bootstrap/bootstrap.zip")
            .is_file()
    );
}

#[test]
fn refuses_what_lambda_cannot_run_and_writes_nothing() {
    let dir = cli::scratch_dir("package-refused");
    let text = dir.join("not-a-binary");
    std::fs::write(&text, "hello\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&text, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = dir.join("out");
    let r = run(&[
        "package",
        "--bin",
        text.to_str().unwrap(),
        "--output-dir",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code(), Some(1), "{r:?}");
    assert!(
        r.stderr.starts_with("error: ") && r.stderr.contains("not an ELF executable"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1);
    assert!(!out.exists(), "nothing written");
}
