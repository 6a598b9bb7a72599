//! The blocking core of [ruchy-lambda]: everything between the Lambda Runtime API and a handler.
//!
//! - [`http`]: a small HTTP/1.1 client with one keep-alive connection, opened on first use;
//! - [`api`]: the Runtime API, one function per endpoint;
//! - [`Context`], [`Config`], [`Invocation`]: what a handler is told;
//! - [`Runtime`]: the event loop, with error, panic and init-error reporting;
//! - [`workers`]: concurrent invocations (`AWS_LAMBDA_MAX_CONCURRENCY`, Lambda Managed
//!   Instances), one OS thread and one connection per worker;
//! - [`lifecycle`]: SnapStart's before-snapshot and after-restore hooks, and a shutdown hook.
//!
//! Most users want the `ruchy-lambda` crate and its `#[handler]` attribute instead; this crate is
//! for those who write the loop body by hand:
//!
//! ```no_run
//! use ruchy_lambda_runtime_core::{Diagnostic, run};
//!
//! fn main() -> std::process::ExitCode {
//!     run(|invocation, reply| {
//!         if invocation.body.is_empty() {
//!             return Err(Diagnostic::new("EmptyEvent", "the event is empty"));
//!         }
//!         reply.extend_from_slice(&invocation.body);
//!         Ok(())
//!     })
//! }
//! ```
//!
//! [ruchy-lambda]: https://docs.rs/ruchy-lambda

#![warn(missing_docs)]

pub mod api;
mod context;
mod diagnostic;
pub mod encoding;
pub mod endpoint;
pub mod http;
pub mod lifecycle;
pub mod logs;
mod runtime;
pub mod stream;
mod text;
mod trace_env;
pub mod workers;

pub use api::{ApiError, Posted, RuntimeApiClient};
pub use context::{Config, Context, Invocation};
pub use diagnostic::Diagnostic;
pub use endpoint::{Endpoint, EndpointError};
pub use lifecycle::Lifecycle;
pub use runtime::{MALFORMED_INVOCATION, RESPONSE_TOO_LARGE, RetryPolicy, Runtime};
pub use stream::ResponseStream;
pub use trace_env::TRACE_ID_VAR;
pub use workers::MaxConcurrencyError;

use std::fmt;

use lifecycle::State;
use logs::Level;
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::Arc;

/// The error type of the init error reported when `AWS_LAMBDA_MAX_CONCURRENCY` is not a number
/// of workers.
pub const INVALID_CONCURRENCY: &str = "Runtime.InvalidConcurrency";

/// Runs `handler` for every invocation until the Runtime API is gone; returns the exit status.
///
/// One worker: `handler` is `FnMut`, so it answers one invocation at a time. When Lambda allows
/// more at once (`AWS_LAMBDA_MAX_CONCURRENCY` > 1, Lambda Managed Instances), a start-up line
/// says so and still one worker runs; [`run_concurrent`] runs as many as allowed.
///
/// See [`Runtime::run`] for the contract of `handler`.
pub fn run<H>(mut handler: H) -> ExitCode
where
    H: FnMut(&Invocation, &mut Vec<u8>) -> Result<(), Diagnostic>,
{
    run_with_init(
        || Ok(()),
        move |(), invocation, reply| handler(invocation, reply),
    )
}

/// Runs `init` once, then `handler` for every invocation with a reference to its state, on one
/// worker (see [`run`]; [`run_concurrent_with_init`] runs several).
///
/// An `init` that fails (or panics) is reported to `/runtime/init/error` and the process exits
/// non-zero, before asking for any event. The Runtime API address and the function configuration
/// are read before `init` runs; the network is first used by the init error report or the first
/// `/next`.
pub fn run_with_init<S, I, H>(init: I, handler: H) -> ExitCode
where
    I: FnOnce() -> Result<S, Diagnostic>,
    H: FnMut(&S, &Invocation, &mut Vec<u8>) -> Result<(), Diagnostic>,
{
    run_on_one_worker(
        init,
        &Lifecycle::new(),
        handler,
        format_args!("the handler is `FnMut`: use `run_concurrent` to run more"),
    )
}

/// Like [`run_with_init`], with the `lifecycle` hooks, and `why` in the start-up line that says
/// one worker runs although Lambda allows more invocations at once.
pub fn run_on_one_worker<S, I, H>(
    init: I,
    lifecycle: &Lifecycle<S>,
    mut handler: H,
    why: fmt::Arguments<'_>,
) -> ExitCode
where
    I: FnOnce() -> Result<S, Diagnostic>,
    H: FnMut(&S, &Invocation, &mut Vec<u8>) -> Result<(), Diagnostic>,
{
    one_worker(init, lifecycle, why, |runtime, state| {
        runtime.run(|invocation, reply| handler(state, invocation, reply))
    })
}

