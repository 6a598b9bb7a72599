//! Test fixture: a minimal Lambda bootstrap in plain std with hand-written HTTP, used by this
//! crate's integration tests to drive the supervisor. Not a user-facing program.
//!
//! Init behaviour comes from `FIXTURE_INIT`: `exit` (exit 2 before the first `/next`), `error`
//! (post an init error, then exit 3), `error-stay` (post an init error, stay alive), `hang`
//! (never ask for an event). Otherwise each event's body (trimmed) selects what to do:
//!
//! | body        | behaviour                                                              |
//! |-------------|------------------------------------------------------------------------|
//! | `sleep`     | never answer (the invocation times out)                                |
//! | `exit`      | exit with status 1 mid-invocation                                      |
//! | `abort`     | abort (SIGABRT) mid-invocation                                         |
//! | `error`     | post to `/error` (errorType `FixtureError`)                            |
//! | `big`       | reply 6 MiB + 1 bytes, expect 413, then post to `/error`               |
//! | `context`   | reply JSON of the `/next` headers and the Lambda environment           |
//! | `print`     | write one line to stdout and one to stderr, then echo                  |
//! | `memory`    | touch 32 MiB, then echo                                                |
//! | `skip`      | ask for the next event without answering                               |
//! | `exit-after`| echo, then exit 0 before the next `/next`                              |
//! | `say` + lines | each further line `O TEXT` / `E TEXT`: write TEXT to stdout / stderr, then reply `said` |
//! | `invoke NAME` + a line PAYLOAD | invoke NAME with PAYLOAD through the Invoke API at `AWS_ENDPOINT_URL_LAMBDA`; reply `{"invoked","status","functionError","payload"}` |
//! | `metadata` [`wrong`\|`none`] | GET the metadata endpoint at `AWS_LAMBDA_METADATA_API` with `Authorization: Bearer $AWS_LAMBDA_METADATA_TOKEN` (`wrong`: that token with one more character; `none`: no `Authorization`); reply `{"status","contentType","cacheControl","body"}` |
//! | `wait:MS`   | sleep MS milliseconds, echo, then print `fixture reply <id> <status>`  |
//! | `stream` + lines | stream the reply (chunked, `Lambda-Runtime-Function-Response-Mode: streaming`); each further line: `ct TYPE` (the Content-Type, before any chunk), `chunk TEXT` (one chunk; `\0` stands for a NUL byte), `wait-file PATH` (wait up to 30 s for PATH to exist), `error TYPE MESSAGE` (end with error trailers), `exit` (exit 1 mid-stream) |
//! | an HTTP event (API Gateway, load balancer, function URL) for `/event`, `/scripted`, `/bare`, `/stream` or `/fail` | see [`http_reply`] |
//! | anything else | echo the body                                                        |
//!
//! Lifecycle, before the first `/next`:
//! - `FIXTURE_EXTENSION=NAME` registers an extension (an internal one: a thread of this process)
//!   for the events in `FIXTURE_EXTENSION_EVENTS` (comma-separated, e.g. `INVOKE,SHUTDOWN`;
//!   none when unset), then polls `/extension/event/next` on its own connection, printing each
//!   event as `fixture extension NAME <json>` on stdout. A refused registration exits 5.
//! - `FIXTURE_SNAP=restore` asks for `/runtime/restore/next` and prints `fixture restored` when
//!   it is answered; `FIXTURE_SNAP=restore-error` then posts to `/runtime/restore/error`
//!   (`Runtime.AfterRestoreError`) and exits 4; `FIXTURE_SNAP=before-error` posts a
//!   `Runtime.BeforeSnapshotError` to `/runtime/init/error` and exits 3.
//!
//! With `AWS_LAMBDA_MAX_CONCURRENCY=N` (N > 1) it runs N workers on threads, each polling on its
//! own connection, as a runtime on Lambda Managed Instances does. Replies echo the
//! `Lambda-Runtime-Invocation-Id` that `/next` sent, when it sent one.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::exit;
use std::time::Duration;

