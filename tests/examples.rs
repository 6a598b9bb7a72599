//! Every example, built in release, answers its exact expected reply on the local Lambda.

mod support;

use std::time::Duration;

use ruchy_lambda_local::{Event, Function, FunctionConfig, InvocationReport, Outcome, Output};
use serde_json::{Value, json};

fn start(example: &str, env: &[(&str, &str)]) -> Function {
    let config = FunctionConfig {
        name: example.to_owned(),
        timeout: Duration::from_secs(10),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        output: Output::Null,
        ..FunctionConfig::default()
    };
    Function::start(support::example(example), config).expect("start the example")
}

fn reply(report: &InvocationReport) -> &[u8] {
    match &report.outcome {
        Outcome::Response(body) => body,
        other => panic!("expected a response, got {other:?}"),
    }
}

fn reply_json(report: &InvocationReport) -> Value {
    serde_json::from_slice(reply(report)).expect("the reply is JSON")
}

/// `(errorType header, the error body as JSON)` of an error report.
fn error(report: &InvocationReport) -> (Option<String>, Value) {
    match &report.outcome {
        Outcome::Error(e) | Outcome::Failed(e) => (
            e.error_type_header.clone(),
            serde_json::from_slice(&e.body).expect("the error body is JSON"),
        ),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn minimal() {
    let mut f = start("minimal", &[]);
    for event in ["{}", r#"{"anything":[1,2,3]}"#, "not json at all"] {
        let report = f.invoke(event).unwrap();
        assert_eq!(
            reply(&report),
            br#"{"statusCode":200,"body":"ok"}"#,
            "{event}"
        );
    }
    assert_eq!(f.server().connections_accepted(), 1);
}

#[test]
fn fibonacci() {
    let mut f = start("fibonacci", &[]);
    let report = f.invoke(r#"{"n":35}"#).unwrap();
    assert_eq!(reply(&report), br#"{"n":35,"fibonacci":9227465}"#);
    let report = f.invoke("{}").unwrap();
    assert_eq!(
        reply(&report),
        br#"{"n":35,"fibonacci":9227465}"#,
        "n defaults to 35"
    );
    let report = f.invoke(r#"{"n":93}"#).unwrap();
    assert_eq!(
        reply(&report),
        br#"{"n":93,"fibonacci":12200160415121876738}"#
    );
    let report = f.invoke(r#"{"n":94}"#).unwrap();
    assert_eq!(
        error(&report),
        (
            Some("FibonacciOverflow".to_owned()),
            json!({
                "errorMessage": "fibonacci(94) does not fit in a u64: n must be at most 93",
                "errorType": "FibonacciOverflow",
                "stackTrace": []
            })
        )
    );
    // The error did not end the process.
    assert!(f.invoke(r#"{"n":1}"#).unwrap().is_success());
    assert_eq!(f.sandboxes_started(), 1);
}

#[test]
fn echo() {
    let mut f = start("echo", &[]);
    let binary: Vec<u8> = (0..=255u8).chain(b"\r\n\r\n".iter().copied()).collect();
    for event in [
        br#"{"hello":"world"}"#.to_vec(),
        binary,
        Vec::new(),
        vec![b'x'; 1 << 20],
    ] {
        let report = f.invoke(Event::new(event.clone())).unwrap();
        assert_eq!(reply(&report), &event[..]);
    }
}

#[test]
fn typed() {
    let mut f = start("typed", &[]);
    let report = f.invoke(r#"{"name":"Ada"}"#).unwrap();
    let got = reply_json(&report);
    assert_eq!(got["greeting"], "Hello, Ada!");
    assert_eq!(got["request_id"], report.request_id.as_str());
    assert_eq!(got["function_name"], "typed");
    let remaining = got["remaining_ms"].as_u64().unwrap();
    assert!(
        remaining > 5_000 && remaining <= 10_000,
        "{remaining} ms of 10 s left"
    );
    let report = f.invoke(r#"{"nom":"Ada"}"#).unwrap();
    let (header, body) = error(&report);
    assert_eq!(header.as_deref(), Some("DeserializationError"));
    assert_eq!(
        body["errorMessage"],
        "cannot parse the event as `Greet`: missing field `name` at line 1 column 13"
    );
}

#[test]
fn errors() {
    let mut f = start("errors", &[]);
    assert_eq!(
        reply(&f.invoke(r#"{"divide":6,"by":3}"#).unwrap()),
        br#"{"quotient":2}"#
    );
    let cases = [
        (
            r#"{"divide":6,"by":0}"#,
            "Math.DivisionByZero",
            "cannot divide by zero",
        ),
        (
            r#"{"divide":-9223372036854775808,"by":-1}"#,
            "Math.Overflow",
            "the quotient does not fit in an i64",
        ),
        (r#"{"panic":true}"#, "Panic", "asked to panic"),
    ];
    for (event, error_type, message) in cases {
        let (header, body) = error(&f.invoke(event).unwrap());
        assert_eq!(header.as_deref(), Some(error_type), "{event}");
        assert_eq!(
            body,
            json!({"errorMessage": message, "errorType": error_type, "stackTrace": []}),
            "{event}"
        );
    }
    // After a panic the same process answers the next event.
    assert_eq!(
        reply(&f.invoke(r#"{"divide":9,"by":3}"#).unwrap()),
        br#"{"quotient":3}"#
    );
    assert_eq!(f.sandboxes_started(), 1);
}

#[test]
fn state() {
    let mut f = start("state", &[]);
    let replies: Vec<Value> = (0..3)
        .map(|_| reply_json(&f.invoke("{}").unwrap()))
        .collect();
    let counts: Vec<u64> = replies
        .iter()
        .map(|r| r["invocation"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [1, 2, 3]);
    let init = &replies[0]["init_ms"];
    assert!(init.as_u64().unwrap() > 0);
    assert!(replies.iter().all(|r| &r["init_ms"] == init), "{replies:?}");
    // A fresh sandbox builds a fresh state.
    f.restart().unwrap();
    assert_eq!(reply_json(&f.invoke("{}").unwrap())["invocation"], 1);
}

#[test]
fn ruchy_form() {
    let mut f = start("ruchy_form", &[]);
    let report = f.invoke(r#"{"hello":"ruchy"}"#).unwrap();
    assert_eq!(
        reply_json(&report),
        json!({"request_id": report.request_id, "body_bytes": 17})
    );
}

#[test]
fn init_error() {
    let mut f = start("init_error", &[]);
    let report = f.invoke("{}").unwrap();
    let (header, body) = error(&report);
    assert_eq!(header.as_deref(), Some("ConfigError"));
    assert_eq!(
        body,
        json!({
            "errorMessage": "the environment variable `INIT_ERROR_OK` is not set",
            "errorType": "ConfigError",
            "stackTrace": []
        })
    );
    assert!(
        report
            .exit
            .as_deref()
            .is_some_and(|e| e.contains("exit status 1")),
        "{report:?}"
    );
    assert!(
        f.server()
            .request_log()
            .iter()
            .all(|e| !e.target.ends_with("/next")),
        "no event asked for after a failed init"
    );

    let mut f = start("init_error", &[("INIT_ERROR_OK", "1")]);
    assert_eq!(reply(&f.invoke("{}").unwrap()), b"{}");
}

#[test]
fn lifecycle() {
    // Under SnapStart: each sandbox restored draws its own instance id after the restore.
    let (output, lines) = Output::channel();
    let mut f = Function::start(
        support::example("lifecycle"),
        FunctionConfig {
            snap_start: true,
            output,
            ..FunctionConfig::default()
        },
    )
    .expect("start the example");
    let first = reply_json(&f.invoke("{}").unwrap());
    assert_eq!(first["restored"], true);
    assert_eq!(first["invocation"], 1);
    assert_eq!(reply_json(&f.invoke("{}").unwrap())["invocation"], 2);
    let shutdown = f.stop().expect("a running sandbox");
    assert!(shutdown.sigterm && !shutdown.killed, "{shutdown:?}");
    let output: Vec<String> = lines.try_iter().map(|line| line.text).collect();
    assert!(
        output
            .iter()
            .any(|line| line.ends_with("INFO\tshutting down after 2 invocations")),
        "{output:#?}"
    );
    let second = reply_json(&f.invoke("{}").unwrap());
    assert_eq!(second["invocation"], 1);
    assert_ne!(first["instance"], second["instance"]);
}

/// An SQS-shaped batch: `n` messages named `<tag>-<i>`, every third body not JSON.
fn sqs_batch(tag: &str, n: usize) -> String {
    let records: Vec<Value> = (0..n)
        .map(|i| {
            let body = if i % 3 == 2 {
                format!("plain text {i}")
            } else {
                json!({"order": i, "tag": tag}).to_string()
            };
            json!({"messageId": format!("{tag}-{i}"), "receiptHandle": "AQEB", "body": body,
                   "eventSource": "aws:sqs", "attributes": {"ApproximateReceiveCount": "1"}})
        })
        .collect();
    json!({ "Records": records }).to_string()
}

#[test]
fn batch() {
    let mut f = start("batch", &[]);
    let reply = reply_json(&f.invoke(sqs_batch("a", 7)).unwrap());
    assert_eq!(
        reply,
        json!({"batchItemFailures": [{"itemIdentifier": "a-2"}, {"itemIdentifier": "a-5"}]})
    );
    assert_eq!(
        reply_json(&f.invoke(r#"{"Records":[]}"#).unwrap()),
        json!({"batchItemFailures": []})
    );
    // An escaped string cannot be borrowed into the `&str` message id: a clear error, and the
    // next event is served.
    let report = f
        .invoke(r#"{"Records":[{"messageId":"a\"b","body":"x"}]}"#)
        .unwrap();
    let (header, body) = error(&report);
    assert_eq!(header.as_deref(), Some("DeserializationError"));
    let message = body["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with("cannot parse the event as `Batch<'a>`: invalid type: string")
            && message.contains("expected a borrowed string")
            && message.contains("make that field a `Cow<'a, str>` with `#[serde(borrow)]`"),
        "{message}"
    );
    assert_eq!(
        reply_json(&f.invoke(sqs_batch("b", 3)).unwrap())["batchItemFailures"][0]["itemIdentifier"],
        "b-2"
    );
    assert_eq!(f.sandboxes_started(), 1);
}

#[test]
fn batch_on_four_workers_each_with_its_own_buffer() {
    let config = FunctionConfig {
        concurrency: 4,
        output: Output::Null,
        ..FunctionConfig::default()
    };
    let mut f = Function::start(support::example("batch"), config).expect("start");
    let tags: Vec<String> = (0..32).map(|i| format!("w{i}")).collect();
    let events = tags
        .iter()
        .map(|tag| Event::new(sqs_batch(tag, 30)))
        .collect();
    let reports = f.invoke_all(events).unwrap();
    assert_eq!(reports.len(), 32);
    for (tag, report) in tags.iter().zip(&reports) {
        let expected: Vec<Value> = (0..30)
            .filter(|i| i % 3 == 2)
            .map(|i| json!({"itemIdentifier": format!("{tag}-{i}")}))
            .collect();
        assert_eq!(reply_json(report), json!({"batchItemFailures": expected}));
    }
    // Four workers, each on its own connection with its own body buffer.
    assert_eq!(f.server().connections_accepted(), 4);
}
