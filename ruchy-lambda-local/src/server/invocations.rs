//! The supervisor's side of the invocations: queueing events, waiting for outcomes and streamed
//! bytes, reading the records, and settling an invocation the runtime did not.

use std::time::{Duration, Instant};

use crate::error_report::ErrorReport;
use crate::ids;
use crate::invocation::{Event, InvocationRecord, Outcome};
use crate::stream::StreamRead;

use super::state::State;
use super::{InvokeTimeout, RuntimeApiServer, lock};

impl RuntimeApiServer {
    /// Queues an event; returns its fresh request id.
    pub fn enqueue(&self, event: impl Into<Event>) -> String {
        let id = ids::request_id();
        self.enqueue_as(id.clone(), event.into());
        id
    }

    /// Queues an event under `id`, a fresh request id from [`ids::request_id`].
    pub(crate) fn enqueue_as(&self, id: String, event: Event) {
        lock(&self.shared.state).enqueue(id, event, Instant::now());
        self.shared.changed.notify_all();
    }

    /// Queues an event and waits up to `timeout` for its outcome.
    pub fn invoke(
        &self,
        event: impl Into<Event>,
        timeout: Duration,
    ) -> Result<InvocationRecord, InvokeTimeout> {
        let request_id = self.enqueue(event);
        self.wait_for(&request_id, timeout)
            .ok_or(InvokeTimeout { request_id })
    }

    /// Waits up to `timeout` for invocation `request_id` to finish (see [`Outcome::is_finished`]);
    /// `None` if it did not, or if there is no such invocation.
    pub fn wait_for(&self, request_id: &str, timeout: Duration) -> Option<InvocationRecord> {
        self.wait_until(timeout, |st| {
            let record = st.record(request_id)?;
            record.outcome.is_finished().then(|| record.clone())
        })
    }

    /// The record of invocation `request_id`, in whatever state it is.
    pub fn record(&self, request_id: &str) -> Option<InvocationRecord> {
        lock(&self.shared.state).record(request_id).cloned()
    }

    /// Every invocation, in the order queued.
    pub fn records(&self) -> Vec<InvocationRecord> {
        lock(&self.shared.state).records().cloned().collect()
    }

    /// The bytes of invocation `request_id`'s streamed reply from `offset` on, as far as they
    /// have arrived; `None` if it is unknown or its reply is not (yet) streamed.
    pub fn read_stream(&self, request_id: &str, offset: u64) -> Option<StreamRead> {
        read_stream(&lock(&self.shared.state), request_id, offset)
    }

    /// Waits up to `timeout` until invocation `request_id`'s streamed reply has bytes past
    /// `offset`, or has ended, or the invocation is settled without streaming; then
    /// [`RuntimeApiServer::read_stream`]. `None` on timeout or when the reply is not streamed.
    pub fn wait_stream(
        &self,
        request_id: &str,
        offset: u64,
        timeout: Duration,
    ) -> Option<StreamRead> {
        self.wait_until(timeout, |st| {
            let read = read_stream(st, request_id, offset)?;
            (read.ended || !read.bytes.is_empty()).then_some(read)
        })
    }

    /// Waits up to `timeout` for invocation `request_id` to finish or for new bytes of its
    /// streamed reply past `offset`.
    pub(crate) fn wait_progress(&self, request_id: &str, offset: u64, timeout: Duration) {
        self.wait_until(timeout, |st| {
            let record = st.record(request_id)?;
            let more = record
                .streamed_body()
                .is_some_and(|b| b.len() as u64 > offset);
            (more || record.outcome.is_finished()).then_some(())
        });
    }

    /// Events queued and not yet handed out.
    pub fn queued(&self) -> usize {
        lock(&self.shared.state).queued()
    }

    /// Invocations handed out and not yet finished.
    pub fn in_flight(&self) -> usize {
        lock(&self.shared.state).in_flight()
    }

    /// The most invocations that were in flight (handed out and not yet finished) at the same
    /// moment, since the server started or since [`RuntimeApiServer::clear_history`] (which
    /// starts it again from the number in flight then).
    pub fn max_in_flight(&self) -> usize {
        lock(&self.shared.state).max_in_flight()
    }

    /// `/next` requests currently blocked waiting for an event.
    pub fn waiting_next(&self) -> usize {
        lock(&self.shared.state).waiting_next
    }

    /// Waits up to `timeout` until at least one `/next` is blocked waiting for an event.
    pub fn wait_for_long_poll(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |st| (st.waiting_next > 0).then_some(()))
            .is_some()
    }

    /// Settles a queued or pending invocation as [`Outcome::TimedOut`]; an answer posted for it
    /// afterwards gets `410 Gone`. `false` if it was already finished or is unknown.
    pub fn mark_timed_out(&self, request_id: &str) -> bool {
        self.settle(request_id, Outcome::TimedOut)
    }

    /// Settles a queued or pending invocation as [`Outcome::Failed`] with the error Lambda gives
    /// the caller. `false` if it was already finished or is unknown.
    pub fn mark_failed(&self, request_id: &str, error: ErrorReport) -> bool {
        self.settle(request_id, Outcome::Failed(error))
    }

    /// Forgets finished invocations, the request log and the extension events (for long runs); the peak of
    /// [`RuntimeApiServer::max_in_flight`] starts again from the invocations in flight now.
    pub fn clear_history(&self) {
        lock(&self.shared.state).clear_history();
    }

    /// Whether invocation `request_id` is finished, and when it was handed out; `None` if unknown.
    pub(crate) fn progress(&self, request_id: &str) -> Option<(bool, Option<Instant>)> {
        let st = lock(&self.shared.state);
        let record = st.record(request_id)?;
        Some((record.outcome.is_finished(), record.handed_out_at))
    }

    fn settle(&self, request_id: &str, outcome: Outcome) -> bool {
        let settled = lock(&self.shared.state).finish(request_id, outcome);
        self.shared.changed.notify_all();
        settled
    }
}

fn read_stream(st: &State, request_id: &str, offset: u64) -> Option<StreamRead> {
    let record = st.record(request_id)?;
    let body = record.streamed_body()?;
    let stream = record.stream.as_ref()?;
    let from = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(body.len());
    Some(StreamRead {
        bytes: body[from..].to_vec(),
        ended: stream.ended_at.is_some() || record.outcome.is_finished(),
        content_type: stream.content_type.clone(),
    })
}
