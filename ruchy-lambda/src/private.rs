//! What `#[handler]` generates calls: one file of about 620 lines on purpose (see below).
//!
//! Type checks are bounds on helper traits with `#[diagnostic::on_unimplemented]`: the macro
//! spans each call on the user's type, so rustc reports the problem there, in our words.
//!
//! Not a public API: it changes with the macro. One file on purpose: the path of each item
//! here (`__private::StateHook`, `__private::write_json`, …) and this file's name are part of
//! the compile errors users read (the trybuild snapshots pin them), so its sections stay
//! together rather than move to modules whose paths would show instead. New groups of helpers go in modules of their own and
//! are re-exported here (as `awaiting` is).

use std::borrow::Cow;
use std::error::Error;
use std::fmt::Display;
use std::marker::PhantomData;
use std::ops::Deref;
use std::process::ExitCode;

use ruchy_lambda_runtime_core as core_rt;
pub use ruchy_lambda_runtime_core::{Diagnostic, Invocation, Lifecycle, ResponseStream};

use crate::error_type::{ErrorType, short_type_name};

#[cfg(feature = "durable")]
#[path = "durable_glue.rs"]
mod durable_glue;
#[cfg(feature = "durable")]
pub use durable_glue::*;

pub use crate::awaiting::{
    AwaitFuture, AwaitValue, Awaitable, FutureInit, ReadyInit, block_on, start_runtime,
};

/// The error type of an event that is not valid UTF-8, for a `&str` or `String` event.
pub const INVALID_UTF8: &str = "InvalidUtf8";
/// The error type of an event that cannot be parsed as the handler's event type.
pub const DESERIALIZATION_ERROR: &str = "DeserializationError";
/// The error type of a reply that cannot be serialized.
pub const SERIALIZATION_ERROR: &str = "SerializationError";

/// Runs `handler` for every invocation, on as many workers as Lambda allows:
/// [`ruchy_lambda_runtime_core::run_concurrent`].
#[inline]
pub fn run<H>(handler: H) -> ExitCode
where
    H: Fn(&Invocation, &mut Vec<u8>) -> Result<(), Diagnostic> + Sync + 'static,
{
    crate::run_concurrent(handler)
}

/// Runs `handler`, which streams its response, for every invocation, on as many workers as
/// Lambda allows: [`crate::run_streaming`].
#[inline]
pub fn run_streaming<H>(handler: H) -> ExitCode
where
    H: Fn(&Invocation, &mut ResponseStream<'_>) -> Result<(), Diagnostic> + Sync + 'static,
{
    crate::run_streaming(handler)
}

// ---- workers and the state ----

/// The workers of a handler with a state of type `S`, before it is known whether they can share
/// it. The generated code calls `(&Workers::of(&init)).__workers()`: [`ShareableState`] applies
/// when `S: Sync` (without autoref), [`UnshareableState`] otherwise.
pub struct Workers<S>(PhantomData<fn() -> S>);

impl<S> Workers<S> {
    /// The workers for the state `init` builds.
    #[inline]
    pub fn of<I: FnOnce() -> Result<S, Diagnostic>>(_init: &I) -> Self {
        Workers(PhantomData)
    }
}

/// A `Sync` state: every worker shares it.
pub trait ShareableState {
    /// Runs as many workers as Lambda allows.
    fn __workers(&self) -> Concurrent;
}

impl<S: Sync + 'static> ShareableState for Workers<S> {
    #[inline]
    fn __workers(&self) -> Concurrent {
        Concurrent
    }
}

/// A state that is not `Sync`: one worker, the only one to use it.
pub trait UnshareableState {
    /// Runs one worker, with the type's name for the start-up line.
    fn __workers(&self) -> OneWorker;
}

impl<S> UnshareableState for &Workers<S> {
    #[inline]
    fn __workers(&self) -> OneWorker {
        OneWorker(std::any::type_name::<S>())
    }
}

/// Runs the handler on every worker Lambda allows.
pub struct Concurrent;

