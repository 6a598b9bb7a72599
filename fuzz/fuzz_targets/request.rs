//! The local Lambda's HTTP request parser (`ruchy_lambda_local::http`: `read_head`, `read_body`,
//! `ChunkedReader`) on arbitrary bytes, read as the Runtime API server reads a keep-alive
//! connection: request after request until the input ends, an error, or a request that closes.
//!
//! Invariants, for the server's default caps (with a smaller body cap) and for tight caps:
//! - never panics; consumed bytes never exceed the input;
//! - `Ok(None)` only at the very end of the input;
//! - a head took at most `max_head_bytes`, has at most `max_headers` fields, a token method, a
//!   target in origin form (`/` and visible ASCII), token field names, values with no CR, LF or
//!   NUL and no surrounding whitespace; its framing is what its fields say (`Chunked` only for
//!   HTTP/1.1, `Transfer-Encoding: chunked` alone and no `Content-Length`; otherwise
//!   `Length(n)` with every `Content-Length` value equal to `n`, 0 when there is none);
//! - a body is within the caps: `Complete` is at most `body_keep` bytes (for `Content-Length`,
//!   exactly the next `n` input bytes), `Oversize` is over `body_keep` and at most
//!   `body_discard`; a `Content-Length` over `body_discard` is refused before reading;
//! - a chunked body read piece by piece with `ChunkedReader` gives the same data (when kept),
//!   the same size, the same end position and the same error as `read_body`;
//! - the outcome of the whole connection does not depend on how the bytes are buffered
//!   (`BufReader` of 1 byte or 8 KiB).
#![no_main]

use std::io::{BufReader, Cursor};

use libfuzzer_sys::fuzz_target;
use ruchy_lambda_local::http::{
    Body, ChunkRead, ChunkedReader, Framing, HttpError, Limits, RequestHead, read_body, read_head,
};

const TIGHT: Limits = Limits {
    max_head_bytes: 256,
    max_headers: 4,
    body_keep: 10,
    body_discard: 20,
};

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

type Reader<'a> = BufReader<Cursor<&'a [u8]>>;

fn position(r: &Reader) -> usize {
    r.get_ref().position() as usize - r.buffer().len()
}

fn check_head(head: &RequestHead, limits: &Limits) {
    assert!(!head.method.is_empty() && head.method.bytes().all(is_tchar));
    assert!(head.target.starts_with('/'));
    assert!(head.target.bytes().all(|b| b.is_ascii_graphic()));
    assert!(head.headers.len() <= limits.max_headers);
    for (name, value) in &head.headers {
        assert!(!name.is_empty() && name.bytes().all(is_tchar), "{name:?}");
        assert!(!value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0));
        assert_eq!(value.trim_ascii(), value);
    }
    let named = |n: &'static str| {
        head.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_str())
    };
    let codings: Vec<String> = named("transfer-encoding")
        .flat_map(|v| v.split(','))
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty())
        .collect();
    match head.framing {
        Framing::Chunked => {
            assert!(head.http11);
            assert_eq!(named("content-length").count(), 0);
            assert_eq!(codings, ["chunked"]);
        }
        Framing::Length(n) => {
            assert!(codings.is_empty());
            let mut lengths = named("content-length")
                .flat_map(|v| v.split(','))
                .peekable();
            if lengths.peek().is_none() {
                assert_eq!(n, 0);
            }
            for l in lengths {
                assert_eq!(l.trim().parse::<u64>().ok(), Some(n), "{l:?}");
            }
        }
    }
}

