//! The Lambda Runtime API client: one function per endpoint.
//!
//! See <https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html>.

use std::fmt;
use std::sync::Arc;

use crate::context::{Config, Context, Invocation};
use crate::diagnostic::Diagnostic;
use crate::encoding::base64_encode;
use crate::endpoint::Endpoint;
use crate::http::{HttpClient, HttpError, Response};
use crate::text::{parse_u64, printable};

/// Request header: the AWS request id of the invocation.
pub const REQUEST_ID: &str = "Lambda-Runtime-Aws-Request-Id";
/// Request header: the deadline, in milliseconds since the Unix epoch.
pub const DEADLINE_MS: &str = "Lambda-Runtime-Deadline-Ms";
/// Request header: the ARN the function was invoked with.
pub const INVOKED_FUNCTION_ARN: &str = "Lambda-Runtime-Invoked-Function-Arn";
/// Request header: the X-Ray trace header.
pub const TRACE_ID: &str = "Lambda-Runtime-Trace-Id";
/// Request header: the mobile client context, JSON.
pub const CLIENT_CONTEXT: &str = "Lambda-Runtime-Client-Context";
/// Request header: the Cognito identity, JSON.
pub const COGNITO_IDENTITY: &str = "Lambda-Runtime-Cognito-Identity";
/// Request header: the tenant id of a multi-tenant function.
pub const TENANT_ID: &str = "Lambda-Runtime-Aws-Tenant-Id";
/// Request header: the id of this attempt at the invocation, echoed on its answer.
pub const INVOCATION_ID: &str = "Lambda-Runtime-Invocation-Id";
/// Error report header (and streamed response trailer): the error type.
pub const FUNCTION_ERROR_TYPE: &str = "Lambda-Runtime-Function-Error-Type";
/// Streamed response trailer: the error report, base64.
pub const FUNCTION_ERROR_BODY: &str = "Lambda-Runtime-Function-Error-Body";
/// Response header: `streaming` for a streamed response.
pub const RESPONSE_MODE: &str = "Lambda-Runtime-Function-Response-Mode";

/// The longest request id accepted (Lambda's are 36-character UUIDs).
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// Checks that a request id can go into a request path: 1 to [`MAX_REQUEST_ID_LEN`] characters
/// of `[A-Za-z0-9._-]`, and not a `.` or `..` path segment.
pub fn is_valid_request_id(id: &str) -> bool {
    (1..=MAX_REQUEST_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && !matches!(id.as_bytes(), b"." | b"..")
}

/// What the Runtime API said to a posted response or error report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// `202 Accepted`.
    Accepted,
    /// `413 Payload Too Large`: the response is over Lambda's limit (6 MB buffered).
    TooLarge,
    /// Any other status, e.g. `400` for an unknown request id, or `410` after a timeout or for an
    /// invocation id that is not the invocation's.
    Rejected {
        /// The status code.
        status: u16,
        /// The start of the body, escaped.
        message: String,
    },
}

/// What can go wrong talking to the Runtime API.
#[derive(Debug)]
#[non_exhaustive]
pub enum ApiError {
    /// The HTTP exchange failed (connection, or a malformed response).
    Http(HttpError),
    /// `/next` answered with a status other than 200.
    UnexpectedStatus {
        /// The status code.
        status: u16,
        /// The start of the body.
        message: String,
    },
    /// `/next` answered without a `Lambda-Runtime-Aws-Request-Id` header.
    MissingRequestId,
    /// A request id that cannot go into a request path.
    InvalidRequestId {
        /// The id, escaped and cut to a printable length.
        id: String,
    },
    /// `/next` handed out an invocation with a valid request id but a malformed header: it can be
    /// answered with an error report, but not run.
    MalformedInvocation {
        /// The invocation's request id.
        request_id: String,
        /// What is wrong.
        reason: String,
    },
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Http(e) => write!(f, "Runtime API request failed: {e}"),
            ApiError::UnexpectedStatus { status, message } => {
                write!(
                    f,
                    "Runtime API answered /next with status {}: {message}",
                    usize::from(*status)
                )
            }
            ApiError::MissingRequestId => {
                write!(
                    f,
                    "Runtime API answered /next without a {REQUEST_ID} header"
                )
            }
            ApiError::InvalidRequestId { id } => write!(
                f,
                "invalid request id \"{id}\": expected 1 to {MAX_REQUEST_ID_LEN} characters of \
                 [A-Za-z0-9._-]"
            ),
            ApiError::MalformedInvocation { request_id, reason } => {
                write!(f, "invocation {request_id} is malformed: {reason}")
            }
        }
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ApiError::Http(e) => Some(e),
            _ => None,
        }
    }
}