impl Concurrent {
    /// [`crate::run_concurrent_with_lifecycle`].
    #[inline]
    pub fn run<S, I, H>(self, init: I, lifecycle: Lifecycle<S>, handler: H) -> ExitCode
    where
        S: Sync + 'static,
        I: FnOnce() -> Result<S, Diagnostic>,
        H: Fn(&S, &Invocation, &mut Vec<u8>) -> Result<(), Diagnostic> + Sync + 'static,
    {
        crate::run_concurrent_with_lifecycle(init, lifecycle, handler)
    }
}

impl Concurrent {
    /// [`crate::run_streaming_with_lifecycle`].
    #[inline]
    pub fn run_streaming<S, I, H>(self, init: I, lifecycle: Lifecycle<S>, handler: H) -> ExitCode
    where
        S: Sync + 'static,
        I: FnOnce() -> Result<S, Diagnostic>,
        H: Fn(&S, &Invocation, &mut ResponseStream<'_>) -> Result<(), Diagnostic> + Sync + 'static,
    {
        crate::run_streaming_with_lifecycle(init, lifecycle, handler)
    }
}

/// Runs the handler on one worker, because its state (named) cannot be shared.
pub struct OneWorker(pub &'static str);

impl OneWorker {
    /// [`ruchy_lambda_runtime_core::run_on_one_worker`], saying why in the start-up line.
    #[inline]
    pub fn run<S, I, H>(self, init: I, lifecycle: Lifecycle<S>, handler: H) -> ExitCode
    where
        I: FnOnce() -> Result<S, Diagnostic>,
        H: FnMut(&S, &Invocation, &mut Vec<u8>) -> Result<(), Diagnostic>,
    {
        crate::logging::install();
        let why = self.why();
        core_rt::run_on_one_worker(init, &lifecycle, handler, format_args!("{why}"))
    }

    /// [`ruchy_lambda_runtime_core::run_streaming_on_one_worker`], saying why in the start-up
    /// line.
    #[inline]
    pub fn run_streaming<S, I, H>(self, init: I, lifecycle: Lifecycle<S>, handler: H) -> ExitCode
    where
        I: FnOnce() -> Result<S, Diagnostic>,
        H: FnMut(&S, &Invocation, &mut ResponseStream<'_>) -> Result<(), Diagnostic>,
    {
        crate::logging::install();
        let why = self.why();
        core_rt::run_streaming_on_one_worker(init, &lifecycle, handler, format_args!("{why}"))
    }

    fn why(&self) -> String {
        format!(
            "the state `{}` is not `Sync`, so workers cannot share it; make it `Sync` (e.g. a \
             `Mutex` or an atomic in place of a `RefCell` or a `Cell`) to run more",
            self.0
        )
    }
}

// ---- lifecycle hooks ----

/// What a lifecycle hook (`before_snapshot`, `after_restore`, `shutdown`) returns.
#[diagnostic::on_unimplemented(
    message = "a lifecycle hook cannot return `{Self}`: return `()` or `Result<(), E>` with `E: Display`",
    label = "returns `{Self}`",
    note = "an `Err` is reported to Lambda: its `Display` text is the message, its type name in front"
)]
pub trait HookOutput {
    /// The hook's outcome for the runtime.
    fn into_hook_result(self) -> Result<(), Diagnostic>;
}

impl HookOutput for () {
    #[inline]
    fn into_hook_result(self) -> Result<(), Diagnostic> {
        Ok(())
    }
}

impl<E: Display> HookOutput for Result<(), E> {
    #[inline]
    fn into_hook_result(self) -> Result<(), Diagnostic> {
        self.map_err(|e| Diagnostic::new(short_type_name::<E>(), e.to_string()))
    }
}

/// A hook of a handler with a state `S` (from `init`): a function that takes `&S`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a lifecycle hook here: with `init`, a hook takes `&{S}`, the state `init` builds",
    label = "not a function that takes `&{S}`",
    note = "a hook takes a reference to the state when there is an `init`, nothing when there is none, and returns `()` or `Result<(), E>` with `E: Display`"
)]
pub trait StateHook<S> {
    /// Runs the hook.
    fn run(&self, state: &S) -> Result<(), Diagnostic>;
}

