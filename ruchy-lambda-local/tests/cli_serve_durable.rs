//! `ruchy-lambda-local serve --durable`: durable functions written with AWS's durable execution
//! SDK for Python (3.0.0), unchanged, on AWS's runtime interface client (tests/durable/), driven
//! by the local backend through the durable execution API that `AWS_ENDPOINT_URL_LAMBDA`
//! points them at; the test calls that API over HTTP as boto3 does.
//!
//! The functions run from the venv `.ci/durable-venv` makes (or `RUCHY_LAMBDA_DURABLE_VENV`).
//! Without it the tests say so and pass, unless `CI` is set: then they fail.

#[path = "support/cli.rs"]
mod cli;

use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use cli::{Response, Server, read_response};
use serde_json::{Value, json};

/// How long a condition is waited for.
const DEADLINE: Duration = Duration::from_secs(120);

/// The venv's python, or `None` (with the reason printed) when the tests are to be skipped.
fn venv_python() -> Option<PathBuf> {
    let venv = match std::env::var_os("RUCHY_LAMBDA_DURABLE_VENV") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .expect("HOME or XDG_CACHE_HOME");
            cache.join("ruchy-lambda").join("durable-venv")
        }
    };
    let python = venv.join("bin").join("python");
    if python.is_file() {
        return Some(python);
    }
    let message = format!(
        "no durable venv at {} (make it with .ci/durable-venv): the durable functions cannot run",
        venv.display()
    );
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("{message}");
    }
    eprintln!("skipped: {message}");
    None
}

/// `serve` with `functions` (NAME, handler in tests/durable/functions.py, durable or not).
fn serve(python: &Path, functions: &[(&str, &str, bool)], extra: &[&str]) -> Server {
    let bootstrap = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/durable/bootstrap");
    let mut args: Vec<String> = vec!["--timeout".into(), "60".into()];
    args.push("--env".into());
    args.push(format!("DURABLE_PYTHON={}", python.display()));
    for (name, handler, durable) in functions {
        args.push("--function".into());
        args.push(format!("{name}=bin:{bootstrap}"));
        args.push("--env".into());
        args.push(format!("{name}:DURABLE_HANDLER={handler}"));
        if *durable {
            args.push("--durable".into());
            args.push((*name).to_owned());
        }
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut all = vec!["serve", "--port", "0"];
    all.extend_from_slice(&args);
    Server::spawn_within(cli::command(&all), DEADLINE)
}

/// One request with `headers`, read back within [`DEADLINE`].
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    read_response(&mut BufReader::new(stream))
}

fn json_of(response: &Response) -> Value {
    serde_json::from_slice(&response.body)
        .unwrap_or_else(|e| panic!("{e}: {response:?} {}", response.text()))
}

/// A path label as botocore writes it: everything but unreserved characters escaped.
fn label(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn invoke(addr: SocketAddr, name: &str, payload: Value, headers: &[(&str, &str)]) -> Response {
    let path = format!("/2015-03-31/functions/{name}/invocations");
    request(addr, "POST", &path, headers, payload.to_string().as_bytes())
}

fn execution(addr: SocketAddr, arn: &str) -> Value {
    let path = format!("/2025-12-01/durable-executions/{}", label(arn));
    let response = request(addr, "GET", &path, &[], b"");
    assert_eq!(response.status, 200, "{}", response.text());
    json_of(&response)
}

fn history(addr: SocketAddr, arn: &str) -> Vec<Value> {
    let path = format!(
        "/2025-12-01/durable-executions/{}/history?IncludeExecutionData=true",
        label(arn)
    );
    let response = request(addr, "GET", &path, &[], b"");
    assert_eq!(response.status, 200, "{}", response.text());
    json_of(&response)["Events"].as_array().unwrap().clone()
}

fn events_of<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["EventType"] == kind).collect()
}

/// Polls `check` until it gives a value, or fails after [`DEADLINE`].
fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let until = Instant::now() + DEADLINE;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < until, "{what}: not within {DEADLINE:?}");
        thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until the execution has left RUNNING; its description.
