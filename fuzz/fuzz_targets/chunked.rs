//! runtime-core's chunked-body decoder, as the client runs it on a response with
//! `Transfer-Encoding: chunked` (`http::fuzzing::read_response`, fed by `ruchy_lambda_fuzz`).
//!
//! The first input byte picks the mode:
//! - high bit clear: the rest is a chunked body, read with caps and read sizes picked by the low
//!   bits. The outcome must be exactly a plain model's, read from the whole input at once: the
//!   same body and bytes consumed, the same bytes left over, or the same error. It must not
//!   depend on how the input is split into reads. The body stays within its cap.
//! - high bit set: the rest drives an encoder (chunk sizes, hex case, leading zeros, extensions,
//!   trailers, CRLF or bare LF), whose output must decode to exactly the data encoded, consume
//!   exactly the encoding and leave the bytes after it unread, for any read sizes; with a body
//!   cap one byte short of the data it must fail with `BodyTooLarge`.
#![no_main]

use libfuzzer_sys::arbitrary::{Result as ArbResult, Unstructured};
use libfuzzer_sys::fuzz_target;
use ruchy_lambda_fuzz::{Response, read_response};
use ruchy_lambda_runtime_core::http::{HttpError, Limits};

const HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
const NEXT: &[u8] = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n";
/// The decoder's cap on a chunk-size line (`read_chunked`).
const SIZE_LINE_CAP: usize = 1024;

const READS: [&[usize]; 4] = [&[], &[1], &[2, 5, 1], &[7, 64, 3, 16384]];

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Ok { body: Vec<u8>, consumed: usize },
    ClosedEarly,
    InvalidChunk,
    BodyTooLarge,
    HeadTooLarge,
}

fn outcome(r: Result<Response, HttpError>) -> Outcome {
    match r {
        Ok(r) => Outcome::Ok {
            body: r.body,
            consumed: r.consumed - HEAD.len(),
        },
        Err(HttpError::ClosedEarly { .. }) => Outcome::ClosedEarly,
        Err(HttpError::InvalidChunk) => Outcome::InvalidChunk,
        Err(HttpError::BodyTooLarge { .. }) => Outcome::BodyTooLarge,
        Err(HttpError::HeadTooLarge { .. }) => Outcome::HeadTooLarge,
        Err(e) => panic!("a chunked body cannot fail with {e:?}"),
    }
}

/// A line of at most `cap` bytes before its LF, without its CR LF or LF; the position after it.
fn model_line(body: &[u8], pos: usize, cap: usize) -> Result<(&[u8], usize), Outcome> {
    match body[pos..].iter().position(|&b| b == b'\n') {
        Some(nl) if nl > cap => Err(Outcome::InvalidChunk),
        Some(nl) => {
            let line = &body[pos..pos + nl];
            Ok((line.strip_suffix(b"\r").unwrap_or(line), pos + nl + 1))
        }
        None if body.len() - pos > cap => Err(Outcome::InvalidChunk),
        None => Err(Outcome::ClosedEarly),
    }
}

fn blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// `1*HEXDIG [ BWS ";" anything ]`, optionally followed by blanks; the size must fit.
fn model_size(line: &[u8]) -> Option<usize> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    let rest = &line[digits..];
    let after_blanks = &rest[rest.iter().take_while(|&&b| blank(b)).count()..];
    if digits == 0 || !(after_blanks.is_empty() || after_blanks[0] == b';') {
        return None;
    }
    let hex = std::str::from_utf8(&line[..digits]).ok()?;
    let hex = hex.trim_start_matches('0');
    if hex.is_empty() {
        return Some(0);
    }
    usize::from_str_radix(hex, 16).ok()
}

/// RFC 9112 §7.1 chunked decoding of the whole input at once, with the client's caps.
fn model(body: &[u8], limits: &Limits) -> Outcome {
    let mut pos = 0;
    let mut decoded = Vec::new();
    let mut run = || -> Result<usize, Outcome> {
        loop {
            let (line, next) = model_line(body, pos, SIZE_LINE_CAP)?;
            let size = model_size(line).ok_or(Outcome::InvalidChunk)?;
            pos = next;
            if size == 0 {
                break;
            }
            if size > limits.max_body_bytes - decoded.len() {
                return Err(Outcome::BodyTooLarge);
            }
            if body.len() - pos < size {
                return Err(Outcome::ClosedEarly);
            }
            decoded.extend_from_slice(&body[pos..pos + size]);
            pos += size;
            let (line, next) = model_line(body, pos, 2)?;
            if !line.is_empty() {
                return Err(Outcome::InvalidChunk);
            }
            pos = next;
        }
        let mut trailer_bytes = 0;
        loop {
            let (line, next) = model_line(body, pos, limits.max_head_bytes)?;
            pos = next;
            if line.is_empty() {
                return Ok(pos);
            }
            trailer_bytes += line.len();
            if trailer_bytes > limits.max_head_bytes {
                return Err(Outcome::HeadTooLarge);
            }
        }
    };
    match run() {
        Ok(consumed) => Outcome::Ok {
            body: decoded,
            consumed,
        },
        Err(e) => e,
    }
}

