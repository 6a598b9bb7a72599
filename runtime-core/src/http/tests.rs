use super::*;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener};
use std::sync::mpsc;
use std::thread;

/// Runs `serve` on the accepted connections of a loopback listener; returns its address and a
/// channel of the raw request bytes each connection sent (one entry per connection).
fn server(
    connections: usize,
    serve: impl Fn(usize, &mut TcpStream) + Send + 'static,
) -> (String, mpsc::Receiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for n in 0..connections {
            let (mut stream, _) = listener.accept().unwrap();
            serve(n, &mut stream);
            let _ = stream.shutdown(Shutdown::Write);
            let mut rest = Vec::new();
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
            let _ = stream.read_to_end(&mut rest);
            tx.send(rest).unwrap();
        }
    });
    (addr, rx)
}

/// Reads one request head (and a Content-Length body) from a server-side stream.
fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    while !got.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).unwrap() == 0 {
            return got;
        }
        got.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&got).to_ascii_lowercase();
    if let Some(at) = head.find("content-length: ") {
        let n: usize = head[at + 16..]
            .split("\r\n")
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let mut body = vec![0; n];
        stream.read_exact(&mut body).unwrap();
        got.extend_from_slice(&body);
    }
    got
}

/// One exchange against a server that answers the first request with `raw`.
fn respond_with(raw: &'static [u8]) -> Result<(u16, Vec<u8>), HttpError> {
    let limits = Limits {
        max_head_bytes: 1024,
        max_headers: 8,
        max_body_bytes: 64,
    };
    let (addr, _rx) = server(1, move |_, s| {
        read_request(s);
        s.write_all(raw).unwrap();
    });
    let mut client = HttpClient::new(addr).with_limits(limits);
    let r = client.request("GET", "/x", &[], &[])?;
    Ok((r.status, r.body.to_vec()))
}

