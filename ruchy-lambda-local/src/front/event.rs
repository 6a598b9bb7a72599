//! The events: payload 2.0 (HTTP API, function URL), payload 1.0 (REST API), load balancer.

use std::time::SystemTime;

use serde_json::{Map, Value, json};

use super::{Front, FrontConfig, HttpRequest, epoch_millis, query_pairs, request_time};

/// Payload format 2.0, for an HTTP API's `$default` route or a function URL.
pub(super) fn v2(config: &FrontConfig, request: &HttpRequest, at: SystemTime) -> Value {
    let url = config.front == Front::FunctionUrl;
    let mut headers = Map::new();
    for (name, value) in request.forwarded_headers(false) {
        let name = name.to_ascii_lowercase();
        match headers.get_mut(&name) {
            Some(Value::String(joined)) => {
                joined.push(',');
                joined.push_str(&value);
            }
            _ => {
                headers.insert(name, Value::String(value));
            }
        }
    }
    let mut event = Map::new();
    event.insert("version".into(), json!("2.0"));
    event.insert("routeKey".into(), json!("$default"));
    event.insert("rawPath".into(), json!(request.path()));
    event.insert("rawQueryString".into(), json!(request.query()));
    let cookies = request.cookies();
    if !cookies.is_empty() {
        event.insert("cookies".into(), json!(cookies));
    }
    event.insert("headers".into(), Value::Object(headers));
    let mut query = Map::new();
    for (name, value) in query_pairs(request.query(), true) {
        match query.get_mut(&name) {
            Some(Value::String(joined)) => {
                joined.push(',');
                joined.push_str(&value);
            }
            _ => {
                query.insert(name, Value::String(value));
            }
        }
    }
    if !query.is_empty() {
        event.insert("queryStringParameters".into(), Value::Object(query));
    }
    let account_id = if url {
        // A function URL with auth type NONE.
        "anonymous".to_owned()
    } else {
        config.account_id.clone()
    };
    let mut context = json!({
        "accountId": account_id,
        "apiId": config.api_id,
        "domainName": config.domain_name(),
        "domainPrefix": config.api_id,
        "http": {
            "method": request.method,
            "path": request.path(),
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": request.header("user-agent").unwrap_or_default(),
        },
        "requestId": if url { crate::ids::request_id() } else { short_id() },
        "routeKey": "$default",
        "stage": "$default",
        "time": request_time(at),
        "timeEpoch": epoch_millis(at),
    });
    if url {
        context["authentication"] = Value::Null;
    }
    event.insert("requestContext".into(), context);
    let body = request.event_body();
    if let Some((body, _)) = &body {
        event.insert("body".into(), json!(body));
    }
    if url {
        event.insert("pathParameters".into(), Value::Null);
    }
    event.insert(
        "isBase64Encoded".into(),
        json!(body.is_some_and(|(_, b64)| b64)),
    );
    if url {
        event.insert("stageVariables".into(), Value::Null);
    }
    Value::Object(event)
}

/// Payload format 1.0 of a REST API whose resource `/{proxy+}` (and `/`) has a Lambda proxy
/// integration, deployed to `config.stage`.
pub(super) fn v1(config: &FrontConfig, request: &HttpRequest, at: SystemTime) -> Value {
    // Header names keep the case of their first occurrence.
    let mut names: Vec<String> = Vec::new();
    let mut values: Vec<Vec<String>> = Vec::new();
    for (name, value) in request.forwarded_headers(true) {
        match names.iter().position(|n| n.eq_ignore_ascii_case(&name)) {
            Some(i) => values[i].push(value),
            None => {
                names.push(name);
                values.push(vec![value]);
            }
        }
    }
    let (headers, multi_headers) = single_and_multi(names.into_iter().zip(values));
    let (query, multi_query) = query_maps(request.query(), true);
    let path = request.path();
    let root = path == "/" || path.is_empty();
    let resource = if root { "/" } else { "/{proxy+}" };
    let path_parameters = if root {
        Value::Null
    } else {
        json!({ "proxy": super::percent_decode(path.trim_start_matches('/')) })
    };
    let (body, base64) = match request.event_body() {
        Some((body, base64)) => (json!(body), base64),
        None => (Value::Null, false),
    };
    let request_id = crate::ids::request_id();
    let user_agent = request.header("user-agent");
    json!({
        "resource": resource,
        "path": path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": path_parameters,
        "stageVariables": null,
        "requestContext": {
            "accountId": config.account_id,
            "apiId": config.api_id,
            "domainName": config.domain_name(),
            "domainPrefix": config.api_id,
            "extendedRequestId": short_id(),
            "httpMethod": request.method,
            "identity": {
                "accessKey": null,
                "accountId": null,
                "caller": null,
                "cognitoAuthenticationProvider": null,
                "cognitoAuthenticationType": null,
                "cognitoIdentityId": null,
                "cognitoIdentityPoolId": null,
                "principalOrgId": null,
                "sourceIp": request.source_ip,
                "user": null,
                "userAgent": user_agent,
                "userArn": null,
            },
            "path": format!("/{}{}", config.stage, if root { "/" } else { path }),
            "protocol": request.protocol,
            "requestId": request_id,
            "requestTime": request_time(at),
            "requestTimeEpoch": epoch_millis(at),
            "resourceId": "ruchy1",
            "resourcePath": resource,
            "stage": config.stage,
        },
        "body": body,
        "isBase64Encoded": base64,
    })
}

