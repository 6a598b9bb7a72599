//! The replies: what each front makes of the function's answer.

use serde_json::{Map, Value};

use crate::stream::base64_decode;

/// An HTTP response to send back to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The reason phrase, when the function chose one (the load balancer's
    /// `statusDescription`); otherwise the usual one for the status.
    pub reason: Option<String>,
    /// Header fields in order; `Set-Cookie` once per cookie.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The value of the first header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The values of every header `name` (case-insensitive), in order.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub(super) fn json(status: u16, body: &[u8]) -> HttpResponse {
        HttpResponse {
            status,
            reason: None,
            headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
            body: body.to_vec(),
        }
    }

    pub(super) fn text(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            reason: None,
            headers: vec![("Content-Type".to_owned(), "text/plain".to_owned())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// The load balancer's own error page.
    pub(super) fn alb_page(status: u16, reason: &str) -> HttpResponse {
        let body = format!(
            "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n\
             <center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
        );
        HttpResponse {
            status,
            reason: Some(reason.to_owned()),
            headers: vec![("Content-Type".to_owned(), "text/html".to_owned())],
            body: body.into_bytes(),
        }
    }
}

/// Payload format 2.0: a JSON object with `statusCode`, or any other JSON sent as it is.
pub(super) fn v2(payload: &[u8]) -> Result<HttpResponse, String> {
    let value: Value =
        serde_json::from_slice(payload).map_err(|e| format!("the reply is not JSON: {e}"))?;
    let map = match value {
        Value::Object(map) if map.contains_key("statusCode") => map,
        // Valid JSON without a status code: the reply is the body.
        _ => return Ok(HttpResponse::json(200, payload)),
    };
    let mut response = HttpResponse {
        status: status_code(&map)?,
        reason: None,
        headers: single_headers(&map)?,
        body: body(&map)?,
    };
    match map.get("cookies") {
        None | Some(Value::Null) => {}
        Some(Value::Array(cookies)) => {
            for cookie in cookies {
                let cookie = text(cookie).ok_or("`cookies` must be an array of strings")?;
                response.headers.push(("Set-Cookie".to_owned(), cookie));
            }
        }
        Some(_) => return Err("`cookies` must be an array of strings".to_owned()),
    }
    Ok(response)
}

/// Payload format 1.0 (REST API): `statusCode` (200 when absent), `headers` and
/// `multiValueHeaders` merged, `body`, `isBase64Encoded`.
pub(super) fn v1(payload: &[u8]) -> Result<HttpResponse, String> {
    let map = object(payload)?;
    let status = if map.get("statusCode").is_none_or(Value::is_null) {
        200
    } else {
        status_code(&map)?
    };
    let multi = multi_headers(&map)?;
    let mut headers: Vec<(String, String)> = single_headers(&map)?
        .into_iter()
        .filter(|(name, value)| {
            // A pair in both is sent once, from multiValueHeaders.
            !multi
                .iter()
                .any(|(n, v)| n.eq_ignore_ascii_case(name) && v == value)
        })
        .collect();
    headers.extend(multi);
    Ok(HttpResponse {
        status,
        reason: None,
        headers,
        body: body(&map)?,
    })
}

/// The load balancer: `statusCode`, `statusDescription`, `headers` (or `multiValueHeaders` when
/// the target group has multi-value headers on), `body`, `isBase64Encoded`.
pub(super) fn alb(payload: &[u8], multi_value_headers: bool) -> Result<HttpResponse, String> {
    let map = object(payload)?;
    let status = status_code(&map)?;
    let reason = match map.get("statusDescription") {
        None | Some(Value::Null) => None,
        Some(Value::String(description)) => {
            // "200 OK": the phrase after the code.
            let phrase = description
                .strip_prefix(&status.to_string())
                .unwrap_or(description)
                .trim();
            (!phrase.is_empty()).then(|| phrase.to_owned())
        }
        Some(_) => return Err("`statusDescription` must be a string".to_owned()),
    };
    let headers = if multi_value_headers {
        multi_headers(&map)?
    } else {
        single_headers(&map)?
    };
    Ok(HttpResponse {
        status,
        reason,
        headers,
        body: body(&map)?,
    })
}

fn object(payload: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice(payload) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("the reply is not a JSON object".to_owned()),
        Err(e) => Err(format!("the reply is not JSON: {e}")),
    }
}

fn status_code(map: &Map<String, Value>) -> Result<u16, String> {
    map.get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (100..=599).contains(s))
        .ok_or_else(|| "`statusCode` must be a number from 100 to 599".to_owned())
}

/// A header value: a string, or a number or boolean as text.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        _ => None,
    }
}

fn single_headers(map: &Map<String, Value>) -> Result<Vec<(String, String)>, String> {
    match map.get("headers") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(headers)) => headers
            .iter()
            .map(|(name, value)| {
                text(value)
                    .map(|v| (name.clone(), v))
                    .ok_or_else(|| format!("header `{name}` must be a string"))
            })
            .collect(),
        Some(_) => Err("`headers` must be an object".to_owned()),
    }
}

fn multi_headers(map: &Map<String, Value>) -> Result<Vec<(String, String)>, String> {
    let bad = |name: &str| format!("`multiValueHeaders.{name}` must be an array of strings");
    match map.get("multiValueHeaders") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(headers)) => {
            let mut out = Vec::new();
            for (name, values) in headers {
                let Value::Array(values) = values else {
                    return Err(bad(name));
                };
                for value in values {
                    out.push((name.clone(), text(value).ok_or_else(|| bad(name))?));
                }
            }
            Ok(out)
        }
        Some(_) => Err("`multiValueHeaders` must be an object".to_owned()),
    }
}