struct Api {
    authority: String,
    prefix: String,
    conn: Option<(BufReader<TcpStream>, TcpStream)>,
    /// The `Lambda-Runtime-Invocation-Id` of the invocation being handled, echoed on its reply.
    invocation_id: Option<String>,
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Api {
    fn from_env() -> Api {
        let raw = std::env::var("AWS_LAMBDA_RUNTIME_API")
            .unwrap_or_else(|_| fail("AWS_LAMBDA_RUNTIME_API not set"));
        let raw = raw.strip_prefix("http://").unwrap_or(&raw);
        let (authority, prefix) = match raw.find('/') {
            Some(i) => (&raw[..i], raw[i..].trim_end_matches('/')),
            None => (raw, ""),
        };
        Api {
            authority: authority.to_owned(),
            prefix: prefix.to_owned(),
            conn: None,
            invocation_id: None,
        }
    }

    fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        for attempt in 0..2 {
            match self.try_request(method, path, headers, body) {
                Ok(r) => return r,
                Err(e) if attempt == 0 => {
                    eprintln!("fixture: reconnecting after {e}");
                    self.conn = None;
                }
                Err(e) => fail(&format!("request failed: {e}")),
            }
        }
        unreachable!()
    }

    fn try_request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<Response> {
        if self.conn.is_none() {
            let stream = TcpStream::connect(&self.authority)?;
            stream.set_nodelay(true)?;
            let reader = BufReader::new(stream.try_clone()?);
            self.conn = Some((reader, stream));
        }
        let Some((reader, stream)) = self.conn.as_mut() else {
            unreachable!()
        };
        // A path starting with `/` is taken as is (the Extensions API); others are under
        // the Runtime API.
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/2018-06-01/runtime/{path}")
        };
        let mut head = format!(
            "{method} {}{path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n",
            self.prefix,
            self.authority,
            body.len()
        );
        for (n, v) in headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;

        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((n, v)) = l.split_once(':') {
                headers.push((n.trim().to_owned(), v.trim().to_owned()));
            }
        }
        let mut response = Response {
            status,
            headers,
            body: Vec::new(),
        };
        let len: usize = response
            .header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        response.body = vec![0; len];
        reader.read_exact(&mut response.body)?;
        if response
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
        {
            self.conn = None;
        }
        Ok(response)
    }

    fn post(&mut self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> u16 {
        let mut headers = headers.to_vec();
        let invocation_id = self.invocation_id.clone();
        if let Some(id) = invocation_id
            .as_deref()
            .filter(|_| path.starts_with("invocation/"))
        {
            headers.push(("Lambda-Runtime-Invocation-Id", id));
        }
        self.request("POST", path, &headers, body).status
    }
}

fn fail(message: &str) -> ! {
    eprintln!("fixture: {message}");
    exit(70)
}

