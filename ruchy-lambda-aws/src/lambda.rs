//! AWS Lambda: `Invoke`, and any other operation of Lambda's restJson API by its method, path,
//! query and JSON body ([`Lambda::call_json`]).

use serde::de::DeserializeOwned;

use crate::client::{Client, Request, request_id};
use crate::endpoint::{Resolved, Service};
use crate::error::{Error, ErrorKind};
use crate::json::json_error;

/// AWS Lambda.
#[derive(Debug, Clone)]
pub struct Lambda {
    client: Client,
    endpoint: Resolved,
}

/// How a function is invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InvocationType {
    /// Wait for the function's reply (`RequestResponse`).
    #[default]
    RequestResponse,
    /// Queue the event and return at once (`Event`, HTTP 202).
    Event,
    /// Check the call only (`DryRun`, HTTP 204).
    DryRun,
}

impl InvocationType {
    fn as_str(self) -> &'static str {
        match self {
            InvocationType::RequestResponse => "RequestResponse",
            InvocationType::Event => "Event",
            InvocationType::DryRun => "DryRun",
        }
    }
}

/// What `Invoke` returned.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Invoked {
    /// 200, 202 (`Event`) or 204 (`DryRun`).
    pub status: u16,
    /// The function's reply (or its error object when [`function_error`](Self::function_error)
    /// is set).
    pub payload: Vec<u8>,
    /// `Unhandled` when the function failed (`X-Amz-Function-Error`): the call succeeded, the
    /// function did not.
    pub function_error: Option<String>,
    /// The version that ran (`X-Amz-Executed-Version`).
    pub executed_version: Option<String>,
    /// The base64 tail of the log (`X-Amz-Log-Result`), when asked with `Tail`.
    pub log_result: Option<String>,
}

impl Client {
    /// AWS Lambda (endpoint: `AWS_ENDPOINT_URL_LAMBDA`, `AWS_ENDPOINT_URL`, or AWS's).
    pub fn lambda(&self) -> Lambda {
        Lambda {
            endpoint: self.resolve(&Service::LAMBDA),
            client: self.clone(),
        }
    }
}

impl Lambda {
    /// Invokes `function` (a name, an ARN or a partial ARN, with `:qualifier` if any) with
    /// `payload` and waits for its reply.
    pub fn invoke(&self, function: &str, payload: &[u8]) -> Result<Invoked, Error> {
        self.invoke_with(function, payload, InvocationType::RequestResponse, false)
    }

    /// Invokes `function` as `invocation_type` says; `tail` asks for the last 4 KB of its log.
    pub fn invoke_with(
        &self,
        function: &str,
        payload: &[u8],
        invocation_type: InvocationType,
        tail: bool,
    ) -> Result<Invoked, Error> {
        let endpoint = self.endpoint.get()?;
        if function.is_empty() {
            return Err(Error::new(ErrorKind::Request, "the function name is empty"));
        }
        let mut headers = vec![("x-amz-invocation-type", invocation_type.as_str().to_owned())];
        if tail {
            headers.push(("x-amz-log-type", "Tail".to_owned()));
        }
        if !payload.is_empty() {
            headers.push(("content-type", "application/json".to_owned()));
        }
        let request = Request {
            method: "POST",
            path: format!(
                "/2015-03-31/functions/{}/invocations",
                encode_label(function)
            ),
            query: String::new(),
            headers,
            body: payload,
            s3: false,
        };
        self.client
            .call(&Service::LAMBDA, endpoint, &request, json_error, |resp| {
                let text = |name: &str| resp.header(name).map(str::to_owned);
                Ok(Invoked {
                    status: resp.status,
                    payload: resp.body.to_vec(),
                    function_error: text("x-amz-function-error"),
                    executed_version: text("x-amz-executed-version"),
                    log_result: text("x-amz-log-result"),
                })
            })
    }