impl<S, F, R> StateHook<S> for F
where
    F: Fn(&S) -> R,
    R: HookOutput,
{
    #[inline]
    fn run(&self, state: &S) -> Result<(), Diagnostic> {
        self(state).into_hook_result()
    }
}

/// A hook of a handler without a state: a function that takes nothing.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a lifecycle hook here: without `init`, a hook takes nothing",
    label = "not a function that takes nothing",
    note = "a hook takes a reference to the state when there is an `init`, nothing when there is none, and returns `()` or `Result<(), E>` with `E: Display`"
)]
pub trait PlainHook {
    /// Runs the hook.
    fn run(&self) -> Result<(), Diagnostic>;
}

impl<F, R> PlainHook for F
where
    F: Fn() -> R,
    R: HookOutput,
{
    #[inline]
    fn run(&self) -> Result<(), Diagnostic> {
        self().into_hook_result()
    }
}

/// A state a shutdown hook can see: it runs on its own thread.
#[diagnostic::on_unimplemented(
    message = "a shutdown hook runs on its own thread, so the state `{Self}` must be `Send + Sync`",
    label = "the state of a handler with `shutdown = …`",
    note = "make the state `Sync` (e.g. a `Mutex` or an atomic in place of a `RefCell` or a `Cell`), or drop `shutdown`"
)]
pub trait ShutdownState: Send + Sync + 'static {}

impl<S: Send + Sync + 'static> ShutdownState for S {}

/// `lifecycle` with the shutdown hook `hook`.
#[inline]
pub fn with_shutdown<S: ShutdownState>(
    lifecycle: Lifecycle<S>,
    hook: core_rt::lifecycle::Hook<S>,
) -> Lifecycle<S> {
    lifecycle.shutdown(hook)
}

// ---- events ----

/// An event type other than the raw ones, parsed from JSON: owned (`T: DeserializeOwned`), or
/// borrowing from the body of the invocation (`T<'body>: Deserialize<'body>`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a Lambda event: derive `serde::Deserialize`",
    label = "not `serde::Deserialize`",
    note = "an event other than `&str`, `&[u8]`, `String` or `Vec<u8>` is parsed from JSON: add `#[derive(serde::Deserialize)]` to `{Self}`"
)]
pub trait LambdaEvent<'body>: serde::Deserialize<'body> {}

impl<'body, T: serde::Deserialize<'body>> LambdaEvent<'body> for T {}

/// The body as UTF-8, for a `&str` event.
pub fn event_str(invocation: &Invocation) -> Result<&str, Diagnostic> {
    std::str::from_utf8(&invocation.body).map_err(invalid_utf8)
}

/// A copy of the body as UTF-8, for a `String` event.
pub fn event_string(invocation: &Invocation) -> Result<String, Diagnostic> {
    event_str(invocation).map(str::to_owned)
}

fn invalid_utf8(error: std::str::Utf8Error) -> Diagnostic {
    Diagnostic::new(
        INVALID_UTF8,
        format!(
            "the event is not valid UTF-8: invalid byte at offset {}",
            error.valid_up_to()
        ),
    )
}

/// The body parsed from JSON as `T`, named `type_name` in the error message. `T` may borrow
/// from the body (`&'body str`, `Cow<'body, str>`, `&'body RawValue` fields): the body is not
/// copied, and lives as long as the invocation.
pub fn event_json<'body, T: LambdaEvent<'body>>(
    body: &'body [u8],
    type_name: &str,
) -> Result<T, Diagnostic> {
    serde_json::from_slice(body).map_err(|e| deserialization_error(&e, type_name))
}

/// The error of an event that does not parse as `type_name`, with a hint when a `&str` (or
/// `&[u8]`) field met a string with escapes, which cannot be borrowed.
#[cold]
fn deserialization_error(error: &serde_json::Error, type_name: &str) -> Diagnostic {
    let hint = if error.to_string().contains("expected a borrowed ") {
        "; a JSON string with escapes (\\\", \\\\, \\n, \\u…) cannot be borrowed as `&str`: \
         make that field a `Cow<'a, str>` with `#[serde(borrow)]`, which borrows when it can and \
         copies when it must"
    } else {
        ""
    };
    Diagnostic::new(
        DESERIALIZATION_ERROR,
        format!("cannot parse the event as `{type_name}`: {error}{hint}"),
    )
}

