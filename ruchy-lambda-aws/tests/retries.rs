//! Retries and connections on a scripted server: throttling, 5xx, errors that are not retried,
//! connections reset or closed under a call, a body cut short, and connections opened ahead of
//! time with `connect_now`.

mod support;

mod scenarios;

use std::io::Read;
use std::time::Duration;

use ruchy_lambda_aws::{Client, ErrorKind, RetryConfig};
use serde_json::{Value, json};
use support::{Reply, ScriptedServer};

fn client(server: &ScriptedServer, max_attempts: u32) -> Client {
    scenarios::builder(&server.endpoint)
        .retry(RetryConfig {
            max_attempts,
            base: Duration::from_millis(10),
        })
        .build()
        .expect("a client")
}

fn list_tables(client: &Client) -> Result<Value, ruchy_lambda_aws::Error> {
    client.dynamodb().call("ListTables", &json!({}))
}

fn throttled() -> Reply {
    Reply::Full {
        status: 400,
        headers: vec![
            ("Content-Type".into(), "application/x-amz-json-1.0".into()),
            ("x-amzn-RequestId".into(), "THROTTLED-1".into()),
        ],
        body: json!({
            "__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
            "message": "Rate of requests exceeds the allowed throughput.",
        })
        .to_string()
        .into_bytes(),
    }
}

fn tables() -> Reply {
    Reply::json(200, &json!({"TableNames": ["orders"]}))
}

/// Every request the server read was the same signed `ListTables`.
fn assert_all_list_tables(server: &ScriptedServer, count: usize) {
    let requests = server.requests();
    assert_eq!(requests.len(), count, "{requests:#?}");
    for request in &requests {
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("POST", "/")
        );
        assert_eq!(
            request.header("x-amz-target"),
            Some("DynamoDB_20120810.ListTables")
        );
        let authorization = request.header("authorization").expect("signed");
        assert!(
            authorization.starts_with(&format!(
                "AWS4-HMAC-SHA256 Credential={}/",
                scenarios::ACCESS_KEY
            )),
            "{authorization}"
        );
    }
}

#[test]
fn throttled_twice_then_answered_succeeds_on_the_third_attempt() {
    let server = ScriptedServer::start(vec![
        Reply::json(
            429,
            &json!({"__type": "ThrottlingException", "message": "slow down"}),
        ),
        throttled(),
        tables(),
    ]);
    let answer = list_tables(&client(&server, 3)).expect("the third attempt");
    assert_eq!(answer, json!({"TableNames": ["orders"]}));
    assert_all_list_tables(&server, 3);
    // The answers had bodies the client read whole: one connection for the three.
    assert_eq!(server.connections(), 1);
}

#[test]
fn throttled_on_every_attempt_gives_up_after_max_attempts() {
    let server = ScriptedServer::start(vec![throttled(), throttled(), throttled(), tables()]);
    let error = list_tables(&client(&server, 3)).expect_err("throttled three times");
    assert_eq!(error.kind(), ErrorKind::Service);
    assert_eq!(error.code(), Some("ThrottlingException"));
    assert_eq!(
        error.message(),
        "Rate of requests exceeds the allowed throughput."
    );
    assert_eq!(error.status(), Some(400));
    assert_eq!(error.request_id(), Some("THROTTLED-1"));
    assert!(error.is_throttling());
    assert!(error.is_retryable());
    assert_all_list_tables(&server, 3);
}

#[test]
fn a_server_error_is_retried() {
    let server = ScriptedServer::start(vec![
        Reply::json(
            500,
            &json!({"__type": "InternalServerError", "message": "oops"}),
        ),
        tables(),
    ]);
    list_tables(&client(&server, 3)).expect("the second attempt");
    assert_all_list_tables(&server, 2);
}

#[test]
fn a_validation_error_is_not_retried() {
    let server = ScriptedServer::start(vec![
        Reply::json(
            400,
            &json!({
                "__type": "com.amazon.coral.validate#ValidationException",
                "message": "1 validation error detected",
            }),
        ),
        tables(),
    ]);
    let error = list_tables(&client(&server, 3)).expect_err("a validation error");
    assert_eq!(error.code(), Some("ValidationException"));
    assert_eq!(error.message(), "1 validation error detected");
    assert!(!error.is_retryable() && !error.is_throttling());
    assert_all_list_tables(&server, 1);
}

#[test]
fn a_connection_reset_mid_answer_is_retried_on_a_new_connection() {
    let server = ScriptedServer::start(vec![
        Reply::ResetAfter {
            status: 200,
            headers: vec![("Content-Type".into(), "application/x-amz-json-1.0".into())],
            body: json!({"TableNames": ["cut", "short"]})
                .to_string()
                .into_bytes(),
            send_bytes: 5,
        },
        tables(),
    ]);
    let answer = list_tables(&client(&server, 3)).expect("the retry");
    assert_eq!(answer, json!({"TableNames": ["orders"]}));
    assert_all_list_tables(&server, 2);
    assert_eq!(server.connections(), 2);
}

