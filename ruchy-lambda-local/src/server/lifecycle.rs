//! The lifecycle parts of the API beside the invocations, with no sockets: SnapStart's restore
//! (`/runtime/restore/next`, `/runtime/restore/error`) and the Extensions API (version
//! 2020-01-01: `/extension/register`, `/extension/event/next`) with its `INVOKE` and `SHUTDOWN`
//! events.
//!
//! Status codes, error types and messages follow AWS's Runtime Interface Emulator
//! (`lambda/rapi/handler/constants.go`, `agentregister.go`, `agentnext.go`, `restorenext.go`,
//! `restoreerror.go`, `lambda/rapi/middleware/middleware.go`): every refusal is a `403` with
//! `{"errorMessage":…,"errorType":…}`.

use std::collections::VecDeque;
use std::fmt;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::extension_event::ExtensionEvent;
use crate::ids;

/// How many extensions a function may have, as on Lambda (`core.MaxAgentsAllowed`).
pub const MAX_EXTENSIONS: usize = 10;

/// Why an execution environment is shut down: the `shutdownReason` of the `SHUTDOWN` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownReason {
    /// `spindown`: a normal end (the function is stopped).
    Spindown,
    /// `timeout`: after an invocation ran past the function timeout.
    Timeout,
    /// `failure`: after a failure (an init or restore error, a crash).
    Failure,
}

impl ShutdownReason {
    /// `spindown`, `timeout` or `failure`.
    pub fn as_str(self) -> &'static str {
        match self {
            ShutdownReason::Spindown => "spindown",
            ShutdownReason::Timeout => "timeout",
            ShutdownReason::Failure => "failure",
        }
    }
}

impl fmt::Display for ShutdownReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An extension registered with the Extensions API in the current execution environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// The `Lambda-Extension-Name` it registered under.
    pub name: String,
    /// The `Lambda-Extension-Identifier` it was given (a UUID).
    pub id: String,
    /// The events it registered for, in the order it listed them.
    pub events: Vec<ExtensionEvent>,
    /// When it registered.
    pub registered_at: Instant,
    /// Whether it has asked for an event (`/event/next`) at least once: Lambda's `Ready` state.
    pub ready: bool,
    /// Events handed to it so far.
    pub events_delivered: u64,
    /// Whether it has been handed the `SHUTDOWN` event.
    pub shutdown_delivered: bool,
}

impl Extension {
    /// Whether it registered for `event`.
    pub fn wants(&self, event: ExtensionEvent) -> bool {
        self.events.contains(&event)
    }
}

/// An event handed to an extension by `/extension/event/next`
/// ([`crate::RuntimeApiServer::extension_events`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveredEvent {
    /// The extension's name.
    pub extension: String,
    /// The extension's identifier.
    pub extension_id: String,
    /// The event, as sent: `{"eventType":"INVOKE",…}` or `{"eventType":"SHUTDOWN",…}`.
    pub body: String,
    /// When it was handed out.
    pub at: Instant,
}

impl DeliveredEvent {
    /// The event as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_default()
    }
}

/// An extension and the events waiting for its `/event/next`.
#[derive(Debug)]
pub(super) struct Registered {
    pub(super) info: Extension,
    pub(super) queue: VecDeque<Vec<u8>>,
    /// A `SHUTDOWN` event is queued and not yet handed out.
    pub(super) shutdown_pending: bool,
}

/// Why an extension request was refused: `403` with this error type and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Refusal {
    pub(super) error_type: &'static str,
    pub(super) message: String,
}

fn refuse(error_type: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        error_type,
        message: message.into(),
    }
}

/// The state of the extensions of one execution environment.
#[derive(Debug, Default)]
pub(super) struct Extensions {
    pub(super) registered: Vec<Registered>,
    /// Init is over: registration is refused from now on.
    pub(super) closed: bool,
}

/// The body `/extension/register` answers with.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RegisterResponse<'a> {
    function_name: &'a str,
    function_version: &'a str,
    handler: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InvokeEvent<'a> {
    event_type: &'a str,
    deadline_ms: u64,
    request_id: &'a str,
    invoked_function_arn: &'a str,
    tracing: Tracing<'a>,
}

#[derive(Serialize)]
struct Tracing<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ShutdownEvent<'a> {
    event_type: &'a str,
    deadline_ms: u64,
    shutdown_reason: &'a str,
}