/// An Application Load Balancer's event: headers lower-cased, query values as sent.
pub(super) fn alb(config: &FrontConfig, request: &HttpRequest) -> Value {
    let mut names: Vec<String> = Vec::new();
    let mut values: Vec<Vec<String>> = Vec::new();
    for (name, value) in request.forwarded_headers(true) {
        let name = name.to_ascii_lowercase();
        match names.iter().position(|n| *n == name) {
            Some(i) => values[i].push(value),
            None => {
                names.push(name);
                values.push(vec![value]);
            }
        }
    }
    let (headers, multi_headers) = single_and_multi(names.into_iter().zip(values));
    let (query, multi_query) = query_maps(request.query(), false);
    let empty = || Value::Object(Map::new());
    let (body, base64) = request.event_body().unwrap_or_default();
    let mut event = Map::new();
    event.insert(
        "requestContext".into(),
        json!({ "elb": { "targetGroupArn": config.target_group_arn() } }),
    );
    event.insert("httpMethod".into(), json!(request.method));
    event.insert("path".into(), json!(request.path()));
    if config.multi_value_headers {
        event.insert(
            "multiValueQueryStringParameters".into(),
            if multi_query.is_null() {
                empty()
            } else {
                multi_query
            },
        );
        event.insert("multiValueHeaders".into(), multi_headers);
    } else {
        event.insert(
            "queryStringParameters".into(),
            if query.is_null() { empty() } else { query },
        );
        event.insert("headers".into(), headers);
    }
    event.insert("body".into(), json!(body));
    event.insert("isBase64Encoded".into(), json!(base64));
    Value::Object(event)
}

/// The `headers` (last value of each) and `multiValueHeaders` (every value) of named values.
fn single_and_multi(pairs: impl Iterator<Item = (String, Vec<String>)>) -> (Value, Value) {
    let mut single = Map::new();
    let mut multi = Map::new();
    for (name, values) in pairs {
        if let Some(last) = values.last() {
            single.insert(name.clone(), json!(last));
        }
        multi.insert(name, json!(values));
    }
    (Value::Object(single), Value::Object(multi))
}

/// `queryStringParameters` (last value of each) and `multiValueQueryStringParameters`; both
/// `null` when the query has no parameter.
fn query_maps(query: &str, decode: bool) -> (Value, Value) {
    let mut names: Vec<String> = Vec::new();
    let mut values: Vec<Vec<String>> = Vec::new();
    for (name, value) in query_pairs(query, decode) {
        match names.iter().position(|n| *n == name) {
            Some(i) => values[i].push(value),
            None => {
                names.push(name);
                values.push(vec![value]);
            }
        }
    }
    if names.is_empty() {
        return (Value::Null, Value::Null);
    }
    single_and_multi(names.into_iter().zip(values))
}

