//! The JSON protocols (`awsJson1_0`, `awsJson1_1`): DynamoDB, SQS, Kinesis, Step Functions,
//! EventBridge, Secrets Manager, SSM, KMS, CloudWatch Logs… An operation is a `POST /` with
//! `X-Amz-Target: {prefix}.{Operation}` and a JSON body in, a JSON body out.

use ruchy_lambda_runtime_core::http::Response;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::{Client, Request, request_id};
use crate::endpoint::{Resolved, Service};
use crate::error::{Error, ErrorKind};

/// A service that speaks a JSON protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonApi {
    /// The service: endpoint and signing name.
    pub service: Service,
    /// What `X-Amz-Target` starts with (`DynamoDB_20120810`).
    pub target_prefix: &'static str,
    /// `application/x-amz-json-1.0` or `…-1.1`.
    pub content_type: &'static str,
}

const JSON_1_0: &str = "application/x-amz-json-1.0";
const JSON_1_1: &str = "application/x-amz-json-1.1";

impl JsonApi {
    /// Amazon DynamoDB.
    pub const DYNAMODB: JsonApi = JsonApi::new(Service::DYNAMODB, "DynamoDB_20120810", JSON_1_0);
    /// Amazon SQS (its JSON protocol).
    pub const SQS: JsonApi = JsonApi::new(Service::SQS, "AmazonSQS", JSON_1_0);
    /// Amazon Kinesis Data Streams.
    pub const KINESIS: JsonApi = JsonApi::new(Service::KINESIS, "Kinesis_20131202", JSON_1_1);
    /// AWS Step Functions.
    pub const SFN: JsonApi = JsonApi::new(Service::SFN, "AWSStepFunctions", JSON_1_0);
    /// Amazon EventBridge.
    pub const EVENTBRIDGE: JsonApi = JsonApi::new(Service::EVENTBRIDGE, "AWSEvents", JSON_1_1);
    /// AWS Secrets Manager.
    pub const SECRETS_MANAGER: JsonApi =
        JsonApi::new(Service::SECRETS_MANAGER, "secretsmanager", JSON_1_1);
    /// AWS Systems Manager (Parameter Store).
    pub const SSM: JsonApi = JsonApi::new(Service::SSM, "AmazonSSM", JSON_1_1);
    /// AWS KMS.
    pub const KMS: JsonApi = JsonApi::new(Service::KMS, "TrentService", JSON_1_1);
    /// Amazon CloudWatch Logs.
    pub const CLOUDWATCH_LOGS: JsonApi =
        JsonApi::new(Service::CLOUDWATCH_LOGS, "Logs_20140328", JSON_1_1);

    /// A JSON-protocol service by its parts. `json_version` is `"1.0"` or `"1.1"`.
    pub const fn new(
        service: Service,
        target_prefix: &'static str,
        content_type: &'static str,
    ) -> Self {
        JsonApi {
            service,
            target_prefix,
            content_type,
        }
    }
}

/// Calls the operations of one JSON-protocol service.
#[derive(Debug, Clone)]
pub struct JsonClient {
    client: Client,
    api: JsonApi,
    endpoint: Resolved,
}

impl Client {
    /// A client for a JSON-protocol service ([`JsonApi::SQS`], [`JsonApi::SFN`]…).
    pub fn json(&self, api: JsonApi) -> JsonClient {
        JsonClient {
            endpoint: self.resolve(&api.service),
            client: self.clone(),
            api,
        }
    }
}

impl JsonClient {
    /// Calls `operation` (`GetItem`, `SendMessage`…) with `input` as its JSON body, and reads
    /// its answer as `O` (`serde_json::Value` to take it as it comes).
    pub fn call<I, O>(&self, operation: &str, input: &I) -> Result<O, Error>
    where
        I: Serialize + ?Sized,
        O: DeserializeOwned,
    {
        let body = serde_json::to_vec(input).map_err(|e| {
            Error::new(
                ErrorKind::Request,
                format!("{operation}: the input does not serialize: {e}"),
            )
        })?;
        self.call_raw(operation, &body, |body| {
            serde_json::from_slice(if body.is_empty() { b"{}" } else { body }).map_err(|e| {
                Error::new(
                    ErrorKind::Response,
                    format!("{operation}: unexpected answer: {e}"),
                )
            })
        })
    }

    /// Calls `operation` with a JSON body already written, and hands its answer's body to `read`.
    pub fn call_raw<T>(
        &self,
        operation: &str,
        body: &[u8],
        mut read: impl FnMut(&[u8]) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let endpoint = self.endpoint.get()?;
        let request = Request {
            method: "POST",
            path: "/".into(),
            query: String::new(),
            headers: vec![
                ("content-type", self.api.content_type.to_owned()),
                (
                    "x-amz-target",
                    format!("{}.{operation}", self.api.target_prefix),
                ),
            ],
            body,
            s3: false,
        };
        self.client
            .call(&self.api.service, endpoint, &request, json_error, |resp| {
                read(resp.body).map_err(|e| e.with_request_id(request_id(resp)))
            })
    }

    /// Opens `connections` connections to the service now (see [`Client::connect_now`]).
    pub fn connect_now(&self, connections: usize) -> Result<(), Error> {
        let endpoint = self.endpoint.get()?;
        self.client.connect_endpoint(endpoint, connections)
    }
}

/// The error of a JSON-protocol (and restJson) answer: its code from `x-amzn-ErrorType` or the
/// body's `__type` / `code`, without namespace (`com.amazonaws…#Code`) or suffix (`Code:http://…`).
pub(crate) fn json_error(resp: &Response<'_>) -> Error {
    #[derive(serde::Deserialize, Default)]
    struct Body {
        #[serde(rename = "__type", alias = "code", alias = "Code")]
        kind: Option<String>,
        #[serde(alias = "Message", alias = "errorMessage")]
        message: Option<String>,
    }
    let body: Body = serde_json::from_slice(resp.body).unwrap_or_default();
    let code = resp
        .header("x-amzn-errortype")
        .map(str::to_owned)
        .or(body.kind)
        .map(|c| sanitize_code(&c).to_owned())
        .filter(|c| !c.is_empty());
    let message = body.message.unwrap_or_else(|| {
        String::from_utf8_lossy(&resp.body[..resp.body.len().min(512)]).into_owned()
    });
    Error::service(resp.status, code, message, request_id(resp))
}

fn sanitize_code(code: &str) -> &str {
    let code = code.split(':').next().unwrap_or(code);
    code.rsplit('#').next().unwrap_or(code).trim()
}

#[cfg(test)]
mod tests {
    use super::sanitize_code;

    #[test]
    fn error_codes_lose_their_namespace_and_suffix() {
        assert_eq!(
            sanitize_code("com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"),
            "ResourceNotFoundException"
        );
        assert_eq!(
            sanitize_code("ResourceNotFoundException:http://internal.amazon.com/coral/x/"),
            "ResourceNotFoundException"
        );
        assert_eq!(sanitize_code("ThrottlingException"), "ThrottlingException");
    }
}
