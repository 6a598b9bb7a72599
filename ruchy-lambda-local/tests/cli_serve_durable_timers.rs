//! `ruchy-lambda-local serve --durable` without `--skip-time`: waits that take their time,
//! executions stopped, callbacks that time out, and the API's errors for bad input.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/durable.rs"]
mod durable;

use durable::*;
use serde_json::json;

#[test]
fn waits_take_their_time_callbacks_time_out_and_executions_stop() {
    let Some(python) = venv_python() else { return };
    let server = serve(
        &python,
        &[
            ("waiting", "waiting", true),
            ("approval", "approval", true),
            ("short", "waiting", true),
        ],
        &[
            "--execution-timeout",
            "3600",
            "--execution-timeout",
            "short:2",
        ],
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

    // An execution that outlives its ExecutionTimeout times out.
    let short = invoke(addr, "short", json!({"seconds": 3600}), &[]);
    assert_eq!(short.status, 200);
    assert_eq!(short.header("X-Amz-Function-Error"), Some("Unhandled"));
    assert_eq!(json_of(&short)["errorType"], "Execution.Timeout");
    let described = execution(addr, &arn_of(&short));
    assert_eq!(described["Status"], "TIMED_OUT");
    assert_eq!(described["DurableConfig"]["ExecutionTimeout"], 2);
    let events = history(addr, &arn_of(&short));
    let last = events.last().unwrap();
    assert_eq!(last["EventType"], "ExecutionTimedOut");
    assert_eq!(
        last["ExecutionTimedOutDetails"]["Error"]["Payload"]["ErrorMessage"],
        "Execution timed out after 2 seconds."
    );

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
    let gone = format!("{}/not-an-execution", &arn[..arn.rfind('/').unwrap()]);
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