/// How the front that sent an HTTP request wants the reply.
#[cfg(feature = "http")]
#[derive(Debug, Clone, Copy)]
pub struct HttpReply {
    source: crate::http::Source,
    multi_value: bool,
}

/// The HTTP request in the event, for a `Request<Body>` event, and how to reply.
#[cfg(feature = "http")]
pub fn http_request(
    invocation: &Invocation,
) -> Result<(crate::http::Request<crate::http::Body>, HttpReply), Diagnostic> {
    use crate::http::RequestExt as _;
    let (request, source) = crate::http::request(invocation)?;
    let multi_value = request
        .lambda_request()
        .is_some_and(|r| r.multi_value_headers);
    Ok((
        request,
        HttpReply {
            source,
            multi_value,
        },
    ))
}

/// Writes the handler's response in the shape of the front that sent the request.
#[cfg(feature = "http")]
pub fn http_reply<R: crate::http::IntoResponse>(
    how: HttpReply,
    output: R,
    reply: &mut Vec<u8>,
) -> Result<(), Diagnostic> {
    crate::http::reply(how.source, how.multi_value, output.into_response(), reply);
    Ok(())
}

// ---- replies ----

/// A reply type other than the raw ones, sent as JSON.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a Lambda reply: derive `serde::Serialize`",
    label = "not `serde::Serialize`",
    note = "a reply other than `String`, `&str`, `Vec<u8>`, `&[u8]` or `()` is sent as JSON: add `#[derive(serde::Serialize)]` to `{Self}`"
)]
pub trait LambdaReply: serde::Serialize {}

impl<T: serde::Serialize + ?Sized> LambdaReply for T {}

/// Appends raw bytes to the reply.
#[inline]
pub fn write_raw(bytes: &[u8], reply: &mut Vec<u8>) {
    reply.extend_from_slice(bytes);
}

/// Writes `value` as JSON into the reply; `type_name` names it in the error message.
pub fn write_json<T: LambdaReply + ?Sized>(
    value: &T,
    reply: &mut Vec<u8>,
    type_name: &str,
) -> Result<(), Diagnostic> {
    serde_json::to_writer(reply, value).map_err(|e| {
        Diagnostic::new(
            SERIALIZATION_ERROR,
            format!("cannot serialize the reply as `{type_name}`: {e}"),
        )
    })
}

// ---- errors ----

/// The error of a handler's `Result`, or of an `init` function.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be reported as a Lambda error: implement `std::fmt::Display`",
    label = "not `std::fmt::Display`",
    note = "the error's `Display` text is the `errorMessage`; its type name, or its `ruchy_lambda::ErrorType` impl, is the `errorType`"
)]
pub trait LambdaError: Display {}

impl<T: Display + ?Sized> LambdaError for T {}

/// The diagnostic for a handler's error: `errorMessage` its `Display` text (its causes are
/// added by `__with_causes`, see [`ErrorSources`]).
pub fn error_diagnostic<E: LambdaError + ?Sized>(error: &E, error_type: &str) -> Diagnostic {
    Diagnostic::new(error_type, error.to_string())
}

/// Borrows a handler's error to find its `errorType`: [`ViaErrorType`] when the type implements
/// [`ErrorType`], otherwise [`ViaTypeName`] (autoref specialization: the generated code calls
/// `(&ErrorKind(&error)).__error_type()`, where the first applies without autoref).
pub struct ErrorKind<'a, E: ?Sized>(pub &'a E);

/// The `errorType` chosen by the error's [`ErrorType`] impl.
pub trait ViaErrorType {
    /// The `errorType`.
    fn __error_type(&self) -> &str;
}

impl<E: ErrorType + ?Sized> ViaErrorType for ErrorKind<'_, E> {
    #[inline]
    fn __error_type(&self) -> &str {
        self.0.error_type()
    }
}

/// The `errorType` from the error's type name.
pub trait ViaTypeName {
    /// The `errorType`.
    fn __error_type(&self) -> Cow<'static, str>;
}