/// An id like API Gateway's short ones (`JKJaXmPLvHcESHA=`): 11 random bytes in base64.
fn short_id() -> String {
    let hex = crate::ids::request_id().replace('-', "");
    let bytes: Vec<u8> = (0..11)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0))
        .collect();
    crate::stream::base64_encode(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn request() -> HttpRequest {
        HttpRequest {
            method: "POST".into(),
            target: "/my/path?parameter1=value1&parameter1=value2&parameter2=a%20b".into(),
            protocol: "HTTP/1.1".into(),
            headers: vec![
                ("Host".into(), "localhost:8080".into()),
                ("User-Agent".into(), "agent".into()),
                ("Header2".into(), "value1".into()),
                ("header2".into(), "value2".into()),
                ("Cookie".into(), "cookie1; cookie2".into()),
                ("Content-Type".into(), "text/plain".into()),
            ],
            body: b"Hello from client!".to_vec(),
            source_ip: "192.0.2.1".into(),
            port: 8080,
        }
    }

    fn at() -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(1_583_348_638_390)
    }

    fn keys(v: &Value) -> Vec<&str> {
        let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        k.sort_unstable();
        k
    }

    #[test]
    fn http_api_payload_2() {
        let config = FrontConfig::new(Front::ApiGatewayV2);
        let e = config.event(&request(), at());
        assert_eq!(
            keys(&e),
            [
                "body",
                "cookies",
                "headers",
                "isBase64Encoded",
                "queryStringParameters",
                "rawPath",
                "rawQueryString",
                "requestContext",
                "routeKey",
                "version"
            ]
        );
        assert_eq!(e["version"], "2.0");
        assert_eq!(e["routeKey"], "$default");
        assert_eq!(e["rawPath"], "/my/path");
        assert_eq!(
            e["rawQueryString"],
            "parameter1=value1&parameter1=value2&parameter2=a%20b"
        );
        assert_eq!(e["cookies"], json!(["cookie1", "cookie2"]));
        assert_eq!(e["headers"]["header2"], "value1,value2");
        assert_eq!(e["headers"]["user-agent"], "agent");
        assert_eq!(e["headers"]["x-forwarded-for"], "192.0.2.1");
        assert_eq!(e["headers"]["x-forwarded-proto"], "http");
        assert!(e["headers"].get("cookie").is_none());
        assert_eq!(
            e["queryStringParameters"],
            json!({"parameter1": "value1,value2", "parameter2": "a b"})
        );
        let c = &e["requestContext"];
        assert_eq!(
            keys(c),
            [
                "accountId",
                "apiId",
                "domainName",
                "domainPrefix",
                "http",
                "requestId",
                "routeKey",
                "stage",
                "time",
                "timeEpoch"
            ]
        );
        assert_eq!(c["accountId"], "123456789012");
        assert_eq!(
            c["domainName"],
            "ruchylocal.execute-api.us-east-1.amazonaws.com"
        );
        assert_eq!(c["domainPrefix"], "ruchylocal");
        assert_eq!(
            c["http"],
            json!({"method": "POST", "path": "/my/path", "protocol": "HTTP/1.1",
                   "sourceIp": "192.0.2.1", "userAgent": "agent"})
        );
        assert_eq!(c["requestId"].as_str().unwrap().len(), 16);
        assert_eq!(c["stage"], "$default");
        assert_eq!(c["time"], "04/Mar/2020:19:03:58 +0000");
        assert_eq!(c["timeEpoch"], 1_583_348_638_390_u64);
        assert_eq!(e["body"], "Hello from client!");
        assert_eq!(e["isBase64Encoded"], false);
    }

    #[test]
    fn function_url_payload() {
        let config = FrontConfig::new(Front::FunctionUrl);
        let mut r = request();
        r.target = "/".into();
        r.headers
            .retain(|(n, _)| n != "Cookie" && n != "Content-Type");
        r.headers.push(("content-type".into(), "image/png".into()));
        r.body = vec![0x89, b'P', b'N', b'G', 0, 0xff];
        let e = config.event(&r, at());
        assert!(e.get("cookies").is_none());
        assert!(e.get("queryStringParameters").is_none());
        assert_eq!(e["rawQueryString"], "");
        assert_eq!(e["pathParameters"], Value::Null);
        assert_eq!(e["stageVariables"], Value::Null);
        let c = &e["requestContext"];
        assert_eq!(c["accountId"], "anonymous");
        assert_eq!(c["domainName"], "ruchylocal.lambda-url.us-east-1.on.aws");
        assert_eq!(c["authentication"], Value::Null);
        assert!(crate::is_valid_request_id(c["requestId"].as_str().unwrap()));
        assert_eq!(e["isBase64Encoded"], true);
        assert_eq!(
            crate::stream::base64_decode(e["body"].as_str().unwrap()).unwrap(),
            r.body
        );
        r.body.clear();
        let e = config.event(&r, at());
        assert!(e.get("body").is_none());
        assert_eq!(e["isBase64Encoded"], false);
    }

    #[test]
    fn rest_payload_1() {
        let mut config = FrontConfig::new(Front::ApiGatewayV1);
        config.stage = "test".into();
        let e = config.event(&request(), at());
        assert_eq!(e["resource"], "/{proxy+}");
        assert_eq!(e["path"], "/my/path");
        assert_eq!(e["httpMethod"], "POST");
        assert_eq!(e["headers"]["Header2"], "value2");
        assert_eq!(e["headers"]["Cookie"], "cookie1; cookie2");
        assert_eq!(
            e["multiValueHeaders"]["Header2"],
            json!(["value1", "value2"])
        );
        assert_eq!(e["multiValueHeaders"]["Host"], json!(["localhost:8080"]));
        assert_eq!(
            e["queryStringParameters"],
            json!({"parameter1": "value2", "parameter2": "a b"})
        );
        assert_eq!(
            e["multiValueQueryStringParameters"],
            json!({"parameter1": ["value1", "value2"], "parameter2": ["a b"]})
        );
        assert_eq!(e["pathParameters"], json!({"proxy": "my/path"}));
        assert_eq!(e["stageVariables"], Value::Null);
        let c = &e["requestContext"];
        assert_eq!(c["path"], "/test/my/path");
        assert_eq!(c["stage"], "test");
        assert_eq!(c["resourcePath"], "/{proxy+}");
        assert_eq!(c["httpMethod"], "POST");
        assert_eq!(c["identity"]["sourceIp"], "192.0.2.1");
        assert_eq!(c["identity"]["userAgent"], "agent");
        assert_eq!(c["requestTime"], "04/Mar/2020:19:03:58 +0000");
        assert_eq!(c["requestTimeEpoch"], 1_583_348_638_390_u64);
        assert_eq!(e["body"], "Hello from client!");
        assert_eq!(e["isBase64Encoded"], false);

        let mut r = request();
        r.target = "/".into();
        r.body.clear();
        let e = config.event(&r, at());
        assert_eq!(e["resource"], "/");
        assert_eq!(e["pathParameters"], Value::Null);
        assert_eq!(e["queryStringParameters"], Value::Null);
        assert_eq!(e["multiValueQueryStringParameters"], Value::Null);
        assert_eq!(e["body"], Value::Null);
        assert_eq!(e["requestContext"]["path"], "/test/");
    }

    #[test]
    fn load_balancer() {
        let mut config = FrontConfig::new(Front::Alb);
        config.function_name = "echo".into();
        let e = config.event(&request(), at());
        assert_eq!(
            keys(&e),
            [
                "body",
                "headers",
                "httpMethod",
                "isBase64Encoded",
                "path",
                "queryStringParameters",
                "requestContext"
            ]
        );
        assert_eq!(
            e["requestContext"]["elb"]["targetGroupArn"],
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/echo/6d0ecf831eec9f09"
        );
        assert_eq!(
            e["queryStringParameters"],
            json!({"parameter1": "value2", "parameter2": "a%20b"})
        );
        assert_eq!(e["headers"]["header2"], "value2");
        assert_eq!(e["headers"]["cookie"], "cookie1; cookie2");
        assert_eq!(e["headers"]["x-forwarded-port"], "8080");

        config.multi_value_headers = true;
        let mut r = request();
        r.target = "/".into();
        r.body.clear();
        let e = config.event(&r, at());
        assert!(e.get("headers").is_none() && e.get("queryStringParameters").is_none());
        assert_eq!(
            e["multiValueHeaders"]["header2"],
            json!(["value1", "value2"])
        );
        assert_eq!(e["multiValueQueryStringParameters"], json!({}));
        assert_eq!(e["body"], "");
        assert_eq!(e["isBase64Encoded"], false);
    }
}
