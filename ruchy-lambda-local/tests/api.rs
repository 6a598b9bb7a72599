//! The Runtime API server, driven by plain TCP clients writing raw HTTP bytes.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ruchy_lambda_local::{Event, Outcome, RuntimeApiServer, ServerConfig};

const WAIT: Duration = Duration::from_secs(10);
const NEXT: &str = "/2018-06-01/runtime/invocation/next";

#[derive(Debug)]
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

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

struct Client {
    reader: BufReader<TcpStream>,
    stream: TcpStream,
}

impl Client {
    fn connect(server: &RuntimeApiServer) -> Client {
        let stream = TcpStream::connect(server.addr()).unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            stream,
        }
    }

    fn send(&mut self, raw: &[u8]) {
        self.stream.write_all(raw).unwrap();
    }

    /// The next response, or `None` when the server closed the connection.
    fn response(&mut self) -> Option<Response> {
        let mut line = String::new();
        if self.reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let status = line.split(' ').nth(1).unwrap().parse().unwrap();
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line).unwrap();
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let (n, v) = l.split_once(':').unwrap();
            headers.push((n.trim().to_owned(), v.trim().to_owned()));
        }
        let mut r = Response {
            status,
            headers,
            body: Vec::new(),
        };
        let len: usize = r.header("content-length").unwrap().parse().unwrap();
        r.body = vec![0; len];
        self.reader.read_exact(&mut r.body).unwrap();
        Some(r)
    }

    fn request(&mut self, raw: &[u8]) -> Response {
        self.send(raw);
        self.response().expect("connection closed")
    }

    fn next(&mut self) -> Response {
        self.request(format!("GET {NEXT} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
    }

    fn post(&mut self, path: &str, body: &[u8]) -> Response {
        let mut raw = format!(
            "POST /2018-06-01/runtime/{path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        raw.extend_from_slice(body);
        self.request(&raw)
    }

    fn respond(&mut self, id: &str, body: &[u8]) -> Response {
        self.post(&format!("invocation/{id}/response"), body)
    }

    /// Whether the server closed the connection (reads EOF or a reset).
    fn is_closed(&mut self) -> bool {
        let mut buf = [0u8; 1];
        matches!(self.reader.read(&mut buf), Ok(0) | Err(_))
    }
}

fn start() -> RuntimeApiServer {
    RuntimeApiServer::start(ServerConfig::default()).unwrap()
}

fn request_id(r: &Response) -> String {
    r.header("lambda-runtime-aws-request-id")
        .unwrap()
        .to_owned()
}

#[test]
fn one_keep_alive_connection_serves_a_thousand_invocations() {
    let server = start();
    let mut client = Client::connect(&server);
    for i in 0..1000 {
        let body = format!(r#"{{"n":{i}}}"#);
        let id = server.enqueue(Event::new(body.clone()));
        let next = client.next();
        assert_eq!(next.status, 200);
        assert_eq!(request_id(&next), id);
        assert_eq!(next.body, body.as_bytes());
        let answer = client.respond(&id, format!("reply {i}").as_bytes());
        assert_eq!(
            (answer.status, answer.body.as_slice()),
            (202, &br#"{"status":"OK"}"#[..])
        );
    }
    assert_eq!(server.connections_accepted(), 1);
    let log = server.request_log();
    assert_eq!(log.len(), 2000);
    assert!(log.iter().all(|e| e.connection == 1 && e.status.is_some()));
    assert_eq!(log.iter().filter(|e| e.method == "GET").count(), 1000);
    let records = server.records();
    assert_eq!(records.len(), 1000);
    for (i, r) in records.iter().enumerate() {
        assert_eq!(
            r.outcome,
            Outcome::Response(format!("reply {i}").into_bytes())
        );
        assert_eq!((r.answers, r.rejected, r.connection), (1, 0, Some(1)));
        assert!(r.queued_at <= r.handed_out_at.unwrap());
        assert!(r.handed_out_at <= r.completed_at);
    }
}

#[test]
fn next_sends_the_invocation_headers() {
    let server = RuntimeApiServer::start(ServerConfig {
        function_name: "orders".into(),
        timeout: Duration::from_secs(7),
        ..ServerConfig::default()
    })
    .unwrap();
    let mut client = Client::connect(&server);

    let id = server.enqueue("plain");
    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let next = client.next();
    assert_eq!(next.header("content-type"), Some("application/json"));
    assert_eq!(next.header("content-length"), Some("5"));
    assert_eq!(request_id(&next), id);
    assert_eq!(
        next.header("lambda-runtime-invoked-function-arn"),
        Some("arn:aws:lambda:us-east-1:012345678912:function:orders")
    );
    let deadline: u64 = next
        .header("lambda-runtime-deadline-ms")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        deadline >= before + 7000 && deadline <= before + 8000,
        "{deadline} vs {before}"
    );
    let trace = next.header("lambda-runtime-trace-id").unwrap();
    assert!(
        trace.starts_with("Root=1-") && trace.contains(";Parent=") && trace.ends_with(";Sampled=0")
    );
    for absent in [
        "lambda-runtime-client-context",
        "lambda-runtime-cognito-identity",
        "lambda-runtime-aws-tenant-id",
    ] {
        assert_eq!(next.header(absent), None);
    }
    client.respond(&id, b"ok");

    let event = Event::json(&serde_json::json!({"a": 1}))
        .client_context(r#"{"client":{"app":"x"}}"#)
        .cognito_identity(r#"{"cognitoIdentityId":"id"}"#)
        .tenant_id("tenant-7")
        .trace_id("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");
    let id = server.enqueue(event);
    let next = client.next();
    assert_eq!(next.body, br#"{"a":1}"#);
    assert_eq!(
        next.header("lambda-runtime-client-context"),
        Some(r#"{"client":{"app":"x"}}"#)
    );
    assert_eq!(
        next.header("lambda-runtime-cognito-identity"),
        Some(r#"{"cognitoIdentityId":"id"}"#)
    );
    assert_eq!(
        next.header("lambda-runtime-aws-tenant-id"),
        Some("tenant-7")
    );
    assert_eq!(
        next.header("lambda-runtime-trace-id"),
        Some("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
    );
    let record = server.record(&id).unwrap();
    assert_eq!(record.outcome, Outcome::Pending);
    assert_eq!(
        record.deadline_ms,
        next.header("lambda-runtime-deadline-ms")
            .unwrap()
            .parse()
            .ok()
    );
}

#[test]
fn next_long_polls_until_an_event_is_queued() {
    let server = start();
    let mut client = Client::connect(&server);
    client.send(format!("GET {NEXT} HTTP/1.1\r\n\r\n").as_bytes());
    assert!(server.wait_for_long_poll(WAIT));
    assert!(server.first_next_at().is_some());

    // Nothing arrives while the queue is empty.
    client
        .stream
        .set_read_timeout(Some(Duration::from_millis(150)))
        .unwrap();
    let mut buf = [0u8; 1];
    let err = client.reader.read(&mut buf).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err}"
    );
    assert_eq!(server.waiting_next(), 1);
    assert_eq!(server.request_log().len(), 0);

    client.stream.set_read_timeout(Some(WAIT)).unwrap();
    let id = server.enqueue("late");
    let next = client.response().unwrap();
    assert_eq!((request_id(&next), next.body), (id, b"late".to_vec()));
    assert_eq!(server.waiting_next(), 0);
}

#[test]
fn invoke_waits_for_the_answer() {
    let server = start();
    let addr = server.addr();
    let runtime = thread::spawn(move || {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        let mut client = Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            stream,
        };
        let next = client.next();
        let mut reply = next.body.clone();
        reply.reverse();
        client.respond(&request_id(&next), &reply).status
    });
    let record = server.invoke("abc", WAIT).unwrap();
    assert_eq!(record.outcome, Outcome::Response(b"cba".to_vec()));
    assert!(record.duration().is_some());
    assert_eq!(runtime.join().unwrap(), 202);

    let timeout = server
        .invoke("nobody asks", Duration::from_millis(20))
        .unwrap_err();
    assert_eq!(
        server.record(&timeout.request_id).unwrap().outcome,
        Outcome::Queued
    );
}

#[test]
fn chunked_bodies_and_expect_continue() {
    let server = start();
    let mut client = Client::connect(&server);
    let id = server.enqueue("e");
    client.next();
    let raw = format!(
        "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nchun\r\n6;x=y\r\nked bo\r\n2\r\ndy\r\n0\r\n\r\n"
    );
    assert_eq!(client.request(raw.as_bytes()).status, 202);
    assert_eq!(
        server.record(&id).unwrap().outcome,
        Outcome::Response(b"chunked body".to_vec())
    );

    let id = server.enqueue("e");
    client.next();
    let head = format!(
        "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"
    );
    client.send(head.as_bytes());
    let cont = client.response_head_only();
    assert_eq!(cont, "HTTP/1.1 100 Continue");
    client.send(b"ok");
    assert_eq!(client.response().unwrap().status, 202);
    assert_eq!(
        server.record(&id).unwrap().outcome,
        Outcome::Response(b"ok".to_vec())
    );
}

impl Client {
    /// Reads an interim response (status line and empty header section), returns its status line.
    fn response_head_only(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let mut blank = String::new();
        self.reader.read_line(&mut blank).unwrap();
        assert_eq!(blank, "\r\n");
        line.trim_end().to_owned()
    }
}

#[test]
fn oversize_response_gets_413_and_the_invocation_stays_pending() {
    let server = RuntimeApiServer::start(ServerConfig {
        max_response_bytes: 1000,
        ..ServerConfig::default()
    })
    .unwrap();
    let mut client = Client::connect(&server);
    let id = server.enqueue("e");
    client.next();
    let too_big = client.respond(&id, &[b'x'; 1001]);
    assert_eq!(too_big.status, 413);
    assert_eq!(too_big.json()["errorType"], "RequestEntityTooLarge");
    assert_eq!(server.record(&id).unwrap().outcome, Outcome::Pending);

    // Chunked, over the limit too.
    let raw = format!(
        "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n{}\r\n1\r\nx\r\n0\r\n\r\n",
        "y".repeat(1000)
    );
    assert_eq!(client.request(raw.as_bytes()).status, 413);

    // Same connection, still usable: the function reports an error for the invocation.
    let error = client.post(
        &format!("invocation/{id}/error"),
        br#"{"errorMessage":"too big","errorType":"Function.ResponseSizeTooLarge"}"#,
    );
    assert_eq!(error.status, 202);
    let record = server.record(&id).unwrap();
    assert_eq!((record.answers, record.rejected), (1, 2));
    let Outcome::Error(report) = record.outcome else {
        panic!("{:?}", record.outcome)
    };
    assert_eq!(
        report.error_type.as_deref(),
        Some("Function.ResponseSizeTooLarge")
    );
    assert_eq!(server.connections_accepted(), 1);
}

#[test]
fn default_limit_is_six_mib() {
    let server = start();
    let mut client = Client::connect(&server);
    let id = server.enqueue("e");
    client.next();
    assert_eq!(client.respond(&id, &vec![b'x'; 6_291_457]).status, 413);
    let exact = vec![b'y'; 6_291_456];
    assert_eq!(client.respond(&id, &exact).status, 202);
    assert_eq!(
        server.record(&id).unwrap().outcome,
        Outcome::Response(exact)
    );
}

#[test]
fn far_oversize_body_is_not_read() {
    let server = RuntimeApiServer::start(ServerConfig {
        max_response_bytes: 10,
        ..ServerConfig::default()
    })
    .unwrap();
    let mut client = Client::connect(&server);
    let id = server.enqueue("e");
    client.next();
    let raw = format!(
        "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nContent-Length: 999999999999\r\n\r\n"
    );
    let r = client.request(raw.as_bytes());
    assert_eq!(r.status, 413);
    assert_eq!(r.header("connection"), Some("close"));
    assert!(client.is_closed());
}

#[test]
fn answers_for_unknown_invalid_or_repeated_ids_get_400_and_late_ones_410() {
    let server = start();
    let mut client = Client::connect(&server);

    let r = client.respond("00000000-0000-4000-8000-000000000000", b"x");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errorType"], "InvalidRequestID");
    for bad in ["a%20b", "a*b", "a:b", &"x".repeat(129)] {
        assert_eq!(client.respond(bad, b"x").status, 400, "{bad}");
        assert_eq!(
            client
                .post(&format!("invocation/{bad}/error"), b"{}")
                .status,
            400,
            "{bad}"
        );
    }

    // Queued but not handed out yet.
    let first = server.enqueue("1");
    assert_eq!(client.respond(&first, b"x").status, 400);
    client.next();
    assert_eq!(client.respond(&first, b"x").status, 202);
    // Answered twice, or an error after the response.
    assert_eq!(client.respond(&first, b"y").status, 400);
    assert_eq!(
        client
            .post(&format!("invocation/{first}/error"), b"{}")
            .status,
        400
    );
    let record = server.record(&first).unwrap();
    assert_eq!(record.outcome, Outcome::Response(b"x".to_vec()));
    assert_eq!((record.answers, record.rejected), (1, 3));

    // Timed out.
    let late = server.enqueue("2");
    client.next();
    assert!(server.mark_timed_out(&late));
    assert!(!server.mark_timed_out(&late));
    let r = client.respond(&late, b"x");
    assert_eq!(r.status, 410);
    assert_eq!(r.json()["errorType"], "InvocationGone");
    assert!(
        r.json()["errorMessage"]
            .as_str()
            .unwrap()
            .contains("timed out")
    );
    assert_eq!(server.record(&late).unwrap().outcome, Outcome::TimedOut);
    // All on one connection: 400s and 410s keep it open.
    assert_eq!(server.connections_accepted(), 1);
}

#[test]
fn error_reports_are_recorded_with_their_header() {
    let server = start();
    let mut client = Client::connect(&server);
    let id = server.enqueue("e");
    client.next();
    let body =
        br#"{"errorMessage":"order 7 is empty","errorType":"OrderError","stackTrace":["a","b"]}"#;
    let raw = format!(
        "POST /2018-06-01/runtime/invocation/{id}/error HTTP/1.1\r\nLambda-Runtime-Function-Error-Type: OrderError\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut raw = raw.into_bytes();
    raw.extend_from_slice(body);
    assert_eq!(client.request(&raw).status, 202);
    let Outcome::Error(report) = server.record(&id).unwrap().outcome else {
        panic!()
    };
    assert_eq!(report.body, body);
    assert_eq!(report.error_type_header.as_deref(), Some("OrderError"));
    assert_eq!(report.error_type.as_deref(), Some("OrderError"));
    assert_eq!(report.error_message.as_deref(), Some("order 7 is empty"));
    assert_eq!(report.stack_trace, ["a", "b"]);

    // A body that is not JSON is kept as is.
    let id = server.enqueue("e");
    client.next();
    assert_eq!(
        client
            .post(&format!("invocation/{id}/error"), b"plain text")
            .status,
        202
    );
    let Outcome::Error(report) = server.record(&id).unwrap().outcome else {
        panic!()
    };
    assert_eq!(
        (report.body.as_slice(), report.error_type),
        (&b"plain text"[..], None)
    );
}

#[test]
fn init_error_only_before_the_first_next() {
    let server = start();
    let mut client = Client::connect(&server);
    let body = br#"{"errorMessage":"no config","errorType":"InitError"}"#;
    let raw = format!(
        "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nLambda-Runtime-Function-Error-Type: InitError\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut raw = raw.into_bytes();
    raw.extend_from_slice(body);
    assert_eq!(client.request(&raw).status, 202);
    let init = server.init_error().unwrap();
    assert_eq!(init.error_type_header.as_deref(), Some("InitError"));
    assert_eq!(init.error_message.as_deref(), Some("no config"));
    assert_eq!(init.body, body);
    // Reported twice.
    assert_eq!(client.request(&raw).status, 403);

    let server = start();
    let mut client = Client::connect(&server);
    server.enqueue("e");
    client.next();
    let r = client.post("init/error", body);
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["errorType"], "InvalidStateTransition");
    assert!(server.init_error().is_none());
}

#[test]
fn asking_again_without_answering_abandons_the_invocation() {
    let server = start();
    let mut client = Client::connect(&server);
    let first = server.enqueue("1");
    let second = server.enqueue("2");
    assert_eq!(request_id(&client.next()), first);
    assert_eq!(request_id(&client.next()), second);
    assert_eq!(server.record(&first).unwrap().outcome, Outcome::Abandoned);
    assert_eq!(client.respond(&first, b"late").status, 400);
    assert_eq!(client.respond(&second, b"ok").status, 202);
}

#[test]
fn serves_under_a_path_prefix() {
    let server = RuntimeApiServer::start(ServerConfig {
        path_prefix: "/some/prefix/".into(),
        ..ServerConfig::default()
    })
    .unwrap();
    assert_eq!(
        server.runtime_api(),
        format!("http://{}/some/prefix", server.addr())
    );
    let mut client = Client::connect(&server);
    let id = server.enqueue("e");
    assert_eq!(client.next().status, 404);
    let next = client.request(format!("GET /some/prefix{NEXT} HTTP/1.1\r\n\r\n").as_bytes());
    assert_eq!(request_id(&next), id);
    let raw = format!(
        "POST /some/prefix/2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nContent-Length: 2\r\n\r\nok"
    );
    assert_eq!(client.request(raw.as_bytes()).status, 202);
    assert_eq!(
        server.record(&id).unwrap().outcome,
        Outcome::Response(b"ok".to_vec())
    );
    let plain = start();
    assert_eq!(plain.runtime_api(), plain.addr().to_string());
}

#[test]
fn unknown_paths_404_and_wrong_methods_405_keep_the_connection() {
    let server = start();
    let mut client = Client::connect(&server);
    assert_eq!(client.request(b"GET / HTTP/1.1\r\n\r\n").status, 404);
    assert_eq!(
        client
            .request(b"GET /2018-06-01/runtime/invocation HTTP/1.1\r\n\r\n")
            .status,
        404
    );
    assert_eq!(
        client
            .request(b"GET /2015-03-31/functions/function/invocations HTTP/1.1\r\n\r\n")
            .status,
        404
    );
    let r = client.request(format!("POST {NEXT} HTTP/1.1\r\nContent-Length: 0\r\n\r\n").as_bytes());
    assert_eq!((r.status, r.header("allow")), (405, Some("GET")));
    let r = client.request(b"GET /2018-06-01/runtime/init/error HTTP/1.1\r\n\r\n");
    assert_eq!((r.status, r.header("allow")), (405, Some("POST")));
    let r = client.request(b"DELETE /2018-06-01/runtime/invocation/abc/response HTTP/1.1\r\n\r\n");
    assert_eq!(r.status, 405);
    assert_eq!(server.connections_accepted(), 1);
    let statuses: Vec<_> = server.request_log().iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        [
            Some(404),
            Some(404),
            Some(404),
            Some(405),
            Some(405),
            Some(405)
        ]
    );
}

#[test]
fn malformed_requests_get_400_and_the_connection_is_closed() {
    let server = start();
    for raw in [
        &b"GARBAGE\r\n\r\n"[..],
        b"GET /x HTTP/1.1\r\nno colon here\r\n\r\n",
        b"POST /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        b"POST /x HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nnot-hex\r\n",
    ] {
        let mut client = Client::connect(&server);
        let r = client.request(raw);
        assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(raw));
        assert_eq!(r.header("connection"), Some("close"));
        assert!(client.is_closed());
    }
    let log = server.request_log();
    assert_eq!(log.len(), 5);
    assert!(log.iter().all(|e| e.status == Some(400)));
}

#[test]
fn header_section_is_capped() {
    let server = start();
    let mut client = Client::connect(&server);
    let mut raw = format!("GET {NEXT} HTTP/1.1\r\n").into_bytes();
    for i in 0..2000 {
        raw.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "v".repeat(40)).as_bytes());
    }
    raw.extend_from_slice(b"\r\n");
    // The server may stop reading before all is sent: ignore write errors.
    let _ = client.stream.write_all(&raw);
    let r = client.response().unwrap();
    assert_eq!(r.status, 431);
    assert!(client.is_closed());
    assert_eq!(server.waiting_next(), 0);
}

#[test]
fn connection_close_and_http_1_0_are_honoured() {
    let server = start();
    let mut client = Client::connect(&server);
    let r = client.request(b"GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!((r.status, r.header("connection")), (404, Some("close")));
    assert!(client.is_closed());

    let mut client = Client::connect(&server);
    let r = client.request(b"GET /nope HTTP/1.0\r\n\r\n");
    assert_eq!(r.status, 404);
    assert!(client.is_closed());

    let mut client = Client::connect(&server);
    client.request(b"GET /nope HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_eq!(
        client
            .request(b"GET /nope HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            .status,
        404
    );
    assert_eq!(server.connections_accepted(), 3);
}

#[test]
fn an_event_is_not_lost_to_a_runtime_that_hung_up() {
    let server = start();
    let mut gone = Client::connect(&server);
    gone.send(format!("GET {NEXT} HTTP/1.1\r\n\r\n").as_bytes());
    assert!(server.wait_for_long_poll(WAIT));
    drop(gone);
    let id = server.enqueue("kept");
    let mut client = Client::connect(&server);
    let next = client.next();
    assert_eq!(
        (request_id(&next), next.body),
        (id.clone(), b"kept".to_vec())
    );
    assert_eq!(server.record(&id).unwrap().connection, Some(2));
}

#[test]
fn reset_sandbox_closes_old_connections() {
    let server = start();
    let mut old = Client::connect(&server);
    old.send(format!("GET {NEXT} HTTP/1.1\r\n\r\n").as_bytes());
    assert!(server.wait_for_long_poll(WAIT));
    server.reset_sandbox();
    assert!(old.is_closed());
    assert!(server.first_next_at().is_none());
    // The old long-poll ends without an answer (logged as such).
    let deadline = Instant::now() + WAIT;
    while server.waiting_next() > 0 {
        assert!(Instant::now() < deadline);
        thread::sleep(Duration::from_millis(1));
    }
    let id = server.enqueue("fresh");
    let mut new = Client::connect(&server);
    assert_eq!(request_id(&new.next()), id);
    assert_eq!(server.request_log()[0].status, None);
}

#[test]
fn dropping_the_server_releases_blocked_long_polls() {
    let server = start();
    let mut clients: Vec<Client> = (0..3).map(|_| Client::connect(&server)).collect();
    for c in &mut clients {
        c.send(format!("GET {NEXT} HTTP/1.1\r\n\r\n").as_bytes());
    }
    let idle = Client::connect(&server);
    let deadline = Instant::now() + WAIT;
    while server.waiting_next() < 3 {
        assert!(Instant::now() < deadline);
        thread::sleep(Duration::from_millis(1));
    }
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(2));
    for mut c in clients.into_iter().chain([idle]) {
        assert!(c.is_closed());
    }
}

fn post_with(client: &mut Client, path: &str, header: Option<&str>, body: &[u8]) -> Response {
    let header = header.map_or_else(String::new, |id| {
        format!("Lambda-Runtime-Invocation-Id: {id}\r\n")
    });
    let mut raw = format!(
        "POST /2018-06-01/runtime/{path} HTTP/1.1\r\nHost: x\r\n{header}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(body);
    client.request(&raw)
}

fn invocation_id(r: &Response) -> String {
    r.header("lambda-runtime-invocation-id").unwrap().to_owned()
}

#[test]
fn n_workers_on_n_connections_get_n_events_at_once() {
    const N: usize = 4;
    let server = RuntimeApiServer::start(ServerConfig {
        max_concurrency: N,
        ..ServerConfig::default()
    })
    .unwrap();
    let addr = server.addr();
    let workers: Vec<_> = (0..N + 1)
        .map(|_| {
            thread::spawn(move || {
                let stream = TcpStream::connect(addr).unwrap();
                stream.set_read_timeout(Some(WAIT)).unwrap();
                let mut client = Client {
                    reader: BufReader::new(stream.try_clone().unwrap()),
                    stream,
                };
                let next = client.next();
                (client, next)
            })
        })
        .collect();
    // All N + 1 workers wait; N + 1 events go out to only N of them.
    let deadline = Instant::now() + WAIT;
    while server.waiting_next() < N + 1 {
        assert!(Instant::now() < deadline, "workers did not all poll");
        thread::sleep(Duration::from_millis(5));
    }
    let ids: Vec<String> = (0..N + 1).map(|i| server.enqueue(i.to_string())).collect();
    let deadline = Instant::now() + WAIT;
    while server.in_flight() < N || server.waiting_next() != 1 {
        assert!(
            Instant::now() < deadline,
            "in flight: {}",
            server.in_flight()
        );
        thread::sleep(Duration::from_millis(5));
    }
    assert_eq!((server.in_flight(), server.queued()), (N, 1));
    // The first N are pending at once: none abandoned.
    let pending = server
        .records()
        .iter()
        .filter(|r| r.outcome == Outcome::Pending)
        .count();
    assert_eq!(pending, N);
    // Answering one lets the last worker have the last event.
    let deadline = Instant::now() + WAIT;
    while workers.iter().filter(|w| w.is_finished()).count() < N {
        assert!(
            Instant::now() < deadline,
            "workers did not read their events"
        );
        thread::sleep(Duration::from_millis(5));
    }
    let mut finished = Vec::new();
    let mut waiting = Vec::new();
    for w in workers {
        if w.is_finished() {
            finished.push(w.join().unwrap());
        } else {
            waiting.push(w);
        }
    }
    assert_eq!((finished.len(), waiting.len()), (N, 1));
    let mut seen: Vec<String> = finished.iter().map(|(_, next)| request_id(next)).collect();
    let (mut client, next) = finished.remove(0);
    assert_eq!(client.respond(&request_id(&next), b"done").status, 202);
    let (mut last, last_next) = waiting.pop().unwrap().join().unwrap();
    assert_eq!(last_next.status, 200);
    seen.push(request_id(&last_next));
    seen.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(seen, expected);
    assert_eq!(last.respond(&request_id(&last_next), b"done").status, 202);
    for (mut client, next) in finished {
        let id = request_id(&next);
        assert_eq!(client.respond(&id, b"done").status, 202);
    }
    assert_eq!(server.in_flight(), 0);
    assert_eq!(server.max_in_flight(), N);
    assert!(server.records().iter().all(|r| r.answers == 1));
    server.clear_history();
    assert_eq!(server.max_in_flight(), 0);
}

#[test]
fn invocation_ids_are_sent_fresh_and_a_mismatch_is_410() {
    let server = start();
    let mut client = Client::connect(&server);
    let id = server.enqueue("1");
    let next = client.next();
    let sent = invocation_id(&next);
    assert_eq!(
        server.record(&id).unwrap().invocation_id.as_deref(),
        Some(sent.as_str())
    );
    // A wrong id: 410, nothing recorded, the invocation still answerable.
    let path = format!("invocation/{id}/response");
    let r = post_with(&mut client, &path, Some("not-the-one"), b"wrong");
    assert_eq!(r.status, 410);
    assert_eq!(r.json()["errorType"], "InvocationGone");
    let record = server.record(&id).unwrap();
    assert_eq!((record.outcome, record.rejected), (Outcome::Pending, 1));
    let r = post_with(&mut client, &path, Some(&sent), b"right");
    assert_eq!(r.status, 202);
    assert_eq!(
        server.record(&id).unwrap().outcome,
        Outcome::Response(b"right".to_vec())
    );
    let log = server.request_log();
    let echoed: Vec<Option<&str>> = log.iter().map(|e| e.invocation_id.as_deref()).collect();
    assert_eq!(echoed, [None, Some("not-the-one"), Some(sent.as_str())]);

    // Each hand-out gets a new invocation id; a reply without one is taken (older runtimes).
    let second = server.enqueue("2");
    let next = client.next();
    assert_ne!(invocation_id(&next), sent);
    let r = post_with(
        &mut client,
        &format!("invocation/{second}/error"),
        None,
        b"{}",
    );
    assert_eq!(r.status, 202);

    // A timed-out invocation: 410 even with the right id.
    let third = server.enqueue("3");
    let next = client.next();
    assert!(server.mark_timed_out(&third));
    let path = format!("invocation/{third}/response");
    let r = post_with(&mut client, &path, Some(&invocation_id(&next)), b"late");
    assert_eq!(r.status, 410);
    assert_eq!(server.record(&third).unwrap().outcome, Outcome::TimedOut);
}

#[test]
fn no_invocation_id_is_sent_when_configured_so() {
    let server = RuntimeApiServer::start(ServerConfig {
        send_invocation_id: false,
        ..ServerConfig::default()
    })
    .unwrap();
    let mut client = Client::connect(&server);
    let id = server.enqueue("1");
    let next = client.next();
    assert_eq!(next.header("lambda-runtime-invocation-id"), None);
    assert_eq!(server.record(&id).unwrap().invocation_id, None);
    assert_eq!(client.respond(&id, b"ok").status, 202);
}

fn raw(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

const REGISTER: &str = "/2020-01-01/extension/register";
const EVENT_NEXT: &str = "/2020-01-01/extension/event/next";

fn register(client: &mut Client, name: &str, events: &str) -> Response {
    let body = format!(r#"{{"events":{events}}}"#);
    client.request(&raw(
        "POST",
        REGISTER,
        &[("Lambda-Extension-Name", name)],
        body.as_bytes(),
    ))
}

#[test]
fn restore_routes_are_404_without_snap_start() {
    let server = start();
    let mut client = Client::connect(&server);
    let next = client.request(&raw("GET", "/2018-06-01/runtime/restore/next", &[], b""));
    assert_eq!(next.status, 404);
    let error = client.request(&raw(
        "POST",
        "/2018-06-01/runtime/restore/error",
        &[],
        b"{}",
    ));
    assert_eq!(error.status, 404);
    assert_eq!(server.restore_next_at(), None);
}

#[test]
fn restore_next_is_held_until_released_and_ends_init() {
    let server = RuntimeApiServer::start(ServerConfig {
        snap_start: true,
        ..ServerConfig::default()
    })
    .unwrap();
    let mut client = Client::connect(&server);
    client.send(&raw("GET", "/2018-06-01/runtime/restore/next", &[], b""));
    // Held: no answer until the supervisor releases it.
    let deadline = Instant::now() + WAIT;
    while server.restore_next_at().is_none() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(2));
    }
    assert!(server.restore_next_at().is_some());
    // A restore error before the restore is refused, on another connection.
    let mut other = Client::connect(&server);
    let early = other.request(&raw(
        "POST",
        "/2018-06-01/runtime/restore/error",
        &[],
        b"{}",
    ));
    assert_eq!(early.status, 403);
    assert_eq!(early.json()["errorType"], "InvalidStateTransition");
    // Init is over: extensions may no longer register.
    let late = register(&mut other, "late", "[]");
    assert_eq!(late.status, 403);
    assert_eq!(late.json()["errorType"], "Extension.RegistrationClosed");
    assert!(server.release_restore());
    assert!(!server.release_restore(), "once");
    let restored = client.response().unwrap();
    assert_eq!((restored.status, restored.body.len()), (200, 0));
    let error = other.request(&raw(
        "POST",
        "/2018-06-01/runtime/restore/error",
        &[(
            "Lambda-Runtime-Function-Error-Type",
            "Runtime.AfterRestoreError",
        )],
        br#"{"errorMessage":"no","errorType":"Runtime.AfterRestoreError"}"#,
    ));
    assert_eq!(error.status, 202);
    let (report, _) = server.restore_error().unwrap();
    assert_eq!(report.kind(), "Runtime.AfterRestoreError");
}

#[test]
fn extensions_register_during_init_only_and_need_a_known_id() {
    let server = start();
    let mut ext = Client::connect(&server);
    let ok = register(&mut ext, "watcher", r#"["INVOKE","SHUTDOWN"]"#);
    assert_eq!(ok.status, 200);
    let id = ok.header("Lambda-Extension-Identifier").unwrap().to_owned();
    assert_eq!(
        ok.json(),
        serde_json::json!({"functionName":"test_function","functionVersion":"$LATEST","handler":"bootstrap"})
    );
    let bad = register(&mut ext, "other", r#"["RESTORE"]"#);
    assert_eq!(
        (bad.status, bad.json()["errorType"].as_str()),
        (403, Some("Extension.InvalidEventType"))
    );
    for (headers, error_type) in [
        (vec![], "Extension.MissingExtensionIdentifier"),
        (
            vec![("Lambda-Extension-Identifier", "not-a-uuid")],
            "Extension.InvalidExtensionIdentifier",
        ),
        (
            vec![(
                "Lambda-Extension-Identifier",
                "00000000-0000-4000-8000-000000000000",
            )],
            "Extension.UnknownExtensionIdentifier",
        ),
    ] {
        let r = ext.request(&raw("GET", EVENT_NEXT, &headers, b""));
        assert_eq!(
            (r.status, r.json()["errorType"].as_str()),
            (403, Some(error_type))
        );
    }
    // The runtime's first /next ends init; the extension polls and gets the INVOKE event.
    let mut runtime = Client::connect(&server);
    let request_id = server.enqueue("{}");
    let next = runtime.next();
    assert_eq!(
        next.header("Lambda-Runtime-Aws-Request-Id"),
        Some(request_id.as_str())
    );
    let event = ext.request(&raw(
        "GET",
        EVENT_NEXT,
        &[("Lambda-Extension-Identifier", &id)],
        b"",
    ));
    assert_eq!(event.status, 200);
    assert!(event.header("Lambda-Extension-Event-Identifier").is_some());
    let json = event.json();
    assert_eq!(
        (json["eventType"].as_str(), json["requestId"].as_str()),
        (Some("INVOKE"), Some(request_id.as_str()))
    );
    let late = register(&mut Client::connect(&server), "late", "[]");
    assert_eq!(
        (late.status, late.json()["errorType"].as_str()),
        (403, Some("Extension.RegistrationClosed"))
    );
    // SHUTDOWN reaches a waiting poll.
    ext.send(&raw(
        "GET",
        EVENT_NEXT,
        &[("Lambda-Extension-Identifier", &id)],
        b"",
    ));
    let deadline = SystemTime::now() + Duration::from_millis(500);
    assert_eq!(
        server.deliver_shutdown(ruchy_lambda_local::ShutdownReason::Failure, deadline),
        1
    );
    let shutdown = ext.response().unwrap().json();
    assert_eq!(shutdown["eventType"], "SHUTDOWN");
    assert_eq!(shutdown["shutdownReason"], "failure");
    assert_eq!(
        shutdown["deadlineMs"].as_u64(),
        Some(deadline.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64)
    );
    assert!(server.wait_shutdown_delivered(WAIT));
    let extensions = server.extensions();
    assert!(extensions[0].ready && extensions[0].shutdown_delivered);
    // Every extension request is in the log.
    let logged = server
        .request_log()
        .iter()
        .filter(|e| e.target.starts_with("/2020-01-01/"))
        .count();
    // Two registrations, three refused polls, the INVOKE, the late registration, SHUTDOWN.
    assert_eq!(logged, 8);
}
