//! The sandbox's init and SnapStart's restore as the runtime reports them: `/init/error`,
//! `/restore/next` and `/restore/error`.

use std::time::Instant;

use crate::error_report::ErrorReport;
use crate::http::Body;

use super::{Rejection, State};

impl State {
    /// `POST /runtime/init/error` from a runtime of sandbox `generation`.
    pub(in crate::server) fn init_error(
        &mut self,
        generation: u64,
        body: Body,
        error_type: Option<String>,
    ) -> Result<(), Rejection> {
        if self.generation != generation {
            return Err(Rejection::StaleSandbox);
        }
        if self.first_next.is_some() || self.restore.next_at.is_some() {
            return Err(Rejection::InvalidState(
                "Init error reported after the runtime asked for an invocation",
            ));
        }
        if self.init_error.is_some() {
            return Err(Rejection::InvalidState("Init error already reported"));
        }
        let bytes = match body {
            Body::Complete(bytes) => bytes,
            Body::Oversize { len } => return Err(Rejection::TooLarge(len)),
        };
        self.init_error = Some(ErrorReport::parse(bytes, error_type));
        Ok(())
    }

    /// `GET /runtime/restore/next` from a runtime of sandbox `generation`, at `at`: the end of
    /// init under SnapStart. Refused after an earlier `/restore/next` or `/invocation/next`.
    pub(in crate::server) fn restore_next_arrived(
        &mut self,
        generation: u64,
        at: Instant,
    ) -> Result<(), Rejection> {
        if self.shutdown || self.generation != generation {
            return Err(Rejection::StaleSandbox);
        }
        if self.first_next.is_some() || self.restore.next_at.is_some() {
            return Err(Rejection::InvalidState(
                "State transition from Ready to RestoreReady failed for runtime. Error: \
                 the runtime has already finished init",
            ));
        }
        if self.init_error.is_some() {
            return Err(Rejection::InvalidState(
                "State transition from InitError to RestoreReady failed for runtime. Error: \
                 init already failed",
            ));
        }
        self.restore.next_at = Some(at);
        self.extensions.closed = true;
        Ok(())
    }

    /// `POST /runtime/restore/error` from a runtime of sandbox `generation`: allowed while
    /// restoring (after `/restore/next` was answered, before the first `/invocation/next`),
    /// once.
    pub(in crate::server) fn restore_error(
        &mut self,
        generation: u64,
        body: Body,
        error_type: Option<String>,
    ) -> Result<(), Rejection> {
        if self.generation != generation {
            return Err(Rejection::StaleSandbox);
        }
        if self.restore.released_at.is_none()
            || self.first_next.is_some()
            || self.restore.error.is_some()
        {
            return Err(Rejection::InvalidState(
                "State transition to RestoreError failed for runtime. Error: \
                 not restoring",
            ));
        }
        let bytes = match body {
            Body::Complete(bytes) => bytes,
            Body::Oversize { len } => return Err(Rejection::TooLarge(len)),
        };
        self.restore.error = Some(ErrorReport::parse(bytes, error_type));
        self.restore.error_at = Some(Instant::now());
        Ok(())
    }
}
