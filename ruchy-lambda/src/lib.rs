//! A tiny, blocking AWS Lambda runtime: write a function, put [`#[handler]`](handler) on it,
//! and the binary is a Lambda `bootstrap` for the `provided.al2023` runtime.
//!
//! ```no_run
//! use ruchy_lambda::Context;
//!
//! #[derive(serde::Deserialize)]
//! struct Order {
//!     id: u64,
//!     qty: u32,
//! }
//!
//! #[derive(serde::Serialize)]
//! struct Receipt {
//!     id: u64,
//!     total: u32,
//! }
//!
//! #[ruchy_lambda::handler]
//! fn handle(order: Order, ctx: &Context) -> Result<Receipt, String> {
//!     if order.qty == 0 {
//!         return Err(format!("order {} is empty ({})", order.id, ctx.request_id));
//!     }
//!     Ok(Receipt { id: order.id, total: order.qty * 3 })
//! }
//! ```
//!
//! The attribute keeps `handle` as written (call it from unit tests) and adds a `fn main` that
//! asks Lambda for each event, parses it, calls `handle`, and posts the reply or the error.
//! There is no async runtime: one thread, one connection, one event at a time, which is how
//! Lambda runs a function — and on Lambda Managed Instances, which give one process up to
//! `AWS_LAMBDA_MAX_CONCURRENCY` invocations at once, that many such workers, each an OS thread
//! with its own connection (see [Concurrent invocations](#concurrent-invocations)).
//!
//! # Handler signatures
//!
//! A handler is a free `fn`: not `async`, not generic over types (lifetime parameters are fine),
//! not a method, not named `main`. It takes, in this order:
//!
//! 1. **the event**, as
//!    - `&str` — the body as UTF-8 (a body that is not UTF-8 is reported with `errorType`
//!      `InvalidUtf8`);
//!    - `&[u8]` — the body as it came;
//!    - `String` or `Vec<u8>` — an owned copy of either;
//!    - any other type `T: serde::Deserialize` — the body parsed from JSON (a body that does not
//!      parse is reported with `errorType` `DeserializationError` and serde_json's message, e.g.
//!      ``cannot parse the event as `Order`: missing field `qty` at line 1 column 9``). `T` may
//!      borrow from the body, which lives until the reply is written: `Batch<'a>` with `&'a str`,
//!      `Cow<'a, str>` (`#[serde(borrow)]`) or `&'a RawValue` fields is parsed with no copy of
//!      those strings. A `&str` field cannot borrow a JSON string with escapes: that is a
//!      `DeserializationError` whose message says to use `Cow<'a, str>`. Nothing borrowed can
//!      outlive the invocation (kept in the state, returned as `&'static`): a compile error.
//!
//!    Which it is depends on how the type is *written*: `String`, `std::string::String`, `&str`,
//!    `&[u8]` and `Vec<u8>` are raw; anything else, including a type alias of `String`, is JSON.
//! 2. optionally **the context**, `&Context` or `Context`: the request id, the deadline, the
//!    function's configuration (see [`Context`]).
//! 3. optionally **a response stream**, `&mut ResponseStream`: the handler streams its reply
//!    (see [Streaming](#streaming)).
//! 4. optionally **a state**, `&S`, with `#[handler(init = make_state)]`: `make_state` takes
//!    no arguments and returns `S` or `Result<S, E>` (with `E: Display`); it runs once, before
//!    the first event, and the state is shared by every invocation (and every worker, when it
//!    is `Sync`: see below). Its error is reported to Lambda as an init error and the process
//!    exits.
//!
//! Or, in **the Ruchy form**, exactly two `&str`, the request id and the body, returning
//! `String`: `fn handle(request_id: &str, body: &str) -> String`.
//!
//! It returns
//! - `String`, `&str`, `Vec<u8>` or `&[u8]` — sent as they are;
//! - `()` (or nothing) — an empty reply;
//! - any other type `T: serde::Serialize` — sent as JSON (a failure is reported with
//!   `errorType` `SerializationError`);
//! - `Result<R, E>` with `E: Display` — `R` sent as above, or `E` reported as the invocation's
//!   error: `errorMessage` is its `Display` text followed by its causes, `errorType` its type
//!   name (`OrderError` for `shop::OrderError`) unless it implements [`ErrorType`]; see
//!   [Errors](#errors). The return type must be spelled `Result<…>` (any path ending in
//!   `Result`, such as `io::Result<T>` or `anyhow::Result<T>`); an alias with another name is
//!   sent as JSON.
//!
//! Anything else is a compile error on the offending token, saying what to do; see
//! [`handler`] for each form and the code it stands for.
//!
//! # Errors
//!
//! A handler's `Err(e)` is reported to Lambda as
//! `{"errorMessage": …, "errorType": …, "stackTrace": []}`:
//!
//! - `errorMessage` is `e`'s `Display` text; then, when `e` is a [`std::error::Error`] or
//!   derefs to one (`Box<dyn Error + Send + Sync>`, `anyhow::Error`, `eyre::Report`), each cause
//!   of its [`source`](std::error::Error::source) chain as `: cause`, as anyhow's `{:#}` prints
//!   it: `.context("cannot total order 42")` on `item 7 has no price` gives
//!   `cannot total order 42: item 7 has no price`. A cause whose text already ends the message
//!   (a `Display` that prints its source, such as thiserror's `#[error("bad quantity: {0}")]`
//!   with `#[from]`) is not repeated, and at most 32 causes are followed. An error that is only
//!   `Display` (a `String`, a type of your own without an `Error` impl) gives its text alone.
//! - `errorType` is what its [`ErrorType`] impl returns, else the name of its type: the last
//!   segment of the path without generic arguments (`OrderError` for `shop::OrderError<u32>`,
//!   `String`, `ParseIntError`), but a type named `Error` keeps its module (`io::Error` for
//!   `std::io::Error`, `anyhow::Error`, `serde_json::Error`), and a `Box<T>` is named as `T`,
//!   `Box<dyn Error>` (with or without `+ Send + Sync`) as `BoxError`. The error inside a box
//!   or an `anyhow::Error` is known only at run time and Rust cannot name it: errors a caller
//!   must tell apart (a Step Functions `Retry`) need a type of their own, whose [`ErrorType`]
//!   impl may name each variant.
//! - `stackTrace` is empty: a Rust error has no frames, and its causes are in the message.
//!
//! | `Err(…)` of a handler returning | `errorType` | `errorMessage` |
//! | --- | --- | --- |
//! | `anyhow::Result<T>`: `Err(anyhow!("item 7 has no price")).context("cannot total order 42")` | `anyhow::Error` | `cannot total order 42: item 7 has no price` |
//! | `Result<T, Box<dyn Error + Send + Sync>>`: `"4x2".parse::<u32>()?` | `BoxError` | `invalid digit found in string` |
//! | `std::io::Result<T>`: `std::fs::read("/nonexistent")` | `io::Error` | `No such file or directory (os error 2)` |
//! | `Result<T, OrderError>` (thiserror): `OrderError::Prices(e)`, `#[error("cannot read the price list")]`, `#[source] e: io::Error` | `OrderError` | `cannot read the price list: the disk is full` |
//!
//! The error of `init` or of a lifecycle hook is named by the same rule; its message is its
//! `Display` text.
//!
//! # Panics
//!
//! With the default `panic = "unwind"`, a handler that panics is caught: the invocation is
//! reported with `errorType` `Panic` and the panic message, and the next event is served as
//! usual. With `panic = "abort"` in the release profile (a smaller binary), a panic ends the
//! process and Lambda reports the invocation as `Runtime.ExitError`, then starts a new sandbox
//! for the next event. A handler that must not take a sandbox down with it should return
//! `Err` rather than panic.
//!
//! # Concurrent invocations
//!
//! Lambda Managed Instances set `AWS_LAMBDA_MAX_CONCURRENCY` = N: one execution environment
//! takes up to N invocations at once. The generated `main` then runs N workers — the main
//! thread and N − 1 more — each asking for invocations on its own keep-alive connection, with
//! its own reply buffer and [`Context`]. Unset or 1 (Lambda's default) is one loop on the main
//! thread and no other thread. A value that is not a whole number from 1 to 1024 is reported
//! to Lambda as an init error (`Runtime.InvalidConcurrency`).
//!
//! - What belongs to one invocation is on its [`Context`]: the request id, the deadline, the
//!   X-Ray trace id ([`Context::xray_trace_id`]; the process-wide `_X_AMZN_TRACE_ID` is set
//!   only with one worker, since one variable cannot name N invocations), and the invocation id
//!   ([`Context::invocation_id`]), which the runtime echoes on the answer so that a late reply
//!   can never be taken for another invocation's.
//! - The `init` state is shared by the workers when it is `Sync`. A state that is not `Sync`
//!   runs one worker, with a start-up line that names it (no data race is possible either way).
//! - Managed Instances do not stop a handler at its timeout: Lambda reports the timeout and the
//!   handler runs on, its [`Context::remaining_time`] zero. A long handler should check it.
//! - A panic is that invocation's `Panic` error; its worker goes on. A worker that cannot reach
//!   the Runtime API ends the process non-zero, as with one worker.
//!
//! # Streaming
//!
//! A handler that takes `&mut` [`ResponseStream`] after the event and the context (before a
//! state) streams its reply: what it writes goes to Lambda as it is written — a chunk on every
//! `flush()`, every 8 KiB and at the end — and it returns `()` or `Result<(), E>`. An `Err` or
//! a panic before the first byte is reported to `/error` as usual; after it, the stream ends
//! with Lambda's error trailers. [`ResponseStream::http_response`] makes the stream an HTTP
//! response for a Function URL (status, headers and cookies first). See [`stream`].
//!
//! ```no_run
//! use std::io::Write;
//! use ruchy_lambda::ResponseStream;
//!
//! #[ruchy_lambda::handler]
//! fn handle(lines: u32, out: &mut ResponseStream) -> std::io::Result<()> {
//!     for i in 0..lines {
//!         writeln!(out, "line {i}")?;
//!         out.flush()?;
//!     }
//!     Ok(())
//! }
//! ```
//!
//! # Logs
//!
//! With the default features and no set-up call, `log::info!("…")` (and every `log` macro) in
//! a handler writes a record the way Lambda reads it, on stderr: in the format Lambda sets with
//! `AWS_LAMBDA_LOG_FORMAT`, with the time, the level and the request id of the invocation that
//! wrote it (the right one on every worker):
//!
//! ```text
//! 2026-11-27T17:00:00.123Z\t8476a536-e9f4-11e8-9739-2dfe598c3fcd\tINFO\thello ada
//! {"timestamp":"2026-11-27T17:00:00.123Z","level":"INFO","requestId":"8476a536-e9f4-11e8-9739-2dfe598c3fcd","message":"hello ada"}
//! ```
//!
//! - Text is tab-separated, a newline inside a message a carriage return (one CloudWatch event
//!   per record). JSON is one object per line, every string escaped.
//! - The level is `AWS_LAMBDA_LOG_LEVEL` (`TRACE` … `FATAL`, any case), else the bare level of
//!   `RUST_LOG` (`RUST_LOG=debug`; `target=level` directives are not used), else `INFO`. A record
//!   below it is dropped before anything is formatted.
//! - The runtime's own lines (retries, refused answers, init failures) are records too.
//! - `println!` and `eprintln!` still write plain lines.
//!
//! Features: `log` (default) installs the logger; `log-kv` also writes `log` key-values
//! (`log::info!(user = "ada"; "…")`) as fields, typed in JSON; `tracing` does the same for
//! `tracing` events and their fields (spans are not recorded). The sizes they add are in
//! BENCHMARKS.md. To install a logger of your own, turn the default features off
//! (`default-features = false`) and install it in `main`'s place or in `init`.
//!
//! # Lifecycle: SnapStart and shutdown
//!
//! `#[handler(before_snapshot = f, after_restore = g, shutdown = h)]` (each optional): under
//! SnapStart (container images, `AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`) the runtime runs
//! `init`, `f`, then `GET /runtime/restore/next`, which returns once the snapshot is restored;
//! then `g`, on a new connection, then the loop. `h` runs when Lambda shuts the environment down:
//! the runtime registers an internal extension so that Lambda sends `SIGTERM` (about 500 ms
//! before `SIGKILL`), and one extra thread waits for it. Without `snap-start` no snapshot hook
//! runs; without `shutdown`, no extension and no thread. Details in [`lifecycle`]; a
//! container image to deploy it with in `deploy/`.
//!
//! # Without the macro
//!
//! [`run`] and [`run_with_init`] take the loop body as a closure: the invocation in, the reply
//! bytes into a cleared buffer, a [`Diagnostic`] for an error. They run one worker (the closure
//! is `FnMut`); [`run_concurrent`] and [`run_concurrent_with_init`], which the attribute uses,
//! take an `Fn + Sync` closure and run as many as Lambda allows. [`handler`] shows, for each form,
//! the code the attribute stands for.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod awaiting;
mod error_type;
#[cfg(feature = "http")]
pub mod http;
mod logging;

