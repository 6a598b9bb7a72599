//! HTTP fronts: what API Gateway, an Application Load Balancer or a function URL makes of an
//! HTTP request (the Lambda event) and of the function's reply (the HTTP response).
//!
//! Four [`Front`]s, each as AWS documents it:
//!
//! - [`Front::ApiGatewayV2`]: an HTTP API with a Lambda proxy integration, payload format 2.0
//!   ("Create AWS Lambda proxy integrations for HTTP APIs in API Gateway");
//! - [`Front::ApiGatewayV1`]: a REST API with a Lambda proxy integration on `/{proxy+}`, payload
//!   format 1.0 ("Lambda proxy integrations in API Gateway": input and output format);
//! - [`Front::Alb`]: an Application Load Balancer target group, with or without multi-value
//!   headers ("Use Lambda functions as targets of an Application Load Balancer");
//! - [`Front::FunctionUrl`]: a function URL, payload format 2.0 ("Invoking Lambda function URLs":
//!   request and response payloads), including replies streamed in `RESPONSE_STREAM` mode.
//!
//! [`FrontConfig::event`] builds the event of an [`HttpRequest`]; [`FrontConfig::response`]
//! reads the function's reply into an [`HttpResponse`], or into the front's error response when
//! the reply is not one it accepts ([`FrontConfig::parse_reply`] says why).
//! [`FrontConfig::function_error`] is the response to a failed invocation. All are plain
//! functions of their input: no sockets.
//!
//! # The rules, front by front
//!
//! | | `apigw-v2` | `apigw-v1` | `alb` | `url` |
//! |---|---|---|---|---|
//! | header names | lower-cased | as sent | lower-cased | lower-cased |
//! | repeated header | joined with `,` | last in `headers`, all in `multiValueHeaders` | last (all with multi-value headers) | joined with `,` |
//! | `Cookie` | split into `cookies` | a header | a header | split into `cookies` |
//! | query values | percent-decoded, repeated joined with `,` | decoded, last / all | as sent (not decoded), last / all | as `apigw-v2` |
//! | no query | field absent | `null` | `{}` | field absent |
//! | no body | field absent | `null` | `""` | field absent |
//! | function error | `500 {"message":"Internal Server Error"}` | `502 {"message": "Internal server error"}` | `502 Bad Gateway` (HTML) | `502 Internal Server Error` |
//!
//! A body is passed as text when its `Content-Type` is textual ([`is_textual`]) and it has no
//! `Content-Encoding`; otherwise it is base64 with `isBase64Encoded: true` — the rule of HTTP
//! APIs and function URLs, applied to the REST API as if its `binaryMediaTypes` listed every
//! other type, and to the load balancer. A query value is percent-decoded where the front
//! decodes (a `+` stays a `+`).
//!
//! Replies: payload 2.0 takes `statusCode`, `headers`, `cookies` (each a `Set-Cookie`), `body`
//! and `isBase64Encoded`; a reply that is valid JSON but not an object with `statusCode` is sent
//! as it is, `200` `application/json`. Payload 1.0 takes `statusCode` (200 when absent),
//! `headers` and `multiValueHeaders` (merged: a value in both is sent once), `body`,
//! `isBase64Encoded`. The load balancer takes `statusCode`, `statusDescription` (the status
//! line's reason phrase), `headers` — or `multiValueHeaders` with multi-value headers on —,
//! `body`, `isBase64Encoded`. Anything else is the front's error response.

mod event;
mod reply;

use std::time::{SystemTime, UNIX_EPOCH};

pub use reply::HttpResponse;

/// The front before the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Front {
    /// An API Gateway HTTP API, payload format 2.0 (`apigw-v2`).
    ApiGatewayV2,
    /// An API Gateway REST API, payload format 1.0 (`apigw-v1`).
    ApiGatewayV1,
    /// An Application Load Balancer (`alb`).
    Alb,
    /// A function URL (`url`).
    FunctionUrl,
}

impl Front {
    /// Every front, in the order of [`Front::name`]'s list.
    pub const ALL: [Front; 4] = [
        Front::ApiGatewayV2,
        Front::ApiGatewayV1,
        Front::Alb,
        Front::FunctionUrl,
    ];