impl<E: ?Sized> ViaTypeName for &ErrorKind<'_, E> {
    #[inline]
    fn __error_type(&self) -> Cow<'static, str> {
        short_type_name::<E>()
    }
}

/// Borrows a handler's error to add its causes to its diagnostic, following the `source()`
/// chain of a `dyn Error` view of it ([`with_causes`]): [`ViaError`] when the type implements
/// [`Error`] (an `io::Error`, a `thiserror` enum), else [`ViaDynError`] when it derefs to a
/// `dyn Error` (`Box<dyn Error>`, `anyhow::Error`, `eyre::Report`), else [`ViaDisplay`], which
/// leaves the diagnostic as it is (autoderef specialization: the generated code calls
/// `(&&&ErrorSources(&error)).__with_causes(diagnostic)`, and the first that applies wins).
pub struct ErrorSources<'a, E: ?Sized>(pub &'a E);

/// The error is an [`Error`].
pub trait ViaError {
    /// `diagnostic` with the error's causes.
    fn __with_causes(&self, diagnostic: Diagnostic) -> Diagnostic;
}

impl<E: Error> ViaError for &&ErrorSources<'_, E> {
    #[inline]
    fn __with_causes(&self, diagnostic: Diagnostic) -> Diagnostic {
        with_causes(diagnostic, self.0)
    }
}

/// The error derefs to a `dyn Error`, with or without `Send` and `Sync`.
pub trait ViaDynError {
    /// `diagnostic` with the causes of the `dyn Error` the error derefs to.
    fn __with_causes(&self, diagnostic: Diagnostic) -> Diagnostic;
}

impl<E> ViaDynError for &ErrorSources<'_, E>
where
    E: Deref + ?Sized,
    E::Target: DynError,
{
    #[inline]
    fn __with_causes(&self, diagnostic: Diagnostic) -> Diagnostic {
        with_causes(diagnostic, self.0.deref().as_dyn_error())
    }
}

/// The error is only `Display`: no causes to add.
pub trait ViaDisplay {
    /// `diagnostic` as it is.
    fn __with_causes(&self, diagnostic: Diagnostic) -> Diagnostic;
}

impl<E: ?Sized> ViaDisplay for ErrorSources<'_, E> {
    #[inline]
    fn __with_causes(&self, diagnostic: Diagnostic) -> Diagnostic {
        diagnostic
    }
}

/// A `dyn Error` trait object, whatever its auto traits.
pub trait DynError {
    /// As a plain `dyn Error`.
    fn as_dyn_error(&self) -> &dyn Error;
}

impl DynError for dyn Error + '_ {
    #[inline]
    fn as_dyn_error(&self) -> &dyn Error {
        self
    }
}

impl DynError for dyn Error + Send + '_ {
    #[inline]
    fn as_dyn_error(&self) -> &dyn Error {
        self
    }
}

impl DynError for dyn Error + Sync + '_ {
    #[inline]
    fn as_dyn_error(&self) -> &dyn Error {
        self
    }
}

impl DynError for dyn Error + Send + Sync + '_ {
    #[inline]
    fn as_dyn_error(&self) -> &dyn Error {
        self
    }
}

/// How many causes [`with_causes`] follows at most: a `source()` chain that loops cannot hold
/// the invocation.
pub const MAX_CAUSES: usize = 32;

/// `diagnostic` with the causes of `error` (its `source()` chain, not `error` itself) after its
/// message, as `: cause` each, but for a cause whose text already ends the message (an error
/// whose `Display` prints its source).
pub fn with_causes(mut diagnostic: Diagnostic, error: &dyn Error) -> Diagnostic {
    let mut cause = error.source();
    let mut text = String::new();
    for _ in 0..MAX_CAUSES {
        let Some(error) = cause else { break };
        text.clear();
        {
            use std::fmt::Write as _;
            let _ = write!(text, "{error}");
        }
        if !diagnostic.error_message.ends_with(text.as_str()) {
            diagnostic.error_message.push_str(": ");
            diagnostic.error_message.push_str(&text);
        }
        cause = error.source();
    }
    diagnostic
}

// ---- state ----

