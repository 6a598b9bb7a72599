//! How many invocations run at once: `AWS_LAMBDA_MAX_CONCURRENCY`.
//!
//! Lambda (default) runs one invocation at a time in an execution environment and does not set
//! the variable. Lambda Managed Instances set it to the most invocations the environment may
//! take at once; the runtime then runs that many workers, each looping `/next` → handler →
//! `/response` on its own connection ([`run_concurrent`](crate::run_concurrent)).

use std::fmt;
use std::io;

/// The variable Lambda Managed Instances set.
pub const MAX_CONCURRENCY_VAR: &str = "AWS_LAMBDA_MAX_CONCURRENCY";

/// The most workers one process runs. Each is an OS thread with its own connection; far more
/// than any execution environment is given.
pub const MAX_WORKERS: usize = 1024;

/// `AWS_LAMBDA_MAX_CONCURRENCY` holds something other than a whole number from 1 to
/// [`MAX_WORKERS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaxConcurrencyError {
    /// The value, escaped and cut to a printable length.
    pub value: String,
}

impl fmt::Display for MaxConcurrencyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{MAX_CONCURRENCY_VAR} is \"{}\": expected a whole number from 1 to {MAX_WORKERS}",
            self.value
        )
    }
}

impl std::error::Error for MaxConcurrencyError {}

/// The number of workers for a value of `AWS_LAMBDA_MAX_CONCURRENCY`: 1 when it is unset,
/// otherwise the whole number it holds, in decimal digits only.
pub fn max_concurrency(value: Option<&str>) -> Result<usize, MaxConcurrencyError> {
    let Some(value) = value else {
        return Ok(1);
    };
    let n = value.bytes().try_fold(0usize, |n, b| match b {
        b'0'..=b'9' if n <= MAX_WORKERS => Some(n * 10 + usize::from(b - b'0')),
        _ => None,
    });
    match n {
        Some(n) if !value.is_empty() && (1..=MAX_WORKERS).contains(&n) => Ok(n),
        _ => Err(MaxConcurrencyError {
            value: crate::text::printable(value.as_bytes(), 32),
        }),
    }
}

/// The number of workers from the process environment (see [`max_concurrency`]).
pub fn max_concurrency_from_env() -> Result<usize, MaxConcurrencyError> {
    match std::env::var_os(MAX_CONCURRENCY_VAR) {
        None => Ok(1),
        Some(value) => max_concurrency(Some(&value.to_string_lossy())),
    }
}

/// Runs `work` on a new OS thread that is never joined (a worker loops until the process ends).
///
/// On Unix this is one `pthread_create` with the default attributes: what the standard
/// library's `thread::spawn` adds (a `Thread` handle, a name, `RUST_MIN_STACK`, output capture,
/// a join packet, the stack-overflow message) is about 16 kB of code that a bootstrap would carry
/// even when it never runs a second worker. Such a thread is what C code calling into Rust runs
/// on: `thread::current()` and thread-locals work, a panic caught inside works; a stack overflow
/// ends the process with `SIGSEGV` (the main thread's message is std's).
pub fn spawn_detached(work: Box<dyn FnOnce() + Send + 'static>) -> io::Result<()> {
    imp::spawn_detached(work)
}

#[cfg(unix)]
mod imp {
    use std::ffi::{c_int, c_void};
    use std::io;
    use std::ptr;

    type Work = Box<dyn FnOnce() + Send + 'static>;

    // SAFETY: the POSIX signature of `pthread_create`; `pthread_t` is an unsigned long (glibc)
    // or a pointer (musl, macOS): one machine word either way. It is in the C library std links
    // (glibc 2.34 and later, musl, macOS) and in libpthread, which std links elsewhere.
    unsafe extern "C" {
        fn pthread_create(
            thread: *mut usize,
            attr: *const c_void,
            start: extern "C" fn(*mut c_void) -> *mut c_void,
            arg: *mut c_void,
        ) -> c_int;
    }

    extern "C" fn start(arg: *mut c_void) -> *mut c_void {
        // SAFETY: `arg` is the pointer `spawn_detached` made with `Box::into_raw` and handed to
        // this thread alone; it is turned back into its box exactly once, here.
        let work = unsafe { Box::from_raw(arg.cast::<Work>()) };
        // A panic cannot unwind out of an `extern "C"` function: it would abort the process,
        // which is what an uncaught panic on a worker should do anyway.
        work();
        ptr::null_mut()
    }

    pub fn spawn_detached(work: Work) -> io::Result<()> {
        let arg = Box::into_raw(Box::new(work));
        let mut thread = 0usize;
        // SAFETY: `thread` is a writable word for the id; a null `attr` asks for the defaults;
        // `start` has the signature the C library calls; `arg` stays valid until `start` takes
        // it back (or until it is freed below, when no thread was started).
        let rc = unsafe { pthread_create(&mut thread, ptr::null(), start, arg.cast()) };
        if rc != 0 {
            // SAFETY: no thread was started, so `arg` was not handed over: free it here, once.
            drop(unsafe { Box::from_raw(arg) });
            return Err(io::Error::from_raw_os_error(rc));
        }
        Ok(())
    }
}

#[cfg(not(unix))]
mod imp {
    use std::io;

    pub fn spawn_detached(work: Box<dyn FnOnce() + Send + 'static>) -> io::Result<()> {
        std::thread::Builder::new().spawn(work).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_is_one_worker() {
        assert_eq!(max_concurrency(None), Ok(1));
    }

    #[test]
    fn whole_numbers_from_one_to_the_cap() {
        for (value, n) in [("1", 1), ("8", 8), ("16", 16), ("0064", 64), ("1024", 1024)] {
            assert_eq!(max_concurrency(Some(value)), Ok(n), "{value:?}");
        }
    }

    #[test]
    fn anything_else_is_a_clear_error() {
        let long = "9".repeat(40);
        for value in [
            "", " ", "0", "-1", "+4", "four", "4.0", " 4", "4\n", "1025", "99999", &long,
        ] {
            let error = max_concurrency(Some(value)).unwrap_err();
            let message = error.to_string();
            assert!(
                message.starts_with("AWS_LAMBDA_MAX_CONCURRENCY is \"")
                    && message.ends_with("expected a whole number from 1 to 1024"),
                "{value:?}: {message}"
            );
        }
        assert_eq!(
            max_concurrency(Some("a\r\nb")).unwrap_err().value,
            "a\\r\\nb"
        );
        assert!(
            max_concurrency(Some(&long))
                .unwrap_err()
                .value
                .ends_with("...")
        );
    }
}