    /// The front named `apigw-v2`, `apigw-v1`, `alb` or `url` (any case).
    pub fn from_name(name: &str) -> Option<Front> {
        Front::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// `apigw-v2`, `apigw-v1`, `alb` or `url`.
    pub fn name(self) -> &'static str {
        match self {
            Front::ApiGatewayV2 => "apigw-v2",
            Front::ApiGatewayV1 => "apigw-v1",
            Front::Alb => "alb",
            Front::FunctionUrl => "url",
        }
    }

    /// Whether the front uses payload format 2.0.
    pub fn is_v2(self) -> bool {
        matches!(self, Front::ApiGatewayV2 | Front::FunctionUrl)
    }
}

/// A front and the names it puts in events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontConfig {
    /// Which front.
    pub front: Front,
    /// The REST API's stage (`apigw-v1`): `requestContext.stage` and the first segment of
    /// `requestContext.path`. Default `prod`.
    pub stage: String,
    /// The load balancer's target group has multi-value headers on (`alb`).
    pub multi_value_headers: bool,
    /// The region in domain names and ARNs. Default `us-east-1`.
    pub region: String,
    /// `requestContext.accountId` (a function URL with auth type `NONE` says `anonymous`).
    /// Default `123456789012`.
    pub account_id: String,
    /// The API id, or the function URL's id: `requestContext.apiId` and the first label of
    /// `requestContext.domainName`. Default `ruchylocal`.
    pub api_id: String,
    /// The function's name, in the target group's ARN (`alb`).
    pub function_name: String,
}

impl FrontConfig {
    /// `front` with the defaults.
    pub fn new(front: Front) -> FrontConfig {
        FrontConfig {
            front,
            stage: "prod".to_owned(),
            multi_value_headers: false,
            region: "us-east-1".to_owned(),
            account_id: "123456789012".to_owned(),
            api_id: "ruchylocal".to_owned(),
            function_name: "function".to_owned(),
        }
    }

    /// The host name clients use: `<id>.execute-api.<region>.amazonaws.com`,
    /// `<id>.lambda-url.<region>.on.aws`, or the load balancer's DNS name.
    pub fn domain_name(&self) -> String {
        match self.front {
            Front::ApiGatewayV1 | Front::ApiGatewayV2 => {
                format!("{}.execute-api.{}.amazonaws.com", self.api_id, self.region)
            }
            Front::FunctionUrl => format!("{}.lambda-url.{}.on.aws", self.api_id, self.region),
            Front::Alb => format!("{}.{}.elb.amazonaws.com", self.api_id, self.region),
        }
    }

    /// The load balancer's target group ARN:
    /// `arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>`.
    pub fn target_group_arn(&self) -> String {
        let name: String = self.function_name.chars().take(32).collect();
        format!(
            "arn:aws:elasticloadbalancing:{}:{}:targetgroup/{name}/6d0ecf831eec9f09",
            self.region, self.account_id
        )
    }

    /// The event the front sends for `request`, received at `at`.
    pub fn event(&self, request: &HttpRequest, at: SystemTime) -> serde_json::Value {
        match self.front {
            Front::ApiGatewayV2 | Front::FunctionUrl => event::v2(self, request, at),
            Front::ApiGatewayV1 => event::v1(self, request, at),
            Front::Alb => event::alb(self, request),
        }
    }

    /// What the front makes of the function's reply: the response, or why it refuses it.
    pub fn parse_reply(&self, payload: &[u8]) -> Result<HttpResponse, String> {
        match self.front {
            Front::ApiGatewayV2 | Front::FunctionUrl => reply::v2(payload),
            Front::ApiGatewayV1 => reply::v1(payload),
            Front::Alb => reply::alb(payload, self.multi_value_headers),
        }
    }

    /// The response to the function's reply: [`FrontConfig::parse_reply`], or the front's
    /// error response for a reply it refuses.
    pub fn response(&self, payload: &[u8]) -> HttpResponse {
        self.parse_reply(payload)
            .unwrap_or_else(|_| self.function_error())
    }

