//! The `#[handler]` attribute of `ruchy-lambda`. Use it through `ruchy_lambda::handler`.

mod ast;
mod durable;
mod errors;
mod expand;
mod parse;
mod validate;

use proc_macro::TokenStream;

/// Turns a function into a Lambda function: keeps the function as written and adds a `fn main`
/// that runs it on every event.
///
/// Put it on a free `fn` at the root of the binary crate (`src/main.rs`, or an example file).
/// The function takes the event, then optionally `&Context`, then optionally a `&S` state, and
/// returns the reply; the attribute generates the loop that asks Lambda for each event, hands it
/// to the function in the form asked for, and posts the reply or the error. The function stays
/// an ordinary function: call it from unit tests.
///
/// Options: `#[handler(init = make_state)]` builds a state once before the first event;
/// `before_snapshot = f`, `after_restore = f` and `shutdown = f` are lifecycle hooks;
/// `#[handler(crate = "name")]` names the `ruchy-lambda` dependency when it is renamed in
/// `Cargo.toml`.
///
/// # Raw events and replies
///
/// `&str` is the body as UTF-8; `&[u8]` the body as it came; `String` and `Vec<u8>` owned copies.
/// `String`, `&str`, `Vec<u8>` and `&[u8]` are sent back as they are, `()` as an empty body.
///
/// ```no_run
/// #[ruchy_lambda::handler]
/// fn handle(event: &str) -> String {
///     format!("{} bytes", event.len())
/// }
/// ```
///
/// Equivalent code without the macro:
///
/// ```no_run
/// use ruchy_lambda::Diagnostic;
///
/// fn handle(event: &str) -> String {
///     format!("{} bytes", event.len())
/// }
///
/// fn main() -> std::process::ExitCode {
///     ruchy_lambda::run_concurrent(|invocation, reply| {
///         let event = std::str::from_utf8(&invocation.body).map_err(|e| {
///             Diagnostic::new(
///                 "InvalidUtf8",
///                 format!("the event is not valid UTF-8: invalid byte at offset {}", e.valid_up_to()),
///             )
///         })?;
///         let output = handle(event);
///         reply.extend_from_slice(output.as_bytes());
///         Ok(())
///     })
/// }
/// ```
///
/// # JSON events and replies, the context, errors
///
/// Any other event type is parsed from JSON with serde_json, any other reply type serialized to
/// JSON. `&Context` (or `Context`) gives the request id, the deadline and the function's
/// configuration. A `Result` reports its `Err` to Lambda: `errorMessage` is the error's
/// `Display` text and `errorType` the last segment of its type's path (here `String`), or what
/// its `ruchy_lambda::ErrorType` impl says.
///
/// ```no_run
/// use ruchy_lambda::Context;
///
/// #[derive(serde::Deserialize)]
/// struct Order {
///     id: u64,
///     qty: u32,
/// }
///
/// #[derive(serde::Serialize)]
/// struct Receipt {
///     id: u64,
///     total: u32,
/// }
///
/// #[ruchy_lambda::handler]
/// fn handle(order: Order, ctx: &Context) -> Result<Receipt, String> {
///     if order.qty == 0 {
///         return Err(format!("order {} is empty ({})", order.id, ctx.request_id));
///     }
///     Ok(Receipt { id: order.id, total: order.qty * 3 })
/// }
/// ```
///
/// Equivalent code without the macro:
///
/// ```no_run
/// # #[derive(serde::Deserialize)]
/// # struct Order {
/// #     id: u64,
/// #     qty: u32,
/// # }
/// # #[derive(serde::Serialize)]
/// # struct Receipt {
/// #     id: u64,
/// #     total: u32,
/// # }
/// use ruchy_lambda::{Context, Diagnostic};
///
/// fn handle(order: Order, ctx: &Context) -> Result<Receipt, String> {
///     // ... as above
/// #   Ok(Receipt { id: order.id, total: order.qty * 3 })
/// }
///
/// fn main() -> std::process::ExitCode {
///     ruchy_lambda::run_concurrent(|invocation, reply| {
///         let order: Order = serde_json::from_slice(&invocation.body).map_err(|e| {
///             Diagnostic::new(
///                 "DeserializationError",
///                 format!("cannot parse the event as `Order`: {e}"),
///             )
///         })?;
///         match handle(order, &invocation.context) {
///             Ok(receipt) => serde_json::to_writer(reply, &receipt).map_err(|e| {
///                 Diagnostic::new(
///                     "SerializationError",
///                     format!("cannot serialize the reply as `Receipt`: {e}"),
///                 )
///             }),
///             // The type name, or `ErrorType::error_type` when the error type implements it.
///             Err(error) => Err(Diagnostic::new("String", error.to_string())),
///         }
///     })
/// }
/// ```
///
/// # Events that borrow from the body
///
/// The body of the invocation lives until the reply is written, so the event type may borrow
/// from it (`T<'a>: Deserialize<'a>`): its `&'a str`, `Cow<'a, str>` (`#[serde(borrow)]`) and
/// `&'a RawValue` fields point into the body instead of copying it. Handlers may name the
/// lifetime; the reply may borrow from the event.
///
/// ```no_run
/// use std::borrow::Cow;
///
/// #[derive(serde::Deserialize)]
/// struct Upload<'a> {
///     key: &'a str,
///     #[serde(borrow)]
///     text: Cow<'a, str>,
/// }
///
/// #[derive(serde::Serialize)]
/// struct Receipt<'a> {
///     key: &'a str,
///     words: usize,
/// }
///
/// #[ruchy_lambda::handler]
/// fn handle<'a>(upload: Upload<'a>) -> Receipt<'a> {
///     Receipt { key: upload.key, words: upload.text.split_whitespace().count() }
/// }
/// ```
///
/// The generated code parses with `serde_json::from_slice(&invocation.body)` into the handler's
/// type, as for an owned event.
///
/// # A state built once: `init`
///
/// `#[handler(init = make_state)]` calls `make_state()` once, before the first event, and hands
/// every invocation a `&S` to it as the last parameter. `make_state` returns `S` or
/// `Result<S, E>` with `E: Display`; an `Err` (or a panic) is reported to Lambda's
/// `/runtime/init/error` with the error's type name as `errorType`, and the process exits with
/// a failure status.
///
/// The state is shared by every invocation, and, when Lambda runs several at once
/// (`AWS_LAMBDA_MAX_CONCURRENCY` > 1 on Lambda Managed Instances), by every worker: for what
/// changes use atomics or a `Mutex`, which keep it `Sync`. A state that is not `Sync` (a
/// `RefCell` or a `Cell` inside) still compiles and works, on one worker: with
/// `AWS_LAMBDA_MAX_CONCURRENCY` > 1 a start-up line names the type and says so, and invocations
/// run one at a time. No state is ever used by two threads unless it is `Sync`.
///
/// ```no_run
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// struct State {
///     greeting: String,
///     served: AtomicU64,
/// }
///
/// fn make_state() -> Result<State, std::env::VarError> {
///     Ok(State { greeting: std::env::var("GREETING")?, served: AtomicU64::new(0) })
/// }
///
/// #[ruchy_lambda::handler(init = make_state)]
/// fn handle(name: &str, state: &State) -> String {
///     let n = state.served.fetch_add(1, Ordering::Relaxed) + 1;
///     format!("{}, {name} (#{n})", state.greeting)
/// }
/// ```
///
/// Equivalent code without the macro:
///
/// ```no_run
/// # use std::sync::atomic::{AtomicU64, Ordering};
/// # struct State {
/// #     greeting: String,
/// #     served: AtomicU64,
/// # }
/// # fn make_state() -> Result<State, std::env::VarError> {
/// #     Ok(State { greeting: std::env::var("GREETING")?, served: AtomicU64::new(0) })
/// # }
/// # fn handle(name: &str, state: &State) -> String {
/// #     let n = state.served.fetch_add(1, Ordering::Relaxed) + 1;
/// #     format!("{}, {name} (#{n})", state.greeting)
/// # }
/// use ruchy_lambda::Diagnostic;
///
/// fn main() -> std::process::ExitCode {
///     ruchy_lambda::run_concurrent_with_init(
///         || make_state().map_err(|e| Diagnostic::new("VarError", e.to_string())),
///         |state, invocation, reply| {
///             let name = std::str::from_utf8(&invocation.body)
///                 .map_err(|e| Diagnostic::new("InvalidUtf8", e.to_string()))?;
///             reply.extend_from_slice(handle(name, state).as_bytes());
///             Ok(())
///         },
///     )
/// }
/// ```
///
/// # Lifecycle hooks: SnapStart and shutdown
///
/// `before_snapshot = f` and `after_restore = f` run under SnapStart
/// (`AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`): after `init` and before the snapshot, and once
/// the snapshot is restored, before the first event. `shutdown = f` runs when Lambda shuts the
/// execution environment down (`SIGTERM`; about 500 ms before `SIGKILL`); with it the runtime
/// registers an internal extension, without which Lambda sends no `SIGTERM`. Each hook is a
/// function that takes the state (`&State`, with `init`) or nothing (without), and returns `()`
/// or `Result<(), E>` with `E: Display`. A failed before-snapshot hook is an init error
/// (`Runtime.BeforeSnapshotError`), a failed after-restore hook a restore error
/// (`Runtime.AfterRestoreError`); either ends the process. The shutdown hook runs on its own
/// thread, so the state must be `Sync`. See `ruchy_lambda::lifecycle`.
///
/// ```no_run
/// # use std::sync::Mutex;
/// # struct Pool(Mutex<Vec<String>>);
/// # #[derive(Debug)] struct Unreachable;
/// # impl std::fmt::Display for Unreachable {
/// #     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("unreachable") }
/// # }
/// fn connect() -> Result<Pool, Unreachable> {
///     Ok(Pool(Mutex::new(Vec::new())))
/// }
///
/// /// Connections opened before the snapshot are dead in every restored copy.
/// fn reconnect(pool: &Pool) -> Result<(), Unreachable> {
///     pool.0.lock().map_err(|_| Unreachable)?.clear();
///     Ok(())
/// }
///
/// fn flush(pool: &Pool) {
///     println!("{} rows flushed", pool.0.lock().map_or(0, |rows| rows.len()));
/// }
///
/// #[ruchy_lambda::handler(init = connect, after_restore = reconnect, shutdown = flush)]
/// fn handle(row: String, pool: &Pool) -> usize {
///     let mut rows = pool.0.lock().unwrap();
///     rows.push(row);
///     rows.len()
/// }
/// ```
///
/// Equivalent code without the macro (the hooks go to a `Lifecycle`):
///
/// ```no_run
/// # use std::sync::Mutex;
/// # struct Pool(Mutex<Vec<String>>);
/// # fn connect() -> Result<Pool, String> { Ok(Pool(Mutex::new(Vec::new()))) }
/// # fn reconnect(pool: &Pool) -> Result<(), String> { Ok(()) }
/// # fn flush(pool: &Pool) {}
/// # fn handle(row: String, pool: &Pool) -> usize { 0 }
/// use ruchy_lambda::{Diagnostic, Lifecycle};
///
/// fn main() -> std::process::ExitCode {
///     let init = || connect().map_err(|e| Diagnostic::new("String", e));
///     let lifecycle = Lifecycle::of(&init)
///         .after_restore(|pool| reconnect(pool).map_err(|e| Diagnostic::new("String", e)))
///         .shutdown(|pool| Ok(flush(pool)));
///     ruchy_lambda::run_concurrent_with_lifecycle(init, lifecycle, |pool, invocation, reply| {
///         let row = String::from_utf8(invocation.body.clone())
///             .map_err(|e| Diagnostic::new("InvalidUtf8", e.to_string()))?;
///         reply.extend_from_slice(handle(row, pool).to_string().as_bytes());
///         Ok(())
///     })
/// }
/// ```
///
/// # The Ruchy form
///
/// Exactly two `&str` parameters and a `String` result: the first gets the request id, the
/// second the body. This is the shape the Ruchy transpiler emits.
///
/// ```no_run
/// #[ruchy_lambda::handler]
/// fn handle(request_id: &str, body: &str) -> String {
///     format!("{request_id}: {body}")
/// }
/// ```
///
/// Equivalent code without the macro:
///
/// ```no_run
/// # fn handle(request_id: &str, body: &str) -> String {
/// #     format!("{request_id}: {body}")
/// # }
/// use ruchy_lambda::Diagnostic;
///
/// fn main() -> std::process::ExitCode {
///     ruchy_lambda::run_concurrent(|invocation, reply| {
///         let body = std::str::from_utf8(&invocation.body)
///             .map_err(|e| Diagnostic::new("InvalidUtf8", e.to_string()))?;
///         reply.extend_from_slice(handle(&invocation.context.request_id, body).as_bytes());
///         Ok(())
///     })
/// }
/// ```
///
/// # A renamed dependency: `crate`
///
/// With `lambda = { package = "ruchy-lambda", ... }` in `Cargo.toml`, tell the attribute where
/// the crate is:
///
/// ```no_run
/// # extern crate ruchy_lambda as lambda;
/// #[lambda::handler(crate = "lambda")]
/// fn handle(event: Vec<u8>) -> Vec<u8> {
///     event
/// }
/// ```
///
/// Equivalent code without the macro:
///
/// ```no_run
/// # extern crate ruchy_lambda as lambda;
/// fn handle(event: Vec<u8>) -> Vec<u8> {
///     event
/// }
///
/// fn main() -> std::process::ExitCode {
///     lambda::run(|invocation, reply| {
///         let output = handle(invocation.body.clone());
///         reply.extend_from_slice(&output);
///         Ok(())
///     })
/// }
/// ```
///
/// # Handlers that await
///
/// With the `tokio` feature of `ruchy-lambda`, the handler and `init` may be `async fn` (any
/// mix: an async handler with a blocking `init`, or the reverse), with the same parameters and
/// returns as blocking ones. tokio's runtime is made once, before `init`; each invocation's
/// future is driven to its end from the worker that took the event; the Runtime API client stays
/// blocking. A handler that streams stays a blocking `fn`. Without the feature, `async` is
/// reported on its token, naming the feature.
///
/// ```ignore
/// // ruchy-lambda = { version = "…", features = ["tokio"] }
/// async fn client() -> aws_sdk_dynamodb::Client {
///     let conf = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
///     aws_sdk_dynamodb::Client::new(&conf)
/// }
///
/// #[ruchy_lambda::handler(init = client)]
/// async fn get(id: String, db: &aws_sdk_dynamodb::Client) -> Result<String, aws_sdk_dynamodb::Error> {
///     // … db.get_item().table_name("items").key(…).send().await? …
/// #   Ok(id)
/// }
/// ```
///
/// # Compile-time checks
///
/// Each problem is reported on the token at fault, all of them in one compile:
///
/// - `async fn` without the `tokio` feature, or on a handler that streams; `unsafe fn`, generic
///   parameters (type or const), a `where` clause,
///   `self`, a variadic, a function named `main`, the attribute on anything but a `fn`;
/// - no parameter, too many, a parameter pattern other than a name or `_`, `impl Trait` in a
///   parameter or the return type;
/// - parameters out of order (event, context, state), a state parameter without `init`,
///   `init` without a state parameter, a state taken by value or by `&mut`;
/// - unknown or repeated options, or an option value of the wrong form.
///
/// rustc then checks the types, on the handler's own tokens: an event type that is not
/// `Deserialize`, a reply that is not `Serialize`, an error that is not `Display`, a state
/// parameter of another type than `init` builds.
#[proc_macro_attribute]
pub fn handler(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::handler(args.into(), item.into()).into()
}
