//! A local AWS Lambda: a faithful [Runtime API](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html)
//! server (version 2018-06-01) on loopback, and a supervisor that runs a `bootstrap` executable
//! the way Lambda does.
//!
//! - [`RuntimeApiServer`] queues [`Event`]s, hands them out to a runtime's
//!   `GET /runtime/invocation/next` long-polls, and records what the runtime answered
//!   ([`InvocationRecord`], [`Outcome`]), every HTTP request ([`RequestLogEntry`]) and every
//!   connection — enough for a test to check a runtime byte by byte.
//! - [`Function`] spawns a bootstrap with the Lambda environment, invokes it one event at a time,
//!   enforces the timeout, restarts it after a crash or a timeout, and reports each invocation as
//!   Lambda does ([`InvocationReport`]: `START`, `END`, `REPORT` lines, billed duration, peak
//!   memory, init duration on cold starts).
//!
//! ```no_run
//! use ruchy_lambda_local::{Function, FunctionConfig};
//! use std::time::Duration;
//!
//! let config = FunctionConfig { timeout: Duration::from_secs(5), ..FunctionConfig::default() };
//! let mut function = Function::start("target/release/bootstrap", config)?;
//! let report = function.invoke(r#"{"id":7,"qty":2}"#)?;
//! assert!(report.is_success());
//! println!("{}", report.report_line());
//! # Ok::<(), ruchy_lambda_local::FunctionError>(())
//! ```
//!
//! Linux is the target: peak memory is read from `/proc/<pid>/status`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod elf;
pub mod faults;
mod function;
pub mod http;
mod ids;
mod invocation;
pub mod report;
mod sandbox;
mod server;

pub use faults::FaultPlan;
pub use function::{Function, FunctionConfig, FunctionError, Progress, exit_error};
pub use ids::{is_valid_request_id, utc_timestamp};
pub use invocation::{ErrorReport, Event, InvocationRecord, Outcome};
pub use report::InvocationReport;
pub use sandbox::{Output, OutputLine, Stream, describe_exit};
pub use server::{
    HEADER_INVOCATION_ID, InvokeTimeout, MAX_RESPONSE_BYTES, RequestLogEntry, RuntimeApiServer,
    ServerConfig,
};
