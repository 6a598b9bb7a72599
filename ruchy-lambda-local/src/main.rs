//! `ruchy-lambda-local`: run a Lambda bootstrap locally (`invoke`, `serve`) and zip it for
//! `provided.al2023` (`package`). The bootstrap is an example of the workspace built with cargo
//! (`--example NAME`), a handler written in Ruchy transpiled and built in a crate of its own
//! under `target/ruchy-lambda/` (`--ruchy FILE`, with the `ruchy` transpiler), or an executable
//! that is already built (`--bin PATH`). See `ruchy-lambda-local --help`.

#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::run(std::env::args_os().skip(1))
}
