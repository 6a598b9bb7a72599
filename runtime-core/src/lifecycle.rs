//! Lifecycle hooks: SnapStart's before-snapshot and after-restore hooks, and a shutdown hook.
//!
//! **SnapStart** (custom runtimes in container images): when `AWS_LAMBDA_INITIALIZATION_TYPE` is
//! `snap-start`, Lambda initialises the function when a version is published and snapshots it.
//! The runtime then runs `init`, the before-snapshot hook, and `GET /runtime/restore/next`, which
//! returns only once the snapshot is restored (much later, possibly on another machine); then the
//! after-restore hook, then the usual loop. A before-snapshot failure is reported to
//! `/runtime/init/error` ([`BEFORE_SNAPSHOT_ERROR`]), an after-restore failure to
//! `/runtime/restore/error` ([`AFTER_RESTORE_ERROR`]), and the process exits non-zero. The
//! connection `/restore/next` came back on is closed: every connection after a restore is new.
//! With `snap-start` and no hooks, the runtime still calls `/restore/next`; with any other
//! initialization type nothing of this runs.
//!
//! **Shutdown**: Lambda lets a runtime clean up only when an extension is registered: it then
//! sends `SIGTERM` to the runtime and `SIGKILL` about 500 ms later. Internal extensions may not
//! register for the `SHUTDOWN` event (AWS's Extensions API reference), so with a shutdown hook
//! the runtime registers an internal extension for no event ([`SHUTDOWN_EXTENSION_NAME`], before the first
//! `/next`), leaves its `/event/next` pending, and waits for `SIGTERM` (or `SIGINT`) on one extra
//! thread, which runs the hook and ends the process. Linux only (where Lambda runs); elsewhere a
//! start-up line says the hook will not run.

use std::fmt;
use std::ops::Deref;
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::endpoint::Endpoint;
use crate::logs::Level;
use crate::runtime::{self, Runtime};

/// The variable that says how Lambda initialises the function.
pub const INITIALIZATION_TYPE_VAR: &str = "AWS_LAMBDA_INITIALIZATION_TYPE";
/// The value of [`INITIALIZATION_TYPE_VAR`] under SnapStart.
pub const SNAP_START: &str = "snap-start";
/// The error type of a failed before-snapshot hook (posted to `/runtime/init/error`).
pub const BEFORE_SNAPSHOT_ERROR: &str = "Runtime.BeforeSnapshotError";
/// The error type of a failed after-restore hook (posted to `/runtime/restore/error`).
pub const AFTER_RESTORE_ERROR: &str = "Runtime.AfterRestoreError";
/// The error type of the init error when the shutdown hook's extension cannot be registered.
pub const EXTENSION_REGISTRATION_ERROR: &str = "Runtime.ExtensionRegistrationError";
/// The name the shutdown hook's internal extension registers with.
pub const SHUTDOWN_EXTENSION_NAME: &str = "ruchy-lambda-shutdown";
/// Request header of `/extension/register`: the name an extension registers under.
pub const EXTENSION_NAME: &str = "Lambda-Extension-Name";
/// Response header of `/extension/register`, request header of `/extension/event/next`: the
/// extension's id.
pub const EXTENSION_IDENTIFIER: &str = "Lambda-Extension-Identifier";

/// A lifecycle hook: gets the state `init` built.
pub type Hook<S> = fn(&S) -> Result<(), Diagnostic>;

