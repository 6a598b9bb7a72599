//! The `dynamodb-sdk` function (an async handler on the AWS SDK for Rust) against a real
//! DynamoDB API: moto's server on loopback, reached through `AWS_ENDPOINT_URL`. One invocation
//! at a time; eight at once on four workers sharing the client made in `init`, then one at a
//! time again on the same process; an AWS error; an init whose await fails. Every wait is
//! bounded by the function's timeout.

#[path = "support/moto.rs"]
mod moto;

use std::time::Duration;

use moto::Moto;
use ruchy_lambda_local::{Event, Function, FunctionConfig, InvocationReport, Outcome, Output};
use serde_json::{Value, json};

const BOOTSTRAP: &str = env!("CARGO_BIN_EXE_dynamodb-sdk");

/// moto with a table `items` holding `k3`.
fn moto_with_items() -> Option<Moto> {
    let moto = Moto::start()?;
    let (status, answer) = moto.dynamodb(
        "CreateTable",
        &json!({
            "TableName": "items",
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    );
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = moto.dynamodb(
        "PutItem",
        &json!({
            "TableName": "items",
            "Item": {
                "id": {"S": "k3"},
                "name": {"S": "three"},
                "count": {"N": "3"},
                "price": {"N": "1.5"},
                "tags": {"SS": ["a"]},
                "nested": {"M": {"ok": {"BOOL": true}, "none": {"NULL": true}}},
                "blob": {"B": "aGVsbG8="}
            }
        }),
    );
    assert_eq!(status, 200, "{answer}");
    Some(moto)
}

fn config(moto: &Moto, table: &str, concurrency: usize) -> FunctionConfig {
    let env = [
        ("TABLE", table.to_owned()),
        ("AWS_ENDPOINT_URL", moto.endpoint()),
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE".to_owned()),
        (
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_owned(),
        ),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ];
    FunctionConfig {
        // Generous: a loaded machine is slow, never hung; a hang fails at this deadline.
        timeout: Duration::from_secs(30),
        init_timeout: Duration::from_secs(30),
        concurrency,
        env: env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        output: Output::Null,
        ..FunctionConfig::default()
    }
}

fn reply(report: &InvocationReport) -> Value {
    match &report.outcome {
        Outcome::Response(body) => serde_json::from_slice(body).expect("a JSON reply"),
        other => panic!("{}: {other:?}", report.request_id),
    }
}

fn k3() -> Value {
    json!({
        "id": "k3", "name": "three", "count": 3, "price": 1.5, "tags": ["a"],
        "nested": {"ok": true, "none": null}, "blob": "aGVsbG8="
    })
}

#[test]
fn gets_items_one_at_a_time() {
    let Some(moto) = moto_with_items() else {
        return;
    };
    let mut function = Function::start(BOOTSTRAP, config(&moto, "items", 1)).unwrap();
    let found = function.invoke(r#"{"get":"k3"}"#).unwrap();
    assert_eq!(reply(&found), json!({"found": true, "item": k3()}));
    assert!(found.init_duration.is_some());
    let missing = function.invoke(r#"{"get":"nope"}"#).unwrap();
    assert_eq!(reply(&missing), json!({"found": false}));
}

#[test]
fn an_aws_error_is_the_invocations_error_with_the_services_code_and_message() {
    let Some(moto) = moto_with_items() else {
        return;
    };
    let mut function = Function::start(BOOTSTRAP, config(&moto, "no-such-table", 1)).unwrap();
    let report = function.invoke(r#"{"get":"k3"}"#).unwrap();
    let Outcome::Error(error) = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(error.kind(), "ResourceNotFoundException");
    let message = error.error_message.as_deref().unwrap_or_default();
    assert!(message.contains("not found"), "{message}");
    assert!(!message.contains("service error"), "{message}");
    // The function goes on.
    let again = function.invoke(r#"{"get":"k3"}"#).unwrap();
    assert!(matches!(again.outcome, Outcome::Error(_)));
    assert_eq!(function.sandboxes_started(), 1);
}

#[test]
fn four_workers_share_the_client_made_in_init_then_one_at_a_time_again() {
    let Some(moto) = moto_with_items() else {
        return;
    };
    let mut function = Function::start(BOOTSTRAP, config(&moto, "items", 4)).unwrap();
    let events = (0..8)
        .map(|_| Event::new(r#"{"get":"k3","wait_ms":200}"#))
        .collect();
    let reports = function.invoke_all(events).unwrap();
    assert_eq!(reports.len(), 8);
    for report in &reports {
        assert_eq!(reply(report), json!({"found": true, "item": k3()}));
    }
    assert_eq!(function.server().max_in_flight(), 4);
    // One at a time on the same process: a pooled connection opened by a worker that is now
    // idle must still be usable (each within the function's timeout).
    for key in ["k3", "nope", "k3", "nope", "k3"] {
        let report = function.invoke(json!({"get": key}).to_string()).unwrap();
        assert_eq!(reply(&report)["found"], key == "k3", "{:?}", report.outcome);
        assert_eq!(report.init_duration, None);
    }
    assert_eq!(function.sandboxes_started(), 1);
}

#[test]
fn an_init_whose_await_fails_is_an_init_error() {
    let Some(moto) = moto_with_items() else {
        return;
    };
    // No credentials anywhere: no variables, an empty home, no instance metadata.
    let home = std::env::temp_dir().join(format!("no-aws-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let mut config = config(&moto, "items", 1);
    config
        .env
        .retain(|(k, _)| !k.starts_with("AWS_ACCESS") && !k.starts_with("AWS_SECRET"));
    config
        .env
        .push(("HOME".to_owned(), home.display().to_string()));
    config.clear_env = true;
    let mut function = Function::start(BOOTSTRAP, config).unwrap();
    let report = function.invoke(r#"{"get":"k3"}"#).unwrap();
    let Outcome::Failed(error) = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(error.kind(), "InitError");
    assert_eq!(error.error_type_header.as_deref(), Some("InitError"));
    let message = error.error_message.as_deref().unwrap_or_default();
    assert!(message.starts_with("no AWS credentials"), "{message}");
    let _ = std::fs::remove_dir_all(home);
}
