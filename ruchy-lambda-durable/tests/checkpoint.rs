#![cfg(feature = "client")]
//! The checkpoint and state calls against a server on loopback TCP: the method, the path with
//! its encoded ARN, the query, the JSON body, the SigV4 scope of service `lambda`, the answers
//! read back, error answers, paging, and the endpoint taken from `AWS_ENDPOINT_URL_LAMBDA`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use ruchy_lambda_aws::{Client, Credentials, RetryConfig};
use ruchy_lambda_durable::model::*;
use ruchy_lambda_durable::{Checkpoints, Error};
use serde_json::json;

const ARN: &str =
    "arn:aws:lambda:us-east-1:123456789012:function:order:$LATEST/durable-execution/run-1/3f1c";
const ENCODED_ARN: &str = "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aorder%3A%24LATEST%2Fdurable-execution%2Frun-1%2F3f1c";

/// A request as the server read it.
#[derive(Debug)]
struct Seen {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// A server that answers each request with `answer(request)` (status, body) and sends what it
/// read on the channel.
fn serve(
    answer: impl Fn(&Seen) -> (u16, Vec<(&'static str, String)>, String) + Send + Sync + 'static,
) -> (String, Receiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("address"));
    let (tx, rx) = channel();
    let answer = std::sync::Arc::new(answer);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let (tx, answer) = (tx.clone(), answer.clone());
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().expect("clone");
                let mut reader = BufReader::new(stream);
                while let Some(seen) = read_request(&mut reader) {
                    let (status, headers, body) = answer(&seen);
                    let mut head = format!(
                        "HTTP/1.1 {status} X\r\ncontent-length: {}\r\ncontent-type: application/json\r\nx-amzn-requestid: req-1\r\n",
                        body.len()
                    );
                    for (name, value) in headers {
                        head.push_str(&format!("{name}: {value}\r\n"));
                    }
                    head.push_str("\r\n");
                    if writer.write_all(head.as_bytes()).is_err()
                        || writer.write_all(body.as_bytes()).is_err()
                    {
                        return;
                    }
                    if tx.send(seen).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (endpoint, rx)
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Seen> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().expect("a length"));
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Seen {
        method,
        target,
        headers,
        body,
    })
}

fn client(endpoint: &str) -> Client {
    Client::builder()
        .region("us-east-1")
        .credentials(Credentials::new("AKIDDURABLE", "secret"))
        .endpoint_url(endpoint)
        .retry(RetryConfig {
            max_attempts: 1,
            ..RetryConfig::default()
        })
        .build()
        .expect("a client")
}

fn next(rx: &Receiver<Seen>) -> Seen {
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the server saw a request")
}

/// The request is signed with SigV4 for service `lambda` in the client's region.
fn assert_signed_for_lambda(seen: &Seen) {
    let auth = seen
        .header("authorization")
        .expect("an Authorization header");
    assert!(auth.starts_with("AWS4-HMAC-SHA256 "), "{auth}");
    let credential = auth
        .split([' ', ','])
        .find_map(|p| p.strip_prefix("Credential="))
        .expect("a credential");
    let scope: Vec<&str> = credential.split('/').collect();
    assert_eq!(scope.len(), 5, "{credential}");
    assert_eq!(scope[0], "AKIDDURABLE");
    assert_eq!(&scope[2..], ["us-east-1", "lambda", "aws4_request"]);
    let signed = auth
        .split([' ', ','])
        .find_map(|p| p.strip_prefix("SignedHeaders="))
        .expect("signed headers");
    assert!(signed.split(';').any(|h| h == "host"), "{signed}");
    assert!(signed.split(';').any(|h| h == "x-amz-date"), "{signed}");
    assert!(seen.header("x-amz-date").is_some());
}

#[test]
fn a_checkpoint_posts_its_updates_and_reads_the_new_token_and_state() {
    let (endpoint, rx) = serve(|_| {
        let body = json!({
            "CheckpointToken": "dG9rZW4tMg==",
            "NewExecutionState": {"Operations": [
                {"Id": "s1", "Type": "STEP", "SubType": "Step", "Status": "SUCCEEDED",
                 "StartTimestamp": 1765000000.5, "EndTimestamp": 1765000001.25,
                 "StepDetails": {"Attempt": 1, "Result": "\"Hello, Ada!\""}}
            ]}
        });
        (200, vec![], body.to_string())
    });
    let api = Checkpoints::new(&client(&endpoint));
    let mut update = OperationUpdate::new("s1", OperationType::Step, OperationAction::Succeed);
    update.sub_type = Some(OperationSubType::Step);
    update.name = Some("greet".into());
    update.payload = Some("\"Hello, Ada!\"".into());
    let answer = api
        .checkpoint(ARN, "dG9rZW4tMQ==", &[update])
        .expect("a checkpoint");
    assert_eq!(answer.checkpoint_token.as_deref(), Some("dG9rZW4tMg=="));
    let op = &answer.new_execution_state.operations[0];
    assert_eq!(op.status, OperationStatus::Succeeded);
    assert_eq!(op.start_timestamp, Some(Timestamp(1765000000.5)));
    assert_eq!(
        op.step_details.as_ref().unwrap().result.as_deref(),
        Some("\"Hello, Ada!\"")
    );

    let seen = next(&rx);
    assert_eq!(seen.method, "POST");
    assert_eq!(
        seen.target,
        format!("/2025-12-01/durable-executions/{ENCODED_ARN}/checkpoint")
    );
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_signed_for_lambda(&seen);
    assert_eq!(
        seen.json(),
        json!({"CheckpointToken": "dG9rZW4tMQ==", "Updates": [
            {"Id": "s1", "Name": "greet", "Type": "STEP", "SubType": "Step",
             "Action": "SUCCEED", "Payload": "\"Hello, Ada!\""}
        ]})
    );
}

#[test]
fn a_client_token_is_sent_and_a_bad_one_refused_before_sending() {
    let (endpoint, rx) = serve(|_| (200, vec![], json!({"NewExecutionState": {}}).to_string()));
    let api = Checkpoints::new(&client(&endpoint));
    let mut request = CheckpointRequest::new("t", vec![]);
    request.client_token = Some("ct-1".into());
    // The checkpoint that ends an execution answers no token.
    let answer = api.checkpoint_request(ARN, &request).expect("a checkpoint");
    assert_eq!(answer.checkpoint_token, None);
    assert_eq!(
        next(&rx).json(),
        json!({"CheckpointToken": "t", "Updates": [], "ClientToken": "ct-1"})
    );
    request.client_token = Some("has space".into());
    let err = api.checkpoint_request(ARN, &request).unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err}");
    assert!(err.to_string().contains("client token"), "{err}");
}