#[test]
fn a_reset_without_retries_is_a_retryable_transport_error() {
    let server = ScriptedServer::start(vec![Reply::ResetAfter {
        status: 200,
        headers: vec![],
        body: vec![b'{'; 100],
        send_bytes: 10,
    }]);
    let error = list_tables(&client(&server, 1)).expect_err("a cut answer");
    assert_eq!(error.kind(), ErrorKind::Transport, "{error:?}");
    assert!(error.is_retryable());
    assert_eq!(error.code(), None);
    assert_all_list_tables(&server, 1);
}

#[test]
fn a_kept_connection_the_server_closed_is_reopened_without_a_retry() {
    let server = ScriptedServer::start(vec![tables(), Reply::Close, tables()]);
    // One attempt per call: the reopening is the connection's, not the retry mode's.
    let client = client(&server, 1);
    list_tables(&client).expect("the first call");
    assert_eq!(server.connections(), 1);
    list_tables(&client).expect("the second call, on a reopened connection");
    assert_all_list_tables(&server, 3);
    assert_eq!(server.connections(), 2);
}

#[test]
fn an_object_body_cut_short_is_a_read_error_not_a_short_body() {
    let body = scenarios::noise(200_000);
    let server = ScriptedServer::start(vec![Reply::ResetAfter {
        status: 200,
        headers: vec![("ETag".into(), "\"abc\"".into())],
        body: body.clone(),
        send_bytes: 50_000,
    }]);
    let mut object = client(&server, 3)
        .s3()
        .get_object("bucket", "cut.bin")
        .expect("the head arrived whole");
    assert_eq!(object.head.content_length, Some(200_000));
    assert_eq!(object.head.etag.as_deref(), Some("\"abc\""));
    let mut read = Vec::new();
    let mut piece = [0u8; 4096];
    let error = loop {
        match object.read(&mut piece) {
            Ok(0) => panic!("the body ended after {} of 200000 bytes", read.len()),
            Ok(n) => read.extend_from_slice(&piece[..n]),
            Err(e) => break e,
        }
    };
    assert!(read.len() <= 50_000, "{} bytes read", read.len());
    assert_eq!(read[..], body[..read.len()]);
    println!("after {} bytes: {error}", read.len());
    // And it stays an error: a later read is not taken for the end of the body.
    assert!(object.read(&mut piece).is_err(), "a read after the error");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/bucket/cut.bin");

    // The same through `bytes()`: an error, not the bytes that came.
    let server = ScriptedServer::start(vec![Reply::ResetAfter {
        status: 200,
        headers: vec![],
        body: body.clone(),
        send_bytes: 1_000,
    }]);
    let error = client(&server, 3)
        .s3()
        .get_object("bucket", "cut.bin")
        .expect("the head arrived whole")
        .bytes()
        .expect_err("a cut body");
    assert_eq!(error.kind(), ErrorKind::Transport, "{error:?}");
}

#[test]
fn connect_now_opens_connections_that_the_next_calls_use() {
    let server = ScriptedServer::start(vec![tables(), tables(), tables()]);
    let client = client(&server, 1);
    let db = client.dynamodb();
    db.connect_now(2).expect("connect_now");
    assert!(
        support::wait_until(support::START_DEADLINE, || server.connections() == 2),
        "{} connections",
        server.connections()
    );
    assert!(server.requests().is_empty());

    // Two calls at once take the two connections; a third reuses one.
    std::thread::scope(|scope| {
        let calls: Vec<_> = (0..2)
            .map(|_| scope.spawn(|| list_tables(&client)))
            .collect();
        for call in calls {
            call.join().expect("a call").expect("ListTables");
        }
    });
    list_tables(&client).expect("ListTables");
    assert_all_list_tables(&server, 3);
    assert_eq!(server.connections(), 2);
}

#[test]
fn s3_connect_now_opens_connections_to_the_buckets_endpoint() {
    let server = ScriptedServer::start(vec![Reply::Full {
        status: 200,
        headers: vec![],
        body: b"hello".to_vec(),
    }]);
    let client = client(&server, 1);
    client.s3().connect_now("bucket", 1).expect("connect_now");
    assert!(support::wait_until(support::START_DEADLINE, || {
        server.connections() == 1
    }));
    assert!(server.requests().is_empty());
    let body = client
        .s3()
        .get_object("bucket", "k")
        .expect("GetObject")
        .text()
        .expect("the body");
    assert_eq!(body, "hello");
    assert_eq!(server.connections(), 1);
}

#[test]
fn connect_now_to_a_port_nobody_listens_on_is_a_transport_error() {
    let port = support::free_port();
    let client = scenarios::client(&format!("http://127.0.0.1:{port}"));
    let error = client.dynamodb().connect_now(1).expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Transport, "{error:?}");
    assert!(
        error.message().contains(&format!("127.0.0.1:{port}")),
        "{error}"
    );
}