#[test]
fn parses_responses() {
    type Expected = Option<(u16, Vec<u8>)>;
    let ok = |status, body: &[u8]| Some((status, body.to_vec()));
    let cases: &[(&str, &[u8], Expected)] = &[
        ("content-length", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", ok(200, b"hello")),
        ("no reason phrase", b"HTTP/1.1 202\r\nContent-Length: 0\r\n\r\n", ok(202, b"")),
        ("bare LF line endings", b"HTTP/1.1 200 OK\nContent-Length: 2\n\nhi", ok(200, b"hi")),
        (
            "header names any case",
            b"HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh: 3\r\n\r\nabc",
            ok(200, b"abc"),
        ),
        (
            "chunked",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
            ok(200, b"hello world"),
        ),
        (
            "chunked with extensions and trailers",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA;x=y\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n",
            ok(200, b"0123456789"),
        ),
        (
            "repeated equal content-length",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
            ok(200, b"x"),
        ),
        (
            "interim 100 Continue, then the answer",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok",
            ok(202, b"ok"),
        ),
        ("204 has no body", b"HTTP/1.1 204 No Content\r\n\r\n", ok(204, b"")),
        ("body until close", b"HTTP/1.0 200 OK\r\n\r\nuntil close", ok(200, b"until close")),
        ("garbage status line", b"SMTP ready\r\n\r\n", None),
        ("short status", b"HTTP/1.1 20 OK\r\n\r\n", None),
        ("status below 100", b"HTTP/1.1 099 OK\r\nContent-Length: 0\r\n\r\n", None),
        ("HTTP/2", b"HTTP/2 200\r\n\r\n", None),
        ("header without colon", b"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", None),
        ("space in header name", b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", None),
        ("folded header", b"HTTP/1.1 200 OK\r\nA: b\r\n c\r\nContent-Length: 0\r\n\r\n", None),
        ("control char in value", b"HTTP/1.1 200 OK\r\nA: b\x01c\r\nContent-Length: 0\r\n\r\n", None),
        (
            "content-length not a number",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello",
            None,
        ),
        (
            "negative content-length",
            b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            None,
        ),
        (
            "content-length overflow",
            b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            None,
        ),
        (
            "conflicting content-lengths",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy",
            None,
        ),
        (
            "content-length and transfer-encoding",
            b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            None,
        ),
        (
            "gzip transfer-encoding",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            None,
        ),
        (
            "content-length larger than the body",
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
            None,
        ),
        ("body over the cap", b"HTTP/1.1 200 OK\r\nContent-Length: 65\r\n\r\n", None),
        (
            "bad chunk size",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            None,
        ),
        (
            "chunk size overflow",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n",
            None,
        ),
        (
            "chunk longer than declared",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
            None,
        ),
        (
            "chunked body over the cap",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n",
            None,
        ),
        (
            "chunked body cut short",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
            None,
        ),
        ("head cut short", b"HTTP/1.1 200 OK\r\nContent-Le", None),
        ("nothing at all", b"", None),
    ];
    for (name, raw, expected) in cases {
        let got = respond_with(raw);
        match (expected, got) {
            (Some(want), Ok(got)) => assert_eq!(&got, want, "{name}"),
            (None, Err(_)) => {}
            (want, got) => panic!("{name}: expected {want:?}, got {got:?}"),
        }
    }
}

#[test]
fn errors_name_what_is_wrong() {
    let cases: &[(&[u8], &str)] = &[
        (b"SMTP ready\r\n\r\n", "invalid HTTP status line"),
        (b"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", "invalid HTTP header line"),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "both Content-Length and Transfer-Encoding",
        ),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 65\r\n\r\n", "body exceeds 64 bytes"),
        (
            b"HTTP/1.1 200 OK\r\nA: 1\r\nA: 1\r\nA: 1\r\nA: 1\r\nA: 1\r\nA: 1\r\nA: 1\r\nA: 1\r\nA: 1\r\n\r\n",
            "more than 8 header fields",
        ),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", "closed before a complete response"),
    ];
    for (raw, message) in cases {
        let raw: &'static [u8] = raw;
        let e = respond_with(raw).unwrap_err().to_string();
        assert!(e.contains(message), "{e:?} should contain {message:?}");
    }
}

#[test]
fn header_section_is_capped_even_without_an_end() {
    // 2 KiB of one endless header line, never a blank line: refused at the 1 KiB cap, not read
    // until the peer gives up.
    let mut raw = b"HTTP/1.1 200 OK\r\nX: ".to_vec();
    raw.resize(2048, b'a');
    let raw: &'static [u8] = raw.leak();
    match respond_with(raw) {
        Err(HttpError::HeadTooLarge { limit: 1024 }) => {}
        other => panic!("expected HeadTooLarge, got {other:?}"),
    }
}

#[test]
fn headers_are_found_case_insensitively() {
    let (addr, _rx) = server(1, |_, s| {
        read_request(s);
        s.write_all(b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id:  abc \r\nX-Empty:\r\nContent-Length: 0\r\n\r\n")
            .unwrap();
    });
    let mut client = HttpClient::new(addr);
    let r = client.request("GET", "/", &[], &[]).unwrap();
    assert_eq!(r.header("lambda-runtime-aws-request-id"), Some("abc"));
    assert_eq!(r.header("LAMBDA-RUNTIME-AWS-REQUEST-ID"), Some("abc"));
    assert_eq!(r.header("x-empty"), Some(""));
    assert_eq!(r.header("missing"), None);
}

#[test]
fn request_bytes_are_exactly_as_specified() {
    let (tx, rx) = mpsc::channel();
    let (addr, _rx) = server(1, move |_, s| {
        tx.send(read_request(s)).unwrap();
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            .unwrap();
        tx.send(read_request(s)).unwrap();
        s.write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
            .unwrap();
        tx.send(read_request(s)).unwrap();
        s.write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
            .unwrap();
    });
    let mut client = HttpClient::new(addr.clone());
    client
        .request("GET", "/2018-06-01/runtime/invocation/next", &[], &[])
        .unwrap();
    client
        .request(
            "POST",
            "/2018-06-01/runtime/invocation/id-1/error",
            &[("Lambda-Runtime-Function-Error-Type", "Oops")],
            b"{}",
        )
        .unwrap();
    client.request("POST", "/p", &[], &[]).unwrap();
    let got: Vec<String> = (0..3)
        .map(|_| String::from_utf8(rx.recv().unwrap()).unwrap())
        .collect();
    let ua = USER_AGENT;
    assert_eq!(
        got,
        [
            format!(
                "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: {ua}\r\n\r\n"
            ),
            format!(
                "POST /2018-06-01/runtime/invocation/id-1/error HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: {ua}\r\nLambda-Runtime-Function-Error-Type: Oops\r\nContent-Length: 2\r\n\r\n{{}}"
            ),
            format!(
                "POST /p HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: {ua}\r\nContent-Length: 0\r\n\r\n"
            ),
        ]
    );
    assert!(USER_AGENT.starts_with("ruchy-lambda/"));
}

#[test]
fn large_bodies_are_sent_whole() {
    let body: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let expected = body.clone();
    let (tx, rx) = mpsc::channel();
    let (addr, _rx) = server(1, move |_, s| {
        tx.send(read_request(s)).unwrap();
        s.write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
            .unwrap();
    });
    let mut client = HttpClient::new(addr);
    assert_eq!(
        client.request("POST", "/big", &[], &body).unwrap().status,
        202
    );
    let got = rx.recv().unwrap();
    assert!(got.ends_with(&expected));
    assert!(String::from_utf8_lossy(&got[..200]).contains("Content-Length: 200000\r\n"));
}

#[test]
fn one_connection_serves_many_requests() {
    let (addr, _rx) = server(1, |_, s| {
        for i in 0..500 {
            read_request(s);
            // Alternate framings on the same connection.
            if i % 2 == 0 {
                s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc")
                    .unwrap();
            } else {
                s.write_all(
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                )
                .unwrap();
            }
        }
    });
    let mut client = HttpClient::new(addr);
    for _ in 0..500 {
        assert_eq!(client.request("GET", "/", &[], &[]).unwrap().body, b"abc");
    }
    assert_eq!(client.connections_opened(), 1);
}

#[test]
fn a_stale_idle_connection_is_reopened_once() {
    // First connection: one answer, then the server closes it. Second: answers normally.
    let (addr, _rx) = server(2, |n, s| {
        read_request(s);
        s.write_all(format!("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n{n}").as_bytes())
            .unwrap();
    });
    let mut client = HttpClient::new(addr);
    assert_eq!(client.request("GET", "/", &[], &[]).unwrap().body, b"0");
    thread::sleep(std::time::Duration::from_millis(50));
    assert_eq!(client.request("GET", "/", &[], &[]).unwrap().body, b"1");
    assert_eq!(client.connections_opened(), 2);
}

#[test]
fn a_fresh_connection_that_fails_is_not_retried() {
    // The server accepts and closes without answering: a first request on a fresh connection
    // fails instead of being sent twice.
    let (addr, _rx) = server(1, |_, s| {
        read_request(s);
    });
    let mut client = HttpClient::new(addr);
    match client.request("GET", "/", &[], &[]) {
        Err(HttpError::ClosedEarly { received: 0 }) => {}
        other => panic!("expected ClosedEarly, got {other:?}"),
    }
    assert_eq!(client.connections_opened(), 1);
}

#[test]
fn connection_close_is_honoured() {
    let (addr, _rx) = server(2, |_, s| {
        read_request(s);
        s.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx")
            .unwrap();
    });
    let mut client = HttpClient::new(addr);
    client.request("GET", "/", &[], &[]).unwrap();
    client.request("GET", "/", &[], &[]).unwrap();
    assert_eq!(client.connections_opened(), 2);
}

#[test]
fn nothing_touches_the_network_before_the_first_request() {
    let client = HttpClient::new("192.0.2.1:9"); // TEST-NET-1: never contacted.
    assert_eq!(client.connections_opened(), 0);
}

#[test]
fn connect_errors_name_the_address() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    drop(listener);
    let mut client = HttpClient::new(addr.clone());
    let e = client.request("GET", "/", &[], &[]).unwrap_err();
    assert!(matches!(e, HttpError::Connect { .. }), "{e:?}");
    assert!(e.to_string().contains(&addr), "{e}");
}

#[test]
fn trickled_bytes_are_reassembled() {
    let (addr, _rx) = server(1, |_, s| {
        read_request(s);
        for b in b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwiki\r\n5\r\npedia\r\n0\r\n\r\n" {
            s.write_all(&[*b]).unwrap();
            s.flush().unwrap();
        }
    });
    let mut client = HttpClient::new(addr);
    assert_eq!(
        client.request("GET", "/", &[], &[]).unwrap().body,
        b"wikipedia"
    );
}

