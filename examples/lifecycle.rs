//! Lifecycle hooks: SnapStart's `before_snapshot` and `after_restore`, and `shutdown`.
//!
//! The state holds an instance id. Under SnapStart every execution environment restored from
//! one snapshot starts with the state `init` built, so they would all share the id it drew:
//! `after_restore` draws a new one in each. `shutdown` says how many invocations this environment
//! served, when Lambda shuts it down. Send any event; the reply is like
//! `{"instance":"9f3c0b2e71d4a5e8","restored":true,"invocation":1}`.
//!
//! On the local Lambda, `invoke --example lifecycle --snap-start '{}'` runs the SnapStart
//! sequence first, and ends with Lambda's shutdown sequence (`SIGTERM`, then the hook).

use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::SystemTime;

struct Instance {
    id: Mutex<String>,
    restored: AtomicBool,
    invocations: AtomicU64,
}

#[derive(serde::Serialize)]
struct Reply {
    instance: String,
    restored: bool,
    invocation: u64,
}

/// A new random id (std's per-process random hash keys, and the time).
fn fresh_id() -> String {
    format!("{:016x}", RandomState::new().hash_one(SystemTime::now()))
}

/// Runs once, before the first event (or, under SnapStart, before the snapshot).
fn start() -> Instance {
    Instance {
        id: Mutex::new(fresh_id()),
        restored: AtomicBool::new(false),
        invocations: AtomicU64::new(0),
    }
}

/// Under SnapStart, just before the snapshot.
fn before_snapshot(instance: &Instance) {
    let id = instance.id.lock().unwrap_or_else(|e| e.into_inner());
    log::info!("snapshot of instance {id}");
}

/// Under SnapStart, in every restored copy, before its first event.
fn after_restore(instance: &Instance) -> Result<(), std::sync::PoisonError<()>> {
    let mut id = instance
        .id
        .lock()
        .map_err(|_| std::sync::PoisonError::new(()))?;
    *id = fresh_id();
    instance.restored.store(true, Ordering::Relaxed);
    log::info!("restored as instance {id}");
    Ok(())
}

/// When Lambda shuts the execution environment down.
fn shutdown(instance: &Instance) {
    log::info!(
        "shutting down after {} invocations",
        instance.invocations.load(Ordering::Relaxed)
    );
}

#[ruchy_lambda::handler(
    init = start,
    before_snapshot = before_snapshot,
    after_restore = after_restore,
    shutdown = shutdown
)]
fn handle(_event: &[u8], instance: &Instance) -> Reply {
    Reply {
        instance: instance
            .id
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone(),
        restored: instance.restored.load(Ordering::Relaxed),
        invocation: instance.invocations.fetch_add(1, Ordering::Relaxed) + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restore_draws_a_new_id() {
        let instance = start();
        let before = handle(b"{}", &instance);
        before_snapshot(&instance);
        after_restore(&instance).unwrap();
        let after = handle(b"{}", &instance);
        assert!(!before.restored && after.restored);
        assert_ne!(before.instance, after.instance);
        assert_eq!((before.invocation, after.invocation), (1, 2));
        shutdown(&instance);
    }
}