fn sleep_forever() -> ! {
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

/// `invoke NAME` + a line with the payload: invokes the function NAME through the Invoke API at
/// `AWS_ENDPOINT_URL_LAMBDA`, as an AWS SDK would, and gives its answer as JSON.
fn invoke_other(call: &str) -> String {
    let (name, payload) = call.split_once('\n').unwrap_or((call, "{}"));
    let endpoint = std::env::var("AWS_ENDPOINT_URL_LAMBDA")
        .unwrap_or_else(|_| fail("AWS_ENDPOINT_URL_LAMBDA not set"));
    let authority = endpoint
        .strip_prefix("http://")
        .unwrap_or_else(|| fail(&format!("not an http:// endpoint: {endpoint}")))
        .trim_end_matches('/');
    let mut lambda = Api {
        authority: authority.to_owned(),
        prefix: String::new(),
        conn: None,
        invocation_id: None,
    };
    let answer = lambda.request(
        "POST",
        &format!("/2015-03-31/functions/{}/invocations", name.trim()),
        &[],
        payload.as_bytes(),
    );
    format!(
        r#"{{"invoked":{},"status":{},"functionError":{},"payload":{}}}"#,
        json_string(name.trim()),
        answer.status,
        json_string(answer.header("x-amz-function-error").unwrap_or("")),
        json_string(&String::from_utf8_lossy(&answer.body))
    )
}

/// `metadata` [`wrong`|`none`]: reads the metadata endpoint over a connection of its own, as a
/// function on Lambda does, and gives what it got as JSON.
fn read_metadata(mode: &str) -> String {
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| fail(&format!("{name} not set")));
    let authority = var("AWS_LAMBDA_METADATA_API");
    let token = var("AWS_LAMBDA_METADATA_TOKEN");
    let authorization = match mode {
        "" => Some(format!("Bearer {token}")),
        "wrong" => Some(format!("Bearer {token}0")),
        "none" => None,
        other => fail(&format!(
            "`metadata` takes `wrong` or `none`, not {other:?}"
        )),
    };
    let headers: Vec<(&str, &str)> = authorization
        .iter()
        .map(|a| ("Authorization", a.as_str()))
        .collect();
    let mut metadata = Api {
        authority,
        prefix: String::new(),
        conn: None,
        invocation_id: None,
    };
    let answer = metadata.request(
        "GET",
        "/2026-01-15/metadata/execution-environment",
        &headers,
        b"",
    );
    format!(
        r#"{{"status":{},"contentType":{},"cacheControl":{},"body":{}}}"#,
        answer.status,
        json_string(answer.header("content-type").unwrap_or("")),
        json_string(answer.header("cache-control").unwrap_or("")),
        json_string(&String::from_utf8_lossy(&answer.body))
    )
}

fn lambda_env() -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| {
            k.starts_with("AWS_") || k.starts_with("LAMBDA_") || k == "_HANDLER" || k == "TZ"
        })
        .collect();
    vars.sort();
    vars
}

fn json_object(pairs: &[(String, String)]) -> String {
    let fields: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}:{}", json_string(k), json_string(v)))
        .collect();
    format!("{{{}}}", fields.join(","))
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn main() {
    let mut api = Api::from_env();
    const INIT_ERROR: &[u8] =
        br#"{"errorMessage":"init failed","errorType":"InitFailed","stackTrace":[]}"#;
    match std::env::var("FIXTURE_INIT").as_deref() {
        Ok("exit") => exit(2),
        Ok("error") => {
            api.post(
                "init/error",
                &[("Lambda-Runtime-Function-Error-Type", "InitFailed")],
                INIT_ERROR,
            );
            exit(3);
        }
        Ok("error-stay") => {
            api.post(
                "init/error",
                &[("Lambda-Runtime-Function-Error-Type", "InitFailed")],
                INIT_ERROR,
            );
            sleep_forever();
        }
        Ok("hang") => sleep_forever(),
        _ => {}
    }
    if let Ok(name) = std::env::var("FIXTURE_EXTENSION") {
        register_extension(&name);
    }
    match std::env::var("FIXTURE_SNAP").as_deref() {
        Ok("before-error") => {
            api.post(
                "init/error",
                &[(
                    "Lambda-Runtime-Function-Error-Type",
                    "Runtime.BeforeSnapshotError",
                )],
                br#"{"errorMessage":"before snapshot failed","errorType":"Runtime.BeforeSnapshotError","stackTrace":[]}"#,
            );
            exit(3);
        }
        Ok(mode @ ("restore" | "restore-error")) => {
            let restored = api.request("GET", "restore/next", &[], b"");
            if restored.status != 200 {
                fail(&format!("/restore/next answered {}", restored.status));
            }
            println!("fixture restored");
            if mode == "restore-error" {
                api.post(
                    "restore/error",
                    &[("Lambda-Runtime-Function-Error-Type", "Runtime.AfterRestoreError")],
                    br#"{"errorMessage":"after restore failed","errorType":"Runtime.AfterRestoreError","stackTrace":[]}"#,
                );
                exit(4);
            }
        }
        _ => {}
    }
    let workers: usize = std::env::var("AWS_LAMBDA_MAX_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    if workers <= 1 {
        worker(&mut api);
    }
    let threads: Vec<_> = (0..workers)
        .map(|_| std::thread::spawn(|| worker(&mut Api::from_env())))
        .collect();
    for t in threads {
        let _ = t.join();
    }
}

