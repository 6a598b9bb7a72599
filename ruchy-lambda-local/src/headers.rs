//! The header names of the Runtime API and the Extensions API, named as the runtime names them
//! (`ruchy_lambda_runtime_core::api` and `::lifecycle`): one vocabulary on both sides of the
//! socket. The workspace's tests check that the two sets hold the same names.

/// Sent with each event by `/next`: the AWS request id of the invocation.
pub const REQUEST_ID: &str = "Lambda-Runtime-Aws-Request-Id";
/// Sent with each event: the deadline, in milliseconds since the Unix epoch.
pub const DEADLINE_MS: &str = "Lambda-Runtime-Deadline-Ms";
/// Sent with each event: the ARN the function was invoked with.
pub const INVOKED_FUNCTION_ARN: &str = "Lambda-Runtime-Invoked-Function-Arn";
/// Sent with each event: the X-Ray trace header.
pub const TRACE_ID: &str = "Lambda-Runtime-Trace-Id";
/// Sent with an event from a mobile client: its client context, JSON.
pub const CLIENT_CONTEXT: &str = "Lambda-Runtime-Client-Context";
/// Sent with an event from a Cognito-authenticated caller: the identity, JSON.
pub const COGNITO_IDENTITY: &str = "Lambda-Runtime-Cognito-Identity";
/// Sent with an event of a multi-tenant function: the tenant id.
pub const TENANT_ID: &str = "Lambda-Runtime-Aws-Tenant-Id";
/// Sent with each event by `/next`; a runtime echoes it on that invocation's `/response` or
/// `/error`.
pub const INVOCATION_ID: &str = "Lambda-Runtime-Invocation-Id";
/// On an error report (and as a streamed reply's trailer): the error type.
pub const FUNCTION_ERROR_TYPE: &str = "Lambda-Runtime-Function-Error-Type";
/// A streamed reply's trailer: the error report, base64.
pub const FUNCTION_ERROR_BODY: &str = "Lambda-Runtime-Function-Error-Body";
/// On a `/response`: `streaming` for a streamed reply.
pub const RESPONSE_MODE: &str = "Lambda-Runtime-Function-Response-Mode";
/// On `/extension/register`: the name an extension registers under.
pub const EXTENSION_NAME: &str = "Lambda-Extension-Name";
/// The id `/extension/register` gives, sent back on `/event/next`.
pub const EXTENSION_IDENTIFIER: &str = "Lambda-Extension-Identifier";
/// A fresh id with each event `/event/next` hands out.
pub const EXTENSION_EVENT_IDENTIFIER: &str = "Lambda-Extension-Event-Identifier";
