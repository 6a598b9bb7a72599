//! The runtime when the world misbehaves: a real bootstrap against the local Lambda's Runtime API
//! server with scripted faults (`ruchy_lambda_local::faults`), and example bootstraps fed bad
//! input. Every event must get exactly one answer, or the runtime must exit non-zero with a clear
//! message; retries must be bounded and spaced by the backoff, never a busy loop.
//!
//! The retry policy these tests rely on is runtime-core's default: 8 attempts at `/next`, 3 at a
//! post, delays 10 ms doubling up to 1 s (10 + 20 + … + 640 = 1270 ms before the 8th attempt).

mod support;

use std::time::{Duration, Instant};

use ruchy_lambda_local::faults::{Endpoint, Fault, FaultPlan, When};
use ruchy_lambda_local::{
    Event, Function, FunctionConfig, InvocationRecord, Outcome, Output, RequestLogEntry,
    RuntimeApiServer, ServerConfig,
};
use serde_json::{Value, json};
use support::{CORE_BOOTSTRAP, Running};

/// Long enough for any retry sequence here; a wait that hits it is a failure, not a hang.
const LIMIT: Duration = Duration::from_secs(20);
/// The backoff before the second attempt.
const FIRST_DELAY: Duration = Duration::from_millis(10);
/// All backoff delays before the 8th and last attempt at `/next`.
const NEXT_BACKOFF_SUM: Duration = Duration::from_millis(1270);

fn server_with(plan: &FaultPlan) -> RuntimeApiServer {
    RuntimeApiServer::start(ServerConfig {
        faults: Some(plan.clone()),
        timeout: Duration::from_secs(60),
        ..ServerConfig::default()
    })
    .expect("start the Runtime API server")
}

/// A server with `plan` and the core bootstrap running against it.
fn core_runtime(plan: &FaultPlan) -> (RuntimeApiServer, Running) {
    let server = server_with(plan);
    let runtime = support::spawn(CORE_BOOTSTRAP, &server.runtime_api(), &[]);
    (server, runtime)
}