impl From<HttpError> for ApiError {
    fn from(e: HttpError) -> Self {
        ApiError::Http(e)
    }
}

/// The start of a body, for an error message.
fn body_message(body: &[u8]) -> String {
    printable(body, 200)
}

/// A client of one Runtime API, on one keep-alive connection.
#[derive(Debug)]
pub struct RuntimeApiClient {
    http: HttpClient,
    base_path: String,
    next_path: String,
    /// Request path, reused.
    path: String,
    config: Arc<Config>,
}

impl RuntimeApiClient {
    /// A client for `endpoint`; `config` goes into every [`Context`]. Connects on first use.
    pub fn new(endpoint: Endpoint, config: Arc<Config>) -> Self {
        RuntimeApiClient {
            http: HttpClient::new(endpoint.authority),
            next_path: format!("{}/runtime/invocation/next", endpoint.base_path),
            path: String::with_capacity(endpoint.base_path.len() + 64),
            base_path: endpoint.base_path,
            config,
        }
    }

    /// The function configuration given to every invocation's context.
    pub fn config(&self) -> &Arc<Config> {
        &self.config
    }

    /// How many TCP connections have been opened so far.
    pub fn connections_opened(&self) -> u64 {
        self.http.connections_opened()
    }

    /// `GET /runtime/invocation/next`: waits (without a timeout) for the next event.
    ///
    /// The body is the connection's read buffer itself, moved out (not copied); give it back
    /// with [`recycle`](Self::recycle) once the invocation is answered.
    pub fn next_invocation(&mut self) -> Result<Invocation, ApiError> {
        let response = get(&mut self.http, &self.next_path)?;
        let context = context_from(&response, &self.config)?;
        Ok(Invocation {
            context,
            body: self.http.take_body(),
        })
    }

    /// Gives back the body of an answered invocation: the next event is read into it.
    pub fn recycle(&mut self, body: Vec<u8>) {
        self.http.recycle(body);
    }

    /// `POST /runtime/invocation/{request_id}/response`: the function's reply. `invocation_id`
    /// is the invocation's [`Context::invocation_id`]: echoed as `Lambda-Runtime-Invocation-Id`
    /// when `/next` sent one.
    pub fn respond(
        &mut self,
        request_id: &str,
        invocation_id: Option<&str>,
        body: &[u8],
    ) -> Result<Posted, ApiError> {
        self.invocation_path(request_id, "/response")?;
        let headers: &[(&str, &str)] = match echoed(invocation_id) {
            Some(id) => &[(INVOCATION_ID, id)],
            None => &[],
        };
        let response = self.http.request("POST", &self.path, headers, body)?;
        Ok(posted(&response))
    }

    /// Starts a streamed `POST /runtime/invocation/{request_id}/response`:
    /// `Lambda-Runtime-Function-Response-Mode: streaming`, chunked, with the error trailers
    /// declared, and `content_type`. The body follows with [`stream`](Self::stream) and ends
    /// with [`finish_stream`](Self::finish_stream).
    pub fn start_stream(
        &mut self,
        request_id: &str,
        invocation_id: Option<&str>,
        content_type: &str,
    ) -> Result<(), ApiError> {
        self.invocation_path(request_id, "/response")?;
        let trailers = STREAM_TRAILERS;
        let mut headers = [
            (RESPONSE_MODE, "streaming"),
            ("Content-Type", content_type),
            ("Trailer", trailers),
            (INVOCATION_ID, ""),
        ];
        let headers = match echoed(invocation_id) {
            Some(id) => {
                headers[3].1 = id;
                &headers[..]
            }
            None => &headers[..3],
        };
        self.http.start_chunked("POST", &self.path, headers)?;
        Ok(())
    }