/// Checks that the handler's state parameter has the type the `init` function builds.
#[diagnostic::on_unimplemented(
    message = "the handler takes `&{Self}` as its state, but `init` builds `{Built}`",
    label = "expected `{Built}`, the type `init` builds",
    note = "make the state parameter `&{Built}`, or make `init` return `{Self}` (or `Result<{Self}, E>`)"
)]
pub trait SameState<Built> {
    /// The state, as the handler's type.
    fn from_built(built: &Built) -> &Self;
}

impl<S> SameState<S> for S {
    #[inline]
    fn from_built(built: &S) -> &S {
        built
    }
}

/// The state built by `init`, before the handler's type is checked against it.
pub struct StateRef<'a, Built>(pub &'a Built);

impl<'a, Built> StateRef<'a, Built> {
    /// The state as the handler's parameter type `S`, which must be `Built`.
    #[inline]
    pub fn get<S: SameState<Built>>(self) -> &'a S {
        S::from_built(self.0)
    }
}

/// What `init` returned is a `Result`: its error is reported to `/runtime/init/error`.
pub trait InitResult {
    /// Tags the value (autoref specialization: applies before [`InitValue`]).
    fn __init_kind(&self) -> ResultInit;
}

impl<S, E> InitResult for Result<S, E> {
    #[inline]
    fn __init_kind(&self) -> ResultInit {
        ResultInit
    }
}

/// What `init` returned is the state itself.
pub trait InitValue {
    /// Tags the value.
    fn __init_kind(&self) -> ValueInit;
}

impl<S> InitValue for &S {
    #[inline]
    fn __init_kind(&self) -> ValueInit {
        ValueInit
    }
}

/// `init` returned `Result<S, E>`.
pub struct ResultInit;

impl ResultInit {
    /// The state, or the init error with the error's type name as its `errorType`.
    pub fn into_init<S, E: LambdaError>(self, built: Result<S, E>) -> Result<S, Diagnostic> {
        built.map_err(|error| error_diagnostic(&error, &short_type_name::<E>()))
    }
}

/// `init` returned the state.
pub struct ValueInit;

impl ValueInit {
    /// The state.
    #[inline]
    pub fn into_init<S>(self, built: S) -> Result<S, Diagnostic> {
        Ok(built)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruchy_lambda_runtime_core::{Config, Context};
    use std::fmt;
    use std::sync::Arc;

    fn invocation(body: &[u8]) -> Invocation {
        Invocation {
            context: Context::new("id-1", 0, Arc::new(Config::default())),
            body: body.to_vec(),
        }
    }

    #[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq)]
    struct Order {
        id: u64,
        qty: u32,
    }

    #[test]
    fn raw_events() {
        assert_eq!(event_str(&invocation(b"hi")).unwrap(), "hi");
        let error = event_string(&invocation(b"ab\xffc")).unwrap_err();
        assert_eq!(error.error_type, "InvalidUtf8");
        assert_eq!(
            error.error_message,
            "the event is not valid UTF-8: invalid byte at offset 2"
        );
    }

    #[derive(serde::Deserialize, Debug)]
    struct Message<'a> {
        id: &'a str,
        #[serde(borrow)]
        body: std::borrow::Cow<'a, str>,
    }

    #[test]
    fn borrowed_events_point_into_the_body() {
        let body = br#"{"id":"m-1","body":"plain"}"#;
        let message: Message<'_> = event_json(body, "Message").unwrap();
        let within = |s: &str| body.as_ptr_range().contains(&s.as_ptr());
        assert!(within(message.id) && within(&message.body));
        assert!(matches!(message.body, std::borrow::Cow::Borrowed(_)));
        // Escapes: a `Cow` copies, a `&str` cannot borrow, and the error says what to do.
        let escaped = br#"{"id":"m-2","body":"a\nb"}"#;
        let message: Message<'_> = event_json(escaped, "Message").unwrap();
        assert_eq!(message.body, "a\nb");
        let escaped_id = br#"{"id":"m\"3","body":"x"}"#;
        let error = event_json::<Message<'_>>(escaped_id, "Message").unwrap_err();
        assert_eq!(error.error_type, "DeserializationError");
        assert!(
            error.error_message.starts_with(
                "cannot parse the event as `Message`: invalid type: string \"m\\\"3\", expected a borrowed string"
            ) && error.error_message.ends_with(
                "cannot be borrowed as `&str`: make that field a `Cow<'a, str>` with `#[serde(borrow)]`, which borrows when it can and copies when it must"
            ),
            "{}",
            error.error_message
        );
    }

