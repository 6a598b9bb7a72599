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

use ruchy_lambda_runtime_core::encoding::{base64_decode, base64_encode};
use ruchy_lambda_runtime_core::{Context, Diagnostic, Invocation, ResponseStream};

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

// ---- the events ----

/// The fields of the four event shapes, all optional: which are there tells the shape.
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Event {
    version: Option<String>,
    http_method: Option<String>,
    path: Option<String>,
    raw_path: Option<String>,
    raw_query_string: Option<String>,
    #[serde(default, deserialize_with = "pairs")]
    headers: Vec<(String, Option<String>)>,
    #[serde(default, deserialize_with = "pairs")]
    multi_value_headers: Vec<(String, Option<Vec<String>>)>,
    #[serde(default, deserialize_with = "pairs")]
    query_string_parameters: Vec<(String, Option<String>)>,
    #[serde(default, deserialize_with = "pairs")]
    multi_value_query_string_parameters: Vec<(String, Option<Vec<String>>)>,
    #[serde(default, deserialize_with = "pairs")]
    path_parameters: Vec<(String, Option<String>)>,
    #[serde(default, deserialize_with = "pairs")]
    stage_variables: Vec<(String, Option<String>)>,
    cookies: Option<Vec<String>>,
    body: Option<String>,
    #[serde(default)]
    is_base64_encoded: bool,
    request_context: Option<Box<serde_json::value::RawValue>>,
}

/// A JSON object (or `null`) as its name-value pairs, in order.
fn pairs<'de, D, V>(deserializer: D) -> Result<Vec<(String, V)>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: serde::Deserialize<'de>,
{
    struct Pairs<V>(std::marker::PhantomData<V>);

    impl<'de, V: serde::Deserialize<'de>> serde::de::Visitor<'de> for Pairs<V> {
        type Value = Vec<(String, V)>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object or null")
        }

        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(pair) = map.next_entry()? {
                out.push(pair);
            }
            Ok(out)
        }
    }

    deserializer.deserialize_any(Pairs(std::marker::PhantomData))
}

/// What the shape and the path are told by, in `requestContext`.
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ContextFields {
    stage: Option<String>,
    domain_name: Option<String>,
    path: Option<String>,
    #[serde(default)]
    http: HttpFields,
    elb: Option<serde::de::IgnoredAny>,
}

/// `requestContext.http` of payload 2.0.
#[derive(serde::Deserialize, Default)]
struct HttpFields {
    method: Option<String>,
    path: Option<String>,
}

/// The error type of an event that is not an HTTP request of a known shape.
const DESERIALIZATION_ERROR: &str = "DeserializationError";

const SHAPES: &str = "an API Gateway REST API (payload 1.0) or HTTP API (payload 2.0) request, \
                      an Application Load Balancer request, or a Lambda function URL request";

/// The request in an invocation's event, and the front that sent it.
pub fn request(invocation: &Invocation) -> Result<(Request<Body>, Source), Diagnostic> {
    let keep_stage = std::env::var("RUCHY_LAMBDA_HTTP_KEEP_STAGE")
        .is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    let event: Event = serde_json::from_slice(&invocation.body).map_err(|e| {
        Diagnostic::new(
            DESERIALIZATION_ERROR,
            format!("the event is not an HTTP request: {e}; expected {SHAPES}"),
        )
    })?;
    let (mut request, source) = from_event(event, keep_stage)?;
    request.extensions_mut().insert(invocation.context.clone());
    Ok((request, source))
}

fn not_http(what: &str) -> Diagnostic {
    Diagnostic::new(
        DESERIALIZATION_ERROR,
        format!("the event is not an HTTP request ({what}); expected {SHAPES}"),
    )
}

fn strings(pairs: Vec<(String, Option<String>)>) -> Vec<(String, String)> {
    pairs
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect()
}

