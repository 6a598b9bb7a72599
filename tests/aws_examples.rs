//! The `dynamodb` and `s3` examples, built in release, on the local Lambda against moto: the
//! function's AWS client configured by its environment (`AWS_ENDPOINT_URL`, keys, region), the
//! table and bucket made by the test with ruchy-lambda-aws itself.
//!
//! moto's server comes from `MOTO_SERVER`, else the venv `.ci/run` makes in
//! `~/.cache/ruchy-lambda/moto-venv`; without either these tests fail saying so.

mod support;

// ruchy-lambda-aws's test kit: its moto launcher and one-request HTTP client.
#[path = "../ruchy-lambda-aws/tests/support/mod.rs"]
mod aws_support;

use aws_support::Moto;
use ruchy_lambda_aws::{Client, Credentials};
use ruchy_lambda_local::{Function, FunctionConfig, InvocationReport, Outcome, Output};
use serde_json::{Value, json};
use std::time::Duration;

const ACCESS_KEY: &str = "AKIDEXAMPLES";
const SECRET_KEY: &str = "examples-secret";

fn client(moto: &Moto) -> Client {
    Client::builder()
        .region("us-east-1")
        .credentials(Credentials::new(ACCESS_KEY, SECRET_KEY))
        .endpoint_url(&moto.endpoint)
        .build()
        .expect("a client")
}

/// The example on the local Lambda, its AWS client pointed at moto by its environment.
fn start(example: &str, moto: &Moto, env: &[(&str, &str)]) -> Function {
    let mut vars = vec![
        ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
    ];
    vars.extend_from_slice(env);
    let config = FunctionConfig {
        name: example.to_owned(),
        timeout: Duration::from_secs(30),
        env: support::env_vars(&vars),
        output: Output::Null,
        ..FunctionConfig::default()
    };
    Function::start(support::example(example), config).expect("start the example")
}

fn invoke(function: &mut Function, event: Value) -> InvocationReport {
    function.invoke(event.to_string()).expect("an invocation")
}

fn reply(report: &InvocationReport) -> Value {
    match &report.outcome {
        Outcome::Response(body) => serde_json::from_slice(body).expect("the reply is JSON"),
        other => panic!("expected a reply, got {other:?}"),
    }
}

/// The `errorType` and `errorMessage` of a failed invocation.
fn error(report: &InvocationReport) -> (String, String) {
    match &report.outcome {
        Outcome::Error(e) => {
            let body: Value = serde_json::from_slice(&e.body).expect("the error is JSON");
            (
                body["errorType"].as_str().expect("errorType").to_owned(),
                body["errorMessage"]
                    .as_str()
                    .expect("errorMessage")
                    .to_owned(),
            )
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn dynamodb_example_gets_and_puts_items_as_plain_json() {
    let moto = Moto::start();
    let client = client(&moto);
    let db = client.dynamodb();
    let _: Value = db
        .call(
            "CreateTable",
            &json!({
                "TableName": "items",
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            }),
        )
        .expect("CreateTable");
    let k3 = json!({
        "id": "k3",
        "name": "third",
        "count": 3,
        "price": 9.75,
        "tags": ["a", "b"],
        "dims": {"w": 2, "h": null},
        "active": true,
    });
    db.put_item("items", &k3).expect("PutItem");

    let mut function = start("dynamodb", &moto, &[("TABLE", "items")]);
    let report = invoke(&mut function, json!({"get": "k3"}));
    assert_eq!(reply(&report), json!({"found": true, "item": k3}));
    let report = invoke(&mut function, json!({"get": "nope"}));
    assert_eq!(reply(&report), json!({"found": false}));
    let n1 = json!({"id": "n1", "name": "x", "count": 3});
    let report = invoke(&mut function, json!({"put": n1}));
    assert_eq!(reply(&report), json!({"ok": true}));
    let report = invoke(&mut function, json!({"get": "n1"}));
    assert_eq!(reply(&report), json!({"found": true, "item": n1}));
    // What the function wrote, read by the test's own client.
    let stored: Option<Value> = db
        .get_item("items", &json!({"id": "n1"}), true)
        .expect("GetItem");
    assert_eq!(stored, Some(n1));
    assert_eq!(function.sandboxes_started(), 1);

    let mut missing = start("dynamodb", &moto, &[("TABLE", "no-such-table")]);
    let report = invoke(&mut missing, json!({"get": "k3"}));
    assert_eq!(
        error(&report),
        (
            "ResourceNotFoundException".to_owned(),
            "Requested resource not found".to_owned()
        )
    );
    // The error did not end the process.
    let report = invoke(&mut missing, json!({"get": "k3"}));
    assert_eq!(error(&report).0, "ResourceNotFoundException");
    assert_eq!(missing.sandboxes_started(), 1);
}

#[test]
fn s3_example_puts_gets_and_lists_keys() {
    let moto = Moto::start();
    let created = aws_support::http::request(&moto.endpoint, "PUT", "/photos", &[], b"", None)
        .expect("CreateBucket");
    assert_eq!(created.status, 200);
    let mut function = start("s3", &moto, &[("BUCKET", "photos")]);

    let key = "dir/a b+é.txt";
    let report = invoke(&mut function, json!({"put": {"key": key, "body": "hello"}}));
    assert_eq!(reply(&report), json!({"ok": true}));
    let report = invoke(
        &mut function,
        json!({"put": {"key": "dir/sub/ü&=?.txt", "body": "second"}}),
    );
    assert_eq!(reply(&report), json!({"ok": true}));
    let report = invoke(
        &mut function,
        json!({"put": {"key": "other.txt", "body": ""}}),
    );
    assert_eq!(reply(&report), json!({"ok": true}));

    let report = invoke(&mut function, json!({"get": key}));
    assert_eq!(reply(&report), json!({"body": "hello"}));
    let report = invoke(&mut function, json!({"list": "dir/"}));
    assert_eq!(reply(&report), json!({"keys": [key, "dir/sub/ü&=?.txt"]}));
    // What the function wrote, read by the test's own client.
    let text = client(&moto)
        .s3()
        .get_object("photos", key)
        .expect("GetObject")
        .text()
        .expect("the body");
    assert_eq!(text, "hello");

    let report = invoke(&mut function, json!({"get": "dir/missing"}));
    let (error_type, message) = error(&report);
    assert_eq!(error_type, "NoSuchKey");
    assert_eq!(message, "The specified key does not exist.");

    let mut missing = start("s3", &moto, &[("BUCKET", "no-such-bucket")]);
    let report = invoke(&mut missing, json!({"list": ""}));
    let (error_type, message) = error(&report);
    assert_eq!(error_type, "NoSuchBucket");
    assert_eq!(message, "The specified bucket does not exist");
}