fn echo_event(n: usize) -> String {
    format!(r#"{{"op":"echo","n":{n}}}"#)
}

/// Queues `event` and waits for its outcome; a runtime that never answers fails the test.
fn invoke(server: &RuntimeApiServer, event: impl Into<Event>) -> InvocationRecord {
    server
        .invoke(event, LIMIT)
        .unwrap_or_else(|e| panic!("{e}; request log: {:#?}", server.request_log()))
}

fn is_next(e: &RequestLogEntry) -> bool {
    e.target.ends_with("/invocation/next")
}

/// The posts the server received for invocation `id` at `endpoint` (`response` or `error`).
fn posts(server: &RuntimeApiServer, id: &str, endpoint: &str) -> Vec<RequestLogEntry> {
    let suffix = format!("/invocation/{id}/{endpoint}");
    server
        .request_log()
        .into_iter()
        .filter(|e| e.target.ends_with(&suffix))
        .collect()
}

/// The invocation was answered once, with its own event echoed back.
fn assert_echoed(record: &InvocationRecord) {
    assert_eq!(
        record.outcome,
        Outcome::Response(record.event.body.clone()),
        "{record:?}"
    );
    assert_eq!(record.answers, 1, "{record:?}");
}

/// Waits until the server's request log satisfies `check`.
fn wait_log(server: &RuntimeApiServer, check: impl Fn(&[RequestLogEntry]) -> bool) -> bool {
    support::wait_until(LIMIT, || check(&server.request_log()).then_some(())).is_some()
}

// ---- connections dropped -----------------------------------------------------------------

#[test]
fn a_next_closed_before_the_reply_is_retried_after_a_backoff() {
    let plan = FaultPlan::new().on(Endpoint::Next, When::First(1), Fault::Close);
    // Timed from the spawn: the first /next may fail before this thread runs again.
    let started = Instant::now();
    let (server, runtime) = core_runtime(&plan);
    let record = invoke(&server, echo_event(1));
    assert_echoed(&record);
    assert!(started.elapsed() >= FIRST_DELAY);
    let log = server.request_log();
    assert_eq!(log.iter().filter(|e| is_next(e)).count(), 2, "{log:#?}");
    assert_eq!(log[0].status, None, "the first /next was cut");
    let stderr = runtime.kill();
    assert!(
        stderr.contains("connection closed before a complete response (0 bytes received)")
            && stderr.contains("attempt 1 of 8"),
        "{stderr}"
    );
}

#[test]
fn a_next_closed_on_a_kept_alive_connection_is_resent_at_once() {
    // The second /next arrives on the connection kept alive from the first invocation.
    let plan = FaultPlan::new().on(Endpoint::Next, When::Nth(2), Fault::Close);
    let (server, runtime) = core_runtime(&plan);
    assert_echoed(&invoke(&server, echo_event(1)));
    assert_echoed(&invoke(&server, echo_event(2)));
    assert_eq!(plan.fired().len(), 1);
    assert_eq!(server.connections_accepted(), 2);
    let stderr = runtime.kill();
    assert!(
        !stderr.contains("retrying"),
        "a stale keep-alive connection is reopened silently: {stderr}"
    );
}

#[test]
fn an_event_cut_off_mid_body_is_never_run_and_arrives_again() {
    let plan = FaultPlan::new().on(Endpoint::Next, When::Nth(1), Fault::TruncateBody);
    let (server, runtime) = core_runtime(&plan);
    let event = format!(r#"{{"op":"echo","pad":"{}"}}"#, "p".repeat(4000));
    let record = invoke(&server, event.as_str());
    // Echoed whole: the runtime never ran the half it had received.
    assert_echoed(&record);
    assert_eq!(posts(&server, &record.request_id, "response").len(), 1);
    assert_eq!(posts(&server, &record.request_id, "error").len(), 0);
    let stderr = runtime.kill();
    assert!(
        stderr.contains("connection closed before a complete response"),
        "{stderr}"
    );
}

#[test]
fn a_response_lost_before_the_server_read_it_is_posted_again() {
    let plan = FaultPlan::new().on(Endpoint::Response, When::Nth(1), Fault::Close);
    let (server, runtime) = core_runtime(&plan);
    let record = invoke(&server, echo_event(1));
    assert_echoed(&record);
    let statuses: Vec<_> = posts(&server, &record.request_id, "response")
        .iter()
        .map(|e| e.status)
        .collect();
    assert_eq!(statuses, [None, Some(202)]);
    assert_eq!(record.rejected, 0);
    assert_echoed(&invoke(&server, echo_event(2)));
    runtime.kill();
}

#[test]
fn a_response_recorded_but_not_acknowledged_is_not_answered_twice() {
    let plan = FaultPlan::new().on(Endpoint::Response, When::Nth(1), Fault::DropReply);
    let (server, runtime) = core_runtime(&plan);
    let record = invoke(&server, echo_event(1));
    // The resent response is refused as a second answer: still exactly one.
    assert!(wait_log(&server, |log| log
        .iter()
        .any(|e| e.status == Some(400))));
    let record = server.record(&record.request_id).unwrap();
    assert_echoed(&record);
    assert_eq!(record.rejected, 1, "{record:?}");
    assert_echoed(&invoke(&server, echo_event(2)));
    let stderr = runtime.kill();
    assert!(stderr.contains("rejected with status 400"), "{stderr}");
}

#[test]
fn a_response_endpoint_that_keeps_failing_is_given_up_without_a_busy_loop() {
    let plan = FaultPlan::new().on(Endpoint::Response, When::Always, Fault::Close);
    let (server, runtime) = core_runtime(&plan);
    let id = server.enqueue(echo_event(1));
    let started = Instant::now();
    // The runtime gives up on the post and asks for the next event.
    wait_until_handled(&server, &id);
    let elapsed = started.elapsed();
    let attempts = posts(&server, &id, "response");
    // 3 attempts; the first, on the kept-alive connection, is resent once on a fresh one.
    assert_eq!(attempts.len(), 4, "{attempts:#?}");
    assert!(attempts.iter().all(|e| e.status.is_none()));
    assert!(
        elapsed >= Duration::from_millis(10 + 20),
        "backoff between posts: {elapsed:?}"
    );
    // The server recovers: the runtime is still there and answers the next event.
    plan.clear();
    assert_echoed(&invoke(&server, echo_event(2)));
    assert_eq!(server.record(&id).unwrap().outcome, Outcome::Abandoned);
    let stderr = runtime.kill();
    assert!(
        stderr.contains(&format!(
            "the response for invocation {id} could not be posted"
        )),
        "{stderr}"
    );
}

#[test]
fn a_server_that_closes_idle_connections_costs_nothing() {
    let plan = FaultPlan::new().on(Endpoint::Response, When::Always, Fault::CloseAfterReply);
    let (server, runtime) = core_runtime(&plan);
    for n in 0..20 {
        assert_echoed(&invoke(&server, echo_event(n)));
    }
    assert!(server.wait_for_long_poll(LIMIT));
    assert_eq!(server.connections_accepted(), 21, "one per invocation");
    let nexts = server.request_log().iter().filter(|e| is_next(e)).count();
    assert_eq!(nexts, 20, "no /next was lost or repeated");
    let stderr = runtime.kill();
    assert!(!stderr.contains("retrying"), "{stderr}");
}

#[test]
fn a_server_that_closes_right_after_handing_out_an_event_gets_the_answer_anyway() {
    // The event arrives whole, then the connection is gone: the response goes on a new one.
    let plan = FaultPlan::new().on(Endpoint::Next, When::Always, Fault::CloseAfterReply);
    let (server, runtime) = core_runtime(&plan);
    for n in 0..10 {
        assert_echoed(&invoke(&server, echo_event(n)));
    }
    let responses = server
        .request_log()
        .iter()
        .filter(|e| e.target.ends_with("/response"))
        .count();
    assert_eq!(responses, 10, "one post per invocation");
    let stderr = runtime.kill();
    assert!(!stderr.contains("retrying"), "{stderr}");
}

#[test]
fn an_interim_100_continue_is_not_taken_for_the_answer() {
    // HTTP/1.1 lets a server send 1xx responses before the final one; a client must skip them.
    let interim = Fault::Prefix(b"HTTP/1.1 100 Continue\r\n\r\n".to_vec());
    let plan = FaultPlan::new().on(Endpoint::Response, When::Nth(1), interim);
    let (server, runtime) = core_runtime(&plan);
    let outcomes: Vec<_> = (1..=3)
        .map(|n| {
            server
                .invoke(echo_event(n), LIMIT)
                .map(|r| (r.outcome, r.answers))
        })
        .collect();
    let stderr = runtime.kill();
    for (n, outcome) in (1..=3).zip(outcomes) {
        let event = echo_event(n).into_bytes();
        assert_eq!(
            outcome,
            Ok((Outcome::Response(event), 1)),
            "invocation {n}; runtime stderr:\n{stderr}"
        );
    }
    assert!(!stderr.contains("status 100"), "{stderr}");
}

// ---- error statuses ------------------------------------------------------------------------

#[test]
fn transient_503s_on_next_are_retried_with_backoff() {
    let plan = FaultPlan::new().on(Endpoint::Next, When::First(3), Fault::Status(503));
    // Timed from the spawn: the first /next may fail before this thread runs again.
    let started = Instant::now();
    let (server, runtime) = core_runtime(&plan);
    assert_echoed(&invoke(&server, echo_event(1)));
    assert!(started.elapsed() >= Duration::from_millis(10 + 20 + 40));
    let statuses: Vec<_> = server
        .request_log()
        .iter()
        .filter(|e| is_next(e))
        .map(|e| e.status)
        .collect();
    assert_eq!(statuses, [Some(503), Some(503), Some(503), Some(200)]);
    // The error statuses came on a kept-alive connection.
    assert_eq!(server.connections_accepted(), 1);
    let stderr = runtime.kill();
    assert!(
        stderr.contains("Runtime API answered /next with status 503")
            && stderr.contains("attempt 3 of 8"),
        "{stderr}"
    );
}

#[test]
fn persistent_500s_on_next_end_in_a_clear_exit() {
    let plan = FaultPlan::new().on(Endpoint::Next, When::Always, Fault::Status(500));
    let started = Instant::now();
    let (server, runtime) = core_runtime(&plan);
    server.enqueue(echo_event(1));
    let (code, stderr) = runtime.wait(LIMIT);
    let elapsed = started.elapsed();
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("status 500") && stderr.contains("giving up"),
        "{stderr}"
    );
    let nexts = server.request_log().iter().filter(|e| is_next(e)).count();
    assert_eq!(nexts, 8, "bounded attempts");
    assert!(elapsed >= NEXT_BACKOFF_SUM, "{elapsed:?}");
    assert_eq!(
        server.queued(),
        1,
        "the event is still there for a new runtime"
    );
}

#[test]
fn status_413_on_a_response_becomes_an_error_report() {
    let plan = FaultPlan::new().on(Endpoint::Response, When::Nth(1), Fault::Status(413));
    let (server, runtime) = core_runtime(&plan);
    let record = invoke(&server, echo_event(1));
    let Outcome::Error(error) = &record.outcome else {
        panic!("expected an error report, got {record:?}")
    };
    assert_eq!(
        error.error_type.as_deref(),
        Some("Function.ResponseSizeTooLarge")
    );
    assert_eq!(record.answers, 1);
    assert_eq!(posts(&server, &record.request_id, "response").len(), 1);
    assert_echoed(&invoke(&server, echo_event(2)));
    runtime.kill();
}

#[test]
fn status_400_410_and_500_on_a_response_are_logged_and_the_loop_goes_on() {
    for status in [400, 410, 500] {
        let plan = FaultPlan::new().on(Endpoint::Response, When::Nth(1), Fault::Status(status));
        let (server, runtime) = core_runtime(&plan);
        let id = server.enqueue(echo_event(1));
        wait_until_handled(&server, &id);
        // An HTTP answer is final: no retry, no error report.
        let answered: Vec<_> = posts(&server, &id, "response")
            .iter()
            .map(|e| e.status)
            .collect();
        assert_eq!(answered, [Some(status)]);
        assert!(posts(&server, &id, "error").is_empty());
        assert_echoed(&invoke(&server, echo_event(2)));
        let stderr = runtime.kill();
        assert!(
            stderr.contains(&format!(
                "the response for invocation {id} was rejected with status {status}"
            )),
            "{stderr}"
        );
    }
}

// ---- a slow or absent server ---------------------------------------------------------------

#[test]
fn a_next_reply_trickled_byte_by_byte_is_read_whole() {
    let trickle = Fault::Trickle {
        chunk: 1,
        pause: Duration::from_millis(1),
    };
    let plan = FaultPlan::new().on(Endpoint::Next, When::Nth(1), trickle);
    let (server, runtime) = core_runtime(&plan);
    let started = Instant::now();
    let record = invoke(&server, echo_event(1));
    assert_echoed(&record);
    // Some 350 bytes, 1 ms apart.
    assert!(started.elapsed() >= Duration::from_millis(300));
    let stderr = runtime.kill();
    assert!(stderr.is_empty(), "{stderr}");
}

/// Waits until `id` has been handed out and the runtime is back in `/next` asking for more
/// (a `/next` that was already waiting before `id` was queued does not count).
fn wait_until_handled(server: &RuntimeApiServer, id: &str) {
    let deadline = Instant::now() + LIMIT;
    while server.record(id).is_none_or(|r| r.handed_out_at.is_none()) {
        assert!(Instant::now() < deadline, "{id} was never handed out");
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(
        server.wait_for_long_poll(LIMIT),
        "the runtime did not ask for more"
    );
}

/// The runtime waits `wait` in `/next` for an event, and gets it on the same connection.
fn long_poll(wait: Duration) {
    let (server, runtime) = core_runtime(&FaultPlan::new());
    assert!(server.wait_for_long_poll(LIMIT));
    std::thread::sleep(wait);
    assert_echoed(&invoke(&server, echo_event(1)));
    assert_eq!(server.connections_accepted(), 1);
    let stderr = runtime.kill();
    assert!(stderr.is_empty(), "{stderr}");
}

/// The client sets no read timeout at all; 5 s stands for any length here.
#[test]
fn a_long_poll_is_never_timed_out() {
    long_poll(Duration::from_secs(5));
}

/// Minutes in `/next`: `cargo test -p ruchy-lambda-tests --test reliability -- --ignored`.
#[test]
#[ignore = "takes 3 minutes"]
fn a_long_poll_of_minutes_is_never_timed_out() {
    long_poll(Duration::from_secs(180));
}

#[test]
fn a_server_restarted_on_the_same_port_is_found_again() {
    let (server, runtime) = core_runtime(&FaultPlan::new());
    assert_echoed(&invoke(&server, echo_event(1)));
    let config = ServerConfig {
        addr: server.addr(),
        ..server.config().clone()
    };
    assert!(server.wait_for_long_poll(LIMIT));
    drop(server);
    let server = RuntimeApiServer::start(config).expect("bind the same port again");
    let record = invoke(&server, echo_event(2));
    assert_echoed(&record);
    assert_eq!(server.records().len(), 1);
    assert!(runtime.kill().lines().count() <= 7, "bounded retries");
}

#[test]
fn a_server_gone_for_good_ends_in_a_clear_exit() {
    let (server, runtime) = core_runtime(&FaultPlan::new());
    assert_echoed(&invoke(&server, echo_event(1)));
    assert!(server.wait_for_long_poll(LIMIT));
    let addr = server.addr();
    let stopped = Instant::now();
    drop(server);
    let (code, stderr) = runtime.wait(LIMIT);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot connect to {addr}")) && stderr.contains("giving up"),
        "{stderr}"
    );
    assert!(stopped.elapsed() >= NEXT_BACKOFF_SUM);
}

// ---- malformed HTTP from the server --------------------------------------------------------

const DEADLINE: &str = "Lambda-Runtime-Deadline-Ms: 4102444800000\r\n";

/// A `/next` reply with `head` after the status line and `body` as is.
fn raw(head: &str, body: &str) -> Vec<u8> {
    format!("HTTP/1.1 200 OK\r\n{head}\r\n{body}").into_bytes()
}

#[test]
fn malformed_next_replies_are_retried_and_the_event_arrives_once() {
    // 10,000 headers in 50,000 bytes: under the header-section cap, over the count cap.
    let headers_10k = "a:b\r\n".repeat(10_000);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "garbage status line",
            b"HTTP/1.1 2OO OK\r\n\r\n".to_vec(),
            "invalid HTTP status line",
        ),
        (
            "binary garbage",
            vec![0, 159, 146, 150, 255, 13, 10, 13, 10],
            "invalid HTTP status line",
        ),
        (
            "header section over 64 KiB",
            raw(&format!("X-Big: {}\r\n", "a".repeat(70_000)), ""),
            "response header section exceeds 65536 bytes",
        ),
        (
            "10,000 headers",
            raw(&headers_10k, ""),
            "response has more than 128 header fields",
        ),
        (
            "header without a colon",
            raw("Lambda-Runtime-Aws-Request-Id\r\n", ""),
            "invalid HTTP header line",
        ),
        (
            "bad chunk size",
            raw("Transfer-Encoding: chunked\r\n", "zz\r\nhello\r\n0\r\n\r\n"),
            "invalid chunked body",
        ),
        (
            "chunk size overflowing 64 bits",
            raw(
                "Transfer-Encoding: chunked\r\n",
                "1FFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n",
            ),
            "invalid chunked body",
        ),
        (
            "chunk size over the body cap",
            raw(
                "Transfer-Encoding: chunked\r\n",
                "7FFFFFFFFFFFFFFF\r\nhello\r\n",
            ),
            "response body exceeds 16777216 bytes",
        ),
        (
            "chunk without its CRLF",
            raw("Transfer-Encoding: chunked\r\n", "5\r\nhelloXX0\r\n\r\n"),
            "invalid chunked body",
        ),
        (
            "Content-Length larger than the body",
            raw("Content-Length: 100\r\n", "short"),
            "connection closed before a complete response",
        ),
        (
            "Content-Length over the body cap",
            raw("Content-Length: 99999999999999\r\n", ""),
            "response body exceeds 16777216 bytes",
        ),
        (
            "Content-Length not a number",
            raw("Content-Length: 12abc\r\n", ""),
            "invalid Content-Length",
        ),
        (
            "two different Content-Lengths",
            raw("Content-Length: 2\r\nContent-Length: 3\r\n", "abc"),
            "invalid Content-Length",
        ),
        (
            "Content-Length and Transfer-Encoding",
            raw(
                "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                "5\r\nhello\r\n0\r\n\r\n",
            ),
            "both Content-Length and Transfer-Encoding",
        ),
        (
            "gzip transfer coding",
            raw("Transfer-Encoding: gzip\r\n", ""),
            "unsupported Transfer-Encoding",
        ),
        (
            "no request id",
            raw(&format!("{DEADLINE}Content-Length: 2\r\n"), "{}"),
            "without a Lambda-Runtime-Aws-Request-Id header",
        ),
    ];
    for (name, bytes, message) in cases {
        let plan = FaultPlan::new().on(Endpoint::Next, When::First(1), Fault::Raw(bytes));
        // The first /next may fail (and back off) before the runtime is seen waiting: time it
        // from the spawn.
        let started = Instant::now();
        let (server, runtime) = core_runtime(&plan);
        let record = invoke(&server, echo_event(1));
        assert_echoed(&record);
        assert!(started.elapsed() >= FIRST_DELAY, "{name}: backoff");
        let nexts = server.request_log().iter().filter(|e| is_next(e)).count();
        assert_eq!(nexts, 2, "{name}: one failed /next, one good one");
        let stderr = runtime.kill();
        assert!(
            stderr.contains(message) && stderr.contains("attempt 1 of 8"),
            "{name}: expected {message:?} in {stderr}"
        );
    }
}

