//! What a durable operation returns when it does not return its result: [`DurableError`].

use std::any::Any;
use std::fmt;

use crate::model::ErrorObject;

/// Why an operation did not give its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The execution is suspended (a wait not over, a retry not due, a callback not answered,
    /// an invoked function still running): the invocation ends with `PENDING` and Lambda
    /// invokes the function again later. Every later operation returns this again at once, and
    /// the invocation answers `PENDING` whatever the handler returns.
    Suspended,
    /// A step failed for good (its retries exhausted or not retryable).
    Step,
    /// A child context failed.
    ChildContext,
    /// The invoked function failed, timed out or was stopped.
    Invoke,
    /// The check of a `wait_for_condition` failed.
    WaitForCondition,
    /// A callback was answered with a failure, or was cancelled or stopped.
    CallbackExternal,
    /// A callback timed out (its timeout or its heartbeat timeout).
    CallbackTimeout,
    /// The submitter of a `wait_for_callback` failed.
    CallbackSubmitter,
    /// A map or parallel branch ended after the batch it belongs to had completed (a
    /// completion rule met early): what it does is discarded.
    Orphaned,
    /// The durable execution API failed (a checkpoint refused, no answer): the execution
    /// cannot go on in this invocation.
    Checkpoint,
    /// A value that does not serialize, or a saved result that does not read as the type
    /// asked for.
    Serialization,
    /// Code that does not replay as it ran: an operation found where another kind was saved.
    NonDeterministic,
    /// An operation given values out of range (a wait under 1 s, a completion rule that
    /// cannot be met).
    Validation,
    /// An error of the handler's own (`DurableError::user`).
    User,
}

impl ErrorKind {
    /// The `ErrorType` the error is recorded with when it ends a context or the execution (the
    /// names of AWS's SDKs).
    pub fn type_name(self) -> &'static str {
        match self {
            ErrorKind::Suspended => "SuspendExecution",
            ErrorKind::Step => "StepError",
            ErrorKind::ChildContext => "ChildContextError",
            ErrorKind::Invoke => "InvokeError",
            ErrorKind::WaitForCondition => "WaitForConditionError",
            ErrorKind::CallbackExternal => "CallbackExternalError",
            ErrorKind::CallbackTimeout => "CallbackTimeoutError",
            ErrorKind::CallbackSubmitter => "CallbackSubmitterError",
            ErrorKind::Orphaned => "OrphanedChildException",
            ErrorKind::Checkpoint => "CheckpointError",
            ErrorKind::Serialization => "SerDesError",
            ErrorKind::NonDeterministic => "NonDeterministicExecutionError",
            ErrorKind::Validation => "ValidationError",
            ErrorKind::User => "UserError",
        }
    }
}

/// The error of a durable operation: its kind, and the error it carries (for a failed step,
/// the step's own error, as it was checkpointed: its `ErrorType` is the type of the error the
/// step returned).
///
/// When it ends a child context or the execution it is recorded as AWS's SDKs record theirs:
/// `ErrorType` the kind's name (`StepError`, `ChildContextError`, …, see
/// [`ErrorKind::type_name`]), `ErrorMessage`, `ErrorData` and `StackTrace` those of the error
/// it carries. An error made with [`DurableError::user`] is recorded as it is.
#[derive(Debug, Clone)]
pub struct DurableError {
    kind: ErrorKind,
    inner: ErrorObject,
    retryable: bool,
}

impl DurableError {
    pub(crate) fn new(kind: ErrorKind, inner: ErrorObject) -> Self {
        DurableError {
            kind,
            inner,
            retryable: false,
        }
    }

    pub(crate) fn message(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self::new(kind, ErrorObject::new(kind.type_name(), message))
    }

    pub(crate) fn suspended(why: impl Into<String>) -> Self {
        Self::message(ErrorKind::Suspended, why)
    }

    pub(crate) fn checkpoint(error: &crate::Error, retryable: bool) -> Self {
        let mut e = Self::message(ErrorKind::Checkpoint, error.to_string());
        e.retryable = retryable;
        e
    }

    pub(crate) fn serialization(what: impl fmt::Display) -> Self {
        Self::message(ErrorKind::Serialization, what.to_string())
    }