fn decode_mode(mode: u8, body: &[u8]) {
    let limits = Limits {
        max_head_bytes: if mode & 1 == 0 { 64 * 1024 } else { 100 },
        max_headers: 128,
        max_body_bytes: if mode & 2 == 0 { 1 << 20 } else { 64 },
    };
    let input = [HEAD, body].concat();
    let expected = model(body, &limits);
    let reads = READS[usize::from(mode >> 2) % READS.len()];
    for reads in [&[][..], reads] {
        let got = read_response(&input, reads, &limits);
        if let Ok(r) = &got {
            assert!(r.body.len() <= limits.max_body_bytes);
            assert!(r.consumed <= input.len());
            assert!(input[r.consumed..].starts_with(&r.unread), "unread bytes");
        }
        assert_eq!(outcome(got), expected, "reads {reads:?}");
    }
}

/// An encoding of some data with every liberty the syntax allows.
fn encode(u: &mut Unstructured) -> ArbResult<(Vec<u8>, Vec<u8>)> {
    let mut data = Vec::new();
    let mut wire = Vec::new();
    let eol = |u: &mut Unstructured, wire: &mut Vec<u8>| -> ArbResult<()> {
        wire.extend_from_slice(if u.ratio(1, 8)? { b"\n" } else { b"\r\n" });
        Ok(())
    };
    let size_line = |u: &mut Unstructured, wire: &mut Vec<u8>, size: usize| -> ArbResult<()> {
        for _ in 0..u.int_in_range(0..=3)? {
            wire.push(b'0');
        }
        let hex = if u.arbitrary()? {
            format!("{size:X}")
        } else {
            format!("{size:x}")
        };
        wire.extend_from_slice(hex.as_bytes());
        for _ in 0..u.int_in_range(0..=2)? {
            if u.ratio(1, 3)? {
                wire.push(b' ');
            }
            wire.extend_from_slice(u.choose(&[
                &b";ext"[..],
                b";a=1",
                b"; q=\"x;y\"",
                b";\t z",
                b";name=value",
            ])?);
        }
        if u.ratio(1, 8)? {
            wire.push(b'\t');
        }
        Ok(())
    };
    for _ in 0..u.int_in_range(0..=8)? {
        let size = match u.int_in_range(0..=9)? {
            0 => u.int_in_range(1..=20_000)?,
            _ => u.int_in_range(1..=300)?,
        };
        let fill: u8 = u.arbitrary()?;
        let chunk: Vec<u8> = (0..size)
            .map(|i| fill.wrapping_add((i % 251) as u8))
            .collect();
        size_line(u, &mut wire, size)?;
        eol(u, &mut wire)?;
        wire.extend_from_slice(&chunk);
        eol(u, &mut wire)?;
        data.extend_from_slice(&chunk);
    }
    size_line(u, &mut wire, 0)?;
    eol(u, &mut wire)?;
    for _ in 0..u.int_in_range(0..=3)? {
        wire.extend_from_slice(u.choose(&[
            &b"X-Checksum: abc"[..],
            b"Server-Timing: total;dur=1",
            b"x:",
            b"Lambda-Runtime-Function-Error-Type:\t Unhandled ",
        ])?);
        eol(u, &mut wire)?;
    }
    eol(u, &mut wire)?;
    Ok((data, wire))
}

fn round_trip_mode(rest: &[u8]) {
    let mut u = Unstructured::new(rest);
    let Ok((data, wire)) = encode(&mut u) else {
        return;
    };
    let mut reads: Vec<usize> = Vec::new();
    for _ in 0..4 {
        match u.int_in_range(1..=20_000usize) {
            Ok(n) => reads.push(n),
            Err(_) => break,
        }
    }
    // Byte-at-a-time reads all through a long body only cost time: mix in larger ones.
    let mut one: Vec<usize> = vec![1];
    if wire.len() > 2048 {
        one.push(4096);
        reads.push(4096);
    }
    let input = [HEAD, &wire, NEXT].concat();
    let limits = Limits {
        max_body_bytes: data.len(),
        ..Limits::default()
    };
    for reads in [&[][..], &one, &reads] {
        let r = read_response(&input, reads, &limits)
            .unwrap_or_else(|e| panic!("reads {reads:?}: {e}"));
        assert_eq!(r.status, 200);
        assert!(r.body == data, "decoded body differs, reads {reads:?}");
        assert_eq!(r.consumed, HEAD.len() + wire.len(), "reads {reads:?}");
        assert!(NEXT.starts_with(&r.unread));
    }
    if let Some(short) = data.len().checked_sub(1) {
        let limits = Limits {
            max_body_bytes: short,
            ..limits
        };
        assert!(matches!(
            read_response(&input, &reads, &limits),
            Err(HttpError::BodyTooLarge { limit }) if limit == short
        ));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 0x80 == 0 {
        decode_mode(mode, rest);
    } else {
        round_trip_mode(rest);
    }
});
