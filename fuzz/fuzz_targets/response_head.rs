//! runtime-core's response-head parser (`http::parse_head`) on arbitrary bytes, and the client's
//! reading of a whole response (`http::fuzzing::read_response`, fed by `ruchy_lambda_fuzz`) with
//! the input split into reads of different sizes.
//!
//! Invariants:
//! - never panics;
//! - a complete head lies within the input and the caps, ends at the first empty line, starts
//!   with `HTTP/1.0 ` or `HTTP/1.1 `, has a status in 100..=999, and has one field per line
//!   between the status line and the empty line, each a token name, a colon and a value with no
//!   surrounding blanks and no control byte but HTAB;
//! - the head is decided by its own bytes: the head alone parses to the same result, and every
//!   proper prefix of it is "incomplete", never an error;
//! - the caps are exact: a head of `len` bytes and `n` fields passes with caps `len` and `n`,
//!   and fails with `HeadTooLarge` at `len - 1` or `TooManyHeaders` at `n - 1`;
//! - "incomplete" means no empty line, within the cap, and a start that can still be `HTTP/1.`;
//! - a whole response reads the same whether it arrives at once or in pieces: same outcome
//!   (ok or not), and the same status, head, fields, body and bytes consumed; bytes read past
//!   the response are the input's next bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ruchy_lambda_fuzz::{Response as FuzzResponse, read_response};
use ruchy_lambda_runtime_core::http::{Head, HttpError, Limits, parse_head};

const TIGHT: Limits = Limits {
    max_head_bytes: 200,
    max_headers: 3,
    max_body_bytes: 64,
};
/// The client's defaults, with a smaller body cap so a large `Content-Length` stays cheap.
const CLIENT: Limits = Limits {
    max_head_bytes: 64 * 1024,
    max_headers: 128,
    max_body_bytes: 64 * 1024,
};

fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether `buf` holds an empty line ending at `at` (exclusive), i.e. `buf[..at]` ends a head.
fn has_empty_line_before(buf: &[u8], end: usize) -> bool {
    // Every empty line ("\n" or "\r\n" at a line start) before `end`.
    let mut line_start = 0;
    for (i, &b) in buf[..end].iter().enumerate() {
        if b == b'\n' {
            let line = &buf[line_start..i];
            if line.is_empty() || line == b"\r" {
                return true;
            }
            line_start = i + 1;
        }
    }
    false
}