/// Registers the extension `name` and polls its events on a thread of its own.
fn register_extension(name: &str) {
    let events: Vec<String> = std::env::var("FIXTURE_EXTENSION_EVENTS")
        .unwrap_or_default()
        .split(',')
        .filter(|e| !e.is_empty())
        .map(|e| format!("\"{e}\""))
        .collect();
    let body = format!(r#"{{"events":[{}]}}"#, events.join(","));
    let mut api = Api::from_env();
    let registered = api.request(
        "POST",
        "/2020-01-01/extension/register",
        &[("Lambda-Extension-Name", name)],
        body.as_bytes(),
    );
    let id = match registered.header("lambda-extension-identifier") {
        Some(id) if registered.status == 200 => id.to_owned(),
        _ => {
            eprintln!(
                "fixture: extension registration answered {}: {}",
                registered.status,
                String::from_utf8_lossy(&registered.body)
            );
            exit(5);
        }
    };
    let name = name.to_owned();
    std::thread::spawn(move || {
        loop {
            let event = api.request(
                "GET",
                "/2020-01-01/extension/event/next",
                &[("Lambda-Extension-Identifier", &id)],
                b"",
            );
            if event.status != 200 {
                fail(&format!("/event/next answered {}", event.status));
            }
            println!(
                "fixture extension {name} {}",
                String::from_utf8_lossy(&event.body)
            );
        }
    });
}

fn worker(api: &mut Api) -> ! {
    loop {
        let next = api.request("GET", "invocation/next", &[], b"");
        if next.status != 200 {
            fail(&format!("/next answered {}", next.status));
        }
        let Some(id) = next
            .header("lambda-runtime-aws-request-id")
            .map(str::to_owned)
        else {
            fail("/next without a request id");
        };
        api.invocation_id = next
            .header("lambda-runtime-invocation-id")
            .map(str::to_owned);
        let response_path = format!("invocation/{id}/response");
        let body = next.body.clone();
        let action = String::from_utf8_lossy(&body).trim().to_owned();
        match action.as_str() {
            "sleep" => sleep_forever(),
            "exit" => exit(1),
            "abort" => std::process::abort(),
            "skip" => continue,
            "error" => {
                let error = br#"{"errorMessage":"boom","errorType":"FixtureError","stackTrace":["at fixture"]}"#;
                api.post(
                    &format!("invocation/{id}/error"),
                    &[("Lambda-Runtime-Function-Error-Type", "FixtureError")],
                    error,
                );
            }
            "big" => {
                let big = vec![b'x'; 6 * 1024 * 1024 + 1];
                let status = api.post(&response_path, &[], &big);
                let error = format!(
                    r#"{{"errorMessage":"response rejected with {status}","errorType":"Function.ResponseSizeTooLarge"}}"#
                );
                api.post(&format!("invocation/{id}/error"), &[], error.as_bytes());
            }
            "context" => {
                let headers: Vec<(String, String)> = next
                    .headers
                    .iter()
                    .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
                    .collect();
                let reply = format!(
                    r#"{{"headers":{},"env":{},"cwd":{}}}"#,
                    json_object(&headers),
                    json_object(&lambda_env()),
                    json_string(
                        &std::env::current_dir()
                            .map(|d| d.display().to_string())
                            .unwrap_or_default()
                    )
                );
                api.post(&response_path, &[], reply.as_bytes());
            }
            "print" => {
                println!("fixture stdout {id}");
                eprintln!("fixture stderr {id}");
                api.post(&response_path, &[], &body);
            }
            "memory" => {
                let mut block = vec![0u8; 32 * 1024 * 1024];
                for i in (0..block.len()).step_by(4096) {
                    block[i] = 1;
                }
                let touched: usize = block.iter().step_by(4096).map(|&b| b as usize).sum();
                api.post(&response_path, &[], touched.to_string().as_bytes());
            }
            wait if wait.starts_with("wait:") => {
                let ms = wait["wait:".len()..].parse().unwrap_or(0);
                std::thread::sleep(Duration::from_millis(ms));
                let status = api.post(&response_path, &[], &body);
                println!("fixture reply {id} {status}");
            }
            read if read == "metadata" || read.starts_with("metadata ") => {
                let reply = read_metadata(read["metadata".len()..].trim());
                api.post(&response_path, &[], reply.as_bytes());
            }
            call if call.starts_with("invoke ") => {
                let reply = invoke_other(&call["invoke ".len()..]);
                api.post(&response_path, &[], reply.as_bytes());
            }
            say if say.starts_with("say\n") => {
                for line in say.lines().skip(1) {
                    match line.split_at_checked(2) {
                        Some(("O ", text)) => println!("{text}"),
                        Some(("E ", text)) => eprintln!("{text}"),
                        _ => fail(&format!("`say` lines start with `O ` or `E `: {line:?}")),
                    }
                }
                api.post(&response_path, &[], b"said");
            }
            stream if stream.starts_with("stream\n") => stream_reply(api, &id, stream),
            http if http_path(http).is_some() => http_reply(api, &id, http),
            "exit-after" => {
                api.post(&response_path, &[], &body);
                exit(0);
            }
            _ => {
                api.post(&response_path, &[], &body);
            }
        }
    }
}

/// The paths of HTTP events the fixture answers, found in the event's JSON text (`rawPath` of
/// payload 2.0, `path` of payload 1.0 and of the load balancer).
const HTTP_PATHS: [&str; 5] = ["event", "scripted", "bare", "stream", "fail"];

fn http_path(event: &str) -> Option<&'static str> {
    if !event.starts_with('{') {
        return None;
    }
    HTTP_PATHS.into_iter().find(|p| {
        event.contains(&format!("\"rawPath\":\"/{p}\""))
            || event.contains(&format!("\"path\":\"/{p}\""))
    })
}

