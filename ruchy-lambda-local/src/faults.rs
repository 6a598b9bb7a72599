//! Scripted misbehaviour of the Runtime API server, to test how a runtime copes with a world
//! that fails: dropped connections, error statuses, truncated or malformed responses, a slow
//! server.
//!
//! A [`FaultPlan`] is a list of rules. Each rule names an [`Endpoint`], says which of the
//! requests to it misbehave ([`When`]) and how ([`Fault`]). The plan is shared (it is an `Arc`
//! inside): give a clone to [`ServerConfig::faults`](crate::ServerConfig::faults), keep one to
//! add rules while the server runs and to see which faults fired.
//!
//! ```no_run
//! use ruchy_lambda_local::faults::{Endpoint, Fault, FaultPlan, When};
//! use ruchy_lambda_local::{RuntimeApiServer, ServerConfig};
//!
//! let plan = FaultPlan::new()
//!     .on(Endpoint::Next, When::First(2), Fault::Status(503))
//!     .on(Endpoint::Response, When::Nth(1), Fault::Close);
//! let server = RuntimeApiServer::start(ServerConfig {
//!     faults: Some(plan.clone()),
//!     ..ServerConfig::default()
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Closing is orderly (the peer reads end of stream): the standard library cannot set
//! `SO_LINGER` to zero, which a TCP reset needs. A runtime sees the same thing either way: a
//! connection that ends before a complete response.

use std::fmt;
use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use crate::error_report::ErrorReport;
use crate::http;

/// The Runtime API endpoint a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `GET /runtime/invocation/next`.
    Next,
    /// `POST /runtime/invocation/{id}/response`.
    Response,
    /// `POST /runtime/invocation/{id}/error`.
    Error,
    /// `POST /runtime/init/error`.
    InitError,
    /// Every request.
    Any,
}

impl Endpoint {
    /// The endpoint a request path is for (`Any` when it is none of the four).
    fn of(path: &str) -> Endpoint {
        if path.ends_with("/runtime/invocation/next") {
            Endpoint::Next
        } else if path.ends_with("/runtime/init/error") {
            Endpoint::InitError
        } else if path.contains("/runtime/invocation/") && path.ends_with("/response") {
            Endpoint::Response
        } else if path.contains("/runtime/invocation/") && path.ends_with("/error") {
            Endpoint::Error
        } else {
            Endpoint::Any
        }
    }

    fn matches(self, path: &str) -> bool {
        self == Endpoint::Any || self == Endpoint::of(path)
    }
}

/// Which of the requests to a rule's endpoint misbehave, counted from 1 per rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Every one.
    Always,
    /// The first `n`.
    First(u32),
    /// Only the `n`-th.
    Nth(u32),
}

impl When {
    fn fires(self, seen: u32) -> bool {
        match self {
            When::Always => true,
            When::First(n) => seen <= n,
            When::Nth(n) => seen == n,
        }
    }
}

/// What the server does instead of (or on top of) answering a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Close the connection as soon as the request is read, without handling or answering it:
    /// a `/next` hands out nothing, a `/response` is not recorded.
    Close,
    /// Answer with this status and a Lambda error body, without handling the request. The
    /// connection stays open.
    Status(u16),
    /// Write these bytes instead of a response, without handling the request, then close.
    Raw(Vec<u8>),
    /// Wait this long, then handle and answer the request as usual.
    Delay(Duration),
    /// Write these bytes first (e.g. an interim `HTTP/1.1 100 Continue` response), then handle
    /// and answer the request as usual.
    Prefix(Vec<u8>),
    /// Handle the request (a `/response` is recorded), then close without answering. A `/next`
    /// puts its event back at the front of the queue: the runtime never got it.
    DropReply,
    /// Handle the request, write the status line, the headers and half of the body, then
    /// close. A `/next` puts its event back at the front of the queue.
    TruncateBody,
    /// Handle the request and write the response `chunk` bytes at a time, `pause` apart.
    Trickle {
        /// Bytes per write (at least 1).
        chunk: usize,
        /// Pause after each write.
        pause: Duration,
    },
    /// Handle and answer the request as usual, then close the connection (an idle keep-alive
    /// connection that the server drops).
    CloseAfterReply,
}

/// A fault that was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    /// The endpoint of the request.
    pub endpoint: Endpoint,
    /// The request target.
    pub target: String,
    /// The fault.
    pub fault: Fault,
}

