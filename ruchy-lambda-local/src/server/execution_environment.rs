//! The supervisor's side of the execution environment: the end of init (the first `/next`, an
//! init error), SnapStart's restore, the extensions and their `SHUTDOWN` event, and a reset for
//! a new runtime process.

use std::time::{Duration, Instant, SystemTime};

use crate::error_report::ErrorReport;

use super::lifecycle::{self, DeliveredEvent, Extension, ShutdownReason};
use super::{RuntimeApiServer, lock};

// For the links in the docs.
#[cfg(doc)]
use crate::invocation::Outcome;

impl RuntimeApiServer {
    /// The error the runtime posted to `/runtime/init/error` in this sandbox, if any.
    pub fn init_error(&self) -> Option<ErrorReport> {
        lock(&self.shared.state).init_error.clone()
    }

    /// When the first `/next` of this sandbox arrived: the end of init.
    pub fn first_next_at(&self) -> Option<Instant> {
        lock(&self.shared.state).first_next
    }

    /// Waits up to `timeout` for the first `/next` of this sandbox; returns when it arrived.
    pub fn wait_for_first_next(&self, timeout: Duration) -> Option<Instant> {
        self.wait_until(timeout, |st| st.first_next)
    }

    /// The extensions registered in this sandbox, in registration order.
    pub fn extensions(&self) -> Vec<Extension> {
        lock(&self.shared.state).extensions.list()
    }

    /// Every event handed to an extension (`INVOKE`, `SHUTDOWN`), in every sandbox so far, in
    /// order (until [`RuntimeApiServer::clear_history`]).
    pub fn extension_events(&self) -> Vec<DeliveredEvent> {
        lock(&self.shared.state).extension_events.clone()
    }

    /// Waits up to `timeout` until every registered extension of this sandbox has asked for an
    /// event (Lambda's `Ready`); whether they all have.
    pub fn wait_extensions_ready(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |st| {
            st.extensions
                .registered
                .iter()
                .all(|r| r.info.ready)
                .then_some(())
        })
        .is_some()
    }

    /// Waits up to `timeout` until at least `count` extensions are registered in this sandbox.
    pub fn wait_for_extensions(&self, count: usize, timeout: Duration) -> Option<Vec<Extension>> {
        self.wait_until(timeout, |st| {
            (st.extensions.registered.len() >= count).then(|| st.extensions.list())
        })
    }

    /// Queues the `SHUTDOWN` event (`shutdownReason` `reason`, `deadlineMs` `deadline`) for every
    /// extension registered for it that has not had it yet, ahead of any event still queued for
    /// it; nothing is handed out to them after it. Returns how many extensions it was queued for.
    pub fn deliver_shutdown(&self, reason: ShutdownReason, deadline: SystemTime) -> usize {
        let count = lock(&self.shared.state)
            .extensions
            .shutdown(reason, lifecycle::epoch_ms(deadline));
        self.shared.changed.notify_all();
        count
    }

    /// Waits up to `timeout` until every `SHUTDOWN` event queued has been handed out; whether it
    /// was.
    pub fn wait_shutdown_delivered(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |st| {
            (!st.extensions.shutdown_pending()).then_some(())
        })
        .is_some()
    }

    /// When `/runtime/restore/next` arrived in this sandbox (SnapStart): the end of init.
    pub fn restore_next_at(&self) -> Option<Instant> {
        lock(&self.shared.state).restore.next_at
    }

    /// Answers the waiting `/runtime/restore/next` (the snapshot is "restored"): the start of the
    /// restore phase. `false` if none has arrived, or it was already released.
    pub fn release_restore(&self) -> bool {
        let released = {
            let mut st = lock(&self.shared.state);
            if st.restore.next_at.is_none() || st.restore.released_at.is_some() {
                false
            } else {
                st.restore.released_at = Some(Instant::now());
                true
            }
        };
        self.shared.changed.notify_all();
        released
    }

    /// When `/runtime/restore/next` was released in this sandbox.
    pub fn restore_released_at(&self) -> Option<Instant> {
        lock(&self.shared.state).restore.released_at
    }

    /// The error the runtime posted to `/runtime/restore/error` in this sandbox, and when.
    pub fn restore_error(&self) -> Option<(ErrorReport, Instant)> {
        let st = lock(&self.shared.state);
        Some((st.restore.error.clone()?, st.restore.error_at?))
    }

    /// Starts a new sandbox, as after the runtime process was stopped: closes every open
    /// connection (they belong to the old process), forgets the first `/next`, the init error,
    /// the restore phase and the registered extensions,
    /// and settles every invocation still in flight as [`Outcome::Abandoned`]. Queued events stay
    /// queued.
    pub fn reset_sandbox(&self) {
        lock(&self.shared.state).reset_sandbox();
        self.shared.changed.notify_all();
    }
}