fn from_event(event: Event, keep_stage: bool) -> Result<(Request<Body>, Source), Diagnostic> {
    let fields: ContextFields = match &event.request_context {
        // From bytes, as the event was: one deserializer in the binary, not two.
        Some(raw) => serde_json::from_slice(raw.get().as_bytes())
            .map_err(|e| not_http(&format!("its `requestContext` is not an object: {e}")))?,
        None => ContextFields::default(),
    };
    let stage = fields.stage.clone();
    let source = if fields.elb.is_some() {
        Source::Alb
    } else if event.version.as_deref() == Some("2.0") {
        let domain = fields.domain_name.as_deref().unwrap_or_default();
        if domain.contains(".lambda-url.") {
            Source::FunctionUrl
        } else {
            Source::ApiGatewayV2
        }
    } else if event.http_method.is_some() {
        Source::ApiGatewayV1
    } else {
        return Err(not_http(
            "it has no `httpMethod`, no `\"version\": \"2.0\"` and no `requestContext.elb`",
        ));
    };
    match source {
        Source::ApiGatewayV2 | Source::FunctionUrl => {
            let method = fields
                .http
                .method
                .clone()
                .ok_or_else(|| not_http("payload 2.0 without `requestContext.http.method`"))?;
            let mut path = event
                .raw_path
                .clone()
                .or_else(|| fields.http.path.clone())
                .unwrap_or_else(|| "/".to_owned());
            if let (false, Some(stage)) = (keep_stage, &stage) {
                if stage != "$default" {
                    let prefix = format!("/{stage}");
                    if path == prefix {
                        path = "/".to_owned();
                    } else if path.starts_with(&format!("{prefix}/")) {
                        path = path[prefix.len()..].to_owned();
                    }
                }
            }
            let raw_query = event.raw_query_string.clone().unwrap_or_default();
            let pairs = parse_query(&raw_query);
            let encoded = raw_query_encoded(&raw_query);
            build(event, source, method, path, encoded, pairs, stage)
        }
        Source::ApiGatewayV1 => {
            let method = event.http_method.clone().unwrap_or_default();
            let path = if keep_stage {
                fields.path.clone().or_else(|| event.path.clone())
            } else {
                event.path.clone()
            }
            .unwrap_or_else(|| "/".to_owned());
            // API Gateway hands the parameters decoded: encode them again for the URI.
            let pairs = query_pairs(&event);
            let encoded = encode_query(&pairs);
            build(event, source, method, path, encoded, pairs, stage)
        }
        Source::Alb => {
            let method = event.http_method.clone().unwrap_or_default();
            let path = event.path.clone().unwrap_or_else(|| "/".to_owned());
            // An ALB passes the query as the client sent it, still percent-encoded.
            let encoded = raw_query_encoded(
                &query_pairs(&event)
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("&"),
            );
            let pairs = parse_query(&encoded);
            build(event, source, method, path, encoded, pairs, stage)
        }
    }
}

/// The query parameters of a payload 1.0 or ALB event, multi-value ones first.
fn query_pairs(event: &Event) -> Vec<(String, String)> {
    if event.multi_value_query_string_parameters.is_empty() {
        event
            .query_string_parameters
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.clone()?)))
            .collect()
    } else {
        event
            .multi_value_query_string_parameters
            .iter()
            .flat_map(|(k, vs)| vs.iter().flatten().map(move |v| (k.clone(), v.clone())))
            .collect()
    }
}

