//! The socket errors the client acts on: a read interrupted by a signal (read again), and a
//! connection the peer has dropped (send the request again on a fresh one).
//!
//! On Linux for x86_64 and arm64 (Lambda's two architectures) the OS error number is compared
//! directly. `io::Error::kind` would do the same by mapping every error number through a table,
//! about 300 bytes that every bootstrap would carry for these four comparisons; elsewhere it is
//! what is used.

use std::io;

#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
mod number {
    // The values of <asm-generic/errno-base.h> and <asm-generic/errno.h>, which both
    // architectures use.
    pub const EINTR: i32 = 4;
    pub const EPIPE: i32 = 32;
    pub const ECONNABORTED: i32 = 103;
    pub const ECONNRESET: i32 = 104;
}

/// The call was interrupted by a signal before anything was transferred: try it again.
#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
pub(super) fn is_interrupted(e: &io::Error) -> bool {
    e.raw_os_error() == Some(number::EINTR)
}

/// The peer closed or reset the connection (`EPIPE`, `ECONNRESET`, `ECONNABORTED`).
#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
pub(super) fn is_connection_lost(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(number::EPIPE | number::ECONNRESET | number::ECONNABORTED)
    )
}

/// The call was interrupted by a signal before anything was transferred: try it again.
#[cfg(not(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
)))]
pub(super) fn is_interrupted(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::Interrupted
}

/// The peer closed or reset the connection.
#[cfg(not(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
)))]
pub(super) fn is_connection_lost(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_errors_a_dropped_connection_gives() {
        for kind in [
            io::ErrorKind::BrokenPipe,
            io::ErrorKind::ConnectionReset,
            io::ErrorKind::ConnectionAborted,
        ] {
            let e = os_error_of(kind);
            assert!(is_connection_lost(&e), "{kind:?}");
            assert!(!is_interrupted(&e), "{kind:?}");
        }
        let e = os_error_of(io::ErrorKind::Interrupted);
        assert!(is_interrupted(&e));
        assert!(!is_connection_lost(&e));
        for kind in [io::ErrorKind::ConnectionRefused, io::ErrorKind::TimedOut] {
            let e = os_error_of(kind);
            assert!(!is_connection_lost(&e) && !is_interrupted(&e), "{kind:?}");
        }
    }

    /// The OS error of `kind`, as the socket calls return it: found by the standard library's
    /// own mapping, so that the numbers above are checked against it.
    fn os_error_of(kind: io::ErrorKind) -> io::Error {
        (1..200)
            .map(io::Error::from_raw_os_error)
            .find(|e| e.kind() == kind)
            .unwrap_or_else(|| panic!("no OS error number of kind {kind:?}"))
    }
}