    /// An error of the handler's own, recorded with `error_type` and `message` when it ends a
    /// context or the execution.
    pub fn user(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::User, ErrorObject::new(error_type, message))
    }

    /// Why the operation did not give its result.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Whether this is the execution's suspension (see [`ErrorKind::Suspended`]).
    pub fn is_suspended(&self) -> bool {
        self.kind == ErrorKind::Suspended
    }

    /// The error it carries: a failed step's own error, a callback's failure, the invoked
    /// function's error.
    pub fn cause(&self) -> &ErrorObject {
        &self.inner
    }

    /// The error as it is recorded when it ends a context or the execution.
    pub fn error_object(&self) -> ErrorObject {
        match self.kind {
            ErrorKind::User => self.inner.clone(),
            kind => {
                let mut object = self.inner.clone();
                object.error_type = Some(kind.type_name().to_owned());
                object
            }
        }
    }

    /// Whether a failed call to the durable execution API may succeed if the invocation is
    /// tried again (the invocation then fails, for Lambda to retry it, instead of failing the
    /// execution).
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }
}

impl fmt::Display for DurableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = self.inner.error_message.as_deref().unwrap_or("");
        match (self.kind, self.inner.error_type.as_deref()) {
            (ErrorKind::User, Some(t)) => write!(f, "{t}: {message}"),
            (kind, Some(t)) if t != kind.type_name() => {
                write!(f, "{}: {t}: {message}", kind.type_name())
            }
            (kind, _) => write!(f, "{}: {message}", kind.type_name()),
        }
    }
}

impl std::error::Error for DurableError {}

impl From<ErrorObject> for DurableError {
    fn from(object: ErrorObject) -> Self {
        DurableError::new(ErrorKind::User, object)
    }
}

impl fmt::Display for ErrorObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.error_type, &self.error_message) {
            (Some(t), Some(m)) => write!(f, "{t}: {m}"),
            (Some(t), None) => f.write_str(t),
            (None, Some(m)) => f.write_str(m),
            (None, None) => f.write_str("error"),
        }
    }
}

impl std::error::Error for ErrorObject {}

/// The error object a step (or a submitter, a condition check, a branch) records for the error
/// its code returned: an [`ErrorObject`] as it is, a [`DurableError`] as it would end a context,
/// any other error with the name of its type (the last segment of its path, as a handler's
/// `errorType`) and its `Display` text.
pub(crate) fn error_object_of<E: fmt::Display + 'static>(error: &E) -> ErrorObject {
    let any: &dyn Any = error;
    if let Some(object) = any.downcast_ref::<ErrorObject>() {
        return object.clone();
    }
    if let Some(durable) = any.downcast_ref::<DurableError>() {
        return durable.error_object();
    }
    ErrorObject::new(
        short_type_name(std::any::type_name::<E>()),
        error.to_string(),
    )
}

/// The last segment of a type's path, without generic arguments or references
/// (`shop::OrderError<u32>` → `OrderError`); a type named `Error` keeps its module
/// (`std::io::Error` → `io::Error`).
pub(crate) fn short_type_name(full: &str) -> String {
    let name = full
        .trim_start_matches(['&', ' '])
        .trim_start_matches("mut ");
    let path = name.split('<').next().unwrap_or(name);
    let mut segments = path.rsplit("::");
    let last = segments.next().unwrap_or(path);
    if last == "Error" {
        if let Some(module) = segments.find(|s| !matches!(*s, "error" | "errors")) {
            return format!("{module}::Error");
        }
    }
    last.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Declined;
    impl fmt::Display for Declined {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("card declined")
        }
    }

    #[test]
    fn a_steps_error_is_recorded_with_its_type_name() {
        let object = error_object_of(&Declined);
        assert_eq!(object.error_type.as_deref(), Some("Declined"));
        assert_eq!(object.error_message.as_deref(), Some("card declined"));
        let io = std::io::Error::other("disk");
        assert_eq!(
            error_object_of(&io).error_type.as_deref(),
            Some("io::Error")
        );
        let custom = ErrorObject::new("ValueError", "bad");
        assert_eq!(error_object_of(&custom), custom);
    }

    #[test]
    fn an_operation_error_ends_a_context_with_its_kinds_name() {
        let step = DurableError::new(ErrorKind::Step, ErrorObject::new("Declined", "no"));
        let recorded = step.error_object();
        assert_eq!(recorded.error_type.as_deref(), Some("StepError"));
        assert_eq!(recorded.error_message.as_deref(), Some("no"));
        assert_eq!(step.cause().error_type.as_deref(), Some("Declined"));
        assert_eq!(step.to_string(), "StepError: Declined: no");
        let user = DurableError::user("OrderError", "empty");
        assert_eq!(
            user.error_object().error_type.as_deref(),
            Some("OrderError")
        );
        assert!(DurableError::suspended("wait").is_suspended());
        assert!(!user.is_suspended());
    }
}
