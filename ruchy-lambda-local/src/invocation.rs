//! Events to invoke a function with, and what became of each invocation.

use std::time::Instant;

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

/// An error as reported to `/runtime/invocation/{id}/error` or `/runtime/init/error`, or as
/// Lambda makes one up when the runtime fails (`Runtime.ExitError`, a timeout).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorReport {
    /// The `Lambda-Runtime-Function-Error-Type` request header, if sent.
    pub error_type_header: Option<String>,
    /// The request body, byte for byte.
    pub body: Vec<u8>,
    /// `errorType` from the body, when the body is a JSON object that has it as a string.
    pub error_type: Option<String>,
    /// `errorMessage` from the body, when the body is a JSON object that has it as a string.
    pub error_message: Option<String>,
    /// `stackTrace` from the body: its string elements, others as JSON text.
    pub stack_trace: Vec<String>,
}

impl ErrorReport {
    /// Parses an error body leniently: anything that is not the expected JSON shape is kept as
    /// raw bytes only.
    pub fn parse(body: Vec<u8>, error_type_header: Option<String>) -> Self {
        let mut report = ErrorReport {
            error_type_header,
            body,
            ..ErrorReport::default()
        };
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(&report.body) {
            let text = |key: &str| map.get(key).and_then(|v| v.as_str()).map(str::to_owned);
            report.error_type = text("errorType");
            report.error_message = text("errorMessage");
            if let Some(serde_json::Value::Array(frames)) = map.get("stackTrace") {
                report.stack_trace = frames
                    .iter()
                    .map(|f| f.as_str().map_or_else(|| f.to_string(), str::to_owned))
                    .collect();
            }
        }
        report
    }

    /// An error made up by Lambda itself (not sent by the runtime), with this JSON body:
    /// `{"errorType":..., "errorMessage":...}`, or only `errorMessage` when `error_type` is `None`.
    pub fn lambda(error_type: Option<&str>, error_message: &str) -> Self {
        // Written by hand to keep Lambda's key order: errorType first.
        let quote = |s: &str| serde_json::Value::from(s).to_string();
        let body = match error_type {
            Some(t) => format!(
                r#"{{"errorType":{},"errorMessage":{}}}"#,
                quote(t),
                quote(error_message)
            ),
            None => format!(r#"{{"errorMessage":{}}}"#, quote(error_message)),
        };
        ErrorReport::parse(body.into_bytes(), None)
    }

    /// The error type: `errorType` from the body, else the header, else `Unhandled`.
    pub fn kind(&self) -> &str {
        self.error_type
            .as_deref()
            .or(self.error_type_header.as_deref())
            .unwrap_or("Unhandled")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_error_bodies_leniently() {
        let r = ErrorReport::parse(
            br#"{"errorMessage":"m","errorType":"T","stackTrace":["a",{"f":1}]}"#.to_vec(),
            Some("H".into()),
        );
        assert_eq!(r.error_type.as_deref(), Some("T"));
        assert_eq!(r.error_message.as_deref(), Some("m"));
        assert_eq!(r.stack_trace, ["a", r#"{"f":1}"#]);
        assert_eq!(r.kind(), "T");

        let r = ErrorReport::parse(b"not json".to_vec(), Some("H".into()));
        assert_eq!((r.error_type.as_deref(), r.kind()), (None, "H"));
        assert_eq!(r.body, b"not json");
        assert_eq!(
            ErrorReport::parse(b"[1]".to_vec(), None).kind(),
            "Unhandled"
        );

        let r = ErrorReport::lambda(Some("Runtime.ExitError"), "RequestId: x Error: y");
        assert_eq!(
            r.body,
            br#"{"errorType":"Runtime.ExitError","errorMessage":"RequestId: x Error: y"}"#
        );
    }
}
