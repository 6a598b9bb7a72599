//! Streamed responses end to end: the `streaming` example (a `#[handler]` taking
//! `&mut ResponseStream`) on the local Lambda's Runtime API server, which records the raw bytes
//! of every `/response` and each streamed reply as it arrives.
//!
//! - the exact bytes on the wire: headers, chunk framing, trailers, the base64 error body;
//! - the first chunk arrives while the handler is still running;
//! - an error or a panic after the first byte ends the stream with the error trailers; before
//!   it, the error goes to `/error`;
//! - a reply over the streaming limit: Lambda answers 413 and closes the stream, the handler's
//!   writes fail, and the next invocation is served on a new connection;
//! - the HTTP form: the prelude and the 8 NUL bytes as chunks of their own.

mod support;

use std::time::Duration;

use ruchy_lambda_local::{
    Event, InvocationRecord, Outcome, RawRequest, RuntimeApiServer, ServerConfig,
};
use serde_json::json;
use support::Running;

fn server(config: ServerConfig) -> RuntimeApiServer {
    RuntimeApiServer::start(ServerConfig {
        capture_raw_requests: true,
        timeout: Duration::from_secs(30),
        ..config
    })
    .expect("start the Runtime API server")
}

fn streaming(server: &RuntimeApiServer) -> Running {
    support::spawn(support::example("streaming"), &server.runtime_api(), &[])
}

fn finish(server: &RuntimeApiServer, id: &str, running: &Running) -> InvocationRecord {
    server
        .wait_for(id, Duration::from_secs(30))
        .unwrap_or_else(|| panic!("invocation {id} did not finish: {}", running.stderr()))
}

/// The raw `/response` or `/error` request the runtime sent for `id` (kept once the server has
/// answered it, just after the invocation is settled).
fn raw_answer(server: &RuntimeApiServer, id: &str) -> String {
    let raw: Vec<RawRequest> = support::wait_until(Duration::from_secs(10), || {
        let raw: Vec<RawRequest> = server
            .raw_requests()
            .into_iter()
            .filter(|r| r.target.contains(id))
            .collect();
        (!raw.is_empty()).then_some(raw)
    })
    .unwrap_or_default();
    assert_eq!(raw.len(), 1, "one answer for {id}");
    String::from_utf8(raw[0].bytes.clone()).expect("the request is text")
}

fn head(request_id: &str, invocation_id: &str, content_type: &str) -> String {
    format!(
        "POST /2018-06-01/runtime/invocation/{request_id}/response HTTP/1.1\r\n\
         Host: {{host}}\r\n\
         User-Agent: ruchy-lambda/0.1.0\r\n\
         Lambda-Runtime-Function-Response-Mode: streaming\r\n\
         Content-Type: {content_type}\r\n\
         Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\
         Lambda-Runtime-Invocation-Id: {invocation_id}\r\n\
         Transfer-Encoding: chunked\r\n\r\n"
    )
}