/// Milliseconds since the epoch of `at`.
pub(super) fn epoch_ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Whether `id` has the shape of a UUID (`8-4-4-4-12` hex digits), as Lambda requires of an
/// extension identifier.
pub(super) fn is_uuid(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The events of a `/extension/register` body: `{"events":[…]}` with `INVOKE` and `SHUTDOWN`
/// only (an empty list is allowed).
pub(super) fn parse_events(body: &[u8]) -> Result<Vec<ExtensionEvent>, Refusal> {
    #[derive(serde::Deserialize)]
    struct Request {
        #[serde(default)]
        events: Vec<String>,
    }
    let request: Request =
        serde_json::from_slice(body).map_err(|e| refuse("InvalidRequestFormat", e.to_string()))?;
    let mut events = Vec::new();
    for name in &request.events {
        let event = ExtensionEvent::from_name(name).ok_or_else(|| {
            refuse(
                "Extension.InvalidEventType",
                format!("{name}: ErrorInvalidEventType"),
            )
        })?;
        if !events.contains(&event) {
            events.push(event);
        }
    }
    Ok(events)
}

impl Extensions {
    /// `POST /extension/register` with the `Lambda-Extension-Name` `name` and `body`: the new
    /// identifier and the response body.
    pub(super) fn register(
        &mut self,
        name: Option<&str>,
        body: &[u8],
        function_name: &str,
        now: Instant,
    ) -> Result<(String, Vec<u8>), Refusal> {
        let name = name.unwrap_or_default();
        if name.is_empty() {
            return Err(refuse(
                "Extension.InvalidExtensionName",
                "Empty extension name",
            ));
        }
        let events = parse_events(body)?;
        if self.closed {
            return Err(refuse(
                "Extension.RegistrationClosed",
                "Extension registration closed already",
            ));
        }
        if self.registered.iter().any(|r| r.info.name == name) {
            return Err(refuse(
                "Extension.InvalidExtensionState",
                "Extension with this name already registered",
            ));
        }
        if self.registered.len() >= MAX_EXTENSIONS {
            return Err(refuse(
                "Extension.TooManyExtensions",
                format!("Extension limit ({MAX_EXTENSIONS}) reached"),
            ));
        }
        let id = ids::request_id();
        self.registered.push(Registered {
            info: Extension {
                name: name.to_owned(),
                id: id.clone(),
                events,
                registered_at: now,
                ready: false,
                events_delivered: 0,
                shutdown_delivered: false,
            },
            queue: VecDeque::new(),
            shutdown_pending: false,
        });
        let body = serde_json::to_vec(&RegisterResponse {
            function_name,
            function_version: crate::identity::VERSION,
            handler: crate::identity::HANDLER,
        })
        .unwrap_or_default();
        Ok((id, body))
    }

    /// The registered extension with the `Lambda-Extension-Identifier` `id`, checked as Lambda
    /// checks it.
    pub(super) fn find(&mut self, id: Option<&str>) -> Result<&mut Registered, Refusal> {
        let id = id.unwrap_or_default();
        if id.is_empty() {
            return Err(refuse(
                "Extension.MissingExtensionIdentifier",
                "Missing Lambda-Extension-Identifier header",
            ));
        }
        if !is_uuid(id) {
            return Err(refuse(
                "Extension.InvalidExtensionIdentifier",
                "Invalid Lambda-Extension-Identifier",
            ));
        }
        self.registered
            .iter_mut()
            .find(|r| r.info.id == id)
            .ok_or_else(|| {
                refuse(
                    "Extension.UnknownExtensionIdentifier",
                    format!("Unknown extension {id}"),
                )
            })
    }

    /// Queues the `INVOKE` event of an invocation just handed out for every extension that
    /// registered for it.
    pub(super) fn invoke(
        &mut self,
        request_id: &str,
        deadline_ms: u64,
        function_arn: &str,
        trace_id: &str,
    ) {
        let event = InvokeEvent {
            event_type: "INVOKE",
            deadline_ms,
            request_id,
            invoked_function_arn: function_arn,
            tracing: Tracing {
                kind: "X-Amzn-Trace-Id",
                value: trace_id,
            },
        };
        let body = serde_json::to_vec(&event).unwrap_or_default();
        for r in &mut self.registered {
            if r.info.wants(ExtensionEvent::Invoke) {
                r.queue.push_back(body.clone());
            }
        }
    }

    /// Queues the `SHUTDOWN` event, ahead of anything else, for every extension that registered
    /// for it and has not had it yet; how many.
    pub(super) fn shutdown(&mut self, reason: ShutdownReason, deadline_ms: u64) -> usize {
        let event = ShutdownEvent {
            event_type: "SHUTDOWN",
            deadline_ms,
            shutdown_reason: reason.as_str(),
        };
        let body = serde_json::to_vec(&event).unwrap_or_default();
        let mut count = 0;
        for r in &mut self.registered {
            if r.info.wants(ExtensionEvent::Shutdown)
                && !r.info.shutdown_delivered
                && !r.shutdown_pending
            {
                // Nothing is handed out after SHUTDOWN.
                r.queue.clear();
                r.queue.push_back(body.clone());
                r.shutdown_pending = true;
                count += 1;
            }
        }
        count
    }

    /// Whether a `SHUTDOWN` event is queued and not yet handed out.
    pub(super) fn shutdown_pending(&self) -> bool {
        self.registered.iter().any(|r| r.shutdown_pending)
    }

    /// The public view of every extension, in registration order.
    pub(super) fn list(&self) -> Vec<Extension> {
        self.registered.iter().map(|r| r.info.clone()).collect()
    }
}

impl Registered {
    /// Takes the next event queued for it, if any.
    pub(super) fn take(&mut self) -> Option<Vec<u8>> {
        let event = self.queue.pop_front()?;
        self.info.events_delivered += 1;
        if self.shutdown_pending && self.queue.is_empty() {
            self.shutdown_pending = false;
            self.info.shutdown_delivered = true;
        }
        Some(event)
    }
}

/// SnapStart's restore phase in one execution environment.
#[derive(Debug, Default, Clone)]
pub(super) struct Restore {
    /// When `/runtime/restore/next` arrived: the end of init.
    pub(super) next_at: Option<Instant>,
    /// When the supervisor released it (the snapshot "restored"): the start of restore.
    pub(super) released_at: Option<Instant>,
    /// What the runtime posted to `/runtime/restore/error`.
    pub(super) error: Option<crate::error_report::ErrorReport>,
    /// When it posted it.
    pub(super) error_at: Option<Instant>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registered(ext: &mut Extensions, name: &str, events: &str) -> String {
        let body = format!(r#"{{"events":{events}}}"#);
        ext.register(Some(name), body.as_bytes(), "f", Instant::now())
            .unwrap()
            .0
    }

    #[test]
    fn registration_checks_as_lambda_does() {
        let mut ext = Extensions::default();
        let (id, body) = ext
            .register(
                Some("a"),
                br#"{"events":["INVOKE","SHUTDOWN"]}"#,
                "orders",
                Instant::now(),
            )
            .unwrap();
        assert!(is_uuid(&id), "{id}");
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"functionName":"orders","functionVersion":"$LATEST","handler":"bootstrap"}"#
        );
        let refusal = |r: Result<(String, Vec<u8>), Refusal>| r.unwrap_err().error_type;
        let now = Instant::now();
        assert_eq!(
            refusal(ext.register(None, b"{}", "f", now)),
            "Extension.InvalidExtensionName"
        );
        assert_eq!(
            refusal(ext.register(Some("b"), br#"{"events":["START"]}"#, "f", now)),
            "Extension.InvalidEventType"
        );
        assert_eq!(
            refusal(ext.register(Some("b"), b"not json", "f", now)),
            "InvalidRequestFormat"
        );
        assert_eq!(
            refusal(ext.register(Some("a"), br#"{"events":[]}"#, "f", now)),
            "Extension.InvalidExtensionState"
        );
        for i in 1..MAX_EXTENSIONS {
            registered(&mut ext, &format!("x{i}"), "[]");
        }
        assert_eq!(
            refusal(ext.register(Some("one-more"), br#"{"events":[]}"#, "f", now)),
            "Extension.TooManyExtensions"
        );
        let mut ext = Extensions {
            closed: true,
            ..Extensions::default()
        };
        assert_eq!(
            refusal(ext.register(Some("late"), br#"{"events":[]}"#, "f", now)),
            "Extension.RegistrationClosed"
        );
    }

    #[test]
    fn identifiers_are_checked() {
        let mut ext = Extensions::default();
        let id = registered(&mut ext, "a", r#"["INVOKE"]"#);
        assert_eq!(ext.find(Some(&id)).unwrap().info.name, "a");
        let kind = |ext: &mut Extensions, id: Option<&str>| ext.find(id).unwrap_err().error_type;
        assert_eq!(kind(&mut ext, None), "Extension.MissingExtensionIdentifier");
        assert_eq!(
            kind(&mut ext, Some("nope")),
            "Extension.InvalidExtensionIdentifier"
        );
        assert_eq!(
            kind(&mut ext, Some("00000000-0000-4000-8000-000000000000")),
            "Extension.UnknownExtensionIdentifier"
        );
    }

    #[test]
    fn events_go_to_those_registered_for_them() {
        let mut ext = Extensions::default();
        let both = registered(&mut ext, "both", r#"["INVOKE","SHUTDOWN"]"#);
        let invoke = registered(&mut ext, "invoke", r#"["INVOKE"]"#);
        let none = registered(&mut ext, "none", "[]");
        ext.invoke("req-1", 1_000, "arn:f", "Root=1-a");
        let event = ext.find(Some(&invoke)).unwrap().take().unwrap();
        assert_eq!(
            String::from_utf8(event).unwrap(),
            r#"{"eventType":"INVOKE","deadlineMs":1000,"requestId":"req-1","invokedFunctionArn":"arn:f","tracing":{"type":"X-Amzn-Trace-Id","value":"Root=1-a"}}"#
        );
        assert_eq!(ext.find(Some(&none)).unwrap().take(), None);
        // SHUTDOWN goes ahead of an INVOKE not yet taken, once.
        assert_eq!(ext.shutdown(ShutdownReason::Timeout, 2_000), 1);
        assert_eq!(ext.shutdown(ShutdownReason::Timeout, 2_000), 0);
        assert!(ext.shutdown_pending());
        let r = ext.find(Some(&both)).unwrap();
        assert_eq!(
            String::from_utf8(r.take().unwrap()).unwrap(),
            r#"{"eventType":"SHUTDOWN","deadlineMs":2000,"shutdownReason":"timeout"}"#
        );
        assert!(r.info.shutdown_delivered && r.take().is_none());
        assert!(!ext.shutdown_pending());
        assert_eq!(ext.shutdown(ShutdownReason::Spindown, 3_000), 0);
    }
}
