//! Streamed replies (`Lambda-Runtime-Function-Response-Mode: streaming`) to the Runtime API
//! server, written by hand over raw TCP: chunk framing, trailers, limits, lost connections.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use ruchy_lambda_local::stream::{self, StreamBandwidth};
use ruchy_lambda_local::{Event, Outcome, RuntimeApiServer, ServerConfig};

const WAIT: Duration = Duration::from_secs(10);
const NEXT: &str = "/2018-06-01/runtime/invocation/next";

struct Client {
    reader: BufReader<TcpStream>,
    stream: TcpStream,
}

struct Response {
    status: u16,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Client {
    fn connect(server: &RuntimeApiServer) -> Client {
        let stream = TcpStream::connect(server.addr()).unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            stream,
        }
    }

    fn send(&mut self, raw: &[u8]) {
        self.stream.write_all(raw).unwrap();
        self.stream.flush().unwrap();
    }

    fn response(&mut self) -> Option<Response> {
        let mut line = String::new();
        if self.reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let status = line.split(' ').nth(1)?.parse().ok()?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line).ok()?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let (n, v) = l.split_once(':')?;
            headers.push((n.trim().to_owned(), v.trim().to_owned()));
        }
        let mut r = Response {
            status,
            body: Vec::new(),
            headers,
        };
        let len: usize = r.header("content-length")?.parse().ok()?;
        r.body = vec![0; len];
        self.reader.read_exact(&mut r.body).ok()?;
        Some(r)
    }

    /// `/next`: the request id and the invocation id.
    fn next(&mut self) -> (String, String) {
        self.send(format!("GET {NEXT} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes());
        let r = self.response().expect("a /next response");
        assert_eq!(r.status, 200);
        (
            r.header("lambda-runtime-aws-request-id")
                .unwrap()
                .to_owned(),
            r.header("lambda-runtime-invocation-id").unwrap().to_owned(),
        )
    }

    /// The head of a streamed `/response`.
    fn stream_head(&mut self, id: &str, invocation_id: &str, content_type: &str) -> Vec<u8> {
        let head = format!(
            "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\n\
             Host: x\r\n\
             Lambda-Runtime-Function-Response-Mode: streaming\r\n\
             Transfer-Encoding: chunked\r\n\
             Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\
             Content-Type: {content_type}\r\n\
             Lambda-Runtime-Invocation-Id: {invocation_id}\r\n\r\n"
        );
        self.send(head.as_bytes());
        head.into_bytes()
    }

    fn chunk(&mut self, data: &[u8]) -> Vec<u8> {
        let mut frame = format!("{:x}\r\n", data.len()).into_bytes();
        frame.extend_from_slice(data);
        frame.extend_from_slice(b"\r\n");
        self.send(&frame);
        frame
    }
}

/// Waits (bounded) until `check` holds: the server logs a request just after it settles it.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..1000 {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("{what}: not within 10 s");
}

fn server(config: ServerConfig) -> RuntimeApiServer {
    RuntimeApiServer::start(config).unwrap()
}

/// Waits (bounded) until the server has received `len` bytes of `id`'s stream.
fn wait_bytes(server: &RuntimeApiServer, id: &str, len: usize) -> Vec<u8> {
    let mut got = Vec::new();
    for _ in 0..1000 {
        let read = server
            .wait_stream(id, got.len() as u64, WAIT)
            .expect("stream bytes in time");
        got.extend_from_slice(&read.bytes);
        if got.len() >= len || read.ended {
            return got;
        }
    }
    panic!("stream of {id} did not reach {len} bytes");
}