#[derive(Debug)]
struct Rule {
    endpoint: Endpoint,
    when: When,
    fault: Fault,
    seen: u32,
}

#[derive(Debug, Default)]
struct Plan {
    rules: Vec<Rule>,
    fired: Vec<Fired>,
}

/// Rules of misbehaviour for a [`RuntimeApiServer`](crate::RuntimeApiServer); see the
/// [module docs](self).
///
/// For each request, every rule for its endpoint counts it; the first rule (in the order added)
/// whose [`When`] holds for its count applies its [`Fault`]. Clones share the same rules and
/// counts; two plans are equal when they are clones of each other.
#[derive(Clone, Default)]
pub struct FaultPlan {
    plan: Arc<Mutex<Plan>>,
}

impl FaultPlan {
    /// A plan with no rules: the server behaves.
    pub fn new() -> FaultPlan {
        FaultPlan::default()
    }

    /// Adds a rule and returns the plan, for building one.
    pub fn on(self, endpoint: Endpoint, when: When, fault: Fault) -> FaultPlan {
        self.add(endpoint, when, fault);
        self
    }

    /// Adds a rule, also while the server runs; its count starts now.
    pub fn add(&self, endpoint: Endpoint, when: When, fault: Fault) {
        self.lock().rules.push(Rule {
            endpoint,
            when,
            fault,
            seen: 0,
        });
    }

    /// Removes every rule: the server behaves from now on.
    pub fn clear(&self) {
        self.lock().rules.clear();
    }

    /// The faults applied so far, in order.
    pub fn fired(&self) -> Vec<Fired> {
        self.lock().fired.clone()
    }

    /// The fault to apply to a request with this path, if any; counts the request.
    pub(crate) fn take(&self, path: &str) -> Option<Fault> {
        let mut plan = self.lock();
        let mut chosen = None;
        for rule in plan.rules.iter_mut().filter(|r| r.endpoint.matches(path)) {
            rule.seen = rule.seen.saturating_add(1);
            if chosen.is_none() && rule.when.fires(rule.seen) {
                chosen = Some(rule.fault.clone());
            }
        }
        if let Some(fault) = &chosen {
            plan.fired.push(Fired {
                endpoint: Endpoint::of(path),
                target: path.to_owned(),
                fault: fault.clone(),
            });
        }
        chosen
    }

    fn lock(&self) -> MutexGuard<'_, Plan> {
        self.plan.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl fmt::Debug for FaultPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plan = self.lock();
        f.debug_list()
            .entries(
                plan.rules
                    .iter()
                    .map(|r| (r.endpoint, r.when, &r.fault, r.seen)),
            )
            .finish()
    }
}

impl PartialEq for FaultPlan {
    fn eq(&self, other: &FaultPlan) -> bool {
        Arc::ptr_eq(&self.plan, &other.plan)
    }
}

impl Eq for FaultPlan {}

/// What became of a request after [`before_handling`].
pub(crate) enum Preempted {
    /// Handle it as usual.
    No,
    /// The fault answered it (with this status, or none); keep the connection open or not.
    Yes {
        status: Option<u16>,
        keep_open: bool,
    },
}

/// Applies the part of `fault` that replaces handling the request.
pub(crate) fn before_handling<W: Write>(
    fault: &Fault,
    writer: &mut W,
    keep_alive: bool,
) -> Preempted {
    match fault {
        Fault::Close => Preempted::Yes {
            status: None,
            keep_open: false,
        },
        Fault::Status(status) => {
            let body = ErrorReport::lambda(Some("InjectedFault"), "injected fault").body;
            let written = http::write_response(
                writer,
                *status,
                Some("application/json"),
                &[],
                &body,
                !keep_alive,
            );
            Preempted::Yes {
                status: Some(*status),
                keep_open: written.is_ok() && keep_alive,
            }
        }
        Fault::Raw(bytes) => {
            let _ = writer.write_all(bytes).and_then(|()| writer.flush());
            Preempted::Yes {
                status: None,
                keep_open: false,
            }
        }
        Fault::Delay(delay) => {
            thread::sleep(*delay);
            Preempted::No
        }
        Fault::Prefix(bytes) => {
            // A failed write shows when the response is written.
            let _ = writer.write_all(bytes);
            Preempted::No
        }
        Fault::DropReply | Fault::TruncateBody | Fault::Trickle { .. } | Fault::CloseAfterReply => {
            Preempted::No
        }
    }
}