#[test]
fn endless_interim_responses_hit_the_header_cap() {
    let raw: &'static [u8] = b"HTTP/1.1 100 Continue\r\n\r\n".repeat(100).leak();
    match respond_with(raw) {
        Err(HttpError::HeadTooLarge { limit: 1024 }) => {}
        other => panic!("expected HeadTooLarge, got {other:?}"),
    }
}

#[test]
fn bytes_past_a_response_are_never_taken_for_the_next_answer() {
    // The first connection answers with a stray second response glued on; the client must not
    // read that as the answer to its next request, but open a new connection.
    let (addr, _rx) = server(2, |n, s| {
        read_request(s);
        if n == 0 {
            s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirstHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray",
            )
            .unwrap();
            // Keep the connection open: only the stray bytes tell the client it is out of step.
            read_request(s);
        } else {
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond")
                .unwrap();
        }
    });
    let mut client = HttpClient::new(addr);
    assert_eq!(client.request("GET", "/", &[], &[]).unwrap().body, b"first");
    // The stray bytes came in the same read (one write on loopback): the next request goes to a
    // new connection.
    assert_eq!(
        client.request("GET", "/", &[], &[]).unwrap().body,
        b"second"
    );
    assert_eq!(client.connections_opened(), 2);
}

#[test]
fn chunk_line_caps_hold_however_the_bytes_arrive() {
    // Found by the `chunked` fuzz target: a chunk-size line over 1024 bytes, or a trailer line
    // over the header cap, used to pass when it arrived within one read (the cap was only checked
    // while the line was incomplete) and fail when trickled.
    let limits = Limits {
        max_head_bytes: 100,
        ..Limits::default()
    };
    let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    // 1025 and 101 bytes before the LF (the CR counts).
    let long_size = [&head[..], &b"0".repeat(1023), b"5\r\nhello\r\n0\r\n\r\n"].concat();
    let long_trailer = [&head[..], b"0\r\nX: ", &b"x".repeat(97), b"\r\n\r\n"].concat();
    for input in [long_size, long_trailer] {
        for reads in [usize::MAX, 1, 1000] {
            let got = read_body_from(Reads(&input, reads), &limits);
            assert!(
                matches!(got, Err(HttpError::InvalidChunk)),
                "reads of {reads}: {got:?}"
            );
        }
    }
    // At the caps exactly (1024 and 100 bytes before the LF), both pass.
    let at_cap_size = [&head[..], &b"0".repeat(1022), b"5\r\nhello\r\n0\r\n\r\n"].concat();
    let at_cap_trailer = [&head[..], b"0\r\nX: ", &b"x".repeat(96), b"\r\n\r\n"].concat();
    for input in [at_cap_size, at_cap_trailer] {
        for reads in [usize::MAX, 1, 1000] {
            let got = read_body_from(Reads(&input, reads), &limits);
            assert!(got.is_ok(), "reads of {reads}: {got:?}");
        }
    }
}

