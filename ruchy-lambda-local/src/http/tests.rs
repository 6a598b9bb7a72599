use super::*;
use std::io::BufReader;

fn limits() -> Limits {
    Limits {
        max_head_bytes: 256,
        max_headers: 4,
        body_keep: 10,
        body_discard: 20,
    }
}

fn parse(raw: &[u8]) -> Result<Option<(RequestHead, Body)>, HttpError> {
    let mut r = BufReader::new(raw);
    let Some(head) = read_head(&mut r, &limits())? else {
        return Ok(None);
    };
    let body = read_body(&mut r, &head, &limits())?;
    Ok(Some((head, body)))
}

#[test]
fn reads_requests() {
    type Case = (&'static [u8], &'static str, &'static str, &'static [u8]);
    let cases: &[Case] = &[
        (b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n", "GET", "/a", b""),
        (b"\r\nGET /a?q=1 HTTP/1.0\r\n\r\n", "GET", "/a?q=1", b""),
        (b"POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", "POST", "/b", b"abc"),
        (b"POST /b HTTP/1.1\nContent-Length:3\n\nabc", "POST", "/b", b"abc"),
        (b"POST /b HTTP/1.1\r\ncontent-length: 3, 3\r\n\r\nabc", "POST", "/b", b"abc"),
        (
            b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n5\r\n01234\r\n0\r\nX-T: 1\r\n\r\n",
            "POST",
            "/c",
            b"abc01234",
        ),
        (b"GET http://h:1/d/e?x HTTP/1.1\r\n\r\n", "GET", "/d/e?x", b""),
    ];
    for (raw, method, target, body) in cases {
        let (head, got) = parse(raw).unwrap().unwrap();
        assert_eq!(head.method, *method, "{}", String::from_utf8_lossy(raw));
        assert_eq!(head.target, *target);
        assert_eq!(got, Body::Complete(body.to_vec()));
    }
}

#[test]
fn rejects_malformed_requests() {
    let cases: &[(&[u8], u16)] = &[
        (b"GET /a\r\n\r\n", 400),
        (b"GET  /a HTTP/1.1\r\n\r\n", 400),
        (b"G(T /a HTTP/1.1\r\n\r\n", 400),
        (b"GET a HTTP/1.1\r\n\r\n", 400),
        (b"GET /a HTTP/2.0\r\n\r\n", 505),
        (b"GET /a FTP/1.1\r\n\r\n", 400),
        (b"GET /a HTTP/1.1\r\nNoColon\r\n\r\n", 400),
        (b"GET /a HTTP/1.1\r\nA: 1\r\n folded\r\n\r\n", 400),
        (b"GET /a HTTP/1.1\r\nBad Name: 1\r\n\r\n", 400),
        (b"POST /a HTTP/1.1\r\nContent-Length: x\r\n\r\n", 400),
        (b"POST /a HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        (
            b"POST /a HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            400,
        ),
        (
            b"POST /a HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            400,
        ),
        (b"POST /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        (
            b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            400,
        ),
        (
            b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
            400,
        ),
        (
            b"GET /a HTTP/1.1\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\n\r\n",
            431,
        ),
        (b"POST /a HTTP/1.1\r\nContent-Length: 21\r\n\r\n", 413),
    ];
    for (raw, status) in cases {
        let err = parse(raw).unwrap_err();
        assert_eq!(
            err.status(),
            Some(*status),
            "{}: {err}",
            String::from_utf8_lossy(raw)
        );
    }
}

#[test]
fn caps_the_header_section() {
    let mut raw = b"GET /a HTTP/1.1\r\nX: ".to_vec();
    raw.extend(std::iter::repeat_n(b'a', 300));
    raw.extend_from_slice(b"\r\n\r\n");
    assert!(matches!(parse(&raw), Err(HttpError::HeadTooLarge)));
}

#[test]
fn tells_truncation_from_a_clean_end() {
    assert!(parse(b"").unwrap().is_none());
    assert!(parse(b"\r\n").is_err());
    for raw in [
        &b"GET /a HTTP/1.1\r\nHost"[..],
        b"GET /a HTTP/1.1\r\n",
        b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nab",
        b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
    ] {
        let err = parse(raw).unwrap_err();
        assert!(matches!(err, HttpError::UnexpectedEof), "{err}");
        assert_eq!(err.status(), None);
    }
}

#[test]
fn discards_oversize_bodies_and_keeps_the_stream_in_step() {
    let raw =
        b"POST /a HTTP/1.1\r\nContent-Length: 15\r\n\r\n123456789012345GET /n HTTP/1.1\r\n\r\n";
    let mut r = BufReader::new(&raw[..]);
    let head = read_head(&mut r, &limits()).unwrap().unwrap();
    assert_eq!(
        read_body(&mut r, &head, &limits()).unwrap(),
        Body::Oversize { len: 15 }
    );
    let next = read_head(&mut r, &limits()).unwrap().unwrap();
    assert_eq!(next.target, "/n");

    let raw = b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\nGET /n HTTP/1.1\r\n\r\n";
    let mut r = BufReader::new(&raw[..]);
    let head = read_head(&mut r, &limits()).unwrap().unwrap();
    assert_eq!(
        read_body(&mut r, &head, &limits()).unwrap(),
        Body::Oversize { len: 16 }
    );
    assert_eq!(read_head(&mut r, &limits()).unwrap().unwrap().target, "/n");

    let raw = b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n15\r\n";
    let mut r = BufReader::new(&raw[..]);
    let head = read_head(&mut r, &limits()).unwrap().unwrap();
    assert!(matches!(
        read_body(&mut r, &head, &limits()),
        Err(HttpError::BodyTooLarge)
    ));
}

#[test]
fn keep_alive_rules() {
    let head = |raw: &[u8]| {
        read_head(&mut BufReader::new(raw), &limits())
            .unwrap()
            .unwrap()
    };
    assert!(head(b"GET / HTTP/1.1\r\n\r\n").keep_alive());
    assert!(!head(b"GET / HTTP/1.1\r\nConnection: Close\r\n\r\n").keep_alive());
    assert!(!head(b"GET / HTTP/1.0\r\n\r\n").keep_alive());
    assert!(head(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive());
    assert!(
        head(b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n")
            .expects_continue()
    );
}

#[test]
fn writes_responses() {
    let mut out = Vec::new();
    write_response(
        &mut out,
        202,
        Some("application/json"),
        &[("X-A", "1")],
        b"{}",
        true,
    )
    .unwrap();
    assert_eq!(
        out,
        b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nX-A: 1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
    );
}
