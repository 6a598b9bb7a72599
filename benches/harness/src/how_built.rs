//! BENCHMARKS.md's "How the figures are built": the command, the profile, the features, and why
//! a build typed at the repository root is a user's build.

/// The section, in Markdown, ending with a blank line.
pub fn section() -> &'static str {
    "## How the figures are built\n\n\
     - **Command**: `benches/run` (every section), or `benches/run --logs-only` and the other \
     `--…-only` options (one section, in the shipping configuration). Each runtime is built by \
     `cargo build --release` in a target directory of its own under `target/bench` \
     (`BENCH_TARGET_DIR` moves it); ruchy-lambda's handlers with `cargo build --release -p \
     ruchy-lambda-examples --example minimal --example echo …`.\n\
     - **Profile**: `--release` with `CARGO_PROFILE_RELEASE_OPT_LEVEL=z` (the shipping \
     configuration; `3` for the other rows), `CARGO_PROFILE_RELEASE_LTO=fat`, \
     `CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1`, `CARGO_PROFILE_RELEASE_PANIC=abort`, \
     `CARGO_PROFILE_RELEASE_STRIP=true` and `CARGO_PROFILE_RELEASE_DEBUG=false`, the same for \
     the three runtimes whatever their own Cargo.toml says; `RUSTFLAGS` and \
     `CARGO_ENCODED_RUSTFLAGS` are cleared (static rows set \
     `RUSTFLAGS=\"-C target-feature=+crt-static\"` and `--target`). The repository's own \
     `release-abort` profile is the same profile: `cargo build --profile release-abort`.\n\
     - **Features**: the examples' default features, which are the facade's (`log`), `http` \
     (for the `http` example), `aws` (for `dynamodb` and `s3`) and `durable` (for `durable`); \
     a handler that does not use one does not call its code (the blocking AWS client section \
     checks `minimal`'s size without `aws` and `durable`). A section that measures a feature \
     says which (`--no-default-features`, `--features log-kv`, …).\n\
     - **A root build is a user's build**: the root Cargo.toml's `default-members` leave out \
     `tests`, `tests/awaiting`, `aws-validate` and `benches/harness`. Cargo unifies features over \
     the packages of one build, and `tests` turns on the facade's `log-kv`, `tracing` and `http` \
     for its fixtures (`tests/awaiting` its `tokio`); left in, it would put them into every example of a build typed at the root. So \
     `cargo build --profile release-abort --example minimal` at the root gives the same bytes \
     as this benchmark's ruchy-lambda `minimal` in the shipping configuration. A facade feature \
     that changes the code of every handler (`tokio`) stays out of the examples the same way: \
     it is turned on by the excluded members only, never by the examples' default features. `cargo test --workspace` \
     still builds and tests every member.\n\n"
}
