//! An AWS error as Lambda reports it, from the SDK's error. Shared with the `lambda_runtime`
//! function the benchmarks compare this example with (`benches/peer`): each adds the conversion
//! its runtime reports errors through.

use std::fmt;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// An AWS error as Lambda reports it: the service's code and message.
#[derive(Debug)]
pub struct AwsError {
    /// `ResourceNotFoundException`, …
    pub code: String,
    /// The service's message.
    pub message: String,
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl AwsError {
    /// The service's code and message; for an error that never reached the service (no
    /// connection, a timeout), the SDK's kind of error and its whole context.
    pub fn of<E, R>(error: SdkError<E, R>) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug,
    {
        if let (Some(code), message) = (error.code(), error.message()) {
            return AwsError {
                code: code.to_owned(),
                message: message.unwrap_or(code).to_owned(),
            };
        }
        let code = match &error {
            SdkError::ConstructionFailure(_) => "ConstructionFailure",
            SdkError::TimeoutError(_) => "TimeoutError",
            SdkError::DispatchFailure(_) => "DispatchFailure",
            SdkError::ResponseError(_) => "ResponseError",
            _ => "SdkError",
        };
        AwsError {
            code: code.to_owned(),
            message: DisplayErrorContext(&error).to_string(),
        }
    }
}