/// The lifecycle hooks of a function whose state is `S`; none by default.
///
/// ```no_run
/// use ruchy_lambda_runtime_core::{Diagnostic, Lifecycle, run_concurrent_with_lifecycle};
///
/// struct Pool;
/// fn connect() -> Result<Pool, Diagnostic> { Ok(Pool) }
/// fn reconnect(_pool: &Pool) -> Result<(), Diagnostic> { Ok(()) }
/// fn close(_pool: &Pool) -> Result<(), Diagnostic> { Ok(()) }
///
/// fn main() -> std::process::ExitCode {
///     let lifecycle = Lifecycle::of(&connect).after_restore(reconnect).shutdown(close);
///     run_concurrent_with_lifecycle(connect, lifecycle, |_pool, invocation, reply| {
///         reply.extend_from_slice(&invocation.body);
///         Ok(())
///     })
/// }
/// ```
pub struct Lifecycle<S> {
    before_snapshot: Option<Hook<S>>,
    after_restore: Option<Hook<S>>,
    shutdown: Option<Shutdown<S>>,
    /// The SnapStart sequence: [`restore`] alone, or [`restore_with_hooks`] once a hook is given
    /// (so that a function without hooks does not carry the code that runs them).
    snap_start: SnapStart<S>,
}

type SnapStart<S> = fn(&mut Runtime, &S, &Lifecycle<S>) -> Result<(), ExitCode>;

/// The shutdown hook, with the code that arms it (chosen where `S` is known to be shareable).
struct Shutdown<S> {
    hook: Hook<S>,
    arm: Arm<S>,
}

/// Registers the extension and starts the thread that runs the shutdown hook.
type Arm<S> = fn(Arc<S>, Hook<S>, &Endpoint) -> Result<(), Diagnostic>;

impl<S> Lifecycle<S> {
    /// No hooks.
    pub const fn new() -> Self {
        Lifecycle {
            before_snapshot: None,
            after_restore: None,
            shutdown: None,
            snap_start: restore,
        }
    }

    /// No hooks, for the state `init` builds.
    pub const fn of<I: FnOnce() -> Result<S, Diagnostic>>(_init: &I) -> Self {
        Lifecycle::new()
    }

    /// Runs `hook` under SnapStart after `init` and before the snapshot. Its error (or panic) is
    /// reported to `/runtime/init/error` as [`BEFORE_SNAPSHOT_ERROR`], with the diagnostic's
    /// type and message as the message, and the process exits non-zero.
    pub fn before_snapshot(mut self, hook: Hook<S>) -> Self {
        self.before_snapshot = Some(hook);
        self.snap_start = restore_with_hooks;
        self
    }

    /// Runs `hook` under SnapStart once the snapshot is restored, before the first invocation:
    /// the place to reconnect, refresh credentials, re-seed what must differ between copies. Its
    /// error (or panic) is reported to `/runtime/restore/error` as [`AFTER_RESTORE_ERROR`] and
    /// the process exits non-zero.
    pub fn after_restore(mut self, hook: Hook<S>) -> Self {
        self.after_restore = Some(hook);
        self.snap_start = restore_with_hooks;
        self
    }

    /// Whether there is a shutdown hook.
    pub fn has_shutdown(&self) -> bool {
        self.shutdown.is_some()
    }
}

impl<S: Send + Sync + 'static> Lifecycle<S> {
    /// Runs `hook` when Lambda shuts the execution environment down (`SIGTERM`), or on `SIGINT`,
    /// then exits: zero, or non-zero after logging the hook's error. Lambda allows about 500 ms
    /// before it kills the process.
    ///
    /// This registers an internal extension (see the [module](self) documentation) before the
    /// first `/next`, and runs on its own thread, so the state is shared with it: `S` must be
    /// `Sync`. An extension that cannot be registered is an init error
    /// ([`EXTENSION_REGISTRATION_ERROR`]).
    pub fn shutdown(mut self, hook: Hook<S>) -> Self {
        self.shutdown = Some(Shutdown {
            hook,
            arm: arm_shutdown::<S>,
        });
        self
    }
}

impl<S> Default for Lifecycle<S> {
    fn default() -> Self {
        Lifecycle::new()
    }
}

impl<S> fmt::Debug for Lifecycle<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lifecycle")
            .field("before_snapshot", &self.before_snapshot.is_some())
            .field("after_restore", &self.after_restore.is_some())
            .field("shutdown", &self.shutdown.is_some())
            .finish()
    }
}