#[test]
fn a_body_shorter_than_its_content_length_is_not_an_answer_to_anything_else() {
    // The reply says 5 bytes and sends 13 for an invocation the server does not know; the 8 extra
    // bytes must not be taken for the answer to the next request.
    let ghost = raw(
        &format!("Lambda-Runtime-Aws-Request-Id: ghost-1\r\n{DEADLINE}Content-Length: 5\r\n"),
        r#"{"op":"echo"}"#,
    );
    let plan = FaultPlan::new().on(Endpoint::Next, When::First(1), Fault::Raw(ghost));
    let (server, runtime) = core_runtime(&plan);
    assert_echoed(&invoke(&server, echo_event(1)));
    // The runtime answered the invocation it was handed (with the 5 bytes), and the server said
    // it does not know it.
    let ghost_posts = posts(&server, "ghost-1", "response");
    assert!(
        ghost_posts.iter().any(|e| e.status == Some(400)),
        "{ghost_posts:#?}"
    );
    assert_eq!(server.records().len(), 1);
    let stderr = runtime.kill();
    assert!(
        stderr.contains("the response for invocation ghost-1 was rejected with status 400"),
        "{stderr}"
    );
}

#[test]
fn request_ids_that_could_escape_the_path_are_never_used() {
    // Six bad ids in a row (the 8th consecutive failure would end the runtime), then a good event.
    let bad = [".", "..", "a/b", "%2e%2e", "caf\u{e9}", "a\rb"];
    let mut plan = FaultPlan::new();
    for (i, id) in bad.iter().enumerate() {
        let reply = raw(
            &format!("Lambda-Runtime-Aws-Request-Id: {id}\r\n{DEADLINE}Content-Length: 2\r\n"),
            "{}",
        );
        plan = plan.on(Endpoint::Next, When::Nth(i as u32 + 1), Fault::Raw(reply));
    }
    // Timed from the spawn: the first /next may fail before this thread runs again.
    let started = Instant::now();
    let (server, runtime) = core_runtime(&plan);
    let record = invoke(&server, echo_event(1));
    assert_echoed(&record);
    assert!(started.elapsed() >= Duration::from_millis(10 + 20 + 40 + 80 + 160 + 320));
    let log = server.request_log();
    assert!(
        log.iter().all(|e| is_next(e)
            || e.target
                == format!(
                    "/2018-06-01/runtime/invocation/{}/response",
                    record.request_id
                )),
        "{log:#?}"
    );
    let stderr = runtime.kill();
    for id in &bad[..5] {
        // Escaped for the log line, by character or by byte.
        let by_char: String = id.escape_debug().collect();
        let by_byte = id.as_bytes().escape_ascii().to_string();
        assert!(
            [by_char, by_byte]
                .iter()
                .any(|e| stderr.contains(&format!("invalid request id \"{e}\""))),
            "{id}: {stderr}"
        );
    }
    assert!(stderr.contains("invalid HTTP header line"), "{stderr}");
}