/// Like [`run_on_one_worker`], for a handler that streams its response (see
/// [`run_streaming`]).
pub fn run_streaming_on_one_worker<S, I, H>(
    init: I,
    lifecycle: &Lifecycle<S>,
    mut handler: H,
    why: fmt::Arguments<'_>,
) -> ExitCode
where
    I: FnOnce() -> Result<S, Diagnostic>,
    H: FnMut(&S, &Invocation, &mut ResponseStream<'_>) -> Result<(), Diagnostic>,
{
    one_worker(init, lifecycle, why, |runtime, state| {
        runtime.run_streaming(|invocation, stream| handler(state, invocation, stream))
    })
}

fn one_worker<S, I>(
    init: I,
    lifecycle: &Lifecycle<S>,
    why: fmt::Arguments<'_>,
    serve: impl FnOnce(&mut Runtime, &S) -> ApiError,
) -> ExitCode
where
    I: FnOnce() -> Result<S, Diagnostic>,
{
    let (mut runtime, state, workers) = match start(init, lifecycle) {
        Ok(started) => started,
        Err(code) => return code,
    };
    if workers.count > 1 {
        runtime::log(
            Level::Warn,
            format_args!(
                "{} is {}, but this function runs one worker: {why}",
                workers::MAX_CONCURRENCY_VAR,
                workers.count
            ),
        );
    }
    give_up(&serve(&mut runtime, &state))
}

/// Runs `handler` for every invocation, on as many workers as Lambda allows invocations at once.
///
/// With `AWS_LAMBDA_MAX_CONCURRENCY` unset or 1 (Lambda's default) this is [`run`]: one loop on
/// the main thread, no other thread. With N > 1 (Lambda Managed Instances) N workers run,
/// the main thread and N − 1 more, each asking for invocations on its own keep-alive connection
/// with its own reply buffer and [`Context`]; nothing of one invocation is shared with another.
/// `_X_AMZN_TRACE_ID` is then not set (one process-wide variable cannot name N invocations):
/// the trace id is [`Context::xray_trace_id`]. A value that is not a whole number from 1 to
/// [`workers::MAX_WORKERS`] is reported as an init error (`Runtime.InvalidConcurrency`) and the
/// process exits non-zero.
///
/// A panic in the handler is that invocation's `Panic` error and its worker goes on. A worker
/// that cannot reach the Runtime API after its retries ends the process non-zero, as with one.
pub fn run_concurrent<H>(handler: H) -> ExitCode
where
    H: Fn(&Invocation, &mut Vec<u8>) -> Result<(), Diagnostic> + Sync + 'static,
{
    run_concurrent_with_init(
        || Ok(()),
        move |(), invocation, reply| handler(invocation, reply),
    )
}

/// Runs `init` once, before any worker asks for an event, then `handler` on as many workers as
/// Lambda allows invocations at once (see [`run_concurrent`]), every worker with a reference to
/// the one state: it is shared, so it must be `Sync`.
pub fn run_concurrent_with_init<S, I, H>(init: I, handler: H) -> ExitCode
where
    S: Sync + 'static,
    I: FnOnce() -> Result<S, Diagnostic>,
    H: Fn(&S, &Invocation, &mut Vec<u8>) -> Result<(), Diagnostic> + Sync + 'static,
{
    run_workers(init, &Lifecycle::new(), Buffered(handler))
}

/// Like [`run_concurrent_with_init`], with the `lifecycle` hooks (see [`lifecycle`]).
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
    run_workers(init, &lifecycle, Buffered(handler))
}

/// Runs `handler`, which streams its response, for every invocation, on as many workers as
/// Lambda allows invocations at once (see [`run_concurrent`]).
///
/// The handler writes the body to a [`ResponseStream`]; the bytes go to Lambda as they are
/// written (see [`stream`]). An `Err` or a panic before the first byte went out is reported to
/// `/error` as usual; after it, it ends the stream with the error trailers.
pub fn run_streaming<H>(handler: H) -> ExitCode
where
    H: Fn(&Invocation, &mut ResponseStream<'_>) -> Result<(), Diagnostic> + Sync + 'static,
{
    run_streaming_with_init(
        || Ok(()),
        move |(), invocation, stream| handler(invocation, stream),
    )
}

/// Runs `init` once, then `handler`, which streams its response, on as many workers as Lambda
/// allows (see [`run_streaming`] and [`run_concurrent_with_init`]).
pub fn run_streaming_with_init<S, I, H>(init: I, handler: H) -> ExitCode
where
    S: Sync + 'static,
    I: FnOnce() -> Result<S, Diagnostic>,
    H: Fn(&S, &Invocation, &mut ResponseStream<'_>) -> Result<(), Diagnostic> + Sync + 'static,
{
    run_workers(init, &Lifecycle::new(), Streaming(handler))
}

/// Like [`run_streaming_with_init`], with the `lifecycle` hooks (see [`lifecycle`]).
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
    run_workers(init, &lifecycle, Streaming(handler))
}

/// One worker's loop, the same for every worker.
trait Serve<S>: Sync + 'static {
    fn serve(&self, runtime: &mut Runtime, state: &S) -> ApiError;
}

/// A handler that fills a reply buffer.
struct Buffered<H>(H);

impl<S, H> Serve<S> for Buffered<H>
where
    H: Fn(&S, &Invocation, &mut Vec<u8>) -> Result<(), Diagnostic> + Sync + 'static,
{
    fn serve(&self, runtime: &mut Runtime, state: &S) -> ApiError {
        runtime.run(|invocation, reply| (self.0)(state, invocation, reply))
    }
}