/// The state `init` built: owned by the loop, or shared with the shutdown hook's thread.
pub(crate) enum State<S> {
    Owned(S),
    Shared(Arc<S>),
}

impl<S> Deref for State<S> {
    type Target = S;

    fn deref(&self) -> &S {
        match self {
            State::Owned(state) => state,
            State::Shared(state) => state,
        }
    }
}

impl<S: 'static> State<S> {
    /// The state for as long as the process runs.
    pub(crate) fn leak(self) -> &'static S {
        match self {
            State::Owned(state) => Box::leak(Box::new(state)),
            State::Shared(state) => Box::leak(Box::new(state)),
        }
    }
}

/// Runs the lifecycle between `init` and the first `/next`: arms the shutdown hook, then, under
/// SnapStart, the before-snapshot hook, `/restore/next` and the after-restore hook. A failure is
/// logged and reported: `Err` is the exit status.
pub(crate) fn begin<S>(
    runtime: &mut Runtime,
    endpoint: &Endpoint,
    state: S,
    lifecycle: &Lifecycle<S>,
) -> Result<State<S>, ExitCode> {
    let state = match &lifecycle.shutdown {
        None => State::Owned(state),
        Some(shutdown) => {
            let state = Arc::new(state);
            if let Err(diagnostic) = (shutdown.arm)(Arc::clone(&state), shutdown.hook, endpoint) {
                return Err(crate::init_failed(runtime, &diagnostic));
            }
            State::Shared(state)
        }
    };
    if runtime.config().initialization_type == SNAP_START {
        (lifecycle.snap_start)(runtime, &*state, lifecycle)?;
    }
    Ok(state)
}

/// SnapStart without hooks: `/restore/next`.
fn restore<S>(runtime: &mut Runtime, _: &S, _: &Lifecycle<S>) -> Result<(), ExitCode> {
    restore_next(runtime)
}

#[inline(never)]
fn restore_next(runtime: &mut Runtime) -> Result<(), ExitCode> {
    runtime.api().restore_next().map_err(|e| crate::give_up(&e))
}

/// SnapStart with hooks: the before-snapshot hook, `/restore/next`, the after-restore hook.
fn restore_with_hooks<S>(
    runtime: &mut Runtime,
    state: &S,
    lifecycle: &Lifecycle<S>,
) -> Result<(), ExitCode> {
    if let Some(hook) = lifecycle.before_snapshot {
        call(hook, state, BEFORE_SNAPSHOT_ERROR)
            .map_err(|diagnostic| crate::init_failed(runtime, &diagnostic))?;
    }
    restore(runtime, state, lifecycle)?;
    if let Some(hook) = lifecycle.after_restore {
        call(hook, state, AFTER_RESTORE_ERROR)
            .map_err(|diagnostic| crate::restore_failed(runtime, &diagnostic))?;
    }
    Ok(())
}

/// Runs `hook`; its error or panic becomes a diagnostic of type `error_type`.
fn call<S>(hook: Hook<S>, state: &S, error_type: &str) -> Result<(), Diagnostic> {
    let failed = match panic::catch_unwind(AssertUnwindSafe(|| hook(state))) {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(diagnostic)) => diagnostic,
        Err(payload) => Diagnostic::from_panic(&*payload),
    };
    let message = if failed.error_type.is_empty() {
        failed.error_message
    } else {
        format!("{}: {}", failed.error_type, failed.error_message)
    };
    Err(Diagnostic::new(error_type, message))
}