/// A small blocking AWS client: the `ruchy-lambda-aws` crate (feature `aws`).
///
/// An [`aws::Error`] a handler returns reports AWS's error code (`ResourceNotFoundException`)
/// as the invocation's `errorType`, or `AwsError` when AWS did not answer.
#[cfg(feature = "aws")]
pub use ruchy_lambda_aws as aws;

/// Durable functions: the `ruchy-lambda-durable` crate (feature `durable`).
///
/// A handler whose second parameter is `&DurableContext` runs durable executions:
/// `#[handler] fn order(input: Order, ctx: &DurableContext) -> Result<Receipt, DurableError>`.
/// Its operations (`ctx.step`, `ctx.wait`, callbacks, child contexts, `invoke`, `map`,
/// `parallel`, `wait_for_condition`) are checkpointed through Lambda's durable execution API
/// with the blocking AWS client; the reply is the execution's status.
#[cfg(feature = "durable")]
pub use ruchy_lambda_durable as durable;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use error_type::ErrorType;

/// Includes the handler that `ruchy-lambda-build` transpiled from `<name>.ruchy` (in the crate's
/// `build.rs`), under `#[handler]`: the whole of a Ruchy function's `src/bin/<name>.rs`.
///
/// ```ignore
/// ruchy_lambda::include_ruchy!("fibonacci");
/// ```
#[macro_export]
macro_rules! include_ruchy {
    ($name:literal) => {
        include!(concat!(env!("OUT_DIR"), "/ruchy/", $name, ".rs"));
    };
}
pub use ruchy_lambda_macros::handler;
pub use ruchy_lambda_runtime_core::{
    Config, Context, Diagnostic, Invocation, Lifecycle, ResponseStream, lifecycle, logs, stream,
};

