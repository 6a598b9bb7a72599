//! `ruchy-lambda-local`: run a Lambda bootstrap locally (`invoke`, `serve`) and zip it for
//! `provided.al2023` (`package`). See `ruchy-lambda-local --help`.

#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::run(std::env::args_os().skip(1))
}
