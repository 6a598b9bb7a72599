//! One error type for every call: what AWS answered, or why no answer came.

use std::fmt;

/// Why a call failed.
///
/// An answer from AWS carries its error code (`ResourceNotFoundException`, `NoSuchKey`,
/// `ThrottlingException`…), message, request id and HTTP status. Errors that never reached AWS
/// (no credentials, a refused connection, a TLS failure) have no code and no status;
/// [`kind`](Self::kind) tells them apart.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    code: Option<String>,
    message: String,
    request_id: Option<String>,
    status: Option<u16>,
    retryable: bool,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// What kind of failure an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// AWS answered with an error status: see [`Error::code`].
    Service,
    /// No credentials could be found or fetched.
    Credentials,
    /// The configuration is unusable: no region, a malformed endpoint URL, an unreadable CA file.
    Config,
    /// Connecting, the TLS handshake, sending or reading failed.
    Transport,
    /// AWS answered, but the answer could not be read (malformed JSON or XML, or a reply that
    /// does not fit the type asked for).
    Response,
    /// A request could not be made from the input (a value that does not serialize, a key that
    /// is not valid).
    Request,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            code: None,
            message: message.into(),
            request_id: None,
            status: None,
            retryable: false,
            source: None,
        }
    }

    pub(crate) fn service(
        status: u16,
        code: Option<String>,
        message: String,
        request_id: Option<String>,
    ) -> Self {
        let retryable = crate::retry::is_retryable_answer(status, code.as_deref());
        Error {
            kind: ErrorKind::Service,
            code,
            message,
            request_id,
            status: Some(status),
            retryable,
            source: None,
        }
    }

    pub(crate) fn transport(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error {
            retryable: true,
            source: Some(Box::new(source)),
            ..Error::new(ErrorKind::Transport, message)
        }
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    pub(crate) fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    pub(crate) fn not_retryable(mut self) -> Self {
        self.retryable = false;
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// AWS's error code (`ResourceNotFoundException`, `ConditionalCheckFailedException`,
    /// `NoSuchKey`…), without the namespace some protocols put before it. `None` when AWS did
    /// not answer, or answered with an error status and no code (S3's `HEAD` errors carry none:
    /// their code is made from the status, `NotFound` for 404).
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// AWS's message, or what went wrong on this side.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The request id AWS gave the call (`x-amzn-RequestId`, or S3's `x-amz-request-id`).
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The HTTP status of AWS's answer.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// Whether AWS's standard retry mode retries this error: throttling, a 5xx status, a
    /// transient connection failure. It is `true` on an error returned after the last attempt
    /// too: the call was given up, not refused.
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }

    /// Whether AWS throttled the call (`ThrottlingException`, `SlowDown`, HTTP 429…).
    pub fn is_throttling(&self) -> bool {
        crate::retry::is_throttling(self.status, self.code.as_deref())
    }
}

/// The message, then the cause of a failure on this side (`connecting to …: Connection
/// refused`). AWS's code is not repeated: it is [`code`](Error::code), and the `errorType` when a
/// handler returns the error through ruchy-lambda.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if self.kind == ErrorKind::Service && self.message.is_empty() {
            match (&self.code, self.status) {
                (Some(code), _) => f.write_str(code)?,
                (None, Some(status)) => write!(f, "HTTP {status}")?,
                (None, None) => {}
            }
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