    #[test]
    fn json_events() {
        let order: Order = event_json(br#"{"id":1,"qty":2}"#, "Order").unwrap();
        assert_eq!(order, Order { id: 1, qty: 2 });
        let error = event_json::<Order>(br#"{"id":1}"#, "Order").unwrap_err();
        assert_eq!(error.error_type, "DeserializationError");
        assert_eq!(
            error.error_message,
            "cannot parse the event as `Order`: missing field `qty` at line 1 column 8"
        );
    }

    #[test]
    fn json_replies() {
        let mut reply = Vec::new();
        write_json(&Order { id: 1, qty: 2 }, &mut reply, "Order").unwrap();
        assert_eq!(reply, br#"{"id":1,"qty":2}"#);

        let mut map = std::collections::HashMap::new();
        map.insert(vec![1u8], 1);
        let error = write_json(&map, &mut Vec::new(), "HashMap<Vec<u8>, i32>").unwrap_err();
        assert_eq!(error.error_type, "SerializationError");
        assert!(
            error
                .error_message
                .starts_with("cannot serialize the reply as `HashMap<Vec<u8>, i32>`: key must be")
        );
    }

    struct Plain;
    impl Display for Plain {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("plain")
        }
    }

    struct Named;
    impl Display for Named {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("named")
        }
    }
    impl ErrorType for Named {
        fn error_type(&self) -> &str {
            "Custom.Named"
        }
    }

    // The calls are written as the generated code writes them, borrow included.
    #[test]
    #[allow(clippy::needless_borrow)]
    fn error_types_by_name_or_by_trait() {
        assert_eq!((&ErrorKind(&Plain)).__error_type(), "Plain");
        assert_eq!((&ErrorKind(&Named)).__error_type(), "Custom.Named");
        assert_eq!((&ErrorKind(&String::new())).__error_type(), "String");
        let d = error_diagnostic(&Named, (&ErrorKind(&Named)).__error_type());
        assert_eq!(d, Diagnostic::new("Custom.Named", "named"));
    }

    /// The diagnostic the generated code builds for a handler's `Err(error)`.
    macro_rules! reported {
        ($error:expr) => {{
            let __error = $error;
            (&&&ErrorSources(&__error)).__with_causes(error_diagnostic(
                &__error,
                &(&ErrorKind(&__error)).__error_type(),
            ))
        }};
    }

    #[derive(Debug)]
    struct Leaf(&'static str);
    impl Display for Leaf {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }
    impl Error for Leaf {}

    /// An error with a source: its `Display` says `text`, or `text: {source}` with `prints`.
    #[derive(Debug)]
    struct Wrapping {
        text: &'static str,
        prints: bool,
        source: Box<dyn Error + Send + Sync>,
    }
    impl Display for Wrapping {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            if self.prints {
                write!(f, "{}: {}", self.text, self.source)
            } else {
                f.write_str(self.text)
            }
        }
    }
    impl Error for Wrapping {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&*self.source)
        }
    }

    fn wrap(text: &'static str, source: impl Error + Send + Sync + 'static) -> Wrapping {
        Wrapping {
            text,
            prints: false,
            source: Box::new(source),
        }
    }

    /// Like `anyhow::Error`: `Display` is the outermost error, not an `Error` itself, derefs to
    /// the `dyn Error` that has the chain.
    struct Report(Box<dyn Error + Send + Sync>);
    impl Display for Report {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            Display::fmt(&self.0, f)
        }
    }
    impl Deref for Report {
        type Target = dyn Error + Send + Sync + 'static;
        fn deref(&self) -> &Self::Target {
            &*self.0
        }
    }

    #[test]
    fn causes_follow_the_message() {
        let chain = || wrap("outer", wrap("middle", Leaf("root")));
        let expected = |error_type: &str| Diagnostic::new(error_type, "outer: middle: root");
        assert_eq!(reported!(chain()), expected("Wrapping"));
        // Boxed, with or without `Send + Sync`: the same chain, named `BoxError`.
        let boxed: Box<dyn Error + Send + Sync> = Box::new(chain());
        assert_eq!(reported!(boxed), expected("BoxError"));
        let boxed: Box<dyn Error> = Box::new(chain());
        assert_eq!(reported!(boxed), expected("BoxError"));
        let boxed: Box<dyn Error + Send> = Box::new(chain());
        assert_eq!(reported!(boxed), expected("BoxError"));
        // A box of a concrete type is an `Error`, named by what it holds.
        assert_eq!(reported!(Box::new(chain())), expected("Wrapping"));
        // A type that derefs to `dyn Error`, as `anyhow::Error` does.
        assert_eq!(reported!(Report(Box::new(chain()))), expected("Report"));
        // No source: the message alone.
        assert_eq!(reported!(Leaf("alone")), Diagnostic::new("Leaf", "alone"));
        let boxed: Box<dyn Error + Send + Sync> = "from a &str".into();
        assert_eq!(reported!(boxed), Diagnostic::new("BoxError", "from a &str"));
    }

    #[test]
    fn a_cause_the_message_already_ends_with_is_not_repeated() {
        let mut error = wrap("outer", wrap("middle", Leaf("root")));
        error.prints = true;
        // `outer: middle` already ends with `middle`; `root` is added.
        assert_eq!(reported!(error).error_message, "outer: middle: root");
        let empty = wrap("outer", Leaf(""));
        assert_eq!(reported!(empty).error_message, "outer");
        // Only a whole ending counts.
        let inside = wrap("middle of it", wrap("middle", Leaf("root")));
        assert_eq!(
            reported!(inside).error_message,
            "middle of it: middle: root"
        );
    }

    #[test]
    fn std_errors_and_plain_displays() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, wrap("no order", Leaf("id 7")));
        assert_eq!(
            reported!(io),
            Diagnostic::new("io::Error", "no order: id 7")
        );
        let io = std::io::Error::from(std::io::ErrorKind::TimedOut);
        assert_eq!(reported!(io), Diagnostic::new("io::Error", "timed out"));
        let parse = "x".parse::<u8>().unwrap_err();
        assert_eq!(
            reported!(parse),
            Diagnostic::new("ParseIntError", "invalid digit found in string")
        );
        // Only `Display`: as before.
        assert_eq!(reported!(Plain), Diagnostic::new("Plain", "plain"));
        assert_eq!(
            reported!(String::from("no")),
            Diagnostic::new("String", "no")
        );
        assert_eq!(reported!("no"), Diagnostic::new("str", "no"));
        // `ErrorType` and causes are independent.
        assert_eq!(reported!(Named), Diagnostic::new("Custom.Named", "named"));
    }

    #[test]
    fn a_looping_chain_ends() {
        #[derive(Debug)]
        struct Looping(bool);
        impl Display for Looping {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(if self.0 { "tick" } else { "tock" })
            }
        }
        impl Error for Looping {
            fn source(&self) -> Option<&(dyn Error + 'static)> {
                Some(if self.0 {
                    &Looping(false)
                } else {
                    &Looping(true)
                })
            }
        }
        let message = reported!(Looping(true)).error_message;
        assert_eq!(message.matches(": ").count(), MAX_CAUSES);
        assert!(message.starts_with("tick: tock: tick: "), "{message}");
    }

    #[test]
    #[allow(clippy::needless_borrow)]
    fn init_results_and_values() {
        let built: Result<u8, Plain> = Ok(3);
        assert_eq!((&built).__init_kind().into_init(built).unwrap(), 3);
        let built: Result<u8, Plain> = Err(Plain);
        assert_eq!(
            (&built).__init_kind().into_init(built).unwrap_err(),
            Diagnostic::new("Plain", "plain")
        );
        let built = 7u32;
        assert_eq!((&built).__init_kind().into_init(built).unwrap(), 7);
        let state: &u32 = StateRef(&7u32).get::<u32>();
        assert_eq!(*state, 7);
    }
}