    /// Sends the next bytes of a streamed response.
    pub fn stream(&mut self, bytes: &[u8]) -> Result<(), ApiError> {
        Ok(self.http.send_chunk(bytes)?)
    }

    /// Ends a streamed response: with no trailer when it succeeded, or with the trailers
    /// `Lambda-Runtime-Function-Error-Type` and `Lambda-Runtime-Function-Error-Body` (the error
    /// report's JSON, base64) when the function failed after its first byte.
    pub fn finish_stream(&mut self, error: Option<&Diagnostic>) -> Result<Posted, ApiError> {
        let response = match error {
            None => self.http.finish_chunked(&[])?,
            Some(diagnostic) => {
                let error_type = header_safe(&diagnostic.error_type);
                let body = base64_encode(&diagnostic.to_json());
                self.http.finish_chunked(&[
                    (FUNCTION_ERROR_TYPE, &error_type),
                    (FUNCTION_ERROR_BODY, &body),
                ])?
            }
        };
        Ok(posted(&response))
    }

    /// `POST /runtime/invocation/{request_id}/error`: the invocation failed. `invocation_id` is
    /// echoed as in [`respond`](Self::respond).
    pub fn report_error(
        &mut self,
        request_id: &str,
        invocation_id: Option<&str>,
        diagnostic: &Diagnostic,
    ) -> Result<Posted, ApiError> {
        self.invocation_path(request_id, "/error")?;
        self.post_diagnostic(diagnostic, echoed(invocation_id))
    }

    /// `POST /runtime/init/error`: the function could not start.
    pub fn report_init_error(&mut self, diagnostic: &Diagnostic) -> Result<Posted, ApiError> {
        self.runtime_path("/runtime/init/error");
        self.post_diagnostic(diagnostic, None)
    }

    /// `GET /runtime/restore/next` (SnapStart): says the function is ready for its snapshot, and
    /// returns once the snapshot has been restored, however much later and on whatever machine.
    ///
    /// The connection it came back on was opened before the snapshot: it is closed here, and the
    /// next request opens a fresh one.
    pub fn restore_next(&mut self) -> Result<(), ApiError> {
        self.runtime_path("/runtime/restore/next");
        let restored = get(&mut self.http, &self.path).map(drop);
        self.http.disconnect();
        restored
    }

    /// `POST /runtime/restore/error` (SnapStart): the function could not resume after a
    /// restore. The caller should exit non-zero afterwards.
    pub fn report_restore_error(&mut self, diagnostic: &Diagnostic) -> Result<Posted, ApiError> {
        self.runtime_path("/runtime/restore/error");
        self.post_diagnostic(diagnostic, None)
    }

    fn runtime_path(&mut self, endpoint: &str) {
        self.path.clear();
        self.path.push_str(&self.base_path);
        self.path.push_str(endpoint);
    }

    fn post_diagnostic(
        &mut self,
        diagnostic: &Diagnostic,
        invocation_id: Option<&str>,
    ) -> Result<Posted, ApiError> {
        let error_type = header_safe(&diagnostic.error_type);
        let body = diagnostic.to_json();
        let mut headers = [
            (FUNCTION_ERROR_TYPE, error_type.as_str()),
            ("Content-Type", "application/json"),
            (INVOCATION_ID, ""),
        ];
        let headers = match invocation_id {
            Some(id) => {
                headers[2].1 = id;
                &headers[..]
            }
            None => &headers[..2],
        };
        let response = self.http.request("POST", &self.path, headers, &body)?;
        Ok(posted(&response))
    }

    fn invocation_path(&mut self, request_id: &str, endpoint: &str) -> Result<(), ApiError> {
        if !is_valid_request_id(request_id) {
            return Err(ApiError::InvalidRequestId {
                id: printable(request_id.as_bytes(), 64),
            });
        }
        self.path.clear();
        self.path.push_str(&self.base_path);
        self.path.push_str("/runtime/invocation/");
        self.path.push_str(request_id);
        self.path.push_str(endpoint);
        Ok(())
    }
}

