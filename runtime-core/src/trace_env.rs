//! `_X_AMZN_TRACE_ID`, set for each invocation without leaking memory.
//!
//! `std::env::set_var` goes through the C library's `setenv`, which copies `NAME=value` into a
//! new allocation and can never free the previous one (a caller of `getenv` may still hold it).
//! The trace id is new on every invocation, so a long-lived sandbox would leak about a hundred
//! bytes per event, for ever. Instead this keeps one `NAME=value` buffer of its own, rewrites it
//! in place, and hands it to `putenv`, which makes the buffer itself part of the environment.

/// The variable's name.
pub const TRACE_ID_VAR: &str = "_X_AMZN_TRACE_ID";

#[cfg(unix)]
mod imp {
    use std::ffi::{c_char, c_int};

    // SAFETY: the POSIX signatures of `putenv` and `unsetenv`, from the C library std links.
    unsafe extern "C" {
        fn putenv(string: *mut c_char) -> c_int;
        fn unsetenv(name: *const c_char) -> c_int;
    }

    const ASSIGN: &[u8] = b"_X_AMZN_TRACE_ID=";

    /// The environment entry: a buffer that is never freed, since the environment may point
    /// into it (a larger one replaces it when a trace id does not fit, which happens a handful of
    /// times at most: sizes double).
    #[derive(Debug)]
    pub struct TraceIdVar {
        buf: *mut u8,
        capacity: usize,
    }

    impl TraceIdVar {
        pub fn new() -> Self {
            TraceIdVar {
                buf: std::ptr::null_mut(),
                capacity: 0,
            }
        }

        /// Sets the variable to `value`, or removes it.
        pub fn set(&mut self, value: Option<&str>) {
            let Some(value) = value else {
                // SAFETY: the name is a NUL-terminated literal. `unsetenv` only drops the entry
                // from the environment array; the buffer stays allocated. The event loop calls
                // this between invocations on its own thread (see `Runtime::run`).
                unsafe { unsetenv(c"_X_AMZN_TRACE_ID".as_ptr()) };
                return;
            };
            // A value with NUL would end the entry early; header values never hold one.
            let value = match value.bytes().position(|b| b == 0) {
                Some(nul) => &value[..nul],
                None => value,
            };
            let needed = ASSIGN.len() + value.len() + 1;
            if needed > self.capacity {
                let capacity = needed.next_power_of_two().max(256);
                let fresh: &'static mut [u8] = Vec::leak(vec![0u8; capacity]);
                self.buf = fresh.as_mut_ptr();
                self.capacity = capacity;
            }
            // SAFETY: `buf` points to `capacity` bytes that are never freed, and `needed` fits
            // in them. Nothing else writes to the buffer. The environment may hold a pointer to
            // it (from the last `putenv`), so it is written through the raw pointer only, on the
            // event loop's thread, between invocations: the same contract as `setenv`, which
            // Lambda runtimes rely on for this variable.
            unsafe {
                let buf = self.buf;
                std::ptr::copy_nonoverlapping(ASSIGN.as_ptr(), buf, ASSIGN.len());
                std::ptr::copy_nonoverlapping(value.as_ptr(), buf.add(ASSIGN.len()), value.len());
                *buf.add(ASSIGN.len() + value.len()) = 0;
                putenv(buf.cast::<c_char>());
            }
        }
    }
}

#[cfg(not(unix))]
mod imp {
    /// Elsewhere (no `putenv`), the standard library's way, which may leak.
    #[derive(Debug)]
    pub struct TraceIdVar;

    impl TraceIdVar {
        pub fn new() -> Self {
            TraceIdVar
        }

        pub fn set(&mut self, value: Option<&str>) {
            // SAFETY: called on the event loop's thread between invocations (see above).
            unsafe {
                match value {
                    Some(v) => std::env::set_var(super::TRACE_ID_VAR, v),
                    None => std::env::remove_var(super::TRACE_ID_VAR),
                }
            }
        }
    }
}

pub(crate) use imp::TraceIdVar;

#[cfg(test)]
mod tests {
    use super::*;

    /// One test touches the environment, so no other test in this binary races with it.
    #[test]
    fn sets_replaces_and_removes_the_variable() {
        let mut var = TraceIdVar::new();
        var.set(Some("Root=1-abc"));
        assert_eq!(std::env::var(TRACE_ID_VAR).as_deref(), Ok("Root=1-abc"));
        var.set(Some("Root=1-defg;Parent=1;Sampled=0"));
        assert_eq!(
            std::env::var(TRACE_ID_VAR).as_deref(),
            Ok("Root=1-defg;Parent=1;Sampled=0")
        );
        var.set(Some("x"));
        assert_eq!(std::env::var(TRACE_ID_VAR).as_deref(), Ok("x"));
        // Longer than the first buffer: moves to a larger one.
        let long = "R".repeat(1000);
        var.set(Some(&long));
        assert_eq!(std::env::var(TRACE_ID_VAR).as_deref(), Ok(long.as_str()));
        var.set(None);
        assert!(std::env::var(TRACE_ID_VAR).is_err());
        var.set(Some("again"));
        assert_eq!(std::env::var(TRACE_ID_VAR).as_deref(), Ok("again"));
        var.set(None);
    }
}
