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
