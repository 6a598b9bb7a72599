//! HTTP functions: one handler for API Gateway (REST APIs, payload 1.0; HTTP APIs, payload
//! 2.0), Application Load Balancers and Function URLs, on the `http` crate's types.
//!
//! A handler that takes a [`Request<Body>`](Request) gets the request whatever sent it; what it
//! returns — a [`Response`], or anything [`IntoResponse`] — goes back in the shape of the front
//! that sent the request:
//!
//! ```no_run
//! use ruchy_lambda::http::{Body, Request, RequestExt, Response, StatusCode};
//!
//! #[ruchy_lambda::handler]
//! fn handle(request: Request<Body>) -> Response<Body> {
//!     match (request.method().as_str(), request.uri().path()) {
//!         ("GET", "/hello") => {
//!             let name = request.query("name").unwrap_or_else(|| "world".to_owned());
//!             Response::new(format!("hello {name}").into())
//!         }
//!         _ => Response::builder()
//!             .status(StatusCode::NOT_FOUND)
//!             .body(Body::Empty)
//!             .unwrap_or_default(),
//!     }
//! }
//! ```
//!
//! - **The front** is recognised from the event: `requestContext.elb` is an ALB, `"version":
//!   "2.0"` an HTTP API or (its domain `….lambda-url.….on.aws`) a Function URL, `httpMethod` a
//!   REST API. An event of none of these shapes is reported with `errorType`
//!   `DeserializationError`, naming the shapes accepted.
//! - **Bodies** are bytes: a body sent base64-encoded (`isBase64Encoded`) arrives decoded, as
//!   [`Body::Binary`]; a reply is sent as text when its content type is textual (`text/*`,
//!   JSON, XML, JavaScript, form data) and it is UTF-8, otherwise base64-encoded.
//! - **The path** is the one the client asked for: for a REST API it is `path`, which has no
//!   stage in it; for an HTTP API on a named stage, the stage is taken off `rawPath`. Set
//!   `RUCHY_LAMBDA_HTTP_KEEP_STAGE=true` to keep it (a custom domain whose base path maps to
//!   the stage).
//! - **The reply** has the front's shape: multi-value headers for a REST API, and for an ALB
//!   when its request had them; `cookies` for payload 2.0 (from `Set-Cookie` headers);
//!   `statusDescription` for an ALB.
//! - **What else Lambda says** — the query string parameters, path parameters, stage variables,
//!   the request context, the front, the Lambda [`Context`] — is reachable through
//!   [`RequestExt`].
//! - **Streaming** (Function URLs in `RESPONSE_STREAM` mode): take a
//!   [`&mut ResponseStream`](crate::ResponseStream) as well, start it with
//!   [`ResponseStreamExt::send_head`], then write the body.

use std::fmt;
use std::io;

pub use http::{
    HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, Uri, header,
};

use ruchy_lambda_runtime_core::{Context, ResponseStream};

mod reply;
mod request;

pub use reply::reply;
pub use request::request;

use reply::split_cookies;

/// The body of a request or a response: nothing, text, or bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Body {
    /// No body.
    #[default]
    Empty,
    /// A text body.
    Text(String),
    /// A binary body (one that came base64-encoded, or any bytes).
    Binary(Vec<u8>),
}

impl Body {
    /// The bytes of the body.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Body::Empty => &[],
            Body::Text(text) => text.as_bytes(),
            Body::Binary(bytes) => bytes,
        }
    }

    /// The body as text, when it is UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(self.as_bytes()).ok()
    }

    /// Whether the body has no bytes.
    pub fn is_empty(&self) -> bool {
        self.as_bytes().is_empty()
    }
}

impl AsRef<[u8]> for Body {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl From<()> for Body {
    fn from((): ()) -> Self {
        Body::Empty
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Body::Text(text)
    }
}

impl From<&str> for Body {
    fn from(text: &str) -> Self {
        Body::Text(text.to_owned())
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Body::Binary(bytes)
    }
}

impl From<&[u8]> for Body {
    fn from(bytes: &[u8]) -> Self {
        Body::Binary(bytes.to_vec())
    }
}

/// The front that sent a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// An API Gateway REST API (payload format 1.0).
    ApiGatewayV1,
    /// An API Gateway HTTP API (payload format 2.0).
    ApiGatewayV2,
    /// A Lambda function URL (payload format 2.0).
    FunctionUrl,
    /// An Application Load Balancer.
    Alb,
}

