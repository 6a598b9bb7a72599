//! `serve` answers Lambda's Invoke API as `aws lambda invoke`, the AWS SDKs and
//! `cargo lambda invoke` call it: function names (`function`, `_`, its own, ARNs), an unknown
//! function's error, `X-Amz-Invocation-Type` (`RequestResponse`, `Event`, `DryRun`) and
//! `X-Amz-Log-Type: Tail`. On the fixture bootstrap, over loopback.

#[path = "support/cli.rs"]
mod cli;

use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use cli::{BOOTSTRAP, Response, Server, read_response};

/// `POST /2015-03-31/functions/{name}/invocations` with `headers`, on a fresh connection; a
/// `?query` after the name goes after `/invocations`.
fn invoke(addr: SocketAddr, name: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let (name, query) = match name.split_once('?') {
        Some((name, query)) => (name, format!("?{query}")),
        None => (name, String::new()),
    };
    let mut head = format!(
        "POST /2015-03-31/functions/{name}/invocations{query} HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    read_response(&mut BufReader::new(stream))
}

/// Standard base64 decoded (the test's own, to check the server's encoding).
fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut bits = 0u32;
    let mut count = 0;
    for byte in text.bytes().filter(|&b| b != b'=') {
        let value = ALPHABET
            .iter()
            .position(|&a| a == byte)
            .unwrap_or_else(|| panic!("not base64: {text:?}")) as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

/// The decoded `X-Amz-Log-Result` of a response.
fn log_result(response: &Response) -> String {
    let header = response
        .header("X-Amz-Log-Result")
        .unwrap_or_else(|| panic!("no X-Amz-Log-Result: {response:?}"));
    String::from_utf8(base64_decode(header)).expect("a UTF-8 log")
}

/// The ARN the runtime is told it was invoked with (the fixture's `context` event shows it).
fn function_arn(addr: SocketAddr) -> String {
    let context = invoke(addr, "function", &[], b"context");
    let context: serde_json::Value = serde_json::from_slice(&context.body).unwrap();
    context["headers"]["lambda-runtime-invoked-function-arn"]
        .as_str()
        .expect("an ARN")
        .to_owned()
}

#[test]
fn every_name_of_the_function_answers_and_others_are_not_found() {
    let server = Server::start(&["--bin", BOOTSTRAP, "--name", "served"]);
    let arn = function_arn(server.addr);
    assert!(arn.ends_with(":function:served"), "{arn}");
    let encoded_arn = arn.replace(':', "%3A");
    for name in [
        "function",
        "_",
        "served",
        "served:$LATEST",
        "served:%24LATEST",
        "function?Qualifier=%24LATEST",
        arn.as_str(),
        encoded_arn.as_str(),
        &format!("{encoded_arn}%3A%24LATEST"),
        &format!("{}:function:served", arn.split(':').nth(4).unwrap()),
    ] {
        let response = invoke(server.addr, name, &[], br#"{"n":1}"#);
        assert_eq!(
            (response.status, response.text().as_str()),
            (200, r#"{"n":1}"#),
            "{name}: {response:?}"
        );
    }

    // As Lambda answers a function it does not have: the ARN it looked for.
    let account_arn = arn.trim_end_matches("served");
    let not_found = [
        ("other", format!("{account_arn}other")),
        ("served:v2", format!("{account_arn}served:v2")),
        ("served?Qualifier=live", format!("{account_arn}served:live")),
        (
            "arn%3Aaws%3Alambda%3Aeu-west-1%3A111122223333%3Afunction%3Aelse",
            "arn:aws:lambda:eu-west-1:111122223333:function:else".to_owned(),
        ),
    ];
    for (name, missing) in not_found {
        let response = invoke(server.addr, name, &[], b"{}");
        assert_eq!(response.status, 404, "{name}: {response:?}");
        assert_eq!(
            response.header("X-Amzn-ErrorType"),
            Some("ResourceNotFoundException"),
            "{name}"
        );
        let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"Type": "User", "Message": format!("Function not found: {missing}")}),
            "{name}"
        );
    }
}

#[test]
fn request_response_replies_carry_lambda_s_headers() {
    let server = Server::start(&["--bin", BOOTSTRAP]);
    let explicit = invoke(
        server.addr,
        "_",
        &[("X-Amz-Invocation-Type", "RequestResponse")],
        b"[2]",
    );
    assert_eq!((explicit.status, explicit.text().as_str()), (200, "[2]"));
    assert_eq!(explicit.header("X-Amz-Executed-Version"), Some("$LATEST"));
    assert!(explicit.header("X-Amzn-RequestId").is_some());
    assert_eq!(explicit.header("X-Amz-Function-Error"), None);
    assert_eq!(explicit.header("X-Amz-Log-Result"), None, "not asked for");

    let failed = invoke(server.addr, "_", &[], b"error");
    assert_eq!(failed.status, 200);
    assert_eq!(failed.header("X-Amz-Function-Error"), Some("Unhandled"));
    assert_eq!(failed.header("X-Amz-Executed-Version"), Some("$LATEST"));
}

#[test]
fn event_invocations_are_accepted_at_once_and_run_in_the_background() {
    let mut server = Server::start(&["--bin", BOOTSTRAP]);
    let sent = Instant::now();
    let accepted = invoke(
        server.addr,
        "_",
        &[("X-Amz-Invocation-Type", "Event")],
        b"wait:1500",
    );
    assert!(
        sent.elapsed() < Duration::from_millis(1000),
        "answered after {:?}",
        sent.elapsed()
    );
    assert_eq!(accepted.status, 202, "{accepted:?}");
    assert!(accepted.body.is_empty());
    assert_eq!(accepted.header("X-Amz-Function-Error"), None);
    // It runs all the same, with its log.
    let start = server.next_line_starting("START RequestId: ");
    let id = start
        .trim_start_matches("START RequestId: ")
        .split(' ')
        .next()
        .unwrap()
        .to_owned();
    // Its reply and its REPORT, in either order (the fixture prints once its reply is taken).
    let mut want = vec![
        format!("fixture reply {id} "),
        format!("REPORT RequestId: {id}\t"),
    ];
    let until = Instant::now() + Duration::from_secs(30);
    while !want.is_empty() {
        let left = until.saturating_duration_since(Instant::now());
        let line = server
            .log
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("still waiting for {want:?}"));
        want.retain(|prefix| !line.starts_with(prefix.as_str()));
    }

    // A request while it runs waits its turn, as on one process.
    let after = invoke(server.addr, "function", &[], b"[3]");
    assert_eq!((after.status, after.text().as_str()), (200, "[3]"));
}