#[test]
fn the_state_is_read_a_page_at_a_time_with_its_query() {
    let (endpoint, rx) = serve(|seen| {
        let body = if seen.target.contains("Marker=page-2") {
            json!({"Operations": [{"Id": "c", "Type": "WAIT", "Status": "STARTED",
                                   "WaitDetails": {"ScheduledEndTimestamp": 1765000100}}]})
        } else {
            json!({"Operations": [{"Id": "b", "Type": "STEP", "Status": "SUCCEEDED"}],
                   "NextMarker": "page-2"})
        };
        (200, vec![], body.to_string())
    });
    let api = Checkpoints::new(&client(&endpoint));
    let page = api
        .state(ARN, "dG9rZW4tMQ==", Some("page-1"), 1000)
        .expect("a page");
    assert_eq!(page.next_page(), Some("page-2"));
    let seen = next(&rx);
    assert_eq!(seen.method, "GET");
    assert_eq!(
        seen.target,
        format!(
            "/2025-12-01/durable-executions/{ENCODED_ARN}/state?CheckpointToken=dG9rZW4tMQ%3D%3D&Marker=page-1&MaxItems=1000"
        )
    );
    assert!(seen.body.is_empty());
    assert_eq!(seen.header("content-type"), None);
    assert_signed_for_lambda(&seen);

    // The event's first page, then the pages after it.
    let first = ExecutionState::new(vec![], Some("page-1".into()));
    let ids: Vec<String> = api
        .all_operations(ARN, "dG9rZW4tMQ==", first)
        .expect("every operation")
        .into_iter()
        .map(|op| op.id)
        .collect();
    assert_eq!(ids, ["b", "c"]);
    assert!(next(&rx).target.contains("Marker=page-1"));
    assert!(next(&rx).target.contains("Marker=page-2"));
}

