//! Derives `dynamodb-client-lazy` from `examples/dynamodb.rs`: the same source, with the call that
//! connects to DynamoDB in init replaced by one that does nothing (so the first invocation opens
//! the connection, TLS handshake included). The build fails if the example no longer makes that
//! call, rather than measuring something else.

use std::path::PathBuf;

/// The call in the example's init…
const CONNECT: &str = "db.connect_now(workers)";
/// …and what replaces it (`no_connection` is defined in `src/bin/dynamodb-client-lazy.rs`).
const NO_CONNECT: &str = "no_connection(workers)";

fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let example = dir.join("../../examples/dynamodb.rs");
    println!("cargo::rerun-if-changed={}", example.display());
    let source =
        std::fs::read_to_string(&example).unwrap_or_else(|e| panic!("{}: {e}", example.display()));
    let found = source.matches(CONNECT).count();
    assert!(
        found == 1,
        "{}: `{CONNECT}` occurs {found} times, not once: update benches/ours/build.rs",
        example.display()
    );
    // `include!` takes items only: the example's inner doc comment (`//!`) goes.
    let lazy: String = source
        .replace(CONNECT, NO_CONNECT)
        .lines()
        .filter(|line| !line.starts_with("//!"))
        .map(|line| format!("{line}\n"))
        .collect();
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("dynamodb_lazy.rs");
    std::fs::write(&out, lazy).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