#[test]
fn a_throttled_event_invocation_is_retried_until_it_runs() {
    let mut server = Server::start(&["--bin", BOOTSTRAP, "--instances", "1"]);
    let event = [("X-Amz-Invocation-Type", "Event")];
    for _ in 0..2 {
        let accepted = invoke(server.addr, "_", &event, b"wait:300");
        assert_eq!(accepted.status, 202, "{accepted:?}");
    }
    // Both run, one after the other, on the one process.
    for _ in 0..2 {
        server.next_line_starting("REPORT ");
    }
    // A synchronous request meanwhile would have been throttled; once both are done, it runs
    // (the process is free a moment after the REPORT line).
    let until = Instant::now() + Duration::from_secs(5);
    let after = loop {
        let response = invoke(server.addr, "_", &[], b"[4]");
        if response.status != 429 || Instant::now() > until {
            break response;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!((after.status, after.text().as_str()), (200, "[4]"));
}

#[test]
fn dry_runs_invoke_nothing() {
    let mut server = Server::start(&["--bin", BOOTSTRAP]);
    let dry = invoke(
        server.addr,
        "function",
        &[("X-Amz-Invocation-Type", "DryRun")],
        b"say\nO dry run ran",
    );
    assert_eq!(dry.status, 204, "{dry:?}");
    assert!(dry.body.is_empty());
    let real = invoke(server.addr, "function", &[], b"[5]");
    let id = real.header("X-Amzn-RequestId").unwrap().to_owned();
    // The first invocation logged is the real one.
    assert_eq!(
        server.next_line_starting("START "),
        format!("START RequestId: {id} Version: $LATEST")
    );
}

#[test]
fn values_lambda_does_not_know_are_refused() {
    let server = Server::start(&["--bin", BOOTSTRAP]);
    for (header, value, member, allowed) in [
        (
            "X-Amz-Invocation-Type",
            "Later",
            "invocationType",
            "[Event, RequestResponse, DryRun]",
        ),
        ("X-Amz-Log-Type", "All", "logType", "[Tail, None]"),
    ] {
        let response = invoke(server.addr, "_", &[(header, value)], b"{}");
        assert_eq!(response.status, 400, "{response:?}");
        assert_eq!(
            response.header("X-Amzn-ErrorType"),
            Some("InvalidParameterValueException")
        );
        let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(body["Type"], "User");
        assert_eq!(
            body["message"],
            format!(
                "1 validation error detected: Value '{value}' at '{member}' failed to satisfy \
                 constraint: Member must satisfy enum value set: {allowed}"
            )
        );
    }
}

#[test]
fn tail_sends_the_invocation_s_log_back() {
    let server = Server::start(&["--bin", BOOTSTRAP]);
    let tail = [("X-Amz-Log-Type", "Tail")];
    let response = invoke(server.addr, "_", &tail, b"say\nO to stdout\nE to stderr");
    assert_eq!((response.status, response.text().as_str()), (200, "said"));
    let id = response.header("X-Amzn-RequestId").unwrap();
    let log = log_result(&response);
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some(format!("START RequestId: {id} Version: $LATEST").as_str()),
        "{log}"
    );
    assert!(
        lines.contains(&"to stdout") && lines.contains(&"to stderr"),
        "{log}"
    );
    assert_eq!(
        lines[lines.len() - 2],
        format!("END RequestId: {id}"),
        "{log}"
    );
    let report = lines[lines.len() - 1];
    assert!(
        report.starts_with(&format!("REPORT RequestId: {id}\tDuration: "))
            && report.contains("Init Duration"),
        "{log}"
    );
    assert!(log.ends_with('\n'));

    // Only this invocation's: the next one's log has none of it.
    let next = invoke(server.addr, "_", &tail, b"say\nO second");
    let log = log_result(&next);
    assert!(
        !log.contains("to stdout") && log.contains("\nsecond\n"),
        "{log}"
    );
    assert!(!log.contains("Init Duration"), "warm: {log}");

    // A function error has its log too.
    let failed = invoke(server.addr, "_", &tail, b"error");
    assert_eq!(failed.header("X-Amz-Function-Error"), Some("Unhandled"));
    assert!(log_result(&failed).starts_with("START RequestId: "));

    // Past 4 KB, only the end: the START line is gone, REPORT is there.
    let mut long = String::from("say");
    for i in 0..200 {
        long.push_str(&format!(
            "\nO line {i:03} of a long log, padded to make it longer"
        ));
    }
    let long = invoke(server.addr, "_", &tail, long.as_bytes());
    let log = log_result(&long);
    assert!(log.len() <= 4096 && log.len() > 3500, "{} bytes", log.len());
    assert!(!log.contains("START RequestId") && !log.contains("line 000"));
    assert!(log.contains("line 199 of a long log") && log.contains("\nREPORT RequestId: "));

    // Asynchronous invocations have no log to send back.
    let event = invoke(
        server.addr,
        "_",
        &[
            ("X-Amz-Log-Type", "Tail"),
            ("X-Amz-Invocation-Type", "Event"),
        ],
        b"{}",
    );
    assert_eq!(event.status, 202);
    assert_eq!(event.header("X-Amz-Log-Result"), None);
}

#[test]
fn tail_with_several_processes_or_invocations_at_once() {
    for scaling in ["--instances", "--concurrency"] {
        let server = Server::start(&["--bin", BOOTSTRAP, scaling, "2"]);
        let tail = [("X-Amz-Log-Type", "Tail")];
        let response = invoke(server.addr, "_", &tail, b"say\nO scaled");
        assert_eq!(response.status, 200, "{scaling}: {response:?}");
        let id = response.header("X-Amzn-RequestId").unwrap();
        let log = log_result(&response);
        assert!(
            log.starts_with(&format!("START RequestId: {id} Version: $LATEST\n"))
                && log.contains("\nscaled\n")
                && log.contains(&format!("\nEND RequestId: {id}\nREPORT RequestId: {id}\t")),
            "{scaling}: {log}"
        );
    }
}

#[test]
fn tail_in_the_json_log_format() {
    let server = Server::start(&["--bin", BOOTSTRAP, "--log-format", "json"]);
    let response = invoke(
        server.addr,
        "_",
        &[("X-Amz-Log-Type", "Tail")],
        b"say\nO {\"level\":\"INFO\",\"message\":\"kept\"}\nO {\"level\":\"DEBUG\",\"message\":\"dropped\"}",
    );
    let log = log_result(&response);
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    assert_eq!(lines.first().unwrap()["type"], "platform.start", "{log}");
    assert_eq!(lines.last().unwrap()["type"], "platform.report", "{log}");
    assert!(log.contains("kept") && !log.contains("dropped"), "{log}");
}