#[test]
fn a_marker_answered_again_is_an_error_not_a_loop() {
    let (endpoint, _rx) = serve(|_| {
        let body = json!({"Operations": [], "NextMarker": "same"});
        (200, vec![], body.to_string())
    });
    let api = Checkpoints::new(&client(&endpoint));
    let first = ExecutionState::new(vec![], Some("same".into()));
    let err = api.all_operations(ARN, "t", first).unwrap_err();
    assert!(err.to_string().contains("twice"), "{err}");
}

#[test]
fn an_error_answer_carries_lambdas_code_and_message() {
    let (endpoint, _rx) = serve(|_| {
        (
            400,
            vec![("x-amzn-errortype", "InvalidParameterValueException".into())],
            json!({"Type": "User", "message": "Invalid Checkpoint Token"}).to_string(),
        )
    });
    let api = Checkpoints::new(&client(&endpoint));
    let err = api.checkpoint(ARN, "used", &[]).unwrap_err();
    let Error::Aws(aws) = &err else {
        panic!("not an AWS error: {err}")
    };
    assert_eq!(aws.status(), Some(400));
    assert_eq!(aws.code(), Some("InvalidParameterValueException"));
    assert!(aws.message().contains("Invalid Checkpoint Token"), "{err}");
}

#[test]
fn an_answer_of_the_wrong_shape_is_an_error() {
    let (endpoint, _rx) = serve(|_| (200, vec![], json!({"Operations": 3}).to_string()));
    let api = Checkpoints::new(&client(&endpoint));
    let err = api.state(ARN, "t", None, 10).unwrap_err();
    assert!(matches!(err, Error::Aws(_)), "{err}");
    assert!(err.to_string().contains("unexpected answer"), "{err}");
}

#[test]
fn bad_arguments_are_refused_before_sending() {
    // Nothing listens here: a request sent would fail as a transport error, not as `Invalid`.
    let api = Checkpoints::new(&client("http://127.0.0.1:9"));
    for err in [
        api.checkpoint("", "t", &[]).unwrap_err(),
        api.checkpoint(ARN, "", &[]).unwrap_err(),
        api.state(ARN, "t", None, 0).unwrap_err(),
        api.state(ARN, "t", None, 1001).unwrap_err(),
    ] {
        assert!(matches!(err, Error::Invalid(_)), "{err}");
    }
}

/// Run in a child process with `AWS_ENDPOINT_URL_LAMBDA` set (see the next test): the client
/// has no endpoint of its own, the environment gives Lambda's.
#[test]
fn child_checkpoints_where_the_environment_says() {
    let Ok(expected) = std::env::var("DURABLE_TEST_CHILD_ENDPOINT") else {
        return;
    };
    assert_eq!(
        std::env::var("AWS_ENDPOINT_URL_LAMBDA").as_deref(),
        Ok(expected.as_str())
    );
    let client = Client::builder()
        .region("eu-west-1")
        .credentials(Credentials::new("AKIDCHILD", "secret"))
        .build()
        .expect("a client");
    let answer = Checkpoints::new(&client)
        .checkpoint(ARN, "t", &[])
        .expect("a checkpoint through AWS_ENDPOINT_URL_LAMBDA");
    assert_eq!(answer.checkpoint_token.as_deref(), Some("from-env"));
}

#[test]
fn the_endpoint_comes_from_aws_endpoint_url_lambda() {
    let (endpoint, rx) = serve(|_| {
        (
            200,
            vec![],
            json!({"CheckpointToken": "from-env", "NewExecutionState": {}}).to_string(),
        )
    });
    let status = std::process::Command::new(std::env::current_exe().expect("this test"))
        .args([
            "--exact",
            "child_checkpoints_where_the_environment_says",
            "--nocapture",
        ])
        .env("DURABLE_TEST_CHILD_ENDPOINT", &endpoint)
        .env("AWS_ENDPOINT_URL_LAMBDA", &endpoint)
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .status()
        .expect("the child test runs");
    assert!(status.success(), "the child test failed: {status}");
    let seen = next(&rx);
    assert_eq!(
        seen.target,
        format!("/2025-12-01/durable-executions/{ENCODED_ARN}/checkpoint")
    );
    let auth = seen.header("authorization").expect("signed");
    assert!(auth.contains("/eu-west-1/lambda/aws4_request"), "{auth}");
}
