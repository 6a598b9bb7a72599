//! What the tests of `serve --durable` share: the venv of AWS's durable SDK for Python, a
//! `serve` of the functions in tests/durable/, and the durable execution API called over HTTP
//! as boto3 calls it.
//!
//! The functions run from the venv `.ci/durable-venv` makes (or `RUCHY_LAMBDA_DURABLE_VENV`).
//! Without it the tests say so and pass, unless `CI` is set: then they fail.
#![allow(dead_code)]

use super::cli;

use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use cli::read_response;
pub use cli::{Response, Server};
use serde_json::Value;

/// How long a condition is waited for.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// The venv's python, or `None` (with the reason printed) when the tests are to be skipped.
pub fn venv_python() -> Option<PathBuf> {
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
pub fn serve(python: &Path, functions: &[(&str, &str, bool)], extra: &[&str]) -> Server {
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
pub fn request(
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

pub fn json_of(response: &Response) -> Value {
    serde_json::from_slice(&response.body)
        .unwrap_or_else(|e| panic!("{e}: {response:?} {}", response.text()))
}

/// A path label as botocore writes it: everything but unreserved characters escaped.
pub fn label(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn invoke(addr: SocketAddr, name: &str, payload: Value, headers: &[(&str, &str)]) -> Response {
    let path = format!("/2015-03-31/functions/{name}/invocations");
    request(addr, "POST", &path, headers, payload.to_string().as_bytes())
}

pub fn execution(addr: SocketAddr, arn: &str) -> Value {
    let path = format!("/2025-12-01/durable-executions/{}", label(arn));
    let response = request(addr, "GET", &path, &[], b"");
    assert_eq!(response.status, 200, "{}", response.text());
    json_of(&response)
}

pub fn history(addr: SocketAddr, arn: &str) -> Vec<Value> {
    let path = format!(
        "/2025-12-01/durable-executions/{}/history?IncludeExecutionData=true",
        label(arn)
    );
    let response = request(addr, "GET", &path, &[], b"");
    assert_eq!(response.status, 200, "{}", response.text());
    json_of(&response)["Events"].as_array().unwrap().clone()
}

pub fn events_of<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["EventType"] == kind).collect()
}

/// Polls `check` until it gives a value, or fails after [`DEADLINE`].
pub fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
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
pub fn ended(addr: SocketAddr, arn: &str) -> Value {
    eventually("the execution's end", || {
        let e = execution(addr, arn);
        (e["Status"] != "RUNNING").then_some(e)
    })
}

/// Waits for the execution's callback to start; its id, from `CallbackStarted`.
pub fn callback_of(addr: SocketAddr, arn: &str) -> String {
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

pub fn arn_of(response: &Response) -> String {
    response
        .header("X-Amz-Durable-Execution-Arn")
        .unwrap_or_else(|| panic!("no execution ARN: {response:?}"))
        .to_owned()
}

pub fn error_type(response: &Response) -> String {
    response
        .header("X-Amzn-ErrorType")
        .unwrap_or_default()
        .to_owned()
}
