//! The program and its commands, as clap's derive declares them: names, summaries, usages and
//! the layout of their help.

use clap::{Parser, Subcommand};

use super::commands::{InvokeCli, NewCli, PackageCli, ServeCli};
use super::help::{
    ABOUT, AFTER_HELP, INVOKE_EXAMPLES, INVOKE_NOTES, NEW_EXAMPLES, NEW_NOTES, PACKAGE_NOTES,
    SERVE_EXAMPLES, SERVE_NOTES,
};

/// The program's name, in usage lines.
pub(super) const BIN: &str = "ruchy-lambda-local";

/// `ruchy-lambda-local`
#[derive(Debug, Parser)]
#[command(
    name = BIN,
    version,
    about = ABOUT,
    after_help = AFTER_HELP,
    subcommand_required = true,
    arg_required_else_help = false,
    max_term_width = 100
)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub(super) command: Sub,
}

/// The help of a command: its summary, its usage, what it does, its options, its examples.
const TEMPLATE: &str = "\
{about-with-newline}
{usage-heading} {usage}

{before-help}{all-args}{after-help}";

#[derive(Debug, Subcommand)]
pub(super) enum Sub {
    /// Invoke a function with events and print the replies, as `aws lambda invoke` does
    #[command(
        long_about = "Invoke a function once per event, like `aws lambda invoke`, on a local Lambda.",
        override_usage = "ruchy-lambda-local invoke (--example NAME | --bin PATH | --ruchy FILE) \
                          [OPTIONS] [EVENT]...",
        help_template = TEMPLATE,
        next_line_help = true,
        before_help = INVOKE_NOTES,
        after_help = INVOKE_EXAMPLES
    )]
    Invoke(InvokeCli),
    /// Serve functions behind Lambda's Invoke API, or behind an HTTP front with `--http`
    #[command(
        long_about = "Run a function and expose Lambda's Invoke API, as the Runtime Interface \
                      Emulator does, for curl,\n`aws lambda invoke --endpoint-url`, the AWS SDKs \
                      and `cargo lambda invoke`.",
        override_usage = "ruchy-lambda-local serve (--example NAME | --bin PATH | --ruchy FILE) \
                          [OPTIONS]\n       ruchy-lambda-local serve --function NAME=SOURCE... \
                          [OPTIONS]",
        help_template = TEMPLATE,
        next_line_help = true,
        before_help = SERVE_NOTES,
        after_help = SERVE_EXAMPLES
    )]
    Serve(ServeCli),
    /// Build a bootstrap in release and zip it as bootstrap.zip for provided.al2023
    #[command(
        long_about = "Build a bootstrap in release and zip it for Lambda's provided.al2023 \
                      runtime: one entry,\n`bootstrap`, mode 0755, at the root of the zip.",
        override_usage = "ruchy-lambda-local package ((--example NAME | --ruchy FILE) \
                          [--target TRIPLE] | --bin PATH)\n                                  [OPTIONS]",
        help_template = TEMPLATE,
        next_line_help = true,
        before_help = PACKAGE_NOTES
    )]
    Package(PackageCli),
    /// Write a new function's crate, ready for `cargo build --release`
    #[command(
        long_about = "Write a new function's crate, ready to build, test and invoke on this \
                      local Lambda.",
        override_usage = concat!(
            "ruchy-lambda-local new NAME [--http] [--path DIR | --git URL [--rev REV | --branch NAME |\n",
            "                                                                    --tag NAME]]"
        ),
        help_template = TEMPLATE,
        next_line_help = true,
        before_help = NEW_NOTES,
        after_help = NEW_EXAMPLES
    )]
    New(NewCli),
}
