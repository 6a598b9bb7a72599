//! HTTP functions end to end: the `http` example (a `#[handler]` on `Request<Body>`) on the
//! local Lambda, sent the events of each front — written from AWS's documented examples, in
//! `fixtures/http/` — and answering each in its front's shape.

mod support;

use ruchy_lambda_local::{Event, Outcome, RuntimeApiServer, ServerConfig};
use serde_json::{Value, json};
use support::Running;

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/http/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// Sends each event to one `http` bootstrap (with `env`); returns each outcome.
fn invoke(env: &[(&str, &str)], events: &[Value]) -> Vec<Outcome> {
    let server = RuntimeApiServer::start(ServerConfig::default()).unwrap();
    let running: Running = support::spawn(support::example("http"), &server.runtime_api(), env);
    let outcomes = support::outcomes(&server, &running, events.iter().map(Event::json));
    drop(running);
    outcomes
}

fn reply(outcome: &Outcome) -> Value {
    support::reply_json(outcome)
}

#[test]
fn each_front_is_answered_in_its_own_shape() {
    let events = ["apigw-v1", "apigw-v2", "function-url", "alb", "alb-multi"].map(fixture);
    let outcomes = invoke(&[], &events);

    // REST API: the stage (`/my` in requestContext.path) is not in the path; multi-value
    // headers, as the request had them.
    assert_eq!(
        reply(&outcomes[0]),
        json!({
            "statusCode": 200,
            "multiValueHeaders": {"content-type": ["text/plain; charset=utf-8"]},
            "body": "hello Ada Lovelace",
            "isBase64Encoded": false
        })
    );

    // HTTP API on stage `prod`: `/prod/echo` is `/echo`; the base64 PNG comes back as the same
    // bytes, base64-encoded, with its content type.
    let png = events[1]["body"].clone();
    assert_eq!(
        reply(&outcomes[1]),
        json!({
            "statusCode": 200,
            "headers": {"content-type": "image/png"},
            "body": png,
            "isBase64Encoded": true
        })
    );

    // Function URL: JSON with its content type, as text.
    assert_eq!(
        reply(&outcomes[2]),
        json!({
            "statusCode": 200,
            "headers": {"content-type": "application/json"},
            "body": r#"{"method":"GET","path":"/json"}"#,
            "isBase64Encoded": false
        })
    );

    // ALB: the query as sent (`Ada%20Lovelace`) is decoded for the handler; statusDescription;
    // single-value headers as the request had them.
    assert_eq!(
        reply(&outcomes[3]),
        json!({
            "statusCode": 200,
            "statusDescription": "200 OK",
            "headers": {"content-type": "text/plain; charset=utf-8"},
            "body": "hello Ada Lovelace",
            "isBase64Encoded": false
        })
    );

    // ALB with multi-value headers: answered with multi-value headers.
    assert_eq!(
        reply(&outcomes[4]),
        json!({
            "statusCode": 200,
            "statusDescription": "200 OK",
            "multiValueHeaders": {"content-type": ["application/json"]},
            "body": "{\"k\":\"v\"}",
            "isBase64Encoded": false
        })
    );
}

#[test]
fn the_stage_can_be_kept_in_the_path() {
    let outcomes = invoke(
        &[("RUCHY_LAMBDA_HTTP_KEEP_STAGE", "true")],
        &[fixture("apigw-v1")],
    );
    // `/my/hello` is no route of the example.
    assert_eq!(reply(&outcomes[0])["statusCode"], 404);
}

#[test]
fn an_event_of_no_known_shape_is_a_deserialization_error_naming_the_shapes() {
    let outcomes = invoke(&[], &[json!({"foo": 1}), json!([1, 2])]);
    for outcome in &outcomes {
        let Outcome::Error(error) = outcome else {
            panic!("{outcome:?}");
        };
        assert_eq!(error.error_type.as_deref(), Some("DeserializationError"));
        let message = error.error_message.as_deref().unwrap();
        assert!(
            message.contains("the event is not an HTTP request")
                && message.contains("API Gateway REST API (payload 1.0) or HTTP API (payload 2.0)")
                && message.contains("Application Load Balancer")
                && message.contains("function URL"),
            "{message}"
        );
    }
}