    /// The response to a failed invocation (a function error, a timeout, a crash) or a reply
    /// the front refuses.
    pub fn function_error(&self) -> HttpResponse {
        match self.front {
            Front::ApiGatewayV2 => {
                HttpResponse::json(500, br#"{"message":"Internal Server Error"}"#)
            }
            Front::ApiGatewayV1 => {
                HttpResponse::json(502, br#"{"message": "Internal server error"}"#)
            }
            Front::Alb => HttpResponse::alb_page(502, "Bad Gateway"),
            Front::FunctionUrl => HttpResponse::text(502, "Internal Server Error"),
        }
    }

    /// The response when every instance is busy (Lambda throttled the invocation): API Gateway
    /// answers `500` (Lambda rejected the invocation), a function URL `429`, the load balancer
    /// `503`.
    pub fn throttled(&self) -> HttpResponse {
        match self.front {
            Front::ApiGatewayV2 => {
                HttpResponse::json(500, br#"{"message":"Internal Server Error"}"#)
            }
            Front::ApiGatewayV1 => {
                HttpResponse::json(500, br#"{"message": "Internal server error"}"#)
            }
            Front::Alb => HttpResponse::alb_page(503, "Service Temporarily Unavailable"),
            Front::FunctionUrl => HttpResponse::json(
                429,
                br#"{"Reason":"ConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}"#,
            ),
        }
    }

    /// The response to a request body over the limit.
    pub fn too_large(&self) -> HttpResponse {
        match self.front {
            Front::Alb => HttpResponse::alb_page(413, "Request Entity Too Large"),
            _ => HttpResponse::json(413, br#"{"message":"Request Entity Too Large"}"#),
        }
    }
}

/// An HTTP request as the front received it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpRequest {
    /// The method, e.g. `POST`.
    pub method: String,
    /// The request target as sent: the path and the query, e.g. `/echo?x=1`.
    pub target: String,
    /// `HTTP/1.1` or `HTTP/1.0`.
    pub protocol: String,
    /// The header fields in the order received, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The client's address.
    pub source_ip: String,
    /// The port the request came in on (`x-forwarded-port`).
    pub port: u16,
}

impl HttpRequest {
    /// The path, as sent (not decoded).
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }

    /// The query string, as sent, without the `?` (empty when there is none).
    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The headers the front passes on: those received, `Cookie` left out for payload 2.0, then
    /// `x-forwarded-for` (the client's address, after any value received), `x-forwarded-port`
    /// and `x-forwarded-proto` (`http`), as API Gateway and load balancers add them.
    fn forwarded_headers(&self, keep_cookie: bool) -> Vec<(String, String)> {
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut forwarded_for = None;
        for (name, value) in &self.headers {
            if name.eq_ignore_ascii_case("cookie") && !keep_cookie {
                continue;
            }
            if name.eq_ignore_ascii_case("x-forwarded-for") {
                forwarded_for = Some(format!("{value}, {}", self.source_ip));
                continue;
            }
            if name.eq_ignore_ascii_case("x-forwarded-port")
                || name.eq_ignore_ascii_case("x-forwarded-proto")
            {
                continue;
            }
            headers.push((name.clone(), value.clone()));
        }
        headers.push((
            "X-Forwarded-For".to_owned(),
            forwarded_for.unwrap_or_else(|| self.source_ip.clone()),
        ));
        headers.push(("X-Forwarded-Port".to_owned(), self.port.to_string()));
        headers.push(("X-Forwarded-Proto".to_owned(), "http".to_owned()));
        headers
    }

    /// The cookies of the `Cookie` headers, split at `;`, as payload 2.0 passes them.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
            .flat_map(|(_, v)| v.split(';'))
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The body as the event carries it: `(text, false)`, or `(base64, true)` when the content
    /// type is not textual or the body has a `Content-Encoding`. `None` for an empty body.
    pub fn event_body(&self) -> Option<(String, bool)> {
        if self.body.is_empty() {
            return None;
        }
        let encoded =
            self.header("content-encoding").is_some() || !is_textual(self.header("content-type"));
        match String::from_utf8(self.body.clone()) {
            Ok(text) if !encoded => Some((text, false)),
            _ => Some((crate::stream::base64_encode(&self.body), true)),
        }
    }
}

/// Whether a body of this content type is passed as text: `text/*`, `application/json`,
/// `application/javascript`, `application/xml`, and `application/*+json` or `+xml`. No content
/// type, `application/x-www-form-urlencoded` and all others are binary (base64).
pub fn is_textual(content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type else {
        return false;
    };
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    mime.starts_with("text/")
        || matches!(
            mime.as_str(),
            "application/json" | "application/javascript" | "application/xml"
        )
        || (mime.starts_with("application/") && (mime.ends_with("+json") || mime.ends_with("+xml")))
}

/// The pairs of a query string, in order: `a=1&b&a=2` → `(a, 1)`, `(b, "")`, `(a, 2)`; decoded
/// with [`percent_decode`] when `decode`.
pub fn query_pairs(query: &str, decode: bool) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if decode {
                (percent_decode(name), percent_decode(value))
            } else {
                (name.to_owned(), value.to_owned())
            }
        })
        .filter(|(name, _)| !name.is_empty())
        .collect()
}