    /// Calls an operation of Lambda's restJson API that [`Lambda`] has no method for: `method`
    /// (`GET`, `POST`, `PUT`, `DELETE`) on `path`, with `query`'s pairs and `body` as the JSON
    /// body, signed as service `lambda` and sent to Lambda's endpoint (`AWS_ENDPOINT_URL_LAMBDA`,
    /// `AWS_ENDPOINT_URL`, or AWS's). The answer's JSON body is read as `O`
    /// (`serde_json::Value` to take it as it comes; an empty body reads as `{}`); a status other
    /// than 2xx is an error with the code of its `x-amzn-ErrorType` or body.
    ///
    /// `path` starts with `/` and is already percent-encoded: put each label through
    /// [`encode_label`]. The query's names and values are encoded here.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), ruchy_lambda_aws::Error> {
    /// use ruchy_lambda_aws::lambda::encode_label;
    ///
    /// let lambda = ruchy_lambda_aws::Client::from_env()?.lambda();
    /// // GetFunctionConfiguration: GET /2015-03-31/functions/{FunctionName}/configuration
    /// let path = format!("/2015-03-31/functions/{}/configuration", encode_label("my-fn"));
    /// let config: serde_json::Value = lambda.call_json("GET", &path, &[], None)?;
    /// # Ok(()) }
    /// ```
    pub fn call_json<O: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> Result<O, Error> {
        let endpoint = self.endpoint.get()?;
        if !path.starts_with('/') {
            return Err(Error::new(
                ErrorKind::Request,
                format!("the path {path:?} does not start with `/`"),
            ));
        }
        let body = match body {
            Some(value) => serde_json::to_vec(value).map_err(|e| {
                Error::new(
                    ErrorKind::Request,
                    format!("{method} {path}: the body does not serialize: {e}"),
                )
            })?,
            None => Vec::new(),
        };
        let mut headers = Vec::new();
        if !body.is_empty() {
            headers.push(("content-type", "application/json".to_owned()));
        }
        let query = query
            .iter()
            .map(|(name, value)| format!("{}={}", encode_label(name), encode_label(value)))
            .collect::<Vec<_>>()
            .join("&");
        let request = Request {
            method,
            path: path.to_owned(),
            query,
            headers,
            body: &body,
            s3: false,
        };
        self.client
            .call(&Service::LAMBDA, endpoint, &request, json_error, |resp| {
                let body: &[u8] = if resp.body.is_empty() {
                    b"{}"
                } else {
                    resp.body
                };
                serde_json::from_slice(body).map_err(|e| {
                    Error::new(
                        ErrorKind::Response,
                        format!("{method} {path}: unexpected answer: {e}"),
                    )
                    .with_request_id(request_id(resp))
                })
            })
    }

    /// Opens `connections` connections to Lambda now (see [`Client::connect_now`]).
    pub fn connect_now(&self, connections: usize) -> Result<(), Error> {
        let endpoint = self.endpoint.get()?;
        self.client.connect_endpoint(endpoint, connections)
    }
}

/// A path label (a function name, an ARN), percent-encoded as one path segment as the SDKs
/// encode labels (`:` and `/` of an ARN included), for the paths of [`Lambda::call_json`].
pub fn encode_label(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_path_without_its_slash_is_refused_before_sending() {
        // Nothing listens on port 9: a request sent would be a transport error.
        let lambda = crate::Client::builder()
            .region("us-east-1")
            .credentials(crate::Credentials::new("AKID", "secret"))
            .endpoint_url("http://127.0.0.1:9")
            .build()
            .unwrap()
            .lambda();
        let err = lambda
            .call_json::<serde_json::Value>("GET", "2015-03-31/functions", &[], None)
            .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Request);
        assert!(err.message().contains("does not start with `/`"), "{err}");
    }

    #[test]
    fn function_names_and_arns_are_one_path_segment() {
        assert_eq!(super::encode_label("my-fn"), "my-fn");
        assert_eq!(
            super::encode_label("arn:aws:lambda:us-east-1:123:function:f:$LATEST"),
            "arn%3Aaws%3Alambda%3Aus-east-1%3A123%3Afunction%3Af%3A%24LATEST"
        );
    }
}
