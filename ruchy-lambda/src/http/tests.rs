use super::reply::is_textual;
use super::*;
use ruchy_lambda_runtime_core::{Config, Invocation};
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
