//! The request: the four event shapes, recognised and turned into an `http::Request`.

use std::fmt;

use super::{Body, HeaderMap, HeaderName, HeaderValue, LambdaRequest, Request, Source};
use ruchy_lambda_runtime_core::encoding::base64_decode;
use ruchy_lambda_runtime_core::{Diagnostic, Invocation};

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