/// `GET path`, which must answer 200.
fn get<'a>(http: &'a mut HttpClient, path: &str) -> Result<Response<'a>, ApiError> {
    let response = http.request("GET", path, &[], &[])?;
    if response.status != 200 {
        return Err(ApiError::UnexpectedStatus {
            status: response.status,
            message: body_message(response.body),
        });
    }
    Ok(response)
}

/// The `Trailer` header of a streamed response: the two error trailers.
const STREAM_TRAILERS: &str =
    "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body";

/// An invocation id as a header to send back, or none when it holds a control character (the
/// response parser never lets one through, so only a hand-made [`Context`] can have one).
fn echoed(invocation_id: Option<&str>) -> Option<&str> {
    invocation_id.filter(|id| !id.bytes().any(|b| b.is_ascii_control()))
}

/// An error type as a header value: visible ASCII only, bounded.
fn header_safe(error_type: &str) -> String {
    let cleaned: String = error_type
        .bytes()
        .filter(u8::is_ascii_graphic)
        .map(char::from)
        .take(128)
        .collect();
    if cleaned.is_empty() {
        "Unhandled".to_owned()
    } else {
        cleaned
    }
}

fn posted(response: &Response<'_>) -> Posted {
    match response.status {
        200..=299 => Posted::Accepted,
        413 => Posted::TooLarge,
        status => Posted::Rejected {
            status,
            message: body_message(response.body),
        },
    }
}

fn context_from(response: &Response<'_>, config: &Arc<Config>) -> Result<Context, ApiError> {
    let request_id = match response.header(REQUEST_ID) {
        None => return Err(ApiError::MissingRequestId),
        Some(id) if !is_valid_request_id(id) => {
            return Err(ApiError::InvalidRequestId {
                id: printable(id.as_bytes(), 64),
            });
        }
        Some(id) => id.to_owned(),
    };
    let malformed = |reason: String| ApiError::MalformedInvocation {
        request_id: request_id.clone(),
        reason,
    };
    let deadline_ms = match response.header(DEADLINE_MS) {
        None => return Err(malformed(format!("no {DEADLINE_MS} header"))),
        Some(v) => parse_u64(v).ok_or_else(|| {
            malformed(format!(
                "{DEADLINE_MS} is not a number: {}",
                printable(v.as_bytes(), 32)
            ))
        })?,
    };
    let owned = |name| response.header(name).map(str::to_owned);
    Ok(Context {
        deadline_ms,
        invoked_function_arn: owned(INVOKED_FUNCTION_ARN).unwrap_or_default(),
        xray_trace_id: owned(TRACE_ID),
        client_context: owned(CLIENT_CONTEXT),
        identity: owned(COGNITO_IDENTITY),
        tenant_id: owned(TENANT_ID),
        invocation_id: owned(INVOCATION_ID),
        env_config: Arc::clone(config),
        request_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_that_cannot_escape_a_path_segment() {
        for good in [
            "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
            "a",
            "A.b_c-9",
            "...",
        ] {
            assert!(is_valid_request_id(good), "{good:?}");
        }
        let long = "a".repeat(MAX_REQUEST_ID_LEN + 1);
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "../x",
            "a b",
            "a\r\nX-Injected: 1",
            "a%2F",
            "é",
            &long,
        ] {
            assert!(!is_valid_request_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn error_types_are_header_safe() {
        assert_eq!(header_safe("OrderEmpty"), "OrderEmpty");
        assert_eq!(header_safe("Bad\r\nX-Evil: 1"), "BadX-Evil:1");
        assert_eq!(header_safe("\n"), "Unhandled");
        assert_eq!(header_safe(&"E".repeat(500)).len(), 128);
    }

    #[test]
    fn invocation_ids_with_control_characters_are_not_echoed() {
        assert_eq!(echoed(Some("8d3f-1")), Some("8d3f-1"));
        assert_eq!(echoed(Some("a\r\nX-Injected: 1")), None);
        assert_eq!(echoed(None), None);
    }
}