/// What Lambda says about a request beyond its method, URI, headers and body; in the request's
/// extensions, read through [`RequestExt`].
#[derive(Debug, Clone)]
pub struct LambdaRequest {
    /// The front that sent it.
    pub source: Source,
    /// The query string parameters, decoded, in the order sent (a name may repeat).
    pub query: Vec<(String, String)>,
    /// The path parameters of the matched route (`pathParameters`).
    pub path_parameters: Vec<(String, String)>,
    /// The stage variables (`stageVariables`).
    pub stage_variables: Vec<(String, String)>,
    /// The API Gateway stage (`requestContext.stage`), if any.
    pub stage: Option<String>,
    /// The request context as sent (`requestContext`: identity, authorizer, request id, …), as
    /// JSON text: parse the parts you need, e.g. with `serde_json::from_str`.
    pub request_context: Option<Box<serde_json::value::RawValue>>,
    /// The request used multi-value headers (REST APIs; ALBs with them turned on): the reply
    /// uses them too.
    pub multi_value_headers: bool,
}

/// What Lambda says about a request, and the invocation's [`Context`]: accessors on
/// [`Request`].
pub trait RequestExt {
    /// What Lambda says about the request (`None` for a request not built from an event).
    fn lambda_request(&self) -> Option<&LambdaRequest>;

    /// The invocation's context (`None` for a request not built from an event).
    fn lambda_context(&self) -> Option<&Context>;

    /// The front that sent the request.
    fn source(&self) -> Option<Source> {
        self.lambda_request().map(|r| r.source)
    }

    /// The first value of query string parameter `name`, decoded.
    fn query(&self, name: &str) -> Option<String> {
        self.lambda_request()?
            .query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    /// Path parameter `name` of the matched route.
    fn path_parameter(&self, name: &str) -> Option<&str> {
        let parameters = &self.lambda_request()?.path_parameters;
        parameters
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Stage variable `name`.
    fn stage_variable(&self, name: &str) -> Option<&str> {
        let variables = &self.lambda_request()?.stage_variables;
        variables
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl<B> RequestExt for Request<B> {
    fn lambda_request(&self) -> Option<&LambdaRequest> {
        self.extensions().get::<LambdaRequest>()
    }

    fn lambda_context(&self) -> Option<&Context> {
        self.extensions().get::<Context>()
    }
}

/// Something a handler can return as an HTTP response.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an HTTP response",
    label = "not an HTTP response",
    note = "return `http::Response<B>` (with `B: Into<Body>`), `String`, `&'static str`, `Vec<u8>`, `Body`, `()`, `(StatusCode, body)` or `Json(value)`"
)]
pub trait IntoResponse {
    /// The response.
    fn into_response(self) -> Response<Body>;
}

impl<B: Into<Body>> IntoResponse for Response<B> {
    fn into_response(self) -> Response<Body> {
        self.map(Into::into)
    }
}

impl IntoResponse for Body {
    fn into_response(self) -> Response<Body> {
        Response::new(self)
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response<Body> {
        with_content_type(Body::Text(self), "text/plain; charset=utf-8")
    }
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Response<Body> {
        self.to_owned().into_response()
    }
}

impl IntoResponse for Vec<u8> {
    fn into_response(self) -> Response<Body> {
        with_content_type(Body::Binary(self), "application/octet-stream")
    }
}

impl IntoResponse for &'static [u8] {
    fn into_response(self) -> Response<Body> {
        self.to_vec().into_response()
    }
}

impl IntoResponse for () {
    fn into_response(self) -> Response<Body> {
        Response::new(Body::Empty)
    }
}

impl<R: IntoResponse> IntoResponse for (StatusCode, R) {
    fn into_response(self) -> Response<Body> {
        let mut response = self.1.into_response();
        *response.status_mut() = self.0;
        response
    }
}

/// A value sent as JSON, with `content-type: application/json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response<Body> {
        match serde_json::to_string(&self.0) {
            Ok(json) => with_content_type(Body::Text(json), "application/json"),
            Err(e) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot serialize the reply as JSON: {e}"),
            )
                .into_response(),
        }
    }
}

fn with_content_type(body: Body, content_type: &'static str) -> Response<Body> {
    let mut response = Response::new(body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// Starting a streamed HTTP response from an `http::Response` head.
pub trait ResponseStreamExt {
    /// Sends the status, headers and cookies (`Set-Cookie` headers) of `head` before the body
    /// (the Function URL prelude); then write the body to the stream.
    fn send_head<B>(&mut self, head: &Response<B>) -> io::Result<()>;
}

impl ResponseStreamExt for ResponseStream<'_> {
    fn send_head<B>(&mut self, head: &Response<B>) -> io::Result<()> {
        let (headers, cookies) = split_cookies(head.headers(), ",");
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let cookies: Vec<&str> = cookies.iter().map(String::as_str).collect();
        self.http_response(head.status().as_u16(), &headers, &cookies)?;
        io::Write::flush(self)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::ApiGatewayV1 => "API Gateway REST API",
            Source::ApiGatewayV2 => "API Gateway HTTP API",
            Source::FunctionUrl => "function URL",
            Source::Alb => "Application Load Balancer",
        })
    }
}

#[cfg(test)]
mod tests;