/// The body of the one response `stream` sends, read as the client reads it.
fn read_body_from(stream: Reads, limits: &Limits) -> Result<Vec<u8>, HttpError> {
    let mut conn = Conn {
        stream,
        buf: Vec::new(),
        start: 0,
        end: 0,
        close_after: false,
    };
    let (mut head, mut decoded) = (Head::default(), Vec::new());
    read_response(&mut conn, limits, &mut head, &mut decoded).map(|_| decoded)
}

/// A peer that sends `.0` at most `.1` bytes per read, then closes.
struct Reads<'a>(&'a [u8], usize);

impl Read for Reads<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.0.len()).min(self.1);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn a_body_is_moved_out_of_the_read_buffer_and_the_buffer_comes_back() {
    let body: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let reply = [
        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes(),
        body.clone(),
    ]
    .concat();
    let (addr, _rx) = server(1, move |_, s| {
        for i in 0..4 {
            read_request(s);
            if i == 2 {
                s.write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok")
                    .unwrap();
            } else {
                s.write_all(&reply).unwrap();
            }
        }
    });
    let mut client = HttpClient::new(addr);
    client.request("GET", "/next", &[], &[]).unwrap();
    let first = client.take_body();
    assert_eq!(first, body);
    // Taken, not copied: what is left to take is nothing.
    assert!(client.take_body().is_empty());
    let at = first.as_ptr();
    client.recycle(first);
    client.request("GET", "/next", &[], &[]).unwrap();
    let second = client.take_body();
    assert_eq!(second, body);
    // The next body was read into the buffer given back: no second one was allocated.
    assert_eq!(second.as_ptr(), at);
    // A small answer in between is read into a small buffer of its own.
    assert_eq!(client.request("POST", "/r", &[], b"x").unwrap().body, b"ok");
    client.recycle(second);
    client.request("GET", "/next", &[], &[]).unwrap();
    let third = client.take_body();
    assert_eq!(third.as_ptr(), at);
    assert_eq!(client.connections_opened(), 1);
}