/// A handler that streams its response.
struct Streaming<H>(H);

impl<S, H> Serve<S> for Streaming<H>
where
    H: Fn(&S, &Invocation, &mut ResponseStream<'_>) -> Result<(), Diagnostic> + Sync + 'static,
{
    fn serve(&self, runtime: &mut Runtime, state: &S) -> ApiError {
        runtime.run_streaming(|invocation, stream| (self.0)(state, invocation, stream))
    }
}

/// Runs `init`, then `worker` on as many workers as Lambda allows: the main thread, and N − 1
/// detached threads that live as long as the process.
fn run_workers<S, I, W>(init: I, lifecycle: &Lifecycle<S>, worker: W) -> ExitCode
where
    S: Sync + 'static,
    I: FnOnce() -> Result<S, Diagnostic>,
    W: Serve<S>,
{
    let (mut runtime, state, workers) = match start(init, lifecycle) {
        Ok(started) => started,
        Err(code) => return code,
    };
    if workers.count == 1 {
        return give_up(&worker.serve(&mut runtime, &state));
    }
    // The workers run until the process ends, so the state and the handler live as long: the
    // process, not this frame, owns them.
    let state: &'static S = state.leak();
    let worker: &'static W = Box::leak(Box::new(worker));
    for n in 2..=workers.count {
        let mut runtime =
            Runtime::with_shared_config(workers.endpoint.clone(), Arc::clone(&workers.config))
                .with_trace_id_env(false);
        let spawned = workers::spawn_detached(Box::new(move || {
            end_all_workers(&worker.serve(&mut runtime, state))
        }));
        if let Err(e) = spawned {
            runtime::log(
                Level::Error,
                format_args!(
                    "cannot start worker {n} of {}: {e}; running {}",
                    workers.count,
                    n - 1
                ),
            );
            break;
        }
    }
    let mut runtime = runtime.with_trace_id_env(false);
    end_all_workers(&worker.serve(&mut runtime, state))
}

/// What the workers share: where the Runtime API is, the function's configuration, how many.
struct Workers {
    count: usize,
    endpoint: endpoint::Endpoint,
    config: Arc<Config>,
}

/// Reads the environment, runs `init` and the lifecycle up to the first `/next`: the first
/// worker's runtime, the state and the worker count, or the exit status after a failure was
/// logged and reported.
fn start<S, I>(init: I, lifecycle: &Lifecycle<S>) -> Result<(Runtime, State<S>, Workers), ExitCode>
where
    I: FnOnce() -> Result<S, Diagnostic>,
{
    logs::init_from_env();
    let endpoint = match Endpoint::from_env() {
        Ok(endpoint) => endpoint,
        Err(e) => {
            runtime::log(Level::Fatal, format_args!("{e}"));
            return Err(ExitCode::FAILURE);
        }
    };
    let config = Arc::new(Config::from_env());
    let mut runtime = Runtime::with_shared_config(endpoint.clone(), Arc::clone(&config));
    let count = match workers::max_concurrency_from_env() {
        Ok(count) => count,
        Err(e) => {
            let diagnostic = Diagnostic::new(INVALID_CONCURRENCY, format!("{e}"));
            return Err(init_failed(&mut runtime, &diagnostic));
        }
    };
    let state = match panic::catch_unwind(AssertUnwindSafe(init)) {
        Ok(Ok(state)) => state,
        Ok(Err(diagnostic)) => return Err(init_failed(&mut runtime, &diagnostic)),
        Err(payload) => {
            return Err(init_failed(
                &mut runtime,
                &Diagnostic::from_panic(&*payload),
            ));
        }
    };
    let state = lifecycle::begin(&mut runtime, &endpoint, state, lifecycle)?;
    let workers = Workers {
        count,
        endpoint,
        config,
    };
    Ok((runtime, state, workers))
}

pub(crate) fn give_up(fatal: &ApiError) -> ExitCode {
    runtime::log(Level::Fatal, format_args!("{fatal}; giving up"));
    ExitCode::FAILURE
}

/// A worker that cannot reach the Runtime API ends the process, and so every worker, non-zero:
/// Lambda then starts a new execution environment, as after any crash (an invocation another
/// worker is running at that moment is reported failed by Lambda).
fn end_all_workers(fatal: &ApiError) -> ! {
    give_up(fatal);
    std::process::exit(1)
}

pub(crate) fn init_failed(runtime: &mut Runtime, diagnostic: &Diagnostic) -> ExitCode {
    runtime::log(Level::Error, format_args!("init failed: {diagnostic}"));
    runtime::log_posted(None, "init error", runtime.report_init_error(diagnostic));
    ExitCode::FAILURE
}

pub(crate) fn restore_failed(runtime: &mut Runtime, diagnostic: &Diagnostic) -> ExitCode {
    runtime::log(Level::Error, format_args!("restore failed: {diagnostic}"));
    runtime::log_posted(
        None,
        "restore error",
        runtime.report_restore_error(diagnostic),
    );
    ExitCode::FAILURE
}