fn ended(addr: SocketAddr, arn: &str) -> Value {
    eventually("the execution's end", || {
        let e = execution(addr, arn);
        (e["Status"] != "RUNNING").then_some(e)
    })
}

/// Waits for the execution's callback to start; its id, from `CallbackStarted`.
fn callback_of(addr: SocketAddr, arn: &str) -> String {
    eventually("CallbackStarted", || {
        let events = history(addr, arn);
        let started = events_of(&events, "CallbackStarted")
            .first()
            .copied()
            .cloned()?;
        Some(
            started["CallbackStartedDetails"]["CallbackId"]
                .as_str()?
                .to_owned(),
        )
    })
}

fn arn_of(response: &Response) -> String {
    response
        .header("X-Amz-Durable-Execution-Arn")
        .unwrap_or_else(|| panic!("no execution ARN: {response:?}"))
        .to_owned()
}

fn error_type(response: &Response) -> String {
    response
        .header("X-Amzn-ErrorType")
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn python_sdk_functions_run_unchanged_with_skip_time() {
    let Some(python) = venv_python() else { return };
    let server = serve(
        &python,
        &[
            ("retrying", "retrying", true),
            ("waiting", "waiting", true),
            ("failing", "failing", true),
            ("nested", "nested", true),
            ("invoker", "invoker", true),
            ("many", "many", true),
            ("approval", "approval", true),
            ("plain", "plain", false),
        ],
        &["--skip-time"],
    );
    let addr = server.addr;

    // A step that fails twice, retried an hour apart: --skip-time makes the delays pass at once.
    let retried = invoke(addr, "retrying", json!({"key": "k1"}), &[]);
    assert_eq!(retried.status, 200, "{}", retried.text());
    assert_eq!(retried.header("X-Amz-Function-Error"), None);
    assert_eq!(json_of(&retried), json!({"outcome": "ok after 3"}));
    let arn = arn_of(&retried);
    assert!(
        arn.starts_with(
            "arn:aws:lambda:us-east-1:012345678912:function:retrying:$LATEST/durable-execution/"
        ),
        "{arn}"
    );
    let events = history(addr, &arn);
    for (i, event) in events.iter().enumerate() {
        assert_eq!(event["EventId"], i + 1, "{event}");
    }
    assert_eq!(events[0]["EventType"], "ExecutionStarted");
    assert_eq!(
        events[0]["ExecutionStartedDetails"]["Input"]["Payload"],
        r#"{"key":"k1"}"#
    );
    let failed = events_of(&events, "StepFailed");
    assert_eq!(failed.len(), 2, "{events:#?}");
    for (attempt, event) in failed.iter().enumerate() {
        assert_eq!(event["Name"], "flaky");
        assert_eq!(event["SubType"], "Step");
        let details = &event["StepFailedDetails"];
        assert_eq!(details["RetryDetails"]["CurrentAttempt"], attempt + 1);
        assert_eq!(details["RetryDetails"]["NextAttemptDelaySeconds"], 3600);
        assert_eq!(
            details["Error"]["Payload"]["ErrorMessage"],
            format!("attempt {} failed", attempt + 1)
        );
    }
    let succeeded = events_of(&events, "StepSucceeded");
    assert_eq!(
        succeeded[0]["StepSucceededDetails"]["RetryDetails"]["CurrentAttempt"],
        3
    );
    assert_eq!(events_of(&events, "InvocationCompleted").len(), 3);
    assert_eq!(events.last().unwrap()["EventType"], "ExecutionSucceeded");

    // A wait of an hour, passed at once; its events say how long it was.
    let waited = invoke(addr, "waiting", json!({"seconds": 3600}), &[]);
    assert_eq!(json_of(&waited), json!({"steps": ["before", "after"]}));
    let events = history(addr, &arn_of(&waited));
    let started = events_of(&events, "WaitStarted");
    assert_eq!(started[0]["WaitStartedDetails"]["Duration"], 3600);
    assert_eq!(started[0]["Name"], "pause");
    let done = events_of(&events, "WaitSucceeded");
    assert_eq!(done[0]["WaitSucceededDetails"]["Duration"], 3600);

    // A failure: the Invoke API reports it as the function's error.
    let failure = invoke(addr, "failing", json!({"message": "out of stock"}), &[]);
    assert_eq!(failure.status, 200);
    assert_eq!(failure.header("X-Amz-Function-Error"), Some("Unhandled"));
    let reply = json_of(&failure);
    assert!(
        reply["errorMessage"]
            .as_str()
            .unwrap()
            .contains("out of stock"),
        "{reply}"
    );
    let described = execution(addr, &arn_of(&failure));
    assert_eq!(described["Status"], "FAILED");
    assert!(described["EndTimestamp"].is_number());
    let events = history(addr, &arn_of(&failure));
    assert_eq!(events_of(&events, "StepFailed").len(), 1);
    assert_eq!(events.last().unwrap()["EventType"], "ExecutionFailed");

    // A child context, and the step inside it.
    let child = invoke(addr, "nested", json!({"n": 21}), &[]);
    assert_eq!(json_of(&child), json!({"doubled": 42}));
    let events = history(addr, &arn_of(&child));
    let context = events_of(&events, "ContextStarted")[0];
    assert_eq!(context["SubType"], "RunInChildContext");
    assert_eq!(context["Name"], "child");
    let step = events_of(&events, "StepSucceeded")[0];
    assert_eq!(step["ParentId"], context["Id"]);
    assert_eq!(
        events_of(&events, "ContextSucceeded")[0]["ContextSucceededDetails"]["Result"]["Payload"],
        "42"
    );

    // More operations than the durable event carries: the rest are read by page.
    let many = invoke(addr, "many", json!({"steps": 110}), &[]);
    assert_eq!(json_of(&many), json!({"total": 6995}), "{}", many.text());

    // Chained invokes: an ordinary function, a durable one (an execution of its own), a
    // function that fails, one that is not served.
    let chained = invoke(addr, "invoker", json!({"target": "plain", "n": 4}), &[]);
    assert_eq!(json_of(&chained), json!({"reply": {"doubled": 8}}));
    let events = history(addr, &arn_of(&chained));
    let started = events_of(&events, "ChainedInvokeStarted")[0];
    assert_eq!(
        started["ChainedInvokeStartedDetails"]["FunctionName"],
        "plain"
    );
    assert_eq!(
        started["ChainedInvokeStartedDetails"]["Input"]["Payload"],
        r#"{"n": 4}"#
    );
    assert_eq!(events_of(&events, "ChainedInvokeSucceeded").len(), 1);
    let durable = invoke(addr, "invoker", json!({"target": "nested", "n": 5}), &[]);
    assert_eq!(json_of(&durable), json!({"reply": {"doubled": 10}}));
    let events = history(addr, &arn_of(&durable));
    let child_arn = events_of(&events, "ChainedInvokeStarted")[0]
        ["ChainedInvokeStartedDetails"]["DurableExecutionArn"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(execution(addr, &child_arn)["Status"], "SUCCEEDED");
    assert_eq!(execution(addr, &child_arn)["InputPayload"], r#"{"n": 5}"#);
    let refused = invoke(addr, "invoker", json!({"target": "plain", "n": 0}), &[]);
    assert_eq!(refused.header("X-Amz-Function-Error"), Some("Unhandled"));
    let events = history(addr, &arn_of(&refused));
    let failed = events_of(&events, "ChainedInvokeFailed")[0];
    assert_eq!(
        failed["ChainedInvokeFailedDetails"]["Error"]["Payload"]["ErrorType"],
        "ValueError"
    );
    let nobody = invoke(addr, "invoker", json!({"target": "nobody", "n": 1}), &[]);
    assert_eq!(nobody.header("X-Amz-Function-Error"), Some("Unhandled"));
    let events = history(addr, &arn_of(&nobody));
    let failed = events_of(&events, "ChainedInvokeFailed")[0];
    assert_eq!(
        failed["ChainedInvokeFailedDetails"]["Error"]["Payload"]["ErrorType"],
        "ResourceNotFoundException"
    );

    // An execution name is started once: the same input gets the same execution back, another
    // input Lambda's 409.
    let name = [("X-Amz-Durable-Execution-Name", "order-17")];
    let first = invoke(addr, "waiting", json!({"seconds": 5}), &name);
    let again = invoke(addr, "waiting", json!({"seconds": 5}), &name);
    assert_eq!(arn_of(&first), arn_of(&again));
    assert!(arn_of(&first).contains("/durable-execution/order-17/"));
    assert_eq!(json_of(&again), json!({"steps": ["before", "after"]}));
    let other = invoke(addr, "waiting", json!({"seconds": 6}), &name);
    assert_eq!(other.status, 409, "{}", other.text());
    assert_eq!(
        error_type(&other),
        "DurableExecutionAlreadyStartedException"
    );
    let bad_name = invoke(
        addr,
        "waiting",
        json!({"seconds": 5}),
        &[("X-Amz-Durable-Execution-Name", "not a name")],
    );
    assert_eq!(bad_name.status, 400);
    assert_eq!(error_type(&bad_name), "InvalidParameterValueException");

    // `Event`: 202 at once; the callback is answered by the test, as another system would.
    let queued = invoke(
        addr,
        "approval",
        json!({"order": 7}),
        &[("X-Amz-Invocation-Type", "Event")],
    );
    assert_eq!(queued.status, 202);
    assert!(queued.body.is_empty());
    let arn = arn_of(&queued);
    let callback_id = callback_of(addr, &arn);
    let events = history(addr, &arn);
    let started = events_of(&events, "CallbackStarted")[0];
    assert_eq!(started["CallbackStartedDetails"]["Timeout"], 600);
    assert_eq!(execution(addr, &arn)["Status"], "RUNNING");
    let callbacks = format!(
        "/2025-12-01/durable-execution-callbacks/{}",
        label(&callback_id)
    );
    let beat = request(addr, "POST", &format!("{callbacks}/heartbeat"), &[], b"");
    assert_eq!(beat.status, 200, "{}", beat.text());
    let answered = request(
        addr,
        "POST",
        &format!("{callbacks}/succeed"),
        &[],
        br#""approved""#,
    );
    assert_eq!(answered.status, 200, "{}", answered.text());
    let done = ended(addr, &arn);
    assert_eq!(done["Status"], "SUCCEEDED", "{done}");
    let result: Value = serde_json::from_str(done["Result"].as_str().unwrap()).unwrap();
    assert_eq!(result["order"], 7);
    assert_eq!(result["answer"], r#""approved""#);
    let events = history(addr, &arn);
    assert_eq!(
        events_of(&events, "CallbackSucceeded")[0]["CallbackSucceededDetails"]["Result"]["Payload"],
        r#""approved""#
    );
    let twice = request(addr, "POST", &format!("{callbacks}/succeed"), &[], b"1");
    assert_eq!(twice.status, 400, "{}", twice.text());
    assert_eq!(error_type(&twice), "InvalidParameterValueException");

    // SendDurableExecutionCallbackFailure: the function sees the error, and fails here.
    let refused = invoke(
        addr,
        "approval",
        json!({"order": 9}),
        &[("X-Amz-Invocation-Type", "Event")],
    );
    let arn = arn_of(&refused);
    let callback_id = callback_of(addr, &arn);
    let failed = request(
        addr,
        "POST",
        &format!(
            "/2025-12-01/durable-execution-callbacks/{}/fail",
            label(&callback_id)
        ),
        &[],
        br#"{"ErrorType":"Rejected","ErrorMessage":"over budget"}"#,
    );
    assert_eq!(failed.status, 200, "{}", failed.text());
    let done = ended(addr, &arn);
    assert_eq!(done["Status"], "FAILED", "{done}");
    let events = history(addr, &arn);
    let failure = &events_of(&events, "CallbackFailed")[0]["CallbackFailedDetails"]["Error"];
    assert_eq!(failure["Payload"]["ErrorMessage"], "over budget");

    // ListDurableExecutionsByFunction: by function, name and status.
    let list = request(
        addr,
        "GET",
        "/2025-12-01/functions/waiting/durable-executions",
        &[],
        b"",
    );
    let listed = json_of(&list)["DurableExecutions"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(listed.len(), 2, "{listed:#?}");
    assert_eq!(listed[0]["Status"], "SUCCEEDED");
    assert_eq!(
        listed[0]["FunctionArn"],
        "arn:aws:lambda:us-east-1:012345678912:function:waiting:$LATEST"
    );
    let by_name = request(
        addr,
        "GET",
        "/2025-12-01/functions/waiting/durable-executions?DurableExecutionName=order-17&Statuses=SUCCEEDED&MaxItems=5",
        &[],
        b"",
    );
    let by_name = json_of(&by_name)["DurableExecutions"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(by_name.len(), 1);
    assert_eq!(by_name[0]["DurableExecutionName"], "order-17");
    let paged = request(
        addr,
        "GET",
        "/2025-12-01/functions/waiting/durable-executions?MaxItems=1",
        &[],
        b"",
    );
    assert_eq!(json_of(&paged)["NextMarker"], "1");
    let running = request(
        addr,
        "GET",
        "/2025-12-01/functions/waiting/durable-executions?Statuses=RUNNING",
        &[],
        b"",
    );
    assert_eq!(json_of(&running)["DurableExecutions"], json!([]));
    let unknown = request(
        addr,
        "GET",
        "/2025-12-01/functions/nobody/durable-executions",
        &[],
        b"",
    );
    assert_eq!(unknown.status, 404);
    assert_eq!(error_type(&unknown), "ResourceNotFoundException");
}

#[test]
fn waits_take_their_time_callbacks_time_out_and_executions_stop() {
    let Some(python) = venv_python() else { return };
    let server = serve(
        &python,
        &[("waiting", "waiting", true), ("approval", "approval", true)],
        &["--execution-timeout", "3600"],
    );
    let addr = server.addr;

    // Without --skip-time a wait lasts as long as it says.
    let waited = invoke(addr, "waiting", json!({"seconds": 1}), &[]);
    assert_eq!(json_of(&waited), json!({"steps": ["before", "after"]}));
    let events = history(addr, &arn_of(&waited));
    let at = |kind: &str| {
        events_of(&events, kind)[0]["EventTimestamp"]
            .as_f64()
            .unwrap()
    };
    assert!(
        at("WaitSucceeded") - at("WaitStarted") >= 1.0,
        "{events:#?}"
    );
    let described = execution(addr, &arn_of(&waited));
    assert_eq!(described["DurableConfig"]["ExecutionTimeout"], 3600);
    assert_eq!(described["DurableConfig"]["RetentionPeriodInDays"], 14);

    // StopDurableExecution ends a suspended execution, with the error it is given.
    let long = invoke(
        addr,
        "waiting",
        json!({"seconds": 3600}),
        &[("X-Amz-Invocation-Type", "Event")],
    );
    let arn = arn_of(&long);
    eventually("the wait to start", || {
        let events = history(addr, &arn);
        (!events_of(&events, "WaitStarted").is_empty()).then_some(())
    });
    let stop_path = format!("/2025-12-01/durable-executions/{}/stop", label(&arn));
    let stopped = request(
        addr,
        "POST",
        &stop_path,
        &[],
        br#"{"ErrorType":"Cancelled","ErrorMessage":"no longer needed"}"#,
    );
    assert_eq!(stopped.status, 200, "{}", stopped.text());
    let when = json_of(&stopped)["StopTimestamp"].as_f64().unwrap();
    let described = execution(addr, &arn);
    assert_eq!(described["Status"], "STOPPED");
    assert_eq!(described["Error"]["ErrorMessage"], "no longer needed");
    let events = history(addr, &arn);
    let last = events.last().unwrap();
    assert_eq!(last["EventType"], "ExecutionStopped");
    assert_eq!(
        last["ExecutionStoppedDetails"]["Error"]["Payload"]["ErrorType"],
        "Cancelled"
    );
    let again = request(addr, "POST", &stop_path, &[], b"");
    assert_eq!(json_of(&again)["StopTimestamp"].as_f64(), Some(when));

    // A callback nobody answers times out, and so does the execution waiting for it.
    let queued = invoke(
        addr,
        "approval",
        json!({"order": 8, "timeout": 1}),
        &[("X-Amz-Invocation-Type", "Event")],
    );
    let arn = arn_of(&queued);
    let done = ended(addr, &arn);
    assert_eq!(done["Status"], "FAILED", "{done}");
    let events = history(addr, &arn);
    let timed_out = events_of(&events, "CallbackTimedOut")[0];
    assert_eq!(
        timed_out["CallbackTimedOutDetails"]["Error"]["Payload"]["ErrorType"],
        "Callback.Timeout"
    );
    let callback_id =
        events_of(&events, "CallbackStarted")[0]["CallbackStartedDetails"]["CallbackId"]
            .as_str()
            .unwrap()
            .to_owned();
    let late = request(
        addr,
        "POST",
        &format!(
            "/2025-12-01/durable-execution-callbacks/{}/succeed",
            label(&callback_id)
        ),
        &[],
        b"1",
    );
    assert_eq!(late.status, 400, "{}", late.text());
    assert_eq!(error_type(&late), "CallbackTimeoutException");

    // …and one whose heartbeats stop coming.
    let silent = invoke(
        addr,
        "approval",
        json!({"order": 10, "heartbeat": 1}),
        &[("X-Amz-Invocation-Type", "Event")],
    );
    let silent = arn_of(&silent);
    assert_eq!(ended(addr, &silent)["Status"], "FAILED");
    let events = history(addr, &silent);
    let started = &events_of(&events, "CallbackStarted")[0]["CallbackStartedDetails"];
    assert_eq!(started["HeartbeatTimeout"], 1);
    let timed_out = events_of(&events, "CallbackTimedOut")[0];
    assert_eq!(
        timed_out["CallbackTimedOutDetails"]["Error"]["Payload"]["ErrorType"],
        "Callback.Heartbeat"
    );

    // Bad input gets Lambda's errors.
    let checkpoint = format!("/2025-12-01/durable-executions/{}/checkpoint", label(&arn));
    let stale = request(
        addr,
        "POST",
        &checkpoint,
        &[],
        br#"{"CheckpointToken":"dG9rZW4=","Updates":[]}"#,
    );
    assert_eq!(stale.status, 400);
    assert_eq!(error_type(&stale), "InvalidParameterValueException");
    assert!(
        stale.text().contains("Invalid checkpoint token"),
        "{}",
        stale.text()
    );
    let garbage = request(addr, "POST", &checkpoint, &[], b"not json");
    assert_eq!(garbage.status, 400);
    let state = request(
        addr,
        "GET",
        &format!("/2025-12-01/durable-executions/{}/state", label(&arn)),
        &[],
        b"",
    );
    assert_eq!(state.status, 400);
    let not_an_arn = request(addr, "GET", "/2025-12-01/durable-executions/nope", &[], b"");
    assert_eq!(not_an_arn.status, 400);
    assert_eq!(error_type(&not_an_arn), "InvalidParameterValueException");
    let gone = format!("{}0", &arn[..arn.len() - 1]);
    let unknown = request(
        addr,
        "GET",
        &format!("/2025-12-01/durable-executions/{}", label(&gone)),
        &[],
        b"",
    );
    assert_eq!(unknown.status, 404);
    assert_eq!(error_type(&unknown), "ResourceNotFoundException");
    let bad_callback = request(
        addr,
        "POST",
        "/2025-12-01/durable-execution-callbacks/not%20base64/succeed",
        &[],
        b"1",
    );
    assert_eq!(bad_callback.status, 400);
    let no_callback = request(
        addr,
        "POST",
        "/2025-12-01/durable-execution-callbacks/YWJjZA==/fail",
        &[],
        b"",
    );
    assert_eq!(no_callback.status, 404);
    assert_eq!(error_type(&no_callback), "ResourceNotFoundException");
}