#[allow(clippy::too_many_arguments)]
fn build(
    event: Event,
    source: Source,
    method: String,
    path: String,
    query: String,
    pairs: Vec<(String, String)>,
    stage: Option<String>,
) -> Result<(Request<Body>, Source), Diagnostic> {
    let mut uri = encode_path(&path);
    if !query.is_empty() {
        uri.push('?');
        uri.push_str(&query);
    }
    let mut builder = Request::builder().method(method.as_str()).uri(uri.as_str());
    let multi_value_headers = !event.multi_value_headers.is_empty();
    if let Some(headers) = builder.headers_mut() {
        if multi_value_headers {
            for (name, values) in &event.multi_value_headers {
                for value in values.iter().flatten() {
                    append(headers, name, value);
                }
            }
        } else {
            for (name, value) in &event.headers {
                if let Some(value) = value {
                    append(headers, name, value);
                }
            }
        }
        if let Some(cookies) = event.cookies.as_ref().filter(|c| !c.is_empty()) {
            append(headers, "cookie", &cookies.join("; "));
        }
    }
    let body = match event.body {
        None => Body::Empty,
        Some(body) if body.is_empty() => Body::Empty,
        Some(body) if event.is_base64_encoded => Body::Binary(
            base64_decode(&body).ok_or_else(|| not_http("a body marked base64 that is not"))?,
        ),
        Some(body) => Body::Text(body),
    };
    let mut request = builder.body(body).map_err(|e| {
        Diagnostic::new(
            DESERIALIZATION_ERROR,
            format!("the HTTP request in the event is not valid: {e}"),
        )
    })?;
    request.extensions_mut().insert(LambdaRequest {
        source,
        query: pairs,
        path_parameters: strings(event.path_parameters),
        stage_variables: strings(event.stage_variables),
        stage,
        request_context: event.request_context,
        multi_value_headers,
    });
    Ok((request, source))
}

/// Adds a header, skipping a name or value HTTP cannot carry.
fn append(headers: &mut HeaderMap, name: &str, value: &str) {
    if let (Ok(name), Ok(value)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        headers.append(name, value);
    }
}

/// Appends `%XX` for byte `b`.
fn push_escape(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    out.push(char::from(HEX[usize::from(b >> 4)]));
    out.push(char::from(HEX[usize::from(b & 15)]));
}

/// `%XX` escapes of what a URI path cannot hold as it is (spaces, non-ASCII, …).
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    if !path.starts_with('/') {
        out.push('/');
    }
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@%".contains(&b);
        if keep {
            out.push(char::from(b));
        } else {
            push_escape(&mut out, b);
        }
    }
    out
}

/// A raw query string made safe for a URI (it is already encoded; stray characters escaped).
fn raw_query_encoded(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"/?-._~!$&'()*+,;=:@%".contains(&b);
        if keep {
            out.push(char::from(b));
        } else {
            push_escape(&mut out, b);
        }
    }
    out
}

/// Decoded name-value pairs as a query string.
fn encode_query(pairs: &[(String, String)]) -> String {
    let encode = |s: &str| {
        let mut out = String::with_capacity(s.len());
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                out.push(char::from(b));
            } else {
                push_escape(&mut out, b);
            }
        }
        out
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The decoded name-value pairs of a query string (`+` is a space).
fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |i: usize| bytes.get(i).and_then(|&b| char::from(b).to_digit(16));
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'+', _, _) => out.push(b' '),
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 2;
            }
            (b, _, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---- the reply ----

/// Writes `response` as the reply `source` expects into `reply`.
pub fn reply(source: Source, multi_value: bool, response: Response<Body>, reply: &mut Vec<u8>) {
    let (parts, body) = response.into_parts();
    let out = reply;
    out.extend_from_slice(b"{\"statusCode\":");
    out.extend_from_slice(parts.status.as_str().as_bytes());
    if source == Source::Alb {
        out.extend_from_slice(b",\"statusDescription\":");
        let reason = parts.status.canonical_reason().unwrap_or("Unknown");
        json_str(out, &format!("{} {reason}", parts.status.as_str()));
    }
    let multi = source == Source::ApiGatewayV1 || (source == Source::Alb && multi_value);
    if multi {
        // Every value of every header, `Set-Cookie` included.
        out.extend_from_slice(b",\"multiValueHeaders\":{");
        for (i, name) in parts.headers.keys().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json_str(out, name.as_str());
            out.extend_from_slice(b":[");
            for (j, value) in parts.headers.get_all(name).iter().enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                json_str(out, &String::from_utf8_lossy(value.as_bytes()));
            }
            out.push(b']');
        }
        out.push(b'}');
    } else {
        let (headers, cookies) = split_cookies(&parts.headers, ",");
        out.extend_from_slice(b",\"headers\":{");
        for (i, (name, value)) in headers.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json_str(out, name);
            out.push(b':');
            json_str(out, value);
        }
        // Without multi-value headers an ALB takes one value per name: the last cookie.
        if let (Source::Alb, Some(cookie)) = (source, cookies.last()) {
            if !headers.is_empty() {
                out.push(b',');
            }
            json_str(out, "set-cookie");
            out.push(b':');
            json_str(out, cookie);
        }
        out.push(b'}');
        if matches!(source, Source::ApiGatewayV2 | Source::FunctionUrl) && !cookies.is_empty() {
            out.extend_from_slice(b",\"cookies\":[");
            for (i, cookie) in cookies.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json_str(out, cookie);
            }
            out.push(b']');
        }
    }
    let textual = match parts.headers.get(header::CONTENT_TYPE) {
        Some(content_type) => is_textual(content_type.to_str().unwrap_or("")),
        None => !matches!(body, Body::Binary(_)),
    };
    out.extend_from_slice(b",\"body\":");
    let base64 = match (body.as_str(), textual) {
        (Some(text), true) => {
            json_str(out, text);
            false
        }
        _ if body.is_empty() => {
            json_str(out, "");
            false
        }
        _ => {
            json_str(out, &base64_encode(body.as_bytes()));
            true
        }
    };
    out.extend_from_slice(if base64 {
        b",\"isBase64Encoded\":true}"
    } else {
        b",\"isBase64Encoded\":false}"
    });
}

