//! A runtime's answers: a `/response` or `/error` for a handed-out invocation, checked (request
//! id, invocation id, state) before it settles it, and a streamed `/response` from its first to
//! its last byte.

use std::time::Instant;

use crate::error_report::ErrorReport;
use crate::http::Body;
use crate::ids;
use crate::invocation::{InvocationRecord, Outcome};
use crate::stream::StreamRecord;

use super::{Rejection, State};

/// What a runtime posted for an invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::server) enum Answer {
    /// `POST /runtime/invocation/{id}/response`.
    Response,
    /// `POST /runtime/invocation/{id}/error`, with its `Lambda-Runtime-Function-Error-Type`.
    Error {
        /// The error type header, if sent.
        error_type: Option<String>,
    },
}

impl State {
    /// Whether invocation `id` may be answered now by a runtime of sandbox `generation` that
    /// sent the `Lambda-Runtime-Invocation-Id` header `invocation_id` (if any); counts a refusal.
    fn check_answer(
        &mut self,
        generation: u64,
        id: &str,
        invocation_id: Option<&str>,
    ) -> Result<&mut InvocationRecord, Rejection> {
        if !ids::is_valid_request_id(id) {
            return Err(Rejection::InvalidRequestId("Invalid request ID".to_owned()));
        }
        if self.generation != generation {
            return Err(Rejection::StaleSandbox);
        }
        let Some(record) = self.records.get_mut(id) else {
            return Err(Rejection::InvalidRequestId(format!(
                "Invalid request ID: {id}"
            )));
        };
        let rejection = match &record.outcome {
            Outcome::Queued => Some(Rejection::InvalidRequestId(format!(
                "Invocation {id} has not been handed out"
            ))),
            _ if invocation_id.is_some() && invocation_id != record.invocation_id.as_deref() => {
                Some(Rejection::Gone(format!(
                    "Invocation id {} does not match invocation {id}",
                    invocation_id.unwrap_or_default()
                )))
            }
            Outcome::Pending if record.stream.is_some() => Some(Rejection::InvalidRequestId(
                format!("Invocation {id} is already streaming a response"),
            )),
            Outcome::Pending => None,
            Outcome::TimedOut => Some(Rejection::Gone(format!("Invocation {id} timed out"))),
            Outcome::Response(_) | Outcome::Error(_) => Some(Rejection::InvalidRequestId(format!(
                "Invocation {id} was already answered"
            ))),
            Outcome::Failed(_) | Outcome::Abandoned => Some(Rejection::InvalidRequestId(format!(
                "Invocation {id} is no longer in progress"
            ))),
        };
        if let Some(rejection) = rejection {
            record.rejected += 1;
            return Err(rejection);
        }
        Ok(record)
    }

    /// An answer from a runtime of sandbox `generation` for invocation `id`, carrying the
    /// `Lambda-Runtime-Invocation-Id` header `invocation_id` (if sent).
    pub(in crate::server) fn answer(
        &mut self,
        generation: u64,
        id: &str,
        invocation_id: Option<&str>,
        body: Body,
        answer: Answer,
    ) -> Result<(), Rejection> {
        let record = self.check_answer(generation, id, invocation_id)?;
        let bytes = match body {
            Body::Complete(bytes) => bytes,
            Body::Oversize { len } => {
                // The invocation stays pending: the runtime can still report an error for it.
                record.rejected += 1;
                return Err(Rejection::TooLarge(len));
            }
        };
        record.answers += 1;
        let outcome = match answer {
            Answer::Response => Outcome::Response(bytes),
            Answer::Error { error_type } => Outcome::Error(ErrorReport::parse(bytes, error_type)),
        };
        self.finish(id, outcome);
        Ok(())
    }

    /// A streamed `/response` begins for invocation `id` (checked as [`State::answer`] checks).
    pub(in crate::server) fn begin_stream(
        &mut self,
        generation: u64,
        id: &str,
        invocation_id: Option<&str>,
        content_type: Option<String>,
        at: Instant,
    ) -> Result<(), Rejection> {
        let record = self.check_answer(generation, id, invocation_id)?;
        record.answers += 1;
        record.stream = Some(StreamRecord::new(content_type, at));
        Ok(())
    }

    /// The stream of invocation `id`, while it may still receive bytes: the invocation is
    /// pending (not settled by a timeout or a reset meanwhile).
    pub(in crate::server) fn open_stream(&mut self, id: &str) -> Option<&mut StreamRecord> {
        let record = self.records.get_mut(id)?;
        if record.outcome != Outcome::Pending {
            return None;
        }
        record.stream.as_mut()
    }

    /// Ends the stream of invocation `id` with `outcome` (the bytes move into a
    /// [`Outcome::Response`]); `false` if the invocation was settled meanwhile.
    pub(in crate::server) fn end_stream(
        &mut self,
        id: &str,
        outcome: Outcome,
        at: Instant,
    ) -> bool {
        let Some(stream) = self.open_stream(id) else {
            if let Some(stream) = self.records.get_mut(id).and_then(|r| r.stream.as_mut()) {
                stream.ended_at.get_or_insert(at);
            }
            return false;
        };
        stream.ended_at = Some(at);
        let outcome = match outcome {
            Outcome::Response(_) => Outcome::Response(std::mem::take(&mut stream.body)),
            other => other,
        };
        let settled = self.finish(id, outcome);
        if let Some(record) = self.records.get_mut(id).filter(|_| settled) {
            // Duration ends at the last chunk.
            record.completed_at = Some(at);
        }
        settled
    }
}
