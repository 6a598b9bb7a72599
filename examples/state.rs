//! A state built once by `init` and shared by every warm invocation.
//!
//! Send any event, e.g. `{}`. The reply is like `{"invocation":3,"init_ms":1732675200123}`:
//! `invocation` counts up on a warm sandbox, and `init_ms` (when `init` ran, in milliseconds
//! since the Unix epoch) stays the same, which shows the state is reused.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

struct State {
    init_ms: u64,
    invocations: AtomicU64,
}

#[derive(serde::Serialize)]
struct Reply {
    invocation: u64,
    init_ms: u64,
}

/// Runs once, before the first event.
fn make_state() -> State {
    let init_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    State {
        init_ms,
        invocations: AtomicU64::new(0),
    }
}

#[ruchy_lambda::handler(init = make_state)]
fn handle(_event: &[u8], state: &State) -> Reply {
    Reply {
        invocation: state.invocations.fetch_add(1, Ordering::Relaxed) + 1,
        init_ms: state.init_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_is_reused() {
        let state = make_state();
        let first = handle(b"{}", &state);
        let second = handle(b"{}", &state);
        assert_eq!((first.invocation, second.invocation), (1, 2));
        assert_eq!(first.init_ms, second.init_ms);
    }
}