/// Writes a handled request's response as `fault` says. `Ok(true)` when the connection may serve
/// another request; an error when the response did not reach the peer whole.
pub(crate) fn write_response<W: Write>(
    fault: &Fault,
    writer: &mut W,
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
    close: bool,
) -> io::Result<bool> {
    let mut bytes = Vec::with_capacity(256 + body.len());
    http::write_response(
        &mut bytes,
        status,
        http::json_unless_typed(headers),
        headers,
        body,
        close,
    )?;
    match fault {
        Fault::DropReply => Err(io::Error::other("injected fault: response dropped")),
        Fault::TruncateBody => {
            let head_len = bytes.len() - body.len();
            writer.write_all(&bytes[..head_len + body.len() / 2])?;
            writer.flush()?;
            Err(io::Error::other("injected fault: response truncated"))
        }
        Fault::Trickle { chunk, pause } => {
            for piece in bytes.chunks((*chunk).max(1)) {
                writer.write_all(piece)?;
                writer.flush()?;
                thread::sleep(*pause);
            }
            Ok(!close)
        }
        Fault::CloseAfterReply => {
            writer.write_all(&bytes)?;
            writer.flush()?;
            Ok(false)
        }
        Fault::Close | Fault::Status(_) | Fault::Raw(_) | Fault::Delay(_) | Fault::Prefix(_) => {
            writer.write_all(&bytes)?;
            writer.flush()?;
            Ok(!close)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEXT: &str = "/2018-06-01/runtime/invocation/next";
    const RESPONSE: &str = "/2018-06-01/runtime/invocation/a-1/response";
    const ERROR: &str = "/2018-06-01/runtime/invocation/a-1/error";
    const INIT_ERROR: &str = "/2018-06-01/runtime/init/error";

    #[test]
    fn endpoints_from_paths() {
        assert_eq!(Endpoint::of(NEXT), Endpoint::Next);
        assert_eq!(Endpoint::of(RESPONSE), Endpoint::Response);
        assert_eq!(Endpoint::of(ERROR), Endpoint::Error);
        assert_eq!(Endpoint::of(INIT_ERROR), Endpoint::InitError);
        assert_eq!(
            Endpoint::of("/x/2018-06-01/runtime/invocation/next"),
            Endpoint::Next
        );
        assert_eq!(Endpoint::of("/other"), Endpoint::Any);
    }

    #[test]
    fn rules_count_their_own_requests() {
        let plan = FaultPlan::new()
            .on(Endpoint::Next, When::First(2), Fault::Status(503))
            .on(Endpoint::Response, When::Nth(2), Fault::Close)
            .on(Endpoint::Next, When::Always, Fault::CloseAfterReply);
        let next: Vec<_> = (0..4).map(|_| plan.take(NEXT)).collect();
        assert_eq!(
            next,
            [
                Some(Fault::Status(503)),
                Some(Fault::Status(503)),
                Some(Fault::CloseAfterReply),
                Some(Fault::CloseAfterReply),
            ]
        );
        let responses: Vec<_> = (0..3).map(|_| plan.take(RESPONSE)).collect();
        assert_eq!(responses, [None, Some(Fault::Close), None]);
        assert_eq!(plan.take(ERROR), None);
        assert_eq!(plan.fired().len(), 5);
        assert_eq!(plan.fired()[4].target, RESPONSE);
        plan.clear();
        assert_eq!(plan.take(NEXT), None);
    }

    #[test]
    fn clones_share_rules() {
        let plan = FaultPlan::new();
        let other = plan.clone();
        other.add(Endpoint::Any, When::Always, Fault::Close);
        assert_eq!(plan.take(INIT_ERROR), Some(Fault::Close));
        assert_eq!(plan, other);
        assert_ne!(plan, FaultPlan::new());
    }

    #[test]
    fn truncated_and_trickled_responses() {
        let mut out = Vec::new();
        let err = write_response(
            &Fault::TruncateBody,
            &mut out,
            200,
            &[],
            b"0123456789",
            false,
        );
        assert!(err.is_err());
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with("\r\n\r\n01234"), "{text}");
        assert!(text.contains("Content-Length: 10\r\n"));

        let mut out = Vec::new();
        let trickle = Fault::Trickle {
            chunk: 1,
            pause: Duration::ZERO,
        };
        assert!(write_response(&trickle, &mut out, 202, &[], b"ok", false).unwrap());
        assert!(out.ends_with(b"\r\n\r\nok"));
    }
}
