//! `ruchy-lambda-local serve --durable --skip-time`: durable functions written with AWS's
//! durable execution SDK for Python (3.0.0), unchanged, on AWS's runtime interface client
//! (tests/durable/), driven by the local backend through the durable execution API that
//! `AWS_ENDPOINT_URL_LAMBDA` points them at; the test calls that API over HTTP as boto3 does:
//! retries, waits, failures, child contexts, paging, chained invokes, execution names,
//! callbacks answered, listings.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/durable.rs"]
mod durable;

use durable::*;
use serde_json::{Value, json};

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
            ("crashing", "crashing", true),
            ("fanout", "fanout", true),
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
    // The last attempt has no next one.
    let succeeded = events_of(&events, "StepSucceeded");
    assert_eq!(
        succeeded[0]["StepSucceededDetails"]["RetryDetails"],
        json!({"CurrentAttempt": 3})
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

    // A map: a context per item in the map's context, each suspended by its own wait.
    let mapped = invoke(addr, "fanout", json!({"items": [2, 3, 4]}), &[]);
    assert_eq!(
        json_of(&mapped),
        json!({"squares": [4, 9, 16]}),
        "{}",
        mapped.text()
    );
    let events = history(addr, &arn_of(&mapped));
    let contexts = events_of(&events, "ContextStarted");
    assert_eq!(contexts[0]["SubType"], "Map");
    assert_eq!(contexts[0]["Name"], "squares");
    let iterations: Vec<_> = contexts
        .iter()
        .filter(|c| c["SubType"] == "MapIteration")
        .collect();
    assert_eq!(iterations.len(), 3, "{events:#?}");
    for iteration in &iterations {
        assert_eq!(iteration["ParentId"], contexts[0]["Id"]);
    }
    assert_eq!(events_of(&events, "WaitSucceeded").len(), 3);
    assert_eq!(events_of(&events, "ContextSucceeded").len(), 4);

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

    // An invocation that fails outside the SDK is tried again (after 5 s, at once with
    // --skip-time), up to 5 times in a row.
    let recovered = invoke(addr, "crashing", json!({"crashes": 2}), &[]);
    assert_eq!(
        json_of(&recovered),
        json!({"ok": 1}),
        "{}",
        recovered.text()
    );
    let events = history(addr, &arn_of(&recovered));
    let invocations = events_of(&events, "InvocationCompleted");
    assert_eq!(invocations.len(), 3, "{events:#?}");
    for (i, invocation) in invocations.iter().enumerate() {
        let error = &invocation["InvocationCompletedDetails"]["Error"];
        if i < 2 {
            assert_eq!(error["Payload"]["ErrorMessage"], format!("crash {}", i + 1));
        } else {
            assert!(error.is_null(), "{invocation}");
        }
    }
    let broken = invoke(addr, "crashing", json!({"crashes": 9}), &[]);
    assert_eq!(broken.header("X-Amz-Function-Error"), Some("Unhandled"));
    assert_eq!(json_of(&broken)["errorMessage"], "crash 5");
    let events = history(addr, &arn_of(&broken));
    assert_eq!(events_of(&events, "InvocationCompleted").len(), 5);
    assert_eq!(events.last().unwrap()["EventType"], "ExecutionFailed");

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

    // The same API through boto3, as AWS's Python SDK and tools call it.
    let client = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/durable/client.py");
    let mut boto3 = std::process::Command::new(&python);
    boto3.args([client, &format!("http://{addr}")]);
    let run = cli::run_with(boto3, b"", DEADLINE);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    let boto: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        boto["invoke"],
        json!({"status": 200, "payload": {"steps": ["before", "after"]}})
    );
    assert_eq!(
        boto["described"],
        json!({"status": "SUCCEEDED", "name": "boto-1", "input": "{\"seconds\": 60}",
               "ended_after_start": true, "timeout": 86400})
    );
    assert_eq!(boto["history"][0], "ExecutionStarted");
    assert_eq!(
        boto["history"].as_array().unwrap().last().unwrap(),
        "ExecutionSucceeded"
    );
    let events = boto["history"].as_array().unwrap().len();
    assert_eq!(
        boto["last_two"],
        json!([
            [events, "ExecutionSucceeded"],
            [events - 1, "InvocationCompleted"]
        ])
    );
    assert_eq!(boto["next_marker"], "2");
    // The three executions of `waiting`: the first test's (no name), order-17, boto-1.
    let listed = boto["listed"].as_array().unwrap();
    assert_eq!(listed.len(), 3, "{listed:?}");
    assert!(listed.contains(&json!("boto-1")) && listed.contains(&json!("order-17")));
    assert_eq!(boto["listed_later"], json!([]));
    assert_eq!(
        boto["callback"],
        json!({"status": "SUCCEEDED", "result": {"order": 11, "answer": "\"from boto3\""}})
    );
    assert_eq!(boto["stop_ended"], true);
    assert_eq!(
        boto["errors"],
        json!({
            "bad_arn": "InvalidParameterValueException",
            "stale_token": "InvalidParameterValueException",
            "state_token": "InvalidParameterValueException",
            "no_callback": "ResourceNotFoundException",
            "again": "InvalidParameterValueException",
            "other_input": "DurableExecutionAlreadyStartedException",
            "no_function": "ResourceNotFoundException",
        })
    );
}