/// `%XX` escapes decoded (invalid ones kept as they are; bytes that are not UTF-8 replaced).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|&b| (b as char).to_digit(16));
        if bytes[i] == b'%' {
            if let (Some(hi), Some(lo)) = (hex(i + 1), hex(i + 2)) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// API Gateway's `requestContext.time`: `12/Mar/2020:19:03:58 +0000`.
pub fn request_time(at: SystemTime) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let (y, m, d) = crate::ids::civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{d:02}/{}/{y:04}:{:02}:{:02}:{:02} +0000",
        MONTHS[(m - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The reason phrase of a status code, for the status line.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a teapot",
        422 => "Unprocessable Entity",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// Milliseconds since the Unix epoch (`timeEpoch`).
fn epoch_millis(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn names() {
        for front in Front::ALL {
            assert_eq!(Front::from_name(front.name()), Some(front));
        }
        assert_eq!(Front::from_name("URL"), Some(Front::FunctionUrl));
        assert_eq!(Front::from_name("apigw"), None);
    }

    #[test]
    fn textual_types() {
        for t in [
            "text/plain",
            "text/html; charset=utf-8",
            "application/json",
            "Application/JSON",
            "application/ld+json",
            "application/javascript",
            "application/xml",
            "application/atom+xml",
        ] {
            assert!(is_textual(Some(t)), "{t}");
        }
        for t in [
            "image/png",
            "application/octet-stream",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "",
        ] {
            assert!(!is_textual(Some(t)), "{t}");
        }
        assert!(!is_textual(None));
    }

    #[test]
    fn queries() {
        assert_eq!(
            query_pairs("a=1&b&a=%2F%20x+y&=z&&c=", true),
            [
                ("a".into(), "1".into()),
                ("b".into(), String::new()),
                ("a".into(), "/ x+y".into()),
                ("c".into(), String::new()),
            ]
        );
        assert_eq!(
            query_pairs("q=a%20b", false),
            [("q".into(), "a%20b".into())]
        );
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("caf%C3%A9"), "café");
    }

    #[test]
    fn times() {
        let at = UNIX_EPOCH + Duration::from_millis(1_583_348_638_390);
        assert_eq!(request_time(at), "04/Mar/2020:19:03:58 +0000");
        assert_eq!(epoch_millis(at), 1_583_348_638_390);
    }

    #[test]
    fn bodies_and_cookies() {
        let mut r = HttpRequest {
            headers: vec![
                ("Cookie".into(), "a=1; b=2".into()),
                ("cookie".into(), "c=3".into()),
                ("Content-Type".into(), "text/plain".into()),
            ],
            body: b"hi".to_vec(),
            ..HttpRequest::default()
        };
        assert_eq!(r.cookies(), ["a=1", "b=2", "c=3"]);
        assert_eq!(r.event_body(), Some(("hi".into(), false)));
        r.headers.push(("Content-Encoding".into(), "gzip".into()));
        assert_eq!(r.event_body(), Some(("aGk=".into(), true)));
        r.headers.clear();
        assert_eq!(r.event_body(), Some(("aGk=".into(), true)));
        r.body.clear();
        assert_eq!(r.event_body(), None);
    }
}