/// Registers the internal extension, leaves its `/event/next` pending, and starts the thread
/// that waits for the end.
fn arm_shutdown<S: Send + Sync + 'static>(
    state: Arc<S>,
    hook: Hook<S>,
    endpoint: &Endpoint,
) -> Result<(), Diagnostic> {
    if !signals::SUPPORTED {
        runtime::log(
            Level::Warn,
            format_args!("the shutdown hook runs on Linux only: it will not run here"),
        );
        return Ok(());
    }
    let pending = extension::register(endpoint)
        .map_err(|e| Diagnostic::new(EXTENSION_REGISTRATION_ERROR, e))?;
    // Before any other thread exists, so that every thread started from here on (the workers
    // too) inherits the mask and the signals reach only the waiting thread.
    signals::block_termination();
    let spawned = crate::workers::spawn_detached(Box::new(move || {
        let _pending = pending;
        let signal = signals::wait_for_termination();
        runtime::log(
            Level::Info,
            format_args!("{signal}: running the shutdown hook"),
        );
        let code = match call(hook, &state, "Runtime.ShutdownError") {
            Ok(()) => 0,
            Err(e) => {
                runtime::log(
                    Level::Error,
                    format_args!("the shutdown hook failed: {}", e.error_message),
                );
                1
            }
        };
        std::process::exit(code)
    }));
    spawned.map_err(|e| {
        Diagnostic::new(
            EXTENSION_REGISTRATION_ERROR,
            format!("cannot start the shutdown thread: {e}"),
        )
    })
}

/// The internal extension: `POST /extension/register` for no event, then a pending
/// `GET /extension/event/next` on its own connection.
mod extension {
    use std::io::Write;
    use std::net::TcpStream;

    use crate::endpoint::{API_VERSION, Endpoint};
    use crate::http::{HttpClient, USER_AGENT};

    use super::{EXTENSION_IDENTIFIER as IDENTIFIER, EXTENSION_NAME, SHUTDOWN_EXTENSION_NAME};

    /// The Extensions API version.
    const EXTENSIONS_API: &str = "2020-01-01";

    /// Registers the extension and sends its `/event/next`; the connection it waits on is
    /// returned, to be kept open as long as the process runs.
    pub(super) fn register(endpoint: &Endpoint) -> Result<TcpStream, String> {
        let prefix = endpoint
            .base_path
            .strip_suffix(API_VERSION)
            .unwrap_or(&endpoint.base_path);
        let mut http = HttpClient::new(endpoint.authority.clone());
        let path = format!("{prefix}{EXTENSIONS_API}/extension/register");
        let headers = [
            (EXTENSION_NAME, SHUTDOWN_EXTENSION_NAME),
            ("Content-Type", "application/json"),
        ];
        let response = http
            .request("POST", &path, &headers, br#"{"events":[]}"#)
            .map_err(|e| format!("cannot register the shutdown extension: {e}"))?;
        let id = match (response.status, response.header(IDENTIFIER)) {
            (200, Some(id)) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_graphic()) => {
                id.to_owned()
            }
            (200, _) => {
                return Err(format!(
                    "the shutdown extension was registered without a valid {IDENTIFIER}"
                ));
            }
            (status, _) => {
                return Err(format!(
                    "the shutdown extension was refused with status {status}: {}",
                    String::from_utf8_lossy(&response.body[..response.body.len().min(200)])
                ));
            }
        };
        let request = format!(
            "GET {prefix}{EXTENSIONS_API}/extension/event/next HTTP/1.1\r\nHost: {host}\r\n\
             User-Agent: {USER_AGENT}\r\n{IDENTIFIER}: {id}\r\n\r\n",
            host = endpoint.authority,
        );
        let mut next = TcpStream::connect(endpoint.authority.as_str())
            .map_err(|e| format!("cannot reach the Extensions API: {e}"))?;
        next.write_all(request.as_bytes())
            .map_err(|e| format!("cannot ask the Extensions API for events: {e}"))?;
        Ok(next)
    }
}

#[cfg(target_os = "linux")]
mod signals {
    use std::ffi::c_int;

    pub(super) const SUPPORTED: bool = true;

    const SIG_BLOCK: c_int = 0;
    const SIGINT: c_int = 2;
    const SIGTERM: c_int = 15;