fn check_head(buf: &[u8], limits: &Limits, head: &Head) {
    let len = head.len;
    assert!(len <= buf.len() && len <= limits.max_head_bytes);
    assert!(head.headers.len() <= limits.max_headers);
    assert!((100..=999).contains(&head.status), "{}", head.status);
    let version: &[u8] = if head.http10 {
        b"HTTP/1.0 "
    } else {
        b"HTTP/1.1 "
    };
    assert!(buf.starts_with(version));
    assert_eq!(&buf[9..12], head.status.to_string().as_bytes());
    // It ends at the first empty line.
    let text = &buf[..len];
    assert!(text.ends_with(b"\n\n") || text.ends_with(b"\n\r\n"));
    assert!(!has_empty_line_before(buf, len - 1));
    // One field per line between the status line and the empty line.
    let lines: Vec<usize> = std::iter::once(0)
        .chain(
            text.iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect();
    // lines: starts of the status line, each field line, the empty line, and `len`.
    assert_eq!(lines.len(), head.headers.len() + 3);
    for (k, (name, value)) in head.headers.iter().enumerate() {
        let (start, next) = (lines[k + 1], lines[k + 2]);
        assert_eq!(name.start, start);
        assert!(name.end < value.start || (name.end < next && value.is_empty()));
        assert!(value.start <= value.end && value.end < next);
        let name_bytes = &buf[name.clone()];
        assert!(!name_bytes.is_empty() && name_bytes.iter().all(|&b| is_token(b)));
        assert_eq!(buf[name.end], b':');
        let v = &buf[value.clone()];
        assert!(!v.iter().any(|&b| b != b'\t' && b.is_ascii_control()));
        assert!(!matches!(v.first(), Some(b' ' | b'\t')));
        assert!(!matches!(v.last(), Some(b' ' | b'\t')));
        // Between the colon and the value, and after the value: only blanks and the line end.
        assert!(
            buf[name.end + 1..value.start]
                .iter()
                .all(|&b| b == b' ' || b == b'\t')
        );
        let tail = &buf[value.end..next - 1];
        let tail = tail.strip_suffix(b"\r").unwrap_or(tail);
        assert!(tail.iter().all(|&b| b == b' ' || b == b'\t'));
    }
}

fn check_parse(buf: &[u8], limits: &Limits) {
    match parse_head(buf, limits) {
        Ok(Some(head)) => {
            check_head(buf, limits, &head);
            let len = head.len;
            assert_eq!(parse_head(&buf[..len], limits).unwrap(), Some(head.clone()));
            // No proper prefix is an error.
            let step = if len <= 512 { 1 } else { len / 97 };
            for k in (0..len).step_by(step).chain([len - 1]) {
                assert!(
                    matches!(parse_head(&buf[..k], limits), Ok(None)),
                    "prefix {k}"
                );
            }
            // The caps are exact.
            let exact = Limits {
                max_head_bytes: len,
                max_headers: head.headers.len(),
                ..*limits
            };
            assert_eq!(parse_head(buf, &exact).unwrap(), Some(head.clone()));
            let shorter = Limits {
                max_head_bytes: len - 1,
                ..exact
            };
            assert!(matches!(
                parse_head(buf, &shorter),
                Err(HttpError::HeadTooLarge { limit }) if limit == len - 1
            ));
            if let Some(fewer) = head.headers.len().checked_sub(1) {
                let fewer = Limits {
                    max_headers: fewer,
                    ..exact
                };
                assert!(matches!(
                    parse_head(buf, &fewer),
                    Err(HttpError::TooManyHeaders { limit }) if limit == head.headers.len() - 1
                ));
            }
        }
        Ok(None) => {
            assert!(buf.len() <= limits.max_head_bytes);
            assert!(!has_empty_line_before(buf, buf.len()));
            let n = buf.len().min(7);
            assert_eq!(&buf[..n], &b"HTTP/1."[..n]);
        }
        Err(HttpError::HeadTooLarge { limit }) => assert_eq!(limit, limits.max_head_bytes),
        Err(HttpError::TooManyHeaders { limit }) => assert_eq!(limit, limits.max_headers),
        Err(HttpError::InvalidStatusLine | HttpError::InvalidHeader) => {}
        Err(e) => panic!("parse_head cannot fail with {e:?}"),
    }
}

fn check_response(input: &[u8], limits: &Limits, r: &FuzzResponse) {
    assert!(r.status >= 200 || r.status == 101);
    assert!(r.consumed <= input.len());
    assert!(r.body.len() <= limits.max_body_bytes);
    assert!(input[r.consumed..].starts_with(&r.unread));
    // The head kept is the final head, as parse_head reads it.
    let head = parse_head(&r.head, limits).unwrap().unwrap();
    assert_eq!(head.len, r.head.len());
    assert_eq!(head.status, r.status);
    assert_eq!(head.headers, r.headers);
    assert!(r.consumed >= r.head.len());
    if let Ok(Some(first)) = parse_head(input, limits)
        && first.status >= 200
    {
        assert_eq!(r.head, &input[..first.len]);
    }
}

fuzz_target!(|data: &[u8]| {
    check_parse(data, &Limits::default());
    check_parse(data, &TIGHT);

    for limits in [CLIENT, TIGHT] {
        let whole = read_response(data, &[], &limits);
        if let Ok(r) = &whole {
            check_response(data, &limits, r);
        }
        for reads in [&[1][..], &[3, 1, 17, 2]] {
            let split = read_response(data, reads, &limits);
            match (&whole, &split) {
                (Ok(a), Ok(b)) => {
                    check_response(data, &limits, b);
                    // What was read past the response depends on the reads; the rest may not.
                    let unread = FuzzResponse {
                        unread: Vec::new(),
                        ..a.clone()
                    };
                    assert_eq!(
                        unread,
                        FuzzResponse {
                            unread: Vec::new(),
                            ..b.clone()
                        },
                        "reads {reads:?}"
                    );
                }
                (Err(_), Err(_)) => {}
                _ => panic!("reads {reads:?}: {whole:?} at once, {split:?} in pieces"),
            }
        }
    }
});