#[test]
fn chunks_are_observable_before_the_end_and_the_wire_bytes_are_kept() {
    let server = server(ServerConfig {
        capture_raw_requests: true,
        ..ServerConfig::default()
    });
    let mut client = Client::connect(&server);
    let id = server.enqueue(Event::new("{}"));
    let (got_id, invocation_id) = client.next();
    assert_eq!(got_id, id);

    let mut wire = client.stream_head(&id, &invocation_id, "text/plain");
    wire.extend(client.chunk(b"hello "));
    assert_eq!(wait_bytes(&server, &id, 6), b"hello ");
    let record = server.record(&id).unwrap();
    assert_eq!(record.outcome, Outcome::Pending);
    let s = record.stream.as_ref().expect("a stream");
    assert_eq!((s.bytes, s.chunks, s.ended_at), (6, 1, None));
    assert!(s.first_byte_at.is_some());
    assert_eq!(s.content_type.as_deref(), Some("text/plain"));

    wire.extend(client.chunk(b"streamed world"));
    assert_eq!(
        server.wait_stream(&id, 6, WAIT).unwrap().bytes.len() + 6,
        wait_bytes(&server, &id, 20).len()
    );
    client.send(b"0\r\n\r\n");
    wire.extend_from_slice(b"0\r\n\r\n");
    let answer = client.response().expect("an answer");
    assert_eq!(
        (answer.status, answer.body.as_slice()),
        (202, &br#"{"status":"OK"}"#[..])
    );

    let record = server.wait_for(&id, WAIT).unwrap();
    assert_eq!(
        record.outcome,
        Outcome::Response(b"hello streamed world".to_vec())
    );
    assert_eq!(record.streamed_body(), Some(&b"hello streamed world"[..]));
    assert_eq!(record.answers, 1);
    let s = record.stream.unwrap();
    assert_eq!((s.bytes, s.chunks), (20, 2));
    assert!(s.ended_at.is_some() && s.trailers.is_empty());
    assert_eq!(record.completed_at, s.ended_at);

    eventually("the raw request kept", || {
        server
            .raw_requests()
            .iter()
            .any(|r| r.target.ends_with("/response"))
    });
    let raw = server.raw_requests();
    let posted: Vec<_> = raw
        .iter()
        .filter(|r| r.target.ends_with("/response"))
        .collect();
    assert_eq!(posted.len(), 1);
    assert_eq!(
        posted[0].bytes,
        wire,
        "{}",
        String::from_utf8_lossy(&posted[0].bytes)
    );
    assert!(raw.iter().any(|r| r.target == NEXT));

    // The connection is kept alive after a streamed reply.
    let id = server.enqueue(Event::new("again"));
    assert_eq!(client.next().0, id);
}

#[test]
fn error_trailers_fail_the_invocation_and_keep_the_partial_body() {
    let server = server(ServerConfig::default());
    let mut client = Client::connect(&server);
    let id = server.enqueue(Event::new("{}"));
    let (_, invocation_id) = client.next();
    client.stream_head(&id, &invocation_id, "application/octet-stream");
    client.chunk(b"partial");
    let error = br#"{"errorMessage":"it broke","errorType":"Broken","stackTrace":[]}"#;
    let trailers = format!(
        "0\r\nLambda-Runtime-Function-Error-Type: Broken\r\nLambda-Runtime-Function-Error-Body: {}\r\n\r\n",
        stream::base64_encode(error)
    );
    client.send(trailers.as_bytes());
    assert_eq!(client.response().unwrap().status, 202);
    let record = server.wait_for(&id, WAIT).unwrap();
    let Outcome::Error(report) = &record.outcome else {
        panic!("{:?}", record.outcome)
    };
    assert_eq!(report.body, error);
    assert_eq!(report.error_type_header.as_deref(), Some("Broken"));
    assert_eq!(report.error_message.as_deref(), Some("it broke"));
    assert_eq!(report.kind(), "Broken");
    assert_eq!(record.streamed_body(), Some(&b"partial"[..]));
    let s = record.stream.as_ref().unwrap();
    assert_eq!(
        s.trailer(ruchy_lambda_local::headers::FUNCTION_ERROR_TYPE),
        Some("Broken")
    );
}

#[test]
fn malformed_chunks_and_oversized_trailers_get_400_and_no_answer() {
    let cases: [(&[u8], &str); 6] = [
        (b"zz\r\n", "not hex"),
        (b" 5\r\nhello\r\n0\r\n\r\n", "leading space"),
        (b"0x5\r\nhello\r\n0\r\n\r\n", "0x prefix"),
        (b"5\r\nhelloXY0\r\n\r\n", "no CRLF after the data"),
        (b"10000000000000000\r\n", "over 64 bits"),
        (b"5 junk\r\nhello\r\n0\r\n\r\n", "junk after the size"),
    ];
    let big_trailer = format!("5\r\nhello\r\n0\r\nX-Big: {}\r\n\r\n", "a".repeat(2048));
    let forbidden = b"5\r\nhello\r\n0\r\nContent-Length: 5\r\n\r\n";
    let server = server(ServerConfig {
        max_head_bytes: 1024,
        ..ServerConfig::default()
    });
    let all = cases
        .iter()
        .map(|(raw, what)| (raw.to_vec(), *what))
        .chain([
            (big_trailer.into_bytes(), "trailers over the cap"),
            (forbidden.to_vec(), "a framing field as a trailer"),
        ]);
    for (raw, what) in all {
        let mut client = Client::connect(&server);
        let id = server.enqueue(Event::new("{}"));
        let (_, invocation_id) = client.next();
        client.stream_head(&id, &invocation_id, "text/plain");
        client.send(&raw);
        let answer = client
            .response()
            .unwrap_or_else(|| panic!("{what}: no answer"));
        assert_eq!(answer.status, 400, "{what}");
        let record = server.wait_for(&id, WAIT).expect(what);
        let Outcome::Failed(error) = &record.outcome else {
            panic!("{what}: {:?}", record.outcome)
        };
        assert_eq!(error.kind(), stream::ERROR_TRUNCATED, "{what}");
        assert!(
            client.response().is_none(),
            "{what}: the connection is closed"
        );
    }
}

#[test]
fn a_stream_over_the_limit_fails_with_response_size_too_large() {
    let server = server(ServerConfig {
        max_streamed_bytes: 10,
        ..ServerConfig::default()
    });
    let mut client = Client::connect(&server);
    let id = server.enqueue(Event::new("{}"));
    let (_, invocation_id) = client.next();
    client.stream_head(&id, &invocation_id, "text/plain");
    client.chunk(b"12345678");
    client.chunk(b"9abc");
    let answer = client.response().expect("413");
    assert_eq!(answer.status, 413);
    let record = server.wait_for(&id, WAIT).unwrap();
    let Outcome::Failed(error) = &record.outcome else {
        panic!("{:?}", record.outcome)
    };
    assert_eq!(error.kind(), "Function.ResponseSizeTooLarge");
    assert_eq!(
        error.error_message.as_deref(),
        Some("Response payload size exceeded maximum allowed payload size (10 bytes).")
    );
    assert_eq!(record.streamed_body(), Some(&b"123456789a"[..]));
}

#[test]
fn the_bandwidth_cap_holds_back_reading_after_the_burst() {
    let bandwidth = StreamBandwidth {
        burst_bytes: 1000,
        bytes_per_second: 20_000,
    };
    let server = server(ServerConfig {
        stream_bandwidth: Some(bandwidth),
        ..ServerConfig::default()
    });
    let mut client = Client::connect(&server);
    let id = server.enqueue(Event::new("{}"));
    let (_, invocation_id) = client.next();
    client.stream_head(&id, &invocation_id, "text/plain");
    client.chunk(&[b'a'; 600]);
    client.chunk(&[b'b'; 600]);
    client.chunk(&[b'c'; 800]);
    client.send(b"0\r\n\r\n");
    assert_eq!(client.response().unwrap().status, 202);
    let record = server.wait_for(&id, WAIT).unwrap();
    let s = record.stream.as_ref().unwrap();
    assert_eq!(s.bytes, 2000);
    assert_eq!(s.capped_bytes, 1000);
    assert!(s.throttle_waits > 0, "{s:?}");
    // By construction the server reads on only when the cap allows: the stream ends no earlier
    // than the capped bytes take at the capped rate after the burst.
    let burst_end = s.burst_ended_at.unwrap();
    assert!(s.ended_at.unwrap() >= bandwidth.release_at(burst_end, s.bytes));

    // Within the burst: no waiting.
    let id = server.enqueue(Event::new("{}"));
    let (_, invocation_id) = client.next();
    client.stream_head(&id, &invocation_id, "text/plain");
    client.chunk(&[b'a'; 900]);
    client.send(b"0\r\n\r\n");
    assert_eq!(client.response().unwrap().status, 202);
    let s = server.wait_for(&id, WAIT).unwrap().stream.unwrap();
    assert_eq!((s.capped_bytes, s.throttle_waits), (0, 0));
}

#[test]
fn a_runtime_that_disconnects_mid_stream_truncates_the_reply() {
    let server = server(ServerConfig::default());
    let mut client = Client::connect(&server);
    let id = server.enqueue(Event::new("{}"));
    let (_, invocation_id) = client.next();
    client.stream_head(&id, &invocation_id, "text/plain");
    client.chunk(b"before");
    client.send(b"10\r\nhalf");
    drop(client);
    let record = server.wait_for(&id, WAIT).expect("settled, not hanging");
    let Outcome::Failed(error) = &record.outcome else {
        panic!("{:?}", record.outcome)
    };
    assert_eq!(error.kind(), "Runtime.TruncatedResponse");
    assert_eq!(record.streamed_body(), Some(&b"beforehalf"[..]));
    assert!(record.stream.unwrap().ended_at.is_some());
    eventually("the request logged", || {
        server
            .request_log()
            .iter()
            .any(|e| e.target.ends_with("/response"))
    });
    let log = server.request_log();
    assert_eq!(log.last().unwrap().status, None);
}

#[test]
fn a_second_answer_while_streaming_is_refused() {
    let server = server(ServerConfig::default());
    let mut client = Client::connect(&server);
    let id = server.enqueue(Event::new("{}"));
    let (_, invocation_id) = client.next();
    client.stream_head(&id, &invocation_id, "text/plain");
    client.chunk(b"x");
    wait_bytes(&server, &id, 1);
    let mut other = Client::connect(&server);
    let body = b"late";
    other.send(
        format!(
            "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    other.send(body);
    assert_eq!(other.response().unwrap().status, 400);
    client.send(b"0\r\n\r\n");
    assert_eq!(client.response().unwrap().status, 202);
    let record = server.wait_for(&id, WAIT).unwrap();
    assert_eq!(record.outcome, Outcome::Response(b"x".to_vec()));
    assert_eq!((record.answers, record.rejected), (1, 1));
}