#[test]
fn a_chunked_body_is_taken_too() {
    let (addr, _rx) = server(1, |_, s| {
        read_request(s);
        s.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
            .unwrap();
    });
    let mut client = HttpClient::new(addr);
    client.request("GET", "/", &[], &[]).unwrap();
    assert_eq!(client.take_body(), b"abc");
}

/// Opens loopback TCP streams that hand out at most `max_read` bytes per read, and counts them.
#[derive(Debug, Clone)]
struct Counted {
    connects: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    max_read: usize,
}

impl Counted {
    fn new(max_read: usize) -> Self {
        Counted {
            connects: Default::default(),
            max_read,
        }
    }

    fn connects(&self) -> usize {
        self.connects.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A TCP stream whose reads return at most `max_read` bytes: responses arrive split anywhere.
struct Narrow {
    inner: TcpStream,
    max_read: usize,
}

impl Read for Narrow {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.max_read);
        self.inner.read(&mut buf[..n])
    }
}

impl Write for Narrow {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Connect for Counted {
    type Stream = Narrow;

    fn connect(&mut self, addr: &str) -> io::Result<Narrow> {
        self.connects
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(Narrow {
            inner: TcpStream::connect(addr)?,
            max_read: self.max_read,
        })
    }
}

/// Reads a streamed body to its end, `step` bytes at a time at most.
fn read_to_end<C: Connect>(client: &mut HttpClient<C>, step: usize) -> Result<Vec<u8>, HttpError> {
    let mut body = Vec::new();
    let mut buf = vec![0; step];
    loop {
        match client.read_body(&mut buf)? {
            0 => return Ok(body),
            n => body.extend_from_slice(&buf[..n]),
        }
    }
}

#[test]
fn a_custom_connector_carries_requests_with_its_own_host() {
    let (addr, _rx) = server(1, |_, s| {
        for _ in 0..2 {
            read_request(s);
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
                .unwrap();
        }
    });
    let connector = Counted::new(3);
    let mut client = HttpClient::with_connector(addr, "bucket.example.test", connector.clone());
    assert!(!client.is_connected());
    assert_eq!(
        client.request("GET", "/a", &[], &[]).unwrap().body,
        b"hello"
    );
    assert!(client.is_connected());
    let r = client.request_streaming("GET", "/b", &[], &[]).unwrap();
    assert_eq!((r.status, r.body), (200, &b""[..]));
    assert_eq!(r.header("content-length"), Some("5"));
    assert_eq!(read_to_end(&mut client, 2).unwrap(), b"hello");
    assert_eq!((connector.connects(), client.connections_opened()), (1, 1));
}

#[test]
fn the_host_header_is_the_one_given() {
    let (addr, _rx) = server(1, |_, s| {
        let got = read_request(s);
        let reply = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", got.len());
        s.write_all(reply.as_bytes()).unwrap();
        s.write_all(&got).unwrap();
    });
    let mut client = HttpClient::with_connector(addr, "s3.example.test", Counted::new(1 << 20));
    let sent = client
        .request("GET", "/key", &[], &[])
        .unwrap()
        .body
        .to_vec();
    assert_eq!(
        String::from_utf8(sent).unwrap(),
        format!("GET /key HTTP/1.1\r\nHost: s3.example.test\r\nUser-Agent: {USER_AGENT}\r\n\r\n")
    );
}

#[test]
fn a_streamed_body_framed_by_length_is_not_capped_and_the_connection_is_kept() {
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let reply = [
        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes(),
        body.clone(),
    ]
    .concat();
    let (addr, _rx) = server(1, move |_, s| {
        for _ in 0..3 {
            read_request(s);
            s.write_all(&reply).unwrap();
        }
    });
    // Far smaller than the body: a streamed body is never held whole.
    let limits = Limits {
        max_body_bytes: 1000,
        ..Limits::default()
    };
    let mut client = HttpClient::new(addr).with_limits(limits);
    for step in [7_777, 16 * 1024, 100_000] {
        let r = client.request_streaming("GET", "/big", &[], &[]).unwrap();
        assert_eq!(r.status, 200);
        // One byte a time is slow over 300 kB: read the start that way, the rest in bulk.
        let mut got = vec![0; 10];
        for byte in got.chunks_mut(1) {
            assert_eq!(client.read_body(byte).unwrap(), 1);
        }
        got.extend(read_to_end(&mut client, step).unwrap());
        assert!(got == body, "step {step}");
        assert_eq!(client.read_body(&mut [0; 16]).unwrap(), 0);
    }
    assert_eq!(client.connections_opened(), 1);
}

#[test]
fn a_chunked_body_is_decoded_as_it_arrives_across_reads_with_its_trailers_skipped() {
    let raw: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
        4\r\nwiki\r\n5;name=value\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Checksum: abc\r\nX-More: 1\r\n\r\n";
    let expected = b"wikipedia in\r\n\r\nchunks.";
    // Reads of 1 and 3 bytes split every line and chunk; 64 gets several chunks per read.
    for max_read in [1, 3, 64] {
        let (addr, _rx) = server(1, move |_, s| {
            for _ in 0..3 {
                read_request(s);
                s.write_all(raw).unwrap();
            }
            read_request(s);
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone")
                .unwrap();
        });
        let connector = Counted::new(max_read);
        let mut client = HttpClient::with_connector(addr, "localhost", connector.clone());
        for step in [1, 5, 1000] {
            client.request_streaming("GET", "/", &[], &[]).unwrap();
            let got = read_to_end(&mut client, step).unwrap();
            assert_eq!(got, expected, "reads of {max_read}, step {step}");
        }
        // Read to its end, trailers and all: the connection carries the next request.
        assert_eq!(client.request("GET", "/", &[], &[]).unwrap().body, b"done");
        assert_eq!(connector.connects(), 1);
    }
}

#[test]
fn a_streamed_body_framed_by_the_end_of_the_connection() {
    let (addr, _rx) = server(2, |n, s| {
        read_request(s);
        if n == 0 {
            s.write_all(b"HTTP/1.1 200 OK\r\n\r\nuntil the ").unwrap();
            s.flush().unwrap();
            s.write_all(b"end").unwrap();
        } else {
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext")
                .unwrap();
        }
    });
    let mut client = HttpClient::new(addr);
    client.request_streaming("GET", "/", &[], &[]).unwrap();
    assert_eq!(read_to_end(&mut client, 4).unwrap(), b"until the end");
    assert!(!client.is_connected());
    // The peer closed it: the next request opens a new connection.
    assert_eq!(client.request("GET", "/", &[], &[]).unwrap().body, b"next");
    assert_eq!(client.connections_opened(), 2);
}

#[test]
fn a_body_not_read_to_its_end_is_not_mistaken_for_the_next_answer() {
    let (addr, _rx) = server(2, |n, s| {
        read_request(s);
        if n == 0 {
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789")
                .unwrap();
        } else {
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond")
                .unwrap();
        }
    });
    let mut client = HttpClient::new(addr);
    client.request_streaming("GET", "/", &[], &[]).unwrap();
    let mut start = [0; 3];
    assert_eq!(client.read_body(&mut start).unwrap(), 3);
    assert_eq!(&start, b"012");
    assert!(client.is_connected());
    assert_eq!(
        client.request("GET", "/", &[], &[]).unwrap().body,
        b"second"
    );
    assert_eq!(client.connections_opened(), 2);
    // The rest of the first body is gone with its connection: reading on says so.
    match client.read_body(&mut start) {
        Err(HttpError::ClosedEarly { .. }) => {}
        other => panic!("expected ClosedEarly, got {other:?}"),
    }
}

#[test]
fn a_body_cut_short_is_an_error() {
    let (addr, _rx) = server(1, |_, s| {
        read_request(s);
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234")
            .unwrap();
    });
    let mut client = HttpClient::new(addr);
    client.request_streaming("GET", "/", &[], &[]).unwrap();
    match read_to_end(&mut client, 64) {
        Err(HttpError::ClosedEarly { received }) => assert!(received > 5, "{received}"),
        other => panic!("expected ClosedEarly, got {other:?}"),
    }
    assert!(!client.is_connected());
}

#[test]
fn head_returns_at_once_whatever_the_length_and_keeps_the_connection() {
    let (addr, _rx) = server(1, |_, s| {
        // Should the client wait for the 1234 bytes, this read gives up and the test fails.
        s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
            .unwrap();
        for _ in 0..2 {
            let got = read_request(s);
            assert!(got.starts_with(b"HEAD /object HTTP/1.1\r\n"));
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nETag: \"e\"\r\n\r\n")
                .unwrap();
        }
        read_request(s);
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .unwrap();
    });
    let mut client = HttpClient::with_connector(addr, "localhost", Counted::new(1 << 16));
    let r = client.request("HEAD", "/object", &[], &[]).unwrap();
    assert_eq!((r.status, r.body), (200, &b""[..]));
    assert_eq!(r.header("content-length"), Some("1234"));
    assert_eq!(r.header("etag"), Some("\"e\""));
    assert!(client.take_body().is_empty());
    let r = client
        .request_streaming("HEAD", "/object", &[], &[])
        .unwrap();
    assert_eq!(r.header("content-length"), Some("1234"));
    assert_eq!(client.read_body(&mut [0; 64]).unwrap(), 0);
    assert_eq!(client.request("GET", "/", &[], &[]).unwrap().body, b"ok");
    assert_eq!(client.connections_opened(), 1);
}

