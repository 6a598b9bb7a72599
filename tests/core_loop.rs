//! The core loop end to end: a real bootstrap (`fixtures/core_bootstrap.rs`, written directly on
//! runtime-core) against the local Lambda's Runtime API server over loopback TCP, and against a
//! scripted server that misbehaves on purpose.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ruchy_lambda_local::{Event, Function, FunctionConfig, Outcome, Output};
use serde_json::{Value, json};

const BOOTSTRAP: &str = env!("CARGO_BIN_EXE_core-bootstrap");

fn function(env: &[(&str, &str)]) -> Function {
    let config = FunctionConfig {
        name: "core-loop".to_owned(),
        memory_mb: 256,
        timeout: Duration::from_secs(20),
        env: support::env_vars(env),
        output: Output::Null,
        ..FunctionConfig::default()
    };
    Function::start(BOOTSTRAP, config).expect("start the core bootstrap")
}

#[test]
fn a_thousand_invocations_over_one_connection() {
    let mut f = function(&[]);
    for i in 0..1000 {
        let event = format!(r#"{{"op":"echo","i":{i},"pad":"{}"}}"#, "x".repeat(i % 97));
        let report = f.invoke(event.as_str()).unwrap();
        assert_eq!(
            report.outcome,
            Outcome::Response(event.into_bytes()),
            "invocation {i}"
        );
    }
    let server = f.server();
    assert_eq!(
        server.connections_accepted(),
        1,
        "one keep-alive connection"
    );
    let log = server.request_log();
    let nexts = log
        .iter()
        .filter(|e| e.target.ends_with("/invocation/next"))
        .count();
    let responses = log
        .iter()
        .filter(|e| e.target.ends_with("/response"))
        .count();
    assert_eq!(responses, 1000);
    // Every answered /next is logged; the 1001st is still waiting.
    assert_eq!(nexts, 1000);
    assert_eq!(log.len(), 2000, "no request beyond next/response");
    assert!(
        log.iter()
            .all(|e| e.status.is_some_and(|s| s == 200 || s == 202))
    );
    assert_eq!(f.sandboxes_started(), 1);
}

#[test]
fn every_context_field_arrives() {
    let mut f = function(&[]);
    let env: std::collections::HashMap<_, _> = f.lambda_environment().into_iter().collect();
    let event = Event::json(&json!({"op": "context"}))
        .client_context(r#"{"client":{"app_title":"shop"},"custom":{"k":"v"},"env":{}}"#)
        .cognito_identity(r#"{"cognitoIdentityId":"us-east-1:abc","cognitoIdentityPoolId":"pool"}"#)
        .tenant_id("tenant-42")
        .trace_id("Root=1-5e34a614-10bdxmplf1fb44f07bc535a1;Parent=07f5xmpl2d1f6f85;Sampled=1");
    let report = f.invoke(event).unwrap();
    let record = f.server().record(&report.request_id).unwrap();
    let got = support::reply_json(&report.outcome);
    assert_eq!(got["request_id"], report.request_id.as_str());
    assert_eq!(got["deadline_ms"], record.deadline_ms.unwrap());
    let remaining = got["remaining_ms"].as_u64().unwrap();
    assert!(
        remaining > 15_000 && remaining <= 20_000,
        "remaining {remaining} ms of 20 s"
    );
    assert_eq!(
        got["invoked_function_arn"],
        f.server().config().function_arn().as_str()
    );
    let trace = "Root=1-5e34a614-10bdxmplf1fb44f07bc535a1;Parent=07f5xmpl2d1f6f85;Sampled=1";
    assert_eq!(got["xray_trace_id"], trace);
    assert_eq!(
        got["env_trace_id"], trace,
        "_X_AMZN_TRACE_ID set for the invocation"
    );
    assert_eq!(
        got["client_context"],
        r#"{"client":{"app_title":"shop"},"custom":{"k":"v"},"env":{}}"#
    );
    assert_eq!(
        got["identity"],
        r#"{"cognitoIdentityId":"us-east-1:abc","cognitoIdentityPoolId":"pool"}"#
    );
    assert_eq!(got["tenant_id"], "tenant-42");
    let invocation_id = record
        .invocation_id
        .as_deref()
        .expect("an invocation id was sent");
    assert_eq!(got["invocation_id"], invocation_id);
    assert_eq!(got["function_name"], "core-loop");
    assert_eq!(got["memory_size_mb"], 256);
    assert_eq!(got["function_version"], "$LATEST");
    assert_eq!(
        got["log_group_name"],
        env["AWS_LAMBDA_LOG_GROUP_NAME"].as_str()
    );
    assert_eq!(got["log_group_name"], "/aws/lambda/core-loop");
    let stream = got["log_stream_name"].as_str().unwrap();
    assert!(
        stream.contains("/[$LATEST]") && stream.len() > 30,
        "{stream}"
    );
    assert_eq!(got["handler"], env["_HANDLER"].as_str());
    assert_eq!(got["task_root"], env["LAMBDA_TASK_ROOT"].as_str());

    // Absent optional headers arrive as absent.
    let report = f.invoke(json!({"op": "context"})).unwrap();
    let got = support::reply_json(&report.outcome);
    for field in ["client_context", "identity", "tenant_id"] {
        assert_eq!(got[field], Value::Null, "{field}");
    }
}

#[test]
fn errors_and_panics_go_to_the_error_endpoint_and_the_loop_goes_on() {
    let mut f = function(&[]);
    let report = f
        .invoke(json!({"op": "fail", "type": "OrderEmpty", "message": "order 7 is empty"}))
        .unwrap();
    let Outcome::Error(error) = &report.outcome else {
        panic!("expected an error report, got {:?}", report.outcome)
    };
    assert_eq!(error.error_type_header.as_deref(), Some("OrderEmpty"));
    let body: Value = serde_json::from_slice(&error.body).unwrap();
    assert_eq!(
        body,
        json!({"errorMessage": "order 7 is empty", "errorType": "OrderEmpty", "stackTrace": []})
    );

    let pid = f.pid();
    let report = f
        .invoke(json!({"op": "panic", "message": "index out of bounds"}))
        .unwrap();
    let Outcome::Error(error) = &report.outcome else {
        panic!("expected an error report, got {:?}", report.outcome)
    };
    assert_eq!(error.error_type_header.as_deref(), Some("Panic"));
    assert_eq!(error.error_type.as_deref(), Some("Panic"));
    assert_eq!(error.error_message.as_deref(), Some("index out of bounds"));

    // Same process, still answering.
    let report = f.invoke(json!({"op": "echo"})).unwrap();
    assert!(report.is_success());
    assert_eq!(f.pid(), pid);
    assert_eq!(f.sandboxes_started(), 1);
    let answers: Vec<u32> = f.server().records().iter().map(|r| r.answers).collect();
    assert_eq!(answers, [1, 1, 1], "each invocation answered exactly once");
}

#[test]
fn a_reply_over_6_mb_becomes_an_error_report() {
    let mut f = function(&[]);
    let report = f
        .invoke(json!({"op": "big", "bytes": 6 * 1024 * 1024 + 1}))
        .unwrap();
    let Outcome::Error(error) = &report.outcome else {
        panic!("expected an error report, got {:?}", report.outcome)
    };
    assert_eq!(
        error.error_type.as_deref(),
        Some("Function.ResponseSizeTooLarge")
    );
    assert!(
        error
            .error_message
            .as_deref()
            .unwrap()
            .contains("6291457 bytes")
    );
    // Exactly 6 MiB is accepted, on the same process.
    let report = f
        .invoke(json!({"op": "big", "bytes": 6 * 1024 * 1024}))
        .unwrap();
    assert!(matches!(&report.outcome, Outcome::Response(b) if b.len() == 6 * 1024 * 1024));
    assert_eq!(f.sandboxes_started(), 1);
}

#[test]
fn init_errors_go_to_the_init_endpoint_and_the_process_exits() {
    let mut f = function(&[("CORE_BOOTSTRAP_INIT_ERROR", "no database at db.local:5432")]);
    let report = f.invoke(json!({"op": "echo"})).unwrap();
    let Outcome::Failed(init) = &report.outcome else {
        panic!("expected an init failure, got {:?}", report.outcome)
    };
    assert_eq!(init.error_type_header.as_deref(), Some("InitFailed"));
    let body: Value = serde_json::from_slice(&init.body).unwrap();
    assert_eq!(
        body,
        json!({"errorMessage": "no database at db.local:5432", "errorType": "InitFailed", "stackTrace": []})
    );
    assert!(
        report
            .exit
            .as_deref()
            .unwrap_or("")
            .contains("exit status 1"),
        "{report:?}"
    );
    // The runtime never asked for an event.
    let log = f.server().request_log();
    assert!(log.iter().all(|e| !e.target.ends_with("/next")), "{log:?}");
}

#[test]
fn a_path_prefix_as_emulators_set_it_works() {
    let config = FunctionConfig {
        path_prefix: "/.rt".to_owned(),
        output: Output::Null,
        ..FunctionConfig::default()
    };
    let mut f = Function::start(BOOTSTRAP, config).unwrap();
    let report = f.invoke(r#"{"op":"echo"}"#).unwrap();
    assert_eq!(
        report.outcome,
        Outcome::Response(br#"{"op":"echo"}"#.to_vec())
    );
    assert!(f.server().runtime_api().starts_with("http://"));
    assert!(
        f.server()
            .request_log()
            .iter()
            .all(|e| e.target.starts_with("/.rt/2018-06-01/"))
    );
}

// ---------------------------------------------------------------------------------------------
// A scripted Runtime API: answers each request with the next canned response, records requests.

/// What the scripted server does with one request.
enum Step {
    /// Write these bytes.
    Reply(Vec<u8>),
    /// Close the connection without answering.
    Close,
}

struct Scripted {
    addr: String,
    requests: Arc<Mutex<Vec<String>>>,
    connections: Arc<Mutex<u32>>,
}

fn next_reply(request_id: &str, headers: &str, body: &str) -> Step {
    Step::Reply(
        format!(
            "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: {request_id}\r\n{headers}Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

fn accepted() -> Step {
    Step::Reply(
        b"HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n".to_vec(),
    )
}

const DEADLINE: &str = "Lambda-Runtime-Deadline-Ms: 4102444800000\r\n";

/// Serves `steps` in order across connections; after the last one, requests are read and left
/// unanswered (a long poll that never returns).
fn scripted(steps: Vec<Step>) -> Scripted {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let connections = Arc::new(Mutex::new(0));
    let steps = Arc::new(Mutex::new(steps.into_iter()));
    let (r, c) = (Arc::clone(&requests), Arc::clone(&connections));
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            *c.lock().unwrap() += 1;
            let (r, steps) = (Arc::clone(&r), Arc::clone(&steps));
            thread::spawn(move || serve_script(stream, &r, &steps));
        }
    });
    Scripted {
        addr,
        requests,
        connections,
    }
}

fn serve_script(
    stream: TcpStream,
    requests: &Mutex<Vec<String>>,
    steps: &Mutex<std::vec::IntoIter<Step>>,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header == "\r\n" {
                break;
            }
            if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        requests.lock().unwrap().push(format!(
            "{}{}",
            line.trim_end(),
            String::from_utf8_lossy(&body)
        ));
        let step = steps.lock().unwrap().next();
        match step {
            Some(Step::Reply(bytes)) => {
                if writer.write_all(&bytes).is_err() {
                    return;
                }
            }
            Some(Step::Close) => return,
            None => {
                // Long poll forever: hold the connection until the client goes away.
                let _ = reader.read(&mut [0u8; 1]);
                return;
            }
        }
    }
}

/// The core bootstrap pointed at `runtime_api`, stderr captured.
fn spawn_bootstrap(runtime_api: Option<&str>, env: &[(&str, &str)]) -> Child {
    let mut command = Command::new(BOOTSTRAP);
    command
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env_remove("_X_AMZN_TRACE_ID")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(api) = runtime_api {
        command.env("AWS_LAMBDA_RUNTIME_API", api);
    }
    command.envs(env.iter().copied());
    command.spawn().expect("spawn the core bootstrap")
}

/// Waits for the child to exit (killing it after `limit`) and returns its status code and stderr.
fn finish(mut child: Child, limit: Duration) -> (Option<i32>, String) {
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            child.kill().unwrap();
            break child.wait().unwrap();
        }
        thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status.code(), stderr)
}

/// Waits until the scripted server has seen `n` requests (or `limit` passes).
fn wait_requests(s: &Scripted, n: usize, limit: Duration) -> Vec<String> {
    let started = Instant::now();
    loop {
        let got = s.requests.lock().unwrap().clone();
        if got.len() >= n || started.elapsed() > limit {
            return got;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_bad_request_id_is_never_written_into_a_path() {
    let s = scripted(vec![
        next_reply("../../admin", DEADLINE, r#"{"op":"echo"}"#),
        next_reply("id with spaces", DEADLINE, r#"{"op":"echo"}"#),
        next_reply(&"a".repeat(10_000), DEADLINE, r#"{"op":"echo"}"#),
        next_reply("good-1", DEADLINE, r#"{"op":"echo"}"#),
        accepted(),
    ]);
    let child = spawn_bootstrap(Some(&s.addr), &[]);
    let requests = wait_requests(&s, 6, Duration::from_secs(10));
    let (code, stderr) = {
        let mut child = child;
        child.kill().unwrap();
        finish(child, Duration::from_secs(5))
    };
    assert_eq!(code, None, "still running until killed: {stderr}");
    assert_eq!(
        requests,
        [
            "GET /2018-06-01/runtime/invocation/next HTTP/1.1",
            "GET /2018-06-01/runtime/invocation/next HTTP/1.1",
            "GET /2018-06-01/runtime/invocation/next HTTP/1.1",
            "GET /2018-06-01/runtime/invocation/next HTTP/1.1",
            r#"POST /2018-06-01/runtime/invocation/good-1/response HTTP/1.1{"op":"echo"}"#,
            "GET /2018-06-01/runtime/invocation/next HTTP/1.1",
        ]
    );
    assert!(
        stderr.contains(r#"invalid request id "../../admin""#),
        "{stderr}"
    );
}

#[test]
fn a_malformed_invocation_is_answered_with_an_error() {
    let s = scripted(vec![
        next_reply("no-deadline", "", "{}"),
        accepted(),
        next_reply("bad-deadline", "Lambda-Runtime-Deadline-Ms: soon\r\n", "{}"),
        accepted(),
    ]);
    let mut child = spawn_bootstrap(Some(&s.addr), &[]);
    let requests = wait_requests(&s, 5, Duration::from_secs(10));
    child.kill().unwrap();
    let (_, stderr) = finish(child, Duration::from_secs(5));
    assert_eq!(requests.len(), 5, "{requests:?}\n{stderr}");
    assert_eq!(
        requests[1],
        "POST /2018-06-01/runtime/invocation/no-deadline/error HTTP/1.1\
         {\"errorMessage\":\"no Lambda-Runtime-Deadline-Ms header\",\
         \"errorType\":\"Runtime.MalformedInvocation\",\"stackTrace\":[]}"
    );
    assert!(requests[3].starts_with("POST /2018-06-01/runtime/invocation/bad-deadline/error"));
    assert!(requests[3].contains("is not a number: soon"));
}

#[test]
fn trace_id_is_cleared_when_the_header_is_absent() {
    let s = scripted(vec![
        next_reply(
            "t-1",
            &format!("{DEADLINE}Lambda-Runtime-Trace-Id: Root=1-abc\r\n"),
            r#"{"op":"context"}"#,
        ),
        accepted(),
        next_reply("t-2", DEADLINE, r#"{"op":"context"}"#),
        accepted(),
    ]);
    let mut child = spawn_bootstrap(Some(&s.addr), &[("_X_AMZN_TRACE_ID", "inherited")]);
    let requests = wait_requests(&s, 5, Duration::from_secs(10));
    child.kill().unwrap();
    finish(child, Duration::from_secs(5));
    let reply = |i: usize| -> Value {
        let r: &String = &requests[i];
        serde_json::from_str(&r[r.find('{').unwrap()..]).unwrap()
    };
    assert_eq!(reply(1)["env_trace_id"], "Root=1-abc");
    assert_eq!(reply(3)["env_trace_id"], Value::Null);
    assert_eq!(reply(3)["xray_trace_id"], Value::Null);
}

#[test]
fn malformed_server_replies_are_retried_with_backoff_then_a_clear_exit() {
    let garbage = || Step::Reply(b"SMTP 220 ready\r\n\r\n".to_vec());
    let s = scripted((0..20).map(|_| garbage()).collect());
    let started = Instant::now();
    let child = spawn_bootstrap(Some(&s.addr), &[]);
    let (code, stderr) = finish(child, Duration::from_secs(20));
    let elapsed = started.elapsed();
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("invalid HTTP status line"), "{stderr}");
    assert!(stderr.contains("giving up"), "{stderr}");
    let requests = s.requests.lock().unwrap().len();
    assert_eq!(requests, 8, "bounded attempts");
    // A bad reply leaves the connection in an unknown state: each attempt is a new one.
    assert_eq!(*s.connections.lock().unwrap(), 8);
    // 10 + 20 + ... + 640 ms of backoff between the 8 attempts: never a busy loop.
    assert!(elapsed >= Duration::from_millis(1270), "{elapsed:?}");
}

#[test]
fn a_connection_closed_mid_conversation_is_reopened() {
    let s = scripted(vec![
        next_reply("c-1", DEADLINE, r#"{"op":"echo","n":1}"#),
        Step::Close,
        accepted(),
        next_reply("c-2", DEADLINE, r#"{"op":"echo","n":2}"#),
        accepted(),
    ]);
    let mut child = spawn_bootstrap(Some(&s.addr), &[]);
    let requests = wait_requests(&s, 6, Duration::from_secs(10));
    child.kill().unwrap();
    finish(child, Duration::from_secs(5));
    assert_eq!(
        requests[1..5],
        [
            r#"POST /2018-06-01/runtime/invocation/c-1/response HTTP/1.1{"op":"echo","n":1}"#,
            r#"POST /2018-06-01/runtime/invocation/c-1/response HTTP/1.1{"op":"echo","n":1}"#,
            "GET /2018-06-01/runtime/invocation/next HTTP/1.1",
            r#"POST /2018-06-01/runtime/invocation/c-2/response HTTP/1.1{"op":"echo","n":2}"#,
        ]
    );
    assert_eq!(*s.connections.lock().unwrap(), 2);
}

#[test]
fn no_runtime_api_variable_is_a_clear_error() {
    let (code, stderr) = finish(spawn_bootstrap(None, &[]), Duration::from_secs(10));
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("AWS_LAMBDA_RUNTIME_API is not set"),
        "{stderr}"
    );
    let (code, stderr) = finish(
        spawn_bootstrap(Some("https://127.0.0.1:9001"), &[]),
        Duration::from_secs(10),
    );
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("only plain http:// is supported"),
        "{stderr}"
    );
}

#[test]
fn an_unreachable_runtime_api_ends_in_a_clear_exit() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    drop(listener);
    let started = Instant::now();
    let (code, stderr) = finish(spawn_bootstrap(Some(&addr), &[]), Duration::from_secs(20));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot connect to {addr}")),
        "{stderr}"
    );
    assert!(stderr.contains("giving up"), "{stderr}");
    assert!(started.elapsed() >= Duration::from_millis(1270));
}
