//! A local AWS Lambda: a faithful [Runtime API](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html)
//! server (version 2018-06-01) on loopback, and a supervisor that runs a `bootstrap` executable
//! the way Lambda does.
//!
//! - [`RuntimeApiServer`] queues [`Event`]s, hands them out to a runtime's
//!   `GET /runtime/invocation/next` long-polls, and records what the runtime answered
//!   ([`InvocationRecord`], [`Outcome`]), every HTTP request ([`RequestLogEntry`]) and every
//!   connection — enough for a test to check a runtime byte by byte.
//! - [`Function`] spawns a bootstrap with the Lambda environment, invokes it one event at a time
//!   (or several at once, see below), enforces the timeout, restarts it after a crash or a
//!   timeout, and reports each invocation as Lambda does ([`InvocationReport`]: `START`, `END`, `REPORT` lines, billed duration, peak
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
//! # Lambda Managed Instances: several invocations per process
//!
//! With [`FunctionConfig::concurrency`] N > 1, the runtime gets `AWS_LAMBDA_MAX_CONCURRENCY=N`
//! and may run N workers, each polling `/next` on its own connection; the server hands out up to
//! N events at once ([`ServerConfig::max_concurrency`]) and records the peak
//! ([`RuntimeApiServer::max_in_flight`]). Init ends at the first `/next`. A timeout settles only
//! that invocation ([`Outcome::TimedOut`]); the process is not stopped and the late answer gets
//! `410 Gone`. A crash fails every invocation in flight (`Runtime.ExitError`) and the next one
//! starts a fresh process. [`Function::invoke_all`] sends a batch in parallel;
//! [`Function::submit`] and [`Function::poll`] drive invocations one by one, reporting each as
//! [`Progress::Started`] when handed out and [`Progress::Finished`] when settled.
//!
//! ```no_run
//! use ruchy_lambda_local::{Event, Function, FunctionConfig};
//!
//! let config = FunctionConfig { concurrency: 4, ..FunctionConfig::default() };
//! let mut function = Function::start("target/release/bootstrap", config)?;
//! let events = (0..8).map(|i| Event::new(format!(r#"{{"n":{i}}}"#))).collect();
//! for report in function.invoke_all(events)? {
//!     println!("{}", report.report_line());
//! }
//! assert!(function.server().max_in_flight() <= 4);
//! # Ok::<(), ruchy_lambda_local::FunctionError>(())
//! ```
//!
//! # Invocation ids
//!
//! Every event handed out carries a fresh `Lambda-Runtime-Invocation-Id`
//! ([`headers::INVOCATION_ID`], recorded in [`InvocationRecord::invocation_id`]); a runtime echoes
//! it on that invocation's `/response` or `/error` ([`RequestLogEntry::invocation_id`] shows what
//! each request carried). A reply with a different id is refused with `410 Gone` and the
//! invocation stays pending; a reply without the header is accepted.
//! [`ServerConfig::send_invocation_id`] turns the header off.
//!
//! # Response streaming
//!
//! A `/response` with `Lambda-Runtime-Function-Response-Mode: streaming` (chunked) is recorded as
//! it arrives in [`InvocationRecord::stream`] ([`StreamRecord`]: first byte, bytes so far, chunks,
//! trailers); [`RuntimeApiServer::wait_stream`] and [`RuntimeApiServer::read_stream`] show the
//! bytes before the stream ends, and [`Function::invoke_streaming`] passes them on
//! ([`StreamProgress`]). Error trailers make an [`Outcome::Error`] (the partial bytes stay in the
//! stream record); going over [`ServerConfig::max_streamed_bytes`] fails the invocation with
//! `Function.ResponseSizeTooLarge`, a connection that ends mid-stream with
//! `Runtime.TruncatedResponse`. [`ServerConfig::stream_bandwidth`] reproduces Lambda's 2 MB/s cap
//! after 6 MB, and [`ServerConfig::capture_raw_requests`] keeps every request's bytes as read
//! ([`RuntimeApiServer::raw_requests`]). See [`stream`].
//!
//! # Log format and level
//!
//! Lambda's advanced logging controls are [`FunctionConfig::log_format`] and
//! [`FunctionConfig::log_level`]. The runtime always gets `AWS_LAMBDA_LOG_FORMAT` (`Text` or
//! `JSON`); in the JSON format also `AWS_LAMBDA_LOG_LEVEL` (`INFO` unless set), and the
//! supervisor filters the runtime's stdout and stderr as CloudWatch does: a line that is a JSON
//! object with a `"level"` (`TRACE` … `FATAL`, any case) has that level, any other line is
//! `INFO`, and lines below the level are dropped ([`logging::keeps`]); the others pass
//! unchanged. Lambda's own lines become its JSON records: [`report::start_log`] gives `START`
//! or `platform.start`, [`InvocationReport::finish_log`] gives `END` and `REPORT` or
//! `platform.report` (with the invocation's `status` and `errorType`).
//!
//! ```no_run
//! use ruchy_lambda_local::{Function, FunctionConfig, LogFormat, LogLevel, report};
//!
//! let config = FunctionConfig {
//!     log_format: LogFormat::Json,
//!     log_level: Some(LogLevel::Warn),
//!     ..FunctionConfig::default()
//! };
//! let mut function = Function::start("target/release/bootstrap", config)?;
//! let arn = function.function_arn();
//! // {"time":…,"type":"platform.start","record":{"requestId":…,"functionArn":…,"version":"$LATEST"}}
//! let start = |id: &str| eprintln!("{}", report::start_log(LogFormat::Json, id, &arn));
//! let report = function.invoke_with("{}", start)?;
//! for line in report.finish_log(LogFormat::Json) {
//!     eprintln!("{line}"); // {"time":…,"type":"platform.report","record":{…}}
//! }
//! # Ok::<(), ruchy_lambda_local::FunctionError>(())
//! ```
//!
//! # SnapStart, extensions and shutdown
//!
//! With [`FunctionConfig::snap_start`] the runtime gets `AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`
//! and the Runtime API serves `/runtime/restore/next` and `/runtime/restore/error` (`404`
//! otherwise, as AWS's Runtime Interface Emulator). Init ends at `/restore/next`; it is held for
//! [`FunctionConfig::restore_pause`] (the snapshot being taken, and restored later), then
//! answered, and the restore phase ends at the runtime's first `/invocation/next`, all before the
//! `START` of the invocation that caused the cold start. Its report has
//! [`InvocationReport::restore_duration`] and no init duration. The Extensions API
//! (`/2020-01-01/extension/register`, `/extension/event/next`) is served on the same address:
//! extensions register during init, get `INVOKE` events as invocations are handed out, and
//! [`RuntimeApiServer::extensions`] and [`RuntimeApiServer::extension_events`] show them. Lambda's
//! lines about all this ([`Lifecycle`]: `INIT_START` as each runtime process starts, on demand
//! and under SnapStart, then `EXTENSION`, `INIT_REPORT`, `RESTORE_START`, `RESTORE_REPORT`) go to
//! [`FunctionConfig::platform_log`] and [`Function::lifecycle`].
//!
//! [`Function::stop`], dropping the [`Function`], and the restart after a timeout end the runtime
//! as Lambda ends an execution environment ([`Function::shut_down`], [`Shutdown`]): with an
//! extension registered, `SHUTDOWN` (with its reason and deadline) to the extensions registered
//! for it, `SIGTERM`, and `SIGKILL` if the process is still there after
//! [`FunctionConfig::shutdown_budget`]; with none, `SIGKILL` at once. With
//! [`FunctionConfig::own_process_group`] the runtime is out of reach of a terminal's Ctrl-C, for
//! a supervisor that stops it itself (`ruchy-lambda-local serve` does, on SIGINT and SIGTERM).
//!
//! ```no_run
//! use ruchy_lambda_local::{Function, FunctionConfig, Output};
//!
//! let config = FunctionConfig { snap_start: true, platform_log: Output::Inherit, ..FunctionConfig::default() };
//! let mut function = Function::start("target/release/bootstrap", config)?; // INIT_START on stderr
//! let report = function.invoke("{}")?; // INIT_REPORT, RESTORE_START, RESTORE_REPORT on stderr
//! println!("{}", report.report_line()); // … Restore Duration: … ms, Billed Restore Duration: … ms
//! if let Some(shutdown) = function.stop() {
//!     println!("SIGTERM sent: {}, exit: {:?}", shutdown.sigterm, shutdown.exit_description);
//! }
//! # Ok::<(), ruchy_lambda_local::FunctionError>(())
//! ```
//!
//! # HTTP fronts
//!
//! [`front`] turns an HTTP request into the event API Gateway (HTTP API payload 2.0, REST API
//! payload 1.0), an Application Load Balancer or a function URL would send, and the function's
//! reply into the HTTP response that front would give ([`front::FrontConfig`]).
//!
//! ```
//! use ruchy_lambda_local::front::{Front, FrontConfig, HttpRequest};
//!
//! let config = FrontConfig::new(Front::ApiGatewayV2);
//! let request = HttpRequest {
//!     method: "GET".into(),
//!     target: "/hello?name=Ada".into(),
//!     protocol: "HTTP/1.1".into(),
//!     ..HttpRequest::default()
//! };
//! let event = config.event(&request, std::time::SystemTime::now());
//! assert_eq!(event["queryStringParameters"]["name"], "Ada");
//! let response = config.response(br#"{"statusCode":200,"body":"hello Ada"}"#);
//! assert_eq!((response.status, &response.body[..]), (200, &b"hello Ada"[..]));
//! ```
//!
//! Linux is the target: peak memory is read from `/proc/<pid>/status`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod elf;
mod error_report;
mod extension_event;
pub mod faults;
pub mod front;
mod function;
pub mod headers;
pub mod http;
mod identity;
mod ids;
mod invocation;
pub mod logging;
pub mod report;
mod sandbox;
mod server;
pub mod stream;

pub use error_report::ErrorReport;
pub use extension_event::ExtensionEvent;
pub use faults::FaultPlan;
pub use function::{
    DEFAULT_RESTORE_PAUSE, DEFAULT_SHUTDOWN_BUDGET, Function, FunctionConfig, FunctionError,
    Progress, Shutdown, exit_error,
};
pub use ids::{is_valid_request_id, request_id, utc_timestamp};
pub use invocation::{Event, InvocationRecord, Outcome};
pub use logging::{LogFormat, LogLevel};
pub use report::{InvocationReport, Lifecycle, PhaseEnd};
pub use sandbox::{Output, OutputLine, Stream, describe_exit};
pub use server::{
    DeliveredEvent, Extension, InvokeTimeout, MAX_EXTENSIONS, MAX_RESPONSE_BYTES, RawRequest,
    RequestLogEntry, RuntimeApiServer, ServerConfig, ShutdownReason, default_availability_zone_id,
    is_availability_zone_id,
};
pub use stream::{MAX_STREAMED_BYTES, StreamBandwidth, StreamProgress, StreamRead, StreamRecord};
