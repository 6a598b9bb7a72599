//! What a handler knows about its function and about the invocation it is answering.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The function's configuration, read once from the environment Lambda sets.
///
/// Missing variables are not fatal: the field is left empty (or `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// `AWS_LAMBDA_FUNCTION_NAME`.
    pub function_name: String,
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, in MB.
    pub memory_size_mb: Option<u32>,
    /// `AWS_LAMBDA_FUNCTION_VERSION` (`$LATEST` or a number).
    pub function_version: String,
    /// `AWS_LAMBDA_LOG_GROUP_NAME`.
    pub log_group_name: String,
    /// `AWS_LAMBDA_LOG_STREAM_NAME`.
    pub log_stream_name: String,
    /// `_HANDLER`: the handler setting of the function (`bootstrap` for `provided.*`).
    pub handler: String,
    /// `LAMBDA_TASK_ROOT`: where the deployment package is unpacked.
    pub task_root: String,
    /// `AWS_LAMBDA_INITIALIZATION_TYPE`: how Lambda initialises this execution environment
    /// (`on-demand`, `provisioned-concurrency`, `snap-start`, …).
    pub initialization_type: String,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Config {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (a variable name to its value).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Config {
        let var = |name| lookup(name).unwrap_or_default();
        Config {
            function_name: var("AWS_LAMBDA_FUNCTION_NAME"),
            memory_size_mb: lookup("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
                .and_then(|m| crate::text::parse_u64(m.trim_ascii()))
                .and_then(|m| u32::try_from(m).ok()),
            function_version: var("AWS_LAMBDA_FUNCTION_VERSION"),
            log_group_name: var("AWS_LAMBDA_LOG_GROUP_NAME"),
            log_stream_name: var("AWS_LAMBDA_LOG_STREAM_NAME"),
            handler: var("_HANDLER"),
            task_root: var("LAMBDA_TASK_ROOT"),
            initialization_type: var("AWS_LAMBDA_INITIALIZATION_TYPE"),
        }
    }
}

/// The context of one invocation: its request id, deadline, and what Lambda says about the
/// caller, plus the function's [`Config`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Context {
    /// The AWS request id of this invocation (`Lambda-Runtime-Aws-Request-Id`).
    pub request_id: String,
    /// When the invocation times out, in milliseconds since the Unix epoch
    /// (`Lambda-Runtime-Deadline-Ms`).
    pub deadline_ms: u64,
    /// The ARN the function was invoked with, with its alias or version if any
    /// (`Lambda-Runtime-Invoked-Function-Arn`).
    pub invoked_function_arn: String,
    /// The AWS X-Ray trace header (`Lambda-Runtime-Trace-Id`). With one worker it is also in
    /// `_X_AMZN_TRACE_ID` while the handler runs; with several (`AWS_LAMBDA_MAX_CONCURRENCY` > 1)
    /// a process-wide variable cannot name the invocation of every worker, so it is only here.
    pub xray_trace_id: Option<String>,
    /// The client context sent by the AWS Mobile SDK, as JSON (`Lambda-Runtime-Client-Context`).
    pub client_context: Option<String>,
    /// The Amazon Cognito identity of the caller, as JSON (`Lambda-Runtime-Cognito-Identity`).
    pub identity: Option<String>,
    /// The tenant id of a multi-tenant function (`Lambda-Runtime-Aws-Tenant-Id`).
    pub tenant_id: Option<String>,
    /// The id of this attempt at the invocation (`Lambda-Runtime-Invocation-Id`), unique and
    /// never reused, unlike a request id that a caller or a retry may repeat. When Lambda sends
    /// it, the runtime echoes it on the invocation's `/response` and `/error`, so that a reply
    /// that comes too late can never be taken for the answer to another invocation.
    pub invocation_id: Option<String>,
    /// The function's configuration, shared by every invocation.
    pub env_config: Arc<Config>,
}

impl Context {
    /// A context with the given request id and deadline and nothing else: for unit tests of
    /// handlers.
    pub fn new(request_id: impl Into<String>, deadline_ms: u64, env_config: Arc<Config>) -> Self {
        Context {
            request_id: request_id.into(),
            deadline_ms,
            invoked_function_arn: String::new(),
            xray_trace_id: None,
            client_context: None,
            identity: None,
            tenant_id: None,
            invocation_id: None,
            env_config,
        }
    }

    /// The deadline as a point in time.
    pub fn deadline(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.deadline_ms)
    }

    /// Time left before the invocation times out (zero once it has passed).
    pub fn remaining_time(&self) -> Duration {
        self.deadline()
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
    }

    /// The client context parsed as `T` (e.g. `serde_json::Value`), if there is one.
    pub fn client_context_as<T: serde::de::DeserializeOwned>(
        &self,
    ) -> Option<Result<T, serde_json::Error>> {
        self.client_context.as_deref().map(serde_json::from_str)
    }

    /// The Cognito identity parsed as `T` (e.g. `serde_json::Value`), if there is one.
    pub fn identity_as<T: serde::de::DeserializeOwned>(
        &self,
    ) -> Option<Result<T, serde_json::Error>> {
        self.identity.as_deref().map(serde_json::from_str)
    }
}

/// One event handed to the function: its context and its raw body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The invocation's context.
    pub context: Context,
    /// The event exactly as Lambda sent it (JSON for most triggers).
    pub body: Vec<u8>,
}
