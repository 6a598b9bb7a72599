//! `ruchy-lambda-local serve`, on the fixture bootstrap, through a plain HTTP client.

#[path = "support/cli.rs"]
mod cli;

use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

use cli::{BOOTSTRAP, Server, http};

#[test]
fn invoke_endpoint_answers_like_lambda() {
    let mut server = Server::start(&["--bin", BOOTSTRAP, "--name", "served"]);
    assert_eq!(server.path, "/2015-03-31/functions/function/invocations");

    let ok = http(server.addr, "POST", &server.path, br#"{"n":35}"#);
    assert_eq!(
        (ok.status, ok.text().as_str()),
        (200, r#"{"n":35}"#),
        "{ok:?}"
    );
    assert_eq!(ok.header("X-Amz-Function-Error"), None);
    assert_eq!(ok.header("X-Amz-Executed-Version"), Some("$LATEST"));
    let id = ok
        .header("X-Amzn-RequestId")
        .expect("a request id")
        .to_owned();
    assert_eq!(
        server.next_line_starting("START "),
        format!("START RequestId: {id} Version: $LATEST")
    );
    assert_eq!(
        server.next_line_starting("END "),
        format!("END RequestId: {id}")
    );
    let report = server.next_line_starting("REPORT ");
    assert!(
        report.starts_with(&format!("REPORT RequestId: {id}\tDuration: "))
            && report.contains("Init Duration"),
        "{report}"
    );

    let failed = http(server.addr, "POST", &server.path, b"error");
    assert_eq!(failed.status, 200);
    assert_eq!(failed.header("X-Amz-Function-Error"), Some("Unhandled"));
    let error: serde_json::Value = serde_json::from_slice(&failed.body).unwrap();
    assert_eq!(error["errorType"], "FixtureError");
    let report = server.next_line_starting("REPORT ");
    assert!(!report.contains("Init Duration"), "warm: {report}");

    // The function's own name works too; other names and paths do not.
    let named = http(
        server.addr,
        "POST",
        "/2015-03-31/functions/served/invocations",
        b"[1]",
    );
    assert_eq!((named.status, named.text().as_str()), (200, "[1]"));
    assert_eq!(
        http(
            server.addr,
            "POST",
            "/2015-03-31/functions/other/invocations",
            b"{}"
        )
        .status,
        404
    );
    assert_eq!(http(server.addr, "GET", "/", b"").status, 404);
    assert_eq!(
        http(
            server.addr,
            "POST",
            "/2018-06-01/runtime/invocation/next",
            b""
        )
        .status,
        404
    );
    assert_eq!(http(server.addr, "GET", &server.path, b"").status, 405);
}

#[test]
fn concurrent_requests_take_turns_and_are_all_answered() {
    let server = Server::start(&["--bin", BOOTSTRAP]);
    let clients: Vec<_> = (0..4)
        .map(|i| {
            let (addr, path) = (server.addr, server.path.clone());
            thread::spawn(move || {
                http(
                    addr,
                    "POST",
                    &path,
                    format!(r#"{{"client":{i}}}"#).as_bytes(),
                )
            })
        })
        .collect();
    for (i, client) in clients.into_iter().enumerate() {
        let response = client.join().unwrap();
        assert_eq!(
            (response.status, response.text()),
            (200, format!(r#"{{"client":{i}}}"#))
        );
    }
}

#[test]
fn keep_alive_and_a_timeout_then_a_cold_start() {
    let mut server = Server::start(&["--bin", BOOTSTRAP, "--timeout", "1"]);
    let stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut send = |body: &str| {
        let request = format!(
            "POST {} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
            server.path,
            body.len()
        );
        writer.write_all(request.as_bytes()).unwrap();
        cli::read_response(&mut reader)
    };
    let timed_out = send("sleep");
    assert_eq!(timed_out.status, 200);
    assert_eq!(timed_out.header("X-Amz-Function-Error"), Some("Unhandled"));
    assert!(
        timed_out
            .text()
            .contains("Task timed out after 1.00 seconds"),
        "{timed_out:?}"
    );
    let echo = send(r#"{"again":true}"#);
    assert_eq!(
        (echo.status, echo.text().as_str()),
        (200, r#"{"again":true}"#)
    );
    server.next_line_starting("REPORT ");
    let second = server.next_line_starting("REPORT ");
    assert!(
        second.contains("Init Duration"),
        "cold after a timeout: {second}"
    );
}

/// One request per body, at once, each on its own connection.
fn parallel(server: &Server, bodies: &[&'static str]) -> Vec<thread::JoinHandle<cli::Response>> {
    bodies
        .iter()
        .map(|&body| {
            let (addr, path) = (server.addr, server.path.clone());
            thread::spawn(move || http(addr, "POST", &path, body.as_bytes()))
        })
        .collect()
}

#[test]
fn with_concurrency_two_run_at_once_and_a_third_is_throttled() {
    let mut server = Server::start(&["--bin", BOOTSTRAP, "--concurrency", "2"]);
    let busy = parallel(&server, &["wait:1500", "wait:1500"]);
    // Both handed out to the one process: all workers busy.
    let first = server.next_line_starting("START ");
    let second = server.next_line_starting("START ");
    assert_ne!(first, second);
    let third = http(server.addr, "POST", &server.path, b"third");
    assert_eq!(third.status, 429, "{third:?}");
    assert_eq!(
        third.header("X-Amzn-ErrorType"),
        Some("TooManyRequestsException")
    );
    let error: serde_json::Value = serde_json::from_slice(&third.body).unwrap();
    assert_eq!(error["errorType"], "TooManyRequestsException");
    assert_eq!(error["errorMessage"], "Rate Exceeded.");
    for request in busy {
        let r = request.join().unwrap();
        assert_eq!((r.status, r.text().as_str()), (200, "wait:1500"), "{r:?}");
    }
    // Free again.
    let after = http(server.addr, "POST", &server.path, b"after");
    assert_eq!((after.status, after.text().as_str()), (200, "after"));
}

#[test]
fn with_instances_a_second_process_starts_under_load_and_idle_ones_are_reused() {
    let mut server = Server::start(&["--bin", BOOTSTRAP, "--instances", "2"]);
    let busy = parallel(&server, &["wait:1500", "wait:1500"]);
    let _ = server.next_line_starting("START ");
    let _ = server.next_line_starting("START ");
    let third = http(server.addr, "POST", &server.path, b"third");
    assert_eq!(third.status, 429, "{third:?}");
    for request in busy {
        let r = request.join().unwrap();
        assert_eq!(r.status, 200, "{r:?}");
    }
    let cold: Vec<String> = (0..2)
        .map(|_| server.next_line_starting("REPORT "))
        .collect();
    assert!(
        cold.iter().all(|l| l.contains("Init Duration")),
        "two cold starts: {cold:?}"
    );
    // Both idle now: reused, no more cold starts.
    for _ in 0..3 {
        let r = http(server.addr, "POST", &server.path, b"warm");
        assert_eq!((r.status, r.text().as_str()), (200, "warm"));
        let report = server.next_line_starting("REPORT ");
        assert!(!report.contains("Init Duration"), "warm: {report}");
    }
}