// ---- bad input, through the example bootstraps ---------------------------------------------

fn example_function(name: &str) -> Function {
    let config = FunctionConfig {
        name: name.to_owned(),
        timeout: Duration::from_secs(20),
        output: Output::Null,
        ..FunctionConfig::default()
    };
    Function::start(support::example(name), config).expect("start the example")
}

fn error_of(outcome: &Outcome) -> (String, String) {
    let Outcome::Error(error) = outcome else {
        panic!("expected an error report, got {outcome:?}")
    };
    assert_eq!(error.error_type_header, error.error_type);
    (
        error.error_type.clone().unwrap_or_default(),
        error.error_message.clone().unwrap_or_default(),
    )
}

#[test]
fn a_typed_handler_reports_events_it_cannot_parse() {
    let mut f = example_function("fibonacci");
    let cases = [
        (r#"{"n": "#, "EOF while parsing"),
        (
            r#"{"n": "seven"}"#,
            "invalid type: string \"seven\", expected u32",
        ),
        (r#"{"n": -1}"#, "invalid value: integer `-1`, expected u32"),
        (r#"{"n": 4294967296}"#, "expected u32"),
        (
            "true",
            "invalid type: boolean `true`, expected struct Request",
        ),
        ("", "EOF while parsing a value"),
        ("\u{feff}{}", "expected value"),
    ];
    for (event, message) in cases {
        let report = f.invoke(event).unwrap();
        let (error_type, error_message) = error_of(&report.outcome);
        assert_eq!(error_type, "DeserializationError", "{event:?}");
        assert!(
            error_message.contains("cannot parse the event as `Request`")
                && error_message.contains(message),
            "{event:?}: {error_message}"
        );
    }
    let report = f.invoke(r#"{"n": 10}"#).unwrap();
    assert_eq!(
        report.outcome,
        Outcome::Response(br#"{"n":10,"fibonacci":55}"#.to_vec())
    );
    assert_eq!(f.sandboxes_started(), 1, "one process throughout");
    assert!(f.server().records().iter().all(|r| r.answers == 1));
}

#[test]
fn a_str_handler_reports_invalid_utf8() {
    for name in ["minimal", "ruchy_form"] {
        let mut f = example_function(name);
        for (event, offset) in [
            (&b"\xff\xfe"[..], 0),
            (b"{\"a\":\"\xc3\x28\"}", 6),
            (b"ok\xed\xa0\x80", 2),
        ] {
            let report = f.invoke(event).unwrap();
            let (error_type, error_message) = error_of(&report.outcome);
            assert_eq!(error_type, "InvalidUtf8", "{name}");
            assert_eq!(
                error_message,
                format!("the event is not valid UTF-8: invalid byte at offset {offset}"),
                "{name}"
            );
        }
        // An empty event is valid UTF-8.
        let report = f.invoke("").unwrap();
        assert!(report.is_success(), "{name}: {report:?}");
        assert_eq!(f.sandboxes_started(), 1);
    }
}

#[test]
fn a_raw_handler_takes_any_bytes_and_empty_events() {
    let mut f = example_function("echo");
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    for event in [Vec::new(), b"\xff\x00\r\n".to_vec(), bytes] {
        let report = f.invoke(event.clone()).unwrap();
        assert_eq!(report.outcome, Outcome::Response(event));
    }
}

#[test]
fn an_example_reply_over_6_mb_becomes_an_error_report_and_the_loop_goes_on() {
    let mut f = example_function("echo");
    let limit = ruchy_lambda_local::MAX_RESPONSE_BYTES;
    let report = f.invoke(vec![b'a'; limit + 1]).unwrap();
    let (error_type, error_message) = error_of(&report.outcome);
    assert_eq!(error_type, "Function.ResponseSizeTooLarge");
    assert!(
        error_message.contains(&format!("({} bytes)", limit + 1)),
        "{error_message}"
    );
    let report = f.invoke(vec![b'b'; limit]).unwrap();
    assert!(matches!(&report.outcome, Outcome::Response(b) if b.len() == limit));
    let records = f.server().records();
    assert_eq!(records[0].rejected, 1, "the 413");
    assert!(records.iter().all(|r| r.answers == 1));
    assert_eq!(f.sandboxes_started(), 1);
}

#[test]
fn handler_errors_with_odd_messages_are_reported_as_json() {
    // errors: a division by zero; the core bootstrap: a message and type with quotes, control
    // characters and CR/LF, which must neither break the JSON nor the error-type header.
    let mut f = example_function("errors");
    let report = f.invoke(r#"{"divide": 6, "by": 0}"#).unwrap();
    assert_eq!(
        error_of(&report.outcome),
        (
            "Math.DivisionByZero".to_owned(),
            "cannot divide by zero".to_owned()
        )
    );
    let config = FunctionConfig {
        output: Output::Null,
        ..FunctionConfig::default()
    };
    let mut f = Function::start(CORE_BOOTSTRAP, config).unwrap();
    let nasty = "a\"b\\c\r\nX-Injected: 1\u{0}\u{1f}é";
    let report = f
        .invoke(json!({"op": "fail", "type": nasty, "message": nasty}))
        .unwrap();
    let Outcome::Error(error) = &report.outcome else {
        panic!("{report:?}")
    };
    let body: Value = serde_json::from_slice(&error.body).unwrap();
    assert_eq!(body["errorMessage"], nasty);
    assert_eq!(body["errorType"], nasty);
    assert_eq!(
        error.error_type_header.as_deref(),
        Some("a\"b\\cX-Injected:1")
    );
}
