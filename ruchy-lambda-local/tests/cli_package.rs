//! `ruchy-lambda-local package --bin`: the zip, read back with a small reader of its own.

#[path = "support/cli.rs"]
mod cli;

use std::path::Path;

use cli::{BOOTSTRAP, run};

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// One entry of a zip, from its central directory.
#[derive(Debug)]
struct Entry {
    name: String,
    made_by_unix: bool,
    mode: u32,
    method: u16,
    crc: u32,
    size: u32,
    data: Vec<u8>,
}

/// The entries of a zip without a comment, through its end record and central directory.
fn entries(zip: &[u8]) -> Vec<Entry> {
    let end = zip.len() - 22;
    assert_eq!(u32_at(zip, end), 0x0605_4b50, "end of central directory");
    let count = u16_at(zip, end + 10) as usize;
    let mut at = u32_at(zip, end + 16) as usize;
    let mut entries = Vec::new();
    for _ in 0..count {
        assert_eq!(u32_at(zip, at), 0x0201_4b50, "central directory header");
        let name_len = u16_at(zip, at + 28) as usize;
        let extra_len = u16_at(zip, at + 30) as usize;
        let comment_len = u16_at(zip, at + 32) as usize;
        let compressed = u32_at(zip, at + 20) as usize;
        let local = u32_at(zip, at + 42) as usize;
        assert_eq!(u32_at(zip, local), 0x0403_4b50, "local header");
        let data_at =
            local + 30 + u16_at(zip, local + 26) as usize + u16_at(zip, local + 28) as usize;
        entries.push(Entry {
            name: String::from_utf8(zip[at + 46..at + 46 + name_len].to_vec()).unwrap(),
            made_by_unix: zip[at + 5] == 3,
            mode: u32_at(zip, at + 38) >> 16,
            method: u16_at(zip, at + 10),
            crc: u32_at(zip, at + 16),
            size: u32_at(zip, at + 24),
            data: zip[data_at..data_at + compressed].to_vec(),
        });
        at += 46 + name_len + extra_len + comment_len;
    }
    entries
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
    assert!(entry.made_by_unix);
    assert_eq!(entry.mode, 0o100_755);
    assert_eq!(entry.size as usize, binary.len());
    let content = match entry.method {
        8 => miniz_oxide::inflate::decompress_to_vec(&entry.data).unwrap(),
        0 => entry.data.clone(),
        m => panic!("compression method {m}"),
    };
    assert_eq!(content, binary);
    assert_eq!(crc32fast::hash(&content), entry.crc);

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