fn body(map: &Map<String, Value>) -> Result<Vec<u8>, String> {
    let base64 = match map.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("`isBase64Encoded` must be a boolean".to_owned()),
    };
    match map.get("body") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(body)) if base64 => {
            base64_decode(body.trim()).ok_or_else(|| "`body` is not base64".to_owned())
        }
        Some(Value::String(body)) => Ok(body.clone().into_bytes()),
        Some(_) => Err("`body` must be a string".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use crate::front::{Front, FrontConfig};

    fn parse(front: Front, payload: &str) -> Result<super::HttpResponse, String> {
        FrontConfig::new(front).parse_reply(payload.as_bytes())
    }

    #[test]
    fn payload_2_replies() {
        let r = parse(
            Front::ApiGatewayV2,
            r#"{"statusCode":201,"headers":{"Content-Type":"image/png","X-N":3},
                "cookies":["a=1; Secure","b=2"],"body":"iVBORw==","isBase64Encoded":true}"#,
        )
        .unwrap();
        assert_eq!(r.status, 201);
        assert_eq!(r.header("content-type"), Some("image/png"));
        assert_eq!(r.header("x-n"), Some("3"));
        assert_eq!(r.header_values("set-cookie"), ["a=1; Secure", "b=2"]);
        assert_eq!(r.body, [0x89, b'P', b'N', b'G']);

        // Valid JSON without a status code: 200, application/json, the reply as the body.
        for inferred in [r#"{"message":"hi"}"#, r#""hello""#, "[1,2]", "42"] {
            let r = parse(Front::FunctionUrl, inferred).unwrap();
            assert_eq!(r.status, 200);
            assert_eq!(r.header("content-type"), Some("application/json"));
            assert_eq!(r.body, inferred.as_bytes());
        }
        let r = parse(Front::ApiGatewayV2, r#"{"statusCode":204}"#).unwrap();
        assert_eq!((r.status, r.body.len(), r.headers.len()), (204, 0, 0));

        for bad in [
            "hello",
            r#"{"statusCode":"200"}"#,
            r#"{"statusCode":700}"#,
            r#"{"statusCode":200,"body":{"a":1}}"#,
            r#"{"statusCode":200,"body":"*","isBase64Encoded":true}"#,
            r#"{"statusCode":200,"cookies":"a=1"}"#,
            r#"{"statusCode":200,"headers":{"a":["1"]}}"#,
        ] {
            assert!(parse(Front::ApiGatewayV2, bad).is_err(), "{bad}");
        }
        let config = FrontConfig::new(Front::ApiGatewayV2);
        let error = config.response(b"hello");
        assert_eq!(error.status, 500);
        assert_eq!(error.body, br#"{"message":"Internal Server Error"}"#);
        assert_eq!(
            FrontConfig::new(Front::FunctionUrl).response(b"x").status,
            502
        );
    }

    #[test]
    fn payload_1_replies() {
        let r = parse(
            Front::ApiGatewayV1,
            r#"{"statusCode":200,"headers":{"X-A":"1","X-B":"2"},
                "multiValueHeaders":{"X-A":["1","3"],"Set-Cookie":["a=1","b=2"]},
                "body":"hi","isBase64Encoded":false}"#,
        )
        .unwrap();
        assert_eq!(r.header("x-b"), Some("2"));
        assert_eq!(r.header_values("x-a"), ["1", "3"]);
        assert_eq!(r.header_values("set-cookie"), ["a=1", "b=2"]);
        assert_eq!(r.body, b"hi");
        assert_eq!(
            parse(Front::ApiGatewayV1, r#"{"body":"x"}"#)
                .unwrap()
                .status,
            200
        );
        for bad in [r#""hello""#, "[]", r#"{"statusCode":200,"body":1}"#, "nope"] {
            assert!(parse(Front::ApiGatewayV1, bad).is_err(), "{bad}");
        }
        let error = FrontConfig::new(Front::ApiGatewayV1).response(b"[]");
        assert_eq!(error.status, 502);
        assert_eq!(error.body, br#"{"message": "Internal server error"}"#);
    }

    #[test]
    fn load_balancer_replies() {
        let reply = r#"{"statusCode":200,"statusDescription":"200 Fine","headers":{"X-A":"1"},
            "multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},"body":"AAE=","isBase64Encoded":true}"#;
        let r = parse(Front::Alb, reply).unwrap();
        assert_eq!(r.reason.as_deref(), Some("Fine"));
        assert_eq!(r.header("x-a"), Some("1"));
        assert!(r.header("set-cookie").is_none());
        assert_eq!(r.body, [0, 1]);
        let mut config = FrontConfig::new(Front::Alb);
        config.multi_value_headers = true;
        let r = config.parse_reply(reply.as_bytes()).unwrap();
        assert!(r.header("x-a").is_none());
        assert_eq!(r.header_values("set-cookie"), ["a=1", "b=2"]);
        assert!(parse(Front::Alb, r#"{"body":"x"}"#).is_err());
        let error = config.response(b"{}");
        assert_eq!(
            (error.status, error.reason.as_deref()),
            (502, Some("Bad Gateway"))
        );
        assert!(String::from_utf8_lossy(&error.body).contains("502 Bad Gateway"));
    }
}
