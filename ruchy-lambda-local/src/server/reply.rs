//! What to do after handling one request ([`Reply`]): a response to write, or the connection to
//! close; and the replies shared by the endpoints.

use crate::error_report::ErrorReport;

use super::state::Rejection;

pub(super) const ACCEPTED_BODY: &[u8] = br#"{"status":"OK"}"#;

/// What to do after handling one request.
pub(super) enum Reply {
    /// Write this response. `handed_out` names the invocation a `/next` response carries.
    Send {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
        handed_out: Option<String>,
    },
    /// Close the connection without answering.
    Close,
}

impl Reply {
    pub(super) fn json(status: u16, body: Vec<u8>) -> Reply {
        Reply::Send {
            status,
            headers: Vec::new(),
            body,
            handed_out: None,
        }
    }

    pub(super) fn error(status: u16, error_type: &str, message: &str) -> Reply {
        Reply::json(status, ErrorReport::lambda(Some(error_type), message).body)
    }

    /// `404` with Lambda's `NotFound` error.
    pub(super) fn not_found() -> Reply {
        Reply::error(404, "NotFound", "Not found")
    }

    pub(super) fn status(&self) -> Option<u16> {
        match self {
            Reply::Send { status, .. } => Some(*status),
            Reply::Close => None,
        }
    }

    pub(super) fn of(result: Result<(), Rejection>, max_response_bytes: usize) -> Reply {
        match result {
            Ok(()) => Reply::json(202, ACCEPTED_BODY.to_vec()),
            Err(Rejection::InvalidRequestId(message)) => {
                Reply::error(400, "InvalidRequestID", &message)
            }
            Err(Rejection::Gone(message)) => Reply::error(410, "InvocationGone", &message),
            Err(Rejection::InvalidState(message)) => {
                Reply::error(403, "InvalidStateTransition", message)
            }
            Err(Rejection::TooLarge(len)) => Reply::error(
                413,
                "RequestEntityTooLarge",
                &format!(
                    "Exceeded maximum allowed payload size ({max_response_bytes} bytes): received {len} bytes."
                ),
            ),
            Err(Rejection::StaleSandbox) => Reply::Close,
        }
    }
}
