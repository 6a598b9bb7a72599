//! The reply: an `http::Response` in the shape of the front that sent the request.

use super::{Body, HeaderMap, Response, Source, header};
use ruchy_lambda_runtime_core::encoding::base64_encode;

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
pub(super) fn split_cookies(
    headers: &HeaderMap,
    separator: &str,
) -> (Vec<(String, String)>, Vec<String>) {
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
pub(super) fn is_textual(content_type: &str) -> bool {
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