use std::process::ExitCode;

/// Runs `handler` for every invocation, on one worker: [`ruchy_lambda_runtime_core::run`],
/// with the loggers of this build installed first (see [Logs](#logs)).
pub fn run<H>(handler: H) -> ExitCode
where
    H: FnMut(&Invocation, &mut Vec<u8>) -> Result<(), Diagnostic>,
{
    logging::install();
    ruchy_lambda_runtime_core::run(handler)
}

/// Runs `init` once, then `handler` for every invocation, on one worker:
/// [`ruchy_lambda_runtime_core::run_with_init`], with the loggers installed first.
pub fn run_with_init<S, I, H>(init: I, handler: H) -> ExitCode
where
    I: FnOnce() -> Result<S, Diagnostic>,
    H: FnMut(&S, &Invocation, &mut Vec<u8>) -> Result<(), Diagnostic>,
{
    logging::install();
    ruchy_lambda_runtime_core::run_with_init(init, handler)
}

/// Runs `handler` on as many workers as Lambda allows invocations at once:
/// [`ruchy_lambda_runtime_core::run_concurrent`], with the loggers installed first.
pub fn run_concurrent<H>(handler: H) -> ExitCode
where
    H: Fn(&Invocation, &mut Vec<u8>) -> Result<(), Diagnostic> + Sync + 'static,
{
    logging::install();
    ruchy_lambda_runtime_core::run_concurrent(handler)
}

