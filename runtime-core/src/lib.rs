//! The blocking core of [ruchy-lambda]: everything between the Lambda Runtime API and a handler.
//!
//! - [`http`]: a small HTTP/1.1 client with one keep-alive connection, opened on first use;
//! - [`api`]: the Runtime API, one function per endpoint;
//! - [`Context`], [`Config`], [`Invocation`]: what a handler is told;
//! - [`Runtime`]: the event loop, with error, panic and init-error reporting.
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
pub mod endpoint;
pub mod http;
mod runtime;
mod trace_env;

pub use api::{ApiError, Posted, RuntimeApiClient};
pub use context::{Config, Context, Invocation};
pub use diagnostic::Diagnostic;
pub use endpoint::{Endpoint, EndpointError};
pub use runtime::{MALFORMED_INVOCATION, RESPONSE_TOO_LARGE, RetryPolicy, Runtime};
pub use trace_env::TRACE_ID_VAR;

use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;

/// Runs `handler` for every invocation until the Runtime API is gone; returns the exit status.
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

/// Runs `init` once, then `handler` for every invocation with a reference to its state.
///
/// An `init` that fails (or panics) is reported to `/runtime/init/error` and the process exits
/// non-zero, before asking for any event. The Runtime API address and the function configuration
/// are read before `init` runs; the network is first used by the init error report or the first
/// `/next`.
pub fn run_with_init<S, I, H>(init: I, mut handler: H) -> ExitCode
where
    I: FnOnce() -> Result<S, Diagnostic>,
    H: FnMut(&S, &Invocation, &mut Vec<u8>) -> Result<(), Diagnostic>,
{
    let mut runtime = match Runtime::from_env() {
        Ok(runtime) => runtime,
        Err(e) => {
            runtime::log(format_args!("{e}"));
            return ExitCode::FAILURE;
        }
    };
    let state = match panic::catch_unwind(AssertUnwindSafe(init)) {
        Ok(Ok(state)) => state,
        Ok(Err(diagnostic)) => return init_failed(&mut runtime, &diagnostic),
        Err(payload) => return init_failed(&mut runtime, &Diagnostic::from_panic(&*payload)),
    };
    let fatal = runtime.run(|invocation, reply| handler(&state, invocation, reply));
    runtime::log(format_args!("{fatal}; giving up"));
    ExitCode::FAILURE
}

fn init_failed(runtime: &mut Runtime, diagnostic: &Diagnostic) -> ExitCode {
    runtime::log(format_args!("init failed: {diagnostic}"));
    match runtime.report_init_error(diagnostic) {
        Ok(Posted::Accepted) => {}
        Ok(Posted::TooLarge) => {
            runtime::log(format_args!("the init error was refused as too large"))
        }
        Ok(Posted::Rejected { status, message }) => runtime::log(format_args!(
            "the init error was rejected with status {status}: {message}"
        )),
        Err(e) => runtime::log(format_args!("the init error could not be reported: {e}")),
    }
    ExitCode::FAILURE
}