#[test]
fn a_streamed_chunk_size_line_over_the_cap_is_refused() {
    let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    // 1025 bytes before the LF (the CR counts), then 1024 exactly.
    let too_long = [&head[..], &b"0".repeat(1023), b"5\r\nhello\r\n0\r\n\r\n"].concat();
    let at_cap = [&head[..], &b"0".repeat(1022), b"5\r\nhello\r\n0\r\n\r\n"].concat();
    let answers = [too_long.clone(), too_long, at_cap.clone(), at_cap];
    let (addr, _rx) = server(answers.len(), move |n, s| {
        read_request(s);
        s.write_all(&answers[n]).unwrap();
    });
    for (max_read, ok) in [(1 << 16, false), (7, false), (1 << 16, true), (7, true)] {
        let mut client = HttpClient::with_connector(&*addr, "localhost", Counted::new(max_read));
        client.request_streaming("GET", "/", &[], &[]).unwrap();
        let got = read_to_end(&mut client, 64);
        if ok {
            assert_eq!(got.unwrap(), b"hello", "reads of {max_read}");
        } else {
            assert!(
                matches!(got, Err(HttpError::InvalidChunk)),
                "reads of {max_read}: {got:?}"
            );
            assert!(!client.is_connected());
        }
    }
}

#[test]
fn a_stale_connection_is_reopened_for_a_streamed_request_too() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (closed_tx, closed_rx) = mpsc::channel();
    thread::spawn(move || {
        for n in 0..2 {
            let (mut s, _) = listener.accept().unwrap();
            read_request(&mut s);
            s.write_all(format!("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n{n}").as_bytes())
                .unwrap();
            if n == 0 {
                drop(s);
                closed_tx.send(()).unwrap();
            } else {
                let _ = s.read_to_end(&mut Vec::new());
            }
        }
    });
    let mut client = HttpClient::new(addr);
    client.request_streaming("GET", "/", &[], &[]).unwrap();
    assert_eq!(read_to_end(&mut client, 8).unwrap(), b"0");
    closed_rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .unwrap();
    client.request_streaming("GET", "/", &[], &[]).unwrap();
    assert_eq!(read_to_end(&mut client, 8).unwrap(), b"1");
    assert_eq!(client.connections_opened(), 2);
}

#[test]
fn connect_now_opens_one_connection_that_the_first_request_uses() {
    let (addr, _rx) = server(1, |_, s| {
        read_request(s);
        s.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").unwrap();
    });
    let connector = Counted::new(1 << 16);
    let mut client = HttpClient::with_connector(addr, "localhost", connector.clone());
    client.connect_now().unwrap();
    assert!(client.is_connected());
    client.connect_now().unwrap();
    assert_eq!(connector.connects(), 1);
    let r = client.request_streaming("DELETE", "/k", &[], &[]).unwrap();
    assert_eq!(r.status, 204);
    assert_eq!(client.read_body(&mut [0; 8]).unwrap(), 0);
    assert_eq!((connector.connects(), client.connections_opened()), (1, 1));
}

#[test]
fn connect_now_names_the_address_it_cannot_reach() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    drop(listener);
    let mut client = HttpClient::with_connector(&*addr, "localhost", Tcp);
    let e = client.connect_now().unwrap_err();
    assert!(matches!(e, HttpError::Connect { .. }), "{e:?}");
    assert!(e.to_string().contains(&addr), "{e}");
    assert!(!client.is_connected());
}