/// Runs `handler`, which streams its response, on as many workers as Lambda allows:
/// [`ruchy_lambda_runtime_core::run_streaming`], with the loggers installed first.
pub fn run_streaming<H>(handler: H) -> ExitCode
where
    H: Fn(&Invocation, &mut ResponseStream<'_>) -> Result<(), Diagnostic> + Sync + 'static,
{
    logging::install();
    ruchy_lambda_runtime_core::run_streaming(handler)
}

/// Runs `init` once, then `handler`, which streams its response, on as many workers as Lambda
/// allows: [`ruchy_lambda_runtime_core::run_streaming_with_init`], with the loggers installed
/// first.
pub fn run_streaming_with_init<S, I, H>(init: I, handler: H) -> ExitCode
where
    S: Sync + 'static,
    I: FnOnce() -> Result<S, Diagnostic>,
    H: Fn(&S, &Invocation, &mut ResponseStream<'_>) -> Result<(), Diagnostic> + Sync + 'static,
{
    logging::install();
    ruchy_lambda_runtime_core::run_streaming_with_init(init, handler)
}

/// Runs `init` once, then `handler` on as many workers as Lambda allows, sharing the state:
/// [`ruchy_lambda_runtime_core::run_concurrent_with_init`], with the loggers installed first.
pub fn run_concurrent_with_init<S, I, H>(init: I, handler: H) -> ExitCode
where
    S: Sync + 'static,
    I: FnOnce() -> Result<S, Diagnostic>,
    H: Fn(&S, &Invocation, &mut Vec<u8>) -> Result<(), Diagnostic> + Sync + 'static,
{
    logging::install();
    ruchy_lambda_runtime_core::run_concurrent_with_init(init, handler)
}

/// Runs `init` once, the `lifecycle` hooks, then `handler` on as many workers as Lambda allows:
/// [`ruchy_lambda_runtime_core::run_concurrent_with_lifecycle`], with the loggers installed first.
pub fn run_concurrent_with_lifecycle<S, I, H>(
    init: I,
    lifecycle: Lifecycle<S>,
    handler: H,
) -> ExitCode
where
    S: Sync + 'static,
    I: FnOnce() -> Result<S, Diagnostic>,
    H: Fn(&S, &Invocation, &mut Vec<u8>) -> Result<(), Diagnostic> + Sync + 'static,
{
    logging::install();
    ruchy_lambda_runtime_core::run_concurrent_with_lifecycle(init, lifecycle, handler)
}

/// Runs `init` once, the `lifecycle` hooks, then `handler`, which streams its response, on as
/// many workers as Lambda allows: [`ruchy_lambda_runtime_core::run_streaming_with_lifecycle`],
/// with the loggers installed first.
pub fn run_streaming_with_lifecycle<S, I, H>(
    init: I,
    lifecycle: Lifecycle<S>,
    handler: H,
) -> ExitCode
where
    S: Sync + 'static,
    I: FnOnce() -> Result<S, Diagnostic>,
    H: Fn(&S, &Invocation, &mut ResponseStream<'_>) -> Result<(), Diagnostic> + Sync + 'static,
{
    logging::install();
    ruchy_lambda_runtime_core::run_streaming_with_lifecycle(init, lifecycle, handler)
}