/// Appends `s` as a JSON string.
fn json_str(out: &mut Vec<u8>, s: &str) {
    let _ = serde_json::to_writer(&mut *out, s);
}

/// Headers with their values joined by `separator` (`Set-Cookie` left out), and the
/// `Set-Cookie` values.
fn split_cookies(headers: &HeaderMap, separator: &str) -> (Vec<(String, String)>, Vec<String>) {
    let mut joined: Vec<(String, String)> = Vec::new();
    let mut cookies = Vec::new();
    for name in headers.keys() {
        let values = headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        if name == header::SET_COOKIE {
            cookies.extend(values);
        } else {
            joined.push((
                name.as_str().to_owned(),
                values.collect::<Vec<_>>().join(separator),
            ));
        }
    }
    (joined, cookies)
}

/// Content types sent as text.
fn is_textual(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence.starts_with("text/")
        || essence.ends_with("+json")
        || essence.ends_with("+xml")
        || matches!(
            essence.as_str(),
            "application/json"
                | "application/xml"
                | "application/javascript"
                | "application/x-www-form-urlencoded"
                | "application/graphql"
        )
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
mod tests {
    use super::*;
    use ruchy_lambda_runtime_core::Config;
    use std::sync::Arc;

    fn invocation(event: serde_json::Value) -> Invocation {
        Invocation {
            context: Context::new("id-1", 0, Arc::new(Config::default())),
            body: serde_json::to_vec(&event).unwrap(),
        }
    }

    fn v2(raw_path: &str, stage: &str) -> serde_json::Value {
        serde_json::json!({
            "version": "2.0",
            "rawPath": raw_path,
            "rawQueryString": "a=1&b=x%20y&a=2&c=p+q",
            "cookies": ["k=v", "s=t"],
            "headers": {"x-one": "1"},
            "requestContext": {
                "domainName": "id.execute-api.us-east-1.amazonaws.com",
                "http": {"method": "PUT", "path": raw_path},
                "stage": stage
            },
            "body": "aGk=",
            "isBase64Encoded": true
        })
    }

    fn replied(source: Source, multi: bool, response: Response<Body>) -> serde_json::Value {
        let mut out = Vec::new();
        reply(source, multi, response, &mut out);
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn payload_2_requests() {
        let (request, source) = request(&invocation(v2("/prod/items/7", "prod"))).unwrap();
        assert_eq!(source, Source::ApiGatewayV2);
        assert_eq!(request.method(), Method::PUT);
        assert_eq!(request.uri().path(), "/items/7");
        assert_eq!(request.uri().query(), Some("a=1&b=x%20y&a=2&c=p+q"));
        assert_eq!(request.query("a").as_deref(), Some("1"));
        assert_eq!(request.query("b").as_deref(), Some("x y"));
        assert_eq!(request.query("c").as_deref(), Some("p q"));
        assert_eq!(request.headers()["cookie"], "k=v; s=t");
        assert_eq!(request.headers()["x-one"], "1");
        assert_eq!(request.body(), &Body::Binary(b"hi".to_vec()));
        assert_eq!(request.lambda_context().unwrap().request_id, "id-1");
        // `$default` keeps the path as it is.
        let (request, _) = request_of(v2("/prod/items/7", "$default"));
        assert_eq!(request.uri().path(), "/prod/items/7");
    }

    fn request_of(event: serde_json::Value) -> (Request<Body>, Source) {
        request(&invocation(event)).unwrap()
    }

    #[test]
    fn paths_that_need_escaping_still_make_a_uri() {
        let (request, _) = request_of(v2("/a b/é", "$default"));
        assert_eq!(request.uri().path(), "/a%20b/%C3%A9");
    }

    #[test]
    fn payload_2_replies_carry_cookies_and_joined_headers() {
        let response = Response::builder()
            .header("x-many", "1")
            .header("x-many", "2")
            .header("set-cookie", "a=1")
            .header("set-cookie", "b=2; Secure")
            .header("content-type", "application/octet-stream")
            .body(Body::Binary(vec![0, 255]))
            .unwrap();
        assert_eq!(
            replied(Source::FunctionUrl, false, response),
            serde_json::json!({
                "statusCode": 200,
                "headers": {"x-many": "1,2", "content-type": "application/octet-stream"},
                "cookies": ["a=1", "b=2; Secure"],
                "body": "AP8=",
                "isBase64Encoded": true
            })
        );
    }

    #[test]
    fn rest_and_alb_replies() {
        let response = || {
            Response::builder()
                .status(StatusCode::CREATED)
                .header("set-cookie", "a=1")
                .header("set-cookie", "b=2")
                .header("content-type", "text/html")
                .body(Body::Text("<p>ok</p>".into()))
                .unwrap()
        };
        assert_eq!(
            replied(Source::ApiGatewayV1, true, response()),
            serde_json::json!({
                "statusCode": 201,
                "multiValueHeaders": {"set-cookie": ["a=1", "b=2"], "content-type": ["text/html"]},
                "body": "<p>ok</p>",
                "isBase64Encoded": false
            })
        );
        assert_eq!(
            replied(Source::Alb, false, response()),
            serde_json::json!({
                "statusCode": 201,
                "statusDescription": "201 Created",
                "headers": {"content-type": "text/html", "set-cookie": "b=2"},
                "body": "<p>ok</p>",
                "isBase64Encoded": false
            })
        );
    }

    #[test]
    fn text_or_base64_by_content_type() {
        for (content_type, textual) in [
            ("text/plain", true),
            ("application/json; charset=utf-8", true),
            ("application/problem+json", true),
            ("image/svg+xml", true),
            ("application/x-www-form-urlencoded", true),
            ("image/png", false),
            ("application/octet-stream", false),
        ] {
            assert_eq!(is_textual(content_type), textual, "{content_type}");
        }
        // Textual but not UTF-8: base64 all the same.
        let response = Response::builder()
            .header("content-type", "text/plain")
            .body(Body::Binary(vec![0xff]))
            .unwrap();
        let out = replied(Source::ApiGatewayV2, false, response);
        assert_eq!(
            (out["body"].as_str(), out["isBase64Encoded"].as_bool()),
            (Some("/w=="), Some(true))
        );
    }

    #[test]
    fn replies_from_what_handlers_return() {
        let json = Json(serde_json::json!({"a": 1})).into_response();
        assert_eq!(json.headers()["content-type"], "application/json");
        assert_eq!(json.body(), &Body::Text(r#"{"a":1}"#.into()));
        let (status, body) = (StatusCode::IM_A_TEAPOT, "short");
        let teapot = (status, body).into_response();
        assert_eq!(teapot.status(), StatusCode::IM_A_TEAPOT);
        assert_eq!(
            teapot.headers()["content-type"],
            "text/plain; charset=utf-8"
        );
        assert_eq!(().into_response().body(), &Body::Empty);
    }
}