/// Answers an HTTP event by its path:
/// - `/event`: 200, `application/json`, the event itself as the body;
/// - `/scripted`: 201 (`statusDescription` `201 Created`) with every reply field of every
///   front: `headers` (`content-type: image/png`, `x-single: one`), `multiValueHeaders`
///   (`x-multi: a, b`, `set-cookie: s=1, t=2`), `cookies` (`c=1; Path=/`, `d=2`), and the
///   binary body `89 50 4E 47 00 FF` in base64;
/// - `/bare`: `{"bare":true}`, a reply without `statusCode`;
/// - `/stream`: a streamed function URL reply (HTTP integration): prelude with 202, a header and
///   a cookie, 8 NULs, then `first ` and `second` in two chunks;
/// - `/fail`: a function error.
fn http_reply(api: &mut Api, id: &str, event: &str) {
    let response_path = format!("invocation/{id}/response");
    match http_path(event) {
        Some("event") => {
            let reply = format!(
                r#"{{"statusCode":200,"headers":{{"content-type":"application/json"}},"body":{}}}"#,
                json_string(event)
            );
            api.post(&response_path, &[], reply.as_bytes());
        }
        Some("scripted") => {
            let reply = format!(
                r#"{{"statusCode":201,"statusDescription":"201 Created","headers":{{"content-type":"image/png","x-single":"one"}},"multiValueHeaders":{{"x-multi":["a","b"],"set-cookie":["s=1","t=2"]}},"cookies":["c=1; Path=/","d=2"],"body":"{}","isBase64Encoded":true}}"#,
                base64(&[0x89, b'P', b'N', b'G', 0, 0xff])
            );
            api.post(&response_path, &[], reply.as_bytes());
        }
        Some("bare") => {
            api.post(&response_path, &[], br#"{"bare":true}"#);
        }
        Some("stream") => {
            let prelude = r#"{"statusCode":202,"headers":{"x-streamed":"yes","content-type":"text/plain"},"cookies":["s=1"]}"#;
            let script = format!(
                "stream\nct application/vnd.awslambda.http-integration-response\nchunk {prelude}{}first \nchunk second",
                "\\0".repeat(8)
            );
            stream_reply(api, id, &script);
        }
        _ => {
            let error = br#"{"errorMessage":"boom","errorType":"FixtureError","stackTrace":[]}"#;
            api.post(
                &format!("invocation/{id}/error"),
                &[("Lambda-Runtime-Function-Error-Type", "FixtureError")],
                error,
            );
        }
    }
}

/// Streams a reply as the `stream` action's lines say, writing the chunked request by hand.
fn stream_reply(api: &mut Api, id: &str, script: &str) {
    // A fresh connection: the request is written piece by piece.
    api.conn = None;
    let mut stream =
        TcpStream::connect(&api.authority).unwrap_or_else(|e| fail(&format!("connect: {e}")));
    let _ = stream.set_nodelay(true);
    let mut content_type = "application/octet-stream".to_owned();
    let mut head_sent = false;
    let mut trailers = String::new();
    let lines: Vec<&str> = script.lines().skip(1).collect();
    for line in lines {
        let (verb, rest) = line.split_once(' ').unwrap_or((line, ""));
        if verb == "ct" {
            content_type = rest.to_owned();
            continue;
        }
        if !head_sent {
            let mut head = format!(
                "POST {}/2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nHost: {}\r\n\
                 Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n\
                 Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\
                 Content-Type: {content_type}\r\n",
                api.prefix, api.authority
            );
            if let Some(invocation_id) = &api.invocation_id {
                head.push_str(&format!(
                    "Lambda-Runtime-Invocation-Id: {invocation_id}\r\n"
                ));
            }
            head.push_str("\r\n");
            write_or_fail(&mut stream, head.as_bytes());
            head_sent = true;
        }
        match verb {
            "chunk" => {
                let data = rest.replace("\\0", "\0");
                let mut frame = format!("{:x}\r\n", data.len()).into_bytes();
                frame.extend_from_slice(data.as_bytes());
                frame.extend_from_slice(b"\r\n");
                write_or_fail(&mut stream, &frame);
            }
            "wait-file" => {
                let path = std::path::Path::new(rest);
                let mut waited = 0;
                while !path.exists() && waited < 3000 {
                    std::thread::sleep(Duration::from_millis(10));
                    waited += 1;
                }
            }
            "error" => {
                let (kind, message) = rest.split_once(' ').unwrap_or((rest, ""));
                let body = format!(
                    r#"{{"errorMessage":{},"errorType":{},"stackTrace":[]}}"#,
                    json_string(message),
                    json_string(kind)
                );
                trailers = format!(
                    "Lambda-Runtime-Function-Error-Type: {kind}\r\nLambda-Runtime-Function-Error-Body: {}\r\n",
                    base64(body.as_bytes())
                );
            }
            "exit" => exit(1),
            other => fail(&format!("unknown stream line {other:?}")),
        }
    }
    write_or_fail(&mut stream, format!("0\r\n{trailers}\r\n").as_bytes());
    let mut reader = BufReader::new(stream);
    let mut status = String::new();
    let _ = reader.read_line(&mut status);
    if !status.contains(" 202 ") {
        fail(&format!("streamed reply answered {status:?}"));
    }
}

fn write_or_fail(stream: &mut TcpStream, bytes: &[u8]) {
    if let Err(e) = stream.write_all(bytes).and_then(|()| stream.flush()) {
        fail(&format!("write: {e}"));
    }
}

fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for group in data.chunks(3) {
        let b = [
            group[0],
            *group.get(1).unwrap_or(&0),
            *group.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            out.push(if i <= group.len() {
                ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}