#[test]
fn the_bytes_on_the_wire_are_lambdas_streaming_contract() {
    let server = server(ServerConfig::default());
    let running = streaming(&server);
    let host = server.addr().to_string();

    // Three lines, each flushed: three chunks, then the last chunk with no trailer.
    let id = server.enqueue(Event::json(&json!({"lines": 3, "delay_ms": 0})));
    let record = finish(&server, &id, &running);
    assert_eq!(
        record.outcome,
        Outcome::Response(b"line 0\nline 1\nline 2\n".to_vec())
    );
    let invocation_id = record.invocation_id.clone().unwrap();
    let expected = head(&id, &invocation_id, "application/octet-stream").replace("{host}", &host)
        + "7\r\nline 0\n\r\n7\r\nline 1\n\r\n7\r\nline 2\n\r\n0\r\n\r\n";
    assert_eq!(raw_answer(&server, &id), expected);

    // Failing after two lines: the lines, then the trailers.
    let id = server.enqueue(Event::json(
        &json!({"lines": 4, "delay_ms": 0, "fail_after": 2}),
    ));
    let record = finish(&server, &id, &running);
    let Outcome::Error(error) = &record.outcome else {
        panic!("{:?}", record.outcome);
    };
    assert_eq!(error.error_type.as_deref(), Some("StreamFailed"));
    assert_eq!(error.error_message.as_deref(), Some("failed after 2 lines"));
    assert_eq!(record.streamed_body(), Some(&b"line 0\nline 1\n"[..]));
    let body =
        r#"{"errorMessage":"failed after 2 lines","errorType":"StreamFailed","stackTrace":[]}"#;
    let expected = head(
        &id,
        record.invocation_id.as_deref().unwrap(),
        "application/octet-stream",
    )
    .replace("{host}", &host)
        + "7\r\nline 0\n\r\n7\r\nline 1\n\r\n0\r\n"
        + "Lambda-Runtime-Function-Error-Type: StreamFailed\r\n"
        + &format!(
            "Lambda-Runtime-Function-Error-Body: {}\r\n\r\n",
            ruchy_lambda_local::stream::base64_encode(body.as_bytes())
        );
    assert_eq!(raw_answer(&server, &id), expected);

    // The HTTP form: the prelude and the delimiter are chunks of their own.
    let id = server.enqueue(Event::json(&json!({"lines": 1, "http": true})));
    let record = finish(&server, &id, &running);
    let prelude = r#"{"statusCode":200,"headers":{"content-type":"text/plain"},"cookies":["seen=1; Path=/"]}"#;
    let expected = head(
        &id,
        record.invocation_id.as_deref().unwrap(),
        "application/vnd.awslambda.http-integration-response",
    )
    .replace("{host}", &host)
        + &format!("{:x}\r\n{prelude}\r\n", prelude.len())
        + "8\r\n\0\0\0\0\0\0\0\0\r\n7\r\nline 0\n\r\n0\r\n\r\n";
    assert_eq!(raw_answer(&server, &id), expected);

    assert_eq!(
        server.connections_accepted(),
        1,
        "one keep-alive connection for all"
    );
    let stderr = running.kill();
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn the_first_chunk_arrives_while_the_handler_still_runs() {
    let server = server(ServerConfig::default());
    let running = streaming(&server);
    let id = server.enqueue(Event::json(&json!({"lines": 3, "delay_ms": 400})));
    let first = server
        .wait_stream(&id, 0, Duration::from_secs(20))
        .unwrap_or_else(|| panic!("no streamed byte: {}", running.stderr()));
    assert_eq!(first.bytes, b"line 0\n");
    assert!(!first.ended, "the stream goes on");
    let record = server.record(&id).unwrap();
    assert_eq!(
        record.outcome,
        Outcome::Pending,
        "the handler has not finished"
    );
    let record = finish(&server, &id, &running);
    assert_eq!(
        record.outcome,
        Outcome::Response(b"line 0\nline 1\nline 2\n".to_vec())
    );
}

#[test]
fn an_error_before_the_first_byte_goes_to_the_error_endpoint() {
    let server = server(ServerConfig::default());
    let running = streaming(&server);
    let id = server.enqueue(Event::json(&json!({"fail_after": 0})));
    let record = finish(&server, &id, &running);
    let Outcome::Error(error) = &record.outcome else {
        panic!("{:?}", record.outcome);
    };
    assert_eq!(error.error_type.as_deref(), Some("StreamFailed"));
    assert!(record.stream.is_none(), "nothing was streamed");
    let raw = raw_answer(&server, &id);
    assert!(
        raw.starts_with(&format!(
            "POST /2018-06-01/runtime/invocation/{id}/error HTTP/1.1\r\n"
        )),
        "{raw}"
    );
    assert!(raw.contains("Lambda-Runtime-Function-Error-Type: StreamFailed\r\n"));
}

#[test]
fn a_panic_after_the_first_byte_ends_the_stream_with_the_error_trailers() {
    let server = server(ServerConfig::default());
    let running = streaming(&server);
    let id = server.enqueue(Event::json(
        &json!({"lines": 3, "delay_ms": 0, "panic_after": 1}),
    ));
    let record = finish(&server, &id, &running);
    let Outcome::Error(error) = &record.outcome else {
        panic!("{:?}", record.outcome);
    };
    assert_eq!(error.error_type.as_deref(), Some("Panic"));
    assert_eq!(
        error.error_message.as_deref(),
        Some("panicked after 1 lines")
    );
    assert_eq!(record.streamed_body(), Some(&b"line 0\n"[..]));
    // The worker goes on.
    let id = server.enqueue(Event::json(&json!({"lines": 1})));
    assert_eq!(
        finish(&server, &id, &running).outcome,
        Outcome::Response(b"line 0\n".to_vec())
    );
}

#[test]
fn over_the_limit_lambda_closes_the_stream_and_the_next_invocation_gets_a_new_connection() {
    // 200 MB on Lambda; 40 bytes here, so that the sixth line crosses it.
    let server = server(ServerConfig {
        max_streamed_bytes: 40,
        ..ServerConfig::default()
    });
    let running = streaming(&server);
    let id = server.enqueue(Event::json(&json!({"lines": 10, "delay_ms": 0})));
    let record = finish(&server, &id, &running);
    let Outcome::Failed(error) = &record.outcome else {
        panic!("{:?}", record.outcome);
    };
    assert_eq!(
        error.error_type.as_deref(),
        Some("Function.ResponseSizeTooLarge")
    );
    // Lambda's 413 reached the runtime (as the answer, or as a closed connection under a
    // write), and the runtime said so in an ERROR record naming the invocation.
    let said = |stderr: &str| {
        stderr.contains(&id)
            && stderr.contains("\tERROR\t")
            && (stderr.contains("(413)") || stderr.contains("could not be posted"))
    };
    let stderr = support::wait_until(Duration::from_secs(10), || {
        let stderr = running.stderr();
        said(&stderr).then_some(stderr)
    })
    .unwrap_or_else(|| running.stderr());
    assert!(said(&stderr), "{stderr}");

    let id = server.enqueue(Event::json(&json!({"lines": 2, "delay_ms": 0})));
    let record = finish(&server, &id, &running);
    assert_eq!(
        record.outcome,
        Outcome::Response(b"line 0\nline 1\n".to_vec())
    );
    assert_eq!(
        server.connections_accepted(),
        2,
        "the closed connection was replaced"
    );
}

#[test]
fn streams_are_per_worker() {
    let server = server(ServerConfig {
        max_concurrency: 4,
        ..ServerConfig::default()
    });
    let running = support::spawn(
        support::example("streaming"),
        &server.runtime_api(),
        &[("AWS_LAMBDA_MAX_CONCURRENCY", "4")],
    );
    let ids: Vec<String> = (0..12)
        .map(|n| server.enqueue(Event::json(&json!({"lines": n % 4 + 1, "delay_ms": 20}))))
        .collect();
    for (n, id) in ids.iter().enumerate() {
        let record = finish(&server, id, &running);
        let expected: String = (0..n % 4 + 1).map(|i| format!("line {i}\n")).collect();
        assert_eq!(record.outcome, Outcome::Response(expected.into_bytes()));
    }
    assert_eq!(server.max_in_flight(), 4);
}
