//! Invocations from queued to handed out: queueing events, `/next` (the end of init; with a
//! concurrency of 1 it abandons the invocation left unanswered), the hand-out, a requeue when
//! the `/next` response could not be written, and settling.

use std::time::Instant;

use crate::ids;
use crate::invocation::{Event, InvocationRecord, Outcome};

use super::State;

/// An invocation just handed out: what the `/next` response carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::server) struct HandOut {
    pub(in crate::server) request_id: String,
    pub(in crate::server) deadline_ms: u64,
    pub(in crate::server) trace_id: String,
    pub(in crate::server) invocation_id: Option<String>,
    pub(in crate::server) event: Event,
}

impl State {
    pub(in crate::server) fn enqueue(&mut self, id: String, event: Event, now: Instant) {
        self.records.insert(
            id.clone(),
            InvocationRecord {
                request_id: id.clone(),
                event,
                queued_at: now,
                handed_out_at: None,
                deadline_ms: None,
                trace_id: None,
                invocation_id: None,
                completed_at: None,
                outcome: Outcome::Queued,
                connection: None,
                answers: 0,
                rejected: 0,
                stream: None,
            },
        );
        self.order.push(id.clone());
        self.queue.push_back(id);
    }

    pub(in crate::server) fn record(&self, id: &str) -> Option<&InvocationRecord> {
        self.records.get(id)
    }

    pub(in crate::server) fn records(&self) -> impl Iterator<Item = &InvocationRecord> {
        self.order.iter().filter_map(|id| self.records.get(id))
    }

    pub(in crate::server) fn queued(&self) -> usize {
        self.queue.len()
    }

    pub(in crate::server) fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    pub(in crate::server) fn max_in_flight(&self) -> usize {
        self.max_in_flight
    }

    /// A `/next` arrived from a runtime of sandbox `generation`. `false` when it cannot be served
    /// (shutting down, or the sandbox was replaced). Marks the end of init; with a concurrency
    /// of 1, abandons the invocation the runtime did not answer before asking again.
    pub(in crate::server) fn next_arrived(&mut self, generation: u64, at: Instant) -> bool {
        if self.shutdown || self.generation != generation {
            return false;
        }
        self.first_next.get_or_insert(at);
        // Init is over: extensions can no longer register.
        self.extensions.closed = true;
        if self.max_concurrency == 1 {
            for id in self.in_flight.clone() {
                self.finish(&id, Outcome::Abandoned);
            }
        }
        true
    }

    /// Whether a waiting `/next` can be given an event now.
    pub(in crate::server) fn can_hand_out(&self) -> bool {
        !self.queue.is_empty() && self.in_flight.len() < self.max_concurrency
    }

    /// Hands the first queued event out on connection `conn`, with the deadline `timeout_ms`
    /// from now.
    pub(in crate::server) fn hand_out(&mut self, conn: u64, timeout_ms: u64) -> Option<HandOut> {
        if !self.can_hand_out() {
            return None;
        }
        let id = self.queue.pop_front()?;
        let record = self.records.get_mut(&id)?;
        let deadline_ms = ids::epoch_millis() + timeout_ms;
        let trace_id = record.event.trace_id.clone().unwrap_or_else(ids::trace_id);
        let invocation_id = self.send_invocation_id.then(ids::invocation_id);
        record.handed_out_at = Some(Instant::now());
        record.deadline_ms = Some(deadline_ms);
        record.trace_id = Some(trace_id.clone());
        record.invocation_id = invocation_id.clone();
        record.outcome = Outcome::Pending;
        record.connection = Some(conn);
        let hand_out = HandOut {
            request_id: id.clone(),
            deadline_ms,
            trace_id,
            invocation_id,
            event: record.event.clone(),
        };
        self.in_flight.push(id);
        self.max_in_flight = self.max_in_flight.max(self.in_flight.len());
        self.extensions.invoke(
            &hand_out.request_id,
            deadline_ms,
            &self.function_arn,
            &hand_out.trace_id,
        );
        Some(hand_out)
    }

    /// The `/next` response for `id` could not be written: the runtime never got it, so it goes
    /// back to the front of the queue.
    pub(in crate::server) fn requeue(&mut self, id: &str) {
        let Some(record) = self.records.get_mut(id) else {
            return;
        };
        if record.outcome == Outcome::Pending {
            record.outcome = Outcome::Queued;
            record.handed_out_at = None;
            record.deadline_ms = None;
            record.invocation_id = None;
            record.connection = None;
            record.stream = None;
            self.queue.push_front(id.to_owned());
            self.in_flight.retain(|i| i != id);
        }
    }

    /// Settles a queued or pending invocation; `false` if it is unknown or already finished.
    pub(in crate::server) fn finish(&mut self, id: &str, outcome: Outcome) -> bool {
        let Some(record) = self.records.get_mut(id) else {
            return false;
        };
        if record.outcome.is_finished() {
            return false;
        }
        if record.outcome == Outcome::Queued {
            self.queue.retain(|q| q != id);
        }
        record.outcome = outcome;
        record.completed_at = Some(Instant::now());
        self.in_flight.retain(|i| i != id);
        true
    }
}