    /// `sigset_t` on Linux, glibc and musl alike: 1024 bits.
    #[repr(C)]
    struct SigSet([u64; 16]);

    // SAFETY: the POSIX signatures of these functions, in the C library std links; `SigSet` has
    // the size and alignment of Linux's `sigset_t`.
    unsafe extern "C" {
        fn sigemptyset(set: *mut SigSet) -> c_int;
        fn sigaddset(set: *mut SigSet, signal: c_int) -> c_int;
        fn pthread_sigmask(how: c_int, set: *const SigSet, old: *mut SigSet) -> c_int;
        fn sigwait(set: *const SigSet, signal: *mut c_int) -> c_int;
    }

    fn termination() -> SigSet {
        let mut set = SigSet([0; 16]);
        // SAFETY: `set` is a valid, writable `sigset_t`; the signal numbers are valid.
        unsafe {
            sigemptyset(&mut set);
            sigaddset(&mut set, SIGTERM);
            sigaddset(&mut set, SIGINT);
        }
        set
    }

    /// Blocks `SIGTERM` and `SIGINT` on the calling thread, and so on every thread it starts.
    /// (A child process started with `std::process::Command` gets the default mask back.)
    pub(super) fn block_termination() {
        let set = termination();
        // SAFETY: `set` is a valid `sigset_t`; a null `old` asks for nothing back.
        unsafe { pthread_sigmask(SIG_BLOCK, &set, std::ptr::null_mut()) };
    }

    /// Waits for `SIGTERM` or `SIGINT` (blocked, see [`block_termination`]); returns its name.
    pub(super) fn wait_for_termination() -> &'static str {
        let set = termination();
        loop {
            let mut signal: c_int = 0;
            // SAFETY: `set` is a valid `sigset_t` and `signal` a writable int.
            if unsafe { sigwait(&set, &mut signal) } == 0 {
                return if signal == SIGINT {
                    "SIGINT"
                } else {
                    "SIGTERM"
                };
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod signals {
    pub(super) const SUPPORTED: bool = false;

    pub(super) fn block_termination() {}

    pub(super) fn wait_for_termination() -> &'static str {
        loop {
            std::thread::park();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fails(_: &u8) -> Result<(), Diagnostic> {
        Err(Diagnostic::new("PoolClosed", "the pool is closed"))
    }

    fn panics(_: &u8) -> Result<(), Diagnostic> {
        panic!("lost the pool")
    }

    fn untyped(_: &u8) -> Result<(), Diagnostic> {
        Err(Diagnostic::new("", "no type"))
    }

    #[test]
    fn hook_errors_take_the_lifecycle_type_and_keep_their_own_in_the_message() {
        let e = call(fails, &1, AFTER_RESTORE_ERROR).unwrap_err();
        assert_eq!(e.error_type, "Runtime.AfterRestoreError");
        assert_eq!(e.error_message, "PoolClosed: the pool is closed");
        let e = call(panics, &1, BEFORE_SNAPSHOT_ERROR).unwrap_err();
        assert_eq!(e.error_type, "Runtime.BeforeSnapshotError");
        assert_eq!(e.error_message, "Panic: lost the pool");
        let e = call(untyped, &1, BEFORE_SNAPSHOT_ERROR).unwrap_err();
        assert_eq!(e.error_message, "no type");
        assert!(call(|_: &u8| Ok(()), &1, BEFORE_SNAPSHOT_ERROR).is_ok());
    }

    #[test]
    fn the_builder_keeps_each_hook() {
        let lifecycle = Lifecycle::<u8>::new().after_restore(fails);
        assert!(lifecycle.before_snapshot.is_none() && lifecycle.after_restore.is_some());
        assert!(!lifecycle.has_shutdown());
        assert!(Lifecycle::<u8>::new().shutdown(fails).has_shutdown());
        assert_eq!(
            format!("{lifecycle:?}"),
            "Lifecycle { before_snapshot: false, after_restore: true, shutdown: false }"
        );
    }
}