/// The chunked body at `input[at..]`, read with `ChunkedReader` `piece` bytes at a time.
fn stream_chunked(input: &[u8], at: usize, piece: usize, limits: &Limits) -> String {
    let mut r = BufReader::with_capacity(3, Cursor::new(&input[at..]));
    let mut chunked = ChunkedReader::new();
    let mut data = Vec::new();
    let result = loop {
        match chunked.read(&mut r, &mut data, piece, limits) {
            Ok(ChunkRead::Data(n)) => assert!(n >= 1 && n <= piece),
            Ok(ChunkRead::End) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    assert_eq!(chunked.total(), data.len() as u64);
    match result {
        Ok(()) => {
            assert!(chunked.is_done());
            assert!(matches!(
                chunked.read(&mut r, &mut data, piece, limits),
                Ok(ChunkRead::End)
            ));
            assert!(chunked.trailers().len() <= limits.max_headers);
            let body = if chunked.total() > limits.body_keep as u64 {
                format!(
                    "{:?}",
                    Body::Oversize {
                        len: chunked.total()
                    }
                )
            } else {
                format!("{:?}", Body::Complete(data))
            };
            format!("{body} to {}", at + position(&r))
        }
        Err(e) => format!("{e:?}"),
    }
}

/// Every request on a connection carrying `input`, read through a `capacity`-byte buffer, as a
/// log of outcomes; checks the invariants on the way.
fn connection(input: &[u8], capacity: usize, limits: &Limits) -> Vec<String> {
    let mut r = BufReader::with_capacity(capacity, Cursor::new(input));
    let mut log = Vec::new();
    for _ in 0..16 {
        let start = position(&r);
        let head = match read_head(&mut r, limits) {
            Ok(Some(head)) => head,
            Ok(None) => {
                assert_eq!(start, input.len());
                log.push("end".to_owned());
                break;
            }
            Err(e) => {
                assert!(position(&r) <= input.len());
                check_error(&e);
                log.push(format!("head: {e:?}"));
                break;
            }
        };
        let at = position(&r);
        assert!(at - start <= limits.max_head_bytes);
        check_head(&head, limits);
        let body = read_body(&mut r, &head, limits);
        let end = position(&r);
        assert!(end <= input.len());
        match (&head.framing, &body) {
            (Framing::Length(n), _) if *n > limits.body_discard => {
                assert!(matches!(body, Err(HttpError::BodyTooLarge)));
                assert_eq!(end, at);
            }
            (Framing::Length(n), Ok(Body::Complete(b))) => {
                assert_eq!(b.len() as u64, *n);
                assert!(b.len() <= limits.body_keep);
                assert_eq!(&input[at..end], &b[..]);
            }
            (Framing::Length(n), Ok(Body::Oversize { len })) => {
                assert_eq!(len, n);
                assert!(*len > limits.body_keep as u64);
                assert_eq!((end - at) as u64, *n);
            }
            (Framing::Length(n), Err(e)) => {
                assert!(matches!(e, HttpError::UnexpectedEof), "{e:?}");
                assert!(((input.len() - at) as u64) < *n);
            }
            (Framing::Chunked, body) => {
                match body {
                    Ok(Body::Complete(b)) => assert!(b.len() <= limits.body_keep),
                    Ok(Body::Oversize { len }) => {
                        assert!(*len > limits.body_keep as u64 && *len <= limits.body_discard)
                    }
                    Err(e) => check_error(e),
                }
                let whole = match body {
                    Ok(b) => format!("{b:?} to {end}"),
                    Err(e) => format!("{e:?}"),
                };
                for piece in [1, 5, 64 * 1024] {
                    assert_eq!(
                        stream_chunked(input, at, piece, limits),
                        whole,
                        "piece {piece}"
                    );
                }
            }
        }
        log.push(format!("{head:?} {body:?} {start}..{at}..{end}"));
        if body.is_err() || !head.keep_alive() {
            break;
        }
    }
    log
}

fn check_error(e: &HttpError) {
    assert!(!matches!(e, HttpError::Io(_)), "{e:?}");
    // Every error but a truncated request is answered.
    assert_eq!(e.status().is_none(), matches!(e, HttpError::UnexpectedEof));
}

fuzz_target!(|data: &[u8]| {
    for limits in [Limits::with_body(64 * 1024), TIGHT] {
        let log = connection(data, 8 * 1024, &limits);
        assert_eq!(connection(data, 1, &limits), log, "1-byte buffer");
    }
});
