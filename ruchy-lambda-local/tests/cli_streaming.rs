//! Streamed replies through the command: `invoke` prints them as they arrive, `serve` passes them
//! on chunked, with the error in trailers, and as a function URL for the HTTP integration form.

#[path = "support/cli.rs"]
mod cli;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use cli::{BOOTSTRAP, Server, command};

#[test]
fn invoke_prints_a_streamed_reply_as_it_arrives() {
    let gate = std::env::temp_dir().join(format!("stream-gate-{}", std::process::id()));
    let _ = std::fs::remove_file(&gate);
    let event = format!(
        "stream\nct text/plain\nchunk first-part\nwait-file {}\nchunk second-part",
        gate.display()
    );
    let mut child = command(&["invoke", "--bin", BOOTSTRAP, &event])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = [0u8; 256];
        loop {
            match stdout.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if tx.send(buf[..n].to_vec()).is_err() {
                        return;
                    }
                }
            }
        }
    });
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !String::from_utf8_lossy(&got).contains("first-part") {
        let left = deadline.saturating_duration_since(Instant::now());
        got.extend(
            rx.recv_timeout(left)
                .expect("the first chunk printed before the end"),
        );
    }
    // The stream is held open by the gate: the first part came before the end.
    assert!(child.try_wait().unwrap().is_none());
    std::fs::write(&gate, b"go").unwrap();
    while let Ok(more) = rx.recv_timeout(Duration::from_secs(30)) {
        got.extend(more);
    }
    let status = child.wait().unwrap();
    let _ = std::fs::remove_file(&gate);
    assert!(status.success());
    assert_eq!(String::from_utf8_lossy(&got), "first-partsecond-part\n");
}

#[test]
fn invoke_prints_an_error_in_trailers_like_a_function_error() {
    let event = "stream\nchunk partial\nerror Broken it broke";
    let run = cli::run(&["invoke", "--bin", BOOTSTRAP, event]);
    assert_eq!(run.code(), Some(1), "{run:?}");
    let lines = run.stdout_lines();
    assert_eq!(lines[0], "partial");
    let error: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(
        (error["errorType"].as_str(), error["errorMessage"].as_str()),
        (Some("Broken"), Some("it broke"))
    );
    assert_eq!(run.log("REPORT ").len(), 1);
}

/// A raw request to `serve`; the status line, headers, de-chunked body and trailers.
fn chunked(server: &Server, event: &str) -> (String, Vec<String>, Vec<u8>, Vec<String>) {
    let stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    write!(
        writer,
        "POST {} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{event}",
        server.path,
        event.len()
    )
    .unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status = line.trim_end().to_owned();
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        if line.trim_end().is_empty() {
            break;
        }
        headers.push(line.trim_end().to_owned());
    }
    assert!(
        headers.iter().any(|h| h == "Transfer-Encoding: chunked"),
        "{headers:?}"
    );
    let mut body = Vec::new();
    for _ in 0..10_000 {
        line.clear();
        reader.read_line(&mut line).unwrap();
        let size = usize::from_str_radix(line.trim_end(), 16).unwrap();
        if size == 0 {
            break;
        }
        let mut data = vec![0; size + 2];
        reader.read_exact(&mut data).unwrap();
        body.extend_from_slice(&data[..size]);
    }
    let mut trailers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        if line.trim_end().is_empty() {
            break;
        }
        trailers.push(line.trim_end().to_owned());
    }
    (status, headers, body, trailers)
}

#[test]
fn serve_relays_streamed_replies_chunked() {
    let server = Server::start(&["--bin", BOOTSTRAP]);
    let (status, headers, body, trailers) =
        chunked(&server, "stream\nct text/plain\nchunk one \nchunk two");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        headers.iter().any(|h| h == "Content-Type: text/plain"),
        "{headers:?}"
    );
    assert_eq!(body, b"one two");
    assert!(trailers.is_empty(), "{trailers:?}");

    let (status, _, body, trailers) =
        chunked(&server, "stream\nchunk partial\nerror Broken it broke");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(body, b"partial");
    assert!(
        trailers.contains(&"Lambda-Runtime-Function-Error-Type: Broken".to_owned()),
        "{trailers:?}"
    );
    assert!(trailers.contains(&"X-Amz-Function-Error: Unhandled".to_owned()));
    let encoded = trailers
        .iter()
        .find_map(|t| t.strip_prefix("Lambda-Runtime-Function-Error-Body: "))
        .unwrap();
    let error = ruchy_lambda_local::stream::base64_decode(encoded).unwrap();
    let error: serde_json::Value = serde_json::from_slice(&error).unwrap();
    assert_eq!(error["errorType"], "Broken");
}

#[test]
fn serve_answers_an_http_integration_reply_like_a_function_url() {
    let server = Server::start(&["--bin", BOOTSTRAP]);
    let prelude = r#"{"statusCode":201,"headers":{"Content-Type":"text/html","X-Custom":"yes"},"cookies":["a=1","b=2; Secure"]}"#;
    let event = format!(
        "stream\nct application/vnd.awslambda.http-integration-response\nchunk {prelude}\\0\\0\\0\\0\\0\\0\\0\\0<p>\nchunk hi</p>"
    );
    let (status, headers, body, _) = chunked(&server, &event);
    assert!(status.starts_with("HTTP/1.1 201 "), "{status}");
    for expected in [
        "Content-Type: text/html",
        "X-Custom: yes",
        "Set-Cookie: a=1",
        "Set-Cookie: b=2; Secure",
    ] {
        assert!(
            headers.iter().any(|h| h == expected),
            "{expected}: {headers:?}"
        );
    }
    assert_eq!(body, b"<p>hi</p>");
}
