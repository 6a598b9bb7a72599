//! Events to invoke a function with, and what became of each invocation.

use std::time::Instant;

use crate::error_report::ErrorReport;
use crate::stream::StreamRecord;

/// An event to invoke the function with: the payload plus the optional invocation metadata that
/// Lambda passes to the runtime in `/next` headers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    /// The payload, sent as the `/next` response body, byte for byte.
    pub body: Vec<u8>,
    /// `Lambda-Runtime-Client-Context`: JSON from the client app (mobile SDK invocations).
    pub client_context: Option<String>,
    /// `Lambda-Runtime-Cognito-Identity`: JSON about the Amazon Cognito identity provider.
    pub cognito_identity: Option<String>,
    /// `Lambda-Runtime-Aws-Tenant-Id`: the tenant of a multi-tenant function.
    pub tenant_id: Option<String>,
    /// `Lambda-Runtime-Trace-Id`: the X-Ray trace header; a fresh one is made when `None`.
    pub trace_id: Option<String>,
}

impl Event {
    /// An event with this payload.
    pub fn new(body: impl Into<Vec<u8>>) -> Self {
        Event {
            body: body.into(),
            ..Event::default()
        }
    }

    /// An event whose payload is this JSON value.
    pub fn json(value: &serde_json::Value) -> Self {
        Event::new(value.to_string())
    }

    /// Sets `Lambda-Runtime-Client-Context`.
    pub fn client_context(mut self, json: impl Into<String>) -> Self {
        self.client_context = Some(json.into());
        self
    }

    /// Sets `Lambda-Runtime-Cognito-Identity`.
    pub fn cognito_identity(mut self, json: impl Into<String>) -> Self {
        self.cognito_identity = Some(json.into());
        self
    }

    /// Sets `Lambda-Runtime-Aws-Tenant-Id`.
    pub fn tenant_id(mut self, tenant: impl Into<String>) -> Self {
        self.tenant_id = Some(tenant.into());
        self
    }

    /// Sets `Lambda-Runtime-Trace-Id` instead of a generated one.
    pub fn trace_id(mut self, trace: impl Into<String>) -> Self {
        self.trace_id = Some(trace.into());
        self
    }
}

impl From<&str> for Event {
    fn from(body: &str) -> Self {
        Event::new(body)
    }
}

impl From<String> for Event {
    fn from(body: String) -> Self {
        Event::new(body)
    }
}

impl From<&[u8]> for Event {
    fn from(body: &[u8]) -> Self {
        Event::new(body)
    }
}

impl From<Vec<u8>> for Event {
    fn from(body: Vec<u8>) -> Self {
        Event::new(body)
    }
}

impl From<serde_json::Value> for Event {
    fn from(value: serde_json::Value) -> Self {
        Event::json(&value)
    }
}

/// What became of an invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Queued, waiting for the runtime to ask for it with `/next`.
    Queued,
    /// Handed out by `/next`; no answer yet.
    Pending,
    /// The runtime posted this to `/response` (buffered, or streamed to the end: see
    /// [`InvocationRecord::stream`]).
    Response(Vec<u8>),
    /// The runtime posted this to `/error`, or ended a streamed `/response` with error trailers
    /// (the bytes streamed before it are in [`InvocationRecord::stream`]).
    Error(ErrorReport),
    /// Not answered within the function's timeout. With a concurrency of 1 the runtime was
    /// stopped; with more, it runs on and a late answer gets `410 Gone`.
    TimedOut,
    /// The sandbox failed before answering: the runtime exited or crashed (`Runtime.ExitError`),
    /// or its init failed; or a streamed reply went over the limit
    /// (`Function.ResponseSizeTooLarge`) or was cut off (`Runtime.TruncatedResponse`). The report
    /// is the error Lambda gives the caller.
    Failed(ErrorReport),
    /// The runtime asked for the next event without answering this one: Lambda treats this
    /// invocation as lost.
    Abandoned,
}

impl Outcome {
    /// `true` once the invocation can no longer change: anything but `Queued` and `Pending`.
    pub fn is_finished(&self) -> bool {
        !matches!(self, Outcome::Queued | Outcome::Pending)
    }
}

/// Everything the Runtime API server saw of one invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvocationRecord {
    /// `Lambda-Runtime-Aws-Request-Id`.
    pub request_id: String,
    /// The event, as queued.
    pub event: Event,
    /// When it was queued.
    pub queued_at: Instant,
    /// When `/next` handed it to the runtime.
    pub handed_out_at: Option<Instant>,
    /// The `Lambda-Runtime-Deadline-Ms` sent with it (epoch milliseconds).
    pub deadline_ms: Option<u64>,
    /// The `Lambda-Runtime-Trace-Id` sent with it.
    pub trace_id: Option<String>,
    /// The `Lambda-Runtime-Invocation-Id` sent with it (fresh at each hand-out), unless the
    /// server was configured not to send one.
    pub invocation_id: Option<String>,
    /// When its outcome was settled.
    pub completed_at: Option<Instant>,
    /// What became of it.
    pub outcome: Outcome,
    /// The connection (numbered from 1 in accept order) it was handed out on.
    pub connection: Option<u64>,
    /// Answers (`/response` or `/error`) accepted for it: 0 or 1.
    pub answers: u32,
    /// Answers rejected for it (too large, duplicate, too late).
    pub rejected: u32,
    /// The streamed reply, when the runtime answered with
    /// `Lambda-Runtime-Function-Response-Mode: streaming`, from its first byte on.
    pub stream: Option<StreamRecord>,
}

impl InvocationRecord {
    /// The bytes of a streamed reply received so far (all of them once it completed); `None`
    /// when the reply is not streamed.
    pub fn streamed_body(&self) -> Option<&[u8]> {
        let stream = self.stream.as_ref()?;
        Some(match &self.outcome {
            Outcome::Response(body) => body,
            _ => &stream.body,
        })
    }

    /// The time from hand-out to the runtime's answer, when both happened.
    pub fn duration(&self) -> Option<std::time::Duration> {
        Some(
            self.completed_at?
                .saturating_duration_since(self.handed_out_at?),
        )
    }
}
